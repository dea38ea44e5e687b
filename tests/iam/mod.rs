//! An IAM evaluator for `template.yaml`, for tests: each function's role as the deployed
//! stack would have it (intrinsic functions resolved with the parameters' defaults, SAM
//! policy templates expanded), and the decision IAM would take on an operation the code
//! was recorded making (`flare::aws::record`).
//!
//! Resolution uses a fixed account and region ([`REGION`], [`ACCOUNT`], stack
//! [`STACK`]), and each resource's physical name is its logical id (a bus or function
//! with a `Name`/`FunctionName` property gets that, resolved). Recorded operations name
//! the resources a test created; [`Names`] maps those to the logical resources, and
//! [`Stack::arn`] builds the ARN IAM would evaluate.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

pub const REGION: &str = "us-east-1";
/// moto's account, so recorded ARNs and the template's agree.
pub const ACCOUNT: &str = "123456789012";
pub const PARTITION: &str = "aws";
pub const STACK: &str = "flare";

/// The repository's root (this crate is `tests/`).
pub fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// `template.yaml`, as deployed.
pub fn template() -> String {
    std::fs::read_to_string(root().join("template.yaml")).expect("template.yaml")
}

// ------------------------------------------------------------------ YAML

/// YAML (with CloudFormation's short tags) as JSON in CloudFormation's long form:
/// `!Ref X` → `{"Ref": "X"}`, `!GetAtt A.B` → `{"Fn::GetAtt": ["A", "B"]}`,
/// `!Sub s` → `{"Fn::Sub": "s"}`, and so on for every `!Name`.
pub fn to_json(v: serde_yaml_ng::Value) -> Value {
    use serde_yaml_ng::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => json!(i),
            (None, Some(f)) => json!(f),
            _ => Value::Null,
        },
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Y::Mapping(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let key = match to_json(k) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
        Y::Tagged(t) => {
            let name = t.tag.to_string().trim_start_matches('!').to_owned();
            let inner = to_json(t.value);
            match (name.as_str(), inner) {
                ("Ref" | "Condition", inner) => json!({ name: inner }),
                ("GetAtt", Value::String(s)) => {
                    let (resource, attribute) = s.split_once('.').unwrap_or((&s, ""));
                    json!({ "Fn::GetAtt": [resource, attribute] })
                }
                (_, inner) => json!({ format!("Fn::{name}"): inner }),
            }
        }
    }
}

pub fn parse_yaml(text: &str) -> Value {
    let doc: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(text).unwrap_or_else(|e| panic!("not valid YAML: {e}"));
    to_json(doc)
}

// ------------------------------------------------------------------ the stack

pub struct Stack {
    pub doc: Value,
    parameters: BTreeMap<String, String>,
}

fn as_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => panic!("expected a scalar, got {other}"),
    }
}

impl Stack {
    /// The template with its parameters' defaults.
    pub fn parse(text: &str) -> Stack {
        let doc = parse_yaml(text);
        let parameters = doc["Parameters"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(k, p)| Some((k.clone(), as_str(p.get("Default")?))))
            .collect();
        Stack { doc, parameters }
    }

    pub fn with_parameter(mut self, name: &str, value: &str) -> Stack {
        assert!(
            self.doc["Parameters"].get(name).is_some(),
            "no parameter {name}"
        );
        self.parameters.insert(name.into(), value.into());
        self
    }

    /// The stack with `action` taken out of the Allow statements of the function that
    /// builds `binary` (the negative check: a grant removed must fail the check).
    pub fn without_action(mut self, binary: &str, action: &str) -> Stack {
        let id = self.function_of(binary);
        let policies = &mut self.doc["Resources"][id.as_str()]["Properties"]["Policies"];
        for p in policies.as_array_mut().into_iter().flatten() {
            let Some(statements) = p.get_mut("Statement").and_then(Value::as_array_mut) else {
                continue;
            };
            for s in statements.iter_mut() {
                if s["Effect"] != "Allow" {
                    continue;
                }
                let kept: Vec<Value> = strings(s.get("Action"))
                    .into_iter()
                    .filter(|a| !a.eq_ignore_ascii_case(action))
                    .map(Value::String)
                    .collect();
                s["Action"] = Value::Array(kept);
            }
            statements.retain(|s| s["Action"].as_array().is_none_or(|a| !a.is_empty()));
        }
        self
    }

