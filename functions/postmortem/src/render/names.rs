//! How people, severities, services and customers are named in the document.

use super::escape;
use flare::config::Config;
use flare::domain::{Actor, Severity, UserId};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

/// People's names, as their Slack profiles give them. A person without one shows as
/// `@U0ALICE`. Rendering notes every id it shows, so the service can render once to
/// learn whom to look up, then again with their names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct People {
    known: BTreeMap<String, String>,
    shown: RefCell<BTreeSet<String>>,
}

impl People {
    pub fn known(names: impl IntoIterator<Item = (String, String)>) -> Self {
        Self {
            known: names.into_iter().collect(),
            shown: RefCell::default(),
        }
    }

    /// Every user id the document showed, named or not.
    pub fn shown(&self) -> Vec<String> {
        self.shown.borrow().iter().cloned().collect()
    }

    fn name(&self, id: &str) -> Option<&str> {
        self.shown.borrow_mut().insert(id.to_owned());
        self.known.get(id).map(String::as_str)
    }

    /// `Alice Archer`, or `@U0ALICE` (Slack user ids are checked at the edge, so they
    /// need no escaping; names do).
    pub fn user(&self, id: &UserId) -> String {
        match self.name(id.as_str()) {
            Some(name) => escape::cell(name),
            None => format!("@{id}"),
        }
    }

    pub fn actor(&self, actor: &Actor) -> String {
        match actor {
            Actor::User { id } => self.user(id),
            Actor::Email { address } => escape::cell(address),
            Actor::System { name } => format!("Flare ({})", escape::cell(name)),
        }
    }

    /// Slack text with `<@U…>` mentions as names (`@Alice Archer`), the rest as
    /// written (links keep their address); the caller escapes it like any outside text.
    pub fn plain(&self, text: &str) -> String {
        if !text.contains("<@") {
            return text.to_owned();
        }
        flare::slack::mrkdwn::mentions_named(text, &|id| self.name(id).map(str::to_owned))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_person_is_named_escaped_and_every_shown_id_is_noted() {
        let people = People::known([("U0BOB".to_owned(), "Bob <b> Baker".to_owned())]);
        let bob = UserId::parse("U0BOB").unwrap();
        let carol = UserId::parse("U0CAROL").unwrap();
        assert_eq!(people.user(&bob), escape::cell("Bob <b> Baker"));
        assert_eq!(people.user(&carol), "@U0CAROL");
        assert_eq!(
            people.plain("ask <@U0BOB> or <@U0DAVE|dave>, see <https://x|docs>"),
            "ask @Bob <b> Baker or @dave, see <https://x|docs>"
        );
        assert_eq!(people.shown(), ["U0BOB", "U0CAROL", "U0DAVE"]);
    }
}
