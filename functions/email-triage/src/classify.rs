//! Mail no person wrote to report something: auto-replies (RFC 3834), bounces and
//! delivery-status notifications (RFC 3464), abuse feedback reports (ARF, RFC 5965),
//! and mailing-list or bulk mail (RFC 2369, RFC 2919, `Precedence`). It is recorded
//! as ignored with its reason, and never declares, quarantines or pings.
//!
//! Read before the allow-list: an out-of-office reply from an allowed customer domain
//! is still an out-of-office reply. Monitoring alerts ([`crate::alert`]) are automated
//! on purpose, so `Auto-Submitted: auto-generated` and list headers do not stop them;
//! replies and bounces do.

use crate::parse::InboundMail;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    AutoReply,
    /// `Auto-Submitted: auto-generated` (notifications, reports) from a non-alert sender.
    Automated,
    Bounce,
    FeedbackReport,
    List,
    Bulk,
    /// A monitoring alert saying it is over ([`crate::alert`]).
    Recovery,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::AutoReply => "auto_reply",
            Kind::Automated => "automated",
            Kind::Bounce => "bounce",
            Kind::FeedbackReport => "feedback_report",
            Kind::List => "list",
            Kind::Bulk => "bulk",
            Kind::Recovery => "recovery",
        }
    }
}

/// Why a mail is ignored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ignored {
    pub kind: Kind,
    /// The header or sign that gave it away, for the log and the answer.
    pub reason: String,
}

fn ignored(kind: Kind, reason: impl Into<String>) -> Option<Ignored> {
    Some(Ignored {
        kind,
        reason: reason.into(),
    })
}

/// Subjects of auto-replies at the start of the subject (as sent, not forwarded), in
/// the languages of the big clients (Exchange, Gmail, Apple, Thunderbird).
const AUTO_REPLY_SUBJECTS: &[&str] = &[
    "automatic reply:",
    "auto-reply:",
    "autoreply:",
    "auto reply:",
    "out of office:",
    "out of office reply",
    "out of the office",
    "abwesenheitsnotiz",
    "automatische antwort:",
    "réponse automatique",
    "respuesta automática:",
    "automatisch antwoord:",
    "risposta automatica:",
    "автоматический ответ:",
];

/// Subjects of bounces as MTAs write them (Postfix, Exim, Exchange, Gmail, Sendmail).
const BOUNCE_SUBJECTS: &[&str] = &[
    "undeliverable:",
    "undelivered mail returned to sender",
    "delivery status notification (failure)",
    "delivery status notification (delay)",
    "mail delivery failed",
    "returned mail:",
    "failure notice",
    "mail delivery subsystem",
    "unzustellbar:",
    "non remis :",
    "non remis:",
];

/// Local parts that only machines send from (RFC 5321 §4.5.5, RFC 2142).
const SYSTEM_SENDERS: &[&str] = &["mailer-daemon", "postmaster", "mail-daemon"];

/// What a mail is, if no person wrote it to report something. `is_alert`: it comes
/// from a known monitoring sender. `allowed_list_ids`: lists whose mail is reports
/// (the triage address behind a Google Group, say).
pub fn classify(
    mail: &InboundMail,
    is_alert: bool,
    allowed_list_ids: &[String],
) -> Option<Ignored> {
    let s = &mail.signals;
    let subject = mail.subject.to_lowercase();
    let local = mail
        .from_address
        .rsplit_once('@')
        .map_or(mail.from_address.as_str(), |(l, _)| l);

    // ARF first: a feedback report is also a `multipart/report`.
    if s.report_type.as_deref() == Some("feedback-report") || s.feedback_report_part {
        return ignored(Kind::FeedbackReport, "an abuse feedback report (ARF)");
    }
    if s.report_type.as_deref() == Some("delivery-status") || s.delivery_status_part {
        return ignored(Kind::Bounce, "a delivery status notification (DSN)");
    }
    if SYSTEM_SENDERS.contains(&local) {
        return ignored(Kind::Bounce, format!("sent by {local}"));
    }
    if s.failed_recipients {
        return ignored(Kind::Bounce, "X-Failed-Recipients");
    }
    if let Some(p) = BOUNCE_SUBJECTS.iter().find(|p| subject.starts_with(**p))
        && (s.null_return_path || s.auto_submitted.is_some())
    {
        return ignored(Kind::Bounce, format!("subject \"{p}\" from a null sender"));
    }

    if let Some(v) = &s.auto_submitted
        && v.split(';').next().map(str::trim) != Some("no")
    {
        // `auto-replied` is always a reply; `auto-generated` is also how alerts come.
        if v.starts_with("auto-replied") {
            return ignored(Kind::AutoReply, format!("Auto-Submitted: {v}"));
        }
        if !is_alert {
            return ignored(Kind::Automated, format!("Auto-Submitted: {v}"));
        }
    }
    if s.x_autoreply.is_some() {
        return ignored(Kind::AutoReply, "X-Autoreply");
    }
    if let Some(v) = &s.auto_response_suppress
        && (v.contains("all") || v.contains("oof") || v.contains("autoreply"))
        && !is_alert
    {
        return ignored(Kind::AutoReply, format!("X-Auto-Response-Suppress: {v}"));
    }
    if s.precedence.as_deref() == Some("auto_reply") {
        return ignored(Kind::AutoReply, "Precedence: auto_reply");
    }
    if let Some(p) = AUTO_REPLY_SUBJECTS
        .iter()
        .find(|p| subject.starts_with(**p))
    {
        return ignored(Kind::AutoReply, format!("subject starts with \"{p}\""));
    }
    if is_alert {
        return None;
    }

    if let Some(id) = &s.list_id {
        if allowed_list_ids
            .iter()
            .any(|allowed| list_id_matches(id, allowed))
        {
            return None;
        }
        return ignored(Kind::List, format!("List-Id: {id}"));
    }
    match s.precedence.as_deref() {
        Some(p @ ("bulk" | "junk")) => return ignored(Kind::Bulk, format!("Precedence: {p}")),
        Some("list") => return ignored(Kind::List, "Precedence: list"),
        _ => {}
    }
    if s.list_unsubscribe {
        return ignored(Kind::Bulk, "List-Unsubscribe (a newsletter or campaign)");
    }
    None
}

