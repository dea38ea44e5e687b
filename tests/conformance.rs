//! Conformance: every shape of request Slack sends, as Slack's documentation writes it
//! (`tests/fixtures/slack/`, Enterprise Grid fields included), signed and sent to the
//! local host; each test checks what Flare did with it in the simulated workspace.
//! Also the fixes of Slack-fidelity items that these shapes exposed: entities decoded
//! once, `ssl_check`, a form that fails to open, bot alerts, unknown shortcuts, button
//! presses, cosmetic calls that fail, and Block Kit limits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flare::domain::{Event, Role};
use flare::store::IncidentStore;
use flare_slack_sim::{COMMANDS_PATH, EVENTS_PATH, Fault, SendOptions, TEAM_ID, ViewValues};
use flare_tests::app::App;
use serde_json::{Value, json};

const ALICE: &str = "U0ALICE";
const BOB: &str = "U0BOB";
const CAROL: &str = "U0CAROL";
const BOT: &str = "U0FLAREBOT";

/// A fixture with its `{{KEY}}` placeholders filled (values JSON-escaped).
fn fixture(name: &str, fills: &[(&str, &str)]) -> Value {
    let path = format!("{}/fixtures/slack/{name}", env!("CARGO_MANIFEST_DIR"));
    let mut text = std::fs::read_to_string(&path).unwrap();
    for (k, v) in fills {
        let quoted = serde_json::to_string(v).unwrap();
        text = text.replace(&format!("{{{{{k}}}}}"), &quoted[1..quoted.len() - 1]);
    }
    assert!(
        !text.contains("{{"),
        "{name}: a placeholder is left: {text}"
    );
    serde_json::from_str(&text).unwrap()
}

fn now_ts() -> String {
    let t = chrono::Utc::now();
    format!("{}.{:06}", t.timestamp(), t.timestamp_subsec_micros())
}

/// A slash command body as Slack sends it, with a trigger and response URL the
/// simulated Slack issued. `text` is as Slack sends it (entities escaped).
async fn command(
    app: &App,
    user: &str,
    channel: &str,
    text: &str,
) -> flare_slack_sim::DriverResponse {
    let sim = &app.host.sim;
    let channel_id = app.channel_id(channel);
    let trigger = sim.issue_trigger(user);
    let url = sim.issue_response_url(&channel_id, user, None);
    let name = sim.user(user).unwrap().name;
    let fields = fixture(
        "command.form.json",
        &[
            ("TEAM", TEAM_ID),
            ("CHANNEL", &channel_id),
            ("CHANNEL_NAME", channel),
            ("USER", user),
            ("USER_NAME", &name),
            ("TEXT", text),
            ("RESPONSE_URL", &url),
            ("TRIGGER", &trigger),
        ],
    );
    let body = form(&fields);
    let prepared = app
        .driver
        .prepare_raw(COMMANDS_PATH, "application/x-www-form-urlencoded", body);
    let r = app.driver.send(&prepared).await.unwrap();
    app.host.settle().await;
    r
}

fn form(fields: &Value) -> String {
    let mut s = String::new();
    for (k, v) in fields.as_object().unwrap() {
        if !s.is_empty() {
            s.push('&');
        }
        s.push_str(&format!("{k}={}", url_encode(v.as_str().unwrap())));
    }
    s
}

fn url_encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn interaction(app: &App, payload: Value) -> flare_slack_sim::DriverResponse {
    let prepared = app.driver.prepare_interaction(payload);
    let r = app.driver.send(&prepared).await.unwrap();
    app.host.settle().await;
    r
}

async fn event(app: &App, body: Value, options: &SendOptions) -> flare_slack_sim::DriverResponse {
    let prepared = app.driver.prepare_json(EVENTS_PATH, body);
    let r = app.driver.send_with(&prepared, options).await.unwrap();
    app.host.settle().await;
    r
}

fn views_of(app: &App, user: &str) -> Vec<flare_slack_sim::View> {
    app.host
        .sim
        .views()
        .into_iter()
        .filter(|v| v.user == user)
        .collect()
}

