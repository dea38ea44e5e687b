//! Folding a triage report into an existing incident: after the report records
//! `MergedInto`, its opening message is added to the target's timeline (a command on
//! the target, keyed by the report, so it happens once), and the mail thread now
//! points at the target so later replies land there.

use super::{Effect, EffectError};
use crate::bus::{CommandEnvelope, CommandQueue, Source};
use crate::domain::{CaptureKind, CapturedMessage, Command, Event, Incident, Recorded};
use crate::slack::effects::EMAIL_CHANNEL;
use crate::store::{IncidentStore, Index};
use async_trait::async_trait;
use std::sync::Arc;

pub struct MergeEffect {
    pub store: Arc<dyn IncidentStore>,
    pub queue: Arc<dyn CommandQueue>,
}

#[async_trait]
impl Effect for MergeEffect {
    fn name(&self) -> &'static str {
        "merge"
    }

    async fn run(&self, incident: &Incident, rec: &Recorded) -> Result<(), EffectError> {
        let Event::MergedInto { target } = &rec.event else {
            return Ok(());
        };
        let opening = self.store.events(&incident.id, 1).await?;
        let source = opening.first().and_then(|e| match &e.record.event {
            Event::Declared(d) => d.source_message.clone(),
            _ => None,
        });
        let message = source.unwrap_or_else(|| CapturedMessage {
            channel: EMAIL_CHANNEL.into(),
            ts: format!("merged-{}", incident.id),
            author: None,
            text: incident.title.clone(),
            permalink: None,
            posted_at: incident.declared_at,
        });
        if message.channel == EMAIL_CHANNEL {
            self.store
                .move_index(Index::MailThread, &message.ts, &incident.id, target)
                .await?;
        }
        let envelope = CommandEnvelope {
            id: format!("merge#{}", incident.id),
            incident: Some(target.clone()),
            command: Command::Capture {
                kind: CaptureKind::Papertrail,
                message,
            },
            actor: rec.actor.clone(),
            source: Source::Slack,
            received_at: rec.at,
            reply: None,
        };
        self.queue
            .send(&envelope)
            .await
            .map_err(|e| EffectError::Transient(e.to_string()))?;
        Ok(())
    }
}
