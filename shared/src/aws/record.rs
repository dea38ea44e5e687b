//! Recording the AWS operations a function performs (tests and local runs only): which
//! service, which operation, the IAM action it needs and the resource it names. The
//! permission check in `tests/deployment.rs` evaluates every recorded operation against
//! the function's role in `template.yaml`.
//!
//! The recorder wraps the SDK configuration's HTTP client, so every service client built
//! from that configuration (whoever builds it, wherever) is recorded: `SdkConfig` takes no
//! interceptors, only per-service configurations do, and those are built in a dozen
//! places. It sees each signed request just before it is sent: the SigV4 credential
//! scope names the service and region, the JSON protocols name the operation in
//! `x-amz-target` and the resource in the body, and S3 (path-style against moto) in the
//! method and path. Deployed functions never install it: only [`super::sdk_config`] with
//! a local endpoint does, and only when `FLARE_AWS_RECORD` names a directory.

use aws_config::SdkConfig;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Names the directory recordings go to, one `<function>.jsonl` per function.
pub const RECORD_DIR_ENV: &str = "FLARE_AWS_RECORD";

/// One AWS call as IAM sees it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Operation {
    /// The function that made it (`slack`, `worker`, …).
    pub function: String,
    /// The signing name: `dynamodb`, `sqs`, `s3`, `ssm`, `events`.
    pub service: String,
    /// The API operation: `BatchGetItem`, `HeadObject`, …
    pub operation: String,
    /// The IAM action authorising it on `resource` (`s3:GetObject` for `HeadObject`;
    /// `dynamodb:PutItem` for a `Put` inside `TransactWriteItems`).
    pub action: String,
    pub region: String,
    /// What the resource is: `table`, `queue`, `event-bus`, `parameter`, `bucket`.
    pub kind: String,
    /// Its name as the code used it (table, queue or bus name, parameter path, bucket).
    pub name: String,
    /// Below the named resource: `/index/gsi1`, an S3 object key as `/key`.
    pub path: String,
}

/// Where operations go: appended to a file at once (a Lambda process is killed, not
/// stopped), and kept in memory for in-process checks.
#[derive(Debug)]
pub struct Sink {
    function: String,
    file: Option<PathBuf>,
    seen: Mutex<Vec<Operation>>,
}

impl Sink {
    pub fn new(function: &str, dir: Option<PathBuf>) -> Arc<Self> {
        let file = dir.map(|d| {
            let _ = std::fs::create_dir_all(&d);
            d.join(format!("{function}.jsonl"))
        });
        Arc::new(Self {
            function: function.to_owned(),
            file,
            seen: Mutex::new(Vec::new()),
        })
    }

    pub fn operations(&self) -> Vec<Operation> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn record(&self, request: &HttpRequest) {
        for op in describe(&self.function, request) {
            if let Some(path) = &self.file
                && let Ok(line) = serde_json::to_string(&op)
                && let Ok(mut f) = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
            {
                // One write per line: concurrent appenders don't interleave within it.
                let _ = f.write_all(format!("{line}\n").as_bytes());
            }
            if let Ok(mut seen) = self.seen.lock() {
                seen.push(op);
            }
        }
    }
}

/// `sdk` with every request recorded into `sink`.
pub fn recording(sdk: SdkConfig, sink: Arc<Sink>) -> SdkConfig {
    // `aws_config` leaves the HTTP client to each service client unless told: the
    // recorder wraps a plain-HTTP one of its own (it only runs against a local endpoint).
    let inner = sdk
        .http_client()
        .unwrap_or_else(|| aws_smithy_http_client::Builder::new().build_http());
    sdk.to_builder()
        .http_client(SharedHttpClient::new(RecordingClient { inner, sink }))
        .build()
}

#[derive(Debug)]
struct RecordingClient {
    inner: SharedHttpClient,
    sink: Arc<Sink>,
}

impl HttpClient for RecordingClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(RecordingConnector {
            inner: self.inner.http_connector(settings, components),
            sink: self.sink.clone(),
        })
    }
}

#[derive(Debug)]
struct RecordingConnector {
    inner: SharedHttpConnector,
    sink: Arc<Sink>,
}

impl HttpConnector for RecordingConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        self.sink.record(&request);
        self.inner.call(request)
    }
}

