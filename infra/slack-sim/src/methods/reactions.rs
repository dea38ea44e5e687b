//! `reactions.*`: add, remove, get. A person's reaction sends `reaction_added`/`_removed`.

use serde_json::json;

use super::{Ctx, MethodResult};
use crate::model::Reaction;
use crate::params::Params;
use crate::shapes;

/// The emoji name without surrounding colons, or `invalid_name`.
fn emoji_name(p: &Params) -> Result<String, String> {
    let name = p.str("name").ok_or("invalid_name")?;
    let name = name.trim_matches(':').to_string();
    let valid = !name.is_empty()
        && name.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || "_-+':".contains(c) || !c.is_ascii()
        });
    if valid {
        Ok(name)
    } else {
        Err("invalid_name".into())
    }
}

fn reaction_event(ctx: &mut Ctx<'_>, idx: usize, m: usize, kind: &str, name: &str) {
    let channel = &ctx.state.channels[idx];
    let message = &channel.messages[m];
    let channel_id = channel.id.clone();
    let event = json!({
        "type": kind,
        "user": ctx.actor,
        "reaction": name,
        "item_user": message.user,
        "item": {"type": "message", "channel": channel_id, "ts": message.ts},
        "event_ts": ctx.state.clock.next(),
    });
    ctx.emit(&channel_id, event);
}

pub(super) fn add(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = ctx.channel_arg(p, "channel")?;
    if !p.has("timestamp") {
        return Err("no_item_specified".into());
    }
    let m = ctx.message_index(idx, p.str("timestamp"))?;
    let name = emoji_name(p)?;
    let actor = ctx.actor.clone();
    let message = &mut ctx.state.channels[idx].messages[m];
    match message.reactions.iter_mut().find(|r| r.name == name) {
        Some(r) if r.users.contains(&actor) => return Err("already_reacted".into()),
        Some(r) => {
            r.users.push(actor);
            r.count = r.users.len();
        }
        None => {
            if message.reactions.len() >= 50 {
                return Err("too_many_emoji".into());
            }
            message.reactions.push(Reaction {
                name: name.clone(),
                users: vec![actor],
                count: 1,
            });
        }
    }
    reaction_event(ctx, idx, m, "reaction_added", &name);
    Ok(json!({}))
}

pub(super) fn remove(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = ctx.channel_arg(p, "channel")?;
    if !p.has("timestamp") {
        return Err("no_item_specified".into());
    }
    let m = ctx.message_index(idx, p.str("timestamp"))?;
    let name = emoji_name(p)?;
    let actor = ctx.actor.clone();
    let message = &mut ctx.state.channels[idx].messages[m];
    let Some(r) = message
        .reactions
        .iter_mut()
        .find(|r| r.name == name && r.users.contains(&actor))
    else {
        return Err("no_reaction".into());
    };
    r.users.retain(|u| *u != actor);
    r.count = r.users.len();
    message.reactions.retain(|r| r.count > 0);
    reaction_event(ctx, idx, m, "reaction_removed", &name);
    Ok(json!({}))
}

pub(super) fn get(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = ctx.channel_arg(p, "channel")?;
    if !p.has("timestamp") {
        return Err("no_item_specified".into());
    }
    let m = ctx.message_index(idx, p.str("timestamp"))?;
    let channel = &ctx.state.channels[idx];
    let message = &channel.messages[m];
    Ok(json!({
        "type": "message",
        "channel": channel.id,
        "message": shapes::message(channel, message),
        "permalink": super::chat::permalink(&ctx.config.base_url, &channel.id, &message.ts, message.thread_ts.as_deref()),
    }))
}