    pub fn resources(&self) -> &Map<String, Value> {
        self.doc["Resources"].as_object().expect("Resources")
    }

    pub fn resource(&self, id: &str) -> &Value {
        self.resources()
            .get(id)
            .unwrap_or_else(|| panic!("no resource {id}"))
    }

    /// The logical id of the function that builds `binary`.
    pub fn function_of(&self, binary: &str) -> String {
        self.resources()
            .iter()
            .find(|(_, r)| {
                r["Type"] == "AWS::Serverless::Function"
                    && r["Metadata"]["BuildProperties"]["Binary"] == binary
            })
            .map(|(id, _)| id.clone())
            .unwrap_or_else(|| panic!("no function builds `{binary}`"))
    }

    pub fn binaries(&self) -> Vec<String> {
        self.resources()
            .values()
            .filter(|r| r["Type"] == "AWS::Serverless::Function")
            .filter_map(|r| r["Metadata"]["BuildProperties"]["Binary"].as_str())
            .map(str::to_owned)
            .collect()
    }

    /// What `Ref` of a resource gives, by type.
    pub fn physical_name(&self, id: &str) -> String {
        let r = self.resource(id);
        let named = |prop: &str| {
            r["Properties"]
                .get(prop)
                .and_then(|v| self.resolve(v))
                .map(|v| as_str(&v))
        };
        match r["Type"].as_str().unwrap_or_default() {
            "AWS::Events::EventBus" => named("Name").unwrap_or_else(|| id.to_owned()),
            "AWS::Serverless::Function" => named("FunctionName").unwrap_or_else(|| id.to_owned()),
            _ => id.to_owned(),
        }
    }