/// The IAM view of one signed request (several operations for batches and
/// transactions, which IAM authorises per table and per item).
pub fn describe(function: &str, request: &HttpRequest) -> Vec<Operation> {
    let headers = request.headers();
    let (service, region) = headers
        .get("authorization")
        .and_then(credential_scope)
        .unwrap_or_default();
    let body: Value = request
        .body()
        .bytes()
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or(Value::Null);
    let target = headers.get("x-amz-target").unwrap_or_default();
    let operation = target.rsplit('.').next().unwrap_or_default().to_owned();
    let op = |action: &str, kind: &str, name: &str, path: &str| Operation {
        function: function.to_owned(),
        service: service.clone(),
        operation: operation.clone(),
        action: action.to_owned(),
        region: region.clone(),
        kind: kind.to_owned(),
        name: name.to_owned(),
        path: path.to_owned(),
    };
    let str_of = |v: &Value, key: &str| v[key].as_str().unwrap_or_default().to_owned();
    match service.as_str() {
        "dynamodb" => dynamodb(&operation, &body)
            .into_iter()
            .map(|(action, table, path)| op(&action, "table", &table, &path))
            .collect(),
        "sqs" => {
            let url = str_of(&body, "QueueUrl");
            let name = url.rsplit('/').next().unwrap_or_default();
            vec![op(&format!("sqs:{operation}"), "queue", name, "")]
        }
        "ssm" => {
            let names: Vec<String> = match body["Names"].as_array() {
                Some(list) => list
                    .iter()
                    .filter_map(|n| n.as_str().map(str::to_owned))
                    .collect(),
                None => vec![str_of(&body, "Name")],
            };
            // GetParameters is authorised per parameter, as ssm:GetParameters.
            let action = format!("ssm:{operation}");
            names
                .iter()
                .map(|n| op(&action, "parameter", &parameter_path(n), ""))
                .collect()
        }
        "events" => {
            let mut buses: Vec<String> = body["Entries"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| {
                    let bus = e["EventBusName"].as_str().unwrap_or("default");
                    bus.rsplit('/').next().unwrap_or(bus).to_owned()
                })
                .collect();
            buses.sort();
            buses.dedup();
            buses
                .iter()
                .map(|b| op(&format!("events:{operation}"), "event-bus", b, ""))
                .collect()
        }
        "s3" => s3(request.method(), request.uri())
            .map(|(operation, action, bucket, key)| {
                let mut o = op(&action, "bucket", &bucket, &key);
                o.operation = operation;
                o
            })
            .into_iter()
            .collect(),
        _ => vec![op(&format!("{service}:{operation}"), "", "", "")],
    }
}

/// `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, …` →
/// (`dynamodb`, `us-east-1`).
fn credential_scope(authorization: &str) -> Option<(String, String)> {
    let scope = authorization.split("Credential=").nth(1)?;
    let scope = scope.split([',', ' ']).next()?;
    let mut parts = scope.split('/');
    let (_key, _date, region, service) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    Some((service.to_owned(), region.to_owned()))
}

/// Parameter names are paths; a bare name is a parameter at the root.
fn parameter_path(name: &str) -> String {
    if name.starts_with('/') {
        name.to_owned()
    } else {
        format!("/{name}")
    }
}

/// DynamoDB: (action, table, path below the table) per table and per transaction item.
fn dynamodb(operation: &str, body: &Value) -> Vec<(String, String, String)> {
    let table = |v: &Value| v["TableName"].as_str().unwrap_or_default().to_owned();
    match operation {
        "BatchGetItem" | "BatchWriteItem" => body["RequestItems"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(t, _)| (format!("dynamodb:{operation}"), t.clone(), String::new()))
            .collect(),
        "TransactWriteItems" | "TransactGetItems" => body["TransactItems"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|item| {
                let (kind, inner) = item.as_object()?.iter().next()?;
                let action = match kind.as_str() {
                    "Put" => "PutItem",
                    "Update" => "UpdateItem",
                    "Delete" => "DeleteItem",
                    "ConditionCheck" => "ConditionCheckItem",
                    "Get" => "GetItem",
                    _ => return None,
                };
                Some((format!("dynamodb:{action}"), table(inner), String::new()))
            })
            .collect(),
        _ => {
            let path = body["IndexName"]
                .as_str()
                .map(|i| format!("/index/{i}"))
                .unwrap_or_default();
            vec![(format!("dynamodb:{operation}"), table(body), path)]
        }
    }
}

