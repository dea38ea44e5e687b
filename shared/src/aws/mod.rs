//! AWS wiring: SDK configuration, resource names from the environment, and (for local
//! mode and tests only) creating the resources that SAM creates in a real account.

pub mod provision;

use aws_config::{BehaviorVersion, SdkConfig};

/// Where Flare's resources are. Deployed functions read these from their environment
/// (set by `template.yaml`); the local host and tests make their own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resources {
    pub table: String,
    pub command_queue_url: String,
    pub event_bus: String,
}

impl Resources {
    /// `FLARE_TABLE`, `FLARE_COMMAND_QUEUE_URL`, `FLARE_EVENT_BUS`.
    pub fn from_env() -> Result<Self, String> {
        let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
        Ok(Self {
            table: var("FLARE_TABLE")?,
            command_queue_url: var("FLARE_COMMAND_QUEUE_URL")?,
            event_bus: var("FLARE_EVENT_BUS")?,
        })
    }
}

/// The SDK configuration: the default chain in AWS, or a local endpoint (moto) with
/// dummy credentials when `endpoint` is given.
pub async fn sdk_config(endpoint: Option<&str>) -> SdkConfig {
    let loader = aws_config::defaults(BehaviorVersion::latest());
    match endpoint {
        None => loader.load().await,
        Some(url) => {
            loader
                .endpoint_url(url)
                .region(aws_config::Region::new("us-east-1"))
                .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                    "testing",
                    "testing",
                    None,
                    None,
                    "flare-local",
                ))
                .load()
                .await
        }
    }
}
