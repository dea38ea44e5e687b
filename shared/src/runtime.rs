//! Building the parts from a Lambda's environment, shared by every function binary.

use crate::aws::{Resources, sdk_config};
use crate::bus::EventBridgePublisher;
use crate::clock::SystemClock;
use crate::config::{Config, ConfigError};
use crate::store::DynamoStore;
use crate::worker::{Effect, LogResponder, Worker};
use std::path::Path;
use std::sync::Arc;

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

/// The worker as deployed: DynamoDB store, EventBridge publisher, system clock.
pub async fn worker_from_env() -> Result<Worker, String> {
    let resources = Resources::from_env()?;
    let config = load_config().map_err(|e| e.to_string())?;
    let endpoint = std::env::var("FLARE_AWS_ENDPOINT").ok();
    let sdk = sdk_config(endpoint.as_deref()).await;
    let publisher: Arc<dyn Effect> = Arc::new(EventBridgePublisher::new(
        aws_sdk_eventbridge::Client::new(&sdk),
        resources.event_bus,
    ));
    Ok(Worker {
        store: Arc::new(DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&sdk),
            resources.table,
        )),
        effects: vec![publisher],
        responder: Arc::new(LogResponder),
        clock: Arc::new(SystemClock),
        config: Arc::new(config),
    })
}
