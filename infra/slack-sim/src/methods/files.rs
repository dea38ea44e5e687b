//! Minimal file uploads (`files.getUploadURLExternal` + `files.completeUploadExternal`,
//! the upload itself goes to `/sim/upload/<file id>`) and canvases (`canvases.create`,
//! `conversations.canvases.create`).

use serde_json::{Value, json};

use super::{Ctx, MethodResult};
use crate::config::BOT_ID;
use crate::model::{Canvas, FileUpload, Message};
use crate::params::Params;

pub(super) fn get_upload_url(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let name = p.str("filename").ok_or("invalid_arguments")?;
    if p.u64("length").is_none() {
        return Err("invalid_arguments".into());
    }
    let id = crate::ids::random_id("F", 10);
    ctx.state.files.push(FileUpload {
        id: id.clone(),
        name: name.clone(),
        title: name,
        content: String::new(),
        user: ctx.actor.clone(),
        channel: None,
        completed: false,
    });
    Ok(json!({
        "upload_url": format!("{}/sim/upload/{id}", ctx.config.base_url.trim_end_matches('/')),
        "file_id": id,
    }))
}

pub(super) fn complete_upload(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let Some(Value::Array(files)) = p.json("files") else {
        return Err("invalid_arguments".into());
    };
    let channel = if p.has("channel_id") {
        let idx = ctx.channel_arg(p, "channel_id")?;
        ctx.require_unarchived(idx)?;
        Some(idx)
    } else {
        None
    };
    let channel_id = channel.map(|idx| ctx.state.channels[idx].id.clone());
    let mut done = Vec::new();
    for f in &files {
        let id = f.get("id").and_then(Value::as_str).unwrap_or_default();
        let upload = ctx
            .state
            .files
            .iter_mut()
            .find(|u| u.id == id)
            .ok_or("file_not_found")?;
        if let Some(title) = f.get("title").and_then(Value::as_str) {
            upload.title = title.to_string();
        }
        upload.completed = true;
        upload.channel.clone_from(&channel_id);
        done.push(json!({"id": upload.id, "name": upload.name, "title": upload.title}));
    }
    if let Some(idx) = channel {
        let ts = ctx.next_ts();
        let message = Message {
            ts,
            user: ctx.actor.clone(),
            text: p.str("initial_comment").unwrap_or_default(),
            blocks: None,
            thread_ts: p.str("thread_ts"),
            pinned: false,
            pinned_by: None,
            pinned_at: None,
            reactions: Vec::new(),
            bot_id: ctx.is_bot.then(|| BOT_ID.to_string()),
            subtype: Some("file_share".to_string()),
            metadata: None,
            edited: None,
            reply_broadcast: false,
            files: done.clone(),
        };
        ctx.state.channels[idx].messages.push(message);
    }
    Ok(json!({ "files": done }))
}

fn markdown(p: &Params) -> String {
    p.json("document_content")
        .and_then(|d| {
            d.get("markdown")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_default()
}

pub(super) fn canvas_create(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    if p.has("channel_id") {
        // A standalone canvas shared into a channel: the channel must exist.
        ctx.channel_arg(p, "channel_id")?;
    }
    let id = crate::ids::random_id("F", 10);
    ctx.state.canvases.push(Canvas {
        id: id.clone(),
        title: p.str("title").unwrap_or_default(),
        markdown: markdown(p),
        channel_id: None,
    });
    Ok(json!({ "canvas_id": id }))
}

pub(super) fn channel_canvas_create(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = ctx.channel_arg(p, "channel_id")?;
    ctx.require_unarchived(idx)?;
    let channel_id = ctx.state.channels[idx].id.clone();
    if ctx
        .state
        .canvases
        .iter()
        .any(|c| c.channel_id.as_deref() == Some(channel_id.as_str()))
    {
        return Err("channel_canvas_already_exists".into());
    }
    let id = crate::ids::random_id("F", 10);
    ctx.state.canvases.push(Canvas {
        id: id.clone(),
        title: p.str("title").unwrap_or_default(),
        markdown: markdown(p),
        channel_id: Some(channel_id),
    });
    Ok(json!({ "canvas_id": id }))
}
