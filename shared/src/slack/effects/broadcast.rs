//! Broadcast channels per severity (`channels.broadcast`): people beyond the incidents
//! channel (a company-wide channel for S1, say) hear of the incident once, follow its
//! status, severity and updates in that message's thread, and get the resolution as a
//! new message, so it notifies. Never for private incidents or triage reports.
//!
//! Each channel's first message is kept as the ref `broadcast#<channel id>`; each later
//! message as `broadcast#<channel id>#<version>`: retries post nothing twice. A severity
//! raised into a broadcast level starts the broadcast then; a channel told once hears
//! the rest, the resolution included, even if the severity is lowered.

use super::{Refs, SlackEffect};
use crate::domain::{Event, Incident, Recorded, Status};
use crate::slack::api::{message, ts_of};
use crate::slack::limits;
use crate::slack::mrkdwn::{escape, quote_people};
use crate::worker::EffectError;
use serde_json::json;

impl SlackEffect {
    /// What `rec` tells the broadcast channels of the incident's severity.
    pub(super) async fn broadcast(
        &self,
        incident: &Incident,
        rec: &Recorded,
    ) -> Result<(), EffectError> {
        // Most workspaces broadcast nothing: no extra table read per event for them.
        if incident.private
            || incident.status == Status::Triage
            || self.config.channels.broadcast.is_empty()
        {
            return Ok(());
        }
        let news = match &rec.event {
            Event::StatusChanged {
                to: Status::Resolved,
                summary,
                ..
            } => Some((News::Resolved, summary.clone())),
            Event::StatusChanged { from, to, summary } => Some((
                if *from == Status::Triage {
                    News::Start
                } else {
                    News::Thread(format!("Status: *{to}*"))
                },
                summary.clone(),
            )),
            Event::SeverityChanged { from, to } => {
                Some((News::Thread(format!("Severity: {from} → *{to}*")), None))
            }
            Event::UpdatePosted { text } => {
                Some((News::Thread("*Update*".to_owned()), Some(text.clone())))
            }
            Event::Declared(_) => Some((News::Start, None)),
            _ => None,
        };
        let Some((news, words)) = news else {
            return Ok(());
        };
        let configured = self
            .config
            .channels
            .broadcast
            .get(incident.severity.as_str())
            .cloned()
            .unwrap_or_default();
        let refs = self.store.refs(&incident.id).await?;
        // Where it was told already keeps hearing of it, whatever its severity now:
        // whoever heard of an S1 hears it resolved, even after it was lowered.
        let mut channels: Vec<String> = refs
            .keys()
            .filter_map(|k| k.strip_prefix("broadcast#"))
            .filter(|c| !c.contains('#'))
            .map(str::to_owned)
            .collect();
        channels.sort();
        for name in &configured {
            match self.channel_id(name).await? {
                Some(id) if !channels.contains(&id) => channels.push(id),
                Some(_) => {}
                None => {
                    tracing::warn!(channel = %name, "a broadcast channel does not exist; skipped")
                }
            }
        }
        if channels.is_empty() {
            return Ok(());
        }
        let Some(incident_channel) = refs.get("channel").cloned() else {
            return Ok(());
        };
        let words = words
            .filter(|w| !w.trim().is_empty())
            .map(|w| format!("\n{}", quote_people(&w)))
            .unwrap_or_default();
        for channel in channels {
            let start = format!("broadcast#{channel}");
            if !refs.contains_key(&start) {
                // Told now, whatever the news: declared, accepted, or raised to this level.
                let text = format!(
                    ":rotating_light: *{}* incident: *{}* ({}). Follow it in <#{incident_channel}>; news in this thread.",
                    incident.severity,
                    escape(&incident.title),
                    incident.status,
                );
                self.post_kept(&incident.id, &start, &refs, &channel, None, &text)
                    .await?;
                continue;
            }
            let key = format!("broadcast#{channel}#{}", rec.version);
            match &news {
                News::Start => {}
                News::Thread(what) => {
                    let thread = refs.get(&start).cloned();
                    let text = format!("{what}{words}");
                    self.post_kept(&incident.id, &key, &refs, &channel, thread, &text)
                        .await?;
                }
                News::Resolved => {
                    let text = format!(
                        ":white_check_mark: *{}* is resolved ({}). <#{incident_channel}>{words}",
                        escape(&incident.title),
                        incident.severity,
                    );
                    self.post_kept(&incident.id, &key, &refs, &channel, None, &text)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Posts once under `key` (the message's ts is kept there).
    async fn post_kept(
        &self,
        id: &crate::domain::IncidentId,
        key: &str,
        refs: &Refs,
        channel: &str,
        thread: Option<String>,
        text: &str,
    ) -> Result<(), EffectError> {
        if refs.contains_key(key) {
            return Ok(());
        }
        let mut params = message(channel, &limits::fit_message_text(text), None);
        if let Some(ts) = thread {
            params["thread_ts"] = json!(ts);
        }
        let posted = self.api.call("chat.postMessage", params).await?;
        self.store
            .set_ref(id, key, &ts_of(&posted).unwrap_or_default())
            .await?;
        Ok(())
    }
}

enum News {
    /// The first message, if not yet posted.
    Start,
    /// In the first message's thread.
    Thread(String),
    /// A new message.
    Resolved,
}
