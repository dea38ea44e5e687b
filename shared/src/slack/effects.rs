//! The worker's Slack effects: what each stored event looks like in Slack.
//!
//! Idempotent per event: ids and timestamps Slack hands back are kept as incident refs
//! (`channel`, `card_ts`, `announcement_ts`, `msg#<version>`), so a retried effect
//! finds what it already did instead of doing it again, and invites never run before
//! the channel exists. Only the declaration creates the card and the announcement;
//! later events update them from the incident as stored now, never from a stale copy.

use super::api::{SlackApi, SlackError, message, ts_of};
use super::blocks::{self, EDIT_UPDATE_ACTION};
use super::limits;
use super::mrkdwn::{escape, escape_people, quote, quote_people};
use crate::bus::CommandEnvelope;
use crate::config::Config;
use crate::domain::{
    Actor, CaptureKind, EscalationTarget, Event, ImpactEdge, Incident, IncidentId, Recorded,
    ReminderKind, Status, UserId,
};
use crate::store::{IncidentStore, Index};
use crate::worker::{Answer, Effect, EffectError, Responder};
use async_trait::async_trait;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;

pub struct SlackEffect {
    pub api: Arc<dyn SlackApi>,
    pub store: Arc<dyn IncidentStore>,
    pub config: Arc<Config>,
    /// Channel name → id, the bot's own user id, and e-mail → user id, resolved once
    /// per container.
    cache: Mutex<HashMap<String, String>>,
    /// Who is on call now, for services with a schedule; `None`: the fixed lists.
    on_call: Option<Arc<dyn crate::directory::OnCallNow>>,
    /// Shares a mailed report's files; `None`: they stay listed only.
    mail_files: Option<Arc<super::mail_files::MailFiles>>,
}

type Refs = HashMap<String, String>;

mod broadcast;

/// Slack errors that mean "try again later", though they come as `ok:false`.
const TRANSIENT_CODES: &[&str] = &[
    "internal_error",
    "fatal_error",
    "request_timeout",
    "service_unavailable",
    "ratelimited",
];

impl From<SlackError> for EffectError {
    fn from(e: SlackError) -> Self {
        match e {
            SlackError::Api(code) if TRANSIENT_CODES.contains(&code.as_str()) => {
                EffectError::Transient(code)
            }
            SlackError::Api(code) => EffectError::Permanent(code),
            SlackError::Unavailable(why) => EffectError::Transient(why),
        }
    }
}

impl From<crate::store::StoreError> for EffectError {
    fn from(e: crate::store::StoreError) -> Self {
        EffectError::Transient(e.to_string())
    }
}

/// The `channel` of messages that came by mail rather than from Slack.
pub const EMAIL_CHANNEL: &str = "email";

/// Whoever acted, as mrkdwn: a person as a mention, mail and Flare itself as text.
fn who(actor: &Actor) -> String {
    match actor {
        Actor::User { id } => format!("<@{id}>"),
        Actor::Email { address } => escape(address),
        Actor::System { name } => escape(name),
    }
}

/// Where to put a message that Flare keeps up to date in place.
struct Kept<'a> {
    ref_key: &'a str,
    channel: &'a str,
    pin: bool,
}

impl SlackEffect {
    pub fn new(api: Arc<dyn SlackApi>, store: Arc<dyn IncidentStore>, config: Arc<Config>) -> Self {
        Self {
            api,
            store,
            config,
            cache: Mutex::new(HashMap::new()),
            on_call: None,
            mail_files: None,
        }
    }

    /// Shares the images and PDFs of mailed reports in their channels.
    pub fn with_mail_files(mut self, files: Arc<super::mail_files::MailFiles>) -> Self {
        self.mail_files = Some(files);
        self
    }

    /// Invites whoever the pager says is on call for a service with a schedule.
    pub fn with_on_call(mut self, on_call: Option<Arc<dyn crate::directory::OnCallNow>>) -> Self {
        self.on_call = on_call;
        self
    }

    /// The Slack users the pager says are on call now; `None` when it can't say or
    /// nobody on call has a Slack account with that address (the fixed list then).
    async fn on_call_now(&self, service: &crate::config::Service) -> Option<Vec<UserId>> {
        let (Some(schedule), Some(on_call)) = (&service.schedule, &self.on_call) else {
            return None;
        };
        let people = match on_call.on_call(schedule).await {
            Ok(p) => p,
            Err(why) => {
                tracing::warn!(service = %service.id, %why, "could not ask who is on call; inviting the fixed list");
                return None;
            }
        };
        let mut users = Vec::new();
        for person in people {
            let key = format!("email:{}", person.email.to_ascii_lowercase());
            let cached = self.cache.lock().await.get(&key).cloned();
            let id = match cached {
                Some(id) => Some(id),
                None => match self
                    .api
                    .call("users.lookupByEmail", json!({ "email": person.email }))
                    .await
                {
                    Ok(v) => v["user"]["id"].as_str().map(str::to_owned),
                    Err(e) => {
                        tracing::warn!(service = %service.id, error = %e, "an on-call person has no Slack account with that address");
                        None
                    }
                },
            };
            if let Some(user) = id.as_deref().and_then(UserId::parse) {
                self.cache.lock().await.insert(key, user.to_string());
                users.push(user);
            }
        }
        (!users.is_empty()).then_some(users)
    }

    async fn bot_user(&self) -> Result<String, EffectError> {
        if let Some(id) = self.cache.lock().await.get("@bot") {
            return Ok(id.clone());
        }
        let me = self.api.call("auth.test", json!({})).await?;
        let id = me["user_id"].as_str().unwrap_or_default().to_owned();
        self.cache.lock().await.insert("@bot".into(), id.clone());
        Ok(id)
    }

    async fn find_channel(&self, name: &str) -> Result<Option<Value>, EffectError> {
        Ok(super::api::find_channel(self.api.as_ref(), name).await?)
    }

    /// The id of a named channel (the incidents channel), resolved once.
    async fn channel_id(&self, name: &str) -> Result<Option<String>, EffectError> {
        if let Some(id) = self.cache.lock().await.get(name) {
            return Ok(Some(id.clone()));
        }
        let found = self
            .find_channel(name)
            .await?
            .filter(|c| c["is_archived"] != true);
        let id = found.and_then(|c| c["id"].as_str().map(str::to_owned));
        if let Some(id) = &id {
            self.cache.lock().await.insert(name.to_owned(), id.clone());
        }
        Ok(id)
    }

