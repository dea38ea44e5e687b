//! Lambda: SES receipt rule (S3 action first, then this function) → triage incident.

use flare::slack::api::{SlackApi, SlackWebApi};
use flare_email_triage::{Deps, Handled, SesEvent, handle};
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    // Before any TLS use: the AWS SDK and slack-morphism bring two rustls providers.
    flare::slack::api::install_crypto_provider();
    flare::telemetry::init();
    let deps = flare_email_triage::wiring::deps_from_env().await?;
    let slack = quarantine_notes().await?;
    let (deps, slack) = (&deps, &slack);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SesEvent>| async move {
        run(deps, slack, event.payload).await
    }))
    .await
}

/// The bot, to post quarantine notes in the triage channel (its token from SSM).
async fn quarantine_notes() -> Result<SlackWebApi, String> {
    let endpoint = std::env::var("FLARE_AWS_ENDPOINT").ok();
    let sdk = flare::aws::sdk_config(endpoint.as_deref()).await;
    let bot_token = flare::secrets::bot_token(&sdk).await?;
    let api_url = std::env::var("FLARE_SLACK_API_URL").ok();
    SlackWebApi::new(
        &bot_token,
        api_url.as_deref(),
        flare::runtime::SLACK_RESPONSE_URLS,
    )
}

async fn run(deps: &Deps, slack: &SlackWebApi, event: SesEvent) -> Result<(), Error> {
    for handled in handle(event, deps).await? {
        if let Handled::Quarantined(q) = handled {
            tracing::warn!(mail_key = %q.mail.key, reason = %q.reason, "quarantined mail");
            let note = serde_json::json!({ "channel": deps.config.channels.triage, "text": q.slack_note() });
            // Best effort: the mail stays in the inbound bucket either way.
            if let Err(e) = slack.call("chat.postMessage", note).await {
                tracing::warn!(error = %e, "could not post the quarantine note");
            }
        }
    }
    Ok(())
}