/// `Support <support.acme.com>` matches the configured `support.acme.com`.
fn list_id_matches(header: &str, allowed: &str) -> bool {
    let allowed = allowed.trim().trim_matches(['<', '>']).to_lowercase();
    let id = match (header.rfind('<'), header.rfind('>')) {
        (Some(a), Some(b)) if a < b => &header[a + 1..b],
        _ => header,
    };
    !allowed.is_empty() && id.trim() == allowed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Signals;

    fn mail(from: &str, subject: &str, signals: Signals) -> InboundMail {
        InboundMail {
            from_address: from.into(),
            subject: subject.into(),
            signals,
            ..InboundMail::default()
        }
    }

    fn kind(m: &InboundMail) -> Option<Kind> {
        classify(m, false, &[]).map(|i| i.kind)
    }

    #[test]
    fn a_person_is_not_classified() {
        let m = mail("ana@acme.com", "Checkout down", Signals::default());
        assert_eq!(kind(&m), None);
        let no = Signals {
            auto_submitted: Some("no".into()),
            ..Signals::default()
        };
        assert_eq!(kind(&mail("ana@acme.com", "x", no)), None);
        // A person forwarding a bounce is a person.
        let fwd = mail(
            "ana@acme.com",
            "Fwd: Undeliverable: invoice",
            Signals::default(),
        );
        assert_eq!(kind(&fwd), None);
    }

    #[test]
    fn auto_replies() {
        for s in [
            Signals {
                auto_submitted: Some("auto-replied".into()),
                ..Signals::default()
            },
            Signals {
                x_autoreply: Some("yes".into()),
                ..Signals::default()
            },
            Signals {
                auto_response_suppress: Some("all".into()),
                ..Signals::default()
            },
            Signals {
                precedence: Some("auto_reply".into()),
                ..Signals::default()
            },
        ] {
            assert_eq!(kind(&mail("ana@acme.com", "x", s)), Some(Kind::AutoReply));
        }
        let m = mail(
            "ana@acme.com",
            "Automatic reply: outage",
            Signals::default(),
        );
        assert_eq!(kind(&m), Some(Kind::AutoReply));
        let m = mail(
            "ana@acme.com",
            "Abwesenheitsnotiz: Störung",
            Signals::default(),
        );
        assert_eq!(kind(&m), Some(Kind::AutoReply));
    }

    #[test]
    fn bounces_and_reports() {
        let dsn = Signals {
            content_type: "multipart/report".into(),
            report_type: Some("delivery-status".into()),
            ..Signals::default()
        };
        assert_eq!(kind(&mail("x@y.z", "x", dsn)), Some(Kind::Bounce));
        let arf = Signals {
            report_type: Some("feedback-report".into()),
            delivery_status_part: true,
            ..Signals::default()
        };
        assert_eq!(kind(&mail("x@y.z", "x", arf)), Some(Kind::FeedbackReport));
        assert_eq!(
            kind(&mail(
                "MAILER-DAEMON@mx.acme.com".to_lowercase().as_str(),
                "x",
                Signals::default()
            )),
            Some(Kind::Bounce)
        );
        assert_eq!(
            kind(&mail("postmaster@acme.com", "x", Signals::default())),
            Some(Kind::Bounce)
        );
        let null = Signals {
            null_return_path: true,
            ..Signals::default()
        };
        assert_eq!(
            kind(&mail(
                "noreply@acme.com",
                "Mail delivery failed: returning",
                null
            )),
            Some(Kind::Bounce)
        );
    }

    #[test]
    fn lists_and_bulk() {
        let list = Signals {
            list_id: Some("ops team <ops.lists.acme.com>".into()),
            ..Signals::default()
        };
        let m = mail("ana@acme.com", "x", list);
        assert_eq!(kind(&m), Some(Kind::List));
        assert_eq!(classify(&m, false, &["ops.lists.acme.com".into()]), None);
        assert_eq!(
            kind(&m),
            classify(&m, false, &["other.acme.com".into()]).map(|i| i.kind)
        );
        let bulk = Signals {
            precedence: Some("bulk".into()),
            ..Signals::default()
        };
        assert_eq!(kind(&mail("a@b.c", "x", bulk)), Some(Kind::Bulk));
        let news = Signals {
            list_unsubscribe: true,
            ..Signals::default()
        };
        assert_eq!(kind(&mail("a@b.c", "x", news)), Some(Kind::Bulk));
    }

    #[test]
    fn alerts_pass_generated_and_list_headers_but_not_replies() {
        let generated = Signals {
            auto_submitted: Some("auto-generated".into()),
            list_unsubscribe: true,
            precedence: Some("bulk".into()),
            ..Signals::default()
        };
        let m = mail("alerts@datadoghq.com", "[Triggered] x", generated);
        assert_eq!(classify(&m, true, &[]), None);
        assert_eq!(kind(&m), Some(Kind::Automated));
        let replied = Signals {
            auto_submitted: Some("auto-replied".into()),
            ..Signals::default()
        };
        let m = mail("alerts@datadoghq.com", "x", replied);
        assert!(classify(&m, true, &[]).is_some());
    }
}
