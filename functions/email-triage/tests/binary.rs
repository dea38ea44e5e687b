//! Boots the real `email-triage` binary against a fake Lambda Runtime API and moto,
//! and has it handle SES events: catches what only shows in a real process (the TLS
//! provider panic, missing environment). Needs `FLARE_TEST_AWS_ENDPOINT` like
//! `tests/moto.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use common::fixture;
use flare::aws::{provision, sdk_config};
use flare::bus::CommandEnvelope;
use flare_email_triage::handler::S3MailSource;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn endpoint() -> String {
    let endpoint = std::env::var("FLARE_TEST_AWS_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "FLARE_TEST_AWS_ENDPOINT is not set: this test needs moto. Run `make test` \
             (it starts moto), or start one (`moto_server -H 127.0.0.1 -p 4599`) and \
             export FLARE_TEST_AWS_ENDPOINT=http://127.0.0.1:4599"
        )
    });
    assert!(
        endpoint.starts_with("http://127.0.0.1:") || endpoint.starts_with("http://localhost:"),
        "tests talk to loopback only, not {endpoint}"
    );
    endpoint
}

#[derive(Clone, Default)]
struct Runtime {
    events: Arc<Mutex<Vec<Value>>>,
    answers: Arc<Mutex<Vec<Result<Value, String>>>>,
}

async fn next(State(rt): State<Runtime>) -> impl IntoResponse {
    loop {
        let event = rt.events.lock().unwrap().pop();
        if let Some(event) = event {
            let mut h = HeaderMap::new();
            let id = format!("req-{}", rt.answers.lock().unwrap().len());
            h.insert("lambda-runtime-aws-request-id", id.parse().unwrap());
            let deadline = (chrono::Utc::now().timestamp_millis() + 30_000).to_string();
            h.insert("lambda-runtime-deadline-ms", deadline.parse().unwrap());
            h.insert(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:123456789012:function:flare-email-triage"
                    .parse()
                    .unwrap(),
            );
            return (h, event.to_string());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn start_runtime() -> (Runtime, String) {
    let rt = Runtime::default();
    let ok = |State(rt): State<Runtime>, body: Bytes| async move {
        let v = serde_json::from_slice(&body).unwrap_or(Value::Null);
        rt.answers.lock().unwrap().push(Ok(v));
        (axum::http::StatusCode::ACCEPTED, "")
    };
    let err = |State(rt): State<Runtime>, body: Bytes| async move {
        let e = String::from_utf8_lossy(&body).into_owned();
        rt.answers.lock().unwrap().push(Err(e));
        (axum::http::StatusCode::ACCEPTED, "")
    };
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route("/2018-06-01/runtime/invocation/{id}/response", post(ok))
        .route("/2018-06-01/runtime/invocation/{id}/error", post(err))
        .route("/2018-06-01/runtime/init/error", post(err))
        .with_state(rt.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (rt, addr.to_string())
}

async fn invoke(rt: &Runtime, event: Value) -> Result<Value, String> {
    let before = rt.answers.lock().unwrap().len();
    rt.events.lock().unwrap().push(event);
    for _ in 0..400 {
        if let Some(a) = rt.answers.lock().unwrap().get(before) {
            return a.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no answer from the function");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_boots_and_handles_ses_events() {
    let endpoint = endpoint();
    let sdk = sdk_config(Some(&endpoint)).await;
    let prefix = format!("bin{:010x}", fastrand::u64(..1 << 40));
    let resources = provision::ensure(&sdk, &prefix).await.unwrap();
    let s3 = S3MailSource::client(&sdk, true);
    let bucket = format!("{prefix}-inbound");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    s3.put_object()
        .bucket(&bucket)
        .key("mail/sesbin01")
        .body(fixture("mixed-pdf.eml").into())
        .send()
        .await
        .unwrap();

    let (rt, addr) = start_runtime().await;
    let _child = tokio::process::Command::new(env!("CARGO_BIN_EXE_email-triage"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", &addr)
        .env("AWS_LAMBDA_FUNCTION_NAME", "email-triage")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("FLARE_AWS_ENDPOINT", &endpoint)
        .env("FLARE_TABLE", &resources.table)
        .env("FLARE_COMMAND_QUEUE_URL", &resources.command_queue_url)
        .env("FLARE_INBOUND_BUCKET", &bucket)
        .env("FLARE_INBOUND_PREFIX", "mail/")
        .env("FLARE_CONFIG_PATH", "/nonexistent/flare.yaml")
        // No Slack secrets: the function never talks to Slack (notes go through the queue).
        .kill_on_drop(true)
        .spawn()
        .unwrap();

    let event = |id: &str| {
        let mut v: Value = serde_json::from_slice(&fixture("ses-lambda-event.json")).unwrap();
        v["Records"][0]["ses"]["mail"]["messageId"] = id.into();
        v
    };
    let answer = invoke(&rt, event("sesbin01")).await;
    assert!(answer.is_ok(), "{answer:?}");

    let out = aws_sdk_sqs::Client::new(&sdk)
        .receive_message()
        .queue_url(&resources.command_queue_url)
        .wait_time_seconds(2)
        .send()
        .await
        .unwrap();
    let env: CommandEnvelope = serde_json::from_str(out.messages()[0].body().unwrap()).unwrap();
    assert!(
        env.id.starts_with("mail#mixed-8841@initech.example#"),
        "{}",
        env.id
    );

    // No stored mail: the invocation fails, so SES's async invocation is retried.
    let answer = invoke(&rt, event("sesmissing")).await;
    let err = answer.unwrap_err();
    assert!(err.contains("mail/sesmissing"), "{err}");
}
