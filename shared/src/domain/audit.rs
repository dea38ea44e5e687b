//! The audit trail: every command on an incident, applied or refused, with who asked,
//! when, from where, and what came of it.

use super::command::Command;
use super::decide::clip;
use super::ids::{Actor, IncidentId};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub incident: IncidentId,
    /// When Flare received the command.
    pub at: DateTime<Utc>,
    /// Its idempotency key: one entry per command however often it was delivered.
    pub command_id: String,
    /// `Command::name`.
    pub command: String,
    /// The command's arguments, shortened.
    pub detail: String,
    pub actor: Actor,
    /// slack, email, reminders or local.
    pub source: String,
    pub outcome: AuditOutcome,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum AuditOutcome {
    /// Applied as these events (none: it was already so).
    Applied { versions: Vec<u64> },
    /// The domain refused it (illegal, invalid, nothing to change).
    Refused { reason: String },
    /// The person may not do it.
    Denied { reason: String },
}

/// Longest `detail` kept: enough to see what was asked.
const MAX_DETAIL: usize = 300;

impl AuditEntry {
    pub fn new(
        incident: IncidentId,
        at: DateTime<Utc>,
        command_id: &str,
        command: &Command,
        actor: &Actor,
        source: &str,
        outcome: AuditOutcome,
    ) -> Self {
        let detail = serde_json::to_value(command)
            .ok()
            .and_then(|mut v| {
                // The kind is in `command` already.
                v.as_object_mut().map(|o| o.remove("type"));
                serde_json::to_string(&v).ok()
            })
            .filter(|d| d != "{}")
            .unwrap_or_default();
        Self {
            incident,
            at,
            command_id: command_id.to_owned(),
            command: command.name().to_owned(),
            detail: clip(&detail, MAX_DETAIL),
            actor: actor.clone(),
            source: source.to_owned(),
            outcome,
        }
    }
}

fn actor_text(actor: &Actor) -> String {
    match actor {
        Actor::User { id } => id.to_string(),
        Actor::Email { address } => format!("mail:{address}"),
        Actor::System { name } => format!("flare:{name}"),
    }
}

/// RFC 4180 CSV, one row per entry, oldest first, for `/incident audit`: the actor's
/// id, then their name where `name` knows it (a spreadsheet is read outside Slack).
pub fn audit_csv(entries: &[AuditEntry], name: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out =
        String::from("time,actor,actor_name,source,command,outcome,details,reason,command_id\n");
    for e in entries {
        let (outcome, reason, versions) = match &e.outcome {
            AuditOutcome::Applied { versions } if versions.is_empty() => {
                ("applied (no change)", String::new(), String::new())
            }
            AuditOutcome::Applied { versions } => (
                "applied",
                String::new(),
                versions
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            AuditOutcome::Refused { reason } => ("refused", reason.clone(), String::new()),
            AuditOutcome::Denied { reason } => ("denied", reason.clone(), String::new()),
        };
        let detail = if versions.is_empty() {
            e.detail.clone()
        } else {
            format!("{} (events {versions})", e.detail)
                .trim()
                .to_owned()
        };
        let row = [
            e.at.to_rfc3339_opts(SecondsFormat::Millis, true),
            actor_text(&e.actor),
            match &e.actor {
                Actor::User { id } => name(id.as_str()).unwrap_or_default(),
                Actor::Email { address } => address.clone(),
                Actor::System { name } => format!("Flare ({name})"),
            },
            e.source.clone(),
            e.command.clone(),
            outcome.to_owned(),
            detail,
            reason,
            e.command_id.clone(),
        ];
        let cells: Vec<String> = row.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

fn csv_cell(s: &str) -> String {
    // A leading = + - @ makes spreadsheets evaluate the cell: quote it as text.
    let formula = s.starts_with(['=', '+', '-', '@']);
    if formula || s.contains([',', '"', '\n', '\r']) {
        let inner = if formula {
            format!("'{s}")
        } else {
            s.to_owned()
        };
        format!("\"{}\"", inner.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UserId;

    fn entry(command: Command, outcome: AuditOutcome) -> AuditEntry {
        AuditEntry::new(
            IncidentId::parse("20240122-honest-rhino").unwrap(),
            DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            "slash#1",
            &command,
            &Actor::user(UserId::parse("U0ALICE").unwrap()),
            "slack",
            outcome,
        )
    }

    #[test]
    fn csv_rows_say_who_what_and_how_it_ended() {
        let names = |id: &str| (id == "U0ALICE").then(|| "Alice Archer".to_owned());
        let csv = audit_csv(
            &[
                entry(
                    Command::PostUpdate {
                        text: "db, \"primary\" failed over".into(),
                    },
                    AuditOutcome::Applied { versions: vec![4] },
                ),
                entry(
                    Command::Acknowledge,
                    AuditOutcome::Applied { versions: vec![] },
                ),
                entry(
                    Command::Close,
                    AuditOutcome::Denied {
                        reason: "Only the coordinator (<@U0BOB>) can close the incident.".into(),
                    },
                ),
            ],
            &names,
        );
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(
            lines[1],
            r#"2023-11-14T22:13:20.000Z,U0ALICE,Alice Archer,slack,update,applied,"{""text"":""db, \""primary\"" failed over""} (events 4)",,slash#1"#
        );
        // Accepted, but it changed nothing (a second acknowledgement): no events.
        assert_eq!(
            lines[2],
            "2023-11-14T22:13:20.000Z,U0ALICE,Alice Archer,slack,acknowledge,applied (no change),,,slash#1"
        );
        assert_eq!(
            lines[3],
            "2023-11-14T22:13:20.000Z,U0ALICE,Alice Archer,slack,close,denied,,Only the coordinator (<@U0BOB>) can close the incident.,slash#1"
        );
    }

    #[test]
    fn spreadsheet_formulas_are_quoted_as_text() {
        assert_eq!(csv_cell("=HYPERLINK(1)"), "\"'=HYPERLINK(1)\"");
        assert_eq!(csv_cell("plain"), "plain");
    }
}
