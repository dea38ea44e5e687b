//! The local host's own routes: Slack endpoints, readiness and the clock.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use flare::clock::{Clock, ShiftedClock};
use flare::slack::app::{Request, SlackApp};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub app: Arc<SlackApp>,
    pub clock: ShiftedClock,
    pub ticker: Arc<crate::ticker::Ticker>,
    pub mail: Arc<crate::mail::LocalMail>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/slack/commands", post(slack))
        .route("/slack/interactions", post(slack))
        .route("/slack/interactivity", post(slack))
        .route("/slack/events", post(slack))
        // The pagers' webhooks, on the slack function's URL as deployed.
        .route("/pager/pagerduty", post(slack))
        .route("/pager/opsgenie", post(slack))
        .route("/local/clock", get(clock_get).post(clock_post))
        // As large as SES lets a mail be and the handler reads (axum's default is 2 MB).
        .route(
            "/local/email",
            post(email).layer(axum::extract::DefaultBodyLimit::max(
                flare_email_triage::handler::MAX_MAIL_BYTES as usize,
            )),
        )
        .with_state(state)
}

async fn slack(State(s): State<AppState>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let req = Request {
        path: uri.path().to_owned(),
        headers: headers
            .iter()
            .filter_map(|(k, v)| {
                Some((k.as_str().to_ascii_lowercase(), v.to_str().ok()?.to_owned()))
            })
            .collect(),
        body: body.to_vec(),
    };
    let res = s.app.handle(&req).await;
    let status = StatusCode::from_u16(res.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, res.content_type)], res.body).into_response()
}

async fn clock_get(State(s): State<AppState>) -> Response {
    axum::Json(json!({ "now": s.clock.now().to_rfc3339() })).into_response()
}

#[derive(Deserialize)]
struct Advance {
    advance_minutes: i64,
}

async fn clock_post(State(s): State<AppState>, body: Bytes) -> Response {
    let Ok(a) = serde_json::from_slice::<Advance>(&body) else {
        return (StatusCode::BAD_REQUEST, "expected {\"advance_minutes\": N}").into_response();
    };
    if !(0..=60 * 24 * 365).contains(&a.advance_minutes) {
        return (
            StatusCode::BAD_REQUEST,
            "advance_minutes must be between 0 and 525600",
        )
            .into_response();
    }
    s.clock
        .advance(chrono::Duration::minutes(a.advance_minutes));
    // As the schedule would at the new time: nudges that fell due are sent now.
    let report = match s.ticker.tick().await {
        Ok(r) => r,
        Err(e) => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("reminders tick failed: {e}"),
            )
                .into_response();
        }
    };
    axum::Json(json!({ "now": s.clock.now().to_rfc3339(), "reminders_sent": report.sent }))
        .into_response()
}

/// One raw RFC 5322 message, as SES would receive it at the triage address.
async fn email(State(s): State<AppState>, body: Bytes) -> Response {
    if body.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            "send one raw RFC 5322 message as the body",
        )
            .into_response();
    }
    match s.mail.receive(body.to_vec()).await {
        Ok(handled) => {
            let outcome = match &handled {
                flare_email_triage::Handled::Declared(env) => {
                    json!({ "outcome": "declared", "command": env.id })
                }
                flare_email_triage::Handled::FollowedUp(env) => {
                    json!({ "outcome": "followed_up", "incident": env.incident, "command": env.id })
                }
                flare_email_triage::Handled::Quarantined(q) => {
                    json!({ "outcome": "quarantined", "reason": q.reason })
                }
                flare_email_triage::Handled::Rejected { reason, .. } => {
                    json!({ "outcome": "rejected", "reason": reason })
                }
                flare_email_triage::Handled::Unreadable { reason } => {
                    json!({ "outcome": "unreadable", "reason": reason })
                }
                flare_email_triage::Handled::Ignored { kind, reason, .. } => {
                    json!({ "outcome": "ignored", "kind": kind, "reason": reason })
                }
                flare_email_triage::Handled::Duplicate { was, .. } => {
                    json!({ "outcome": "duplicate", "was": was })
                }
            };
            (StatusCode::ACCEPTED, axum::Json(outcome)).into_response()
        }
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("could not take the mail: {e}"),
        )
            .into_response(),
    }
}
