//! In-memory doubles for the benchmarks only: they measure Flare's own work on the
//! hot paths, without moto's latency in the numbers (the tests use moto).
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use flare::bus::{BusError, CommandEnvelope, CommandQueue};
use flare::domain::{Incident, IncidentId};
use flare::slack::api::{SlackApi, SlackError};
use flare::store::{Commit, IncidentStore, Index, OpenIncident, Outcome, StoreError, StoredEvent};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Default)]
pub struct MemoryStore {
    pub index: Mutex<HashMap<String, IncidentId>>,
    pub open: Mutex<Vec<OpenIncident>>,
}

#[async_trait]
impl IncidentStore for MemoryStore {
    async fn load(&self, _: &IncidentId) -> Result<Option<Incident>, StoreError> {
        Ok(None)
    }
    async fn events(&self, _: &IncidentId, _: u64) -> Result<Vec<StoredEvent>, StoreError> {
        Ok(vec![])
    }
    async fn commit(&self, _: Commit<'_>) -> Result<(), StoreError> {
        Ok(())
    }
    async fn outcome(&self, _: &str) -> Result<Option<Outcome>, StoreError> {
        Ok(None)
    }
    async fn reject(&self, _: &str, _: &str) -> Result<(), StoreError> {
        Ok(())
    }
    async fn effect_done(&self, _: &IncidentId, _: u64, _: &str) -> Result<(), StoreError> {
        Ok(())
    }
    async fn put_index(
        &self,
        _: Index,
        k: &str,
        id: &IncidentId,
    ) -> Result<IncidentId, StoreError> {
        self.index.lock().unwrap().insert(k.into(), id.clone());
        Ok(id.clone())
    }
    async fn get_index(&self, _: Index, k: &str) -> Result<Option<IncidentId>, StoreError> {
        Ok(self.index.lock().unwrap().get(k).cloned())
    }
    async fn move_index(
        &self,
        _: Index,
        _: &str,
        _: &IncidentId,
        _: &IncidentId,
    ) -> Result<(), StoreError> {
        Ok(())
    }
    async fn claim(&self, _: &str, _: Duration, _: DateTime<Utc>) -> Result<bool, StoreError> {
        Ok(true)
    }
    async fn refs(&self, _: &IncidentId) -> Result<HashMap<String, String>, StoreError> {
        Ok(HashMap::new())
    }
    async fn set_ref(&self, _: &IncidentId, _: &str, _: &str) -> Result<(), StoreError> {
        Ok(())
    }
    async fn due(&self, now: DateTime<Utc>, limit: i32) -> Result<Vec<OpenIncident>, StoreError> {
        let open = self.open.lock().unwrap();
        Ok(open
            .iter()
            .filter(|o| o.due.is_some_and(|d| d <= now))
            .take(limit as usize)
            .cloned()
            .collect())
    }
    async fn open(&self) -> Result<Vec<OpenIncident>, StoreError> {
        Ok(self.open.lock().unwrap().clone())
    }
}

/// Serializes the envelope (as the SQS adapter does) and drops it.
#[derive(Default)]
pub struct NullQueue;

#[async_trait]
impl CommandQueue for NullQueue {
    async fn send(&self, envelope: &CommandEnvelope) -> Result<(), BusError> {
        let body = serde_json::to_string(envelope).map_err(|e| BusError(e.to_string()))?;
        std::hint::black_box(body);
        Ok(())
    }
}

/// Answers the few Web API calls the request path makes.
pub struct CannedSlack;

#[async_trait]
impl SlackApi for CannedSlack {
    async fn call(&self, method: &str, _: Value) -> Result<Value, SlackError> {
        Ok(match method {
            "conversations.history" => {
                json!({ "ok": true, "messages": [{ "ts": "1700000000.000100", "user": "U0BOB", "text": "db cpu at 100%" }] })
            }
            "chat.getPermalink" => {
                json!({ "ok": true, "permalink": "https://x.slack.com/archives/C1/p1700000000000100" })
            }
            _ => json!({ "ok": true }),
        })
    }
    async fn respond(&self, _: &str, _: &str) -> Result<(), SlackError> {
        Ok(())
    }
}

#[async_trait]
impl flare::store::listing::OpenListing for MemoryStore {
    async fn cards(
        &self,
        _: &flare::store::listing::CardQuery<'_>,
        _: &flare::store::listing::Cursor,
        _: usize,
    ) -> Result<flare::store::listing::CardPage, StoreError> {
        Ok(flare::store::listing::CardPage::default())
    }
    async fn count(&self, _: &flare::domain::UserId) -> Result<usize, StoreError> {
        Ok(0)
    }
    async fn channels(
        &self,
        _: &[IncidentId],
    ) -> Result<std::collections::HashMap<IncidentId, String>, StoreError> {
        Ok(std::collections::HashMap::new())
    }
}

#[async_trait]
impl flare::store::StatsStore for MemoryStore {
    async fn add_to_month(&self, _: &str, _: &IncidentId) -> Result<(), StoreError> {
        Ok(())
    }
    async fn month(&self, _: &str) -> Result<Vec<IncidentId>, StoreError> {
        Ok(vec![])
    }
    async fn load_many(&self, _: &[IncidentId]) -> Result<Vec<Incident>, StoreError> {
        Ok(vec![])
    }
}

#[async_trait]
impl flare::store::AuditLog for MemoryStore {
    async fn record(&self, _: &flare::domain::AuditEntry) -> Result<(), StoreError> {
        Ok(())
    }
    async fn trail(&self, _: &IncidentId) -> Result<Vec<flare::domain::AuditEntry>, StoreError> {
        Ok(vec![])
    }
}
