//! What each fake vendor answers: status codes and JSON shapes of the real APIs
//! (platform facts §7), with just enough state to act like them.

use super::Vendors;
use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

type Reply = (StatusCode, Json<Value>);

const PD_SEVERITIES: [&str; 4] = ["critical", "error", "warning", "info"];
const SP_INCIDENT_STATUSES: [&str; 8] = [
    "investigating",
    "identified",
    "monitoring",
    "resolved",
    "scheduled",
    "in_progress",
    "verifying",
    "completed",
];
const SP_COMPONENT_STATUSES: [&str; 5] = [
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
];

/// The error body a vendor sends with `status`.
pub(super) fn error_shape(vendor: &str, status: StatusCode) -> Value {
    let reason = status.canonical_reason().unwrap_or("error");
    match vendor {
        "pagerduty" if status == StatusCode::TOO_MANY_REQUESTS => json!({
            "status": "throttle event",
            "message": "Requests for this service are arriving too quickly. Please retry later."
        }),
        "pagerduty" if status == StatusCode::BAD_REQUEST => json!({
            "status": "invalid event",
            "message": "Event object is invalid",
            "errors": ["Invalid JSON"]
        }),
        "pagerduty" => json!({ "status": "error", "message": reason }),
        "opsgenie" => json!({ "message": reason, "took": 0.001, "requestId": "fault" }),
        "statuspage" => json!({ "error": reason }),
        "jira" => json!({ "errorMessages": [reason], "errors": {} }),
        _ => json!({ "message": reason, "documentation_url": "https://docs.github.com/rest" }),
    }
}

fn auth<'a>(headers: &'a HeaderMap, scheme: &str) -> Option<&'a str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (s, key) = value.split_once(' ')?;
    (s.eq_ignore_ascii_case(scheme) && !key.trim().is_empty()).then_some(key)
}

fn non_empty<'a>(v: &'a Value, field: &str) -> Option<&'a str> {
    v[field].as_str().filter(|s| !s.trim().is_empty())
}

fn next_id(state: &mut Vendors) -> u64 {
    state.next_id += 1;
    state.next_id
}

fn request_id(n: u64) -> String {
    format!("{n:08x}-0000-4000-8000-{n:012x}")
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339()
}

/// PagerDuty Events API v2.
pub(super) fn pagerduty(state: &mut Vendors, body: &Value) -> Reply {
    let mut errors = Vec::new();
    if non_empty(body, "routing_key").is_none() {
        errors.push("'routing_key' is missing or blank".to_owned());
    }
    let action = body["event_action"].as_str().unwrap_or_default();
    if !["trigger", "acknowledge", "resolve"].contains(&action) {
        errors.push("'event_action' must be one of trigger, acknowledge, resolve".into());
    }
    let dedup = body["dedup_key"].as_str().filter(|k| !k.is_empty());
    if dedup.is_some_and(|k| k.chars().count() > 255) {
        errors.push("'dedup_key' is longer than 255 characters".into());
    }
    if action == "trigger" {
        let p = &body["payload"];
        match non_empty(p, "summary") {
            None => errors.push("'payload.summary' is missing or blank".into()),
            Some(s) if s.chars().count() > 1024 => {
                errors.push("'payload.summary' is longer than 1024 characters".into());
            }
            Some(_) => {}
        }
        if non_empty(p, "source").is_none() {
            errors.push("'payload.source' is missing or blank".into());
        }
        if !PD_SEVERITIES.contains(&p["severity"].as_str().unwrap_or_default()) {
            errors.push("'payload.severity' must be one of critical, error, warning, info".into());
        }
    } else if dedup.is_none() && !action.is_empty() {
        errors.push("'dedup_key' is required to acknowledge or resolve".into());
    }
    if !errors.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            Json(
                json!({ "status": "invalid event", "message": "Event object is invalid", "errors": errors }),
            ),
        );
    }
    let key = match dedup {
        Some(k) => k.to_owned(),
        None => format!("{:032x}", next_id(state)),
    };
    let current = state.pagerduty.get(&key).cloned();
    let next = match (action, current.as_deref()) {
        // A trigger on an open alert is deduplicated; after a resolve it opens a new one.
        ("trigger", Some("triggered" | "acknowledged")) => current.clone(),
        ("trigger", _) => Some("triggered".to_owned()),
        ("acknowledge", Some("triggered")) => Some("acknowledged".to_owned()),
        ("resolve", Some("triggered" | "acknowledged")) => Some("resolved".to_owned()),
        _ => current.clone(),
    };
    if let Some(next) = next {
        state.pagerduty.insert(key.clone(), next);
    }
    (
        StatusCode::ACCEPTED,
        Json(json!({ "status": "success", "message": "Event processed", "dedup_key": key })),
    )
}

