//! The driver's requests: signed as Slack signs them, and shaped so slack-morphism's
//! models (`SlackCommandEvent`, `SlackInteractionEvent`) parse them.

use flare_slack_sim::{Driver, SendOptions, ViewValues};
use serde_json::json;
use slack_morphism::prelude::*;
use slack_morphism::signature_verifier::SlackEventSignatureVerifier;

use crate::support::*;

async fn setup() -> (
    flare_slack_sim::Simulator,
    std::net::SocketAddr,
    FakeApp,
    Driver,
) {
    let (sim, addr) = start_sim().await;
    let (app, app_url) = FakeApp::start().await;
    let driver = Driver::new(&sim, &app_url, SECRET);
    (sim, addr, app, driver)
}

#[tokio::test]
async fn slash_commands_are_signed_and_parse_as_slack_command_event() {
    let (sim, addr, app, driver) = setup().await;
    let response = driver
        .command(
            "U0ALICE",
            "general",
            "/incident",
            "new Checkout is down & slow",
        )
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    let got = app.last();
    assert_eq!(got.path, "/slack/commands");
    assert_eq!(
        got.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert!(signature_ok(SECRET, &got, 300));
    let verifier = SlackEventSignatureVerifier::new(&SlackSigningSecret::new(SECRET.into()));
    verifier
        .verify(
            got.header("x-slack-signature").unwrap(),
            &got.body,
            got.header("x-slack-request-timestamp").unwrap(),
        )
        .unwrap();

    let command: SlackCommandEvent = serde_urlencoded::from_str(&got.body).unwrap();
    assert_eq!(command.command.0, "/incident");
    // Slack escapes `&`, `<`, `>` in what the person typed.
    assert_eq!(
        command.text.as_deref(),
        Some("new Checkout is down &amp; slow")
    );
    assert_eq!(command.channel_id.0, "C0GENERAL");
    assert_eq!(command.channel_name.as_deref(), Some("general"));
    assert_eq!(command.user_id.0, "U0ALICE");
    assert_eq!(command.team_id.0, "T0FLARE");
    let fields: Vec<(String, String)> = serde_urlencoded::from_str(&got.body).unwrap();
    let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "token",
            "team_id",
            "team_domain",
            "channel_id",
            "channel_name",
            "user_id",
            "user_name",
            "command",
            "text",
            "api_app_id",
            "is_enterprise_install",
            "response_url",
            "trigger_id"
        ]
    );
    assert!(
        command
            .response_url
            .0
            .as_str()
            .starts_with(&format!("http://{addr}/sim/response/"))
    );

    // The trigger id works once with views.open within 3 s.
    let client = client(addr);
    let token = bot_token();
    let session = client.open_session(&token);
    let view: SlackView = serde_json::from_value(json!({
        "type": "modal", "callback_id": "declare",
        "title": {"type": "plain_text", "text": "Declare"}, "blocks": []
    }))
    .unwrap();
    session
        .views_open(&SlackApiViewsOpenRequest::new(
            command.trigger_id.clone(),
            view,
        ))
        .await
        .unwrap();
    assert_eq!(sim.view_by_callback_id("declare").unwrap().user, "U0ALICE");
}

