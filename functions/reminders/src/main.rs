//! Lambda on an EventBridge schedule (rate 1 minute): the reminders' tick.

use flare::clock::{Clock, SystemClock};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Error> {
    flare::telemetry::init();
    flare::runtime::refuse_local_overrides()?;
    let parts = flare::runtime::reminders_from_env().await?;
    let parts = &parts;
    lambda_runtime::run(service_fn(move |_: LambdaEvent<Value>| async move {
        let report = flare::reminders::tick(
            parts.store.as_ref(),
            parts.queue.as_ref(),
            &parts.config,
            SystemClock.now(),
        )
        .await?;
        Ok::<_, Error>(json!({ "due": report.due, "sent": report.sent }))
    }))
    .await
}
