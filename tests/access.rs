//! What a larger organisation expects: who may do what (and the audit trail of every
//! attempt), private incidents kept from outsiders, duplicates offered at declaration,
//! and merging a duplicate into the incident it duplicates.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flare::domain::{AuditOutcome, CaptureKind, Event, Status};
use flare::store::{AuditLog, IncidentStore};
use flare_slack_sim::ViewValues;
use flare_tests::app::App;
use serde_json::{Value, json};

// The simulated workspace: alice reports, carol coordinates, bob owns `checkout`
// (invited with it), dave is in the incident-manager group (S0MANAGERS) but not in the
// channel, erin is a stranger to the incident.
const ALICE: &str = "U0ALICE";
const BOB: &str = "U0BOB";
const CAROL: &str = "U0CAROL";
const DAVE: &str = "U0DAVE";
const ERIN: &str = "U0ERIN";

fn coordinated_by(user: &str) -> ViewValues {
    ViewValues::new()
        .raw(
            "coordinator",
            "value",
            json!({ "type": "users_select", "selected_user": user }),
        )
        .set_many("services", "value", &["checkout"])
}

/// What the person was last told by Flare, privately.
fn told(app: &App, user: &str) -> Vec<String> {
    let mut out: Vec<String> = app
        .host
        .sim
        .ephemeral_for(user)
        .into_iter()
        .map(|e| e.text)
        .collect();
    if let Some(dm) = app.host.sim.dm_with(user) {
        out.extend(dm.messages.into_iter().map(|m| m.text));
    }
    out
}

