//! Wiring the parts together: from a Lambda's environment for the deployed functions,
//! or from the local host's own values. One place, so both run the same assembly.

use crate::aws::{Resources, sdk_config};
use crate::bus::{EventBridgePublisher, SqsCommandQueue};
use crate::clock::{Clock, SystemClock};
use crate::config::{Config, ConfigError};
use crate::slack::api::{SlackApi, SlackWebApi, install_crypto_provider};
use crate::slack::app::SlackApp;
use crate::slack::effects::{SlackEffect, SlackResponder};
use crate::store::DynamoStore;
use crate::worker::{Effect, Worker};
use aws_config::SdkConfig;
use std::path::Path;
use std::sync::Arc;

/// Variables that point a function at local stand-ins (moto, the Slack simulator, the
/// vendor fakes) or take secrets from the environment. Only builds with the `local`
/// feature (the local host, tests) read them.
pub const LOCAL_ONLY_VARS: &[&str] = &[
    "FLARE_AWS_ENDPOINT",
    "FLARE_SLACK_API_URL",
    "FLARE_SLACK_RESPONSE_URL_PREFIX",
    "FLARE_INTEGRATIONS_BASE_URL",
    "FLARE_LOCAL",
];

/// A local-only variable's value, in builds that honour them; `None` in the deployed
/// build, whatever the environment says.
pub fn local_override(name: &str) -> Option<String> {
    if cfg!(feature = "local") {
        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
    } else {
        None
    }
}

/// Called first by every Lambda: a deployed build that finds a local-only variable set
/// refuses to start, saying which, rather than quietly ignoring (or honouring) it.
pub fn refuse_local_overrides() -> Result<(), String> {
    local_overrides_refused(cfg!(feature = "local"), |v| std::env::var(v).ok())
}

fn local_overrides_refused(
    honoured: bool,
    get: impl Fn(&str) -> Option<String>,
) -> Result<(), String> {
    if honoured {
        return Ok(());
    }
    let set: Vec<&str> = LOCAL_ONLY_VARS
        .iter()
        .copied()
        .filter(|v| get(v).is_some_and(|x| !x.trim().is_empty()))
        .collect();
    if set.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{} set, but this build is for AWS and never points at local stand-ins: unset {}",
        set.join(", "),
        if set.len() == 1 { "it" } else { "them" }
    ))
}

/// Where `response_url`s may point: Slack's own hooks host.
pub const SLACK_RESPONSE_URLS: &str = "https://hooks.slack.com/";

/// `FLARE_CONFIG_PATH` names the YAML file (bundled next to the binary by default:
/// `flare.yaml`); without a file, the default process (S1–S4, `#incidents`) applies.
pub fn load_config() -> Result<Config, ConfigError> {
    let path = std::env::var("FLARE_CONFIG_PATH").unwrap_or_else(|_| "flare.yaml".into());
    let path = Path::new(&path);
    if path.exists() {
        Config::load(path)
    } else {
        tracing::warn!(path = %path.display(), "no configuration file; using the defaults");
        Ok(Config::default())
    }
}

/// The service catalog synced into the table (`flare-config sync`), if any, replaces
/// the file's services; read once per container.
pub async fn with_catalog(config: &mut Config, sdk: &SdkConfig, table: &str) -> Result<(), String> {
    let catalog = crate::store::catalog::load(&aws_sdk_dynamodb::Client::new(sdk), table)
        .await
        .map_err(|e| format!("reading the service catalog: {e}"))?;
    if !catalog.is_empty() {
        tracing::info!(
            services = catalog.len(),
            "using the service catalog from DynamoDB"
        );
        config.services = catalog;
    }
    Ok(())
}

#[derive(Clone)]
pub struct Wiring {
    pub sdk: SdkConfig,
    pub resources: Resources,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub signing_secret: String,
    pub bot_token: String,
    /// `None` for Slack itself; the simulator's `http://127.0.0.1:PORT/api` locally.
    pub slack_api_url: Option<String>,
    pub response_url_prefix: String,
}

impl Wiring {
    /// The deployed functions but Slack's: resources, configuration and the bot token
    /// from the environment. No signing secret: only the Slack function verifies
    /// requests, so only its role may read it.
    pub async fn from_env() -> Result<Wiring, String> {
        let mut wiring = Self::without_secrets_from_env().await?;
        wiring.bot_token = crate::secrets::bot_token(&wiring.sdk).await?;
        Ok(wiring)
    }

