//! One draft of an incident at a time, without reserved concurrency: a lease per
//! incident in the table, taken with a conditional put and given back when done.
//!
//! Two invocations for one incident at once (an `IncidentResolved` and a
//! `PostmortemRequested` together, or EventBridge delivering an event twice) would
//! otherwise both find no file shared yet and both post it. The second one waits for
//! the lease (a draft takes seconds), then finds everything done and posts nothing. A
//! lease whose holder crashed expires after [`LEASE`] (longer than the function's 60 s
//! timeout, so a live holder never loses it).

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use flare::domain::IncidentId;
use std::time::Duration;

/// How long a lease lasts unless given back.
pub const LEASE: chrono::Duration = chrono::Duration::seconds(90);
/// How long to wait for another holder before giving up (Lambda retries later).
pub const WAIT: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(500);

#[derive(Debug, thiserror::Error)]
#[error("postmortem lease: {0}")]
pub struct LeaseError(pub String);

#[async_trait]
pub trait Leases: Send + Sync {
    /// Takes the lease of `id` for `holder` until `until`; false if someone else holds it.
    async fn try_take(
        &self,
        id: &IncidentId,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, LeaseError>;
    /// Gives it back (a no-op unless `holder` holds it).
    async fn give_back(&self, id: &IncidentId, holder: &str) -> Result<(), LeaseError>;
}

/// Waits (up to [`WAIT`]) for the lease of `id`; `Ok(false)` if it stayed taken.
pub async fn take(leases: &dyn Leases, id: &IncidentId, holder: &str) -> Result<bool, LeaseError> {
    let started = tokio::time::Instant::now();
    loop {
        let now = Utc::now();
        if leases.try_take(id, holder, now, now + LEASE).await? {
            return Ok(true);
        }
        if started.elapsed() >= WAIT {
            return Ok(false);
        }
        tracing::info!(incident = %id, "another draft of this incident is under way; waiting");
        tokio::time::sleep(POLL).await;
    }
}

/// The lease item: `pk = postmortem-lease#<id>`, `sk = META`, with the holder, the
/// expiry and a `ttl` so DynamoDB removes it eventually.
pub struct DynamoLeases {
    client: Client,
    table: String,
}

impl DynamoLeases {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

fn pk(id: &IncidentId) -> AttributeValue {
    AttributeValue::S(format!("postmortem-lease#{id}"))
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn failed(e: impl std::error::Error) -> LeaseError {
    LeaseError(aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())
}

#[async_trait]
impl Leases for DynamoLeases {
    async fn try_take(
        &self,
        id: &IncidentId,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, LeaseError> {
        let r = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", pk(id))
            .item("sk", AttributeValue::S("META".into()))
            .item("lease_holder", AttributeValue::S(holder.into()))
            .item("lease_until", n(until.timestamp()))
            .item("ttl", n(until.timestamp() + 3600))
            .condition_expression("attribute_not_exists(pk) OR #until < :now OR lease_holder = :me")
            .expression_attribute_names("#until", "lease_until")
            .expression_attribute_values(":now", n(now.timestamp()))
            .expression_attribute_values(":me", AttributeValue::S(holder.into()))
            .send()
            .await;
        match r {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(failed(e)),
        }
    }

    async fn give_back(&self, id: &IncidentId, holder: &str) -> Result<(), LeaseError> {
        // An update, not a delete: the role already may update items, and an expired
        // lease is as good as none.
        let r = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", pk(id))
            .key("sk", AttributeValue::S("META".into()))
            .update_expression("SET #until = :zero")
            .condition_expression("lease_holder = :me")
            .expression_attribute_names("#until", "lease_until")
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":me", AttributeValue::S(holder.into()))
            .send()
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(failed(e)),
        }
    }
}