async fn click(app: &App, user: &str, channel: &str, action: &str, incident: &str) {
    let id = app.channel_id(channel);
    let card = app
        .channel(channel)
        .messages
        .into_iter()
        .find(|m| m.pinned)
        .expect("the pinned card");
    let r = app
        .driver
        .block_action(user, &id, &card.ts, action, Some(incident))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    app.host.settle().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_permission_matrix_allows_and_refuses_by_role_and_says_who_may() {
    let app = App::start().await;
    let (id, name) = app
        .declare(ALICE, "Checkout errors", "S2", coordinated_by(CAROL))
        .await;
    let inc = app.host.store.load(&id).await.unwrap().unwrap();
    assert_eq!(
        inc.roles.coordinator.as_ref().map(|u| u.as_str()),
        Some(CAROL)
    );
    let members = app.channel(&name).members;
    assert!(members.contains(&BOB.to_string()) && !members.contains(&ERIN.to_string()));

    // A stranger may not take a role…
    click(&app, ERIN, &name, "claim:communications", id.as_str()).await;
    // …and keep a message for the papertrail.
    let note = app
        .act(
            BOB,
            "chat.postMessage",
            json!({ "channel": app.channel_id(&name), "text": "5xx at 40%" }),
        )
        .await;
    app.driver
        .react(
            ERIN,
            &app.channel_id(&name),
            note["ts"].as_str().unwrap(),
            "receipt",
        )
        .unwrap();
    app.host.settle().await;
    let refusals = told(&app, ERIN);
    assert_eq!(
        refusals
            .iter()
            .filter(|t| t.contains("Only people in the incident's channel")
                && t.contains("<!subteam^S0MANAGERS>"))
            .count(),
        1,
        "{refusals:?}"
    );
    let inc = app.host.store.load(&id).await.unwrap().unwrap();
    assert!(inc.roles.communications.is_none());

    // A member may change the severity; an incident manager outside the channel may
    // take a role there; a member gives one by name.
    app.slash(BOB, &name, "severity S1").await;
    assert!(!app.channel(&name).members.contains(&DAVE.to_string()));
    click(&app, DAVE, &name, "claim:communications", id.as_str()).await;
    app.slash(BOB, &name, "role postmortem").await;
    let inc = app.host.store.load(&id).await.unwrap().unwrap();
    assert_eq!(inc.severity.as_str(), "S1");
    assert_eq!(
        inc.roles.communications.as_ref().map(|u| u.as_str()),
        Some(DAVE)
    );
    assert_eq!(
        inc.roles.postmortem_owner.as_ref().map(|u| u.as_str()),
        Some(BOB)
    );

    // Members may resolve; closing is the coordinator's, and the others are told who may.
    app.slash(ALICE, &name, "resolve").await;
    assert_eq!(
        app.host.store.load(&id).await.unwrap().unwrap().status,
        Status::Resolved
    );
    let name = format!("{name}-resolved");
    app.slash(ALICE, &name, "close").await;
    app.slash(BOB, &name, "close").await;
    for user in [ALICE, BOB] {
        assert!(
            told(&app, user)
                .iter()
                .any(|t| t.contains("Only the coordinator (<@U0CAROL>)")
                    && t.contains("incident manager")),
            "{user}: {:?}",
            told(&app, user)
        );
    }
    assert_eq!(
        app.host.store.load(&id).await.unwrap().unwrap().status,
        Status::Resolved,
        "members who aren't the coordinator can't close"
    );
    // The incident manager may.
    app.slash(DAVE, &name, "close").await;
    assert_eq!(
        app.host.store.load(&id).await.unwrap().unwrap().status,
        Status::Closed
    );

    // Every attempt is in the audit trail, with its outcome (and Flare's own record of
    // the page it made, by the paging effect).
    let trail = app.host.store.trail(&id).await.unwrap();
    assert!(
        trail
            .iter()
            .any(|e| e.command == "paged" && !matches!(e.actor, flare::domain::Actor::User { .. }))
    );
    let summary: Vec<(String, String, &str)> = trail
        .iter()
        .filter(|e| matches!(e.actor, flare::domain::Actor::User { .. }))
        .map(|e| {
            let who = match &e.actor {
                flare::domain::Actor::User { id } => id.to_string(),
                other => format!("{other:?}"),
            };
            let outcome = match &e.outcome {
                AuditOutcome::Applied { .. } => "applied",
                AuditOutcome::Refused { .. } => "refused",
                AuditOutcome::Denied { .. } => "denied",
            };
            (who, e.command.clone(), outcome)
        })
        .collect();
    fn expect(who: &str, command: &str, outcome: &'static str) -> (String, String, &'static str) {
        (who.to_string(), command.to_string(), outcome)
    }
    assert_eq!(
        summary,
        vec![
            expect(ALICE, "declare", "applied"),
            expect(ERIN, "role", "denied"),
            expect(ERIN, "capture", "applied"),
            expect(BOB, "severity", "applied"),
            expect(DAVE, "role", "applied"),
            expect(BOB, "role", "applied"),
            expect(ALICE, "resolve", "applied"),
            expect(ALICE, "close", "denied"),
            expect(BOB, "close", "denied"),
            expect(DAVE, "close", "applied"),
        ]
    );
    assert!(trail.iter().all(|e| e.source == "slack"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_trail_is_sent_as_a_file_to_whoever_asks_and_only_to_members() {
    let app = App::start().await;
    let (id, name) = app
        .declare(ALICE, "Search is slow", "S3", ViewValues::new())
        .await;
    app.slash(ALICE, &name, "update Looking at the index").await;
    app.slash(ALICE, &name, "status fixing").await;
    app.slash(ALICE, &name, "status fixing").await; // nothing to change: refused
    // The same slash command delivered twice (a Slack retry) is one entry.
    let prepared = app
        .driver
        .prepare_command(ALICE, &app.channel_id(&name), "/incident", "audit")
        .unwrap();
    app.driver.send(&prepared).await.unwrap();
    app.driver.send(&prepared).await.unwrap();
    app.host.settle().await;

    let files: Vec<_> = app
        .host
        .sim
        .state()
        .files
        .into_iter()
        .filter(|f| f.name == format!("audit-{id}.csv"))
        .collect();
    assert_eq!(files.len(), 1, "one file for one request");
    let dm = app.host.sim.dm_with(ALICE).expect("a DM with alice");
    assert_eq!(files[0].channel.as_deref(), Some(dm.id.as_str()));
    let csv = &files[0].content;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "time,actor,actor_name,source,command,outcome,details,reason,command_id"
    );
    let commands: Vec<(&str, &str)> = lines[1..]
        .iter()
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (cells[4], cells[5])
        })
        .collect();
    assert_eq!(
        commands,
        vec![
            ("declare", "applied"),
            ("update", "applied"),
            ("status", "applied"),
            ("status", "refused"),
            ("audit", "applied"),
        ],
        "{csv}"
    );
    // Read outside Slack, the trail names people next to their ids.
    assert!(
        lines[1].starts_with(&format!("{},U0ALICE,Alice Anderson,", &lines[1][..24])),
        "{csv}"
    );
    assert!(csv.contains("Looking at the index"));
    assert!(csv.contains("Nothing to change"));

    // A stranger's request (a button can't ask; a slash outside the channel is not
    // for this incident) never reaches them: the export is members-only.
    let trail = app.host.store.trail(&id).await.unwrap();
    assert_eq!(trail.len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_incident_is_invisible_to_non_members_in_announcement_list_and_home() {
    let app = App::start().await;
    let (id, name) = app
        .declare(
            ALICE,
            "Credential leak in logs",
            "S2",
            coordinated_by(CAROL).set_many("options", "value", &["private"]),
        )
        .await;
    let (_, public) = app
        .declare(BOB, "Slow search", "S3", ViewValues::new())
        .await;
    let channel = app.channel(&name);
    assert!(channel.is_private);
    // Only the reporter and the roles: bob owns `checkout` but is not pulled in.
    let mut members = channel.members.clone();
    members.sort();
    assert_eq!(members, ["U0ALICE", "U0CAROL", "U0FLAREBOT"]);
    let announced: Vec<String> = app
        .channel("incidents")
        .messages
        .iter()
        .map(|m| {
            format!(
                "{} {}",
                m.text,
                m.blocks.as_ref().map(Value::to_string).unwrap_or_default()
            )
        })
        .collect();
    assert!(
        announced.iter().all(|t| !t.contains("Credential")),
        "{announced:?}"
    );
    assert!(announced.iter().any(|t| t.contains("private")));

    let list = |user: &'static str| {
        let app = &app;
        async move {
            let r = app.slash(user, "general", "list").await;
            serde_json::from_str::<Value>(&r.body).unwrap()["text"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    assert!(!list(BOB).await.contains("Credential"));
    let erin = list(ERIN).await;
    assert!(
        !erin.contains("Credential") && !erin.contains(id.as_str()),
        "{erin}"
    );
    assert!(erin.contains("Slow search"));
    for member in [ALICE, CAROL] {
        assert!(list(member).await.contains("Credential leak"), "{member}");
    }
    // Someone invited into the private channel later sees it too.
    app.act(
        CAROL,
        "conversations.invite",
        json!({ "channel": channel.id, "users": DAVE }),
    )
    .await;
    assert!(list(DAVE).await.contains("Credential leak"));

    // The Home tab, per viewer.
    let home = |user: &'static str| {
        let app = &app;
        async move {
            app.driver
                .event(json!({ "type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home" }))
                .await
                .unwrap();
            app.host.settle().await;
            let view = app
                .host
                .sim
                .views()
                .into_iter()
                .rfind(|v| v.user == user && v.kind == "home")
                .expect("a published home");
            serde_json::to_string(&view.view).unwrap()
        }
    };
    let erin = home(ERIN).await;
    assert!(
        erin.contains("Slow search") && !erin.contains("Credential"),
        "{erin}"
    );
    let carol = home(CAROL).await;
    assert!(carol.contains("Credential leak"), "{carol}");
    assert!(
        carol.contains("Your roles") && carol.contains("coordinator"),
        "{carol}"
    );
    assert!(carol.contains(&app.channel_id(&public)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declaration_for_the_same_services_is_offered_the_open_incident_to_join() {
    let app = App::start().await;
    let (first, first_name) = app
        .declare(ALICE, "Checkout 502s", "S2", coordinated_by(ALICE))
        .await;
    // Erin declares the same thing: the modal turns into the candidates.
    app.slash(ERIN, "general", "").await;
    let view = app.host.sim.views().last().unwrap().id.clone();
    let values = ViewValues::new()
        .set("title", "value", "Cannot pay")
        .set("severity", "value", "S2")
        .set_many("services", "value", &["checkout"]);
    let submit = app
        .driver
        .prepare_view_submission(ERIN, &view, &values)
        .unwrap();
    let r = app.driver.send(&submit).await.unwrap();
    let answer: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(answer["response_action"], "update", "{answer}");
    let offered = answer["view"].to_string();
    assert!(offered.contains("Checkout 502s") && offered.contains(first.as_str()));
    app.host.settle().await;
    assert_eq!(
        app.host.store.open().await.unwrap().len(),
        1,
        "nothing declared yet"
    );

    // "Join": erin is in the existing channel, and still nothing new is declared.
    let join = app
        .driver
        .prepare_view_block_action(ERIN, &view, "join", Some(first.as_str()))
        .unwrap();
    assert_eq!(app.driver.send(&join).await.unwrap().status, 200);
    app.host.settle().await;
    assert!(app.channel(&first_name).members.contains(&ERIN.to_string()));
    assert_eq!(app.host.store.open().await.unwrap().len(), 1);

    // Unrelated services are not offered anything; "Declare anyway" declares.
    app.slash(BOB, "general", "").await;
    let other = app.host.sim.views().last().unwrap().id.clone();
    let r = app
        .driver
        .send(
            &app.driver
                .prepare_view_submission(
                    BOB,
                    &other,
                    &ViewValues::new()
                        .set("title", "value", "Search down")
                        .set("severity", "value", "S3")
                        .set_many("services", "value", &["search"]),
                )
                .unwrap(),
        )
        .await
        .unwrap();
    assert!(r.body.is_empty(), "{}", r.body);
    app.host.settle().await;
    assert_eq!(app.host.store.open().await.unwrap().len(), 2);

    app.slash(CAROL, "general", "").await;
    let third = app.host.sim.views().last().unwrap().id.clone();
    let submit = app
        .driver
        .prepare_view_submission(
            CAROL,
            &third,
            &ViewValues::new()
                .set("title", "value", "Checkout slow")
                .set("severity", "value", "S3")
                .set_many("services", "value", &["checkout"]),
        )
        .unwrap();
    app.driver.send(&submit).await.unwrap();
    let anyway = app
        .driver
        .prepare_view_submission(CAROL, &third, &ViewValues::new())
        .unwrap();
    // Submitted twice (a double click): one incident.
    app.driver.send(&anyway).await.unwrap();
    app.driver.send(&anyway).await.unwrap();
    app.host.settle().await;
    let open = app.host.store.open().await.unwrap();
    assert_eq!(open.len(), 3);
    let newest = app.latest_incident().await;
    let inc = app.host.store.load(&newest).await.unwrap().unwrap();
    assert_eq!(inc.title, "Checkout slow");
    assert_eq!(inc.services, vec!["checkout".to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merging_a_duplicate_moves_every_entry_once_invites_its_people_and_archives_it() {
    let app = App::start().await;
    let (target, target_name) = app
        .declare(ALICE, "Checkout errors", "S1", coordinated_by(ALICE))
        .await;
    // A second responder declares the same problem from an alert message.
    let alerts = app
        .act(ALICE, "conversations.create", json!({ "name": "alerts" }))
        .await;
    let alerts = alerts["channel"]["id"].as_str().unwrap().to_owned();
    app.act(
        ALICE,
        "conversations.invite",
        json!({ "channel": alerts, "users": CAROL }),
    )
    .await;
    let alert = app
        .act(
            ALICE,
            "chat.postMessage",
            json!({ "channel": alerts, "text": "ALERT checkout p99 > 2s" }),
        )
        .await;
    let alert_ts = alert["ts"].as_str().unwrap().to_owned();
    let r = app
        .driver
        .message_action(
            CAROL,
            &alerts,
            &alert_ts,
            flare::slack::app::DECLARE_FROM_MESSAGE,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    let view = app.host.sim.views().last().unwrap().id.clone();
    let submit = app
        .driver
        .prepare_view_submission(
            CAROL,
            &view,
            &ViewValues::new()
                .set("title", "value", "Checkout latency alert")
                .set("severity", "value", "S2"),
        )
        .unwrap();
    app.driver.send(&submit).await.unwrap();
    app.host.settle().await;
    let dup = app.latest_incident().await;
    assert_ne!(dup, target);
    let dup_name = format!("inc-{dup}");
    app.slash(CAROL, &dup_name, "update Rolling back the deploy")
        .await;
    let note = app
        .act(
            CAROL,
            "chat.postMessage",
            json!({ "channel": app.channel_id(&dup_name), "text": "deploy 42 is the suspect" }),
        )
        .await;
    app.driver
        .react(
            CAROL,
            &app.channel_id(&dup_name),
            note["ts"].as_str().unwrap(),
            "receipt",
        )
        .unwrap();
    app.host.settle().await;
    app.slash(CAROL, &dup_name, "action Add a latency canary")
        .await;
    app.slash(
        CAROL,
        &dup_name,
        "link https://grafana.example/d/checkout Dashboard",
    )
    .await;

    // Merging across private/public is refused; merging into a missing one too.
    let (private, _) = app
        .declare(
            BOB,
            "Secret",
            "S3",
            ViewValues::new().set_many("options", "value", &["private"]),
        )
        .await;
    app.slash(CAROL, &dup_name, &format!("merge {private}"))
        .await;
    app.slash(CAROL, &dup_name, "merge 20200101-no-such").await;
    assert!(
        told(&app, CAROL)
            .iter()
            .any(|t| t.contains("private incident and a public one")),
        "{:?}",
        told(&app, CAROL)
    );
    assert_eq!(
        app.host.store.load(&dup).await.unwrap().unwrap().status,
        Status::Investigating
    );

    // The merge, delivered twice (Slack's retry), then asked again by someone else.
    let merge = app
        .driver
        .prepare_command(
            CAROL,
            &app.channel_id(&dup_name),
            "/incident",
            &format!("merge <#{}|{target_name}>", app.channel_id(&target_name)),
        )
        .unwrap();
    app.driver.send(&merge).await.unwrap();
    app.driver.send(&merge).await.unwrap();
    app.host.settle().await;
    app.slash(CAROL, &dup_name, &format!("merge {target}"))
        .await;

    let source = app.host.store.load(&dup).await.unwrap().unwrap();
    assert_eq!(
        (source.status, source.merged_into.as_ref()),
        (Status::Closed, Some(&target))
    );
    let dup_channel = app.channel(&dup_name);
    assert!(dup_channel.is_archived);
    // Its topic says where the incident went, not its last status.
    assert!(
        dup_channel.topic.starts_with("Merged into <#"),
        "{}",
        dup_channel.topic
    );
    assert!(
        dup_channel
            .messages
            .iter()
            .any(|m| m.text.contains("merged this incident into"))
    );

    let timeline = app.timeline(&target).await;
    let absorbed: Vec<&Event> = timeline
        .iter()
        .filter_map(|r| match &r.event {
            Event::Absorbed { event, .. } => Some(event.as_ref()),
            _ => None,
        })
        .collect();
    let count = |f: &dyn Fn(&Event) -> bool| absorbed.iter().filter(|e| f(e)).count();
    assert_eq!(count(&|e| matches!(e, Event::Declared(_))), 1);
    assert_eq!(count(&|e| matches!(e, Event::UpdatePosted { .. })), 1);
    assert_eq!(
        count(
            &|e| matches!(e, Event::Captured { kind: CaptureKind::Papertrail, message } if message.text.contains("ALERT checkout"))
        ),
        1,
        "the alert it was declared from"
    );
    assert_eq!(
        count(
            &|e| matches!(e, Event::Captured { message, .. } if message.text.contains("deploy 42"))
        ),
        1
    );
    assert_eq!(count(&|e| matches!(e, Event::LinkAdded { .. })), 1);
    assert_eq!(
        timeline
            .iter()
            .filter(|r| matches!(r.event, Event::MergedFrom { .. }))
            .count(),
        1,
        "merged once"
    );
    // The original times travel with the entries.
    let update_at = app
        .timeline(&dup)
        .await
        .into_iter()
        .find(|r| matches!(r.event, Event::UpdatePosted { .. }))
        .unwrap()
        .at;
    assert!(timeline.iter().any(|r| matches!(&r.event, Event::Absorbed { at, event, .. } if *at == update_at && matches!(event.as_ref(), Event::UpdatePosted { .. }))));
    let merged = app.host.store.load(&target).await.unwrap().unwrap();
    assert_eq!(
        merged
            .actions
            .iter()
            .map(|a| a.text.as_str())
            .collect::<Vec<_>>(),
        vec!["Add a latency canary"]
    );
    assert!(
        merged
            .links
            .iter()
            .any(|(_, u)| u == "https://grafana.example/d/checkout")
    );
    assert!(
        app.channel(&target_name)
            .members
            .contains(&CAROL.to_string()),
        "its people follow"
    );
    assert!(
        app.channel(&target_name)
            .messages
            .iter()
            .any(|m| m.text.contains("merged") && m.text.contains("Checkout latency alert"))
    );
    // No orphan: nothing is left open but the target and the private one.
    let mut open: Vec<String> = app
        .host
        .store
        .open()
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.id.to_string())
        .collect();
    open.sort();
    let mut expected = vec![target.to_string(), private.to_string()];
    expected.sort();
    assert_eq!(open, expected);
    // Its channel was archived by Flare.
    assert!(
        app.host
            .sim
            .calls_to("conversations.archive")
            .iter()
            .any(|c| c.params.to_string().contains(&dup_channel.id))
    );
}

#[tokio::test]
async fn stats_count_private_incidents_only_for_the_people_who_can_see_them() {
    let app = App::start().await;
    let (public, _) = app
        .declare(ALICE, "Public outage", "S3", ViewValues::new())
        .await;
    let (private, _) = app
        .declare(
            ALICE,
            "Secret outage",
            "S2",
            ViewValues::new().set_many("options", "value", &["private"]),
        )
        .await;
    let stats = |who: &'static str, format: &'static str| {
        let app = &app;
        async move { app.stats(who, &format!("7 {format}")).await }
    };
    // Erin can't see the private one: in no format.
    let csv = stats(ERIN, "csv").await;
    assert!(csv.contains(public.as_str()), "{csv}");
    assert!(!csv.contains(private.as_str()), "{csv}");
    assert!(stats(ERIN, "").await.contains("7 days:* 1 "));
    let json = stats(ERIN, "json").await;
    assert!(json.contains("\"incidents\": 1"), "{json}");
    // Alice reported it: she sees both.
    let csv = stats(ALICE, "csv").await;
    assert!(
        csv.contains(public.as_str()) && csv.contains(private.as_str()),
        "{csv}"
    );
}

#[tokio::test]
async fn roles_go_to_people_not_to_bots_or_unknown_ids() {
    let app = App::start().await;
    let (id, channel) = app
        .declare(ALICE, "Roles for people", "S3", ViewValues::new())
        .await;
    for (who, says) in [
        ("<@U0FLAREBOT>", "is a bot"),
        ("<@U0NOBODY1>", "is not a person in this workspace"),
    ] {
        let r = app.slash(ALICE, &channel, &format!("role ops {who}")).await;
        let body: Value = serde_json::from_str(&r.body).unwrap();
        assert!(body["text"].as_str().unwrap().contains(says), "{}", r.body);
    }
    let inc = app.host.store.load(&id).await.unwrap().unwrap();
    assert!(
        !inc.roles
            .operations
            .iter()
            .any(|u| u.as_str() == "U0FLAREBOT" || u.as_str() == "U0NOBODY1"),
        "{:?}",
        inc.roles
    );
    // A person still gets it.
    app.slash(ALICE, &channel, "role ops <@U0BOB>").await;
    let inc = app.host.store.load(&id).await.unwrap().unwrap();
    assert!(inc.roles.operations.iter().any(|u| u.as_str() == BOB));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_with_crafted_buttons_learns_nothing_of_a_private_incident_and_changes_nothing()
{
    let app = App::start().await;
    let (id, name) = app
        .declare(
            ALICE,
            "Credential leak in logs",
            "S2",
            coordinated_by(CAROL).set_many("options", "value", &["private"]),
        )
        .await;
    app.slash(CAROL, &name, "action Rotate the leaked keys")
        .await;
    let channel = app.channel_id(&name);
    let before = app.timeline(&id).await.len();
    let card = app
        .channel(&name)
        .messages
        .into_iter()
        .find(|m| m.pinned)
        .expect("the pinned card");

    // Erin is in neither the channel nor a role: a signed payload she crafted names the
    // private incident in each button's value. A nonexistent incident for comparison.
    let draft = json!({ "i": id.as_str(), "t": "pwned" }).to_string();
    let presses: [(&str, &str); 7] = [
        ("post_update", draft.as_str()),
        ("snooze:600", id.as_str()),
        ("ticket:1", id.as_str()),
        ("ticket:9", id.as_str()),
        ("statuspage", id.as_str()),
        ("ack", id.as_str()),
        ("claim:comms", id.as_str()),
    ];
    // A real press of one of the card's buttons, its action and value then rewritten.
    let button = first_action_id(card.blocks.as_ref().unwrap()).unwrap();
    let press = |n: usize, action: &str, value: &str| {
        let mut payload = app
            .driver
            .prepare_block_action(ERIN, &channel, &card.ts, &button, None)
            .unwrap()
            .payload;
        payload["trigger_id"] = json!(format!("1337.{n}.crafted"));
        payload["actions"][0]["action_id"] = json!(action);
        payload["actions"][0]["value"] = json!(value);
        app.driver.prepare_interaction(payload)
    };
    for (n, (action, value)) in presses.iter().enumerate() {
        let r = app.driver.send(&press(n, action, value)).await.unwrap();
        assert_eq!(r.status, 200, "{action}");
    }
    let r = app
        .driver
        .send(&press(99, "ack", "20240101-missing-yak"))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    app.host.settle().await;

    let heard = told(&app, ERIN);
    let missing = flare::domain::DomainError::NotFound.to_string();
    assert_eq!(heard.len(), presses.len() + 1, "{heard:?}");
    // Word for word the answer about the incident that does not exist (the last one).
    assert!(heard.iter().all(|t| t.ends_with(&missing)), "{heard:?}");
    assert!(
        heard.iter().all(|t| *t == heard[presses.len()]),
        "{heard:?}"
    );
    assert_eq!(app.timeline(&id).await.len(), before, "nothing changed");
    let texts: Vec<String> = app
        .channel(&name)
        .messages
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert!(texts.iter().all(|t| !t.contains("pwned")), "{texts:?}");
    assert!(
        app.host
            .fakes
            .received()
            .iter()
            .all(|r| r.vendor != "github"),
        "no ticket"
    );
    // Each denial is on the incident's audit trail all the same.
    let audit = app.host.store.trail(&id).await.unwrap();
    let denied = audit
        .iter()
        .filter(|e| matches!(e.outcome, AuditOutcome::Denied { .. }))
        .count();
    assert_eq!(denied, presses.len());

    // Its own people still act: the ticket goes out, without the private title (and
    // nothing reached the status page).
    app.slash(CAROL, &name, "ticket 1").await;
    let sent: Vec<String> = app
        .host
        .fakes
        .received()
        .into_iter()
        .filter(|r| r.vendor == "github" || r.vendor == "statuspage")
        .map(|r| r.body.to_string())
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        !sent[0].contains("Credential")
            && sent[0].contains("Rotate the leaked keys")
            && sent[0].contains("Private incident"),
        "{sent:?}"
    );
}

fn first_action_id(v: &Value) -> Option<String> {
    match v {
        Value::Object(m) => m
            .get("action_id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| m.values().find_map(first_action_id)),
        Value::Array(a) => a.iter().find_map(first_action_id),
        _ => None,
    }
}

/// More open incidents than a page: `/incident list` pages through them, most severe
/// first, says how many more there are (never counting what the person can't see),
/// and the Home tab is published by the worker after Slack's request was answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_pages_through_many_open_incidents_and_the_home_tab_comes_from_the_worker() {
    let mut app = App::start().await;
    app.declare(
        ALICE,
        "Hidden payroll leak",
        "S1",
        coordinated_by(CAROL).set_many("options", "value", &["private"]),
    )
    .await;
    // Declared one after another without waiting for each (the worker catches up).
    let general = app.channel_id("general");
    for n in 0..31 {
        let slash = app
            .driver
            .prepare_command(BOB, &general, "/incident", "")
            .unwrap();
        assert_eq!(app.driver.send(&slash).await.unwrap().status, 200);
        let view = app.host.sim.views().last().unwrap().id.clone();
        let values = ViewValues::new()
            .set("title", "value", &format!("Slow report {n:02}"))
            .set("severity", "value", "S3");
        let submit = app
            .driver
            .prepare_view_submission(BOB, &view, &values)
            .unwrap();
        assert_eq!(app.driver.send(&submit).await.unwrap().status, 200);
        // Declared in this order, a moment apart (newest first is by declaration time).
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    app.host.settle().await;
    let (_, worst) = app
        .declare(BOB, "Checkout down", "S1", ViewValues::new())
        .await;
    let text = |r: flare_slack_sim::DriverResponse| {
        serde_json::from_str::<Value>(&r.body).unwrap()["text"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let first = text(app.slash(ERIN, "general", "list").await);
    let lines: Vec<&str> = first.lines().filter(|l| l.contains(" · ")).collect();
    assert_eq!(lines.len(), 30, "{first}");
    assert!(
        lines[0].contains("Checkout down"),
        "most severe first: {first}"
    );
    let mut listed: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    assert!(!first.contains("payroll"), "{first}");
    // 32 she can see: 2 more, not 3 (the private one is not hers to count).
    assert!(
        first.contains("…and 2 more") && first.contains("`/incident list 2`"),
        "{first}"
    );
    let second = text(app.slash(ERIN, "general", "list 2").await);
    let lines: Vec<&str> = second.lines().filter(|l| l.contains(" · ")).collect();
    assert_eq!(lines.len(), 2, "{second}");
    listed.extend(lines.iter().map(|l| (*l).to_owned()));
    // Every one she can see, once, across the pages.
    for n in 0..31 {
        let title = format!("Slow report {n:02}");
        assert_eq!(
            listed.iter().filter(|l| l.contains(&title)).count(),
            1,
            "{title}"
        );
    }
    assert!(!second.contains("more"), "{second}");
    assert!(text(app.slash(ERIN, "general", "list 9").await).contains("past the end"));
    assert!(text(app.slash(ERIN, "general", "list x").await).contains("Usage"));
    // Carol coordinates the private one: it is hers to see and count.
    let carol = text(app.slash(CAROL, "general", "list").await);
    assert!(
        carol.contains("Hidden payroll leak") && carol.contains("…and 3 more"),
        "{carol}"
    );

    // The Home tab: the Slack function only queues it.
    app.host.kill_worker();
    app.host.wait_worker_stopped().await.unwrap();
    let homes = |app: &App| {
        app.host
            .sim
            .views()
            .into_iter()
            .filter(|v| v.user == ERIN && v.kind == "home")
            .count()
    };
    let r = app
        .driver
        .event(
            json!({ "type": "app_home_opened", "user": ERIN, "channel": "D0HOME", "tab": "home" }),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    app.host.sim.wait_idle().await;
    assert_eq!(homes(&app), 0, "nothing published on Slack's request path");
    app.host.restart_worker();
    app.host.settle().await;
    assert_eq!(homes(&app), 1);
    let view = app
        .host
        .sim
        .views()
        .into_iter()
        .rfind(|v| v.user == ERIN && v.kind == "home")
        .unwrap();
    let view = serde_json::to_string(&view.view).unwrap();
    assert!(
        view.contains("Checkout down") && view.contains(&app.channel_id(&worst)),
        "{view}"
    );
    assert!(!view.contains("payroll"), "{view}");
}
