//! `conversations.*`: create, invite, join, leave, kick, rename, archive, unarchive,
//! setTopic, setPurpose, info, members, list, history, replies, open.

use serde_json::{Value, json};

use super::{ApiError, Ctx, MethodResult, check_channel_name, page};
use crate::ids::parse_ts;
use crate::model::Channel;
use crate::params::Params;
use crate::shapes;

fn channel_json(ctx: &Ctx<'_>, idx: usize) -> Value {
    shapes::channel(&ctx.state.channels[idx], &ctx.actor)
}

fn name_taken(ctx: &Ctx<'_>, name: &str, except: Option<usize>) -> bool {
    ctx.state
        .channels
        .iter()
        .enumerate()
        .any(|(i, c)| !c.is_im && c.name == name && Some(i) != except)
}

pub(super) fn create(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let name = check_channel_name(p.str("name"))?;
    if name_taken(ctx, &name, None) {
        return Err("name_taken".into());
    }
    let now = crate::ids::now_secs();
    ctx.state.channels.push(Channel {
        id: crate::ids::random_id("C", 10),
        name,
        topic: String::new(),
        purpose: String::new(),
        is_archived: false,
        is_private: p.bool("is_private"),
        is_im: false,
        is_general: false,
        created: now,
        creator: ctx.actor.clone(),
        topic_creator: String::new(),
        topic_last_set: 0,
        purpose_creator: String::new(),
        purpose_last_set: 0,
        members: vec![ctx.actor.clone()],
        previous_names: Vec::new(),
        messages: Vec::new(),
    });
    let idx = ctx.state.channels.len() - 1;
    Ok(json!({ "channel": channel_json(ctx, idx) }))
}

/// Slack's rules (docs.slack.dev conversations.invite): every user is checked; without
/// `force`, one failing user fails the whole call and nobody is invited (the error is
/// the first failure, `errors` lists each one); with `force=true` the valid users are
/// invited and the failures listed in `errors` beside `ok: true` (the call fails only
/// when nobody could be invited).
pub(super) fn invite(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = ctx.channel_arg(p, "channel")?;
    if ctx.state.channels[idx].is_im {
        return Err("method_not_supported_for_channel_type".into());
    }
    ctx.require_unarchived(idx)?;
    ctx.require_member(idx)?;
    let users = p.list("users");
    if users.is_empty() {
        return Err("no_user".into());
    }
    if users.len() > 1000 {
        return Err("too_many_users".into());
    }
    let mut failures: Vec<Value> = Vec::new();
    let mut valid: Vec<String> = Vec::new();
    for user in &users {
        let error = if *user == ctx.actor {
            Some("cant_invite_self")
        } else if ctx.state.user(user).is_none() {
            Some("user_not_found")
        } else if ctx.state.channels[idx].has_member(user) || valid.contains(user) {
            Some("already_in_channel")
        } else {
            None
        };
        match error {
            Some(error) => failures.push(json!({"user": user, "ok": false, "error": error})),
            None => valid.push(user.clone()),
        }
    }
    let first_error = failures
        .first()
        .and_then(|f| f.get("error"))
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(error) = first_error
        && (!p.bool("force") || valid.is_empty())
    {
        return Err(ApiError::from(error).with("errors", Value::Array(failures)));
    }
    let channel = &mut ctx.state.channels[idx];
    channel.members.extend(valid);
    let mut body = json!({ "channel": channel_json(ctx, idx) });
    if !failures.is_empty() {
        body["errors"] = Value::Array(failures);
    }
    Ok(body)
}

pub(super) fn join(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = ctx.channel_arg(p, "channel")?;
    let channel = &ctx.state.channels[idx];
    if channel.is_private || channel.is_im {
        return Err("method_not_supported_for_channel_type".into());
    }
    ctx.require_unarchived(idx)?;
    let already = channel.has_member(&ctx.actor);
    if !already {
        let actor = ctx.actor.clone();
        ctx.state.channels[idx].members.push(actor);
    }
    let mut body = json!({ "channel": channel_json(ctx, idx) });
    if already {
        body["warning"] = json!("already_in_channel");
        body["response_metadata"] = json!({"warnings": ["already_in_channel"]});
    }
    Ok(body)
}

