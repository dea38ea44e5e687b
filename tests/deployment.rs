//! Checks of the deployment files against the code, offline and fast: `template.yaml`
//! (functions and their binaries, least-privilege IAM, queues and dead letters, alarms,
//! logs) and the Slack app manifest (bot scopes and events, derived from the sources).
//! `sam validate --lint` runs in `make lint`; these catch what it cannot know.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "iam/mod.rs"]
mod iam;

use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn read(rel: &str) -> String {
    let path = iam::root().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

// ------------------------------------------------------------------ loading YAML

/// YAML (with CloudFormation's short tags) as JSON in CloudFormation's long form
/// (`iam::to_json`).
fn load_yaml(rel: &str) -> Value {
    iam::parse_yaml(&read(rel))
}

/// The logical ids (resources and parameters) a value refers to: `Ref`, `Fn::GetAtt`
/// and the `${X}` / `${X.Attr}` of `Fn::Sub`. Pseudo parameters (`AWS::…`) are left out.
fn refs(v: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    collect_refs(v, &mut out);
    out.retain(|r| !r.starts_with("AWS::"));
    out
}

fn collect_refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| collect_refs(i, out)),
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("Ref") {
                out.insert(r.clone());
            }
            if let Some(Value::Array(a)) = m.get("Fn::GetAtt")
                && let Some(Value::String(r)) = a.first()
            {
                out.insert(r.clone());
            }
            match m.get("Fn::Sub") {
                Some(Value::String(s)) => sub_refs(s, &BTreeSet::new(), out),
                Some(Value::Array(a)) => {
                    let locals: BTreeSet<String> = a
                        .get(1)
                        .and_then(Value::as_object)
                        .map(|vars| vars.keys().cloned().collect())
                        .unwrap_or_default();
                    if let Some(Value::String(s)) = a.first() {
                        sub_refs(s, &locals, out);
                    }
                    if let Some(vars) = a.get(1) {
                        collect_refs(vars, out);
                    }
                }
                _ => {}
            }
            for (k, v) in m {
                if k != "Ref" && k != "Fn::GetAtt" && k != "Fn::Sub" {
                    collect_refs(v, out);
                }
            }
        }
        _ => {}
    }
}

fn sub_refs(s: &str, locals: &BTreeSet<String>, out: &mut BTreeSet<String>) {
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        rest = &rest[start + 2..];
        let Some(end) = rest.find('}') else { break };
        let name = &rest[..end];
        rest = &rest[end + 1..];
        if name.starts_with('!') {
            continue; // `${!Literal}` is not a reference
        }
        let id = name.split('.').next().unwrap_or(name);
        if !locals.contains(id) {
            out.insert(id.to_owned());
        }
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

// ------------------------------------------------------------------ the template

struct Template {
    doc: Value,
}

struct Function<'a> {
    id: String,
    binary: String,
    resource: &'a Value,
}

impl Template {
    fn load() -> Self {
        Template {
            doc: load_yaml("template.yaml"),
        }
    }

    fn resources(&self) -> &Map<String, Value> {
        self.doc["Resources"]
            .as_object()
            .expect("template.yaml has Resources")
    }

    fn of_type(&self, ty: &str) -> Vec<(&String, &Value)> {
        self.resources()
            .iter()
            .filter(|(_, r)| r["Type"] == ty)
            .collect()
    }

    fn resource(&self, id: &str) -> &Value {
        self.resources()
            .get(id)
            .unwrap_or_else(|| panic!("template.yaml has no resource {id}"))
    }

    fn functions(&self) -> Vec<Function<'_>> {
        let fns: Vec<Function<'_>> = self
            .of_type("AWS::Serverless::Function")
            .into_iter()
            .map(|(id, r)| Function {
                id: id.clone(),
                binary: r["Metadata"]["BuildProperties"]["Binary"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{id}: Metadata.BuildProperties.Binary is missing"))
                    .to_owned(),
                resource: r,
            })
            .collect();
        assert!(!fns.is_empty(), "template.yaml declares no function");
        fns
    }

    fn function(&self, binary: &str) -> Function<'_> {
        self.functions()
            .into_iter()
            .find(|f| f.binary == binary)
            .unwrap_or_else(|| panic!("no function builds the `{binary}` binary"))
    }

    /// A function property, falling back to `Globals.Function`.
    fn prop<'a>(&'a self, f: &Function<'a>, key: &str) -> Option<&'a Value> {
        f.resource["Properties"]
            .get(key)
            .or_else(|| self.doc["Globals"]["Function"].get(key))
    }

    /// The function's environment: `Globals` merged with its own (SAM merges them).
    fn env(&self, f: &Function<'_>) -> Map<String, Value> {
        let mut env = self.doc["Globals"]["Function"]["Environment"]["Variables"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        if let Some(own) = f.resource["Properties"]["Environment"]["Variables"].as_object() {
            env.extend(own.clone());
        }
        env
    }

    fn timeout(&self, f: &Function<'_>) -> i64 {
        self.prop(f, "Timeout").and_then(Value::as_i64).unwrap_or(3)
    }

    /// Every IAM statement of the function's own role. Only inline statements are
    /// accepted: SAM policy templates and managed policies can't be checked here (and
    /// several grant on `*`).
    fn statements(&self, f: &Function<'_>) -> Vec<Value> {
        let mut out = Vec::new();
        if let Some(role) = f.resource["Properties"].get("Role") {
            let ids = refs(role);
            let id = ids
                .iter()
                .next()
                .unwrap_or_else(|| panic!("{}: Role must name a role in the template", f.id));
            let role = self.resource(id);
            assert_eq!(role["Type"], "AWS::IAM::Role", "{}: Role {id}", f.id);
            assert!(
                role["Properties"]
                    .get("ManagedPolicyArns")
                    .is_none_or(|m| strings(Some(m))
                        .iter()
                        .all(|a| a.ends_with("service-role/AWSLambdaBasicExecutionRole"))),
                "{}: role {id} may carry only AWSLambdaBasicExecutionRole as managed policy",
                f.id
            );
            for p in role["Properties"]["Policies"]
                .as_array()
                .into_iter()
                .flatten()
            {
                out.extend(statements_of(&p["PolicyDocument"]["Statement"]));
            }
        }
        for p in self
            .prop(f, "Policies")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match p.get("Statement") {
                Some(s) if p.as_object().is_some_and(|o| o.len() <= 2) => {
                    out.extend(statements_of(s))
                }
                _ => panic!(
                    "{}: Policies entry {p} is not an inline `Statement:` list; SAM policy \
                     templates and managed policies can't be checked for least privilege",
                    f.id
                ),
            }
        }
        out
    }
}

