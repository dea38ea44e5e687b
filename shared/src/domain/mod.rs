//! The incident domain: pure data and decisions, no I/O, no AWS or Slack types.
//!
//! `decide(incident, command, actor, now) -> events` and `Incident::apply(event)` are
//! the whole behaviour; everything else in Flare moves commands in and events out.

mod audit;
mod capture;
mod command;
mod decide;
mod due;
mod durations;
mod error;
mod event;
mod ids;
mod incident;
mod merge;
pub mod name;
mod permission;
mod public;
mod quarantine;
mod role;
mod severity;
mod status;
mod words;

pub use audit::{AuditEntry, AuditOutcome, audit_csv};
pub use capture::{CaptureKey, CaptureKind, CapturedMessage};
pub use command::{
    Command, Declaration, Edit, EscalationTarget, ImpactEdge, MailFile, MovedEntry, PageNote,
    PagerState, ReleaseAction, StatsFormat, pager_name,
};
pub use decide::{MAX_PUBLIC_TITLE, MAX_TEXT, MAX_TITLE, clip, decide};
pub use due::{ReminderKind, ReminderPolicy, ReminderState, Timers, due_now, next_due};
pub use durations::{Durations, human as human_duration};
pub use error::DomainError;
pub use event::{Detail, Event, Recorded};
pub use ids::{Actor, IncidentId, UserId};
pub use incident::{ActionItem, Incident, PageInfo};
pub use merge::{check_merge, movable};
pub use permission::{
    Access, AccessPolicy, COORDINATOR_DEFAULT, GUARDED, MEMBERS_DEFAULT, Questions, Standing,
    authorize, questions,
};
pub use public::{ComponentPolicy, ComponentStatus, from_public_word, public_word};
pub use quarantine::QuarantineNote;
pub use role::{Role, Roles};
pub use severity::{Severity, SeverityLevel, SeverityScale};
pub use status::Status;

#[cfg(test)]
mod model_tests;
#[cfg(test)]
mod tests;
