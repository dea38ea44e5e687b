//! Local fakes of PagerDuty, Opsgenie, Statuspage, GitHub and Jira Cloud, for tests
//! and local mode. [`Fakes::router`] serves absolute paths, so the local host can merge it:
//!
//! | route | imitates |
//! |---|---|
//! | `POST /fake/pagerduty/v2/enqueue` | Events API v2 (202 / 400 `invalid event`) |
//! | `POST /fake/opsgenie/v2/alerts` (+ `/{alias}/acknowledge`, `/{alias}/close`) | Alert API (202 + `requestId`, 401, 422) |
//! | `POST /fake/statuspage/v1/pages/{page}/incidents`, `PATCH …/incidents/{id}` | Statuspage (201 / 200, 401, 404, 422) |
//! | `POST /fake/github/repos/{owner}/{repo}/issues` | GitHub issues (201, 401, 422; 422 on `assignees` for a login that is no collaborator, [`GitHubAccounts`]) |
//! | `POST /fake/jira/rest/api/3/issue` | Jira Cloud issues, API v3 (201 `{id, key, self}`; 401 unless basic auth matches [`JiraSite`]; 400 `{errorMessages, errors}` for an unknown project, issue type or assignee, a summary over 255 characters or with a newline, a description that isn't an ADF document, a label with spaces) |
//! | `POST /fake/pagerduty/{ack,resolve}` `{ key, by? }` | a responder acting in PagerDuty: the alert changes, and a signed v3 webhook (`incident.acknowledged` / `incident.resolved`) goes to Flare's `/pager/pagerduty` |
//! | `POST /fake/opsgenie/{ack,resolve}` `{ key, by? }` | the same in Opsgenie: a webhook (`Acknowledge` / `Close`) with `X-Flare-Token` to `/pager/opsgenie` |
//! | `GET /fake/pagerduty/api/oncalls?schedule_ids[]=…` | PagerDuty REST `oncalls` (`Token token=` auth, 401 without): who is on call, users with their e-mail |
//! | `GET /fake/opsgenie/v2/schedules/{name}/on-calls` | Opsgenie `whoIsOnCall` (`flat=true`: e-mails; 404 for an unknown schedule) |
//! | `POST /fake/oncall` `{ vendor, schedule, people: [{ email, name? }] }` | sets who is on call now for a schedule |
//! | `GET /sim/integrations` | JSON list `{ vendor, method, path, body, at }` of every vendor request |
//! | `POST /fake/faults` `{ vendor, status, count, retry_after? }` | the next `count` requests to `vendor` answer `status` |
//!
//! Validation failures answer with each vendor's error shape. State lives in memory.

mod vendors;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

/// The vendors the fakes imitate, as named in [`Received::vendor`] and faults.
pub const VENDORS: [&str; 6] = [
    "pagerduty",
    "pagerduty-api",
    "opsgenie",
    "statuspage",
    "github",
    "jira",
];

/// One request a fake received.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Received {
    pub vendor: String,
    pub method: String,
    /// Path and query, e.g. `/fake/opsgenie/v2/alerts/x/close?identifierType=alias`.
    pub path: String,
    /// The JSON body (a string if it wasn't JSON, null if empty).
    pub body: Value,
    pub at: DateTime<Utc>,
    /// The `Authorization` header, for tests; not part of `/sim/integrations`.
    #[serde(skip)]
    pub authorization: Option<String>,
}

#[derive(Clone, Copy, Debug)]
struct Fault {
    status: u16,
    count: u32,
    retry_after: Option<u64>,
}

/// What the fake vendors remember besides the requests.
#[derive(Debug, Default)]
struct Vendors {
    faults: HashMap<String, Fault>,
    /// PagerDuty: dedup key → `triggered` | `acknowledged` | `resolved`.
    pagerduty: BTreeMap<String, String>,
    /// Opsgenie: alias → `open` | `acknowledged` | `closed`.
    opsgenie: BTreeMap<String, String>,
    /// Statuspage incidents by id.
    statuspage: BTreeMap<String, Value>,
    /// GitHub issues per `owner/repo`.
    github: BTreeMap<String, Vec<Value>>,
    /// Who may be assigned GitHub issues.
    github_accounts: GitHubAccounts,
    /// The Jira site: its credentials, projects and accounts.
    jira_site: JiraSite,
    /// Jira issues per project key, oldest first.
    jira: BTreeMap<String, Vec<Value>>,
    /// Who is on call: `<vendor>:<schedule>` → people `{ email, name }`.
    oncall: BTreeMap<String, Vec<OnCallEntry>>,
    next_id: u64,
}