pub(super) fn leave(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = ctx.channel_arg(p, "channel")?;
    if ctx.state.channels[idx].is_general {
        return Err("cant_leave_general".into());
    }
    ctx.require_unarchived(idx)?;
    let actor = ctx.actor.clone();
    let channel = &mut ctx.state.channels[idx];
    if !channel.has_member(&actor) {
        return Ok(json!({ "not_in_channel": true }));
    }
    channel.members.retain(|m| *m != actor);
    Ok(json!({}))
}

pub(super) fn kick(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = ctx.channel_arg(p, "channel")?;
    ctx.require_member(idx)?;
    let user = p.str("user").ok_or("user_not_found")?;
    if user == ctx.actor {
        return Err("cant_kick_self".into());
    }
    let channel = &mut ctx.state.channels[idx];
    if !channel.has_member(&user) {
        return Err("not_in_channel".into());
    }
    channel.members.retain(|m| *m != user);
    Ok(json!({}))
}

pub(super) fn rename(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = ctx.channel_arg(p, "channel")?;
    ctx.require_unarchived(idx)?;
    ctx.require_member(idx)?;
    let name = check_channel_name(p.str("name"))?;
    if name_taken(ctx, &name, Some(idx)) {
        return Err("name_taken".into());
    }
    let channel = &mut ctx.state.channels[idx];
    if channel.name != name {
        let old = std::mem::replace(&mut channel.name, name);
        channel.previous_names.insert(0, old);
    }
    Ok(json!({ "channel": channel_json(ctx, idx) }))
}

pub(super) fn archive(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = ctx.channel_arg(p, "channel")?;
    let channel = &ctx.state.channels[idx];
    if channel.is_archived {
        return Err("already_archived".into());
    }
    if channel.is_general {
        return Err("cant_archive_general".into());
    }
    if channel.is_im {
        return Err("method_not_supported_for_channel_type".into());
    }
    ctx.require_member(idx)?;
    ctx.state.channels[idx].is_archived = true;
    Ok(json!({}))
}

pub(super) fn unarchive(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = ctx.channel_arg(p, "channel")?;
    if !ctx.state.channels[idx].is_archived {
        return Err("not_archived".into());
    }
    ctx.state.channels[idx].is_archived = false;
    Ok(json!({}))
}

pub(super) fn set_topic(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = ctx.channel_arg(p, "channel")?;
    ctx.require_unarchived(idx)?;
    ctx.require_member(idx)?;
    if !p.has("topic") {
        return Err("invalid_arguments".into());
    }
    let topic = p.str("topic").unwrap_or_default();
    if topic.chars().count() > 250 {
        return Err("too_long".into());
    }
    let actor = ctx.actor.clone();
    let channel = &mut ctx.state.channels[idx];
    channel.topic = topic.clone();
    channel.topic_creator = actor;
    channel.topic_last_set = crate::ids::now_secs();
    Ok(json!({ "topic": topic, "channel": channel_json(ctx, idx) }))
}

pub(super) fn set_purpose(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = ctx.channel_arg(p, "channel")?;
    ctx.require_unarchived(idx)?;
    ctx.require_member(idx)?;
    if !p.has("purpose") {
        return Err("invalid_arguments".into());
    }
    let purpose = p.str("purpose").unwrap_or_default();
    if purpose.chars().count() > 250 {
        return Err("too_long".into());
    }
    let actor = ctx.actor.clone();
    let channel = &mut ctx.state.channels[idx];
    channel.purpose = purpose.clone();
    channel.purpose_creator = actor;
    channel.purpose_last_set = crate::ids::now_secs();
    Ok(json!({ "purpose": purpose, "channel": channel_json(ctx, idx) }))
}

pub(super) fn info(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = ctx.channel_arg(p, "channel")?;
    Ok(json!({ "channel": channel_json(ctx, idx) }))
}

pub(super) fn members(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = ctx.channel_arg(p, "channel")?;
    let (members, meta) = page(&ctx.state.channels[idx].members, p, 100);
    Ok(json!({ "members": members, "response_metadata": meta }))
}

