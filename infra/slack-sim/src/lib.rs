//! `flare-slack-sim`: a fake Slack for Flare's tests and local mode (never deployed).
//!
//! * [`Simulator`] — a fake Slack Web API (`/api/<method>`) with workspace state, recorded
//!   calls, fault injection, `response_url`s, a read-only HTML view, and signed Events API
//!   delivery of what simulated people do. Serve [`Simulator::router`].
//! * [`Driver`] — sends signed requests to the app exactly as Slack formats them: slash
//!   commands, interactions (shortcuts, message actions, block actions, view
//!   submissions) and events, with retries, stale timestamps and bad signatures on demand.
//!
//! See the crate's README for the routes and how to point slack-morphism at it.

mod act;
mod api;
mod blockkit;
mod config;
mod driver;
mod escape;
mod events;
mod html;
mod ids;
mod manifest;
mod methods;
mod model;
mod mrkdwn;
mod params;
mod rate_limits;
mod response_url;
mod routes;
mod seed;
mod shapes;
pub mod signature;
mod simulator;
mod state;

pub use config::{APP_ID, BOT_ID, SimConfig, TEAM_DOMAIN, TEAM_ID, VERIFICATION_TOKEN};
pub use driver::{
    COMMANDS_PATH, Driver, DriverError, DriverResponse, EVENTS_PATH, INTERACTIONS_PATH, Prepared,
    SendOptions, SentRequest, ViewValues,
};
pub use events::{Redelivery, envelope};
pub use manifest::{AppManifest, FLARE_MANIFEST};
pub use model::{
    Bookmark, Call, Canvas, Channel, Delivery, Edited, Ephemeral, Fault, FileUpload, Flaky,
    Message, Reaction, ResponsePost, SimState, Team, User, UserGroup, View,
};
pub use seed::{Seed, SeedBot, SeedChannel, SeedTeam, SeedUser, SeedUserGroup};
pub use simulator::{ChannelSnapshot, Simulator};

/// Now as RFC 3339 with milliseconds (the `at` of calls, deliveries, ephemerals).
pub(crate) fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
