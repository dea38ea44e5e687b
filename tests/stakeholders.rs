//! Stakeholders watching `#incidents` hear about an incident without joining it: the
//! announcement carries the latest summary, updates land in its thread, and the
//! resolution is a message of its own (a notification, not only an edit).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flare_slack_sim::ViewValues;
use flare_tests::app::App;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_reach_the_incidents_channel_and_the_resolution_is_announced() {
    let app = App::start().await;
    let (id, name) = app
        .declare("U0ALICE", "Checkout errors", "S2", ViewValues::new())
        .await;
    app.slash(
        "U0ALICE",
        &name,
        "update Rolled back <b>v42</b>; errors falling",
    )
    .await;

    let incidents = app.channel("incidents");
    let announcement = incidents
        .messages
        .iter()
        .find(|m| m.is_top_level() && m.text.contains(id.as_str()))
        .expect("an announcement");
    let shown = announcement.blocks.as_ref().unwrap().to_string();
    assert!(
        shown.contains("Latest:") && shown.contains("Rolled back &lt;b&gt;v42&lt;/b&gt;"),
        "the announcement shows the latest update, escaped once: {shown}"
    );
    let replies: Vec<_> = incidents
        .messages
        .iter()
        .filter(|m| m.thread_ts.as_deref() == Some(announcement.ts.as_str()))
        .collect();
    assert_eq!(replies.len(), 1, "the update in the announcement's thread");
    assert!(replies[0].text.contains("Rolled back"));

    app.slash("U0ALICE", &name, "resolve fixed by the rollback")
        .await;
    let incidents = app.channel("incidents");
    let resolved: Vec<_> = incidents
        .messages
        .iter()
        .filter(|m| m.is_top_level() && m.text.contains("is resolved"))
        .collect();
    assert_eq!(resolved.len(), 1, "a new message in #incidents");
    assert!(
        resolved[0].text.contains("Checkout errors")
            && resolved[0].text.contains("fixed by the rollback"),
        "{}",
        resolved[0].text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_incidents_updates_stay_in_its_channel() {
    let app = App::start().await;
    let (_, name) = app
        .declare(
            "U0ALICE",
            "Payroll data exposed",
            "S1",
            ViewValues::new().set_many("options", "value", &["private"]),
        )
        .await;
    app.slash("U0ALICE", &name, "update rotated the leaked key")
        .await;
    app.slash("U0ALICE", &name, "resolve key rotated").await;
    let said: Vec<String> = app
        .channel("incidents")
        .messages
        .into_iter()
        .map(|m| {
            format!(
                "{} {}",
                m.text,
                m.blocks.map(|b| b.to_string()).unwrap_or_default()
            )
        })
        .collect();
    assert!(
        !said
            .iter()
            .any(|t| t.contains("rotated") || t.contains("Payroll")),
        "{said:?}"
    );
    assert!(
        said.iter()
            .any(|t| t.contains("A private incident is resolved"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_call_is_on_the_card_in_the_topic_and_bookmarked() {
    let app = App::start().await;
    let (id, name) = app
        .declare("U0ALICE", "Checkout errors", "S2", ViewValues::new())
        .await;
    // The configured call, named after the incident, from the start.
    let configured = format!("https://meet.example.com/flare-{id}");
    let topic = app.channel(&name).topic;
    assert!(topic.contains(&configured), "{topic}");
    let bookmarks = app.host.sim.state().bookmarks;
    assert!(
        bookmarks.iter().any(|b| b.link == configured),
        "{bookmarks:?}"
    );

    // Someone moves the call: card, topic and bookmarks follow.
    app.slash(
        "U0ALICE",
        &name,
        "call <https://zoom.example/j/42?pwd=a&amp;b>",
    )
    .await;
    let moved = "https://zoom.example/j/42?pwd=a&b";
    let incident = flare::store::IncidentStore::load(app.host.store.as_ref(), &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(incident.call_url.as_deref(), Some(moved));
    let card = app
        .channel(&name)
        .messages
        .into_iter()
        .find(|m| m.pinned)
        .unwrap()
        .blocks
        .unwrap()
        .to_string();
    assert!(card.contains("zoom.example/j/42"), "{card}");
    assert!(app.channel(&name).topic.contains("zoom.example/j/42"));
    assert!(
        app.host
            .sim
            .state()
            .bookmarks
            .iter()
            .any(|b| b.link == moved)
    );
    let r = app
        .slash("U0ALICE", &name, "call javascript:alert(1)")
        .await;
    assert!(r.body.contains("web link"), "{}", r.body);
}
