//! Shared test helpers: fakes on a loopback port, an in-memory store, incidents.

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use flare::config::Config;
use flare::domain::{Actor, Declaration, Event, Incident, IncidentId, Recorded};
use flare::store::{Commit, IncidentStore, Index, OpenIncident, Outcome, StoreError, StoredEvent};
use flare_integrations::Endpoints;
use flare_integrations::fakes::Fakes;
use flare_integrations::http::{Http, Retry};
use flare_integrations::pager::Pagers;
use flare_integrations::secrets::FixedSecrets;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Fakes served on `127.0.0.1:0`; returns them and their base URL.
pub async fn serve() -> (Fakes, String) {
    let fakes = Fakes::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = fakes.router();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    (fakes, format!("http://{addr}"))
}

pub fn http() -> Http {
    Http::new(Retry::fast()).unwrap()
}

pub fn pagers(base: &str) -> Pagers {
    Pagers {
        http: http(),
        endpoints: Endpoints::local(base),
        secrets: Arc::new(FixedSecrets::local()),
        opsgenie_key_param: Some("/flare/opsgenie".into()),
    }
}

pub fn config(yaml: &str) -> Arc<Config> {
    Arc::new(Config::parse("test.yaml", yaml).unwrap())
}

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 4, 10, 0, 0).unwrap()
}

pub fn id() -> IncidentId {
    IncidentId::parse("20250304-brave-otter").unwrap()
}

pub fn record(version: u64, event: Event) -> Recorded {
    Recorded {
        incident_id: id(),
        version,
        at: t0(),
        actor: Actor::System {
            name: "test".into(),
        },
        command_id: format!("cmd-{version}"),
        event,
    }
}

/// A declaration event of `severity` for `services`.
pub fn declared(severity: &str, services: &[&str], triage: bool, page: bool) -> Recorded {
    let d: Declaration = serde_json::from_value(serde_json::json!({
        "title": "Checkout is down",
        "severity": severity,
        "impact": "Customers cannot pay",
        "services": services,
        "triage": triage,
        "page_oncall": page,
    }))
    .unwrap();
    record(1, Event::Declared(Box::new(d)))
}

pub fn incident_of(events: &[&Recorded]) -> Incident {
    let mut inc = Incident::from_declared(events[0]).unwrap();
    for e in &events[1..] {
        inc.apply(e);
    }
    inc
}

/// Only the refs matter to the paging effect; the rest answers emptily.
#[derive(Default)]
pub struct MemStore {
    pub refs: Mutex<HashMap<String, String>>,
}

#[async_trait]
impl IncidentStore for MemStore {
    async fn load(&self, _: &IncidentId) -> Result<Option<Incident>, StoreError> {
        Ok(None)
    }
    async fn events(&self, _: &IncidentId, _: u64) -> Result<Vec<StoredEvent>, StoreError> {
        Ok(Vec::new())
    }
    async fn commit(&self, _: Commit<'_>) -> Result<(), StoreError> {
        Err(StoreError::Unavailable("not in this fake".into()))
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
        _: &str,
        id: &IncidentId,
    ) -> Result<IncidentId, StoreError> {
        Ok(id.clone())
    }
    async fn get_index(&self, _: Index, _: &str) -> Result<Option<IncidentId>, StoreError> {
        Ok(None)
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
    async fn claim(
        &self,
        _: &str,
        _: chrono::Duration,
        _: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Ok(true)
    }
    async fn refs(&self, _: &IncidentId) -> Result<HashMap<String, String>, StoreError> {
        Ok(self.refs.lock().unwrap().clone())
    }
    async fn set_ref(&self, _: &IncidentId, key: &str, value: &str) -> Result<(), StoreError> {
        self.refs.lock().unwrap().insert(key.into(), value.into());
        Ok(())
    }
    async fn due(&self, _: DateTime<Utc>, _: i32) -> Result<Vec<OpenIncident>, StoreError> {
        Ok(Vec::new())
    }
    async fn open(&self) -> Result<Vec<OpenIncident>, StoreError> {
        Ok(Vec::new())
    }
}

/// The commands effects send back (a page on the timeline), kept for assertions.
#[derive(Default)]
pub struct MemQueue {
    pub sent: Mutex<Vec<flare::bus::CommandEnvelope>>,
}

#[async_trait]
impl flare::bus::CommandQueue for MemQueue {
    async fn send(&self, env: &flare::bus::CommandEnvelope) -> Result<(), flare::bus::BusError> {
        self.sent.lock().unwrap().push(env.clone());
        Ok(())
    }
}
