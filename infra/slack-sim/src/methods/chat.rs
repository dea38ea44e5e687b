//! `chat.*`: postMessage, postEphemeral, update, delete, getPermalink.

use serde_json::{Value, json};

use super::{ApiError, Ctx, MethodResult, fill_block_ids};
use crate::config::BOT_ID;
use crate::model::{Edited, Ephemeral, Message};
use crate::params::Params;
use crate::shapes;

/// Where a message goes: a channel id or name, or a user id (the bot's DM with them).
fn post_target(ctx: &mut Ctx<'_>, p: &Params) -> Result<usize, String> {
    let target = p.str("channel").ok_or("channel_not_found")?;
    if ctx.state.channel_index(&target).is_none()
        && ctx.is_bot
        && ctx.state.user(&target).is_some_and(|u| !u.is_bot)
    {
        return Ok(ctx.state.im_with(&target));
    }
    let idx = ctx.channel_arg(p, "channel")?;
    let channel = &ctx.state.channels[idx];
    if channel.is_archived {
        return Err("is_archived".into());
    }
    // With chat:write.public the bot may post in public channels it has not joined.
    let public_ok = ctx.is_bot && !channel.is_private && ctx.bot_has_scope("chat:write.public");
    if !channel.has_member(&ctx.actor) && !public_ok {
        return Err("not_in_channel".into());
    }
    Ok(idx)
}

/// A message's `text` as Slack stores it: a person's typed text is escaped (and typed
/// mentions become references) as Slack's client does; the bot's is taken as sent.
fn message_text(ctx: &Ctx<'_>, text: String) -> String {
    if ctx.is_bot {
        text
    } else {
        crate::escape::typed(&text, &*ctx.state, crate::escape::Style::Message)
    }
}

/// The `blocks` argument checked as Slack checks it: `None` when absent or `[]`,
/// `invalid_blocks_format` when it is not JSON, `invalid_blocks` (with Slack's list of
/// problems) when a block breaks Block Kit's shapes or limits.
fn blocks_arg(p: &Params) -> Result<Option<Value>, ApiError> {
    let blocks = match p.json("blocks") {
        None if p.str("blocks").is_some() => return Err("invalid_blocks_format".into()),
        None => return Ok(None),
        Some(blocks) => blocks,
    };
    if blocks.as_array().is_some_and(Vec::is_empty) {
        return Ok(None);
    }
    let problems = crate::blockkit::check_message_blocks(&blocks);
    if !problems.is_empty() {
        return Err(ApiError::with_problems("invalid_blocks", &problems));
    }
    Ok(Some(fill_block_ids(blocks)))
}

/// `text` and `blocks` of a message, or `no_text` / `invalid_blocks` / `msg_too_long`.
fn content(ctx: &Ctx<'_>, p: &Params) -> Result<(String, Option<Value>), ApiError> {
    let text = message_text(ctx, p.str("text").unwrap_or_default());
    let blocks = blocks_arg(p)?;
    if text.trim().is_empty() && blocks.is_none() && !p.has("attachments") {
        return Err("no_text".into());
    }
    if text.chars().count() > 40_000 {
        return Err("msg_too_long".into());
    }
    Ok((text, blocks))
}

pub(super) fn post_message(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = post_target(ctx, p)?;
    let (text, blocks) = content(ctx, p)?;
    // A reply to a reply joins the parent's thread.
    let thread_ts = p.str("thread_ts").map(|t| {
        ctx.state.channels[idx]
            .message(&t)
            .and_then(|m| m.thread_ts.clone())
            .unwrap_or(t)
    });
    let ts = ctx.next_ts();
    let message = Message {
        ts: ts.clone(),
        user: ctx.actor.clone(),
        text: text.clone(),
        blocks: blocks.clone(),
        reply_broadcast: thread_ts.is_some() && p.bool("reply_broadcast"),
        thread_ts: thread_ts.clone(),
        pinned: false,
        pinned_by: None,
        pinned_at: None,
        reactions: Vec::new(),
        bot_id: ctx.is_bot.then(|| BOT_ID.to_string()),
        subtype: None,
        metadata: p.json("metadata"),
        edited: None,
        files: Vec::new(),
    };
    let channel = &mut ctx.state.channels[idx];
    channel.messages.push(message);
    let channel = &ctx.state.channels[idx];
    let channel_id = channel.id.clone();
    let message_json = channel
        .message(&ts)
        .map(|m| shapes::message(channel, m))
        .unwrap_or(Value::Null);

    let mut event = json!({
        "type": "message",
        "channel": channel_id,
        "user": ctx.actor,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": ctx.channel_type(idx),
        "team": crate::config::TEAM_ID,
        "client_msg_id": format!("{}-sim", crate::ids::hex_id(8)),
    });
    if let Some(blocks) = blocks {
        event["blocks"] = blocks;
    }
    if let Some(thread_ts) = thread_ts {
        event["thread_ts"] = json!(thread_ts);
    }
    if ctx.is_bot {
        event["bot_id"] = json!(BOT_ID);
        event["app_id"] = json!(crate::config::APP_ID);
        if let Some(obj) = event.as_object_mut() {
            obj.remove("client_msg_id");
        }
    }
    ctx.emit(&channel_id, event);
    Ok(json!({ "channel": channel_id, "ts": ts, "message": message_json }))
}

