//! The local host: serves the slack function's endpoints, runs the worker against
//! moto, and serves the Slack simulator, all on one port (the local-mode contract in
//! `docs/architecture.md`). Tests start it in-process on a free port.

mod mail;
mod poller;
mod postmortem;
mod routes;
mod ticker;

use anyhow::Context;
use flare::aws::{Loaded, Resources, provision};
use flare::clock::ShiftedClock;
use flare::config::Config;
use flare::runtime::{SLACK_RESPONSE_URLS, Wiring};
use flare::slack::api::SlackWebApi;
use flare::store::DynamoStore;
use flare_integrations::Endpoints;
use flare_integrations::fakes::Fakes;
use flare_integrations::http::{Http, Retry};
use flare_integrations::pager::Pagers;
use flare_integrations::secrets::FixedSecrets;
use flare_slack_sim::{Redelivery, Seed, SimConfig, Simulator};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

pub use poller::Delivery;

pub const DEFAULT_SIGNING_SECRET: &str = "flare-local-signing-secret";
pub const LOCAL_BOT_TOKEN: &str = "xoxb-flare-local";
/// What the fake pagers sign their webhooks with, and the host checks them against.
pub const LOCAL_PAGERDUTY_WEBHOOK_SECRET: &str = "flare-local-pagerduty-webhook-secret";
pub const LOCAL_OPSGENIE_WEBHOOK_TOKEN: &str = "flare-local-opsgenie-webhook-token";

pub struct Options {
    /// `127.0.0.1:0` picks a free port.
    pub addr: SocketAddr,
    /// moto's URL.
    pub aws_endpoint: String,
    /// Names the table, queues and bus (`<prefix>-table` …).
    pub prefix: String,
    pub config: Config,
    pub signing_secret: String,
    /// A real bot token: talk to that Slack workspace instead of the simulator
    /// (reach the host through a tunnel; see docs/local-mode.md).
    pub real_slack_token: Option<String>,
}

/// A running local host.
pub struct Host {
    pub addr: SocketAddr,
    pub base_url: String,
    pub sim: Simulator,
    pub clock: ShiftedClock,
    pub resources: Resources,
    pub store: Arc<DynamoStore>,
    pub sdk: aws_config::SdkConfig,
    /// The PagerDuty, Opsgenie, Statuspage and GitHub fakes the adapters call.
    pub fakes: Fakes,
    /// Whether a real workspace is used instead of the simulator.
    pub real_slack: bool,
    poller: poller::Poller,
    /// What a restarted poller needs: the worker, its queue, and the delivery log.
    worker: Arc<flare::worker::Worker>,
    sqs: aws_sdk_sqs::Client,
    deliveries: poller::Deliveries,
    server: tokio::task::JoinHandle<()>,
    ticker: Arc<ticker::Ticker>,
    ticking: tokio::task::JoinHandle<()>,
}

