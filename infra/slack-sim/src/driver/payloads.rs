//! The payloads Slack sends to an app, built from the simulator's state: slash-command
//! form fields, interaction payloads (`shortcut`, `message_action`, `block_actions`,
//! `view_submission`, `view_closed`) and Events API envelopes.

use serde_json::{Value, json};

use super::DriverError;
use super::view_values::{Input, ViewValues, block_elements, state_value};
use crate::config::{APP_ID, TEAM_DOMAIN, TEAM_ID, VERIFICATION_TOKEN};
use crate::shapes;
use crate::simulator::Simulator;

pub(super) fn team() -> Value {
    json!({"id": TEAM_ID, "domain": TEAM_DOMAIN})
}

pub(super) fn user(sim: &Simulator, id: &str) -> Result<Value, DriverError> {
    let user = sim
        .user(id)
        .ok_or_else(|| DriverError::UserNotFound(id.to_string()))?;
    Ok(json!({"id": user.id, "username": user.name, "name": user.name, "team_id": TEAM_ID}))
}

/// `(channel id, channel name)`; accepts an id or a name.
pub(super) fn channel(sim: &Simulator, id_or_name: &str) -> Result<(String, String), DriverError> {
    let channel = sim
        .channel(id_or_name)
        .or_else(|| sim.channel_by_name(id_or_name))
        .ok_or_else(|| DriverError::ChannelNotFound(id_or_name.to_string()))?;
    let name = if channel.is_im {
        "directmessage".to_string()
    } else {
        channel.name.clone()
    };
    Ok((channel.id, name))
}

/// The message as an interaction payload carries it.
pub(super) fn message(sim: &Simulator, channel_id: &str, ts: &str) -> Result<Value, DriverError> {
    let channel = sim
        .channel(channel_id)
        .ok_or_else(|| DriverError::ChannelNotFound(channel_id.to_string()))?;
    let msg = channel
        .message(ts)
        .ok_or_else(|| DriverError::MessageNotFound {
            channel: channel_id.to_string(),
            ts: ts.to_string(),
        })?;
    Ok(shapes::message(&channel, msg))
}

fn action_ts() -> String {
    crate::ids::format_ts(crate::ids::now_micros())
}

/// Slash command form fields (in the order Slack sends them), trigger id, response URL.
pub(super) type CommandFields = (Vec<(String, String)>, String, String);

/// Slash command form fields, in the order Slack sends them.
pub(super) fn command(
    sim: &Simulator,
    user_id: &str,
    channel_id: &str,
    command: &str,
    text: &str,
) -> Result<CommandFields, DriverError> {
    let user = user(sim, user_id)?;
    let (channel_id, channel_name) = channel(sim, channel_id)?;
    let response_url = sim.issue_response_url(&channel_id, user_id, None);
    let trigger_id = sim.issue_trigger(user_id);
    let user_name = user["name"].as_str().unwrap_or_default().to_string();
    // Slack escapes what the person typed before the app sees it.
    let style = if sim
        .config()
        .manifest
        .escaped_commands
        .iter()
        .any(|c| c == command)
    {
        crate::escape::Style::Command
    } else {
        crate::escape::Style::UnescapedCommand
    };
    let text = sim.with_state(|s| crate::escape::typed(text, &*s, style));
    let fields = vec![
        ("token", VERIFICATION_TOKEN.to_string()),
        ("team_id", TEAM_ID.to_string()),
        ("team_domain", TEAM_DOMAIN.to_string()),
        ("channel_id", channel_id),
        ("channel_name", channel_name),
        ("user_id", user_id.to_string()),
        ("user_name", user_name),
        ("command", command.to_string()),
        ("text", text),
        ("api_app_id", APP_ID.to_string()),
        ("is_enterprise_install", "false".to_string()),
        ("response_url", response_url.clone()),
        ("trigger_id", trigger_id.clone()),
    ];
    Ok((
        fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        trigger_id,
        response_url,
    ))
}

/// A global shortcut.
pub(super) fn shortcut(
    sim: &Simulator,
    user_id: &str,
    callback_id: &str,
) -> Result<(Value, String), DriverError> {
    let trigger_id = sim.issue_trigger(user_id);
    let payload = json!({
        "type": "shortcut",
        "token": VERIFICATION_TOKEN,
        "action_ts": action_ts(),
        "team": team(),
        "user": user(sim, user_id)?,
        "is_enterprise_install": false,
        "enterprise": null,
        "callback_id": callback_id,
        "trigger_id": trigger_id,
    });
    Ok((payload, trigger_id))
}

/// A message shortcut on message `ts` in `channel`.
pub(super) fn message_action(
    sim: &Simulator,
    user_id: &str,
    channel_id: &str,
    ts: &str,
    callback_id: &str,
) -> Result<(Value, String, String), DriverError> {
    let (channel_id, channel_name) = channel(sim, channel_id)?;
    let message = message(sim, &channel_id, ts)?;
    let user = user(sim, user_id)?;
    let trigger_id = sim.issue_trigger(user_id);
    let response_url = sim.issue_response_url(&channel_id, user_id, Some(ts));
    let payload = json!({
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": action_ts(),
        "team": team(),
        "user": user,
        "channel": {"id": channel_id, "name": channel_name},
        "is_enterprise_install": false,
        "enterprise": null,
        "callback_id": callback_id,
        "trigger_id": trigger_id,
        "response_url": response_url,
        "message_ts": ts,
        "message": message,
    });
    Ok((payload, trigger_id, response_url))
}

