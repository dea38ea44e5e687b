//! AWS wiring: SDK configuration, resource names from the environment, and (for local
//! mode and tests only) creating the resources that SAM creates in a real account.

pub mod provision;
pub mod record;

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
/// dummy credentials when `endpoint` is given. Locally, with `FLARE_AWS_RECORD` set to
/// a directory, every AWS operation is recorded there ([`record`]) under the function
/// named by `AWS_LAMBDA_FUNCTION_NAME` (as the Lambda runtime sets it), else `local`.
pub async fn sdk_config(endpoint: Option<&str>) -> SdkConfig {
    let function = std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "local".to_owned());
    recorded_as(load(endpoint).await, endpoint, &function)
}

/// Configurations for several functions in one process (the local host), loaded once:
/// [`Loaded::for_function`] gives each one that records (with `FLARE_AWS_RECORD`) under
/// its own name.
pub struct Loaded {
    base: SdkConfig,
    endpoint: Option<String>,
}

impl Loaded {
    pub async fn new(endpoint: Option<&str>) -> Self {
        Self {
            base: load(endpoint).await,
            endpoint: endpoint.map(str::to_owned),
        }
    }

    /// [`sdk_config`], recording as `function`.
    pub fn for_function(&self, function: &str) -> SdkConfig {
        recorded_as(self.base.clone(), self.endpoint.as_deref(), function)
    }
}

/// Recording only ever happens against a local endpoint.
fn recorded_as(sdk: SdkConfig, endpoint: Option<&str>, function: &str) -> SdkConfig {
    match (endpoint, std::env::var_os(record::RECORD_DIR_ENV)) {
        (Some(_), Some(dir)) => {
            record::recording(sdk, record::Sink::new(function, Some(dir.into())))
        }
        _ => sdk,
    }
}

async fn load(endpoint: Option<&str>) -> SdkConfig {
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
