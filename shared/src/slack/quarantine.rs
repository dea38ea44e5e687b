//! Quarantine notes: the worker's effect that posts a mail held back from triage in
//! the triage channel, once per mail, and acts on its buttons.
//!
//! The e-mail function never talks to Slack: it sends a [`Command::Quarantine`]
//! through the queue like every other command, and this effect posts it. A claim on
//! the mail's key is taken before posting, so SQS redelivery, an SES retry or the
//! same mail sent again never posts a second note (if Slack refuses the post, the mail
//! is still in the inbound bucket and the failure is logged with its key).
//!
//! The note is kept ([`MailDesk::keep_note`]) with the report the mail would have
//! opened. Its buttons, for incident managers, come back as
//! [`Command::ReleaseQuarantine`]: *Open as triage incident* sends that report as a
//! declaration through the queue (its id is the note's, so pressing twice declares
//! once), and *Allow this sender* adds the address to the allow-list kept in the
//! table, which the e-mail function reads with every mail.

use super::api::SlackApi;
use super::limits::{BUTTON_VALUE, SECTION_TEXT};
use super::mrkdwn::escape;
use crate::bus::{CommandEnvelope, CommandQueue, Source};
use crate::directory::Directory;
use crate::domain::{Actor, Command, Incident, QuarantineNote, Recorded, ReleaseAction, clip};
use crate::store::IncidentStore;
use crate::store::mail_desk::{KeptNote, MailDesk};
use crate::worker::{Effect, EffectError};
use async_trait::async_trait;
use serde_json::{Value, json};
use std::sync::Arc;

/// How long a note's claim is kept: longer than any retry or re-send.
const CLAIM_DAYS: i64 = 30;
/// The buttons' action ids.
pub const OPEN_ACTION: &str = "quarantine_open";
pub const ALLOW_ACTION: &str = "quarantine_allow";

pub struct QuarantineNotes {
    pub api: Arc<dyn SlackApi>,
    pub store: Arc<dyn IncidentStore>,
    pub desk: Arc<dyn MailDesk>,
    pub queue: Arc<dyn CommandQueue>,
    pub directory: Arc<dyn Directory>,
    /// The triage channel (name or id).
    pub channel: String,
    /// The incident managers' user group, who may press the buttons; without one,
    /// anyone who sees the note may.
    pub managers: Option<String>,
}

/// The note in mrkdwn; every piece of the mail is escaped, so `<!channel>` or
/// `<https://evil|click>` in it shows as text.
pub fn note_text(note: &QuarantineNote) -> String {
    let sender = match note.from_name.as_deref() {
        Some(n) if !n.is_empty() => format!("{n} <{}>", sender_or_unknown(&note.from_address)),
        _ => sender_or_unknown(&note.from_address).to_owned(),
    };
    let mut text = format!(
        ":no_entry: *Quarantined mail* from {}: {}\n*Subject:* {}",
        escape(&sender),
        escape(&note.reason),
        escape(&note.subject),
    );
    if !note.excerpt.is_empty() {
        let quoted: Vec<String> = clip(&note.excerpt, 500)
            .lines()
            .map(|l| format!("> {}", escape(l)))
            .collect();
        text.push('\n');
        text.push_str(&quoted.join("\n"));
    }
    if !note.attachments.is_empty() {
        text.push_str(&format!(
            "\n*Attachments:* {}",
            escape(&note.attachments.join(", "))
        ));
    }
    text
}

/// What was done about a kept note, by whom: the lines under it.
fn done_lines(kept: &KeptNote) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(by) = &kept.opened_by {
        out.push(format!(
            ":white_check_mark: Opened as a triage incident by <@{by}>."
        ));
    }
    if let Some(by) = &kept.allowed_by {
        out.push(format!(
            ":white_check_mark: <@{by}> allowed {}: their next mail opens a triage incident.",
            escape(kept.note.allow.as_deref().unwrap_or_default())
        ));
    }
    out
}

