//! The person routes: `/sim/act/command`, `/sim/act/shortcut`, `GET /sim/views`,
//! `/sim/act/submit`, `/sim/act/click` and `/sim/act/home`, against a fake app that
//! checks what Slack would send it and answers as a Slack app would.

use flare_slack_sim::{Seed, SimConfig, Simulator};
use serde_json::{Value, json};

use crate::support::*;

struct Setup {
    app: FakeApp,
    sim: Simulator,
    base: String,
    http: reqwest::Client,
}

impl Setup {
    async fn start() -> Setup {
        let (app, app_url) = FakeApp::start().await;
        let config = SimConfig::default()
            .with_seed(Seed::load_default().with_channel("incidents"))
            .with_app_url(&app_url)
            .with_events_url(format!("{app_url}/slack/events"));
        let (sim, addr) = Simulator::start(config).await.unwrap();
        Setup {
            app,
            sim,
            base: format!("http://{addr}"),
            http: reqwest::Client::new(),
        }
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    async fn views(&self, user: &str) -> Vec<Value> {
        let r = self
            .http
            .get(format!("{}/sim/views?user={user}", self.base))
            .send()
            .await
            .unwrap();
        r.json::<Vec<Value>>().await.unwrap()
    }

    /// Opens `view` for the person behind `trigger` as the bot.
    fn open(&self, trigger: &str, view: Value) -> String {
        let opened = self
            .sim
            .call_as_bot("views.open", json!({"trigger_id": trigger, "view": view}))
            .unwrap();
        opened["view"]["id"].as_str().unwrap().to_string()
    }
}

fn payload(received: &Received) -> Value {
    serde_json::from_str(&received.interaction_payload()).unwrap()
}

fn modal(callback_id: &str, blocks: Value) -> Value {
    json!({"type": "modal", "callback_id": callback_id,
        "title": {"type": "plain_text", "text": "Declare"},
        "submit": {"type": "plain_text", "text": "Declare"}, "blocks": blocks})
}

fn input(block_id: &str, element: Value) -> Value {
    json!({"type": "input", "block_id": block_id, "label": {"type": "plain_text", "text": block_id},
        "element": element, "optional": true})
}

fn option(value: &str) -> Value {
    json!({"text": {"type": "plain_text", "text": value}, "value": value})
}

#[tokio::test]
async fn a_command_reaches_the_app_signed_with_a_live_trigger() {
    let s = Setup::start().await;
    s.app
        .answer_next(200, "{\"response_type\":\"ephemeral\",\"text\":\"ok\"}");
    let (status, answer) = s
        .post(
            "/sim/act/command",
            json!({"user": "U0ALICE", "channel": "incidents", "text": "new R&D down"}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["status"], 200);
    assert_eq!(
        answer["body"],
        "{\"response_type\":\"ephemeral\",\"text\":\"ok\"}"
    );
    let received = s.app.last();
    assert_eq!(received.path, "/slack/commands");
    assert!(signature_ok(SECRET, &received, 300));
    let form: Vec<(String, String)> = serde_urlencoded::from_str(&received.body).unwrap();
    let field = |k: &str| form.iter().find(|(n, _)| n == k).unwrap().1.clone();
    assert_eq!(field("command"), "/incident");
    assert_eq!(field("text"), "new R&amp;D down");
    assert_eq!(field("trigger_id"), answer["trigger_id"].as_str().unwrap());
    assert!(field("response_url").contains("/sim/response/"));

    // The trigger works once, for 3 seconds.
    let trigger = answer["trigger_id"].as_str().unwrap();
    s.open(trigger, modal("declare", json!([])));
    let again = s.sim.call_as_bot(
        "views.open",
        json!({"trigger_id": trigger, "view": modal("x", json!([]))}),
    );
    assert_eq!(again.unwrap_err(), "exchanged_trigger_id");
    let made_up = s.sim.call_as_bot(
        "views.open",
        json!({"trigger_id": "1.2.abc", "view": modal("x", json!([]))}),
    );
    assert_eq!(made_up.unwrap_err(), "invalid_trigger_id");

    // Another command name; unknown people and channels are refused.
    let (_, other) = s
        .post(
            "/sim/act/command",
            json!({"user": "U0BOB", "channel": "incidents", "text": "", "command": "/other"}),
        )
        .await;
    assert_eq!(other["status"], 200);
    let (status, _) = s
        .post(
            "/sim/act/command",
            json!({"user": "U0NOBODY", "channel": "incidents", "text": ""}),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = s
        .post(
            "/sim/act/command",
            json!({"user": "U0ALICE", "channel": "nowhere", "text": ""}),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = s.post("/sim/act/command", json!({"user": "U0ALICE"})).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn shortcuts_global_and_on_a_message() {
    let s = Setup::start().await;
    let c = s.sim.channel_by_name("incidents").unwrap().id;
    let (_, answer) = s
        .post(
            "/sim/act/shortcut",
            json!({"user": "U0BOB", "callback_id": "declare_incident"}),
        )
        .await;
    assert_eq!(answer["status"], 200);
    let global = payload(&s.app.last());
    assert_eq!(global["type"], "shortcut");
    assert_eq!(global["trigger_id"], answer["trigger_id"]);

    let ts = s
        .sim
        .act(
            "U0CAROL",
            "chat.postMessage",
            json!({"channel": c, "text": "alert"}),
        )
        .unwrap()["ts"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, answer) = s
        .post(
            "/sim/act/shortcut",
            json!({"user": "U0BOB", "callback_id": "from_message", "channel": c, "message_ts": ts}),
        )
        .await;
    assert_eq!(answer["status"], 200);
    let message = payload(&s.app.last());
    assert_eq!(message["type"], "message_action");
    assert_eq!(message["message"]["text"], "alert");
    let (status, _) = s
        .post(
            "/sim/act/shortcut",
            json!({"user": "U0BOB", "callback_id": "x", "message_ts": ts}),
        )
        .await;
    assert_eq!(status, 400, "a message shortcut needs its channel");
}

#[tokio::test]
async fn submitting_builds_state_values_per_element_and_applies_the_answer() {
    let s = Setup::start().await;
    let (_, cmd) = s
        .post(
            "/sim/act/command",
            json!({"user": "U0ALICE", "channel": "incidents", "text": ""}),
        )
        .await;
    let view = modal(
        "declare",
        json!([
            input(
                "title",
                json!({"type": "plain_text_input", "action_id": "value"})
            ),
            input(
                "severity",
                json!({"type": "static_select", "action_id": "value", "options": [option("S1"), option("S2")]})
            ),
            input(
                "services",
                json!({"type": "checkboxes", "action_id": "value", "options": [option("api"), option("web")]})
            ),
            input(
                "people",
                json!({"type": "multi_users_select", "action_id": "value"})
            ),
            input(
                "room",
                json!({"type": "conversations_select", "action_id": "value"})
            ),
            input("day", json!({"type": "datepicker", "action_id": "value"})),
            input("time", json!({"type": "timepicker", "action_id": "value"})),
            input(
                "at",
                json!({"type": "datetimepicker", "action_id": "value"})
            ),
            input(
                "notes",
                json!({"type": "plain_text_input", "action_id": "value", "multiline": true})
            ),
        ]),
    );
    let view_id = s.open(cmd["trigger_id"].as_str().unwrap(), view);
    let listed = s.views("U0ALICE").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], view_id.as_str());
    assert_eq!(listed[0]["callback_id"], "declare");
    assert!(s.views("U0BOB").await.is_empty());

    // The app answers with field errors: the view stays open.
    s.app.answer_next(
        200,
        "{\"response_action\":\"errors\",\"errors\":{\"title\":\"Too short\"}}",
    );
    let (status, answer) = s
        .post(
            "/sim/act/submit",
            json!({"user": "U0ALICE", "view_id": view_id, "values": {
                "title": "R&D <down>", "severity": "S2", "services": ["api", "web"],
                "people": ["U0BOB", "U0CAROL"], "room": "C0GENERAL", "day": "2024-01-22",
                "time": "09:30", "at": 1705915800
            }}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer["body"].as_str().unwrap().contains("Too short"));
    let sent = payload(&s.app.last());
    assert_eq!(sent["type"], "view_submission");
    let values = &sent["view"]["state"]["values"];
    assert_eq!(
        values["title"]["value"]["value"], "R&D <down>",
        "inputs are not escaped"
    );
    assert_eq!(
        values["severity"]["value"]["selected_option"]["value"],
        "S2"
    );
    assert_eq!(
        values["services"]["value"]["selected_options"][1]["value"],
        "web"
    );
    assert_eq!(
        values["people"]["value"]["selected_users"],
        json!(["U0BOB", "U0CAROL"])
    );
    assert_eq!(
        values["room"]["value"]["selected_conversation"],
        "C0GENERAL"
    );
    assert_eq!(values["day"]["value"]["selected_date"], "2024-01-22");
    assert_eq!(values["time"]["value"]["selected_time"], "09:30");
    assert_eq!(values["at"]["value"]["selected_date_time"], 1705915800);
    assert_eq!(
        values["notes"]["value"]["value"],
        Value::Null,
        "not given: empty"
    );
    assert_eq!(s.views("U0ALICE").await.len(), 1);

    // An unknown block is refused before anything is sent.
    let (status, _) = s
        .post(
            "/sim/act/submit",
            json!({"user": "U0ALICE", "view_id": view_id, "values": {"nope": "x"}}),
        )
        .await;
    assert_eq!(status, 400);
    // Someone else's view is not theirs to submit.
    let (status, _) = s
        .post(
            "/sim/act/submit",
            json!({"user": "U0BOB", "view_id": view_id, "values": {}}),
        )
        .await;
    assert_eq!(status, 404);

    // update → replaced; a view Slack would refuse is not applied.
    let too_long = json!({"response_action": "update", "view": modal(&"c".repeat(256), json!([]))});
    s.app.answer_next(200, &too_long.to_string());
    let (_, answer) = s
        .post(
            "/sim/act/submit",
            json!({"user": "U0ALICE", "view_id": view_id, "values": {"title": "x"}}),
        )
        .await;
    assert!(
        answer["view_errors"]
            .to_string()
            .contains("/view/callback_id"),
        "{answer}"
    );
    assert_eq!(s.views("U0ALICE").await[0]["callback_id"], "declare");
    let update = json!({"response_action": "update", "view": modal("step2", json!([input("why", json!({"type": "plain_text_input", "action_id": "v"}))]))});
    s.app.answer_next(200, &update.to_string());
    s.post(
        "/sim/act/submit",
        json!({"user": "U0ALICE", "view_id": view_id, "values": {"title": "x"}}),
    )
    .await;
    assert_eq!(s.views("U0ALICE").await[0]["callback_id"], "step2");
    // push → a second view on top; clear → the whole stack closes.
    let push = json!({"response_action": "push", "view": modal("step3", json!([]))});
    s.app.answer_next(200, &push.to_string());
    s.post(
        "/sim/act/submit",
        json!({"user": "U0ALICE", "view_id": view_id, "values": {}}),
    )
    .await;
    let listed = s.views("U0ALICE").await;
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["callback_id"], "step3", "newest first");
    s.app.answer_next(200, "{\"response_action\":\"clear\"}");
    let top = listed[0]["id"].as_str().unwrap();
    s.post(
        "/sim/act/submit",
        json!({"user": "U0ALICE", "view_id": top, "values": {}}),
    )
    .await;
    assert!(s.views("U0ALICE").await.is_empty());
}

#[tokio::test]
async fn clicks_send_block_actions_with_fresh_action_ts_and_trigger() {
    let s = Setup::start().await;
    let c = s.sim.channel_by_name("incidents").unwrap().id;
    let posted = s
        .sim
        .call_as_bot(
            "chat.postMessage",
            json!({"channel": c, "text": "card", "blocks": [{"type": "actions", "block_id": "roles", "elements": [
                {"type": "button", "action_id": "take_lead", "value": "inc-1", "text": {"type": "plain_text", "text": "I'll coordinate"}}
            ]}]}),
        )
        .unwrap();
    let ts = posted["ts"].as_str().unwrap();
    let click = json!({"user": "U0BOB", "channel": c, "ts": ts, "action_id": "take_lead"});
    let (_, first) = s.post("/sim/act/click", click.clone()).await;
    assert_eq!(first["status"], 200);
    let one = payload(&s.app.last());
    std::thread::sleep(std::time::Duration::from_millis(2));
    s.post("/sim/act/click", click).await;
    let two = payload(&s.app.last());
    assert_eq!(one["type"], "block_actions");
    assert_eq!(one["container"]["type"], "message");
    assert_eq!(one["actions"][0]["value"], "inc-1");
    assert_ne!(
        one["actions"][0]["action_ts"],
        two["actions"][0]["action_ts"]
    );
    assert_ne!(one["trigger_id"], two["trigger_id"]);
    let (status, _) = s
        .post(
            "/sim/act/click",
            json!({"user": "U0BOB", "channel": c, "ts": ts, "action_id": "nope"}),
        )
        .await;
    assert_eq!(status, 404);

    // In the App Home.
    s.sim
        .call_as_bot(
            "views.publish",
            json!({"user_id": "U0CAROL", "view": {"type": "home", "blocks": [{"type": "actions", "elements": [
                {"type": "button", "action_id": "refresh", "text": {"type": "plain_text", "text": "Refresh"}}
            ]}]}}),
        )
        .unwrap();
    let home = s.views("U0CAROL").await;
    let home_id = home[0]["id"].as_str().unwrap();
    let (_, answer) = s
        .post(
            "/sim/act/click",
            json!({"user": "U0CAROL", "view_id": home_id, "action_id": "refresh"}),
        )
        .await;
    assert_eq!(answer["status"], 200);
    let in_home = payload(&s.app.last());
    assert_eq!(in_home["container"]["type"], "view");
    assert_eq!(in_home["view"]["type"], "home");
    let (status, _) = s
        .post(
            "/sim/act/click",
            json!({"user": "U0CAROL", "action_id": "refresh"}),
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn opening_the_home_tab_sends_app_home_opened() {
    let s = Setup::start().await;
    let (status, answer) = s.post("/sim/act/home", json!({"user": "U0DAVE"})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["status"], 200);
    let received = s.app.last();
    assert_eq!(received.path, "/slack/events");
    assert!(signature_ok(SECRET, &received, 300));
    let body: Value = serde_json::from_str(&received.body).unwrap();
    assert_eq!(body["event"]["type"], "app_home_opened");
    assert_eq!(body["event"]["user"], "U0DAVE");
    assert_eq!(body["event"]["tab"], "home");
    assert_eq!(body["event_id"], answer["event_id"]);
}

#[tokio::test]
async fn without_the_apps_url_the_person_routes_say_so() {
    let (_sim, addr) = Simulator::start(SimConfig::default()).await.unwrap();
    let r = reqwest::Client::new()
        .post(format!("http://{addr}/sim/act/command"))
        .json(&json!({"user": "U0ALICE", "channel": "general", "text": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 503);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "no_app_url");
}
