//! The DynamoDB adapter of [`IncidentStore`].

mod listing;
mod mail_desk;

use super::keys::{self, GSI1, GSI1_PK, GSI1_SK, META, OPEN, PK, SK, TTL};
use super::{Commit, IncidentStore, Index, OpenIncident, Outcome, StoreError, StoredEvent};
use crate::domain::{AuditEntry, Incident, IncidentId, Recorded};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

type Item = HashMap<String, AttributeValue>;

/// How long idempotency records live: longer than any Slack retry, SQS redelivery or
/// mail re-send we expect.
const DEDUP_TTL_DAYS: i64 = 7;

#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    async fn get(&self, pk: String) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(META))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.item)
    }

    /// Every item of a strongly consistent `Query` on the table, page after page.
    async fn query_all<const N: usize>(
        &self,
        condition: &str,
        values: [(&str, AttributeValue); N],
    ) -> Result<Vec<Item>, StoreError> {
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(condition)
                .consistent_read(true)
                .set_exclusive_start_key(start.take());
            for (name, value) in &values {
                query = query.expression_attribute_values(*name, value.clone());
            }
            let page = query.send().await.map_err(unavailable)?;
            out.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => break,
            }
        }
        Ok(out)
    }

    fn put(
        &self,
        item: Item,
        condition: &str,
        values: Item,
    ) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition)
            .set_expression_attribute_values((!values.is_empty()).then_some(values))
            .build()
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    async fn query_open(
        &self,
        bound: Option<String>,
        limit: Option<i32>,
    ) -> Result<Vec<OpenIncident>, StoreError> {
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut q = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(GSI1)
                .expression_attribute_values(":open", s(OPEN))
                .set_exclusive_start_key(start.take())
                .set_limit(limit);
            q = match &bound {
                Some(b) => q
                    .key_condition_expression("gsi1pk = :open AND gsi1sk <= :bound")
                    .expression_attribute_values(":bound", s(b)),
                None => q.key_condition_expression("gsi1pk = :open"),
            };
            let page = q.send().await.map_err(unavailable)?;
            for item in page.items() {
                let id = text(item, "id").and_then(IncidentId::parse);
                let Some(id) = id else {
                    return Err(StoreError::Corrupt("open index entry without an id".into()));
                };
                let due = text(item, "due").and_then(|d| d.parse::<DateTime<Utc>>().ok());
                out.push(OpenIncident { id, due });
            }
            if limit.is_some_and(|l| out.len() >= l as usize) {
                break;
            }
            match page.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => break,
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl IncidentStore for DynamoStore {
    async fn load(&self, id: &IncidentId) -> Result<Option<Incident>, StoreError> {
        let Some(item) = self.get(keys::incident(id)).await? else {
            return Ok(None);
        };
        let json = text(&item, "incident")
            .ok_or_else(|| StoreError::Corrupt(format!("{id}: META without incident")))?;
        serde_json::from_str(json)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("{id}: {e}")))
    }

    async fn events(&self, id: &IncidentId, from: u64) -> Result<Vec<StoredEvent>, StoreError> {
        let items = self
            .query_all(
                "pk = :pk AND sk BETWEEN :from AND :to",
                [
                    (":pk", s(keys::incident(id))),
                    (":from", s(keys::event(from))),
                    (":to", s(keys::event(u64::from(u32::MAX) * 1000))),
                ],
            )
            .await?;
        let mut out = Vec::with_capacity(items.len());
        for item in &items {
            let json = text(item, "event")
                .ok_or_else(|| StoreError::Corrupt(format!("{id}: event without body")))?;
            let record: Recorded = serde_json::from_str(json)
                .map_err(|e| StoreError::Corrupt(format!("{id}: {e}")))?;
            let pending = match item.get("pending") {
                Some(AttributeValue::Ss(v)) => v.clone(),
                _ => vec![],
            };
            out.push(StoredEvent { record, pending });
        }
        Ok(out)
    }

    async fn commit(&self, c: Commit<'_>) -> Result<(), StoreError> {
        let id = &c.incident.id;
        let meta = meta_item(c.incident, c.next_due)?;
        let mut items = Vec::with_capacity(c.events.len() + 2);
        items.push(if c.expected_version == 0 {
            self.put(meta, "attribute_not_exists(pk)", Item::new())?
        } else {
            self.put(
                meta,
                "version = :v",
                HashMap::from([(":v".into(), n(c.expected_version))]),
            )?
        });
        for rec in c.events {
            let mut item = event_item(rec)?;
            if !c.effects.is_empty() {
                item.insert(
                    "pending".into(),
                    AttributeValue::Ss(c.effects.iter().map(|e| (*e).to_owned()).collect()),
                );
            }
            items.push(self.put(item, "attribute_not_exists(pk)", Item::new())?);
        }
        items.extend(listing::card_writes(&self.table, &c)?);
        let first = c.events.first().map_or(0, |e| e.version);
        let dedup = HashMap::from([
            (PK.into(), s(keys::dedup(c.dedup_key))),
            (SK.into(), s(META)),
            ("outcome".into(), s("applied")),
            ("incident".into(), s(id.as_str())),
            ("first_version".into(), n(first)),
            ("count".into(), n(c.events.len() as u64)),
            (TTL.into(), n(ttl(c.incident.updated_at))),
        ]);
        items.push(self.put(dedup, "attribute_not_exists(pk)", Item::new())?);
        let dedup_index = items.len() - 1;

        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                TransactWriteItemsError::TransactionCanceledException(t) => {
                    let failed = |i: usize| {
                        t.cancellation_reasons()
                            .get(i)
                            .and_then(|r| r.code())
                            .is_some_and(|code| code == "ConditionalCheckFailed")
                    };
                    if failed(dedup_index) {
                        Err(StoreError::AlreadyApplied)
                    } else if failed(0) && c.expected_version == 0 {
                        Err(StoreError::NameTaken)
                    } else if t
                        .cancellation_reasons()
                        .iter()
                        .any(|r| r.code() == Some("ConditionalCheckFailed"))
                    {
                        Err(StoreError::Conflict)
                    } else {
                        // Cancelled for another reason (throttling, a concurrent transaction).
                        Err(StoreError::Unavailable(format!(
                            "transaction cancelled: {t}"
                        )))
                    }
                }
                other => Err(StoreError::Unavailable(
                    DisplayErrorContext(other).to_string(),
                )),
            },
            Err(other) => Err(unavailable(other)),
        }
    }

    async fn outcome(&self, dedup_key: &str) -> Result<Option<Outcome>, StoreError> {
        let Some(item) = self.get(keys::dedup(dedup_key)).await? else {
            return Ok(None);
        };
        match text(&item, "outcome") {
            Some("applied") => {
                let incident = text(&item, "incident")
                    .and_then(IncidentId::parse)
                    .ok_or_else(|| {
                        StoreError::Corrupt(format!("dedup {dedup_key}: no incident"))
                    })?;
                let first = number(&item, "first_version").unwrap_or(0);
                let count = number(&item, "count").unwrap_or(0);
                Ok(Some(Outcome::Applied {
                    incident,
                    versions: (first..first + count).collect(),
                }))
            }
            Some("rejected") => Ok(Some(Outcome::Rejected {
                reason: text(&item, "reason").unwrap_or_default().to_owned(),
            })),
            // A claim (see `claim`) is not a command outcome.
            _ => Ok(None),
        }
    }

    async fn reject(&self, dedup_key: &str, reason: &str) -> Result<(), StoreError> {
        let r = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(PK, s(keys::dedup(dedup_key)))
            .item(SK, s(META))
            .item("outcome", s("rejected"))
            .item("reason", s(reason))
            .item(TTL, n(ttl(Utc::now())))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failed(&e) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn effect_done(
        &self,
        id: &IncidentId,
        version: u64,
        effect: &str,
    ) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(keys::incident(id)))
            .key(SK, s(keys::event(version)))
            .update_expression("DELETE pending :e")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":e", AttributeValue::Ss(vec![effect.to_owned()]))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn put_index(
        &self,
        index: Index,
        key: &str,
        id: &IncidentId,
    ) -> Result<IncidentId, StoreError> {
        let pk = index_key(index, key);
        let r = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(PK, s(&pk))
            .item(SK, s(META))
            .item("incident", s(id.as_str()))
            .condition_expression("attribute_not_exists(pk) OR incident = :id")
            .expression_attribute_values(":id", s(id.as_str()))
            .send()
            .await;
        match r {
            Ok(_) => Ok(id.clone()),
            Err(e) if is_condition_failed(&e) => self
                .get_index(index, key)
                .await?
                .ok_or_else(|| StoreError::Unavailable(format!("{pk} vanished"))),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn get_index(&self, index: Index, key: &str) -> Result<Option<IncidentId>, StoreError> {
        let item = self.get(index_key(index, key)).await?;
        Ok(item
            .as_ref()
            .and_then(|i| text(i, "incident"))
            .and_then(IncidentId::parse))
    }

    async fn move_index(
        &self,
        index: Index,
        key: &str,
        from: &IncidentId,
        to: &IncidentId,
    ) -> Result<(), StoreError> {
        let r = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(PK, s(index_key(index, key)))
            .item(SK, s(META))
            .item("incident", s(to.as_str()))
            .condition_expression("attribute_not_exists(pk) OR incident = :from OR incident = :to")
            .expression_attribute_values(":from", s(from.as_str()))
            .expression_attribute_values(":to", s(to.as_str()))
            .send()
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failed(&e) => Err(StoreError::Conflict),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn claim(
        &self,
        key: &str,
        ttl_for: Duration,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let r = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(PK, s(keys::dedup(&format!("claim#{key}"))))
            .item(SK, s(META))
            .item(TTL, n((now + ttl_for).timestamp().max(0) as u64))
            // TTL deletion is lazy: an expired claim may still be there.
            .condition_expression("attribute_not_exists(pk) OR #ttl < :now")
            .expression_attribute_names("#ttl", TTL)
            .expression_attribute_values(":now", n(now.timestamp().max(0) as u64))
            .send()
            .await;
        match r {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failed(&e) => Ok(false),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn refs(&self, id: &IncidentId) -> Result<HashMap<String, String>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, s(keys::incident(id)))
            .key(SK, s(keys::REFS))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out
            .item
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("r_")?.to_owned(), v.as_s().ok()?.clone())))
            .collect())
    }

    async fn set_ref(&self, id: &IncidentId, key: &str, value: &str) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(keys::incident(id)))
            .key(SK, s(keys::REFS))
            .update_expression("SET #k = :v")
            .expression_attribute_names("#k", format!("r_{key}"))
            .expression_attribute_values(":v", s(value))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn due(&self, now: DateTime<Utc>, limit: i32) -> Result<Vec<OpenIncident>, StoreError> {
        let mut due = self
            .query_open(Some(keys::due_bound(now)), Some(limit))
            .await?;
        due.truncate(limit.max(0) as usize);
        Ok(due)
    }

    async fn open(&self) -> Result<Vec<OpenIncident>, StoreError> {
        self.query_open(None, None).await
    }

    async fn schedule_resume(
        &self,
        id: &IncidentId,
        at: DateTime<Utc>,
        attempts: u32,
    ) -> Result<(), StoreError> {
        let at_key = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        self.client
            .put_item()
            .table_name(&self.table)
            .item(PK, s(keys::incident(id)))
            .item(SK, s(keys::RESUME))
            .item(keys::GSI1_PK, s(keys::RESUME))
            .item(keys::GSI1_SK, s(format!("{at_key}#{id}")))
            .item("id", s(id.as_str()))
            // `id` and `due` are what gsi1 projects.
            .item("due", s(&at_key))
            .item("attempts", n(u64::from(attempts)))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn clear_resume(&self, id: &IncidentId) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key(PK, s(keys::incident(id)))
            .key(SK, s(keys::RESUME))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn unfinished(
        &self,
        now: DateTime<Utc>,
        limit: i32,
    ) -> Result<Vec<super::Unfinished>, StoreError> {
        let page = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression("gsi1pk = :resume AND gsi1sk <= :bound")
            .expression_attribute_values(":resume", s(keys::RESUME))
            .expression_attribute_values(":bound", s(keys::due_bound(now)))
            .limit(limit)
            .send()
            .await
            .map_err(unavailable)?;
        page.items()
            .iter()
            .map(|item| {
                let id = text(item, "id").and_then(IncidentId::parse);
                let at = text(item, "due").and_then(|d| d.parse::<DateTime<Utc>>().ok());
                match (id, at) {
                    (Some(id), Some(at)) => Ok(super::Unfinished { id, at }),
                    _ => Err(StoreError::Corrupt(
                        "resume entry without an id or time".into(),
                    )),
                }
            })
            .collect()
    }

    async fn resume_attempts(&self, id: &IncidentId) -> Result<u32, StoreError> {
        let got = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, s(keys::incident(id)))
            .key(SK, s(keys::RESUME))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(got
            .item()
            .and_then(|i| i.get("attempts"))
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }
}

