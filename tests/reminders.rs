//! Reminders end to end: the local host's clock, the tick, the worker and the
//! simulator. Nudges come when due, once, and stop when they should.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use async_trait::async_trait;
use chrono::Duration;
use flare::bus::{CommandEnvelope, CommandQueue, Source};
use flare::clock::Clock;
use flare::domain::{Actor, Command, Declaration, IncidentId, Roles, SeverityScale};
use flare::store::{IncidentStore, Index, OpenIncident, Outcome, StoreError, StoredEvent};
use flare_slack_sim::ViewValues;
use flare_tests::app::App;
use std::collections::HashMap;
use std::sync::Mutex;

const NUDGE: &str = "time for an update";

fn count(app: &App, channel: &str, needle: &str) -> usize {
    app.channel(channel)
        .messages
        .iter()
        .filter(|m| m.text.contains(needle))
        .count()
}

/// Moves the clock the way a person drives local mode: through `POST /local/clock`,
/// which ticks the reminders at once.
async fn advance(app: &App, minutes: i64) {
    let r = reqwest::Client::new()
        .post(format!("{}/local/clock", app.host.base_url))
        .body(format!(r#"{{"advance_minutes": {minutes}}}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    app.host.settle().await;
}

async fn s1_with_coordinator(app: &App) -> (IncidentId, String) {
    app.declare(
        "U0ALICE",
        "Payments failing",
        "S1",
        ViewValues::new().set("coordinator", "value", "U0CAROL"),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_active_s1_is_nudged_every_thirty_minutes_until_an_update_resets_it() {
    let app = App::start().await;
    let (_, name) = s1_with_coordinator(&app).await;
    advance(&app, 29).await;
    assert_eq!(count(&app, &name, NUDGE), 0);
    advance(&app, 1).await;
    assert_eq!(count(&app, &name, NUDGE), 1, "at 30 minutes");
    let nudge = app
        .channel(&name)
        .messages
        .into_iter()
        .find(|m| m.text.contains(NUDGE))
        .unwrap();
    assert!(
        nudge.text.contains("<@U0CAROL>"),
        "the coordinator is named: {}",
        nudge.text
    );
    assert!(
        nudge.blocks.unwrap().to_string().contains("post_update"),
        "a draft ready to post"
    );
    advance(&app, 30).await;
    assert_eq!(count(&app, &name, NUDGE), 2, "at 60 minutes");

    app.slash("U0CAROL", &name, "update rolled back the deploy")
        .await;
    advance(&app, 29).await;
    assert_eq!(count(&app, &name, NUDGE), 2, "an update resets the clock");
    advance(&app, 1).await;
    assert_eq!(count(&app, &name, NUDGE), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_draft_posts_in_one_click_snooze_pauses_and_resolve_stops() {
    let app = App::start().await;
    let (id, name) = s1_with_coordinator(&app).await;
    app.slash("U0CAROL", &name, "status fixing found the bad config")
        .await;
    advance(&app, 30).await;
    let nudge = app
        .channel(&name)
        .messages
        .into_iter()
        .find(|m| m.text.contains(NUDGE))
        .unwrap();
    let blocks = nudge.blocks.unwrap();
    let post = blocks[1]["elements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["action_id"] == "post_update")
        .unwrap()
        .clone();
    let channel_id = app.channel_id(&name);
    let r = app
        .driver
        .block_action(
            "U0CAROL",
            &channel_id,
            &nudge.ts,
            "post_update",
            post["value"].as_str(),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    app.host.settle().await;
    let updates: Vec<String> = app
        .channel(&name)
        .messages
        .into_iter()
        .filter(|m| m.text.contains("*Update*"))
        .map(|m| m.text)
        .collect();
    assert_eq!(updates.len(), 1);
    assert!(
        updates[0].contains("We found the cause and are working on a fix: found the bad config."),
        "{updates:?}"
    );

    app.slash("U0CAROL", &name, "snooze 60").await;
    advance(&app, 59).await;
    assert_eq!(count(&app, &name, NUDGE), 1, "snoozed");
    advance(&app, 2).await;
    assert_eq!(count(&app, &name, NUDGE), 2, "back after the snooze");

    app.slash("U0CAROL", &name, "resolve").await;
    advance(&app, 120).await;
    assert_eq!(
        count(&app, &format!("{name}-resolved"), NUDGE),
        2,
        "resolve stops update nudges"
    );
    let incident = app.host.store.load(&id).await.unwrap().unwrap();
    assert!(incident.reminders.update_nudged_at.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_draft_is_in_sentences_with_names_and_can_be_edited_before_it_is_posted() {
    let app = App::start().await;
    let (_, name) = s1_with_coordinator(&app).await;
    app.slash("U0CAROL", &name, "role communications <@U0BOB|bob>")
        .await;
    app.slash("U0CAROL", &name, "severity S2").await;
    app.slash("U0CAROL", &name, "status monitoring rolled back")
        .await;
    advance(&app, 60).await;
    let nudge = app
        .channel(&name)
        .messages
        .into_iter()
        .find(|m| m.text.contains(NUDGE))
        .unwrap();
    // What a coordinator would write, people by name (their Slack profiles).
    for sentence in [
        "Bob Brown now handles communications.",
        "We lowered the severity from S1 to S2",
        "A fix is in place and we are watching it: rolled back.",
        "Carol Chen is coordinating.",
    ] {
        assert!(
            nudge.text.contains(sentence),
            "{sentence:?} in {}",
            nudge.text
        );
    }
    let blocks = nudge.blocks.clone().unwrap();
    let button = |id: &str| {
        blocks[1]["elements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["action_id"] == id)
            .unwrap_or_else(|| panic!("no {id} button"))["value"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let channel_id = app.channel_id(&name);

    // "Edit and post" opens the draft in a modal.
    let views_before = app.host.sim.views().len();
    let r = app
        .driver
        .block_action(
            "U0CAROL",
            &channel_id,
            &nudge.ts,
            "edit_update",
            Some(&button("edit_update")),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    let views = app.host.sim.views();
    assert_eq!(views.len(), views_before + 1, "a modal opened");
    let view = views.last().unwrap().clone();
    let field = &view.view["blocks"][0]["element"];
    assert!(
        field["initial_value"]
            .as_str()
            .unwrap()
            .contains("Bob Brown now handles communications."),
        "{field}"
    );
    // Empty: refused in the modal, nothing posted.
    let empty = app
        .driver
        .prepare_view_submission(
            "U0CAROL",
            &view.id,
            &ViewValues::new().set("update", "value", "  "),
        )
        .unwrap();
    let r = app.driver.send(&empty).await.unwrap();
    assert!(r.body.contains("Write the update"), "{}", r.body);
    // Edited and posted; then the one-click button on the same reminder posts nothing
    // more: one update from one reminder.
    let edited = app
        .driver
        .prepare_view_submission(
            "U0CAROL",
            &view.id,
            &ViewValues::new().set(
                "update",
                "value",
                "Payments are back; we are watching error rates.",
            ),
        )
        .unwrap();
    assert_eq!(app.driver.send(&edited).await.unwrap().status, 200);
    app.host.settle().await;
    app.driver
        .block_action(
            "U0CAROL",
            &channel_id,
            &nudge.ts,
            "post_update",
            Some(&button("post_update")),
        )
        .await
        .unwrap();
    app.host.settle().await;
    let updates: Vec<String> = app
        .channel(&name)
        .messages
        .into_iter()
        .filter(|m| m.text.contains("*Update*"))
        .map(|m| m.text)
        .collect();
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert!(updates[0].contains("Payments are back"), "{updates:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_and_late_ticks_nudge_once() {
    let app = App::start().await;
    let (_, name) = s1_with_coordinator(&app).await;
    // The clock moves without a tick, then two ticks race.
    app.host.clock.advance(Duration::minutes(31));
    let (a, b) = tokio::join!(app.host.tick(), app.host.tick());
    assert_eq!((a.unwrap().sent, b.unwrap().sent), (1, 1));
    app.host.settle().await;
    assert_eq!(count(&app, &name, NUDGE), 1, "two ticks, one nudge");

    // Three hours without a tick: one catch-up, not six.
    app.host.clock.advance(Duration::hours(3));
    app.host.tick().await.unwrap();
    app.host.settle().await;
    app.host.tick().await.unwrap();
    app.host.settle().await;
    assert_eq!(count(&app, &name, NUDGE), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unacknowledged_triage_incident_re_pings_then_escalates_once() {
    let app = App::start().await;
    let queue = flare::bus::SqsCommandQueue::new(
        aws_sdk_sqs::Client::new(&app.host.sdk),
        app.host.resources.command_queue_url.clone(),
    );
    let declaration = Declaration {
        title: "Customer reports checkout errors".into(),
        severity: SeverityScale::default().parse("S3").unwrap(),
        impact: String::new(),
        description: String::new(),
        services: vec!["checkout".into()],
        customer: Some("acme".into()),
        triage: true,
        private: false,
        page_oncall: false,
        roles: Roles::default(),
        impact_started_at: None,
        source_message: None,
        files: Vec::new(),
    };
    let env = CommandEnvelope {
        id: "mail#abc@acme.example".into(),
        incident: None,
        command: Command::Declare(Box::new(declaration)),
        actor: Actor::Email {
            address: "ops@acme.example".into(),
        },
        source: Source::Email,
        received_at: app.host.clock.now(),
        reply: None,
    };
    queue.send(&env).await.unwrap();
    app.host.settle().await;
    let id = app.latest_incident().await;
    let name = format!("inc-{id}");
    assert_eq!(count(&app, &name, "acknowledged this report yet"), 0);
    advance(&app, 10).await;
    assert_eq!(
        count(&app, &name, "acknowledged this report yet"),
        1,
        "re-ping at the threshold"
    );
    assert!(app.channel(&name).messages.iter().any(|m| m.text.contains("<@U0BOB>") && m.text.contains("acknowledged this report yet")), "on-call of the service is pinged");
    advance(&app, 10).await;
    assert_eq!(
        count(&app, &name, "escalated to the coordinator rotation"),
        1
    );
    advance(&app, 60).await;
    assert_eq!(
        count(&app, &name, "escalated to the coordinator rotation"),
        1,
        "once"
    );
    assert_eq!(count(&app, &name, "acknowledged this report yet"), 1);
}

/// Counts what the tick reads.
struct Counting<'a> {
    inner: &'a dyn IncidentStore,
    calls: Mutex<HashMap<&'static str, usize>>,
}

impl Counting<'_> {
    fn hit(&self, m: &'static str) {
        *self.calls.lock().unwrap().entry(m).or_default() += 1;
    }
}

#[async_trait]
impl IncidentStore for Counting<'_> {
    async fn load(&self, id: &IncidentId) -> Result<Option<flare::domain::Incident>, StoreError> {
        self.hit("load");
        self.inner.load(id).await
    }
    async fn events(&self, id: &IncidentId, from: u64) -> Result<Vec<StoredEvent>, StoreError> {
        self.hit("events");
        self.inner.events(id, from).await
    }
    async fn commit(&self, c: flare::store::Commit<'_>) -> Result<(), StoreError> {
        self.hit("commit");
        self.inner.commit(c).await
    }
    async fn outcome(&self, k: &str) -> Result<Option<Outcome>, StoreError> {
        self.hit("outcome");
        self.inner.outcome(k).await
    }
    async fn reject(&self, k: &str, r: &str) -> Result<(), StoreError> {
        self.hit("reject");
        self.inner.reject(k, r).await
    }
    async fn effect_done(&self, id: &IncidentId, v: u64, e: &str) -> Result<(), StoreError> {
        self.hit("effect_done");
        self.inner.effect_done(id, v, e).await
    }
    async fn put_index(
        &self,
        i: Index,
        k: &str,
        id: &IncidentId,
    ) -> Result<IncidentId, StoreError> {
        self.hit("put_index");
        self.inner.put_index(i, k, id).await
    }
    async fn get_index(&self, i: Index, k: &str) -> Result<Option<IncidentId>, StoreError> {
        self.hit("get_index");
        self.inner.get_index(i, k).await
    }
    async fn move_index(
        &self,
        i: Index,
        k: &str,
        from: &IncidentId,
        to: &IncidentId,
    ) -> Result<(), StoreError> {
        self.hit("move_index");
        self.inner.move_index(i, k, from, to).await
    }
    async fn claim(
        &self,
        k: &str,
        t: Duration,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, StoreError> {
        self.hit("claim");
        self.inner.claim(k, t, now).await
    }
    async fn refs(&self, id: &IncidentId) -> Result<HashMap<String, String>, StoreError> {
        self.hit("refs");
        self.inner.refs(id).await
    }
    async fn set_ref(&self, id: &IncidentId, k: &str, v: &str) -> Result<(), StoreError> {
        self.hit("set_ref");
        self.inner.set_ref(id, k, v).await
    }
    async fn due(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        l: i32,
    ) -> Result<Vec<OpenIncident>, StoreError> {
        self.hit("due");
        self.inner.due(now, l).await
    }
    async fn open(&self) -> Result<Vec<OpenIncident>, StoreError> {
        self.hit("open");
        self.inner.open().await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_open_index_query_is_the_only_read_per_tick() {
    let app = App::start().await;
    for title in ["a", "b", "c"] {
        app.declare("U0ALICE", title, "S1", ViewValues::new()).await;
    }
    let counting = Counting {
        inner: app.host.store.as_ref(),
        calls: Mutex::new(HashMap::new()),
    };
    let queue = flare::bus::SqsCommandQueue::new(
        aws_sdk_sqs::Client::new(&app.host.sdk),
        app.host.resources.command_queue_url.clone(),
    );
    let config = flare::config::Config::default();
    let later = app.host.clock.now() + Duration::minutes(45);
    let report = flare::reminders::tick(&counting, &queue, &config, later)
        .await
        .unwrap();
    assert_eq!(report.sent, 3);
    let calls = counting.calls.lock().unwrap().clone();
    assert_eq!(
        calls,
        HashMap::from([("due", 1)]),
        "one query, no scan, no loads"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fix_being_monitored_is_nudged_hourly_not_every_thirty_minutes() {
    let app = App::start().await;
    let (_, name) = s1_with_coordinator(&app).await;
    app.slash("U0CAROL", &name, "status monitoring rolled back")
        .await;
    advance(&app, 30).await;
    assert_eq!(count(&app, &name, NUDGE), 0, "S1's 30 minutes don't apply");
    advance(&app, 30).await;
    assert_eq!(count(&app, &name, NUDGE), 1, "an hour in monitoring");
    let nudge = app
        .channel(&name)
        .messages
        .into_iter()
        .find(|m| m.text.contains(NUDGE))
        .unwrap();
    assert!(nudge.text.contains("every 60 min"), "{}", nudge.text);
}