    fn get_att(&self, id: &str, attribute: &str) -> String {
        let name = self.physical_name(id);
        let ty = self.resource(id)["Type"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        match (ty.as_str(), attribute) {
            ("AWS::DynamoDB::Table", "Arn") => {
                format!("arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:table/{name}")
            }
            ("AWS::SQS::Queue", "Arn") => format!("arn:{PARTITION}:sqs:{REGION}:{ACCOUNT}:{name}"),
            ("AWS::SQS::Queue", "QueueName") => name,
            ("AWS::SQS::Queue", "QueueUrl") => self.queue_url(&name),
            ("AWS::Events::EventBus", "Arn") => {
                format!("arn:{PARTITION}:events:{REGION}:{ACCOUNT}:event-bus/{name}")
            }
            ("AWS::S3::Bucket", "Arn") => format!("arn:{PARTITION}:s3:::{name}"),
            ("AWS::Serverless::Function", "Arn") => {
                format!("arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:{name}")
            }
            _ => format!("{id}.{attribute}"),
        }
    }

    fn queue_url(&self, name: &str) -> String {
        format!("https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}")
    }

    fn reference(&self, name: &str) -> Option<Value> {
        Some(Value::String(match name {
            "AWS::Region" => REGION.into(),
            "AWS::AccountId" => ACCOUNT.into(),
            "AWS::Partition" => PARTITION.into(),
            "AWS::StackName" => STACK.into(),
            "AWS::URLSuffix" => "amazonaws.com".into(),
            "AWS::NoValue" => return None,
            _ if self.parameters.contains_key(name) => self.parameters[name].clone(),
            _ if self.resources().contains_key(name) => {
                let physical = self.physical_name(name);
                match self.resource(name)["Type"].as_str() {
                    Some("AWS::SQS::Queue") => self.queue_url(&physical),
                    _ => physical,
                }
            }
            _ => panic!("Ref to unknown {name}"),
        }))
    }

    fn sub(&self, text: &str, locals: &Map<String, Value>) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            rest = &rest[start + 2..];
            let end = rest.find('}').expect("unclosed ${ in Fn::Sub");
            let name = &rest[..end];
            rest = &rest[end + 1..];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(v) = locals.get(name) {
                out.push_str(&as_str(&self.resolve(v).expect("a Sub variable")));
            } else if let Some((id, attr)) = name.split_once('.')
                && !name.starts_with("AWS::")
            {
                out.push_str(&self.get_att(id, attr));
            } else {
                out.push_str(&as_str(&self.reference(name).expect("not NoValue in Sub")));
            }
        }
        out.push_str(rest);
        out
    }

    pub fn condition(&self, name: &str) -> bool {
        let c = &self.doc["Conditions"][name];
        assert!(!c.is_null(), "no condition {name}");
        self.truth(c)
    }

    fn truth(&self, v: &Value) -> bool {
        let Some(obj) = v.as_object() else {
            panic!("not a condition: {v}")
        };
        let (k, args) = obj.iter().next().expect("a condition function");
        match k.as_str() {
            "Fn::Equals" => {
                let a = self.resolve(&args[0]).map(|v| as_str(&v));
                let b = self.resolve(&args[1]).map(|v| as_str(&v));
                a == b
            }
            "Fn::Not" => !self.truth(&args[0]),
            "Fn::And" => args.as_array().unwrap().iter().all(|a| self.truth(a)),
            "Fn::Or" => args.as_array().unwrap().iter().any(|a| self.truth(a)),
            "Condition" => self.condition(args.as_str().unwrap()),
            other => panic!("unsupported condition function {other}"),
        }
    }

    /// A value with every intrinsic function resolved; `None` for `AWS::NoValue`.
    pub fn resolve(&self, v: &Value) -> Option<Value> {
        match v {
            Value::Array(items) => Some(Value::Array(
                items.iter().filter_map(|i| self.resolve(i)).collect(),
            )),
            Value::Object(m) if m.len() == 1 => {
                let (k, arg) = m.iter().next().unwrap();
                match k.as_str() {
                    "Ref" => self.reference(arg.as_str().expect("Ref names a string")),
                    "Fn::GetAtt" => {
                        let a = arg.as_array().expect("GetAtt [id, attr]");
                        Some(Value::String(
                            self.get_att(a[0].as_str().unwrap(), a[1].as_str().unwrap()),
                        ))
                    }
                    "Fn::Sub" => Some(Value::String(match arg {
                        Value::String(s) => self.sub(s, &Map::new()),
                        Value::Array(a) => self.sub(
                            a[0].as_str().unwrap(),
                            a[1].as_object().expect("Sub variables"),
                        ),
                        other => panic!("Fn::Sub {other}"),
                    })),
                    "Fn::If" => {
                        let a = arg.as_array().expect("If [cond, a, b]");
                        let branch = if self.condition(a[0].as_str().unwrap()) {
                            &a[1]
                        } else {
                            &a[2]
                        };
                        self.resolve(branch)
                    }
                    "Fn::Join" => {
                        let a = arg.as_array().unwrap();
                        let parts = self.resolve(&a[1])?;
                        Some(Value::String(
                            parts
                                .as_array()
                                .unwrap()
                                .iter()
                                .map(as_str)
                                .collect::<Vec<_>>()
                                .join(a[0].as_str().unwrap()),
                        ))
                    }
                    "Fn::Split" => {
                        let a = arg.as_array().unwrap();
                        let s = as_str(&self.resolve(&a[1])?);
                        Some(json!(s.split(a[0].as_str().unwrap()).collect::<Vec<_>>()))
                    }
                    "Fn::Select" => {
                        let a = arg.as_array().unwrap();
                        let i = as_str(&a[0]).parse::<usize>().unwrap();
                        self.resolve(&a[1])?.get(i).cloned()
                    }
                    _ if k.starts_with("Fn::") => panic!("unsupported intrinsic {k}"),
                    _ => Some(Value::Object(
                        m.iter()
                            .filter_map(|(k, v)| Some((k.clone(), self.resolve(v)?)))
                            .collect(),
                    )),
                }
            }
            Value::Object(m) => Some(Value::Object(
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), self.resolve(v)?)))
                    .collect(),
            )),
            other => Some(other.clone()),
        }
    }

    /// Every statement of the function's role, resolved (inline statements, the role
    /// it names, and SAM policy templates expanded).
    pub fn statements(&self, function: &str) -> Vec<Statement> {
        let f = self.resource(function);
        let mut raw: Vec<Value> = Vec::new();
        if let Some(role) = f["Properties"].get("Role") {
            let id = role["Fn::GetAtt"][0]
                .as_str()
                .or(role["Ref"].as_str())
                .unwrap_or_else(|| panic!("{function}: Role must name a role of the template"));
            for p in self.resource(id)["Properties"]["Policies"]
                .as_array()
                .into_iter()
                .flatten()
            {
                raw.extend(list(&p["PolicyDocument"]["Statement"]));
            }
        }
        for p in f["Properties"]["Policies"].as_array().into_iter().flatten() {
            match p {
                Value::Object(o) if o.contains_key("Statement") => {
                    raw.extend(list(&o["Statement"]))
                }
                Value::Object(o) if o.len() == 1 => {
                    let (name, args) = o.iter().next().unwrap();
                    let args = self.resolve(args).unwrap_or(Value::Null);
                    raw.extend(sam_policy_template(name, &args));
                }
                other => panic!(
                    "{function}: policy {other} is a managed policy; only inline statements and SAM policy templates can be evaluated"
                ),
            }
        }
        raw.iter()
            .filter_map(|s| self.resolve(s))
            .map(|s| Statement::from_json(&s))
            .collect()
    }

    /// The ARN IAM evaluates for a recorded operation, with its names mapped.
    pub fn arn(&self, op: &flare::aws::record::Operation, names: &Names) -> String {
        let name = names.map(&op.name);
        let region = if op.region.is_empty() {
            REGION
        } else {
            &op.region
        };
        match op.kind.as_str() {
            "table" => format!(
                "arn:{PARTITION}:dynamodb:{region}:{ACCOUNT}:table/{name}{}",
                op.path
            ),
            "queue" => format!("arn:{PARTITION}:sqs:{region}:{ACCOUNT}:{name}"),
            "parameter" => format!("arn:{PARTITION}:ssm:{region}:{ACCOUNT}:parameter{name}"),
            "event-bus" => format!("arn:{PARTITION}:events:{region}:{ACCOUNT}:event-bus/{name}"),
            "bucket" => format!("arn:{PARTITION}:s3:::{name}{}", op.path),
            _ => "*".into(),
        }
    }
}