fn statements_of(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.clone(),
        Value::Object(_) => vec![v.clone()],
        _ => Vec::new(),
    }
}

// ------------------------------------------------------------------ the workspace

/// The workspace members (paths), from the root Cargo.toml's `members = [...]`.
fn workspace_members() -> Vec<String> {
    let manifest = read("Cargo.toml");
    let start = manifest
        .find("members")
        .expect("the workspace Cargo.toml lists members");
    let list = &manifest[start..];
    let list = &list[list.find('[').unwrap() + 1..list.find(']').unwrap()];
    let members: Vec<String> = list
        .split(',')
        .map(|m| m.trim().trim_matches('"').to_owned())
        .filter(|m| !m.is_empty())
        .collect();
    assert!(!members.is_empty(), "no workspace members found");
    members
}

/// Binary names of every workspace member: `[[bin]] name = …`, `src/main.rs` (named
/// after the package) and `src/bin/*.rs`.
fn workspace_binaries() -> BTreeMap<String, String> {
    let mut bins = BTreeMap::new();
    for member in workspace_members() {
        let member = member.as_str();
        let dir = iam::root().join(member);
        let Ok(text) = std::fs::read_to_string(dir.join("Cargo.toml")) else {
            continue;
        };
        let mut section = String::new();
        let mut package = None;
        let mut autobins = true;
        for line in text.lines().map(str::trim) {
            if line.starts_with('[') {
                section = line.to_owned();
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let (key, value) = (key.trim(), value.trim().trim_matches('"'));
            match (section.as_str(), key) {
                ("[package]", "name") => package = Some(value.to_owned()),
                ("[package]", "autobins") => autobins = value != "false",
                ("[[bin]]", "name") => {
                    bins.insert(value.to_owned(), member.to_owned());
                }
                _ => {}
            }
        }
        if autobins {
            if let Some(p) = package
                && dir.join("src/main.rs").exists()
            {
                bins.insert(p, member.to_owned());
            }
            for entry in std::fs::read_dir(dir.join("src/bin")).into_iter().flatten() {
                let path = entry.unwrap().path();
                if let Some(stem) = path.file_stem().and_then(|s| s.to_str())
                    && path.extension().is_some_and(|e| e == "rs")
                {
                    bins.insert(stem.to_owned(), member.to_owned());
                }
            }
        }
    }
    bins
}

fn rust_sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The `src/` trees of the deployed code: every workspace member but the local host and
/// the Slack simulator (infra/, never run in AWS) and the tests.
fn deployed_sources() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for member in workspace_members() {
        if !member.starts_with("infra/") && member != "tests" {
            rust_sources(&iam::root().join(&member).join("src"), &mut files);
        }
    }
    assert!(!files.is_empty(), "no Rust sources found");
    files
}

// ------------------------------------------------------------------ functions and IAM

// What each function may do is not listed here: tests/binaries.rs records every AWS
// operation the real binaries perform and evaluates each against the role
// (tests/iam/mod.rs). These tests keep the shape of the roles least-privilege.

/// Where the functions' objects live: a grant must stop at this prefix.
const S3_PREFIXES: &[(&str, &[&str])] = &[
    ("email-triage", &["/inbound/*", "/attachments/*"]),
    ("worker", &["/attachments/*"]),
    ("postmortem", &["/postmortems/*"]),
];
const DATA_SERVICES: &[&str] = &[
    "dynamodb", "sqs", "s3", "ssm", "events", "kms", "sns", "ses",
];

/// Environment each binary reads (shared/src/runtime.rs, aws/mod.rs, secrets.rs,
/// functions/email-triage/src/wiring.rs), beyond what every function gets.
const EVERY_FUNCTION_ENV: &[&str] = &[
    "FLARE_TABLE",
    "FLARE_COMMAND_QUEUE_URL",
    "FLARE_EVENT_BUS",
    "FLARE_CONFIG_PATH",
    "RUST_LOG",
];
const ENV: &[(&str, &[&str])] = &[
    (
        "slack",
        &[
            "FLARE_SLACK_SIGNING_SECRET_PARAM",
            "FLARE_SLACK_BOT_TOKEN_PARAM",
        ],
    ),
    (
        "worker",
        &["FLARE_SLACK_BOT_TOKEN_PARAM", "FLARE_OPSGENIE_KEY_PARAM"],
    ),
    ("reminders", &[]),
    (
        "email-triage",
        &[
            "FLARE_INBOUND_BUCKET",
            "FLARE_INBOUND_PREFIX",
            "FLARE_SLACK_BOT_TOKEN_PARAM",
        ],
    ),
    (
        "postmortem",
        &["FLARE_POSTMORTEM_BUCKET", "FLARE_SLACK_BOT_TOKEN_PARAM"],
    ),
];

#[test]
fn every_function_builds_a_workspace_binary_with_cargo_lambda_for_arm64() {
    let t = Template::load();
    let bins = workspace_binaries();
    for f in t.functions() {
        assert!(
            bins.contains_key(&f.binary),
            "{}: no workspace member builds a binary named `{}` (found: {:?})",
            f.id,
            f.binary,
            bins.keys().collect::<Vec<_>>()
        );
        assert_eq!(
            f.resource["Metadata"]["BuildMethod"], "rust-cargolambda",
            "{}",
            f.id
        );
        assert_eq!(
            t.prop(&f, "Runtime"),
            Some(&json!("provided.al2023")),
            "{}",
            f.id
        );
        assert_eq!(
            t.prop(&f, "Architectures"),
            Some(&json!(["arm64"])),
            "{}",
            f.id
        );
        assert_eq!(t.prop(&f, "Handler"), Some(&json!("bootstrap")), "{}", f.id);
    }
    let built: BTreeSet<String> = t.functions().into_iter().map(|f| f.binary).collect();
    let expected: BTreeSet<String> = ENV.iter().map(|(b, _)| (*b).to_owned()).collect();
    assert_eq!(built, expected, "the functions in template.yaml");
}

