//! Statuspage and GitHub clients against the fakes (Jira: tickets.rs).

use crate::support::{http, serve};
use flare::domain::{SeverityScale, Status};
use flare_integrations::IntegrationError;
use flare_integrations::statuspage::{
    ComponentStatus, GitHub, Issue, PublicStatus, StatusPage, StatusUpdate, Statuspage, Tracker,
};

fn update(status: PublicStatus) -> StatusUpdate {
    StatusUpdate {
        name: "Checkout errors".into(),
        status,
        body: "We are looking into failed payments.".into(),
        component_ids: vec!["cmp1".into()],
        component_status: ComponentStatus::MajorOutage,
        deliver_notifications: true,
    }
}

#[tokio::test]
async fn statuspage_create_then_update_to_resolved() {
    let (fakes, base) = serve().await;
    let sp = Statuspage::new(
        http(),
        &format!("{base}/fake/statuspage"),
        "page1",
        "sp-key".into(),
    );
    let created = sp
        .create(&update(PublicStatus::Investigating))
        .await
        .unwrap();
    assert_eq!(created.status, "investigating");
    assert!(created.shortlink.is_some());
    let got = fakes.received_by("statuspage");
    assert_eq!(got[0].path, "/fake/statuspage/v1/pages/page1/incidents");
    assert_eq!(got[0].authorization.as_deref(), Some("OAuth sp-key"));
    assert_eq!(
        got[0].body["incident"]["components"]["cmp1"],
        "major_outage"
    );

    let done = sp
        .update(&created.id, &update(PublicStatus::Resolved))
        .await
        .unwrap();
    assert_eq!(done.id, created.id);
    assert_eq!(done.status, "resolved");
    let got = fakes.received_by("statuspage");
    assert_eq!(got[1].method, "PATCH");
    assert_eq!(got[1].body["incident"]["components"]["cmp1"], "operational");
    let stored = &fakes.statuspage_incidents()[&created.id];
    assert!(!stored["resolved_at"].is_null());
    assert_eq!(stored["incident_updates"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn statuspage_rate_limit_is_retried_and_unknown_incident_is_permanent() {
    let (fakes, base) = serve().await;
    let sp = Statuspage::new(
        http(),
        &format!("{base}/fake/statuspage"),
        "page1",
        "k".into(),
    );
    fakes.inject_fault("statuspage", 420, 1);
    sp.create(&update(PublicStatus::Investigating))
        .await
        .unwrap();
    assert_eq!(fakes.received_by("statuspage").len(), 2);
    let err = sp
        .update("nope", &update(PublicStatus::Monitoring))
        .await
        .unwrap_err();
    assert!(
        matches!(err, IntegrationError::Permanent(ref m) if m.contains("404")),
        "{err:?}"
    );
}

#[test]
fn status_and_component_mapping() {
    assert_eq!(
        PublicStatus::of(Status::Triage),
        PublicStatus::Investigating
    );
    assert_eq!(PublicStatus::of(Status::Fixing), PublicStatus::Identified);
    assert_eq!(
        PublicStatus::of(Status::Monitoring),
        PublicStatus::Monitoring
    );
    assert_eq!(PublicStatus::of(Status::Closed), PublicStatus::Resolved);
    let scale = SeverityScale::default();
    let s1 = scale.parse("S1").unwrap();
    let s3 = scale.parse("S3").unwrap();
    assert_eq!(
        ComponentStatus::of(&scale, &s1),
        ComponentStatus::MajorOutage
    );
    assert_eq!(
        ComponentStatus::of(&scale, &s3),
        ComponentStatus::PartialOutage
    );
}

#[tokio::test]
async fn github_issue_is_created() {
    let (fakes, base) = serve().await;
    let gh = GitHub::new(
        http(),
        &format!("{base}/fake/github"),
        "acme",
        "web",
        "ghp_x".into(),
    );
    let issue = Issue {
        title: "Add a circuit breaker".into(),
        body: "From incident 20250304-brave-otter".into(),
        labels: vec!["incident-followup".into()],
        ..Issue::default()
    };
    let first = gh.create_issue(&issue).await.unwrap();
    let second = gh.create_issue(&issue).await.unwrap();
    assert_eq!(first.number, 1);
    assert_eq!(second.number, 2);
    assert_eq!(first.html_url, "https://github.com/acme/web/issues/1");
    let got = fakes.received_by("github");
    assert_eq!(got[0].path, "/fake/github/repos/acme/web/issues");
    assert_eq!(got[0].authorization.as_deref(), Some("Bearer ghp_x"));
    assert_eq!(got[0].body["labels"][0], "incident-followup");

    let untitled = gh.create_issue(&Issue::default()).await.unwrap_err();
    assert!(matches!(untitled, IntegrationError::Permanent(ref m) if m.contains("422")));
}
