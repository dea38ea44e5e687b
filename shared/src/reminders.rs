//! The reminders' tick: one query of the open-incident index, one `Remind` command per
//! due incident. The worker decides which nudges are due and records them, so a tick
//! that runs twice or late never nudges twice: the command's key is the incident and
//! the due time it was sent for.

use crate::bus::{CommandEnvelope, CommandQueue, Source};
use crate::config::Config;
use crate::domain::{Actor, Command};
use crate::store::IncidentStore;
use chrono::{DateTime, Utc};

/// At most this many incidents per tick; the rest, due later, come next minute.
pub const PER_TICK: i32 = 100;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TickReport {
    pub due: usize,
    pub sent: usize,
}

pub async fn tick(
    store: &dyn IncidentStore,
    queue: &dyn CommandQueue,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<TickReport, String> {
    let due = store.due(now, PER_TICK).await.map_err(|e| e.to_string())?;
    let policy = Box::new(config.reminder_policy());
    let mut report = TickReport {
        due: due.len(),
        sent: 0,
    };
    for open in due {
        let Some(at) = open.due else { continue };
        let envelope = CommandEnvelope {
            id: format!("remind#{}#{}", open.id, at.timestamp_millis()),
            incident: Some(open.id.clone()),
            command: Command::Remind {
                due: at,
                policy: policy.clone(),
            },
            actor: Actor::system("reminders"),
            source: Source::Reminders,
            received_at: now,
            reply: None,
        };
        queue.send(&envelope).await.map_err(|e| e.to_string())?;
        report.sent += 1;
    }
    if report.sent > 0 {
        tracing::info!(due = report.due, sent = report.sent, "reminders tick");
    }
    Ok(report)
}
