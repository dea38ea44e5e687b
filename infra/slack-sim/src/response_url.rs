//! `POST /sim/response/<id>`: Slack-style posts to a `response_url` the driver issued.
//! Ephemeral by default (recorded for the person the URL was issued to), `in_channel`
//! posts a bot message, `replace_original`/`delete_original` edit the message the
//! interaction came from. At most 5 posts per URL within 30 minutes.

use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::config::BOT_ID;
use crate::methods::fill_block_ids;
use crate::model::{Edited, Ephemeral, Message, ResponsePost};
use crate::simulator::Simulator;
use crate::state::State as SimState;

/// Posts allowed per URL.
const MAX_USES: u32 = 5;
/// How long a URL works.
const TTL: Duration = Duration::from_secs(30 * 60);

pub(crate) async fn handler(
    State(sim): State<Simulator>,
    Path(id): Path<String>,
    body: Bytes,
) -> (StatusCode, Json<Value>) {
    let (status, error) = sim.with_state(|s| match post(s, &id, &body) {
        Ok(outcome) => outcome,
        Err((status, error)) => {
            // Rejected posts are recorded too: they show what the app tried.
            let url = s.response_urls.get(&id);
            let body = serde_json::from_slice(&body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
            let rejected = ResponsePost {
                url_id: id.clone(),
                channel: url.map(|u| u.channel.clone()).unwrap_or_default(),
                user: url.map(|u| u.user.clone()).unwrap_or_default(),
                body,
                status: status.as_u16(),
                at: crate::now_rfc3339(),
            };
            s.responses.push(rejected);
            (status, Some(error))
        }
    });
    let answer = match error {
        None => json!({"ok": true}),
        Some(e) => json!({"ok": false, "error": e}),
    };
    (status, Json(answer))
}

/// What a post did: its status and error, or why it was rejected before it counted.
type Outcome = Result<(StatusCode, Option<&'static str>), (StatusCode, &'static str)>;

fn post(state: &mut SimState, id: &str, body: &[u8]) -> Outcome {
    let Some(url) = state.response_urls.get_mut(id) else {
        return Err((StatusCode::NOT_FOUND, "expired_url"));
    };
    if url.issued.elapsed() > TTL {
        return Err((StatusCode::NOT_FOUND, "expired_url"));
    }
    if url.uses >= MAX_USES {
        return Err((StatusCode::NOT_FOUND, "used_url"));
    }
    let Ok(payload) = serde_json::from_slice::<Value>(body) else {
        return Err((StatusCode::BAD_REQUEST, "invalid_payload"));
    };
    if !payload.is_object() {
        return Err((StatusCode::BAD_REQUEST, "invalid_payload"));
    }
    // Slack holds these messages to Block Kit as it holds chat.postMessage.
    if let Some(blocks) = payload.get("blocks").filter(|b| !b.is_null())
        && !crate::blockkit::check_message_blocks(blocks).is_empty()
    {
        return Err((StatusCode::BAD_REQUEST, "invalid_blocks"));
    }
    url.uses += 1;
    let url = url.clone();

    let flag = |key: &str| {
        payload
            .get(key)
            .is_some_and(|v| v.as_bool() == Some(true) || v.as_str() == Some("true"))
    };
    let text = payload
        .get("text")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let blocks = payload
        .get("blocks")
        .filter(|b| b.as_array().is_some_and(|a| !a.is_empty()))
        .cloned()
        .map(fill_block_ids);
    let thread_ts = payload
        .get("thread_ts")
        .and_then(Value::as_str)
        .map(str::to_string);
    let in_channel = payload.get("response_type").and_then(Value::as_str) == Some("in_channel");
    let original = url.message_ts.clone();
    let channel_idx = state.channel_index(&url.channel);

    let mut status = StatusCode::OK;
    let mut error = None;
    if flag("delete_original") {
        match (channel_idx, original) {
            (Some(idx), Some(ts)) => state.channels[idx].messages.retain(|m| m.ts != ts),
            _ => {
                status = StatusCode::NOT_FOUND;
                error = Some("message_not_found");
            }
        }
    } else if flag("replace_original") && original.is_some() {
        let edit_ts = state.clock.next();
        let bot = state.bot_user_id.clone();
        let target = channel_idx.and_then(|idx| {
            let ts = original.clone().unwrap_or_default();
            state.channels[idx].messages.iter_mut().find(|m| m.ts == ts)
        });
        match target {
            Some(message) => {
                message.text = text;
                message.blocks = blocks;
                message.edited = Some(Edited {
                    user: bot,
                    ts: edit_ts,
                });
            }
            None => {
                status = StatusCode::NOT_FOUND;
                error = Some("message_not_found");
            }
        }
    } else if in_channel {
        match channel_idx {
            Some(idx) => {
                let ts = state.clock.next();
                let user = state.bot_user_id.clone();
                state.channels[idx].messages.push(Message {
                    ts,
                    user,
                    text,
                    blocks,
                    thread_ts,
                    pinned: false,
                    pinned_by: None,
                    pinned_at: None,
                    reactions: Vec::new(),
                    bot_id: Some(BOT_ID.to_string()),
                    subtype: None,
                    metadata: None,
                    edited: None,
                    reply_broadcast: false,
                    files: Vec::new(),
                });
            }
            None => {
                status = StatusCode::NOT_FOUND;
                error = Some("channel_not_found");
            }
        }
    } else {
        state.ephemeral.push(Ephemeral {
            channel: url.channel.clone(),
            user: url.user.clone(),
            text,
            blocks,
            thread_ts,
            source: "response_url".to_string(),
            at: crate::now_rfc3339(),
        });
    }
    state.responses.push(ResponsePost {
        url_id: id.to_string(),
        channel: url.channel,
        user: url.user,
        body: payload,
        status: status.as_u16(),
        at: crate::now_rfc3339(),
    });
    Ok((status, error))
}
