//! [`Simulator`]: the handle tests and the local host hold. It owns the state, serves the
//! axum router, and offers the same things as Rust calls (snapshot, recorded calls,
//! faults, trigger ids and response URLs for the driver, waiting for deliveries).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::{get, post};
use serde_json::Value;

use crate::config::SimConfig;
use crate::events::EventQueue;
use crate::model::{Call, Channel, Delivery, Ephemeral, Fault, Flaky, SimState, User, View};
use crate::params::Params;
use crate::state::{ResponseUrl, State, Trigger};

/// Another name for [`Channel`], as it appears in snapshots.
pub type ChannelSnapshot = Channel;

#[derive(Debug)]
struct Inner {
    config: SimConfig,
    state: Arc<Mutex<State>>,
    events: EventQueue,
}

/// A fake Slack workspace. Cheap to clone; clones share the same state.
#[derive(Debug, Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

impl Simulator {
    /// A simulator with the seeded workspace of `config`.
    pub fn new(mut config: SimConfig) -> Simulator {
        config.base_url = config.base_url.trim_end_matches('/').to_string();
        let state = State::new(&config);
        let events = EventQueue::new(config.signing_secret.clone(), config.redelivery.clone());
        Simulator {
            inner: Arc::new(Inner {
                config,
                state: Arc::new(Mutex::new(state)),
                events,
            }),
        }
    }

