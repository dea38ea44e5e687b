//! Boots the real Lambda binaries against a fake Lambda Runtime API, moto and the
//! Slack simulator, and has each serve a request: catches what only shows in a real
//! process (the TLS provider panic at the first request, missing environment, SSM).
//!
//! Every AWS operation the binaries perform is recorded (`FLARE_AWS_RECORD`, see
//! `flare::aws::record`) and evaluated against the function's role in `template.yaml`
//! (tests/iam/mod.rs): moto enforces no IAM, so this is what proves the roles allow
//! what the code does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "iam/mod.rs"]
mod iam;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use flare::bus::{CommandEnvelope, Source};
use flare::domain::{Actor, Command, IncidentId};
use flare::store::IncidentStore;
use flare_slack_sim::{SimConfig, Simulator, signature};
use flare_tests::{declaration, fresh, sdk, user};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::process::Command as Process;

const SECRET: &str = "binary-test-signing-secret";

/// One invocation at a time: hands out `events`, collects the answers.
#[derive(Clone, Default)]
struct Runtime {
    events: Arc<Mutex<Vec<Value>>>,
    answers: Arc<Mutex<Vec<Value>>>,
    errors: Arc<Mutex<Vec<String>>>,
    /// Time each invocation gets (ms), as Lambda's deadline header; 30 s if unset.
    time_ms: Arc<Mutex<Option<i64>>>,
}

