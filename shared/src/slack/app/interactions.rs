//! Interactivity: shortcuts open the declare modal, its submission declares, and the
//! card's buttons become Commands.

use super::{Reject, Response, SlackApp, bad};
use crate::bus::ReplyTo;
use crate::domain::{
    CapturedMessage, Command, Declaration, IncidentId, ReleaseAction, Role, Roles, UserId,
};
use crate::slack::blocks::{
    ADD_SERVICE_ACTION, DECLARE_CALLBACK, EDIT_CALLBACK, EDIT_UPDATE_ACTION, ModalOrigin,
    UPDATE_CALLBACK, declare_modal,
};
use crate::slack::quarantine;
use serde_json::{Value, json};

pub const DECLARE_SHORTCUT: &str = "declare_incident";
pub const DECLARE_FROM_MESSAGE: &str = "declare_incident_from_message";
/// The App Home's *Declare incident* button.
pub const DECLARE_ACTION: &str = "declare";

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(v, |v, k| v.get(*k))
        .and_then(Value::as_str)
}

impl SlackApp {
    pub(super) async fn interaction(&self, req: &super::Request) -> Result<Response, Reject> {
        let form: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&req.body).map_err(|e| bad(format!("bad form: {e}")))?;
        let payload = form
            .iter()
            .find(|(k, _)| k == "payload")
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| bad("no payload"))?;
        let p: Value =
            serde_json::from_str(payload).map_err(|e| bad(format!("payload is not JSON: {e}")))?;
        let user = str_at(&p, &["user", "id"])
            .and_then(UserId::parse)
            .ok_or_else(|| bad("no user"))?;
        let kind = str_at(&p, &["type"]).unwrap_or_default();
        let callback = str_at(&p, &["callback_id"]).unwrap_or_default();
        let result = match kind {
            "shortcut" if callback == DECLARE_SHORTCUT => {
                let trigger = str_at(&p, &["trigger_id"]).ok_or_else(|| bad("no trigger_id"))?;
                self.open_modal(
                    trigger,
                    declare_modal(&self.config, "", "", &ModalOrigin::default()),
                )
                .await
                .map(|()| Response::empty())
            }
            "message_action" if callback == DECLARE_FROM_MESSAGE => {
                self.declare_from_message(&p).await
            }
            "shortcut" | "message_action" => {
                // Another app's shortcut, or one from an older manifest: not ours to act on.
                tracing::info!(kind, callback, "ignored a shortcut Flare doesn't define");
                Ok(Response::empty())
            }
            "view_submission" => self.view_submission(&p, &user).await,
            "block_actions" => self.block_action(&p, &user).await,
            // view_closed and anything newer: nothing to do.
            _ => Ok(Response::empty()),
        };
        match result {
            // The form didn't open: the person pressed something and saw nothing, so
            // say what happened, where they are (the answer body of an interaction is
            // not shown).
            Err(Reject::Modal(why)) => {
                let text = super::modal_failure(&why);
                let told = match str_at(&p, &["response_url"]) {
                    Some(url) => self.api.respond(url, &text).await,
                    None => self
                        .api
                        .call(
                            "chat.postMessage",
                            json!({ "channel": user.as_str(), "text": text }),
                        )
                        .await
                        .map(|_| ()),
                };
                if let Err(e) = told {
                    tracing::warn!(error = %e, "could not tell that the form did not open");
                }
                Ok(Response::empty())
            }
            other => other,
        }
    }

    async fn declare_from_message(&self, p: &Value) -> Result<Response, Reject> {
        let trigger = str_at(p, &["trigger_id"]).ok_or_else(|| bad("no trigger_id"))?;
        let channel = str_at(p, &["channel", "id"]).ok_or_else(|| bad("no channel"))?;
        let ts = str_at(p, &["message", "ts"]).ok_or_else(|| bad("no message ts"))?;
        // Alerts from bots carry their words in attachments or blocks, not `text`.
        let text = super::message_text::message_text(&p["message"]);
        let author = str_at(p, &["message", "user"]).and_then(UserId::parse);
        let posted_at = ts_time(ts).unwrap_or_else(|| self.clock.now());
        let source = CapturedMessage {
            channel: channel.to_owned(),
            ts: ts.to_owned(),
            author,
            text: crate::domain::clip(&text, crate::domain::MAX_TEXT),
            // Filled by the worker's first effect would cost a call here; the link is
            // built the way Slack builds permalinks.
            permalink: None,
            posted_at,
        };
        // The form's inputs are plain text: names, not `<@U…>` markup.
        let plain = self.plain_words(&text).await;
        let title = plain
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default();
        let origin = ModalOrigin {
            channel: Some(channel.to_owned()),
            source_message: Some(source),
        };
        self.open_modal(
            trigger,
            declare_modal(&self.config, title.trim(), &plain, &origin),
        )
        .await?;
        Ok(Response::empty())
    }

    /// Why `user` can't hold a role (a bot, a deactivated or unknown account), if so.
    /// Slack not answering in time lets it through: the worker's rules still apply.
    pub(super) async fn not_a_person(&self, user: &UserId) -> Option<String> {
        match self.user_info(user.as_str(), 800).await {
            Ok(Ok(v)) if v["user"]["is_bot"] == true || v["user"]["id"] == "USLACKBOT" => {
                Some(format!("<@{user}> is a bot: roles are for people."))
            }
            Ok(Ok(v)) if v["user"]["deleted"] == true => Some(format!(
                "<@{user}> is deactivated: pick someone who can help."
            )),
            Ok(Err(crate::slack::api::SlackError::Api(code)))
                if code == "user_not_found" || code == "user_not_visible" =>
            {
                Some(format!("`{user}` is not a person in this workspace."))
            }
            _ => None,
        }
    }

    /// `users.info`, given at most `wait_ms` on Slack's 3-second path (`Err(_)`: no
    /// answer in time).
    pub(super) async fn user_info(
        &self,
        id: &str,
        wait_ms: u64,
    ) -> Result<Result<Value, crate::slack::api::SlackError>, tokio::time::error::Elapsed> {
        tokio::time::timeout(
            std::time::Duration::from_millis(wait_ms),
            self.api.call("users.info", json!({ "user": id })),
        )
        .await
    }

    /// Slack text as plain words: mentioned people by their names (a few `users.info`
    /// lookups at most, on Slack's 3-second path; an id where a lookup fails).
    pub(super) async fn plain_words(&self, text: &str) -> String {
        let mut names = std::collections::HashMap::new();
        for id in crate::slack::mrkdwn::mentioned_users(text)
            .into_iter()
            .take(5)
        {
            if let Ok(Ok(v)) = self.user_info(&id, 400).await
                && let Some(name) = crate::slack::people::display_name(&v["user"])
            {
                names.insert(id, name);
            }
        }
        crate::slack::mrkdwn::to_plain(text, &|id| names.get(id).cloned())
    }

    async fn view_submission(&self, p: &Value, user: &UserId) -> Result<Response, Reject> {
        let view = p.get("view").ok_or_else(|| bad("no view"))?;
        if str_at(view, &["callback_id"]) == Some(MERGE_CALLBACK) {
            return self.merge_submission(view, user).await;
        }
        if str_at(view, &["callback_id"]) == Some(DECLINE_CALLBACK) {
            return self.decline_submission(view, user).await;
        }
        if str_at(view, &["callback_id"]) == Some(DUPLICATES_CALLBACK) {
            return self.declare_anyway(view, user).await;
        }
        if str_at(view, &["callback_id"]) == Some(EDIT_CALLBACK) {
            return self.edit_submission(view, user).await;
        }
        if str_at(view, &["callback_id"]) == Some(UPDATE_CALLBACK) {
            return self.update_submission(view, user).await;
        }
        if str_at(view, &["callback_id"]) == Some(super::status_page::STATUSPAGE_CALLBACK) {
            return self.statuspage_submission(view, user).await;
        }
        if str_at(view, &["callback_id"]) != Some(DECLARE_CALLBACK) {
            return Ok(Response::empty());
        }
        let view_id = str_at(view, &["id"]).ok_or_else(|| bad("no view id"))?;
        let values = form_values(view);
        let field = |block: &str| form_field(&values, block);
        let text = |block: &str| form_text(&values, block);
        let selected = |block: &str| {
            field(block)
                .and_then(|f| str_at(f, &["selected_option", "value"]))
                .map(str::to_owned)
        };
        let many = |block: &str| -> Vec<String> {
            field(block)
                .and_then(|f| f.get("selected_options"))
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|o| o.get("value").and_then(Value::as_str).map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let title = text("title");
        let mut errors = serde_json::Map::new();
        if title.is_empty() {
            errors.insert("title".into(), json!("Give the incident a title."));
        }
        let severity = match selected("severity").map(|s| self.config.severities.parse(&s)) {
            Some(Ok(s)) => Some(s),
            _ => {
                errors.insert("severity".into(), json!("Pick a severity."));
                None
            }
        };
        let services: Vec<String> = many("services")
            .into_iter()
            .filter(|s| self.config.service(s).is_some())
            .collect();
        let customer = selected("customer").filter(|c| self.config.customer(c).is_some());
        let options = many("options");
        let coordinator = field("coordinator")
            .and_then(|f| f.get("selected_user"))
            .and_then(Value::as_str)
            .and_then(UserId::parse);
        if let Some(c) = &coordinator
            && let Some(problem) = self.not_a_person(c).await
        {
            errors.insert("coordinator".into(), json!(problem));
        }
        let (Some(severity), true) = (severity, errors.is_empty()) else {
            return Ok(Response::json(
                &json!({ "response_action": "errors", "errors": errors }),
            ));
        };
        let origin: ModalOrigin = str_at(view, &["private_metadata"])
            .and_then(|m| serde_json::from_str(m).ok())
            .unwrap_or_default();
        let mut roles = Roles::default();
        if let Some(c) = coordinator {
            roles.assign(Role::Coordinator, c);
        }
        let declaration = Declaration {
            title,
            page_oncall: options.iter().any(|o| o == "page")
                || self.config.severities.is_critical(&severity),
            severity,
            impact: text("impact"),
            description: text("description"),
            services,
            customer,
            triage: false,
            private: options.iter().any(|o| o == "private"),
            roles,
            impact_started_at: None,
            source_message: origin.source_message,
            files: Vec::new(),
        };
        // Someone may have declared the same thing a moment ago: offer to join it.
        let candidates = self.duplicates(&declaration, user).await?;
        if !candidates.is_empty() {
            let draft = Draft {
                declaration,
                channel: origin.channel,
            };
            match serde_json::to_string(&draft) {
                Ok(meta) if meta.len() <= MAX_METADATA => {
                    return Ok(Response::json(&json!({
                        "response_action": "update",
                        "view": duplicates_view(&candidates, &meta),
                    })));
                }
                // Too long to carry in the view: declare without asking.
                _ => {
                    tracing::info!(view = view_id, "declaration too long to offer duplicates");
                    return self.declare(view_id, draft, user).await;
                }
            }
        }
        let draft = Draft {
            declaration,
            channel: origin.channel,
        };
        self.declare(view_id, draft, user).await
    }

    async fn declare(
        &self,
        view_id: &str,
        draft: Draft,
        user: &UserId,
    ) -> Result<Response, Reject> {
        let reply = draft.channel.map(|c| ReplyTo {
            response_url: None,
            channel: Some(c),
            user: Some(user.to_string()),
        });
        // The view id is the same however often the modal is submitted (or updated).
        let env = self.envelope(
            format!("view#{view_id}"),
            None,
            Command::Declare(Box::new(draft.declaration)),
            user,
            reply,
        );
        self.enqueue(env).await?;
        Ok(Response::empty())
    }

    /// "Declare anyway" on the duplicates view: the declaration it carried.
    async fn declare_anyway(&self, view: &Value, user: &UserId) -> Result<Response, Reject> {
        let view_id = str_at(view, &["id"]).ok_or_else(|| bad("no view id"))?;
        let draft: Draft = str_at(view, &["private_metadata"])
            .and_then(|m| serde_json::from_str(m).ok())
            .ok_or_else(|| bad("the duplicates view lost its declaration"))?;
        self.declare(view_id, draft, user).await
    }

    /// Open incidents declared in the last hour that share a service with `d`.
    async fn duplicates(
        &self,
        d: &Declaration,
        user: &UserId,
    ) -> Result<Vec<crate::slack::listing::Shown>, Reject> {
        if d.services.is_empty() {
            return Ok(vec![]);
        }
        let since = self.clock.now() - chrono::Duration::hours(1);
        let page = self.open_page(user, 0, 5, &d.services, Some(since)).await?;
        Ok(page.shown)
    }

    async fn block_action(&self, p: &Value, user: &UserId) -> Result<Response, Reject> {
        let Some(action) = p
            .get("actions")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
        else {
            return Ok(Response::empty());
        };
        let action_id = str_at(action, &["action_id"]).unwrap_or_default();
        let value = str_at(action, &["value"]).unwrap_or_default();
        if action_id == DECLARE_ACTION {
            // The App Home's button: the same form as `/incident`.
            let trigger = str_at(p, &["trigger_id"]).ok_or_else(|| bad("no trigger_id"))?;
            self.open_modal(
                trigger,
                declare_modal(&self.config, "", "", &ModalOrigin::default()),
            )
            .await?;
            return Ok(Response::empty());
        }
        if let Some(release) = match action_id {
            quarantine::OPEN_ACTION => Some(ReleaseAction::Open),
            quarantine::ALLOW_ACTION => Some(ReleaseAction::Allow),
            _ => None,
        } {
            // A quarantine note's button: the worker checks who pressed and acts once.
            let press = str_at(p, &["trigger_id"])
                .or_else(|| str_at(action, &["action_ts"]))
                .ok_or_else(|| bad("no trigger_id or action_ts"))?;
            let reply = ReplyTo {
                response_url: str_at(p, &["response_url"]).map(str::to_owned),
                channel: str_at(p, &["channel", "id"]).map(str::to_owned),
                user: Some(user.to_string()),
            };
            let env = self.envelope(
                format!("action#quarantine#{action_id}#{press}"),
                None,
                Command::ReleaseQuarantine {
                    key: value.to_owned(),
                    action: release,
                },
                user,
                Some(reply),
            );
            self.enqueue(env).await?;
            return Ok(Response::empty());
        }
        if action_id == ADD_SERVICE_ACTION {
            // Picked under a paging failure: `<incident>|<service>`.
            let picked = str_at(action, &["selected_option", "value"]).unwrap_or_default();
            let Some((incident, service)) = picked
                .split_once('|')
                .and_then(|(i, s)| Some((IncidentId::parse(i)?, s)))
                .filter(|(_, s)| self.config.service(s).is_some())
            else {
                return Ok(Response::empty());
            };
            let reply = ReplyTo {
                response_url: str_at(p, &["response_url"]).map(str::to_owned),
                channel: str_at(p, &["channel", "id"]).map(str::to_owned),
                user: Some(user.to_string()),
            };
            let command = Command::ChangeServices {
                add: vec![service.to_owned()],
                remove: vec![],
            };
            let id = action_key(p, action, &incident, action_id)
                .ok_or_else(|| bad("no trigger_id or action_ts"))?;
            let env = self.envelope(id, Some(incident), command, user, Some(reply));
            self.enqueue(env).await?;
            return Ok(Response::empty());
        }
        // "Post this update" carries the draft with the incident: {"i": id, "t": text}.
        let draft: Option<Value> = matches!(action_id, "post_update" | EDIT_UPDATE_ACTION)
            .then(|| serde_json::from_str(value).ok())
            .flatten();
        let incident_value = draft
            .as_ref()
            .and_then(|d| d["i"].as_str())
            .unwrap_or(value);
        let Some(incident) = IncidentId::parse(incident_value) else {
            return Ok(Response::empty());
        };
        if action_id == "merge" {
            let trigger = str_at(p, &["trigger_id"]).ok_or_else(|| bad("no trigger_id"))?;
            let view = self.merge_modal(&incident).await?;
            self.open_modal(trigger, view).await?;
            return Ok(Response::empty());
        }
        if action_id == "join" {
            return self.join(p, &incident, user).await;
        }
        if action_id == EDIT_UPDATE_ACTION {
            // The draft in a modal first; posting it is keyed like the one-click button
            // on the same reminder, so the update goes out once either way.
            let trigger = str_at(p, &["trigger_id"]).ok_or_else(|| bad("no trigger_id"))?;
            let place = str_at(p, &["container", "message_ts"])
                .or_else(|| str_at(p, &["message", "ts"]))
                .ok_or_else(|| bad("no message"))?;
            let text = draft
                .as_ref()
                .and_then(|d| d["t"].as_str())
                .unwrap_or_default();
            let meta = json!({
                "i": incident.as_str(),
                "m": place,
                "c": str_at(p, &["channel", "id"]),
            })
            .to_string();
            self.open_modal(trigger, update_modal(text, &meta)).await?;
            return Ok(Response::empty());
        }
        if action_id == super::status_page::STATUSPAGE_ACTION {
            let trigger = str_at(p, &["trigger_id"]).ok_or_else(|| bad("no trigger_id"))?;
            let key = action_key(p, action, &incident, action_id)
                .ok_or_else(|| bad("no trigger_id or action_ts"))?;
            return self
                .statuspage_button(
                    trigger,
                    &key,
                    &incident,
                    user,
                    str_at(p, &["channel", "id"]),
                    str_at(p, &["response_url"]),
                )
                .await;
        }
        if action_id == "decline" {
            // A reason is required: ask for it in a small modal.
            let trigger = str_at(p, &["trigger_id"]).ok_or_else(|| bad("no trigger_id"))?;
            self.open_modal(trigger, decline_modal(&incident)).await?;
            return Ok(Response::empty());
        }
        let command = match action_id.split_once(':') {
            None if action_id == "ack" => Command::Acknowledge,
            None if action_id == "resolve" => Command::Resolve { summary: None },
            None if action_id == "post_update" => {
                match draft.as_ref().and_then(|d| d["t"].as_str()) {
                    Some(text) => Command::PostUpdate {
                        text: text.to_owned(),
                    },
                    None => return Ok(Response::empty()),
                }
            }
            Some(("ticket", number)) => match number.parse::<u32>() {
                Ok(number) => Command::RequestTicket { number },
                Err(_) => return Ok(Response::empty()),
            },
            Some(("snooze", minutes)) => match minutes.parse::<u32>() {
                Ok(minutes) => Command::Snooze { minutes },
                Err(_) => return Ok(Response::empty()),
            },
            Some(("accept", sev)) => match self.config.severities.parse(sev) {
                Ok(severity) => Command::AcceptTriage { severity },
                Err(_) => return Ok(Response::empty()),
            },
            Some(("claim", role)) => match role.parse::<Role>() {
                Ok(role) => Command::AssignRole {
                    role,
                    user: user.clone(),
                },
                Err(_) => return Ok(Response::empty()),
            },
            _ => return Ok(Response::empty()),
        };
        let reply = ReplyTo {
            response_url: str_at(p, &["response_url"]).map(str::to_owned),
            channel: str_at(p, &["channel", "id"]).map(str::to_owned),
            user: Some(user.to_string()),
        };
        let id = action_key(p, action, &incident, action_id)
            .ok_or_else(|| bad("no trigger_id or action_ts"))?;
        let env = self.envelope(id, Some(incident), command, user, Some(reply));
        self.enqueue(env).await?;
        Ok(Response::empty())
    }
}

