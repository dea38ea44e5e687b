//! `views.*`: open, push, update, publish. `trigger_id`s must have been issued by the
//! driver, are single-use and expire 3 seconds after issue, as on Slack.

use std::time::Duration;

use serde_json::{Value, json};

use super::{ApiError, Ctx, MethodResult};
use crate::model::View;
use crate::params::Params;
use crate::shapes;

/// How long a trigger id stays valid.
pub(crate) const TRIGGER_TTL: Duration = Duration::from_secs(3);

fn new_hash() -> String {
    format!(
        "{}.{}",
        crate::ids::now_secs(),
        fastrand::u32(10_000_000..100_000_000)
    )
}

fn text_field(view: &Value, key: &str) -> String {
    view.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Validates the trigger and returns the person it was issued for (not yet consumed).
fn check_trigger(ctx: &Ctx<'_>, p: &Params) -> Result<(String, String), String> {
    let id = p.str("trigger_id").ok_or("invalid_arguments")?;
    let trigger = ctx.state.triggers.get(&id).ok_or("invalid_trigger_id")?;
    if trigger.used {
        return Err("exchanged_trigger_id".into());
    }
    if trigger.issued.elapsed() > TRIGGER_TTL {
        return Err("expired_trigger_id".into());
    }
    Ok((id, trigger.user.clone()))
}

/// Replaces a stored view's content (after `views.update` or a `response_action`).
pub(crate) fn replace_view(stored: &mut View, view: Value) {
    stored.callback_id = text_field(&view, "callback_id");
    stored.external_id = text_field(&view, "external_id");
    stored.private_metadata = text_field(&view, "private_metadata");
    stored.view = view;
    stored.hash = new_hash();
    stored.updates += 1;
}

/// Gives the view's blocks `block_id`s where missing, as Slack does.
pub(crate) fn fill_view_block_ids(mut view: Value) -> Value {
    if let Some(blocks) = view.get_mut("blocks") {
        *blocks = super::fill_block_ids(blocks.take());
    }
    view
}

/// The `view` argument, which must be an object of type `kind` that Slack would accept.
/// Slack refuses a bad view with `invalid_arguments` and its problems in
/// `response_metadata.messages` (`[ERROR] must be less than 25 characters
/// [json-pointer:/view/title/text]`).
fn view_arg(p: &Params, kind: &str) -> Result<Value, ApiError> {
    let view = p.json("view").ok_or("invalid_arguments")?;
    if !view.is_object() || view.get("type").and_then(Value::as_str) != Some(kind) {
        return Err(view_refusal(&[format!(
            "must be one of: {kind} [json-pointer:/view/type]"
        )]));
    }
    let problems = check_view(&view);
    if !problems.is_empty() {
        return Err(view_refusal(&problems));
    }
    Ok(fill_view_block_ids(view))
}

/// Problems Slack finds in a view (empty when it would accept it).
pub(crate) fn check_view(view: &Value) -> Vec<String> {
    crate::blockkit::check_view(view)
}

fn view_refusal(problems: &[String]) -> ApiError {
    let messages: Vec<String> = problems.iter().map(|p| format!("[ERROR] {p}")).collect();
    ApiError::from("invalid_arguments").with("response_metadata", json!({ "messages": messages }))
}

fn external_id_taken(ctx: &Ctx<'_>, external_id: &str, except: Option<&str>) -> bool {
    !external_id.is_empty()
        && ctx
            .state
            .views
            .iter()
            .any(|v| v.external_id == external_id && Some(v.id.as_str()) != except)
}

pub(crate) fn new_view(
    user: String,
    kind: &str,
    view: Value,
    root: Option<(String, String)>,
) -> View {
    let id = crate::ids::random_id("V", 10);
    let (root_view_id, previous_view_id) = match root {
        Some((root, previous)) => (root, Some(previous)),
        None => (id.clone(), None),
    };
    View {
        id,
        kind: kind.to_string(),
        user,
        callback_id: text_field(&view, "callback_id"),
        external_id: text_field(&view, "external_id"),
        private_metadata: text_field(&view, "private_metadata"),
        hash: new_hash(),
        root_view_id,
        previous_view_id,
        view,
        open: true,
        updates: 0,
    }
}

pub(super) fn open(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let (trigger, user) = check_trigger(ctx, p)?;
    let view = view_arg(p, "modal")?;
    if external_id_taken(ctx, &text_field(&view, "external_id"), None) {
        return Err("duplicate_external_id".into());
    }
    for v in ctx.state.views.iter_mut() {
        if v.kind == "modal" && v.user == user {
            v.open = false;
        }
    }
    if let Some(t) = ctx.state.triggers.get_mut(&trigger) {
        t.used = true;
    }
    let view = new_view(user, "modal", view, None);
    let body = json!({ "view": shapes::view(&view) });
    ctx.state.views.push(view);
    Ok(body)
}

pub(super) fn push(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let (trigger, user) = check_trigger(ctx, p)?;
    let view = view_arg(p, "modal")?;
    let stack: Vec<&View> = ctx
        .state
        .views
        .iter()
        .filter(|v| v.kind == "modal" && v.user == user && v.open)
        .collect();
    let Some(top) = stack.last() else {
        return Err("not_found".into());
    };
    if stack.len() >= 3 {
        return Err("push_limit_reached".into());
    }
    let root = (top.root_view_id.clone(), top.id.clone());
    if external_id_taken(ctx, &text_field(&view, "external_id"), None) {
        return Err("duplicate_external_id".into());
    }
    if let Some(t) = ctx.state.triggers.get_mut(&trigger) {
        t.used = true;
    }
    let view = new_view(user, "modal", view, Some(root));
    let body = json!({ "view": shapes::view(&view) });
    ctx.state.views.push(view);
    Ok(body)
}

pub(super) fn update(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let index = match (p.str("view_id"), p.str("external_id")) {
        (Some(id), _) => ctx.state.views.iter().position(|v| v.id == id),
        (None, Some(ext)) => ctx.state.views.iter().position(|v| v.external_id == ext),
        (None, None) => return Err("invalid_arguments".into()),
    }
    .ok_or("not_found")?;
    let kind = ctx.state.views[index].kind.clone();
    let view = view_arg(p, &kind)?;
    if let Some(hash) = p.str("hash")
        && hash != ctx.state.views[index].hash
    {
        return Err("hash_conflict".into());
    }
    let id = ctx.state.views[index].id.clone();
    if external_id_taken(ctx, &text_field(&view, "external_id"), Some(&id)) {
        return Err("duplicate_external_id".into());
    }
    let stored = &mut ctx.state.views[index];
    replace_view(stored, view);
    Ok(json!({ "view": shapes::view(stored) }))
}

pub(super) fn publish(ctx: &mut Ctx<'_>, p: &Params) -> MethodResult {
    let user = p.str("user_id").ok_or("invalid_arguments")?;
    if ctx.state.user(&user).is_none_or(|u| u.is_bot) {
        return Err("user_not_found".into());
    }
    let view = view_arg(p, "home")?;
    let existing = ctx
        .state
        .views
        .iter()
        .position(|v| v.kind == "home" && v.user == user);
    match existing {
        Some(index) => {
            if let Some(hash) = p.str("hash")
                && hash != ctx.state.views[index].hash
            {
                return Err("hash_conflict".into());
            }
            let stored = &mut ctx.state.views[index];
            replace_view(stored, view);
            Ok(json!({ "view": shapes::view(stored) }))
        }
        None => {
            let view = new_view(user, "home", view, None);
            let body = json!({ "view": shapes::view(&view) });
            ctx.state.views.push(view);
            Ok(body)
        }
    }
}
