//! Commands: what someone asks to happen to an incident.

use super::capture::{CaptureKind, CapturedMessage};
use super::due::ReminderPolicy;
use super::ids::{IncidentId, UserId};
use super::role::{Role, Roles};
use super::severity::Severity;
use super::status::Status;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    Declare(Box<Declaration>),
    Acknowledge,
    PostUpdate {
        text: String,
    },
    SetStatus {
        status: Status,
        #[serde(default)]
        summary: Option<String>,
    },
    SetSeverity {
        severity: Severity,
    },
    AssignRole {
        role: Role,
        user: UserId,
    },
    Escalate {
        target: EscalationTarget,
    },
    SetImpact {
        edge: ImpactEdge,
        at: DateTime<Utc>,
    },
    Resolve {
        #[serde(default)]
        summary: Option<String>,
    },
    Close,
    AcceptTriage {
        severity: Severity,
    },
    DeclineTriage {
        reason: String,
    },
    Capture {
        kind: CaptureKind,
        message: CapturedMessage,
    },
    Uncapture {
        kind: CaptureKind,
        channel: String,
        ts: String,
    },
    /// From the reminders' tick: nudge whatever is due as of `due` (the index's time,
    /// so a worker whose clock is a little behind still sees it as due).
    Remind {
        due: DateTime<Utc>,
        policy: Box<ReminderPolicy>,
    },
    /// Pause reminders.
    Snooze {
        minutes: u32,
    },
    /// Draft (or redraft) the postmortem from the timeline now.
    RequestPostmortem,
    /// This triage report is about an incident that already exists: fold it in there.
    MergeInto {
        target: IncidentId,
    },
    /// A customer ticket, dashboard or any page worth keeping with the incident.
    AddLink {
        url: String,
        #[serde(default)]
        label: Option<String>,
    },
    /// `/incident call <url>`: where responders talk (a Zoom or Meet link).
    SetCall {
        url: String,
    },
    /// A follow-up to do after the incident.
    AddAction {
        text: String,
        #[serde(default)]
        owner: Option<UserId>,
    },
    /// Turn action item `number` into a ticket in the tracker.
    RequestTicket {
        number: u32,
    },
    /// Publish (or update) the public status page incident, with an optional message,
    /// under a public title (kept for later publishes) at a status (by default the
    /// incident's; `Fixing` is Statuspage's `identified`).
    PublishStatus {
        #[serde(default)]
        message: Option<String>,
        #[serde(default)]
        title: Option<String>,
        #[serde(default)]
        status: Option<Status>,
    },
    /// Send the requester the incident's audit trail as a file.
    ExportAudit,
    /// Timeline entries of an incident merged into this one, with their original
    /// times (sent by the merge effect in parts, so each fits in a queue message).
    Absorb {
        from: IncidentId,
        title: String,
        part: u32,
        entries: Vec<MovedEntry>,
    },
    /// Finish the effects the incident still owes (sent by the reminders' sweep after
    /// Slack or a pager failed for a while). Changes nothing in the incident.
    Resume,
    /// The tracker made the ticket (sent by the ticket effect).
    LinkTicket {
        number: u32,
        key: String,
        url: String,
    },
    /// A mail held back from triage: no incident; the worker's quarantine effect posts
    /// the note in the triage channel, once per mail (sent without an incident).
    Quarantine(Box<super::quarantine::QuarantineNote>),
    /// Someone opened Flare's Home tab: the worker's Slack effect publishes it for them,
    /// after Slack's request was answered (sent without an incident).
    PublishHome {
        user: super::ids::UserId,
    },
    /// `/incident stats`: the worker's stats effect counts the incidents of the last
    /// `days` the person may see and answers them (sent without an incident).
    Stats {
        days: u32,
        format: StatsFormat,
    },
    /// `/incident mail`: what became of the mail to the triage address in the last
    /// `days` that opened nothing (ignored or quarantined), counted by reason; answered
    /// by the worker (sent without an incident).
    MailLog {
        days: u32,
    },
    /// An incident manager's button on a quarantine note: open the held mail as a
    /// triage incident, or allow its sender from now on (sent without an incident).
    ReleaseQuarantine {
        /// The note's key ([`super::quarantine::QuarantineNote::key`]).
        key: String,
        action: ReleaseAction,
    },
    /// `/incident edit` (the form) or a quick form (`title`, `customer`): the fields
    /// given change, the rest stays.
    Edit(Box<Edit>),
    /// `/incident service add|remove`: services now affected, or no longer.
    ChangeServices {
        #[serde(default)]
        add: Vec<String>,
        #[serde(default)]
        remove: Vec<String>,
    },
    /// A pager took a page (sent by the paging effect after the vendor answered).
    RecordPage(Box<PageNote>),
    /// The pager says a page was acknowledged or resolved there (its signed webhook).
    PagerUpdate {
        /// The page's dedup key (PagerDuty `incident_key`, Opsgenie `alias`).
        key: String,
        state: PagerState,
        /// Who did it there, as the pager names them.
        #[serde(default)]
        by: Option<String>,
    },
}

