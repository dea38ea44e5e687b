//! The routes through which a person acts, as Slack's client would make them act
//! (`/sim/act/command`, `/sim/act/shortcut`, `/sim/act/submit`, `/sim/act/click`,
//! `/sim/act/home`) and sees their open views (`GET /sim/views?user=`). Each builds the
//! request Slack would send the app with the [`Driver`], signs it and sends it, and
//! answers with the app's HTTP answer. As on Slack, an answer later than 3 seconds is an
//! `operation_timeout` and a late `response_action` is ignored.

use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::driver::{Driver, DriverError, DriverResponse, Prepared, ViewValues};
use crate::simulator::Simulator;

/// How long Slack waits for the app's answer to a command or an interaction.
const ANSWER_DEADLINE: Duration = Duration::from_secs(3);

type Answer = (StatusCode, Json<Value>);

fn refuse(status: StatusCode, error: &str, detail: impl Into<String>) -> Answer {
    (
        status,
        Json(json!({"ok": false, "error": error, "detail": detail.into()})),
    )
}

/// The JSON body, or a 400 naming what is wrong.
fn body<T: serde::de::DeserializeOwned>(bytes: &Bytes) -> Result<T, Answer> {
    serde_json::from_slice(bytes).map_err(|e| {
        refuse(
            StatusCode::BAD_REQUEST,
            "invalid_arguments",
            format!("expected a JSON object: {e}"),
        )
    })
}

fn driver(sim: &Simulator) -> Result<Driver, Answer> {
    let config = sim.config();
    let app_url = config.app_url.as_deref().ok_or_else(|| {
        refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_app_url",
            "the simulator was started without the app's URL (SimConfig::with_app_url)",
        )
    })?;
    Ok(Driver::new(sim, app_url, &config.signing_secret))
}

fn driver_error(err: DriverError) -> Answer {
    let (status, code) = match &err {
        DriverError::Http(_) => (StatusCode::BAD_GATEWAY, "app_unreachable"),
        DriverError::UserNotFound(_) => (StatusCode::NOT_FOUND, "user_not_found"),
        DriverError::ChannelNotFound(_) => (StatusCode::NOT_FOUND, "channel_not_found"),
        DriverError::MessageNotFound { .. } => (StatusCode::NOT_FOUND, "message_not_found"),
        DriverError::ViewNotFound(_) => (StatusCode::NOT_FOUND, "view_not_found"),
        DriverError::ActionNotFound(_) => (StatusCode::NOT_FOUND, "action_not_found"),
        DriverError::Api { .. } => (StatusCode::BAD_REQUEST, "api_error"),
    };
    refuse(status, code, err.to_string())
}

/// Sends `prepared` and times the app's answer.
async fn send(driver: &Driver, prepared: &Prepared) -> Result<(DriverResponse, bool), Answer> {
    let started = Instant::now();
    let response = driver.send(prepared).await.map_err(driver_error)?;
    Ok((response, started.elapsed() > ANSWER_DEADLINE))
}

/// `{status, body}` (+ `error: operation_timeout` when the app was too slow).
fn answered(response: &DriverResponse, late: bool) -> Value {
    let mut out = json!({"status": response.status, "body": response.body});
    if late {
        out["error"] = json!("operation_timeout");
    }
    out
}

fn known_user(sim: &Simulator, user: &str) -> Result<(), Answer> {
    match sim.user(user) {
        Some(u) if !u.is_bot => Ok(()),
        _ => Err(refuse(
            StatusCode::NOT_FOUND,
            "user_not_found",
            format!("no person {user} in the simulator"),
        )),
    }
}

/// A channel the person can see (public, or private with them in it).
fn visible_channel(sim: &Simulator, user: &str, channel: &str) -> Result<String, Answer> {
    let found = sim
        .channel(channel)
        .or_else(|| sim.channel_by_name(channel))
        .filter(|c| !c.is_private || c.has_member(user));
    found.map(|c| c.id).ok_or_else(|| {
        refuse(
            StatusCode::NOT_FOUND,
            "channel_not_found",
            format!("{user} sees no channel {channel}"),
        )
    })
}

/// An open view of this person.
fn own_view(sim: &Simulator, user: &str, view_id: &str) -> Result<crate::model::View, Answer> {
    sim.view(view_id)
        .filter(|v| v.user == user && v.open)
        .ok_or_else(|| {
            refuse(
                StatusCode::NOT_FOUND,
                "view_not_found",
                format!("{user} has no open view {view_id}"),
            )
        })
}

#[derive(Deserialize)]
pub(crate) struct CommandAct {
    user: String,
    channel: String,
    #[serde(default)]
    text: String,
    command: Option<String>,
}

