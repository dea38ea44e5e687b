//! The foundation against moto through the real SDK clients: the store's transaction
//! and indexes, the worker's exactly-once behaviour, the outbox and the bus.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use async_trait::async_trait;
use chrono::Duration;
use flare::clock::Clock;
use flare::domain::{
    Command, Event, Incident, IncidentId, Recorded, Role, SeverityScale, Status, name,
};
use flare::store::{Commit, IncidentStore, Index, OpenIncident, Outcome, StoreError, StoredEvent};
use flare::worker::{Answer, BatchRecord, Effect, EffectError, Worker, handle_batch};
use flare_tests::{Harness, declaration, user};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

async fn declare(h: &Harness, w: &Worker, key: &str, severity: &str) -> IncidentId {
    w.process(&h.envelope(key, None, declaration(&format!("incident {key}"), severity)))
        .await
        .unwrap();
    match h.store.outcome(key).await.unwrap() {
        Some(Outcome::Applied { incident, .. }) => incident,
        other => panic!("declaration not applied: {other:?}"),
    }
}

fn versions(events: &[StoredEvent]) -> Vec<u64> {
    events.iter().map(|e| e.record.version).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_concurrent_commands_all_land_in_order() {
    let h = Harness::new().await;
    let worker = Arc::new(h.worker(vec![]));
    let id = declare(&h, &worker, "declare-1", "S2").await;

    let mut tasks = Vec::new();
    for i in 0..16 {
        let env = h.envelope(
            &format!("update-{i}"),
            Some(&id),
            Command::PostUpdate {
                text: format!("update {i}"),
            },
        );
        let record = BatchRecord {
            message_id: format!("m{i}"),
            group_id: Some(env.group_id()),
            body: serde_json::to_string(&env).unwrap(),
        };
        let worker = worker.clone();
        tasks.push(tokio::spawn(async move {
            handle_batch(&worker, &[record]).await
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), Vec::<String>::new(), "no record failed");
    }

    let events = h.store.events(&id, 1).await.unwrap();
    assert_eq!(
        versions(&events),
        (1..=17).collect::<Vec<_>>(),
        "contiguous, none lost"
    );
    let mut texts: Vec<String> = events
        .iter()
        .filter_map(|e| match &e.record.event {
            Event::UpdatePosted { text } => Some(text.clone()),
            _ => None,
        })
        .collect();
    texts.sort();
    let mut expected: Vec<String> = (0..16).map(|i| format!("update {i}")).collect();
    expected.sort();
    assert_eq!(texts, expected, "each update exactly once");
    assert!(
        events.windows(2).all(|w| w[0].record.at <= w[1].record.at),
        "time never runs backwards"
    );
    let incident = h.store.load(&id).await.unwrap().unwrap();
    assert_eq!(incident.version, 17);
    assert_eq!(
        Incident::replay(events.iter().map(|e| &e.record)).unwrap(),
        incident
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_command_twice_is_one_event() {
    let h = Harness::new().await;
    let worker = Arc::new(h.worker(vec![]));
    // A redelivered declaration: one incident, one event.
    let env = h.envelope("view-V123", None, declaration("Checkout down", "S1"));
    worker.process(&env).await.unwrap();
    worker.process(&env).await.unwrap();
    let Some(Outcome::Applied {
        incident: id,
        versions: v,
    }) = h.store.outcome("view-V123").await.unwrap()
    else {
        panic!("not applied")
    };
    assert_eq!(v, vec![1]);
    assert_eq!(h.store.events(&id, 1).await.unwrap().len(), 1);
    assert_eq!(h.store.open().await.unwrap().len(), 1, "one incident");

    // The same update delivered twice at the same moment.
    let update = h.envelope(
        "ev-1",
        Some(&id),
        Command::PostUpdate {
            text: "rolling back".into(),
        },
    );
    let (a, b) = tokio::join!(worker.process(&update), worker.process(&update));
    a.unwrap();
    b.unwrap();
    assert_eq!(versions(&h.store.events(&id, 1).await.unwrap()), vec![1, 2]);
}

/// A store that lets another writer in between the worker's read and its write, once.
struct RacingStore {
    inner: Arc<dyn IncidentStore>,
    rival: Mutex<Option<(Arc<Worker>, flare::bus::CommandEnvelope)>>,
    conflicts: AtomicUsize,
}

#[async_trait]
impl IncidentStore for RacingStore {
    async fn load(&self, id: &IncidentId) -> Result<Option<Incident>, StoreError> {
        self.inner.load(id).await
    }
    async fn events(&self, id: &IncidentId, from: u64) -> Result<Vec<StoredEvent>, StoreError> {
        self.inner.events(id, from).await
    }
    async fn commit(&self, c: Commit<'_>) -> Result<(), StoreError> {
        let rival = self.rival.lock().unwrap().take();
        if let Some((worker, env)) = rival {
            worker.process(&env).await.unwrap();
        }
        let r = self.inner.commit(c).await;
        if matches!(r, Err(StoreError::Conflict)) {
            self.conflicts.fetch_add(1, Ordering::SeqCst);
        }
        r
    }
    async fn outcome(&self, k: &str) -> Result<Option<Outcome>, StoreError> {
        self.inner.outcome(k).await
    }
    async fn reject(&self, k: &str, r: &str) -> Result<(), StoreError> {
        self.inner.reject(k, r).await
    }
    async fn effect_done(&self, id: &IncidentId, v: u64, e: &str) -> Result<(), StoreError> {
        self.inner.effect_done(id, v, e).await
    }
    async fn put_index(
        &self,
        i: Index,
        k: &str,
        id: &IncidentId,
    ) -> Result<IncidentId, StoreError> {
        self.inner.put_index(i, k, id).await
    }
    async fn get_index(&self, i: Index, k: &str) -> Result<Option<IncidentId>, StoreError> {
        self.inner.get_index(i, k).await
    }
    async fn move_index(
        &self,
        i: Index,
        k: &str,
        from: &IncidentId,
        to: &IncidentId,
    ) -> Result<(), StoreError> {
        self.inner.move_index(i, k, from, to).await
    }
    async fn claim(
        &self,
        k: &str,
        t: Duration,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, StoreError> {
        self.inner.claim(k, t, now).await
    }
    async fn refs(&self, id: &IncidentId) -> Result<HashMap<String, String>, StoreError> {
        self.inner.refs(id).await
    }
    async fn set_ref(&self, id: &IncidentId, k: &str, v: &str) -> Result<(), StoreError> {
        self.inner.set_ref(id, k, v).await
    }
    async fn due(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        l: i32,
    ) -> Result<Vec<OpenIncident>, StoreError> {
        self.inner.due(now, l).await
    }
    async fn open(&self) -> Result<Vec<OpenIncident>, StoreError> {
        self.inner.open().await
    }
}

#[tokio::test]
async fn an_optimistic_lock_conflict_is_retried_and_both_changes_survive() {
    let h = Harness::new().await;
    let plain = Arc::new(h.worker(vec![]));
    let id = declare(&h, &plain, "d", "S3").await;

    let rival = h.envelope(
        "rival",
        Some(&id),
        Command::SetSeverity {
            severity: SeverityScale::default().parse("S1").unwrap(),
        },
    );
    let racing = Arc::new(RacingStore {
        inner: h.store.clone(),
        rival: Mutex::new(Some((plain.clone(), rival))),
        conflicts: AtomicUsize::new(0),
    });
    let mut worker = h.worker(vec![]);
    worker.store = racing.clone();
    let mine = h.envelope(
        "mine",
        Some(&id),
        Command::AssignRole {
            role: Role::Coordinator,
            user: user("U0BOB"),
        },
    );
    worker.process(&mine).await.unwrap();

    assert_eq!(
        racing.conflicts.load(Ordering::SeqCst),
        1,
        "the race really happened"
    );
    let incident = h.store.load(&id).await.unwrap().unwrap();
    assert_eq!(
        incident.severity.as_str(),
        "S1",
        "the rival's change survived"
    );
    assert_eq!(
        incident.roles.coordinator,
        Some(user("U0BOB")),
        "the retried change landed"
    );
    assert_eq!(
        versions(&h.store.events(&id, 1).await.unwrap()),
        vec![1, 2, 3]
    );
}

#[tokio::test]
async fn a_taken_name_moves_the_declaration_to_the_next_candidate() {
    let h = Harness::new().await;
    let worker = h.worker(vec![]);
    let env = h.envelope("decl-2", None, declaration("second", "S3"));
    // Someone else already holds the first name this declaration would pick.
    let squatter = name::candidate(env.received_at, "decl-2", 0);
    let rec = Recorded {
        incident_id: squatter.clone(),
        version: 1,
        at: env.received_at,
        actor: env.actor.clone(),
        command_id: "other".into(),
        event: match declaration("first", "S3") {
            Command::Declare(d) => Event::Declared(d),
            _ => unreachable!(),
        },
    };
    let incident = Incident::from_declared(&rec).unwrap();
    h.store
        .commit(Commit {
            expected_version: 0,
            incident: &incident,
            events: &[rec],
            effects: &[],
            dedup_key: "other",
            next_due: None,
            listed: None,
            listed_before: None,
        })
        .await
        .unwrap();

    worker.process(&env).await.unwrap();
    let Some(Outcome::Applied { incident: id, .. }) = h.store.outcome("decl-2").await.unwrap()
    else {
        panic!()
    };
    assert_eq!(id, name::candidate(env.received_at, "decl-2", 1));
    assert_eq!(
        h.store.load(&squatter).await.unwrap().unwrap().title,
        "first",
        "untouched"
    );
}

#[tokio::test]
async fn the_open_index_returns_exactly_the_due_incidents() {
    let h = Harness::new().await;
    let worker = h.worker(vec![]);
    let t0 = h.clock.now();
    // S1 without a coordinator: nudged after 5 minutes (unassigned coordinator).
    let a = declare(&h, &worker, "a", "S1").await;
    // S3: update reminder every 120 minutes.
    let b = declare(&h, &worker, "b", "S3").await;
    // S4: nothing is ever due, but it is open.
    let c = declare(&h, &worker, "c", "S4").await;
    // Closed: gone from the index.
    let d = declare(&h, &worker, "d", "S1").await;
    worker
        .process(&h.envelope("d-res", Some(&d), Command::Resolve { summary: None }))
        .await
        .unwrap();
    worker
        .process(&h.envelope("d-close", Some(&d), Command::Close))
        .await
        .unwrap();

    let ids = |v: Vec<OpenIncident>| v.into_iter().map(|o| o.id).collect::<Vec<_>>();
    assert_eq!(
        ids(h.store.due(t0 + Duration::minutes(1), 50).await.unwrap()),
        Vec::<IncidentId>::new()
    );
    assert_eq!(
        ids(h.store.due(t0 + Duration::minutes(10), 50).await.unwrap()),
        vec![a.clone()]
    );
    assert_eq!(
        ids(h.store.due(t0 + Duration::minutes(125), 50).await.unwrap()),
        vec![a.clone(), b.clone()]
    );
    assert_eq!(
        ids(h.store.due(t0 + Duration::minutes(125), 1).await.unwrap()),
        vec![a.clone()],
        "limit, soonest first"
    );
    let mut open = ids(h.store.open().await.unwrap());
    open.sort();
    let mut expected = vec![a, b, c];
    expected.sort();
    assert_eq!(open, expected);
}

/// An effect that fails the first time it sees each event, then works.
#[derive(Default)]
struct Flaky {
    seen: Mutex<HashMap<u64, usize>>,
    done: Mutex<Vec<u64>>,
}

#[async_trait]
impl Effect for Flaky {
    fn name(&self) -> &'static str {
        "flaky"
    }
    async fn run(&self, _: &Incident, rec: &Recorded) -> Result<(), EffectError> {
        let mut seen = self.seen.lock().unwrap();
        let n = seen.entry(rec.version).or_default();
        *n += 1;
        if *n == 1 {
            return Err(EffectError::Transient("service unavailable".into()));
        }
        self.done.lock().unwrap().push(rec.version);
        Ok(())
    }
}

#[tokio::test]
async fn a_redelivery_finishes_the_effects_without_deciding_again() {
    let h = Harness::new().await;
    let flaky = Arc::new(Flaky::default());
    let worker = h.worker(vec![flaky.clone()]);
    let env = h.envelope("decl", None, declaration("db down", "S2"));
    assert!(
        worker.process(&env).await.is_err(),
        "the effect failed, so SQS redelivers"
    );
    let Some(Outcome::Applied { incident: id, .. }) = h.store.outcome("decl").await.unwrap() else {
        panic!()
    };
    let stored = h.store.events(&id, 1).await.unwrap();
    assert_eq!(
        stored[0].pending,
        vec!["flaky".to_string()],
        "the outbox remembers"
    );

    worker.process(&env).await.unwrap();
    let stored = h.store.events(&id, 1).await.unwrap();
    assert_eq!(stored.len(), 1, "not decided again");
    assert!(stored[0].pending.is_empty(), "effect marked done");
    assert_eq!(*flaky.done.lock().unwrap(), vec![1]);

    worker.process(&env).await.unwrap();
    assert_eq!(
        *flaky.done.lock().unwrap(),
        vec![1],
        "a done effect never runs again"
    );
}

#[tokio::test]
async fn refusals_are_recorded_and_answered_once() {
    let h = Harness::new().await;
    let worker = h.worker(vec![]);
    let id = declare(&h, &worker, "d", "S3").await;
    let env = h.envelope(
        "bad",
        Some(&id),
        Command::SetStatus {
            status: Status::Closed,
            summary: None,
        },
    );
    worker.process(&env).await.unwrap();
    worker.process(&env).await.unwrap();
    let answers = h.answers.0.lock().unwrap().clone();
    assert_eq!(answers.len(), 1, "{answers:?}");
    let (key, Answer::Refused(reason)) = &answers[0];
    assert_eq!(key, "bad");
    assert!(reason.contains("investigating to closed"), "{reason}");
    assert!(matches!(
        h.store.outcome("bad").await.unwrap(),
        Some(Outcome::Rejected { .. })
    ));
    assert_eq!(h.store.load(&id).await.unwrap().unwrap().version, 1);

    // A command for an incident that doesn't exist is refused, not retried forever.
    let ghost = IncidentId::parse("20200101-calm-otter").unwrap();
    worker
        .process(&h.envelope("ghost", Some(&ghost), Command::Acknowledge))
        .await
        .unwrap();
    assert!(matches!(
        h.store.outcome("ghost").await.unwrap(),
        Some(Outcome::Rejected { .. })
    ));
}

#[tokio::test]
async fn a_bad_record_fails_only_its_group_and_the_records_after_it() {
    let h = Harness::new().await;
    let worker = h.worker(vec![]);
    let a = declare(&h, &worker, "a", "S3").await;
    let b = declare(&h, &worker, "b", "S3").await;
    let record = |mid: &str, env: flare::bus::CommandEnvelope| BatchRecord {
        message_id: mid.into(),
        group_id: Some(env.group_id()),
        body: serde_json::to_string(&env).unwrap(),
    };
    let records = vec![
        BatchRecord {
            message_id: "a1".into(),
            group_id: Some(a.to_string()),
            body: "{not json".into(),
        },
        record(
            "a2",
            h.envelope(
                "a2",
                Some(&a),
                Command::PostUpdate {
                    text: "later".into(),
                },
            ),
        ),
        record(
            "b1",
            h.envelope(
                "b1",
                Some(&b),
                Command::PostUpdate {
                    text: "fine".into(),
                },
            ),
        ),
    ];
    let failed = handle_batch(&worker, &records).await;
    assert_eq!(failed, vec!["a1".to_string(), "a2".to_string()]);
    assert_eq!(
        h.store.load(&a).await.unwrap().unwrap().version,
        1,
        "a2 waits for a1"
    );
    assert_eq!(
        h.store.load(&b).await.unwrap().unwrap().version,
        2,
        "b goes on"
    );
}

#[tokio::test]
async fn events_are_published_to_eventbridge() {
    let h = Harness::new().await;
    // Route the bus to a queue, as the postmortem function's rule would.
    let sqs = aws_sdk_sqs::Client::new(&h.sdk);
    let q = sqs
        .create_queue()
        .queue_name(format!("{}-tap", h.resources.event_bus))
        .send()
        .await
        .unwrap();
    let q_url = q.queue_url.unwrap();
    let q_arn = sqs
        .get_queue_attributes()
        .queue_url(&q_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
        .clone();
    let eb = aws_sdk_eventbridge::Client::new(&h.sdk);
    eb.put_rule()
        .name("tap")
        .event_bus_name(&h.resources.event_bus)
        .event_pattern(r#"{"source":["flare.incidents"]}"#)
        .send()
        .await
        .unwrap();
    eb.put_targets()
        .rule("tap")
        .event_bus_name(&h.resources.event_bus)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("q")
                .arn(q_arn)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    let worker = h.worker(vec![h.publisher()]);
    let id = declare(&h, &worker, "pub", "S2").await;
    worker
        .process(&h.envelope(
            "res",
            Some(&id),
            Command::Resolve {
                summary: Some("fixed".into()),
            },
        ))
        .await
        .unwrap();

    let mut got = Vec::new();
    for _ in 0..50 {
        let out = sqs
            .receive_message()
            .queue_url(&q_url)
            .max_number_of_messages(10)
            .wait_time_seconds(0)
            .send()
            .await
            .unwrap();
        for m in out.messages() {
            let v: serde_json::Value = serde_json::from_str(m.body().unwrap()).unwrap();
            got.push(v);
        }
        if got.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let types: Vec<&str> = got
        .iter()
        .map(|v| v["detail-type"].as_str().unwrap())
        .collect();
    assert_eq!(types, vec!["IncidentDeclared", "IncidentResolved"]);
    assert!(got.iter().all(|v| v["source"] == "flare.incidents"));
    assert_eq!(got[1]["detail"]["incident_id"], id.as_str());
    assert_eq!(got[1]["detail"]["incident"]["status"], "resolved");
    assert!(
        h.store
            .events(&id, 1)
            .await
            .unwrap()
            .iter()
            .all(|e| e.pending.is_empty())
    );
}

#[tokio::test]
async fn indexes_and_claims_are_first_writer_wins() {
    let h = Harness::new().await;
    let one = IncidentId::parse("20240101-calm-otter").unwrap();
    let two = IncidentId::parse("20240101-brave-wolf").unwrap();
    assert_eq!(
        h.store.put_index(Index::Channel, "C1", &one).await.unwrap(),
        one
    );
    assert_eq!(
        h.store.put_index(Index::Channel, "C1", &one).await.unwrap(),
        one,
        "idempotent"
    );
    assert_eq!(
        h.store.put_index(Index::Channel, "C1", &two).await.unwrap(),
        one,
        "first writer wins"
    );
    assert_eq!(
        h.store.get_index(Index::Channel, "C1").await.unwrap(),
        Some(one.clone())
    );
    assert_eq!(
        h.store.get_index(Index::MailThread, "C1").await.unwrap(),
        None,
        "indexes are separate"
    );

    let now = h.clock.now();
    assert!(
        h.store
            .claim("slack-event-Ev1", Duration::hours(1), now)
            .await
            .unwrap()
    );
    assert!(
        !h.store
            .claim("slack-event-Ev1", Duration::hours(1), now)
            .await
            .unwrap()
    );
    assert!(
        h.store
            .claim(
                "slack-event-Ev1",
                Duration::hours(1),
                now + Duration::hours(2)
            )
            .await
            .unwrap(),
        "expired claims can be taken again"
    );
}

#[tokio::test]
async fn the_service_catalog_syncs_into_dynamodb_and_replaces_the_files_services() {
    let h = Harness::new().await;
    let client = aws_sdk_dynamodb::Client::new(&h.sdk);
    let text = include_str!("../infra/config/flare.local.yaml");
    let config = flare::config::Config::parse("flare.local.yaml", text).unwrap();
    assert_eq!(
        flare::store::catalog::sync(&client, &h.resources.table, &config.services)
            .await
            .unwrap(),
        (2, 0)
    );
    let loaded = flare::store::catalog::load(&client, &h.resources.table)
        .await
        .unwrap();
    assert_eq!(loaded, config.services);

    // One service left in the file: the other leaves the catalog.
    let fewer = &config.services[..1];
    assert_eq!(
        flare::store::catalog::sync(&client, &h.resources.table, fewer)
            .await
            .unwrap(),
        (1, 1)
    );
    let mut from_file = flare::config::Config::default();
    flare::runtime::with_catalog(&mut from_file, &h.sdk, &h.resources.table)
        .await
        .unwrap();
    assert_eq!(
        from_file.services,
        fewer.to_vec(),
        "the table's catalog wins over the file"
    );
    // The open index is not disturbed by catalog items.
    assert!(h.store.open().await.unwrap().is_empty());
}

/// The listing cards follow their incident in the same transaction: a new severity
/// moves the card, closing drops it, and reads page by severity, then newest first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_cards_follow_their_incident_and_page_most_severe_then_newest_first() {
    use flare::store::listing::{CardQuery, Cursor, OpenListing};
    let h = Harness::new().await;
    let worker = h.worker(vec![]);
    let a = declare(&h, &worker, "la", "S3").await;
    h.clock.advance(Duration::minutes(1));
    let b = declare(&h, &worker, "lb", "S3").await;
    h.clock.advance(Duration::minutes(1));
    let c = declare(&h, &worker, "lc", "S1").await;
    h.clock.advance(Duration::minutes(1));
    let mut on_checkout = declaration("checkout errors", "S4");
    if let Command::Declare(d) = &mut on_checkout {
        d.services = vec!["checkout".into()];
    }
    worker
        .process(&h.envelope("ld", None, on_checkout))
        .await
        .unwrap();
    let d = match h.store.outcome("ld").await.unwrap() {
        Some(Outcome::Applied { incident, .. }) => incident,
        other => panic!("{other:?}"),
    };
    let all = CardQuery::default();
    async fn listed(store: &flare::store::DynamoStore, q: &CardQuery<'_>) -> Vec<IncidentId> {
        let page = store.cards(q, &Cursor::default(), 100).await.unwrap();
        assert_eq!(page.next, None);
        page.cards.into_iter().map(|c| c.id).collect()
    }
    assert_eq!(
        listed(&h.store, &all).await,
        [c.clone(), b.clone(), a.clone(), d.clone()]
    );

    // a becomes S1: one card, now under S1 (declared before c, so after it).
    worker
        .process(&h.envelope(
            "la-sev",
            Some(&a),
            Command::SetSeverity {
                severity: SeverityScale::default().parse("S1").unwrap(),
            },
        ))
        .await
        .unwrap();
    // b is closed: no card.
    for (key, cmd) in [
        ("lb-res", Command::Resolve { summary: None }),
        ("lb-close", Command::Close),
    ] {
        worker
            .process(&h.envelope(key, Some(&b), cmd))
            .await
            .unwrap();
    }
    assert_eq!(
        listed(&h.store, &all).await,
        [c.clone(), a.clone(), d.clone()]
    );

    // A page at a time, from a cursor.
    let first = h.store.cards(&all, &Cursor::default(), 2).await.unwrap();
    assert_eq!(
        first.cards.iter().map(|c| &c.id).collect::<Vec<_>>(),
        [&c, &a]
    );
    let rest = h
        .store
        .cards(&all, first.next.as_ref().unwrap(), 2)
        .await
        .unwrap();
    assert_eq!(rest.cards.iter().map(|c| &c.id).collect::<Vec<_>>(), [&d]);

    // By service, and declared since a time (a key range).
    let services = ["checkout".to_owned()];
    let svc = CardQuery {
        services: &services,
        since: None,
    };
    assert_eq!(listed(&h.store, &svc).await, vec![d.clone()]);
    let incident_c = h.store.load(&c).await.unwrap().unwrap();
    let recent = CardQuery {
        services: &[],
        since: Some(incident_c.declared_at),
    };
    assert_eq!(listed(&h.store, &recent).await, [c.clone(), d.clone()]);

    // Counted for anyone (none is private); channels in one batch read.
    assert_eq!(h.store.count(&user("U0ERIN")).await.unwrap(), 3);
    h.store.set_ref(&a, "channel", "C0A").await.unwrap();
    let channels = h.store.channels(&[a.clone(), c.clone()]).await.unwrap();
    assert_eq!(channels.len(), 1);
    assert_eq!(channels.get(&a).map(String::as_str), Some("C0A"));
}