    /// Resources, configuration and SDK, with both secrets empty: the Slack function
    /// reads them itself, because it has to start before they are stored.
    pub async fn without_secrets_from_env() -> Result<Wiring, String> {
        install_crypto_provider();
        let resources = Resources::from_env()?;
        let mut config = load_config().map_err(|e| e.to_string())?;
        // Only for local runs of the real binaries (tests); never in AWS.
        let endpoint = local_override("FLARE_AWS_ENDPOINT");
        let sdk = sdk_config(endpoint.as_deref()).await;
        with_catalog(&mut config, &sdk, &resources.table).await?;
        Ok(Wiring {
            sdk,
            resources,
            config: Arc::new(config),
            clock: Arc::new(SystemClock),
            signing_secret: String::new(),
            bot_token: String::new(),
            slack_api_url: local_override("FLARE_SLACK_API_URL"),
            response_url_prefix: local_override("FLARE_SLACK_RESPONSE_URL_PREFIX")
                .unwrap_or_else(|| SLACK_RESPONSE_URLS.into()),
        })
    }

    /// The same wiring with another SDK configuration: the local host gives each function
    /// its own, so what each does is recorded under its name (`FLARE_AWS_RECORD`).
    pub fn with_sdk(&self, sdk: SdkConfig) -> Wiring {
        Wiring {
            sdk,
            ..self.clone()
        }
    }

    pub fn store(&self) -> Arc<DynamoStore> {
        Arc::new(DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&self.sdk),
            self.resources.table.clone(),
        ))
    }

    pub fn queue(&self) -> Arc<SqsCommandQueue> {
        Arc::new(SqsCommandQueue::new(
            aws_sdk_sqs::Client::new(&self.sdk),
            self.resources.command_queue_url.clone(),
        ))
    }

    fn slack(&self) -> Result<SlackWebApi, String> {
        SlackWebApi::new(
            &self.bot_token,
            self.slack_api_url.as_deref(),
            &self.response_url_prefix,
        )
    }

    /// The worker: DynamoDB store, EventBridge publisher, Slack effects.
    /// People's names from their Slack profiles, for what is read outside Slack.
    pub fn names(&self) -> Result<Arc<dyn crate::directory::Names>, String> {
        let slack: Arc<dyn SlackApi> = Arc::new(self.slack()?);
        Ok(Arc::new(crate::slack::people::SlackNames::new(slack)))
    }

    pub fn worker(&self) -> Result<Worker, String> {
        self.worker_with(None)
    }

    /// The worker, inviting whoever `on_call` says is on call for services with a
    /// schedule.
    pub fn worker_with(
        &self,
        on_call: Option<Arc<dyn crate::directory::OnCallNow>>,
    ) -> Result<Worker, String> {
        let store = self.store();
        let slack: Arc<dyn SlackApi> = Arc::new(self.slack()?);
        let publisher: Arc<dyn Effect> = Arc::new(EventBridgePublisher::new(
            aws_sdk_eventbridge::Client::new(&self.sdk),
            self.resources.event_bus.clone(),
        ));
        let effects: Arc<dyn Effect> = Arc::new(
            SlackEffect::new(slack.clone(), store.clone(), self.config.clone())
                .with_on_call(on_call)
                .with_mail_files(Arc::new(crate::slack::mail_files::MailFiles {
                    files: Arc::new(crate::store::files::S3Files::new(
                        &self.sdk,
                        self.sdk.endpoint_url().is_some(),
                    )),
                    uploader: Arc::new(crate::slack::upload::HttpUploader::new()),
                })),
        );
        let mail_thread: Arc<dyn Effect> = Arc::new(crate::worker::MailThreadIndex {
            store: store.clone(),
        });
        let merge: Arc<dyn Effect> = Arc::new(crate::worker::MergeEffect {
            store: store.clone(),
            queue: self.queue(),
        });
        Ok(Worker {
            store,
            effects: vec![
                mail_thread,
                publisher,
                effects,
                merge,
                Arc::new(crate::worker::metrics::MetricsEffect {
                    months: self.store(),
                }),
                Arc::new(crate::slack::quarantine::QuarantineNotes {
                    api: slack.clone(),
                    store: self.store(),
                    desk: self.store(),
                    queue: self.queue(),
                    directory: Arc::new(crate::slack::api::SlackDirectory { api: slack.clone() }),
                    channel: self.config.channels.triage.clone(),
                    managers: self.config.permissions.incident_managers.clone(),
                }),
                Arc::new(crate::slack::mail_report::MailReport {
                    api: slack.clone(),
                    store: self.store(),
                    desk: self.store(),
                    triage_channel: self.config.channels.triage.clone(),
                }),
                Arc::new(crate::slack::home_tab::HomeTabs {
                    api: slack.clone(),
                    listing: self.store(),
                    directory: Arc::new(crate::slack::api::SlackDirectory { api: slack.clone() }),
                    clock: self.clock.clone(),
                }),
                Arc::new(crate::slack::stats_report::StatsReport {
                    api: slack.clone(),
                    uploader: Arc::new(crate::slack::upload::HttpUploader::new()),
                    store: self.store(),
                    stats: self.store(),
                    directory: Arc::new(crate::slack::api::SlackDirectory { api: slack.clone() }),
                    clock: self.clock.clone(),
                }),
                Arc::new(crate::slack::audit_export::AuditExport {
                    api: slack.clone(),
                    uploader: Arc::new(crate::slack::upload::HttpUploader::new()),
                    audit: self.store(),
                    store: self.store(),
                    names: Arc::new(crate::slack::people::SlackNames::new(slack.clone())),
                }),
            ],
            responder: Arc::new(SlackResponder {
                api: slack.clone(),
                store: self.store(),
                config: self.config.clone(),
            }),
            clock: self.clock.clone(),
            config: self.config.clone(),
            audit: self.store(),
            directory: Arc::new(crate::slack::api::SlackDirectory { api: slack }),
        })
    }

    /// The Slack request handler, with a Slack client that never makes Slack wait.
    pub fn slack_app(&self) -> Result<SlackApp, String> {
        // An empty key would make every signature checkable by anyone.
        if self.signing_secret.is_empty() {
            return Err("no signing secret: the Slack app can't verify requests".into());
        }
        Ok(SlackApp {
            signing_secret: self.signing_secret.clone(),
            store: self.store(),
            stats: self.store(),
            audit: self.store(),
            queue: self.queue(),
            api: Arc::new(self.slack()?.impatient()),
            config: self.config.clone(),
            clock: self.clock.clone(),
            pager_hooks: Default::default(),
        })
    }
}

