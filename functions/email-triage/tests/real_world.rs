//! Mails written in each client's and each machine's format (tests/fixtures/README.md):
//! classification, forwards, sender checks, quoting, alerts, dedup. No AWS.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Fakes, config, fixture, now, ses_event};
use flare::domain::{Command, Declaration};
use flare_email_triage::classify::Kind;
use flare_email_triage::parse::parse;
use flare_email_triage::triage::{Delivery, Outcome, to_command};
use flare_email_triage::{Handled, InboundMail, TriagePolicy, Verdict, Verdicts, handle};

fn mail(name: &str) -> InboundMail {
    parse(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn delivery() -> Delivery {
    Delivery {
        ses_message_id: Some("ses0test".into()),
        verdicts: Verdicts::all_pass(),
    }
}

/// Customers' domains are allowed, and so is Flare's own staff (who forward).
fn policy() -> TriagePolicy {
    TriagePolicy {
        allow_senders: vec![
            "@acme.com".into(),
            "@flare.example.com".into(),
            "@dtdg.co".into(),
            "no-reply@sns.amazonaws.com".into(),
            "no-reply@pagerduty.com".into(),
            "@acme.grafana.net".into(),
        ],
        ..TriagePolicy::default()
    }
}

fn outcome(name: &str) -> Outcome {
    to_command(&mail(name), &delivery(), &policy(), &config(), now())
}

fn declare(name: &str) -> Declaration {
    match outcome(name) {
        Outcome::Declare(env) => match env.command {
            Command::Declare(d) => *d,
            other => panic!("{name}: {other:?}"),
        },
        other => panic!("{name}: {other:?}"),
    }
}

fn ignored(name: &str) -> (Kind, String) {
    match outcome(name) {
        Outcome::Ignore(i) => (i.kind, i.reason),
        other => panic!("{name}: not ignored: {other:?}"),
    }
}

#[test]
fn auto_replies_from_an_allowed_domain_are_ignored() {
    let (kind, reason) = ignored("ooo-exchange.eml");
    assert_eq!(kind, Kind::AutoReply);
    assert_eq!(reason, "Auto-Submitted: auto-replied");
    let (kind, reason) = ignored("vacation-dovecot.eml");
    assert_eq!((kind, reason.as_str()), (Kind::AutoReply, "X-Autoreply"));
}

#[test]
fn bounces_and_feedback_reports_are_ignored() {
    let (kind, reason) = ignored("bounce-postfix.eml");
    assert_eq!(kind, Kind::Bounce);
    assert!(reason.contains("DSN"), "{reason}");
    assert_eq!(ignored("bounce-exchange.eml").0, Kind::Bounce);
    // The ARF report says "FW:" but is no forward of a report.
    assert_eq!(ignored("arf.eml").0, Kind::FeedbackReport);
    let m = mail("bounce-postfix.eml");
    assert!(m.signals.delivery_status_part);
    assert_eq!(m.signals.report_type.as_deref(), Some("delivery-status"));
    assert!(m.signals.null_return_path);
}

#[test]
fn lists_and_newsletters_are_ignored_unless_the_list_is_allowed() {
    let (kind, reason) = ignored("list-google-group.eml");
    assert_eq!(kind, Kind::List);
    assert!(reason.contains("ops-team.acme.com"), "{reason}");
    assert_eq!(ignored("newsletter.eml").0, Kind::Bulk);
    let allowed = TriagePolicy {
        allowed_list_ids: vec!["ops-team.acme.com".into()],
        ..policy()
    };
    let m = mail("list-google-group.eml");
    assert!(matches!(
        to_command(&m, &delivery(), &allowed, &config(), now()),
        Outcome::Declare(_)
    ));
}

#[test]
fn a_gmail_forward_shows_the_original_report() {
    let d = declare("forward-gmail.eml");
    assert_eq!(d.title, "Login page returns 500 for all our users");
    // "cannot log in" is in the original, not in the forwarder's line.
    assert_eq!(d.severity.as_str(), "S2");
    assert_eq!(
        d.customer.as_deref(),
        Some("acme"),
        "the original sender's customer"
    );
    assert!(
        d.description
            .starts_with("Hello,\n\nSince 11:02 CET none of our 4,000 users"),
        "{}",
        d.description
    );
    assert!(
        !d.description.contains("Jonas Weber | ACME NOC"),
        "signature cut"
    );
    assert!(d.description.contains(
        "Forwarded by Maria Lopez <maria.lopez@flare.example.com>: \"Customer report from ACME, looks serious.\""
    ));
    assert!(
        d.description.contains("keyword \"cannot log in\""),
        "{}",
        d.description
    );
    let src = d.source_message.unwrap();
    assert!(
        src.text.starts_with(
            "From: Jonas Weber <jonas.weber@acme.com>\nDate: Tue, Mar 3, 2026 at 11:15 AM\n\
         Subject: Login page returns 500 for all our users\n\
         Forwarded by: Maria Lopez <maria.lopez@flare.example.com>\n\nHello,"
        ),
        "{}",
        src.text
    );
}

#[test]
fn outlook_and_apple_mail_forwards() {
    let d = declare("forward-outlook.eml");
    assert_eq!(d.title, "Payments failing - card declined for every order");
    assert_eq!(d.severity.as_str(), "S1", "data loss, in the original");
    assert_eq!(d.customer.as_deref(), Some("acme"));
    assert!(d.description.starts_with("Hi team,"), "{}", d.description);
    assert!(d.description.contains("Forwarded by Tom Becker"));

    let d = declare("forward-apple.eml");
    assert_eq!(d.title, "Search results are empty");
    assert_eq!(d.severity.as_str(), "S2", "`down` in the original");
    assert!(
        d.description
            .starts_with("Every search on our shop returns zero results")
    );
    assert!(
        d.source_message
            .unwrap()
            .text
            .starts_with("From: Ops, Ana <ana.ops@acme.com>")
    );
}

#[test]
fn an_attached_forward_is_unwrapped() {
    let m = mail("forward-attached.eml");
    let inner = m.attached.as_deref().unwrap();
    assert_eq!(inner.from_address, "priya.shah@acme.com");
    let d = declare("forward-attached.eml");
    assert_eq!(d.title, "Exports fail with timeout errors");
    assert_eq!(
        d.severity.as_str(),
        "S3",
        "`errors` matches the `error` rule"
    );
    assert_eq!(d.customer.as_deref(), Some("acme"));
    assert!(d.description.starts_with("CSV exports time out after 60 s"));
    assert!(d.description.contains("Forwarded by Lena Kraus"));
    assert!(d.description.contains("See the attached report from ACME."));
    assert!(
        d.description
            .contains("Exports fail with timeout errors.eml (message/rfc822,"),
        "{}",
        d.description
    );
}

#[test]
fn two_from_mailboxes_without_a_sender_are_quarantined() {
    for name in ["two-from.eml", "two-from-comma.eml"] {
        let Outcome::Quarantine(q) = outcome(name) else {
            panic!("{name}: {:?}", outcome(name));
        };
        assert!(
            q.reason.contains("mailboxes and no Sender") || q.reason.contains("malformed"),
            "{name}: {}",
            q.reason
        );
    }
}

#[test]
fn a_dmarc_failure_is_quarantined_with_the_reason() {
    let dmarc = Delivery {
        verdicts: Verdicts {
            dmarc: Verdict::Fail,
            ..Verdicts::all_pass()
        },
        ..delivery()
    };
    let Outcome::Quarantine(q) =
        to_command(&mail("plain.eml"), &dmarc, &policy(), &config(), now())
    else {
        panic!("not quarantined");
    };
    assert!(q.reason.starts_with("DMARC FAIL"), "{}", q.reason);
    assert!(q.reason.contains("acme.com"));
    assert!(q.slack_note().contains("DMARC FAIL"));
}

#[test]
fn replies_in_several_clients_and_languages_show_only_the_new_text() {
    let excerpt = |name: &str| -> String {
        let m = mail(name);
        flare_email_triage::text::excerpt_source(&m.text_body)
    };
    assert_eq!(
        excerpt("reply-yahoo.eml"),
        "Still failing on our side, orders time out."
    );
    assert_eq!(
        excerpt("reply-french.eml"),
        "Toujours en panne chez nous depuis 12h."
    );
    assert_eq!(excerpt("reply-russian.eml"), "Оплата всё ещё не работает.");
    assert_eq!(
        excerpt("reply-german.eml"),
        "Die Kasse geht seit 12:20 wieder nicht."
    );
    assert_eq!(excerpt("reply-spanish.eml"), "Sigue fallando.");
    assert_eq!(
        excerpt("reply-below.eml"),
        "No. Still HTTP 503 on every order since 12:40."
    );
}

#[test]
fn raw_latin1_headers_and_html_links() {
    let m = mail("latin1-raw-subject.eml");
    assert_eq!(m.subject, "Kasse gestört – Bestellungen schlagen fehl");
    assert_eq!(m.from_name.as_deref(), Some("René Müller"));
    let m = mail("html-links.eml");
    assert_eq!(
        m.text_body,
        "Latency is degraded, see our dashboard (https://grafana.acme.com/d/abc?from=now-1h&to=now) \
         and the status page (https://status.acme.com/).\n\nDo not click <!here>"
    );
    let d = declare("html-links.eml");
    assert_eq!(d.severity.as_str(), "S3");
}

#[test]
fn a_screenshot_only_report_lists_its_attachment() {
    let d = declare("screenshot-only.eml");
    assert_eq!(d.title, "(no subject)");
    assert!(
        d.description
            .contains("Attachments: IMG_0042.png (image/png, "),
        "{}",
        d.description
    );
}

#[test]
fn alert_mail_becomes_a_clean_report_with_its_link() {
    let d = declare("alert-datadog.eml");
    assert_eq!(d.title, "Checkout 5xx error rate above 5% on env:prod");
    assert!(d.description.contains(
        "Datadog alert: https://app.datadoghq.com/monitors/123456?group=env%3Aprod&from_ts=1772530252000"
    ), "{}", d.description);
    let d = declare("alert-cloudwatch.eml");
    assert_eq!(d.title, "checkout-5xx-high (ALARM, EU (Ireland))");
    assert!(d.description.contains("CloudWatch alert: https://eu-west-1.console.aws.amazon.com/cloudwatch/deeplink.js?region=eu-west-1#alarmsV2:alarm/checkout-5xx-high"));
    let d = declare("alert-pagerduty.eml");
    assert!(
        d.description
            .contains("PagerDuty alert: https://acme.pagerduty.com/incidents/Q1ABCDEF")
    );
    let d = declare("alert-alertmanager.eml");
    assert_eq!(d.title, "InstanceDown (node-exporter prod)");
    assert!(
        d.description
            .contains("Alertmanager alert: https://alertmanager.acme.com/")
    );
    assert_eq!(ignored("alert-grafana-resolved.eml").0, Kind::Recovery);
}

#[tokio::test]
async fn the_handler_ignores_counts_and_deduplicates() {
    let f = Fakes::new();
    let deps = f.deps(policy());
    f.bucket
        .put("mail", "inbound/ooo", fixture("ooo-exchange.eml"));
    let out = handle(ses_event("ooo", "PASS"), &deps).await.unwrap();
    assert!(
        matches!(
            &out[0],
            Handled::Ignored {
                kind: Kind::AutoReply,
                ..
            }
        ),
        "{out:?}"
    );
    assert!(f.sent().is_empty(), "nothing declared, nothing pinged");
    let line = flare_email_triage::handler::metric_line(&out[0], now());
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["Outcome"], "ignored");
    assert_eq!(v["Kind"], "auto_reply");
    assert_eq!(v["MailHandled"], 1);

    // The same mail three times: declared once, then `duplicate`.
    for (i, ses) in ["p1", "p2", "p3"].iter().enumerate() {
        f.bucket
            .put("mail", &format!("inbound/{ses}"), fixture("plain.eml"));
        let out = handle(ses_event(ses, "PASS"), &deps).await.unwrap();
        if i == 0 {
            assert!(matches!(&out[0], Handled::Declared(_)), "{out:?}");
        } else {
            assert!(
                matches!(
                    &out[0],
                    Handled::Duplicate {
                        was: "declared",
                        ..
                    }
                ),
                "{out:?}"
            );
        }
    }
    // A different mail that reuses the Message-ID is a new mail.
    let reused = String::from_utf8(fixture("plain.eml"))
        .unwrap()
        .replace("every call", "every single call");
    f.bucket.put("mail", "inbound/p4", reused.into_bytes());
    let out = handle(ses_event("p4", "PASS"), &deps).await.unwrap();
    let Handled::Declared(env) = &out[0] else {
        panic!("{out:?}")
    };
    // A duplicate is handed on again under the same id (FIFO deduplication and the
    // worker's record collapse it; a first delivery cut short is finished), so the
    // queue saw exactly two distinct commands.
    let mut ids: Vec<String> = f.sent().iter().map(|e| e.id.clone()).collect();
    assert_eq!(ids.last(), Some(&env.id));
    ids.dedup();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert_ne!(ids[0], env.id);
}

#[tokio::test]
async fn a_mail_the_worker_already_applied_is_a_duplicate_without_a_send() {
    let f = Fakes::new();
    let deps = f.deps(policy());
    let m = mail("plain.eml");
    let id = format!("mail#{}", flare_email_triage::triage::dedup_key(&m));
    f.store.applied.lock().unwrap().insert(
        id,
        flare::domain::IncidentId::parse("20260303-brave-otter").unwrap(),
    );
    f.bucket.put("mail", "inbound/a1", fixture("plain.eml"));
    let out = handle(ses_event("a1", "PASS"), &deps).await.unwrap();
    assert!(matches!(&out[0], Handled::Duplicate { .. }), "{out:?}");
    assert!(f.sent().is_empty());
}

#[tokio::test]
async fn quarantine_notes_are_deduplicated() {
    let f = Fakes::new();
    let deps = f.deps(TriagePolicy {
        allow_senders: vec!["@vendor.example".into()],
        ..TriagePolicy::default()
    });
    let mut outcomes = Vec::new();
    for ses in ["q1", "q2", "q3"] {
        f.bucket
            .put("mail", &format!("inbound/{ses}"), fixture("plain.eml"));
        let out = handle(ses_event(ses, "PASS"), &deps).await.unwrap();
        outcomes.push(out[0].outcome());
    }
    assert_eq!(outcomes, ["quarantined", "duplicate", "duplicate"]);
    // One note command, under one id however often it was handed on.
    let mut ids: Vec<String> = f.sent().iter().map(|e| e.id.clone()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert!(ids[0].starts_with("quarantine#"));
}
