//! Slack's refusals: Block Kit shapes and limits, text limits, `conversations.invite`'s
//! `force`, scopes from the app manifest, rate-limit tiers, escaping of what people type,
//! the events of the bot's own actions, and redelivery of unanswered events.

use std::time::Duration;

use flare_slack_sim::{Driver, Redelivery, Seed, SimConfig, Simulator};
use serde_json::{Value, json};

use crate::support::*;

/// Calls `/api/<method>` with a JSON body as `token`; returns (HTTP status, Retry-After, body).
async fn call_as(
    addr: std::net::SocketAddr,
    token: &str,
    method: &str,
    args: Value,
) -> (u16, Option<String>, Value) {
    let response = reqwest::Client::new()
        .post(format!("http://{addr}/api/{method}"))
        .bearer_auth(token)
        .json(&args)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    (status, retry_after, response.json().await.unwrap())
}

async fn call(addr: std::net::SocketAddr, method: &str, args: Value) -> Value {
    call_as(addr, BOT_TOKEN, method, args).await.2
}

async fn sim_with_incidents() -> (Simulator, std::net::SocketAddr, String) {
    let config = SimConfig::default().with_seed(Seed::load_default().with_channel("incidents"));
    let (sim, addr) = Simulator::start(config).await.unwrap();
    let id = sim.channel_by_name("incidents").unwrap().id;
    (sim, addr, id)
}

fn section(text: &str) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})
}

