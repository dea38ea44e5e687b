//! The paging effect: what each event pages, once, however often it runs.

use crate::support::{MemQueue, MemStore, config, declared, incident_of, pagers, record, serve};
use flare::domain::{EscalationTarget, Event, Status, UserId};
use flare::worker::{Effect, EffectError};
use flare_integrations::PagingEffect;
use std::sync::Arc;

const YAML: &str = r#"
services:
  - id: payments
    team: payments
    oncall:
      pagerduty:
        routing_key_param: /flare/pd/payments
  - id: search
    team: discovery
    oncall:
      opsgenie:
        responder: discovery-oncall
        region: eu
  - id: docs
    team: docs
oncall:
  default:
    pagerduty:
      routing_key_param: /flare/pd/default
  coordinators:
    pagerduty:
      routing_key_param: /flare/pd/coordinators
"#;

const PAYMENTS_KEY: &str = "flare-20250304-brave-otter-pagerduty-flare-pd-payments";
const SEARCH_ALIAS: &str = "flare-20250304-brave-otter-opsgenie-eu-discovery-oncall";

async fn setup(
    yaml: &str,
) -> (
    PagingEffect,
    Arc<MemStore>,
    flare_integrations::fakes::Fakes,
) {
    let (fakes, base) = serve().await;
    let store = Arc::new(MemStore::default());
    store
        .refs
        .lock()
        .unwrap()
        .insert("channel".into(), "C0INC".into());
    let effect = PagingEffect::new(
        config(yaml),
        store.clone(),
        pagers(&base),
        Arc::new(MemQueue::default()),
    );
    (effect, store, fakes)
}

#[tokio::test]
async fn declaring_a_critical_incident_pages_each_service_once() {
    let (effect, store, fakes) = setup(YAML).await;
    assert_eq!(effect.name(), "paging");
    let d = declared("S1", &["payments", "search", "docs"], false, true);
    let inc = incident_of(&[&d]);
    effect.run(&inc, &d).await.unwrap();
    effect.run(&inc, &d).await.unwrap();

    assert_eq!(fakes.received_by("pagerduty").len(), 1);
    assert_eq!(fakes.received_by("opsgenie").len(), 1);
    assert_eq!(fakes.pagerduty_alerts()[PAYMENTS_KEY], "triggered");
    assert_eq!(fakes.opsgenie_alerts()[SEARCH_ALIAS], "open");
    let body = &fakes.received_by("pagerduty")[0].body;
    assert_eq!(body["routing_key"], "local-/flare/pd/payments");
    assert_eq!(
        body["links"][0]["href"],
        "https://slack.com/app_redirect?channel=C0INC"
    );
    assert_eq!(body["payload"]["severity"], "critical");
    let refs = store.refs.lock().unwrap().clone();
    assert!(refs.contains_key("page#pagerduty-flare-pd-payments"));
    assert!(refs.contains_key("page#opsgenie-eu-discovery-oncall"));
}

#[tokio::test]
async fn services_without_oncall_page_the_default() {
    let (effect, _, fakes) = setup(YAML).await;
    let d = declared("S2", &["docs"], false, true);
    effect.run(&incident_of(&[&d]), &d).await.unwrap();
    let got = fakes.received_by("pagerduty");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body["routing_key"], "local-/flare/pd/default");
}

#[tokio::test]
async fn no_page_without_page_oncall_or_in_triage() {
    let (effect, _, fakes) = setup(YAML).await;
    let quiet = declared("S3", &["payments"], false, false);
    effect.run(&incident_of(&[&quiet]), &quiet).await.unwrap();
    let triage = declared("S1", &["payments"], true, true);
    effect.run(&incident_of(&[&triage]), &triage).await.unwrap();
    assert!(fakes.received().is_empty());
}

#[tokio::test]
async fn accepted_critical_triage_pages() {
    let (effect, _, fakes) = setup(YAML).await;
    let d = declared("S1", &["payments"], true, false);
    let accepted = record(
        2,
        Event::StatusChanged {
            from: Status::Triage,
            to: Status::Investigating,
            summary: None,
        },
    );
    let inc = incident_of(&[&d, &accepted]);
    effect.run(&inc, &accepted).await.unwrap();
    assert_eq!(fakes.pagerduty_alerts()[PAYMENTS_KEY], "triggered");

    // Not critical: accepted quietly.
    let (effect, _, fakes) = setup(YAML).await;
    let d = declared("S3", &["payments"], true, false);
    let inc = incident_of(&[&d, &accepted]);
    effect.run(&inc, &accepted).await.unwrap();
    assert!(fakes.received().is_empty());
}