fn opsgenie_unauthorized(n: u64) -> Reply {
    (
        StatusCode::UNAUTHORIZED,
        Json(
            json!({ "message": "Could not authenticate", "took": 0.0, "requestId": request_id(n) }),
        ),
    )
}

fn opsgenie_accepted(n: u64) -> Reply {
    (
        StatusCode::ACCEPTED,
        Json(
            json!({ "result": "Request will be processed", "took": 0.01, "requestId": request_id(n) }),
        ),
    )
}

/// Opsgenie `POST /v2/alerts`.
pub(super) fn opsgenie_create(state: &mut Vendors, headers: &HeaderMap, body: &Value) -> Reply {
    let n = next_id(state);
    if auth(headers, "GenieKey").is_none() {
        return opsgenie_unauthorized(n);
    }
    let mut errors = serde_json::Map::new();
    match non_empty(body, "message") {
        None => {
            errors.insert("message".into(), json!("Message can not be empty."));
        }
        Some(m) if m.chars().count() > 130 => {
            errors.insert(
                "message".into(),
                json!("Message can not be longer than 130 characters."),
            );
        }
        Some(_) => {}
    }
    if body["alias"]
        .as_str()
        .is_some_and(|a| a.chars().count() > 512)
    {
        errors.insert(
            "alias".into(),
            json!("Alias can not be longer than 512 characters."),
        );
    }
    if let Some(p) = body.get("priority")
        && !["P1", "P2", "P3", "P4", "P5"].contains(&p.as_str().unwrap_or_default())
    {
        errors.insert(
            "priority".into(),
            json!("Priority should be one of [P1, P2, P3, P4, P5]"),
        );
    }
    let responders_ok = body
        .get("responders")
        .map(|r| {
            r.as_array().is_some_and(|list| {
                list.iter().all(|x| {
                    ["team", "user", "escalation", "schedule"]
                        .contains(&x["type"].as_str().unwrap_or_default())
                        && (non_empty(x, "name").is_some()
                            || non_empty(x, "id").is_some()
                            || non_empty(x, "username").is_some())
                })
            })
        })
        .unwrap_or(true);
    if !responders_ok {
        errors.insert(
            "responders".into(),
            json!("Responder type and name or id are required."),
        );
    }
    if !errors.is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({
                "message": "Request body is not processable. Please check the errors.",
                "errors": errors,
                "took": 0.001,
                "requestId": request_id(n),
            })),
        );
    }
    let alias = non_empty(body, "alias").map_or_else(|| request_id(n), str::to_owned);
    let open = matches!(
        state.opsgenie.get(&alias).map(String::as_str),
        Some("open" | "acknowledged")
    );
    if !open {
        state.opsgenie.insert(alias, "open".into());
    }
    opsgenie_accepted(n)
}