/// The note's blocks: the text, what was done, and the buttons still useful.
pub fn note_blocks(kept: &KeptNote) -> Value {
    let note = &kept.note;
    let mut blocks = vec![json!({ "type": "section",
        "text": { "type": "mrkdwn", "text": clip(&note_text(note), SECTION_TEXT) } })];
    let done = done_lines(kept);
    if !done.is_empty() {
        blocks.push(json!({ "type": "context",
            "elements": [{ "type": "mrkdwn", "text": clip(&done.join("\n"), SECTION_TEXT) }] }));
    }
    // A key too long for a button's value gets no buttons (Slack would refuse them).
    let mut buttons = Vec::new();
    if note.key.len() <= BUTTON_VALUE {
        if note.declaration.is_some() && kept.opened_by.is_none() {
            buttons.push(json!({ "type": "button", "action_id": OPEN_ACTION, "style": "primary",
                "text": { "type": "plain_text", "text": "Open as triage incident" }, "value": note.key }));
        }
        if note.allow.is_some() && kept.allowed_by.is_none() {
            buttons.push(json!({ "type": "button", "action_id": ALLOW_ACTION,
                "text": { "type": "plain_text", "text": "Allow this sender" }, "value": note.key }));
        }
    }
    if !buttons.is_empty() {
        blocks.push(json!({ "type": "actions", "block_id": "quarantine", "elements": buttons }));
    }
    Value::Array(blocks)
}

fn sender_or_unknown(address: &str) -> &str {
    if address.is_empty() {
        "unknown sender"
    } else {
        address
    }
}

#[async_trait]
impl Effect for QuarantineNotes {
    fn name(&self) -> &'static str {
        "quarantine-note"
    }

    fn handles_events(&self) -> bool {
        false
    }

    async fn run(&self, _: &Incident, _: &Recorded) -> Result<(), EffectError> {
        Ok(())
    }

    async fn notice(&self, env: &CommandEnvelope) -> Result<(), EffectError> {
        match &env.command {
            Command::Quarantine(note) => self.post(env, note).await,
            Command::ReleaseQuarantine { key, action } => self.release(env, key, *action).await,
            _ => Ok(()),
        }
    }
}

impl QuarantineNotes {
    async fn post(&self, env: &CommandEnvelope, note: &QuarantineNote) -> Result<(), EffectError> {
        let claim = format!("quarantine-note#{}", note.key);
        let first = self
            .store
            .claim(&claim, chrono::Duration::days(CLAIM_DAYS), env.received_at)
            .await?;
        if !first {
            tracing::info!(command = %env.id, "quarantine note already posted");
            return Ok(());
        }
        let mut kept = KeptNote {
            note: note.clone(),
            channel: None,
            ts: None,
            opened_by: None,
            allowed_by: None,
        };
        // Kept before it is posted, so a button never finds no note; the claim is
        // taken, so a failure here is logged rather than retried into a second note.
        if let Err(e) = self.desk.keep_note(&kept, env.received_at).await {
            tracing::error!(command = %env.id, mail_key = %note.key, error = %e, "could not keep the quarantine note; its buttons won't work");
        }
        let message = json!({ "channel": self.channel, "text": note_text(note),
            "blocks": note_blocks(&kept) });
        match self.api.call("chat.postMessage", message).await {
            Ok(posted) => {
                kept.channel = posted["channel"].as_str().map(str::to_owned);
                kept.ts = posted["ts"].as_str().map(str::to_owned);
                if let Err(e) = self.desk.keep_note(&kept, env.received_at).await {
                    tracing::warn!(mail_key = %note.key, error = %e, "could not record where the quarantine note is; it won't show what its buttons did");
                }
                Ok(())
            }
            Err(e) => {
                // Claimed, so never retried: say where the mail is instead.
                tracing::error!(command = %env.id, mail_key = %note.key, error = %e, "could not post the quarantine note; the mail stays in the inbound bucket");
                Err(EffectError::Permanent(e.to_string()))
            }
        }
    }