    fn channel_name(&self, id: &IncidentId) -> String {
        format!("{}{}", self.config.channels.prefix, id)
    }

    /// Creates the incident channel once. `name_taken` for a live channel the bot
    /// created means an earlier attempt made it: adopt it. Someone else's channel, or
    /// an archived one, makes Flare take the next name (`…-2`).
    async fn ensure_channel(
        &self,
        incident: &Incident,
        refs: &mut Refs,
    ) -> Result<String, EffectError> {
        if let Some(c) = refs.get("channel") {
            return Ok(c.clone());
        }
        let base = self.channel_name(&incident.id);
        let mut channel = None;
        for attempt in 1..=5 {
            let name = if attempt == 1 {
                base.clone()
            } else {
                format!("{base}-{attempt}")
            };
            match self
                .api
                .call(
                    "conversations.create",
                    json!({ "name": name, "is_private": incident.private }),
                )
                .await
            {
                Ok(v) => {
                    channel = v["channel"]["id"].as_str().map(|id| (id.to_owned(), name));
                    break;
                }
                Err(SlackError::Api(code)) if code == "name_taken" => {
                    let existing = self.find_channel(&name).await?;
                    let bot = self.bot_user().await?;
                    if let Some(c) = existing
                        .filter(|c| c["creator"] == bot.as_str() && c["is_archived"] != true)
                    {
                        channel = c["id"].as_str().map(|id| (id.to_owned(), name));
                        break;
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        let Some((channel, name)) = channel else {
            return Err(EffectError::Permanent(format!(
                "no free channel name for {base}"
            )));
        };
        let owner = self
            .store
            .put_index(Index::Channel, &channel, &incident.id)
            .await?;
        if owner != incident.id {
            return Err(EffectError::Permanent(format!(
                "channel {name} belongs to incident {owner}"
            )));
        }
        self.store
            .set_ref(&incident.id, "channel", &channel)
            .await?;
        self.store
            .set_ref(&incident.id, "channel_name", &name)
            .await?;
        refs.insert("channel".into(), channel.clone());
        refs.insert("channel_name".into(), name);
        Ok(channel)
    }

    /// Invites everyone it can: one unknown or deactivated person doesn't keep the
    /// others out (Slack's invite is all-or-nothing, hence the one-by-one fallback).
    async fn invite(&self, channel: &str, users: &[&UserId]) -> Result<(), EffectError> {
        let mut ids: Vec<&str> = users.iter().map(|u| u.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(());
        }
        let fine = |code: &str| matches!(code, "already_in_channel" | "cant_invite_self");
        match self
            .api
            .call(
                "conversations.invite",
                json!({ "channel": channel, "users": ids.join(","), "force": true }),
            )
            .await
        {
            Ok(_) => return Ok(()),
            Err(SlackError::Api(code)) if fine(&code) || ids.len() == 1 => {
                if !fine(&code) {
                    tracing::warn!(channel, %code, "could not invite");
                }
                return Ok(());
            }
            Err(SlackError::Api(_)) => {}
            Err(e) => return Err(e.into()),
        }
        for id in ids {
            match self
                .api
                .call(
                    "conversations.invite",
                    json!({ "channel": channel, "users": id }),
                )
                .await
            {
                Ok(_) => {}
                Err(SlackError::Api(code)) => {
                    if !fine(&code) {
                        tracing::warn!(channel, user = id, %code, "could not invite");
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Posts a message for an event once: its ts is kept under `msg#<version>`.
    async fn post_once(
        &self,
        incident: &IncidentId,
        version: u64,
        refs: &Refs,
        params: Value,
    ) -> Result<(), EffectError> {
        let key = format!("msg#{version}");
        let rest_key = format!("msg#{version}#full");
        let mut params = params;
        // Over Slack's limits, a section is cut where it says so, and the whole text
        // follows in the thread, so nothing people wrote is lost.
        let cut = params
            .get_mut("blocks")
            .is_some_and(|b| limits::fit_blocks(b, limits::CUT_TO_THREAD));
        let full = params["text"].as_str().unwrap_or_default().to_owned();
        params["text"] = json!(limits::fit_message_text(&full));
        let ts = match refs.get(&key) {
            Some(ts) => ts.clone(),
            None => {
                let posted = self.api.call("chat.postMessage", params.clone()).await?;
                let Some(ts) = ts_of(&posted) else {
                    return Ok(());
                };
                self.store.set_ref(incident, &key, &ts).await?;
                ts
            }
        };
        if cut && !refs.contains_key(&rest_key) {
            let channel = params["channel"].as_str().unwrap_or_default();
            let mut reply = message(channel, &limits::fit_message_text(&full), None);
            reply["thread_ts"] = json!(params["thread_ts"].as_str().unwrap_or(&ts));
            let posted = self.api.call("chat.postMessage", reply).await?;
            let reply_ts = ts_of(&posted).unwrap_or_default();
            self.store.set_ref(incident, &rest_key, &reply_ts).await?;
        }
        Ok(())
    }

    /// Updates a kept message in place, or (`create`) posts it the first time.
    async fn upsert(
        &self,
        id: &IncidentId,
        refs: &mut Refs,
        at: Kept<'_>,
        create: bool,
        (text, blocks): (String, Value),
    ) -> Result<(), EffectError> {
        let mut blocks = blocks;
        limits::fit_blocks(&mut blocks, "…");
        let text = limits::fit_message_text(&text);
        if let Some(ts) = refs.get(at.ref_key) {
            self.api
                .call(
                    "chat.update",
                    json!({ "channel": at.channel, "ts": ts, "text": text, "blocks": blocks }),
                )
                .await?;
            return Ok(());
        }
        if !create {
            return Ok(());
        }
        let posted = self
            .api
            .call("chat.postMessage", message(at.channel, &text, Some(blocks)))
            .await?;
        let Some(ts) = ts_of(&posted) else {
            return Ok(());
        };
        self.store.set_ref(id, at.ref_key, &ts).await?;
        if at.pin {
            self.best_effort(
                "pins.add",
                json!({ "channel": at.channel, "timestamp": ts }),
            )
            .await?;
        }
        refs.insert(at.ref_key.to_owned(), ts);
        Ok(())
    }

    /// Card, announcement and topic show the incident as stored now.
    async fn refresh(
        &self,
        id: &IncidentId,
        refs: &mut Refs,
        create: bool,
    ) -> Result<(), EffectError> {
        let Some(channel) = refs.get("channel").cloned() else {
            return Ok(());
        };
        // Reloaded: an effect of an older event must not paint over a newer state.
        let Some(incident) = self.store.load(id).await? else {
            return Ok(());
        };
        let card = blocks::card(&self.config, &incident);
        self.upsert(
            id,
            refs,
            Kept {
                ref_key: "card_ts",
                channel: &channel,
                pin: true,
            },
            create,
            card,
        )
        .await?;
        // Triage reports are announced where on-call watches: the triage channel.
        let triage = incident.status == Status::Triage;
        if triage || refs.contains_key("triage_notice_ts") {
            match self.channel_id(&self.config.channels.triage).await? {
                Some(triage_channel) => {
                    let shown = blocks::triage_notice(&self.config, &incident, &channel);
                    let at = Kept {
                        ref_key: "triage_notice_ts",
                        channel: &triage_channel,
                        pin: false,
                    };
                    self.upsert(id, refs, at, create && triage, shown).await?;
                }
                None => {
                    tracing::warn!(channel = %self.config.channels.triage, "the triage channel does not exist; no notice")
                }
            }
        }
        // Incidents (not triage reports) are announced in the incidents channel.
        match self.channel_id(&self.config.channels.incidents).await? {
            Some(incidents) => {
                let shown = blocks::announcement(&self.config, &incident, &channel);
                let at = Kept {
                    ref_key: "announcement_ts",
                    channel: &incidents,
                    pin: false,
                };
                self.upsert(id, refs, at, create && !triage, shown).await?;
            }
            None => {
                tracing::warn!(channel = %self.config.channels.incidents, "the incidents channel does not exist; no announcement")
            }
        }
        if !incident.status.is_terminal() {
            self.best_effort(
                "conversations.setTopic",
                json!({ "channel": channel, "topic": blocks::topic(&self.config, &incident) }),
            )
            .await?;
        }
        Ok(())
    }

    /// Who the declaration brings in: its roles and declarer; the affected services'
    /// owners and groups (not for a private incident); the triage responders for a
    /// mailed report.
    async fn people_to_invite(
        &self,
        incident: &Incident,
        rec: &Recorded,
    ) -> Result<Vec<UserId>, EffectError> {
        let mut users: Vec<UserId> = incident.roles.people().into_iter().cloned().collect();
        if let Actor::User { id } = &rec.actor {
            users.push(id.clone());
        }
        if incident.status == Status::Triage {
            let triage = &self.config.oncall.triage;
            users.extend(triage.users());
            if let Some(group) = &triage.slack_group {
                users.extend(self.group_members(group).await?);
            }
        }
        // A private incident is for the reporter, its roles and whoever they invite:
        // service owners are not pulled in (they are paged if on-call).
        if !incident.private {
            for s in &incident.services {
                users.extend(self.service_owners(s).await?);
            }
        }
        Ok(users)
    }

    /// Whoever is on call for the service now (its schedule), else its listed owners;
    /// and its group's members.
    async fn service_owners(&self, service: &str) -> Result<Vec<UserId>, EffectError> {
        let Some(service) = self.config.service(service) else {
            return Ok(Vec::new());
        };
        let mut users = match self.on_call_now(service).await {
            Some(now) => now,
            None => service.slack_users.clone(),
        };
        if let Some(group) = &service.slack_group {
            users.extend(self.group_members(group).await?);
        }
        Ok(users)
    }

    /// A user group's members; a group Slack refuses to list invites nobody (logged).
    async fn group_members(&self, group: &str) -> Result<Vec<UserId>, EffectError> {
        match super::api::group_members(self.api.as_ref(), group).await {
            Ok(users) => Ok(users.iter().filter_map(|u| UserId::parse(u)).collect()),
            Err(SlackError::Api(code)) if !TRANSIENT_CODES.contains(&code.as_str()) => {
                tracing::warn!(group, %code, "could not list a user group; its members are not invited");
                Ok(Vec::new())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The declaration in Slack. Essential, in order: the channel, its people, the card
    /// and the announcement (paging runs after, as its own effect). Cosmetic, after
    /// them and never in their way: the purpose and the topic.
    async fn declared(
        &self,
        incident: &Incident,
        rec: &Recorded,
        refs: &mut Refs,
    ) -> Result<(), EffectError> {
        let channel = self.ensure_channel(incident, refs).await?;
        let people = self.people_to_invite(incident, rec).await?;
        self.invite(&channel, &people.iter().collect::<Vec<_>>())
            .await?;
        self.refresh(&incident.id, refs, true).await?;
        if let Event::Declared(d) = &rec.event
            && let Some(m) = &d.source_message
        {
            let link = m
                .permalink
                .as_deref()
                .map(|p| format!(" (<{p}|original message>)"))
                .unwrap_or_default();
            let declarer = who(&rec.actor);
            let text = if m.channel == EMAIL_CHANNEL {
                format!(":email: Reported by mail:\n{}", quote(&m.text))
            } else {
                // Who declared, and whose message it was: often an alert's bot.
                let author = m
                    .author
                    .as_ref()
                    .map_or_else(|| "a bot or an integration".into(), |a| format!("<@{a}>"));
                format!(
                    ":inbox_tray: {declarer} declared this from a message by {author}{link}:\n{}",
                    quote_people(&m.text)
                )
            };
            self.post_once(
                &incident.id,
                rec.version,
                refs,
                message(&channel, &text, None),
            )
            .await?;
        }
        if let (Event::Declared(d), Some(sharing)) = (&rec.event, &self.mail_files)
            && !d.files.is_empty()
        {
            sharing
                .share_all(
                    self.api.as_ref(),
                    self.store.as_ref(),
                    &incident.id,
                    &d.files,
                    &channel,
                    refs,
                )
                .await?;
        }
        // Slack was down when this was declared (the effect failed before): the
        // declarer saw nothing happen, so say it is in hand now.
        if !refs.contains_key("delayed_note")
            && self.store.resume_attempts(&incident.id).await? > 0
            && let Actor::User { id: declarer } = &rec.actor
        {
            let paged = match &rec.event {
                Event::Declared(d) if d.page_oncall => {
                    " and paged on-call without waiting for Slack"
                }
                _ => "",
            };
            let text = format!(
                ":hourglass_flowing_sand: Slack was unavailable when you declared *{}* (<!date^{}^{{date_short_pretty}} {{time}}|{}>). Flare recorded it then{paged}; its channel <#{channel}> is ready now.",
                escape(&incident.title),
                rec.at.timestamp(),
                rec.at.format("%Y-%m-%d %H:%M UTC"),
            );
            self.api
                .call("chat.postMessage", message(declarer.as_str(), &text, None))
                .await?;
            self.store
                .set_ref(&incident.id, "delayed_note", "sent")
                .await?;
            refs.insert("delayed_note".into(), "sent".into());
        }
        // The configured call, bookmarked from the start.
        if let Some(call) = self.config.call_link(incident) {
            self.bookmark_once(incident, refs, "bookmark#call", "Call", &call)
                .await?;
        }
        let purpose = super::mrkdwn::plain(&incident.title, blocks::TOPIC_MAX);
        self.best_effort(
            "conversations.setPurpose",
            json!({ "channel": channel, "purpose": purpose }),
        )
        .await
    }

    /// A cosmetic call (purpose, topic, pin, bookmark): Slack refusing it is logged and
    /// passed over; only an outage (worth a retry of the whole effect) is an error.
    async fn best_effort(&self, method: &str, params: Value) -> Result<(), EffectError> {
        match self.api.call(method, params).await {
            Ok(_) => Ok(()),
            Err(SlackError::Api(code)) if !TRANSIENT_CODES.contains(&code.as_str()) => {
                tracing::warn!(method, %code, "a cosmetic Slack call was refused; going on");
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn say(
        &self,
        incident: &Incident,
        rec: &Recorded,
        refs: &Refs,
        text: String,
        blocks: Option<Value>,
    ) -> Result<(), EffectError> {
        let Some(channel) = refs.get("channel") else {
            return Err(EffectError::Permanent("the incident has no channel".into()));
        };
        self.post_once(
            &incident.id,
            rec.version,
            refs,
            message(channel, &text, blocks),
        )
        .await
    }

    async fn apply(&self, incident: &Incident, rec: &Recorded) -> Result<(), EffectError> {
        let mut refs = self.store.refs(&incident.id).await?;
        let who = who(&rec.actor);
        let text = match &rec.event {
            Event::Declared(_) => return self.declared(incident, rec, &mut refs).await,
            Event::Acknowledged => {
                self.invite_actor(rec, &refs).await?;
                let pages: Vec<String> = incident
                    .pages
                    .iter()
                    .filter(|p| p.acknowledged_at == Some(rec.at) && p.acknowledged_by.is_some())
                    .map(|p| escape(&p.label))
                    .collect();
                if pages.is_empty() {
                    format!(":wave: {who} acknowledged.")
                } else {
                    format!(
                        ":wave: {who} acknowledged; the page to {} is acknowledged at the pager too.",
                        pages.join(", ")
                    )
                }
            }
            Event::UpdatePosted { text } => {
                let said = format!(":mega: *Update* from {who}\n{}", quote_people(text));
                self.say(incident, rec, &refs, said.clone(), None).await?;
                // Stakeholders follow the announcement: the update goes in its thread.
                let key = format!("update#{}", rec.version);
                self.to_stakeholders_once(incident, &key, &refs, &said, true)
                    .await?;
                return self.refresh(&incident.id, &mut refs, false).await;
            }
            Event::StatusChanged { from, to, summary } => {
                // Whoever accepts or declines a report is in its channel from then on.
                if *from == Status::Triage {
                    self.invite_actor(rec, &refs).await?;
                }
                let why = summary
                    .as_deref()
                    .map(|s| format!("\n{}", quote_people(s)))
                    .unwrap_or_default();
                let text = format!(
                    "{} {who} changed the status from *{from}* to *{to}*.{why}",
                    to.emoji()
                );
                // Published incidents: propose the matching public update; a person
                // confirms it (resolving closes the public incident by itself).
                let proposal = (incident.published_status.is_some() && !to.is_terminal() && *to != Status::Resolved).then(|| {
                    json!([
                        { "type": "section", "text": { "type": "mrkdwn", "text": format!("{text}\nUpdate the public status page to *{to}*?") } },
                        { "type": "actions", "elements": [{ "type": "button", "action_id": "statuspage", "value": incident.id.as_str(),
                            "text": { "type": "plain_text", "text": "Publish to the status page" } }] }
                    ])
                });
                self.say(incident, rec, &refs, text, proposal).await?;
                self.status_effects(incident, rec.version, *from, *to, &mut refs)
                    .await?;
                // A closed or declined incident's last refresh came before the archive.
                if to.is_terminal() {
                    return Ok(());
                }
                // An accepted triage report becomes an incident: announce it now.
                let accepted = *from == Status::Triage;
                return self.refresh(&incident.id, &mut refs, accepted).await;
            }
            Event::SeverityChanged { from, to } => {
                format!(":arrow_up_down: {who} changed the severity from *{from}* to *{to}*.")
            }
            Event::RoleAssigned { role, user, .. } => {
                if let Some(channel) = refs.get("channel") {
                    self.invite(channel, &[user]).await?;
                }
                format!(":bust_in_silhouette: <@{user}> is now *{role}* (set by {who}).")
            }
            Event::Escalated { target } => {
                let to = match target {
                    EscalationTarget::Coordinators => "the coordinator rotation".to_owned(),
                    EscalationTarget::IncidentManager => "the incident manager on-call".to_owned(),
                    EscalationTarget::User { id } => {
                        if let Some(channel) = refs.get("channel") {
                            self.invite(channel, &[id]).await?;
                        }
                        format!("<@{id}>")
                    }
                };
                format!(":rotating_light: {who} escalated to {to}.")
            }
            Event::ImpactSet { edge, at } => {
                let what = match edge {
                    ImpactEdge::Start => "started",
                    ImpactEdge::End => "ended",
                };
                format!(
                    ":chart_with_downwards_trend: Customer impact {what} at <!date^{}^{{date_short_pretty}} {{time}}|{}> (set by {who}).",
                    at.timestamp(),
                    at.format("%Y-%m-%d %H:%M UTC")
                )
            }
            Event::Captured { message: m, .. } if m.channel == EMAIL_CHANNEL => {
                // A mail reply in the same thread: shown in the channel, quoted.
                let text = format!(":email: Mail in the same thread:\n{}", quote(&m.text));
                return self.say(incident, rec, &refs, text, None).await;
            }
            Event::Captured { kind, message: m } => {
                let (emoji, list) = match kind {
                    CaptureKind::Papertrail => (":receipt:", "the papertrail"),
                    CaptureKind::Discussion => (":pushpin:", "the postmortem discussion"),
                };
                let params = json!({ "channel": m.channel, "thread_ts": m.ts, "text": format!("{emoji} Added to {list} by {who}.") });
                return self
                    .post_once(&incident.id, rec.version, &refs, params)
                    .await;
            }
            Event::CaptureWithdrawn { .. } | Event::AuditRequested => return Ok(()),
            Event::PostmortemRequested => {
                format!(":memo: {who} asked for the postmortem draft; it will be posted here.")
            }
            Event::CallSet { url } => {
                self.bookmark_once(
                    incident,
                    &refs,
                    &format!("bookmark#{}", rec.version),
                    "Call",
                    url,
                )
                .await?;
                format!(
                    ":telephone_receiver: {who} set the call: <{}|join it>.",
                    escape(url)
                )
            }
            Event::LinkAdded { url, label } => {
                // A channel bookmark too, once per event.
                self.bookmark_once(
                    incident,
                    &refs,
                    &format!("bookmark#{}", rec.version),
                    label,
                    url,
                )
                .await?;
                format!(
                    ":link: {who} linked <{}|{}>.",
                    escape(url),
                    escape_people(label)
                )
            }
            Event::StatusPublished { status, message } => {
                let note = message
                    .as_deref()
                    .map(|m| format!("\n{}", quote_people(m)))
                    .unwrap_or_default();
                // In Statuspage's words, under the title the public sees.
                let title = incident
                    .public_title
                    .as_deref()
                    .map(|t| format!(" as “{}”", escape(t)))
                    .unwrap_or_default();
                let text = format!(
                    ":globe_with_meridians: {who} published to the status page{title}: *{}*.{note}",
                    crate::domain::public_word(*status)
                );
                return self.say(incident, rec, &refs, text, None).await;
            }
            Event::ActionAdded { .. } | Event::TicketLinked { .. } => {
                let (text, blocks) = follow_up_message(incident, &rec.event);
                return self.say(incident, rec, &refs, text, blocks).await;
            }
            Event::TicketRequested { .. } => return Ok(()),
            Event::MergedInto { target } => {
                let target_refs = self.store.refs(target).await?;
                let there = target_refs
                    .get("channel")
                    .map_or_else(|| format!("`{target}`"), |c| format!("<#{c}>"));
                // Everyone here follows the incident there.
                if let (Some(here), Some(there)) = (refs.get("channel"), target_refs.get("channel"))
                {
                    let members = super::api::channel_members(self.api.as_ref(), here).await?;
                    let people: Vec<UserId> =
                        members.iter().filter_map(|m| UserId::parse(m)).collect();
                    let bot = self.bot_user().await.unwrap_or_default();
                    let people: Vec<&UserId> =
                        people.iter().filter(|u| u.as_str() != bot).collect();
                    self.invite(there, &people).await?;
                }
                // The archived channel's topic says where the incident went, not its
                // last status.
                if let Some(here) = refs.get("channel") {
                    self.best_effort(
                        "conversations.setTopic",
                        json!({ "channel": here, "topic": super::mrkdwn::cut(&format!("Merged into {there}"), blocks::TOPIC_MAX, "…") }),
                    )
                    .await?;
                }
                let text = format!(
                    ":twisted_rightwards_arrows: {who} merged this incident into {there}; follow it there. This channel will be archived."
                );
                return self.say(incident, rec, &refs, text, None).await;
            }
            Event::MergedFrom { from, title } => {
                let here = self
                    .store
                    .refs(from)
                    .await?
                    .get("channel")
                    .map_or_else(|| format!("`{from}`"), |c| format!("<#{c}>"));
                format!(
                    ":twisted_rightwards_arrows: {who} merged {here} (*{}*) into this incident: its timeline, captured messages and action items are here now, and its people were invited.",
                    escape(title)
                )
            }
            Event::Absorbed { event, .. } => {
                // Only a merged mail report is worth showing again: responders here
                // haven't read it. The rest is in the timeline and the postmortem.
                let Event::Captured { message: m, .. } = event.as_ref() else {
                    return Ok(());
                };
                if m.channel != EMAIL_CHANNEL {
                    return Ok(());
                }
                let text = format!(":email: Reported by mail (merged):\n{}", quote(&m.text));
                return self.say(incident, rec, &refs, text, None).await;
            }
            Event::Reminded { kind, nth } => {
                let (text, blocks) = self.reminder(incident, *kind, *nth).await?;
                return self.say(incident, rec, &refs, text, Some(blocks)).await;
            }
            Event::DetailEdited { field, from, to } => {
                let shown = |v: &str| {
                    if v.is_empty() {
                        "_nothing_".to_owned()
                    } else {
                        format!("*{}*", escape_people(&crate::domain::clip(v, 300)))
                    }
                };
                let (from, to) = match field {
                    crate::domain::Detail::Customer => {
                        let name = |c: &str| {
                            self.config
                                .customer(c)
                                .map_or_else(|| c.to_owned(), |c| c.name.clone())
                        };
                        (shown(&name(from)), shown(&name(to)))
                    }
                    _ => (shown(from), shown(to)),
                };
                format!(":pencil2: {who} changed the {field} from {from} to {to}.")
            }
            Event::ServiceAdded { service } => {
                let name = self
                    .config
                    .service(service)
                    .map_or_else(|| service.clone(), |s| s.name.clone());
                let mut invited = String::new();
                if !incident.private
                    && let Some(channel) = refs.get("channel").cloned()
                {
                    let owners = self.service_owners(service).await?;
                    self.invite(&channel, &owners.iter().collect::<Vec<_>>())
                        .await?;
                    if !owners.is_empty() {
                        let mentions: Vec<String> =
                            owners.iter().map(|u| format!("<@{u}>")).collect();
                        invited = format!(" Invited its owners: {}.", mentions.join(" "));
                    }
                }
                format!(
                    ":jigsaw: {who} added the affected service *{}*.{invited}",
                    escape(&name)
                )
            }
            Event::ServiceRemoved { service } => {
                let name = self
                    .config
                    .service(service)
                    .map_or_else(|| service.clone(), |s| s.name.clone());
                format!(
                    ":jigsaw: {who} removed *{}* from the affected services.",
                    escape(&name)
                )
            }
            Event::Paged(note) => format!(
                ":pager: Paged {} ({}).",
                escape(&note.label),
                crate::domain::pager_name(&note.vendor)
            ),
            Event::PageAcknowledged { key, by } | Event::PageResolved { key, by } => {
                let Some(page) = incident.pages.iter().find(|p| &p.key == key) else {
                    return Ok(());
                };
                let by = by
                    .as_deref()
                    .map(|b| format!(" by {}", escape(b)))
                    .unwrap_or_default();
                let (what, after) = match rec.event {
                    Event::PageResolved { .. } => (
                        "resolved",
                        "; the incident goes on until it is resolved here",
                    ),
                    _ => ("acknowledged", ""),
                };
                format!(
                    ":white_check_mark: The page to {} was {what} in {}{by}{after}.",
                    escape(&page.label),
                    crate::domain::pager_name(&page.vendor)
                )
            }
            Event::Snoozed { until } => {
                let text = format!(
                    ":zzz: {who} snoozed reminders until <!date^{}^{{time}}|{}>.",
                    until.timestamp(),
                    until.format("%H:%M UTC")
                );
                return self.say(incident, rec, &refs, text, None).await;
            }
        };
        self.say(incident, rec, &refs, text, None).await?;
        self.refresh(&incident.id, &mut refs, false).await
    }

    /// A channel bookmark, once per `key`; Slack refusing it (too many) is logged: the
    /// link is on the card anyway.
    async fn bookmark_once(
        &self,
        incident: &Incident,
        refs: &Refs,
        key: &str,
        title: &str,
        url: &str,
    ) -> Result<(), EffectError> {
        let Some(channel) = refs.get("channel") else {
            return Ok(());
        };
        if refs.contains_key(key) {
            return Ok(());
        }
        match self
            .api
            .call(
                "bookmarks.add",
                json!({ "channel_id": channel, "title": crate::domain::clip(title, 60), "type": "link", "link": url }),
            )
            .await
        {
            Ok(v) => {
                let id = v["bookmark"]["id"].as_str().unwrap_or("added").to_owned();
                self.store.set_ref(&incident.id, key, &id).await?;
                Ok(())
            }
            Err(SlackError::Api(code)) if !TRANSIENT_CODES.contains(&code.as_str()) => {
                tracing::warn!(%code, "could not bookmark a link");
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Brings whoever acted into the channel (acknowledging, accepting, declining).
    async fn invite_actor(&self, rec: &Recorded, refs: &Refs) -> Result<(), EffectError> {
        if let (Actor::User { id }, Some(channel)) = (&rec.actor, refs.get("channel")) {
            self.invite(channel, &[id]).await?;
        }
        Ok(())
    }

    /// Who a nudge is for: the coordinator, else whoever acknowledged, else the person
    /// who declared; a report nobody took goes to the triage responders and the owners
    /// of the services it names. Never an empty "Coordinator".
    fn nudged(&self, incident: &Incident) -> String {
        let person = incident
            .roles
            .coordinator
            .as_ref()
            .or(incident.acknowledged_by.as_ref())
            .or(incident.reporter.user_id());
        if let Some(u) = person {
            return format!("<@{u}>");
        }
        let triage = &self.config.oncall.triage;
        let mut people: Vec<String> = triage
            .slack_group
            .iter()
            .map(|g| format!("<!subteam^{g}>"))
            .chain(triage.users().iter().map(|u| format!("<@{u}>")))
            .collect();
        // The owners of the services it names know it best.
        for m in self.oncall_mentions(incident) {
            if !people.contains(&m) {
                people.push(m);
            }
        }
        if people.is_empty() {
            "<!here>".to_owned()
        } else {
            people.join(" ")
        }
    }

    /// The nudge for a reminder, with the buttons that answer it in one click.
    async fn reminder(
        &self,
        incident: &Incident,
        kind: ReminderKind,
        nth: u32,
    ) -> Result<(String, Value), EffectError> {
        let id = incident.id.as_str();
        let button = |text: &str, action: &str, value: &str| json!({ "type": "button", "text": { "type": "plain_text", "text": text }, "action_id": action, "value": value });
        let snooze = button("Snooze 30 min", "snooze:30", id);
        let coordinator = self.nudged(incident);
        let (text, buttons) = match kind {
            ReminderKind::UpdateDue => {
                let draft = self.draft_update(incident).await?;
                let every = self.config.reminder_policy().update_every(incident).unwrap_or(0);
                let text = format!(
                    ":alarm_clock: {coordinator}, time for an update (every {every} min at {} while {}). A draft from what changed since the last one:\n{}",
                    incident.severity,
                    incident.status,
                    quote_people(&draft)
                );
                let value = serde_json::to_string(&json!({ "i": id, "t": crate::domain::clip(&draft, 1500) })).unwrap_or_default();
                (
                    text,
                    vec![
                        button("Post this update", "post_update", &value),
                        button("Edit and post", EDIT_UPDATE_ACTION, &value),
                        snooze,
                    ],
                )
            }
            ReminderKind::CoordinatorMissing => (
                format!(":warning: {coordinator}, nobody is coordinating this {} incident. The coordinator runs the response and keeps everyone informed: take it, or give it to someone with `/incident role coordinator @person`.", incident.severity),
                vec![button("I'll coordinate", "claim:coordinator", id), snooze],
            ),
            ReminderKind::TriageUnacknowledged if nth >= 2 => (
                ":rotating_light: Still nobody has acknowledged this report: escalating to the coordinator rotation.".to_owned(),
                vec![button("Acknowledge", "ack", id)],
            ),
            ReminderKind::TriageUnacknowledged => {
                (
                    format!(":bell: {coordinator}, nobody has acknowledged this report yet. Accept it at a severity or decline it."),
                    vec![button("Acknowledge", "ack", id), snooze],
                )
            }
            ReminderKind::MonitoringWindow => (
                format!(":eyes: {coordinator}, the fix has been monitored for {} min. Is it resolved?", self.config.reminders.monitoring_window_minutes),
                vec![button("Resolve", "resolve", id), snooze],
            ),
            ReminderKind::PostmortemDue => {
                let owner = incident.roles.postmortem_owner.as_ref().or(incident.roles.coordinator.as_ref());
                let who = owner.map_or_else(|| coordinator.clone(), |u| format!("<@{u}>"));
                (format!(":memo: {who}, the postmortem of this incident is due."), vec![snooze])
            }
        };
        let blocks = json!([
            { "type": "section", "text": { "type": "mrkdwn", "text": crate::domain::clip(&text, 3000) } },
            { "type": "actions", "block_id": "reminder", "elements": buttons },
        ]);
        Ok((text, blocks))
    }

    /// Mentions of the affected services' owners, or none.
    fn oncall_mentions(&self, incident: &Incident) -> Vec<String> {
        let mut users: Vec<String> = incident
            .services
            .iter()
            .filter_map(|s| self.config.service(s))
            .flat_map(|s| {
                s.slack_users
                    .iter()
                    .map(|u| format!("<@{u}>"))
                    .chain(s.slack_group.iter().map(|g| format!("<!subteam^{g}>")))
            })
            .collect();
        users.dedup();
        users
    }

    /// What changed since the last update, in sentences, as a starting point for the
    /// next one (see [`super::draft`]).
    async fn draft_update(&self, incident: &Incident) -> Result<String, EffectError> {
        let events = self.store.events(&incident.id, 1).await?;
        let since = events
            .iter()
            .rposition(|e| matches!(e.record.event, Event::UpdatePosted { .. }))
            .map_or(0, |i| i + 1);
        let since: Vec<Recorded> = events[since..].iter().map(|e| e.record.clone()).collect();
        let mut ids: Vec<String> = incident
            .roles
            .coordinator
            .iter()
            .map(|u| u.to_string())
            .collect();
        for rec in &since {
            match &rec.event {
                Event::RoleAssigned { user, previous, .. } => {
                    ids.push(user.to_string());
                    ids.extend(previous.as_ref().map(|p| p.to_string()));
                }
                Event::ActionAdded { owner: Some(o), .. } => ids.push(o.to_string()),
                _ => {}
            }
        }
        ids.sort();
        ids.dedup();
        let names = super::people::SlackNames::new(self.api.clone());
        let names = crate::directory::Names::names(&names, &ids).await;
        let name = |u: &UserId| {
            names
                .get(u.as_str())
                .cloned()
                .unwrap_or_else(|| format!("<@{u}>"))
        };
        Ok(super::draft::update(incident, &since, &self.config, &name))
    }

    async fn status_effects(
        &self,
        incident: &Incident,
        version: u64,
        from: Status,
        to: Status,
        refs: &mut Refs,
    ) -> Result<(), EffectError> {
        let Some(channel) = refs.get("channel").cloned() else {
            return Ok(());
        };
        let base = refs
            .get("channel_name")
            .cloned()
            .unwrap_or_else(|| self.channel_name(&incident.id));
        match (from, to) {
            (_, Status::Resolved) => {
                self.rename(&channel, &format!("{base}-resolved")).await?;
                // A new message, not only an edit: whoever watches #incidents is told.
                let title = if incident.private {
                    "A private incident".to_owned()
                } else {
                    format!("*{}*", escape(&incident.title))
                };
                let took = incident
                    .resolved_at
                    .map(|r| crate::domain::human_duration(r - incident.impact_start()))
                    .unwrap_or_default();
                let summary = incident
                    .latest_update
                    .as_deref()
                    .filter(|_| !incident.private)
                    .map(|s| format!("\n{}", quote_people(s)))
                    .unwrap_or_default();
                let text = format!(
                    ":white_check_mark: {title} is resolved ({took}, {}). <#{channel}>{summary}",
                    incident.severity
                );
                self.to_stakeholders_once(
                    incident,
                    &format!("resolved#{version}"),
                    refs,
                    &text,
                    false,
                )
                .await?;
            }
            (Status::Resolved, Status::Investigating) => self.rename(&channel, &base).await?,
            (_, Status::Closed | Status::Declined) => {
                // The card and announcement as they end, then the archive; Flare does
                // not act in the channel afterwards.
                self.refresh(&incident.id, refs, false).await?;
                match self
                    .api
                    .call("conversations.archive", json!({ "channel": channel }))
                    .await
                {
                    Ok(_) => {}
                    Err(SlackError::Api(code)) if code == "already_archived" => {}
                    Err(e) => return Err(e.into()),
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Posts to the incidents channel once per `key`: in the announcement's thread, or
    /// as a message of its own. A private incident's updates stay in its channel.
    async fn to_stakeholders_once(
        &self,
        incident: &Incident,
        key: &str,
        refs: &Refs,
        text: &str,
        threaded: bool,
    ) -> Result<(), EffectError> {
        if refs.contains_key(key) || (threaded && incident.private) {
            return Ok(());
        }
        let Some(channel) = self.channel_id(&self.config.channels.incidents).await? else {
            return Ok(());
        };
        let mut params = message(&channel, &limits::fit_message_text(text), None);
        if threaded {
            let Some(ts) = refs.get("announcement_ts") else {
                return Ok(());
            };
            params["thread_ts"] = json!(ts);
        }
        let posted = self.api.call("chat.postMessage", params).await?;
        let ts = ts_of(&posted).unwrap_or_default();
        self.store.set_ref(&incident.id, key, &ts).await?;
        Ok(())
    }

    /// A follow-up of a closed incident, whose channel is archived: in the thread of
    /// its announcement in the incidents channel, or, for a private incident (or one
    /// without an announcement), to whoever recorded it and the postmortem owner by DM.
    /// Once per event.
    async fn after_close(&self, incident: &Incident, rec: &Recorded) -> Result<(), EffectError> {
        let refs = self.store.refs(&incident.id).await?;
        let key = format!("msg#{}", rec.version);
        if refs.contains_key(&key) {
            return Ok(());
        }
        let (text, blocks) = follow_up_message(incident, &rec.event);
        let text = format!("{text} _(incident `{}`, closed)_", incident.id);
        let mut places = Vec::new();
        if let (false, Some(ts)) = (incident.private, refs.get("announcement_ts"))
            && let Some(channel) = self.channel_id(&self.config.channels.incidents).await?
        {
            places.push((channel, Some(ts.clone())));
        }
        // No thread to say it in (private, or the announcement is gone): by DM.
        if places.is_empty() {
            let mut people: Vec<&UserId> = Vec::new();
            if let Actor::User { id } = &rec.actor {
                people.push(id);
            }
            if let Some(owner) = incident
                .roles
                .postmortem_owner
                .as_ref()
                .or(incident.roles.coordinator.as_ref())
                && !people.contains(&owner)
            {
                people.push(owner);
            }
            for person in people {
                let dm = self
                    .api
                    .call("conversations.open", json!({ "users": person.as_str() }))
                    .await?;
                if let Some(id) = dm["channel"]["id"].as_str() {
                    places.push((id.to_owned(), None));
                }
            }
        }
        let mut first = None;
        for (channel, thread) in places {
            let mut params = message(&channel, &text, blocks.clone());
            if let Some(ts) = thread {
                params["thread_ts"] = json!(ts);
            }
            let posted = self.api.call("chat.postMessage", params).await?;
            first = first.or_else(|| ts_of(&posted));
        }
        self.store
            .set_ref(&incident.id, &key, &first.unwrap_or_default())
            .await?;
        Ok(())
    }

    async fn rename(&self, channel: &str, name: &str) -> Result<(), EffectError> {
        match self
            .api
            .call(
                "conversations.rename",
                json!({ "channel": channel, "name": name }),
            )
            .await
        {
            Ok(_) => Ok(()),
            // Renamed by an earlier attempt.
            Err(SlackError::Api(code)) if code == "name_taken" => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[async_trait]
impl Effect for SlackEffect {
    fn name(&self) -> &'static str {
        "slack"
    }

    async fn run(&self, incident: &Incident, rec: &Recorded) -> Result<(), EffectError> {
        // Once archived, the channel is left alone; the follow-ups of a closed incident
        // (action items recorded at the review, their tickets) go where people still are.
        if incident.status.is_terminal()
            && matches!(
                rec.event,
                Event::ActionAdded { .. } | Event::TicketLinked { .. }
            )
        {
            return self.after_close(incident, rec).await;
        }
        if incident.status.is_terminal()
            && !matches!(rec.event, Event::StatusChanged { to, .. } if to.is_terminal())
            && !matches!(rec.event, Event::MergedInto { .. })
        {
            return Ok(());
        }
        let mut result = self.apply(incident, rec).await;
        if result.is_ok() {
            result = self.broadcast(incident, rec).await;
        }
        if let Err(EffectError::Permanent(code)) = &result {
            // Recorded on the incident and told to the people in its channel.
            self.store
                .set_ref(&incident.id, &format!("error#{}", rec.version), code)
                .await?;
            if let Some(channel) = self.store.refs(&incident.id).await?.get("channel")
                && !incident.status.is_terminal()
            {
                let text = format!(
                    ":warning: Flare could not finish `{}` in Slack: `{}`.",
                    rec.event.detail_type(),
                    escape(code)
                );
                let _ = self
                    .api
                    .call("chat.postMessage", message(channel, &text, None))
                    .await;
            }
        }
        result
    }
}

/// An action item (with its *Create a ticket* button) or its ticket, as posted.
fn follow_up_message(incident: &Incident, event: &Event) -> (String, Option<Value>) {
    match event {
        Event::ActionAdded {
            number,
            text,
            owner,
        } => {
            let owner = owner
                .as_ref()
                .map(|o| format!(" (owner <@{o}>)"))
                .unwrap_or_default();
            let text = format!(
                ":ballot_box_with_check: Action item {number}: {}{owner}",
                escape_people(text)
            );
            let blocks = json!([{ "type": "section", "text": { "type": "mrkdwn", "text": text } },
                { "type": "actions", "elements": [{ "type": "button", "action_id": format!("ticket:{number}"),
                  "value": incident.id.as_str(), "text": { "type": "plain_text", "text": "Create a ticket" } }] }]);
            (text, Some(blocks))
        }
        Event::TicketLinked { number, key, url } => (
            format!(
                ":ticket: Action item {number} is tracked as <{}|{}>.",
                escape(url),
                escape(key)
            ),
            None,
        ),
        _ => (String::new(), None),
    }
}

/// What an effect does, as the people in the channel would say it.
fn step_in_words(effect: &str) -> String {
    match effect {
        "paging" => "Paging on-call".into(),
        "tickets" => "Creating the ticket".into(),
        "statuspage" => "Updating the status page".into(),
        "slack" => "Updating Slack".into(),
        "postmortem" => "Drafting the postmortem".into(),
        "publish" => "Publishing the incident's events".into(),
        "merge" => "Moving the merged incident's timeline".into(),
        other => format!("`{}`", escape(other)),
    }
}

/// Tells the person who asked why the worker refused: through the `response_url`, or
/// an ephemeral message in the channel.
pub struct SlackResponder {
    pub api: Arc<dyn SlackApi>,
    /// To find an incident's channel when reporting a failed effect.
    pub store: Arc<dyn IncidentStore>,
    /// The services a paging failure offers to add.
    pub config: Arc<Config>,
}

#[async_trait]
impl Responder for SlackResponder {
    async fn answer(&self, env: &CommandEnvelope, answer: &Answer) {
        let Answer::Refused(reason) = answer;
        let text = format!(":no_entry: {reason}");
        let Some(reply) = &env.reply else {
            tracing::info!(command = %env.id, %reason, "refused; nobody to tell");
            return;
        };
        let result = match (&reply.response_url, &reply.channel, &reply.user) {
            (Some(url), _, _) => self.api.respond(url, &text).await,
            (None, Some(channel), Some(user)) => self
                .api
                .call(
                    "chat.postEphemeral",
                    json!({ "channel": channel, "user": user, "text": text }),
                )
                .await
                .map(|_| ()),
            // Nowhere to answer in place: a direct message from the app.
            (None, None, Some(user)) => self
                .api
                .call("chat.postMessage", json!({ "channel": user, "text": text }))
                .await
                .map(|_| ()),
            _ => Ok(()),
        };
        if let Err(e) = result {
            tracing::warn!(command = %env.id, error = %e, "could not tell the requester");
        }
    }

    async fn report_failure(&self, incident: &Incident, effect: &str, why: &str) {
        let channel = match self.store.refs(&incident.id).await {
            Ok(refs) => refs.get("channel").cloned(),
            Err(e) => {
                tracing::warn!(error = %e, "could not look up the channel to report a failure");
                None
            }
        };
        let Some(channel) = channel.filter(|_| !incident.status.is_terminal()) else {
            tracing::warn!(incident = %incident.id, effect, %why, "effect failed permanently");
            return;
        };
        let text = format!(
            ":warning: {} did not work, and Flare won't try again: {}. The incident goes on; do this step by hand.",
            step_in_words(effect),
            escape(why)
        );
        // Nobody paged for want of a service: the way forward is one pick away.
        let blocks = (effect == "paging")
            .then(|| blocks::pick_service(&self.config, incident, &text))
            .flatten();
        if let Err(e) = self
            .api
            .call("chat.postMessage", message(&channel, &text, blocks))
            .await
        {
            tracing::warn!(error = %e, "could not report a failed effect");
        }
    }
}