/// The fake Jira site's account and contents. The default is what local mode uses
/// (`infra/config/flare.local.yaml`): its token is what the local host's secrets give
/// for `/flare/local/jira/token` (`local-<name>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JiraSite {
    /// Basic auth: this e-mail and API token, nothing else.
    pub email: String,
    pub token: String,
    /// Project keys that exist.
    pub projects: Vec<String>,
    /// Issue types every project has.
    pub issue_types: Vec<String>,
    /// Account ids that may be assignees.
    pub accounts: Vec<String>,
}

impl Default for JiraSite {
    fn default() -> Self {
        Self {
            email: "flare-bot@acme.example".into(),
            token: "local-/flare/local/jira/token".into(),
            projects: vec!["DISC".into(), "PAY".into()],
            issue_types: vec!["Task".into(), "Bug".into(), "Story".into()],
            // Bob's and Carol's, as `tracker.people` of the local configuration says.
            accounts: vec![
                "5b10ac8d82e05b22cc7d4ef5".into(),
                "5b10ac8d82e05b22cc7d4ca1".into(),
            ],
        }
    }
}

/// The fake GitHub's collaborators: the logins an issue may be assigned to. The
/// default is the local configuration's (`bob-gh`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitHubAccounts {
    pub collaborators: Vec<String>,
}

impl Default for GitHubAccounts {
    fn default() -> Self {
        Self {
            collaborators: vec!["bob-gh".into()],
        }
    }
}

/// Someone on call in a fake schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnCallEntry {
    pub email: String,
    #[serde(default)]
    pub name: Option<String>,
}

/// Where a responder's action in a fake pager is reported, and with which secrets.
#[derive(Clone, Debug)]
pub struct Webhooks {
    /// Flare's base URL (`/pager/<vendor>` is appended).
    pub base_url: String,
    pub pagerduty_secret: String,
    pub opsgenie_token: String,
}

/// The fakes' shared state; clones share it.
#[derive(Clone, Debug, Default)]
pub struct Fakes {
    received: Arc<Mutex<Vec<Received>>>,
    vendors: Arc<Mutex<Vendors>>,
    webhooks: Option<Webhooks>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Fakes {
    pub fn new() -> Self {
        Self::default()
    }

    /// Fakes whose pagers tell Flare when a responder acts in them.
    pub fn with_webhooks(webhooks: Webhooks) -> Self {
        Self {
            webhooks: Some(webhooks),
            ..Self::default()
        }
    }

    /// Every route of the table above, with absolute paths.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/fake/pagerduty/v2/enqueue", post(pagerduty))
            .route("/fake/opsgenie/v2/alerts", post(opsgenie_create))
            .route(
                "/fake/opsgenie/v2/alerts/{alias}/{action}",
                post(opsgenie_action),
            )
            .route(
                "/fake/statuspage/v1/pages/{page}/incidents",
                post(statuspage_create),
            )
            .route(
                "/fake/statuspage/v1/pages/{page}/incidents/{id}",
                patch(statuspage_update),
            )
            .route(
                "/fake/github/repos/{owner}/{repo}/issues",
                post(github_create),
            )
            .route("/fake/jira/rest/api/3/issue", post(jira_create))
            .route("/fake/{vendor}/{action}", post(responder_action))
            .route("/fake/pagerduty/api/oncalls", get(pagerduty_oncalls))
            .route(
                "/fake/opsgenie/v2/schedules/{name}/on-calls",
                get(opsgenie_oncalls),
            )
            .route("/fake/oncall", post(set_oncall))
            .route("/fake/faults", post(faults))
            .route("/sim/integrations", get(list))
            .with_state(self.clone())
    }

    /// Who is on call now for `schedule` at `vendor` (`pagerduty` or `opsgenie`).
    pub fn set_on_call(&self, vendor: &str, schedule: &str, people: Vec<OnCallEntry>) {
        lock(&self.vendors)
            .oncall
            .insert(format!("{vendor}:{schedule}"), people);
    }

