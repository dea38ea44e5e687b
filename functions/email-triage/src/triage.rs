//! The pure core: a parsed mail and what SES said about it → what Flare does.
//!
//! No I/O. The handler adds the two things that need it: reading the mail, and
//! looking up [`thread_ids`] in the `MAIL#` index to turn a reply into a
//! [`follow_up`] on its incident.
//!
//! The order matters (docs/email-triage.md): spam and viruses are rejected; automated
//! mail ([`crate::classify`]) is ignored before any sender check, so an allowed
//! customer's out-of-office reply never declares; then the `From` header must name one
//! well-formed mailbox (or come with a `Sender`); then authentication and the
//! allow-list decide between quarantine and a report. The report is the forwarded
//! mail when the mail is a forward ([`crate::forward`]), or the alert
//! ([`crate::alert`]).

use crate::alert::{self, Alert};
use crate::classify::{self, Ignored};
use crate::forward::{self, Forwarded};
use crate::parse::{Attachment, InboundMail};
use crate::policy::{Decision, TriagePolicy, Verdicts};
use crate::text::{excerpt_source, human_size, one_line};
use chrono::{DateTime, Utc};
use flare::bus::{CommandEnvelope, Source};
use flare::config::Config;
use flare::domain::{
    Actor, CaptureKind, CapturedMessage, Command, Declaration, IncidentId, MAX_TEXT, MAX_TITLE,
    QuarantineNote, Roles, clip,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// `CapturedMessage.channel` of everything that came by mail; its `ts` is the
/// normalized Message-ID (the `MAIL#` index key).
pub const EMAIL_CHANNEL: &str = "email";
/// The title of a mail without a subject.
pub const NO_SUBJECT: &str = "(no subject)";
/// Thread ids looked up per reply, at most.
pub const MAX_THREAD_IDS: usize = 20;
/// Characters of the forwarder's own note kept.
const MAX_NOTE: usize = 300;

/// How the mail arrived: SES's id (the fallback identity) and verdicts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    pub ses_message_id: Option<String>,
    pub verdicts: Verdicts,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Spam or a virus: logged, nothing else.
    Reject { reason: String },
    /// Automated mail (auto-reply, bounce, feedback report, list, bulk, a recovered
    /// alert): recorded and counted, never declared, never a note.
    Ignore(Ignored),
    /// Not from an allowed (or authenticated, or single) sender: the handler sends
    /// [`Quarantined::envelope`], and the worker posts the note in triage.
    Quarantine(Quarantined),
    /// A new triage incident — unless the handler finds one of [`thread_ids`] in the
    /// `MAIL#` index, in which case it sends [`follow_up`] instead.
    Declare(CommandEnvelope),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Quarantined {
    pub reason: String,
    pub mail: MailSummary,
    /// What *Open as triage incident* declares: the report as if it had been allowed.
    #[serde(skip)]
    pub declaration: Option<Box<Declaration>>,
    /// The address *Allow this sender* adds, when the allow-list alone held it back.
    pub allow: Option<String>,
}

/// What a person needs to judge a quarantined mail (raw text; see
/// [`Quarantined::slack_note`] for the escaped form).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MailSummary {
    /// The mail's identity ([`mail_key`]).
    pub key: String,
    /// The mail's deduplication key ([`dedup_key`]).
    pub dedup: String,
    pub from_address: String,
    pub from_name: Option<String>,
    pub subject: String,
    pub excerpt: String,
    /// `name (type, size)` of the first attachments, then `and N more`.
    pub attachments: Vec<String>,
    pub date: Option<DateTime<Utc>>,
}

impl Quarantined {
    /// What the quarantine note shows (raw text; the worker's effect escapes it).
    pub fn note(&self) -> QuarantineNote {
        let m = &self.mail;
        QuarantineNote {
            key: m.dedup.clone(),
            reason: self.reason.clone(),
            from_address: m.from_address.clone(),
            from_name: m.from_name.clone(),
            subject: m.subject.clone(),
            excerpt: m.excerpt.clone(),
            attachments: m.attachments.clone(),
            date: m.date,
            declaration: self.declaration.clone(),
            allow: self.allow.clone(),
        }
    }

