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
