//! The workspace a simulator starts with: people, channels and user groups, read from
//! the committed `seed.json` plus any channels the local host adds (incidents, triage).

use serde::{Deserialize, Serialize};

const DEFAULT_SEED: &str = include_str!("../seed.json");

/// The seeded workspace.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Seed {
    /// Team name and domain (the id is always [`crate::TEAM_ID`]).
    #[serde(default)]
    pub team: SeedTeam,
    /// How the bot user is named.
    #[serde(default)]
    pub bot: SeedBot,
    /// The people.
    #[serde(default)]
    pub users: Vec<SeedUser>,
    /// The channels.
    #[serde(default)]
    pub channels: Vec<SeedChannel>,
    /// The user groups (`@oncall-payments`).
    #[serde(default)]
    pub usergroups: Vec<SeedUserGroup>,
}

/// Team name and domain.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeedTeam {
    /// Display name.
    pub name: String,
    /// Domain (`<domain>.slack.com`).
    pub domain: String,
}

impl Default for SeedTeam {
    fn default() -> Self {
        Self {
            name: "Flare Local".to_string(),
            domain: crate::config::TEAM_DOMAIN.to_string(),
        }
    }
}

/// How the bot user is named.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeedBot {
    /// Handle.
    pub name: String,
    /// Display name.
    pub real_name: String,
}

impl Default for SeedBot {
    fn default() -> Self {
        Self {
            name: "flare".to_string(),
            real_name: "Flare".to_string(),
        }
    }
}

/// A seeded person.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeedUser {
    /// `U…` id.
    pub id: String,
    /// Handle (`alice`).
    pub name: String,
    /// Full name.
    #[serde(default)]
    pub real_name: String,
    /// E-mail address (for `users.lookupByEmail`).
    #[serde(default)]
    pub email: String,
    /// IANA time zone.
    #[serde(default)]
    pub tz: String,
    /// Time zone label.
    #[serde(default)]
    pub tz_label: String,
    /// Offset from UTC in seconds.
    #[serde(default)]
    pub tz_offset: i32,
    /// Job title.
    #[serde(default)]
    pub title: String,
    /// Workspace admin.
    #[serde(default)]
    pub is_admin: bool,
}

/// A seeded channel.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeedChannel {
    /// `C…` id.
    pub id: String,
    /// Name without `#`.
    pub name: String,
    /// The workspace's #general.
    #[serde(default)]
    pub is_general: bool,
    /// Private channel.
    #[serde(default)]
    pub is_private: bool,
    /// Topic.
    #[serde(default)]
    pub topic: String,
    /// Purpose.
    #[serde(default)]
    pub purpose: String,
    /// Member user ids (may include the bot's).
    #[serde(default)]
    pub members: Vec<String>,
}

/// A seeded user group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeedUserGroup {
    /// `S…` id.
    pub id: String,
    /// Mention handle without `@`.
    pub handle: String,
    /// Display name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Member user ids.
    #[serde(default)]
    pub users: Vec<String>,
}

/// The bot user id [`Seed::with_channel`] adds to new channels; the simulator replaces
/// it with the configured bot user id.
pub const BOT_PLACEHOLDER: &str = "$bot";

impl Seed {
    /// The committed `seed.json` (alice, bob, carol, dave, #general, @oncall-payments).
    ///
    /// The file is tested to parse; were it ever broken this logs and returns an empty
    /// workspace rather than panicking.
    pub fn load_default() -> Seed {
        match Self::from_json(DEFAULT_SEED) {
            Ok(seed) => seed,
            Err(err) => {
                tracing::error!(%err, "slack-sim: seed.json does not parse");
                Seed::default()
            }
        }
    }

    /// Parses a seed from JSON text of the same shape as `seed.json`.
    pub fn from_json(text: &str) -> Result<Seed, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Adds a public channel named `name` (unless one exists) whose members are every
    /// seeded person plus the bot. Its id is `C0` + eight uppercase characters derived
    /// from the name, so the same name always gets the same id.
    pub fn with_channel(mut self, name: &str) -> Seed {
        let name = name.trim_start_matches('#').to_string();
        if self.channels.iter().any(|c| c.name == name) {
            return self;
        }
        let mut id = format!("C0{}", crate::ids::name_hash(&name));
        while self.channels.iter().any(|c| c.id == id) {
            id = format!("C0{}", crate::ids::name_hash(&id));
        }
        let mut members: Vec<String> = self.users.iter().map(|u| u.id.clone()).collect();
        members.push(BOT_PLACEHOLDER.to_string());
        self.channels.push(SeedChannel {
            id,
            name,
            is_general: false,
            is_private: false,
            topic: String::new(),
            purpose: String::new(),
            members,
        });
        self
    }

    /// The id of the seeded channel called `name`.
    pub fn channel_id(&self, name: &str) -> Option<&str> {
        let name = name.trim_start_matches('#');
        self.channels
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.id.as_str())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn default_seed_parses_with_the_four_people() {
        let seed = Seed::from_json(DEFAULT_SEED).unwrap();
        let ids: Vec<&str> = seed.users.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(ids, ["U0ALICE", "U0BOB", "U0CAROL", "U0DAVE", "U0ERIN"]);
        assert_eq!(seed.users[0].email, "alice@example.com");
        assert_eq!(seed.channel_id("general"), Some("C0GENERAL"));
        assert_eq!(seed.channels[0].members.len(), 4);
        assert_eq!(seed.usergroups[0].id, "S0PAYMENTS");
    }

    #[test]
    fn with_channel_gives_stable_ids_and_all_members() {
        let a = Seed::load_default()
            .with_channel("incidents")
            .with_channel("triage");
        let b = Seed::load_default().with_channel("incidents");
        let id = a.channel_id("incidents").unwrap();
        assert_eq!(Some(id), b.channel_id("incidents"));
        assert!(id.starts_with("C0") && id.len() == 10, "{id}");
        assert_ne!(a.channel_id("triage"), a.channel_id("incidents"));
        let chan = a.channels.iter().find(|c| c.name == "triage").unwrap();
        assert_eq!(chan.members.len(), 6);
        // adding twice is a no-op
        assert_eq!(a.clone().with_channel("#triage").channels.len(), 3);
    }
}
