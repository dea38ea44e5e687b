//! The test harness: fresh AWS resources on the moto that `make test` started, and a
//! worker wired exactly as the Lambda is, with a clock and answers the test controls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod app;
pub mod proxy;

use async_trait::async_trait;
use aws_config::SdkConfig;
use flare::aws::{Resources, provision, sdk_config};
use flare::bus::{CommandEnvelope, EventBridgePublisher, Source};
use flare::clock::ShiftedClock;
use flare::config::Config;
use flare::domain::{Actor, Command, Declaration, IncidentId, Roles, SeverityScale, UserId};
use flare::store::DynamoStore;
use flare::worker::{Answer, Directory, Effect, Responder, Worker};
use std::sync::{Arc, Mutex};

/// The moto endpoint. `make test` starts one moto for the whole run and exports it.
pub fn endpoint() -> String {
    std::env::var("FLARE_TEST_AWS_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "FLARE_TEST_AWS_ENDPOINT is not set: run the tests with `make test`, which starts moto"
        )
    })
}

pub async fn sdk() -> SdkConfig {
    let endpoint = endpoint();
    assert!(
        endpoint.starts_with("http://127.0.0.1:") || endpoint.starts_with("http://localhost:"),
        "tests talk to loopback only, not {endpoint}"
    );
    sdk_config(Some(&endpoint)).await
}

/// A table, queue and bus of the test's own, so tests run in parallel.
pub async fn fresh(sdk: &SdkConfig) -> Resources {
    let prefix = format!("t{:012x}", fastrand::u64(..1 << 48));
    provision::ensure(sdk, &prefix).await.unwrap()
}

/// The harness has no chat: incidents have no channels, so nobody is a member of one.
pub struct NoChat;

#[async_trait]
impl Directory for NoChat {
    async fn in_channel(&self, _: &str, _: &UserId) -> Result<bool, String> {
        Ok(false)
    }
    async fn in_group(&self, _: &str, _: &UserId) -> Result<bool, String> {
        Ok(false)
    }
}

/// Answers the worker gave, for assertions.
#[derive(Clone, Default)]
pub struct Answers(pub Arc<Mutex<Vec<(String, Answer)>>>);

#[async_trait]
impl Responder for Answers {
    async fn answer(&self, envelope: &CommandEnvelope, answer: &Answer) {
        self.0
            .lock()
            .unwrap()
            .push((envelope.id.clone(), answer.clone()));
    }
}

pub struct Harness {
    pub sdk: SdkConfig,
    pub resources: Resources,
    pub store: Arc<DynamoStore>,
    pub clock: ShiftedClock,
    pub answers: Answers,
    pub config: Arc<Config>,
}

impl Harness {
    pub async fn new() -> Self {
        let sdk = sdk().await;
        let resources = fresh(&sdk).await;
        let store = Arc::new(DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&sdk),
            resources.table.clone(),
        ));
        Self {
            sdk,
            resources,
            store,
            clock: ShiftedClock::default(),
            answers: Answers::default(),
            config: Arc::new(Config::default()),
        }
    }

    pub fn publisher(&self) -> Arc<dyn Effect> {
        Arc::new(EventBridgePublisher::new(
            aws_sdk_eventbridge::Client::new(&self.sdk),
            self.resources.event_bus.clone(),
        ))
    }

    /// A worker as deployed, with the given effects.
    pub fn worker(&self, effects: Vec<Arc<dyn Effect>>) -> Worker {
        Worker {
            store: self.store.clone(),
            effects,
            responder: Arc::new(self.answers.clone()),
            clock: Arc::new(self.clock.clone()),
            config: self.config.clone(),
            audit: self.store.clone(),
            directory: Arc::new(NoChat),
        }
    }

    pub fn envelope(
        &self,
        id: &str,
        incident: Option<&IncidentId>,
        command: Command,
    ) -> CommandEnvelope {
        CommandEnvelope {
            id: id.into(),
            incident: incident.cloned(),
            command,
            actor: Actor::user(user("U0ALICE")),
            source: Source::Local,
            received_at: flare::clock::Clock::now(&self.clock),
            reply: None,
        }
    }
}

pub fn user(id: &str) -> UserId {
    UserId::parse(id).unwrap()
}

pub fn declaration(title: &str, severity: &str) -> Command {
    Command::Declare(Box::new(Declaration {
        title: title.into(),
        severity: SeverityScale::default().parse(severity).unwrap(),
        impact: String::new(),
        description: String::new(),
        services: vec![],
        customer: None,
        triage: false,
        private: false,
        page_oncall: false,
        roles: Roles::default(),
        impact_started_at: None,
        source_message: None,
        files: Vec::new(),
    }))
}
