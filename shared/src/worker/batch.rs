//! An SQS FIFO batch: records in order, partial failures reported per group, within
//! the invocation's time.
//!
//! Lambda gives the whole batch one timeout. A batch that runs past it is failed whole:
//! no partial answer reaches SQS, every message (other incidents' too) comes back after
//! the visibility timeout, and repeats push innocent commands to the dead-letter queue.
//! So the worker watches the clock ([`Budget`]): each command gets at most
//! `per_command`, none is started with less than `min_start` left, and whatever wasn't
//! processed is reported as failed (`batchItemFailures`), to be delivered again.

use super::Worker;
use crate::bus::CommandEnvelope;
use std::collections::HashSet;
use std::time::Duration;
use tokio::time::Instant;
use tracing::{error, warn};

/// The parts of an SQS record the worker needs.
#[derive(Clone, Debug)]
pub struct BatchRecord {
    pub message_id: String,
    pub group_id: Option<String>,
    pub body: String,
}

/// How much time a batch has, and how it is shared.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// When the invocation ends (Lambda's deadline).
    pub deadline: Instant,
    /// Kept free at the end, to answer Lambda before the deadline.
    pub reserve: Duration,
    /// No command starts with less than this left (after the reserve).
    pub min_start: Duration,
    /// The most one command may take; it is abandoned (and retried later) after that.
    pub per_command: Duration,
}

impl Budget {
    /// The worker Lambda's shares (timeout 60 s): a command may take 25 s, so one slow
    /// or throttled command can't use up the invocation.
    pub const RESERVE: Duration = Duration::from_secs(2);
    pub const MIN_START: Duration = Duration::from_secs(5);
    pub const PER_COMMAND: Duration = Duration::from_secs(25);

    /// The Lambda's budget: `remaining` until its deadline.
    pub fn lambda(remaining: Duration) -> Self {
        Self {
            deadline: Instant::now() + remaining,
            reserve: Self::RESERVE,
            min_start: Self::MIN_START,
            per_command: Self::PER_COMMAND,
        }
    }

    /// No limit (the local host's poller, tests).
    pub fn unlimited() -> Self {
        let far = Duration::from_secs(365 * 24 * 3600);
        Self {
            deadline: Instant::now() + far,
            reserve: Duration::ZERO,
            min_start: Duration::ZERO,
            per_command: far,
        }
    }

    /// Time a command may take if started now; `None` if too little is left to start.
    fn allowance(&self) -> Option<Duration> {
        let usable = self
            .deadline
            .saturating_duration_since(Instant::now())
            .checked_sub(self.reserve)?;
        (usable >= self.min_start && !usable.is_zero()).then_some(usable.min(self.per_command))
    }
}

/// Processes a batch without a time limit; see [`handle_batch_within`].
pub async fn handle_batch(worker: &Worker, records: &[BatchRecord]) -> Vec<String> {
    handle_batch_within(worker, records, &Budget::unlimited()).await
}

/// Processes a batch and returns the message ids to report as failed. Once a record
/// of a group fails, every later record of that group is failed too (FIFO order), while
/// other groups go on. A body that can't be read is failed, so it ends in the DLQ
/// after a few receives instead of being lost. A command that takes longer than its
/// allowance is failed (its effects are idempotent, so the retry finishes the work),
/// and when too little time is left the remaining records are failed unprocessed.
pub async fn handle_batch_within(
    worker: &Worker,
    records: &[BatchRecord],
    budget: &Budget,
) -> Vec<String> {
    let mut failed_groups: HashSet<String> = HashSet::new();
    let mut failed = Vec::new();
    for (i, record) in records.iter().enumerate() {
        let group = record.group_id.clone().unwrap_or_default();
        if failed_groups.contains(&group) {
            failed.push(record.message_id.clone());
            continue;
        }
        let Some(allowed) = budget.allowance() else {
            let left = &records[i..];
            warn!(
                not_started = left.len(),
                "too little time left in this invocation; the rest of the batch is retried"
            );
            failed.extend(left.iter().map(|r| r.message_id.clone()));
            break;
        };
        let outcome = match serde_json::from_str::<CommandEnvelope>(&record.body) {
            Ok(env) => match tokio::time::timeout(allowed, worker.process(&env)).await {
                Ok(result) => result.map_err(|e| e.to_string()),
                Err(_) => Err(format!(
                    "not done within {allowed:?}; abandoned, to be retried"
                )),
            },
            Err(e) => Err(format!("unreadable command: {e}")),
        };
        if let Err(why) = outcome {
            error!(message_id = %record.message_id, group = %group, %why, "command failed");
            failed_groups.insert(group);
            failed.push(record.message_id.clone());
        }
    }
    failed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_command_starts_without_enough_time() {
        let b = Budget::lambda(Duration::from_secs(60));
        assert_eq!(b.allowance(), Some(Budget::PER_COMMAND));
        let b = Budget::lambda(Duration::from_secs(10));
        let a = b.allowance().unwrap_or_default();
        assert!(
            a <= Duration::from_secs(8) && a > Duration::from_secs(7),
            "{a:?}"
        );
        assert_eq!(Budget::lambda(Duration::from_secs(6)).allowance(), None);
        assert_eq!(Budget::lambda(Duration::ZERO).allowance(), None);
        assert!(Budget::unlimited().allowance().is_some());
    }
}
