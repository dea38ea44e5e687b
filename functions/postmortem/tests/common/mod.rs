//! What the integration tests share: moto (`FLARE_TEST_AWS_ENDPOINT`), the Slack
//! simulator, a table and a versioned bucket of their own, and small incidents.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
use chrono::{Duration, TimeZone, Utc};
use flare::aws::{Resources, provision, sdk_config};
use flare::config::Config;
use flare::domain::{Command, Declaration, Incident, IncidentId, Recorded, Roles};
use flare::slack::api::SlackWebApi;
use flare::store::{Commit, DynamoStore, IncidentStore};
use flare_postmortem::Postmortems;
use flare_postmortem::S3PostmortemStore;
use flare_postmortem::fixtures::{Script, person, severity};
use flare_postmortem::publish::Publisher;
use flare_postmortem::upload::HttpUploader;
use flare_slack_sim::{Seed, SimConfig, Simulator};
use serde_json::{Value, json};
use std::sync::Arc;

pub fn endpoint() -> String {
    let endpoint = std::env::var("FLARE_TEST_AWS_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "FLARE_TEST_AWS_ENDPOINT is not set: run the tests with `make test`, which starts moto \
             (or start one: python3 infra/scripts/moto_serialized.py 127.0.0.1 4598 and export \
             FLARE_TEST_AWS_ENDPOINT=http://127.0.0.1:4598)"
        )
    });
    assert!(
        endpoint.starts_with("http://127.0.0.1:") || endpoint.starts_with("http://localhost:"),
        "tests talk to loopback only, not {endpoint}"
    );
    endpoint
}

pub struct World {
    pub sdk: aws_config::SdkConfig,
    pub resources: Resources,
    pub endpoint: String,
    pub sim: Simulator,
    pub store: Arc<DynamoStore>,
    pub s3: aws_sdk_s3::Client,
    pub bucket: String,
    pub service: Postmortems,
    pub incidents_channel: String,
}

impl World {
    pub async fn new() -> Self {
        flare::slack::api::install_crypto_provider();
        let endpoint = endpoint();
        let sdk = sdk_config(Some(&endpoint)).await;
        let prefix = format!("pm{:010x}", fastrand::u64(..1 << 40));
        let resources = provision::ensure(&sdk, &prefix).await.unwrap();
        let store = Arc::new(DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&sdk),
            resources.table.clone(),
        ));
        let bucket = format!("{prefix}-postmortems");
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk)
                .force_path_style(true)
                .build(),
        );
        s3.create_bucket().bucket(&bucket).send().await.unwrap();
        s3.put_bucket_versioning()
            .bucket(&bucket)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let (sim, _) = Simulator::start(
            SimConfig::default().with_seed(Seed::load_default().with_channel("incidents")),
        )
        .await
        .unwrap();
        let incidents_channel = sim.channel_by_name("incidents").unwrap().id;
        let api: Arc<dyn flare::slack::api::SlackApi> = Arc::new(
            SlackWebApi::new(
                &sim.config().bot_token,
                Some(&format!("{}/api", sim.config().base_url)),
                &format!("{}/sim/response/", sim.config().base_url),
            )
            .unwrap(),
        );
        let config = Arc::new(Config::default());
        let service = Postmortems {
            incidents: store.clone(),
            documents: Arc::new(S3PostmortemStore::from_sdk(&sdk, &bucket, Some(&endpoint))),
            publisher: Some(Publisher {
                api: api.clone(),
                uploader: Arc::new(HttpUploader::new()),
                incidents: store.clone(),
                config: config.clone(),
            }),
            names: Some(Arc::new(flare::slack::people::SlackNames::new(api))),
            config,
        };
        Self {
            sdk,
            resources,
            endpoint,
            sim,
            store,
            s3,
            bucket,
            service,
            incidents_channel,
        }
    }

    /// Stores events `from..` of `timeline` (1-based versions) in one commit.
    pub async fn commit(&self, timeline: &[Recorded], upto: usize) {
        let done = self
            .store
            .load(&timeline[0].incident_id)
            .await
            .unwrap()
            .map_or(0, |i| i.version as usize);
        let incident = Incident::replay(&timeline[..upto]).unwrap();
        self.store
            .commit(Commit {
                expected_version: done as u64,
                incident: &incident,
                events: &timeline[done..upto],
                effects: &[],
                dedup_key: &format!("test#{}#{upto}", incident.id),
                next_due: None,
                listed: None,
                listed_before: None,
            })
            .await
            .unwrap();
    }

    /// The incident channel (created as the bot, as the worker does) and the
    /// announcement in #incidents, recorded as the worker records them.
    pub async fn slack_refs(&self, incident: &Incident) -> String {
        let name = format!("inc-{}", incident.id);
        let created = self
            .sim
            .call_as_bot(
                "conversations.create",
                json!({ "name": name, "is_private": incident.private }),
            )
            .unwrap();
        let channel = created["channel"]["id"].as_str().unwrap().to_owned();
        let announced = self
            .sim
            .call_as_bot(
                "chat.postMessage",
                json!({ "channel": self.incidents_channel, "text": format!("Incident {}", incident.id) }),
            )
            .unwrap();
        let id = &incident.id;
        self.store.set_ref(id, "channel", &channel).await.unwrap();
        self.store.set_ref(id, "channel_name", &name).await.unwrap();
        self.store
            .set_ref(id, "announcement_ts", announced["ts"].as_str().unwrap())
            .await
            .unwrap();
        channel
    }

    pub async fn versions(&self, id: &IncidentId) -> usize {
        let key = format!("postmortems/{id}.md");
        let out = self
            .s3
            .list_object_versions()
            .bucket(&self.bucket)
            .prefix(&key)
            .send()
            .await
            .unwrap();
        out.versions()
            .iter()
            .filter(|v| v.key() == Some(key.as_str()))
            .count()
    }

    /// Replies in the announcement's thread in #incidents.
    pub fn notices(&self) -> Vec<flare_slack_sim::Message> {
        self.sim
            .channel(&self.incidents_channel)
            .unwrap()
            .messages
            .into_iter()
            .filter(|m| m.thread_ts.as_ref().is_some_and(|t| *t != m.ts))
            .collect()
    }
}

/// EventBridge's envelope as moto delivers it (no `account`).
pub fn resolved_event(id: &IncidentId) -> Value {
    json!({
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "IncidentResolved",
        "source": "flare.incidents",
        "time": "2024-01-22T12:37:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": { "incident_id": id, "event": {}, "incident": {} },
    })
}

/// A small incident: declared, then the given commands, one a minute.
pub fn incident(id: &str, private: bool, then: &[Command]) -> Vec<Recorded> {
    let t0 = Utc.with_ymd_and_hms(2024, 2, 1, 10, 0, 0).unwrap();
    let alice = person("U0ALICE").unwrap();
    let mut s = Script::new(id, t0).unwrap();
    s.run(
        &alice,
        Command::Declare(Box::new(Declaration {
            title: "Search is slow".into(),
            severity: severity("S2").unwrap(),
            impact: String::new(),
            description: String::new(),
            services: vec![],
            customer: None,
            triage: false,
            private,
            page_oncall: false,
            roles: Roles::default(),
            impact_started_at: Some(t0 - Duration::minutes(10)),
            source_message: None,
            files: Vec::new(),
        })),
    )
    .unwrap();
    for c in then {
        s.wait(1).run(&alice, c.clone()).unwrap();
    }
    s.finish().unwrap().1
}

pub fn resolve() -> Command {
    Command::Resolve {
        summary: Some("Index rebuilt.".into()),
    }
}
