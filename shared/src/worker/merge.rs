//! Folding a duplicate into the incident it duplicates. After the duplicate records
//! `MergedInto`, its story (declaration, updates, captures, links, action items, with
//! their original times) is sent to the target as `Absorb` commands keyed by the
//! duplicate and part, so each part is applied once however often this runs; a
//! mail-thread points at the target, so later replies land there.

use super::{Effect, EffectError};
use crate::bus::{CommandEnvelope, CommandQueue, Source};
use crate::domain::{
    CaptureKind, CapturedMessage, Command, Event, Incident, MovedEntry, Recorded, movable,
};
use crate::slack::effects::EMAIL_CHANNEL;
use crate::store::{IncidentStore, Index};
use async_trait::async_trait;
use std::sync::Arc;

/// A part's entries stay well under SQS's 256 KiB message limit.
const PART_BYTES: usize = 96 * 1024;

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
        let timeline = self.store.events(&incident.id, 1).await?;
        let mut entries = Vec::new();
        for stored in timeline
            .iter()
            .map(|s| &s.record)
            .filter(|r| r.version < rec.version)
        {
            if let Event::Declared(d) = &stored.event {
                // What the duplicate was declared from (an alert, a mail) is evidence:
                // it goes on the target's papertrail.
                let source = d.source_message.clone().or_else(|| {
                    d.triage.then(|| CapturedMessage {
                        channel: EMAIL_CHANNEL.into(),
                        ts: format!("merged-{}", incident.id),
                        author: None,
                        text: incident.title.clone(),
                        permalink: None,
                        posted_at: incident.declared_at,
                    })
                });
                if let Some(message) = source {
                    if message.channel == EMAIL_CHANNEL {
                        self.store
                            .move_index(Index::MailThread, &message.ts, &incident.id, target)
                            .await?;
                    }
                    entries.push(MovedEntry {
                        at: stored.at,
                        actor: stored.actor.clone(),
                        event: Event::Captured {
                            kind: CaptureKind::Papertrail,
                            message,
                        },
                    });
                }
            }
            match &stored.event {
                // Entries it had absorbed itself move as they were.
                Event::Absorbed {
                    at, actor, event, ..
                } => entries.push(MovedEntry {
                    at: *at,
                    actor: actor.clone(),
                    event: event.as_ref().clone(),
                }),
                e if movable(e) => entries.push(MovedEntry {
                    at: stored.at,
                    actor: stored.actor.clone(),
                    event: e.clone(),
                }),
                _ => {}
            }
        }
        for (part, chunk) in parts(entries).into_iter().enumerate() {
            let envelope = CommandEnvelope {
                id: format!("merge#{}#{part}", incident.id),
                incident: Some(target.clone()),
                command: Command::Absorb {
                    from: incident.id.clone(),
                    title: incident.title.clone(),
                    part: part as u32,
                    entries: chunk,
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
        }
        Ok(())
    }
}

/// Splits the entries into parts of at most `PART_BYTES` of JSON (at least one part,
/// so the target always records the merge).
fn parts(entries: Vec<MovedEntry>) -> Vec<Vec<MovedEntry>> {
    let mut out = vec![Vec::new()];
    let mut size = 0;
    for e in entries {
        let n = serde_json::to_vec(&e).map_or(PART_BYTES, |v| v.len());
        if size + n > PART_BYTES && out.last().is_some_and(|p| !p.is_empty()) {
            out.push(Vec::new());
            size = 0;
        }
        size += n;
        if let Some(last) = out.last_mut() {
            last.push(e);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Actor;

    #[test]
    fn parts_stay_small_and_keep_order() {
        let entry = |i: usize| MovedEntry {
            at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default(),
            actor: Actor::system("t"),
            event: Event::UpdatePosted {
                text: format!("{i}:{}", "x".repeat(2900)),
            },
        };
        let got = parts((0..100).map(entry).collect());
        assert!(got.len() > 1);
        let flat: Vec<String> = got
            .iter()
            .flatten()
            .map(|e| match &e.event {
                Event::UpdatePosted { text } => text.split(':').next().unwrap_or("").to_owned(),
                _ => String::new(),
            })
            .collect();
        assert_eq!(flat, (0..100).map(|i| i.to_string()).collect::<Vec<_>>());
        for p in &got {
            assert!(serde_json::to_vec(p).map(|v| v.len()).unwrap_or(0) <= PART_BYTES + 4096);
        }
        assert_eq!(parts(vec![]).len(), 1);
    }
}