/// Opsgenie `POST /v2/alerts/{alias}/acknowledge|close?identifierType=alias`.
/// Like the real API the answer is 202 even for an unknown alias (it fails later).
pub(super) fn opsgenie_action(
    state: &mut Vendors,
    headers: &HeaderMap,
    alias: &str,
    action: &str,
) -> Reply {
    let n = next_id(state);
    if auth(headers, "GenieKey").is_none() {
        return opsgenie_unauthorized(n);
    }
    let next = match action {
        "acknowledge" => "acknowledged",
        "close" => "closed",
        _ => {
            return (
                StatusCode::NOT_FOUND,
                Json(
                    json!({ "message": "No handler found", "took": 0.0, "requestId": request_id(n) }),
                ),
            );
        }
    };
    if let Some(status) = state.opsgenie.get_mut(alias)
        && status != "closed"
    {
        *status = next.to_owned();
    }
    opsgenie_accepted(n)
}

fn statuspage_invalid(message: String) -> Reply {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({ "error": [message] })),
    )
}

/// Checks the `incident` wrapper; `create` requires the name.
fn statuspage_check(body: &Value, create: bool) -> Result<&Value, Reply> {
    let Some(incident) = body.get("incident").filter(|i| i.is_object()) else {
        return Err(statuspage_invalid("incident is missing".into()));
    };
    if create && non_empty(incident, "name").is_none() {
        return Err(statuspage_invalid("Name can't be blank".into()));
    }
    if let Some(s) = incident.get("status")
        && !SP_INCIDENT_STATUSES.contains(&s.as_str().unwrap_or_default())
    {
        return Err(statuspage_invalid(format!("Status {s} is not valid")));
    }
    if let Some(c) = incident.get("components") {
        let ok = c.as_object().is_some_and(|m| {
            m.values()
                .all(|v| SP_COMPONENT_STATUSES.contains(&v.as_str().unwrap_or_default()))
        });
        if !ok {
            return Err(statuspage_invalid("Components status is not valid".into()));
        }
    }
    Ok(incident)
}

fn statuspage_unauthorized(headers: &HeaderMap) -> Option<Reply> {
    auth(headers, "OAuth").is_none().then(|| {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": "Could not authenticate" })),
        )
    })
}

/// Applies the wrapper's fields to a stored incident and adds an update.
fn statuspage_apply(stored: &mut Value, incident: &Value, update_id: u64) {
    let at = now();
    for field in ["name", "status", "impact_override"] {
        if let Some(v) = incident.get(field) {
            stored[field] = v.clone();
        }
    }
    if let Some(v) = incident.get("impact_override") {
        stored["impact"] = v.clone();
    }
    if let Some(map) = incident["components"].as_object() {
        stored["components"] = Value::Array(
            map.iter()
                .map(|(id, status)| json!({ "id": id, "status": status }))
                .collect(),
        );
    }
    if stored["status"] == "resolved" && stored["resolved_at"].is_null() {
        stored["resolved_at"] = json!(at);
    }
    stored["updated_at"] = json!(at);
    let text = incident
        .get("body")
        .or_else(|| incident.get("message"))
        .cloned()
        .unwrap_or(Value::Null);
    let update = json!({
        "id": format!("upd{update_id}"),
        "status": stored["status"],
        "body": text,
        "created_at": at,
    });
    if let Some(updates) = stored["incident_updates"].as_array_mut() {
        updates.insert(0, update);
    }
}

/// Statuspage `POST /v1/pages/{page}/incidents`.
pub(super) fn statuspage_create(
    state: &mut Vendors,
    headers: &HeaderMap,
    page: &str,
    body: &Value,
) -> Reply {
    if let Some(r) = statuspage_unauthorized(headers) {
        return r;
    }
    let incident = match statuspage_check(body, true) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let n = next_id(state);
    let id = format!("inc{n:010}");
    let mut stored = json!({
        "id": id,
        "page_id": page,
        "name": "",
        "status": "investigating",
        "impact": "none",
        "shortlink": format!("https://stspg.io/{id}"),
        "created_at": now(),
        "updated_at": now(),
        "resolved_at": null,
        "components": [],
        "incident_updates": [],
    });
    statuspage_apply(&mut stored, incident, n);
    state.statuspage.insert(id, stored.clone());
    (StatusCode::CREATED, Json(stored))
}

