//! The ports the worker drives after storing: effects of events, answers to people.

use crate::bus::CommandEnvelope;
use crate::domain::{Incident, Recorded};
use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
pub enum EffectError {
    /// Try again later (the command is redelivered and the effect retried).
    #[error("{0}")]
    Transient(String),
    /// Will never work; recorded and reported, not retried.
    #[error("{0}")]
    Permanent(String),
}

/// Something done because an event happened: publish it, tell Slack, page someone.
/// Must be idempotent per (event, effect name): it can run more than once.
#[async_trait]
pub trait Effect: Send + Sync {
    fn name(&self) -> &'static str;
    async fn run(&self, incident: &Incident, event: &Recorded) -> Result<(), EffectError>;

    /// Whether it runs for incident events (and is stored as owed with each one). An
    /// effect that only handles notices says no and costs no write per event.
    fn handles_events(&self) -> bool {
        true
    }

    /// A command about no incident (a quarantine note): done here, or not this
    /// effect's business. Must be idempotent per envelope: it can run more than once.
    async fn notice(&self, _envelope: &CommandEnvelope) -> Result<(), EffectError> {
        Ok(())
    }
}

/// What the person who asked is told when the worker can't do what they asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    Refused(String),
}

#[async_trait]
pub trait Responder: Send + Sync {
    /// Best effort: a lost answer must never fail the command.
    async fn answer(&self, envelope: &CommandEnvelope, answer: &Answer);

    /// Tells the incident's people that an effect failed for good (a pager refused the
    /// page, say), so they act by hand; the incident goes on. Logs by default.
    async fn report_failure(&self, incident: &Incident, effect: &str, why: &str) {
        tracing::warn!(incident = %incident.id, effect, %why, "effect failed permanently");
    }
}

/// For commands nobody waits on (timers, mail) and deployments without chat: the
/// refusal is logged, which is where an operator looks for it.
#[derive(Clone, Copy, Debug, Default)]
pub struct LogResponder;

#[async_trait]
impl Responder for LogResponder {
    async fn answer(&self, envelope: &CommandEnvelope, answer: &Answer) {
        let Answer::Refused(reason) = answer;
        tracing::info!(command = %envelope.id, %reason, "refused; nobody to tell");
    }
}
