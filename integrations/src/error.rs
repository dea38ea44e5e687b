//! The one error every adapter returns: worth retrying later, or not.

/// Mirrors the worker's `EffectError`: transient failures are redelivered, permanent
/// ones are reported in the incident channel.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntegrationError {
    /// Rate limited, 5xx, network trouble, a secret store outage: try again later.
    #[error("{0}")]
    Transient(String),
    /// The vendor refused the request (bad key, invalid body, missing config).
    #[error("{0}")]
    Permanent(String),
}

impl IntegrationError {
    pub fn is_transient(&self) -> bool {
        matches!(self, IntegrationError::Transient(_))
    }
}

impl From<IntegrationError> for flare::worker::EffectError {
    fn from(e: IntegrationError) -> Self {
        match e {
            IntegrationError::Transient(m) => flare::worker::EffectError::Transient(m),
            IntegrationError::Permanent(m) => flare::worker::EffectError::Permanent(m),
        }
    }
}
