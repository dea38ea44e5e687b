//! What the public status page says: Statuspage's words for Flare's statuses, and
//! which component status each stage of the lifecycle shows (configurable, so a fix
//! being monitored no longer reads as a major outage).

use super::status::Status;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The public incident statuses in Statuspage's words, for Flare's statuses:
/// investigating (and triage) → `investigating`, fixing → `identified`, monitoring →
/// `monitoring`, resolved and after → `resolved`.
pub fn public_word(status: Status) -> &'static str {
    match status {
        Status::Triage | Status::Investigating => "investigating",
        Status::Fixing => "identified",
        Status::Monitoring => "monitoring",
        Status::Resolved | Status::Closed | Status::Declined => "resolved",
    }
}

/// The Flare status a public status word stands for (`identified` → fixing).
pub fn from_public_word(word: &str) -> Option<Status> {
    match word {
        "investigating" => Some(Status::Investigating),
        "identified" => Some(Status::Fixing),
        "monitoring" => Some(Status::Monitoring),
        "resolved" => Some(Status::Resolved),
        _ => None,
    }
}

/// Statuspage's component statuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ComponentStatus {
    Operational,
    DegradedPerformance,
    PartialOutage,
    MajorOutage,
    UnderMaintenance,
}

impl ComponentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ComponentStatus::Operational => "operational",
            ComponentStatus::DegradedPerformance => "degraded_performance",
            ComponentStatus::PartialOutage => "partial_outage",
            ComponentStatus::MajorOutage => "major_outage",
            ComponentStatus::UnderMaintenance => "under_maintenance",
        }
    }
}

impl fmt::Display for ComponentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str().replace('_', " "))
    }
}

/// `statuspage.component_status`: the component status shown at each stage. A stage
/// left out takes the default: investigating and fixing by severity (major outage for
/// critical severities, partial outage otherwise, as before this was configurable),
/// monitoring degraded performance, resolved operational.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ComponentPolicy {
    #[serde(default)]
    pub investigating: Option<ComponentStatus>,
    #[serde(default)]
    pub fixing: Option<ComponentStatus>,
    #[serde(default)]
    pub monitoring: Option<ComponentStatus>,
    #[serde(default)]
    pub resolved: Option<ComponentStatus>,
}

impl ComponentPolicy {
    /// The component status at `status` for an incident whose severity is critical or
    /// not.
    pub fn of(&self, status: Status, critical: bool) -> ComponentStatus {
        let by_severity = if critical {
            ComponentStatus::MajorOutage
        } else {
            ComponentStatus::PartialOutage
        };
        match status {
            Status::Triage | Status::Investigating => self.investigating.unwrap_or(by_severity),
            Status::Fixing => self.fixing.unwrap_or(by_severity),
            Status::Monitoring => self
                .monitoring
                .unwrap_or(ComponentStatus::DegradedPerformance),
            Status::Resolved | Status::Closed | Status::Declined => {
                self.resolved.unwrap_or(ComponentStatus::Operational)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_lifecycle_and_the_severity() {
        let p = ComponentPolicy::default();
        assert_eq!(
            p.of(Status::Investigating, true),
            ComponentStatus::MajorOutage
        );
        assert_eq!(
            p.of(Status::Investigating, false),
            ComponentStatus::PartialOutage
        );
        assert_eq!(p.of(Status::Fixing, true), ComponentStatus::MajorOutage);
        // A fix being monitored is not a major outage any more.
        assert_eq!(
            p.of(Status::Monitoring, true),
            ComponentStatus::DegradedPerformance
        );
        assert_eq!(p.of(Status::Resolved, true), ComponentStatus::Operational);
        assert_eq!(p.of(Status::Closed, false), ComponentStatus::Operational);
    }

    #[test]
    fn configured_stages_win_over_the_defaults() {
        let p: ComponentPolicy = serde_json::from_str(
            r#"{"investigating":"major_outage","monitoring":"partial_outage"}"#,
        )
        .unwrap();
        assert_eq!(
            p.of(Status::Investigating, false),
            ComponentStatus::MajorOutage
        );
        assert_eq!(
            p.of(Status::Monitoring, true),
            ComponentStatus::PartialOutage
        );
        // Unset stages keep their defaults.
        assert_eq!(p.of(Status::Fixing, false), ComponentStatus::PartialOutage);
        assert_eq!(p.of(Status::Resolved, true), ComponentStatus::Operational);
        // Statuspage's words only, and only Flare's stages.
        assert!(serde_json::from_str::<ComponentPolicy>(r#"{"fixing":"down"}"#).is_err());
        assert!(
            serde_json::from_str::<ComponentPolicy>(r#"{"identified":"operational"}"#).is_err()
        );
    }

    #[test]
    fn public_words_round_trip() {
        for s in [
            Status::Investigating,
            Status::Fixing,
            Status::Monitoring,
            Status::Resolved,
        ] {
            assert_eq!(from_public_word(public_word(s)), Some(s));
        }
        assert_eq!(public_word(Status::Fixing), "identified");
        assert_eq!(from_public_word("fixing"), None);
    }
}
