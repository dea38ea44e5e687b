//! `/incident mail`: what the triage address received that opened nothing, answered
//! by the worker from the mail log the e-mail function writes ([`MailDesk`]).
//! Ignored mail (auto-replies, bounces, lists…) never pings anyone; this is where
//! people can see it is there, how much, and from where.

use super::api::SlackApi;
use super::mrkdwn::{date, escape};
use crate::bus::CommandEnvelope;
use crate::domain::{Command, Incident, Recorded};
use crate::store::IncidentStore;
use crate::store::mail_desk::{MailDesk, MailLogEntry};
use crate::worker::{Effect, EffectError};
use async_trait::async_trait;
use chrono::Duration;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The most days `/incident mail` looks back: the log is kept this long.
pub const MAX_DAYS: u32 = crate::store::mail_desk::KEEP_DAYS as u32;
/// The latest entries listed one by one.
const LATEST: usize = 5;

pub struct MailReport {
    pub api: Arc<dyn SlackApi>,
    pub store: Arc<dyn IncidentStore>,
    pub desk: Arc<dyn MailDesk>,
    /// The triage channel (name or id): its members see the quarantine notes, so they
    /// (and nobody else) may read the log of what the triage address held back.
    pub triage_channel: String,
}

impl MailReport {
    async fn may_read(&self, user: &crate::domain::UserId) -> Result<bool, EffectError> {
        let channel =
            match super::api::find_channel(self.api.as_ref(), &self.triage_channel).await? {
                Some(c) => c["id"].as_str().unwrap_or_default().to_owned(),
                // Configured by id rather than name.
                None => self.triage_channel.clone(),
            };
        match super::api::channel_members(self.api.as_ref(), &channel).await {
            Ok(members) => Ok(members.iter().any(|m| m == user.as_str())),
            Err(e) => {
                tracing::warn!(error = %e, "could not read the triage channel's members");
                Ok(false)
            }
        }
    }
}

#[async_trait]
impl Effect for MailReport {
    fn name(&self) -> &'static str {
        "mail-report"
    }

    fn handles_events(&self) -> bool {
        false
    }

    async fn run(&self, _: &Incident, _: &Recorded) -> Result<(), EffectError> {
        Ok(())
    }

    async fn notice(&self, env: &CommandEnvelope) -> Result<(), EffectError> {
        let Command::MailLog { days } = &env.command else {
            return Ok(());
        };
        let Some(url) = env.reply.as_ref().and_then(|r| r.response_url.as_deref()) else {
            return Ok(());
        };
        if let Some(user) = env.actor.user_id()
            && !self.may_read(user).await?
        {
            let text = ":no_entry: The triage address's log is for the people of the triage channel, who see its quarantine notes: ask to join it.";
            return self.api.respond(url, text).await.map_err(Into::into);
        }
        let days = (*days).clamp(1, MAX_DAYS);
        let until = env.received_at;
        let since = until - Duration::days(i64::from(days));
        let mut entries = Vec::new();
        let mut day = since.date_naive();
        while day <= until.date_naive() {
            entries.extend(self.desk.mail_log(day).await?);
            day = day.succ_opt().unwrap_or(day + Duration::days(1));
        }
        entries.retain(|e| e.at > since && e.at <= until);
        // Answered once, however often SQS delivers the request.
        if !self
            .store
            .claim(
                &format!("mail-report#{}", env.id),
                Duration::hours(24),
                until,
            )
            .await?
        {
            return Ok(());
        }
        if let Err(e) = self.api.respond(url, &summary(&entries, days)).await {
            tracing::error!(command = %env.id, error = %e, "could not answer /incident mail");
            return Err(EffectError::Permanent(e.to_string()));
        }
        Ok(())
    }
}

/// `auto_reply` → "auto-reply" / "auto-replies".
fn kind_words(kind: &str, count: usize) -> String {
    let (one, many) = match kind {
        "auto_reply" => ("auto-reply", "auto-replies"),
        "automated" => ("automated notification", "automated notifications"),
        "bounce" => ("bounce", "bounces"),
        "feedback_report" => ("abuse report", "abuse reports"),
        "list" => ("mailing-list mail", "mailing-list mails"),
        "bulk" => ("bulk mail", "bulk mails"),
        "recovery" => ("recovery alert", "recovery alerts"),
        "quarantined" => ("quarantined mail", "quarantined mails"),
        other => (other, other),
    };
    format!("{count} {}", if count == 1 { one } else { many })
}

