//! `GET /`: a read-only HTML page of the simulated workspace for people (local mode):
//! channels with topic, members and messages (author, time, text rendered from mrkdwn,
//! blocks rendered as their text, pins, reactions, threads), ephemeral messages, modals.
//! Plain HTML with inline CSS, refreshed every few seconds; all text escaped.

use axum::extract::State;
use axum::response::Html;
use serde_json::Value;

use crate::model::{Channel, Message};
use crate::mrkdwn::{Names, escape, to_html};
use crate::simulator::Simulator;
use crate::state::State as SimState;

impl Names for SimState {
    fn user(&self, id: &str) -> Option<String> {
        SimState::user(self, id).map(|u| u.name.clone())
    }
    fn channel(&self, id: &str) -> Option<String> {
        SimState::channel(self, id).map(|c| c.name.clone())
    }
    fn group(&self, id: &str) -> Option<String> {
        self.usergroups
            .iter()
            .find(|g| g.id == id)
            .map(|g| g.handle.clone())
    }
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:960px;padding:1em;color:#1d1c1d}\
h1{font-size:1.4em}h2{font-size:1.15em;margin:0}section{border:1px solid #ddd;border-radius:6px;padding:.8em;margin:1em 0}\
.meta{color:#616061;font-size:.9em}.msg{padding:.4em 0;border-top:1px solid #f0f0f0}.reply{margin-left:2em}\
.author{font-weight:bold}.bot{background:#e8e8e8;border-radius:3px;font-size:.75em;padding:0 .3em}\
time{color:#616061;font-size:.85em}.badge{font-size:.8em;border-radius:3px;padding:0 .3em;background:#fff3c4}\
.archived{background:#f4d6d6}.blocks{border-left:3px solid #ddd;padding-left:.6em;margin:.3em 0}\
.reaction{display:inline-block;border:1px solid #ddd;border-radius:10px;padding:0 .4em;margin-right:.3em;font-size:.85em}\
.button{display:inline-block;border:1px solid #aaa;border-radius:4px;padding:0 .5em;margin:.2em .3em .2em 0}\
.mention{background:#e8f5fa;color:#1264a3}pre{background:#f8f8f8;border:1px solid #ddd;padding:.4em;white-space:pre-wrap}\
code{background:#f8f8f8;border:1px solid #ddd;padding:0 .2em}\
.quote{display:inline-block;border-left:3px solid #ccc;padding-left:.5em;color:#454245}";

/// `GET /`.
pub(crate) async fn index(State(sim): State<Simulator>) -> Html<String> {
    Html(sim.with_state(|s| render(s)))
}

fn time(ts: &str) -> String {
    let secs = ts.split('.').next().and_then(|s| s.parse::<i64>().ok());
    secs.and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

pub(crate) fn render(state: &SimState) -> String {
    let mut html = String::from("<!doctype html><html><head><meta charset=\"utf-8\">");
    html.push_str("<meta http-equiv=\"refresh\" content=\"5\"><title>Slack simulator</title>");
    html.push_str(&format!("<style>{STYLE}</style></head><body>"));
    html.push_str(&format!(
        "<h1>Slack simulator — {}</h1><p class=\"meta\">{} channels · {} people · \
         <a href=\"/sim/state\">state JSON</a> · <a href=\"/sim/calls\">recorded calls</a></p>",
        escape(&state.team.name),
        state.channels.len(),
        state.users.iter().filter(|u| !u.is_bot).count(),
    ));
    for channel in &state.channels {
        render_channel(&mut html, state, channel);
    }
    render_ephemeral(&mut html, state);
    render_views(&mut html, state);
    html.push_str("</body></html>");
    html
}

fn render_channel(html: &mut String, state: &SimState, channel: &Channel) {
    let title = if channel.is_im {
        format!("DM with @{}", state.user_name(&channel.name))
    } else {
        format!("#{}", channel.name)
    };
    html.push_str(&format!(
        "<section id=\"{}\"><h2>{}",
        escape(&channel.id),
        escape(&title)
    ));
    if channel.is_private && !channel.is_im {
        html.push_str(" <span class=\"badge\">private</span>");
    }
    if channel.is_archived {
        html.push_str(" <span class=\"badge archived\">archived</span>");
    }
    html.push_str("</h2>");
    if !channel.topic.is_empty() {
        html.push_str(&format!(
            "<div class=\"meta\">Topic: {}</div>",
            to_html(&channel.topic, state)
        ));
    }
    if !channel.purpose.is_empty() {
        html.push_str(&format!(
            "<div class=\"meta\">Purpose: {}</div>",
            to_html(&channel.purpose, state)
        ));
    }
    let members: Vec<String> = channel
        .members
        .iter()
        .map(|m| format!("@{}", state.user_name(m)))
        .collect();
    html.push_str(&format!(
        "<div class=\"meta\">{} · members: {}</div>",
        escape(&channel.id),
        escape(&members.join(", "))
    ));
    for message in channel.messages.iter().filter(|m| m.thread_ts.is_none()) {
        render_message(html, state, message, false);
        for reply in channel
            .messages
            .iter()
            .filter(|m| m.thread_ts.as_deref() == Some(message.ts.as_str()))
        {
            render_message(html, state, reply, true);
        }
    }
    // Replies whose parent is gone.
    for orphan in channel.messages.iter().filter(|m| {
        m.thread_ts
            .as_deref()
            .is_some_and(|t| channel.message(t).is_none())
    }) {
        render_message(html, state, orphan, true);
    }
    html.push_str("</section>");
}

fn render_message(html: &mut String, state: &SimState, message: &Message, reply: bool) {
    let author = state
        .user(&message.user)
        .map_or_else(|| message.user.clone(), |u| u.real_name.clone());
    html.push_str(&format!(
        "<div class=\"msg{}\"><span class=\"author\">{}</span> ",
        if reply { " reply" } else { "" },
        escape(&author)
    ));
    if message.bot_id.is_some() {
        html.push_str("<span class=\"bot\">APP</span> ");
    }
    html.push_str(&format!(
        "<time title=\"{}\">{}</time>",
        escape(&message.ts),
        escape(&time(&message.ts))
    ));
    if message.edited.is_some() {
        html.push_str(" <span class=\"meta\">(edited)</span>");
    }
    if message.pinned {
        html.push_str(" <span class=\"badge\">📌 pinned</span>");
    }
    if !message.text.is_empty() {
        html.push_str(&format!(
            "<div class=\"text\">{}</div>",
            to_html(&message.text, state)
        ));
    }
    if let Some(Value::Array(blocks)) = &message.blocks {
        html.push_str("<div class=\"blocks\">");
        for block in blocks {
            html.push_str(&block_html(block, state));
        }
        html.push_str("</div>");
    }
    for file in &message.files {
        let name = file.get("name").and_then(Value::as_str).unwrap_or("file");
        html.push_str(&format!("<div class=\"meta\">📎 {}</div>", escape(name)));
    }
    if !message.reactions.is_empty() {
        html.push_str("<div>");
        for r in &message.reactions {
            let who: Vec<String> = r.users.iter().map(|u| state.user_name(u)).collect();
            html.push_str(&format!(
                "<span class=\"reaction\" title=\"{}\">:{}: {}</span>",
                escape(&who.join(", ")),
                escape(&r.name),
                r.count
            ));
        }
        html.push_str("</div>");
    }
    html.push_str("</div>");
}

/// A text object (`{type: mrkdwn|plain_text, text}`) as HTML.
fn text_object(value: Option<&Value>, names: &SimState) -> String {
    let Some(obj) = value else {
        return String::new();
    };
    let text = obj.get("text").and_then(Value::as_str).unwrap_or_default();
    if obj.get("type").and_then(Value::as_str) == Some("mrkdwn") {
        to_html(text, names)
    } else {
        escape(text)
    }
}

fn element_html(element: &Value, names: &SimState) -> String {
    match element
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
    {
        "button" => format!(
            "<span class=\"button\">{}</span>",
            text_object(element.get("text"), names)
        ),
        "image" => format!(
            "[image: {}]",
            escape(
                element
                    .get("alt_text")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            )
        ),
        "mrkdwn" | "plain_text" => text_object(Some(element), names),
        other => {
            let placeholder = text_object(element.get("placeholder"), names);
            format!(
                "<span class=\"button\">[{} {}]</span>",
                escape(other),
                placeholder
            )
        }
    }
}

/// Collects the visible text of a rich_text element tree.
fn rich_text(value: &Value, names: &SimState, out: &mut String) {
    match value
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
    {
        "text" => out.push_str(&escape(
            value
                .get("text")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        )),
        "link" => {
            let url = value.get("url").and_then(Value::as_str).unwrap_or_default();
            let text = value.get("text").and_then(Value::as_str).unwrap_or(url);
            out.push_str(&to_html(&format!("<{url}|{text}>"), names));
        }
        "user" => {
            let id = value
                .get("user_id")
                .and_then(Value::as_str)
                .unwrap_or_default();
            out.push_str(&to_html(&format!("<@{id}>"), names));
        }
        "channel" => {
            let id = value
                .get("channel_id")
                .and_then(Value::as_str)
                .unwrap_or_default();
            out.push_str(&to_html(&format!("<#{id}>"), names));
        }
        "emoji" => out.push_str(&format!(
            ":{}:",
            escape(
                value
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            )
        )),
        _ => {
            if let Some(Value::Array(children)) = value.get("elements") {
                for child in children {
                    rich_text(child, names, out);
                }
                out.push_str("<br>");
            }
        }
    }
}

/// One Block Kit block as its text.
pub(crate) fn block_html(block: &Value, names: &SimState) -> String {
    let kind = block
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match kind {
        "header" => format!(
            "<div><strong>{}</strong></div>",
            text_object(block.get("text"), names)
        ),
        "divider" => "<hr>".to_string(),
        "section" => {
            let mut out = format!("<div>{}", text_object(block.get("text"), names));
            if let Some(Value::Array(fields)) = block.get("fields") {
                for field in fields {
                    out.push_str(&format!("<div>{}</div>", text_object(Some(field), names)));
                }
            }
            if let Some(accessory) = block.get("accessory") {
                out.push(' ');
                out.push_str(&element_html(accessory, names));
            }
            out.push_str("</div>");
            out
        }
        "context" | "actions" => {
            let mut out = String::from("<div class=\"meta\">");
            if let Some(Value::Array(elements)) = block.get("elements") {
                for element in elements {
                    out.push_str(&element_html(element, names));
                    out.push(' ');
                }
            }
            out.push_str("</div>");
            out
        }
        "rich_text" => {
            let mut out = String::from("<div>");
            rich_text(block, names, &mut out);
            out.push_str("</div>");
            out
        }
        "markdown" => format!(
            "<div>{}</div>",
            to_html(
                block
                    .get("text")
                    .and_then(Value::as_str)
                    .unwrap_or_default(),
                names
            )
        ),
        "image" => format!("<div>{}</div>", element_html(block, names)),
        "input" => format!(
            "<div>{}: {}</div>",
            text_object(block.get("label"), names),
            block
                .get("element")
                .map(|e| element_html(e, names))
                .unwrap_or_default()
        ),
        other => format!("<div class=\"meta\">[{} block]</div>", escape(other)),
    }
}

fn render_ephemeral(html: &mut String, state: &SimState) {
    if state.ephemeral.is_empty() {
        return;
    }
    html.push_str("<section><h2>Ephemeral messages</h2>");
    for e in &state.ephemeral {
        let channel = state
            .channel(&e.channel)
            .map_or_else(|| e.channel.clone(), |c| c.name.clone());
        html.push_str(&format!(
            "<div class=\"msg\"><span class=\"meta\">to @{} in #{} ({}) · {}</span><div>{}</div>",
            escape(&state.user_name(&e.user)),
            escape(&channel),
            escape(&e.source),
            escape(&e.at),
            to_html(&e.text, state)
        ));
        if let Some(Value::Array(blocks)) = &e.blocks {
            html.push_str("<div class=\"blocks\">");
            for block in blocks {
                html.push_str(&block_html(block, state));
            }
            html.push_str("</div>");
        }
        html.push_str("</div>");
    }
    html.push_str("</section>");
}

fn render_views(html: &mut String, state: &SimState) {
    if state.views.is_empty() {
        return;
    }
    html.push_str("<section><h2>Views</h2>");
    for v in &state.views {
        let title = v
            .view
            .get("title")
            .and_then(|t| t.get("text"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        html.push_str(&format!(
            "<div class=\"msg\"><span class=\"author\">{}</span> <span class=\"meta\">{} {} for @{} · callback_id {} · {}</span>",
            escape(title),
            escape(&v.kind),
            escape(&v.id),
            escape(&state.user_name(&v.user)),
            escape(&v.callback_id),
            if v.open { "open" } else { "closed" }
        ));
        if let Some(Value::Array(blocks)) = v.view.get("blocks") {
            html.push_str("<div class=\"blocks\">");
            for block in blocks {
                html.push_str(&block_html(block, state));
            }
            html.push_str("</div>");
        }
        html.push_str("</div>");
    }
    html.push_str("</section>");
}
