//! The Web API methods: one function per method, grouped by family, and the table that
//! routes a method name to its function. Each method sees the state (already locked),
//! who is calling, and the decoded arguments; it answers the body of an `ok:true`
//! response or a Slack error code, and queues the Events API callbacks a person's
//! action causes.

mod bookmarks;
mod chat;
mod conversations;
mod files;
mod pins;
mod reactions;
mod users;
mod views;

use serde_json::{Value, json};

pub(crate) use views::{check_view, fill_view_block_ids, new_view, replace_view};

use crate::config::SimConfig;
use crate::params::Params;
use crate::state::State;

/// What a method answers: the response body without `ok`, or a Slack error.
pub(crate) type MethodResult = Result<Value, ApiError>;

/// A Slack error: its code plus the fields Slack adds beside it (`errors`, `needed`,
/// `provided`, `response_metadata`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub(crate) code: String,
    pub(crate) extra: serde_json::Map<String, Value>,
}

impl ApiError {
    /// Adds a field beside `error`.
    pub(crate) fn with(mut self, key: &str, value: Value) -> ApiError {
        self.extra.insert(key.to_string(), value);
        self
    }

    /// `code` with Slack's problem list: `errors` and `response_metadata.messages`
    /// (each prefixed `[ERROR] `), as Slack answers refused blocks.
    pub(crate) fn with_problems(code: &str, problems: &[String]) -> ApiError {
        let messages: Vec<String> = problems.iter().map(|p| format!("[ERROR] {p}")).collect();
        ApiError::from(code)
            .with("errors", json!(problems))
            .with("response_metadata", json!({ "messages": messages }))
    }
}

impl From<&str> for ApiError {
    fn from(code: &str) -> ApiError {
        ApiError {
            code: code.to_string(),
            extra: serde_json::Map::new(),
        }
    }
}

impl From<String> for ApiError {
    fn from(code: String) -> ApiError {
        ApiError {
            code,
            extra: serde_json::Map::new(),
        }
    }
}

/// An Events API callback caused by a call, with the channel it happened in (the bot
/// only hears about channels it is a member of).
#[derive(Debug, Clone)]
pub(crate) struct PendingEvent {
    pub(crate) channel: String,
    pub(crate) event: Value,
}

/// One call in progress.
pub(crate) struct Ctx<'a> {
    pub(crate) state: &'a mut State,
    pub(crate) config: &'a SimConfig,
    /// The caller's user id.
    pub(crate) actor: String,
    /// Whether the caller is the bot.
    pub(crate) is_bot: bool,
    pub(crate) events: Vec<PendingEvent>,
}

impl Ctx<'_> {
    /// Queues an Events API callback. Slack sends them for the bot's own actions too
    /// (its pins, reactions and messages), so the app must recognise and ignore its own.
    pub(crate) fn emit(&mut self, channel: &str, event: Value) {
        self.events.push(PendingEvent {
            channel: channel.to_string(),
            event,
        });
    }

    /// Whether the bot may do `scope`'s work (its manifest lists the scope).
    pub(crate) fn bot_has_scope(&self, scope: &str) -> bool {
        self.config.manifest.bot_scopes.iter().any(|s| s == scope)
    }

    /// The channel named by argument `key`, as the caller can see it: unknown channels
    /// and private channels the caller is not in are `channel_not_found`.
    pub(crate) fn channel_arg(&self, p: &Params, key: &str) -> Result<usize, String> {
        let id = p.str(key).ok_or("channel_not_found")?;
        let idx = self.state.channel_index(&id).ok_or("channel_not_found")?;
        let channel = &self.state.channels[idx];
        if channel.is_private && !channel.has_member(&self.actor) {
            return Err("channel_not_found".into());
        }
        Ok(idx)
    }

    /// Fails with `not_in_channel` unless the caller is a member.
    pub(crate) fn require_member(&self, idx: usize) -> Result<(), String> {
        if self.state.channels[idx].has_member(&self.actor) {
            Ok(())
        } else {
            Err("not_in_channel".into())
        }
    }

    /// Fails with `is_archived` if the channel is archived.
    pub(crate) fn require_unarchived(&self, idx: usize) -> Result<(), String> {
        if self.state.channels[idx].is_archived {
            Err("is_archived".into())
        } else {
            Ok(())
        }
    }

    /// Index of the message `ts` in channel `idx`, or `message_not_found`.
    pub(crate) fn message_index(&self, idx: usize, ts: Option<String>) -> Result<usize, String> {
        let ts = ts.ok_or("message_not_found")?;
        self.state.channels[idx]
            .messages
            .iter()
            .position(|m| m.ts == ts)
            .ok_or_else(|| "message_not_found".into())
    }

    /// The next message timestamp.
    pub(crate) fn next_ts(&mut self) -> String {
        self.state.clock.next()
    }

    /// `channel`, `group` or `im`, as in event payloads.
    pub(crate) fn channel_type(&self, idx: usize) -> &'static str {
        let channel = &self.state.channels[idx];
        if channel.is_im {
            "im"
        } else if channel.is_private {
            "group"
        } else {
            "channel"
        }
    }
}

