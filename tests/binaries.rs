//! Boots the real Lambda binaries against a fake Lambda Runtime API, moto and the
//! Slack simulator, and has each serve a request: catches what only shows in a real
//! process (the TLS provider panic at the first request, missing environment, SSM).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use flare::bus::{CommandEnvelope, Source};
use flare::domain::Actor;
use flare::store::IncidentStore;
use flare_slack_sim::{SimConfig, Simulator, signature};
use flare_tests::{declaration, fresh, sdk, user};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::process::Command;

const SECRET: &str = "binary-test-signing-secret";

/// One invocation at a time: hands out `events`, collects the answers.
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
            let deadline = (chrono::Utc::now().timestamp_millis() + 30_000).to_string();
            h.insert("lambda-runtime-deadline-ms", deadline.parse().unwrap());
            h.insert(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:123456789012:function:flare"
                    .parse()
                    .unwrap(),
            );
            h.insert(
                "lambda-runtime-trace-id",
                "Root=1-5759e988-bd862e3fe1be46a994272793".parse().unwrap(),
            );
            return (h, event.to_string());
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

async fn response(
    State(rt): State<Runtime>,
    Path(_id): Path<String>,
    body: Bytes,
) -> impl IntoResponse {
    rt.answers
        .lock()
        .unwrap()
        .push(serde_json::from_slice(&body).unwrap_or(Value::Null));
    (axum::http::StatusCode::ACCEPTED, "")
}

async fn error(State(rt): State<Runtime>, body: Bytes) -> impl IntoResponse {
    rt.errors
        .lock()
        .unwrap()
        .push(String::from_utf8_lossy(&body).into_owned());
    (axum::http::StatusCode::ACCEPTED, "")
}

async fn start_runtime() -> (Runtime, String) {
    let rt = Runtime::default();
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .route(
            "/2018-06-01/runtime/invocation/{id}/error",
            post(|s: State<Runtime>, b: Bytes| error(s, b)),
        )
        .route(
            "/2018-06-01/runtime/init/error",
            post(|s: State<Runtime>, b: Bytes| error(s, b)),
        )
        .with_state(rt.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (rt, addr.to_string())
}

fn binary(name: &str) -> PathBuf {
    // tests run from target/<profile>/deps; the binaries sit one level up.
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: `make test` builds the binaries first (cargo build --bins)",
        path.display()
    );
    path
}

struct Env {
    sdk: aws_config::SdkConfig,
    resources: flare::aws::Resources,
    sim: Simulator,
    sim_addr: std::net::SocketAddr,
}

async fn env() -> Env {
    let sdk = sdk().await;
    let resources = fresh(&sdk).await;
    let ssm = aws_sdk_ssm::Client::new(&sdk);
    for (name, value) in [
        (format!("/{}/signing", resources.table), SECRET),
        (format!("/{}/token", resources.table), "xoxb-flare-local"),
    ] {
        ssm.put_parameter()
            .name(name)
            .value(value)
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .send()
            .await
            .unwrap();
    }
    let (sim, sim_addr) = Simulator::start(SimConfig::default().with_signing_secret(SECRET))
        .await
        .unwrap();
    Env {
        sdk,
        resources,
        sim,
        sim_addr,
    }
}

fn spawn(name: &str, env: &Env, runtime: &str) -> tokio::process::Child {
    Command::new(binary(name))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", runtime)
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("FLARE_AWS_ENDPOINT", flare_tests::endpoint())
        .env("FLARE_TABLE", &env.resources.table)
        .env("FLARE_COMMAND_QUEUE_URL", &env.resources.command_queue_url)
        .env("FLARE_EVENT_BUS", &env.resources.event_bus)
        .env(
            "FLARE_SLACK_SIGNING_SECRET_PARAM",
            format!("/{}/signing", env.resources.table),
        )
        .env(
            "FLARE_SLACK_BOT_TOKEN_PARAM",
            format!("/{}/token", env.resources.table),
        )
        .env(
            "FLARE_SLACK_API_URL",
            format!("http://{}/api", env.sim_addr),
        )
        .env(
            "FLARE_SLACK_RESPONSE_URL_PREFIX",
            format!("http://{}/sim/response/", env.sim_addr),
        )
        .env(
            "FLARE_CONFIG_PATH",
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../infra/config/flare.local.yaml"
            ),
        )
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