/// S3 in path style (`/bucket/key?query`): (operation, action, bucket, `/key` or "").
fn s3(method: &str, uri: &str) -> Option<(String, String, String, String)> {
    let url = url::Url::parse(uri).ok()?;
    let mut segments = url.path().trim_start_matches('/').splitn(2, '/');
    let bucket = segments.next().filter(|b| !b.is_empty())?.to_owned();
    let key = segments.next().unwrap_or_default();
    let query: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    let has = |q: &str| query.iter().any(|k| k == q);
    let (operation, action) = match (method, key.is_empty()) {
        ("GET", true) if has("versioning") => ("GetBucketVersioning", "s3:GetBucketVersioning"),
        ("GET", true) if has("versions") => ("ListObjectVersions", "s3:ListBucketVersions"),
        ("GET", true) => ("ListObjectsV2", "s3:ListBucket"),
        ("HEAD", true) => ("HeadBucket", "s3:ListBucket"),
        ("PUT", true) => ("CreateBucket", "s3:CreateBucket"),
        ("DELETE", true) => ("DeleteBucket", "s3:DeleteBucket"),
        ("GET", false) if has("versionId") => ("GetObject", "s3:GetObjectVersion"),
        ("GET", false) => ("GetObject", "s3:GetObject"),
        // HeadObject is authorised by s3:GetObject.
        ("HEAD", false) => ("HeadObject", "s3:GetObject"),
        ("PUT", false) => ("PutObject", "s3:PutObject"),
        ("DELETE", false) => ("DeleteObject", "s3:DeleteObject"),
        ("POST", false) => ("CreateMultipartUpload", "s3:PutObject"),
        _ => return None,
    };
    // The key as in the request path (Flare's keys need no percent-encoding).
    let key = if key.is_empty() {
        String::new()
    } else {
        format!("/{key}")
    };
    Some((operation.to_owned(), action.to_owned(), bucket, key))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use aws_smithy_types::body::SdkBody;

    fn request(method: &str, uri: &str, service: &str, target: &str, body: &str) -> HttpRequest {
        let req = http::Request::builder()
            .method(method)
            .uri(uri)
            .header(
                "authorization",
                format!("AWS4-HMAC-SHA256 Credential=testing/20261202/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=x"),
            )
            .header("x-amz-target", target)
            .body(SdkBody::from(body.to_owned()))
            .unwrap();
        HttpRequest::try_from(req).unwrap()
    }

    #[test]
    fn dynamodb_batches_and_transactions_are_authorised_per_table_and_item() {
        let r = request(
            "POST",
            "http://127.0.0.1:5000/",
            "dynamodb",
            "DynamoDB_20120810.BatchGetItem",
            r#"{"RequestItems":{"t1":{"Keys":[]}}}"#,
        );
        let ops = describe("slack", &r);
        assert_eq!(ops.len(), 1);
        assert_eq!(ops[0].action, "dynamodb:BatchGetItem");
        assert_eq!(ops[0].name, "t1");
        let r = request(
            "POST",
            "http://127.0.0.1:5000/",
            "dynamodb",
            "DynamoDB_20120810.TransactWriteItems",
            r#"{"TransactItems":[{"Put":{"TableName":"t1"}},{"Update":{"TableName":"t1"}}]}"#,
        );
        let actions: Vec<String> = describe("worker", &r)
            .into_iter()
            .map(|o| o.action)
            .collect();
        assert_eq!(actions, ["dynamodb:PutItem", "dynamodb:UpdateItem"]);
        let r = request(
            "POST",
            "http://127.0.0.1:5000/",
            "dynamodb",
            "DynamoDB_20120810.Query",
            r#"{"TableName":"t1","IndexName":"gsi1"}"#,
        );
        assert_eq!(describe("x", &r)[0].path, "/index/gsi1");
    }

    #[test]
    fn queues_parameters_buses_and_objects_are_named() {
        let r = request(
            "POST",
            "http://127.0.0.1:5000/",
            "sqs",
            "AmazonSQS.SendMessage",
            r#"{"QueueUrl":"http://127.0.0.1:5000/123456789012/t1-commands.fifo"}"#,
        );
        let o = &describe("worker", &r)[0];
        assert_eq!(
            (o.action.as_str(), o.name.as_str()),
            ("sqs:SendMessage", "t1-commands.fifo")
        );
        let r = request(
            "POST",
            "http://127.0.0.1:5000/",
            "ssm",
            "AmazonSSM.GetParameter",
            r#"{"Name":"/flare/slack/bot-token","WithDecryption":true}"#,
        );
        assert_eq!(describe("worker", &r)[0].name, "/flare/slack/bot-token");
        let r = request(
            "POST",
            "http://127.0.0.1:5000/",
            "events",
            "AWSEvents.PutEvents",
            r#"{"Entries":[{"EventBusName":"arn:aws:events:us-east-1:1:event-bus/b1"},{"EventBusName":"b1"}]}"#,
        );
        let ops = describe("worker", &r);
        assert_eq!(ops.len(), 1);
        assert_eq!(ops[0].name, "b1");
        let r = request(
            "HEAD",
            "http://127.0.0.1:5000/pm/postmortems/INC-1.md",
            "s3",
            "",
            "",
        );
        let o = &describe("postmortem", &r)[0];
        assert_eq!(
            (
                o.operation.as_str(),
                o.action.as_str(),
                o.name.as_str(),
                o.path.as_str()
            ),
            ("HeadObject", "s3:GetObject", "pm", "/postmortems/INC-1.md")
        );
    }
}