fn index_key(index: Index, key: &str) -> String {
    match index {
        Index::Channel => keys::channel(key),
        Index::MailThread => keys::mail(key),
        Index::Page => keys::page(key),
    }
}

fn ttl(from: DateTime<Utc>) -> u64 {
    (from + Duration::days(DEDUP_TTL_DAYS)).timestamp().max(0) as u64
}

/// The incident's `META` item; an open one carries the sparse `gsi1` keys.
fn meta_item(incident: &Incident, next_due: Option<DateTime<Utc>>) -> Result<Item, StoreError> {
    let id = &incident.id;
    let json = serde_json::to_string(incident).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut meta: Item = HashMap::from([
        (PK.into(), s(keys::incident(id))),
        (SK.into(), s(META)),
        ("id".into(), s(id.as_str())),
        ("version".into(), n(incident.version)),
        ("status".into(), s(incident.status.as_str())),
        ("updated_at".into(), s(incident.updated_at.to_rfc3339())),
        ("incident".into(), s(json)),
    ]);
    if !incident.status.is_terminal() {
        // Sparse index: only open incidents carry these, so closing drops it.
        meta.insert(GSI1_PK.into(), s(OPEN));
        meta.insert(GSI1_SK.into(), s(keys::due(next_due, id)));
        if let Some(due) = next_due {
            meta.insert("due".into(), s(due.to_rfc3339()));
        }
    }
    Ok(meta)
}

