//! Item keys and attribute names of the single table.

use crate::domain::IncidentId;
use chrono::{DateTime, SecondsFormat, Utc};

pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const META: &str = "META";
/// Adapter references (Slack ids and timestamps) beside the incident.
pub const REFS: &str = "REFS";
pub const GSI1: &str = "gsi1";
pub const GSI1_PK: &str = "gsi1pk";
pub const GSI1_SK: &str = "gsi1sk";
pub const OPEN: &str = "OPEN";
/// An incident owing effects that failed for now: the sweep resumes it (sparse, on gsi1).
pub const RESUME: &str = "RESUME";
pub const TTL: &str = "ttl";
/// Sorts after every timestamp: open incidents with nothing due.
pub const NEVER: &str = "~never";

pub fn incident(id: &IncidentId) -> String {
    format!("INC#{id}")
}

pub fn event(version: u64) -> String {
    format!("EV#{version:010}")
}

/// Audit entries sort by time, then command, beside the incident's events.
pub const AUDIT_PREFIX: &str = "AUDIT#";

pub fn audit(at: DateTime<Utc>, command_id: &str) -> String {
    format!(
        "{AUDIT_PREFIX}{}#{command_id}",
        at.to_rfc3339_opts(SecondsFormat::Millis, true)
    )
}

pub fn dedup(key: &str) -> String {
    format!("DEDUP#{key}")
}

pub fn channel(channel: &str) -> String {
    format!("CHAN#{channel}")
}

pub fn mail(message_id: &str) -> String {
    format!("MAIL#{message_id}")
}

pub fn page(dedup_key: &str) -> String {
    format!("PAGE#{dedup_key}")
}

/// Fixed-width UTC so lexical order is time order, with the id to keep keys unique.
pub fn due(at: Option<DateTime<Utc>>, id: &IncidentId) -> String {
    match at {
        Some(t) => format!("{}#{id}", t.to_rfc3339_opts(SecondsFormat::Millis, true)),
        None => format!("{NEVER}#{id}"),
    }
}

pub fn due_bound(now: DateTime<Utc>) -> String {
    // `$` sorts after `#`, so every key with this exact timestamp is included.
    format!("{}$", now.to_rfc3339_opts(SecondsFormat::Millis, true))
}