/// Statuspage `PATCH /v1/pages/{page}/incidents/{id}`.
pub(super) fn statuspage_update(
    state: &mut Vendors,
    headers: &HeaderMap,
    page: &str,
    id: &str,
    body: &Value,
) -> Reply {
    if let Some(r) = statuspage_unauthorized(headers) {
        return r;
    }
    let incident = match statuspage_check(body, false) {
        Ok(i) => i.clone(),
        Err(r) => return r,
    };
    let n = next_id(state);
    let Some(stored) = state
        .statuspage
        .get_mut(id)
        .filter(|s| s["page_id"] == page)
    else {
        return (StatusCode::NOT_FOUND, Json(json!({ "error": "Not found" })));
    };
    statuspage_apply(stored, &incident, n);
    (StatusCode::OK, Json(stored.clone()))
}

/// GitHub `POST /repos/{owner}/{repo}/issues`.
pub(super) fn github_create(
    state: &mut Vendors,
    headers: &HeaderMap,
    owner: &str,
    repo: &str,
    body: &Value,
) -> Reply {
    if auth(headers, "Bearer")
        .or_else(|| auth(headers, "token"))
        .is_none()
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(
                json!({ "message": "Requires authentication", "documentation_url": "https://docs.github.com/rest", "status": "401" }),
            ),
        );
    }
    let title = match &body["title"] {
        Value::String(s) if !s.trim().is_empty() => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({
                    "message": "Validation Failed",
                    "errors": [{ "resource": "Issue", "code": "missing_field", "field": "title" }],
                    "documentation_url": "https://docs.github.com/rest/issues/issues#create-an-issue",
                    "status": "422",
                })),
            );
        }
    };
    // With push access (the fake's tokens have it) an assignee who can't be assigned
    // in the repository is refused; without it GitHub would drop them silently.
    let assignees: Vec<&str> = body["assignees"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(stranger) = assignees.iter().find(|login| {
        !state
            .github_accounts
            .collaborators
            .iter()
            .any(|c| c.eq_ignore_ascii_case(login))
    }) {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({
                "message": "Validation Failed",
                "errors": [{ "value": stranger, "resource": "Issue", "field": "assignees", "code": "invalid" }],
                "documentation_url": "https://docs.github.com/rest/issues/issues#create-an-issue",
                "status": "422",
            })),
        );
    }
    let id = next_id(state);
    let full = format!("{owner}/{repo}");
    let issues = state.github.entry(full.clone()).or_default();
    let number = issues.len() + 1;
    let labels: Vec<Value> = body["labels"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|x| x.as_str().or_else(|| x["name"].as_str()))
                .map(|name| json!({ "name": name }))
                .collect()
        })
        .unwrap_or_default();
    let issue = json!({
        "id": id,
        "number": number,
        "title": title,
        "body": body["body"],
        "state": "open",
        "labels": labels,
        "assignees": assignees.iter().map(|login| json!({ "login": login })).collect::<Vec<_>>(),
        "url": format!("https://api.github.com/repos/{full}/issues/{number}"),
        "html_url": format!("https://github.com/{full}/issues/{number}"),
        "created_at": now(),
    });
    issues.push(issue.clone());
    (StatusCode::CREATED, Json(issue))
}

/// Standard base64 with padding (for comparing basic auth; the fakes need no crate).
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn jira_refusal(errors: serde_json::Map<String, Value>) -> Reply {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "errorMessages": [], "errors": errors })),
    )
}

/// Is `v` an ADF document Jira would take: `{type: doc, version: 1, content: [...]}`
/// whose nodes all have a type and whose text nodes have non-empty text?
fn is_adf(v: &Value) -> bool {
    fn node_ok(n: &Value) -> bool {
        let Some(kind) = n["type"].as_str().filter(|t| !t.is_empty()) else {
            return false;
        };
        if kind == "text" && n["text"].as_str().is_none_or(str::is_empty) {
            return false;
        }
        let marks_ok = n.get("marks").is_none_or(|m| {
            m.as_array().is_some_and(|marks| {
                marks.iter().all(|mark| match mark["type"].as_str() {
                    Some("link") => mark["attrs"]["href"]
                        .as_str()
                        .is_some_and(|h| !h.is_empty()),
                    Some(_) => true,
                    None => false,
                })
            })
        });
        let children_ok = n
            .get("content")
            .is_none_or(|c| c.as_array().is_some_and(|c| c.iter().all(node_ok)));
        marks_ok && children_ok
    }
    v["type"] == "doc"
        && v["version"] == 1
        && v["content"]
            .as_array()
            .is_some_and(|c| c.iter().all(node_ok))
}

