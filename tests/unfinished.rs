//! An incident declared while Slack is down: on-call is paged at once, the incident is
//! recorded, and once Slack answers again the reminders' sweep finishes it, exactly
//! once, with no person acting, and tells the declarer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flare::clock::Clock;
use flare::store::IncidentStore;
use flare_slack_sim::{Fault, ViewValues};
use flare_tests::app::App;

const ALICE: &str = "U0ALICE";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declaration_during_a_slack_outage_pages_at_once_and_finishes_itself_later() {
    let app = App::start().await;
    app.host.sim.inject_fault(Fault {
        method: "conversations.create".into(),
        error: "fatal_error".into(),
        count: 10_000,
        retry_after: 1,
    });
    let (id, channel) = app
        .declare(
            ALICE,
            "Checkout down during a Slack outage",
            "S1",
            ViewValues::new().set_many("services", "value", &["checkout"]),
        )
        .await;
    // The pager is the fallback channel: paged without waiting for Slack.
    assert_eq!(
        app.host.fakes.received_by("pagerduty").len(),
        1,
        "paged once"
    );
    assert!(
        app.host.sim.channel_by_name(&channel).is_none(),
        "no channel yet"
    );
    let later = app.host.clock.now() + chrono::Duration::days(1);
    let owed = app.host.store.unfinished(later, 100).await.unwrap();
    assert!(
        owed.iter().any(|u| u.id == id),
        "the sweep knows it owes: {owed:?}"
    );

    // Slack recovers; time passes; nobody does anything.
    app.host.sim.clear_faults();
    app.host.clock.advance(chrono::Duration::minutes(31));
    let report = app.host.tick().await.unwrap();
    assert_eq!(report.resumed, 1, "{report:?}");
    app.host.settle().await;

    let created: Vec<_> = app
        .host
        .sim
        .state()
        .channels
        .into_iter()
        .filter(|c| c.name.starts_with(&channel))
        .collect();
    assert_eq!(created.len(), 1, "one channel");
    let ch = &created[0];
    assert!(ch.members.iter().any(|m| m == ALICE));
    assert!(ch.messages.iter().any(|m| m.pinned), "the card");
    assert!(
        app.channel("incidents")
            .messages
            .iter()
            .any(|m| m.text.contains(id.as_str())),
        "announced"
    );
    let dm = app.host.sim.dm_with(ALICE).expect("the declarer is told");
    assert_eq!(
        dm.messages
            .iter()
            .filter(|m| m.text.contains("Slack was unavailable when you declared"))
            .count(),
        1
    );
    // Paged once in all; the incident is listed; nothing is owed any more.
    assert_eq!(app.host.fakes.received_by("pagerduty").len(), 1);
    let r = app.slash(ALICE, "general", "list").await;
    assert!(
        r.body.contains("Checkout down during a Slack outage"),
        "{}",
        r.body
    );
    assert!(
        app.host
            .store
            .unfinished(later, 100)
            .await
            .unwrap()
            .is_empty()
    );
    app.host.clock.advance(chrono::Duration::minutes(60));
    assert_eq!(app.host.tick().await.unwrap().resumed, 0);
}

/// A command that failed every delivery waits in the dead-letter queue (where the
/// alarm sees it); the operator lists it and sends it back, and it is applied once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_lists_the_dead_letters_and_replays_them_once() {
    use flare::bus::dead_letters::DeadLetters;
    use flare::bus::{CommandEnvelope, Source};
    use flare::domain::{Actor, Command, Event, UserId};

    let app = App::start().await;
    let (id, channel) = app
        .declare(ALICE, "Queue consumers stuck", "S2", ViewValues::new())
        .await;
    let (other, _) = app
        .declare(ALICE, "Search slow", "S3", ViewValues::new())
        .await;
    let sqs = aws_sdk_sqs::Client::new(&app.host.sdk);
    let dead = DeadLetters::of_queue(sqs.clone(), &app.host.resources.command_queue_url)
        .await
        .unwrap();
    assert_eq!(dead.count().await.unwrap(), 0);
    assert!(dead.list(100).await.unwrap().is_empty());

    // As SQS's redrive leaves them: the body and the group as sent.
    let update = |incident: &flare::domain::IncidentId, key: &str, text: &str| CommandEnvelope {
        id: key.to_owned(),
        incident: Some(incident.clone()),
        command: Command::PostUpdate { text: text.into() },
        actor: Actor::user(UserId::parse(ALICE).unwrap()),
        source: Source::Slack,
        received_at: app.host.clock.now(),
        reply: None,
    };
    let bury = |body: String, group: String, dedup: String| {
        let sqs = sqs.clone();
        let url = dead.dlq_url().to_owned();
        async move {
            sqs.send_message()
                .queue_url(url)
                .message_body(body)
                .message_group_id(group)
                .message_deduplication_id(dedup)
                .send()
                .await
                .unwrap();
        }
    };
    let lost = update(&id, "slash#dead.1", "Consumers restarted; lag falling");
    for env in [&lost, &update(&other, "slash#dead.2", "Index rebuilt")] {
        bury(
            serde_json::to_string(env).unwrap(),
            env.group_id(),
            env.deduplication_id(),
        )
        .await;
    }
    bury("{not a command".into(), "junk".into(), "junk-1".into()).await;

    let listed = dead.list(100).await.unwrap();
    assert_eq!(listed.len(), 3, "{listed:?}");
    let lines: Vec<String> = listed.iter().map(|l| l.line()).collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains(id.as_str()) && l.contains("update") && l.contains("slash#dead.1")),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l.contains("unreadable")), "{lines:?}");
    // Listing takes nothing away.
    assert_eq!(dead.list(100).await.unwrap().len(), 3);

    // Only this incident's: the other two stay.
    let r = dead.replay(Some(id.as_str())).await.unwrap();
    assert_eq!((r.sent, r.left), (1, 2));
    app.host.settle().await;
    let posted = |app: &App| {
        app.channel(&channel)
            .messages
            .iter()
            .filter(|m| m.text.contains("Consumers restarted"))
            .count()
    };
    assert_eq!(posted(&app), 1);

    // The same command buried and replayed again (it had been applied after all):
    // still one update, one timeline entry.
    bury(
        serde_json::to_string(&lost).unwrap(),
        lost.group_id(),
        "again".into(),
    )
    .await;
    let r = dead.replay(None).await.unwrap();
    assert_eq!((r.sent, r.left), (2, 1), "the unreadable one stays");
    app.host.settle().await;
    assert_eq!(posted(&app), 1);
    let updates = app
        .timeline(&id)
        .await
        .into_iter()
        .filter(|r| matches!(r.event, Event::UpdatePosted { .. }))
        .count();
    assert_eq!(updates, 1);
    assert_eq!(dead.list(100).await.unwrap().len(), 1);
}
