//! Messaging: Commands travel on the SQS FIFO queue, events leave on EventBridge.

pub mod dead_letters;
mod envelope;
mod eventbridge;
mod sqs;

pub use envelope::{CommandEnvelope, ReplyTo, Source};
pub use eventbridge::{EVENT_SOURCE, EventBridgePublisher, EventDetail};
pub use sqs::SqsCommandQueue;

use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BusError(pub String);

/// Where Commands are sent to be applied by the worker.
#[async_trait]
pub trait CommandQueue: Send + Sync {
    async fn send(&self, envelope: &CommandEnvelope) -> Result<(), BusError>;
}