fn list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.clone(),
        Value::Object(_) => vec![v.clone()],
        _ => Vec::new(),
    }
}

/// SAM policy templates, as SAM's policy_templates.json defines them (the few Flare
/// could use; anything else is refused, so nothing goes unchecked).
fn sam_policy_template(name: &str, args: &Value) -> Vec<Value> {
    let arg = |k: &str| {
        args[k]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: {k} is missing"))
            .to_owned()
    };
    let arn = |service: &str, rest: String| {
        format!("arn:{PARTITION}:{service}:{REGION}:{ACCOUNT}:{rest}")
    };
    match name {
        "DynamoDBCrudPolicy" => {
            let t = arg("TableName");
            vec![json!({ "Effect": "Allow",
                "Action": ["dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:Scan",
                    "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem", "dynamodb:BatchGetItem",
                    "dynamodb:DescribeTable", "dynamodb:ConditionCheckItem"],
                "Resource": [arn("dynamodb", format!("table/{t}")), arn("dynamodb", format!("table/{t}/index/*"))] })]
        }
        "DynamoDBReadPolicy" => {
            let t = arg("TableName");
            vec![json!({ "Effect": "Allow",
                "Action": ["dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:DescribeTable"],
                "Resource": [arn("dynamodb", format!("table/{t}")), arn("dynamodb", format!("table/{t}/index/*"))] })]
        }
        "SQSSendMessagePolicy" => vec![json!({ "Effect": "Allow",
            "Action": ["sqs:SendMessage*"], "Resource": arn("sqs", arg("QueueName")) })],
        "SSMParameterReadPolicy" => vec![
            json!({ "Effect": "Allow", "Action": ["ssm:DescribeParameters"], "Resource": "*" }),
            json!({ "Effect": "Allow",
                "Action": ["ssm:GetParameters", "ssm:GetParameter", "ssm:GetParametersByPath"],
                "Resource": arn("ssm", format!("parameter/{}", arg("ParameterName"))) }),
        ],
        "EventBridgePutEventsPolicy" => vec![json!({ "Effect": "Allow",
            "Action": "events:PutEvents", "Resource": arn("events", format!("event-bus/{}", arg("EventBusName"))) })],
        other => {
            panic!("SAM policy template {other} is not known to the evaluator: add its definition")
        }
    }
}