/// Runs `method`; `None` when the simulator does not know it.
pub(crate) fn dispatch(ctx: &mut Ctx<'_>, method: &str, p: &Params) -> Option<MethodResult> {
    let result = match method {
        "api.test" => Ok(json!({"args": p.to_value()})),
        "auth.test" => users::auth_test(ctx),
        "conversations.create" => conversations::create(ctx, p),
        "conversations.invite" => conversations::invite(ctx, p),
        "conversations.join" => conversations::join(ctx, p),
        "conversations.leave" => conversations::leave(ctx, p),
        "conversations.kick" => conversations::kick(ctx, p),
        "conversations.rename" => conversations::rename(ctx, p),
        "conversations.archive" => conversations::archive(ctx, p),
        "conversations.unarchive" => conversations::unarchive(ctx, p),
        "conversations.setTopic" => conversations::set_topic(ctx, p),
        "conversations.setPurpose" => conversations::set_purpose(ctx, p),
        "conversations.info" => conversations::info(ctx, p),
        "conversations.members" => conversations::members(ctx, p),
        "conversations.list" => conversations::list(ctx, p),
        "conversations.history" => conversations::history(ctx, p),
        "conversations.replies" => conversations::replies(ctx, p),
        "conversations.open" => conversations::open(ctx, p),
        "conversations.canvases.create" => files::channel_canvas_create(ctx, p),
        "chat.postMessage" => chat::post_message(ctx, p),
        "chat.postEphemeral" => chat::post_ephemeral(ctx, p),
        "chat.update" => chat::update(ctx, p),
        "chat.delete" => chat::delete(ctx, p),
        "chat.getPermalink" => chat::get_permalink(ctx, p),
        "pins.add" => pins::add(ctx, p),
        "pins.remove" => pins::remove(ctx, p),
        "pins.list" => pins::list(ctx, p),
        "reactions.add" => reactions::add(ctx, p),
        "reactions.remove" => reactions::remove(ctx, p),
        "reactions.get" => reactions::get(ctx, p),
        "bookmarks.add" => bookmarks::add(ctx, p),
        "bookmarks.list" => bookmarks::list(ctx, p),
        "bookmarks.remove" => bookmarks::remove(ctx, p),
        "views.open" => views::open(ctx, p),
        "views.push" => views::push(ctx, p),
        "views.update" => views::update(ctx, p),
        "views.publish" => views::publish(ctx, p),
        "users.info" => users::info(ctx, p),
        "users.list" => users::list(ctx, p),
        "users.lookupByEmail" => users::lookup_by_email(ctx, p),
        "usergroups.list" => users::usergroups_list(ctx, p),
        "usergroups.users.list" => users::usergroups_users_list(ctx, p),
        "files.getUploadURLExternal" => files::get_upload_url(ctx, p),
        "files.completeUploadExternal" => files::complete_upload(ctx, p),
        "canvases.create" => files::canvas_create(ctx, p),
        _ => return None,
    };
    Some(result)
}

/// Offset-based cursor paging shared by the list methods: returns the page and the
/// `response_metadata` value.
pub(crate) fn page<T: Clone>(items: &[T], p: &Params, default_limit: usize) -> (Vec<T>, Value) {
    let start = p
        .str("cursor")
        .and_then(|c| {
            c.strip_prefix("next:")
                .and_then(|n| n.parse::<usize>().ok())
        })
        .unwrap_or(0)
        .min(items.len());
    let limit = p
        .u64("limit")
        .and_then(|l| usize::try_from(l).ok())
        .filter(|l| *l > 0)
        .unwrap_or(default_limit)
        .min(1000);
    let end = start.saturating_add(limit).min(items.len());
    let next = if end < items.len() {
        format!("next:{end}")
    } else {
        String::new()
    };
    (items[start..end].to_vec(), json!({ "next_cursor": next }))
}

/// Adds a `block_id` to every block that has none, as Slack does.
pub(crate) fn fill_block_ids(blocks: Value) -> Value {
    match blocks {
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|mut block| {
                    if let Value::Object(obj) = &mut block {
                        obj.entry("block_id")
                            .or_insert_with(|| json!(crate::ids::random_id("", 5)));
                    }
                    block
                })
                .collect(),
        ),
        other => other,
    }
}

/// Checks a channel name against Slack's rules.
pub(crate) fn check_channel_name(name: Option<String>) -> Result<String, String> {
    let name = name.ok_or("invalid_name_required")?;
    if name.trim().is_empty() {
        return Err("invalid_name_required".into());
    }
    if name.chars().count() > 80 {
        return Err("invalid_name_maxlength".into());
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        return Err("invalid_name_specials".into());
    }
    if name.chars().all(|c| c == '-' || c == '_') {
        return Err("invalid_name_punctuation".into());
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn channel_names_follow_slack_rules() {
        assert_eq!(
            check_channel_name(Some("inc-1_a".into())).unwrap(),
            "inc-1_a"
        );
        assert_eq!(
            check_channel_name(None).unwrap_err(),
            "invalid_name_required"
        );
        assert_eq!(
            check_channel_name(Some("Inc".into())).unwrap_err(),
            "invalid_name_specials"
        );
        assert_eq!(
            check_channel_name(Some("a b".into())).unwrap_err(),
            "invalid_name_specials"
        );
        assert_eq!(
            check_channel_name(Some("a".repeat(81))).unwrap_err(),
            "invalid_name_maxlength"
        );
        assert!(check_channel_name(Some("a".repeat(80))).is_ok());
        assert_eq!(
            check_channel_name(Some("--".into())).unwrap_err(),
            "invalid_name_punctuation"
        );
    }

    #[test]
    fn paging_walks_with_cursors() {
        let items: Vec<u32> = (0..5).collect();
        let p = Params::from_value(json!({"limit": 2})).unwrap();
        let (first, meta) = page(&items, &p, 100);
        assert_eq!(first, [0, 1]);
        let p = Params::from_value(json!({"limit": 2, "cursor": meta["next_cursor"]})).unwrap();
        let (second, _) = page(&items, &p, 100);
        assert_eq!(second, [2, 3]);
        let p = Params::from_value(json!({"cursor": "next:99"})).unwrap();
        assert!(page(&items, &p, 100).0.is_empty());
    }
}