/// The answer people read.
pub fn summary(entries: &[MailLogEntry], days: u32) -> String {
    let window = if days == 1 {
        "the last 24 hours".to_owned()
    } else {
        format!("the last {days} days")
    };
    if entries.is_empty() {
        return format!(
            ":incoming_envelope: Nothing was ignored or quarantined at the triage address in {window}."
        );
    }
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_domain: BTreeMap<&str, usize> = BTreeMap::new();
    for e in entries {
        *by_kind.entry(e.kind.as_str()).or_default() += 1;
        let d = if e.sender_domain.is_empty() {
            "no sender"
        } else {
            e.sender_domain.as_str()
        };
        *by_domain.entry(d).or_default() += 1;
    }
    let mut kinds: Vec<(&str, usize)> = by_kind.into_iter().collect();
    kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut domains: Vec<(&str, usize)> = by_domain.into_iter().collect();
    domains.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let total = entries.len();
    let mut out = format!(
        ":incoming_envelope: *{total} mail{} to the triage address opened nothing* in {window}: {}.",
        if total == 1 { "" } else { "s" },
        kinds
            .iter()
            .map(|(k, n)| kind_words(k, *n))
            .collect::<Vec<_>>()
            .join(", ")
    );
    out.push_str(&format!(
        "\nMost from: {}.",
        domains
            .iter()
            .take(3)
            .map(|(d, n)| format!("{} ({n})", escape(d)))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let mut latest: Vec<&MailLogEntry> = entries.iter().collect();
    latest.sort_by(|a, b| b.at.cmp(&a.at).then(a.key.cmp(&b.key)));
    out.push_str("\nLatest:");
    for e in latest.iter().take(LATEST) {
        out.push_str(&format!(
            "\n• {} · {} from {} · “{}” · {}",
            date(e.at),
            kind_words(&e.kind, 1).trim_start_matches("1 "),
            escape(if e.sender_domain.is_empty() {
                "no sender"
            } else {
                &e.sender_domain
            }),
            escape(&e.subject),
            escape(&e.reason)
        ));
    }
    out.push_str("\nIgnored mail never opens an incident or pings anyone; quarantined mail has its note in the triage channel.");
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::{TimeZone, Utc};

    fn entry(key: &str, kind: &str, domain: &str, minute: u32) -> MailLogEntry {
        MailLogEntry {
            key: key.into(),
            at: Utc.with_ymd_and_hms(2026, 3, 10, 9, minute, 0).unwrap(),
            outcome: if kind == "quarantined" {
                "quarantined"
            } else {
                "ignored"
            }
            .into(),
            kind: kind.into(),
            reason: "Auto-Submitted: auto-replied".into(),
            sender_domain: domain.into(),
            subject: "Out of office <!channel>".into(),
        }
    }

    #[test]
    fn counts_by_reason_and_source_newest_first() {
        let text = summary(
            &[
                entry("a", "auto_reply", "acme.example", 1),
                entry("b", "bounce", "mx.example", 2),
                entry("c", "auto_reply", "acme.example", 3),
                entry("d", "quarantined", "evil.example", 4),
            ],
            7,
        );
        assert!(
            text.contains("*4 mails to the triage address opened nothing* in the last 7 days: 2 auto-replies, 1 bounce, 1 quarantined mail."),
            "{text}"
        );
        assert!(
            text.contains("Most from: acme.example (2), evil.example (1), mx.example (1)."),
            "{text}"
        );
        let latest = text.find("quarantined mail from evil.example").unwrap();
        assert!(
            latest < text.find("bounce from mx.example").unwrap(),
            "{text}"
        );
        assert!(!text.contains("<!channel>"), "escaped: {text}");
    }

    #[test]
    fn nothing_says_so() {
        assert!(summary(&[], 1).contains(
            "Nothing was ignored or quarantined at the triage address in the last 24 hours."
        ));
    }
}
