//! The SQS FIFO adapter of [`CommandQueue`].

use super::{BusError, CommandEnvelope, CommandQueue};
use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::DisplayErrorContext;

#[derive(Clone, Debug)]
pub struct SqsCommandQueue {
    client: Client,
    queue_url: String,
}

impl SqsCommandQueue {
    pub fn new(client: Client, queue_url: impl Into<String>) -> Self {
        Self {
            client,
            queue_url: queue_url.into(),
        }
    }
}

#[async_trait]
impl CommandQueue for SqsCommandQueue {
    async fn send(&self, envelope: &CommandEnvelope) -> Result<(), BusError> {
        let body = serde_json::to_string(envelope).map_err(|e| BusError(e.to_string()))?;
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .message_group_id(envelope.group_id())
            .message_deduplication_id(envelope.deduplication_id())
            .send()
            .await
            .map_err(|e| BusError(DisplayErrorContext(e).to_string()))?;
        Ok(())
    }
}