/// A timeline entry's item (without the effects it owes).
fn event_item(rec: &Recorded) -> Result<Item, StoreError> {
    let body = serde_json::to_string(rec).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(HashMap::from([
        (PK.into(), s(keys::incident(&rec.incident_id))),
        (SK.into(), s(keys::event(rec.version))),
        ("at".into(), s(rec.at.to_rfc3339())),
        ("type".into(), s(rec.event.detail_type())),
        ("event".into(), s(body)),
    ]))
}

impl DynamoStore {
    /// [`super::StatsStore::add_to_month`] for many incidents at once (an import).
    pub async fn add_all_to_month(
        &self,
        month: &str,
        ids: &[IncidentId],
    ) -> Result<(), StoreError> {
        // Well under DynamoDB's 400 KB item limit per request.
        for chunk in ids.chunks(1_000) {
            self.client
                .update_item()
                .table_name(&self.table)
                .key(PK, s(format!("MONTH#{month}")))
                .key(SK, s(META))
                .update_expression("ADD ids :ids")
                .expression_attribute_values(
                    ":ids",
                    AttributeValue::Ss(chunk.iter().map(ToString::to_string).collect()),
                )
                .send()
                .await
                .map_err(unavailable)?;
        }
        Ok(())
    }

    /// Stores finished incidents with their timelines as they are: a bulk import
    /// (history from another tool, the scale benchmark). Batched, unconditional, and
    /// owing no effects; an incident that is still open is refused (it needs a commit,
    /// for its listing card, due time and outbox).
    pub async fn import_finished(
        &self,
        incidents: &[(Incident, Vec<Recorded>)],
    ) -> Result<(), StoreError> {
        use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
        let mut writes = Vec::new();
        for (incident, timeline) in incidents {
            if !incident.status.is_terminal() {
                return Err(StoreError::Corrupt(format!(
                    "{}: only finished incidents can be imported",
                    incident.id
                )));
            }
            writes.push(meta_item(incident, None)?);
            for rec in timeline {
                writes.push(event_item(rec)?);
            }
        }
        for chunk in writes.chunks(25) {
            let mut pending: Vec<WriteRequest> = chunk
                .iter()
                .map(|item| {
                    PutRequest::builder()
                        .set_item(Some(item.clone()))
                        .build()
                        .map(|put| WriteRequest::builder().put_request(put).build())
                        .map_err(|e| StoreError::Unavailable(e.to_string()))
                })
                .collect::<Result<_, _>>()?;
            // Unprocessed items (throttling) are sent again, a few times.
            for _ in 0..5 {
                if pending.is_empty() {
                    break;
                }
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, std::mem::take(&mut pending))
                    .send()
                    .await
                    .map_err(unavailable)?;
                pending = out
                    .unprocessed_items
                    .and_then(|mut u| u.remove(&self.table))
                    .unwrap_or_default();
            }
            if !pending.is_empty() {
                return Err(StoreError::Unavailable(
                    "DynamoDB kept items unprocessed".into(),
                ));
            }
        }
        Ok(())
    }
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: u64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn text<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

