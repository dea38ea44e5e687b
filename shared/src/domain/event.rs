//! Events: what happened. The stored events are the incident's timeline.

use super::capture::{CaptureKind, CapturedMessage};
use super::command::{Declaration, EscalationTarget, ImpactEdge, PageNote};
use super::due::ReminderKind;
use super::ids::{Actor, IncidentId, UserId};
use super::role::Role;
use super::severity::Severity;
use super::status::Status;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Declared(Box<Declaration>),
    Acknowledged,
    UpdatePosted {
        text: String,
    },
    StatusChanged {
        from: Status,
        to: Status,
        #[serde(default)]
        summary: Option<String>,
    },
    SeverityChanged {
        from: Severity,
        to: Severity,
    },
    RoleAssigned {
        role: Role,
        user: UserId,
        #[serde(default)]
        previous: Option<UserId>,
    },
    Escalated {
        target: EscalationTarget,
    },
    ImpactSet {
        edge: ImpactEdge,
        at: DateTime<Utc>,
    },
    Captured {
        kind: CaptureKind,
        message: CapturedMessage,
    },
    CaptureWithdrawn {
        kind: CaptureKind,
        channel: String,
        ts: String,
    },
    /// A nudge from the reminders; `nth` is 1, or 2 for a triage incident's second
    /// nudge (the escalation).
    Reminded {
        kind: ReminderKind,
        nth: u32,
    },
    /// Reminders paused until this time.
    Snoozed {
        until: DateTime<Utc>,
    },
    /// Someone asked for the postmortem draft now (the postmortem function listens).
    PostmortemRequested,
    /// This report was folded into another incident (it is declined next).
    MergedInto {
        target: IncidentId,
    },
    /// Another incident (a duplicate) was merged into this one; its entries follow.
    MergedFrom {
        from: IncidentId,
        title: String,
    },
    /// An entry of a merged incident, at its original time and by its original actor.
    Absorbed {
        from: IncidentId,
        at: DateTime<Utc>,
        actor: Actor,
        event: Box<Event>,
    },
    /// Someone asked for the audit trail (it is sent to them as a file).
    AuditRequested,
    /// The call responders join was set.
    CallSet {
        url: String,
    },
    /// A link (customer ticket, dashboard) was attached.
    LinkAdded {
        url: String,
        label: String,
    },
    /// A public update was published on the status page at this status.
    StatusPublished {
        status: Status,
        #[serde(default)]
        message: Option<String>,
    },
    /// Action item `number` (from 1) was recorded.
    ActionAdded {
        number: u32,
        text: String,
        #[serde(default)]
        owner: Option<UserId>,
    },
    /// Someone asked for action item `number` to become a ticket.
    TicketRequested {
        number: u32,
    },
    /// Action item `number` is tracked as `key` at `url`.
    TicketLinked {
        number: u32,
        key: String,
        url: String,
    },
    /// A detail written at declaration changed (`/incident edit`, `title`, `customer`).
    DetailEdited {
        field: Detail,
        from: String,
        to: String,
    },
    /// A service is affected now: its owners are invited, its on-call paged if critical.
    ServiceAdded {
        service: String,
    },
    ServiceRemoved {
        service: String,
    },
    /// Someone was paged (the pager took it).
    Paged(Box<PageNote>),
    /// The pager says this page was acknowledged there.
    PageAcknowledged {
        key: String,
        #[serde(default)]
        by: Option<String>,
    },
    /// The pager says this page was resolved there (the incident goes on).
    PageResolved {
        key: String,
        #[serde(default)]
        by: Option<String>,
    },
}

/// The details an edit can change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Detail {
    Title,
    Impact,
    Description,
    Customer,
    /// The title the public status page shows (a private incident's own title never
    /// goes there).
    PublicTitle,
}

impl std::fmt::Display for Detail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Detail::Title => "title",
            Detail::Impact => "customer impact",
            Detail::Description => "description",
            Detail::Customer => "customer",
            Detail::PublicTitle => "public title",
        })
    }
}

impl Event {
    /// The EventBridge `detail-type`. Resolution and closing get names of their own
    /// because other functions subscribe to exactly those.
    pub fn detail_type(&self) -> &'static str {
        match self {
            Event::Declared(_) => "IncidentDeclared",
            Event::Acknowledged => "IncidentAcknowledged",
            Event::UpdatePosted { .. } => "IncidentUpdatePosted",
            Event::StatusChanged {
                to: Status::Resolved,
                ..
            } => "IncidentResolved",
            Event::StatusChanged {
                to: Status::Closed, ..
            } => "IncidentClosed",
            Event::StatusChanged {
                to: Status::Declined,
                ..
            } => "IncidentDeclined",
            Event::StatusChanged { .. } => "IncidentStatusChanged",
            Event::SeverityChanged { .. } => "IncidentSeverityChanged",
            Event::RoleAssigned { .. } => "IncidentRoleAssigned",
            Event::Escalated { .. } => "IncidentEscalated",
            Event::ImpactSet { .. } => "IncidentImpactSet",
            Event::Captured { .. } => "IncidentMessageCaptured",
            Event::CaptureWithdrawn { .. } => "IncidentCaptureWithdrawn",
            Event::Reminded { .. } => "IncidentReminded",
            Event::Snoozed { .. } => "IncidentRemindersSnoozed",
            Event::PostmortemRequested => "PostmortemRequested",
            Event::MergedInto { .. } => "IncidentMerged",
            Event::MergedFrom { .. } => "IncidentMergedFrom",
            Event::AuditRequested => "IncidentAuditRequested",
            Event::Absorbed { .. } => "IncidentEntryAbsorbed",
            Event::ActionAdded { .. } => "IncidentActionAdded",
            Event::LinkAdded { .. } => "IncidentLinkAdded",
            Event::CallSet { .. } => "IncidentCallSet",
            Event::StatusPublished { .. } => "IncidentStatusPublished",
            Event::TicketRequested { .. } => "IncidentTicketRequested",
            Event::TicketLinked { .. } => "IncidentTicketLinked",
            Event::DetailEdited { .. } => "IncidentEdited",
            Event::ServiceAdded { .. } => "IncidentServiceAdded",
            Event::ServiceRemoved { .. } => "IncidentServiceRemoved",
            Event::Paged(_) => "IncidentPaged",
            Event::PageAcknowledged { .. } => "IncidentPageAcknowledged",
            Event::PageResolved { .. } => "IncidentPageResolved",
        }
    }
}

/// An event as stored: numbered, timed and attributed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    pub incident_id: IncidentId,
    /// 1 for the declaration, then contiguous.
    pub version: u64,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    /// The command that produced it (its idempotency key).
    pub command_id: String,
    pub event: Event,
}
