//! Quarantine notes: the worker's effect that posts a mail held back from triage in
//! the triage channel, once per mail.
//!
//! The e-mail function never talks to Slack: it sends a [`Command::Quarantine`]
//! through the queue like every other command, and this effect posts it. A claim on
//! the mail's key is taken before posting, so SQS redelivery, an SES retry or the
//! same mail sent again never posts a second note (if Slack refuses the post, the mail
//! is still in the inbound bucket and the failure is logged with its key).

use super::api::SlackApi;
use super::mrkdwn::escape;
use crate::bus::CommandEnvelope;
use crate::domain::{Command, Incident, QuarantineNote, Recorded, clip};
use crate::store::IncidentStore;
use crate::worker::{Effect, EffectError};
use async_trait::async_trait;
use serde_json::json;
use std::sync::Arc;

/// How long a note's claim is kept: longer than any retry or re-send.
const CLAIM_DAYS: i64 = 30;

pub struct QuarantineNotes {
    pub api: Arc<dyn SlackApi>,
    pub store: Arc<dyn IncidentStore>,
    /// The triage channel (name or id).
    pub channel: String,
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
        let Command::Quarantine(note) = &env.command else {
            return Ok(());
        };
        let claim = format!("quarantine-note#{}", note.key);
        let first = self
            .store
            .claim(&claim, chrono::Duration::days(CLAIM_DAYS), env.received_at)
            .await?;
        if !first {
            tracing::info!(command = %env.id, "quarantine note already posted");
            return Ok(());
        }
        let message = json!({ "channel": self.channel, "text": note_text(note) });
        match self.api.call("chat.postMessage", message).await {
            Ok(_) => Ok(()),
            Err(e) => {
                // Claimed, so never retried: say where the mail is instead.
                tracing::error!(command = %env.id, mail_key = %note.key, error = %e, "could not post the quarantine note; the mail stays in the inbound bucket");
                Err(EffectError::Permanent(e.to_string()))
            }
        }
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
}
