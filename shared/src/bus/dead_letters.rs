//! The command dead-letter queue, for operators: what is in it, and putting it back.
//!
//! A command lands there after 5 failed deliveries (the queue's `RedrivePolicy`). The
//! DLQ is found from that policy, so only the command queue's URL is needed. Replaying
//! re-sends each command to its incident's FIFO group; the worker's idempotency records
//! make a replay of a command that was applied after all harmless.

use super::{BusError, CommandEnvelope};
use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use chrono::{DateTime, Utc};

/// How long a listed message stays hidden before it is made visible again.
const LIST_VISIBILITY_SECS: i32 = 30;
/// How long a message being replayed is hidden (sent, then deleted, well within it).
const REPLAY_VISIBILITY_SECS: i32 = 120;

/// One dead letter, read without taking it off the queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadLetter {
    /// The command, if the body still reads as one.
    pub envelope: Option<CommandEnvelope>,
    /// The body as stored (for a body that doesn't read).
    pub body: String,
    /// The FIFO group (the incident, or `declare-…`).
    pub group: Option<String>,
    /// When it was first sent to the command queue.
    pub first_sent: Option<DateTime<Utc>>,
    /// Deliveries so far (5 on the command queue, plus any listing since).
    pub receives: u32,
}

impl DeadLetter {
    /// One line for a terminal: when, incident, command, key.
    pub fn line(&self) -> String {
        let when = self
            .first_sent
            .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_else(|| "?".into());
        match &self.envelope {
            Some(env) => format!(
                "{when}  {}  {}  {}  (received {} times)",
                env.incident
                    .as_ref()
                    .map_or("(declaration)".to_owned(), ToString::to_string),
                env.command.name(),
                env.id,
                self.receives
            ),
            None => format!(
                "{when}  {}  unreadable body ({} bytes)",
                self.group.as_deref().unwrap_or("?"),
                self.body.len()
            ),
        }
    }
}

/// What a replay did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Replayed {
    pub sent: usize,
    /// Left in the DLQ: not for the incident asked about, or unreadable.
    pub left: usize,
}

pub struct DeadLetters {
    client: Client,
    queue_url: String,
    dlq_url: String,
}

fn err(e: impl std::error::Error) -> BusError {
    BusError(DisplayErrorContext(e).to_string())
}

impl DeadLetters {
    /// The command queue and the DLQ its redrive policy names.
    pub async fn of_queue(client: Client, queue_url: &str) -> Result<DeadLetters, BusError> {
        let attrs = client
            .get_queue_attributes()
            .queue_url(queue_url)
            .attribute_names(QueueAttributeName::RedrivePolicy)
            .send()
            .await
            .map_err(err)?;
        let policy = attrs
            .attributes()
            .and_then(|a| a.get(&QueueAttributeName::RedrivePolicy))
            .ok_or_else(|| BusError(format!("{queue_url} has no dead-letter queue")))?;
        let arn = serde_json::from_str::<serde_json::Value>(policy)
            .ok()
            .and_then(|p| p["deadLetterTargetArn"].as_str().map(str::to_owned))
            .ok_or_else(|| BusError(format!("unreadable redrive policy: {policy}")))?;
        // arn:aws:sqs:<region>:<account>:<name>
        let mut parts = arn.rsplitn(2, ':');
        let (name, rest) = (parts.next().unwrap_or_default(), parts.next());
        let account = rest.and_then(|r| r.rsplit(':').next()).unwrap_or_default();
        let dlq = client
            .get_queue_url()
            .queue_name(name)
            .queue_owner_aws_account_id(account)
            .send()
            .await
            .map_err(err)?;
        let dlq_url = dlq
            .queue_url
            .ok_or_else(|| BusError(format!("no URL for {arn}")))?;
        Ok(DeadLetters {
            client,
            queue_url: queue_url.to_owned(),
            dlq_url,
        })
    }

    pub fn dlq_url(&self) -> &str {
        &self.dlq_url
    }

