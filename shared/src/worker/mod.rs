//! The one place incidents change: load → decide → store → effects.
//!
//! Effects follow stored events (an outbox): each new event is stored with the
//! names of the effects it owes, and each effect is marked done after it ran. A
//! redelivered command finds its outcome by its idempotency key, is not decided
//! again, and finishes whatever effects are still owed.

mod batch;
mod effect;
mod mail_thread;
mod merge;
pub mod metrics;

pub use crate::directory::Directory;
pub use batch::{BatchRecord, Budget, handle_batch, handle_batch_within};
pub use effect::{Answer, Effect, EffectError, LogResponder, Responder};
pub use mail_thread::MailThreadIndex;
pub use merge::MergeEffect;

use crate::bus::{CommandEnvelope, Source};
use crate::clock::Clock;
use crate::config::Config;
use crate::domain::{
    self, AuditEntry, AuditOutcome, Command, Incident, IncidentId, Recorded, decide, next_due,
};
use crate::store::{AuditLog, Commit, IncidentStore, Outcome, StoreError};
use std::sync::Arc;
use tracing::{info, warn};

/// Optimistic-lock conflicts and name collisions are retried this many times.
const MAX_ATTEMPTS: u32 = 60;

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// Worth redelivering: DynamoDB or an effect's service was unavailable.
    #[error("transient: {0}")]
    Transient(String),
}

impl From<StoreError> for WorkerError {
    fn from(e: StoreError) -> Self {
        WorkerError::Transient(e.to_string())
    }
}

pub struct Worker {
    pub store: Arc<dyn IncidentStore>,
    pub effects: Vec<Arc<dyn Effect>>,
    pub responder: Arc<dyn Responder>,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<Config>,
    /// Where every command's outcome is recorded.
    pub audit: Arc<dyn AuditLog>,
    /// Channel and group membership, for the permission rules.
    pub directory: Arc<dyn Directory>,
}

impl Worker {
    /// Applies one command, exactly once however often it is delivered.
    pub async fn process(&self, env: &CommandEnvelope) -> Result<(), WorkerError> {
        if let (Command::Resume, Some(id)) = (&env.command, &env.incident) {
            return self.resume(id).await;
        }
        if env.incident.is_none() && env.command.is_notice() {
            return self.notice(env).await;
        }
        let (incident, versions) = match self.store.outcome(&env.id).await? {
            Some(Outcome::Applied { incident, versions }) => {
                info!(command = %env.id, incident = %incident, "redelivered: finishing effects");
                (incident, versions)
            }
            Some(Outcome::Rejected { .. }) => {
                info!(command = %env.id, "redelivered: already refused");
                return Ok(());
            }
            None => match self.decide_and_store(env).await? {
                Decided::Stored { incident, versions } => (incident, versions),
                Decided::Refused {
                    incident,
                    reason,
                    denied,
                } => {
                    if let Some(id) = &incident {
                        let reason = reason.clone();
                        let outcome = if denied {
                            AuditOutcome::Denied { reason }
                        } else {
                            AuditOutcome::Refused { reason }
                        };
                        self.audit(env, id, outcome).await?;
                    }
                    // Recorded after the audit entry, so a redelivery finds both or neither.
                    self.store.reject(&env.id, &reason).await?;
                    self.responder.answer(env, &Answer::Refused(reason)).await;
                    return Ok(());
                }
            },
        };
        // Written again on a redelivery: the last one may have stopped right after storing.
        let applied = AuditOutcome::Applied {
            versions: versions.clone(),
        };
        self.audit(env, &incident, applied).await?;
        self.finish(&incident, &versions).await
    }

