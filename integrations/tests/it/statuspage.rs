//! Statuspage and GitHub clients against the fakes (Jira: tickets.rs).

use crate::support::{http, serve};
use flare::domain::{ComponentPolicy, SeverityScale, Status};
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
        .update(
            &created.id,
            &StatusUpdate {
                component_status: ComponentStatus::Operational,
                ..update(PublicStatus::Resolved)
            },
        )
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
    // The lifecycle as configured, by severity where the stage isn't set.
    let scale = SeverityScale::default();
    let s1 = scale.parse("S1").unwrap();
    let s3 = scale.parse("S3").unwrap();
    let policy = ComponentPolicy::default();
    let at = |status, sev| policy.of(status, scale.is_critical(sev));
    assert_eq!(at(Status::Fixing, &s1), ComponentStatus::MajorOutage);
    assert_eq!(at(Status::Fixing, &s3), ComponentStatus::PartialOutage);
    assert_eq!(
        at(Status::Monitoring, &s1),
        ComponentStatus::DegradedPerformance
    );
    assert_eq!(at(Status::Resolved, &s1), ComponentStatus::Operational);
}

/// Like the real API: an unknown incident status or component status is a 422, and
/// the fake keeps what it got.
#[tokio::test]
async fn the_fake_refuses_unknown_statuses_and_records_them() {
    let (fakes, base) = serve().await;
    let url = format!("{base}/fake/statuspage/v1/pages/page1/incidents");
    let client = reqwest::Client::new();
    for incident in [
        serde_json::json!({ "name": "x", "status": "fixing" }),
        serde_json::json!({ "name": "x", "status": "investigating", "components": { "cmp1": "down" } }),
    ] {
        let res = client
            .post(&url)
            .header("Authorization", "OAuth k")
            .json(&serde_json::json!({ "incident": incident }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 422, "{incident}");
    }
    let got = fakes.received_by("statuspage");
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].body["incident"]["status"], "fixing");
    assert_eq!(got[1].body["incident"]["components"]["cmp1"], "down");
    assert!(fakes.statuspage_incidents().is_empty());
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
