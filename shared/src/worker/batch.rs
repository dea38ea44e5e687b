//! An SQS FIFO batch: records in order, partial failures reported per group.

use super::Worker;
use crate::bus::CommandEnvelope;
use std::collections::HashSet;
use tracing::error;

/// The parts of an SQS record the worker needs.
#[derive(Clone, Debug)]
pub struct BatchRecord {
    pub message_id: String,
    pub group_id: Option<String>,
    pub body: String,
}

/// Processes a batch and returns the message ids to report as failed. Once a record
/// of a group fails, every later record of that group is failed too (FIFO order), while
/// other groups go on. A body that can't be read is failed, so it ends in the DLQ
/// after a few receives instead of being lost.
pub async fn handle_batch(worker: &Worker, records: &[BatchRecord]) -> Vec<String> {
    let mut failed_groups: HashSet<String> = HashSet::new();
    let mut failed = Vec::new();
    for record in records {
        let group = record.group_id.clone().unwrap_or_default();
        if failed_groups.contains(&group) {
            failed.push(record.message_id.clone());
            continue;
        }
        let outcome = match serde_json::from_str::<CommandEnvelope>(&record.body) {
            Ok(env) => worker.process(&env).await.map_err(|e| e.to_string()),
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
