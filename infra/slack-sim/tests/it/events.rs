//! Events API delivery: what people do through the Web API reaches the app signed, in
//! order, and parseable by slack-morphism; the bot's own actions send their events too.

use flare_slack_sim::{Driver, Simulator};
use serde_json::{Value, json};
use slack_morphism::prelude::*;

use crate::support::*;

#[tokio::test]
async fn people_actions_are_delivered_in_order_and_signed() {
    let (app, app_url) = FakeApp::start().await;
    let config = full_config()
        .with_seed(flare_slack_sim::Seed::load_default().with_channel("incidents"))
        .with_events_url(format!("{app_url}/slack/events"));
    let (sim, _addr) = Simulator::start(config).await.unwrap();
    let driver = Driver::new(&sim, &app_url, SECRET);
    let incidents = sim.channel_by_name("incidents").unwrap();
    assert!(incidents.has_member("U0FLAREBOT"));

    let ts = driver
        .post_as("U0BOB", &incidents.id, "checkout is returning 500s", None)
        .unwrap();
    driver
        .react("U0ALICE", &incidents.id, &ts, "receipt")
        .unwrap();
    driver.pin("U0CAROL", &incidents.id, &ts).unwrap();
    driver
        .unreact("U0ALICE", &incidents.id, &ts, "receipt")
        .unwrap();
    driver.unpin("U0CAROL", &incidents.id, &ts).unwrap();
    // The bot's own actions send their events too, as on Slack.
    sim.call_as_bot(
        "chat.postMessage",
        json!({"channel": incidents.id, "text": "ack"}),
    )
    .unwrap();
    sim.call_as_bot(
        "reactions.add",
        json!({"channel": incidents.id, "timestamp": ts, "name": "eyes"}),
    )
    .unwrap();
    sim.wait_idle().await;

    let got = app.received();
    let types: Vec<String> = got
        .iter()
        .map(|r| {
            let v: Value = serde_json::from_str(&r.body).unwrap();
            v["event"]["type"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(
        types,
        [
            "message",
            "reaction_added",
            "pin_added",
            "reaction_removed",
            "pin_removed",
            "message",
            "reaction_added"
        ]
    );
    for r in &got {
        assert_eq!(r.path, "/slack/events");
        assert!(signature_ok(SECRET, r, 300), "bad signature on {}", r.body);
        let parsed: SlackPushEvent = serde_json::from_str(&r.body).unwrap();
        assert!(matches!(parsed, SlackPushEvent::EventCallback(_)));
    }

    let parse = |i: usize| -> SlackPushEventCallback {
        match serde_json::from_str(&got[i].body).unwrap() {
            SlackPushEvent::EventCallback(cb) => cb,
            other => panic!("{other:?}"),
        }
    };
    let SlackEventCallbackBody::Message(message) = parse(0).event else {
        panic!("not a message event");
    };
    assert_eq!(message.sender.user.unwrap().0, "U0BOB");
    assert_eq!(message.origin.ts.0, ts);
    assert_eq!(message.origin.channel_type.unwrap().0, "channel");
    assert_eq!(
        message.content.unwrap().text.as_deref(),
        Some("checkout is returning 500s")
    );

    let SlackEventCallbackBody::ReactionAdded(reaction) = parse(1).event else {
        panic!("not reaction_added");
    };
    assert_eq!(reaction.user.0, "U0ALICE");
    assert_eq!(reaction.item_user.unwrap().0, "U0BOB");
    let SlackReactionsItem::Message(item) = reaction.item else {
        panic!("not a message item");
    };
    assert_eq!(item.origin.ts.0, ts);

    // slack-morphism 2.31 does not model pin_added: it lands in `Unknown` with the JSON.
    let SlackEventCallbackBody::Unknown(pin) = parse(2).event else {
        panic!("pin_added is expected to be unmodelled");
    };
    assert_eq!(pin["type"], "pin_added");
    assert_eq!(pin["user"], "U0CAROL");
    assert_eq!(pin["channel_id"], incidents.id.as_str());
    assert_eq!(pin["item"]["message"]["ts"], ts.as_str());
    assert_eq!(pin["item"]["message"]["text"], "checkout is returning 500s");
    assert_eq!(pin["pinned_info"]["pinned_by"], "U0CAROL");

    let bot_message: Value = serde_json::from_str(&got[5].body).unwrap();
    assert_eq!(bot_message["event"]["user"], "U0FLAREBOT");
    assert_eq!(bot_message["event"]["bot_id"], flare_slack_sim::BOT_ID);
    let bot_reaction: Value = serde_json::from_str(&got[6].body).unwrap();
    assert_eq!(bot_reaction["event"]["user"], "U0FLAREBOT");

    let deliveries = sim.deliveries();
    assert_eq!(deliveries.len(), 7);
    assert!(deliveries.iter().all(|d| d.status == Some(200)));
    assert_eq!(deliveries[2].event_type, "pin_added");
}

#[tokio::test]
async fn the_bot_hears_nothing_from_channels_it_is_not_in() {
    let (app, app_url) = FakeApp::start().await;
    let config = full_config().with_events_url(format!("{app_url}/slack/events"));
    let (sim, _addr) = Simulator::start(config).await.unwrap();
    let driver = Driver::new(&sim, &app_url, SECRET);
    let ts = driver.post_as("U0BOB", "general", "hello", None).unwrap();
    driver.react("U0ALICE", "general", &ts, "wave").unwrap();
    sim.wait_idle().await;
    assert!(app.received().is_empty());
    let deliveries = sim.deliveries();
    assert_eq!(deliveries.len(), 2);
    assert!(
        deliveries[0]
            .error
            .as_deref()
            .unwrap()
            .contains("not a member")
    );

    // Once the bot joins, it does.
    sim.call_as_bot("conversations.join", json!({"channel": "C0GENERAL"}))
        .unwrap();
    driver
        .post_as("U0BOB", "general", "again", Some(&ts))
        .unwrap();
    sim.wait_idle().await;
    let got = app.received();
    assert_eq!(got.len(), 1);
    let v: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(v["event"]["thread_ts"], ts.as_str());
}

#[tokio::test]
async fn failed_deliveries_are_recorded() {
    let (app, app_url) = FakeApp::start().await;
    let config = full_config()
        .with_seed(flare_slack_sim::Seed::load_default().with_channel("incidents"))
        .with_events_url(format!("{app_url}/slack/events"));
    let (sim, _addr) = Simulator::start(config).await.unwrap();
    app.answer_next(500, "boom");
    sim.act(
        "U0BOB",
        "chat.postMessage",
        json!({"channel": "#incidents", "text": "x"}),
    )
    .unwrap();
    sim.wait_idle().await;
    assert_eq!(sim.deliveries()[0].status, Some(500));
}