    /// A command about no incident: each effect's `notice`, each idempotent itself.
    async fn notice(&self, env: &CommandEnvelope) -> Result<(), WorkerError> {
        for effect in &self.effects {
            match effect.notice(env).await {
                Ok(()) => {}
                Err(EffectError::Transient(why)) => {
                    warn!(command = %env.id, effect = effect.name(), %why, "notice failed; will retry");
                    return Err(WorkerError::Transient(why));
                }
                Err(EffectError::Permanent(why)) => {
                    warn!(command = %env.id, effect = effect.name(), %why, "notice failed permanently");
                }
            }
        }
        info!(command = %env.id, kind = env.command.name(), "notice handled");
        Ok(())
    }

    async fn audit(
        &self,
        env: &CommandEnvelope,
        incident: &IncidentId,
        outcome: AuditOutcome,
    ) -> Result<(), WorkerError> {
        let source = match env.source {
            Source::Slack => "slack",
            Source::Email => "email",
            Source::Reminders => "reminders",
            Source::Local => "local",
        };
        let entry = AuditEntry::new(
            incident.clone(),
            env.received_at,
            &env.id,
            &env.command,
            &env.actor,
            source,
            outcome,
        );
        Ok(self.audit.record(&entry).await?)
    }

    /// The permission rules, with the facts they ask for looked up (usually none).
    async fn authorize(
        &self,
        env: &CommandEnvelope,
        inc: &Incident,
    ) -> Result<Option<String>, WorkerError> {
        let policy = self.config.access_policy();
        let access = policy.required(&env.command);
        let asked = domain::questions(inc, &env.actor, access, &policy);
        let mut standing = domain::Standing::default();
        if let Some(user) = env.actor.user_id() {
            if asked.member {
                let channel = self.store.refs(&inc.id).await?.get("channel").cloned();
                standing.member = match channel {
                    // A slash command typed in the incident's channel: only members can
                    // type there (a button can be clicked while previewing a channel).
                    Some(c)
                        if env.id.starts_with("slash#")
                            && env.reply.as_ref().and_then(|r| r.channel.as_ref()) == Some(&c) =>
                    {
                        true
                    }
                    Some(c) => self
                        .directory
                        .in_channel(&c, user)
                        .await
                        .map_err(WorkerError::Transient)?,
                    // No channel (Slack failed at declaration, or no chat at all): there
                    // are no members to tell apart, so the rule can't hold a public
                    // incident up; a private one stays with its people.
                    None => !inc.private,
                };
            }
            // A member needs no manager rights, except to overrule a coordinator.
            if asked.manager
                && (!standing.member || access == domain::Access::Coordinator)
                && let Some(group) = &policy.managers
            {
                standing.manager = self
                    .directory
                    .in_group(group, user)
                    .await
                    .map_err(WorkerError::Transient)?;
            }
        }
        Ok(domain::authorize(inc, &env.command, &env.actor, access, standing, &policy).err())
    }

