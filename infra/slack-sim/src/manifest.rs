//! The app manifest the simulator holds the app to: its bot scopes (a method none of
//! whose scopes the bot has is `missing_scope`) and its bot events (Slack only delivers
//! events the app subscribed to).

use serde::Deserialize;

/// Flare's committed manifest (`infra/slack-app-manifest.yaml`), the default.
pub const FLARE_MANIFEST: &str = include_str!("../../slack-app-manifest.yaml");

/// What the simulator reads from a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppManifest {
    /// `oauth_config.scopes.bot`.
    pub bot_scopes: Vec<String>,
    /// `settings.event_subscriptions.bot_events` (`message.channels`, `reaction_added`, …).
    pub bot_events: Vec<String>,
    /// The slash commands declared with `should_escape: true` (Slack then turns typed
    /// `@name` and `#channel` in their text into `<@U…|name>` and `<#C…|name>`).
    pub escaped_commands: Vec<String>,
}

#[derive(Deserialize, Default)]
struct Raw {
    #[serde(default)]
    oauth_config: RawOauth,
    #[serde(default)]
    settings: RawSettings,
    #[serde(default)]
    features: RawFeatures,
}

#[derive(Deserialize, Default)]
struct RawFeatures {
    #[serde(default)]
    slash_commands: Vec<RawCommand>,
}

#[derive(Deserialize, Default)]
struct RawCommand {
    #[serde(default)]
    command: String,
    #[serde(default)]
    should_escape: bool,
}

#[derive(Deserialize, Default)]
struct RawOauth {
    #[serde(default)]
    scopes: RawScopes,
}

#[derive(Deserialize, Default)]
struct RawScopes {
    #[serde(default)]
    bot: Vec<String>,
}

#[derive(Deserialize, Default)]
struct RawSettings {
    #[serde(default)]
    event_subscriptions: RawEvents,
}

#[derive(Deserialize, Default)]
struct RawEvents {
    #[serde(default)]
    bot_events: Vec<String>,
}

impl AppManifest {
    /// Reads a manifest (YAML or JSON).
    pub fn parse(text: &str) -> Result<AppManifest, String> {
        let raw: Raw = serde_yaml_ng::from_str(text).map_err(|e| format!("app manifest: {e}"))?;
        Ok(AppManifest {
            bot_scopes: raw.oauth_config.scopes.bot,
            bot_events: raw.settings.event_subscriptions.bot_events,
            escaped_commands: raw
                .features
                .slash_commands
                .into_iter()
                .filter(|c| c.should_escape)
                .map(|c| c.command)
                .collect(),
        })
    }

    /// Flare's committed manifest.
    pub fn flare() -> AppManifest {
        AppManifest::parse(FLARE_MANIFEST).unwrap_or_default()
    }

    /// Whether the app subscribed to `event` (for `message`, the subscription of its
    /// channel type: `message.channels`, `message.groups`, `message.im`).
    pub fn subscribes(&self, event: &str, channel_type: Option<&str>) -> bool {
        let name = match (event, channel_type) {
            ("message", Some("channel")) => "message.channels".to_string(),
            ("message", Some("group")) => "message.groups".to_string(),
            ("message", Some("im")) => "message.im".to_string(),
            ("message", Some("mpim")) => "message.mpim".to_string(),
            (other, _) => other.to_string(),
        };
        self.bot_events.contains(&name)
    }
}

/// The bot scopes that allow `method`; any one of them is enough. Empty: no scope
/// needed. `None`: a method the simulator does not know. (docs.slack.dev method pages,
/// "Bot token" scopes.)
pub(crate) fn method_scopes(method: &str) -> Option<&'static [&'static str]> {
    const MANAGE: &[&str] = &["channels:manage", "groups:write", "im:write", "mpim:write"];
    const READ: &[&str] = &["channels:read", "groups:read", "im:read", "mpim:read"];
    const HISTORY: &[&str] = &[
        "channels:history",
        "groups:history",
        "im:history",
        "mpim:history",
    ];
    Some(match method {
        "api.test" | "auth.test" | "views.open" | "views.push" | "views.update"
        | "views.publish" | "chat.getPermalink" => &[],
        "chat.postMessage" | "chat.postEphemeral" | "chat.update" | "chat.delete" => {
            &["chat:write"]
        }
        "conversations.create" => &["channels:manage", "groups:write"],
        "conversations.invite" => &[
            "channels:manage",
            "channels:write.invites",
            "groups:write",
            "groups:write.invites",
            "im:write",
            "mpim:write",
        ],
        "conversations.setTopic" => &[
            "channels:manage",
            "channels:write.topic",
            "groups:write",
            "groups:write.topic",
            "im:write",
            "im:write.topic",
            "mpim:write",
            "mpim:write.topic",
        ],
        "conversations.rename"
        | "conversations.archive"
        | "conversations.unarchive"
        | "conversations.setPurpose"
        | "conversations.kick"
        | "conversations.leave" => MANAGE,
        "conversations.join" => &["channels:join"],
        "conversations.open" => &["channels:manage", "groups:write", "im:write", "mpim:write"],
        "conversations.info" | "conversations.list" | "conversations.members" => READ,
        "conversations.history" | "conversations.replies" => HISTORY,
        "conversations.canvases.create" | "canvases.create" => &["canvases:write"],
        "pins.add" | "pins.remove" => &["pins:write"],
        "pins.list" => &["pins:read"],
        "reactions.add" | "reactions.remove" => &["reactions:write"],
        "reactions.get" => &["reactions:read"],
        "bookmarks.add" | "bookmarks.remove" | "bookmarks.edit" => &["bookmarks:write"],
        "bookmarks.list" => &["bookmarks:read"],
        "users.info" | "users.list" => &["users:read"],
        "users.lookupByEmail" => &["users:read.email"],
        "usergroups.list" | "usergroups.users.list" => &["usergroups:read"],
        "files.getUploadURLExternal" | "files.completeUploadExternal" => &["files:write"],
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn flare_manifest_is_read() {
        let m = AppManifest::flare();
        assert!(m.bot_scopes.iter().any(|s| s == "chat:write"), "{m:?}");
        assert!(m.subscribes("reaction_added", None));
        assert!(!m.subscribes("message", Some("channel")));
        assert_eq!(m.escaped_commands, ["/incident"]);
        assert!(AppManifest::parse("oauth_config: [").is_err());
    }

    #[test]
    fn every_method_the_simulator_serves_has_scopes() {
        for method in [
            "chat.postMessage",
            "conversations.invite",
            "users.info",
            "views.open",
        ] {
            assert!(method_scopes(method).is_some(), "{method}");
        }
        assert_eq!(method_scopes("chat.postMessage"), Some(&["chat:write"][..]));
        assert_eq!(method_scopes("nope.nope"), None);
    }
}