#[test]
fn every_function_gets_the_environment_its_binary_reads() {
    let t = Template::load();
    for f in t.functions() {
        let env = t.env(&f);
        let (_, own) = ENV
            .iter()
            .find(|(b, _)| *b == f.binary)
            .unwrap_or_else(|| panic!("{}: add the `{}` binary to ENV", f.id, f.binary));
        for var in EVERY_FUNCTION_ENV.iter().chain(own.iter()) {
            assert!(env.contains_key(*var), "{}: {var} is not set", f.id);
        }
        assert_eq!(
            refs(&env["FLARE_TABLE"]),
            BTreeSet::from(["Table".to_owned()])
        );
        assert_eq!(
            refs(&env["FLARE_COMMAND_QUEUE_URL"]),
            BTreeSet::from(["CommandQueue".to_owned()])
        );
    }
}

#[test]
fn each_function_has_its_own_role_with_named_actions_on_named_resources() {
    let t = Template::load();
    let mut roles = BTreeSet::new();
    for f in t.functions() {
        if let Some(role) = f.resource["Properties"].get("Role") {
            assert!(roles.insert(role.to_string()), "{}: shares its role", f.id);
        }
        assert!(
            t.doc["Globals"]["Function"].get("Role").is_none()
                && t.doc["Globals"]["Function"].get("Policies").is_none(),
            "roles and policies are per function, not in Globals"
        );
        for (name, event) in f.resource["Properties"]["Events"]
            .as_object()
            .into_iter()
            .flatten()
        {
            assert_ne!(
                event["Type"], "SQS",
                "{}: event {name}: SAM's SQS event attaches AWSLambdaSQSQueueExecutionRole \
                 (Resource \"*\"); use an AWS::Lambda::EventSourceMapping and grant on the queue",
                f.id
            );
        }

        let mut granted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for s in t.statements(&f) {
            if s["Effect"] == "Deny" {
                continue; // only ever narrows what the role allows
            }
            assert_eq!(s["Effect"], "Allow", "{}: {s}", f.id);
            assert!(
                s.get("NotAction").is_none() && s.get("NotResource").is_none(),
                "{}: {s}",
                f.id
            );
            let actions = strings(s.get("Action"));
            let resources = s.get("Resource").cloned().unwrap_or(Value::Null);
            for r in strings(Some(&resources)) {
                assert!(r != "*", "{}: Resource \"*\" in {s}", f.id);
            }
            let text = resources.to_string();
            for action in &actions {
                let service = action.split(':').next().unwrap_or_default();
                assert!(!action.contains('*'), "{}: wildcard action {action}", f.id);
                if DATA_SERVICES.contains(&service) {
                    assert!(
                        !text.contains("\"*\"") && !text.contains(":*\""),
                        "{}: {action} on a wildcard resource: {s}",
                        f.id
                    );
                }
                granted
                    .entry(action.clone())
                    .or_default()
                    .extend(refs(&resources));
            }
            if actions.iter().any(|a| a.starts_with("s3:")) {
                let (_, prefixes) = S3_PREFIXES
                    .iter()
                    .find(|(b, _)| *b == f.binary)
                    .unwrap_or_else(|| {
                        panic!("{}: S3 access without a prefix in S3_PREFIXES", f.id)
                    });
                for r in resources
                    .as_array()
                    .cloned()
                    .unwrap_or_else(|| vec![resources.clone()])
                {
                    assert!(
                        prefixes.iter().any(|p| r.to_string().contains(p)),
                        "{}: S3 grant {r} is not limited to one of {prefixes:?}",
                        f.id
                    );
                }
            }
        }
        // Secrets go only where they are used: the signing secret to the Slack function.
        let signing = granted
            .get("ssm:GetParameter")
            .is_some_and(|ids| ids.contains("SlackSigningSecretParam"));
        assert_eq!(
            signing,
            f.binary == "slack",
            "{}: the signing secret is for the Slack function alone",
            f.id
        );
        assert!(
            !granted.contains_key("s3:ListBucket"),
            "{}: s3:ListBucket lists every key of the bucket; the store reads a 403 as missing",
            f.id
        );
    }
}