    /// How many commands the DLQ holds, as SQS counts them (approximate).
    pub async fn count(&self) -> Result<u64, BusError> {
        let attrs = self
            .client
            .get_queue_attributes()
            .queue_url(&self.dlq_url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .map_err(err)?;
        let get = |n: QueueAttributeName| {
            attrs
                .attributes()
                .and_then(|a| a.get(&n))
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        Ok(get(QueueAttributeName::ApproximateNumberOfMessages)
            + get(QueueAttributeName::ApproximateNumberOfMessagesNotVisible))
    }

    /// Up to `max` dead letters, left in the queue (made visible again at once).
    /// A FIFO queue hides a group's later messages while one is out, so a listing can
    /// show fewer than [`Self::count`]; a replay takes them all.
    pub async fn list(&self, max: usize) -> Result<Vec<DeadLetter>, BusError> {
        let mut out = Vec::new();
        let mut handles = Vec::new();
        let result = async {
            while out.len() < max {
                let batch = self.receive(LIST_VISIBILITY_SECS).await?;
                if batch.is_empty() {
                    break;
                }
                for (letter, handle) in batch {
                    out.push(letter);
                    handles.push(handle);
                }
            }
            Ok::<(), BusError>(())
        }
        .await;
        // Back to visible, whatever happened: listing must not hold anything back.
        self.release(handles).await;
        result?;
        out.truncate(max);
        Ok(out)
    }

    /// Sends the dead letters back to the command queue (only those of `incident`, if
    /// given) and deletes each once sent. Unreadable bodies stay.
    pub async fn replay(&self, incident: Option<&str>) -> Result<Replayed, BusError> {
        let mut done = Replayed::default();
        let mut kept = Vec::new();
        loop {
            let batch = self.receive(REPLAY_VISIBILITY_SECS).await?;
            if batch.is_empty() {
                break;
            }
            for (letter, handle) in batch {
                let wanted = letter.envelope.as_ref().is_some_and(|env| {
                    incident.is_none_or(|i| env.incident.as_ref().is_some_and(|x| x.as_str() == i))
                });
                let Some(env) = letter.envelope.as_ref().filter(|_| wanted) else {
                    done.left += 1;
                    kept.push(handle);
                    continue;
                };
                self.client
                    .send_message()
                    .queue_url(&self.queue_url)
                    .message_body(&letter.body)
                    .message_group_id(env.group_id())
                    // A new deduplication id: the original may still be inside SQS's
                    // 5-minute window, which would drop the replay silently.
                    .message_deduplication_id(format!(
                        "{}-r{}",
                        env.deduplication_id(),
                        letter.receives
                    ))
                    .send()
                    .await
                    .map_err(err)?;
                self.client
                    .delete_message()
                    .queue_url(&self.dlq_url)
                    .receipt_handle(handle)
                    .send()
                    .await
                    .map_err(err)?;
                done.sent += 1;
            }
        }
        self.release(kept).await;
        Ok(done)
    }

    /// Makes received messages visible again at once (best effort: at worst they
    /// come back when their visibility timeout ends).
    async fn release(&self, handles: Vec<String>) {
        for handle in handles {
            let _ = self
                .client
                .change_message_visibility()
                .queue_url(&self.dlq_url)
                .receipt_handle(handle)
                .visibility_timeout(0)
                .send()
                .await;
        }
    }

    async fn receive(&self, visibility: i32) -> Result<Vec<(DeadLetter, String)>, BusError> {
        let got = self
            .client
            .receive_message()
            .queue_url(&self.dlq_url)
            .max_number_of_messages(10)
            .visibility_timeout(visibility)
            .wait_time_seconds(0)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .map_err(err)?;
        Ok(got
            .messages
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| {
                let handle = m.receipt_handle.clone()?;
                let attrs = m.attributes.unwrap_or_default();
                let attr = |n: MessageSystemAttributeName| attrs.get(&n).cloned();
                let body = m.body.unwrap_or_default();
                let letter = DeadLetter {
                    envelope: serde_json::from_str(&body).ok(),
                    body,
                    group: attr(MessageSystemAttributeName::MessageGroupId),
                    first_sent: attr(MessageSystemAttributeName::SentTimestamp)
                        .and_then(|t| t.parse::<i64>().ok())
                        .and_then(DateTime::from_timestamp_millis),
                    receives: attr(MessageSystemAttributeName::ApproximateReceiveCount)
                        .and_then(|c| c.parse().ok())
                        .unwrap_or(0),
                };
                Some((letter, handle))
            })
            .collect())
    }
}
