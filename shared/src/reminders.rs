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
    /// `Resume` commands sent for incidents still owing effects.
    pub resumed: usize,
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
        ..TickReport::default()
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
    // The sweep: incidents still owing effects (Slack or a pager was down) are resumed
    // until done, with the backoff the worker chose.
    for unfinished in store
        .unfinished(now, PER_TICK)
        .await
        .map_err(|e| e.to_string())?
    {
        let envelope = CommandEnvelope {
            id: format!(
                "resume#{}#{}",
                unfinished.id,
                unfinished.at.timestamp_millis()
            ),
            incident: Some(unfinished.id.clone()),
            command: Command::Resume,
            actor: Actor::system("sweeper"),
            source: Source::Reminders,
            received_at: now,
            reply: None,
        };
        queue.send(&envelope).await.map_err(|e| e.to_string())?;
        report.resumed += 1;
    }
    if report.sent > 0 || report.resumed > 0 {
        tracing::info!(
            due = report.due,
            sent = report.sent,
            resumed = report.resumed,
            "reminders tick"
        );
    }
    Ok(report)
}