#[test]
fn the_table_keeps_its_keys_index_ttl_backups_and_encryption() {
    let t = Template::load();
    let table = &t.resource("Table")["Properties"];
    assert_eq!(table["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        table["TimeToLiveSpecification"],
        json!({ "AttributeName": "ttl", "Enabled": true })
    );
    assert_eq!(
        table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        true
    );
    assert_eq!(table["SSESpecification"]["SSEEnabled"], true);
    let gsi = &table["GlobalSecondaryIndexes"][0];
    assert_eq!(gsi["IndexName"], "gsi1");
    assert_eq!(gsi["Projection"]["ProjectionType"], "INCLUDE");
    assert_eq!(
        gsi["Projection"]["NonKeyAttributes"],
        json!(["id", "due", "status"])
    );
}

#[test]
fn buckets_are_private_encrypted_versioned_and_tls_only() {
    let t = Template::load();
    let policies = t.of_type("AWS::S3::BucketPolicy");
    for (id, bucket) in t.of_type("AWS::S3::Bucket") {
        let p = &bucket["Properties"];
        assert_eq!(p["VersioningConfiguration"]["Status"], "Enabled", "{id}");
        assert!(
            p["BucketEncryption"].is_object(),
            "{id}: no default encryption"
        );
        for flag in [
            "BlockPublicAcls",
            "BlockPublicPolicy",
            "IgnorePublicAcls",
            "RestrictPublicBuckets",
        ] {
            assert_eq!(
                p["PublicAccessBlockConfiguration"][flag], true,
                "{id}: {flag}"
            );
        }
        let tls_only = policies.iter().any(|(_, policy)| {
            refs(&policy["Properties"]["Bucket"]).contains(id.as_str())
                && statements_of(&policy["Properties"]["PolicyDocument"]["Statement"])
                    .iter()
                    .any(|s| {
                        s["Effect"] == "Deny"
                            && s["Condition"]["Bool"]["aws:SecureTransport"] == "false"
                    })
        });
        assert!(
            tls_only,
            "{id}: no bucket policy denying requests without TLS"
        );
    }
    let inbound = &t.resource("InboundBucket")["Properties"]["LifecycleConfiguration"]["Rules"];
    assert!(
        statements_of(inbound)
            .iter()
            .any(|r| r["Prefix"] == "inbound/"
                && r["ExpirationInDays"] == 30
                && r["Status"] == "Enabled"),
        "InboundBucket: inbound/ must expire after 30 days"
    );
}

#[test]
fn every_queue_has_a_dead_letter_queue_and_every_dead_letter_queue_an_alarm() {
    let t = Template::load();
    let queues: BTreeMap<&String, &Value> = t.of_type("AWS::SQS::Queue").into_iter().collect();
    // Dead-letter queues: redrive targets, Lambda on-failure destinations, and
    // EventBridge targets' dead-letter configs.
    let mut dead_letter = BTreeSet::new();
    for q in queues.values() {
        dead_letter.extend(refs(
            &q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"],
        ));
    }
    for f in t.functions() {
        let p = &f.resource["Properties"];
        dead_letter.extend(refs(
            &p["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Destination"],
        ));
        for event in p["Events"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(_, e)| e)
        {
            dead_letter.extend(refs(&event["Properties"]["DeadLetterConfig"]["Arn"]));
        }
    }
    assert!(!dead_letter.is_empty(), "no dead-letter queue at all");
    let alarms = t.of_type("AWS::CloudWatch::Alarm");
    for (id, q) in &queues {
        if dead_letter.contains(id.as_str()) {
            assert_eq!(
                q["Properties"]["MessageRetentionPeriod"], 1_209_600,
                "{id}: keep dead letters 14 days"
            );
            let alarmed = alarms.iter().any(|(_, a)| {
                let a = &a["Properties"];
                a["Namespace"] == "AWS/SQS"
                    && a["MetricName"] == "ApproximateNumberOfMessagesVisible"
                    && a["Threshold"] == 0
                    && a["ComparisonOperator"] == "GreaterThanThreshold"
                    && refs(&a["Dimensions"]).contains(id.as_str())
            });
            assert!(alarmed, "{id}: dead-letter queue without a depth > 0 alarm");
        } else {
            let redrive = &q["Properties"]["RedrivePolicy"];
            let target = refs(&redrive["deadLetterTargetArn"]);
            assert!(
                target.iter().any(|d| queues.keys().any(|k| *k == d)),
                "{id}: no RedrivePolicy to a dead-letter queue"
            );
            assert_eq!(redrive["maxReceiveCount"], 5, "{id}: maxReceiveCount");
            let dlq = &queues[&target.iter().next().unwrap().clone()];
            assert_eq!(
                dlq["Properties"]["FifoQueue"], q["Properties"]["FifoQueue"],
                "{id}: a FIFO queue needs a FIFO dead-letter queue"
            );
            let aged = alarms.iter().any(|(_, a)| {
                let a = &a["Properties"];
                a["MetricName"] == "ApproximateAgeOfOldestMessage"
                    && a["Threshold"].as_i64().is_some_and(|s| s <= 300)
                    && refs(&a["Dimensions"]).contains(id.as_str())
            });
            assert!(
                aged,
                "{id}: no alarm on the age of its oldest message (> 300 s)"
            );
        }
    }
}

#[test]
fn the_worker_reports_partial_batch_failures_and_outlasts_its_timeout_on_the_queue() {
    let t = Template::load();
    let worker = t.function("worker");
    let mut sources: Vec<(Value, Value)> = Vec::new(); // (queue, FunctionResponseTypes)
    for (_, e) in worker.resource["Properties"]["Events"]
        .as_object()
        .into_iter()
        .flatten()
    {
        if e["Type"] == "SQS" {
            sources.push((
                e["Properties"]["Queue"].clone(),
                e["Properties"]["FunctionResponseTypes"].clone(),
            ));
        }
    }
    for (_, m) in t.of_type("AWS::Lambda::EventSourceMapping") {
        if refs(&m["Properties"]["FunctionName"]).contains(&worker.id) {
            sources.push((
                m["Properties"]["EventSourceArn"].clone(),
                m["Properties"]["FunctionResponseTypes"].clone(),
            ));
        }
    }
    assert_eq!(sources.len(), 1, "the worker has one queue trigger");
    let (queue, response_types) = &sources[0];
    assert!(
        strings(Some(response_types)).contains(&"ReportBatchItemFailures".to_owned()),
        "the worker's queue trigger needs FunctionResponseTypes: [ReportBatchItemFailures]"
    );
    let queue_id = refs(queue)
        .into_iter()
        .next()
        .expect("the trigger names a queue");
    let queue = &t.resource(&queue_id)["Properties"];
    assert_eq!(
        queue["FifoQueue"], true,
        "{queue_id} is the FIFO command queue"
    );
    let visibility = queue["VisibilityTimeout"].as_i64().unwrap_or(30);
    let timeout = t.timeout(&worker);
    assert!(
        visibility >= 6 * timeout,
        "{queue_id}: VisibilityTimeout {visibility} s < 6 × the worker's Timeout {timeout} s"
    );
}

#[test]
fn every_function_logs_to_its_own_log_group_with_retention_and_has_alarms() {
    let t = Template::load();
    let alarms = t.of_type("AWS::CloudWatch::Alarm");
    for f in t.functions() {
        let configured = refs(&f.resource["Properties"]["LoggingConfig"]["LogGroup"]);
        let group = t
            .of_type("AWS::Logs::LogGroup")
            .into_iter()
            .find(|(id, g)| {
                configured.contains(id.as_str())
                    || refs(&g["Properties"]["LogGroupName"]).contains(&f.id)
            });
        let (group_id, group) = group.unwrap_or_else(|| panic!("{}: no AWS::Logs::LogGroup", f.id));
        assert!(
            group["Properties"]["RetentionInDays"].is_number()
                || group["Properties"]["RetentionInDays"].get("Ref").is_some(),
            "{group_id}: no RetentionInDays"
        );
        // Named like Lambda's default group, so nothing else creates one without retention.
        let fn_name = &f.resource["Properties"]["FunctionName"]["Fn::Sub"];
        let group_name = &group["Properties"]["LogGroupName"]["Fn::Sub"];
        if let (Some(fn_name), Some(group_name)) = (fn_name.as_str(), group_name.as_str()) {
            assert_eq!(group_name, format!("/aws/lambda/{fn_name}"), "{group_id}");
        } else {
            assert!(
                group["Properties"]["LogGroupName"]
                    .to_string()
                    .contains("/aws/lambda/"),
                "{group_id}: name it /aws/lambda/<function name>"
            );
        }
        for metric in ["Errors", "Throttles"] {
            let alarmed = alarms.iter().any(|(_, a)| {
                let a = &a["Properties"];
                a["Namespace"] == "AWS/Lambda"
                    && a["MetricName"] == metric
                    && a["Threshold"] == 0
                    && refs(&a["Dimensions"]).contains(&f.id)
            });
            assert!(alarmed, "{}: no {metric} > 0 alarm", f.id);
        }
    }
    for (id, a) in alarms {
        assert!(
            refs(&a["Properties"]["AlarmActions"]).contains("AlarmTopicArn"),
            "{id}: alarm actions should go to the AlarmTopicArn parameter"
        );
    }
}

#[test]
fn the_template_offers_the_documented_parameters_and_outputs() {
    let t = Template::load();
    let params = t.doc["Parameters"].as_object().unwrap();
    for (name, default) in [
        (
            "SlackSigningSecretParam",
            json!("/flare/slack/signing-secret"),
        ),
        ("SlackBotTokenParam", json!("/flare/slack/bot-token")),
        ("IntegrationSecretsPrefix", json!("/flare/")),
        ("OpsgenieKeyParam", json!("")),
        ("PagerDutyWebhookSecretParam", json!("")),
        ("OpsgenieWebhookTokenParam", json!("")),
        ("TriageAddress", json!("")),
        ("AlarmTopicArn", json!("")),
        ("LogRetentionDays", json!(30)),
    ] {
        assert_eq!(
            params.get(name).map(|p| &p["Default"]),
            Some(&default),
            "parameter {name}"
        );
    }
    let outputs = t.doc["Outputs"].as_object().unwrap();
    for name in [
        "SlackRequestUrl",
        "TriageAddress",
        "PostmortemBucket",
        "InboundBucket",
        "CommandQueueUrl",
        "DeadLetterQueueUrl",
        "TableName",
    ] {
        assert!(outputs.contains_key(name), "output {name}");
    }
    // The SES pieces exist only with a triage address.
    for ty in ["AWS::SES::ReceiptRuleSet", "AWS::SES::ReceiptRule"] {
        for (id, r) in t.of_type(ty) {
            assert_eq!(r["Condition"], "HasTriageAddress", "{id}");
        }
    }
    for (id, p) in t.of_type("AWS::Lambda::Permission") {
        if p["Properties"]["Principal"] == "ses.amazonaws.com" {
            assert_eq!(p["Condition"], "HasTriageAddress", "{id}");
            assert!(
                p["Properties"].get("SourceAccount").is_some(),
                "{id}: SourceAccount"
            );
        }
    }
}

// ------------------------------------------------------------------ Slack manifest

/// Bot scopes per Web API method (docs.slack.dev method pages; platform-facts.md §3).
/// `chat.postMessage` also takes `chat:write.public`: Flare posts in `#incidents` (and
/// the triage channel) without having to be invited there first.
const METHOD_SCOPES: &[(&str, &[&str])] = &[
    ("auth.test", &[]),
    ("views.open", &[]),
    ("views.update", &[]),
    ("views.push", &[]),
    ("views.publish", &[]),
    ("conversations.open", &["im:write"]),
    ("chat.getPermalink", &[]),
    ("chat.postMessage", &["chat:write", "chat:write.public"]),
    ("chat.postEphemeral", &["chat:write"]),
    ("chat.update", &["chat:write"]),
    ("chat.delete", &["chat:write"]),
    ("conversations.create", &["channels:manage", "groups:write"]),
    ("conversations.invite", &["channels:manage", "groups:write"]),
    ("conversations.rename", &["channels:manage", "groups:write"]),
    (
        "conversations.archive",
        &["channels:manage", "groups:write"],
    ),
    (
        "conversations.unarchive",
        &["channels:manage", "groups:write"],
    ),
    (
        "conversations.setTopic",
        &["channels:manage", "groups:write"],
    ),
    (
        "conversations.setPurpose",
        &["channels:manage", "groups:write"],
    ),
    ("conversations.kick", &["channels:manage", "groups:write"]),
    ("conversations.join", &["channels:join"]),
    ("conversations.list", &["channels:read", "groups:read"]),
    ("conversations.info", &["channels:read", "groups:read"]),
    ("conversations.members", &["channels:read", "groups:read"]),
    (
        "conversations.history",
        &["channels:history", "groups:history"],
    ),
    (
        "conversations.replies",
        &["channels:history", "groups:history"],
    ),
    ("reactions.get", &["reactions:read"]),
    ("reactions.add", &["reactions:write"]),
    ("pins.add", &["pins:write"]),
    ("pins.remove", &["pins:write"]),
    ("pins.list", &["pins:read"]),
    ("bookmarks.add", &["bookmarks:write"]),
    ("bookmarks.edit", &["bookmarks:write"]),
    ("bookmarks.remove", &["bookmarks:write"]),
    ("bookmarks.list", &["bookmarks:read"]),
    ("files.getUploadURLExternal", &["files:write"]),
    ("files.completeUploadExternal", &["files:write"]),
    ("users.info", &["users:read"]),
    ("users.lookupByEmail", &["users:read", "users:read.email"]),
    ("usergroups.list", &["usergroups:read"]),
    ("usergroups.users.list", &["usergroups:read"]),
    ("usergroups.create", &["usergroups:write"]),
    ("usergroups.update", &["usergroups:write"]),
    ("usergroups.users.update", &["usergroups:write"]),
    ("canvases.create", &["canvases:write"]),
    ("conversations.canvases.create", &["canvases:write"]),
];

/// Scopes per Events API event (`x-scopes-required` in Slack's AsyncAPI spec).
const EVENT_SCOPES: &[(&str, &[&str])] = &[
    ("reaction_added", &["reactions:read"]),
    ("reaction_removed", &["reactions:read"]),
    ("pin_added", &["pins:read"]),
    ("pin_removed", &["pins:read"]),
    ("app_home_opened", &[]),
    ("member_joined_channel", &["channels:read", "groups:read"]),
    ("member_left_channel", &["channels:read", "groups:read"]),
    ("channel_rename", &["channels:read"]),
    ("channel_archive", &["channels:read"]),
    ("app_mention", &["app_mentions:read"]),
    ("message", &["channels:history", "groups:history"]),
];

/// The Web API methods the deployed code calls: the literal first argument of
/// `SlackApi::call("…", …)` (also split over lines), the Slack effect's cosmetic
/// `best_effort("…", …)` and slack-morphism's `http_post`.
fn methods_called() -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for file in deployed_sources() {
        let text = std::fs::read_to_string(&file).unwrap();
        for needle in ["call(", "http_post(", "best_effort("] {
            let mut rest = text.as_str();
            while let Some(at) = rest.find(needle) {
                rest = &rest[at + needle.len()..];
                let arg = rest.trim_start();
                // `call("chat.update", …)` or `call(&format!("files.x?a={a}"), …)`.
                let arg = arg.strip_prefix("&format!(").unwrap_or(arg);
                let Some(arg) = arg.strip_prefix('"') else {
                    continue;
                };
                let Some(end) = arg.find(['"', '?']) else {
                    continue;
                };
                let method = &arg[..end];
                if method.contains('.')
                    && method
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '.')
                {
                    let rel = file
                        .strip_prefix(iam::root())
                        .unwrap_or(&file)
                        .display()
                        .to_string();
                    found.entry(method.to_owned()).or_insert(rel);
                }
            }
        }
    }
    assert!(
        found.len() > 5,
        "found too few Slack method calls: {found:?}"
    );
    found
}