#[tokio::test]
async fn retries_resend_the_same_bytes_and_bad_requests_fail_verification() {
    let (_sim, _addr, app, driver) = setup().await;
    let first = driver
        .command("U0BOB", "C0GENERAL", "/incident", "")
        .await
        .unwrap();
    let retry = driver
        .resend(&first.request, 1, "http_timeout")
        .await
        .unwrap();
    assert_eq!(retry.status, 200);
    let got = app.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].body, got[1].body);
    for header in ["x-slack-request-timestamp", "x-slack-signature"] {
        assert_eq!(got[0].header(header), got[1].header(header));
    }
    assert_eq!(got[0].header("x-slack-retry-num"), None);
    assert_eq!(got[1].header("x-slack-retry-num"), Some("1"));
    assert_eq!(got[1].header("x-slack-retry-reason"), Some("http_timeout"));
    assert_eq!(retry.request.header("X-Slack-Retry-Num"), Some("1"));

    let prepared = driver
        .prepare_command("U0BOB", "general", "/incident", "help")
        .unwrap();
    let stale_ts = first.request.timestamp - 600;
    driver
        .send_with(&prepared, &SendOptions::default().timestamp(stale_ts))
        .await
        .unwrap();
    let stale = app.last();
    assert_eq!(
        stale.header("x-slack-request-timestamp"),
        Some(stale_ts.to_string().as_str())
    );
    assert!(!signature_ok(SECRET, &stale, 300), "too old");
    assert!(signature_ok(SECRET, &stale, 3600), "but correctly signed");

    driver
        .send_with(&prepared, &SendOptions::default().bad_signature())
        .await
        .unwrap();
    assert!(!signature_ok(SECRET, &app.last(), 300));
    driver
        .send_with(&prepared, &SendOptions::default().unsigned())
        .await
        .unwrap();
    assert_eq!(app.last().header("x-slack-signature"), None);

    let raw = driver.prepare_raw("/slack/events", "application/json", "{not json");
    let sent = driver.send(&raw).await.unwrap();
    assert_eq!(app.last().body, "{not json");
    assert!(signature_ok(SECRET, &app.last(), 300));
    assert_eq!(sent.request.body_text(), "{not json");
}

fn parse_interaction(received: &Received) -> SlackInteractionEvent {
    serde_json::from_str(&received.interaction_payload()).unwrap()
}