/// `POST /sim/act/command {user, channel, text, command?}`.
pub(crate) async fn command(State(sim): State<Simulator>, bytes: Bytes) -> Answer {
    let run = async {
        let act: CommandAct = body(&bytes)?;
        known_user(&sim, &act.user)?;
        let channel = visible_channel(&sim, &act.user, &act.channel)?;
        let command = act.command.unwrap_or_else(|| "/incident".to_string());
        let driver = driver(&sim)?;
        let prepared = driver
            .prepare_command(&act.user, &channel, &command, &act.text)
            .map_err(driver_error)?;
        let (response, late) = send(&driver, &prepared).await?;
        let mut out = answered(&response, late);
        out["trigger_id"] = json!(prepared.trigger_id);
        Ok::<Value, Answer>(out)
    };
    match run.await {
        Ok(out) => (StatusCode::OK, Json(out)),
        Err(refused) => refused,
    }
}

#[derive(Deserialize)]
pub(crate) struct ShortcutAct {
    user: String,
    callback_id: String,
    channel: Option<String>,
    message_ts: Option<String>,
}

/// `POST /sim/act/shortcut {user, callback_id, channel?, message_ts?}`: a global
/// shortcut, or a message shortcut on the message `message_ts` of `channel`.
pub(crate) async fn shortcut(State(sim): State<Simulator>, bytes: Bytes) -> Answer {
    let run = async {
        let act: ShortcutAct = body(&bytes)?;
        known_user(&sim, &act.user)?;
        let driver = driver(&sim)?;
        let prepared = match (&act.message_ts, &act.channel) {
            (Some(ts), Some(channel)) => {
                let channel = visible_channel(&sim, &act.user, channel)?;
                driver.prepare_message_action(&act.user, &channel, ts, &act.callback_id)
            }
            (Some(_), None) => {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    "invalid_arguments",
                    "a message shortcut needs the message's channel",
                ));
            }
            (None, _) => driver.prepare_shortcut(&act.user, &act.callback_id),
        }
        .map_err(driver_error)?;
        let (response, late) = send(&driver, &prepared).await?;
        let mut out = answered(&response, late);
        out["trigger_id"] = json!(prepared.trigger_id);
        Ok::<Value, Answer>(out)
    };
    match run.await {
        Ok(out) => (StatusCode::OK, Json(out)),
        Err(refused) => refused,
    }
}

#[derive(Deserialize)]
pub(crate) struct ViewsQuery {
    user: Option<String>,
}

/// `GET /sim/views?user=U…`: the person's open views, newest first.
pub(crate) async fn views(State(sim): State<Simulator>, Query(query): Query<ViewsQuery>) -> Answer {
    let Some(user) = query.user.filter(|u| !u.is_empty()) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "invalid_arguments",
            "give ?user=U…",
        );
    };
    let list: Vec<Value> = sim
        .views()
        .iter()
        .rev()
        .filter(|v| v.user == user && v.open)
        .map(|v| json!({"id": v.id, "callback_id": v.callback_id, "view": crate::shapes::view(v)}))
        .collect();
    (StatusCode::OK, Json(Value::Array(list)))
}

#[derive(Deserialize)]
pub(crate) struct SubmitAct {
    user: String,
    view_id: String,
    #[serde(default)]
    values: serde_json::Map<String, Value>,
}

/// The values a person gives, keyed by input `block_id`, as [`ViewValues`]: a string (or
/// number) or a list goes to the block's input element; an object is
/// `{action_id: value}` for blocks with several elements.
fn submitted_values(
    view: &Value,
    given: &serde_json::Map<String, Value>,
) -> Result<ViewValues, Answer> {
    let mut values = ViewValues::new();
    let blocks = view.get("blocks").and_then(Value::as_array);
    for (block_id, value) in given {
        let block = blocks
            .into_iter()
            .flatten()
            .find(|b| b.get("block_id").and_then(Value::as_str) == Some(block_id.as_str()));
        let action_id = block
            .filter(|b| b.get("type").and_then(Value::as_str) == Some("input"))
            .and_then(|b| b.get("element"))
            .and_then(|e| e.get("action_id"))
            .and_then(Value::as_str);
        values = match (value, action_id) {
            (Value::Object(_), _) => {
                let nested = json!({ block_id: value });
                let mut merged = values;
                merged
                    .entries
                    .extend(ViewValues::from_json(&nested).entries);
                merged
            }
            (_, None) => {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    "invalid_arguments",
                    format!("the view has no input block {block_id}"),
                ));
            }
            (Value::Array(items), Some(action)) => {
                let items: Vec<String> = items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                    .collect();
                let refs: Vec<&str> = items.iter().map(String::as_str).collect();
                values.set_many(block_id, action, &refs)
            }
            (Value::String(s), Some(action)) => values.set(block_id, action, s),
            (other, Some(action)) => values.set(block_id, action, &other.to_string()),
        };
    }
    Ok(values)
}