    /// Every vendor request so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.received).clone()
    }

    /// The requests one vendor received.
    pub fn received_by(&self, vendor: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.vendor == vendor)
            .collect()
    }

    /// The next `count` requests to `vendor` answer `status` (and its error shape).
    pub fn inject_fault(&self, vendor: &str, status: u16, count: u32) {
        lock(&self.vendors).faults.insert(
            vendor.to_owned(),
            Fault {
                status,
                count,
                retry_after: None,
            },
        );
    }

    /// PagerDuty alerts: dedup key → `triggered` | `acknowledged` | `resolved`.
    pub fn pagerduty_alerts(&self) -> BTreeMap<String, String> {
        lock(&self.vendors).pagerduty.clone()
    }

    /// Opsgenie alerts: alias → `open` | `acknowledged` | `closed`.
    pub fn opsgenie_alerts(&self) -> BTreeMap<String, String> {
        lock(&self.vendors).opsgenie.clone()
    }

    /// Statuspage incidents by id.
    pub fn statuspage_incidents(&self) -> BTreeMap<String, Value> {
        lock(&self.vendors).statuspage.clone()
    }

    /// GitHub issues of `owner/repo`.
    pub fn github_issues(&self, repo: &str) -> Vec<Value> {
        lock(&self.vendors)
            .github
            .get(repo)
            .cloned()
            .unwrap_or_default()
    }

    /// The Jira site's credentials, projects and accounts from now on.
    pub fn set_jira_site(&self, site: JiraSite) {
        lock(&self.vendors).jira_site = site;
    }

    /// The logins GitHub issues may be assigned to from now on.
    pub fn set_github_collaborators(&self, logins: &[&str]) {
        lock(&self.vendors).github_accounts.collaborators =
            logins.iter().map(|l| (*l).to_owned()).collect();
    }

    /// Jira issues of project `key` as the fake stores them (`{id, key, self, fields}`).
    pub fn jira_issues(&self, key: &str) -> Vec<Value> {
        lock(&self.vendors)
            .jira
            .get(key)
            .cloned()
            .unwrap_or_default()
    }

    /// Records the request; answers the pending fault, if any.
    fn receive(
        &self,
        vendor: &str,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &Bytes,
    ) -> Result<Value, Box<Response>> {
        let parsed = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
        };
        lock(&self.received).push(Received {
            vendor: vendor.to_owned(),
            method: method.to_string(),
            path: uri
                .path_and_query()
                .map_or_else(|| uri.path().to_owned(), ToString::to_string),
            body: parsed.clone(),
            at: Utc::now(),
            authorization: headers
                .get(axum::http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        });
        let mut vendors = lock(&self.vendors);
        if let Some(fault) = vendors.faults.get_mut(vendor)
            && fault.count > 0
        {
            fault.count -= 1;
            let f = *fault;
            let status =
                StatusCode::from_u16(f.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut resp =
                (status, axum::Json(vendors::error_shape(vendor, status))).into_response();
            if let Some(secs) = f.retry_after
                && let Ok(v) = secs.to_string().parse()
            {
                resp.headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, v);
            }
            return Err(Box::new(resp));
        }
        if !body.is_empty() && !parsed.is_object() {
            let status = if vendor == "pagerduty" || vendor == "jira" {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            return Err(Box::new(
                (status, axum::Json(vendors::error_shape(vendor, status))).into_response(),
            ));
        }
        Ok(parsed)
    }
}

type Reply = (StatusCode, axum::Json<Value>);

async fn pagerduty(
    State(f): State<Fakes>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match f.receive("pagerduty", &method, &uri, &headers, &body) {
        Ok(v) => vendors::pagerduty(&mut lock(&f.vendors), &v).into_response(),
        Err(r) => *r,
    }
}

async fn opsgenie_create(
    State(f): State<Fakes>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match f.receive("opsgenie", &method, &uri, &headers, &body) {
        Ok(v) => vendors::opsgenie_create(&mut lock(&f.vendors), &headers, &v).into_response(),
        Err(r) => *r,
    }
}