/// The idempotency key of a button press. Every press has its own `trigger_id` (and
/// `action_ts`): pressing again later is a new action, and only Slack re-sending the
/// same press repeats the key. A drafted update is posted once, whoever presses its
/// button and however often, so its key is the message (or view) it sits in.
fn action_key(p: &Value, action: &Value, incident: &IncidentId, action_id: &str) -> Option<String> {
    if action_id == "post_update" {
        let place = str_at(p, &["container", "message_ts"])
            .or_else(|| str_at(p, &["message", "ts"]))
            .or_else(|| str_at(p, &["view", "id"]))?;
        return Some(format!("action#{incident}#{action_id}#{place}"));
    }
    let press = str_at(p, &["trigger_id"]).or_else(|| str_at(action, &["action_ts"]))?;
    Some(format!("action#{incident}#{action_id}#{press}"))
}

pub const DECLINE_CALLBACK: &str = "decline";
pub const DUPLICATES_CALLBACK: &str = "duplicates";
/// Slack's limit on a view's `private_metadata`.
const MAX_METADATA: usize = 3000;

/// A declaration waiting on "Declare anyway", and where it was started.
#[derive(serde::Serialize, serde::Deserialize)]
struct Draft {
    declaration: Declaration,
    #[serde(default)]
    channel: Option<String>,
}