fn initial(view: &Value, block: &str) -> String {
    view["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["block_id"] == block)
        .and_then(|b| b["element"]["initial_value"].as_str())
        .unwrap_or_default()
        .to_owned()
}

fn all_texts(app: &App) -> Vec<String> {
    app.host
        .sim
        .state()
        .channels
        .iter()
        .flat_map(|c| {
            c.messages
                .iter()
                .map(|m| format!("{} {}", m.text, m.blocks.clone().unwrap_or(Value::Null)))
        })
        .collect()
}

fn user_name(app: &App, user: &str) -> String {
    app.host.sim.user(user).unwrap().name
}

// ---- slash commands ----

#[tokio::test]
async fn a_slash_command_with_grid_fields_is_answered() {
    let app = App::start().await;
    let r = command(&app, ALICE, "general", "help").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let body: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["response_type"], "ephemeral");
    assert!(body["text"].as_str().unwrap().contains("/incident update"));
}

#[tokio::test]
async fn ssl_check_gets_an_empty_200_even_unsigned() {
    let app = App::start().await;
    let body = form(&fixture("ssl_check.form.json", &[]));
    let prepared = app
        .driver
        .prepare_raw(COMMANDS_PATH, "application/x-www-form-urlencoded", body);
    for options in [SendOptions::default(), SendOptions::default().unsigned()] {
        let r = app.driver.send_with(&prepared, &options).await.unwrap();
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body, "");
    }
    // Nothing else unsigned gets through on that account.
    let prepared = app.driver.prepare_raw(
        COMMANDS_PATH,
        "application/x-www-form-urlencoded",
        "ssl_check=1&command=%2Fincident&text=help",
    );
    let r = app
        .driver
        .send_with(&prepared, &SendOptions::default().unsigned())
        .await
        .unwrap();
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn slack_escaped_text_is_decoded_once_into_the_form_and_escaped_once_in_messages() {
    let app = App::start().await;
    // Slack sends `R&D <-> QA` as `R&amp;D &lt;-&gt; QA`.
    let r = command(
        &app,
        ALICE,
        "general",
        "declare R&amp;D &lt;-&gt; QA outage",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let view = views_of(&app, ALICE)
        .last()
        .cloned()
        .expect("the form opened");
    assert_eq!(initial(&view.view, "title"), "R&D <-> QA outage");

    let (_, channel) = app
        .declare(ALICE, "R&D <-> QA outage", "S3", ViewValues::new())
        .await;
    let r = command(
        &app,
        ALICE,
        &channel,
        "update R&amp;D &lt;-&gt; QA is back, thanks <@U0BOB>",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let messages = app.channel(&channel).messages;
    let update = messages
        .iter()
        .find(|m| m.text.contains("*Update*"))
        .expect("the update is posted");
    assert!(
        update.text.contains("R&amp;D &lt;-&gt; QA is back"),
        "{}",
        update.text
    );
    // The mention stays a mention.
    assert!(update.text.contains("<@U0BOB>"), "{}", update.text);
    for t in all_texts(&app) {
        assert!(
            !t.contains("&amp;amp;") && !t.contains("&amp;lt;"),
            "escaped twice: {t}"
        );
    }
}

// ---- the declaration survives what Slack refuses ----

#[tokio::test]
async fn a_title_full_of_markup_fits_the_purpose_and_the_declaration_completes() {
    let app = App::start().await;
    let title = "R&D <-> QA ".repeat(13);
    let title = title.trim();
    assert!(title.chars().count() <= 150);
    let (id, channel) = app.declare(ALICE, title, "S3", ViewValues::new()).await;
    let purposes = app.host.sim.calls_to("conversations.setPurpose");
    let purpose = purposes.last().expect("a purpose is set").params["purpose"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        purpose.chars().count() <= 250,
        "{} characters",
        purpose.chars().count()
    );
    assert!(purpose.starts_with("R&amp;D &lt;-&gt; QA"), "{purpose}");
    // Essentials: card, announcement, the reporter in the channel.
    let ch = app.channel(&channel);
    assert!(ch.messages.iter().any(|m| m.pinned), "the card is pinned");
    assert!(ch.members.iter().any(|m| m == ALICE));
    assert!(
        app.channel("incidents")
            .messages
            .iter()
            .any(|m| m.text.contains(id.as_str())),
        "announced"
    );
}

#[tokio::test]
async fn cosmetic_calls_failing_never_stop_the_essential_steps() {
    let app = App::start().await;
    for method in [
        "conversations.setPurpose",
        "conversations.setTopic",
        "pins.add",
    ] {
        app.host.sim.inject_fault(Fault {
            method: method.into(),
            error: "too_long".into(),
            count: 100,
            retry_after: 1,
        });
    }
    let (id, channel) = app
        .declare(
            ALICE,
            "Checkout down",
            "S1",
            ViewValues::new().set("coordinator", "value", BOB).set_many(
                "services",
                "value",
                &["checkout"],
            ),
        )
        .await;
    let ch = app.channel(&channel);
    assert!(ch.members.iter().any(|m| m == ALICE) && ch.members.iter().any(|m| m == BOB));
    assert!(
        ch.messages.iter().any(|m| m.text.contains("Checkout down")),
        "the card is posted"
    );
    assert!(
        app.channel("incidents")
            .messages
            .iter()
            .any(|m| m.text.contains(id.as_str()))
    );
    // Critical: paged, though Slack refused the purpose, the topic and the pin.
    let pages = app.host.fakes.received_by("pagerduty");
    assert_eq!(pages.len(), 1, "checkout's on-call was paged once");
    let refs = app.host.store.refs(&id).await.unwrap();
    assert!(
        !refs.keys().any(|k| k.starts_with("error#")),
        "no step failed: {refs:?}"
    );
}

#[tokio::test]
async fn a_long_action_item_is_cut_where_it_says_and_posted_whole_in_the_thread() {
    let app = App::start().await;
    let (_, channel) = app
        .declare(ALICE, "Long follow-up", "S3", ViewValues::new())
        .await;
    // 3,000 characters of `&` become 15,000 after escaping.
    let text = format!("action {}", "&amp;".repeat(3000));
    let r = command(&app, ALICE, &channel, &text).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let posts: Vec<_> = app
        .host
        .sim
        .calls_to("chat.postMessage")
        .into_iter()
        .filter(|c| {
            c.params["text"]
                .as_str()
                .unwrap_or_default()
                .contains("Action item 1")
        })
        .collect();
    let post = posts.first().expect("the action item is posted");
    assert!(post.ok, "{:?}", post.error);
    for b in post.params["blocks"].as_array().unwrap() {
        if let Some(t) = b["text"]["text"].as_str() {
            assert!(
                t.chars().count() <= 3000,
                "{} characters",
                t.chars().count()
            );
        }
    }
    let section = post.params["blocks"][0]["text"]["text"].as_str().unwrap();
    assert!(
        section.ends_with(flare::slack::limits::CUT_TO_THREAD),
        "{section}"
    );
    let messages = app.channel(&channel).messages;
    let parent = messages
        .iter()
        .find(|m| m.text.contains("Action item 1"))
        .unwrap();
    let reply = messages
        .iter()
        .find(|m| m.thread_ts.as_deref() == Some(&parent.ts))
        .expect("the whole text in the thread");
    assert_eq!(reply.text.matches("&amp;").count(), 3000);
}

// ---- shortcuts ----

#[tokio::test]
async fn the_global_shortcut_opens_the_form_and_unknown_ones_are_ignored() {
    let app = App::start().await;
    for (callback, opens) in [
        ("declare_incident", true),
        ("someone_elses_shortcut", false),
    ] {
        let before = views_of(&app, BOB).len();
        let trigger = app.host.sim.issue_trigger(BOB);
        let p = fixture(
            "interaction_shortcut.json",
            &[
                ("TEAM", TEAM_ID),
                ("USER", BOB),
                ("USER_NAME", &user_name(&app, BOB)),
                ("ACTION_TS", &now_ts()),
                ("CALLBACK", callback),
                ("TRIGGER", &trigger),
            ],
        );
        let r = interaction(&app, p).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(views_of(&app, BOB).len() > before, opens, "{callback}");
    }
}

#[tokio::test]
async fn a_message_shortcut_on_a_bot_alert_prefills_from_its_attachments() {
    let app = App::start().await;
    let channel = app.channel_id("general");
    let trigger = app.host.sim.issue_trigger(ALICE);
    let url = app.host.sim.issue_response_url(&channel, ALICE, None);
    let p = fixture(
        "interaction_message_action.json",
        &[
            ("TEAM", TEAM_ID),
            ("USER", ALICE),
            ("USER_NAME", &user_name(&app, ALICE)),
            ("CHANNEL", &channel),
            ("CHANNEL_NAME", "general"),
            ("ACTION_TS", &now_ts()),
            ("TRIGGER", &trigger),
            ("TS", "1700000000.000100"),
            ("OTHER", CAROL),
            ("RESPONSE_URL", &url),
        ],
    );
    let r = interaction(&app, p).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let view = views_of(&app, ALICE)
        .last()
        .cloned()
        .expect("the form opened");
    assert_eq!(
        initial(&view.view, "title"),
        "[Triggered] Checkout 5xx > 5% on checkout-api"
    );
    let description = initial(&view.view, "description");
    assert!(description.contains("R&D <-> QA traffic"), "{description}");
    assert!(description.contains("Service: checkout"), "{description}");
    // Plain text: a name, not `<@U…>` markup.
    assert!(
        description.contains(&format!("@{}", user_name(&app, CAROL))),
        "{description}"
    );
    assert!(!description.contains("<@"), "{description}");

    // Submitted: the channel says who declared and whose message it was.
    let values = ViewValues::new().set("severity", "value", "S3");
    let prepared = app
        .driver
        .prepare_view_submission(ALICE, &view.id, &values)
        .unwrap();
    let r = app.driver.send(&prepared).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    app.host.settle().await;
    let id = app.latest_incident().await;
    let messages = app.channel(&format!("inc-{id}")).messages;
    let origin = messages
        .iter()
        .find(|m| m.text.contains("declared this from a message"))
        .expect("the source message is shown");
    assert!(
        origin.text.contains(&format!("<@{ALICE}> declared")),
        "{}",
        origin.text
    );
    assert!(
        origin.text.contains("a bot or an integration"),
        "{}",
        origin.text
    );
}

#[tokio::test]
async fn a_message_shortcut_on_a_persons_message_names_both_people() {
    let app = App::start().await;
    let general = app.channel_id("general");
    let posted = app
        .act(
            CAROL,
            "chat.postMessage",
            json!({ "channel": general, "text": "checkout is throwing 500s" }),
        )
        .await;
    let ts = posted["ts"].as_str().unwrap().to_owned();
    let r = app
        .driver
        .send(
            &app.driver
                .prepare_message_action(ALICE, &general, &ts, "declare_incident_from_message")
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    let view = views_of(&app, ALICE)
        .last()
        .cloned()
        .expect("the form opened");
    let values = ViewValues::new().set("severity", "value", "S3");
    let r = app
        .driver
        .send(
            &app.driver
                .prepare_view_submission(ALICE, &view.id, &values)
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    app.host.settle().await;
    let id = app.latest_incident().await;
    let messages = app.channel(&format!("inc-{id}")).messages;
    assert!(
        messages.iter().any(|m| m.text.contains(&format!(
            "<@{ALICE}> declared this from a message by <@{CAROL}>"
        ))),
        "{:?}",
        messages.iter().map(|m| &m.text).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_form_that_does_not_open_is_explained_not_a_503() {
    let app = App::start().await;
    app.host.sim.inject_fault(Fault {
        method: "views.open".into(),
        error: "expired_trigger_id".into(),
        count: 2,
        retry_after: 1,
    });
    let r = command(&app, ALICE, "general", "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let body: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["response_type"], "ephemeral");
    let text = body["text"].as_str().unwrap();
    assert!(
        text.contains("couldn't open the incident form") && text.contains("3 seconds"),
        "{text}"
    );

    // A global shortcut has no response URL: the app's DM says it.
    let trigger = app.host.sim.issue_trigger(BOB);
    let p = fixture(
        "interaction_shortcut.json",
        &[
            ("TEAM", TEAM_ID),
            ("USER", BOB),
            ("USER_NAME", &user_name(&app, BOB)),
            ("ACTION_TS", &now_ts()),
            ("CALLBACK", "declare_incident"),
            ("TRIGGER", &trigger),
        ],
    );
    let r = interaction(&app, p).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let dm = app.host.sim.dm_with(BOB).expect("a DM to bob");
    assert!(
        dm.messages
            .iter()
            .any(|m| m.text.contains("couldn't open the incident form"))
    );
}

// ---- modals ----

#[tokio::test]
async fn a_view_submission_with_every_input_kind_declares() {
    let app = App::start().await;
    let r = command(&app, ALICE, "general", "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let view = views_of(&app, ALICE).last().cloned().unwrap();
    let p = fixture(
        "interaction_view_submission.json",
        &[
            ("TEAM", TEAM_ID),
            ("TRIGGER", &app.host.sim.issue_trigger(ALICE)),
            ("USER", ALICE),
            ("USER_NAME", &user_name(&app, ALICE)),
            ("VIEW_ID", &view.id),
            ("PRIVATE_METADATA", &view.private_metadata),
            ("SERVICE", "checkout"),
            ("OTHER", CAROL),
        ],
    );
    let r = interaction(&app, p).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id = app.latest_incident().await;
    let inc = app.host.store.load(&id).await.unwrap().unwrap();
    assert_eq!(inc.title, "R&D <-> QA checkout errors");
    assert_eq!(inc.severity.to_string(), "S2");
    assert_eq!(inc.impact, "Some customers can't pay");
    assert_eq!(inc.services, vec!["checkout".to_owned()]);
    assert_eq!(
        inc.roles.holder(Role::Coordinator).map(|u| u.to_string()),
        Some(CAROL.to_owned())
    );
    // The card's fallback text: escaped once.
    let card = app
        .channel(&format!("inc-{id}"))
        .messages
        .into_iter()
        .find(|m| m.pinned)
        .unwrap();
    assert!(
        card.text.contains("R&amp;D &lt;-&gt; QA checkout errors"),
        "{}",
        card.text
    );
}

#[tokio::test]
async fn view_closed_is_acknowledged_and_changes_nothing() {
    let app = App::start().await;
    let calls = app.host.sim.calls().len();
    let p = fixture(
        "interaction_view_closed.json",
        &[
            ("TEAM", TEAM_ID),
            ("USER", ALICE),
            ("USER_NAME", "alice"),
            ("VIEW_ID", "V0CLOSED"),
        ],
    );
    let r = interaction(&app, p).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(app.host.sim.calls().len(), calls, "no Slack call");
}

// ---- buttons: messages, modals, the App Home ----

async fn press(app: &App, user: &str, channel: &str, ts: &str, action: &str, incident: &str) {
    let channel_id = app.channel_id(channel);
    let p = fixture(
        "interaction_block_actions_message.json",
        &[
            ("USER", user),
            ("USER_NAME", &user_name(app, user)),
            ("TEAM", TEAM_ID),
            ("TS", ts),
            ("CHANNEL", &channel_id),
            ("CHANNEL_NAME", channel),
            ("TRIGGER", &app.host.sim.issue_trigger(user)),
            (
                "RESPONSE_URL",
                &app.host.sim.issue_response_url(&channel_id, user, Some(ts)),
            ),
            ("ACTION", action),
            ("INCIDENT", incident),
            ("ACTION_TS", &now_ts()),
        ],
    );
    let r = interaction(app, p).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn pressing_the_same_button_again_later_is_a_new_action() {
    let app = App::start().await;
    let (id, channel) = app
        .declare(ALICE, "Who coordinates", "S3", ViewValues::new())
        .await;
    for u in [BOB, CAROL] {
        app.join(u, &app.channel_id(&channel)).await;
    }
    let card = app
        .channel(&channel)
        .messages
        .into_iter()
        .find(|m| m.pinned)
        .unwrap();
    for (who, expected) in [(BOB, BOB), (CAROL, CAROL), (BOB, BOB)] {
        press(
            &app,
            who,
            &channel,
            &card.ts,
            "claim:coordinator",
            id.as_str(),
        )
        .await;
        let inc = app.host.store.load(&id).await.unwrap().unwrap();
        assert_eq!(
            inc.roles
                .holder(Role::Coordinator)
                .map(|u| u.to_string())
                .as_deref(),
            Some(expected),
            "after {who} pressed"
        );
    }
    let assigned = app
        .timeline(&id)
        .await
        .into_iter()
        .filter(|r| {
            matches!(
                r.event,
                Event::RoleAssigned {
                    role: Role::Coordinator,
                    ..
                }
            )
        })
        .count();
    assert_eq!(assigned, 3);
}

#[tokio::test]
async fn a_button_in_a_modal_and_in_the_app_home_acts() {
    let app = App::start().await;
    // A modal's button: "Join" on the possible-duplicates view of bob's form.
    let (id, channel) = app
        .declare(
            ALICE,
            "Checkout errors",
            "S2",
            ViewValues::new().set_many("services", "value", &["checkout"]),
        )
        .await;
    command(&app, BOB, "general", "").await;
    let form = views_of(&app, BOB).last().cloned().unwrap();
    let p = fixture(
        "interaction_block_actions_view.json",
        &[
            ("USER", BOB),
            ("USER_NAME", &user_name(&app, BOB)),
            ("TEAM", TEAM_ID),
            ("VIEW_ID", &form.id),
            ("VIEW_TYPE", "modal"),
            ("VIEW_CALLBACK", "duplicates"),
            ("TRIGGER", &app.host.sim.issue_trigger(BOB)),
            ("ACTION", "join"),
            ("INCIDENT", id.as_str()),
            ("ACTION_TS", &now_ts()),
        ],
    );
    let r = interaction(&app, p).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        app.channel(&channel).members.iter().any(|m| m == BOB),
        "bob joined"
    );

    // The App Home: published on app_home_opened, with a Declare button that opens the form.
    let body = fixture(
        "event_app_home_opened.json",
        &[
            ("TEAM", TEAM_ID),
            ("USER", CAROL),
            ("ACTION_TS", &now_ts()),
            ("EVENT_ID", "Ev0HOME1"),
        ],
    );
    let r = event(&app, body, &SendOptions::default()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let home = app.host.sim.calls_to("views.publish");
    let home = home.last().expect("the home is published");
    assert_eq!(home.params["user_id"], CAROL);
    assert!(home.params["view"].to_string().contains("Checkout errors"));
    let home_view = views_of(&app, CAROL)
        .into_iter()
        .find(|v| v.kind == "home")
        .expect("a home view");
    let before = views_of(&app, CAROL).len();
    let p = fixture(
        "interaction_block_actions_view.json",
        &[
            ("USER", CAROL),
            ("USER_NAME", &user_name(&app, CAROL)),
            ("TEAM", TEAM_ID),
            ("VIEW_ID", &home_view.id),
            ("VIEW_TYPE", "home"),
            ("VIEW_CALLBACK", ""),
            ("TRIGGER", &app.host.sim.issue_trigger(CAROL)),
            ("ACTION", "declare"),
            ("INCIDENT", ""),
            ("ACTION_TS", &now_ts()),
        ],
    );
    let r = interaction(&app, p).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let after = views_of(&app, CAROL);
    assert_eq!(after.len(), before + 1);
    assert_eq!(after.last().unwrap().callback_id, "declare");
}

// ---- events ----

#[tokio::test]
async fn url_verification_echoes_the_challenge() {
    let app = App::start().await;
    let body = fixture("event_url_verification.json", &[]);
    let r = event(&app, body.clone(), &SendOptions::default()).await;
    assert_eq!(r.status, 200);
    let answer: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(answer["challenge"], body["challenge"]);
}

#[tokio::test]
async fn a_reaction_with_a_grid_envelope_captures_once_however_often_slack_retries() {
    let app = App::start().await;
    let (id, channel) = app
        .declare(ALICE, "Captures", "S3", ViewValues::new())
        .await;
    let channel_id = app.channel_id(&channel);
    app.join(CAROL, &channel_id).await;
    let posted = app
        .act(
            CAROL,
            "chat.postMessage",
            json!({ "channel": channel_id, "text": "error rate 5% <@U0BOB>" }),
        )
        .await;
    let ts = posted["ts"].as_str().unwrap().to_owned();
    let body = fixture(
        "event_reaction_added.json",
        &[
            ("TEAM", TEAM_ID),
            ("USER", ALICE),
            ("OTHER", CAROL),
            ("CHANNEL", &channel_id),
            ("TS", &ts),
            ("ACTION_TS", &now_ts()),
            ("EVENT_ID", "Ev0REACT1"),
        ],
    );
    let r = event(&app, body.clone(), &SendOptions::default()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let fetched = app.host.sim.calls_to("conversations.history").len();
    for n in 1..=3 {
        let r = event(
            &app,
            body.clone(),
            &SendOptions::default().retry(n, "http_timeout"),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    // Retries of an applied event cost no Slack call.
    assert_eq!(
        app.host.sim.calls_to("conversations.history").len(),
        fetched
    );
    let captured: Vec<_> = app
        .timeline(&id)
        .await
        .into_iter()
        .filter_map(|r| match r.event {
            Event::Captured { message, .. } => Some(message),
            _ => None,
        })
        .collect();
    assert_eq!(captured.len(), 1);
    assert_eq!(captured[0].text, "error rate 5% <@U0BOB>");
}

#[tokio::test]
async fn a_pin_captures_the_text_decoded_once() {
    let app = App::start().await;
    let (id, channel) = app.declare(ALICE, "Pins", "S3", ViewValues::new()).await;
    let channel_id = app.channel_id(&channel);
    let body = fixture(
        "event_pin_added.json",
        &[
            ("TEAM", TEAM_ID),
            ("USER", ALICE),
            ("OTHER", CAROL),
            ("CHANNEL", &channel_id),
            ("TS", "1700000000.000100"),
            ("ACTION_TS", &now_ts()),
            ("EVENT_ID", "Ev0PIN1"),
        ],
    );
    let r = event(&app, body, &SendOptions::default()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let texts: Vec<String> = app
        .timeline(&id)
        .await
        .into_iter()
        .filter_map(|r| match r.event {
            Event::Captured { message, .. } => Some(message.text),
            _ => None,
        })
        .collect();
    assert_eq!(
        texts,
        vec!["We told ACME: <fix by 10:00> & credits".to_owned()]
    );
    let note = app
        .channel(&channel)
        .messages
        .into_iter()
        .find(|m| m.text.contains("postmortem discussion"))
        .expect("the capture is confirmed in the thread");
    assert!(note.thread_ts.is_some());
}

#[tokio::test]
async fn the_bots_own_reactions_and_pins_are_ignored() {
    let app = App::start().await;
    let (id, channel) = app
        .declare(ALICE, "Own events", "S3", ViewValues::new())
        .await;
    let channel_id = app.channel_id(&channel);
    let before = app.timeline(&id).await.len();
    for (name, event_id) in [
        ("event_reaction_added.json", "Ev0BOT1"),
        ("event_pin_added.json", "Ev0BOT2"),
    ] {
        let body = fixture(
            name,
            &[
                ("TEAM", TEAM_ID),
                ("USER", BOT),
                ("OTHER", CAROL),
                ("CHANNEL", &channel_id),
                ("TS", "1700000000.000200"),
                ("ACTION_TS", &now_ts()),
                ("EVENT_ID", event_id),
            ],
        );
        let r = event(&app, body, &SendOptions::default()).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    assert_eq!(app.timeline(&id).await.len(), before, "nothing captured");
}
