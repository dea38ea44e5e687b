//! Reliability: many identical deliveries make one incident; Slack failing for a while
//! leaves nothing half-built once it recovers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flare::store::IncidentStore;
use flare_slack_sim::{Fault, ViewValues};
use flare_tests::app::App;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_identical_declarations_make_one_incident() {
    let app = App::start().await;
    let general = app.channel_id("general");
    let open = app
        .driver
        .prepare_command("U0ALICE", &general, "/incident", "")
        .unwrap();
    assert_eq!(app.driver.send(&open).await.unwrap().status, 200);
    let view = app.host.sim.views()[0].id.clone();
    let values = ViewValues::new()
        .set("title", "value", "Everything is on fire")
        .set("severity", "value", "S1");
    let submit = app
        .driver
        .prepare_view_submission("U0ALICE", &view, &values)
        .unwrap();
    let mut sends = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let (driver, submit) = (app.driver.clone(), submit.clone());
        sends.spawn(async move { driver.send(&submit).await.map(|r| r.status) });
    }
    while let Some(r) = sends.join_next().await {
        assert_eq!(r.unwrap().unwrap(), 200);
    }
    app.host.settle().await;
    assert_eq!(app.host.store.open().await.unwrap().len(), 1);
    assert_eq!(app.host.sim.calls_to("conversations.create").len(), 1);
    let id = app.latest_incident().await;
    assert_eq!(app.timeline(&id).await.len(), 1);
    let name = format!("inc-{id}");
    assert_eq!(
        app.channel(&name)
            .messages
            .iter()
            .filter(|m| m.pinned)
            .count(),
        1,
        "one card"
    );
    assert_eq!(
        app.channel("incidents")
            .messages
            .iter()
            .filter(|m| m.text.contains(id.as_str()))
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_failing_for_a_while_leaves_nothing_half_built() {
    let app = App::start().await;
    // Slack answers 500 to the next few channel creations and posts, and rate-limits invites.
    app.host.sim.inject_fault(Fault {
        method: "conversations.create".into(),
        error: "http_500".into(),
        count: 5,
        retry_after: 1,
    });
    app.host.sim.inject_fault(Fault {
        method: "chat.postMessage".into(),
        error: "http_500".into(),
        count: 3,
        retry_after: 1,
    });
    app.host.sim.inject_fault(Fault {
        method: "conversations.invite".into(),
        error: "ratelimited".into(),
        count: 2,
        retry_after: 1,
    });
    let (id, name) = app
        .declare("U0ALICE", "Flaky Slack", "S2", ViewValues::new())
        .await;
    // The worker retried (SQS redelivery) until Slack recovered.
    for _ in 0..100 {
        if app
            .host
            .sim
            .channel_by_name(&name)
            .is_some_and(|c| c.messages.iter().any(|m| m.pinned))
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        app.host.settle().await;
    }
    let channel = app.channel(&name);
    assert_eq!(
        app.host
            .sim
            .calls_to("conversations.create")
            .iter()
            .filter(|c| c.ok)
            .count(),
        1,
        "one channel"
    );
    assert_eq!(
        channel.messages.iter().filter(|m| m.pinned).count(),
        1,
        "one card"
    );
    assert!(
        channel.members.contains(&"U0ALICE".to_string()),
        "invited after the rate limit"
    );
    assert_eq!(
        app.channel("incidents")
            .messages
            .iter()
            .filter(|m| m.text.contains(id.as_str()))
            .count(),
        1,
        "one announcement"
    );
    let stored = app.host.store.events(&id, 1).await.unwrap();
    assert!(
        stored.iter().all(|e| e.pending.is_empty()),
        "every effect finished: {stored:?}"
    );
}