fn duplicates_view(candidates: &[crate::slack::listing::Shown], meta: &str) -> Value {
    let mut blocks = vec![json!({ "type": "section", "text": { "type": "mrkdwn",
        "text": "*This may already be an incident.* These were declared in the last hour for the same services. Join one, or declare yours anyway." } })];
    for shown in candidates {
        let inc = &shown.card;
        let place = crate::slack::listing::place(shown);
        let reporter = inc
            .reporter
            .user_id()
            .map_or_else(String::new, |u| format!(" by <@{u}>"));
        let text = format!(
            "{} *{}* · {} · {}\nDeclared <!date^{}^{{time}}|recently>{reporter} · {place}",
            inc.status.emoji(),
            crate::slack::mrkdwn::escape(&inc.title),
            inc.severity,
            inc.status,
            inc.declared_at.timestamp(),
        );
        blocks.push(
            json!({ "type": "section", "text": { "type": "mrkdwn", "text": text },
            "accessory": { "type": "button", "action_id": "join", "value": inc.id.as_str(),
                "text": { "type": "plain_text", "text": "Join" } } }),
        );
    }
    json!({
        "type": "modal", "callback_id": DUPLICATES_CALLBACK, "private_metadata": meta,
        "title": { "type": "plain_text", "text": "Possible duplicate" },
        "submit": { "type": "plain_text", "text": "Declare anyway" },
        "close": { "type": "plain_text", "text": "Cancel" },
        "blocks": blocks,
    })
}
pub const MERGE_CALLBACK: &str = "merge";