/// Jira Cloud `POST /rest/api/3/issue`.
pub(super) fn jira_create(state: &mut Vendors, headers: &HeaderMap, body: &Value) -> Reply {
    let site = &state.jira_site;
    let expected = base64(format!("{}:{}", site.email, site.token).as_bytes());
    if auth(headers, "Basic") != Some(expected.as_str()) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(
                json!({ "errorMessages": ["Client must be authenticated to access this resource."], "errors": {} }),
            ),
        );
    }
    let fields = &body["fields"];
    if !fields.is_object() {
        return (
            StatusCode::BAD_REQUEST,
            Json(
                json!({ "errorMessages": ["Can not deserialize instance of fields"], "errors": {} }),
            ),
        );
    }
    let mut errors = serde_json::Map::new();
    let project = fields["project"]["key"].as_str().unwrap_or_default();
    if !site.projects.iter().any(|p| p == project) {
        errors.insert("project".into(), json!("valid project is required"));
    }
    let issue_type = fields["issuetype"]["name"].as_str().unwrap_or_default();
    if !site.issue_types.iter().any(|t| t == issue_type) {
        errors.insert("issuetype".into(), json!("valid issue type is required"));
    }
    match fields["summary"].as_str() {
        None | Some("") => {
            errors.insert(
                "summary".into(),
                json!("You must specify a summary of the issue."),
            );
        }
        Some(s) if s.chars().count() > 255 => {
            errors.insert(
                "summary".into(),
                json!("Summary must be less than 255 characters."),
            );
        }
        Some(s) if s.contains(['\n', '\r']) => {
            errors.insert(
                "summary".into(),
                json!("The summary is invalid because it contains newline characters."),
            );
        }
        Some(_) => {}
    }
    if let Some(d) = fields.get("description")
        && !d.is_null()
        && !is_adf(d)
    {
        errors.insert(
            "description".into(),
            json!(
                "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
            ),
        );
    }
    if let Some(labels) = fields.get("labels") {
        let bad = labels.as_array().map_or(Some(labels.to_string()), |l| {
            l.iter()
                .find(|x| {
                    x.as_str()
                        .is_none_or(|s| s.is_empty() || s.contains(char::is_whitespace))
                })
                .map(ToString::to_string)
        });
        if let Some(label) = bad {
            errors.insert(
                "labels".into(),
                json!(format!(
                    "The label {label} contains spaces which is invalid."
                )),
            );
        }
    }
    if let Some(a) = fields.get("assignee")
        && !a.is_null()
    {
        let id = a["accountId"].as_str().unwrap_or_default();
        if !site.accounts.iter().any(|x| x == id) {
            errors.insert(
                "assignee".into(),
                json!(format!("User '{id}' cannot be assigned issues.")),
            );
        }
    }
    if !errors.is_empty() {
        return jira_refusal(errors);
    }
    let n = next_id(state);
    let id = (10_000 + n).to_string();
    let issues = state.jira.entry(project.to_owned()).or_default();
    let key = format!("{project}-{}", issues.len() + 1);
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("jira.invalid");
    let this = format!("http://{host}/fake/jira/rest/api/3/issue/{id}");
    issues.push(json!({
        "id": id,
        "key": key,
        "self": this,
        "fields": fields,
        "created": now(),
    }));
    (
        StatusCode::CREATED,
        Json(json!({ "id": id, "key": key, "self": this })),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn base64_matches_the_rfc_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }
}
