//! The simulator's mutable state behind its mutex: the workspace data of [`crate::model`]
//! plus what only the simulator needs (issued trigger ids and response URLs, pending
//! faults, the timestamp clock, recorded calls).

use std::collections::HashMap;
use std::time::Instant;

use crate::config::{SimConfig, TEAM_ID};
use crate::ids::TsClock;
use crate::model::*;
use crate::seed::BOT_PLACEHOLDER;

/// A trigger id handed to the app by the driver.
#[derive(Debug, Clone)]
pub(crate) struct Trigger {
    pub(crate) user: String,
    pub(crate) issued: Instant,
    pub(crate) used: bool,
}

/// A response URL handed to the app by the driver.
#[derive(Debug, Clone)]
pub(crate) struct ResponseUrl {
    pub(crate) channel: String,
    pub(crate) user: String,
    /// The message the interaction came from (for `replace_original`/`delete_original`).
    pub(crate) message_ts: Option<String>,
    pub(crate) uses: u32,
    pub(crate) issued: Instant,
}

/// Everything the simulator knows.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) team: Team,
    pub(crate) bot_user_id: String,
    pub(crate) users: Vec<User>,
    pub(crate) channels: Vec<Channel>,
    pub(crate) usergroups: Vec<UserGroup>,
    pub(crate) ephemeral: Vec<Ephemeral>,
    pub(crate) views: Vec<View>,
    pub(crate) bookmarks: Vec<Bookmark>,
    pub(crate) deliveries: Vec<Delivery>,
    pub(crate) responses: Vec<ResponsePost>,
    pub(crate) files: Vec<FileUpload>,
    pub(crate) canvases: Vec<Canvas>,
    pub(crate) calls: Vec<Call>,
    pub(crate) faults: Vec<Fault>,
    pub(crate) flaky: Vec<crate::model::Flaky>,
    pub(crate) triggers: HashMap<String, Trigger>,
    pub(crate) response_urls: HashMap<String, ResponseUrl>,
    pub(crate) clock: TsClock,
    pub(crate) rate_limits: crate::rate_limits::RateLimiter,
}

impl State {
    /// The seeded workspace of `config`.
    pub(crate) fn new(config: &SimConfig) -> State {
        let seed = &config.seed;
        let now = crate::ids::now_secs();
        let mut users: Vec<User> = seed
            .users
            .iter()
            .map(|u| User {
                id: u.id.clone(),
                name: u.name.clone(),
                real_name: u.real_name.clone(),
                email: u.email.clone(),
                tz: u.tz.clone(),
                tz_label: u.tz_label.clone(),
                tz_offset: u.tz_offset,
                title: u.title.clone(),
                is_bot: false,
                is_admin: u.is_admin,
            })
            .collect();
        users.push(User {
            id: config.bot_user_id.clone(),
            name: seed.bot.name.clone(),
            real_name: seed.bot.real_name.clone(),
            email: String::new(),
            tz: "Etc/UTC".to_string(),
            tz_label: "Coordinated Universal Time".to_string(),
            tz_offset: 0,
            title: String::new(),
            is_bot: true,
            is_admin: false,
        });
        let creator = seed
            .users
            .first()
            .map(|u| u.id.clone())
            .unwrap_or_else(|| config.bot_user_id.clone());
        let channels = seed
            .channels
            .iter()
            .map(|c| {
                let members = c
                    .members
                    .iter()
                    .map(|m| {
                        if m == BOT_PLACEHOLDER {
                            config.bot_user_id.clone()
                        } else {
                            m.clone()
                        }
                    })
                    .collect();
                Channel {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    topic: c.topic.clone(),
                    purpose: c.purpose.clone(),
                    is_archived: false,
                    is_private: c.is_private,
                    is_im: false,
                    is_general: c.is_general,
                    created: now,
                    creator: creator.clone(),
                    topic_creator: if c.topic.is_empty() {
                        String::new()
                    } else {
                        creator.clone()
                    },
                    topic_last_set: if c.topic.is_empty() { 0 } else { now },
                    purpose_creator: if c.purpose.is_empty() {
                        String::new()
                    } else {
                        creator.clone()
                    },
                    purpose_last_set: if c.purpose.is_empty() { 0 } else { now },
                    members,
                    previous_names: Vec::new(),
                    messages: Vec::new(),
                }
            })
            .collect();
        let usergroups = seed
            .usergroups
            .iter()
            .map(|g| UserGroup {
                id: g.id.clone(),
                handle: g.handle.clone(),
                name: g.name.clone(),
                description: g.description.clone(),
                users: g.users.clone(),
            })
            .collect();
        State {
            team: Team {
                id: TEAM_ID.to_string(),
                name: seed.team.name.clone(),
                domain: seed.team.domain.clone(),
            },
            bot_user_id: config.bot_user_id.clone(),
            users,
            channels,
            usergroups,
            ephemeral: Vec::new(),
            views: Vec::new(),
            bookmarks: Vec::new(),
            deliveries: Vec::new(),
            responses: Vec::new(),
            files: Vec::new(),
            canvases: Vec::new(),
            calls: Vec::new(),
            faults: Vec::new(),
            flaky: Vec::new(),
            triggers: HashMap::new(),
            response_urls: HashMap::new(),
            clock: TsClock::default(),
            rate_limits: crate::rate_limits::RateLimiter::new(config.rate_limits),
        }
    }

