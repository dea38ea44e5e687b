//! Slack end to end: signed requests from the simulator's driver → the slack handler
//! → SQS (moto) → the worker → Slack effects in the simulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flare::domain::{CaptureKind, Event, Status};
use flare::store::IncidentStore;
use flare_slack_sim::{Fault, SendOptions, ViewValues};
use flare_tests::app::App;
use serde_json::json;

fn captures(timeline: &[flare::domain::Recorded]) -> Vec<(CaptureKind, String, bool)> {
    timeline
        .iter()
        .filter_map(|r| match &r.event {
            Event::Captured { kind, message } => Some((*kind, message.ts.clone(), true)),
            Event::CaptureWithdrawn { kind, ts, .. } => Some((*kind, ts.clone(), false)),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declaring_by_modal_opens_one_channel_with_the_right_people_card_and_announcement() {
    let app = App::start().await;
    let extra = ViewValues::new()
        .set_many("services", "value", &["checkout"])
        .set("coordinator", "value", "U0CAROL")
        .set("impact", "value", "Customers can't pay <!channel>");
    let (id, name) = app
        .declare("U0ALICE", "Checkout <b>fails</b>", "S1", extra)
        .await;

    let channel = app.channel(&name);
    assert!(name.starts_with("inc-") && name.len() <= 80);
    let mut members = channel.members.clone();
    members.sort();
    for who in ["U0ALICE", "U0BOB", "U0CAROL"] {
        assert!(
            members.contains(&who.to_string()),
            "{who} invited: {members:?}"
        );
    }
    assert!(
        !members.contains(&"U0DAVE".to_string()),
        "only the people involved"
    );
    assert_eq!(
        channel.topic,
        format!(
            "S1 · Critical · investigating · coordinator <@U0CAROL> · call https://meet.example.com/flare-{id}"
        )
    );
    assert_eq!(
        channel.purpose, "Checkout &lt;b&gt;fails&lt;/b&gt;",
        "escaped like all outside text"
    );

    let pinned: Vec<_> = channel.messages.iter().filter(|m| m.pinned).collect();
    assert_eq!(pinned.len(), 1, "one pinned card");
    let card = pinned[0].blocks.as_ref().unwrap().to_string();
    assert!(
        card.contains("Checkout <b>fails</b>"),
        "title in the header (plain text)"
    );
    assert!(card.contains("&lt;!channel&gt;"), "impact escaped: {card}");
    assert!(!card.contains("<!channel>"));

    let incidents = app.channel("incidents");
    let announcements: Vec<_> = incidents
        .messages
        .iter()
        .filter(|m| m.text.contains(id.as_str()))
        .collect();
    assert_eq!(announcements.len(), 1);
    let shown = announcements[0].blocks.as_ref().unwrap().to_string();
    assert!(
        shown.contains(&format!("<#{}>", channel.id)),
        "links the channel"
    );
    assert!(
        shown.contains("Checkout &lt;b&gt;fails&lt;/b&gt;"),
        "escaped: {shown}"
    );

    // The declaration, then the page it made (recorded by the paging effect).
    let timeline = app.timeline(&id).await;
    assert!(matches!(
        timeline[0].event,
        flare::domain::Event::Declared(_)
    ));
    assert!(
        timeline[1..]
            .iter()
            .all(|r| matches!(r.event, flare::domain::Event::Paged(_))),
        "{timeline:?}"
    );
    assert_eq!(timeline.len(), 2);
    let incident = app.host.store.load(&id).await.unwrap().unwrap();
    assert_eq!(incident.services, vec!["checkout".to_string()]);
    assert!(incident.page_oncall, "critical severities page");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_and_double_submits_make_one_incident_and_one_channel() {
    let app = App::start().await;
    let general = app.channel_id("general");
    let prepared = app
        .driver
        .prepare_command("U0ALICE", &general, "/incident", "")
        .unwrap();
    let first = app.driver.send(&prepared).await.unwrap();
    assert_eq!(first.status, 200);
    for n in 1..=2 {
        let r = app
            .driver
            .send_with(&prepared, &SendOptions::default().retry(n, "http_timeout"))
            .await
            .unwrap();
        assert_eq!(r.status, 200);
    }
    assert_eq!(
        app.host.sim.views().len(),
        1,
        "one modal for three deliveries"
    );

    let view = app.host.sim.views()[0].id.clone();
    let values = ViewValues::new()
        .set("title", "value", "API down")
        .set("severity", "value", "S2");
    let submit = app
        .driver
        .prepare_view_submission("U0ALICE", &view, &values)
        .unwrap();
    let (a, b) = tokio::join!(app.driver.send(&submit), app.driver.send(&submit));
    assert_eq!(a.unwrap().status, 200);
    assert_eq!(b.unwrap().status, 200);
    app.host.settle().await;

    assert_eq!(
        app.host.store.open().await.unwrap().len(),
        1,
        "one incident"
    );
    let created = app.host.sim.calls_to("conversations.create");
    assert_eq!(created.len(), 1, "one channel: {created:?}");
    let id = app.latest_incident().await;
    assert_eq!(app.timeline(&id).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_an_incident_updates_card_topic_and_announcement() {
    let app = App::start().await;
    let (id, name) = app
        .declare("U0ALICE", "Search is slow", "S3", ViewValues::new())
        .await;

    for text in [
        "status fixing rolled back the index",
        "severity S2",
        "role comms <@U0DAVE|dave>",
        "role coordinator <@U0BOB|bob>",
        "update <!channel> error rate is dropping",
        "impact start 15m ago",
    ] {
        let r = app.slash("U0ALICE", &name, text).await;
        assert_eq!(r.status, 200, "{text}: {}", r.body);
        assert!(r.body.contains("On it"), "{text}: {}", r.body);
    }

    let incident = app.host.store.load(&id).await.unwrap().unwrap();
    assert_eq!(incident.status, Status::Fixing);
    assert_eq!(incident.severity.as_str(), "S2");
    assert_eq!(
        incident.roles.communications.as_ref().unwrap().as_str(),
        "U0DAVE"
    );
    assert!(incident.impact_started_at.is_some());

    let channel = app.channel(&name);
    assert!(
        channel
            .topic
            .starts_with("S2 · Major · fixing · coordinator <@U0BOB> · call https://"),
        "{}",
        channel.topic
    );
    assert!(
        channel.members.contains(&"U0DAVE".to_string()),
        "a new role holder is invited"
    );
    let card = channel
        .messages
        .iter()
        .find(|m| m.pinned)
        .unwrap()
        .blocks
        .as_ref()
        .unwrap()
        .to_string();
    assert!(
        card.contains("fixing") && card.contains("S2 · Major") && card.contains("<@U0DAVE>"),
        "{card}"
    );
    let texts: Vec<&str> = channel.messages.iter().map(|m| m.text.as_str()).collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("&lt;!channel&gt; error rate is dropping")),
        "{texts:?}"
    );
    assert!(
        !texts.iter().any(|t| t.contains("<!channel>")),
        "no injected mention"
    );

    let announcement = app
        .channel("incidents")
        .messages
        .into_iter()
        .find(|m| m.text.contains(id.as_str()))
        .unwrap();
    let shown = announcement.blocks.unwrap().to_string();
    assert!(
        shown.contains("fixing") && shown.contains("S2") && shown.contains("<@U0BOB>"),
        "{shown}"
    );
    assert_eq!(app.timeline(&id).await.len(), 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_and_pins_capture_each_message_once() {
    let app = App::start().await;
    let (id, name) = app
        .declare("U0ALICE", "Queue backlog", "S2", ViewValues::new())
        .await;
    let channel = app.channel_id(&name);
    for who in ["U0BOB", "U0CAROL"] {
        app.act(who, "conversations.join", json!({ "channel": channel }))
            .await;
    }
    let posted = app
        .act(
            "U0BOB",
            "chat.postMessage",
            json!({ "channel": channel, "text": "consumer lag is 2h" }),
        )
        .await;
    let ts = posted["ts"].as_str().unwrap().to_string();

    app.act(
        "U0ALICE",
        "reactions.add",
        json!({ "channel": channel, "timestamp": ts, "name": "receipt" }),
    )
    .await;
    app.act(
        "U0BOB",
        "reactions.add",
        json!({ "channel": channel, "timestamp": ts, "name": "receipt" }),
    )
    .await;
    app.act(
        "U0CAROL",
        "reactions.add",
        json!({ "channel": channel, "timestamp": ts, "name": "pushpin" }),
    )
    .await;
    app.act(
        "U0CAROL",
        "pins.add",
        json!({ "channel": channel, "timestamp": ts }),
    )
    .await;
    app.act(
        "U0ALICE",
        "reactions.add",
        json!({ "channel": channel, "timestamp": ts, "name": "tada" }),
    )
    .await;

    let timeline = app.timeline(&id).await;
    assert_eq!(
        captures(&timeline),
        vec![
            (CaptureKind::Papertrail, ts.clone(), true),
            (CaptureKind::Discussion, ts.clone(), true)
        ],
        "one papertrail entry and one discussion item"
    );
    let entry = timeline.iter().find_map(|r| match &r.event {
        Event::Captured { message, .. } => Some(message.clone()),
        _ => None,
    });
    let entry = entry.unwrap();
    assert_eq!(entry.text, "consumer lag is 2h");
    assert_eq!(entry.author.unwrap().as_str(), "U0BOB");
    assert!(entry.permalink.unwrap().contains(&channel));

    let mark = |user: &'static str, method: &'static str, name: Option<&'static str>| {
        let mut params = json!({ "channel": channel, "timestamp": ts });
        if let Some(n) = name {
            params["name"] = json!(n);
        }
        app.act(user, method, params)
    };
    // Alice takes her receipt back, Bob's stays: still in the papertrail.
    mark("U0ALICE", "reactions.remove", Some("receipt")).await;
    // Carol unpins but her pushpin stays: still a discussion item.
    mark("U0CAROL", "pins.remove", None).await;
    assert_eq!(
        captures(&app.timeline(&id).await).len(),
        2,
        "nothing withdrawn while someone still marks it"
    );

    mark("U0CAROL", "reactions.remove", Some("pushpin")).await;
    mark("U0BOB", "reactions.remove", Some("receipt")).await;
    let timeline = app.timeline(&id).await;
    assert_eq!(
        captures(&timeline)[2..],
        [
            (CaptureKind::Discussion, ts.clone(), false),
            (CaptureKind::Papertrail, ts.clone(), false)
        ],
        "withdrawn once each, when the last mark goes"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolve_renames_and_close_archives() {
    let app = App::start().await;
    let (id, name) = app
        .declare("U0ALICE", "Login errors", "S3", ViewValues::new())
        .await;
    let channel_id = app.channel_id(&name);
    app.slash("U0ALICE", &name, "resolve deploy reverted").await;
    let resolved = app.host.sim.channel(&channel_id).unwrap();
    assert_eq!(resolved.name, format!("{name}-resolved"));
    assert!(!resolved.is_archived);

    let r = app.slash("U0ALICE", &resolved.name, "close").await;
    assert!(r.body.contains("On it"), "{}", r.body);
    let closed = app.host.sim.channel(&channel_id).unwrap();
    assert!(closed.is_archived, "archived on close");
    assert_eq!(
        app.host.store.load(&id).await.unwrap().unwrap().status,
        Status::Closed
    );
    assert!(app.host.store.open().await.unwrap().is_empty());
    let calls_after_archive = app
        .host
        .sim
        .calls()
        .into_iter()
        .skip_while(|c| c.method != "conversations.archive")
        .skip(1)
        .count();
    assert_eq!(
        calls_after_archive, 0,
        "Flare does not act in an archived channel"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_clear_answers_and_never_a_panic() {
    let app = App::start().await;
    let general = app.channel_id("general");
    let cmd = app
        .driver
        .prepare_command("U0ALICE", &general, "/incident", "help")
        .unwrap();

    let r = app
        .driver
        .send_with(&cmd, &SendOptions::default().bad_signature())
        .await
        .unwrap();
    assert_eq!(r.status, 401);
    let r = app
        .driver
        .send_with(&cmd, &SendOptions::default().unsigned())
        .await
        .unwrap();
    assert_eq!(r.status, 401);
    let stale = chrono::Utc::now().timestamp() - 301;
    let r = app
        .driver
        .send_with(&cmd, &SendOptions::default().timestamp(stale))
        .await
        .unwrap();
    assert_eq!(r.status, 401, "stale timestamp");

    // Signed, but cut short or of the wrong kind.
    let truncated = app.driver.prepare_raw(
        "/slack/interactions",
        "application/x-www-form-urlencoded",
        b"payload=%7B%22type%22%3A%22bl".to_vec(),
    );
    assert_eq!(app.driver.send(&truncated).await.unwrap().status, 400);
    let event = app.driver.prepare_raw(
        "/slack/events",
        "application/json",
        b"{\"type\":\"event_cal".to_vec(),
    );
    assert_eq!(app.driver.send(&event).await.unwrap().status, 400);
    let wrong_type =
        app.driver
            .prepare_raw("/slack/commands", "application/json", cmd.body.clone());
    assert_eq!(app.driver.send(&wrong_type).await.unwrap().status, 415);
    // Events only as JSON; forms never without their type; media types in any case.
    let event_as_text = app.driver.prepare_raw(
        "/slack/events",
        "text/plain",
        br#"{"type":"url_verification","challenge":"c"}"#.to_vec(),
    );
    assert_eq!(app.driver.send(&event_as_text).await.unwrap().status, 415);
    let untyped = app
        .driver
        .prepare_raw("/slack/commands", "", cmd.body.clone());
    assert_eq!(app.driver.send(&untyped).await.unwrap().status, 415);
    let shouted = app.driver.prepare_raw(
        "/slack/events",
        "Application/JSON; charset=UTF-8",
        br#"{"type":"url_verification","challenge":"c"}"#.to_vec(),
    );
    assert_eq!(app.driver.send(&shouted).await.unwrap().status, 200);
    let not_a_command = app.driver.prepare_raw(
        "/slack/commands",
        "application/x-www-form-urlencoded",
        b"text=%FF%FE&user_id=".to_vec(),
    );
    assert_eq!(app.driver.send(&not_a_command).await.unwrap().status, 400);

    let r = app.slash("U0ALICE", "general", "frobnicate now").await;
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains("I don't know `frobnicate`") && r.body.contains("/incident update"),
        "{}",
        r.body
    );
    let r = app.slash("U0ALICE", "general", "update all good").await;
    assert!(
        r.body.contains("isn't one"),
        "outside an incident channel: {}",
        r.body
    );
    let r = app.slash("U0ALICE", "general", "help").await;
    assert!(r.body.contains("/incident resolve"));

    let challenge = app
        .driver
        .prepare_url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
    let r = app.driver.send(&challenge).await.unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json().unwrap()["challenge"],
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    );

    // A refused command in an incident channel is answered, not retried forever.
    let (_, name) = app
        .declare("U0ALICE", "Disk full", "S4", ViewValues::new())
        .await;
    // The slack function can tell at once: the refusal is its first answer.
    let r = app.slash("U0ALICE", &name, "close").await;
    assert!(
        r.body.contains(":no_entry:") && r.body.contains("can't go from investigating to closed"),
        "{}",
        r.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_is_waited_out_and_the_message_posted_once() {
    let app = App::start().await;
    let (_, name) = app
        .declare("U0ALICE", "Cache misses", "S3", ViewValues::new())
        .await;
    app.host.sim.inject_fault(Fault {
        method: "chat.postMessage".into(),
        error: "ratelimited".into(),
        count: 1,
        retry_after: 1,
    });
    app.slash("U0ALICE", &name, "update purging the cache")
        .await;
    let posts: Vec<_> = app
        .channel(&name)
        .messages
        .into_iter()
        .filter(|m| m.text.contains("purging the cache"))
        .collect();
    assert_eq!(posts.len(), 1, "posted once, after the wait");
    let limited = app
        .host
        .sim
        .calls_to("chat.postMessage")
        .into_iter()
        .filter(|c| c.error.as_deref() == Some("ratelimited"))
        .count();
    assert_eq!(limited, 1, "the 429 really happened");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shortcuts_open_the_form_and_a_message_becomes_the_first_timeline_entry() {
    let app = App::start().await;
    let general = app.channel_id("general");
    let r = app
        .driver
        .shortcut("U0CAROL", flare::slack::app::DECLARE_SHORTCUT)
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(
        app.host.sim.views().len(),
        1,
        "the global shortcut opens the form"
    );

    let alert = app
        .act(
            "U0BOB",
            "chat.postMessage",
            json!({ "channel": general, "text": "ALERT: checkout p99 > 5s\nsince 09:12 UTC" }),
        )
        .await;
    let ts = alert["ts"].as_str().unwrap().to_string();
    let r = app
        .driver
        .message_action(
            "U0ALICE",
            &general,
            &ts,
            flare::slack::app::DECLARE_FROM_MESSAGE,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    let views = app.host.sim.views();
    let view = views.last().unwrap();
    let opened = serde_json::to_string(&view).unwrap();
    assert!(
        opened.contains("ALERT: checkout p99 > 5s"),
        "prefilled: {opened}"
    );

    let values = ViewValues::new().set("severity", "value", "S2");
    let r = app
        .driver
        .send(
            &app.driver
                .prepare_view_submission("U0ALICE", &view.id, &values)
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    app.host.settle().await;
    let id = app.latest_incident().await;
    let incident = app.host.store.load(&id).await.unwrap().unwrap();
    assert_eq!(
        incident.title, "ALERT: checkout p99 > 5s",
        "first line as the title"
    );
    let Event::Declared(d) = &app.timeline(&id).await[0].event else {
        panic!()
    };
    let source = d
        .source_message
        .as_ref()
        .expect("the message is on the timeline");
    assert_eq!(
        (source.ts.as_str(), source.author.as_ref().unwrap().as_str()),
        (ts.as_str(), "U0BOB")
    );
    let texts: Vec<String> = app
        .channel(&format!("inc-{id}"))
        .messages
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert!(
        texts.iter().any(
            |t| t.contains("<@U0ALICE> declared this from a message by <@U0BOB>")
                && t.contains("since 09:12 UTC")
        ),
        "{texts:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_buttons_and_retried_subcommands_apply_once() {
    let app = App::start().await;
    let (id, name) = app
        .declare("U0ALICE", "Webhooks delayed", "S1", ViewValues::new())
        .await;
    let channel = app.channel(&name);
    let card = channel.messages.iter().find(|m| m.pinned).unwrap().clone();
    assert!(
        card.blocks
            .as_ref()
            .unwrap()
            .to_string()
            .contains("claim:coordinator")
    );

    for _ in 0..2 {
        let r = app
            .driver
            .block_action(
                "U0DAVE",
                &channel.id,
                &card.ts,
                "claim:coordinator",
                Some(id.as_str()),
            )
            .await
            .unwrap();
        assert_eq!(r.status, 200);
    }
    app.host.settle().await;
    let incident = app.host.store.load(&id).await.unwrap().unwrap();
    assert_eq!(
        incident.roles.coordinator.as_ref().unwrap().as_str(),
        "U0DAVE"
    );
    assert!(
        app.channel(&name).members.contains(&"U0DAVE".to_string()),
        "the new coordinator is invited"
    );
    let card_now = app
        .channel(&name)
        .messages
        .into_iter()
        .find(|m| m.pinned)
        .unwrap();
    assert!(
        !card_now
            .blocks
            .unwrap()
            .to_string()
            .contains("claim:coordinator"),
        "the claim button goes once taken"
    );

    // The same subcommand delivered three times (Slack retries): one update.
    let prepared = app
        .driver
        .prepare_command(
            "U0ALICE",
            &channel.id,
            "/incident",
            "update mitigation deployed",
        )
        .unwrap();
    app.driver.send(&prepared).await.unwrap();
    for n in 1..=2 {
        app.driver
            .send_with(&prepared, &SendOptions::default().retry(n, "http_timeout"))
            .await
            .unwrap();
    }
    app.host.settle().await;
    let updates = app
        .timeline(&id)
        .await
        .into_iter()
        .filter(|r| matches!(r.event, Event::UpdatePosted { .. }))
        .count();
    assert_eq!(updates, 1);
    let posted = app
        .channel(&name)
        .messages
        .into_iter()
        .filter(|m| m.text.contains("mitigation deployed"))
        .count();
    assert_eq!(posted, 1);

    let r = app.slash("U0BOB", "general", "list").await;
    assert!(
        r.body.contains("Webhooks delayed") && r.body.contains(&format!("<#{}>", channel.id)),
        "{}",
        r.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_slack_error_is_recorded_and_reported_in_the_channel() {
    let app = App::start().await;
    let (id, name) = app
        .declare("U0ALICE", "Search down", "S3", ViewValues::new())
        .await;
    // The card's update is essential (a topic or purpose is cosmetic: passed over).
    app.host.sim.inject_fault(Fault {
        method: "chat.update".into(),
        error: "cant_update_message".into(),
        count: 1,
        retry_after: 1,
    });
    app.slash("U0ALICE", &name, "severity S2").await;
    let refs = app.host.store.refs(&id).await.unwrap();
    assert_eq!(
        refs.get("error#2").map(String::as_str),
        Some("cant_update_message"),
        "{refs:?}"
    );
    let texts: Vec<String> = app
        .channel(&name)
        .messages
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("could not finish") && t.contains("cant_update_message")),
        "{texts:?}"
    );
    // Not retried forever: the next command works normally.
    app.slash("U0ALICE", &name, "status fixing").await;
    assert!(app.channel(&name).topic.contains("fixing"));
}
