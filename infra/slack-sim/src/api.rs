//! One Web API call from end to end: decode, fault injection, token → actor, run the
//! method, record the call, queue the events it caused, and the HTTP answer
//! (`{"ok":…}`, 429 with `Retry-After`, or 500).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State as AxumState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::methods::{ApiError, Ctx, dispatch};
use crate::model::Call;
use crate::params::{DecodeError, Params};
use crate::simulator::Simulator;
use crate::state::State;

/// What the simulator answers to one call.
#[derive(Debug, Clone)]
pub(crate) struct ApiReply {
    pub(crate) status: StatusCode,
    pub(crate) retry_after: Option<u64>,
    pub(crate) body: Value,
}

impl ApiReply {
    fn ok(body: Value) -> ApiReply {
        let mut obj = match body {
            Value::Object(o) => o,
            _ => serde_json::Map::new(),
        };
        obj.insert("ok".into(), json!(true));
        ApiReply {
            status: StatusCode::OK,
            retry_after: None,
            body: Value::Object(obj),
        }
    }

    /// `{"ok":false,"error":…}` with the fields Slack puts beside the error.
    fn refusal(err: ApiError) -> ApiReply {
        let mut body = serde_json::Map::new();
        body.insert("ok".into(), json!(false));
        body.insert("error".into(), json!(err.code));
        body.extend(err.extra);
        ApiReply {
            status: StatusCode::OK,
            retry_after: None,
            body: Value::Object(body),
        }
    }

    fn error(code: &str) -> ApiReply {
        ApiReply {
            status: StatusCode::OK,
            retry_after: None,
            body: json!({"ok": false, "error": code}),
        }
    }
}

impl IntoResponse for ApiReply {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body)).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// `POST|GET /api/<method>`.
pub(crate) async fn handler(
    AxumState(sim): AxumState<Simulator>,
    Path(method): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiReply {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_string());
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let params = Params::decode(query.as_deref(), content_type, &body);
    let method = method.trim_matches('/');
    if let Some((reply, delay_ms)) = sim.take_flaky(method, &params) {
        if delay_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
        }
        return reply;
    }
    sim.handle_call(method, token, params)
}

impl Simulator {
    /// A rate fault for this HTTP call, if one hits: its answer (the call is recorded as
    /// failed and not run) and how long to hold it first.
    fn take_flaky(
        &self,
        method: &str,
        params: &Result<Params, DecodeError>,
    ) -> Option<(ApiReply, u64)> {
        self.with_state(|state| {
            let flaky = state
                .flaky
                .iter_mut()
                .find(|f| f.method == method || f.method == "*")?;
            if !flaky.hit() {
                return None;
            }
            let flaky = flaky.clone();
            let (reply, code) = match flaky.error.as_str() {
                "ratelimited" | "rate_limited" => (
                    ApiReply {
                        status: StatusCode::TOO_MANY_REQUESTS,
                        retry_after: Some(flaky.retry_after),
                        body: json!({"ok": false, "error": "ratelimited"}),
                    },
                    "ratelimited",
                ),
                "http_500" => (
                    ApiReply {
                        status: StatusCode::INTERNAL_SERVER_ERROR,
                        retry_after: None,
                        body: json!({"ok": false, "error": "internal_error"}),
                    },
                    "http_500",
                ),
                "timeout" => (
                    ApiReply {
                        status: StatusCode::GATEWAY_TIMEOUT,
                        retry_after: None,
                        body: json!({"ok": false, "error": "timeout"}),
                    },
                    "timeout",
                ),
                other => (ApiReply::error(other), other),
            };
            let recorded = params.as_ref().map_or(Value::Null, |p| {
                let mut p = p.clone();
                p.take_token();
                p.to_value()
            });
            record(state, method, recorded, "", Some(code));
            Some((reply, flaky.delay_ms))
        })
    }