/// The Events API event types the Slack function handles: the string patterns of the
/// match arms in `inner_event` (shared/src/slack/app/events.rs).
fn events_handled() -> BTreeSet<String> {
    let text = read("shared/src/slack/app/events.rs");
    let start = text.find("fn inner_event").expect(
        "shared/src/slack/app/events.rs has no `fn inner_event`: point events_handled() \
         at the code that dispatches on the event type",
    );
    let body = &text[start..];
    let end = body[1..]
        .find("\n    fn ")
        .into_iter()
        .chain(body[1..].find("\n    async fn "))
        .chain(body[1..].find("\n    pub"))
        .min()
        .map_or(body.len(), |e| e + 1);
    let mut events = BTreeSet::new();
    for line in body[..end].lines() {
        let Some((pattern, _)) = line.split_once("=>") else {
            continue;
        };
        let mut parts = pattern.split('"');
        parts.next();
        while let (Some(literal), Some(_)) = (parts.next(), parts.next()) {
            events.insert(literal.to_owned());
        }
    }
    assert!(!events.is_empty(), "inner_event handles no event type?");
    events
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn the_manifest_asks_exactly_for_the_scopes_the_code_uses() {
    let manifest = load_yaml("infra/slack-app-manifest.yaml");
    let listed = strings(Some(&manifest["oauth_config"]["scopes"]["bot"]));
    let scopes: BTreeSet<String> = listed.iter().cloned().collect();
    assert_eq!(scopes.len(), listed.len(), "a scope is listed twice");

    let mut expected = BTreeSet::new();
    let mut why: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let methods = methods_called();
    for (method, file) in &methods {
        let (_, needed) = METHOD_SCOPES
            .iter()
            .find(|(m, _)| m == method)
            .unwrap_or_else(|| {
                panic!("{file} calls the Slack method `{method}`: add its scope to METHOD_SCOPES")
            });
        for s in *needed {
            expected.insert((*s).to_owned());
            why.entry((*s).to_owned()).or_default().push(method.clone());
        }
    }
    for event in events_handled() {
        let (_, needed) = EVENT_SCOPES
            .iter()
            .find(|(e, _)| *e == event)
            .unwrap_or_else(|| {
                panic!("the Slack function handles `{event}`: add its scope to EVENT_SCOPES")
            });
        for s in *needed {
            expected.insert((*s).to_owned());
            why.entry((*s).to_owned()).or_default().push(event.clone());
        }
    }
    let features = &manifest["features"];
    if features["slash_commands"].is_array() || features["shortcuts"].is_array() {
        expected.insert("commands".into());
    }
    let extra: Vec<_> = scopes.difference(&expected).collect();
    let missing: Vec<_> = expected
        .difference(&scopes)
        .map(|s| {
            format!(
                "{s} (for {})",
                why.get(s).map(|w| w.join(", ")).unwrap_or_default()
            )
        })
        .collect();
    assert!(
        extra.is_empty() && missing.is_empty(),
        "infra/slack-app-manifest.yaml: scopes nothing uses: {extra:?}; scopes missing: {missing:?}"
    );
}

#[test]
fn the_manifest_subscribes_to_exactly_the_events_handled() {
    let manifest = load_yaml("infra/slack-app-manifest.yaml");
    let subscribed: BTreeSet<String> = strings(Some(
        &manifest["settings"]["event_subscriptions"]["bot_events"],
    ))
    .into_iter()
    .collect();
    assert_eq!(
        subscribed,
        events_handled(),
        "bot_events in infra/slack-app-manifest.yaml"
    );
}

#[test]
fn the_manifest_points_slack_at_the_function_paths() {
    let manifest = load_yaml("infra/slack-app-manifest.yaml");
    let f = &manifest["features"];
    assert_eq!(
        manifest["settings"]["event_subscriptions"]["request_url"],
        "https://FLARE_URL/slack/events"
    );
    assert_eq!(
        manifest["settings"]["interactivity"]["request_url"],
        "https://FLARE_URL/slack/interactions"
    );
    assert_eq!(manifest["settings"]["interactivity"]["is_enabled"], true);
    let command = &f["slash_commands"][0];
    assert_eq!(command["command"], "/incident");
    assert_eq!(command["url"], "https://FLARE_URL/slack/commands");
    assert_eq!(command["should_escape"], true);
    let shortcuts: BTreeSet<(String, String)> = f["shortcuts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["type"].as_str().unwrap().to_owned(),
                s["callback_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        shortcuts,
        BTreeSet::from([
            (
                "global".to_owned(),
                flare::slack::app::DECLARE_SHORTCUT.to_owned()
            ),
            (
                "message".to_owned(),
                flare::slack::app::DECLARE_FROM_MESSAGE.to_owned()
            ),
        ])
    );
    assert!(f["bot_user"].is_object(), "the app needs a bot user");
    assert_eq!(manifest["settings"]["socket_mode_enabled"], false);
}

#[test]
fn make_manifest_fills_in_the_url_and_refuses_a_bad_one() {
    let out = std::env::temp_dir().join(format!("flare-manifest-{}.yaml", std::process::id()));
    let run = |url: &str| {
        std::process::Command::new("bash")
            .arg(iam::root().join("infra/scripts/slack-manifest.sh"))
            .arg(url)
            .arg(&out)
            .current_dir(iam::root())
            .output()
            .expect("bash runs")
    };
    let ok = run("https://abc123.lambda-url.eu-west-1.on.aws/");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(!text.contains("FLARE_URL"), "placeholder left in:\n{text}");
    assert!(text.contains("https://abc123.lambda-url.eu-west-1.on.aws/slack/events"));
    assert!(!text.contains("on.aws//"), "trailing slash not stripped");
    for bad in [
        "",
        "http://example.com",
        "https://x.on.aws/&evil",
        "https://a b",
    ] {
        assert!(!run(bad).status.success(), "accepted {bad:?}");
    }
    let _ = std::fs::remove_file(&out);
}

#[test]
fn references_are_read_from_ref_getatt_and_sub() {
    assert_eq!(
        set(&["a", "b"]),
        BTreeSet::from(["a".to_owned(), "b".to_owned()])
    );
    let sub = json!({ "Fn::Sub": ["${A}-${B.Arn}-${!Lit}-${Local}", { "Local": { "Ref": "C" } }] });
    assert_eq!(refs(&sub), set(&["A", "B", "C"]));
    assert_eq!(
        refs(&json!({ "Fn::Sub": "arn:${AWS::Partition}:x:${P}" })),
        set(&["P"])
    );
}

// ------------------------------------------------------------------ the IAM evaluator

fn stack() -> iam::Stack {
    iam::Stack::parse(&read("template.yaml"))
}

fn decide(stack: &iam::Stack, binary: &str, action: &str, resource: &str) -> iam::Decision {
    iam::decide(
        &stack.statements(&stack.function_of(binary)),
        action,
        resource,
    )
}

const TABLE_ARN: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/Table";
const QUEUE_ARN: &str = "arn:aws:sqs:us-east-1:123456789012:CommandQueue";
const PARAM: &str = "arn:aws:ssm:us-east-1:123456789012:parameter";

#[test]
fn the_evaluator_resolves_the_roles_the_way_iam_would_see_them() {
    let s = stack();
    let allowed =
        |b: &str, a: &str, r: &str| matches!(decide(&s, b, a, r), iam::Decision::Allowed(_));
    // Issue 15, items 1 and 2: what the code does and the roles did not allow.
    assert!(allowed("slack", "dynamodb:BatchGetItem", TABLE_ARN));
    assert!(allowed("worker", "sqs:SendMessage", QUEUE_ARN));
    // Index ARNs are their own resources.
    assert!(allowed(
        "slack",
        "dynamodb:Query",
        &format!("{TABLE_ARN}/index/gsi1")
    ));
    assert!(allowed(
        "reminders",
        "dynamodb:Query",
        &format!("{TABLE_ARN}/index/gsi1")
    ));
    assert!(!allowed("reminders", "dynamodb:Query", TABLE_ARN));
    assert!(!allowed(
        "slack",
        "dynamodb:Query",
        &format!("{TABLE_ARN}/index/other")
    ));
    // Action names compare without case; resources with.
    assert!(allowed("slack", "DynamoDB:batchgetitem", TABLE_ARN));
    assert!(!allowed(
        "slack",
        "dynamodb:GetItem",
        &TABLE_ARN.to_uppercase()
    ));
    // Parameter paths: the worker reads under the integration prefix and the bot token.
    assert!(allowed(
        "worker",
        "ssm:GetParameter",
        &format!("{PARAM}/flare/pagerduty/routing-key")
    ));
    assert!(allowed(
        "worker",
        "ssm:GetParameter",
        &format!("{PARAM}/flare/slack/bot-token")
    ));
    assert!(!allowed(
        "worker",
        "ssm:GetParameter",
        &format!("{PARAM}/other/key")
    ));
    // Item 6: the signing secret only where requests are verified.
    for binary in ["worker", "postmortem", "email-triage", "reminders"] {
        assert!(
            !allowed(
                binary,
                "ssm:GetParameter",
                &format!("{PARAM}/flare/slack/signing-secret")
            ),
            "{binary}"
        );
    }
    // The worker's prefix covers it by default: an explicit deny keeps it out.
    assert_eq!(
        decide(
            &s,
            "worker",
            "ssm:GetParameter",
            &format!("{PARAM}/flare/slack/signing-secret")
        ),
        iam::Decision::ExplicitDeny("NotTheSigningSecret".into())
    );
    assert!(allowed(
        "slack",
        "ssm:GetParameter",
        &format!("{PARAM}/flare/slack/signing-secret")
    ));
    // Key prefixes: postmortems/ only, and no listing.
    let bucket = "arn:aws:s3:::PostmortemBucket";
    assert!(allowed(
        "postmortem",
        "s3:PutObject",
        &format!("{bucket}/postmortems/INC-1.md")
    ));
    assert!(!allowed(
        "postmortem",
        "s3:PutObject",
        &format!("{bucket}/other/INC-1.md")
    ));
    assert!(!allowed("postmortem", "s3:ListBucket", bucket));
    assert!(!allowed("worker", "sqs:ChangeMessageVisibility", QUEUE_ARN));
}

#[test]
fn the_slack_function_reads_the_pager_webhook_secrets_only_when_they_are_named() {
    let pd = format!("{PARAM}/flare/pd/webhook");
    let og = format!("{PARAM}/flare/og/webhook");
    let allowed = |s: &iam::Stack, r: &str| {
        matches!(
            iam::decide(
                &s.statements(&s.function_of("slack")),
                "ssm:GetParameter",
                r
            ),
            iam::Decision::Allowed(_)
        )
    };
    let off = stack();
    assert!(!allowed(&off, &pd) && !allowed(&off, &og));
    let on = stack()
        .with_parameter("PagerDutyWebhookSecretParam", "/flare/pd/webhook")
        .with_parameter("OpsgenieWebhookTokenParam", "/flare/og/webhook");
    assert!(allowed(&on, &pd) && allowed(&on, &og));
    // Only those: not the integration keys the worker pages with.
    assert!(!allowed(
        &on,
        &format!("{PARAM}/flare/pagerduty/routing-key")
    ));
}

#[test]
fn the_evaluator_follows_parameters_and_conditions() {
    // A signing secret outside the integration prefix is out of the worker's reach.
    let s = stack().with_parameter("IntegrationSecretsPrefix", "/flare/integrations/");
    let statements = s.statements(&s.function_of("worker"));
    assert!(!matches!(
        iam::decide(
            &statements,
            "ssm:GetParameter",
            &format!("{PARAM}/flare/slack/signing-secret")
        ),
        iam::Decision::Allowed(_)
    ));
    assert_eq!(
        iam::decide(
            &statements,
            "ssm:GetParameter",
            &format!("{PARAM}/flare/other")
        ),
        iam::Decision::ImplicitDeny
    );
    assert!(matches!(
        iam::decide(
            &statements,
            "ssm:GetParameter",
            &format!("{PARAM}/flare/integrations/pd")
        ),
        iam::Decision::Allowed(_)
    ));
    // Item 3: no reserved concurrency unless asked for.
    let pm = |s: &iam::Stack| {
        s.resolve(&s.resource(&s.function_of("postmortem"))["Properties"])
            .unwrap()
            .get("ReservedConcurrentExecutions")
            .cloned()
    };
    assert_eq!(pm(&stack()), None, "no reserved concurrency by default");
    assert_eq!(
        pm(&stack().with_parameter("PostmortemConcurrencyLimit", "2")),
        Some(json!("2"))
    );
}

#[test]
fn an_integration_prefix_of_slash_alone_is_refused() {
    // Item 6: "/" would make the worker's grant parameter/*.
    let t = Template::load();
    let pattern = t.doc["Parameters"]["IntegrationSecretsPrefix"]["AllowedPattern"]
        .as_str()
        .unwrap()
        .to_owned();
    // CloudFormation's AllowedPattern is a whole-string Java regex; this one uses only
    // anchors, a class, groups and `+`, which a tiny matcher can check.
    let accepts = |value: &str| {
        let body = pattern.trim_start_matches('^').trim_end_matches('$');
        let segment = body
            .strip_prefix("/(")
            .and_then(|b| b.strip_suffix(")+"))
            .expect("the pattern is /(<segment>/)+");
        let class = segment.strip_suffix('/').unwrap();
        let ok_char = |c: char| {
            assert_eq!(class, "[A-Za-z0-9_.\\-]+");
            c.is_ascii_alphanumeric() || "_.-".contains(c)
        };
        let Some(rest) = value.strip_prefix('/') else {
            return false;
        };
        !rest.is_empty()
            && rest.ends_with('/')
            && rest
                .trim_end_matches('/')
                .split('/')
                .all(|seg| !seg.is_empty() && seg.chars().all(ok_char))
    };
    assert!(accepts("/flare/"));
    assert!(accepts("/flare/paging/"));
    assert!(!accepts("/"), "{pattern} accepts /");
    assert!(!accepts("/flare"));
}

#[test]
fn the_evaluator_matches_like_iam() {
    assert!(iam::wildcard("dynamodb:*", "dynamodb:Query", true));
    assert!(iam::wildcard(
        "arn:aws:ssm:*:*:parameter/flare/*",
        "arn:aws:ssm:us-east-1:1:parameter/flare/a/b",
        false
    ));
    assert!(iam::wildcard("a?c", "abc", false));
    assert!(!iam::wildcard("a?c", "ac", false));
    assert!(!iam::wildcard("table/T", "table/T/index/gsi1", false));
    let statements = stack().statements(&stack().function_of("slack"));
    assert_eq!(
        iam::decide(&statements, "dynamodb:DeleteTable", TABLE_ARN),
        iam::Decision::ImplicitDeny
    );
}

#[test]
fn data_and_dead_letters_outlive_the_stack() {
    // Item 7: deleting or replacing the stack keeps what it holds.
    let t = Template::load();
    let mut kept = Vec::new();
    for ty in [
        "AWS::DynamoDB::Table",
        "AWS::S3::Bucket",
        "AWS::Logs::LogGroup",
    ] {
        kept.extend(t.of_type(ty));
    }
    let dead_letters = ["CommandDeadLetterQueue", "AsyncFailureQueue"];
    for id in dead_letters {
        kept.push((t.resources().get_key_value(id).unwrap().0, t.resource(id)));
    }
    assert!(kept.len() >= 10, "{}", kept.len());
    for (id, r) in kept {
        assert_eq!(r["DeletionPolicy"], "Retain", "{id}: DeletionPolicy");
        assert_eq!(
            r["UpdateReplacePolicy"], "Retain",
            "{id}: UpdateReplacePolicy"
        );
    }
}

#[test]
fn the_slack_alarm_counts_what_slack_saw() {
    // Item 5: the function answers its failures with a 5xx and returns Ok.
    let t = Template::load();
    let slack = t.function("slack");
    let watched = t
        .of_type("AWS::CloudWatch::Alarm")
        .into_iter()
        .any(|(_, a)| {
            let a = &a["Properties"];
            a["Namespace"] == "AWS/Lambda"
                && a["MetricName"] == "Url5xxCount"
                && a["Threshold"] == 0
                && refs(&a["Dimensions"]).contains(&slack.id)
        });
    assert!(watched, "no Url5xxCount alarm on the Slack function");
}

#[test]
fn the_worker_budget_fits_its_timeout() {
    // Item 4: one command's share can't use up the invocation.
    let t = Template::load();
    let timeout = std::time::Duration::from_secs(t.timeout(&t.function("worker")) as u64);
    let b = flare::worker::Budget::lambda(timeout);
    assert!(
        flare::worker::Budget::PER_COMMAND + b.reserve + b.min_start < timeout,
        "a command's share must leave room for the answer"
    );
}

/// The features a package is built with when it is built alone, as `sam build` builds
/// each function (cargo's own resolution: nothing is compiled).
fn features_of(package: &str) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = std::process::Command::new(cargo)
        .current_dir(&root)
        .args(["tree", "--offline", "-p", package, "-e", "normal,features"])
        .args(["--prefix", "none"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo tree -p {package}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_deployed_functions_are_built_without_fakes_fixtures_or_local_overrides() {
    let local_only = [
        "flare feature \"local\"",
        "flare-integrations feature \"fakes\"",
        "flare-postmortem feature \"fixtures\"",
    ];
    for package in [
        "flare-slack",
        "flare-worker",
        "flare-reminders",
        "flare-email-triage",
        "flare-postmortem",
    ] {
        let tree = features_of(package);
        assert!(tree.contains("flare v0.1.0"), "{package}: {tree}");
        for f in local_only {
            assert!(!tree.contains(f), "{package} is built with {f}");
        }
        assert!(
            !tree.lines().any(|l| l.starts_with("axum v")),
            "{package} links axum (the fakes' server)"
        );
    }
    // The local host is built with all of them: the check above can fail.
    let host = features_of("flare-local");
    for f in &local_only[..2] {
        assert!(host.contains(f), "flare-local lacks {f}");
    }
}