fn number(item: &Item, name: &str) -> Option<u64> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
}

fn is_condition_failed<E: aws_sdk_dynamodb::error::ProvideErrorMetadata, R>(
    e: &SdkError<E, R>,
) -> bool {
    e.as_service_error()
        .and_then(|se| se.code())
        .is_some_and(|c| c == "ConditionalCheckFailedException")
}

fn unavailable<E, R>(e: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StoreError::Unavailable(DisplayErrorContext(e).to_string())
}

#[async_trait]
impl super::StatsStore for DynamoStore {
    async fn add_to_month(&self, month: &str, id: &IncidentId) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(format!("MONTH#{month}")))
            .key(SK, s(META))
            .update_expression("ADD ids :id")
            .expression_attribute_values(":id", AttributeValue::Ss(vec![id.to_string()]))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn month(&self, month: &str) -> Result<Vec<IncidentId>, StoreError> {
        let item = self.get(format!("MONTH#{month}")).await?;
        let ids = match item.as_ref().and_then(|i| i.get("ids")) {
            Some(AttributeValue::Ss(ids)) => {
                ids.iter().filter_map(|i| IncidentId::parse(i)).collect()
            }
            _ => vec![],
        };
        Ok(ids)
    }

    async fn load_many(&self, ids: &[IncidentId]) -> Result<Vec<Incident>, StoreError> {
        let items = self.batch_get(ids, META, "incident").await?;
        let mut out = Vec::with_capacity(items.len());
        for item in &items {
            if let Some(json) = text(item, "incident") {
                out.push(
                    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                );
            }
        }
        Ok(out)
    }
}

