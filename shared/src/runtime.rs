//! Building the parts from a Lambda's environment, shared by every function binary.

use crate::aws::{Resources, sdk_config};
use crate::bus::{EventBridgePublisher, SqsCommandQueue};
use crate::clock::SystemClock;
use crate::config::{Config, ConfigError};
use crate::slack::api::{SlackApi, SlackWebApi, install_crypto_provider};
use crate::slack::app::SlackApp;
use crate::slack::effects::{SlackEffect, SlackResponder};
use crate::store::DynamoStore;
use crate::worker::{Effect, Worker};
use aws_config::SdkConfig;
use std::path::Path;
use std::sync::Arc;

/// Where `response_url`s may point: Slack's own hooks host.
const SLACK_RESPONSE_URLS: &str = "https://hooks.slack.com/";

/// `FLARE_CONFIG_PATH` names the YAML file (bundled next to the binary by default:
/// `flare.yaml`); without a file, the default process (S1–S4, `#incidents`) applies.
pub fn load_config() -> Result<Config, ConfigError> {
    let path = std::env::var("FLARE_CONFIG_PATH").unwrap_or_else(|_| "flare.yaml".into());
    let path = Path::new(&path);
    if path.exists() {
        Config::load(path)
    } else {
        tracing::warn!(path = %path.display(), "no configuration file; using the defaults");
        Ok(Config::default())
    }
}

struct Env {
    sdk: SdkConfig,
    resources: Resources,
    config: Arc<Config>,
    store: Arc<DynamoStore>,
    slack: Arc<dyn SlackApi>,
    signing_secret: String,
}

async fn env() -> Result<Env, String> {
    install_crypto_provider();
    let resources = Resources::from_env()?;
    let config = Arc::new(load_config().map_err(|e| e.to_string())?);
    // Only for local runs of the real binaries (tests); unset in AWS.
    let endpoint = std::env::var("FLARE_AWS_ENDPOINT").ok();
    let sdk = sdk_config(endpoint.as_deref()).await;
    let secrets = crate::secrets::slack(&sdk).await?;
    let api_url = std::env::var("FLARE_SLACK_API_URL").ok();
    let response_urls = std::env::var("FLARE_SLACK_RESPONSE_URL_PREFIX")
        .unwrap_or_else(|_| SLACK_RESPONSE_URLS.into());
    let slack = Arc::new(SlackWebApi::new(
        &secrets.bot_token,
        api_url.as_deref(),
        &response_urls,
    )?);
    let store = Arc::new(DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&sdk),
        resources.table.clone(),
    ));
    Ok(Env {
        sdk,
        resources,
        config,
        store,
        slack,
        signing_secret: secrets.signing_secret,
    })
}

/// The worker as deployed: DynamoDB store, EventBridge publisher, Slack effects.
pub async fn worker_from_env() -> Result<Worker, String> {
    let e = env().await?;
    let publisher: Arc<dyn Effect> = Arc::new(EventBridgePublisher::new(
        aws_sdk_eventbridge::Client::new(&e.sdk),
        e.resources.event_bus,
    ));
    let slack: Arc<dyn Effect> = Arc::new(SlackEffect::new(
        e.slack.clone(),
        e.store.clone(),
        e.config.clone(),
    ));
    Ok(Worker {
        store: e.store,
        effects: vec![publisher, slack],
        responder: Arc::new(SlackResponder { api: e.slack }),
        clock: Arc::new(SystemClock),
        config: e.config,
    })
}

/// The Slack request handler as deployed.
pub async fn slack_app_from_env() -> Result<SlackApp, String> {
    let e = env().await?;
    Ok(SlackApp {
        signing_secret: e.signing_secret,
        store: e.store,
        queue: Arc::new(SqsCommandQueue::new(
            aws_sdk_sqs::Client::new(&e.sdk),
            e.resources.command_queue_url,
        )),
        api: e.slack,
        config: e.config,
        clock: Arc::new(SystemClock),
    })
}
