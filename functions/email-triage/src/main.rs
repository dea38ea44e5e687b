//! Lambda: SES receipt rule (S3 action first, then this function) → triage incident.

use flare_email_triage::{Deps, Handled, SesEvent, handle};
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    // Before any TLS use: the AWS SDK and slack-morphism bring two rustls providers.
    flare::slack::api::install_crypto_provider();
    flare::telemetry::init();
    let deps = flare_email_triage::wiring::deps_from_env().await?;
    let deps = &deps;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SesEvent>| async move {
        run(deps, event.payload).await
    }))
    .await
}

async fn run(deps: &Deps, event: SesEvent) -> Result<(), Error> {
    for handled in handle(event, deps).await? {
        if let Handled::Quarantined(q) = handled {
            // The Slack note in the triage channel is not wired yet: logged instead.
            tracing::warn!(
                mail_key = %q.mail.key,
                sender = %q.mail.from_address,
                reason = %q.reason,
                "quarantined mail (no Slack note posted)"
            );
        }
    }
    Ok(())
}