    /// The command that posts the note: `quarantine#<dedup key>`, no incident.
    pub fn envelope(&self, now: DateTime<Utc>) -> CommandEnvelope {
        CommandEnvelope {
            id: format!("quarantine#{}", self.mail.dedup),
            incident: None,
            command: Command::Quarantine(Box::new(self.note())),
            actor: Actor::Email {
                address: self.mail.from_address.clone(),
            },
            source: Source::Email,
            received_at: now,
            reply: None,
        }
    }

    /// The note in mrkdwn, as the worker posts it; every piece of the mail is
    /// escaped, so `<!channel>` or `<https://evil|click>` in it shows as text.
    pub fn slack_note(&self) -> String {
        flare::slack::quarantine::note_text(&self.note())
    }
}

/// The mail's identity, stable across SES retries and re-sent copies: the
/// normalized Message-ID; else `ses-<SES messageId>`; else `sha256-<digest prefix>`.
/// It is what replies point at (the `MAIL#` index key, a capture's `ts`).
pub fn mail_key(mail: &InboundMail, delivery: &Delivery) -> String {
    if let Some(id) = &mail.message_id {
        return id.clone();
    }
    if let Some(ses) = delivery.ses_message_id.as_deref().map(str::trim)
        && !ses.is_empty()
    {
        return format!("ses-{ses}");
    }
    format!("sha256-{}", crate::text::prefix(&mail.raw_sha256, 32))
}

/// What makes two deliveries the same mail: the Message-ID plus a digest of what the
/// mail says (sender, subject, body, attachments), so a true duplicate (an SES retry,
/// the same mail sent twice) collapses while a different mail that reuses an id (a
/// broken client, a template) is a new mail. Without a Message-ID, the digest alone.
pub fn dedup_key(mail: &InboundMail) -> String {
    let digest = content_digest(mail);
    match &mail.message_id {
        Some(id) => format!("{id}#{}", crate::text::prefix(&digest, 16)),
        None => format!("content-{}", crate::text::prefix(&digest, 32)),
    }
}

fn content_digest(mail: &InboundMail) -> String {
    let mut h = Sha256::new();
    for part in [
        mail.from_address.as_str(),
        mail.subject.as_str(),
        mail.text_body.as_str(),
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    for a in &mail.attachments {
        h.update(format!("{}\0{}\0{}\0", a.name, a.content_type, a.size).as_bytes());
    }
    hex::encode(h.finalize())
}

/// The command envelope's id (its idempotency key): `mail#<dedup_key>`, so the same
/// mail delivered twice never makes a second incident or timeline entry.
pub fn envelope_id(mail: &InboundMail, _delivery: &Delivery) -> String {
    format!("mail#{}", dedup_key(mail))
}

/// The ids to look up in the `MAIL#` index, most specific first: `In-Reply-To`,
/// then `References` newest first; without duplicates or the mail's own id.
pub fn thread_ids(mail: &InboundMail) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in mail.in_reply_to.iter().chain(mail.references.iter().rev()) {
        if Some(id) != mail.message_id.as_ref() && !out.contains(id) {
            out.push(id.clone());
        }
        if out.len() == MAX_THREAD_IDS {
            break;
        }
    }
    out
}

/// Why the `From` header cannot be trusted to name the sender, if so: several
/// mailboxes without a `Sender` (RFC 5322 §3.6.2 requires one), or one that is not
/// a well-formed address.
fn from_problem(mail: &InboundMail) -> Option<String> {
    if mail.from_all.len() > 1 && mail.sender.is_none() {
        return Some(format!(
            "the From header names {} mailboxes and no Sender",
            mail.from_all.len()
        ));
    }
    if let Some(bad) = mail
        .from_all
        .iter()
        .chain(std::iter::once(&mail.from_address))
        .find(|a| !a.is_empty() && !forward::valid_address(a))
    {
        return Some(format!("the From address \"{bad}\" is malformed"));
    }
    None
}