/// The `actions[0]` entry for `action_id` among `blocks`, with `value` chosen.
fn action(
    blocks: Option<&Value>,
    action_id: &str,
    value: Option<&str>,
) -> Result<Value, DriverError> {
    let found = blocks
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find_map(|block| {
            block_elements(block)
                .into_iter()
                .find(|e| e.get("action_id").and_then(Value::as_str) == Some(action_id))
                .map(|e| (block, e))
        });
    let (block, element) =
        found.ok_or_else(|| DriverError::ActionNotFound(action_id.to_string()))?;
    let kind = element
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("button");
    let mut info = if kind == "button" {
        let v = value.map(str::to_string).or_else(|| {
            element
                .get("value")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        let mut b =
            json!({"type": "button", "text": element.get("text").cloned().unwrap_or(Value::Null)});
        if let Some(v) = v {
            b["value"] = json!(v);
        }
        if let Some(style) = element.get("style") {
            b["style"] = style.clone();
        }
        b
    } else {
        state_value(
            Some(element),
            &Input::One(value.unwrap_or_default().to_string()),
        )
    };
    info["action_id"] = json!(action_id);
    info["block_id"] = block.get("block_id").cloned().unwrap_or(Value::Null);
    info["action_ts"] = json!(action_ts());
    Ok(info)
}

/// A click (or pick) on element `action_id` of message `ts` in `channel`.
pub(super) fn block_action(
    sim: &Simulator,
    user_id: &str,
    channel_id: &str,
    ts: &str,
    action_id: &str,
    value: Option<&str>,
) -> Result<(Value, String, String), DriverError> {
    let (channel_id, channel_name) = channel(sim, channel_id)?;
    let message = message(sim, &channel_id, ts)?;
    let action = action(message.get("blocks"), action_id, value)?;
    let user = user(sim, user_id)?;
    let trigger_id = sim.issue_trigger(user_id);
    let response_url = sim.issue_response_url(&channel_id, user_id, Some(ts));
    let payload = json!({
        "type": "block_actions",
        "user": user,
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {"type": "message", "message_ts": ts, "channel_id": channel_id, "is_ephemeral": false},
        "trigger_id": trigger_id,
        "team": team(),
        "enterprise": null,
        "is_enterprise_install": false,
        "channel": {"id": channel_id, "name": channel_name},
        "message": message,
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    });
    Ok((payload, trigger_id, response_url))
}

/// The open view `view` refers to: a view id, else the latest open view with that
/// callback id.
pub(super) fn find_view(sim: &Simulator, view: &str) -> Result<crate::model::View, DriverError> {
    sim.view(view)
        .or_else(|| {
            sim.views()
                .into_iter()
                .rev()
                .find(|v| v.callback_id == view && v.open)
        })
        .ok_or_else(|| DriverError::ViewNotFound(view.to_string()))
}

/// A view as interaction payloads carry it, with `state.values` filled in.
fn view_with_state(view: &crate::model::View, values: &ViewValues) -> Value {
    let mut json = shapes::view(view);
    let state = values.state_values(view.view.get("blocks"));
    json["state"] = json!({ "values": state });
    json
}

/// A click on element `action_id` inside an open modal or App Home view.
pub(super) fn view_block_action(
    sim: &Simulator,
    user_id: &str,
    view: &str,
    action_id: &str,
    value: Option<&str>,
) -> Result<(Value, String), DriverError> {
    let view = find_view(sim, view)?;
    let action = action(view.view.get("blocks"), action_id, value)?;
    let trigger_id = sim.issue_trigger(user_id);
    let payload = json!({
        "type": "block_actions",
        "user": user(sim, user_id)?,
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {"type": "view", "view_id": view.id},
        "trigger_id": trigger_id,
        "team": team(),
        "enterprise": null,
        "is_enterprise_install": false,
        "view": view_with_state(&view, &ViewValues::new()),
        "actions": [action],
    });
    Ok((payload, trigger_id))
}

/// Submitting (or closing, with `kind = "view_closed"`) an open modal.
pub(super) fn view_payload(
    sim: &Simulator,
    user_id: &str,
    view: &str,
    values: &ViewValues,
    kind: &str,
) -> Result<(Value, String, String), DriverError> {
    let view = find_view(sim, view)?;
    let trigger_id = sim.issue_trigger(user_id);
    let mut payload = json!({
        "type": kind,
        "team": team(),
        "user": user(sim, user_id)?,
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": view_with_state(&view, values),
        "response_urls": [],
        "is_enterprise_install": false,
        "enterprise": null,
    });
    if kind == "view_closed" {
        payload["is_cleared"] = json!(false);
    }
    Ok((payload, trigger_id, view.id))
}
