//! How people, severities, services and customers are named in the document.

use super::escape;
use flare::config::Config;
use flare::domain::{Actor, Severity, UserId};

/// `@U0ALICE`: Slack user ids are checked at the edge, so they need no escaping.
pub fn user(id: &UserId) -> String {
    format!("@{id}")
}

pub fn actor(actor: &Actor) -> String {
    match actor {
        Actor::User { id } => user(id),
        Actor::Email { address } => escape::cell(address),
        Actor::System { name } => format!("Flare ({})", escape::cell(name)),
    }
}

/// `S1 (Critical)`; the id alone if the configuration no longer knows it.
pub fn severity(config: &Config, s: &Severity) -> String {
    match config.severities.level(s) {
        Some(level) => escape::cell(&format!("{} ({})", level.id, level.label)),
        None => escape::cell(s.as_str()),
    }
}

/// Configured service names, in the incident's order.
pub fn services(config: &Config, ids: &[String]) -> String {
    let names: Vec<String> = ids
        .iter()
        .map(|id| escape::cell(config.service(id).map_or(id.as_str(), |s| s.name.as_str())))
        .collect();
    names.join(", ")
}

pub fn customer(config: &Config, id: &str) -> String {
    escape::cell(config.customer(id).map_or(id, |c| c.name.as_str()))
}