#[tokio::test]
async fn interaction_payloads_parse_as_slack_interaction_event() {
    let (sim, addr, app, driver) = setup().await;
    let card = sim
        .call_as_bot(
            "chat.postMessage",
            json!({
                "channel": "C0GENERAL",
                "text": "Incident declared",
                "blocks": [
                    {"type": "section", "text": {"type": "mrkdwn", "text": "*Checkout down*"}},
                    {"type": "actions", "block_id": "incident_actions", "elements": [
                        {"type": "button", "action_id": "claim_coordinator", "value": "inc-1",
                         "text": {"type": "plain_text", "text": "I'll coordinate"}},
                        {"type": "static_select", "action_id": "set_severity",
                         "placeholder": {"type": "plain_text", "text": "Severity"},
                         "options": [
                            {"text": {"type": "plain_text", "text": "S1"}, "value": "S1"},
                            {"text": {"type": "plain_text", "text": "S2"}, "value": "S2"}]}
                    ]}
                ]
            }),
        )
        .unwrap();
    let ts = card["ts"].as_str().unwrap().to_string();

    driver
        .block_action("U0CAROL", "C0GENERAL", &ts, "claim_coordinator", None)
        .await
        .unwrap();
    let got = app.last();
    assert_eq!(got.path, "/slack/interactions");
    assert!(signature_ok(SECRET, &got, 300));
    let SlackInteractionEvent::BlockActions(click) = parse_interaction(&got) else {
        panic!("not block_actions");
    };
    assert_eq!(click.user.unwrap().id.0, "U0CAROL");
    assert_eq!(click.channel.unwrap().id.0, "C0GENERAL");
    assert_eq!(click.message.as_ref().unwrap().origin.ts.0, ts);
    assert!(click.message.unwrap().content.blocks.is_some());
    let action = &click.actions.unwrap()[0];
    assert_eq!(action.action_id.0, "claim_coordinator");
    assert_eq!(action.block_id.as_ref().unwrap().0, "incident_actions");
    assert_eq!(action.value.as_deref(), Some("inc-1"));
    assert_eq!(action.action_type.0, "button");
    match click.container {
        SlackInteractionActionContainer::Message(c) => assert_eq!(c.message_ts.0, ts),
        other => panic!("{other:?}"),
    }
    let response_url = click.response_url.unwrap();

    driver
        .block_action("U0CAROL", "C0GENERAL", &ts, "set_severity", Some("S2"))
        .await
        .unwrap();
    let SlackInteractionEvent::BlockActions(pick) = parse_interaction(&app.last()) else {
        panic!("not block_actions");
    };
    assert_eq!(
        pick.actions.unwrap()[0]
            .selected_option
            .as_ref()
            .unwrap()
            .value,
        "S2"
    );

    // replace_original through the block action's response_url edits the card.
    let http = reqwest::Client::new();
    let answer = http
        .post(response_url.0.as_str())
        .json(&json!({"replace_original": true, "text": "Coordinator: @carol"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let message = sim.channel("C0GENERAL").unwrap().messages[0].clone();
    assert_eq!(message.text, "Coordinator: @carol");
    assert!(message.blocks.is_none());

    driver
        .message_action("U0DAVE", "general", &ts, "incident_from_message")
        .await
        .unwrap();
    let SlackInteractionEvent::MessageAction(shortcut) = parse_interaction(&app.last()) else {
        panic!("not message_action");
    };
    assert_eq!(shortcut.callback_id.0, "incident_from_message");
    assert_eq!(
        shortcut.message.unwrap().content.text.as_deref(),
        Some("Coordinator: @carol")
    );
    assert_eq!(shortcut.channel.unwrap().name.as_deref(), Some("general"));

    driver
        .shortcut("U0ALICE", "declare_incident")
        .await
        .unwrap();
    let SlackInteractionEvent::Shortcut(global) = parse_interaction(&app.last()) else {
        panic!("not shortcut");
    };
    assert_eq!(global.callback_id.0, "declare_incident");
    assert_eq!(global.user.id.0, "U0ALICE");

    // The shortcut's trigger opens a modal through slack-morphism ...
    let client = client(addr);
    let token = bot_token();
    let session = client.open_session(&token);
    let view: SlackView = serde_json::from_value(json!({
        "type": "modal",
        "callback_id": "declare_incident",
        "private_metadata": "from-shortcut",
        "title": {"type": "plain_text", "text": "Declare incident"},
        "submit": {"type": "plain_text", "text": "Declare"},
        "blocks": [
            {"type": "input", "block_id": "title", "label": {"type": "plain_text", "text": "Title"},
             "element": {"type": "plain_text_input", "action_id": "title_input"}},
            {"type": "input", "block_id": "severity", "label": {"type": "plain_text", "text": "Severity"},
             "element": {"type": "static_select", "action_id": "severity_select",
                "options": [
                    {"text": {"type": "plain_text", "text": "S1 — critical"}, "value": "S1"},
                    {"text": {"type": "plain_text", "text": "S4 — minor"}, "value": "S4"}]}},
            {"type": "input", "block_id": "lead", "optional": true, "label": {"type": "plain_text", "text": "Coordinator"},
             "element": {"type": "users_select", "action_id": "lead_user"}}
        ]
    }))
    .unwrap();
    session
        .views_open(&SlackApiViewsOpenRequest::new(
            global.trigger_id.clone(),
            view,
        ))
        .await
        .unwrap();

    // ... which the person fills in and submits; the app first answers with errors.
    let values = ViewValues::new()
        .set("title", "title_input", "Checkout <down>")
        .set("severity", "severity_select", "S1");
    app.answer_next(
        200,
        r#"{"response_action":"errors","errors":{"title":"Too short"}}"#,
    );
    driver
        .submit_view("U0ALICE", "declare_incident", &values)
        .await
        .unwrap();
    assert!(sim.view_by_callback_id("declare_incident").unwrap().open);
    let SlackInteractionEvent::ViewSubmission(submission) = parse_interaction(&app.last()) else {
        panic!("not view_submission");
    };
    assert_eq!(submission.user.id.0, "U0ALICE");
    let state = submission.view.state_params.state.unwrap();
    let title = &state.values[&"title".into()][&"title_input".into()];
    assert_eq!(title.value.as_deref(), Some("Checkout <down>"));
    let severity = &state.values[&"severity".into()][&"severity_select".into()];
    assert_eq!(severity.selected_option.as_ref().unwrap().value, "S1");
    let lead = &state.values[&"lead".into()][&"lead_user".into()];
    assert_eq!(lead.selected_user, None);
    match &submission.view.view {
        SlackView::Modal(m) => {
            assert_eq!(m.private_metadata.as_deref(), Some("from-shortcut"));
            assert_eq!(m.callback_id.as_ref().unwrap().0, "declare_incident");
        }
        other => panic!("{other:?}"),
    }
    assert!(submission.view.state_params.hash.contains('.'));

    // An empty 200 closes it.
    driver
        .submit_view("U0ALICE", "declare_incident", &values)
        .await
        .unwrap();
    assert!(!sim.view_by_callback_id("declare_incident").unwrap().open);
    assert!(
        driver
            .submit_view("U0ALICE", "declare_incident", &values)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn response_urls_record_and_allow_five_posts() {
    let (sim, _addr, _app, driver) = setup().await;
    let response = driver
        .command("U0BOB", "general", "/incident", "status")
        .await
        .unwrap();
    let url = response.request.response_url.clone().unwrap();
    let http = reqwest::Client::new();
    let post = |body: serde_json::Value| http.post(&url).json(&body).send();

    assert_eq!(
        post(json!({"text": "Only you can see this"}))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        post(json!({"response_type": "in_channel", "text": "Incident *declared*"}))
            .await
            .unwrap()
            .status(),
        200
    );
    for _ in 0..3 {
        assert_eq!(post(json!({"text": "again"})).await.unwrap().status(), 200);
    }
    let sixth = post(json!({"text": "too many"})).await.unwrap();
    assert_eq!(sixth.status(), 404);
    assert_eq!(
        sixth.json::<serde_json::Value>().await.unwrap()["error"],
        "used_url"
    );

    let ephemeral = sim.ephemeral_for("U0BOB");
    assert_eq!(ephemeral.len(), 4);
    assert_eq!(ephemeral[0].text, "Only you can see this");
    assert_eq!(ephemeral[0].channel, "C0GENERAL");
    assert_eq!(ephemeral[0].source, "response_url");
    let general = sim.channel("C0GENERAL").unwrap();
    assert_eq!(general.messages[0].text, "Incident *declared*");
    assert_eq!(general.messages[0].user, "U0FLAREBOT");
    let responses = sim.state().responses;
    assert_eq!(responses.len(), 6, "rejected posts are recorded too");
    assert_eq!(responses[5].status, 404);

    let unknown = http
        .post(format!("{}/sim/response/nope", sim.config().base_url))
        .json(&json!({"text": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn events_sent_by_the_driver_parse_as_slack_push_event() {
    let (_sim, _addr, app, driver) = setup().await;
    driver
        .event(json!({
            "type": "reaction_added", "user": "U0BOB", "reaction": "receipt",
            "item_user": "U0ALICE",
            "item": {"type": "message", "channel": "C0GENERAL", "ts": "1700000000.000100"},
            "event_ts": "1700000001.000200"
        }))
        .await
        .unwrap();
    let got = app.last();
    assert_eq!(got.path, "/slack/events");
    assert_eq!(got.header("content-type"), Some("application/json"));
    assert!(signature_ok(SECRET, &got, 300));
    let SlackPushEvent::EventCallback(callback) = serde_json::from_str(&got.body).unwrap() else {
        panic!("not an event_callback");
    };
    assert_eq!(callback.team_id.0, "T0FLARE");
    assert_eq!(callback.api_app_id.0, "A0FLARE");
    assert!(callback.event_id.0.starts_with("Ev"));
    let SlackEventCallbackBody::ReactionAdded(reaction) = callback.event else {
        panic!("not reaction_added");
    };
    assert_eq!(reaction.reaction.0, "receipt");
    let SlackReactionsItem::Message(item) = reaction.item else {
        panic!("not a message item");
    };
    assert_eq!(item.origin.channel.unwrap().0, "C0GENERAL");

    let challenge =
        driver.prepare_url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
    driver.send(&challenge).await.unwrap();
    let SlackPushEvent::UrlVerification(check) = serde_json::from_str(&app.last().body).unwrap()
    else {
        panic!("not url_verification");
    };
    assert!(check.challenge.starts_with("3eZ"));
}
