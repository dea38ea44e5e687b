//! The right people reach the incident after the declaration: edits that bring in a
//! service's owners and on-call, triage responders for mailed reports, and
//! acknowledgements that reach the pager and come back from it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flare::domain::{Detail, Durations, Event, Status};
use flare::store::{AuditLog, IncidentStore};
use flare_slack_sim::ViewValues;
use flare_tests::app::{App, mail};
use serde_json::{Value, json};

/// PagerDuty triggers whose dedup key names this routing key's target.
fn pd_triggers(app: &App, target: &str) -> usize {
    app.host
        .fakes
        .received_by("pagerduty")
        .iter()
        .filter(|r| r.body["event_action"] == "trigger")
        .filter(|r| {
            r.body["dedup_key"]
                .as_str()
                .is_some_and(|k| k.ends_with(target))
        })
        .count()
}

fn card_text(app: &App, channel: &str) -> String {
    let card = app
        .channel(channel)
        .messages
        .into_iter()
        .find(|m| m.pinned)
        .expect("a pinned card");
    card.blocks.map(|b| b.to_string()).unwrap_or(card.text)
}

async fn post_json(url: &str, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mailed_report_reaches_its_responders_and_a_service_added_later_pages_once() {
    let app = App::start().await;
    app.send_mail(mail(
        "ops@acme.example",
        "r1@acme.example",
        None,
        "Checkout is slow",
        "Payments take a minute.",
    ))
    .await;
    let id = app.latest_incident().await;
    let name = format!("inc-{id}");

    // The triage group is in the channel and named in the notice (not `@here` alone).
    let members = app.channel(&name).members;
    assert!(members.contains(&"U0CAROL".to_owned()), "{members:?}");
    let notice = app
        .channel("incident-triage")
        .messages
        .into_iter()
        .find(|m| m.text.contains(id.as_str()))
        .expect("a triage notice");
    let shown = notice.blocks.unwrap().to_string();
    assert!(shown.contains("<!subteam^S0TRIAGE>"), "{shown}");
    assert_eq!(pd_triggers(&app, "triage"), 0, "S3 suggested: nobody paged");

    // Bob, not yet in the channel, accepts it as S1 from the triage channel's link:
    // he is invited, and coordinates since nobody else does.
    let card = app
        .channel(&name)
        .messages
        .into_iter()
        .find(|m| m.pinned)
        .unwrap();
    app.driver
        .block_action(
            "U0BOB",
            &app.channel_id(&name),
            &card.ts,
            "accept:S1",
            Some(id.as_str()),
        )
        .await
        .unwrap();
    app.host.settle().await;
    let incident = app.host.store.load(&id).await.unwrap().unwrap();
    assert_eq!(incident.status, Status::Investigating);
    assert_eq!(
        incident.roles.coordinator.as_ref().unwrap().as_str(),
        "U0BOB"
    );
    assert!(app.channel(&name).members.contains(&"U0BOB".to_owned()));

    // No service yet, so nobody was paged, and the channel is told what to do about it.
    assert_eq!(pd_triggers(&app, "payments"), 0);
    assert!(
        app.channel(&name).messages.iter().any(
            |m| m.text.contains("nobody was paged") && m.text.contains("/incident service add")
        ),
        "a way forward"
    );
    // The way forward is one pick away: the affected service, under the failure.
    let failure = app
        .channel(&name)
        .messages
        .into_iter()
        .find(|m| m.text.contains("nobody was paged"))
        .unwrap();
    let options = failure.blocks.as_ref().unwrap()[1]["elements"][0]["options"].clone();
    let checkout = format!("{id}|checkout");
    assert!(
        options
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["value"] == checkout.as_str()),
        "{options}"
    );
    let r = app
        .driver
        .block_action(
            "U0BOB",
            &app.channel_id(&name),
            &failure.ts,
            "add_service",
            Some(&checkout),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    app.host.settle().await;
    assert_eq!(pd_triggers(&app, "payments"), 1);
    let again = app.slash("U0BOB", &name, "service add Checkout API").await;
    assert!(again.body.contains("already so"), "{}", again.body);
    assert_eq!(pd_triggers(&app, "payments"), 1, "exactly once");
    let unknown = app.slash("U0BOB", &name, "service add billing").await;
    assert!(
        unknown.body.contains("not a configured service"),
        "{}",
        unknown.body
    );

    let incident = app.host.store.load(&id).await.unwrap().unwrap();
    assert_eq!(incident.services, vec!["checkout".to_owned()]);
    assert_eq!(incident.pages.len(), 1);
    assert_eq!(incident.pages[0].label, "Checkout API on-call (Bob Brown)");
    let card = card_text(&app, &name);
    assert!(
        card.contains("Checkout API on-call") && card.contains("not acknowledged"),
        "the card says who was paged: {card}"
    );
    let timeline = app.timeline(&id).await;
    assert!(
        timeline
            .iter()
            .any(|r| matches!(&r.event, Event::ServiceAdded { service } if service == "checkout"))
    );

    // A report that reads as critical pages the triage rotation, once.
    app.send_mail(mail(
        "ops@acme.example",
        "r2@acme.example",
        None,
        "Data loss in billing exports",
        "Rows are missing.",
    ))
    .await;
    assert_eq!(pd_triggers(&app, "triage"), 1);

    // Dave, an incident manager outside the channel, declines it: he is invited first,
    // so the people who decided are in the record of its channel.
    let report = format!("inc-{}", app.latest_incident().await);
    assert!(!app.channel(&report).members.contains(&"U0DAVE".to_owned()));
    app.slash("U0DAVE", &report, "decline duplicate of the billing ticket")
        .await;
    let declined = app.channel(&report);
    assert!(declined.is_archived);
    assert!(declined.members.contains(&"U0DAVE".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acknowledgement_reaches_the_pager_and_the_pagers_comes_back() {
    let app = App::start().await;
    let services = ViewValues::new().set_many("services", "value", &["checkout"]);
    let (id, name) = app
        .declare("U0ALICE", "Checkout down", "S1", services)
        .await;
    let alerts = app.host.fakes.pagerduty_alerts();
    let (key, state) = alerts.iter().next().expect("a page");
    assert_eq!(state, "triggered");
    let key = key.clone();
    assert!(card_text(&app, &name).contains("\"action_id\":\"ack\""));

    // Bob (owner, invited) acknowledges in Slack: PagerDuty stops calling.
    let r = app.slash("U0BOB", &name, "ack").await;
    assert_eq!(r.status, 200);
    assert_eq!(app.host.fakes.pagerduty_alerts()[&key], "acknowledged");
    let acks: Vec<Value> = app
        .host
        .fakes
        .received_by("pagerduty")
        .into_iter()
        .filter(|r| r.body["event_action"] == "acknowledge")
        .map(|r| r.body)
        .collect();
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0]["dedup_key"], key.as_str());
    let card = card_text(&app, &name);
    assert!(
        card.contains("acknowledged") && card.contains("<@U0BOB>"),
        "{card}"
    );
    assert!(
        !card.contains("\"action_id\":\"ack\""),
        "nothing left to acknowledge"
    );
    let incident = app.host.store.load(&id).await.unwrap().unwrap();
    assert_eq!(incident.acknowledged_by.as_ref().unwrap().as_str(), "U0BOB");
    let tta = Durations::of(&incident).to_acknowledge.unwrap();
    assert!(tta >= chrono::Duration::zero());

    // A second `ack` changes nothing at the pager.
    app.slash("U0BOB", &name, "ack").await;
    let acks = app
        .host
        .fakes
        .received_by("pagerduty")
        .into_iter()
        .filter(|r| r.body["event_action"] == "acknowledge")
        .count();
    assert_eq!(acks, 1);

    // Escalating pages the coordinator rotation; Dave acknowledges it in PagerDuty.
    app.slash("U0ALICE", &name, "escalate").await;
    let coordinators = app
        .host
        .fakes
        .pagerduty_alerts()
        .into_keys()
        .find(|k| k.ends_with("coordinators"))
        .expect("the rotation was paged");
    let base = &app.host.base_url;
    let r = post_json(
        &format!("{base}/fake/pagerduty/ack"),
        json!({ "key": coordinators, "by": "Dave Davis" }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let told: Value = r.json().await.unwrap();
    assert_eq!(told["webhook_status"], 202, "{told}");
    app.host.settle().await;
    let card = card_text(&app, &name);
    assert!(
        card.contains("the coordinator rotation") && card.contains("Dave Davis"),
        "the pager's acknowledgement reaches the card: {card}"
    );
    let timeline = app.timeline(&id).await;
    let came_back = timeline
        .iter()
        .filter(|r| matches!(&r.event, Event::PageAcknowledged { key, .. } if *key == coordinators))
        .count();
    assert_eq!(came_back, 1);
    assert!(
        app.channel(&name)
            .messages
            .iter()
            .any(|m| m.text.contains("acknowledged in PagerDuty by Dave Davis"))
    );

    // The incident manager on-call is on Opsgenie: acknowledged there, it comes back too.
    app.slash("U0ALICE", &name, "escalate imoc").await;
    let alias = app
        .host
        .fakes
        .opsgenie_alerts()
        .into_keys()
        .next()
        .expect("an Opsgenie alert");
    let r = post_json(
        &format!("{base}/fake/opsgenie/ack"),
        json!({ "key": alias, "by": "dave@example.com" }),
    )
    .await;
    assert_eq!(r.status(), 200);
    app.host.settle().await;
    assert_eq!(app.host.fakes.opsgenie_alerts()[&alias], "acknowledged");
    let card = card_text(&app, &name);
    assert!(
        card.contains("the incident manager on-call (Opsgenie)")
            && card.contains("dave@example.com"),
        "{card}"
    );

    // Resolved in PagerDuty: recorded; the incident itself goes on.
    post_json(
        &format!("{base}/fake/pagerduty/resolve"),
        json!({ "key": coordinators, "by": "Dave Davis" }),
    )
    .await;
    app.host.settle().await;
    let incident = app.host.store.load(&id).await.unwrap().unwrap();
    assert_eq!(incident.status, Status::Investigating);
    assert!(
        incident
            .pages
            .iter()
            .any(|p| p.key == coordinators && p.resolved)
    );

    // Unsigned or wrongly signed deliveries are refused before they are read.
    let forged = json!({ "event": { "id": "x", "event_type": "incident.resolved", "data": { "incident_key": key } } });
    let r = reqwest::Client::new()
        .post(format!("{base}/pager/pagerduty"))
        .header("x-pagerduty-signature", "v1=00")
        .json(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = reqwest::Client::new()
        .post(format!("{base}/pager/opsgenie"))
        .json(&json!({ "action": "Close", "alert": { "alertId": "1", "alias": key } }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    app.host.settle().await;
    let incident = app.host.store.load(&id).await.unwrap().unwrap();
    assert!(incident.pages.iter().any(|p| p.key == key && !p.resolved));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nudges_name_a_person_or_the_triage_group() {
    let app = App::start().await;
    let (_, name) = app
        .declare("U0ALICE", "Payments failing", "S1", ViewValues::new())
        .await;
    app.send_mail(mail(
        "ops@acme.example",
        "r3@acme.example",
        None,
        "Checkout is slow",
        "Some payments time out.",
    ))
    .await;
    let report = format!("inc-{}", app.latest_incident().await);
    let r = reqwest::Client::new()
        .post(format!("{}/local/clock", app.host.base_url))
        .body(r#"{"advance_minutes": 11}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    app.host.settle().await;

    let nudge = app
        .channel(&name)
        .messages
        .into_iter()
        .find(|m| m.text.contains("nobody is coordinating"))
        .expect("a coordinator nudge");
    assert!(nudge.text.contains("<@U0ALICE>"), "{}", nudge.text);
    let nudge = app
        .channel(&report)
        .messages
        .into_iter()
        .find(|m| m.text.contains("nobody has acknowledged"))
        .expect("a triage nudge");
    assert!(nudge.text.contains("<!subteam^S0TRIAGE>"), "{}", nudge.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn details_change_after_the_declaration_and_stay_on_the_timeline() {
    let app = App::start().await;
    let (id, name) = app
        .declare("U0ALICE", "Search slow", "S3", ViewValues::new())
        .await;

    app.slash("U0ALICE", &name, "title Search returns errors for <b>")
        .await;
    app.slash("U0ALICE", &name, "customer ACME Corp").await;
    let incident = app.host.store.load(&id).await.unwrap().unwrap();
    assert_eq!(incident.title, "Search returns errors for <b>");
    assert_eq!(incident.customer.as_deref(), Some("acme"));
    assert!(
        app.channel(&name).topic.contains("S3"),
        "the topic is kept up to date"
    );

    // `/incident edit`: the form opens filled in; saving adds a service.
    let before = app.host.sim.views().len();
    let r = app.slash("U0ALICE", &name, "edit").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let views = app.host.sim.views();
    assert_eq!(views.len(), before + 1);
    let view = views.last().unwrap();
    assert!(
        view.view
            .to_string()
            .contains("Search returns errors for <b>"),
        "prefilled"
    );
    let values = ViewValues::new().set_many("services", "value", &["search"]);
    let prepared = app
        .driver
        .prepare_view_submission("U0ALICE", &view.id, &values)
        .unwrap();
    let r = app.driver.send(&prepared).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    app.host.settle().await;

    let incident = app.host.store.load(&id).await.unwrap().unwrap();
    assert_eq!(incident.services, vec!["search".to_owned()]);
    assert_eq!(incident.title, "Search returns errors for <b>", "unchanged");
    assert!(
        app.channel(&name).members.contains(&"U0CAROL".to_owned()),
        "the owner of search is invited"
    );
    // S3 pages nobody.
    assert!(app.host.fakes.received_by("opsgenie").is_empty());
    let timeline = app.timeline(&id).await;
    let edits: Vec<Detail> = timeline
        .iter()
        .filter_map(|r| match &r.event {
            Event::DetailEdited { field, .. } => Some(*field),
            _ => None,
        })
        .collect();
    assert_eq!(edits, vec![Detail::Title, Detail::Customer]);
    let said: Vec<String> = app
        .channel(&name)
        .messages
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert!(
        said.iter()
            .any(|t| t.contains("changed the title") && t.contains("&lt;b&gt;")),
        "escaped: {said:?}"
    );

    // The postmortem's timeline shows each change.
    app.slash("U0ALICE", &name, "resolve").await;
    let files = app.host.sim.state().files;
    let doc = &files
        .iter()
        .rfind(|f| f.completed)
        .expect("a postmortem")
        .content;
    for row in [
        "Edited the title",
        "Search slow",
        "Edited the customer",
        "Service affected",
    ] {
        assert!(doc.contains(row), "{row} in:\n{doc}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_added_to_a_published_incident_joins_the_status_page() {
    let app = App::start().await;
    let services = ViewValues::new().set_many("services", "value", &["checkout"]);
    let (_, name) = app
        .declare("U0ALICE", "Checkout slow", "S3", services)
        .await;
    app.statuspage("U0ALICE", &name, "Payments are slow").await;
    let components = |app: &App| -> String {
        app.host
            .fakes
            .statuspage_incidents()
            .values()
            .map(|i| i.to_string())
            .collect()
    };
    assert!(components(&app).contains("cmp-checkout"));
    assert!(!components(&app).contains("cmp-search"));
    app.slash("U0ALICE", &name, "service add search").await;
    assert!(
        components(&app).contains("cmp-search"),
        "{}",
        components(&app)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whoever_is_on_call_now_is_invited_and_named_on_the_card() {
    let app = App::start().await;
    let r = post_json(
        &format!("{}/fake/oncall", app.host.base_url),
        json!({ "vendor": "pagerduty", "schedule": "PCHECKOUT", "people": [{ "email": "erin@example.com", "name": "Erin Evans" }] }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let services = ViewValues::new().set_many("services", "value", &["checkout"]);
    let (_, name) = app
        .declare("U0ALICE", "Checkout down", "S1", services)
        .await;
    let members = app.channel(&name).members;
    assert!(members.contains(&"U0ERIN".to_owned()), "{members:?}");
    assert!(
        !members.contains(&"U0BOB".to_owned()),
        "the fixed list is only the fallback: {members:?}"
    );
    let card = card_text(&app, &name);
    assert!(card.contains("Checkout API on-call (Erin Evans)"), "{card}");
    let asked = app.host.fakes.received_by("pagerduty-api");
    assert!(!asked.is_empty());
    assert!(asked[0].path.contains("PCHECKOUT"), "{}", asked[0].path);
    assert!(
        asked[0]
            .authorization
            .as_deref()
            .is_some_and(|a| a.starts_with("Token token=")),
        "the REST API token"
    );

    // Asked again within the minute: the answer is reused.
    let before = asked.len();
    app.slash("U0ALICE", &name, "service remove checkout").await;
    app.slash("U0ALICE", &name, "service add checkout").await;
    assert_eq!(app.host.fakes.received_by("pagerduty-api").len(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fixed_list_stands_in_when_the_pager_names_nobody_in_slack() {
    let app = App::start().await;
    app.host.fakes.set_on_call(
        "pagerduty",
        "PCHECKOUT",
        vec![flare_integrations::fakes::OnCallEntry {
            email: "contractor@elsewhere.example".into(),
            name: None,
        }],
    );
    let services = ViewValues::new().set_many("services", "value", &["checkout"]);
    let (_, name) = app
        .declare("U0ALICE", "Checkout down", "S1", services)
        .await;
    assert!(app.channel(&name).members.contains(&"U0BOB".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_the_incident_refuses_is_refused_in_the_first_answer() {
    let app = App::start().await;
    let (id, name) = app
        .declare("U0ALICE", "Search slow", "S3", ViewValues::new())
        .await;
    let r = app.slash("U0ALICE", &name, "severity S3").await;
    assert!(
        r.body.contains(":no_entry:") && r.body.contains("already S3"),
        "{}",
        r.body
    );
    assert!(!r.body.contains("On it"));
    // Still on the audit trail, as a refusal.
    let trail = app.host.store.trail(&id).await.unwrap();
    assert!(trail.iter().any(|e| e.command == "severity"
        && matches!(e.outcome, flare::domain::AuditOutcome::Refused { .. })));
    // A command that works still gets "On it".
    let ok = app.slash("U0ALICE", &name, "severity S2").await;
    assert!(ok.body.contains("On it"), "{}", ok.body);
}
