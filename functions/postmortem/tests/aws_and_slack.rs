//! The postmortem end to end: incidents in DynamoDB and documents in S3 (moto, from
//! `FLARE_TEST_AWS_ENDPOINT`, which `make test` exports), Slack from the simulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{World, incident, resolve, resolved_event};
use flare::domain::{Command, Incident, IncidentId, Recorded, Status};
use flare::store::IncidentStore;
use flare_postmortem::fixtures;
use flare_postmortem::handle_event;
use flare_postmortem::handler::Outcome;
use flare_slack_sim::Fault;
use serde_json::json;

fn generated(outcome: Outcome) -> flare_postmortem::Report {
    match outcome {
        Outcome::Generated(r) => r,
        other => panic!("expected a postmortem, got {other:?}"),
    }
}

#[tokio::test]
async fn stored_and_posted_once_then_regeneration_changes_nothing() {
    let w = World::new().await;
    let (incident, timeline) = fixtures::scripted().unwrap();
    w.commit(&timeline, timeline.len()).await;
    let channel = w.slack_refs(&incident).await;
    let id = incident.id.clone();

    let report = generated(handle_event(&w.service, resolved_event(&id)).await.unwrap());
    assert!(report.written);
    assert!(
        report.slack.file && report.slack.bookmark && report.slack.notice,
        "{report:?}"
    );
    assert_eq!(w.versions(&id).await, 1);

    // The object: the rendered document, typed, with its hash.
    let object =
        w.s3.get_object()
            .bucket(&w.bucket)
            .key(format!("postmortems/{id}.md"))
            .send()
            .await
            .unwrap();
    assert_eq!(object.content_type(), Some("text/markdown; charset=utf-8"));
    assert_eq!(
        object.metadata().unwrap().get("flare-sha256"),
        Some(&report.sha256)
    );
    let body = String::from_utf8(object.body.collect().await.unwrap().to_vec()).unwrap();
    assert!(body.starts_with("# Postmortem: Cloud UI"));
    assert!(body.contains(&format!("https://slack.com/app_redirect?channel={channel}")));

    // Slack: the file in the channel, one bookmark, the notice under the announcement.
    let state = w.sim.state();
    let files: Vec<_> = state.files.iter().filter(|f| f.completed).collect();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].channel.as_deref(), Some(channel.as_str()));
    assert_eq!(
        files[0].content, body,
        "the uploaded bytes are the stored document"
    );
    assert_eq!(files[0].name, format!("postmortem-{id}.md"));
    let shared = w.sim.channel(&channel).unwrap().messages;
    assert!(
        shared
            .iter()
            .any(|m| m.subtype.as_deref() == Some("file_share") && m.text.contains("<@U0DAVE>")),
        "the file is shared with a comment for the postmortem owner"
    );
    let bookmarks: Vec<_> = state
        .bookmarks
        .iter()
        .filter(|b| b.channel_id == channel)
        .collect();
    assert_eq!(bookmarks.len(), 1);
    assert_eq!(bookmarks[0].title, "Postmortem");
    assert!(
        bookmarks[0]
            .link
            .ends_with(&format!("/{}/postmortems/{id}.md", w.bucket))
    );
    let refs = w.store.refs(&id).await.unwrap();
    let notices = w.notices();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].thread_ts.as_ref(), refs.get("announcement_ts"));
    assert!(
        notices[0].text.contains("postmortem draft"),
        "{}",
        notices[0].text
    );
    assert!(notices[0].text.contains(&format!("<#{channel}>")));
    assert!(refs.contains_key("postmortem_file"));
    assert!(refs.contains_key("postmortem_bookmark"));
    assert!(refs.contains_key(&format!("postmortem_notice#{}", incident.version)));

    // Again (a redelivered event, or `/incident postmortem`): nothing new anywhere.
    let calls = w.sim.calls().len();
    let again = w
        .service
        .generate(&id, flare_postmortem::Why::Resolved)
        .await
        .unwrap();
    assert!(!again.written);
    assert_eq!(again.sha256, report.sha256);
    assert!(!again.slack.file && !again.slack.bookmark && !again.slack.notice);
    let again = generated(handle_event(&w.service, resolved_event(&id)).await.unwrap());
    assert!(!again.written);
    assert_eq!(w.versions(&id).await, 1, "no new S3 put");
    assert_eq!(w.sim.calls().len(), calls, "no Slack call at all");
    assert_eq!(w.sim.state().files.len(), 1);
    assert_eq!(w.sim.calls_to("bookmarks.add").len(), 1);
    assert_eq!(w.notices().len(), 1);
}

