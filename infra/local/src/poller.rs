//! Polls the command queue in moto and hands batches to the worker, as Lambda's SQS
//! event source mapping does (partial batch failures are left on the queue).

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::MessageSystemAttributeName;
use flare::worker::{BatchRecord, Worker, handle_batch};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// One message handed to the worker, in the order they were handed over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// The envelope's idempotency key (`id`), empty if the body didn't parse.
    pub command_id: String,
    /// The FIFO message group (the incident, or `declare-…`).
    pub group: String,
    /// SQS's sequence number (the order the queue accepted the message in; moto makes
    /// up random ones).
    pub sequence_number: String,
    /// When the queue accepted the message (epoch milliseconds).
    pub sent_timestamp: u64,
    /// How many times SQS has handed this message out (1 on the first delivery).
    pub receive_count: u32,
}

/// Every delivery so far, shared between pollers (a restarted worker appends).
pub type Deliveries = Arc<Mutex<Vec<Delivery>>>;

pub struct Poller {
    sqs: Client,
    queue_url: String,
    busy: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Poller {
    pub fn start(
        sqs: Client,
        queue_url: String,
        worker: Arc<Worker>,
        deliveries: Deliveries,
    ) -> Self {
        let busy = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn(run(
            sqs.clone(),
            queue_url.clone(),
            worker,
            busy.clone(),
            deliveries,
        ));
        Self {
            sqs,
            queue_url,
            busy,
            task,
        }
    }

    /// Nothing queued, nothing in flight.
    pub async fn idle(&self) -> bool {
        if self.busy.load(Ordering::SeqCst) > 0 {
            return false;
        }
        let attrs = self
            .sqs
            .get_queue_attributes()
            .queue_url(&self.queue_url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(
                aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
            )
            .send()
            .await;
        let Ok(attrs) = attrs else { return false };
        let count = |name| {
            attrs
                .attributes()
                .and_then(|a| a.get(&name))
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        count(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages) == 0
            && count(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
                == 0
            && self.busy.load(Ordering::SeqCst) == 0
    }

    pub fn stop(&self) {
        self.task.abort();
    }

    /// The polling task has ended (after [`Poller::stop`]): nothing it received is
    /// still being applied.
    pub fn stopped(&self) -> bool {
        self.task.is_finished()
    }
}

async fn run(
    sqs: Client,
    queue_url: String,
    worker: Arc<Worker>,
    busy: Arc<AtomicUsize>,
    deliveries: Deliveries,
) {
    loop {
        busy.fetch_add(1, Ordering::SeqCst);
        let received = sqs
            .receive_message()
            .queue_url(&queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(0)
            // Short, so a failed command is retried soon in local mode.
            .visibility_timeout(3)
            .message_system_attribute_names(MessageSystemAttributeName::MessageGroupId)
            .message_system_attribute_names(MessageSystemAttributeName::SequenceNumber)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
            .send()
            .await;
        let messages = match received {
            Ok(out) => out.messages.unwrap_or_default(),
            Err(e) => {
                tracing::warn!(error = %aws_sdk_sqs::error::DisplayErrorContext(e), "polling the command queue");
                Vec::new()
            }
        };
        if messages.is_empty() {
            busy.fetch_sub(1, Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        }
        let records: Vec<BatchRecord> = messages
            .iter()
            .map(|m| BatchRecord {
                message_id: m.message_id.clone().unwrap_or_default(),
                group_id: m
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::MessageGroupId))
                    .cloned(),
                body: m.body.clone().unwrap_or_default(),
            })
            .collect();
        record_deliveries(&deliveries, &messages);
        let failed = handle_batch(&worker, &records).await;
        for m in &messages {
            let id = m.message_id.clone().unwrap_or_default();
            if failed.contains(&id) {
                continue;
            }
            if let Some(handle) = &m.receipt_handle
                && let Err(e) = sqs
                    .delete_message()
                    .queue_url(&queue_url)
                    .receipt_handle(handle)
                    .send()
                    .await
            {
                tracing::warn!(error = %aws_sdk_sqs::error::DisplayErrorContext(e), "deleting a processed command");
            }
        }
        busy.fetch_sub(1, Ordering::SeqCst);
    }
}

fn record_deliveries(deliveries: &Deliveries, messages: &[aws_sdk_sqs::types::Message]) {
    let attribute = |m: &aws_sdk_sqs::types::Message, name: MessageSystemAttributeName| {
        m.attributes()
            .and_then(|a| a.get(&name))
            .cloned()
            .unwrap_or_default()
    };
    let mut log = deliveries.lock().unwrap_or_else(|e| e.into_inner());
    for m in messages {
        let command_id = serde_json::from_str::<serde_json::Value>(m.body().unwrap_or_default())
            .ok()
            .and_then(|v| v.get("id").and_then(|id| id.as_str()).map(str::to_owned))
            .unwrap_or_default();
        log.push(Delivery {
            command_id,
            group: attribute(m, MessageSystemAttributeName::MessageGroupId),
            sequence_number: attribute(m, MessageSystemAttributeName::SequenceNumber),
            sent_timestamp: attribute(m, MessageSystemAttributeName::SentTimestamp)
                .parse()
                .unwrap_or(0),
            receive_count: attribute(m, MessageSystemAttributeName::ApproximateReceiveCount)
                .parse()
                .unwrap_or(0),
        });
    }
}
