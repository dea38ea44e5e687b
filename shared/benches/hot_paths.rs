//! `make bench`: the slack function's ack path per request (verify, parse, route,
//! build the queue message), the domain's decide/apply, and the reminders' tick over
//! 1,000 open incidents. I/O is replaced by in-memory doubles (see support/).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::{Duration, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use flare::clock::SystemClock;
use flare::config::Config;
use flare::domain::{Actor, Command, IncidentId, UserId};
use flare::slack::app::{Request, SlackApp};
use flare::slack::signature;
use flare::store::OpenIncident;
use std::hint::black_box;
use std::sync::Arc;
use support::{CannedSlack, MemoryStore, NullQueue};

const SECRET: &str = "bench-signing-secret";
const CHANNEL: &str = "C0INCIDENT1";

fn app() -> SlackApp {
    let store = MemoryStore::default();
    store.index.lock().unwrap().insert(
        CHANNEL.into(),
        IncidentId::parse("20240122-honest-rhino").unwrap(),
    );
    let store = Arc::new(store);
    SlackApp {
        signing_secret: SECRET.into(),
        store: store.clone(),
        stats: store.clone(),
        audit: store,
        queue: Arc::new(NullQueue),
        api: Arc::new(CannedSlack),
        config: Arc::new(Config::default()),
        clock: Arc::new(SystemClock),
        pager_hooks: Default::default(),
    }
}

fn signed(path: &str, content_type: &str, body: String) -> Request {
    let ts = Utc::now().timestamp();
    let sig = signature::sign(SECRET.as_bytes(), &ts.to_string(), body.as_bytes());
    Request {
        path: path.into(),
        headers: vec![
            ("content-type".into(), content_type.into()),
            ("x-slack-request-timestamp".into(), ts.to_string()),
            ("x-slack-signature".into(), sig),
        ],
        body: body.into_bytes(),
    }
}

fn slash() -> Request {
    let body = format!(
        "token=x&team_id=T0FLARE&team_domain=flare&channel_id={CHANNEL}&channel_name=inc-20240122-honest-rhino&user_id=U0ALICE&user_name=alice&command=%2Fincident&text=update+rolled+back+the+deploy%2C+error+rate+falling&api_app_id=A0FLARE&is_enterprise_install=false&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT0FLARE%2F1%2Fabc&trigger_id=1.2.3"
    );
    signed("/slack/commands", "application/x-www-form-urlencoded", body)
}

fn view_submission() -> Request {
    let payload = serde_json::json!({
        "type": "view_submission", "team": { "id": "T0FLARE", "domain": "flare" },
        "user": { "id": "U0ALICE", "username": "alice", "team_id": "T0FLARE" },
        "api_app_id": "A0FLARE", "trigger_id": "1.2.4",
        "view": { "id": "V0BENCH", "type": "modal", "callback_id": "declare", "private_metadata": "{\"channel\":\"C0GENERAL\"}", "hash": "h",
            "state": { "values": {
                "title": { "value": { "type": "plain_text_input", "value": "Checkout fails for EU customers" } },
                "severity": { "value": { "type": "static_select", "selected_option": { "value": "S1", "text": { "type": "plain_text", "text": "S1" } } } },
                "impact": { "value": { "type": "plain_text_input", "value": "Payments fail with 502" } },
                "description": { "value": { "type": "plain_text_input", "value": null } },
                "coordinator": { "value": { "type": "users_select", "selected_user": "U0CAROL" } },
                "options": { "value": { "type": "checkboxes", "selected_options": [] } }
            } } }
    });
    let body: String = url_form(&[("payload", &payload.to_string())]);
    signed(
        "/slack/interactions",
        "application/x-www-form-urlencoded",
        body,
    )
}

fn reaction() -> Request {
    let body = serde_json::json!({
        "token": "x", "team_id": "T0FLARE", "api_app_id": "A0FLARE", "type": "event_callback",
        "event_id": "Ev0BENCH", "event_time": 1_700_000_000,
        "event": { "type": "reaction_added", "user": "U0CAROL", "reaction": "receipt", "item_user": "U0BOB",
            "item": { "type": "message", "channel": CHANNEL, "ts": "1700000000.000100" }, "event_ts": "1700000001.000200" }
    })
    .to_string();
    signed("/slack/events", "application/json", body)
}

fn url_form(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

fn ack_path(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let app = app();
    let mut g = c.benchmark_group("ack_path");
    for (name, req) in [
        ("slash_command", slash()),
        ("view_submission", view_submission()),
        ("reaction_event", reaction()),
    ] {
        let res = rt.block_on(app.handle(&req));
        assert_eq!(res.status, 200, "{name}: {}", res.body);
        g.bench_function(name, |b| {
            b.to_async(&rt)
                .iter(|| async { black_box(app.handle(black_box(&req)).await) })
        });
    }
    let req = slash();
    g.bench_function("verify_signature_only", |b| {
        b.iter(|| {
            signature::verify(
                SECRET.as_bytes(),
                req.header("x-slack-request-timestamp"),
                req.header("x-slack-signature"),
                black_box(&req.body),
                Utc::now().timestamp(),
            )
        })
    });
    g.finish();
}

fn domain(c: &mut Criterion) {
    let alice = Actor::user(UserId::parse("U0ALICE").unwrap());
    let scale = flare::domain::SeverityScale::default();
    let declare = Command::Declare(Box::new(flare::domain::Declaration {
        title: "Checkout fails".into(),
        severity: scale.parse("S1").unwrap(),
        impact: String::new(),
        description: String::new(),
        services: vec![],
        customer: None,
        triage: false,
        private: false,
        page_oncall: false,
        roles: Default::default(),
        impact_started_at: None,
        source_message: None,
        files: Vec::new(),
    }));
    c.bench_function("domain/decide_and_apply_100_updates", |b| {
        b.iter(|| {
            let now = Utc::now();
            let events = flare::domain::decide(None, declare.clone(), &alice, now).unwrap();
            let rec = |version, event| flare::domain::Recorded {
                incident_id: IncidentId::parse("20240122-honest-rhino").unwrap(),
                version,
                at: now,
                actor: alice.clone(),
                command_id: "c".into(),
                event,
            };
            let mut inc =
                flare::domain::Incident::from_declared(&rec(1, events[0].clone())).unwrap();
            for i in 0..100u64 {
                let cmd = Command::PostUpdate {
                    text: format!("update {i}"),
                };
                for e in flare::domain::decide(Some(&inc), cmd, &alice, now).unwrap() {
                    let r = rec(inc.version + 1, e);
                    inc.apply(&r);
                }
            }
            black_box(inc)
        })
    });
}

fn reminders(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = MemoryStore::default();
    let now = Utc::now();
    *store.open.lock().unwrap() = (0..1000)
        .map(|i| OpenIncident {
            id: IncidentId::parse(&format!("20240122-calm-otter-{i}")).unwrap(),
            due: Some(now - Duration::minutes(i % 90)),
        })
        .collect();
    let config = Config::default();
    c.bench_function("reminders/tick_over_1000_open_incidents", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(
                flare::reminders::tick(&store, &NullQueue, &config, now)
                    .await
                    .unwrap(),
            )
        })
    });
}

criterion_group!(benches, ack_path, domain, reminders);
criterion_main!(benches);