    async fn decide_and_store(&self, env: &CommandEnvelope) -> Result<Decided, WorkerError> {
        let mut name_attempt = 0;
        for _ in 0..MAX_ATTEMPTS {
            let (id, current) = match (&env.incident, &env.command) {
                (Some(id), _) => (id.clone(), self.store.load(id).await?),
                (None, Command::Declare(_)) => {
                    let id = domain::name::candidate(env.received_at, &env.id, name_attempt);
                    (id, None)
                }
                (None, _) => {
                    return Ok(Decided::Refused {
                        incident: None,
                        reason: domain::DomainError::NotFound.to_string(),
                        denied: false,
                    });
                }
            };
            if let Some(inc) = &current {
                if let Some(reason) = self.authorize(env, inc).await? {
                    info!(command = %env.id, incident = %id, kind = env.command.name(), %reason, "denied");
                    return Ok(Decided::Refused {
                        incident: Some(id),
                        reason,
                        denied: true,
                    });
                }
                // A merge needs the other incident: open, and as private as this one.
                if let Command::MergeInto { target } = &env.command
                    && !inc.status.is_terminal()
                {
                    let other = self.store.load(target).await?;
                    if let Err(e) = domain::check_merge(inc, other.as_ref()) {
                        return Ok(Decided::Refused {
                            incident: Some(id),
                            reason: e.to_string(),
                            denied: false,
                        });
                    }
                }
            }
            // Events are never earlier than the ones before them, whatever the clocks say.
            let now = current
                .as_ref()
                .map_or(self.clock.now(), |c| c.updated_at.max(self.clock.now()));
            let events = match decide(current.as_ref(), env.command.clone(), &env.actor, now) {
                Ok(events) => events,
                Err(e) => {
                    let reason = e.to_string();
                    info!(command = %env.id, incident = %id, kind = env.command.name(), %reason, "refused");
                    return Ok(Decided::Refused {
                        incident: current.is_some().then_some(id),
                        reason,
                        denied: false,
                    });
                }
            };
            let base = current.as_ref().map_or(0, |c| c.version);
            let records: Vec<Recorded> = events
                .into_iter()
                .enumerate()
                .map(|(i, event)| Recorded {
                    incident_id: id.clone(),
                    version: base + i as u64 + 1,
                    at: now,
                    actor: env.actor.clone(),
                    command_id: env.id.clone(),
                    event,
                })
                .collect();
            let Some(next) = fold(current.clone(), &records) else {
                // Only a non-declaration on a missing incident gets here, refused above.
                return Err(WorkerError::Transient(format!("{id}: nothing to apply")));
            };
            let effects: Vec<&str> = self
                .effects
                .iter()
                .filter(|e| e.handles_events())
                .map(|e| e.name())
                .collect();
            let commit = Commit {
                expected_version: base,
                incident: &next,
                events: &records,
                effects: &effects,
                dedup_key: &env.id,
                next_due: next_due(&next, &self.config.reminder_policy()),
                listed: self.listed(&next),
                listed_before: current.as_ref().and_then(|c| self.listed(c)),
            };
            match self.store.commit(commit).await {
                Ok(()) => {
                    info!(command = %env.id, incident = %id, kind = env.command.name(), events = records.len(), version = next.version, "applied");
                    return Ok(Decided::Stored {
                        incident: id,
                        versions: records.iter().map(|r| r.version).collect(),
                    });
                }
                Err(StoreError::Conflict) => {
                    // Another writer got there first: decide again on what it wrote.
                    tokio::time::sleep(std::time::Duration::from_millis(fastrand::u64(5..40)))
                        .await;
                }
                Err(StoreError::NameTaken) => name_attempt += 1,
                Err(StoreError::AlreadyApplied) => {
                    return match self.store.outcome(&env.id).await? {
                        Some(Outcome::Applied { incident, versions }) => {
                            Ok(Decided::Stored { incident, versions })
                        }
                        Some(Outcome::Rejected { reason }) => Ok(Decided::Refused {
                            incident: None,
                            reason,
                            denied: false,
                        }),
                        None => Err(WorkerError::Transient("outcome vanished".into())),
                    };
                }
                Err(e) => return Err(e.into()),
            }
        }
        warn!(command = %env.id, "gave up after {MAX_ATTEMPTS} conflicting attempts");
        Err(WorkerError::Transient(
            "too many conflicting writers".into(),
        ))
    }

    /// The listing rank of an open incident (its severity's place on the scale).
    fn listed(&self, inc: &Incident) -> Option<usize> {
        (!inc.status.is_terminal()).then(|| self.config.severities.rank(&inc.severity))
    }

    /// The sweep's `Resume`: finish whatever the incident owes. A failure has already
    /// scheduled the next attempt, so it is not worth an SQS redelivery too.
    async fn resume(&self, id: &IncidentId) -> Result<(), WorkerError> {
        let Some(incident) = self.store.load(id).await? else {
            self.store.clear_resume(id).await?;
            return Ok(());
        };
        match self.finish(id, &[incident.version]).await {
            Ok(()) => {
                self.store.clear_resume(id).await?;
                info!(incident = %id, "resumed: every owed effect is done");
                Ok(())
            }
            Err(WorkerError::Transient(why)) => {
                info!(incident = %id, %why, "resume failed for now; the sweep tries again");
                Ok(())
            }
        }
    }

