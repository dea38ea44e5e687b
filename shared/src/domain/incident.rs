//! The incident as a value folded from its events.

use super::capture::CaptureKey;
use super::command::{Declaration, ImpactEdge};
use super::due::{ReminderKind, ReminderState};
use super::event::{Detail, Event, Recorded};
use super::ids::{Actor, IncidentId, UserId};
use super::role::Roles;
use super::severity::Severity;
use super::status::Status;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    pub id: IncidentId,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    pub impact: String,
    pub description: String,
    pub services: Vec<String>,
    pub customer: Option<String>,
    pub private: bool,
    pub page_oncall: bool,
    pub reporter: Actor,
    pub roles: Roles,
    pub declared_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub impact_started_at: Option<DateTime<Utc>>,
    pub impact_ended_at: Option<DateTime<Utc>>,
    /// First time the incident reached monitoring (or resolved without monitoring).
    pub mitigated_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Last time people were told something (declaration, update or status change).
    pub last_update_at: DateTime<Utc>,
    /// When the current status began.
    pub status_since: DateTime<Utc>,
    /// Time of the newest event; new events are never earlier.
    pub updated_at: DateTime<Utc>,
    /// Number of events applied.
    pub version: u64,
    pub captures: Vec<CaptureKey>,
    /// What the reminders already did.
    #[serde(default)]
    pub reminders: ReminderState,
    /// The incident this report was folded into.
    #[serde(default)]
    pub merged_into: Option<IncidentId>,
    /// Follow-ups, numbered from 1.
    #[serde(default)]
    pub actions: Vec<ActionItem>,
    /// Attached links as (label, url).
    #[serde(default)]
    pub links: Vec<(String, String)>,
    /// The status last published on the public status page, if ever.
    #[serde(default)]
    pub published_status: Option<Status>,
    /// The title the status page shows, once someone chose one.
    #[serde(default)]
    pub public_title: Option<String>,
    /// Who was paged, oldest first.
    #[serde(default)]
    pub pages: Vec<PageInfo>,
    /// The first explicit acknowledgement (`ack`, the card's button, an accept, or the
    /// pager's), unlike `acknowledged_at`, which a declaration by a person sets.
    #[serde(default)]
    pub responded_at: Option<DateTime<Utc>>,
    /// Whoever acknowledged first in Slack: nudged when nobody coordinates.
    #[serde(default)]
    pub acknowledged_by: Option<UserId>,
    /// The newest update or status summary: what stakeholders read first.
    #[serde(default)]
    pub latest_update: Option<String>,
    /// The call set with `/incident call` (else the configured one applies).
    #[serde(default)]
    pub call_url: Option<String>,
}

/// A page and what became of it at the pager.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageInfo {
    pub key: String,
    pub vendor: String,
    pub label: String,
    #[serde(default)]
    pub service: Option<String>,
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Acknowledged in Slack by this person…
    #[serde(default)]
    pub acknowledged_by: Option<UserId>,
    /// …or at the pager by someone it names.
    #[serde(default)]
    pub acknowledged_by_name: Option<String>,
    #[serde(default)]
    pub resolved: bool,
}

