//! The JSON objects the Web API answers with (channel, message, user, view, user group,
//! bookmark), shaped like Slack's so that slack-morphism 2.31's models deserialize them.

use serde_json::{Map, Value, json};

use crate::config::{APP_ID, BOT_ID, TEAM_ID};
use crate::model::{Bookmark, Channel, Message, User, UserGroup, View};

/// A conversation object as `conversations.info` returns it, seen by `viewer`.
pub(crate) fn channel(channel: &Channel, viewer: &str) -> Value {
    let mut obj = json!({
        "id": channel.id,
        "created": channel.created,
        "creator": channel.creator,
        "is_channel": !channel.is_im,
        "is_group": false,
        "is_im": channel.is_im,
        "is_mpim": false,
        "is_private": channel.is_private,
        "is_archived": channel.is_archived,
        "is_general": channel.is_general,
        "is_shared": false,
        "is_ext_shared": false,
        "is_org_shared": false,
        "is_pending_ext_shared": false,
        "is_member": channel.has_member(viewer),
        "unlinked": 0,
        "context_team_id": TEAM_ID,
        "updated": channel.created * 1000,
        "num_members": channel.members.len(),
    });
    if channel.is_im {
        obj["user"] = json!(channel.name);
    } else {
        obj["name"] = json!(channel.name);
        obj["name_normalized"] = json!(channel.name);
        obj["previous_names"] = json!(channel.previous_names);
        obj["topic"] = json!({
            "value": channel.topic,
            "creator": channel.topic_creator,
            "last_set": channel.topic_last_set,
        });
        obj["purpose"] = json!({
            "value": channel.purpose,
            "creator": channel.purpose_creator,
            "last_set": channel.purpose_last_set,
        });
    }
    obj
}

/// A message object as `conversations.history` returns it; thread parents get their
/// reply counts from `channel`.
pub(crate) fn message(channel: &Channel, msg: &Message) -> Value {
    let mut obj = Map::new();
    obj.insert("type".into(), json!("message"));
    obj.insert("ts".into(), json!(msg.ts));
    obj.insert("user".into(), json!(msg.user));
    obj.insert("text".into(), json!(msg.text));
    obj.insert("team".into(), json!(TEAM_ID));
    if let Some(subtype) = &msg.subtype {
        obj.insert("subtype".into(), json!(subtype));
    }
    if let Some(bot_id) = &msg.bot_id {
        obj.insert("bot_id".into(), json!(bot_id));
        obj.insert("app_id".into(), json!(APP_ID));
    }
    if let Some(blocks) = &msg.blocks {
        obj.insert("blocks".into(), blocks.clone());
    }
    if let Some(metadata) = &msg.metadata {
        obj.insert("metadata".into(), metadata.clone());
    }
    if let Some(edited) = &msg.edited {
        obj.insert(
            "edited".into(),
            json!({"user": edited.user, "ts": edited.ts}),
        );
    }
    if !msg.files.is_empty() {
        obj.insert("files".into(), json!(msg.files));
    }
    if !msg.reactions.is_empty() {
        obj.insert("reactions".into(), json!(msg.reactions));
    }
    if msg.pinned {
        obj.insert("pinned_to".into(), json!([channel.id]));
    }
    match &msg.thread_ts {
        Some(parent) => {
            obj.insert("thread_ts".into(), json!(parent));
            obj.insert("parent_user_id".into(), json!(parent_user(channel, parent)));
            if msg.reply_broadcast {
                obj.insert("subtype".into(), json!("thread_broadcast"));
            }
        }
        None => {
            let replies: Vec<&Message> = channel
                .messages
                .iter()
                .filter(|m| m.thread_ts.as_deref() == Some(msg.ts.as_str()))
                .collect();
            if let Some(last) = replies.last() {
                let mut users: Vec<&str> = Vec::new();
                for reply in &replies {
                    if !users.contains(&reply.user.as_str()) {
                        users.push(&reply.user);
                    }
                }
                obj.insert("thread_ts".into(), json!(msg.ts));
                obj.insert("reply_count".into(), json!(replies.len()));
                obj.insert("reply_users_count".into(), json!(users.len()));
                obj.insert("reply_users".into(), json!(users));
                obj.insert("latest_reply".into(), json!(last.ts));
            }
        }
    }
    Value::Object(obj)
}

fn parent_user(channel: &Channel, parent_ts: &str) -> String {
    channel
        .message(parent_ts)
        .map(|m| m.user.clone())
        .unwrap_or_default()
}