/// Decides what a mail becomes: rejected, ignored, quarantined, or a triage
/// declaration. (A reply to a known thread is the handler's call: see [`follow_up`].)
pub fn to_command(
    mail: &InboundMail,
    delivery: &Delivery,
    policy: &TriagePolicy,
    config: &Config,
    now: DateTime<Utc>,
) -> Outcome {
    let decision = policy.decide(&mail.from_address, &delivery.verdicts);
    if let Decision::Reject(reason) = decision {
        return Outcome::Reject { reason };
    }
    if let Some(ignored) = ignored(mail, policy) {
        return Outcome::Ignore(ignored);
    }
    let report = Report::of(mail, policy);
    let title = clip(
        match report.title.trim() {
            "" => NO_SUBJECT,
            t => t,
        },
        policy.max_subject.clamp(1, MAX_TITLE),
    );
    let suggestion = policy.suggest(&config.severities, &report.subject, &report.body);
    let mut description = report.excerpt.clone();
    let mut push = |line: String| {
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        description.push_str(&line);
    };
    for line in report.context_lines(mail) {
        push(line);
    }
    push(match &suggestion.because {
        Some(why) => format!("Suggested severity {}: {why}.", suggestion.severity),
        None => format!(
            "Suggested severity {}: no keyword rule matched.",
            suggestion.severity
        ),
    });
    if !report.attachments.is_empty() {
        push(format!("Attachments: {}", report.attachments.join(", ")));
    }
    let (_, held) = shareable(mail, policy);
    let held: Vec<String> = held
        .into_iter()
        .take(policy.max_attachments_listed)
        .map(|(name, why)| format!("{} ({why})", clip(&one_line(&name), 100)))
        .collect();
    if policy.share_attachments.enabled && !held.is_empty() {
        push(format!("Not shared in the channel: {}", held.join(", ")));
    }
    let source_text = report.source_text(mail);
    // The customer of the original report; the forwarder's when it names none.
    let customer = config
        .customer_for_address(&report.reporter)
        .or_else(|| config.customer_for_address(&mail.from_address))
        .map(|c| c.id.clone());
    let declaration = Declaration {
        title,
        severity: suggestion.severity,
        impact: String::new(),
        description: clip(description.trim(), MAX_TEXT),
        services: Vec::new(),
        customer,
        triage: true,
        private: false,
        page_oncall: false,
        roles: Roles::default(),
        impact_started_at: None,
        source_message: Some(captured(
            mail,
            delivery,
            clip(source_text.trim(), MAX_TEXT),
            now,
        )),
        files: Vec::new(),
    };
    let from_problem = from_problem(mail);
    let sender = mail.from_address.trim().to_ascii_lowercase();
    // Held back by the allow-list alone (the same mail from an allowed sender would
    // pass): then allowing the sender is what lets their next mail in.
    let allow = (from_problem.is_none()
        && !sender.is_empty()
        && matches!(decision, Decision::Quarantine(_))
        && policy
            .also_allowing(std::slice::from_ref(&sender))
            .decide(&sender, &delivery.verdicts)
            == Decision::Accept)
        .then_some(sender);
    let quarantine = match (from_problem, decision) {
        (Some(reason), _) | (None, Decision::Quarantine(reason)) => Some(reason),
        (None, _) => None,
    };
    if let Some(reason) = quarantine {
        return Outcome::Quarantine(Quarantined {
            reason,
            mail: summary(mail, delivery, policy),
            declaration: Some(Box::new(declaration)),
            allow,
        });
    }
    Outcome::Declare(envelope(
        mail,
        delivery,
        None,
        Command::Declare(Box::new(declaration)),
        now,
    ))
}

/// Automated mail, or an alert that says it is over.
pub fn ignored(mail: &InboundMail, policy: &TriagePolicy) -> Option<Ignored> {
    let alert = alert::detect(mail, policy.is_alert_sender(&mail.from_address));
    if let Some(i) = classify::classify(mail, alert.is_some(), &policy.allowed_list_ids) {
        return Some(i);
    }
    match alert {
        Some(a) if a.resolved => Some(Ignored {
            kind: classify::Kind::Recovery,
            reason: format!("a {} recovery: {}", a.vendor.name(), a.title),
        }),
        _ => None,
    }
}

/// What the report is: the mail itself, the mail it forwards, or an alert.
struct Report {
    /// The title before capping: the alert's, the forwarded subject, or the subject,
    /// without reply and forward prefixes.
    title: String,
    /// The subject the keyword rules read.
    subject: String,
    /// The body with quotes and signature cut (keyword rules read this).
    body: String,
    /// `body` capped at the policy's `max_excerpt`.
    excerpt: String,
    /// Who reported it: the original sender of a forward, else the sender.
    reporter: String,
    forwarded: Option<Forwarded>,
    alert: Option<Alert>,
    attachments: Vec<String>,
}