/// Slack's limit on a plain-text input (`max_length`, and so `initial_value`).
const UPDATE_MAX: usize = 3000;

/// The reminder's drafted update, editable before it is posted.
fn update_modal(draft: &str, meta: &str) -> Value {
    json!({
        "type": "modal",
        "callback_id": UPDATE_CALLBACK,
        "private_metadata": meta,
        "title": { "type": "plain_text", "text": "Post an update" },
        "submit": { "type": "plain_text", "text": "Post" },
        "close": { "type": "plain_text", "text": "Cancel" },
        "blocks": [{
            "type": "input", "block_id": "update",
            "label": { "type": "plain_text", "text": "What responders and stakeholders should know now" },
            "element": { "type": "plain_text_input", "action_id": "value", "multiline": true,
                "max_length": UPDATE_MAX, "initial_value": crate::domain::clip(draft, UPDATE_MAX) }
        }]
    })
}

fn decline_modal(incident: &IncidentId) -> Value {
    json!({
        "type": "modal",
        "callback_id": DECLINE_CALLBACK,
        "private_metadata": incident.as_str(),
        "title": { "type": "plain_text", "text": "Decline the report" },
        "submit": { "type": "plain_text", "text": "Decline" },
        "close": { "type": "plain_text", "text": "Cancel" },
        "blocks": [{
            "type": "input", "block_id": "reason",
            "label": { "type": "plain_text", "text": "Why is this not an incident?" },
            "element": { "type": "plain_text_input", "action_id": "value", "multiline": true, "max_length": 1000 }
        }]
    })
}

