//! `pins.*`: add, remove, list. A person's pin or unpin sends `pin_added`/`pin_removed`.

use serde_json::{Value, json};

use super::{Ctx, MethodResult};
use crate::params::Params;
use crate::shapes;

fn pin_event(ctx: &mut Ctx<'_>, idx: usize, m: usize, kind: &str, pinned_at: i64) {
    let channel = &ctx.state.channels[idx];
    let message = &channel.messages[m];
    let mut message_json = shapes::message(channel, message);
    message_json["permalink"] = json!(super::chat::permalink(
        &ctx.config.base_url,
        &channel.id,
        &message.ts,
        message.thread_ts.as_deref()
    ));
    if kind == "pin_added" {
        message_json["pinned_to"] = json!([channel.id]);
    }
    let channel_id = channel.id.clone();
    let item_user = message.user.clone();
    let pin_count = channel.pinned().count();
    let event_ts = ctx.next_ts();
    let mut event = json!({
        "type": kind,
        "user": ctx.actor,
        "channel_id": channel_id,
        "item": {
            "type": "message",
            "created": pinned_at,
            "created_by": ctx.actor,
            "channel": channel_id,
            "message": message_json,
        },
        "item_user": item_user,
        "pin_count": pin_count,
        "pinned_info": {
            "channel": channel_id,
            "pinned_by": ctx.actor,
            "pinned_ts": pinned_at,
        },
        "event_ts": event_ts,
    });
    if kind == "pin_removed" {
        event["has_pins"] = json!(pin_count > 0);
    }
    ctx.emit(&channel_id, event);
}

pub(super) fn add(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = ctx.channel_arg(p, "channel")?;
    if !p.has("timestamp") {
        return Err("no_item_specified".into());
    }
    let m = ctx.message_index(idx, p.str("timestamp"))?;
    ctx.require_unarchived(idx)?;
    let now = crate::ids::now_secs();
    let actor = ctx.actor.clone();
    let message = &mut ctx.state.channels[idx].messages[m];
    if message.pinned {
        return Err("already_pinned".into());
    }
    message.pinned = true;
    message.pinned_by = Some(actor);
    message.pinned_at = Some(now);
    pin_event(ctx, idx, m, "pin_added", now);
    Ok(json!({}))
}

pub(super) fn remove(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = ctx.channel_arg(p, "channel")?;
    if !p.has("timestamp") {
        return Err("no_item_specified".into());
    }
    let m = ctx.message_index(idx, p.str("timestamp"))?;
    let message = &mut ctx.state.channels[idx].messages[m];
    if !message.pinned {
        return Err("no_pin".into());
    }
    let pinned_at = message.pinned_at.unwrap_or_default();
    message.pinned = false;
    message.pinned_by = None;
    message.pinned_at = None;
    pin_event(ctx, idx, m, "pin_removed", pinned_at);
    Ok(json!({}))
}

pub(super) fn list(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = ctx.channel_arg(p, "channel")?;
    let channel = &ctx.state.channels[idx];
    let items: Vec<Value> = channel
        .pinned()
        .map(|m| {
            json!({
                "type": "message",
                "channel": channel.id,
                "created": m.pinned_at.unwrap_or_default(),
                "created_by": m.pinned_by.clone().unwrap_or_default(),
                "message": shapes::message(channel, m),
            })
        })
        .collect();
    Ok(json!({ "items": items }))
}
