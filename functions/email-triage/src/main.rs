//! Lambda: SES receipt rule (S3 action first, then this function) → triage incident.
//!
//! The function never talks to Slack: declarations, replies and quarantine notes
//! all go through the command queue to the worker.

use flare_email_triage::{SesEvent, handle};
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    // Before any TLS use: the AWS SDK and slack-morphism (linked through `flare`)
    // bring two rustls providers.
    flare::slack::api::install_crypto_provider();
    flare::telemetry::init();
    flare::runtime::refuse_local_overrides()?;
    let deps = flare_email_triage::wiring::deps_from_env().await?;
    let deps = &deps;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SesEvent>| async move {
        handle(event.payload, deps).await?;
        Ok::<(), Error>(())
    }))
    .await
}
