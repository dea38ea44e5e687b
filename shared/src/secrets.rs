//! Secrets from SSM Parameter Store (SecureString), read once per container.
//! Never logged; plain environment variables are accepted in local mode only.

use aws_config::SdkConfig;

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

async fn parameter(sdk: &SdkConfig, name: &str) -> Result<String, String> {
    let out = aws_sdk_ssm::Client::new(sdk)
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
        .map_err(|e| {
            format!(
                "reading SSM parameter {name}: {}",
                aws_sdk_ssm::error::DisplayErrorContext(e)
            )
        })?;
    out.parameter
        .and_then(|p| p.value)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| format!("SSM parameter {name} is empty"))
}

/// `FLARE_SLACK_SIGNING_SECRET_PARAM` and `FLARE_SLACK_BOT_TOKEN_PARAM` name the
/// parameters. With `FLARE_LOCAL=1`, `SLACK_SIGNING_SECRET` / `SLACK_BOT_TOKEN` may
/// hold the values themselves.
pub async fn slack(sdk: &SdkConfig) -> Result<SlackSecrets, String> {
    let local = std::env::var("FLARE_LOCAL").is_ok_and(|v| v == "1");
    let read = |param_var: &'static str, local_var: &'static str| async move {
        if local && let Ok(v) = std::env::var(local_var) {
            return Ok(v);
        }
        let name = std::env::var(param_var).map_err(|_| format!("{param_var} is not set"))?;
        parameter(sdk, &name).await
    };
    Ok(SlackSecrets {
        signing_secret: read("FLARE_SLACK_SIGNING_SECRET_PARAM", "SLACK_SIGNING_SECRET").await?,
        bot_token: read("FLARE_SLACK_BOT_TOKEN_PARAM", "SLACK_BOT_TOKEN").await?,
    })
}
