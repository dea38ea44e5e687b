//! Paging end to end through the local host: the PagerDuty and Opsgenie fakes receive
//! what a declaration, an acknowledgement, an escalation and a resolution send.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flare_slack_sim::ViewValues;
use flare_tests::app::App;
use serde_json::Value;

async fn integrations(app: &App) -> Vec<Value> {
    let r = reqwest::get(format!("{}/sim/integrations", app.host.base_url))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn actions(received: &[Value], vendor: &str) -> Vec<String> {
    received
        .iter()
        .filter(|r| r["vendor"] == vendor)
        .map(|r| match vendor {
            "pagerduty" => r["body"]["event_action"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            _ => format!(
                "{} {}",
                r["method"].as_str().unwrap_or_default(),
                r["path"].as_str().unwrap_or_default()
            ),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_critical_declaration_pages_the_service_once_and_resolving_resolves_it() {
    let app = App::start().await;
    let services = ViewValues::new().set_many("services", "value", &["checkout"]);
    let (id, name) = app
        .declare("U0ALICE", "Checkout down", "S1", services)
        .await;

    let received = integrations(&app).await;
    assert_eq!(
        actions(&received, "pagerduty"),
        vec!["trigger"],
        "{received:?}"
    );
    let trigger = received
        .iter()
        .find(|r| r["vendor"] == "pagerduty")
        .unwrap();
    let dedup = trigger["body"]["dedup_key"].as_str().unwrap().to_owned();
    assert!(
        dedup.contains(id.as_str()),
        "dedup key from the incident: {dedup}"
    );
    assert_eq!(trigger["body"]["payload"]["severity"], "critical");
    assert!(
        trigger["body"]
            .to_string()
            .contains("slack.com/app_redirect?channel="),
        "links the channel"
    );

    // Escalation pages the coordinator rotation (PagerDuty in the local config).
    app.slash("U0ALICE", &name, "escalate").await;
    // The incident manager is on Opsgenie.
    app.slash("U0ALICE", &name, "escalate imoc").await;
    let received = integrations(&app).await;
    assert_eq!(actions(&received, "pagerduty"), vec!["trigger", "trigger"]);
    assert_eq!(
        actions(&received, "opsgenie"),
        vec!["POST /fake/opsgenie/v2/alerts"]
    );

    app.slash("U0ALICE", &name, "resolve").await;
    let received = integrations(&app).await;
    let pd = actions(&received, "pagerduty");
    assert_eq!(pd.iter().filter(|a| *a == "resolve").count(), 2, "{pd:?}");
    assert!(
        actions(&received, "opsgenie")
            .iter()
            .any(|a| a.contains("/close"))
    );
    let resolved: Vec<&str> = received
        .iter()
        .filter(|r| r["body"]["event_action"] == "resolve")
        .map(|r| r["body"]["dedup_key"].as_str().unwrap())
        .collect();
    assert!(
        resolved.contains(&dedup.as_str()),
        "the same dedup key resolves the page"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_minor_incident_pages_nobody_until_someone_escalates() {
    let app = App::start().await;
    let (_, name) = app
        .declare(
            "U0ALICE",
            "Typo on the pricing page",
            "S4",
            ViewValues::new(),
        )
        .await;
    assert!(
        integrations(&app).await.is_empty(),
        "S4 without 'page on-call': no page"
    );
    app.slash("U0ALICE", &name, "escalate").await;
    assert_eq!(
        actions(&integrations(&app).await, "pagerduty"),
        vec!["trigger"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_catalog_says_who_owns_what_and_who_is_paged() {
    let app = App::start().await;
    let r = app.slash("U0CAROL", "general", "services").await;
    assert!(
        r.body.contains("Checkout API")
            && r.body.contains("payments")
            && r.body.contains("<@U0BOB>")
            && r.body.contains("PagerDuty"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("Search") && r.body.contains("Opsgenie"),
        "{}",
        r.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pager_error_is_retried_or_reported_and_the_incident_goes_on() {
    let app = App::start().await;
    // 500 first (retried), then accepted: one alert.
    app.host.fakes.inject_fault("pagerduty", 500, 1);
    let services = ViewValues::new().set_many("services", "value", &["checkout"]);
    let (_, name) = app
        .declare("U0ALICE", "Checkout down", "S1", services)
        .await;
    assert_eq!(
        app.host.fakes.pagerduty_alerts().len(),
        1,
        "paged once despite the 500"
    );

    // A 400 can't succeed: it is said in the channel, and the incident carries on.
    app.host.fakes.inject_fault("pagerduty", 400, 5);
    app.slash("U0ALICE", &name, "escalate").await;
    let texts: Vec<String> = app
        .channel(&name)
        .messages
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("Paging on-call did not work")),
        "{texts:?}"
    );
    let r = app.slash("U0ALICE", &name, "update still on it").await;
    assert!(r.body.contains("On it"));
    assert!(
        app.channel(&name)
            .messages
            .iter()
            .any(|m| m.text.contains("still on it"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_page_follows_the_incident_when_people_confirm() {
    let app = App::start().await;
    let services = ViewValues::new().set_many("services", "value", &["checkout"]);
    let (_, name) = app
        .declare("U0ALICE", "Checkout errors", "S2", services)
        .await;
    let r = app
        .statuspage("U0ALICE", &name, "Some customers can't pay; we're on it.")
        .await;
    assert!(!r.body.contains("errors"), "{}", r.body);
    let sp: Vec<_> = app
        .host
        .fakes
        .received()
        .into_iter()
        .filter(|r| r.vendor == "statuspage")
        .collect();
    assert_eq!(sp.len(), 1, "{sp:?}");
    assert_eq!(sp[0].method, "POST");
    assert_eq!(
        sp[0].authorization.as_deref(),
        Some("OAuth local-/flare/local/statuspage/key")
    );
    let body = sp[0].body.to_string();
    assert!(
        body.contains("investigating")
            && body.contains("cmp-checkout")
            && body.contains("can't pay"),
        "{body}"
    );

    // A status change proposes the public update; a person confirms it.
    app.slash("U0ALICE", &name, "status fixing").await;
    assert_eq!(
        app.host
            .fakes
            .received()
            .into_iter()
            .filter(|r| r.vendor == "statuspage")
            .count(),
        1,
        "not automatic"
    );
    let proposal = app
        .channel(&name)
        .messages
        .into_iter()
        .find(|m| {
            m.blocks
                .as_ref()
                .is_some_and(|b| b.to_string().contains("Publish to the status page"))
        })
        .unwrap();
    let channel_id = app.channel_id(&name);
    app.driver
        .block_action(
            "U0BOB",
            &channel_id,
            &proposal.ts,
            "statuspage",
            Some(app.latest_incident().await.as_str()),
        )
        .await
        .unwrap();
    app.host.settle().await;
    // The preview first; publishing it as offered.
    app.submit_newest_view("U0BOB", ViewValues::new()).await;
    let sp: Vec<_> = app
        .host
        .fakes
        .received()
        .into_iter()
        .filter(|r| r.vendor == "statuspage")
        .collect();
    assert_eq!((sp.len(), sp[1].method.as_str()), (2, "PATCH"));
    assert!(
        sp[1].body.to_string().contains("identified"),
        "{}",
        sp[1].body
    );

    // Resolving resolves the public incident by itself.
    app.slash("U0ALICE", &name, "resolve").await;
    let sp: Vec<_> = app
        .host
        .fakes
        .received()
        .into_iter()
        .filter(|r| r.vendor == "statuspage")
        .collect();
    assert_eq!(sp.len(), 3);
    assert!(
        sp[2].body.to_string().contains("resolved"),
        "{}",
        sp[2].body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_services_of_two_teams_page_their_own_on_call() {
    let app = App::start().await;
    let services = ViewValues::new().set_many("services", "value", &["checkout", "search"]);
    let (_, name) = app
        .declare("U0ALICE", "Checkout and search down", "S1", services)
        .await;
    let received = integrations(&app).await;
    assert_eq!(
        actions(&received, "pagerduty"),
        vec!["trigger"],
        "payments via PagerDuty"
    );
    assert_eq!(
        actions(&received, "opsgenie"),
        vec!["POST /fake/opsgenie/v2/alerts"],
        "discovery via Opsgenie"
    );
    let og = received.iter().find(|r| r["vendor"] == "opsgenie").unwrap();
    assert_eq!(og["body"]["responders"][0]["name"], "discovery-oncall");
    let members = app.channel(&name).members;
    assert!(
        members.contains(&"U0BOB".to_string()) && members.contains(&"U0CAROL".to_string()),
        "both teams invited"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merging_a_duplicate_resolves_its_pages_and_leaves_the_targets() {
    let app = App::start().await;
    let (target, _) = app
        .declare(
            "U0ALICE",
            "Checkout down",
            "S1",
            ViewValues::new().set_many("services", "value", &["checkout"]),
        )
        .await;
    let (duplicate, dup_name) = app
        .declare(
            "U0CAROL",
            "Search results empty at checkout",
            "S1",
            ViewValues::new().set_many("services", "value", &["search"]),
        )
        .await;
    assert_ne!(target, duplicate);
    let received = integrations(&app).await;
    assert_eq!(actions(&received, "pagerduty"), vec!["trigger"]);
    assert_eq!(
        actions(&received, "opsgenie"),
        vec!["POST /fake/opsgenie/v2/alerts"]
    );

    app.slash("U0CAROL", &dup_name, &format!("merge {target}"))
        .await;
    let received = integrations(&app).await;
    let og = actions(&received, "opsgenie");
    assert_eq!(og.len(), 2, "{og:?}");
    assert!(
        og[1].contains("/close"),
        "the duplicate's page is closed: {og:?}"
    );
    assert_eq!(
        actions(&received, "pagerduty"),
        vec!["trigger"],
        "the incident it was merged into keeps its page"
    );
}