impl SlackApp {
    /// "Join" on the duplicates view: into the existing incident's channel, and the
    /// modal says where to go.
    async fn join(
        &self,
        p: &Value,
        incident: &IncidentId,
        user: &UserId,
    ) -> Result<Response, Reject> {
        let unavailable = |e: crate::store::StoreError| Reject::Unavailable(e.to_string());
        let Some(inc) = self.store.load(incident).await.map_err(unavailable)? else {
            return Ok(Response::empty());
        };
        let channel = self
            .store
            .refs(incident)
            .await
            .map_err(unavailable)?
            .get("channel")
            .cloned();
        // Only incidents the person could see were offered; check again all the same.
        if !self.can_see(&inc, user, channel.as_deref()).await? {
            return Ok(Response::empty());
        }
        let Some(channel) = channel else {
            return Ok(Response::empty());
        };
        match self
            .api
            .call(
                "conversations.invite",
                json!({ "channel": channel, "users": user.as_str() }),
            )
            .await
        {
            Ok(_) => {}
            Err(crate::slack::api::SlackError::Api(code)) if code == "already_in_channel" => {}
            Err(e) => return Err(Reject::Unavailable(format!("conversations.invite: {e}"))),
        }
        if let Some(view_id) = str_at(p, &["view", "id"]) {
            let done = json!({
                "type": "modal",
                "title": { "type": "plain_text", "text": "Joined" },
                "close": { "type": "plain_text", "text": "Done" },
                "blocks": [{ "type": "section", "text": { "type": "mrkdwn", "text": format!(
                    "You're in <#{channel}>, the channel of *{}*. Nothing new was declared.",
                    crate::slack::mrkdwn::escape(&inc.title)) } }],
            });
            self.api
                .call("views.update", json!({ "view_id": view_id, "view": done }))
                .await
                .map_err(|e| Reject::Unavailable(format!("views.update: {e}")))?;
        }
        Ok(Response::empty())
    }