/// A user object as `users.info` returns it.
pub(crate) fn user(user: &User) -> Value {
    let (first, last) = user
        .real_name
        .split_once(' ')
        .unwrap_or((user.real_name.as_str(), ""));
    let mut profile = json!({
        "real_name": user.real_name,
        "real_name_normalized": user.real_name,
        "display_name": user.name,
        "display_name_normalized": user.name,
        "first_name": first,
        "last_name": last,
        "title": user.title,
        "team": TEAM_ID,
        "status_text": "",
        "status_emoji": "",
        "avatar_hash": "g0000000000",
        "image_24": format!("https://secure.gravatar.invalid/{}-24.png", user.id),
        "image_48": format!("https://secure.gravatar.invalid/{}-48.png", user.id),
        "image_72": format!("https://secure.gravatar.invalid/{}-72.png", user.id),
    });
    if !user.email.is_empty() {
        profile["email"] = json!(user.email);
    }
    if user.is_bot {
        profile["bot_id"] = json!(BOT_ID);
        profile["api_app_id"] = json!(APP_ID);
        profile["always_active"] = json!(true);
    }
    json!({
        "id": user.id,
        "team_id": TEAM_ID,
        "name": user.name,
        "deleted": false,
        "color": "9f69e7",
        "real_name": user.real_name,
        "tz": user.tz,
        "tz_label": user.tz_label,
        "tz_offset": user.tz_offset,
        "profile": profile,
        "is_admin": user.is_admin,
        "is_owner": false,
        "is_primary_owner": false,
        "is_restricted": false,
        "is_ultra_restricted": false,
        "is_bot": user.is_bot,
        "is_app_user": false,
        "updated": 1_700_000_000,
        "has_2fa": false,
    })
}

/// A view object as `views.open` returns it.
pub(crate) fn view(view: &View) -> Value {
    let mut obj = match &view.view {
        Value::Object(o) => o.clone(),
        _ => Map::new(),
    };
    obj.insert("id".into(), json!(view.id));
    obj.insert("team_id".into(), json!(TEAM_ID));
    obj.insert("type".into(), json!(view.kind));
    obj.insert("callback_id".into(), json!(view.callback_id));
    obj.insert("external_id".into(), json!(view.external_id));
    obj.insert("private_metadata".into(), json!(view.private_metadata));
    obj.insert("hash".into(), json!(view.hash));
    obj.insert("state".into(), json!({"values": {}}));
    obj.insert("root_view_id".into(), json!(view.root_view_id));
    obj.insert("previous_view_id".into(), json!(view.previous_view_id));
    obj.insert("app_id".into(), json!(APP_ID));
    obj.insert("app_installed_team_id".into(), json!(TEAM_ID));
    obj.insert("bot_id".into(), json!(BOT_ID));
    obj.entry("blocks").or_insert_with(|| json!([]));
    obj.entry("clear_on_close").or_insert(json!(false));
    obj.entry("notify_on_close").or_insert(json!(false));
    Value::Object(obj)
}

/// A user group as `usergroups.list` returns it.
pub(crate) fn usergroup(group: &UserGroup, creator: &str, include_users: bool) -> Value {
    let mut obj = json!({
        "id": group.id,
        "team_id": TEAM_ID,
        "is_usergroup": true,
        "is_subteam": true,
        "name": group.name,
        "description": group.description,
        "handle": group.handle,
        "is_external": false,
        "auto_provision": false,
        "date_create": 1_700_000_000,
        "date_update": 1_700_000_000,
        "date_delete": 0,
        "auto_type": null,
        "created_by": creator,
        "updated_by": creator,
        "deleted_by": null,
        "prefs": {"channels": [], "groups": []},
        "user_count": group.users.len(),
        "channel_count": 0,
    });
    if include_users {
        obj["users"] = json!(group.users);
    }
    obj
}

/// A bookmark as `bookmarks.add` returns it.
pub(crate) fn bookmark(b: &Bookmark) -> Value {
    json!({
        "id": b.id,
        "channel_id": b.channel_id,
        "title": b.title,
        "link": b.link,
        "emoji": b.emoji,
        "icon_url": null,
        "type": b.kind,
        "entity_id": null,
        "date_created": b.date_created,
        "date_updated": 0,
        "rank": "U",
        "last_updated_by_user_id": b.created_by,
        "last_updated_by_team_id": TEAM_ID,
        "shortcut_id": null,
        "app_id": null,
    })
}
