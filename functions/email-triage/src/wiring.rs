//! Building [`Deps`] from the Lambda's environment.
//!
//! `FLARE_TABLE`, `FLARE_COMMAND_QUEUE_URL` (required); `FLARE_INBOUND_BUCKET`,
//! `FLARE_INBOUND_PREFIX` (default `inbound/`); `FLARE_CONFIG_PATH` (see
//! [`flare::runtime::load_config`]; its `triage:` section is the policy);
//! `FLARE_AWS_ENDPOINT` only for local runs against moto.

use crate::handler::{Deps, Inbound, S3MailSource};
use flare::bus::SqsCommandQueue;
use flare::clock::SystemClock;
use flare::store::DynamoStore;
use std::sync::Arc;

pub async fn deps_from_env() -> Result<Deps, String> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
    let table = var("FLARE_TABLE")?;
    let queue_url = var("FLARE_COMMAND_QUEUE_URL")?;
    let config = flare::runtime::load_config().map_err(|e| e.to_string())?;
    let policy = config.triage.clone();
    let endpoint = flare::runtime::local_override("FLARE_AWS_ENDPOINT");
    let sdk = flare::aws::sdk_config(endpoint.as_deref()).await;
    let inbound = Inbound::from_env();
    if inbound.bucket.is_none() {
        tracing::warn!("FLARE_INBOUND_BUCKET is not set: only events naming a bucket work");
    }
    let store = Arc::new(DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), table));
    Ok(Deps {
        store: store.clone(),
        desk: store,
        files: Arc::new(flare::store::files::S3Files::new(&sdk, endpoint.is_some())),
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
