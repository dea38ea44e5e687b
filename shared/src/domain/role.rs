//! Incident roles. The coordinator holds every role not delegated.

use super::ids::UserId;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the response, talks to customers, holds every role not delegated.
    Coordinator,
    /// Debugs and changes systems; there can be several.
    Operations,
    /// Writes updates for customers and stakeholders.
    Communications,
    /// Owns the postmortem after resolution.
    PostmortemOwner,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Coordinator,
        Role::Operations,
        Role::Communications,
        Role::PostmortemOwner,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Coordinator => "coordinator",
            Role::Operations => "operations",
            Role::Communications => "communications",
            Role::PostmortemOwner => "postmortem owner",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "coordinator" | "lead" | "ic" | "commander" => Ok(Role::Coordinator),
            "ops" | "operations" | "engineer" => Ok(Role::Operations),
            "comms" | "communications" => Ok(Role::Communications),
            "postmortem" | "postmortem-owner" | "pm" => Ok(Role::PostmortemOwner),
            other => Err(format!(
                "unknown role `{other}`: use coordinator, ops, comms or postmortem"
            )),
        }
    }
}

/// Who holds which role.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roles {
    pub coordinator: Option<UserId>,
    #[serde(default)]
    pub operations: Vec<UserId>,
    pub communications: Option<UserId>,
    pub postmortem_owner: Option<UserId>,
}

impl Roles {
    /// Whether `user` holds any role.
    pub fn any_held_by(&self, user: &UserId) -> bool {
        Role::ALL.iter().any(|r| self.holds(*r, user))
    }

    pub fn holds(&self, role: Role, user: &UserId) -> bool {
        match role {
            Role::Coordinator => self.coordinator.as_ref() == Some(user),
            Role::Operations => self.operations.contains(user),
            Role::Communications => self.communications.as_ref() == Some(user),
            Role::PostmortemOwner => self.postmortem_owner.as_ref() == Some(user),
        }
    }

    /// Assigning the single-holder roles replaces; operations accumulates.
    pub fn assign(&mut self, role: Role, user: UserId) {
        match role {
            Role::Coordinator => self.coordinator = Some(user),
            Role::Operations => {
                if !self.operations.contains(&user) {
                    self.operations.push(user);
                }
            }
            Role::Communications => self.communications = Some(user),
            Role::PostmortemOwner => self.postmortem_owner = Some(user),
        }
    }

    /// Everyone holding any role, without repeats, coordinator first.
    pub fn people(&self) -> Vec<&UserId> {
        let mut out: Vec<&UserId> = Vec::new();
        let all = self
            .coordinator
            .iter()
            .chain(&self.operations)
            .chain(&self.communications)
            .chain(&self.postmortem_owner);
        for u in all {
            if !out.contains(&u) {
                out.push(u);
            }
        }
        out
    }

    /// The current holder of a single-holder role, if any.
    pub fn holder(&self, role: Role) -> Option<&UserId> {
        match role {
            Role::Coordinator => self.coordinator.as_ref(),
            Role::Operations => self.operations.first(),
            Role::Communications => self.communications.as_ref(),
            Role::PostmortemOwner => self.postmortem_owner.as_ref(),
        }
    }
}