/// What the reminders' tick needs: the store, the queue and the policy. No Slack, so
/// no secrets either.
pub struct ReminderParts {
    pub store: Arc<dyn crate::store::IncidentStore>,
    pub queue: Arc<dyn crate::bus::CommandQueue>,
    pub config: Arc<Config>,
}

pub async fn reminders_from_env() -> Result<ReminderParts, String> {
    let resources = Resources::from_env()?;
    let config = Arc::new(load_config().map_err(|e| e.to_string())?);
    let endpoint = local_override("FLARE_AWS_ENDPOINT");
    let sdk = sdk_config(endpoint.as_deref()).await;
    Ok(ReminderParts {
        store: Arc::new(DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&sdk),
            resources.table,
        )),
        queue: Arc::new(SqsCommandQueue::new(
            aws_sdk_sqs::Client::new(&sdk),
            resources.command_queue_url,
        )),
        config,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deployed_build_refuses_to_start_with_a_local_only_variable_set() {
        let env = |set: &'static [&'static str]| {
            move |v: &str| set.contains(&v).then(|| "http://127.0.0.1:5000".to_owned())
        };
        assert_eq!(local_overrides_refused(false, env(&[])), Ok(()));
        let refused = local_overrides_refused(false, env(&["FLARE_LOCAL", "FLARE_AWS_ENDPOINT"]))
            .unwrap_err();
        assert!(
            refused.contains("FLARE_AWS_ENDPOINT, FLARE_LOCAL"),
            "{refused}"
        );
        assert!(refused.contains("unset them"), "{refused}");
        let one =
            local_overrides_refused(false, env(&["FLARE_INTEGRATIONS_BASE_URL"])).unwrap_err();
        assert!(one.contains("unset it"), "{one}");
        // The local host and tests honour them.
        assert_eq!(local_overrides_refused(true, env(&["FLARE_LOCAL"])), Ok(()));
    }
}
