//! Building [`Deps`] from the Lambda's environment.
//!
//! `FLARE_TABLE`, `FLARE_COMMAND_QUEUE_URL` (required); `FLARE_INBOUND_BUCKET`,
//! `FLARE_INBOUND_PREFIX` (default `inbound/`); `FLARE_CONFIG_PATH` (see
//! [`flare::runtime::load_config`]); `FLARE_TRIAGE_POLICY_PATH`, an optional YAML file
//! holding the policy until the configuration has a `triage:` section;
//! `FLARE_AWS_ENDPOINT` only for local runs against moto.

use crate::handler::{Deps, Inbound, S3MailSource};
use crate::policy::TriagePolicy;
use flare::bus::SqsCommandQueue;
use flare::clock::SystemClock;
use flare::store::DynamoStore;
use std::sync::Arc;

pub async fn deps_from_env() -> Result<Deps, String> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
    let table = var("FLARE_TABLE")?;
    let queue_url = var("FLARE_COMMAND_QUEUE_URL")?;
    let config = flare::runtime::load_config().map_err(|e| e.to_string())?;
    let policy = policy_from_env()?;
    for problem in policy.problems(&config.severities) {
        tracing::warn!(%problem, "triage policy");
    }
    let endpoint = std::env::var("FLARE_AWS_ENDPOINT").ok();
    let sdk = flare::aws::sdk_config(endpoint.as_deref()).await;
    let inbound = Inbound::from_env();
    if inbound.bucket.is_none() {
        tracing::warn!("FLARE_INBOUND_BUCKET is not set: only events naming a bucket work");
    }
    Ok(Deps {
        store: Arc::new(DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), table)),
        queue: Arc::new(SqsCommandQueue::new(
            aws_sdk_sqs::Client::new(&sdk),
            queue_url,
        )),
        config: Arc::new(config),
        policy,
        mail: Arc::new(S3MailSource::new(S3MailSource::client(
            &sdk,
            endpoint.is_some(),
        ))),
        clock: Arc::new(SystemClock),
        inbound,
    })
}

fn policy_from_env() -> Result<TriagePolicy, String> {
    match std::env::var("FLARE_TRIAGE_POLICY_PATH") {
        Ok(path) if !path.trim().is_empty() => {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
            TriagePolicy::from_yaml(&text).map_err(|e| format!("{path}: {e}"))
        }
        _ => Ok(TriagePolicy::default()),
    }
}
