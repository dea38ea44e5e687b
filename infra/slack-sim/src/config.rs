//! How a simulator is set up: its public address, the bot's token and id, the signing
//! secret it signs event deliveries with, where those go, and the seeded workspace.

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
    /// Where Events API callbacks are POSTed, e.g. `http://127.0.0.1:3000/slack/events`;
    /// `None` disables event delivery.
    pub events_url: Option<String>,
    /// The users, channels and user groups the workspace starts with.
    pub seed: Seed,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            base_url: "http://127.0.0.1:3000".to_string(),
            bot_token: "xoxb-flare-local".to_string(),
            bot_user_id: "U0FLAREBOT".to_string(),
            signing_secret: "flare-local-signing-secret".to_string(),
            events_url: None,
            seed: Seed::load_default(),
        }
    }
}

impl SimConfig {
    /// The default configuration with another base URL.
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into().trim_end_matches('/').to_string();
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

    /// Replaces the seed.
    pub fn with_seed(mut self, seed: Seed) -> Self {
        self.seed = seed;
        self
    }
}
