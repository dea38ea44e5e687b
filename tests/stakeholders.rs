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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_joiner_catches_up_with_a_summary_for_them_alone() {
    let app = App::start().await;
    let (_, name) = app
        .declare("U0ALICE", "Checkout errors", "S2", ViewValues::new())
        .await;
    for n in 1..=4 {
        app.slash("U0ALICE", &name, &format!("update step {n} <b>done</b>"))
            .await;
    }
    app.slash("U0ALICE", &name, "impact start 20m ago").await;
    app.slash("U0ALICE", &name, "action Add a canary <@U0BOB|bob>")
        .await;
    let posted_before = app.channel(&name).messages.len();
    let r = app.slash("U0ALICE", &name, "summary").await;
    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["response_type"], "ephemeral", "for them alone");
    let text = body["text"].as_str().unwrap();
    assert!(
        text.contains("*Checkout errors* — S2 · investigating"),
        "{text}"
    );
    assert!(
        text.contains("nobody yet coordinates; operations <@U0ALICE>"),
        "{text}"
    );
    assert!(text.contains("*Impact:* since <!date^"), "{text}");
    let (four, three, two) = (
        text.find("step 4").unwrap(),
        text.find("step 3").unwrap(),
        text.find("step 2").unwrap(),
    );
    assert!(four < three && three < two, "newest first: {text}");
    assert!(!text.contains("step 1"), "the last three only: {text}");
    assert!(
        text.contains("step 4 &lt;b&gt;done&lt;/b&gt;"),
        "escaped once: {text}"
    );
    assert!(
        text.contains("*Open action item:* 1. Add a canary (<@U0BOB>)"),
        "{text}"
    );
    assert!(text.contains("*Paged:*"), "{text}");
    assert_eq!(
        app.channel(&name).messages.len(),
        posted_before,
        "nothing posted in the channel"
    );
    let r = app.slash("U0ALICE", "general", "summary").await;
    assert!(
        r.body.contains("works in an incident's channel"),
        "{}",
        r.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_s1_is_broadcast_to_the_company_and_followed_in_a_thread() {
    let app = App::start().await;
    // The local configuration broadcasts S1 incidents to #general.
    let top = |app: &App, needle: &str| {
        app.channel("general")
            .messages
            .into_iter()
            .filter(|m| m.is_top_level() && m.text.contains(needle))
            .collect::<Vec<_>>()
    };
    let (_, quiet) = app
        .declare("U0ALICE", "Search is slow", "S3", ViewValues::new())
        .await;
    assert!(
        top(&app, "Search is slow").is_empty(),
        "an S3 stays off #general"
    );

    let (_, name) = app
        .declare("U0ALICE", "Payments <down>", "S1", ViewValues::new())
        .await;
    let started = top(&app, "Payments &lt;down&gt;");
    assert_eq!(started.len(), 1, "told once, escaped");
    let start = started[0].clone();
    assert!(
        start
            .text
            .contains(&format!("<#{}>", app.channel_id(&name)))
    );
    app.slash("U0ALICE", &name, "update Card payments fail at the bank")
        .await;
    app.slash("U0ALICE", &name, "status fixing").await;
    app.slash("U0ALICE", &name, "severity S2").await;
    app.slash("U0ALICE", &name, "update quieter now").await;
    let thread: Vec<String> = app
        .channel("general")
        .messages
        .into_iter()
        .filter(|m| m.thread_ts.as_deref() == Some(start.ts.as_str()))
        .map(|m| m.text)
        .collect();
    assert_eq!(
        thread.len(),
        4,
        "updates, status and the lowering: {thread:?}"
    );
    assert!(thread[0].contains("Card payments fail"), "{thread:?}");
    assert!(thread[1].contains("fixing"), "{thread:?}");
    assert!(thread[2].contains("S1 → *S2*"), "{thread:?}");
    // Told once, #general keeps hearing of it after it was lowered.
    assert!(thread[3].contains("quieter now"), "{thread:?}");

    // A quiet incident raised to S1 is told then.
    app.slash("U0ALICE", &quiet, "severity S1").await;
    assert_eq!(
        top(&app, "Search is slow").len(),
        1,
        "raised to S1: told then"
    );
    app.slash("U0ALICE", &name, "resolve card payments flow again")
        .await;
    let resolved = top(&app, "is resolved");
    assert_eq!(resolved.len(), 1, "the resolution is a new message");
    assert!(resolved[0].text.contains("card payments flow again"));

    // A private S1 is never broadcast.
    app.declare(
        "U0ALICE",
        "Secret breach",
        "S1",
        ViewValues::new().set_many("options", "value", &["private"]),
    )
    .await;
    assert!(top(&app, "Secret breach").is_empty());
}
