//! The handler against in-memory ports: S3 → parse → decide → thread → queue.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Fakes, fixture, ses_event};
use flare::domain::{CaptureKind, Command, IncidentId};
use flare_email_triage::handler::{HandleError, Inbound};
use flare_email_triage::ses::ObjectLocation;
use flare_email_triage::triage::Delivery;
use flare_email_triage::{Handled, SesEvent, TriagePolicy, handle, handle_object, handle_raw};

#[tokio::test]
async fn a_new_mail_is_declared() {
    let f = Fakes::new();
    f.bucket.put("mail", "inbound/ses-1", fixture("plain.eml"));
    let out = handle(ses_event("ses-1", "PASS"), &f.deps(TriagePolicy::default()))
        .await
        .unwrap();
    assert_eq!(out.len(), 1);
    let Handled::Declared(env) = &out[0] else {
        panic!("{out:?}")
    };
    assert_eq!(f.sent(), vec![env.clone()]);
    assert!(
        env.id
            .starts_with("mail#20260303095801.4F2A1C0@mail-eu1.acme.com#"),
        "{}",
        env.id
    );
    assert!(matches!(&env.command, Command::Declare(d) if d.triage));
}

#[tokio::test]
async fn a_reply_to_a_known_thread_is_captured_on_its_incident() {
    let f = Fakes::new();
    let incident = IncidentId::parse("20260303-brave-otter").unwrap();
    // The worker recorded the first mail's id when it declared the incident.
    f.store.threads.lock().unwrap().insert(
        "20260303095801.4F2A1C0@mail-eu1.acme.com".into(),
        incident.clone(),
    );
    f.bucket.put("mail", "inbound/ses-2", fixture("reply.eml"));
    let out = handle(ses_event("ses-2", "PASS"), &f.deps(TriagePolicy::default()))
        .await
        .unwrap();
    let Handled::FollowedUp(env) = &out[0] else {
        panic!("{out:?}")
    };
    assert_eq!(env.incident, Some(incident));
    assert!(
        env.id.starts_with("mail#reply-2@mail-eu1.acme.com#"),
        "{}",
        env.id
    );
    let Command::Capture { kind, message } = &env.command else {
        panic!("{env:?}")
    };
    assert_eq!(*kind, CaptureKind::Papertrail);
    assert_eq!(message.channel, "email");
    assert_eq!(message.ts, "reply-2@mail-eu1.acme.com");
    assert_eq!(
        message.text,
        "ACME NOC <noc@acme.com>: Re: Checkout API unavailable for EU customers\n\
         Checkout works again for us since 11:12 CET. Thanks for the quick fix!\n\nJonas"
    );
    assert_eq!(f.sent().len(), 1);
}

#[tokio::test]
async fn rejected_mail_sends_nothing_and_quarantined_mail_sends_its_note() {
    let f = Fakes::new();
    f.bucket.put("mail", "inbound/spam", fixture("spam.eml"));
    f.bucket
        .put("mail", "inbound/stranger", fixture("injection.eml"));
    let policy = TriagePolicy {
        allow_senders: vec!["@acme.com".into()],
        ..TriagePolicy::default()
    };
    let deps = f.deps(policy);
    let out = handle(ses_event("spam", "FAIL"), &deps).await.unwrap();
    assert!(
        matches!(&out[0], Handled::Rejected { key, reason }
            if key == "spam-77@bulk.example" && reason.contains("spam")),
        "{out:?}"
    );
    let out = handle(ses_event("stranger", "PASS"), &deps).await.unwrap();
    let Handled::Quarantined(q) = &out[0] else {
        panic!("{out:?}")
    };
    assert_eq!(q.mail.from_address, "mallory@evil.example");
    // Only the note's command: no incident, posted by the worker.
    let sent = f.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].id, format!("quarantine#{}", q.mail.dedup));
    assert_eq!(sent[0].incident, None);
    let Command::Quarantine(note) = &sent[0].command else {
        panic!("{sent:?}")
    };
    assert_eq!(note.from_address, "mallory@evil.example");
    assert!(
        note.reason.contains("not an allowed sender"),
        "{}",
        note.reason
    );
}

