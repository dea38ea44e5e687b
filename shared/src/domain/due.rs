//! When an incident next needs attention from the reminders. Pure, from the
//! incident's state and the team's timers.

use super::incident::Incident;
use super::severity::SeverityScale;
use super::status::Status;
use chrono::{DateTime, Duration, Utc};

/// The timers, in minutes (days for the postmortem), as configured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timers {
    pub unassigned_coordinator_minutes: u32,
    pub triage_ack_minutes: u32,
    pub monitoring_window_minutes: u32,
    pub postmortem_due_days: u32,
}

/// The earliest time a reminder is due, or `None` when nothing is ever due again
/// (terminal incidents, and quiet ones whose severity has no update cadence).
pub fn next_due(inc: &Incident, scale: &SeverityScale, t: &Timers) -> Option<DateTime<Utc>> {
    let minutes = |m: u32| Duration::minutes(i64::from(m));
    let mut due: Vec<DateTime<Utc>> = Vec::new();
    match inc.status {
        Status::Triage => {
            if inc.acknowledged_at.is_none() {
                due.push(inc.declared_at + minutes(t.triage_ack_minutes));
            }
        }
        Status::Investigating | Status::Fixing | Status::Monitoring => {
            if let Some(every) = scale
                .level(&inc.severity)
                .and_then(|l| l.update_every_minutes)
            {
                due.push(inc.last_update_at + minutes(every));
            }
            if scale.is_critical(&inc.severity) && inc.roles.coordinator.is_none() {
                due.push(inc.declared_at + minutes(t.unassigned_coordinator_minutes));
            }
            if inc.status == Status::Monitoring {
                due.push(inc.status_since + minutes(t.monitoring_window_minutes));
            }
        }
        Status::Resolved => {
            due.push(inc.status_since + Duration::days(i64::from(t.postmortem_due_days)));
        }
        Status::Closed | Status::Declined => {}
    }
    due.into_iter().min()
}
