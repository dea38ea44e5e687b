//! `bookmarks.*`: add, list, remove (slack-morphism has no wrappers for these; the app
//! calls them through `http_session_api.http_post`).

use serde_json::{Value, json};

use super::{Ctx, MethodResult};
use crate::model::Bookmark;
use crate::params::Params;
use crate::shapes;

fn channel(ctx: &Ctx<'_>, p: &Params) -> Result<usize, String> {
    ctx.channel_arg(p, "channel_id")
}

pub(super) fn add(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = channel(ctx, p)?;
    ctx.require_unarchived(idx)?;
    let title = p.str("title").ok_or("invalid_arguments")?;
    let kind = p.str("type").ok_or("invalid_arguments")?;
    if kind != "link" {
        return Err("invalid_bookmark_type".into());
    }
    let link = p.str("link").ok_or("invalid_link")?;
    if !(link.starts_with("http://") || link.starts_with("https://")) {
        return Err("invalid_link".into());
    }
    let channel_id = ctx.state.channels[idx].id.clone();
    if ctx
        .state
        .bookmarks
        .iter()
        .filter(|b| b.channel_id == channel_id)
        .count()
        >= 100
    {
        return Err("too_many_bookmarks".into());
    }
    let bookmark = Bookmark {
        id: crate::ids::random_id("Bk", 10),
        channel_id,
        title,
        kind,
        link,
        emoji: p.str("emoji"),
        created_by: ctx.actor.clone(),
        date_created: crate::ids::now_secs(),
    };
    let body = json!({ "bookmark": shapes::bookmark(&bookmark) });
    ctx.state.bookmarks.push(bookmark);
    Ok(body)
}

pub(super) fn list(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = channel(ctx, p)?;
    let channel_id = &ctx.state.channels[idx].id;
    let bookmarks: Vec<Value> = ctx
        .state
        .bookmarks
        .iter()
        .filter(|b| b.channel_id == *channel_id)
        .map(shapes::bookmark)
        .collect();
    Ok(json!({ "bookmarks": bookmarks }))
}

pub(super) fn remove(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let idx = channel(ctx, p)?;
    let channel_id = ctx.state.channels[idx].id.clone();
    let id = p.str("bookmark_id").ok_or("invalid_arguments")?;
    let before = ctx.state.bookmarks.len();
    ctx.state
        .bookmarks
        .retain(|b| !(b.id == id && b.channel_id == channel_id));
    if ctx.state.bookmarks.len() == before {
        return Err("not_found".into());
    }
    Ok(json!({}))
}
