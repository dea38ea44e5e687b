//! Who may do what to an incident. Pure: the worker finds out the facts it is asked
//! for (channel membership, the incident-manager group) and this decides.

use super::command::Command;
use super::ids::Actor;
use super::incident::Incident;
use super::role::Role;

/// Who may run a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone in the workspace: declare, acknowledge, accept a report, capture.
    Anyone,
    /// The incident channel's members (role holders and the reporter count).
    Members,
    /// The coordinator or an incident manager; while nobody coordinates, any member.
    Coordinator,
}

/// The configured rules, by command name (`Command::name`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessPolicy {
    pub members: Vec<String>,
    pub coordinator: Vec<String>,
    /// The Slack user group (`S…`) of incident managers, who may do anything.
    pub managers: Option<String>,
}

/// The commands a configuration may restrict (`Command::name`).
pub const GUARDED: &[&str] = &[
    "acknowledge",
    "update",
    "status",
    "severity",
    "role",
    "escalate",
    "impact",
    "resolve",
    "close",
    "accept",
    "decline",
    "capture",
    "uncapture",
    "snooze",
    "postmortem",
    "merge",
    "link",
    "action",
    "ticket",
    "statuspage",
    "audit",
    "edit",
    "service",
];

/// Commands open to the channel's members unless configured otherwise: the ones that
/// change where the incident stands, or what the public and the pagers see. Updates,
/// captures, links and action items stay open to anyone who can reach them.
pub const MEMBERS_DEFAULT: &[&str] = &[
    "status",
    "severity",
    "role",
    "escalate",
    "impact",
    "resolve",
    "statuspage",
    "merge",
    "audit",
    "edit",
    "service",
];
/// Commands reserved to the coordinator unless configured otherwise.
pub const COORDINATOR_DEFAULT: &[&str] = &["close", "decline"];

impl Default for AccessPolicy {
    fn default() -> Self {
        Self {
            members: MEMBERS_DEFAULT.iter().map(|s| (*s).to_owned()).collect(),
            coordinator: COORDINATOR_DEFAULT
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            managers: None,
        }
    }
}

impl AccessPolicy {
    pub fn required(&self, command: &Command) -> Access {
        let name = command.name();
        if self.coordinator.iter().any(|c| c == name) {
            Access::Coordinator
        } else if self.members.iter().any(|c| c == name) {
            Access::Members
        } else {
            Access::Anyone
        }
    }
}

/// What the worker must find out before `authorize` can answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Questions {
    /// Is the person in the incident's channel?
    pub member: bool,
    /// Is the person in the incident-manager group?
    pub manager: bool,
}

/// The answers to `Questions` (unasked ones stay false).
pub type Standing = Questions;

/// Only what the rule needs, so most commands cost no lookup at all.
pub fn questions(
    inc: &Incident,
    actor: &Actor,
    access: Access,
    policy: &AccessPolicy,
) -> Questions {
    let Some(user) = actor.user_id() else {
        return Questions::default();
    };
    let has_group = policy.managers.is_some();
    // A private incident is its people's: a stranger must be found in its channel or
    // the manager group, whatever the command.
    if inc.private && !inc.involves(user) {
        return Questions {
            member: true,
            manager: has_group,
        };
    }
    match access {
        Access::Anyone => Questions::default(),
        Access::Members if inc.involves(user) => Questions::default(),
        Access::Members => Questions {
            member: true,
            manager: has_group,
        },
        Access::Coordinator => match inc.roles.holder(Role::Coordinator) {
            Some(c) if c == user => Questions::default(),
            Some(_) => Questions {
                member: false,
                manager: has_group,
            },
            // Nobody coordinates: its people may, with no lookup; others if found.
            None if inc.involves(user) => Questions::default(),
            None => Questions {
                member: true,
                manager: has_group,
            },
        },
    }
}

/// `Err` says, for the person refused, who may do it.
pub fn authorize(
    inc: &Incident,
    command: &Command,
    actor: &Actor,
    access: Access,
    standing: Standing,
    policy: &AccessPolicy,
) -> Result<(), String> {
    // Flare itself and mail senders act through rules of their own.
    let Some(user) = actor.user_id() else {
        return Ok(());
    };
    let managers = policy
        .managers
        .as_deref()
        .map(|g| format!(" or an incident manager (<!subteam^{g}>)"))
        .unwrap_or_default();
    let what = doing(command);
    let member = standing.member || inc.involves(user);
    // Someone who can't see a private incident learns nothing of it, not even that it
    // exists: the refusal is the one for a missing incident.
    if inc.private && !member && !standing.manager {
        return Err(super::DomainError::NotFound.to_string());
    }
    match access {
        Access::Anyone => Ok(()),
        Access::Members if member || standing.manager => Ok(()),
        Access::Members => Err(format!(
            "Only people in the incident's channel{managers} can {what}. Join the channel first."
        )),
        Access::Coordinator => match inc.roles.holder(Role::Coordinator) {
            Some(c) if c == user || standing.manager => Ok(()),
            Some(c) => Err(format!(
                "Only the coordinator (<@{c}>){managers} can {what}."
            )),
            // Nobody coordinates yet (a fresh triage report): the people on it decide.
            None if member || standing.manager => Ok(()),
            None => Err(format!(
                "Only the coordinator{managers} can {what}; nobody coordinates yet, so anyone in the incident's channel can."
            )),
        },
    }
}

/// The command as the end of "Only … can ___".
fn doing(command: &Command) -> &'static str {
    match command {
        Command::Close => "close the incident",
        Command::DeclineTriage { .. } => "decline the report",
        Command::Resolve { .. } => "resolve the incident",
        Command::SetStatus { .. } => "change the status",
        Command::SetSeverity { .. } => "change the severity",
        Command::AssignRole { .. } => "assign roles",
        Command::Escalate { .. } => "escalate",
        Command::MergeInto { .. } => "merge the incident",
        Command::PostUpdate { .. } => "post updates",
        Command::Edit(_) => "edit the incident",
        Command::ChangeServices { .. } => "change the affected services",
        _ => "do that",
    }
}