#[tokio::test]
async fn a_private_incident_gets_no_notice() {
    let w = World::new().await;
    let timeline = incident("20240201-quiet-heron", true, &[resolve()]);
    w.commit(&timeline, timeline.len()).await;
    let incident = Incident::replay(&timeline).unwrap();
    let channel = w.slack_refs(&incident).await;
    let posts = w.sim.calls_to("chat.postMessage").len();

    let report = generated(
        handle_event(&w.service, resolved_event(&incident.id))
            .await
            .unwrap(),
    );
    assert!(report.slack.file && report.slack.bookmark);
    assert!(!report.slack.notice);
    assert!(w.notices().is_empty(), "nothing in #incidents");
    assert_eq!(w.sim.calls_to("chat.postMessage").len(), posts);
    assert_eq!(
        w.sim.state().files[0].channel.as_deref(),
        Some(channel.as_str())
    );
}

#[tokio::test]
async fn reopened_and_resolved_again_posts_a_fresh_file_and_keeps_one_bookmark() {
    let w = World::new().await;
    let timeline = incident(
        "20240201-second-wind",
        false,
        &[
            resolve(),
            Command::SetStatus {
                status: Status::Investigating,
                summary: Some("It came back.".into()),
            },
            resolve(),
        ],
    );
    // First resolution.
    w.commit(&timeline, 2).await;
    let first = Incident::replay(&timeline[..2]).unwrap();
    let channel = w.slack_refs(&first).await;
    let report = generated(
        handle_event(&w.service, resolved_event(&first.id))
            .await
            .unwrap(),
    );
    assert_eq!(report.version, 2);
    assert!(report.slack.file && report.slack.bookmark && report.slack.notice);

    // Reopened, resolved again: a new document version, a new file, a new notice.
    w.commit(&timeline, 4).await;
    let report = generated(
        handle_event(&w.service, resolved_event(&first.id))
            .await
            .unwrap(),
    );
    assert_eq!(report.version, 4);
    assert!(report.written);
    assert!(report.slack.file && report.slack.notice);
    assert!(
        !report.slack.bookmark,
        "the bookmark already points at the document"
    );
    assert_eq!(w.versions(&first.id).await, 2);
    let state = w.sim.state();
    assert_eq!(state.files.iter().filter(|f| f.completed).count(), 2);
    assert!(state.files[1].content.contains("generated_for_version=4"));
    assert!(state.files[1].content.contains("Reopened"));
    assert_eq!(
        state
            .bookmarks
            .iter()
            .filter(|b| b.channel_id == channel)
            .count(),
        1
    );
    let notices = w.notices();
    assert_eq!(notices.len(), 2);
    assert!(
        notices[1].text.contains("An updated postmortem draft"),
        "{}",
        notices[1].text
    );
}