// ------------------------------------------------------------------ evaluation

#[derive(Clone, Debug)]
pub struct Statement {
    pub sid: String,
    pub allow: bool,
    pub actions: Vec<String>,
    pub not_actions: Vec<String>,
    pub resources: Vec<String>,
    pub not_resources: Vec<String>,
    pub conditional: bool,
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().map(as_str).collect(),
        _ => Vec::new(),
    }
}

impl Statement {
    fn from_json(s: &Value) -> Statement {
        Statement {
            sid: s["Sid"].as_str().unwrap_or_default().to_owned(),
            allow: s["Effect"] == "Allow",
            actions: strings(s.get("Action")),
            not_actions: strings(s.get("NotAction")),
            resources: strings(s.get("Resource")),
            not_resources: strings(s.get("NotResource")),
            conditional: s.get("Condition").is_some(),
        }
    }

    fn matches(&self, action: &str, resource: &str) -> bool {
        let action_ok = if self.not_actions.is_empty() {
            self.actions.iter().any(|p| wildcard(p, action, true))
        } else {
            !self.not_actions.iter().any(|p| wildcard(p, action, true))
        };
        let resource_ok = if self.not_resources.is_empty() {
            self.resources.iter().any(|p| wildcard(p, resource, false))
        } else {
            !self
                .not_resources
                .iter()
                .any(|p| wildcard(p, resource, false))
        };
        action_ok && resource_ok
    }
}

/// IAM's `*` (any run) and `?` (one character); actions compare without case.
pub fn wildcard(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = if ignore_case {
        (
            pattern.to_lowercase().chars().collect(),
            text.to_lowercase().chars().collect(),
        )
    } else {
        (pattern.chars().collect(), text.chars().collect())
    };
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Allowed by the statement with this Sid.
    Allowed(String),
    ImplicitDeny,
    ExplicitDeny(String),
}

/// IAM's decision for one identity policy: an explicit deny wins, then an allow;
/// nothing else is a deny. Allows with conditions are not counted (they can't be
/// evaluated here, so nothing may depend on them).
pub fn decide(statements: &[Statement], action: &str, resource: &str) -> Decision {
    if let Some(s) = statements
        .iter()
        .find(|s| !s.allow && s.matches(action, resource))
    {
        return Decision::ExplicitDeny(s.sid.clone());
    }
    statements
        .iter()
        .find(|s| s.allow && !s.conditional && s.matches(action, resource))
        .map_or(Decision::ImplicitDeny, |s| Decision::Allowed(s.sid.clone()))
}

// ------------------------------------------------------------------ names and checks