impl Report {
    fn of(mail: &InboundMail, policy: &TriagePolicy) -> Self {
        let alert = alert::detect(mail, policy.is_alert_sender(&mail.from_address));
        let forwarded = match &alert {
            Some(_) => None,
            None => forwarded(mail),
        };
        let (subject, raw_body) = match &forwarded {
            Some(f) => (f.subject.clone(), f.body.as_str()),
            None => (mail.subject.clone(), mail.text_body.as_str()),
        };
        let body = excerpt_source(raw_body);
        let excerpt = if policy.max_excerpt == 0 {
            String::new()
        } else {
            clip(&body, policy.max_excerpt.min(MAX_TEXT))
        };
        let title = match &alert {
            Some(a) => a.title.clone(),
            None => {
                let t = strip_reply_prefixes(&subject);
                if t.is_empty() {
                    strip_reply_prefixes(&mail.subject).to_owned()
                } else {
                    t.to_owned()
                }
            }
        };
        let reporter = forwarded
            .as_ref()
            .map(|f| f.from_address.clone())
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| mail.from_address.clone());
        Self {
            title,
            subject,
            body,
            excerpt,
            reporter,
            forwarded,
            alert,
            attachments: attachment_list(mail, policy.max_attachments_listed),
        }
    }

    /// Lines under the excerpt: who forwarded it and what they said, the alert link.
    fn context_lines(&self, mail: &InboundMail) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(f) = &self.forwarded {
            let mut line = format!(
                "Forwarded by {}",
                sender_line(&mail.from_address, mail.from_name.as_deref())
            );
            if !f.note.is_empty() {
                let note = one_line(&excerpt_source(&f.note));
                line.push_str(&format!(": \"{}\"", clip(&note, MAX_NOTE)));
            }
            out.push(line);
        }
        if let Some(a) = &self.alert {
            out.push(match &a.link {
                Some(link) => format!("{} alert: {link}", a.vendor.name()),
                None => format!("{} alert", a.vendor.name()),
            });
        }
        out
    }

    /// The report as it was sent: the original's headers for a forward.
    fn source_text(&self, mail: &InboundMail) -> String {
        match &self.forwarded {
            Some(f) => {
                let mut text = format!(
                    "From: {}\n",
                    sender_line(&f.from_address, f.from_name.as_deref())
                );
                if let Some(d) = &f.date {
                    text.push_str(&format!("Date: {d}\n"));
                }
                text.push_str(&format!(
                    "Subject: {}\nForwarded by: {}\n\n{}",
                    if f.subject.trim().is_empty() {
                        NO_SUBJECT
                    } else {
                        f.subject.trim()
                    },
                    sender_line(&mail.from_address, mail.from_name.as_deref()),
                    self.excerpt
                ));
                text
            }
            None => format!(
                "From: {}\nSubject: {}\n\n{}",
                sender_line(&mail.from_address, mail.from_name.as_deref()),
                subject_or_placeholder(mail),
                self.excerpt,
            ),
        }
    }
}

/// The mail this one forwards: inline (Gmail, Outlook, Apple Mail), or attached as
/// `message/rfc822` when the subject says forward or the mail says little else.
fn forwarded(mail: &InboundMail) -> Option<Forwarded> {
    if let Some(f) = forward::inline(&mail.text_body, &mail.subject) {
        return Some(f);
    }
    let original = mail.attached.as_deref()?;
    let note = excerpt_source(&mail.text_body);
    (forward::subject_says_forward(&mail.subject) || note.chars().count() < 500)
        .then(|| forward::attached(original, &note))
}

/// A reply to a thread of `incident`: a 🧾 papertrail capture on its timeline,
/// `"<From>: <subject>\n<excerpt>"`.
pub fn follow_up(
    mail: &InboundMail,
    delivery: &Delivery,
    incident: IncidentId,
    policy: &TriagePolicy,
    now: DateTime<Utc>,
) -> CommandEnvelope {
    let content = Content::of(mail, policy);
    let subject = subject_or_placeholder(mail);
    let mut text = format!(
        "{}: {}\n{}",
        sender_line(&mail.from_address, mail.from_name.as_deref()),
        subject,
        content.excerpt
    );
    if !content.attachments.is_empty() {
        text.push_str(&format!(
            "\nAttachments: {}",
            content.attachments.join(", ")
        ));
    }
    let message = captured(mail, delivery, clip(text.trim(), MAX_TEXT), now);
    envelope(
        mail,
        delivery,
        Some(incident),
        Command::Capture {
            kind: CaptureKind::Papertrail,
            message,
        },
        now,
    )
}

