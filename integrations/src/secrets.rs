//! Where integration keys come from. The configuration names SSM parameters
//! (`routing_key_param`, and `FLARE_OPSGENIE_KEY_PARAM` for Opsgenie); values are
//! read once per process and never logged.

use crate::IntegrationError;
use async_trait::async_trait;
use std::collections::HashMap;
use tokio::sync::Mutex;

#[async_trait]
pub trait Secrets: Send + Sync {
    /// The value of the secret called `name` (an SSM parameter name).
    async fn get(&self, name: &str) -> Result<String, IntegrationError>;
}

/// SSM Parameter Store (SecureString, decrypted), cached for the process's life.
pub struct SsmSecrets {
    client: aws_sdk_ssm::Client,
    cache: Mutex<HashMap<String, String>>,
}

impl SsmSecrets {
    pub fn new(client: aws_sdk_ssm::Client) -> Self {
        Self {
            client,
            cache: Mutex::new(HashMap::new()),
        }
    }
}

#[async_trait]
impl Secrets for SsmSecrets {
    async fn get(&self, name: &str) -> Result<String, IntegrationError> {
        if let Some(v) = self.cache.lock().await.get(name) {
            return Ok(v.clone());
        }
        let out = self
            .client
            .get_parameter()
            .name(name)
            .with_decryption(true)
            .send()
            .await
            .map_err(|e| {
                let text = aws_sdk_ssm::error::DisplayErrorContext(&e).to_string();
                let missing = e
                    .as_service_error()
                    .is_some_and(|s| s.is_parameter_not_found());
                if missing {
                    IntegrationError::Permanent(format!("SSM parameter {name} does not exist"))
                } else {
                    IntegrationError::Transient(format!("reading SSM parameter {name}: {text}"))
                }
            })?;
        let value = out
            .parameter
            .and_then(|p| p.value)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| IntegrationError::Permanent(format!("SSM parameter {name} is empty")))?;
        self.cache
            .lock()
            .await
            .insert(name.to_owned(), value.clone());
        Ok(value)
    }
}

/// Fixed values, for tests and local mode.
#[derive(Clone, Debug, Default)]
pub struct FixedSecrets {
    values: HashMap<String, String>,
    /// Unknown names resolve to `local-<name>` instead of failing.
    local: bool,
}

impl FixedSecrets {
    /// Only these names exist; any other is a permanent error.
    pub fn new(values: impl IntoIterator<Item = (String, String)>) -> Self {
        Self {
            values: values.into_iter().collect(),
            local: false,
        }
    }

    /// Local mode: every name resolves, to `local-<name>`.
    pub fn local() -> Self {
        Self {
            values: HashMap::new(),
            local: true,
        }
    }
}

#[async_trait]
impl Secrets for FixedSecrets {
    async fn get(&self, name: &str) -> Result<String, IntegrationError> {
        match self.values.get(name) {
            Some(v) => Ok(v.clone()),
            None if self.local => Ok(format!("local-{name}")),
            None => Err(IntegrationError::Permanent(format!(
                "secret {name} is not configured"
            ))),
        }
    }
}
