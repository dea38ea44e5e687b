//! Both vendors' adapters against the fakes.

use crate::support::{http, pagers, serve, t0};
use flare::config::{OnCallTarget, OpsgenieRegion};
use flare_integrations::pager::{Link, Opsgenie, Page, PageSeverity, Pager, PagerDuty, Vendor};
use flare_integrations::{Endpoints, IntegrationError};
use std::collections::BTreeMap;

fn page(key: &str) -> Page {
    Page {
        dedup_key: key.into(),
        summary: "[S1] Checkout is down (20250304-brave-otter)".into(),
        description: "Customers cannot pay".into(),
        severity: PageSeverity::Critical,
        source: "flare".into(),
        component: Some("payments".into()),
        links: vec![Link {
            href: "https://slack.com/app_redirect?channel=C1".into(),
            text: "Slack channel".into(),
        }],
        custom_details: BTreeMap::from([(
            "incident".to_owned(),
            "20250304-brave-otter".to_owned(),
        )]),
        timestamp: t0(),
        tags: vec!["flare".into()],
    }
}

#[tokio::test]
async fn pagerduty_trigger_acknowledge_resolve() {
    let (fakes, base) = serve().await;
    let pd = PagerDuty::new(http(), &format!("{base}/fake/pagerduty"), "rk-123".into());
    let r = pd.trigger(&page("flare-x-pd")).await.unwrap();
    assert_eq!(r.vendor, Vendor::Pagerduty);
    assert_eq!(r.key, "flare-x-pd");
    assert_eq!(fakes.pagerduty_alerts()["flare-x-pd"], "triggered");
    pd.acknowledge(&r).await.unwrap();
    assert_eq!(fakes.pagerduty_alerts()["flare-x-pd"], "acknowledged");
    pd.resolve(&r).await.unwrap();
    assert_eq!(fakes.pagerduty_alerts()["flare-x-pd"], "resolved");

    let got = fakes.received_by("pagerduty");
    assert_eq!(got.len(), 3);
    let trigger = &got[0].body;
    assert_eq!(got[0].path, "/fake/pagerduty/v2/enqueue");
    assert_eq!(trigger["routing_key"], "rk-123");
    assert_eq!(trigger["event_action"], "trigger");
    assert_eq!(trigger["payload"]["severity"], "critical");
    assert_eq!(trigger["payload"]["source"], "flare");
    assert_eq!(trigger["payload"]["component"], "payments");
    assert_eq!(trigger["client"], "Flare");
    assert_eq!(
        trigger["client_url"],
        "https://slack.com/app_redirect?channel=C1"
    );
    assert_eq!(trigger["links"][0]["text"], "Slack channel");
    assert_eq!(got[1].body["event_action"], "acknowledge");
    assert_eq!(got[2].body["event_action"], "resolve");
    assert_eq!(got[2].body["routing_key"], "rk-123");
}

#[tokio::test]
async fn pagerduty_same_dedup_key_is_one_alert() {
    let (fakes, base) = serve().await;
    let pd = PagerDuty::new(http(), &format!("{base}/fake/pagerduty"), "rk".into());
    let a = pd.trigger(&page("k1")).await.unwrap();
    let b = pd.trigger(&page("k1")).await.unwrap();
    assert_eq!(a, b);
    assert_eq!(fakes.pagerduty_alerts().len(), 1);
}

#[tokio::test]
async fn pagerduty_429_is_retried_until_accepted() {
    let (fakes, base) = serve().await;
    fakes.inject_fault("pagerduty", 429, 2);
    let pd = PagerDuty::new(http(), &format!("{base}/fake/pagerduty"), "rk".into());
    pd.trigger(&page("k2")).await.unwrap();
    assert_eq!(fakes.received_by("pagerduty").len(), 3);
    assert_eq!(fakes.pagerduty_alerts()["k2"], "triggered");
}

#[tokio::test]
async fn pagerduty_400_is_not_retried() {
    let (fakes, base) = serve().await;
    let pd = PagerDuty::new(http(), &format!("{base}/fake/pagerduty"), "rk".into());
    let mut bad = page("k3");
    bad.summary = String::new();
    let err = pd.trigger(&bad).await.unwrap_err();
    assert!(
        matches!(err, IntegrationError::Permanent(ref m) if m.contains("400")),
        "{err:?}"
    );
    assert_eq!(fakes.received_by("pagerduty").len(), 1);
}

#[tokio::test]
async fn pagerduty_5xx_exhausted_is_transient() {
    let (fakes, base) = serve().await;
    fakes.inject_fault("pagerduty", 503, 10);
    let pd = PagerDuty::new(http(), &format!("{base}/fake/pagerduty"), "rk".into());
    let err = pd.trigger(&page("k4")).await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert_eq!(fakes.received_by("pagerduty").len(), 3);
}

#[tokio::test]
async fn pagerduty_long_summary_is_clipped() {
    let (fakes, base) = serve().await;
    let pd = PagerDuty::new(http(), &format!("{base}/fake/pagerduty"), "rk".into());
    let mut long = page("k5");
    long.summary = "é".repeat(3000);
    pd.trigger(&long).await.unwrap();
    let body = &fakes.received_by("pagerduty")[0].body;
    assert_eq!(
        body["payload"]["summary"].as_str().unwrap().chars().count(),
        1024
    );
}