async fn next(State(rt): State<Runtime>) -> impl IntoResponse {
    loop {
        let event = rt.events.lock().unwrap().pop();
        if let Some(event) = event {
            let mut h = HeaderMap::new();
            let id = format!("req-{}", rt.answers.lock().unwrap().len());
            h.insert("lambda-runtime-aws-request-id", id.parse().unwrap());
            let time_ms = rt.time_ms.lock().unwrap().unwrap_or(30_000);
            let deadline = (chrono::Utc::now().timestamp_millis() + time_ms).to_string();
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
    /// Where the binaries record their AWS operations.
    record: PathBuf,
    postmortem_bucket: String,
    inbound_bucket: String,
}

const TOKEN: &str = "xoxb-flare-local";

impl Env {
    fn signing_param(&self) -> String {
        format!("/{}/signing", self.resources.table)
    }

    fn token_param(&self) -> String {
        format!("/{}/token", self.resources.table)
    }

    async fn store_secret(&self, name: String, value: &str) {
        aws_sdk_ssm::Client::new(&self.sdk)
            .put_parameter()
            .name(name)
            .value(value)
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .send()
            .await
            .unwrap();
    }

    fn s3(&self) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::from(&self.sdk)
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    /// The test's names for the template's resources (and parameters' defaults).
    fn names(&self, stack: &iam::Stack) -> iam::Names {
        let queue = self.resources.command_queue_url.rsplit('/').next().unwrap();
        iam::Names::default()
            .add(&self.resources.table, stack.physical_name("Table"))
            .add(queue, stack.physical_name("CommandQueue"))
            .add(&self.resources.event_bus, stack.physical_name("Bus"))
            .add(
                &self.postmortem_bucket,
                stack.physical_name("PostmortemBucket"),
            )
            .add(&self.inbound_bucket, stack.physical_name("InboundBucket"))
            .add(self.signing_param(), "/flare/slack/signing-secret")
            .add(self.token_param(), "/flare/slack/bot-token")
    }

    /// Every operation recorded so far is allowed by its function's role.
    fn assert_within_roles(&self) -> Vec<flare::aws::record::Operation> {
        let stack = iam::Stack::parse(&iam::template());
        let ops = iam::read_recordings(&self.record);
        assert!(
            !ops.is_empty(),
            "nothing recorded in {}",
            self.record.display()
        );
        let denied = iam::denied(&stack, &ops, &self.names(&stack));
        assert!(
            denied.is_empty(),
            "template.yaml's roles deny what the code does:\n{}",
            denied.join("\n")
        );
        ops
    }
}

/// Resources as the stack has them right after `sam deploy`: no secrets stored yet.
async fn deployed() -> Env {
    let sdk = sdk().await;
    let resources = fresh(&sdk).await;
    let (sim, sim_addr) = Simulator::start(SimConfig::default().with_signing_secret(SECRET))
        .await
        .unwrap();
    let record = std::env::temp_dir().join(format!("flare-aws-ops-{}", resources.table));
    let env = Env {
        postmortem_bucket: format!("{}-postmortems", resources.table),
        inbound_bucket: format!("{}-inbound", resources.table),
        sdk,
        resources,
        sim,
        sim_addr,
        record,
    };
    let s3 = env.s3();
    for bucket in [&env.postmortem_bucket, &env.inbound_bucket] {
        s3.create_bucket().bucket(bucket).send().await.unwrap();
        s3.put_bucket_versioning()
            .bucket(bucket)
            .versioning_configuration(
                aws_sdk_s3::types::VersioningConfiguration::builder()
                    .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }
    env
}

/// A deployed stack whose secrets are stored.
async fn env() -> Env {
    let env = deployed().await;
    env.store_secret(env.signing_param(), SECRET).await;
    env.store_secret(env.token_param(), TOKEN).await;
    env
}

fn spawn(name: &str, env: &Env, runtime: &str) -> tokio::process::Child {
    let mut command = Process::new(binary(name));
    command
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
        .env("FLARE_SLACK_BOT_TOKEN_PARAM", env.token_param())
        .env("FLARE_AWS_RECORD", &env.record)
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
        .kill_on_drop(true);
    // What template.yaml gives each function beyond the common environment.
    match name {
        "slack" => {
            command.env("FLARE_SLACK_SIGNING_SECRET_PARAM", env.signing_param());
        }
        "postmortem" => {
            command.env("FLARE_POSTMORTEM_BUCKET", &env.postmortem_bucket);
        }
        "email-triage" => {
            command
                .env("FLARE_INBOUND_BUCKET", &env.inbound_bucket)
                .env("FLARE_INBOUND_PREFIX", "inbound/");
        }
        _ => {}
    }
    command.spawn().unwrap()
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
    env.assert_within_roles();
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
    env.assert_within_roles();
}

fn sqs_record(envelope: &CommandEnvelope, id: &str) -> Value {
    json!({
        "messageId": id, "receiptHandle": "rh", "body": serde_json::to_string(envelope).unwrap(),
        "attributes": { "MessageGroupId": envelope.group_id(), "ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000",
            "SenderId": "x", "ApproximateFirstReceiveTimestamp": "1700000000000" },
        "messageAttributes": {}, "md5OfBody": "x", "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:commands.fifo", "awsRegion": "us-east-1"
    })
}

fn envelope(id: &str, incident: Option<&IncidentId>, command: Command) -> CommandEnvelope {
    CommandEnvelope {
        id: id.into(),
        incident: incident.cloned(),
        command,
        actor: Actor::user(user("U0ALICE")),
        source: Source::Slack,
        received_at: chrono::Utc::now(),
        reply: None,
    }
}

/// One command through the worker binary; fails the test if the worker failed it.
async fn apply(rt: &Runtime, envelope: &CommandEnvelope) {
    let answer = invoke(
        rt,
        json!({ "Records": [sqs_record(envelope, &envelope.id)] }),
    )
    .await;
    assert_eq!(
        answer["batchItemFailures"],
        json!([]),
        "{}: {answer}",
        envelope.id
    );
}

fn slash(text: &str) -> String {
    format!(
        "command=%2Fincident&text={text}&team_id=T0FLARE&channel_id=C0GENERAL&user_id=U0ALICE&response_url=http%3A%2F%2F127.0.0.1%2Fsim%2Fresponse%2Fx&trigger_id=1.2.3"
    )
}

fn body(answer: &Value) -> String {
    answer["body"].as_str().unwrap_or_default().to_owned()
}

async fn by_title(store: &flare::store::DynamoStore, title: &str) -> IncidentId {
    for o in store.open().await.unwrap() {
        let inc = store.load(&o.id).await.unwrap().unwrap();
        if inc.title == title {
            return inc.id;
        }
    }
    panic!("no open incident titled {title}");
}

/// docs/deploy.md's order, step by step: `make deploy` (the stack, no secrets), `make
/// manifest URL=…`, create the Slack app from the manifest (Slack checks the events URL
/// at once) and install it, store the two secrets, done. Then an incident's whole life
/// through the five real binaries, every AWS operation of which must be allowed by its
/// function's role in template.yaml; and each grant used is needed: without it, the
/// check fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_deployment_in_the_documented_order_then_every_function_within_its_role() {
    // 1. `make deploy`: the stack exists, the Slack app and its secrets don't yet.
    let env = deployed().await;
    let (slack, addr) = start_runtime().await;
    let _slack = spawn("slack", &env, &addr);

    // 2. `make manifest URL=<SlackRequestUrl output>`.
    let url = "https://abc123.lambda-url.us-east-1.on.aws";
    let manifest = std::env::temp_dir().join(format!("{}-manifest.yaml", env.resources.table));
    let out = std::process::Command::new("make")
        .arg("-s")
        .arg("manifest")
        .arg(format!("URL={url}"))
        .arg(format!("MANIFEST={}", manifest.display()))
        .current_dir(iam::root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains(&format!("{url}/slack/events")), "{text}");

    // 3. Create the app from the manifest: Slack checks the events URL at once, before
    // anyone could store the signing secret. The function answers it.
    let check = json!({ "token": "x", "challenge": "c0ffee42Flare", "type": "url_verification" })
        .to_string();
    let answer = invoke(
        &slack,
        function_url_event("/slack/events", "application/json", &check),
    )
    .await;
    assert_eq!(answer["statusCode"], 200, "{answer}");
    assert!(body(&answer).contains("c0ffee42Flare"), "{answer}");
    // Someone tries Flare already: told setup is unfinished, nothing else happens.
    let form = "application/x-www-form-urlencoded";
    let answer = invoke(
        &slack,
        function_url_event("/slack/commands", form, &slash("list")),
    )
    .await;
    assert!(body(&answer).contains("setup is unfinished"), "{answer}");

    // 4. Store the signing secret (Basic Information), then install the app and store
    // the bot token. From the signing secret on, everything is verified.
    env.store_secret(env.signing_param(), SECRET).await;
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let mut forged = function_url_event("/slack/events", "application/json", &check);
    forged["body"] = json!(check.replace("c0ffee42Flare", "other"));
    assert_eq!(invoke(&slack, forged).await["statusCode"], 401);
    let answer = invoke(
        &slack,
        function_url_event("/slack/commands", form, &slash("list")),
    )
    .await;
    assert!(body(&answer).contains("setup is unfinished"), "{answer}");
    env.store_secret(env.token_param(), TOKEN).await;
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;

    // 5. Done: Flare answers.
    let answer = invoke(
        &slack,
        function_url_event("/slack/commands", form, &slash("help")),
    )
    .await;
    assert!(body(&answer).contains("/incident update"), "{answer}");

    // An incident's life through every function.
    let (worker, addr) = start_runtime().await;
    let _worker = spawn("worker", &env, &addr);
    let store = flare::store::DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&env.sdk),
        env.resources.table.clone(),
    );
    apply(
        &worker,
        &envelope("view#A", None, declaration("Payments down", "S1")),
    )
    .await;
    let mut report = declaration("Checkout errors reported by mail", "S2");
    if let Command::Declare(d) = &mut report {
        d.triage = true;
    }
    apply(&worker, &envelope("view#B", None, report)).await;
    let a = by_title(&store, "Payments down").await;
    let b = by_title(&store, "Checkout errors reported by mail").await;

    // `/incident list` reads a page of the listing and its channels (BatchGetItem).
    let answer = invoke(
        &slack,
        function_url_event("/slack/commands", form, &slash("list")),
    )
    .await;
    assert!(body(&answer).contains("Payments down"), "{answer}");

    // The Home tab: the Slack function queues it, the worker reads the listing and
    // publishes it.
    let opened = json!({ "type": "event_callback", "event_id": "Ev0HOME", "team_id": "T0FLARE",
        "event": { "type": "app_home_opened", "user": "U0ALICE", "channel": "D0HOME", "tab": "home" } })
    .to_string();
    let answer = invoke(
        &slack,
        function_url_event("/slack/events", "application/json", &opened),
    )
    .await;
    assert_eq!(answer["statusCode"], 200, "{answer}");
    apply(
        &worker,
        &envelope(
            "home#Ev0HOME",
            None,
            Command::PublishHome {
                user: user("U0ALICE"),
            },
        ),
    )
    .await;

    // A merge sends follow-up commands (Absorb) to the queue from the worker.
    apply(
        &worker,
        &envelope(
            "merge#B",
            Some(&b),
            Command::MergeInto { target: a.clone() },
        ),
    )
    .await;
    let queued = aws_sdk_sqs::Client::new(&env.sdk)
        .receive_message()
        .queue_url(&env.resources.command_queue_url)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap();
    assert!(
        queued
            .messages()
            .iter()
            .any(|m| m.body().unwrap_or_default().contains(r#""type":"absorb""#)),
        "the merge queued its Absorb commands"
    );

    // The reminders' tick.
    let (reminders, addr) = start_runtime().await;
    let _reminders = spawn("reminders", &env, &addr);
    let tick = invoke(
        &reminders,
        json!({ "source": "aws.events", "detail-type": "Scheduled Event", "detail": {} }),
    )
    .await;
    assert!(tick.get("due").is_some(), "{tick}");

    // Resolution, and its postmortem.
    apply(
        &worker,
        &envelope(
            "resolve#A",
            Some(&a),
            Command::Resolve {
                summary: Some("Fixed".into()),
            },
        ),
    )
    .await;
    let (postmortem, addr) = start_runtime().await;
    let _postmortem = spawn("postmortem", &env, &addr);
    let event = json!({ "source": "flare.incidents", "detail-type": "IncidentResolved", "detail": { "incident_id": a.to_string() } });
    let outcome = invoke(&postmortem, event).await;
    assert_eq!(outcome["outcome"], "generated", "{outcome}");

    // Mail to the triage address.
    let fixtures = iam::root().join("functions/email-triage/tests/fixtures");
    env.s3()
        .put_object()
        .bucket(&env.inbound_bucket)
        .key("inbound/sesbin01")
        .body(
            std::fs::read(fixtures.join("mixed-pdf.eml"))
                .unwrap()
                .into(),
        )
        .send()
        .await
        .unwrap();
    let mut ses: Value =
        serde_json::from_slice(&std::fs::read(fixtures.join("ses-lambda-event.json")).unwrap())
            .unwrap();
    ses["Records"][0]["ses"]["mail"]["messageId"] = "sesbin01".into();
    let (triage, addr) = start_runtime().await;
    let _triage = spawn("email-triage", &env, &addr);
    invoke(&triage, ses).await;
    // A stranger's report: the worker posts and keeps its quarantine note; Dave, an
    // incident manager, opens it; the worker declares it and shares the report's PDF
    // and screenshot, which the e-mail function stored.
    let queued = |pick: fn(&CommandEnvelope) -> bool| {
        let sqs = aws_sdk_sqs::Client::new(&env.sdk);
        let url = env.resources.command_queue_url.clone();
        async move {
            for _ in 0..5 {
                let got = sqs
                    .receive_message()
                    .queue_url(&url)
                    .max_number_of_messages(10)
                    .send()
                    .await
                    .unwrap();
                if let Some(e) = got
                    .messages()
                    .iter()
                    .filter_map(|m| serde_json::from_str::<CommandEnvelope>(m.body()?).ok())
                    .find(pick)
                {
                    return e;
                }
            }
            panic!("not on the queue")
        }
    };
    let note = queued(|e| matches!(&e.command, Command::Quarantine(_))).await;
    apply(&worker, &note).await;
    let Command::Quarantine(kept) = &note.command else {
        unreachable!()
    };
    let mut open = envelope(
        "action#quarantine#open#1",
        None,
        Command::ReleaseQuarantine {
            key: kept.key.clone(),
            action: flare::domain::ReleaseAction::Open,
        },
    );
    open.actor = flare::domain::Actor::user(user("U0DAVE"));
    apply(&worker, &open).await;
    let report = queued(|e| matches!(&e.command, Command::Declare(d) if d.files.len() == 2)).await;
    apply(&worker, &report).await;

    // Every operation of every function is allowed by its role…
    let ops = env.assert_within_roles();
    let functions: BTreeSet<&str> = ops.iter().map(|o| o.function.as_str()).collect();
    assert_eq!(
        functions,
        BTreeSet::from(["email-triage", "postmortem", "reminders", "slack", "worker"])
    );
    let did = |f: &str, action: &str| ops.iter().any(|o| o.function == f && o.action == action);
    assert!(did("slack", "dynamodb:BatchGetItem"), "issue 15, item 1");
    assert!(did("worker", "sqs:SendMessage"), "issue 15, item 2");
    assert!(
        did("worker", "dynamodb:BatchGetItem"),
        "the Home tab's channels"
    );
    assert!(did("email-triage", "s3:PutObject"), "the report's files");
    assert!(did("worker", "s3:GetObject"), "the report's files, shared");

    // …and each action used is needed: the check fails once it is taken away.
    let template = iam::template();
    iam::assert_each_used_action_is_needed(&template, &ops, |stack| env.names(stack));

    // Granted and never used: reported (Lambda's queue poller, paging keys, …).
    let stack = iam::Stack::parse(&template);
    let report = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("iam-unused-grants.txt");
    let lines = iam::report_unused(&stack, &ops, &env.names(&stack), &report);
    eprintln!(
        "granted, never used by the code ({}):\n{}",
        report.display(),
        lines.join("\n")
    );
}

/// A worker invoked with too little time left takes no command: it reports the whole
/// batch as failed (to be delivered again) instead of running past Lambda's deadline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_binary_takes_no_command_without_time_to_finish_it() {
    let env = env().await;
    let (rt, addr) = start_runtime().await;
    let _child = spawn("worker", &env, &addr);
    *rt.time_ms.lock().unwrap() = Some(4_000);
    let one = envelope("view#T1", None, declaration("Search slow", "S3"));
    let two = envelope("view#T2", None, declaration("Search slower", "S3"));
    let event = json!({ "Records": [sqs_record(&one, "m1"), sqs_record(&two, "m2")] });
    let answer = invoke(&rt, event.clone()).await;
    assert_eq!(
        answer["batchItemFailures"],
        json!([{ "itemIdentifier": "m1" }, { "itemIdentifier": "m2" }]),
        "{answer}"
    );
    let store = flare::store::DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&env.sdk),
        env.resources.table.clone(),
    );
    assert!(
        store.open().await.unwrap().is_empty(),
        "nothing was applied"
    );
    // With Lambda's usual time the same batch goes through.
    *rt.time_ms.lock().unwrap() = Some(60_000);
    let answer = invoke(&rt, event).await;
    assert_eq!(answer["batchItemFailures"], json!([]), "{answer}");
    assert_eq!(store.open().await.unwrap().len(), 2);
    env.assert_within_roles();
}