fn button(text: &str, action_id: &str, value: &str) -> Value {
    json!({"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action_id, "value": value})
}

/// Posts `blocks` and expects Slack's `invalid_blocks` naming `pointer`.
async fn refused_blocks(addr: std::net::SocketAddr, channel: &str, blocks: Value, pointer: &str) {
    let answer = call(
        addr,
        "chat.postMessage",
        json!({"channel": channel, "text": "fallback", "blocks": blocks}),
    )
    .await;
    assert_eq!(answer["ok"], false, "{answer}");
    assert_eq!(answer["error"], "invalid_blocks", "{answer}");
    let errors: Vec<String> = answer["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_string())
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.ends_with(&format!("[json-pointer:{pointer}]"))),
        "expected a problem at {pointer}: {errors:?}"
    );
    let messages = answer["response_metadata"]["messages"].as_array().unwrap();
    assert!(messages[0].as_str().unwrap().starts_with("[ERROR] "));
}

#[tokio::test]
async fn message_blocks_are_held_to_block_kit() {
    let (sim, addr, c) = sim_with_incidents().await;
    // At the limits: accepted (3000 characters, not bytes).
    let ok = call(
        addr,
        "chat.postMessage",
        json!({"channel": c, "text": "x", "blocks": [
            section(&"é".repeat(3000)),
            {"type": "header", "text": {"type": "plain_text", "text": "h".repeat(150)}},
            {"type": "actions", "elements": [button(&"b".repeat(75), &"a".repeat(255), &"v".repeat(2000))]},
        ]}),
    )
    .await;
    assert_eq!(ok["ok"], true, "{ok}");

    refused_blocks(
        addr,
        &c,
        json!([section(&"a".repeat(3001))]),
        "/blocks/0/text/text",
    )
    .await;
    refused_blocks(
        addr,
        &c,
        json!([{"type": "section", "text": "plain string"}]),
        "/blocks/0",
    )
    .await;
    refused_blocks(addr, &c, json!([{"type": "sektion"}]), "/blocks/0").await;
    refused_blocks(
        addr,
        &c,
        json!([{"type": "header", "text": {"type": "mrkdwn", "text": "*h*"}}]),
        "/blocks/0/text/type",
    )
    .await;
    refused_blocks(
        addr,
        &c,
        json!([{"type": "header", "text": {"type": "plain_text", "text": "h".repeat(151)}}]),
        "/blocks/0/text/text",
    )
    .await;
    let fields: Vec<Value> = (0..11)
        .map(|_| json!({"type": "mrkdwn", "text": "f"}))
        .collect();
    refused_blocks(
        addr,
        &c,
        json!([{"type": "section", "fields": fields}]),
        "/blocks/0/fields",
    )
    .await;
    refused_blocks(
        addr,
        &c,
        json!([{"type": "section", "fields": [{"type": "mrkdwn", "text": "f".repeat(2001)}]}]),
        "/blocks/0/fields/0/text",
    )
    .await;
    let context: Vec<Value> = (0..11)
        .map(|_| json!({"type": "mrkdwn", "text": "c"}))
        .collect();
    refused_blocks(
        addr,
        &c,
        json!([{"type": "context", "elements": context}]),
        "/blocks/0/elements",
    )
    .await;
    let buttons: Vec<Value> = (0..26)
        .map(|i| button("b", &format!("a{i}"), "v"))
        .collect();
    refused_blocks(
        addr,
        &c,
        json!([{"type": "actions", "elements": buttons}]),
        "/blocks/0/elements",
    )
    .await;
    for (b, pointer) in [
        (
            button(&"b".repeat(76), "a", "v"),
            "/blocks/0/elements/0/text/text",
        ),
        (
            button("b", &"a".repeat(256), "v"),
            "/blocks/0/elements/0/action_id",
        ),
        (
            button("b", "a", &"v".repeat(2001)),
            "/blocks/0/elements/0/value",
        ),
    ] {
        refused_blocks(
            addr,
            &c,
            json!([{"type": "actions", "elements": [b]}]),
            pointer,
        )
        .await;
    }
    refused_blocks(
        addr,
        &c,
        json!([{"type": "actions", "elements": [button("b", "same", "1"), button("c", "same", "2")]}]),
        "/blocks/0/elements/1/action_id",
    )
    .await;
    refused_blocks(
        addr,
        &c,
        json!([{"type": "divider", "block_id": "d"}, {"type": "divider", "block_id": "d"}]),
        "/blocks/1/block_id",
    )
    .await;
    let many: Vec<Value> = (0..51).map(|_| json!({"type": "divider"})).collect();
    refused_blocks(addr, &c, Value::Array(many), "/blocks").await;
    let input = json!({"type": "input", "label": {"type": "plain_text", "text": "T"},
        "element": {"type": "plain_text_input", "action_id": "t"}});
    refused_blocks(addr, &c, json!([input]), "/blocks/0").await;

    // chat.update and chat.postEphemeral check the same way; nothing was stored.
    let ts = ok["ts"].as_str().unwrap();
    let update = call(
        addr,
        "chat.update",
        json!({"channel": c, "ts": ts, "blocks": [section(&"a".repeat(3001))]}),
    )
    .await;
    assert_eq!(update["error"], "invalid_blocks", "{update}");
    let ephemeral = call(
        addr,
        "chat.postEphemeral",
        json!({"channel": c, "user": "U0ALICE", "text": "x", "blocks": [section(&"a".repeat(3001))]}),
    )
    .await;
    assert_eq!(ephemeral["error"], "invalid_blocks", "{ephemeral}");
    let not_json = call(
        addr,
        "chat.postMessage",
        json!({"channel": c, "blocks": "[{nope"}),
    )
    .await;
    assert_eq!(not_json["error"], "invalid_blocks_format", "{not_json}");
    assert_eq!(sim.channel(&c).unwrap().messages.len(), 1);
}

#[tokio::test]
async fn text_limits_count_characters() {
    let (_sim, addr, c) = sim_with_incidents().await;
    let ok = call(
        addr,
        "chat.postMessage",
        json!({"channel": c, "text": "é".repeat(40_000)}),
    )
    .await;
    assert_eq!(ok["ok"], true);
    let long = call(
        addr,
        "chat.postMessage",
        json!({"channel": c, "text": "a".repeat(40_001)}),
    )
    .await;
    assert_eq!(long["error"], "msg_too_long");
    for (method, key) in [
        ("conversations.setTopic", "topic"),
        ("conversations.setPurpose", "purpose"),
    ] {
        let ok = call(addr, method, json!({"channel": c, key: "é".repeat(250)})).await;
        assert_eq!(ok["ok"], true, "{method}: {ok}");
        let long = call(addr, method, json!({"channel": c, key: "a".repeat(251)})).await;
        assert_eq!(long["error"], "too_long", "{method}");
    }
}

#[tokio::test]
async fn views_are_held_to_block_kit_with_slacks_view_errors() {
    let (sim, addr, _) = sim_with_incidents().await;
    let input = json!({"type": "input", "block_id": "t", "label": {"type": "plain_text", "text": "T"},
        "element": {"type": "plain_text_input", "action_id": "v"}});
    let good = json!({"type": "modal", "title": {"type": "plain_text", "text": "t".repeat(24)},
        "submit": {"type": "plain_text", "text": "Go"}, "callback_id": "c", "blocks": [input]});
    let cases: Vec<(Value, &str)> = vec![
        (
            {
                let mut v = good.clone();
                v["title"]["text"] = json!("t".repeat(25));
                v
            },
            "/view/title/text",
        ),
        (
            {
                let mut v = good.clone();
                v["submit"]["text"] = json!("s".repeat(25));
                v
            },
            "/view/submit/text",
        ),
        (
            {
                let mut v = good.clone();
                v["close"] = json!({"type": "plain_text", "text": "c".repeat(25)});
                v
            },
            "/view/close/text",
        ),
        (
            {
                let mut v = good.clone();
                v["private_metadata"] = json!("m".repeat(3001));
                v
            },
            "/view/private_metadata",
        ),
        (
            {
                let mut v = good.clone();
                v["callback_id"] = json!("c".repeat(256));
                v
            },
            "/view/callback_id",
        ),
        (
            {
                let mut v = good.clone();
                v.as_object_mut().unwrap().remove("submit");
                v
            },
            "/view/submit",
        ),
        (
            {
                let mut v = good.clone();
                v["blocks"] = Value::Array((0..101).map(|_| json!({"type": "divider"})).collect());
                v
            },
            "/view/blocks",
        ),
        (
            {
                let mut v = good.clone();
                v["blocks"] = json!([input, input]);
                v
            },
            "/view/blocks/1/block_id",
        ),
    ];
    for (view, pointer) in cases {
        let trigger = sim.issue_trigger("U0ALICE");
        let answer = call(
            addr,
            "views.open",
            json!({"trigger_id": trigger, "view": view}),
        )
        .await;
        assert_eq!(answer["error"], "invalid_arguments", "{pointer}: {answer}");
        let messages = answer["response_metadata"]["messages"].to_string();
        assert!(
            messages.contains(&format!("[json-pointer:{pointer}]")),
            "{pointer}: {messages}"
        );
    }
    let trigger = sim.issue_trigger("U0ALICE");
    let opened = call(
        addr,
        "views.open",
        json!({"trigger_id": trigger, "view": good}),
    )
    .await;
    assert_eq!(opened["ok"], true, "{opened}");
    let id = opened["view"]["id"].as_str().unwrap();
    let bad = json!({"type": "modal", "title": {"type": "plain_text", "text": "x"}, "blocks": [section(&"a".repeat(3001))]});
    let updated = call(addr, "views.update", json!({"view_id": id, "view": bad})).await;
    assert_eq!(updated["error"], "invalid_arguments", "{updated}");
    let home = json!({"type": "home", "blocks": (0..101).map(|_| json!({"type": "divider"})).collect::<Vec<_>>()});
    let published = call(
        addr,
        "views.publish",
        json!({"user_id": "U0ALICE", "view": home}),
    )
    .await;
    assert_eq!(published["error"], "invalid_arguments", "{published}");
}

#[tokio::test]
async fn invite_follows_force() {
    let (sim, addr, _) = sim_with_incidents().await;
    let created = call(addr, "conversations.create", json!({"name": "inc-force"})).await;
    let c = created["channel"]["id"].as_str().unwrap().to_string();
    call(
        addr,
        "conversations.invite",
        json!({"channel": c, "users": "U0ALICE"}),
    )
    .await;

    // Without force, one failing user fails the call and nobody is invited.
    let mixed = call(
        addr,
        "conversations.invite",
        json!({"channel": c, "users": "U0ALICE,U0BOB"}),
    )
    .await;
    assert_eq!(mixed["ok"], false);
    assert_eq!(mixed["error"], "already_in_channel");
    assert_eq!(
        mixed["errors"],
        json!([{"user": "U0ALICE", "ok": false, "error": "already_in_channel"}])
    );
    assert!(!sim.channel(&c).unwrap().has_member("U0BOB"));
    let unknown = call(
        addr,
        "conversations.invite",
        json!({"channel": c, "users": "U0BOB,U0NOBODY"}),
    )
    .await;
    assert_eq!(unknown["error"], "user_not_found");
    let me = call(
        addr,
        "conversations.invite",
        json!({"channel": c, "users": ["U0FLAREBOT"]}),
    )
    .await;
    assert_eq!(me["error"], "cant_invite_self");
    let none = call(addr, "conversations.invite", json!({"channel": c})).await;
    assert_eq!(none["error"], "no_user");

    // With force, the valid ones are invited and the rest listed.
    let forced = call(
        addr,
        "conversations.invite",
        json!({"channel": c, "users": "U0ALICE,U0BOB,U0NOBODY", "force": true}),
    )
    .await;
    assert_eq!(forced["ok"], true, "{forced}");
    assert_eq!(forced["errors"].as_array().unwrap().len(), 2, "{forced}");
    assert!(sim.channel(&c).unwrap().has_member("U0BOB"));
    let all_bad = call(
        addr,
        "conversations.invite",
        json!({"channel": c, "users": "U0BOB", "force": "true"}),
    )
    .await;
    assert_eq!(all_bad["error"], "already_in_channel");
}

#[tokio::test]
async fn methods_outside_the_manifest_scopes_are_missing_scope() {
    // Flare's own manifest has no reactions:write (Flare never reacts).
    let (_sim, addr, c) = sim_with_incidents().await;
    let react = call(
        addr,
        "reactions.add",
        json!({"channel": c, "timestamp": "1700000000.000100", "name": "eyes"}),
    )
    .await;
    assert_eq!(react["error"], "missing_scope", "{react}");
    assert_eq!(react["needed"], "reactions:write");
    assert!(react["provided"].as_str().unwrap().contains("chat:write"));
    // users:read is granted: Flare names people in forms prefilled from a message.
    let info = call(addr, "users.info", json!({"user": "U0ALICE"})).await;
    assert_eq!(info["ok"], true, "{info}");
    // Methods that need no scope, and people's tokens, are not checked.
    assert_eq!(call(addr, "auth.test", json!({})).await["ok"], true);
    let (_, _, person) =
        call_as(addr, "xoxp-U0ALICE", "users.info", json!({"user": "U0BOB"})).await;
    assert_eq!(person["ok"], true);

    // A manifest with chat:write only: no channel management, no posting where not invited.
    let config = SimConfig::default()
        .with_seed(Seed::load_default().with_channel("incidents"))
        .with_bot_scopes(["chat:write"]);
    let (_sim, addr2) = Simulator::start(config).await.unwrap();
    let create = call(addr2, "conversations.create", json!({"name": "inc-x"})).await;
    assert_eq!(create["error"], "missing_scope");
    assert_eq!(create["needed"], "channels:manage,groups:write");
    assert_eq!(create["provided"], "chat:write");
    let general = call(
        addr2,
        "chat.postMessage",
        json!({"channel": "C0GENERAL", "text": "hi"}),
    )
    .await;
    assert_eq!(
        general["error"], "not_in_channel",
        "no chat:write.public: {general}"
    );
    let _ = c;
}

#[tokio::test]
async fn rate_limit_tiers_answer_429_with_retry_after_when_switched_on() {
    let (sim, addr, c) = sim_with_incidents().await;
    // Off by default.
    for _ in 0..25 {
        let (status, _, _) =
            call_as(addr, BOT_TOKEN, "conversations.info", json!({"channel": c})).await;
        assert_eq!(status, 200);
    }
    let switched = reqwest::Client::new()
        .post(format!("http://{addr}/sim/rate-limits"))
        .json(&json!({"enabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(switched.status(), 200);
    assert!(sim.rate_limits());
    // Tier 2 (conversations.setTopic): 20 a minute.
    for i in 0..20 {
        let (status, _, body) = call_as(
            addr,
            BOT_TOKEN,
            "conversations.setTopic",
            json!({"channel": c, "topic": format!("t{i}")}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, retry_after, body) = call_as(
        addr,
        BOT_TOKEN,
        "conversations.setTopic",
        json!({"channel": c, "topic": "over"}),
    )
    .await;
    assert_eq!(status, 429);
    assert_eq!(body, json!({"ok": false, "error": "ratelimited"}));
    let secs: u64 = retry_after.unwrap().parse().unwrap();
    assert!((1..=60).contains(&secs), "{secs}");
    assert_eq!(
        sim.channel(&c).unwrap().topic,
        "t19",
        "the refused call changed nothing"
    );
    // chat.postMessage: about one a second per channel, with short bursts.
    let mut refused = 0;
    for _ in 0..6 {
        let (status, _, _) = call_as(
            addr,
            BOT_TOKEN,
            "chat.postMessage",
            json!({"channel": c, "text": "x"}),
        )
        .await;
        if status == 429 {
            refused += 1;
        }
    }
    assert!(
        refused >= 2,
        "a burst of 6 in one channel is limited ({refused} refused)"
    );
    let (status, _, _) = call_as(
        addr,
        BOT_TOKEN,
        "chat.postMessage",
        json!({"channel": "C0GENERAL", "text": "x"}),
    )
    .await;
    assert_ne!(status, 429, "another channel has its own budget");
    // Switched off again.
    let state: Value = reqwest::Client::new()
        .post(format!("http://{addr}/sim/rate-limits"))
        .json(&json!({"enabled": false}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["enabled"], false);
    let (status, _, _) = call_as(
        addr,
        BOT_TOKEN,
        "conversations.setTopic",
        json!({"channel": c, "topic": "again"}),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn what_people_type_is_escaped_as_slack_escapes_it() {
    let (app, app_url) = FakeApp::start().await;
    let config = SimConfig::default()
        .with_seed(Seed::load_default().with_channel("incidents"))
        .with_bot_events(["message.channels"])
        .with_events_url(format!("{app_url}/slack/events"));
    let (sim, _) = Simulator::start(config).await.unwrap();
    let driver = Driver::new(&sim, &app_url, SECRET);
    let c = sim.channel_by_name("incidents").unwrap().id;
    let ts = driver
        .post_as(
            "U0BOB",
            &c,
            "R&D <-> QA, ask @alice or <@U0CAROL>, see <https://x.example/a?b=1&c=2|the doc>",
            None,
        )
        .unwrap();
    let expected = "R&amp;D &lt;-&gt; QA, ask <@U0ALICE> or <@U0CAROL>, see <https://x.example/a?b=1&c=2|the doc>";
    assert_eq!(
        sim.channel(&c).unwrap().message(&ts).unwrap().text,
        expected
    );
    sim.wait_idle().await;
    let event: Value = serde_json::from_str(&app.last().body).unwrap();
    assert_eq!(event["event"]["text"], expected);

    // Slash-command text: escaped, and (should_escape: true) mentions as <@U…|name>.
    let prepared = driver
        .prepare_command(
            "U0ALICE",
            &c,
            "/incident",
            "new R&D <b> down, lead @bob in #incidents",
        )
        .unwrap();
    let text = prepared.payload["text"].as_str().unwrap();
    assert_eq!(
        text,
        format!("new R&amp;D &lt;b&gt; down, lead <@U0BOB|bob> in <#{c}|incidents>")
    );
}

#[tokio::test]
async fn the_bot_hears_its_own_pins_and_reactions() {
    let (app, app_url) = FakeApp::start().await;
    let config = SimConfig::default()
        .with_seed(Seed::load_default().with_channel("incidents"))
        .with_bot_scopes(["chat:write", "pins:write", "reactions:write"])
        .with_events_url(format!("{app_url}/slack/events"));
    let (sim, _) = Simulator::start(config).await.unwrap();
    let c = sim.channel_by_name("incidents").unwrap().id;
    let posted = sim
        .call_as_bot("chat.postMessage", json!({"channel": c, "text": "card"}))
        .unwrap();
    let ts = posted["ts"].as_str().unwrap();
    sim.call_as_bot("pins.add", json!({"channel": c, "timestamp": ts}))
        .unwrap();
    sim.call_as_bot(
        "reactions.add",
        json!({"channel": c, "timestamp": ts, "name": "eyes"}),
    )
    .unwrap();
    sim.wait_idle().await;
    let events: Vec<Value> = app
        .received()
        .iter()
        .map(|r| serde_json::from_str::<Value>(&r.body).unwrap()["event"].clone())
        .collect();
    // Flare's manifest subscribes to pins and reactions, not to messages.
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0]["type"], "pin_added");
    assert_eq!(events[0]["user"], "U0FLAREBOT");
    assert_eq!(events[1]["type"], "reaction_added");
    assert_eq!(events[1]["user"], "U0FLAREBOT");
    let message_delivery = sim
        .deliveries()
        .into_iter()
        .find(|d| d.event_type == "message")
        .unwrap();
    assert!(
        message_delivery
            .error
            .unwrap()
            .contains("does not subscribe")
    );
}

fn fast_redelivery(timeout_ms: u64) -> Redelivery {
    Redelivery {
        timeout: Duration::from_millis(timeout_ms),
        schedule: [
            Duration::ZERO,
            Duration::from_millis(50),
            Duration::from_millis(100),
        ],
    }
}

#[tokio::test]
async fn unanswered_events_are_redelivered_with_retry_headers() {
    let (app, app_url) = FakeApp::start().await;
    let config = SimConfig::default()
        .with_seed(Seed::load_default().with_channel("incidents"))
        .with_redelivery(fast_redelivery(3000))
        .with_events_url(format!("{app_url}/slack/events"));
    let (sim, _) = Simulator::start(config).await.unwrap();
    let driver = Driver::new(&sim, &app_url, SECRET);
    let c = sim.channel_by_name("incidents").unwrap().id;
    let ts = driver.post_as("U0BOB", &c, "hello", None).unwrap();

    // Three errors, then success: 4 deliveries of the same event.
    for _ in 0..3 {
        app.answer_next(500, "boom");
    }
    driver.react("U0ALICE", &c, &ts, "receipt").unwrap();
    sim.wait_idle().await;
    let got = app.received();
    assert_eq!(got.len(), 4);
    let ids: Vec<Value> = got
        .iter()
        .map(|r| serde_json::from_str::<Value>(&r.body).unwrap()["event_id"].clone())
        .collect();
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "the same event each time"
    );
    assert_eq!(got[0].header("x-slack-retry-num"), None);
    for (i, r) in got.iter().enumerate().skip(1) {
        assert_eq!(r.header("x-slack-retry-num"), Some(i.to_string().as_str()));
        assert_eq!(r.header("x-slack-retry-reason"), Some("http_error"));
        assert!(signature_ok(SECRET, r, 300));
    }
    let deliveries: Vec<_> = sim
        .deliveries()
        .into_iter()
        .filter(|d| d.event_type == "reaction_added")
        .collect();
    assert_eq!(
        deliveries.iter().map(|d| d.retry_num).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    assert_eq!(deliveries[3].status, Some(200));

    // Always failing: Slack stops after 3 retries.
    for _ in 0..10 {
        app.answer_next(503, "down");
    }
    driver.unreact("U0ALICE", &c, &ts, "receipt").unwrap();
    sim.wait_idle().await;
    assert_eq!(app.received().len(), 8);
    app.answers.lock().unwrap().clear();

    // X-Slack-No-Retry on an error answer stops retries.
    app.answer_next_with_header(500, "x-slack-no-retry", "1");
    driver.react("U0ALICE", &c, &ts, "eyes").unwrap();
    sim.wait_idle().await;
    assert_eq!(app.received().len(), 9);
}

#[tokio::test]
async fn a_slow_app_gets_an_http_timeout_retry() {
    let (app, app_url) = FakeApp::start().await;
    let config = SimConfig::default()
        .with_seed(Seed::load_default().with_channel("incidents"))
        .with_redelivery(fast_redelivery(300))
        .with_events_url(format!("{app_url}/slack/events"));
    let (sim, _) = Simulator::start(config).await.unwrap();
    let driver = Driver::new(&sim, &app_url, SECRET);
    let c = sim.channel_by_name("incidents").unwrap().id;
    let ts = driver.post_as("U0BOB", &c, "hello", None).unwrap();
    app.delay_next(Duration::from_millis(600));
    driver.react("U0ALICE", &c, &ts, "receipt").unwrap();
    sim.wait_idle().await;
    let deliveries = sim.deliveries();
    let reactions: Vec<_> = deliveries
        .iter()
        .filter(|d| d.event_type == "reaction_added")
        .collect();
    assert_eq!(reactions.len(), 2, "{deliveries:?}");
    assert_eq!(reactions[0].status, None);
    assert_eq!(reactions[1].retry_reason.as_deref(), Some("http_timeout"));
    assert_eq!(reactions[1].status, Some(200));
}

#[tokio::test]
async fn response_url_posts_are_held_to_block_kit() {
    let (_app, app_url) = FakeApp::start().await;
    let (sim, _) = Simulator::start(SimConfig::default()).await.unwrap();
    let driver = Driver::new(&sim, &app_url, SECRET);
    let sent = driver
        .command("U0BOB", "general", "/incident", "status")
        .await
        .unwrap();
    let url = sent.request.response_url.unwrap();
    let post = |body: Value| reqwest::Client::new().post(&url).json(&body).send();
    let refused = post(json!({"text": "x", "blocks": [section(&"a".repeat(3001))]}))
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "invalid_blocks");
    assert!(sim.ephemeral_for("U0BOB").is_empty());
    let ok = post(json!({"text": "x", "blocks": [section("fine")]}))
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    assert_eq!(sim.ephemeral_for("U0BOB").len(), 1);
}
