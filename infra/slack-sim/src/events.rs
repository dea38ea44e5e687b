//! Events API delivery: when a person acts through the Web API, the simulator wraps the
//! matching event in Slack's `event_callback` envelope, signs it and POSTs it to the
//! app's events URL. Deliveries go through one queue and one worker task per simulator,
//! so the app sees them in the order they happened, without holding up the API answer.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

use crate::config::{APP_ID, TEAM_ID, VERIFICATION_TOKEN};
use crate::model::Delivery;
use crate::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use crate::state::State;

/// Wraps an inner event in the `event_callback` envelope; returns it with its event id.
pub fn envelope(event: Value, bot_user_id: &str) -> (String, Value) {
    let event_id = crate::ids::random_id("Ev", 10);
    let body = json!({
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "context_team_id": TEAM_ID,
        "context_enterprise_id": null,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": crate::ids::now_secs(),
        "authorizations": [{
            "enterprise_id": null,
            "team_id": TEAM_ID,
            "user_id": bot_user_id,
            "is_bot": true,
            "is_enterprise_install": false,
        }],
        "is_ext_shared_channel": false,
        "event_context": format!("4-{}", crate::ids::hex_id(24)),
    });
    (event_id, body)
}

/// One signed POST to make.
#[derive(Debug)]
struct Job {
    url: String,
    body: Vec<u8>,
    event_id: String,
    event_type: String,
}

/// The delivery queue of one simulator.
#[derive(Debug)]
pub(crate) struct EventQueue {
    sender: Mutex<Option<mpsc::UnboundedSender<Job>>>,
    pending: watch::Sender<usize>,
    client: Option<reqwest::Client>,
    secret: String,
}

impl EventQueue {
    pub(crate) fn new(secret: String) -> EventQueue {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .ok();
        EventQueue {
            sender: Mutex::new(None),
            pending: watch::Sender::new(0),
            client,
            secret,
        }
    }

    /// Queues a delivery of `envelope` to `url`; starts the worker on first use (this
    /// needs a Tokio runtime; without one the delivery is recorded as failed).
    pub(crate) fn enqueue(
        &self,
        state_handle: &Arc<Mutex<State>>,
        state: &mut State,
        url: &str,
        event_id: String,
        event_type: String,
        envelope: &Value,
    ) {
        let job = Job {
            url: url.to_string(),
            body: envelope.to_string().into_bytes(),
            event_id,
            event_type,
        };
        let mut sender = self.sender.lock().unwrap_or_else(|e| e.into_inner());
        if sender.is_none() {
            let Some(client) = self.client.clone() else {
                record_failure(state, job, "no HTTP client");
                return;
            };
            let Ok(runtime) = tokio::runtime::Handle::try_current() else {
                record_failure(state, job, "no Tokio runtime to deliver from");
                return;
            };
            let (tx, rx) = mpsc::unbounded_channel();
            runtime.spawn(worker(
                rx,
                Arc::clone(state_handle),
                client,
                self.secret.clone(),
                self.pending.clone(),
            ));
            *sender = Some(tx);
        }
        self.pending.send_modify(|n| *n += 1);
        if let Some(tx) = sender.as_ref()
            && let Err(mpsc::error::SendError(job)) = tx.send(job)
        {
            self.pending.send_modify(|n| *n = n.saturating_sub(1));
            record_failure(state, job, "delivery worker stopped");
        }
    }

    /// Resolves once every queued delivery has been attempted.
    pub(crate) async fn wait_idle(&self) {
        let mut rx = self.pending.subscribe();
        // An error means the sender is gone, so nothing is pending any more.
        let _ = rx.wait_for(|n| *n == 0).await;
    }
}

fn record_failure(state: &mut State, job: Job, why: &str) {
    state.deliveries.push(Delivery {
        event_id: job.event_id,
        event_type: job.event_type,
        url: job.url,
        status: None,
        error: Some(why.to_string()),
        elapsed_ms: None,
        at: crate::now_rfc3339(),
    });
}

async fn worker(
    mut rx: mpsc::UnboundedReceiver<Job>,
    state: Arc<Mutex<State>>,
    client: reqwest::Client,
    secret: String,
    pending: watch::Sender<usize>,
) {
    while let Some(job) = rx.recv().await {
        let timestamp = crate::ids::now_secs();
        let signature = sign(&secret, timestamp, &job.body);
        let started = std::time::Instant::now();
        let result = client
            .post(&job.url)
            .header("content-type", "application/json")
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(job.body)
            .send()
            .await;
        let (status, error) = match result {
            Ok(response) => {
                let status = response.status().as_u16();
                // Read the body so the connection can be reused.
                let _ = response.bytes().await;
                (Some(status), None)
            }
            Err(err) => (None, Some(err.to_string())),
        };
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).ok();
        if let Some(status) = status.filter(|s| !(200..300).contains(s)) {
            tracing::warn!(
                status,
                event = job.event_type,
                "slack-sim: app rejected an event"
            );
        }
        {
            let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
            state.deliveries.push(Delivery {
                event_id: job.event_id,
                event_type: job.event_type,
                url: job.url,
                status,
                error,
                elapsed_ms,
                at: crate::now_rfc3339(),
            });
        }
        pending.send_modify(|n| *n = n.saturating_sub(1));
    }
}
