//! Identifiers parsed once at the edge ("parse, don't validate").

use serde::{Deserialize, Serialize};
use std::fmt;

/// An incident's id, which is also its name: `YYYYMMDD-adjective-animal`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IncidentId(String);

impl IncidentId {
    /// Accepts what [`crate::domain::name`] produces: lowercase letters, digits and `-`,
    /// starting with an 8-digit date.
    pub fn parse(s: &str) -> Option<Self> {
        let ok = s.len() >= 12
            && s.len() <= 64
            && s.as_bytes()[..8].iter().all(u8::is_ascii_digit)
            && s.as_bytes().get(8) == Some(&b'-')
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        ok.then(|| Self(s.to_owned()))
    }

    pub(crate) fn new_unchecked(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IncidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Slack user id (`U…` or `W…`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(String);

impl UserId {
    pub fn parse(s: &str) -> Option<Self> {
        let ok = (2..=32).contains(&s.len())
            && matches!(s.as_bytes()[0], b'U' | b'W')
            && s.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        ok.then(|| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who asked for a change. Recorded on every event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// A person in Slack.
    User { id: UserId },
    /// A sender of triage mail.
    Email { address: String },
    /// Flare itself (reminders, timers).
    System { name: String },
}

impl Actor {
    pub fn user(id: UserId) -> Self {
        Self::User { id }
    }

    pub fn system(name: &str) -> Self {
        Self::System {
            name: name.to_owned(),
        }
    }

    pub fn user_id(&self) -> Option<&UserId> {
        match self {
            Self::User { id } => Some(id),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incident_ids_are_channel_safe() {
        assert!(IncidentId::parse("20240122-honest-rhino").is_some());
        assert!(IncidentId::parse("20240122-honest-rhino-2").is_some());
        assert!(IncidentId::parse("2024012-honest-rhino").is_none());
        assert!(IncidentId::parse("20240122-Honest-rhino").is_none());
        assert!(IncidentId::parse("20240122-honest rhino").is_none());
        assert!(IncidentId::parse("").is_none());
        assert!(IncidentId::parse("20240122").is_none());
    }

    #[test]
    fn user_ids() {
        assert!(UserId::parse("U0ALICE").is_some());
        assert!(UserId::parse("W012ABC").is_some());
        assert!(UserId::parse("u0alice").is_none());
        assert!(UserId::parse("<@U0ALICE>").is_none());
        assert!(UserId::parse("U").is_none());
    }
}