/// The parts of a mail every outcome shows.
struct Content {
    /// `body` (quotes and signature cut) capped at the policy's `max_excerpt`.
    excerpt: String,
    attachments: Vec<String>,
}

impl Content {
    fn of(mail: &InboundMail, policy: &TriagePolicy) -> Self {
        let body = excerpt_source(&mail.text_body);
        let excerpt = if policy.max_excerpt == 0 {
            String::new()
        } else {
            clip(&body, policy.max_excerpt.min(MAX_TEXT))
        };
        Self {
            excerpt,
            attachments: attachment_list(mail, policy.max_attachments_listed),
        }
    }
}

/// `screenshot.png (image/png, 48 KB)`, then `and N more`.
/// The report's attachments to share in its channel (`triage.share_attachments`), in
/// order and at most `max_files`, and the others with why they are not shared.
pub fn shareable<'a>(
    mail: &'a InboundMail,
    policy: &TriagePolicy,
) -> (Vec<&'a Attachment>, Vec<(String, String)>) {
    let rules = &policy.share_attachments;
    let mut shared = Vec::new();
    let mut held = Vec::new();
    for a in &mail.attachments {
        let why = if a.size > flare::config::triage::MAX_SHARED_BYTES {
            Some(format!(
                "over the {} KB cap",
                rules.max_bytes.min(flare::config::triage::MAX_SHARED_BYTES) / 1024
            ))
        } else {
            rules.refuses(&a.name, &a.content_type, &a.contents)
        };
        match why {
            None if shared.len() < rules.max_files => shared.push(a),
            None => held.push((a.name.clone(), format!("over {} files", rules.max_files))),
            Some(why) => held.push((a.name.clone(), why)),
        }
    }
    (shared, held)
}

fn attachment_list(mail: &InboundMail, max: usize) -> Vec<String> {
    let mut out: Vec<String> = mail
        .attachments
        .iter()
        .take(max)
        .map(|a| {
            format!(
                "{} ({}, {})",
                clip(&one_line(&a.name), 100),
                clip(&a.content_type, 80),
                human_size(a.size)
            )
        })
        .collect();
    let rest = mail.attachments.len().saturating_sub(max);
    if rest > 0 {
        out.push(format!("and {rest} more"));
    }
    out
}

fn summary(mail: &InboundMail, delivery: &Delivery, policy: &TriagePolicy) -> MailSummary {
    let content = Content::of(mail, policy);
    MailSummary {
        key: mail_key(mail, delivery),
        dedup: dedup_key(mail),
        from_address: mail.from_address.clone(),
        from_name: mail.from_name.clone(),
        subject: clip(subject_or_placeholder(mail), MAX_TITLE),
        excerpt: content.excerpt,
        attachments: content.attachments,
        date: mail.date,
    }
}

fn captured(
    mail: &InboundMail,
    delivery: &Delivery,
    text: String,
    now: DateTime<Utc>,
) -> CapturedMessage {
    CapturedMessage {
        channel: EMAIL_CHANNEL.into(),
        ts: mail_key(mail, delivery),
        author: None,
        text,
        permalink: None,
        // A sender's clock ahead of ours must not put the mail in the future.
        posted_at: mail.date.map_or(now, |d| d.min(now)),
    }
}

fn envelope(
    mail: &InboundMail,
    delivery: &Delivery,
    incident: Option<IncidentId>,
    command: Command,
    now: DateTime<Utc>,
) -> CommandEnvelope {
    CommandEnvelope {
        id: envelope_id(mail, delivery),
        incident,
        command,
        actor: Actor::Email {
            address: mail.from_address.clone(),
        },
        source: Source::Email,
        received_at: now,
        reply: None,
    }
}

fn subject_or_placeholder(mail: &InboundMail) -> &str {
    match mail.subject.trim() {
        "" => NO_SUBJECT,
        s => s,
    }
}

