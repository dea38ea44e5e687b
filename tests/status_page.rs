//! The public status page with a person in the loop: `/incident statuspage` opens a
//! preview (public title, message, Statuspage status) and nothing reaches Statuspage
//! until it is submitted; the public title is kept apart from the internal one; the
//! components follow the lifecycle; every post is on the timeline and in the postmortem.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flare::store::IncidentStore;
use flare_slack_sim::{View, ViewValues};
use flare_tests::app::App;
use serde_json::Value;

/// What the Statuspage fake received, oldest first.
fn statuspage(app: &App) -> Vec<flare_integrations::fakes::Received> {
    app.host
        .fakes
        .received()
        .into_iter()
        .filter(|r| r.vendor == "statuspage")
        .collect()
}

/// `/incident statuspage` in the channel: the preview it opened.
async fn preview(app: &App, user: &str, channel: &str) -> View {
    let before = app.host.sim.views().len();
    let r = app.slash(user, channel, "statuspage").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!r.body.contains("On it"), "not queued at once: {}", r.body);
    let views = app.host.sim.views();
    assert_eq!(views.len(), before + 1, "one modal opened");
    let view = views.last().unwrap().clone();
    assert_eq!(view.callback_id, "statuspage");
    view
}

fn initial<'a>(view: &'a View, block: &str) -> &'a Value {
    let element = &view.view["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["block_id"] == block)
        .unwrap_or_else(|| panic!("no {block} in {}", view.view))["element"];
    if element["type"] == "static_select" {
        &element["initial_option"]["value"]
    } else {
        &element["initial_value"]
    }
}

