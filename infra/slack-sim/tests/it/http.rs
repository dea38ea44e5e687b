//! The HTTP contract other tools rely on: `/sim/state`, `/sim/calls`, `/sim/faults`,
//! form and query encodings, malformed input, the HTML view — and no panics on any input.

use flare_slack_sim::SimState;
use serde_json::{Value, json};

use crate::support::*;

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

#[tokio::test]
async fn state_calls_and_encodings() {
    let (_sim, addr) = start_sim().await;
    let base = format!("http://{addr}");

    // Form-encoded, with blocks as a JSON string, as older clients send.
    let blocks = json!([{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]);
    let form = [
        ("channel", "C0GENERAL".to_string()),
        ("text", "hi".to_string()),
        ("blocks", blocks.to_string()),
    ];
    let answer: Value = http()
        .post(format!("{base}/api/chat.postMessage"))
        .bearer_auth(BOT_TOKEN)
        .body(serde_urlencoded::to_string(form).unwrap())
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["ok"], true, "{answer}");
    // Query string on GET; the token can also be a `token` argument.
    let info: Value = http()
        .get(format!(
            "{base}/api/conversations.info?channel=C0GENERAL&token={BOT_TOKEN}"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["channel"]["name"], "general");

    let state: Value = http()
        .get(format!("{base}/sim/state"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let general = &state["channels"][0];
    for key in [
        "id",
        "name",
        "topic",
        "purpose",
        "is_archived",
        "is_private",
        "members",
        "messages",
    ] {
        assert!(general.get(key).is_some(), "missing {key}");
    }
    let message = &general["messages"][0];
    for key in [
        "ts",
        "user",
        "text",
        "blocks",
        "thread_ts",
        "pinned",
        "reactions",
    ] {
        assert!(message.get(key).is_some(), "missing {key}");
    }
    assert_eq!(message["blocks"][0]["text"]["text"], "*hi*");
    assert!(message["blocks"][0]["block_id"].is_string());
    let typed: SimState = serde_json::from_value(state.clone()).unwrap();
    assert_eq!(typed.users.len(), 6);
    assert_eq!(typed.users[0].email, "alice@example.com");

    let calls: Value = http()
        .get(format!("{base}/sim/calls"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(calls[0]["method"], "chat.postMessage");
    assert_eq!(calls[0]["ok"], true);
    assert_eq!(calls[0]["params"]["blocks"][0]["type"], "section");
    assert!(calls[0]["at"].is_string());
    assert!(calls[1]["params"].get("token").is_none());
    let cleared = http()
        .delete(format!("{base}/sim/calls"))
        .send()
        .await
        .unwrap();
    assert!(cleared.status().is_success());
    let calls: Value = http()
        .get(format!("{base}/sim/calls"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(calls, json!([]));
}

#[tokio::test]
async fn faults_over_http() {
    let (sim, addr) = start_sim().await;
    let base = format!("http://{addr}");
    let added = http()
        .post(format!("{base}/sim/faults"))
        .json(&json!({"method": "conversations.create", "error": "ratelimited", "count": 2, "retry_after": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 200);
    let bad = http()
        .post(format!("{base}/sim/faults"))
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    for _ in 0..2 {
        let r = http()
            .post(format!("{base}/api/conversations.create"))
            .bearer_auth(BOT_TOKEN)
            .json(&json!({"name": "inc-x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()["retry-after"], "3");
        assert_eq!(
            r.json::<Value>().await.unwrap(),
            json!({"ok": false, "error": "ratelimited"})
        );
    }
    let r: Value = http()
        .post(format!("{base}/api/conversations.create"))
        .bearer_auth(BOT_TOKEN)
        .json(&json!({"name": "inc-x"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["ok"], true);
    assert_eq!(sim.calls().iter().filter(|c| !c.ok).count(), 2);
}

#[tokio::test]
async fn malformed_requests_answer_slack_errors() {
    let (_sim, addr) = start_sim().await;
    let base = format!("http://{addr}");
    let send = |path: &str, ct: &str, body: &'static [u8], token: Option<&str>| {
        let mut req = http()
            .post(format!("{base}{path}"))
            .header("content-type", ct)
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    // (path, content type, body, token, expected error)
    type Case<'a> = (&'a str, &'a str, &'a [u8], Option<&'a str>, &'a str);
    let cases: [Case; 7] = [
        (
            "/api/chat.postMessage",
            "application/json",
            b"{oops",
            Some(BOT_TOKEN),
            "invalid_json",
        ),
        (
            "/api/chat.postMessage",
            "application/json",
            b"[1,2]",
            Some(BOT_TOKEN),
            "json_not_object",
        ),
        (
            "/api/chat.postMessage",
            "application/x-www-form-urlencoded",
            b"\xff\xfe",
            Some(BOT_TOKEN),
            "invalid_charset",
        ),
        (
            "/api/chat.postMessage",
            "application/json",
            b"{}",
            None,
            "not_authed",
        ),
        (
            "/api/chat.postMessage",
            "application/json",
            b"{}",
            Some("xoxp-U0NOBODY"),
            "invalid_auth",
        ),
        (
            "/api/nope.nothing",
            "application/json",
            b"{}",
            Some(BOT_TOKEN),
            "unknown_method",
        ),
        (
            "/api/chat.postMessage",
            "application/json",
            b"{\"channel\":[1],\"text\":{}}",
            Some(BOT_TOKEN),
            "channel_not_found",
        ),
    ];
    for (path, ct, body, token, error) in cases {
        let r = send(path, ct, body, token).await.unwrap();
        assert_eq!(r.status(), 200, "{path} {error}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v, json!({"ok": false, "error": error}));
    }
}

#[tokio::test]
async fn the_human_view_escapes_what_people_write() {
    let (sim, addr) = start_sim().await;
    sim.act(
        "U0BOB",
        "chat.postMessage",
        json!({"channel": "C0GENERAL", "text": "<script>alert(1)</script> *bold* &lt;b&gt; <@U0ALICE>"}),
    )
    .unwrap();
    sim.call_as_bot(
        "chat.postMessage",
        json!({"channel": "C0GENERAL", "text": "card", "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "<img src=x onerror=alert(1)>"}},
            {"type": "actions", "elements": [{"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "Ack"}}]}
        ]}),
    )
    .unwrap();
    let html = http()
        .get(format!("http://{addr}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("#general"));
    assert!(!html.contains("<script>alert"), "raw script injected");
    assert!(!html.contains("<img src=x"), "raw img injected");
    assert!(html.contains("<strong>bold</strong>"));
    assert!(html.contains("@alice"));
    assert!(html.contains("Bob Brown"));
    assert!(html.contains("Ack"));
    assert!(html.contains("Topic: Company-wide announcements"));
}

/// Random bodies of random shapes to every method: the simulator answers JSON with an
/// `ok` field and never a server error.
#[tokio::test]
async fn no_input_makes_it_fail() {
    let (_sim, addr) = start_sim().await;
    let base = format!("http://{addr}");
    let methods = [
        "auth.test",
        "conversations.create",
        "conversations.invite",
        "conversations.join",
        "conversations.leave",
        "conversations.kick",
        "conversations.rename",
        "conversations.archive",
        "conversations.unarchive",
        "conversations.setTopic",
        "conversations.setPurpose",
        "conversations.info",
        "conversations.members",
        "conversations.list",
        "conversations.history",
        "conversations.replies",
        "conversations.open",
        "conversations.canvases.create",
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.update",
        "chat.delete",
        "chat.getPermalink",
        "pins.add",
        "pins.remove",
        "pins.list",
        "reactions.add",
        "reactions.remove",
        "reactions.get",
        "bookmarks.add",
        "bookmarks.list",
        "bookmarks.remove",
        "views.open",
        "views.push",
        "views.update",
        "views.publish",
        "users.info",
        "users.list",
        "users.lookupByEmail",
        "usergroups.list",
        "usergroups.users.list",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
        "canvases.create",
    ];
    let keys = [
        "channel",
        "channel_id",
        "name",
        "users",
        "user",
        "user_id",
        "text",
        "blocks",
        "ts",
        "timestamp",
        "message_ts",
        "thread_ts",
        "topic",
        "purpose",
        "view",
        "view_id",
        "hash",
        "trigger_id",
        "external_id",
        "email",
        "usergroup",
        "limit",
        "cursor",
        "oldest",
        "latest",
        "types",
        "title",
        "type",
        "link",
        "files",
        "filename",
        "length",
        "document_content",
    ];
    let values = [
        json!(null),
        json!(true),
        json!(-1),
        json!(1.5e300),
        json!(""),
        json!("C0GENERAL"),
        json!("U0ALICE"),
        json!("1700000000.000001"),
        json!("next:99999999999999999999"),
        json!([]),
        json!([1, {"a": null}]),
        json!({"type": "modal"}),
        json!({"type": "home", "blocks": 3}),
        json!([{"type": "section"}]),
        json!("x".repeat(5000)),
        json!("\u{0}\u{E000}<>&"),
        json!("inc-fuzz"),
        json!("U0ALICE,U0BOB,,U0BOB"),
        json!(u64::MAX),
        json!("[not json"),
    ];
    let mut rng = fastrand::Rng::with_seed(7);
    let client = http();
    for round in 0..600 {
        let method = methods[rng.usize(..methods.len())];
        let mut body = serde_json::Map::new();
        for _ in 0..rng.usize(0..6) {
            body.insert(
                keys[rng.usize(..keys.len())].to_string(),
                values[rng.usize(..values.len())].clone(),
            );
        }
        let token = if rng.bool() {
            BOT_TOKEN
        } else {
            "xoxp-U0ALICE"
        };
        let req = client
            .post(format!("{base}/api/{method}"))
            .bearer_auth(token);
        let req = if round % 3 == 0 {
            // The same arguments form-encoded.
            let pairs: Vec<(String, String)> = body
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    )
                })
                .collect();
            req.header("content-type", "application/x-www-form-urlencoded")
                .body(serde_urlencoded::to_string(pairs).unwrap())
        } else {
            req.json(&body)
        };
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 200, "{method} {body:?}");
        let v: Value = r.json().await.unwrap();
        assert!(v["ok"].is_boolean(), "{method} {body:?} -> {v}");
    }
    let state = http()
        .get(format!("{base}/sim/state"))
        .send()
        .await
        .unwrap();
    assert_eq!(state.status(), 200);
    let page = http().get(format!("{base}/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
}