    /// The serializable snapshot.
    pub(crate) fn snapshot(&self) -> SimState {
        SimState {
            team: self.team.clone(),
            bot_user_id: self.bot_user_id.clone(),
            users: self.users.clone(),
            channels: self.channels.clone(),
            usergroups: self.usergroups.clone(),
            ephemeral: self.ephemeral.clone(),
            views: self.views.clone(),
            bookmarks: self.bookmarks.clone(),
            deliveries: self.deliveries.clone(),
            responses: self.responses.clone(),
            files: self.files.clone(),
            canvases: self.canvases.clone(),
        }
    }

    pub(crate) fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// A person's handle, or the id itself when unknown.
    pub(crate) fn user_name(&self, id: &str) -> String {
        self.user(id)
            .map_or_else(|| id.to_string(), |u| u.name.clone())
    }

    /// Index of the channel with this id, or with this name (`#name` or `name`).
    pub(crate) fn channel_index(&self, id_or_name: &str) -> Option<usize> {
        if let Some(i) = self.channels.iter().position(|c| c.id == id_or_name) {
            return Some(i);
        }
        let name = id_or_name.strip_prefix('#').unwrap_or(id_or_name);
        self.channels
            .iter()
            .position(|c| !c.is_im && c.name == name)
    }

    pub(crate) fn channel(&self, id: &str) -> Option<&Channel> {
        self.channel_index(id).and_then(|i| self.channels.get(i))
    }

    /// Index of the DM between the bot and `user`, created on first use.
    pub(crate) fn im_with(&mut self, user: &str) -> usize {
        let bot = self.bot_user_id.clone();
        if let Some(i) = self.channels.iter().position(|c| c.is_im && c.name == user) {
            return i;
        }
        self.channels.push(Channel {
            id: crate::ids::random_id("D", 10),
            name: user.to_string(),
            topic: String::new(),
            purpose: String::new(),
            is_archived: false,
            is_private: true,
            is_im: true,
            is_general: false,
            created: crate::ids::now_secs(),
            creator: bot.clone(),
            topic_creator: String::new(),
            topic_last_set: 0,
            purpose_creator: String::new(),
            purpose_last_set: 0,
            members: vec![bot, user.to_string()],
            previous_names: Vec::new(),
            messages: Vec::new(),
        });
        self.channels.len() - 1
    }
}

/// Typed `@name` and `#channel` resolve against the workspace, as Slack's client does.
impl crate::escape::Directory for State {
    fn user_id(&self, name: &str) -> Option<String> {
        self.users
            .iter()
            .find(|u| u.name == name && !u.is_bot)
            .map(|u| u.id.clone())
    }

    fn channel_id(&self, name: &str) -> Option<String> {
        self.channels
            .iter()
            .find(|c| !c.is_im && c.name == name)
            .map(|c| c.id.clone())
    }
}
