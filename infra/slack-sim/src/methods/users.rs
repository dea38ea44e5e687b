//! `auth.test`, `users.*` (info, list, lookupByEmail) and `usergroups.*` (list, users.list).

use serde_json::{Value, json};

use super::{Ctx, MethodResult, page};
use crate::config::{BOT_ID, TEAM_ID};
use crate::params::Params;
use crate::shapes;

pub(super) fn auth_test(ctx: &mut Ctx<'_>) -> MethodResult {
    let mut body = json!({
        "url": format!("{}/", ctx.config.base_url.trim_end_matches('/')),
        "team": ctx.state.team.name,
        "user": ctx.state.user_name(&ctx.actor),
        "team_id": TEAM_ID,
        "user_id": ctx.actor,
        "is_enterprise_install": false,
    });
    if ctx.is_bot {
        body["bot_id"] = json!(BOT_ID);
    }
    Ok(body)
}

pub(super) fn info(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let id = p.str("user").ok_or("user_not_found")?;
    let user = ctx.state.user(&id).ok_or("user_not_found")?;
    Ok(json!({ "user": shapes::user(user) }))
}

pub(super) fn list(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let all: Vec<Value> = ctx.state.users.iter().map(shapes::user).collect();
    let (members, meta) = page(&all, p, 200);
    Ok(json!({
        "members": members,
        "cache_ts": crate::ids::now_secs(),
        "response_metadata": meta,
    }))
}

pub(super) fn lookup_by_email(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let email = p.str("email").ok_or("users_not_found")?;
    let user = ctx
        .state
        .users
        .iter()
        .find(|u| !u.email.is_empty() && u.email.eq_ignore_ascii_case(email.trim()))
        .ok_or("users_not_found")?;
    Ok(json!({ "user": shapes::user(user) }))
}

fn creator(ctx: &Ctx<'_>) -> String {
    ctx.state
        .users
        .iter()
        .find(|u| u.is_admin)
        .map(|u| u.id.clone())
        .unwrap_or_else(|| ctx.state.bot_user_id.clone())
}

pub(super) fn usergroups_list(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let creator = creator(ctx);
    let include_users = p.bool("include_users");
    let groups: Vec<Value> = ctx
        .state
        .usergroups
        .iter()
        .map(|g| shapes::usergroup(g, &creator, include_users))
        .collect();
    Ok(json!({ "usergroups": groups }))
}

pub(super) fn usergroups_users_list(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let id = p.str("usergroup").ok_or("no_such_subteam")?;
    let group = ctx
        .state
        .usergroups
        .iter()
        .find(|g| g.id == id)
        .ok_or("no_such_subteam")?;
    Ok(json!({ "users": group.users }))
}
