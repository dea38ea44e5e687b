//! Reminders: which nudges an incident is owed, and when. Pure, from the incident's
//! state and the team's policy (timers and per-severity update cadence).

use super::incident::Incident;
use super::severity::SeverityScale;
use super::status::Status;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The timers, in minutes (days for the postmortem), as configured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timers {
    pub unassigned_coordinator_minutes: u32,
    pub triage_ack_minutes: u32,
    pub monitoring_window_minutes: u32,
    pub postmortem_due_days: u32,
}

/// Everything the reminder rules need besides the incident.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderPolicy {
    pub scale: SeverityScale,
    pub timers: Timers,
    /// Statuses whose update nudges come at most this often (minutes).
    #[serde(default)]
    pub status_every: Vec<(Status, u32)>,
}

impl ReminderPolicy {
    /// How often the coordinator owes an update now: the severity's cadence, slowed to
    /// the status's where one is set. `None`: this severity has no update reminders.
    pub fn update_every(&self, inc: &Incident) -> Option<u32> {
        let every = self.scale.level(&inc.severity)?.update_every_minutes?;
        let floor = self
            .status_every
            .iter()
            .find(|(s, _)| *s == inc.status)
            .map_or(0, |(_, m)| *m);
        Some(every.max(floor))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    /// The coordinator owes an update (every N minutes per severity while active).
    UpdateDue,
    /// A critical incident still has nobody coordinating.
    CoordinatorMissing,
    /// Nobody acknowledged a triage incident: re-ping on-call, then escalate.
    TriageUnacknowledged,
    /// Monitoring long enough: resolve?
    MonitoringWindow,
    /// The postmortem of a resolved incident is waiting.
    PostmortemDue,
}

/// What the reminders already did, so each nudge happens once per occasion.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderState {
    #[serde(default)]
    pub update_nudged_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub coordinator_nudged: bool,
    /// 0, 1 (on-call re-pinged) or 2 (escalated).
    #[serde(default)]
    pub triage_nudges: u8,
    #[serde(default)]
    pub monitoring_asked_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub postmortem_nudged: bool,
    #[serde(default)]
    pub snoozed_until: Option<DateTime<Utc>>,
}

fn minutes(m: u32) -> Duration {
    Duration::minutes(i64::from(m))
}

/// Each reminder the incident will be owed, with the time it falls due (snooze aside).
fn schedule(inc: &Incident, p: &ReminderPolicy) -> Vec<(ReminderKind, DateTime<Utc>)> {
    let r = &inc.reminders;
    let t = &p.timers;
    let mut out = Vec::new();
    match inc.status {
        Status::Triage => {
            if inc.acknowledged_at.is_none() && r.triage_nudges < 2 {
                // First re-ping at the threshold, escalation at twice the threshold.
                let n = u32::from(r.triage_nudges) + 1;
                out.push((
                    ReminderKind::TriageUnacknowledged,
                    inc.declared_at + minutes(t.triage_ack_minutes.saturating_mul(n)),
                ));
            }
        }
        Status::Investigating | Status::Fixing | Status::Monitoring => {
            if let Some(every) = p.update_every(inc) {
                // An update, or the last nudge, restarts the clock: never nagged right after posting.
                let since = r
                    .update_nudged_at
                    .map_or(inc.last_update_at, |n| n.max(inc.last_update_at));
                out.push((ReminderKind::UpdateDue, since + minutes(every)));
            }
            if p.scale.is_critical(&inc.severity)
                && inc.roles.coordinator.is_none()
                && !r.coordinator_nudged
            {
                out.push((
                    ReminderKind::CoordinatorMissing,
                    inc.declared_at + minutes(t.unassigned_coordinator_minutes),
                ));
            }
            if inc.status == Status::Monitoring
                && r.monitoring_asked_at.is_none_or(|a| a < inc.status_since)
            {
                out.push((
                    ReminderKind::MonitoringWindow,
                    inc.status_since + minutes(t.monitoring_window_minutes),
                ));
            }
        }
        Status::Resolved => {
            if !r.postmortem_nudged {
                out.push((
                    ReminderKind::PostmortemDue,
                    inc.status_since + Duration::days(i64::from(t.postmortem_due_days)),
                ));
            }
        }
        Status::Closed | Status::Declined => {}
    }
    let snooze = r.snoozed_until;
    out.into_iter()
        .map(|(k, at)| (k, snooze.map_or(at, |s| at.max(s))))
        .collect()
}

/// The earliest time a reminder is due, or `None` when nothing is ever due again.
pub fn next_due(inc: &Incident, p: &ReminderPolicy) -> Option<DateTime<Utc>> {
    schedule(inc, p).into_iter().map(|(_, at)| at).min()
}

/// The reminders due at `now`, each once, however late the check runs.
pub fn due_now(inc: &Incident, p: &ReminderPolicy, now: DateTime<Utc>) -> Vec<ReminderKind> {
    schedule(inc, p)
        .into_iter()
        .filter(|(_, at)| *at <= now)
        .map(|(k, _)| k)
        .collect()
}