    /// After a failure, the next attempt: 1, 2, 4 … minutes after this one, at most
    /// 30 minutes apart, for as long as the incident owes something.
    async fn schedule_resume(&self, id: &IncidentId) -> Result<(), WorkerError> {
        let attempts = self.store.resume_attempts(id).await?.saturating_add(1);
        let wait = chrono::Duration::minutes(1i64 << attempts.saturating_sub(1).min(5))
            .min(chrono::Duration::minutes(30));
        self.store
            .schedule_resume(id, self.clock.now() + wait, attempts)
            .await?;
        Ok(())
    }

    /// Runs the effects still owed by these events and by any older event whose
    /// effects an earlier delivery never finished (one that went to the DLQ, say),
    /// oldest first, each marked done.
    async fn finish(&self, id: &IncidentId, versions: &[u64]) -> Result<(), WorkerError> {
        let (Some(&first), Some(&last)) = (versions.first(), versions.last()) else {
            return Ok(());
        };
        let Some(incident) = self.store.load(id).await? else {
            return Err(WorkerError::Transient(format!("{id} vanished")));
        };
        // Everything before `pending_from` is known to be finished.
        let done_before: u64 = self
            .store
            .refs(id)
            .await?
            .get(PENDING_FROM)
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        let stored = self.store.events(id, done_before.min(first)).await?;
        // Owed from an earlier delivery: once done, the sweep can stop.
        let catching_up = done_before < first;
        for ev in stored
            .iter()
            .filter(|e| e.record.version <= last && !e.pending.is_empty())
        {
            // One effect failing for now (Slack down) doesn't hold up the others of the
            // same event (the page goes out); later events wait, to keep their order.
            let mut failed: Option<String> = None;
            for effect in &self.effects {
                if !ev.pending.iter().any(|p| p == effect.name()) {
                    continue;
                }
                match effect.run(&incident, &ev.record).await {
                    Ok(()) => {}
                    Err(EffectError::Permanent(why)) => {
                        // Retrying can't help: record it and tell the channel; the
                        // incident goes on. (The Slack effect reports its own failures.)
                        self.store
                            .set_ref(
                                id,
                                &format!("error#{}#{}", ev.record.version, effect.name()),
                                &why,
                            )
                            .await?;
                        if effect.name() != "slack" {
                            self.responder
                                .report_failure(&incident, effect.name(), &why)
                                .await;
                        }
                        warn!(incident = %id, version = ev.record.version, effect = effect.name(), %why, "effect failed permanently");
                    }
                    Err(EffectError::Transient(why)) => {
                        warn!(incident = %id, version = ev.record.version, effect = effect.name(), %why, "effect failed; will retry");
                        failed.get_or_insert(why);
                        continue;
                    }
                }
                self.store
                    .effect_done(id, ev.record.version, effect.name())
                    .await?;
            }
            if let Some(why) = failed {
                self.schedule_resume(id).await?;
                return Err(WorkerError::Transient(why));
            }
        }
        if catching_up {
            self.store.clear_resume(id).await?;
        }
        if last + 1 > done_before {
            self.store
                .set_ref(id, PENDING_FROM, &(last + 1).to_string())
                .await?;
        }
        Ok(())
    }
}

/// Incident ref: the lowest version that may still owe effects.
const PENDING_FROM: &str = "pending_from";

enum Decided {
    Stored {
        incident: IncidentId,
        versions: Vec<u64>,
    },
    Refused {
        /// The incident it was for, if it exists (for the audit trail).
        incident: Option<IncidentId>,
        reason: String,
        /// Refused by the permission rules rather than the domain.
        denied: bool,
    },
}

fn fold(current: Option<Incident>, records: &[Recorded]) -> Option<Incident> {
    let mut incident = current;
    for rec in records {
        match &mut incident {
            Some(i) => i.apply(rec),
            None => incident = Incident::from_declared(rec),
        }
    }
    incident
}