pub(super) fn list(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let mut types = p.list("types");
    if types.is_empty() {
        types.push("public_channel".to_string());
    }
    let exclude_archived = p.bool("exclude_archived");
    let visible: Vec<Value> = ctx
        .state
        .channels
        .iter()
        .filter(|c| {
            let kind = if c.is_im {
                "im"
            } else if c.is_private {
                "private_channel"
            } else {
                "public_channel"
            };
            types.iter().any(|t| t == kind)
                && !(exclude_archived && c.is_archived)
                && (!c.is_private || c.has_member(&ctx.actor))
        })
        .map(|c| shapes::channel(c, &ctx.actor))
        .collect();
    let (channels, meta) = page(&visible, p, 100);
    Ok(json!({ "channels": channels, "response_metadata": meta }))
}

/// Filters by `oldest`/`latest` (exclusive unless `inclusive`).
fn in_range(ts: &str, p: &Params) -> bool {
    let Some(t) = parse_ts(ts) else { return false };
    let inclusive = p.bool("inclusive");
    if let Some(oldest) = p.str("oldest").and_then(|s| parse_ts(&s))
        && (t < oldest || (t == oldest && !inclusive))
    {
        return false;
    }
    if let Some(latest) = p.str("latest").and_then(|s| parse_ts(&s))
        && (t > latest || (t == latest && !inclusive))
    {
        return false;
    }
    true
}

/// Bots read history only where they are members (people can read any public channel).
fn require_readable(ctx: &Ctx<'_>, idx: usize) -> Result<(), String> {
    if ctx.is_bot {
        ctx.require_member(idx)
    } else {
        Ok(())
    }
}

pub(super) fn history(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = ctx.channel_arg(p, "channel")?;
    require_readable(ctx, idx)?;
    let channel = &ctx.state.channels[idx];
    let newest_first: Vec<Value> = channel
        .top_level()
        .filter(|m| in_range(&m.ts, p))
        .rev()
        .map(|m| shapes::message(channel, m))
        .collect();
    let (messages, meta) = page(&newest_first, p, 100);
    let has_more = !meta["next_cursor"].as_str().unwrap_or("").is_empty();
    let pin_count = channel.pinned().count();
    Ok(json!({
        "messages": messages,
        "has_more": has_more,
        "pin_count": pin_count,
        "response_metadata": meta,
    }))
}

pub(super) fn replies(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = ctx.channel_arg(p, "channel")?;
    require_readable(ctx, idx)?;
    let channel = &ctx.state.channels[idx];
    let ts = p.str("ts").ok_or("thread_not_found")?;
    let parent = channel.message(&ts).ok_or("thread_not_found")?;
    let root = parent
        .thread_ts
        .clone()
        .unwrap_or_else(|| parent.ts.clone());
    let thread: Vec<Value> = channel
        .messages
        .iter()
        .filter(|m| m.ts == root || m.thread_ts.as_deref() == Some(root.as_str()))
        .filter(|m| m.ts == root || in_range(&m.ts, p))
        .map(|m| shapes::message(channel, m))
        .collect();
    let (messages, meta) = page(&thread, p, 1000);
    let has_more = !meta["next_cursor"].as_str().unwrap_or("").is_empty();
    Ok(json!({ "messages": messages, "has_more": has_more, "response_metadata": meta }))
}

pub(super) fn open(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    if p.has("channel") {
        let idx = ctx.channel_arg(p, "channel")?;
        return Ok(json!({ "channel": channel_json(ctx, idx), "already_open": true }));
    }
    let users = p.list("users");
    let others: Vec<&String> = users.iter().filter(|u| **u != ctx.actor).collect();
    let [user] = others.as_slice() else {
        return Err(if users.is_empty() {
            "users_list_not_supplied"
        } else {
            "not_supported"
        }
        .into());
    };
    if ctx.state.user(user).is_none() {
        return Err("user_not_found".into());
    }
    if !ctx.is_bot {
        return Err("not_supported".into());
    }
    let idx = ctx.state.im_with(user);
    Ok(json!({ "channel": channel_json(ctx, idx) }))
}