#[tokio::test]
async fn opsgenie_create_acknowledge_close() {
    let (fakes, base) = serve().await;
    let og = Opsgenie::new(
        http(),
        &format!("{base}/fake/opsgenie"),
        "key-1".into(),
        "payments-team".into(),
    );
    let mut p = page("flare-x-og");
    p.summary = "x".repeat(200);
    let r = og.trigger(&p).await.unwrap();
    assert_eq!(r.vendor, Vendor::Opsgenie);
    assert_eq!(fakes.opsgenie_alerts()["flare-x-og"], "open");
    og.acknowledge(&r).await.unwrap();
    assert_eq!(fakes.opsgenie_alerts()["flare-x-og"], "acknowledged");
    og.resolve(&r).await.unwrap();
    assert_eq!(fakes.opsgenie_alerts()["flare-x-og"], "closed");

    let got = fakes.received_by("opsgenie");
    assert_eq!(got.len(), 3);
    assert!(
        got.iter()
            .all(|r| r.authorization.as_deref() == Some("GenieKey key-1"))
    );
    let create = &got[0].body;
    assert_eq!(got[0].path, "/fake/opsgenie/v2/alerts");
    assert_eq!(create["message"].as_str().unwrap().chars().count(), 130);
    assert_eq!(create["alias"], "flare-x-og");
    assert_eq!(create["priority"], "P1");
    assert_eq!(create["source"], "Flare");
    assert_eq!(create["responders"][0]["name"], "payments-team");
    assert_eq!(create["responders"][0]["type"], "team");
    assert!(
        create["description"]
            .as_str()
            .unwrap()
            .contains("app_redirect?channel=C1")
    );
    assert_eq!(
        got[1].path,
        "/fake/opsgenie/v2/alerts/flare-x-og/acknowledge?identifierType=alias"
    );
    assert_eq!(
        got[2].path,
        "/fake/opsgenie/v2/alerts/flare-x-og/close?identifierType=alias"
    );
}

#[tokio::test]
async fn opsgenie_429_retried_and_422_not() {
    let (fakes, base) = serve().await;
    let og = Opsgenie::new(
        http(),
        &format!("{base}/fake/opsgenie"),
        "k".into(),
        "team".into(),
    );
    fakes.inject_fault("opsgenie", 429, 1);
    og.trigger(&page("a1")).await.unwrap();
    assert_eq!(fakes.received_by("opsgenie").len(), 2);

    let mut bad = page("a2");
    bad.summary = "  ".into();
    let err = og.trigger(&bad).await.unwrap_err();
    assert!(
        matches!(err, IntegrationError::Permanent(ref m) if m.contains("422")),
        "{err:?}"
    );
    assert_eq!(fakes.received_by("opsgenie").len(), 3);
}

#[tokio::test]
async fn pagers_resolve_keys_and_regions() {
    let (fakes, base) = serve().await;
    let mut p = pagers(&base);
    let pd = p
        .for_target(&OnCallTarget::Pagerduty {
            routing_key_param: "/flare/pd/payments".into(),
        })
        .await
        .unwrap();
    pd.trigger(&page("r1")).await.unwrap();
    assert_eq!(
        fakes.received_by("pagerduty")[0].body["routing_key"],
        "local-/flare/pd/payments"
    );

    let eu = OnCallTarget::Opsgenie {
        responder: "team".into(),
        region: OpsgenieRegion::Eu,
    };
    p.for_target(&eu)
        .await
        .unwrap()
        .trigger(&page("r2"))
        .await
        .unwrap();
    assert_eq!(
        fakes.received_by("opsgenie")[0].authorization.as_deref(),
        Some("GenieKey local-/flare/opsgenie")
    );

    p.opsgenie_key_param = None;
    let err = p.for_target(&eu).await.err().unwrap();
    assert!(
        matches!(err, IntegrationError::Permanent(ref m) if m.contains("FLARE_OPSGENIE_KEY_PARAM"))
    );
}

#[test]
fn endpoints_production_and_local() {
    let prod = Endpoints::production();
    assert_eq!(
        prod.opsgenie(OpsgenieRegion::Eu),
        "https://api.eu.opsgenie.com"
    );
    assert_eq!(
        prod.opsgenie(OpsgenieRegion::Us),
        "https://api.opsgenie.com"
    );
    assert_eq!(prod.pagerduty, "https://events.pagerduty.com");
    let local = Endpoints::local("http://127.0.0.1:3000/");
    assert_eq!(local.pagerduty, "http://127.0.0.1:3000/fake/pagerduty");
    assert_eq!(local.github, "http://127.0.0.1:3000/fake/github");
    // Jira: each tracker's own site in production, the fake whatever the site locally.
    let site = "https://acme.atlassian.net";
    assert_eq!(prod.jira(site), site);
    assert_eq!(local.jira(site), "http://127.0.0.1:3000/fake/jira");
}