/// `Ana Ops <ana@acme.com>`, or the bare address.
fn sender_line(address: &str, name: Option<&str>) -> String {
    let address = if address.is_empty() {
        "unknown sender"
    } else {
        address
    };
    match name {
        Some(n) if !n.is_empty() => format!("{n} <{address}>"),
        _ => address.to_owned(),
    }
}

/// `Re: Fwd: RE: outage` → `outage`: the English (`Re:`, `Fwd:`, `Fw:`), German
/// (`AW:`, `WG:`) and French (`TR:`) reply and forward prefixes, any case, repeated.
fn strip_reply_prefixes(subject: &str) -> &str {
    const PREFIXES: [&str; 6] = ["re:", "fwd:", "fw:", "aw:", "wg:", "tr:"];
    let mut s = subject.trim();
    loop {
        let lower = s.get(..4).map(str::to_ascii_lowercase).unwrap_or_default();
        let lower3 = s.get(..3).map(str::to_ascii_lowercase).unwrap_or_default();
        let cut = PREFIXES
            .iter()
            .find(|p| lower.starts_with(**p) || lower3 == **p)
            .map(|p| p.len());
        match cut {
            Some(n) => s = s[n..].trim_start(),
            None => return s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Attachment;
    use crate::policy::Verdict;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 3, 12, 0, 0).unwrap()
    }

    fn mail() -> InboundMail {
        InboundMail {
            message_id: Some("abc@mx.acme.com".into()),
            from_address: "ana@acme.com".into(),
            from_name: Some("Ana Ops".into()),
            to: vec!["urgent@flare.dev".into()],
            subject: "Checkout is down".into(),
            date: Some(Utc.with_ymd_and_hms(2026, 3, 3, 11, 58, 0).unwrap()),
            text_body: "Orders fail since 11:40.\n\n-- \nAna".into(),
            raw_sha256: "f".repeat(64),
            ..InboundMail::default()
        }
    }

    fn delivery() -> Delivery {
        Delivery {
            ses_message_id: Some("ses123".into()),
            verdicts: Verdicts::all_pass(),
        }
    }

    fn config() -> Config {
        Config::parse(
            "t.yaml",
            "customers:\n  - { id: acme, name: ACME, mail_domains: [acme.com] }\n",
        )
        .unwrap()
    }

    fn declared(o: Outcome) -> (CommandEnvelope, Declaration) {
        match o {
            Outcome::Declare(env) => match env.command.clone() {
                Command::Declare(d) => (env, *d),
                other => panic!("not a declaration: {other:?}"),
            },
            other => panic!("not declared: {other:?}"),
        }
    }

    #[test]
    fn a_new_mail_declares_a_triage_incident() {
        let p = TriagePolicy::default();
        let (env, d) = declared(to_command(&mail(), &delivery(), &p, &config(), now()));
        assert!(env.id.starts_with("mail#abc@mx.acme.com#"), "{}", env.id);
        assert_eq!(env.id.len(), "mail#abc@mx.acme.com#".len() + 16);
        assert_eq!(env.incident, None);
        assert_eq!(env.source, Source::Email);
        assert_eq!(
            env.actor,
            Actor::Email {
                address: "ana@acme.com".into()
            }
        );
        assert_eq!(env.received_at, now());
        assert_eq!(d.title, "Checkout is down");
        assert_eq!(d.severity.as_str(), "S2");
        assert_eq!(
            d.description,
            "Orders fail since 11:40.\n\nSuggested severity S2: keyword \"down\" (keyword_rules[1])."
        );
        assert_eq!(d.customer.as_deref(), Some("acme"));
        assert!(d.triage && !d.private && !d.page_oncall);
        assert_eq!(d.roles, Roles::default());
        assert_eq!(d.impact, "");
        assert!(d.services.is_empty());
        let src = d.source_message.unwrap();
        assert_eq!(src.channel, "email");
        assert_eq!(src.ts, "abc@mx.acme.com");
        assert_eq!(src.author, None);
        assert_eq!(
            src.text,
            "From: Ana Ops <ana@acme.com>\nSubject: Checkout is down\n\nOrders fail since 11:40."
        );
        assert_eq!(src.posted_at, mail().date.unwrap());
    }

    #[test]
    fn identity_falls_back_to_ses_then_digest() {
        let mut m = mail();
        m.message_id = None;
        assert_eq!(mail_key(&m, &delivery()), "ses-ses123");
        assert_eq!(
            mail_key(&m, &Delivery::default()),
            format!("sha256-{}", "f".repeat(32))
        );
        // Without a Message-ID the content alone is the dedup key, whatever SES says.
        let k = dedup_key(&m);
        assert!(
            k.starts_with("content-") && k.len() == "content-".len() + 32,
            "{k}"
        );
        assert_eq!(
            envelope_id(&m, &delivery()),
            envelope_id(&m, &Delivery::default())
        );
    }

    #[test]
    fn a_different_mail_reusing_an_id_is_a_new_mail() {
        let a = mail();
        let mut b = mail();
        b.text_body = "Something else entirely.".into();
        assert_eq!(mail_key(&a, &delivery()), mail_key(&b, &delivery()));
        assert_ne!(dedup_key(&a), dedup_key(&b));
        // Transport differences (another SES id, another raw digest) are the same mail.
        let mut c = mail();
        c.raw_sha256 = "0".repeat(64);
        assert_eq!(
            envelope_id(&a, &delivery()),
            envelope_id(&c, &Delivery::default())
        );
    }

    #[test]
    fn the_same_mail_twice_is_the_same_envelope() {
        let p = TriagePolicy::default();
        let a = to_command(&mail(), &delivery(), &p, &config(), now());
        let b = to_command(&mail(), &delivery(), &p, &config(), now());
        assert_eq!(a, b);
    }

    #[test]
    fn empty_subject_and_long_text_are_capped() {
        let p = TriagePolicy {
            max_subject: 10,
            max_excerpt: 20,
            max_attachments_listed: 2,
            ..TriagePolicy::default()
        };
        let mut m = mail();
        m.subject = "   ".into();
        m.text_body = "word ".repeat(1000);
        m.attachments = (0..5)
            .map(|i| Attachment {
                name: format!("f{i}.pdf"),
                size: 12 * 1024,
                content_type: "application/pdf".into(),
                contents: b"%PDF-1.4\n".to_vec(),
            })
            .collect();
        let (_, d) = declared(to_command(&m, &delivery(), &p, &config(), now()));
        assert_eq!(d.title, "(no subje…");
        assert_eq!(
            d.description,
            "word word word word…\n\nSuggested severity S4: no keyword rule matched.\n\n\
             Attachments: f0.pdf (application/pdf, 12 KB), f1.pdf (application/pdf, 12 KB), and 3 more"
        );
        assert!(
            d.source_message
                .unwrap()
                .text
                .contains("Subject: (no subject)")
        );

        m.subject = "x".repeat(1000);
        let p = TriagePolicy {
            max_subject: 10_000,
            ..TriagePolicy::default()
        };
        let (_, d) = declared(to_command(&m, &delivery(), &p, &config(), now()));
        assert_eq!(d.title.chars().count(), MAX_TITLE);
        assert!(d.description.chars().count() <= MAX_TEXT);
    }

    #[test]
    fn reply_prefixes_leave_the_title() {
        assert_eq!(strip_reply_prefixes("Re: Fwd: RE:  API down"), "API down");
        assert_eq!(strip_reply_prefixes("FW: AW:x"), "x");
        assert_eq!(
            strip_reply_prefixes("Regression in API"),
            "Regression in API"
        );
        assert_eq!(strip_reply_prefixes("Re:"), "");
        assert_eq!(strip_reply_prefixes("ré: ü"), "ré: ü");
    }

    #[test]
    fn future_dates_are_clamped_to_now() {
        let mut m = mail();
        m.date = Some(now() + chrono::Duration::hours(5));
        let (_, d) = declared(to_command(
            &m,
            &delivery(),
            &TriagePolicy::default(),
            &config(),
            now(),
        ));
        assert_eq!(d.source_message.unwrap().posted_at, now());
        m.date = None;
        let (_, d) = declared(to_command(
            &m,
            &delivery(),
            &TriagePolicy::default(),
            &config(),
            now(),
        ));
        assert_eq!(d.source_message.unwrap().posted_at, now());
    }

    #[test]
    fn rejected_and_quarantined() {
        let p = TriagePolicy {
            allow_senders: vec!["@vendor.example".into()],
            ..TriagePolicy::default()
        };
        let spam = Delivery {
            verdicts: Verdicts {
                spam: Verdict::Fail,
                ..Verdicts::all_pass()
            },
            ..delivery()
        };
        assert!(matches!(
            to_command(&mail(), &spam, &p, &config(), now()),
            Outcome::Reject { reason } if reason.contains("spam")
        ));
        let Outcome::Quarantine(q) = to_command(&mail(), &delivery(), &p, &config(), now()) else {
            panic!("not quarantined");
        };
        assert!(q.reason.contains("ana@acme.com"));
        assert_eq!(q.mail.key, "abc@mx.acme.com");
        assert_eq!(q.mail.subject, "Checkout is down");
        assert_eq!(q.mail.excerpt, "Orders fail since 11:40.");
        // Held back by the allow-list alone: both buttons have what they need.
        assert_eq!(q.allow.as_deref(), Some("ana@acme.com"));
        let d = q.declaration.expect("the report it would have opened");
        assert_eq!(d.title, "Checkout is down");
        assert!(d.triage);

        // A forged-looking mail can still be opened by a person, but allowing its
        // sender would change nothing: no Allow button.
        let strict = TriagePolicy {
            require_spf_dkim_dmarc: true,
            ..p.clone()
        };
        let forged = Delivery {
            verdicts: Verdicts {
                dmarc: Verdict::Fail,
                ..Verdicts::all_pass()
            },
            ..delivery()
        };
        let Outcome::Quarantine(q) = to_command(&mail(), &forged, &strict, &config(), now()) else {
            panic!("not quarantined");
        };
        assert!(q.reason.contains("DMARC"), "{}", q.reason);
        assert_eq!(q.allow, None);
        assert!(q.declaration.is_some());
        // Allowed from Slack: the same mail is a report.
        assert!(matches!(
            to_command(
                &mail(),
                &delivery(),
                &p.also_allowing(&["ana@acme.com".into()]),
                &config(),
                now()
            ),
            Outcome::Declare(_)
        ));
    }

    #[test]
    fn quarantine_note_escapes_everything() {
        let mut m = mail();
        m.subject = "<!channel> look".into();
        m.from_name = Some("<@U123>".into());
        m.text_body = "<https://evil|click> & more".into();
        let p = TriagePolicy {
            allow_senders: vec!["x@y.z".into()],
            ..TriagePolicy::default()
        };
        let Outcome::Quarantine(q) = to_command(&m, &delivery(), &p, &config(), now()) else {
            panic!("not quarantined");
        };
        let note = q.slack_note();
        assert!(
            !note.contains("<!channel>") && !note.contains("<@U123>"),
            "{note}"
        );
        assert!(!note.contains("<https://evil"), "{note}");
        assert!(note.contains("&lt;!channel&gt; look"));
        assert!(note.contains("&lt;https://evil|click&gt; &amp; more"));
    }

    #[test]
    fn thread_ids_most_specific_first() {
        let mut m = mail();
        m.in_reply_to = vec!["p@x".into()];
        m.references = vec![
            "root@x".into(),
            "mid@x".into(),
            "p@x".into(),
            "abc@mx.acme.com".into(),
        ];
        assert_eq!(thread_ids(&m), ["p@x", "mid@x", "root@x"]);
        m.references = (0..100).map(|i| format!("r{i}@x")).collect();
        assert_eq!(thread_ids(&m).len(), MAX_THREAD_IDS);
        assert!(thread_ids(&mail()).is_empty());
    }

    #[test]
    fn a_reply_becomes_a_papertrail_capture() {
        let mut m = mail();
        m.subject = "Re: Checkout is down".into();
        m.text_body = "Working again?\n\nOn Tue, Flare wrote:\n> old".into();
        let inc = IncidentId::parse("20260303-brave-otter").unwrap();
        let env = follow_up(
            &m,
            &delivery(),
            inc.clone(),
            &TriagePolicy::default(),
            now(),
        );
        assert_eq!(env.id, format!("mail#{}", dedup_key(&m)));
        assert_eq!(env.incident, Some(inc));
        let Command::Capture { kind, message } = env.command else {
            panic!("not a capture");
        };
        assert_eq!(kind, CaptureKind::Papertrail);
        assert_eq!(message.channel, "email");
        assert_eq!(message.ts, "abc@mx.acme.com");
        assert_eq!(
            message.text,
            "Ana Ops <ana@acme.com>: Re: Checkout is down\nWorking again?"
        );
        assert_eq!(message.posted_at, m.date.unwrap());
    }
}
