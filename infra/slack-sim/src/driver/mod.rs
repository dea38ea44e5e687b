//! [`Driver`]: plays the Slack platform towards the app. It builds requests exactly as
//! Slack formats them (from the simulator's state), signs them with the app's signing
//! secret and POSTs them to `{app}/slack/commands`, `/slack/interactions` and
//! `/slack/events`. Requests can be sent with a chosen timestamp, a bad signature, no
//! signature, or re-sent byte for byte as a Slack retry. It also acts as people through
//! the simulator's Web API (post, react, pin), which makes the simulator deliver events.

mod payloads;
mod view_values;

use std::time::Duration;

use axum::http::HeaderMap;
use serde_json::{Value, json};

pub use view_values::ViewValues;

use crate::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use crate::simulator::Simulator;

/// Path of slash commands on the app.
pub const COMMANDS_PATH: &str = "/slack/commands";
/// Path of interactivity on the app.
pub const INTERACTIONS_PATH: &str = "/slack/interactions";
/// Path of the Events API on the app.
pub const EVENTS_PATH: &str = "/slack/events";

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

/// What went wrong building or sending a request.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// The request could not be sent or its answer read.
    #[error("HTTP error talking to the app: {0}")]
    Http(#[from] reqwest::Error),
    /// No such person in the simulator.
    #[error("no user {0} in the simulator")]
    UserNotFound(String),
    /// No such channel in the simulator.
    #[error("no channel {0} in the simulator")]
    ChannelNotFound(String),
    /// No such message in the simulator.
    #[error("no message {ts} in channel {channel}")]
    MessageNotFound {
        /// Channel id.
        channel: String,
        /// Message timestamp.
        ts: String,
    },
    /// No open view with this id or callback id.
    #[error("no open view {0} (by id or callback_id)")]
    ViewNotFound(String),
    /// No interactive element with this action id.
    #[error("no element with action_id {0}")]
    ActionNotFound(String),
    /// A person's Web API call failed.
    #[error("{method} failed: {error}")]
    Api {
        /// Method name.
        method: String,
        /// Slack error code.
        error: String,
    },
}

/// A request ready to sign and send (build one with the `prepare_*` methods).
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// Path on the app (`/slack/commands`, …).
    pub path: String,
    /// `Content-Type`.
    pub content_type: String,
    /// Exact body bytes.
    pub body: Vec<u8>,
    /// The payload as JSON (form fields as an object for slash commands).
    pub payload: Value,
    /// The trigger id issued with it, if any.
    pub trigger_id: Option<String>,
    /// The response URL issued with it, if any.
    pub response_url: Option<String>,
    /// For view submissions: the view submitted (its lifecycle follows the app's answer).
    pub view_id: Option<String>,
}

/// How to sign and send.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SendOptions {
    /// Use this `X-Slack-Request-Timestamp` instead of now (stale-request tests).
    pub timestamp: Option<i64>,
    /// Sign with the wrong secret.
    pub bad_signature: bool,
    /// Send no signature headers at all.
    pub unsigned: bool,
    /// `X-Slack-Retry-Num` and `X-Slack-Retry-Reason`.
    pub retry: Option<(u32, String)>,
    /// More headers.
    pub headers: Vec<(String, String)>,
}

impl SendOptions {
    /// Sign with timestamp `ts`.
    pub fn timestamp(mut self, ts: i64) -> SendOptions {
        self.timestamp = Some(ts);
        self
    }

    /// Sign with a wrong secret.
    pub fn bad_signature(mut self) -> SendOptions {
        self.bad_signature = true;
        self
    }

    /// Leave the signature headers out.
    pub fn unsigned(mut self) -> SendOptions {
        self.unsigned = true;
        self
    }

    /// Mark as Slack's retry number `num` for `reason` (`http_timeout`, …).
    pub fn retry(mut self, num: u32, reason: &str) -> SendOptions {
        self.retry = Some((num, reason.to_string()));
        self
    }