    /// Runs one call (HTTP or in-process) and records it.
    pub(crate) fn handle_call(
        &self,
        method: &str,
        header_token: Option<String>,
        params: Result<Params, DecodeError>,
    ) -> ApiReply {
        let config = self.config();
        let state_handle = self.state_handle();
        let mut guard = state_handle.lock().unwrap_or_else(|e| e.into_inner());
        let state: &mut State = &mut guard;

        let mut params = match params {
            Ok(p) => p,
            Err(code) => {
                record(state, method, Value::Null, "", Some(code));
                return ApiReply::error(code);
            }
        };
        let body_token = params.take_token();
        let token = header_token.or(body_token);
        let recorded = params.to_value();

        // Who the token names, for the record even when a fault answers first.
        let claimed = match token.as_deref() {
            Some(t) if t == config.bot_token => config.bot_user_id.clone(),
            Some(t) => t.strip_prefix("xoxp-").unwrap_or_default().to_string(),
            None => String::new(),
        };
        if let Some(reply) = take_fault(state, method) {
            let error = reply
                .body
                .get("error")
                .and_then(Value::as_str)
                .map(str::to_string);
            let error = if reply.status == StatusCode::INTERNAL_SERVER_ERROR {
                Some("http_500".to_string())
            } else {
                error
            };
            record(state, method, recorded, &claimed, error.as_deref());
            return reply;
        }

        let (actor, is_bot) = match token.as_deref() {
            None | Some("") => {
                record(state, method, recorded, "", Some("not_authed"));
                return ApiReply::error("not_authed");
            }
            Some(t) if t == config.bot_token => (config.bot_user_id.clone(), true),
            Some(t) => match t.strip_prefix("xoxp-") {
                Some(user) if state.user(user).is_some_and(|u| !u.is_bot) => {
                    (user.to_string(), false)
                }
                _ => {
                    record(state, method, recorded, "", Some("invalid_auth"));
                    return ApiReply::error("invalid_auth");
                }
            },
        };

        // Slack checks the token's scopes before anything else about the call.
        if is_bot
            && let Some(needed) = crate::manifest::method_scopes(method)
            && !needed.is_empty()
            && !needed
                .iter()
                .any(|n| config.manifest.bot_scopes.iter().any(|s| s == n))
        {
            record(state, method, recorded, &actor, Some("missing_scope"));
            return ApiReply::refusal(
                ApiError::from("missing_scope")
                    .with("needed", json!(needed.join(",")))
                    .with("provided", json!(config.manifest.bot_scopes.join(","))),
            );
        }
        let channel = params.str("channel").or_else(|| params.str("channel_id"));
        if let Some(secs) = state.rate_limits.check(
            &actor,
            method,
            channel.as_deref(),
            std::time::Instant::now(),
        ) {
            record(state, method, recorded, &actor, Some("ratelimited"));
            return ApiReply {
                status: StatusCode::TOO_MANY_REQUESTS,
                retry_after: Some(secs),
                body: json!({"ok": false, "error": "ratelimited"}),
            };
        }

        let mut ctx = Ctx {
            state,
            config,
            actor: actor.clone(),
            is_bot,
            events: Vec::new(),
        };
        let result = dispatch(&mut ctx, method, &params);
        let events = std::mem::take(&mut ctx.events);
        let reply = match result {
            None => ApiReply::error("unknown_method"),
            Some(Ok(body)) => ApiReply::ok(body),
            Some(Err(err)) => ApiReply::refusal(err),
        };
        let error = reply.body.get("error").and_then(Value::as_str);
        record(state, method, recorded, &actor, error);
        if reply.body.get("ok") == Some(&Value::Bool(true)) {
            for pending in events {
                self.deliver(state, &pending.channel, pending.event);
            }
        }
        reply
    }

    /// Queues an Events API callback, as Slack would send it: only if an events URL is
    /// configured, the app subscribes to the event, and (for events in a channel) the
    /// bot is a member of the channel. `channel` is empty for events outside channels
    /// (`app_home_opened`). Otherwise the event is recorded as not sent.
    pub(crate) fn deliver(&self, state: &mut State, channel: &str, event: Value) -> Option<String> {
        let config = self.config();
        let url = config.events_url.clone()?;
        let event_type = event
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let channel_type = event.get("channel_type").and_then(Value::as_str);
        let subscribed = config.manifest.subscribes(&event_type, channel_type);
        let (event_id, body) = crate::events::envelope(event, &state.bot_user_id);
        let bot_in_channel = channel.is_empty()
            || state
                .channel(channel)
                .is_some_and(|c| c.has_member(&state.bot_user_id));
        let not_sent = if !subscribed {
            Some(format!(
                "not sent: the app manifest does not subscribe to {event_type}"
            ))
        } else if !bot_in_channel {
            Some(format!("not sent: the bot is not a member of {channel}"))
        } else {
            None
        };
        if let Some(why) = not_sent {
            state.deliveries.push(crate::model::Delivery {
                event_id: event_id.clone(),
                event_type,
                url,
                status: None,
                error: Some(why),
                elapsed_ms: None,
                at: crate::now_rfc3339(),
                retry_num: 0,
                retry_reason: None,
            });
            return Some(event_id);
        }
        self.events().enqueue(
            &self.state_handle(),
            state,
            &url,
            event_id.clone(),
            event_type,
            &body,
        );
        Some(event_id)
    }
}

/// Consumes one pending fault for `method`, if any, and builds its answer.
fn take_fault(state: &mut State, method: &str) -> Option<ApiReply> {
    let index = state
        .faults
        .iter()
        .position(|f| (f.method == method || f.method == "*") && f.count > 0)?;
    let fault = state.faults.get_mut(index)?;
    fault.count -= 1;
    let fault = fault.clone();
    state.faults.retain(|f| f.count > 0);
    Some(match fault.error.as_str() {
        "ratelimited" | "rate_limited" => ApiReply {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after: Some(fault.retry_after),
            body: json!({"ok": false, "error": "ratelimited"}),
        },
        "http_500" => ApiReply {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            retry_after: None,
            body: json!({"ok": false, "error": "internal_error"}),
        },
        other => ApiReply::error(other),
    })
}

fn record(state: &mut State, method: &str, params: Value, actor: &str, error: Option<&str>) {
    state.calls.push(Call {
        method: method.to_string(),
        params,
        ok: error.is_none(),
        error: error.map(str::to_string),
        at: crate::now_rfc3339(),
        actor: actor.to_string(),
    });
}
