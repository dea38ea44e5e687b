//! Real-looking mails, parsed and triaged end to end (no AWS).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{config, fixture, now};
use flare::domain::{Command, Declaration};
use flare_email_triage::parse::parse;
use flare_email_triage::triage::{Delivery, Outcome, thread_ids, to_command};
use flare_email_triage::{InboundMail, SesEvent, TriagePolicy, Verdicts};

fn mail(name: &str) -> InboundMail {
    parse(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn delivery() -> Delivery {
    Delivery {
        ses_message_id: Some("ses0test".into()),
        verdicts: Verdicts::all_pass(),
    }
}

fn declare(name: &str) -> Declaration {
    match to_command(
        &mail(name),
        &delivery(),
        &TriagePolicy::default(),
        &config(),
        now(),
    ) {
        Outcome::Declare(env) => match env.command {
            Command::Declare(d) => *d,
            other => panic!("{name}: {other:?}"),
        },
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn plain_text_from_a_known_customer() {
    let m = mail("plain.eml");
    assert_eq!(
        m.message_id.as_deref(),
        Some("20260303095801.4F2A1C0@mail-eu1.acme.com")
    );
    let Outcome::Declare(env) =
        to_command(&m, &delivery(), &TriagePolicy::default(), &config(), now())
    else {
        panic!("not declared");
    };
    assert!(
        env.id
            .starts_with("mail#20260303095801.4F2A1C0@mail-eu1.acme.com#"),
        "the Message-ID plus a content digest: {}",
        env.id
    );
    let Command::Declare(d) = env.command else {
        panic!()
    };
    assert_eq!(d.title, "Checkout API unavailable for EU customers");
    assert_eq!(d.severity.as_str(), "S2", "`unavailable`");
    assert_eq!(d.customer.as_deref(), Some("acme"));
    assert!(d.triage);
    assert!(
        d.description
            .starts_with("Hello Flare support,\n\nSince 09:40 CET")
    );
    assert!(
        d.description.ends_with(
            "Best regards,\nJonas\n\nSuggested severity S2: keyword \"unavailable\" (keyword_rules[1])."
        ),
        "signature cut, the rule named: {}",
        d.description
    );
    let src = d.source_message.unwrap();
    assert!(src.text.starts_with(
        "From: ACME NOC <noc@acme.com>\nSubject: Checkout API unavailable for EU customers\n\nHello"
    ));
    assert_eq!(src.posted_at.to_rfc3339(), "2026-03-03T09:58:01+00:00");
}

#[test]
fn html_only_becomes_readable_text() {
    let m = mail("html-only.eml");
    assert_eq!(
        m.text_body,
        "Hi team,\nLogins to the admin console fail for all our users — they can't log in since 08:15 UTC.\n\n\
         Error shown: \"Session store unreachable\" & a blank page.\n\n\
         - Browser: Chrome 131\n- Tenant: globex-prod\n\nThanks,\nMaria\nGlobex IT"
    );
    assert!(!m.text_body.contains("trackOpen") && !m.text_body.contains("font-family"));
    let d = declare("html-only.eml");
    assert_eq!(d.severity.as_str(), "S2", "`can't log in`");
    assert_eq!(d.customer, None);
}

#[test]
fn alternative_prefers_the_text_part() {
    let m = mail("alternative.eml");
    assert_eq!(
        m.text_body,
        "We are investigating degraded performance of the payments API in us-east. Latency p99 is above 4 s.\n\nNext update in 30 minutes."
    );
    let d = declare("alternative.eml");
    assert_eq!(d.title, "[Vendor] Degraded performance in us-east");
    assert_eq!(d.severity.as_str(), "S3");
}

#[test]
fn attachments_are_listed_not_inlined() {
    let m = mail("mixed-pdf.eml");
    let names: Vec<(&str, usize, &str)> = m
        .attachments
        .iter()
        .map(|a| (a.name.as_str(), a.size, a.content_type.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("invoices-2026-03-04.pdf", 12430, "application/pdf"),
            ("screenshot.png", 69, "image/png")
        ]
    );
    assert!(!m.text_body.contains("PDF") && !m.text_body.contains("JVBER"));
    let d = declare("mixed-pdf.eml");
    assert!(
        d.description
            .ends_with("\n\nAttachments: invoices-2026-03-04.pdf (application/pdf, 13 KB), screenshot.png (image/png, 69 B)"),
        "{}",
        d.description
    );
    assert_eq!(d.severity.as_str(), "S3", "`error`");
}

#[test]
fn latin1_quoted_printable_and_encoded_words() {
    let m = mail("latin1.eml");
    assert_eq!(m.subject, "Tableau de bord très lent (Zürich)");
    assert_eq!(m.from_name.as_deref(), Some("Hélène Dubois"));
    assert!(m.text_body.contains("très lent depuis ce matin"));
    assert!(
        m.text_body
            .contains("s'afficher. Aucune erreur visible côté client.")
    );
    assert!(m.text_body.contains("Société Générale d'Exemple - Zürich"));
    // "lent" is French for slow, but the default rules are English: lowest severity.
    assert_eq!(declare("latin1.eml").severity.as_str(), "S4");
}

#[test]
fn shift_jis_and_iso_2022_jp() {
    let m = mail("shift-jis.eml");
    assert_eq!(m.subject, "ログイン障害");
    assert_eq!(m.from_name.as_deref(), Some("山田"));
    assert_eq!(
        m.text_body,
        "お世話になっております。\n本日10時からログインできません。\nエラー画面のみ表示されます。"
    );
}

#[test]
fn replies_expose_their_thread() {
    let m = mail("reply.eml");
    assert_eq!(
        thread_ids(&m),
        [
            "20260303095801.4F2A1C0@mail-eu1.acme.com",
            "flare-ack-1@flare.example.com"
        ]
    );
    // Without a known thread it is a new incident, quotes cut.
    let d = declare("reply.eml");
    assert_eq!(d.title, "Checkout API unavailable for EU customers");
    assert_eq!(
        d.description,
        "Checkout works again for us since 11:12 CET. Thanks for the quick fix!\n\nJonas\n\n\
         Suggested severity S2: keyword \"unavailable\" (keyword_rules[1])."
    );
}

#[test]
fn slack_markup_stays_raw_in_the_command_and_escaped_in_notes() {
    let d = declare("injection.eml");
    // Raw: escaping happens where Flare writes mrkdwn.
    assert_eq!(
        d.title,
        "<!channel> URGENT <@U123> outage, see <https://evil.example/login|click>"
    );
    assert!(
        d.description
            .contains("<!here> <!channel> everything is down.")
    );
    assert_eq!(d.severity.as_str(), "S2");
    // The escaped form (what the Slack adapter writes) has no live markup.
    let escaped = flare::slack::mrkdwn::escape(&d.description);
    for live in [
        "<!channel>",
        "<!here>",
        "<@U123>",
        "<https://evil",
        "<#C999",
    ] {
        assert!(!escaped.contains(live), "{live} in {escaped}");
    }

    let policy = TriagePolicy {
        allow_senders: vec!["@acme.com".into()],
        ..TriagePolicy::default()
    };
    let Outcome::Quarantine(q) = to_command(
        &mail("injection.eml"),
        &delivery(),
        &policy,
        &config(),
        now(),
    ) else {
        panic!("not quarantined")
    };
    let note = q.slack_note();
    for live in [
        "<!channel>",
        "<!here>",
        "<@U123>",
        "<https://evil",
        "<#C999",
    ] {
        assert!(!note.contains(live), "{live} in {note}");
    }
    assert!(note.contains("mallory@evil.example"));
}

#[test]
fn spam_verdict_rejects_before_anything_else() {
    let event: SesEvent = serde_json::from_slice(&fixture("ses-spam-event.json")).unwrap();
    let record = &event.records[0];
    let delivery = Delivery {
        ses_message_id: record.ses_message_id().map(str::to_owned),
        verdicts: record.verdicts(),
    };
    let outcome = to_command(
        &mail("spam.eml"),
        &delivery,
        &TriagePolicy::default(),
        &config(),
        now(),
    );
    assert!(
        matches!(&outcome, Outcome::Reject { reason } if reason.contains("spam")),
        "{outcome:?}"
    );
}

#[test]
fn truncated_mail_is_read_as_far_as_it_goes() {
    let m = mail("truncated.eml");
    assert_eq!(m.message_id.as_deref(), Some("truncated-1@acme.com"));
    assert_eq!(m.date, None);
    assert!(m.text_body.starts_with("The service is d"));
    assert_eq!(m.attachments.len(), 1);
    let d = declare("truncated.eml");
    assert_eq!(d.customer.as_deref(), Some("acme"));
    assert!(d.source_message.unwrap().posted_at == now(), "no Date: now");
}

#[test]
fn every_fixture_truncated_anywhere_still_parses_or_errs() {
    for name in [
        "plain.eml",
        "html-only.eml",
        "alternative.eml",
        "mixed-pdf.eml",
        "latin1.eml",
        "reply.eml",
        "injection.eml",
        "shift-jis.eml",
        "truncated.eml",
    ] {
        let raw = fixture(name);
        let step = (raw.len() / 97).max(1);
        for cut in (0..raw.len()).step_by(step) {
            if let Ok(m) = parse(&raw[..cut]) {
                let _ = to_command(&m, &delivery(), &TriagePolicy::default(), &config(), now());
            }
        }
    }
}