    /// Add a header.
    pub fn header(mut self, name: &str, value: &str) -> SendOptions {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// A request as it was sent; [`Driver::resend`] sends it again byte for byte.
#[derive(Debug, Clone, PartialEq)]
pub struct SentRequest {
    /// Full URL.
    pub url: String,
    /// Exact body bytes.
    pub body: Vec<u8>,
    /// Every header sent, in order.
    pub headers: Vec<(String, String)>,
    /// The `X-Slack-Request-Timestamp` sent.
    pub timestamp: i64,
    /// The `X-Slack-Signature` sent (empty if unsigned).
    pub signature: String,
    /// Trigger id issued with it, if any.
    pub trigger_id: Option<String>,
    /// Response URL issued with it, if any.
    pub response_url: Option<String>,
}

impl SentRequest {
    /// The body as text.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The value of a header sent (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The app's answer.
#[derive(Debug, Clone)]
pub struct DriverResponse {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// Response body.
    pub body: String,
    /// What was sent.
    pub request: SentRequest,
}

impl DriverResponse {
    /// The body parsed as JSON.
    pub fn json(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_str(&self.body)
    }

    /// A response header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Sends signed Slack requests to the app, and acts as people in the simulator.
#[derive(Debug, Clone)]
pub struct Driver {
    sim: Simulator,
    app_url: String,
    signing_secret: String,
    client: reqwest::Client,
}

impl Driver {
    /// A driver for the app at `app_url` (e.g. `http://127.0.0.1:3000`), signing with
    /// `signing_secret`.
    pub fn new(sim: &Simulator, app_url: &str, signing_secret: &str) -> Driver {
        Driver {
            sim: sim.clone(),
            app_url: app_url.trim_end_matches('/').to_string(),
            signing_secret: signing_secret.to_string(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap_or_default(),
        }
    }

    /// The simulator this driver reads from.
    pub fn simulator(&self) -> &Simulator {
        &self.sim
    }

    // ---- building requests ----

    /// A slash command typed by `user` in `channel` (id or name). Issues a trigger id
    /// (valid 3 s) and a response URL.
    pub fn prepare_command(
        &self,
        user: &str,
        channel: &str,
        command: &str,
        text: &str,
    ) -> Result<Prepared, DriverError> {
        let (fields, trigger_id, response_url) =
            payloads::command(&self.sim, user, channel, command, text)?;
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &fields {
            form.append_pair(k, v);
        }
        let payload: serde_json::Map<String, Value> =
            fields.into_iter().map(|(k, v)| (k, json!(v))).collect();
        Ok(Prepared {
            path: COMMANDS_PATH.to_string(),
            content_type: FORM.to_string(),
            body: form.finish().into_bytes(),
            payload: Value::Object(payload),
            trigger_id: Some(trigger_id),
            response_url: Some(response_url),
            view_id: None,
        })
    }

    /// An interaction payload, form-encoded as Slack sends it (`payload=<json>`).
    pub fn prepare_interaction(&self, payload: Value) -> Prepared {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("payload", &payload.to_string());
        Prepared {
            path: INTERACTIONS_PATH.to_string(),
            content_type: FORM.to_string(),
            body: form.finish().into_bytes(),
            trigger_id: payload
                .get("trigger_id")
                .and_then(Value::as_str)
                .map(str::to_string),
            response_url: payload
                .get("response_url")
                .and_then(Value::as_str)
                .map(str::to_string),
            payload,
            view_id: None,
        }
    }

    /// A global shortcut.
    pub fn prepare_shortcut(&self, user: &str, callback_id: &str) -> Result<Prepared, DriverError> {
        let (payload, _) = payloads::shortcut(&self.sim, user, callback_id)?;
        Ok(self.prepare_interaction(payload))
    }

    /// A message shortcut on message `ts` of `channel`.
    pub fn prepare_message_action(
        &self,
        user: &str,
        channel: &str,
        ts: &str,
        callback_id: &str,
    ) -> Result<Prepared, DriverError> {
        let (payload, _, _) = payloads::message_action(&self.sim, user, channel, ts, callback_id)?;
        Ok(self.prepare_interaction(payload))
    }

    /// A click on button `action_id` (or a pick of `value` in a select) in message `ts`
    /// of `channel`. For buttons, `value` overrides the button's own value.
    pub fn prepare_block_action(
        &self,
        user: &str,
        channel: &str,
        ts: &str,
        action_id: &str,
        value: Option<&str>,
    ) -> Result<Prepared, DriverError> {
        let (payload, _, _) =
            payloads::block_action(&self.sim, user, channel, ts, action_id, value)?;
        Ok(self.prepare_interaction(payload))
    }

    /// A click on `action_id` inside an open view (`view` = view id or callback id).
    pub fn prepare_view_block_action(
        &self,
        user: &str,
        view: &str,
        action_id: &str,
        value: Option<&str>,
    ) -> Result<Prepared, DriverError> {
        let (payload, _) = payloads::view_block_action(&self.sim, user, view, action_id, value)?;
        Ok(self.prepare_interaction(payload))
    }

    /// Submitting the open modal `view` (view id or callback id) with `values`.
    pub fn prepare_view_submission(
        &self,
        user: &str,
        view: &str,
        values: &ViewValues,
    ) -> Result<Prepared, DriverError> {
        let (payload, _, view_id) =
            payloads::view_payload(&self.sim, user, view, values, "view_submission")?;
        let mut prepared = self.prepare_interaction(payload);
        prepared.view_id = Some(view_id);
        Ok(prepared)
    }

    /// Closing the open modal `view` with its X (`view_closed`; Slack only sends it
    /// when the view set `notify_on_close`). Marks the view closed.
    pub fn prepare_view_closed(&self, user: &str, view: &str) -> Result<Prepared, DriverError> {
        let (payload, _, view_id) =
            payloads::view_payload(&self.sim, user, view, &ViewValues::new(), "view_closed")?;
        self.sim.close_view(&view_id);
        Ok(self.prepare_interaction(payload))
    }

    /// An Events API callback: `event` (the inner event) in the standard envelope.
    pub fn prepare_event(&self, event: Value) -> Prepared {
        let (_, envelope) = crate::events::envelope(event, &self.sim.config().bot_user_id);
        self.prepare_json(EVENTS_PATH, envelope)
    }

    /// The Events API URL check.
    pub fn prepare_url_verification(&self, challenge: &str) -> Prepared {
        let body = json!({
            "token": crate::config::VERIFICATION_TOKEN,
            "challenge": challenge,
            "type": "url_verification",
        });
        self.prepare_json(EVENTS_PATH, body)
    }

    /// Any JSON body to `path`.
    pub fn prepare_json(&self, path: &str, body: Value) -> Prepared {
        Prepared {
            path: path.to_string(),
            content_type: JSON.to_string(),
            body: body.to_string().into_bytes(),
            payload: body,
            trigger_id: None,
            response_url: None,
            view_id: None,
        }
    }

    /// Any body bytes with any content type to `path` (malformed-input tests).
    pub fn prepare_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<Vec<u8>>,
    ) -> Prepared {
        Prepared {
            path: path.to_string(),
            content_type: content_type.to_string(),
            body: body.into(),
            payload: Value::Null,
            trigger_id: None,
            response_url: None,
            view_id: None,
        }
    }

    // ---- sending ----

    /// Signs (timestamp now) and sends.
    pub async fn send(&self, prepared: &Prepared) -> Result<DriverResponse, DriverError> {
        self.send_with(prepared, &SendOptions::default()).await
    }

    /// Signs as `options` say and sends. After a view submission the view's lifecycle
    /// follows the app's answer (closed on an empty 200, `update`/`push`/`clear`
    /// applied, kept open on `errors`).
    pub async fn send_with(
        &self,
        prepared: &Prepared,
        options: &SendOptions,
    ) -> Result<DriverResponse, DriverError> {
        let timestamp = options.timestamp.unwrap_or_else(crate::ids::now_secs);
        let signature = if options.unsigned {
            String::new()
        } else if options.bad_signature {
            sign("not-the-signing-secret", timestamp, &prepared.body)
        } else {
            sign(&self.signing_secret, timestamp, &prepared.body)
        };
        let mut headers = vec![
            ("Content-Type".to_string(), prepared.content_type.clone()),
            (
                "User-Agent".to_string(),
                "Slackbot 1.0 (+https://api.slack.com/robots)".to_string(),
            ),
        ];
        if !options.unsigned {
            headers.push((TIMESTAMP_HEADER.to_string(), timestamp.to_string()));
            headers.push((SIGNATURE_HEADER.to_string(), signature.clone()));
        }
        if let Some((num, reason)) = &options.retry {
            headers.push(("X-Slack-Retry-Num".to_string(), num.to_string()));
            headers.push(("X-Slack-Retry-Reason".to_string(), reason.clone()));
        }
        headers.extend(options.headers.iter().cloned());
        let sent = SentRequest {
            url: format!("{}{}", self.app_url, prepared.path),
            body: prepared.body.clone(),
            headers,
            timestamp,
            signature,
            trigger_id: prepared.trigger_id.clone(),
            response_url: prepared.response_url.clone(),
        };
        let response = self.transmit(sent).await?;
        if let Some(view_id) = &prepared.view_id {
            self.sim
                .apply_view_submission_answer(view_id, response.status, &response.body);
        }
        Ok(response)
    }

    /// Sends `sent` again, byte for byte (same body, timestamp and signature), as
    /// Slack's retry number `retry_num` for `reason` (`http_timeout`, `http_error`, …).
    pub async fn resend(
        &self,
        sent: &SentRequest,
        retry_num: u32,
        reason: &str,
    ) -> Result<DriverResponse, DriverError> {
        let mut again = sent.clone();
        again.headers.retain(|(n, _)| {
            !n.eq_ignore_ascii_case("X-Slack-Retry-Num")
                && !n.eq_ignore_ascii_case("X-Slack-Retry-Reason")
        });
        again
            .headers
            .push(("X-Slack-Retry-Num".to_string(), retry_num.to_string()));
        again
            .headers
            .push(("X-Slack-Retry-Reason".to_string(), reason.to_string()));
        self.transmit(again).await
    }

    async fn transmit(&self, sent: SentRequest) -> Result<DriverResponse, DriverError> {
        let mut request = self.client.post(&sent.url).body(sent.body.clone());
        for (name, value) in &sent.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await?;
        Ok(DriverResponse {
            status,
            headers,
            body,
            request: sent,
        })
    }

    // ---- one-step helpers ----

    /// `user` types `/command text` in `channel`.
    pub async fn command(
        &self,
        user: &str,
        channel: &str,
        command: &str,
        text: &str,
    ) -> Result<DriverResponse, DriverError> {
        let prepared = self.prepare_command(user, channel, command, text)?;
        self.send(&prepared).await
    }

    /// `user` runs the global shortcut `callback_id`.
    pub async fn shortcut(
        &self,
        user: &str,
        callback_id: &str,
    ) -> Result<DriverResponse, DriverError> {
        let prepared = self.prepare_shortcut(user, callback_id)?;
        self.send(&prepared).await
    }

    /// `user` runs the message shortcut `callback_id` on message `ts`.
    pub async fn message_action(
        &self,
        user: &str,
        channel: &str,
        ts: &str,
        callback_id: &str,
    ) -> Result<DriverResponse, DriverError> {
        let prepared = self.prepare_message_action(user, channel, ts, callback_id)?;
        self.send(&prepared).await
    }

    /// `user` clicks `action_id` in message `ts`.
    pub async fn block_action(
        &self,
        user: &str,
        channel: &str,
        ts: &str,
        action_id: &str,
        value: Option<&str>,
    ) -> Result<DriverResponse, DriverError> {
        let prepared = self.prepare_block_action(user, channel, ts, action_id, value)?;
        self.send(&prepared).await
    }

    /// `user` submits the open modal `view` (id or callback id) with `values`.
    pub async fn submit_view(
        &self,
        user: &str,
        view: &str,
        values: &ViewValues,
    ) -> Result<DriverResponse, DriverError> {
        let prepared = self.prepare_view_submission(user, view, values)?;
        self.send(&prepared).await
    }

    /// Sends an Events API callback with `event` inside.
    pub async fn event(&self, event: Value) -> Result<DriverResponse, DriverError> {
        let prepared = self.prepare_event(event);
        self.send(&prepared).await
    }

    // ---- people acting in the simulator (these cause event deliveries) ----

    fn act(&self, user: &str, method: &str, params: Value) -> Result<Value, DriverError> {
        self.sim
            .act(user, method, params)
            .map_err(|error| DriverError::Api {
                method: method.to_string(),
                error,
            })
    }

    /// `user` posts `text` in `channel` (or in the thread `thread_ts`); returns its ts.
    pub fn post_as(
        &self,
        user: &str,
        channel: &str,
        text: &str,
        thread_ts: Option<&str>,
    ) -> Result<String, DriverError> {
        let mut params = json!({"channel": channel, "text": text});
        if let Some(thread) = thread_ts {
            params["thread_ts"] = json!(thread);
        }
        let body = self.act(user, "chat.postMessage", params)?;
        Ok(body["ts"].as_str().unwrap_or_default().to_string())
    }

    /// `user` reacts with `:name:` to message `ts`.
    pub fn react(
        &self,
        user: &str,
        channel: &str,
        ts: &str,
        name: &str,
    ) -> Result<(), DriverError> {
        self.act(
            user,
            "reactions.add",
            json!({"channel": channel, "timestamp": ts, "name": name}),
        )
        .map(|_| ())
    }

    /// `user` removes their `:name:` reaction.
    pub fn unreact(
        &self,
        user: &str,
        channel: &str,
        ts: &str,
        name: &str,
    ) -> Result<(), DriverError> {
        self.act(
            user,
            "reactions.remove",
            json!({"channel": channel, "timestamp": ts, "name": name}),
        )
        .map(|_| ())
    }

    /// `user` pins message `ts`.
    pub fn pin(&self, user: &str, channel: &str, ts: &str) -> Result<(), DriverError> {
        self.act(
            user,
            "pins.add",
            json!({"channel": channel, "timestamp": ts}),
        )
        .map(|_| ())
    }

    /// `user` unpins message `ts`.
    pub fn unpin(&self, user: &str, channel: &str, ts: &str) -> Result<(), DriverError> {
        self.act(
            user,
            "pins.remove",
            json!({"channel": channel, "timestamp": ts}),
        )
        .map(|_| ())
    }
}