#[tokio::test]
async fn escalation_pages_the_coordinators() {
    let (effect, _, fakes) = setup(YAML).await;
    let d = declared("S3", &[], false, false);
    let esc = record(
        2,
        Event::Escalated {
            target: EscalationTarget::Coordinators,
        },
    );
    let inc = incident_of(&[&d, &esc]);
    effect.run(&inc, &esc).await.unwrap();
    effect.run(&inc, &esc).await.unwrap();
    let got = fakes.received_by("pagerduty");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body["routing_key"], "local-/flare/pd/coordinators");
    assert_eq!(got[0].body["payload"]["severity"], "error");

    let user = record(
        3,
        Event::Escalated {
            target: EscalationTarget::User {
                id: UserId::parse("U0ALICE").unwrap(),
            },
        },
    );
    effect.run(&inc, &user).await.unwrap();
    assert_eq!(fakes.received().len(), 1);

    let imoc = record(
        4,
        Event::Escalated {
            target: EscalationTarget::IncidentManager,
        },
    );
    let err = effect.run(&inc, &imoc).await.unwrap_err();
    assert!(matches!(err, EffectError::Permanent(ref m) if m.contains("incident manager")));
}

#[tokio::test]
async fn acknowledge_then_resolve_every_page() {
    let (effect, store, fakes) = setup(YAML).await;
    let d = declared("S1", &["payments", "search"], false, true);
    let inc = incident_of(&[&d]);
    effect.run(&inc, &d).await.unwrap();

    let ack = record(2, Event::Acknowledged);
    effect.run(&inc, &ack).await.unwrap();
    effect.run(&inc, &ack).await.unwrap();
    assert_eq!(fakes.pagerduty_alerts()[PAYMENTS_KEY], "acknowledged");
    assert_eq!(fakes.opsgenie_alerts()[SEARCH_ALIAS], "acknowledged");
    assert_eq!(fakes.received().len(), 4);

    let resolved = record(
        3,
        Event::StatusChanged {
            from: Status::Investigating,
            to: Status::Resolved,
            summary: None,
        },
    );
    let inc = incident_of(&[&d, &ack, &resolved]);
    effect.run(&inc, &resolved).await.unwrap();
    effect.run(&inc, &resolved).await.unwrap();
    assert_eq!(fakes.pagerduty_alerts()[PAYMENTS_KEY], "resolved");
    assert_eq!(fakes.opsgenie_alerts()[SEARCH_ALIAS], "closed");
    assert_eq!(fakes.received().len(), 6);
    let refs = store.refs.lock().unwrap().clone();
    assert!(refs["page#pagerduty-flare-pd-payments"].contains("\"resolved\""));

    // A reopen does not page again by itself.
    let reopened = record(
        4,
        Event::StatusChanged {
            from: Status::Resolved,
            to: Status::Investigating,
            summary: None,
        },
    );
    let inc = incident_of(&[&d, &ack, &resolved, &reopened]);
    effect.run(&inc, &reopened).await.unwrap();
    assert_eq!(fakes.received().len(), 6);

    // A new escalation after the resolution opens a new alert.
    let esc = record(
        5,
        Event::Escalated {
            target: EscalationTarget::Coordinators,
        },
    );
    effect.run(&inc, &esc).await.unwrap();
    assert_eq!(fakes.received().len(), 7);
}

#[tokio::test]
async fn nothing_configured_is_a_permanent_error() {
    let (effect, _, fakes) = setup("{}").await;
    let d = declared("S1", &["payments"], false, true);
    let inc = incident_of(&[&d]);
    let err = effect.run(&inc, &d).await.unwrap_err();
    assert!(matches!(err, EffectError::Permanent(_)), "{err:?}");
    let esc = record(
        2,
        Event::Escalated {
            target: EscalationTarget::Coordinators,
        },
    );
    let err = effect.run(&inc, &esc).await.unwrap_err();
    assert!(
        matches!(err, EffectError::Permanent(ref m) if m == "no coordinator rotation configured"),
        "{err:?}"
    );
    assert!(fakes.received().is_empty());
}

#[tokio::test]
async fn a_vendor_outage_is_transient_and_the_retry_pages_once() {
    let (effect, _, fakes) = setup(YAML).await;
    fakes.inject_fault("opsgenie", 500, 3);
    let d = declared("S1", &["payments", "search"], false, true);
    let inc = incident_of(&[&d]);
    let err = effect.run(&inc, &d).await.unwrap_err();
    assert!(matches!(err, EffectError::Transient(_)), "{err:?}");
    // PagerDuty went through and is not paged again on the redelivery.
    effect.run(&inc, &d).await.unwrap();
    assert_eq!(fakes.received_by("pagerduty").len(), 1);
    assert_eq!(fakes.received_by("opsgenie").len(), 4);
    assert_eq!(fakes.opsgenie_alerts()[SEARCH_ALIAS], "open");
}