    /// Binds `127.0.0.1:0`, sets `base_url` to that address, and serves the router there
    /// in a spawned task. For tests; returns the simulator and its address.
    pub async fn start(mut config: SimConfig) -> std::io::Result<(Simulator, SocketAddr)> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        config.base_url = format!("http://{addr}");
        let sim = Simulator::new(config);
        let router = sim.router();
        tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, router).await {
                tracing::error!(%err, "slack-sim: server stopped");
            }
        });
        Ok((sim, addr))
    }

    /// The routes (all absolute): `/api/{method}`, `/sim/state`, `/sim/calls`,
    /// `/sim/faults`, `/sim/response/{id}`, `/sim/upload/{id}`, the person routes
    /// `/sim/act/*` and `/sim/views`, `/sim/rate-limits`, and `/` (HTML view).
    pub fn router(&self) -> Router {
        Router::new()
            .route("/", get(crate::html::index))
            .route(
                "/api/{*method}",
                get(crate::api::handler).post(crate::api::handler),
            )
            .route("/sim/state", get(crate::routes::state))
            .route(
                "/sim/calls",
                get(crate::routes::calls).delete(crate::routes::clear_calls),
            )
            .route(
                "/sim/faults",
                get(crate::routes::faults)
                    .post(crate::routes::add_fault)
                    .delete(crate::routes::clear_faults),
            )
            .route("/sim/response/{*id}", post(crate::response_url::handler))
            .route("/sim/act/command", post(crate::act::command))
            .route("/sim/act/shortcut", post(crate::act::shortcut))
            .route("/sim/act/submit", post(crate::act::submit))
            .route("/sim/act/click", post(crate::act::click))
            .route("/sim/act/home", post(crate::act::home))
            .route("/sim/views", get(crate::act::views))
            .route(
                "/sim/rate-limits",
                get(crate::act::rate_limits).post(crate::act::set_rate_limits),
            )
            .route("/sim/upload/{id}", post(crate::routes::upload))
            .with_state(self.clone())
    }

    /// The configuration (with `base_url` normalised).
    pub fn config(&self) -> &SimConfig {
        &self.inner.config
    }

    pub(crate) fn state_handle(&self) -> Arc<Mutex<State>> {
        Arc::clone(&self.inner.state)
    }

    pub(crate) fn events(&self) -> &EventQueue {
        &self.inner.events
    }

    /// Runs `f` with the state locked.
    pub(crate) fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut guard = self.inner.state.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }

    /// A snapshot of the whole workspace (what `GET /sim/state` returns).
    pub fn state(&self) -> SimState {
        self.with_state(|s| s.snapshot())
    }

    /// Every Web API call so far.
    pub fn calls(&self) -> Vec<Call> {
        self.with_state(|s| s.calls.clone())
    }

    /// The calls of one method.
    pub fn calls_to(&self, method: &str) -> Vec<Call> {
        self.with_state(|s| {
            s.calls
                .iter()
                .filter(|c| c.method == method)
                .cloned()
                .collect()
        })
    }

    /// Forgets the recorded calls.
    pub fn clear_calls(&self) {
        self.with_state(|s| s.calls.clear());
    }

    /// The channel called `name` (with or without `#`).
    pub fn channel_by_name(&self, name: &str) -> Option<ChannelSnapshot> {
        let name = name.trim_start_matches('#');
        self.with_state(|s| {
            s.channels
                .iter()
                .find(|c| !c.is_im && c.name == name)
                .cloned()
        })
    }

    /// The channel with this id.
    pub fn channel(&self, id: &str) -> Option<ChannelSnapshot> {
        self.with_state(|s| s.channels.iter().find(|c| c.id == id).cloned())
    }

    /// The bot's DM with `user`, if the bot has written to them.
    pub fn dm_with(&self, user: &str) -> Option<ChannelSnapshot> {
        self.with_state(|s| {
            s.channels
                .iter()
                .find(|c| c.is_im && c.name == user)
                .cloned()
        })
    }

    /// The person (or bot) with this id.
    pub fn user(&self, id: &str) -> Option<User> {
        self.with_state(|s| s.user(id).cloned())
    }

    /// Ephemeral messages shown to `user`.
    pub fn ephemeral_for(&self, user: &str) -> Vec<Ephemeral> {
        self.with_state(|s| {
            s.ephemeral
                .iter()
                .filter(|e| e.user == user)
                .cloned()
                .collect()
        })
    }

    /// All views (modals and App Home), oldest first.
    pub fn views(&self) -> Vec<View> {
        self.with_state(|s| s.views.clone())
    }

    /// The most recent view with this `callback_id`.
    pub fn view_by_callback_id(&self, callback_id: &str) -> Option<View> {
        self.with_state(|s| {
            s.views
                .iter()
                .rev()
                .find(|v| v.callback_id == callback_id)
                .cloned()
        })
    }

    /// The view with this id.
    pub fn view(&self, id: &str) -> Option<View> {
        self.with_state(|s| s.views.iter().find(|v| v.id == id).cloned())
    }

    /// Events API deliveries attempted so far.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.with_state(|s| s.deliveries.clone())
    }

    /// Makes the next `fault.count` calls of `fault.method` fail (see [`Fault`]).
    pub fn inject_fault(&self, fault: Fault) {
        if fault.count > 0 {
            self.with_state(|s| s.faults.push(fault));
        }
    }

    /// Faults not yet used up.
    pub fn faults(&self) -> Vec<Fault> {
        self.with_state(|s| s.faults.clone())
    }

    /// From now on a fraction of the HTTP calls of `flaky.method` fail (see [`Flaky`]).
    pub fn inject_flaky(&self, flaky: Flaky) {
        self.with_state(|s| s.flaky.push(flaky));
    }

    /// Rate faults in force, with their counters.
    pub fn flaky(&self) -> Vec<Flaky> {
        self.with_state(|s| s.flaky.clone())
    }

    /// Drops all pending faults, rate faults included.
    pub fn clear_faults(&self) {
        self.with_state(|s| {
            s.faults.clear();
            s.flaky.clear();
        });
    }

    /// Issues a trigger id for `user`: single use, valid for 3 seconds.
    pub fn issue_trigger(&self, user: &str) -> String {
        let id = crate::ids::trigger_id();
        self.with_state(|s| {
            s.triggers.insert(
                id.clone(),
                Trigger {
                    user: user.to_string(),
                    issued: std::time::Instant::now(),
                    used: false,
                },
            );
        });
        id
    }

    /// Issues a `response_url` for `user` in `channel`; `message_ts` is the message an
    /// interaction came from (for `replace_original`/`delete_original`).
    pub fn issue_response_url(
        &self,
        channel: &str,
        user: &str,
        message_ts: Option<&str>,
    ) -> String {
        let id = format!(
            "{}/{}",
            crate::ids::random_id("", 11),
            crate::ids::hex_id(24)
        );
        self.with_state(|s| {
            s.response_urls.insert(
                id.clone(),
                ResponseUrl {
                    channel: channel.to_string(),
                    user: user.to_string(),
                    message_ts: message_ts.map(str::to_string),
                    uses: 0,
                    issued: std::time::Instant::now(),
                },
            );
        });
        format!("{}/sim/response/{id}", self.config().base_url)
    }

    /// Calls a Web API method in-process as the person `user` (like a request with
    /// `Bearer xoxp-<user>`): recorded, and it delivers the events it causes. Answers the
    /// response body on `ok:true`, else the error code. Call it inside a Tokio runtime
    /// when an events URL is set.
    pub fn act(&self, user: &str, method: &str, params: Value) -> Result<Value, String> {
        let reply = self.handle_call(
            method,
            Some(format!("xoxp-{user}")),
            Params::from_value(params),
        );
        split_reply(reply.body)
    }

    /// Calls a Web API method in-process as the bot.
    pub fn call_as_bot(&self, method: &str, params: Value) -> Result<Value, String> {
        let token = self.config().bot_token.clone();
        let reply = self.handle_call(method, Some(token), Params::from_value(params));
        split_reply(reply.body)
    }

    /// Marks a view closed (the person closed the modal).
    pub fn close_view(&self, view_id: &str) {
        self.with_state(|s| {
            if let Some(v) = s.views.iter_mut().find(|v| v.id == view_id) {
                v.open = false;
            }
        });
    }

    /// Applies the app's answer to a `view_submission` of `view_id` as Slack would:
    /// an empty 2xx closes the view; `response_action` `errors` keeps it open, `update`
    /// replaces it, `push` pushes a new view, `clear` closes the whole stack. A view Slack
    /// would refuse is not applied: its problems are returned (the view stays as it was).
    pub fn apply_view_submission_answer(
        &self,
        view_id: &str,
        status: u16,
        body: &str,
    ) -> Vec<String> {
        if !(200..300).contains(&status) {
            return Vec::new();
        }
        let answer: Value = if body.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(body).unwrap_or(Value::Null)
        };
        let action = answer
            .get("response_action")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let new_view = answer.get("view").filter(|v| v.is_object()).cloned();
        if matches!(action.as_str(), "update" | "push")
            && let Some(view) = &new_view
        {
            let problems = crate::methods::check_view(view);
            if !problems.is_empty() {
                return problems;
            }
        }
        let new_view = new_view.map(crate::methods::fill_view_block_ids);
        self.with_state(|s| {
            let Some(index) = s.views.iter().position(|v| v.id == view_id) else {
                return;
            };
            match (action.as_str(), new_view) {
                ("errors", _) => {}
                ("update", Some(view)) => crate::methods::replace_view(&mut s.views[index], view),
                ("push", Some(view)) => {
                    let current = &s.views[index];
                    let root = (current.root_view_id.clone(), current.id.clone());
                    let user = current.user.clone();
                    let pushed = crate::methods::new_view(user, "modal", view, Some(root));
                    s.views.push(pushed);
                }
                ("clear", _) => {
                    let root = s.views[index].root_view_id.clone();
                    for v in s.views.iter_mut().filter(|v| v.root_view_id == root) {
                        v.open = false;
                    }
                }
                _ => s.views[index].open = false,
            }
        });
        Vec::new()
    }

    /// `user` opens the app's Home tab: Slack sends `app_home_opened` (with the Home view
    /// the app published for them, if any). Returns the event id, if an events URL is set.
    pub fn open_home(&self, user: &str) -> Option<String> {
        let ts = crate::ids::format_ts(crate::ids::now_micros());
        self.with_state(|s| {
            let idx = s.im_with(user);
            let channel = s.channels[idx].id.clone();
            let mut event = serde_json::json!({
                "type": "app_home_opened",
                "user": user,
                "channel": channel,
                "tab": "home",
                "event_ts": ts,
            });
            if let Some(home) = s.views.iter().find(|v| v.kind == "home" && v.user == user) {
                event["view"] = crate::shapes::view(home);
            }
            self.deliver(s, "", event)
        })
    }

    /// Whether Slack's rate-limit tiers are on.
    pub fn rate_limits(&self) -> bool {
        self.with_state(|s| s.rate_limits.on)
    }

    /// Switches Slack's rate-limit tiers on or off (counting starts afresh).
    pub fn set_rate_limits(&self, on: bool) {
        self.with_state(|s| s.rate_limits.set(on));
    }

    /// Resolves once every queued event delivery has been attempted.
    pub async fn wait_idle(&self) {
        self.events().wait_idle().await;
    }
}

fn split_reply(body: Value) -> Result<Value, String> {
    if body.get("ok") == Some(&Value::Bool(true)) {
        Ok(body)
    } else {
        Err(body
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or("unknown_error")
            .to_string())
    }
}