async fn opsgenie_action(
    State(f): State<Fakes>,
    Path((alias, action)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match f.receive("opsgenie", &method, &uri, &headers, &body) {
        Ok(_) => vendors::opsgenie_action(&mut lock(&f.vendors), &headers, &alias, &action)
            .into_response(),
        Err(r) => *r,
    }
}

async fn statuspage_create(
    State(f): State<Fakes>,
    Path(page): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match f.receive("statuspage", &method, &uri, &headers, &body) {
        Ok(v) => {
            vendors::statuspage_create(&mut lock(&f.vendors), &headers, &page, &v).into_response()
        }
        Err(r) => *r,
    }
}

async fn statuspage_update(
    State(f): State<Fakes>,
    Path((page, id)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match f.receive("statuspage", &method, &uri, &headers, &body) {
        Ok(v) => vendors::statuspage_update(&mut lock(&f.vendors), &headers, &page, &id, &v)
            .into_response(),
        Err(r) => *r,
    }
}

async fn github_create(
    State(f): State<Fakes>,
    Path((owner, repo)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match f.receive("github", &method, &uri, &headers, &body) {
        Ok(v) => vendors::github_create(&mut lock(&f.vendors), &headers, &owner, &repo, &v)
            .into_response(),
        Err(r) => *r,
    }
}

async fn jira_create(
    State(f): State<Fakes>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match f.receive("jira", &method, &uri, &headers, &body) {
        Ok(v) => vendors::jira_create(&mut lock(&f.vendors), &headers, &v).into_response(),
        Err(r) => *r,
    }
}

#[derive(Deserialize)]
struct FaultRequest {
    vendor: String,
    status: u16,
    #[serde(default = "one")]
    count: u32,
    #[serde(default)]
    retry_after: Option<u64>,
}

fn one() -> u32 {
    1
}

async fn faults(State(f): State<Fakes>, body: Bytes) -> Reply {
    let req: FaultRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({ "ok": false, "error": e.to_string() })),
            );
        }
    };
    if !VENDORS.contains(&req.vendor.as_str()) || StatusCode::from_u16(req.status).is_err() {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(
                json!({ "ok": false, "error": format!("vendor is one of {VENDORS:?}, status an HTTP status") }),
            ),
        );
    }
    lock(&f.vendors).faults.insert(
        req.vendor,
        Fault {
            status: req.status,
            count: req.count,
            retry_after: req.retry_after,
        },
    );
    (StatusCode::OK, axum::Json(json!({ "ok": true })))
}

#[derive(Deserialize)]
struct ResponderAction {
    key: String,
    #[serde(default)]
    by: Option<String>,
}

/// A responder acknowledges or resolves an alert in the pager itself; the pager tells
/// Flare through its webhook, signed as the vendor signs it.
async fn responder_action(
    State(f): State<Fakes>,
    Path((vendor, action)): Path<(String, String)>,
    body: Bytes,
) -> Reply {
    let fail = |status: StatusCode, why: String| {
        (status, axum::Json(json!({ "ok": false, "error": why })))
    };
    let Ok(req) = serde_json::from_slice::<ResponderAction>(&body) else {
        return fail(
            StatusCode::BAD_REQUEST,
            "send { \"key\": <dedup key or alias>, \"by\"?: <name> }".into(),
        );
    };
    let Some(hooks) = f.webhooks.clone() else {
        return fail(StatusCode::NOT_FOUND, "these fakes send no webhooks".into());
    };
    let (to, wanted) = match (vendor.as_str(), action.as_str()) {
        ("pagerduty", "ack") => ("acknowledged", "triggered"),
        ("pagerduty", "resolve") => ("resolved", "triggered|acknowledged"),
        ("opsgenie", "ack") => ("acknowledged", "open"),
        ("opsgenie", "resolve") => ("closed", "open|acknowledged"),
        _ => {
            return fail(
                StatusCode::NOT_FOUND,
                "POST /fake/{pagerduty|opsgenie}/{ack|resolve}".into(),
            );
        }
    };
    let n = {
        let mut v = lock(&f.vendors);
        let alerts = if vendor == "pagerduty" {
            &mut v.pagerduty
        } else {
            &mut v.opsgenie
        };
        match alerts.get(&req.key) {
            None => return fail(StatusCode::NOT_FOUND, format!("no alert `{}`", req.key)),
            Some(state) if !wanted.split('|').any(|w| w == state) => {
                return fail(StatusCode::CONFLICT, format!("the alert is {state}"));
            }
            Some(_) => {}
        }
        alerts.insert(req.key.clone(), to.to_owned());
        v.next_id += 1;
        v.next_id
    };
    let by = req.by.unwrap_or_else(|| "On-call responder".into());
    let (url, body, header) = if vendor == "pagerduty" {
        let body = json!({ "event": {
            "id": format!("01FAKE{n:020}"),
            "event_type": if action == "ack" { "incident.acknowledged" } else { "incident.resolved" },
            "resource_type": "incident",
            "occurred_at": Utc::now().to_rfc3339(),
            "agent": { "id": "PFAKE01", "type": "user_reference", "summary": by },
            "client": null,
            "data": { "id": format!("Q{n:06}"), "type": "incident", "status": to, "incident_key": req.key, "title": "", "number": n }
        }})
        .to_string();
        let sig = flare::pager_hooks::pagerduty_signature(&hooks.pagerduty_secret, body.as_bytes());
        (
            format!("{}/pager/pagerduty", hooks.base_url),
            body,
            ("x-pagerduty-signature", sig),
        )
    } else {
        let body = json!({
            "action": if action == "ack" { "Acknowledge" } else { "Close" },
            "alert": { "alertId": format!("fake-alert-{n}"), "alias": req.key, "username": by, "message": "" },
            "source": { "name": "web", "type": "web" },
            "integrationName": "Flare", "integrationType": "Webhook"
        })
        .to_string();
        (
            format!("{}/pager/opsgenie", hooks.base_url),
            body,
            ("x-flare-token", hooks.opsgenie_token.clone()),
        )
    };
    let sent = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/json")
        .header(header.0, header.1)
        .body(body)
        .send()
        .await;
    match sent {
        Ok(r) => (
            StatusCode::OK,
            axum::Json(json!({ "ok": true, "alert": to, "webhook_status": r.status().as_u16() })),
        ),
        Err(e) => fail(
            StatusCode::BAD_GATEWAY,
            format!("the webhook did not reach Flare: {e}"),
        ),
    }
}

