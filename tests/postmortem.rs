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
        .filter(|m| m.thread_ts.is_some() && m.text.to_lowercase().contains("postmortem"))
        .count();
    assert_eq!(
        announcement_thread, 1,
        "one 'postmortem ready' notice under the announcement (beside the updates)"
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
    // The call's bookmark (configured) and the postmortem's, each once.
    let bookmarks = app.host.sim.state().bookmarks;
    let postmortem = bookmarks
        .iter()
        .filter(|b| b.title.contains("ostmortem"))
        .count();
    assert_eq!(
        postmortem, 1,
        "still one postmortem bookmark: {bookmarks:?}"
    );
    assert_eq!(bookmarks.len(), 2, "{bookmarks:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn action_items_become_tickets_once_and_land_in_the_postmortem() {
    let app = App::start().await;
    let (id, name) = app
        .declare("U0ALICE", "Queue stuck", "S3", ViewValues::new())
        .await;
    app.slash(
        "U0ALICE",
        &name,
        "action Alert on consumer lag <@U0BOB|bob>",
    )
    .await;
    app.slash("U0ALICE", &name, "action Document the replay runbook")
        .await;
    let r = app.slash("U0ALICE", &name, "ticket 7").await;
    assert!(
        r.body.contains(":no_entry:") && r.body.contains("no action item 7"),
        "refused in the first answer: {}",
        r.body
    );
    let incident = flare::store::IncidentStore::load(app.host.store.as_ref(), &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(incident.actions.len(), 2);
    assert_eq!(
        incident.actions[0].owner.as_ref().map(|u| u.as_str()),
        Some("U0BOB")
    );

    // The button on the action item, clicked twice: one issue.
    let message = app
        .channel(&name)
        .messages
        .into_iter()
        .find(|m| m.text.contains("Action item 1"))
        .unwrap();
    let channel_id = app.channel_id(&name);
    for _ in 0..2 {
        app.driver
            .block_action(
                "U0ALICE",
                &channel_id,
                &message.ts,
                "ticket:1",
                Some(id.as_str()),
            )
            .await
            .unwrap();
    }
    app.host.settle().await;
    app.slash("U0CAROL", &name, "ticket 1").await;
    let issues: Vec<_> = app
        .host
        .fakes
        .received()
        .into_iter()
        .filter(|r| r.vendor == "github")
        .collect();
    assert_eq!(issues.len(), 1, "one issue however often it is asked for");
    assert_eq!(issues[0].body["title"], "Alert on consumer lag");
    // Read outside Slack: the owner by name, assigned by their tracker login, and a
    // link back to the incident's channel.
    let body = issues[0].body["body"].as_str().unwrap_or_default();
    assert!(body.contains("Owner: Bob Brown"), "{body}");
    assert!(
        body.contains(&format!(
            "https://slack.com/app_redirect?channel={channel_id}"
        )),
        "{body}"
    );
    assert_eq!(issues[0].body["assignees"], serde_json::json!(["bob-gh"]));
    assert!(
        app.channel(&name)
            .messages
            .iter()
            .any(|m| m.text.contains("Action item 1 is tracked as"))
    );

    app.slash("U0ALICE", &name, "resolve").await;
    let doc = app
        .host
        .sim
        .state()
        .files
        .into_iter()
        .rev()
        .find(|f| f.completed)
        .unwrap()
        .content;
    assert!(
        doc.contains("1. Alert on consumer lag") && doc.contains("2. Document the replay runbook"),
        "{doc}"
    );
    // Read outside Slack: people by their names, never by their Slack ids.
    let owner = doc
        .lines()
        .find(|l| l.starts_with("| 1. Alert on consumer lag"))
        .unwrap_or_else(|| panic!("no action row: {doc}"));
    assert!(owner.contains("| Bob Brown |"), "{owner}");
    assert!(!doc.contains("@U0"), "a raw Slack id in: {doc}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_count_by_severity_and_time_the_response() {
    let app = App::start().await;
    let (_, a) = app
        .declare("U0ALICE", "Outage A", "S1", ViewValues::new())
        .await;
    let (_, _b) = app
        .declare("U0ALICE", "Glitch B", "S3", ViewValues::new())
        .await;
    app.slash("U0ALICE", &a, "status monitoring").await;
    app.slash("U0ALICE", &a, "resolve").await;

    // Answered by the worker after the ack: the summary, the CSV in a DM, the JSON.
    let text = app.stats("U0BOB", "7").await;
    assert!(
        text.contains("Incidents in the last 7 days:* 2 (S1: 1, S3: 1)"),
        "{text}"
    );
    assert!(text.contains("Time to resolve: median"), "{text}");
    let csv = app.stats("U0BOB", "7 csv").await;
    assert_eq!(
        csv.lines()
            .filter(|l| l.starts_with("2026") || l.contains(",S"))
            .count(),
        2,
        "{csv}"
    );
    let json = app.stats("U0BOB", "7 json").await;
    let stats: serde_json::Value = serde_json::from_str(json.trim_matches('`')).unwrap();
    assert_eq!(stats["incidents"], 2);
    assert_eq!(stats["to_resolve"]["count"], 1);
    assert!(
        app.slash("U0BOB", "general", "stats 9999")
            .await
            .body
            .contains("Usage")
    );
}

/// The deployed path: the worker publishes `IncidentResolved`, an EventBridge rule routes
/// it (here to an SQS queue, as a stand-in for the Lambda target moto can't invoke), and
/// the postmortem function's handler turns that very message into an S3 object and a
/// Slack post.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_eventbridge_rule_delivers_resolutions_to_the_postmortem_function() {
    let app = App::start().await;
    let sdk = &app.host.sdk;
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let q = sqs
        .create_queue()
        .queue_name(format!("{}-pm-tap", app.host.resources.event_bus))
        .send()
        .await
        .unwrap();
    let q_url = q.queue_url.unwrap();
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&q_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
        .clone();
    let eb = aws_sdk_eventbridge::Client::new(sdk);
    // The rule template.yaml declares for the postmortem function.
    eb.put_rule()
        .name("postmortem")
        .event_bus_name(&app.host.resources.event_bus)
        .event_pattern(r#"{"source":["flare.incidents"],"detail-type":["IncidentResolved","PostmortemRequested"]}"#)
        .send()
        .await
        .unwrap();
    eb.put_targets()
        .rule("postmortem")
        .event_bus_name(&app.host.resources.event_bus)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("pm")
                .arn(arn)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    let (id, name) = app
        .declare("U0ALICE", "Login loop", "S2", ViewValues::new())
        .await;
    app.slash("U0ALICE", &name, "update cookies fixed").await;
    app.slash("U0ALICE", &name, "resolve").await;

    let mut delivered = Vec::new();
    for _ in 0..50 {
        let out = sqs
            .receive_message()
            .queue_url(&q_url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        delivered.extend(
            out.messages()
                .iter()
                .filter_map(|m| m.body().map(str::to_owned)),
        );
        if !delivered.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(delivered.len(), 1, "only the resolution matches the rule");
    let event: serde_json::Value = serde_json::from_str(&delivered[0]).unwrap();
    assert_eq!(event["detail-type"], "IncidentResolved");

    // A second postmortem bucket, as the deployed function would have.
    let s3 = path_style_s3(sdk);
    let bucket = format!("{}-deployed-pm", app.host.resources.event_bus);
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let postmortems = flare_postmortem::Postmortems {
        incidents: app.host.store.clone(),
        documents: std::sync::Arc::new(flare_postmortem::S3PostmortemStore::from_sdk(
            sdk,
            &bucket,
            Some(&flare_tests::endpoint()),
        )),
        publisher: None,
        names: None,
        config: std::sync::Arc::new(flare::config::Config::default()),
    };
    let outcome = flare_postmortem::handle_event(&postmortems, event)
        .await
        .unwrap();
    assert!(
        matches!(outcome, flare_postmortem::handler::Outcome::Generated(_)),
        "{outcome:?}"
    );
    let object = s3
        .get_object()
        .bucket(&bucket)
        .key(format!("postmortems/{id}.md"))
        .send()
        .await
        .unwrap();
    let text = String::from_utf8(object.body.collect().await.unwrap().to_vec()).unwrap();
    assert!(
        text.contains("Login loop") && text.contains("cookies fixed"),
        "{text}"
    );
    // And the local host's own run posted it in Slack, as the deployed function would.
    assert!(
        app.host
            .sim
            .state()
            .files
            .iter()
            .any(|f| f.completed && f.content.contains("cookies fixed"))
    );
}

fn path_style_s3(sdk: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::from(sdk)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_go_on_the_card_the_bookmarks_and_the_postmortem() {
    let app = App::start().await;
    let (_, name) = app
        .declare("U0ALICE", "Invoices delayed", "S3", ViewValues::new())
        .await;
    app.slash(
        "U0ALICE",
        &name,
        "link https://acme.zendesk.example/tickets/4711 ACME ticket 4711",
    )
    .await;
    let r = app
        .slash("U0ALICE", &name, "link javascript:alert(1)")
        .await;
    assert!(
        r.body.contains(":no_entry:") && r.body.contains("web link"),
        "refused in the first answer: {}",
        r.body
    );
    let card = app
        .channel(&name)
        .messages
        .into_iter()
        .find(|m| m.pinned)
        .unwrap()
        .blocks
        .unwrap()
        .to_string();
    assert!(
        card.contains("ACME ticket 4711") && card.contains("tickets/4711"),
        "{card}"
    );
    assert!(!card.contains("javascript:"), "only web links");
    let bookmarks = app.host.sim.state().bookmarks;
    assert!(
        bookmarks.iter().any(|b| b.link.contains("tickets/4711")),
        "{bookmarks:?}"
    );
    app.slash("U0ALICE", &name, "resolve").await;
    let doc = app
        .host
        .sim
        .state()
        .files
        .into_iter()
        .rev()
        .find(|f| f.completed)
        .unwrap()
        .content;
    assert!(
        doc.contains("[ACME ticket 4711](https://acme.zendesk.example/tickets/4711)"),
        "{doc}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follow_up_and_a_redraft_at_the_review_after_closing_still_land() {
    let app = App::start().await;
    let (id, name) = app
        .declare("U0ALICE", "Cache stampede", "S3", ViewValues::new())
        .await;
    let channel = app.channel_id(&name);
    app.slash("U0ALICE", &name, "resolve warmed the cache")
        .await;
    app.slash("U0ALICE", &format!("{name}-resolved"), "close")
        .await;
    let incident = flare::store::IncidentStore::load(app.host.store.as_ref(), &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(incident.status, flare::domain::Status::Closed);
    assert!(app.host.sim.channel(&channel).unwrap().is_archived);

    // A week later, at the review, from #general: the incident is named.
    let r = app
        .slash(
            "U0ALICE",
            "general",
            &format!("action {id} Rate-limit cache rebuilds <@U0BOB|bob>"),
        )
        .await;
    assert!(r.body.contains("On it"), "{}", r.body);
    let r = app
        .slash("U0ALICE", "general", "action Rate-limit cache rebuilds")
        .await;
    assert!(r.body.contains("name the incident"), "{}", r.body);
    let r = app
        .slash(
            "U0ALICE",
            "general",
            "action 20200101-brave-otter Something",
        )
        .await;
    assert!(r.body.contains("There is no incident"), "{}", r.body);
    let incident = flare::store::IncidentStore::load(app.host.store.as_ref(), &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(incident.actions.len(), 1);
    assert_eq!(incident.actions[0].text, "Rate-limit cache rebuilds");

    // It is said in the announcement's thread, with its ticket button, which works.
    let incidents = app.channel("incidents");
    let announcement = incidents
        .messages
        .iter()
        .find(|m| m.is_top_level() && m.text.contains(id.as_str()))
        .expect("an announcement")
        .clone();
    let item = incidents
        .messages
        .iter()
        .find(|m| {
            m.thread_ts.as_deref() == Some(announcement.ts.as_str())
                && m.text.contains("Action item 1: Rate-limit cache rebuilds")
        })
        .expect("the action item in the announcement's thread")
        .clone();
    app.driver
        .block_action(
            "U0ALICE",
            &app.channel_id("incidents"),
            &item.ts,
            "ticket:1",
            Some(id.as_str()),
        )
        .await
        .unwrap();
    app.host.settle().await;
    let issues: Vec<_> = app
        .host
        .fakes
        .received()
        .into_iter()
        .filter(|r| r.vendor == "github")
        .collect();
    assert_eq!(issues.len(), 1, "the ticket is made after closing");
    let linked = app.channel("incidents").messages.into_iter().any(|m| {
        m.thread_ts.as_deref() == Some(announcement.ts.as_str())
            && m.text.contains("Action item 1 is tracked as")
    });
    assert!(linked, "and said in the thread");

    // Someone who was never in the incident can't add to it.
    let r = app
        .slash("U0ERIN", "general", &format!("action {id} Something else"))
        .await;
    app.host.settle().await;
    let incident = flare::store::IncidentStore::load(app.host.store.as_ref(), &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(incident.actions.len(), 1, "{}", r.body);
    assert!(r.body.contains("Only the people of"), "{}", r.body);

    // The postmortem is redrafted at the review, from #general, and shared in the
    // announcement's thread (the channel is archived), with the new action item and
    // its owner by name.
    let r = app
        .slash("U0ALICE", "general", &format!("postmortem {id}"))
        .await;
    assert!(r.body.contains("On it"), "{}", r.body);
    let redraft = app
        .channel("incidents")
        .messages
        .into_iter()
        .find(|m| {
            m.thread_ts.as_deref() == Some(announcement.ts.as_str())
                && m.subtype.as_deref() == Some("file_share")
        })
        .expect("the redraft in the announcement's thread");
    assert!(redraft.text.contains("redrafted"), "{}", redraft.text);
    let file = app
        .host
        .sim
        .state()
        .files
        .into_iter()
        .rfind(|f| f.completed && f.name == format!("postmortem-{id}.md"))
        .expect("the redrafted file");
    let row = file
        .content
        .lines()
        .find(|l| l.starts_with("| 1. Rate-limit cache rebuilds"))
        .unwrap_or_else(|| panic!("no action row: {}", file.content));
    assert!(row.contains("| Bob Brown |"), "{row}");
    // Someone who was never in the incident can't ask for it either.
    let r = app
        .slash("U0ERIN", "general", &format!("postmortem {id}"))
        .await;
    assert!(r.body.contains("Only the people of"), "{}", r.body);
    assert!(r.body.contains("redraft its postmortem"), "{}", r.body);
}
