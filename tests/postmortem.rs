//! Postmortems end to end in local mode: resolving drafts one from the timeline, posts
//! it in the channel and threads a notice under the announcement; asking again with no
//! change posts nothing new.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flare_slack_sim::ViewValues;
use flare_tests::app::App;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolving_posts_a_postmortem_drafted_from_the_timeline_once() {
    let app = App::start().await;
    let (id, name) = app
        .declare(
            "U0ALICE",
            "Search returns stale results",
            "S2",
            ViewValues::new().set("coordinator", "value", "U0CAROL"),
        )
        .await;
    let channel = app.channel_id(&name);
    app.act("U0BOB", "conversations.join", json!({ "channel": channel }))
        .await;
    let posted = app
        .act(
            "U0BOB",
            "chat.postMessage",
            json!({ "channel": channel, "text": "index lag is 40 minutes" }),
        )
        .await;
    app.act(
        "U0ALICE",
        "reactions.add",
        json!({ "channel": channel, "timestamp": posted["ts"], "name": "receipt" }),
    )
    .await;
    app.slash("U0CAROL", &name, "impact start 20m ago").await;
    app.slash("U0CAROL", &name, "status fixing reindexing")
        .await;
    app.slash("U0CAROL", &name, "update reindex at 60%").await;
    app.slash("U0CAROL", &name, "resolve reindex finished")
        .await;

    let files: Vec<_> = app
        .host
        .sim
        .state()
        .files
        .into_iter()
        .filter(|f| f.completed)
        .collect();
    assert_eq!(files.len(), 1, "one postmortem file");
    let doc = &files[0].content;
    for expected in [
        "Search returns stale results",
        "index lag is 40 minutes",
        "reindex at 60%",
        "Time to resolve",
        "Root cause",
        "Action items",
        "gantt",
    ] {
        assert!(
            doc.contains(expected),
            "postmortem lacks {expected:?}:\n{doc}"
        );
    }
    assert_eq!(files[0].channel.as_deref(), Some(channel.as_str()));
    let announcement_thread = app
        .channel("incidents")
        .messages
        .into_iter()
        .filter(|m| m.thread_ts.is_some())
        .count();
    assert_eq!(
        announcement_thread, 1,
        "one 'postmortem ready' notice under the announcement"
    );

    // Asking for it posts a fresh draft, once however often the request is delivered.
    let resolved = format!("{name}-resolved");
    app.slash("U0CAROL", &resolved, "postmortem").await;
    let files_now = app
        .host
        .sim
        .state()
        .files
        .into_iter()
        .filter(|f| f.completed)
        .count();
    let refs = flare::store::IncidentStore::refs(app.host.store.as_ref(), &id)
        .await
        .unwrap();
    assert!(refs.contains_key("postmortem_file"), "{refs:?}");
    assert_eq!(files_now, 2, "one fresh draft");
    let pinned_bookmarks = app.host.sim.state().bookmarks.len();
    assert_eq!(pinned_bookmarks, 1, "still one bookmark");
}
