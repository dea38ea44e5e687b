//! How a simulator is set up: its public address, the bot's token and id, the signing
//! secret it signs event deliveries with, where those go, and the seeded workspace.

use crate::events::Redelivery;
use crate::manifest::AppManifest;
use crate::seed::Seed;

/// The simulated workspace's team id (also in every payload the driver sends).
pub const TEAM_ID: &str = "T0FLARE";
/// The simulated workspace's domain (`team_domain` in slash commands).
pub const TEAM_DOMAIN: &str = "flare-local";
/// The app id Slack would give Flare (`api_app_id`).
pub const APP_ID: &str = "A0FLARE";
/// The bot id of Flare's bot user (`bot_id` on its messages).
pub const BOT_ID: &str = "B0FLAREBOT";
/// The deprecated verification token Slack still puts in payloads.
pub const VERIFICATION_TOKEN: &str = "flare-local-verification-token";

/// Settings of one [`crate::Simulator`].
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Public base URL of the process serving the simulator's router, e.g.
    /// `http://127.0.0.1:3000`; used to build `response_url`s, permalinks, upload URLs.
    pub base_url: String,
    /// The token that acts as the bot (`Authorization: Bearer <bot_token>`).
    pub bot_token: String,
    /// The bot's user id.
    pub bot_user_id: String,
    /// Secret used to sign Events API deliveries (and by the driver).
    pub signing_secret: String,
    /// The app's base URL (its `/slack/commands`, `/slack/interactions` and
    /// `/slack/events`), where the `/sim/act/*` routes send what people do; `None`
    /// disables those routes.
    pub app_url: Option<String>,
    /// Where Events API callbacks are POSTed, e.g. `http://127.0.0.1:3000/slack/events`;
    /// `None` disables event delivery.
    pub events_url: Option<String>,
    /// The users, channels and user groups the workspace starts with.
    pub seed: Seed,
    /// The app manifest the app is held to: methods outside its bot scopes answer
    /// `missing_scope`, and only the events it subscribes to are delivered. Default:
    /// Flare's committed `infra/slack-app-manifest.yaml`.
    pub manifest: AppManifest,
    /// Event redelivery timing (default: Slack's 3 s timeout and 0 / 1 min / 5 min).
    pub redelivery: Redelivery,
    /// Whether Slack's per-method rate-limit tiers apply from the start (default off;
    /// switch at run time with [`crate::Simulator::set_rate_limits`] or
    /// `POST /sim/rate-limits`).
    pub rate_limits: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            base_url: "http://127.0.0.1:3000".to_string(),
            bot_token: "xoxb-flare-local".to_string(),
            bot_user_id: "U0FLAREBOT".to_string(),
            signing_secret: "flare-local-signing-secret".to_string(),
            app_url: None,
            events_url: None,
            seed: Seed::load_default(),
            manifest: AppManifest::flare(),
            redelivery: Redelivery::slack(),
            rate_limits: false,
        }
    }
}

impl SimConfig {
    /// The default configuration with another base URL.
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into().trim_end_matches('/').to_string();
        self
    }

    /// Sets the app's base URL, for the `/sim/act/*` routes (people acting).
    pub fn with_app_url(mut self, url: impl Into<String>) -> Self {
        self.app_url = Some(url.into().trim_end_matches('/').to_string());
        self
    }

    /// Sets where Events API callbacks are delivered.
    pub fn with_events_url(mut self, url: impl Into<String>) -> Self {
        self.events_url = Some(url.into());
        self
    }

    /// Sets the signing secret.
    pub fn with_signing_secret(mut self, secret: impl Into<String>) -> Self {
        self.signing_secret = secret.into();
        self
    }

    /// Holds the app to this manifest (YAML or JSON text of a Slack app manifest).
    pub fn with_manifest(mut self, manifest_text: &str) -> Result<Self, String> {
        self.manifest = AppManifest::parse(manifest_text)?;
        Ok(self)
    }

    /// Replaces the bot scopes.
    pub fn with_bot_scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.manifest.bot_scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Replaces the subscribed bot events (`message.channels`, `reaction_added`, …).
    pub fn with_bot_events<S: Into<String>>(mut self, events: impl IntoIterator<Item = S>) -> Self {
        self.manifest.bot_events = events.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the redelivery timing (e.g. [`Redelivery::compressed`] in local mode).
    pub fn with_redelivery(mut self, redelivery: Redelivery) -> Self {
        self.redelivery = redelivery;
        self
    }

    /// Turns Slack's rate-limit tiers on or off from the start.
    pub fn with_rate_limits(mut self, on: bool) -> Self {
        self.rate_limits = on;
        self
    }

    /// Replaces the seed.
    pub fn with_seed(mut self, seed: Seed) -> Self {
        self.seed = seed;
        self
    }
}
