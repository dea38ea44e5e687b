//! Lambda: `IncidentResolved` on the EventBridge bus → the postmortem draft in S3 and
//! in the incident's Slack channel.

use flare_postmortem::{Postmortems, handle_event};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    flare::slack::api::install_crypto_provider();
    flare::telemetry::init();
    let wiring = flare::runtime::Wiring::from_env().await?;
    let service = Postmortems::from_wiring(&wiring)?;
    let service = &service;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let outcome = handle_event(service, event.payload).await?;
        Ok::<_, Error>(serde_json::to_value(outcome)?)
    }))
    .await
}