impl Host {
    pub async fn start(opts: Options) -> anyhow::Result<Host> {
        flare::slack::api::install_crypto_provider();
        let listener = tokio::net::TcpListener::bind(opts.addr)
            .await
            .with_context(|| format!("binding {}", opts.addr))?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");

        // The host's own calls (provisioning, what tests read) are the `local` function's;
        // each function below gets a configuration of its own, so that with
        // `FLARE_AWS_RECORD` set every AWS call is recorded under the function that would
        // make it in AWS, and the suite's calls can be checked against each role
        // (`tests/roles.rs`).
        let loaded = Loaded::new(Some(&opts.aws_endpoint)).await;
        let sdk = loaded.for_function("local");
        let resources = provision::ensure(&sdk, &opts.prefix)
            .await
            .context("creating the local table, queues and bus in moto")?;
        let config = Arc::new(opts.config);
        let clock = ShiftedClock::default();

        let seed = Seed::load_default()
            .with_channel(&config.channels.incidents)
            .with_channel(&config.channels.triage);
        // The simulator holds Flare to its committed app manifest (scopes, events), sends
        // people's actions (`/sim/act/*`) to Flare's endpoints on this host, and redelivers
        // unanswered events on Slack's schedule with minutes turned into seconds.
        let sim = Simulator::new(
            SimConfig::default()
                .with_base_url(&base_url)
                .with_app_url(&base_url)
                .with_events_url(format!("{base_url}/slack/events"))
                .with_signing_secret(&opts.signing_secret)
                .with_manifest(flare_slack_sim::FLARE_MANIFEST)
                .map_err(anyhow::Error::msg)?
                .with_redelivery(Redelivery::compressed())
                .with_seed(seed),
        );

        let (bot_token, slack_api_url, response_url_prefix) = match &opts.real_slack_token {
            Some(token) => (token.clone(), None, SLACK_RESPONSE_URLS.to_owned()),
            None => (
                LOCAL_BOT_TOKEN.to_owned(),
                Some(format!("{base_url}/api")),
                format!("{base_url}/sim/response/"),
            ),
        };
        let wiring = Wiring {
            sdk: sdk.clone(),
            resources: resources.clone(),
            config: config.clone(),
            clock: Arc::new(clock.clone()),
            signing_secret: opts.signing_secret.clone(),
            bot_token,
            slack_api_url,
            response_url_prefix,
        };
        // The host's store (tests read and seed through it); each function's below.
        let store = wiring.store();
        let worker_wiring = wiring.with_sdk(loaded.for_function("worker"));
        let reminders_wiring = wiring.with_sdk(loaded.for_function("reminders"));
        let postmortem_sdk = loaded.for_function("postmortem");
        let mail_wiring = wiring.with_sdk(loaded.for_function("email-triage"));
        let wiring = wiring.with_sdk(loaded.for_function("slack"));
        // Pagers go to the local fakes; any secret name resolves to `local-<name>`.
        let http = Http::new(Retry::default()).map_err(|e| anyhow::anyhow!("{e}"))?;
        let pagers = Pagers {
            http,
            endpoints: Endpoints::local(&base_url),
            secrets: Arc::new(FixedSecrets::local()),
            opsgenie_key_param: Some("/flare/local/opsgenie/key".into()),
        };
        let on_call: Arc<dyn flare::directory::OnCallNow> =
            Arc::new(flare_integrations::OnCallLookup::new(pagers.clone()));
        let mut worker = worker_wiring
            .worker_with(Some(on_call.clone()))
            .map_err(anyhow::Error::msg)?;
        let extra = flare_integrations::worker_effects(
            config.clone(),
            worker.store.clone(),
            worker_wiring.queue(),
            pagers,
            Some(on_call),
            Some(wiring.names().map_err(anyhow::Error::msg)?),
        );
        worker.effects.extend(extra);
        // The postmortem bucket (versioned, as in AWS) and the function as an effect.
        let s3 = flare_email_triage::handler::S3MailSource::client(&sdk, true);
        let postmortem_bucket = format!("{}-postmortems", opts.prefix);
        if s3
            .head_bucket()
            .bucket(&postmortem_bucket)
            .send()
            .await
            .is_err()
        {
            s3.create_bucket()
                .bucket(&postmortem_bucket)
                .send()
                .await
                .context("creating the local postmortem bucket")?;
            let versioning = aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build();
            s3.put_bucket_versioning()
                .bucket(&postmortem_bucket)
                .versioning_configuration(versioning)
                .send()
                .await?;
        }
        let postmortem_slack: Arc<dyn flare::slack::api::SlackApi> = Arc::new(
            SlackWebApi::new(
                &wiring.bot_token,
                wiring.slack_api_url.as_deref(),
                &wiring.response_url_prefix,
            )
            .map_err(anyhow::Error::msg)?,
        );
        let postmortem_store = wiring.with_sdk(postmortem_sdk.clone()).store();
        let postmortems = flare_postmortem::Postmortems {
            incidents: postmortem_store.clone(),
            documents: Arc::new(flare_postmortem::S3PostmortemStore::from_sdk(
                &postmortem_sdk,
                &postmortem_bucket,
                Some(&opts.aws_endpoint),
            )),
            publisher: Some(flare_postmortem::publish::Publisher {
                api: postmortem_slack.clone(),
                uploader: Arc::new(flare_postmortem::upload::HttpUploader::new()),
                incidents: postmortem_store,
                config: config.clone(),
            }),
            names: Some(Arc::new(flare::slack::people::SlackNames::new(
                postmortem_slack,
            ))),
            config: config.clone(),
        };
        worker
            .effects
            .push(Arc::new(postmortem::LocalPostmortem { postmortems }));
        let worker = Arc::new(worker);
        let fakes = Fakes::with_webhooks(flare_integrations::fakes::Webhooks {
            base_url: base_url.clone(),
            pagerduty_secret: LOCAL_PAGERDUTY_WEBHOOK_SECRET.into(),
            opsgenie_token: LOCAL_OPSGENIE_WEBHOOK_TOKEN.into(),
        });
        // Bob is on call for checkout's schedule until someone says otherwise.
        fakes.set_on_call(
            "pagerduty",
            "PCHECKOUT",
            vec![flare_integrations::fakes::OnCallEntry {
                email: "bob@example.com".into(),
                name: Some("Bob Brown".into()),
            }],
        );
        let mut app = wiring.slack_app().map_err(anyhow::Error::msg)?;
        app.pager_hooks = flare::pager_hooks::PagerHookSecrets {
            pagerduty: Some(LOCAL_PAGERDUTY_WEBHOOK_SECRET.into()),
            opsgenie: Some(LOCAL_OPSGENIE_WEBHOOK_TOKEN.into()),
        };
        let app = Arc::new(app);
        let ticker = Arc::new(ticker::Ticker {
            store: reminders_wiring.store(),
            queue: reminders_wiring.queue(),
            config,
            clock: clock.clone(),
        });
        let mail = Arc::new(
            mail::LocalMail::new(
                &sdk,
                &mail_wiring.sdk,
                &opts.prefix,
                mail_wiring.store(),
                mail_wiring.queue(),
                wiring.config.clone(),
                wiring.clock.clone(),
            )
            .await
            .context("creating the local inbound mail bucket")?,
        );
        // In AWS the event source mapping polls the queue with the worker's role.
        let sqs = aws_sdk_sqs::Client::new(&worker_wiring.sdk);
        let deliveries: poller::Deliveries = Arc::new(Mutex::new(Vec::new()));
        let poller = poller::Poller::start(
            sqs.clone(),
            resources.command_queue_url.clone(),
            worker.clone(),
            deliveries.clone(),
        );
        let ticking = ticker.clone().every_minute();
        let router = routes::router(routes::AppState {
            app,
            clock: clock.clone(),
            ticker: ticker.clone(),
            mail,
        })
        .merge(sim.router())
        .merge(fakes.router());
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::error!(error = %e, "local host stopped");
            }
        });
        Ok(Host {
            addr,
            base_url,
            sim,
            clock,
            resources,
            store,
            sdk,
            fakes,
            real_slack: opts.real_slack_token.is_some(),
            poller,
            worker,
            sqs,
            deliveries,
            server,
            ticker,
            ticking,
        })
    }

    /// Runs the reminders' tick now, as the schedule would.
    pub async fn tick(&self) -> Result<flare::reminders::TickReport, String> {
        self.ticker.tick().await
    }

    /// Every command message handed to the worker so far, in order (redeliveries too).
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Kills the worker where it stands, as a crashed Lambda would be: whatever it
    /// received stays invisible on the queue until its visibility timeout passes.
    pub fn kill_worker(&self) {
        self.poller.stop();
    }

    /// A fresh worker polling the queue (after [`Host::kill_worker`]).
    pub fn restart_worker(&mut self) {
        self.poller.stop();
        self.poller = poller::Poller::start(
            self.sqs.clone(),
            self.resources.command_queue_url.clone(),
            self.worker.clone(),
            self.deliveries.clone(),
        );
    }

    /// Waits until every command is applied and every simulated event delivered.
    /// A test that asserts "nothing happened" after it is only sound if it settled, so
    /// not settling in 180 s fails the test (see [`Host::try_settle`] to wait less). The
    /// bound only catches a hang: a CI machine sharing its cores runs 3-4 times slower.
    pub async fn settle(&self) {
        if let Err(e) = self.try_settle(std::time::Duration::from_secs(180)).await {
            panic!("settle: {e}");
        }
    }

    /// [`Host::settle`] within `within`, or an error saying what is still busy.
    pub async fn try_settle(&self, within: std::time::Duration) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + within;
        // The simulator's own wait has no end of its own: bound it by ours.
        let sim_idle = async || {
            tokio::time::timeout_at(deadline, self.sim.wait_idle())
                .await
                .map_err(|_| format!("Slack events still being delivered after {within:?}"))
        };
        loop {
            sim_idle().await?;
            if self.poller.idle().await && self.poller.idle().await {
                sim_idle().await?;
                if self.poller.idle().await {
                    return Ok(());
                }
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(format!(
                    "commands still queued or being applied after {within:?}"
                ));
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Waits until a killed worker ([`Host::kill_worker`]) has really stopped: after
    /// this, nothing it received is still being applied.
    pub async fn wait_worker_stopped(&self) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        while !self.poller.stopped() {
            if tokio::time::Instant::now() >= deadline {
                return Err("the worker still runs 10 s after it was killed".into());
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        Ok(())
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        self.server.abort();
        self.ticking.abort();
        self.poller.stop();
    }
}
