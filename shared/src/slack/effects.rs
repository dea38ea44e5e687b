//! The worker's Slack effects: what each stored event looks like in Slack.
//!
//! Idempotent per event: ids and timestamps Slack hands back are kept as incident refs
//! (`channel`, `card_ts`, `announcement_ts`, `msg#<version>`), so a retried effect
//! finds what it already did instead of doing it again, and invites never run before
//! the channel exists.

use super::api::{SlackApi, SlackError, message, ts_of};
use super::blocks;
use super::mrkdwn::escape;
use crate::bus::CommandEnvelope;
use crate::config::Config;
use crate::domain::{
    Actor, CaptureKind, EscalationTarget, Event, ImpactEdge, Incident, IncidentId, Recorded,
    Status, UserId,
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
    /// Channel name → id, resolved once per container.
    channel_ids: Mutex<HashMap<String, String>>,
}

type Refs = HashMap<String, String>;

impl From<SlackError> for EffectError {
    fn from(e: SlackError) -> Self {
        match e {
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

impl SlackEffect {
    pub fn new(api: Arc<dyn SlackApi>, store: Arc<dyn IncidentStore>, config: Arc<Config>) -> Self {
        Self {
            api,
            store,
            config,
            channel_ids: Mutex::new(HashMap::new()),
        }
    }

    /// A named channel's id (the incidents channel); `None` if it doesn't exist.
    async fn channel_id(&self, name: &str) -> Result<Option<String>, EffectError> {
        if let Some(id) = self.channel_ids.lock().await.get(name) {
            return Ok(Some(id.clone()));
        }
        let mut cursor = String::new();
        loop {
            let page = self
                .api
                .call("conversations.list", json!({ "types": "public_channel,private_channel", "exclude_archived": true, "limit": 200, "cursor": cursor }))
                .await?;
            let channels = page["channels"].as_array().cloned().unwrap_or_default();
            if let Some(c) = channels.iter().find(|c| c["name"] == name) {
                let id = c["id"].as_str().unwrap_or_default().to_owned();
                self.channel_ids
                    .lock()
                    .await
                    .insert(name.to_owned(), id.clone());
                return Ok(Some(id));
            }
            cursor = page["response_metadata"]["next_cursor"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            if cursor.is_empty() {
                return Ok(None);
            }
        }
    }

    fn channel_name(&self, id: &IncidentId) -> String {
        format!("{}{}", self.config.channels.prefix, id)
    }

    /// Creates the incident channel once. The name is reserved by the incident id, so
    /// `name_taken` means an earlier attempt created it: adopt it.
    async fn ensure_channel(
        &self,
        incident: &Incident,
        refs: &mut Refs,
    ) -> Result<String, EffectError> {
        if let Some(c) = refs.get("channel") {
            return Ok(c.clone());
        }
        let name = self.channel_name(&incident.id);
        let created = self
            .api
            .call(
                "conversations.create",
                json!({ "name": name, "is_private": incident.private }),
            )
            .await;
        let channel = match created {
            Ok(v) => v["channel"]["id"].as_str().unwrap_or_default().to_owned(),
            Err(SlackError::Api(code)) if code == "name_taken" => {
                self.channel_id(&name).await?.ok_or_else(|| {
                    EffectError::Permanent(format!("channel {name} exists but can't be found"))
                })?
            }
            Err(e) => return Err(e.into()),
        };
        if channel.is_empty() {
            return Err(EffectError::Transient(
                "conversations.create returned no id".into(),
            ));
        }
        self.store
            .put_index(Index::Channel, &channel, &incident.id)
            .await?;
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

    async fn invite(&self, channel: &str, users: &[&UserId]) -> Result<(), EffectError> {
        let mut ids: Vec<&str> = users.iter().map(|u| u.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(());
        }
        match self
            .api
            .call(
                "conversations.invite",
                json!({ "channel": channel, "users": ids.join(",") }),
            )
            .await
        {
            Ok(_) => Ok(()),
            // Already there, or a person Slack doesn't know: nothing to retry.
            Err(SlackError::Api(code))
                if matches!(code.as_str(), "already_in_channel" | "cant_invite_self") =>
            {
                Ok(())
            }
            Err(SlackError::Api(code)) => {
                tracing::warn!(channel, %code, "could not invite everyone");
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Posts a message for an event once: the ts is kept under `msg#<version>`.
    async fn post_once(
        &self,
        incident: &IncidentId,
        version: u64,
        refs: &Refs,
        params: Value,
    ) -> Result<Option<String>, EffectError> {
        let key = format!("msg#{version}");
        if let Some(ts) = refs.get(&key) {
            return Ok(Some(ts.clone()));
        }
        let posted = self.api.call("chat.postMessage", params).await?;
        let ts = ts_of(&posted);
        if let Some(ts) = &ts {
            self.store.set_ref(incident, &key, ts).await?;
        }
        Ok(ts)
    }

    /// Card, announcement and topic show the incident as it is now.
    async fn refresh(&self, incident: &Incident, refs: &mut Refs) -> Result<(), EffectError> {
        let Some(channel) = refs.get("channel").cloned() else {
            return Ok(());
        };
        let (text, card) = blocks::card(&self.config, incident);
        match refs.get("card_ts").cloned() {
            Some(ts) => {
                self.api
                    .call(
                        "chat.update",
                        json!({ "channel": channel, "ts": ts, "text": text, "blocks": card }),
                    )
                    .await?;
            }
            None => {
                let posted = self
                    .api
                    .call("chat.postMessage", message(&channel, &text, Some(card)))
                    .await?;
                if let Some(ts) = ts_of(&posted) {
                    self.store.set_ref(&incident.id, "card_ts", &ts).await?;
                    match self
                        .api
                        .call("pins.add", json!({ "channel": channel, "timestamp": ts }))
                        .await
                    {
                        Ok(_) | Err(SlackError::Api(_)) => {}
                        Err(e) => return Err(e.into()),
                    }
                    refs.insert("card_ts".into(), ts);
                }
            }
        }
        if let Some(incidents) = self.channel_id(&self.config.channels.incidents).await? {
            let (text, blocks) = blocks::announcement(&self.config, incident, &channel);
            match refs.get("announcement_ts").cloned() {
                Some(ts) => {
                    self.api.call("chat.update", json!({ "channel": incidents, "ts": ts, "text": text, "blocks": blocks })).await?;
                }
                None => {
                    let posted = self
                        .api
                        .call("chat.postMessage", message(&incidents, &text, Some(blocks)))
                        .await?;
                    if let Some(ts) = ts_of(&posted) {
                        self.store
                            .set_ref(&incident.id, "announcement_ts", &ts)
                            .await?;
                        refs.insert("announcement_ts".into(), ts);
                    }
                }
            }
        } else {
            tracing::warn!(channel = %self.config.channels.incidents, "the incidents channel does not exist; no announcement");
        }
        if incident.status != Status::Closed {
            self.api
                .call(
                    "conversations.setTopic",
                    json!({ "channel": channel, "topic": blocks::topic(&self.config, incident) }),
                )
                .await?;
        }
        Ok(())
    }

    fn people_to_invite<'a>(
        &'a self,
        incident: &'a Incident,
        rec: &'a Recorded,
    ) -> Vec<&'a UserId> {
        let mut users: Vec<&UserId> = incident.roles.people();
        if let Actor::User { id } = &rec.actor {
            users.push(id);
        }
        for s in &incident.services {
            if let Some(service) = self.config.service(s) {
                users.extend(service.slack_users.iter());
            }
        }
        users
    }

    async fn declared(
        &self,
        incident: &Incident,
        rec: &Recorded,
        refs: &mut Refs,
    ) -> Result<(), EffectError> {
        let channel = self.ensure_channel(incident, refs).await?;
        let purpose = super::mrkdwn::plain(&incident.title, 250);
        self.api
            .call(
                "conversations.setPurpose",
                json!({ "channel": channel, "purpose": purpose }),
            )
            .await?;
        self.invite(&channel, &self.people_to_invite(incident, rec))
            .await?;
        self.refresh(incident, refs).await?;
        if let Event::Declared(d) = &rec.event
            && let Some(m) = &d.source_message
        {
            let link = m
                .permalink
                .as_deref()
                .map(|p| format!(" (<{p}|original message>)"))
                .unwrap_or_default();
            let author = m
                .author
                .as_ref()
                .map(|a| format!("<@{a}>"))
                .unwrap_or_else(|| "someone".into());
            let text = format!(
                ":inbox_tray: Declared from a message by {author}{link}:\n>{}",
                escape(&m.text).replace('\n', "\n>")
            );
            self.post_once(
                &incident.id,
                rec.version,
                refs,
                message(&channel, &text, None),
            )
            .await?;
        }
        Ok(())
    }

    async fn say(
        &self,
        incident: &Incident,
        rec: &Recorded,
        refs: &Refs,
        text: String,
    ) -> Result<(), EffectError> {
        let Some(channel) = refs.get("channel") else {
            return Err(EffectError::Permanent("the incident has no channel".into()));
        };
        self.post_once(
            &incident.id,
            rec.version,
            refs,
            message(channel, &text, None),
        )
        .await?;
        Ok(())
    }

    async fn apply(&self, incident: &Incident, rec: &Recorded) -> Result<(), EffectError> {
        let mut refs = self.store.refs(&incident.id).await?;
        let who = match &rec.actor {
            Actor::User { id } => format!("<@{id}>"),
            Actor::Email { address } => escape(address),
            Actor::System { name } => escape(name),
        };
        match &rec.event {
            Event::Declared(_) => return self.declared(incident, rec, &mut refs).await,
            Event::Acknowledged => {
                self.say(incident, rec, &refs, format!(":wave: {who} acknowledged."))
                    .await?
            }
            Event::UpdatePosted { text } => {
                let body = escape(text).replace('\n', "\n>");
                self.say(
                    incident,
                    rec,
                    &refs,
                    format!(":mega: *Update* from {who}\n>{body}"),
                )
                .await?
            }
            Event::StatusChanged { from, to, summary } => {
                let why = summary
                    .as_deref()
                    .map(|s| format!("\n>{}", escape(s)))
                    .unwrap_or_default();
                self.say(
                    incident,
                    rec,
                    &refs,
                    format!(
                        "{} {who} changed the status from *{from}* to *{to}*.{why}",
                        to.emoji()
                    ),
                )
                .await?;
                self.status_effects(incident, *from, *to, &mut refs).await?;
            }
            Event::SeverityChanged { from, to } => {
                self.say(
                    incident,
                    rec,
                    &refs,
                    format!(":arrow_up_down: {who} changed the severity from *{from}* to *{to}*."),
                )
                .await?
            }
            Event::RoleAssigned { role, user, .. } => {
                if let Some(channel) = refs.get("channel") {
                    self.invite(channel, &[user]).await?;
                }
                self.say(
                    incident,
                    rec,
                    &refs,
                    format!(
                        ":bust_in_silhouette: <@{user}> is now *{}* (set by {who}).",
                        blocks::role_name(*role)
                    ),
                )
                .await?
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
                self.say(
                    incident,
                    rec,
                    &refs,
                    format!(":rotating_light: {who} escalated to {to}."),
                )
                .await?
            }
            Event::ImpactSet { edge, at } => {
                let what = match edge {
                    ImpactEdge::Start => "started",
                    ImpactEdge::End => "ended",
                };
                self.say(incident, rec, &refs, format!(":chart_with_downwards_trend: Customer impact {what} at <!date^{}^{{date_short_pretty}} {{time}}|{}> (set by {who}).", at.timestamp(), at.format("%Y-%m-%d %H:%M UTC"))).await?
            }
            Event::Captured { kind, message: m } => {
                let (emoji, list) = match kind {
                    CaptureKind::Papertrail => (":receipt:", "the papertrail"),
                    CaptureKind::Discussion => (":pushpin:", "the postmortem discussion"),
                };
                if !refs.contains_key(&format!("msg#{}", rec.version)) {
                    let params = json!({ "channel": m.channel, "thread_ts": m.ts, "text": format!("{emoji} Added to {list} by {who}.") });
                    self.post_once(&incident.id, rec.version, &refs, params)
                        .await?;
                }
                return Ok(());
            }
            Event::CaptureWithdrawn { .. } => return Ok(()),
        }
        if incident.status != Status::Closed {
            self.refresh(incident, &mut refs).await?;
        }
        Ok(())
    }

    async fn status_effects(
        &self,
        incident: &Incident,
        from: Status,
        to: Status,
        refs: &mut Refs,
    ) -> Result<(), EffectError> {
        let Some(channel) = refs.get("channel").cloned() else {
            return Ok(());
        };
        let base = self.channel_name(&incident.id);
        match (from, to) {
            (_, Status::Resolved) => self.rename(&channel, &format!("{base}-resolved")).await?,
            (Status::Resolved, Status::Investigating) => self.rename(&channel, &base).await?,
            (_, Status::Closed | Status::Declined) => {
                // Last words before the archive: the card and announcement as they end.
                self.refresh_final(incident, refs).await?;
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

    async fn refresh_final(&self, incident: &Incident, refs: &mut Refs) -> Result<(), EffectError> {
        self.refresh(incident, refs).await
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
        let result = self.apply(incident, rec).await;
        if let Err(EffectError::Permanent(code)) = &result {
            // Recorded on the incident and told to the people in its channel.
            self.store
                .set_ref(&incident.id, &format!("error#{}", rec.version), code)
                .await?;
            if let Some(channel) = self.store.refs(&incident.id).await?.get("channel")
                && incident.status != Status::Closed
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

/// Tells the person who asked why the worker refused: through the `response_url`, or
/// an ephemeral message in the channel.
pub struct SlackResponder {
    pub api: Arc<dyn SlackApi>,
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
            _ => Ok(()),
        };
        if let Err(e) = result {
            tracing::warn!(command = %env.id, error = %e, "could not tell the requester");
        }
    }
}
