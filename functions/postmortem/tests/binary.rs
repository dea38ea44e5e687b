//! Boots the real `postmortem` binary against a fake Lambda Runtime API, moto and the
//! Slack simulator: catches what only shows in a process (missing environment, SSM
//! secrets, the TLS provider, the event's shape on the wire).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use common::{World, resolved_event};
use flare_postmortem::fixtures;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Hands out queued events one at a time and collects the answers and errors.
#[derive(Clone, Default)]
struct Runtime {
    events: Arc<Mutex<Vec<Value>>>,
    answers: Arc<Mutex<Vec<Value>>>,
    errors: Arc<Mutex<Vec<String>>>,
}

async fn next(State(rt): State<Runtime>) -> impl IntoResponse {
    loop {
        let event = rt.events.lock().unwrap().pop();
        if let Some(event) = event {
            let mut h = HeaderMap::new();
            let id = format!("req-{}", rt.answers.lock().unwrap().len());
            h.insert("lambda-runtime-aws-request-id", id.parse().unwrap());
            let deadline = (chrono::Utc::now().timestamp_millis() + 60_000).to_string();
            h.insert("lambda-runtime-deadline-ms", deadline.parse().unwrap());
            h.insert(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:123456789012:function:postmortem"
                    .parse()
                    .unwrap(),
            );
            return (h, event.to_string());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn answer(State(rt): State<Runtime>, body: Bytes) -> impl IntoResponse {
    rt.answers
        .lock()
        .unwrap()
        .push(serde_json::from_slice(&body).unwrap_or(Value::Null));
    axum::http::StatusCode::ACCEPTED
}

async fn error(State(rt): State<Runtime>, body: Bytes) -> impl IntoResponse {
    rt.errors
        .lock()
        .unwrap()
        .push(String::from_utf8_lossy(&body).into_owned());
    axum::http::StatusCode::ACCEPTED
}

async fn start_runtime() -> (Runtime, String) {
    let rt = Runtime::default();
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route("/2018-06-01/runtime/invocation/{id}/response", post(answer))
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(error))
        .with_state(rt.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (rt, addr.to_string())
}

async fn invoke(rt: &Runtime, event: Value) -> Value {
    let before = rt.answers.lock().unwrap().len();
    rt.events.lock().unwrap().push(event);
    for _ in 0..600 {
        if let Some(a) = rt.answers.lock().unwrap().get(before) {
            return a.clone();
        }
        let errors = rt.errors.lock().unwrap().clone();
        assert!(
            errors.is_empty(),
            "the function reported an error: {errors:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no answer from the function");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_boots_and_makes_a_postmortem() {
    let w = World::new().await;
    let table = &w.resources.table;
    let ssm = aws_sdk_ssm::Client::new(&w.sdk);
    for (name, value) in [
        (format!("/{table}/signing"), "flare-local-signing-secret"),
        (format!("/{table}/token"), w.sim.config().bot_token.as_str()),
    ] {
        ssm.put_parameter()
            .name(name)
            .value(value)
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .send()
            .await
            .unwrap();
    }
    let (incident, timeline) = fixtures::scripted().unwrap();
    w.commit(&timeline, timeline.len()).await;
    let channel = w.slack_refs(&incident).await;

    let (rt, runtime) = start_runtime().await;
    let sim = &w.sim.config().base_url;
    let _child = tokio::process::Command::new(env!("CARGO_BIN_EXE_postmortem"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", runtime)
        .env("AWS_LAMBDA_FUNCTION_NAME", "postmortem")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("FLARE_AWS_ENDPOINT", &w.endpoint)
        .env("FLARE_TABLE", table)
        .env("FLARE_COMMAND_QUEUE_URL", &w.resources.command_queue_url)
        .env("FLARE_EVENT_BUS", &w.resources.event_bus)
        .env("FLARE_POSTMORTEM_BUCKET", &w.bucket)
        .env(
            "FLARE_SLACK_SIGNING_SECRET_PARAM",
            format!("/{table}/signing"),
        )
        .env("FLARE_SLACK_BOT_TOKEN_PARAM", format!("/{table}/token"))
        .env("FLARE_SLACK_API_URL", format!("{sim}/api"))
        .env(
            "FLARE_SLACK_RESPONSE_URL_PREFIX",
            format!("{sim}/sim/response/"),
        )
        .env(
            "FLARE_CONFIG_PATH",
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../infra/config/flare.local.yaml"
            ),
        )
        .kill_on_drop(true)
        .spawn()
        .unwrap();

    let answer = invoke(&rt, resolved_event(&incident.id)).await;
    assert_eq!(answer["outcome"], "generated", "{answer}");
    assert_eq!(answer["written"], true, "{answer}");
    assert_eq!(answer["slack"]["file"], true, "{answer}");
    assert_eq!(w.versions(&incident.id).await, 1);
    let files = w.sim.state().files;
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].channel.as_deref(), Some(channel.as_str()));

    // The same event again (EventBridge delivers at least once).
    let answer = invoke(&rt, resolved_event(&incident.id)).await;
    assert_eq!(answer["written"], false, "{answer}");
    assert_eq!(answer["slack"]["file"], false, "{answer}");
    assert_eq!(w.sim.state().files.len(), 1);
}