    /// Choose the open incident a triage report belongs to (public, not itself).
    async fn merge_modal(&self, report: &IncidentId) -> Result<Value, Reject> {
        let unavailable = |e: crate::store::StoreError| Reject::Unavailable(e.to_string());
        // Public, past triage, not itself: from the listing cards (one read a severity).
        let query = crate::store::listing::CardQuery::default();
        let cards = self
            .stats
            .cards(&query, &crate::store::listing::Cursor::default(), 100)
            .await
            .map_err(unavailable)?;
        let options: Vec<Value> = cards
            .cards
            .iter()
            .filter(|c| &c.id != report && !c.private && c.status != crate::domain::Status::Triage)
            .map(|c| {
                let label =
                    crate::domain::clip(&format!("{} · {} · {}", c.severity, c.title, c.id), 75);
                json!({ "text": { "type": "plain_text", "text": label }, "value": c.id.as_str() })
            })
            .collect();
        let blocks = if options.is_empty() {
            json!([{ "type": "section", "text": { "type": "mrkdwn", "text": "There is no open incident to merge this report into." } }])
        } else {
            json!([{ "type": "input", "block_id": "target", "label": { "type": "plain_text", "text": "The incident this report is about" },
                "element": { "type": "static_select", "action_id": "value", "options": options } }])
        };
        let mut view = json!({
            "type": "modal", "callback_id": MERGE_CALLBACK, "private_metadata": report.as_str(),
            "title": { "type": "plain_text", "text": "Merge the report" },
            "close": { "type": "plain_text", "text": "Cancel" },
            "blocks": blocks,
        });
        if view["blocks"][0]["type"] == "input" {
            view["submit"] = json!({ "type": "plain_text", "text": "Merge" });
        }
        Ok(view)
    }