/// PagerDuty `GET /oncalls`: the schedules asked for (`schedule_ids[]`), first level.
async fn pagerduty_oncalls(
    State(f): State<Fakes>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    // The REST API is its own host (api.pagerduty.com), apart from the Events API.
    if let Err(r) = f.receive("pagerduty-api", &method, &uri, &headers, &Bytes::new()) {
        return *r;
    }
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Token token="))
        .filter(|t| !t.trim().is_empty());
    if token.is_none() {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({ "error": { "message": "Authentication failed. Please check your API token.", "code": 2006 } })),
        )
            .into_response();
    }
    let schedules: Vec<String> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(k, _)| *k == "schedule_ids%5B%5D" || *k == "schedule_ids[]")
        .map(|(_, v)| v.to_owned())
        .collect();
    let v = lock(&f.vendors);
    let mut oncalls = Vec::new();
    for s in &schedules {
        for (i, p) in v
            .oncall
            .get(&format!("pagerduty:{s}"))
            .into_iter()
            .flatten()
            .enumerate()
        {
            oncalls.push(json!({
                "escalation_level": 1,
                "schedule": { "id": s, "type": "schedule_reference" },
                "user": { "id": format!("PUSER{i}"), "type": "user", "summary": p.name.clone().unwrap_or_else(|| p.email.clone()), "email": p.email },
            }));
        }
    }
    axum::Json(json!({ "oncalls": oncalls, "limit": 25, "offset": 0, "more": false }))
        .into_response()
}

/// Opsgenie `GET /v2/schedules/{name}/on-calls?scheduleIdentifierType=name&flat=true`.
async fn opsgenie_oncalls(
    State(f): State<Fakes>,
    Path(name): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = f.receive("opsgenie", &method, &uri, &headers, &Bytes::new()) {
        return *r;
    }
    let authorized = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("GenieKey ") && v.len() > "GenieKey ".len());
    if !authorized {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(
                json!({ "message": "Could not authenticate", "took": 0.0, "requestId": "fake" }),
            ),
        )
            .into_response();
    }
    let v = lock(&f.vendors);
    match v.oncall.get(&format!("opsgenie:{name}")) {
        Some(people) => axum::Json(json!({
            "data": { "_parent": { "id": format!("sched-{name}"), "name": name, "enabled": true },
                      "onCallRecipients": people.iter().map(|p| p.email.clone()).collect::<Vec<_>>() },
            "took": 0.01, "requestId": "fake"
        }))
        .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({ "message": format!("No schedule exists with name [{name}]"), "took": 0.0, "requestId": "fake" })),
        )
            .into_response(),
    }
}

#[derive(Deserialize)]
struct SetOnCall {
    vendor: String,
    schedule: String,
    #[serde(default)]
    people: Vec<OnCallEntry>,
}

async fn set_oncall(State(f): State<Fakes>, body: Bytes) -> Reply {
    match serde_json::from_slice::<SetOnCall>(&body) {
        Ok(req) if matches!(req.vendor.as_str(), "pagerduty" | "opsgenie") => {
            f.set_on_call(&req.vendor, &req.schedule, req.people);
            (StatusCode::OK, axum::Json(json!({ "ok": true })))
        }
        _ => (
            StatusCode::BAD_REQUEST,
            axum::Json(
                json!({ "ok": false, "error": "send { vendor: pagerduty|opsgenie, schedule, people: [{ email, name? }] }" }),
            ),
        ),
    }
}

async fn list(State(f): State<Fakes>) -> axum::Json<Vec<Received>> {
    axum::Json(f.received())
}