#[tokio::test]
async fn mail_that_opens_nothing_is_logged_and_senders_allowed_from_slack_get_in() {
    let f = Fakes::new();
    f.bucket
        .put("mail", "inbound/ooo", fixture("ooo-exchange.eml"));
    f.bucket
        .put("mail", "inbound/stranger", fixture("injection.eml"));
    let policy = TriagePolicy {
        allow_senders: vec!["@acme.com".into()],
        ..TriagePolicy::default()
    };
    let deps = f.deps(policy.clone());
    for _ in 0..2 {
        handle(ses_event("ooo", "PASS"), &deps).await.unwrap();
    }
    let out = handle(ses_event("stranger", "PASS"), &deps).await.unwrap();
    assert!(matches!(&out[0], Handled::Quarantined(_)), "{out:?}");
    let log = f.desk.log.lock().unwrap().clone();
    let kinds: Vec<(&str, &str)> = log
        .iter()
        .map(|e| (e.outcome.as_str(), e.kind.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [("ignored", "auto_reply"), ("quarantined", "quarantined")],
        "one entry per mail, however often it comes"
    );
    assert_eq!(log[1].sender_domain, "evil.example");

    // An incident manager allowed the sender from Slack (the table's list).
    let fresh = Fakes::new();
    fresh
        .desk
        .allowed
        .lock()
        .unwrap()
        .push("mallory@evil.example".into());
    fresh
        .bucket
        .put("mail", "inbound/stranger", fixture("injection.eml"));
    let out = handle(ses_event("stranger", "PASS"), &fresh.deps(policy))
        .await
        .unwrap();
    assert!(matches!(&out[0], Handled::Declared(_)), "{out:?}");
}

#[tokio::test]
async fn unreadable_mail_is_handled_not_retried() {
    let f = Fakes::new();
    f.bucket.put("mail", "inbound/empty", Vec::new());
    let out = handle(ses_event("empty", "PASS"), &f.deps(TriagePolicy::default()))
        .await
        .unwrap();
    assert!(matches!(&out[0], Handled::Unreadable { .. }), "{out:?}");
    // A record without an SES id, and a record from another service.
    let event: SesEvent = serde_json::from_str(
        r#"{"Records":[{"eventSource":"aws:ses","ses":{}},{"eventSource":"aws:sns"}]}"#,
    )
    .unwrap();
    let out = handle(event, &f.deps(TriagePolicy::default()))
        .await
        .unwrap();
    assert_eq!(out.len(), 2);
    assert!(out.iter().all(|h| matches!(h, Handled::Unreadable { .. })));
    assert!(f.sent().is_empty());
}

#[tokio::test]
async fn transient_failures_are_errors_so_ses_retries() {
    // The object is missing (S3 error).
    let f = Fakes::new();
    let err = handle(
        ses_event("nowhere", "PASS"),
        &f.deps(TriagePolicy::default()),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, HandleError::Fetch { ref key, .. } if key == "inbound/nowhere"),
        "{err}"
    );

    // SQS refuses.
    let mut f = Fakes::new();
    f.queue = std::sync::Arc::new(common::MemoryQueue {
        fail: true,
        ..Default::default()
    });
    f.bucket.put("mail", "inbound/a", fixture("plain.eml"));
    let err = handle(ses_event("a", "PASS"), &f.deps(TriagePolicy::default()))
        .await
        .unwrap_err();
    assert!(matches!(err, HandleError::Queue(_)), "{err}");

    // DynamoDB refuses the thread lookup.
    let mut f = Fakes::new();
    f.store = std::sync::Arc::new(common::ThreadStore {
        fail: true,
        ..Default::default()
    });
    f.bucket.put("mail", "inbound/r", fixture("reply.eml"));
    let err = handle(ses_event("r", "PASS"), &f.deps(TriagePolicy::default()))
        .await
        .unwrap_err();
    assert!(matches!(err, HandleError::Store(_)), "{err}");

    // No bucket configured and none in the event.
    let f = Fakes::new();
    let mut deps = f.deps(TriagePolicy::default());
    deps.inbound = Inbound::default();
    let err = handle(ses_event("x", "PASS"), &deps).await.unwrap_err();
    assert!(matches!(err, HandleError::NoBucket(_)), "{err}");
}

#[tokio::test]
async fn the_same_mail_twice_gives_the_same_envelope() {
    let f = Fakes::new();
    f.bucket.put("mail", "inbound/d", fixture("html-only.eml"));
    let deps = f.deps(TriagePolicy::default());
    handle(ses_event("d", "PASS"), &deps).await.unwrap();
    handle(ses_event("d", "PASS"), &deps).await.unwrap();
    let sent = f.sent();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0], sent[1]);
    assert_eq!(sent[0].deduplication_id(), sent[1].deduplication_id());
}

#[tokio::test]
async fn raw_and_object_entry_points() {
    let f = Fakes::new();
    let deps = f.deps(TriagePolicy::default());
    let out = handle_raw(&fixture("alternative.eml"), Delivery::default(), &deps)
        .await
        .unwrap();
    assert!(matches!(out, Handled::Declared(_)));
    f.bucket.put("local", "mail/1.eml", fixture("latin1.eml"));
    let at = ObjectLocation {
        bucket: "local".into(),
        key: "mail/1.eml".into(),
    };
    let out = handle_object(&at, Delivery::default(), &deps)
        .await
        .unwrap();
    let Handled::Declared(env) = out else {
        panic!("{out:?}")
    };
    assert!(
        env.id.starts_with("mail#latin1-3003@exemple.fr#"),
        "{}",
        env.id
    );
}