impl DynamoStore {
    /// The `sk` item of each incident (missing ones left out), `projection` only, 100
    /// keys a request; keys DynamoDB left unprocessed (throttling) are asked again.
    pub(super) async fn batch_get(
        &self,
        ids: &[IncidentId],
        sk: &str,
        projection: &str,
    ) -> Result<Vec<Item>, StoreError> {
        use aws_sdk_dynamodb::types::KeysAndAttributes;
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(100) {
            let keys: Vec<Item> = chunk
                .iter()
                .map(|id| {
                    HashMap::from([
                        (PK.to_owned(), s(keys::incident(id))),
                        (SK.to_owned(), s(sk)),
                    ])
                })
                .collect();
            let mut pending = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(keys))
                    .projection_expression(projection)
                    .build()
                    .map_err(|e| StoreError::Unavailable(e.to_string()))?,
            );
            for _ in 0..5 {
                let Some(request) = pending.take() else { break };
                let got = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(unavailable)?;
                out.extend(
                    got.responses
                        .and_then(|mut r| r.remove(&self.table))
                        .unwrap_or_default(),
                );
                pending = got
                    .unprocessed_keys
                    .and_then(|mut u| u.remove(&self.table))
                    .filter(|k| !k.keys.is_empty());
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl super::AuditLog for DynamoStore {
    async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let json = serde_json::to_string(entry).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        // Keyed by the command: a redelivery rewrites the same entry.
        self.client
            .put_item()
            .table_name(&self.table)
            .item(PK, s(keys::incident(&entry.incident)))
            .item(SK, s(keys::audit(entry.at, &entry.command_id)))
            .item("entry", s(json))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn trail(&self, id: &IncidentId) -> Result<Vec<AuditEntry>, StoreError> {
        let items = self
            .query_all(
                "pk = :pk AND begins_with(sk, :audit)",
                [
                    (":pk", s(keys::incident(id))),
                    (":audit", s(keys::AUDIT_PREFIX)),
                ],
            )
            .await?;
        items
            .iter()
            .map(|item| {
                let json = text(item, "entry").ok_or_else(|| {
                    StoreError::Corrupt(format!("{id}: audit entry without body"))
                })?;
                serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("{id}: {e}")))
            })
            .collect()
    }
}
