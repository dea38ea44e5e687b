//! [`MailDesk`] in the table: `ALLOWED_SENDERS` (one item, a string set), the mail log
//! (`MAILLOG#<day>`, `sk = <mail key>`) and the kept notes (`QUARANTINE#<key>`), the
//! last two with a TTL of [`KEEP_DAYS`].

use super::{DynamoStore, n, s, text, unavailable};
use crate::store::StoreError;
use crate::store::keys::{META, PK, SK, TTL};
use crate::store::mail_desk::{KEEP_DAYS, KeptNote, MailDesk, MailLogEntry};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, NaiveDate, Utc};

const ALLOWED: &str = "ALLOWED_SENDERS";

fn log_pk(day: NaiveDate) -> String {
    format!("MAILLOG#{}", day.format("%Y-%m-%d"))
}

fn note_pk(key: &str) -> String {
    format!("QUARANTINE#{key}")
}

fn expires(from: DateTime<Utc>) -> AttributeValue {
    n((from + Duration::days(KEEP_DAYS)).timestamp().max(0) as u64)
}

fn json<T: serde::Serialize>(v: &T) -> Result<AttributeValue, StoreError> {
    serde_json::to_string(v)
        .map(s)
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn parse<T: serde::de::DeserializeOwned>(what: &str, raw: Option<&str>) -> Result<T, StoreError> {
    let raw = raw.ok_or_else(|| StoreError::Corrupt(format!("{what}: no JSON")))?;
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

#[async_trait]
impl MailDesk for DynamoStore {
    async fn allowed_senders(&self) -> Result<Vec<String>, StoreError> {
        let item = self.get(ALLOWED.into()).await?;
        let mut out: Vec<String> = item
            .as_ref()
            .and_then(|i| i.get("senders"))
            .and_then(|v| v.as_ss().ok())
            .cloned()
            .unwrap_or_default();
        out.sort();
        Ok(out)
    }

    async fn allow_sender(&self, sender: &str) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(ALLOWED))
            .key(SK, s(META))
            .update_expression("ADD senders :s")
            .expression_attribute_values(":s", AttributeValue::Ss(vec![sender.to_owned()]))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn log_mail(&self, entry: &MailLogEntry) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item(PK, s(log_pk(entry.at.date_naive())))
            .item(SK, s(entry.key.clone()))
            .item("entry", json(entry)?)
            .item(TTL, expires(entry.at))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn mail_log(&self, day: NaiveDate) -> Result<Vec<MailLogEntry>, StoreError> {
        let items = self
            .query_all("pk = :pk", [(":pk", s(log_pk(day)))])
            .await?;
        items
            .iter()
            .map(|i| parse("mail log", text(i, "entry")))
            .collect()
    }

    async fn keep_note(&self, note: &KeptNote, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item(PK, s(note_pk(&note.note.key)))
            .item(SK, s(META))
            .item("note", json(note)?)
            .item(TTL, expires(now))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn note(&self, key: &str) -> Result<Option<KeptNote>, StoreError> {
        match self.get(note_pk(key)).await? {
            Some(item) => parse("quarantine note", text(&item, "note")).map(Some),
            None => Ok(None),
        }
    }
}
