//! The message on the command queue.

use crate::domain::{Actor, Command, IncidentId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `{ id, incident, command, actor, source, received_at, reply }`: `id` is the
/// source's idempotency key (Slack event id, view id, trigger id, mail Message-ID).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandEnvelope {
    pub id: String,
    /// The incident it is for; `None` for a declaration (the worker names it).
    #[serde(default)]
    pub incident: Option<IncidentId>,
    pub command: Command,
    pub actor: Actor,
    pub source: Source,
    pub received_at: DateTime<Utc>,
    /// Where to answer the person who asked, if someone is waiting.
    #[serde(default)]
    pub reply: Option<ReplyTo>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Slack,
    Email,
    Reminders,
    Local,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyTo {
    #[serde(default)]
    pub response_url: Option<String>,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
}

impl CommandEnvelope {
    /// FIFO group: one incident's commands are applied in order; declarations are
    /// grouped by their own key (no incident exists yet).
    pub fn group_id(&self) -> String {
        match &self.incident {
            Some(id) => id.to_string(),
            None => format!("declare-{}", short_hash(&self.id)),
        }
    }

    /// FIFO deduplication id (≤128 chars, restricted alphabet): a hash of the key.
    pub fn deduplication_id(&self) -> String {
        short_hash(&self.id)
    }
}

fn short_hash(s: &str) -> String {
    let digest = Sha256::digest(s.as_bytes());
    digest.iter().take(20).map(|b| format!("{b:02x}")).collect()
}