/// `POST /sim/act/submit {user, view_id, values: {block_id: value}}`: a signed
/// `view_submission`; the app's `response_action` (`update`, `push`, `clear`, `errors`)
/// is applied to the person's views as Slack would, when it came in time and its view is
/// one Slack accepts.
pub(crate) async fn submit(State(sim): State<Simulator>, bytes: Bytes) -> Answer {
    let run = async {
        let act: SubmitAct = body(&bytes)?;
        known_user(&sim, &act.user)?;
        let view = own_view(&sim, &act.user, &act.view_id)?;
        if view.kind != "modal" {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                "invalid_arguments",
                "only modals are submitted",
            ));
        }
        let values = submitted_values(&view.view, &act.values)?;
        let driver = driver(&sim)?;
        let mut prepared = driver
            .prepare_view_submission(&act.user, &view.id, &values)
            .map_err(driver_error)?;
        // Applied below, only if Slack would apply it.
        prepared.view_id = None;
        let (response, late) = send(&driver, &prepared).await?;
        let mut out = answered(&response, late);
        if !late {
            let refused =
                sim.apply_view_submission_answer(&view.id, response.status, &response.body);
            if !refused.is_empty() {
                out["view_errors"] = json!(refused);
            }
        }
        Ok::<Value, Answer>(out)
    };
    match run.await {
        Ok(out) => (StatusCode::OK, Json(out)),
        Err(refused) => refused,
    }
}

#[derive(Deserialize)]
pub(crate) struct ClickAct {
    user: String,
    channel: Option<String>,
    ts: Option<String>,
    view_id: Option<String>,
    action_id: String,
    value: Option<String>,
}

/// `POST /sim/act/click`: `{user, channel, ts, action_id, value?}` on a message, or
/// `{user, view_id, action_id, value?}` in a modal or the App Home.
pub(crate) async fn click(State(sim): State<Simulator>, bytes: Bytes) -> Answer {
    let run = async {
        let act: ClickAct = body(&bytes)?;
        known_user(&sim, &act.user)?;
        let driver = driver(&sim)?;
        let prepared = match (&act.view_id, &act.channel, &act.ts) {
            (Some(view_id), _, _) => {
                let view = own_view(&sim, &act.user, view_id)?;
                driver.prepare_view_block_action(
                    &act.user,
                    &view.id,
                    &act.action_id,
                    act.value.as_deref(),
                )
            }
            (None, Some(channel), Some(ts)) => {
                let channel = visible_channel(&sim, &act.user, channel)?;
                driver.prepare_block_action(
                    &act.user,
                    &channel,
                    ts,
                    &act.action_id,
                    act.value.as_deref(),
                )
            }
            _ => {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    "invalid_arguments",
                    "give either view_id, or channel and ts",
                ));
            }
        }
        .map_err(driver_error)?;
        let (response, late) = send(&driver, &prepared).await?;
        Ok::<Value, Answer>(answered(&response, late))
    };
    match run.await {
        Ok(out) => (StatusCode::OK, Json(out)),
        Err(refused) => refused,
    }
}

#[derive(Deserialize)]
pub(crate) struct HomeAct {
    user: String,
}

/// `POST /sim/act/home {user}`: the person opens the app's Home tab, and Slack sends
/// `app_home_opened`. Answers once the delivery was attempted, with its event id and
/// the app's status.
pub(crate) async fn home(State(sim): State<Simulator>, bytes: Bytes) -> Answer {
    let run = async {
        let act: HomeAct = body(&bytes)?;
        known_user(&sim, &act.user)?;
        let event_id = sim.open_home(&act.user);
        sim.wait_idle().await;
        let delivery = sim
            .deliveries()
            .into_iter()
            .rev()
            .find(|d| Some(&d.event_id) == event_id.as_ref());
        Ok::<Value, Answer>(json!({
            "event_id": event_id,
            "status": delivery.as_ref().and_then(|d| d.status),
            "error": delivery.and_then(|d| d.error),
        }))
    };
    match run.await {
        Ok(out) => (StatusCode::OK, Json(out)),
        Err(refused) => refused,
    }
}

#[derive(Deserialize)]
pub(crate) struct RateLimitsSwitch {
    enabled: bool,
}

/// `GET /sim/rate-limits` → `{enabled}`.
pub(crate) async fn rate_limits(State(sim): State<Simulator>) -> Json<Value> {
    Json(json!({ "enabled": sim.rate_limits() }))
}

/// `POST /sim/rate-limits {enabled}` switches Slack's rate-limit tiers on or off.
pub(crate) async fn set_rate_limits(State(sim): State<Simulator>, bytes: Bytes) -> Answer {
    match body::<RateLimitsSwitch>(&bytes) {
        Ok(switch) => {
            sim.set_rate_limits(switch.enabled);
            (StatusCode::OK, Json(json!({ "enabled": switch.enabled })))
        }
        Err(refused) => refused,
    }
}