/// Submits the preview with these changes; returns the raw answer.
async fn submit(app: &App, user: &str, view: &View, values: ViewValues) -> Value {
    let prepared = app
        .driver
        .prepare_view_submission(user, &view.id, &values)
        .unwrap();
    let r = app.driver.send(&prepared).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    app.host.settle().await;
    serde_json::from_str(&r.body).unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_preview_publishes_once_under_the_public_title() {
    let app = App::start().await;
    let services = ViewValues::new().set_many("services", "value", &["checkout"]);
    let (id, name) = app
        .declare("U0ALICE", "Bad deploy of payments-api v42", "S2", services)
        .await;

    let view = preview(&app, "U0ALICE", &name).await;
    assert_eq!(
        initial(&view, "title"),
        "Bad deploy of payments-api v42",
        "never published: its title"
    );
    assert_eq!(
        initial(&view, "message"),
        "We are investigating reports of issues with Checkout API."
    );
    assert_eq!(initial(&view, "status"), "investigating");
    assert!(statuspage(&app).is_empty(), "nothing before the submit");

    // An emptied title stays in the modal with its error.
    let answer = submit(
        &app,
        "U0ALICE",
        &view,
        ViewValues::new().set("title", "value", ""),
    )
    .await;
    assert_eq!(answer["response_action"], "errors", "{answer}");
    assert!(answer["errors"]["title"].is_string(), "{answer}");
    assert!(statuspage(&app).is_empty());

    let edited = ViewValues::new()
        .set("title", "value", "Payment delays")
        .set("message", "value", "Some card payments fail; we're on it.");
    submit(&app, "U0ALICE", &view, edited.clone()).await;
    // Pressed twice (or Slack resending it): the same view, one publish.
    submit(&app, "U0ALICE", &view, edited).await;
    let sp = statuspage(&app);
    assert_eq!(sp.len(), 1, "{sp:?}");
    assert_eq!(sp[0].method, "POST");
    let incident = &sp[0].body["incident"];
    assert_eq!(incident["name"], "Payment delays");
    assert_eq!(incident["status"], "investigating");
    assert_eq!(incident["body"], "Some card payments fail; we're on it.");
    assert_eq!(
        incident["components"]["cmp-checkout"], "major_outage",
        "S2 is critical"
    );
    assert!(
        !sp[0].body.to_string().contains("v42"),
        "the internal title stays in"
    );

    // Kept on the incident: the next preview offers it.
    let inc = app.host.store.load(&id).await.unwrap().unwrap();
    assert_eq!(inc.public_title.as_deref(), Some("Payment delays"));
    assert_eq!(inc.title, "Bad deploy of payments-api v42");
    app.slash("U0ALICE", &name, "update Rolled back to v41")
        .await;
    let again = preview(&app, "U0ALICE", &name).await;
    assert_eq!(initial(&again, "title"), "Payment delays");
    assert_eq!(initial(&again, "message"), "Rolled back to v41");
    // The channel heard of the publish.
    assert!(
        app.channel(&name)
            .messages
            .iter()
            .any(|m| m.text.contains("published to the status page")),
        "on the channel's timeline"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_components_follow_the_lifecycle_and_every_post_is_in_the_postmortem() {
    let app = App::start().await;
    let services = ViewValues::new().set_many("services", "value", &["checkout"]);
    let (id, name) = app
        .declare("U0ALICE", "Checkout errors", "S1", services)
        .await;
    let view = preview(&app, "U0ALICE", &name).await;
    submit(
        &app,
        "U0ALICE",
        &view,
        ViewValues::new().set("title", "value", "Checkout <unavailable> | degraded"),
    )
    .await;

    // Monitoring: proposed in the channel, published through the preview.
    app.slash("U0ALICE", &name, "status monitoring rolled back")
        .await;
    assert_eq!(statuspage(&app).len(), 1, "not automatic");
    let proposal = app
        .channel(&name)
        .messages
        .into_iter()
        .find(|m| {
            m.blocks
                .as_ref()
                .is_some_and(|b| b.to_string().contains("Publish to the status page"))
        })
        .expect("the proposal");
    let before = app.host.sim.views().len();
    app.driver
        .block_action(
            "U0BOB",
            &app.channel_id(&name),
            &proposal.ts,
            "statuspage",
            Some(id.as_str()),
        )
        .await
        .unwrap();
    app.host.settle().await;
    let views = app.host.sim.views();
    assert_eq!(views.len(), before + 1, "the button opens the preview");
    let view = views.last().unwrap().clone();
    assert_eq!(initial(&view, "status"), "monitoring");
    assert_eq!(initial(&view, "title"), "Checkout <unavailable> | degraded");
    submit(
        &app,
        "U0BOB",
        &view,
        ViewValues::new().set("message", "value", "A fix is in; we're watching."),
    )
    .await;
    let sp = statuspage(&app);
    assert_eq!(sp.len(), 2, "{sp:?}");
    assert_eq!(sp[1].method, "PATCH");
    assert_eq!(sp[1].body["incident"]["status"], "monitoring");
    assert_eq!(
        sp[1].body["incident"]["components"]["cmp-checkout"], "degraded_performance",
        "no longer a major outage while monitoring"
    );

    // Resolving resolves the public incident, components operational.
    app.slash("U0ALICE", &name, "resolve").await;
    let sp = statuspage(&app);
    assert_eq!(sp.len(), 3, "{sp:?}");
    assert_eq!(sp[2].body["incident"]["status"], "resolved");
    assert_eq!(
        sp[2].body["incident"]["components"]["cmp-checkout"],
        "operational"
    );
    assert_eq!(
        sp[2].body["incident"]["name"],
        "Checkout <unavailable> | degraded"
    );
    let fake = app.host.fakes.statuspage_incidents();
    assert_eq!(fake.len(), 1, "one public incident");

    // Each post is a row of the postmortem's timeline, escaped for Markdown.
    let files: Vec<_> = app
        .host
        .sim
        .state()
        .files
        .into_iter()
        .filter(|f| f.completed && f.name == format!("postmortem-{id}.md"))
        .collect();
    let doc = &files.last().expect("the postmortem").content;
    let rows: Vec<&str> = doc
        .lines()
        .filter(|l| l.contains("| Status page |"))
        .collect();
    assert_eq!(rows.len(), 3, "{doc}");
    assert!(
        rows[1].contains("monitoring")
            && rows[1].contains("A fix is in")
            && rows[1].contains("degraded performance"),
        "{}",
        rows[1]
    );
    assert!(rows[2].contains("resolved"), "{}", rows[2]);
    assert!(
        !rows[0].contains("Checkout <unavailable> | degraded"),
        "escaped: {}",
        rows[0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_incidents_own_title_never_reaches_the_status_page() {
    let app = App::start().await;
    let values = ViewValues::new()
        .set_many("services", "value", &["checkout"])
        .set_many("options", "value", &["private"]);
    let (_, name) = app
        .declare("U0ALICE", "Acme's card numbers in logs", "S2", values)
        .await;
    app.slash("U0ALICE", &name, "update Acme's data is being scrubbed")
        .await;
    let view = preview(&app, "U0ALICE", &name).await;
    assert_eq!(initial(&view, "title"), "Private incident");
    assert!(
        !view.view.to_string().contains("Acme"),
        "neither its title nor its updates are offered: {}",
        view.view
    );
    submit(&app, "U0ALICE", &view, ViewValues::new()).await;
    app.slash("U0ALICE", &name, "status fixing").await;
    let view = preview(&app, "U0ALICE", &name).await;
    submit(&app, "U0ALICE", &view, ViewValues::new()).await;
    app.slash("U0ALICE", &name, "resolve").await;
    let sp = statuspage(&app);
    assert_eq!(sp.len(), 3, "{sp:?}");
    for r in &sp {
        let body = r.body.to_string();
        assert!(!body.contains("Acme"), "{body}");
        assert_eq!(r.body["incident"]["name"], "Private incident", "{body}");
    }
    assert_eq!(sp[1].body["incident"]["status"], "identified");
}
