//! Events API delivery: when a person acts through the Web API, the simulator wraps the
//! matching event in Slack's `event_callback` envelope, signs it and POSTs it to the
//! app's events URL. Deliveries go through one queue and one worker task per simulator,
//! so the app sees them in the order they happened, without holding up the API answer.
//! A delivery the app does not answer 2xx within 3 seconds is redelivered as Slack does:
//! up to 3 times (immediately, after 1 minute, after 5 minutes; a compressed schedule in
//! local mode and tests) with `X-Slack-Retry-Num` and `X-Slack-Retry-Reason`. An error
//! answer carrying `X-Slack-No-Retry: 1` is not retried; a timeout always is.

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

/// When Slack gives up waiting, and when it redelivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redelivery {
    /// How long the app has to answer 2xx (Slack: 3 seconds).
    pub timeout: Duration,
    /// The delays before retries 1, 2 and 3 (Slack: immediately, 1 minute, 5 minutes).
    pub schedule: [Duration; 3],
}

impl Redelivery {
    /// Slack's own schedule.
    pub fn slack() -> Redelivery {
        Redelivery {
            timeout: Duration::from_secs(3),
            schedule: [
                Duration::ZERO,
                Duration::from_secs(60),
                Duration::from_secs(300),
            ],
        }
    }

    /// Slack's schedule with minutes turned into seconds (immediately, 1 s, 5 s) and
    /// Slack's 3-second timeout: for local mode.
    pub fn compressed() -> Redelivery {
        Redelivery {
            timeout: Duration::from_secs(3),
            schedule: [
                Duration::ZERO,
                Duration::from_secs(1),
                Duration::from_secs(5),
            ],
        }
    }
}

impl Default for Redelivery {
    fn default() -> Self {
        Redelivery::slack()
    }
}

/// One signed POST to make.
#[derive(Debug, Clone)]
struct Job {
    url: String,
    body: Vec<u8>,
    event_id: String,
    event_type: String,
    /// 0 for the first delivery, then Slack's retry number.
    retry_num: u32,
    retry_reason: Option<String>,
}

/// The delivery queue of one simulator.
#[derive(Debug)]
pub(crate) struct EventQueue {
    sender: Mutex<Option<mpsc::UnboundedSender<Job>>>,
    pending: watch::Sender<usize>,
    client: Option<reqwest::Client>,
    secret: String,
    redelivery: Redelivery,
}

impl EventQueue {
    pub(crate) fn new(secret: String, redelivery: Redelivery) -> EventQueue {
        let client = reqwest::Client::builder()
            .timeout(redelivery.timeout)
            .build()
            .ok();
        EventQueue {
            sender: Mutex::new(None),
            pending: watch::Sender::new(0),
            client,
            secret,
            redelivery,
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
            retry_num: 0,
            retry_reason: None,
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
                tx.clone(),
                Arc::clone(state_handle),
                client,
                self.secret.clone(),
                self.redelivery.clone(),
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
        retry_num: job.retry_num,
        retry_reason: job.retry_reason,
    });
}

async fn worker(
    mut rx: mpsc::UnboundedReceiver<Job>,
    retries: mpsc::UnboundedSender<Job>,
    state: Arc<Mutex<State>>,
    client: reqwest::Client,
    secret: String,
    redelivery: Redelivery,
    pending: watch::Sender<usize>,
) {
    while let Some(job) = rx.recv().await {
        let timestamp = crate::ids::now_secs();
        let signature = sign(&secret, timestamp, &job.body);
        let started = std::time::Instant::now();
        let mut request = client
            .post(&job.url)
            .header("content-type", "application/json")
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(job.body.clone());
        if let Some(reason) = &job.retry_reason {
            request = request
                .header("X-Slack-Retry-Num", job.retry_num.to_string())
                .header("X-Slack-Retry-Reason", reason.as_str());
        }
        let result = request.send().await;
        // Why Slack would retry, if it would.
        let (status, error, retry_because) = match result {
            Ok(response) => {
                let status = response.status().as_u16();
                let no_retry = response
                    .headers()
                    .get("x-slack-no-retry")
                    .and_then(|v| v.to_str().ok())
                    == Some("1");
                // Read the body so the connection can be reused.
                let _ = response.bytes().await;
                let retry = (!(200..300).contains(&status) && !no_retry).then_some("http_error");
                (Some(status), None, retry)
            }
            Err(err) if err.is_timeout() => (None, Some(err.to_string()), Some("http_timeout")),
            Err(err) if err.is_connect() => {
                (None, Some(err.to_string()), Some("connection_failed"))
            }
            Err(err) => (None, Some(err.to_string()), Some("unknown_error")),
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
                event_id: job.event_id.clone(),
                event_type: job.event_type.clone(),
                url: job.url.clone(),
                status,
                error,
                elapsed_ms,
                at: crate::now_rfc3339(),
                retry_num: job.retry_num,
                retry_reason: job.retry_reason.clone(),
            });
        }
        if let Some(reason) = retry_because
            && let Some(delay) = redelivery.schedule.get(job.retry_num as usize).copied()
        {
            let retry = Job {
                retry_num: job.retry_num + 1,
                retry_reason: Some(reason.to_string()),
                ..job
            };
            pending.send_modify(|n| *n += 1);
            let retries = retries.clone();
            let pending = pending.clone();
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                if retries.send(retry).is_err() {
                    pending.send_modify(|n| *n = n.saturating_sub(1));
                }
            });
        }
        pending.send_modify(|n| *n = n.saturating_sub(1));
    }
}