/// What an edit changes; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub impact: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// A customer id; `Some("")` clears it.
    #[serde(default)]
    pub customer: Option<String>,
    /// The whole list of affected services (the form sends all of them).
    #[serde(default)]
    pub services: Option<Vec<String>>,
}

/// A page as the pager took it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageNote {
    /// The dedup key the pager knows the page by.
    pub key: String,
    /// `pagerduty` or `opsgenie`.
    pub vendor: String,
    /// Who was paged, as people say it: `Checkout API on-call`.
    pub label: String,
    #[serde(default)]
    pub service: Option<String>,
}

/// A pager as people know it (`pagerduty` → PagerDuty).
pub fn pager_name(vendor: &str) -> &str {
    match vendor {
        "pagerduty" => "PagerDuty",
        "opsgenie" => "Opsgenie",
        other => other,
    }
}

/// Where a page stands at the pager.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PagerState {
    Acknowledged,
    Resolved,
}

/// What a quarantine note's button asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseAction {
    /// *Open as triage incident*: the mail is declared as if it had been allowed.
    Open,
    /// *Allow this sender*: the address joins the allow-list kept in the table.
    Allow,
}

/// How `/incident stats` answers: a summary, the JSON figures, or a CSV file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatsFormat {
    Text,
    Json,
    Csv,
}

impl Command {
    /// Never about an incident: the worker hands it to its effects' `notice`.
    pub fn is_notice(&self) -> bool {
        matches!(
            self,
            Command::Quarantine(_)
                | Command::PublishHome { .. }
                | Command::Stats { .. }
                | Command::MailLog { .. }
                | Command::ReleaseQuarantine { .. }
        )
    }

    /// A short name for logs and the audit trail.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Declare(_) => "declare",
            Command::Acknowledge => "acknowledge",
            Command::PostUpdate { .. } => "update",
            Command::SetStatus { .. } => "status",
            Command::SetSeverity { .. } => "severity",
            Command::AssignRole { .. } => "role",
            Command::Escalate { .. } => "escalate",
            Command::SetImpact { .. } => "impact",
            Command::Resolve { .. } => "resolve",
            Command::Close => "close",
            Command::AcceptTriage { .. } => "accept",
            Command::DeclineTriage { .. } => "decline",
            Command::Capture { .. } => "capture",
            Command::Uncapture { .. } => "uncapture",
            Command::Remind { .. } => "remind",
            Command::Snooze { .. } => "snooze",
            Command::RequestPostmortem => "postmortem",
            Command::MergeInto { .. } => "merge",
            Command::AddAction { .. } => "action",
            Command::AddLink { .. } => "link",
            Command::SetCall { .. } => "call",
            Command::PublishStatus { .. } => "statuspage",
            Command::RequestTicket { .. } => "ticket",
            Command::LinkTicket { .. } => "ticket-linked",
            Command::Absorb { .. } => "absorb",
            Command::ExportAudit => "audit",
            Command::Resume => "resume",
            Command::Quarantine(_) => "quarantine",
            Command::PublishHome { .. } => "home",
            Command::Stats { .. } => "stats",
            Command::MailLog { .. } => "mail",
            Command::ReleaseQuarantine {
                action: ReleaseAction::Open,
                ..
            } => "quarantine-open",
            Command::ReleaseQuarantine {
                action: ReleaseAction::Allow,
                ..
            } => "quarantine-allow",
            Command::Edit(_) => "edit",
            Command::ChangeServices { .. } => "service",
            Command::RecordPage(_) => "paged",
            Command::PagerUpdate { .. } => "pager",
        }
    }
}

/// A timeline entry moving from a merged incident, as it was recorded there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovedEntry {
    pub at: DateTime<Utc>,
    pub actor: super::ids::Actor,
    pub event: super::event::Event,
}

/// Everything known when an incident is declared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declaration {
    pub title: String,
    pub severity: Severity,
    #[serde(default)]
    pub impact: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub services: Vec<String>,
    #[serde(default)]
    pub customer: Option<String>,
    /// Starts in `triage` (mail, unconfirmed alerts) instead of `investigating`.
    #[serde(default)]
    pub triage: bool,
    #[serde(default)]
    pub private: bool,
    #[serde(default)]
    pub page_oncall: bool,
    /// Roles chosen in the modal; the reporter is an operations engineer by default.
    #[serde(default)]
    pub roles: Roles,
    /// When customers started to notice, if earlier than the declaration.
    #[serde(default)]
    pub impact_started_at: Option<DateTime<Utc>>,
    /// The alert or customer message the incident was declared from.
    #[serde(default)]
    pub source_message: Option<CapturedMessage>,
    /// Files of a mailed report, stored by the e-mail function, to share in the channel.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<MailFile>,
}

/// An attachment of a mailed report, kept in the inbound bucket until it is shared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailFile {
    /// As the sender named it (one line, raw).
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub bucket: String,
    pub key: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum EscalationTarget {
    /// The coordinator on-call rotation.
    Coordinators,
    /// The incident manager on-call.
    IncidentManager,
    /// A named person.
    User { id: UserId },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImpactEdge {
    Start,
    End,
}
