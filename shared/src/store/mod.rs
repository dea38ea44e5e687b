//! Persistence of incidents, their timelines and the indexes around them.
//!
//! One DynamoDB table (see `docs/architecture.md`): the incident's `META` and its new
//! events are written in one transaction conditioned on the version, so two writers
//! can never both succeed, and nothing is written half.

pub mod catalog;
mod dynamo;
pub mod files;
mod keys;
pub mod listing;
pub mod mail_desk;

pub use dynamo::DynamoStore;

use crate::domain::{AuditEntry, Incident, IncidentId, Recorded};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// What a command left behind, keyed by its idempotency key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Applied: these versions of this incident are its events (possibly none).
    Applied {
        incident: IncidentId,
        versions: Vec<u64>,
    },
    /// Refused by the domain; the reason was told to the requester.
    Rejected { reason: String },
}

/// One atomic change: the incident's new state, its new events and the command's
/// idempotency record.
#[derive(Clone, Debug)]
pub struct Commit<'a> {
    /// The version the change was decided on (0 for a declaration).
    pub expected_version: u64,
    pub incident: &'a Incident,
    pub events: &'a [Recorded],
    /// Effects every new event still owes (the outbox), e.g. `["publish", "slack"]`.
    pub effects: &'a [&'a str],
    pub dedup_key: &'a str,
    /// When the reminders next look at it; `None` with `open` = never due.
    pub next_due: Option<DateTime<Utc>>,
    /// The severity rank its listing card goes under (`None`: not listed, it is over).
    pub listed: Option<usize>,
    /// Where its card was before this change (`None`: new, or it was not listed).
    pub listed_before: Option<usize>,
}

/// A stored event and the effects it still owes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent {
    pub record: Recorded,
    pub pending: Vec<String>,
}

/// An entry of the open-incident index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenIncident {
    pub id: IncidentId,
    pub due: Option<DateTime<Utc>>,
}

/// The small lookup tables that point at an incident.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Index {
    /// Slack channel id → incident.
    Channel,
    /// Mail `Message-ID` → incident (replies join their incident).
    MailThread,
    /// A page's dedup key → incident (the pagers' webhooks name only the page).
    Page,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Someone else wrote the incident first: reload, decide again.
    #[error("the incident changed while this command was decided")]
    Conflict,
    /// A declaration's name is already used by another incident: pick the next one.
    #[error("the incident name is taken")]
    NameTaken,
    /// The command was applied by an earlier delivery.
    #[error("the command was already applied")]
    AlreadyApplied,
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// Anything from DynamoDB that may work if tried again.
    #[error("DynamoDB: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait IncidentStore: Send + Sync {
    async fn load(&self, id: &IncidentId) -> Result<Option<Incident>, StoreError>;
    /// Events with `version >= from`, in order.
    async fn events(&self, id: &IncidentId, from: u64) -> Result<Vec<StoredEvent>, StoreError>;
    async fn commit(&self, commit: Commit<'_>) -> Result<(), StoreError>;
    async fn outcome(&self, dedup_key: &str) -> Result<Option<Outcome>, StoreError>;
    /// Records a refusal so a redelivery is answered from the record, not decided again.
    async fn reject(&self, dedup_key: &str, reason: &str) -> Result<(), StoreError>;
    async fn effect_done(
        &self,
        id: &IncidentId,
        version: u64,
        effect: &str,
    ) -> Result<(), StoreError>;
    /// Idempotent: the first writer of a key wins; returns the incident it points at.
    async fn put_index(
        &self,
        index: Index,
        key: &str,
        id: &IncidentId,
    ) -> Result<IncidentId, StoreError>;
    async fn get_index(&self, index: Index, key: &str) -> Result<Option<IncidentId>, StoreError>;
    /// Re-points a key from one incident to another (a merge); a no-op if it already
    /// points at `to`, refused (Conflict) if it points elsewhere.
    async fn move_index(
        &self,
        index: Index,
        key: &str,
        from: &IncidentId,
        to: &IncidentId,
    ) -> Result<(), StoreError>;
    /// Claims a one-off key (a Slack retry, a double click) for `ttl`; false if taken.
    async fn claim(
        &self,
        key: &str,
        ttl: chrono::Duration,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// What adapters remember about an incident outside its events (Slack channel id,
    /// card and announcement timestamps, posted messages), by key.
    async fn refs(
        &self,
        id: &IncidentId,
    ) -> Result<std::collections::HashMap<String, String>, StoreError>;
    async fn set_ref(&self, id: &IncidentId, key: &str, value: &str) -> Result<(), StoreError>;
    /// Open incidents due at or before `now`, soonest first.
    async fn due(&self, now: DateTime<Utc>, limit: i32) -> Result<Vec<OpenIncident>, StoreError>;
    /// Every open (not closed, not declined) incident.
    async fn open(&self) -> Result<Vec<OpenIncident>, StoreError>;
    /// Marks `id` as owing effects that failed for now (Slack or a pager down): the
    /// reminders' sweep sends it a `Resume` at `at`. Test doubles without a sweep keep
    /// the default.
    async fn schedule_resume(
        &self,
        _id: &IncidentId,
        _at: DateTime<Utc>,
        _attempts: u32,
    ) -> Result<(), StoreError> {
        Ok(())
    }
    /// Everything it owed is done: no more sweeps.
    async fn clear_resume(&self, _id: &IncidentId) -> Result<(), StoreError> {
        Ok(())
    }
    /// Incidents whose resume is due at or before `now`, soonest first.
    async fn unfinished(
        &self,
        _now: DateTime<Utc>,
        _limit: i32,
    ) -> Result<Vec<Unfinished>, StoreError> {
        Ok(Vec::new())
    }
    /// How many resumes an incident has had (0 when none is scheduled).
    async fn resume_attempts(&self, _id: &IncidentId) -> Result<u32, StoreError> {
        Ok(0)
    }
}

/// An incident owing effects, due to be resumed by the sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfinished {
    pub id: IncidentId,
    /// When it is due to be resumed.
    pub at: DateTime<Utc>,
}

/// The audit trail: one entry per command and incident, applied or refused.
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Idempotent: the same command's entry is written again, never twice.
    async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError>;
    /// The incident's entries, oldest first.
    async fn trail(&self, id: &IncidentId) -> Result<Vec<AuditEntry>, StoreError>;
}

/// What `/incident stats` reads: the incidents declared in a month, in bulk.
#[async_trait]
pub trait StatsStore: listing::OpenListing + Send + Sync {
    /// Records the incident under its declaration month (`YYYY-MM`); idempotent.
    async fn add_to_month(&self, month: &str, id: &IncidentId) -> Result<(), StoreError>;
    async fn month(&self, month: &str) -> Result<Vec<IncidentId>, StoreError>;
    /// Several incidents at once (missing ones are left out).
    async fn load_many(&self, ids: &[IncidentId]) -> Result<Vec<Incident>, StoreError>;
}