#[tokio::test]
async fn closed_incidents_are_only_stored_and_other_events_are_ignored() {
    let w = World::new().await;
    // Closed (its channel archived): stored, not posted.
    let closed = incident("20240201-shut-door", false, &[resolve(), Command::Close]);
    w.commit(&closed, closed.len()).await;
    let id = closed[0].incident_id.clone();
    w.slack_refs(&Incident::replay(&closed).unwrap()).await;
    let report = generated(handle_event(&w.service, resolved_event(&id)).await.unwrap());
    assert!(report.written);
    assert!(!report.slack.file && !report.slack.bookmark && !report.slack.notice);
    assert!(report.slack.skipped.is_some());
    assert_eq!(w.versions(&id).await, 1);
    assert!(w.sim.state().files.is_empty());

    // Asked for at the review: shared in the announcement's thread, the channel being
    // archived; asked twice for the same version, shared once.
    let mut asked = resolved_event(&id);
    asked["detail-type"] = json!("PostmortemRequested");
    for _ in 0..2 {
        handle_event(&w.service, asked.clone()).await.unwrap();
    }
    let shared: Vec<_> = w
        .sim
        .channel_by_name("incidents")
        .unwrap()
        .messages
        .into_iter()
        .filter(|m| m.subtype.as_deref() == Some("file_share"))
        .collect();
    assert_eq!(shared.len(), 1, "{shared:?}");
    assert!(
        shared[0].thread_ts.is_some(),
        "in the announcement's thread"
    );
    assert!(shared[0].text.contains("redrafted"), "{}", shared[0].text);

    // Still open (reopened since the event was sent), unknown, or not a resolution.
    let open = incident("20240201-still-open", false, &[]);
    w.commit(&open, open.len()).await;
    let ignored = |o: Outcome| matches!(o, Outcome::Ignored { .. });
    let open_id = open[0].incident_id.clone();
    assert!(ignored(
        handle_event(&w.service, resolved_event(&open_id))
            .await
            .unwrap()
    ));
    let unknown = IncidentId::parse("20240201-never-was").unwrap();
    assert!(ignored(
        handle_event(&w.service, resolved_event(&unknown))
            .await
            .unwrap()
    ));
    let mut declared = resolved_event(&open_id);
    declared["detail-type"] = json!("IncidentDeclared");
    assert!(ignored(handle_event(&w.service, declared).await.unwrap()));
    assert!(ignored(
        handle_event(&w.service, json!({"garbage": true}))
            .await
            .unwrap()
    ));
    assert_eq!(w.versions(&open_id).await, 0);

    // Asked for explicitly, an open incident gets its draft too.
    let mut requested = resolved_event(&open_id);
    requested["detail-type"] = json!("PostmortemRequested");
    requested["source"] = json!("flare.slack");
    let report = generated(handle_event(&w.service, requested).await.unwrap());
    assert!(report.written);
    assert_eq!(
        report.slack.skipped.as_deref(),
        Some("the incident has no Slack channel")
    );
    assert_eq!(w.versions(&open_id).await, 1);
}

#[tokio::test]
async fn a_transient_slack_failure_is_retried_without_duplicates() {
    let w = World::new().await;
    let timeline = incident("20240201-flaky-link", false, &[resolve()]);
    w.commit(&timeline, timeline.len()).await;
    let incident = Incident::replay(&timeline).unwrap();
    w.slack_refs(&incident).await;

    w.sim.inject_fault(Fault::error(
        "files.completeUploadExternal",
        "internal_error",
        1,
    ));
    let err = handle_event(&w.service, resolved_event(&incident.id))
        .await
        .expect_err("a transient failure is an error, so Lambda retries");
    assert!(err.is_transient(), "{err}");
    assert_eq!(
        w.versions(&incident.id).await,
        1,
        "the document is stored already"
    );

    // Lambda's retry.
    let report = generated(
        handle_event(&w.service, resolved_event(&incident.id))
            .await
            .unwrap(),
    );
    assert!(!report.written, "same document");
    assert!(report.slack.file && report.slack.bookmark && report.slack.notice);
    let state = w.sim.state();
    assert_eq!(state.files.iter().filter(|f| f.completed).count(), 1);
    assert_eq!(w.notices().len(), 1);

    // A permanent refusal is reported and not retried (returning Ok ends Lambda's retries).
    let other = incident_timeline_for_permanent();
    w.commit(&other, other.len()).await;
    let other = Incident::replay(&other).unwrap();
    w.slack_refs(&other).await;
    w.sim
        .inject_fault(Fault::error("chat.postMessage", "not_in_channel", 1));
    let outcome = handle_event(&w.service, resolved_event(&other.id))
        .await
        .unwrap();
    assert!(
        matches!(&outcome, Outcome::Failed { reason } if reason.contains("not_in_channel")),
        "{outcome:?}"
    );
    assert_eq!(w.versions(&other.id).await, 1);
}

fn incident_timeline_for_permanent() -> Vec<Recorded> {
    incident("20240201-firm-refusal", false, &[resolve()])
}