/// Names a test's resources have → the template's physical names.
#[derive(Clone, Debug, Default)]
pub struct Names(pub BTreeMap<String, String>);

impl Names {
    pub fn add(mut self, actual: impl Into<String>, template: impl Into<String>) -> Self {
        self.0.insert(actual.into(), template.into());
        self
    }

    fn map(&self, name: &str) -> String {
        self.0.get(name).cloned().unwrap_or_else(|| name.to_owned())
    }
}

/// What was denied, one line per operation; empty if every operation is allowed.
pub fn denied(
    stack: &Stack,
    operations: &[flare::aws::record::Operation],
    names: &Names,
) -> Vec<String> {
    let mut roles: BTreeMap<String, Vec<Statement>> = BTreeMap::new();
    let mut out = BTreeSet::new();
    for op in operations {
        let statements = roles
            .entry(op.function.clone())
            .or_insert_with(|| stack.statements(&stack.function_of(&op.function)));
        let arn = stack.arn(op, names);
        match decide(statements, &op.action, &arn) {
            Decision::Allowed(_) => {}
            d => {
                out.insert(format!(
                    "{}: {} ({}) on {arn}: {d:?}",
                    op.function, op.action, op.operation
                ));
            }
        }
    }
    out.into_iter().collect()
}

/// Granted actions (per function, with the statement's Sid) that no recorded
/// operation used.
pub fn unused(
    stack: &Stack,
    operations: &[flare::aws::record::Operation],
    names: &Names,
) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for binary in stack.binaries() {
        let statements = stack.statements(&stack.function_of(&binary));
        let used: Vec<(String, String)> = operations
            .iter()
            .filter(|o| o.function == binary)
            .map(|o| (o.action.clone(), stack.arn(o, names)))
            .collect();
        let mut idle = Vec::new();
        for s in statements.iter().filter(|s| s.allow) {
            for action in &s.actions {
                for resource in &s.resources {
                    let hit = used
                        .iter()
                        .any(|(a, r)| wildcard(action, a, true) && wildcard(resource, r, false));
                    if !hit {
                        idle.push(format!("{action} on {resource} ({})", s.sid));
                    }
                }
            }
        }
        out.insert(binary, idle);
    }
    out
}

/// Writes what [`unused`] finds to `report`, one `function: grant` a line, and returns
/// those lines: for the reviewer of the next grant.
pub fn report_unused(
    stack: &Stack,
    operations: &[flare::aws::record::Operation],
    names: &Names,
    report: &std::path::Path,
) -> Vec<String> {
    let lines: Vec<String> = unused(stack, operations, names)
        .into_iter()
        .flat_map(|(function, idle)| idle.into_iter().map(move |g| format!("{function}: {g}")))
        .collect();
    std::fs::write(report, lines.join("\n")).unwrap();
    lines
}

/// The check can fail: for every action a function used, the template without that
/// action denies it. `names` gives the test's names for each (modified) stack.
pub fn assert_each_used_action_is_needed(
    template: &str,
    operations: &[flare::aws::record::Operation],
    names: impl Fn(&Stack) -> Names,
) -> usize {
    let used: BTreeSet<(String, String)> = operations
        .iter()
        .map(|o| (o.function.clone(), o.action.clone()))
        .collect();
    for (function, action) in &used {
        let stack = Stack::parse(template).without_action(function, action);
        let denied = denied(&stack, operations, &names(&stack));
        assert!(
            denied
                .iter()
                .any(|d| d.starts_with(&format!("{function}: {action} "))),
            "{function} without {action}: the check still passes"
        );
    }
    used.len()
}

/// The recorded operations in `dir` (`<function>.jsonl` files).
pub fn read_recordings(dir: &std::path::Path) -> Vec<flare::aws::record::Operation> {
    let mut ops = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "jsonl") {
            for line in std::fs::read_to_string(&path).unwrap().lines() {
                ops.push(serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}")));
            }
        }
    }
    ops.sort();
    ops.dedup();
    ops
}
