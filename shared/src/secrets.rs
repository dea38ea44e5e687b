//! Secrets from SSM Parameter Store (SecureString), read once per container.
//! Never logged; plain environment variables are accepted in local mode only.
//!
//! Each function reads only what it uses: the Slack function both secrets (it verifies
//! requests and calls Slack), the others the bot token alone. A parameter that doesn't
//! exist yet is not an error for the Slack function: on a first deployment the stack
//! exists before the Slack app does, so it starts without them and says setup is
//! unfinished ([`optional`]).

use aws_config::SdkConfig;

/// Names the signing secret's parameter (the Slack function only).
pub const SIGNING_SECRET_PARAM_ENV: &str = "FLARE_SLACK_SIGNING_SECRET_PARAM";
/// Names the bot token's parameter.
pub const BOT_TOKEN_PARAM_ENV: &str = "FLARE_SLACK_BOT_TOKEN_PARAM";
const SIGNING_SECRET_LOCAL_ENV: &str = "SLACK_SIGNING_SECRET";
const BOT_TOKEN_LOCAL_ENV: &str = "SLACK_BOT_TOKEN";

#[derive(Clone)]
pub struct SlackSecrets {
    pub signing_secret: String,
    pub bot_token: String,
}

impl std::fmt::Debug for SlackSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SlackSecrets { .. }")
    }
}

/// The parameter's value; `None` if it doesn't exist or is empty.
async fn parameter(sdk: &SdkConfig, name: &str) -> Result<Option<String>, String> {
    let out = aws_sdk_ssm::Client::new(sdk)
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await;
    match out {
        Ok(out) => Ok(out
            .parameter
            .and_then(|p| p.value)
            .filter(|v| !v.is_empty())),
        Err(e)
            if e.as_service_error()
                .is_some_and(|se| se.is_parameter_not_found()) =>
        {
            Ok(None)
        }
        Err(e) => Err(format!(
            "reading SSM parameter {name}: {}",
            aws_sdk_ssm::error::DisplayErrorContext(e)
        )),
    }
}

/// The secret whose parameter `param_var` names (with `FLARE_LOCAL=1`, `local_var` may
/// hold the value itself); `None` while the parameter doesn't exist.
async fn optional(
    sdk: &SdkConfig,
    param_var: &str,
    local_var: &str,
) -> Result<Option<String>, String> {
    let local = crate::runtime::local_override("FLARE_LOCAL").is_some_and(|v| v == "1");
    if local && let Ok(v) = std::env::var(local_var) {
        return Ok(Some(v));
    }
    let name = std::env::var(param_var).map_err(|_| format!("{param_var} is not set"))?;
    parameter(sdk, &name).await
}

/// The signing secret, `None` while its parameter doesn't exist.
pub async fn signing_secret(sdk: &SdkConfig) -> Result<Option<String>, String> {
    optional(sdk, SIGNING_SECRET_PARAM_ENV, SIGNING_SECRET_LOCAL_ENV).await
}

/// The bot token, `None` while its parameter doesn't exist.
pub async fn bot_token_if_stored(sdk: &SdkConfig) -> Result<Option<String>, String> {
    optional(sdk, BOT_TOKEN_PARAM_ENV, BOT_TOKEN_LOCAL_ENV).await
}

/// The bot token, which the worker, postmortem and e-mail triage can't work without.
pub async fn bot_token(sdk: &SdkConfig) -> Result<String, String> {
    bot_token_if_stored(sdk).await?.ok_or_else(|| {
        let name = std::env::var(BOT_TOKEN_PARAM_ENV).unwrap_or_default();
        format!(
            "SSM parameter {name} (the bot token) is missing or empty: store it (docs/deploy.md)"
        )
    })
}

/// Both secrets, both required (the local host with a real Slack, tools).
pub async fn slack(sdk: &SdkConfig) -> Result<SlackSecrets, String> {
    let signing_secret = signing_secret(sdk).await?.ok_or_else(|| {
        let name = std::env::var(SIGNING_SECRET_PARAM_ENV).unwrap_or_default();
        format!("SSM parameter {name} (the signing secret) is missing or empty")
    })?;
    Ok(SlackSecrets {
        signing_secret,
        bot_token: bot_token(sdk).await?,
    })
}

/// The pagers' webhook secrets the slack function checks deliveries with; a parameter
/// name left empty (the template's default) turns that endpoint off.
pub async fn pager_hooks(sdk: &SdkConfig) -> Result<crate::pager_hooks::PagerHookSecrets, String> {
    let read = async |var: &str| -> Result<Option<String>, String> {
        match std::env::var(var).ok().filter(|n| !n.is_empty()) {
            Some(name) => {
                let value = parameter(sdk, &name).await?;
                if value.is_none() {
                    tracing::warn!(parameter = %name, "a pager webhook secret is named but not stored; that endpoint stays off");
                }
                Ok(value)
            }
            None => Ok(None),
        }
    };
    Ok(crate::pager_hooks::PagerHookSecrets {
        pagerduty: read("FLARE_PAGERDUTY_WEBHOOK_SECRET_PARAM").await?,
        opsgenie: read("FLARE_OPSGENIE_WEBHOOK_TOKEN_PARAM").await?,
    })
}