pub(super) fn post_ephemeral(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = ctx.channel_arg(p, "channel")?;
    let user = p.str("user").ok_or("user_not_found")?;
    if ctx.state.user(&user).is_none() {
        return Err("user_not_found".into());
    }
    let channel = &ctx.state.channels[idx];
    if channel.is_archived {
        return Err("is_archived".into());
    }
    if !channel.has_member(&user) {
        return Err("user_not_in_channel".into());
    }
    let (text, blocks) = content(ctx, p)?;
    let channel_id = ctx.state.channels[idx].id.clone();
    let ts = ctx.next_ts();
    ctx.state.ephemeral.push(Ephemeral {
        channel: channel_id,
        user,
        text,
        blocks,
        thread_ts: p.str("thread_ts"),
        source: "chat.postEphemeral".to_string(),
        at: crate::now_rfc3339(),
    });
    Ok(json!({ "message_ts": ts }))
}

pub(super) fn update(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = ctx.channel_arg(p, "channel")?;
    let m = ctx.message_index(idx, p.str("ts"))?;
    if ctx.state.channels[idx].messages[m].user != ctx.actor {
        return Err("cant_update_message".into());
    }
    ctx.require_unarchived(idx)?;
    let text = p.str("text").map(|t| message_text(ctx, t));
    if text.is_none() && !p.has("blocks") && !p.has("attachments") {
        return Err("no_text".into());
    }
    if text.as_ref().is_some_and(|t| t.chars().count() > 40_000) {
        return Err("msg_too_long".into());
    }
    // Blocks left out are kept; `[]` removes them.
    let blocks = if p.has("blocks") {
        Some(blocks_arg(p)?)
    } else {
        None
    };
    let edit_ts = ctx.next_ts();
    let actor = ctx.actor.clone();
    let channel = &mut ctx.state.channels[idx];
    let message = &mut channel.messages[m];
    if let Some(text) = text {
        message.text = text;
    }
    if let Some(blocks) = blocks {
        message.blocks = blocks;
    }
    if p.has("metadata") {
        message.metadata = p.json("metadata");
    }
    message.edited = Some(Edited {
        user: actor,
        ts: edit_ts,
    });
    let channel = &ctx.state.channels[idx];
    let message = &channel.messages[m];
    Ok(json!({
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": shapes::message(channel, message),
    }))
}

pub(super) fn delete(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = ctx.channel_arg(p, "channel")?;
    let m = ctx.message_index(idx, p.str("ts"))?;
    let channel = &mut ctx.state.channels[idx];
    if channel.messages[m].user != ctx.actor {
        return Err("cant_delete_message".into());
    }
    let removed = channel.messages.remove(m);
    Ok(json!({ "channel": channel.id, "ts": removed.ts }))
}

pub(super) fn get_permalink(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = ctx.channel_arg(p, "channel")?;
    let m = ctx.message_index(idx, p.str("message_ts"))?;
    let channel = &ctx.state.channels[idx];
    let message = &channel.messages[m];
    Ok(json!({
        "channel": channel.id,
        "permalink": permalink(&ctx.config.base_url, &channel.id, &message.ts, message.thread_ts.as_deref()),
    }))
}

/// `{base}/archives/<channel>/p<ts without dot>` (plus the thread for replies).
pub(crate) fn permalink(
    base_url: &str,
    channel: &str,
    ts: &str,
    thread_ts: Option<&str>,
) -> String {
    let base = base_url.trim_end_matches('/');
    let mut link = format!("{base}/archives/{channel}/p{}", ts.replace('.', ""));
    if let Some(thread) = thread_ts {
        link.push_str(&format!("?thread_ts={thread}&cid={channel}"));
    }
    link
}
