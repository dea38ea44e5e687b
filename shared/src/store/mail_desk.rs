//! What the triage address keeps beside the incidents: the log of mail that opened
//! nothing (ignored or quarantined, for `/incident mail`), the quarantine notes the
//! buttons act on, and the senders incident managers allowed from Slack.

use super::StoreError;
use crate::domain::QuarantineNote;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// How long the log and the notes are kept: a month of looking back.
pub const KEEP_DAYS: i64 = 30;

/// One mail that opened nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailLogEntry {
    /// The mail's deduplication key: the same mail sent again is one entry.
    pub key: String,
    pub at: DateTime<Utc>,
    /// `ignored` or `quarantined`.
    pub outcome: String,
    /// `auto_reply`, `bounce`, `list`, … for ignored mail; `quarantined` otherwise.
    pub kind: String,
    pub reason: String,
    /// The sender's domain only: enough to see a bounce storm's source.
    pub sender_domain: String,
    /// Clipped, raw (escaped where shown).
    pub subject: String,
}

/// A quarantine note as posted, for its buttons.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptNote {
    pub note: QuarantineNote,
    /// Where the note was posted (channel id and `ts`), to update it once acted on.
    pub channel: Option<String>,
    pub ts: Option<String>,
    /// Who opened it as a triage incident, and who allowed its sender (user ids).
    #[serde(default)]
    pub opened_by: Option<String>,
    #[serde(default)]
    pub allowed_by: Option<String>,
}

#[async_trait]
pub trait MailDesk: Send + Sync {
    /// Senders (`a@b.c` or `@domain`) allowed from Slack, besides the configuration's.
    async fn allowed_senders(&self) -> Result<Vec<String>, StoreError>;
    /// Adds one (a set: adding twice keeps one).
    async fn allow_sender(&self, sender: &str) -> Result<(), StoreError>;
    /// Records a mail that opened nothing; the same key again overwrites its entry.
    async fn log_mail(&self, entry: &MailLogEntry) -> Result<(), StoreError>;
    /// The entries of one UTC day.
    async fn mail_log(&self, day: NaiveDate) -> Result<Vec<MailLogEntry>, StoreError>;
    async fn keep_note(&self, note: &KeptNote, now: DateTime<Utc>) -> Result<(), StoreError>;
    async fn note(&self, key: &str) -> Result<Option<KeptNote>, StoreError>;
}
