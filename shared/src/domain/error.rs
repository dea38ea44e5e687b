//! Why the domain refused a command, in words for a tired on-call engineer.

use super::status::Status;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("There is no incident here. Declare one with `/incident`.")]
    NotFound,
    #[error("This incident was already declared.")]
    AlreadyDeclared,
    #[error(
        "This incident is {0}; nothing more can change. Declare a new incident if the problem is back."
    )]
    Finished(Status),
    #[error("An incident can't go from {from} to {to}.")]
    IllegalTransition { from: Status, to: Status },
    #[error("This incident is not in triage any more (it is {0}).")]
    NotInTriage(Status),
    #[error("Nothing to change: {0}")]
    Unchanged(String),
    #[error("{0}")]
    Invalid(String),
}