    async fn release(
        &self,
        env: &CommandEnvelope,
        key: &str,
        action: ReleaseAction,
    ) -> Result<(), EffectError> {
        let Some(user) = env.actor.user_id() else {
            return Ok(());
        };
        if let Some(group) = &self.managers
            && !self
                .directory
                .in_group(group, user)
                .await
                .map_err(EffectError::Transient)?
        {
            return self
                .tell(env, &format!("Only incident managers (<!subteam^{group}>) can open or allow quarantined mail."))
                .await;
        }
        let Some(mut kept) = self.desk.note(key).await? else {
            return self
                .tell(env, "I no longer have that mail: quarantine notes are kept for 30 days. The raw mail is still in the inbound bucket.")
                .await;
        };
        let answer = match action {
            ReleaseAction::Open => match kept.note.declaration.clone() {
                Some(declaration) => {
                    // The note's key makes the declaration's: pressed twice, one incident.
                    let declare = CommandEnvelope {
                        id: format!("quarantine-open#{key}"),
                        incident: None,
                        command: Command::Declare(declaration),
                        actor: Actor::user(user.clone()),
                        source: Source::Slack,
                        received_at: env.received_at,
                        reply: env.reply.clone(),
                    };
                    self.queue
                        .send(&declare)
                        .await
                        .map_err(|e| EffectError::Transient(e.to_string()))?;
                    kept.opened_by.get_or_insert_with(|| user.to_string());
                    None
                }
                None => {
                    Some("This mail can't be opened as an incident: nothing in it was readable.")
                }
            },
            ReleaseAction::Allow => match kept.note.allow.clone() {
                Some(sender) => {
                    self.desk.allow_sender(&sender).await?;
                    kept.allowed_by.get_or_insert_with(|| user.to_string());
                    None
                }
                None => Some(
                    "Allowing this sender would not let the mail in: it was held back for its authentication or its From header, not the allow-list.",
                ),
            },
        };
        if let Some(why) = answer {
            return self.tell(env, why).await;
        }
        self.desk.keep_note(&kept, env.received_at).await?;
        if let (Some(channel), Some(ts)) = (&kept.channel, &kept.ts) {
            let update = json!({ "channel": channel, "ts": ts, "text": note_text(&kept.note),
                "blocks": note_blocks(&kept) });
            if let Err(e) = self.api.call("chat.update", update).await {
                tracing::warn!(mail_key = %key, error = %e, "could not update the quarantine note");
            }
        }
        Ok(())
    }

    /// An ephemeral answer to whoever pressed.
    async fn tell(&self, env: &CommandEnvelope, text: &str) -> Result<(), EffectError> {
        if let Some(url) = env.reply.as_ref().and_then(|r| r.response_url.as_deref()) {
            self.api.respond(url, text).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn note() -> QuarantineNote {
        QuarantineNote {
            key: "abc@mx#0123".into(),
            reason: "DMARC FAIL: <!here>".into(),
            from_address: "eve@evil.example".into(),
            from_name: Some("<@U123>".into()),
            subject: "<!channel> look".into(),
            excerpt: "<https://evil|click> & more\nline two".into(),
            attachments: vec!["a<b>.png (image/png, 1 KB)".into()],
            date: None,
            declaration: None,
            allow: Some("eve@evil.example".into()),
        }
    }

    #[test]
    fn the_note_escapes_everything() {
        let text = note_text(&note());
        for bad in ["<!channel>", "<@U123>", "<https://evil", "<!here>", "<b>"] {
            assert!(!text.contains(bad), "{bad} in {text}");
        }
        assert!(text.contains("&lt;!channel&gt; look"));
        assert!(text.contains("> &lt;https://evil|click&gt; &amp; more\n> line two"));
        assert!(text.contains("*Attachments:* a&lt;b&gt;.png"));
    }

    #[test]
    fn buttons_offer_what_is_left_to_do() {
        let mut kept = KeptNote {
            note: note(),
            channel: None,
            ts: None,
            opened_by: None,
            allowed_by: None,
        };
        let ids = |k: &KeptNote| -> Vec<String> {
            note_blocks(k)
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
                .filter_map(|e| e["action_id"].as_str().map(str::to_owned))
                .collect()
        };
        // Nothing readable to declare: only the sender can be allowed.
        assert_eq!(ids(&kept), [ALLOW_ACTION]);
        kept.allowed_by = Some("U0ALICE".into());
        assert!(ids(&kept).is_empty());
        let blocks = note_blocks(&kept).to_string();
        assert!(
            blocks.contains("<@U0ALICE> allowed eve@evil.example"),
            "{blocks}"
        );
        // A key longer than a button's value: no buttons rather than a refused post.
        kept.allowed_by = None;
        kept.note.key = "k".repeat(BUTTON_VALUE + 1);
        assert!(ids(&kept).is_empty());
    }
}