async fn invoke(rt: &Runtime, event: Value) -> Value {
    let before = rt.answers.lock().unwrap().len();
    rt.events.lock().unwrap().push(event);
    for _ in 0..300 {
        if let Some(a) = rt.answers.lock().unwrap().get(before) {
            return a.clone();
        }
        let errors = rt.errors.lock().unwrap().clone();
        assert!(
            errors.is_empty(),
            "the function reported an error: {errors:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no answer from the function");
}

/// A function URL (API Gateway v2) event carrying a request signed as Slack signs.
fn function_url_event(path: &str, content_type: &str, body: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    let ts = now.to_string();
    let sig = signature::sign(SECRET, now, body.as_bytes());
    json!({
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
        "headers": { "content-type": content_type, "x-slack-request-timestamp": ts, "x-slack-signature": sig, "host": "abc.lambda-url.us-east-1.on.aws" },
        "requestContext": { "accountId": "123456789012", "apiId": "abc", "domainName": "abc.lambda-url.us-east-1.on.aws", "domainPrefix": "abc",
            "http": { "method": "POST", "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "Slackbot 1.0" },
            "requestId": "r1", "routeKey": "$default", "stage": "$default", "time": "27/Nov/2026:16:00:00 +0000", "timeEpoch": 1_700_000_000_000u64 },
        "body": body, "isBase64Encoded": false
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_slack_binary_boots_and_answers_signed_requests() {
    let env = env().await;
    let (rt, addr) = start_runtime().await;
    let _child = spawn("slack", &env, &addr);

    let help = "command=%2Fincident&text=help&team_id=T0FLARE&channel_id=C0GENERAL&user_id=U0ALICE&response_url=http%3A%2F%2F127.0.0.1%2Fsim%2Fresponse%2Fx&trigger_id=1.2.3";
    let answer = invoke(
        &rt,
        function_url_event("/slack/commands", "application/x-www-form-urlencoded", help),
    )
    .await;
    assert_eq!(answer["statusCode"], 200, "{answer}");
    assert!(
        answer["body"]
            .as_str()
            .unwrap()
            .contains("/incident update"),
        "{answer}"
    );

    // `/incident list` reads DynamoDB; `/incident` opens the modal through the Web API.
    let list = help.replace("text=help", "text=list");
    let answer = invoke(
        &rt,
        function_url_event(
            "/slack/commands",
            "application/x-www-form-urlencoded",
            &list,
        ),
    )
    .await;
    assert!(
        answer["body"]
            .as_str()
            .unwrap()
            .contains("No open incidents"),
        "{answer}"
    );
    let trigger = env.sim.issue_trigger("U0ALICE");
    let open = help
        .replace("text=help", "text=")
        .replace("trigger_id=1.2.3", &format!("trigger_id={trigger}"));
    let answer = invoke(
        &rt,
        function_url_event(
            "/slack/commands",
            "application/x-www-form-urlencoded",
            &open,
        ),
    )
    .await;
    assert_eq!(answer["statusCode"], 200, "{answer}");
    assert_eq!(env.sim.views().len(), 1, "the declare modal was opened");

    let forged = function_url_event("/slack/commands", "application/x-www-form-urlencoded", help);
    let mut forged = forged;
    forged["body"] = json!(help.replace("help", "list"));
    let answer = invoke(&rt, forged).await;
    assert_eq!(
        answer["statusCode"], 401,
        "a body that doesn't match its signature"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_binary_boots_and_applies_a_batch() {
    let env = env().await;
    let (rt, addr) = start_runtime().await;
    let _child = spawn("worker", &env, &addr);

    let envelope = CommandEnvelope {
        id: "view#V1".into(),
        incident: None,
        command: declaration("Payments down", "S1"),
        actor: Actor::user(user("U0ALICE")),
        source: Source::Slack,
        received_at: chrono::Utc::now(),
        reply: None,
    };
    let record = |id: &str, body: String| {
        json!({
            "messageId": id, "receiptHandle": "rh", "body": body,
            "attributes": { "MessageGroupId": envelope.group_id(), "ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000",
                "SenderId": "x", "ApproximateFirstReceiveTimestamp": "1700000000000" },
            "messageAttributes": {}, "md5OfBody": "x", "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:commands.fifo", "awsRegion": "us-east-1"
        })
    };
    let event = json!({ "Records": [record("m1", serde_json::to_string(&envelope).unwrap()), record("m2", "{broken".into())] });
    let answer = invoke(&rt, event).await;
    assert_eq!(
        answer["batchItemFailures"],
        json!([{ "itemIdentifier": "m2" }]),
        "{answer}"
    );

    let store = flare::store::DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&env.sdk),
        env.resources.table.clone(),
    );
    let open = store.open().await.unwrap();
    assert_eq!(open.len(), 1);
    let channel = env
        .sim
        .channel_by_name(&format!("inc-{}", open[0].id))
        .expect("the incident channel");
    assert!(channel.members.contains(&"U0ALICE".to_string()));
}
