//! The incident lifecycle and its legal transitions.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Triage,
    Investigating,
    Fixing,
    Monitoring,
    Resolved,
    Closed,
    Declined,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Triage,
        Status::Investigating,
        Status::Fixing,
        Status::Monitoring,
        Status::Resolved,
        Status::Closed,
        Status::Declined,
    ];

    /// The lifecycle: triage → investigating → fixing → monitoring → resolved → closed;
    /// triage → declined; monitoring → fixing (regression); resolved → investigating
    /// (reopen). Skipping ahead is allowed (a fix can land while still investigating),
    /// going back is not, except the two named regressions. Staying put is no transition
    /// (no pattern pairs a status with itself).
    pub fn can_become(self, to: Status) -> bool {
        use Status::*;
        matches!(
            (self, to),
            (
                Triage,
                Investigating | Fixing | Monitoring | Resolved | Declined
            ) | (Investigating, Fixing | Monitoring | Resolved)
                | (Fixing, Monitoring | Resolved)
                | (Monitoring, Fixing | Resolved)
                | (Resolved, Closed | Investigating)
        )
    }

    /// Still being worked on: reminders and the open-incident list care about these.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            Status::Triage | Status::Investigating | Status::Fixing | Status::Monitoring
        )
    }

    /// Nothing more can happen to the incident.
    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Closed | Status::Declined)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Triage => "triage",
            Status::Investigating => "investigating",
            Status::Fixing => "fixing",
            Status::Monitoring => "monitoring",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
            Status::Declined => "declined",
        }
    }

    pub fn emoji(self) -> &'static str {
        match self {
            Status::Triage => ":mag:",
            Status::Investigating => ":male-detective:",
            Status::Fixing => ":hammer_and_wrench:",
            Status::Monitoring => ":eyes:",
            Status::Resolved => ":white_check_mark:",
            Status::Closed => ":lock:",
            Status::Declined => ":no_entry_sign:",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown status `{s}`: use one of investigating, fixing, monitoring, resolved"
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::Status::{self, *};

    /// The whole table, spelled out, so a change to the lifecycle is a visible diff.
    #[test]
    fn every_transition_legal_or_not() {
        let legal = [
            (Triage, Investigating),
            (Triage, Fixing),
            (Triage, Monitoring),
            (Triage, Resolved),
            (Triage, Declined),
            (Investigating, Fixing),
            (Investigating, Monitoring),
            (Investigating, Resolved),
            (Fixing, Monitoring),
            (Fixing, Resolved),
            (Monitoring, Fixing),
            (Monitoring, Resolved),
            (Resolved, Closed),
            (Resolved, Investigating),
        ];
        for from in Status::ALL {
            for to in Status::ALL {
                assert_eq!(
                    from.can_become(to),
                    legal.contains(&(from, to)),
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn terminal_states_go_nowhere() {
        for to in Status::ALL {
            assert!(!Closed.can_become(to));
            assert!(!Declined.can_become(to));
        }
    }

    #[test]
    fn parses_case_insensitively() {
        assert_eq!("Fixing".parse::<Status>(), Ok(Fixing));
        assert!("fixed".parse::<Status>().is_err());
    }
}