impl PageInfo {
    /// Still calling people: neither acknowledged nor resolved.
    pub fn is_open(&self) -> bool {
        self.acknowledged_at.is_none() && !self.resolved
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionItem {
    pub number: u32,
    pub text: String,
    #[serde(default)]
    pub owner: Option<super::ids::UserId>,
    #[serde(default)]
    pub ticket_requested: bool,
    /// Tracker key and link once the ticket exists.
    #[serde(default)]
    pub ticket: Option<(String, String)>,
}

impl Incident {
    /// Starts an incident from its first event; `None` unless it is a declaration.
    pub fn from_declared(rec: &Recorded) -> Option<Self> {
        let Event::Declared(d) = &rec.event else {
            return None;
        };
        let Declaration {
            title,
            severity,
            impact,
            description,
            services,
            customer,
            triage,
            private,
            page_oncall,
            roles,
            impact_started_at,
            source_message: _,
            files: _,
        } = d.as_ref().clone();
        let status = if triage {
            Status::Triage
        } else {
            Status::Investigating
        };
        Some(Self {
            id: rec.incident_id.clone(),
            title,
            severity,
            status,
            impact,
            description,
            services,
            customer,
            private,
            page_oncall,
            reporter: rec.actor.clone(),
            roles,
            declared_at: rec.at,
            // A person declaring is already responding; triage waits for someone.
            acknowledged_at: (!triage).then_some(rec.at),
            impact_started_at,
            impact_ended_at: None,
            mitigated_at: None,
            resolved_at: None,
            closed_at: None,
            last_update_at: rec.at,
            status_since: rec.at,
            updated_at: rec.at,
            version: rec.version,
            captures: Vec::new(),
            reminders: ReminderState::default(),
            merged_into: None,
            actions: Vec::new(),
            published_status: None,
            public_title: None,
            links: Vec::new(),
            pages: Vec::new(),
            responded_at: None,
            acknowledged_by: None,
            latest_update: None,
            call_url: None,
        })
    }

    /// Folds one more event in. Events come from `decide`, so they are legal here.
    pub fn apply(&mut self, rec: &Recorded) {
        let at = rec.at;
        match &rec.event {
            Event::Declared(_) => {}
            Event::Acknowledged => {
                self.acknowledged_at.get_or_insert(at);
                self.responded_at.get_or_insert(at);
                if let Some(user) = rec.actor.user_id() {
                    if self.acknowledged_by.is_none() {
                        self.acknowledged_by = Some(user.clone());
                    }
                    // Acknowledging in Slack acknowledges every page still calling.
                    for page in self.pages.iter_mut().filter(|p| p.is_open()) {
                        page.acknowledged_at = Some(at);
                        page.acknowledged_by = Some(user.clone());
                    }
                }
            }
            Event::UpdatePosted { text } => {
                self.last_update_at = at;
                self.latest_update = Some(text.clone());
            }
            Event::StatusChanged { to, summary, .. } => {
                if let Some(s) = summary {
                    self.latest_update = Some(s.clone());
                }
                self.status = *to;
                self.status_since = at;
                self.last_update_at = at;
                match to {
                    Status::Monitoring => {
                        self.mitigated_at.get_or_insert(at);
                    }
                    Status::Resolved => {
                        self.mitigated_at.get_or_insert(at);
                        self.resolved_at = Some(at);
                        // Impact ends with the resolution unless someone said otherwise.
                        if self.impact_started_at.is_some() {
                            self.impact_ended_at.get_or_insert(at);
                        }
                    }
                    Status::Investigating if self.resolved_at.is_some() => {
                        // Reopened: not resolved any more, and an impact end that only
                        // came from the resolution is gone with it.
                        if self.impact_ended_at == self.resolved_at {
                            self.impact_ended_at = None;
                        }
                        self.resolved_at = None;
                    }
                    Status::Closed | Status::Declined => self.closed_at = Some(at),
                    _ => {}
                }
                if !matches!(to, Status::Triage | Status::Declined) {
                    self.acknowledged_at.get_or_insert(at);
                }
            }
            Event::SeverityChanged { to, .. } => self.severity = to.clone(),
            Event::RoleAssigned { role, user, .. } => self.roles.assign(*role, user.clone()),
            Event::Escalated { .. } => {}
            Event::ImpactSet { edge, at } => match edge {
                ImpactEdge::Start => self.impact_started_at = Some(*at),
                ImpactEdge::End => self.impact_ended_at = Some(*at),
            },
            Event::Captured { kind, message } => self.capture(*kind, message),
            Event::Reminded { kind, .. } => match kind {
                ReminderKind::UpdateDue => self.reminders.update_nudged_at = Some(at),
                ReminderKind::CoordinatorMissing => self.reminders.coordinator_nudged = true,
                ReminderKind::TriageUnacknowledged => {
                    self.reminders.triage_nudges = self.reminders.triage_nudges.saturating_add(1)
                }
                ReminderKind::MonitoringWindow => self.reminders.monitoring_asked_at = Some(at),
                ReminderKind::PostmortemDue => self.reminders.postmortem_nudged = true,
            },
            Event::Snoozed { until } => self.reminders.snoozed_until = Some(*until),
            Event::PostmortemRequested => {}
            Event::MergedInto { target } => self.merged_into = Some(target.clone()),
            Event::MergedFrom { .. } | Event::AuditRequested => {}
            Event::Absorbed { event, .. } => match event.as_ref() {
                // Moved captures count as this incident's own (a 🧾 here is a no-op).
                Event::Captured { kind, message } => self.capture(*kind, message),
                Event::LinkAdded { url, label } if !self.links.iter().any(|(_, u)| u == url) => {
                    self.links.push((label.clone(), url.clone()))
                }
                _ => {}
            },
            Event::ActionAdded {
                number,
                text,
                owner,
            } => self.actions.push(ActionItem {
                number: *number,
                text: text.clone(),
                owner: owner.clone(),
                ticket_requested: false,
                ticket: None,
            }),
            Event::StatusPublished { status, .. } => self.published_status = Some(*status),
            Event::LinkAdded { url, label } => self.links.push((label.clone(), url.clone())),
            Event::CallSet { url } => self.call_url = Some(url.clone()),
            Event::TicketRequested { number } => {
                if let Some(a) = self.actions.iter_mut().find(|a| a.number == *number) {
                    a.ticket_requested = true;
                }
            }
            Event::TicketLinked { number, key, url } => {
                if let Some(a) = self.actions.iter_mut().find(|a| a.number == *number) {
                    a.ticket = Some((key.clone(), url.clone()));
                }
            }
            Event::DetailEdited { field, to, .. } => match field {
                Detail::Title => self.title = to.clone(),
                Detail::Impact => self.impact = to.clone(),
                Detail::Description => self.description = to.clone(),
                Detail::Customer => self.customer = (!to.is_empty()).then(|| to.clone()),
                Detail::PublicTitle => self.public_title = (!to.is_empty()).then(|| to.clone()),
            },
            Event::ServiceAdded { service } => {
                if !self.services.contains(service) {
                    self.services.push(service.clone());
                }
            }
            Event::ServiceRemoved { service } => self.services.retain(|s| s != service),
            Event::Paged(note) => {
                // A page made again after it was resolved starts over.
                self.pages.retain(|p| p.key != note.key);
                self.pages.push(PageInfo {
                    key: note.key.clone(),
                    vendor: note.vendor.clone(),
                    label: note.label.clone(),
                    service: note.service.clone(),
                    at,
                    acknowledged_at: None,
                    acknowledged_by: None,
                    acknowledged_by_name: None,
                    resolved: false,
                });
            }
            Event::PageAcknowledged { key, by } => {
                if let Some(p) = self.pages.iter_mut().find(|p| &p.key == key) {
                    p.acknowledged_at.get_or_insert(at);
                    p.acknowledged_by_name.clone_from(by);
                }
                self.acknowledged_at.get_or_insert(at);
                self.responded_at.get_or_insert(at);
            }
            Event::PageResolved { key, .. } => {
                if let Some(p) = self.pages.iter_mut().find(|p| &p.key == key) {
                    p.resolved = true;
                }
            }
            Event::CaptureWithdrawn { kind, channel, ts } => self
                .captures
                .retain(|k| !(k.kind == *kind && &k.channel == channel && &k.ts == ts)),
        }
        self.updated_at = self.updated_at.max(at);
        self.version = rec.version;
    }

    fn capture(
        &mut self,
        kind: super::capture::CaptureKind,
        message: &super::capture::CapturedMessage,
    ) {
        let key = CaptureKey {
            kind,
            channel: message.channel.clone(),
            ts: message.ts.clone(),
        };
        if !self.captures.contains(&key) {
            self.captures.push(key);
        }
    }

    /// Its reporter or a role holder: people Flare itself put in the channel.
    pub fn involves(&self, user: &super::ids::UserId) -> bool {
        self.reporter.user_id() == Some(user) || self.roles.any_held_by(user)
    }

    /// Rebuilds an incident from its whole timeline.
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a Recorded>) -> Option<Self> {
        let mut events = events.into_iter();
        let mut incident = Self::from_declared(events.next()?)?;
        for rec in events {
            incident.apply(rec);
        }
        Some(incident)
    }

    /// Pages still calling people.
    pub fn open_pages(&self) -> impl Iterator<Item = &PageInfo> {
        self.pages.iter().filter(|p| p.is_open())
    }

    /// Where the customer-facing interruption is counted from.
    pub fn impact_start(&self) -> DateTime<Utc> {
        self.impact_started_at
            .map_or(self.declared_at, |t| t.min(self.declared_at))
    }
}
