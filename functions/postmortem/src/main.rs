//! Lambda: `IncidentResolved` on the EventBridge bus → the postmortem draft in S3 and
//! in the incident's Slack channel.

use flare_postmortem::lease::DynamoLeases;
use flare_postmortem::{Postmortems, handle_event_leased};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    flare::slack::api::install_crypto_provider();
    flare::telemetry::init();
    flare::runtime::refuse_local_overrides()?;
    let wiring = flare::runtime::Wiring::from_env().await?;
    let service = Postmortems::from_wiring(&wiring)?;
    let leases = DynamoLeases::new(
        aws_sdk_dynamodb::Client::new(&wiring.sdk),
        wiring.resources.table.clone(),
    );
    let (service, leases) = (&service, &leases);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let outcome = handle_event_leased(service, leases, event.payload).await?;
        Ok::<_, Error>(serde_json::to_value(outcome)?)
    }))
    .await
}
