//! Test doubles for the handler's ports, and fixture loading.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use flare::bus::{BusError, CommandEnvelope, CommandQueue};
use flare::clock::Clock;
use flare::config::Config;
use flare::domain::{Incident, IncidentId};
use flare::store::files::FileStore;
use flare::store::mail_desk::{KeptNote, MailDesk, MailLogEntry};
use flare::store::{Commit, IncidentStore, Index, OpenIncident, Outcome, StoreError, StoredEvent};
use flare_email_triage::TriagePolicy;
use flare_email_triage::handler::{Deps, FetchError, Fetched, Inbound, MailSource};
use flare_email_triage::ses::ObjectLocation;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap()
}

pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// The mail-thread index, claims and applied outcomes are real; everything else is
/// never called.
#[derive(Default)]
pub struct ThreadStore {
    pub threads: Mutex<HashMap<String, IncidentId>>,
    /// Claimed keys (first writer wins, like the DynamoDB conditional put).
    pub claims: Mutex<Vec<String>>,
    /// Command keys the worker applied.
    pub applied: Mutex<HashMap<String, IncidentId>>,
    pub fail: bool,
}

#[async_trait]
impl IncidentStore for ThreadStore {
    async fn load(&self, _: &IncidentId) -> Result<Option<Incident>, StoreError> {
        unreachable!("load")
    }
    async fn events(&self, _: &IncidentId, _: u64) -> Result<Vec<StoredEvent>, StoreError> {
        unreachable!("events")
    }
    async fn commit(&self, _: Commit<'_>) -> Result<(), StoreError> {
        unreachable!("commit")
    }
    async fn outcome(&self, key: &str) -> Result<Option<Outcome>, StoreError> {
        if self.fail {
            return Err(StoreError::Unavailable("throttled".into()));
        }
        Ok(self
            .applied
            .lock()
            .unwrap()
            .get(key)
            .map(|incident| Outcome::Applied {
                incident: incident.clone(),
                versions: vec![1],
            }))
    }
    async fn reject(&self, _: &str, _: &str) -> Result<(), StoreError> {
        unreachable!("reject")
    }
    async fn effect_done(&self, _: &IncidentId, _: u64, _: &str) -> Result<(), StoreError> {
        unreachable!("effect_done")
    }
    async fn put_index(
        &self,
        index: Index,
        key: &str,
        id: &IncidentId,
    ) -> Result<IncidentId, StoreError> {
        assert_eq!(index, Index::MailThread);
        Ok(self
            .threads
            .lock()
            .unwrap()
            .entry(key.to_owned())
            .or_insert_with(|| id.clone())
            .clone())
    }
    async fn get_index(&self, index: Index, key: &str) -> Result<Option<IncidentId>, StoreError> {
        assert_eq!(index, Index::MailThread);
        if self.fail {
            return Err(StoreError::Unavailable("throttled".into()));
        }
        Ok(self.threads.lock().unwrap().get(key).cloned())
    }
    async fn move_index(
        &self,
        _: Index,
        _: &str,
        _: &IncidentId,
        _: &IncidentId,
    ) -> Result<(), StoreError> {
        unreachable!("move_index")
    }
    async fn claim(
        &self,
        key: &str,
        _: chrono::Duration,
        _: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        if self.fail {
            return Err(StoreError::Unavailable("throttled".into()));
        }
        let mut claims = self.claims.lock().unwrap();
        if claims.iter().any(|c| c == key) {
            return Ok(false);
        }
        claims.push(key.to_owned());
        Ok(true)
    }
    async fn refs(&self, _: &IncidentId) -> Result<HashMap<String, String>, StoreError> {
        unreachable!("refs")
    }
    async fn set_ref(&self, _: &IncidentId, _: &str, _: &str) -> Result<(), StoreError> {
        unreachable!("set_ref")
    }
    async fn due(&self, _: DateTime<Utc>, _: i32) -> Result<Vec<OpenIncident>, StoreError> {
        unreachable!("due")
    }
    async fn open(&self) -> Result<Vec<OpenIncident>, StoreError> {
        unreachable!("open")
    }
}

/// The mail log and the senders allowed from Slack, in memory.
#[derive(Default)]
pub struct MemoryDesk {
    pub allowed: Mutex<Vec<String>>,
    pub log: Mutex<Vec<MailLogEntry>>,
}