    async fn merge_submission(&self, view: &Value, user: &UserId) -> Result<Response, Reject> {
        let view_id = str_at(view, &["id"]).ok_or_else(|| bad("no view id"))?;
        let Some(report) = str_at(view, &["private_metadata"]).and_then(IncidentId::parse) else {
            return Ok(Response::empty());
        };
        let Some(target) = str_at(
            view,
            &[
                "state",
                "values",
                "target",
                "value",
                "selected_option",
                "value",
            ],
        )
        .and_then(IncidentId::parse) else {
            return Ok(Response::json(
                &json!({ "response_action": "errors", "errors": { "target": "Pick the incident." } }),
            ));
        };
        let env = self.envelope(
            format!("view#{view_id}"),
            Some(report),
            Command::MergeInto { target },
            user,
            Some(dm(user)),
        );
        self.enqueue(env).await?;
        Ok(Response::empty())
    }

    /// `/incident edit` saved: every field as the form shows it; the worker records
    /// only what changed.
    async fn edit_submission(&self, view: &Value, user: &UserId) -> Result<Response, Reject> {
        let view_id = str_at(view, &["id"]).ok_or_else(|| bad("no view id"))?;
        let Some(incident) = str_at(view, &["private_metadata"]).and_then(IncidentId::parse) else {
            return Ok(Response::empty());
        };
        let values = form_values(view);
        let field = |block: &str| form_field(&values, block);
        let text = |block: &str| form_text(&values, block);
        let title = text("title");
        if title.is_empty() {
            return Ok(Response::json(
                &json!({ "response_action": "errors", "errors": { "title": "Give the incident a title." } }),
            ));
        }
        // A block the form doesn't have (no services configured) leaves that detail alone.
        let services = field("services").map(|f| {
            f.get("selected_options")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|o| str_at(o, &["value"]))
                        .filter(|s| self.config.service(s).is_some())
                        .map(str::to_owned)
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        });
        let customer = field("customer").map(|f| {
            str_at(f, &["selected_option", "value"])
                .filter(|c| self.config.customer(c).is_some())
                .unwrap_or_default()
                .to_owned()
        });
        let edit = crate::domain::Edit {
            title: Some(title),
            impact: Some(text("impact")),
            description: Some(text("description")),
            customer,
            services,
        };
        let env = self.envelope(
            format!("view#{view_id}"),
            Some(incident),
            Command::Edit(Box::new(edit)),
            user,
            Some(dm(user)),
        );
        self.enqueue(env).await?;
        Ok(Response::empty())
    }

    /// "Post" on the edited draft: the update, keyed by the reminder it came from.
    async fn update_submission(&self, view: &Value, user: &UserId) -> Result<Response, Reject> {
        let meta: Value = str_at(view, &["private_metadata"])
            .and_then(|m| serde_json::from_str(m).ok())
            .unwrap_or_default();
        let (Some(incident), Some(place)) = (
            meta["i"].as_str().and_then(IncidentId::parse),
            meta["m"].as_str(),
        ) else {
            return Ok(Response::empty());
        };
        let text = form_text(&form_values(view), "update");
        if text.is_empty() {
            return Ok(Response::json(
                &json!({ "response_action": "errors", "errors": { "update": "Write the update, or cancel." } }),
            ));
        }
        let reply = ReplyTo {
            response_url: None,
            channel: meta["c"].as_str().map(str::to_owned),
            user: Some(user.to_string()),
        };
        let env = self.envelope(
            format!("action#{incident}#post_update#{place}"),
            Some(incident),
            Command::PostUpdate { text },
            user,
            Some(reply),
        );
        self.enqueue(env).await?;
        Ok(Response::empty())
    }

    async fn decline_submission(&self, view: &Value, user: &UserId) -> Result<Response, Reject> {
        let view_id = str_at(view, &["id"]).ok_or_else(|| bad("no view id"))?;
        let Some(incident) = str_at(view, &["private_metadata"]).and_then(IncidentId::parse) else {
            return Ok(Response::empty());
        };
        let reason = str_at(view, &["state", "values", "reason", "value", "value"])
            .unwrap_or_default()
            .trim();
        if reason.is_empty() {
            return Ok(Response::json(
                &json!({ "response_action": "errors", "errors": { "reason": "Say why the report is declined." } }),
            ));
        }
        let command = Command::DeclineTriage {
            reason: reason.to_owned(),
        };
        let env = self.envelope(
            format!("view#{view_id}"),
            Some(incident),
            command,
            user,
            Some(dm(user)),
        );
        self.enqueue(env).await?;
        Ok(Response::empty())
    }
}

/// A submitted view's `state.values`.
fn form_values(view: &Value) -> Value {
    view.get("state")
        .and_then(|s| s.get("values"))
        .cloned()
        .unwrap_or(Value::Null)
}

/// The element of input block `block` (action id `value`, as Flare's forms name them).
fn form_field<'a>(values: &'a Value, block: &str) -> Option<&'a Value> {
    values.get(block).and_then(|b| b.get("value"))
}

/// A text input's value, trimmed (empty when absent).
fn form_text(values: &Value, block: &str) -> String {
    form_field(values, block)
        .and_then(|f| f.get("value"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// A refusal of a modal's submission is told in a direct message (the modal is gone).
fn dm(user: &UserId) -> ReplyTo {
    ReplyTo {
        response_url: None,
        channel: None,
        user: Some(user.to_string()),
    }
}

/// A Slack `ts` ("1700000000.000100") as a time.
pub fn ts_time(ts: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let (secs, micros) = ts.split_once('.').unwrap_or((ts, "0"));
    let secs: i64 = secs.parse().ok()?;
    let micros: u32 = micros.get(..6).unwrap_or(micros).parse().ok()?;
    chrono::DateTime::from_timestamp(secs, micros.saturating_mul(1000))
}