#[async_trait]
impl MailDesk for MemoryDesk {
    async fn allowed_senders(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.allowed.lock().unwrap().clone())
    }
    async fn allow_sender(&self, sender: &str) -> Result<(), StoreError> {
        self.allowed.lock().unwrap().push(sender.to_owned());
        Ok(())
    }
    async fn log_mail(&self, entry: &MailLogEntry) -> Result<(), StoreError> {
        let mut log = self.log.lock().unwrap();
        log.retain(|e| e.key != entry.key);
        log.push(entry.clone());
        Ok(())
    }
    async fn mail_log(&self, _: chrono::NaiveDate) -> Result<Vec<MailLogEntry>, StoreError> {
        Ok(self.log.lock().unwrap().clone())
    }
    async fn keep_note(&self, _: &KeptNote, _: DateTime<Utc>) -> Result<(), StoreError> {
        unreachable!("keep_note: the worker's")
    }
    async fn note(&self, _: &str) -> Result<Option<KeptNote>, StoreError> {
        unreachable!("note: the worker's")
    }
}

/// Objects by `bucket/key`, for the report's files.
#[derive(Default)]
pub struct MemoryFiles(pub Mutex<HashMap<String, (String, Vec<u8>)>>);

#[async_trait]
impl FileStore for MemoryFiles {
    async fn put(
        &self,
        bucket: &str,
        key: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<(), String> {
        self.0
            .lock()
            .unwrap()
            .insert(format!("{bucket}/{key}"), (content_type.to_owned(), bytes));
        Ok(())
    }
    async fn get(&self, bucket: &str, key: &str) -> Result<Vec<u8>, String> {
        self.0
            .lock()
            .unwrap()
            .get(&format!("{bucket}/{key}"))
            .map(|(_, b)| b.clone())
            .ok_or_else(|| "NoSuchKey".into())
    }
}

#[derive(Default)]
pub struct MemoryQueue {
    pub sent: Mutex<Vec<CommandEnvelope>>,
    pub fail: bool,
}

#[async_trait]
impl CommandQueue for MemoryQueue {
    async fn send(&self, envelope: &CommandEnvelope) -> Result<(), BusError> {
        if self.fail {
            return Err(BusError("SQS unavailable".into()));
        }
        self.sent.lock().unwrap().push(envelope.clone());
        Ok(())
    }
}

/// Objects by `bucket/key`.
#[derive(Default)]
pub struct MemoryBucket(pub Mutex<HashMap<String, Vec<u8>>>);

impl MemoryBucket {
    pub fn put(&self, bucket: &str, key: &str, body: Vec<u8>) {
        self.0
            .lock()
            .unwrap()
            .insert(format!("{bucket}/{key}"), body);
    }
}

#[async_trait]
impl MailSource for MemoryBucket {
    async fn fetch(&self, at: &ObjectLocation) -> Result<Fetched, FetchError> {
        self.0
            .lock()
            .unwrap()
            .get(&format!("{}/{}", at.bucket, at.key))
            .cloned()
            .map(Fetched::Mail)
            .ok_or_else(|| FetchError("NoSuchKey".into()))
    }
}

pub fn config() -> Config {
    Config::parse(
        "test.yaml",
        "customers:\n  - { id: acme, name: ACME Corp, mail_domains: [acme.com] }\n",
    )
    .unwrap()
}

pub struct Fakes {
    pub store: Arc<ThreadStore>,
    pub desk: Arc<MemoryDesk>,
    pub files: Arc<MemoryFiles>,
    pub queue: Arc<MemoryQueue>,
    pub bucket: Arc<MemoryBucket>,
}

impl Fakes {
    pub fn new() -> Self {
        Self {
            store: Arc::new(ThreadStore::default()),
            desk: Arc::new(MemoryDesk::default()),
            files: Arc::new(MemoryFiles::default()),
            queue: Arc::new(MemoryQueue::default()),
            bucket: Arc::new(MemoryBucket::default()),
        }
    }

    pub fn deps(&self, policy: TriagePolicy) -> Deps {
        Deps {
            store: self.store.clone(),
            desk: self.desk.clone(),
            files: self.files.clone(),
            queue: self.queue.clone(),
            config: Arc::new(config()),
            policy,
            mail: self.bucket.clone(),
            clock: Arc::new(FixedClock(now())),
            inbound: Inbound {
                bucket: Some("mail".into()),
                prefix: "inbound/".into(),
            },
        }
    }

    pub fn sent(&self) -> Vec<CommandEnvelope> {
        self.queue.sent.lock().unwrap().clone()
    }
}

/// An SES event for one stored mail (AWS's example with our ids and verdicts).
pub fn ses_event(ses_message_id: &str, verdict: &str) -> flare_email_triage::SesEvent {
    let mut v: serde_json::Value =
        serde_json::from_slice(&fixture("ses-lambda-event.json")).unwrap();
    let ses = &mut v["Records"][0]["ses"];
    ses["mail"]["messageId"] = ses_message_id.into();
    for k in [
        "spamVerdict",
        "virusVerdict",
        "spfVerdict",
        "dkimVerdict",
        "dmarcVerdict",
    ] {
        ses["receipt"][k]["status"] = "PASS".into();
    }
    if verdict != "PASS" {
        ses["receipt"]["spamVerdict"]["status"] = verdict.into();
    }
    serde_json::from_value(v).unwrap()
}
