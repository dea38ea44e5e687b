//! The Lambda's event: EventBridge's envelope around Flare's `IncidentResolved`, or
//! a `PostmortemRequested` (same envelope, `detail.incident_id`) for a draft on demand
//! whatever the incident's status (`/incident postmortem` can invoke the function
//! asynchronously with it instead of waiting for S3 and Slack on Slack's 3 s path).
//!
//! The envelope is read tolerantly (moto's has no `account`, tests send less): only
//! `detail-type` and `detail.incident_id` matter, and the incident is reloaded from
//! the store, so a stale event can't produce a stale document. Transient failures
//! return `Err` (Lambda retries asynchronous invocations); a missing incident, one
//! that is no longer resolved, or a permanent refusal is logged and returns `Ok`.

use crate::lease::{Leases, take};
use crate::service::{PostmortemError, Postmortems, Report, Why};
use flare::domain::{IncidentId, Status};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const RESOLVED: &str = "IncidentResolved";
pub const REQUESTED: &str = "PostmortemRequested";

#[derive(Debug, Default, Deserialize)]
struct Envelope {
    #[serde(default, rename = "detail-type")]
    detail_type: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    detail: Value,
}

/// What the invocation did, returned to Lambda (and logged).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Generated(Report),
    Ignored { reason: String },
    Failed { reason: String },
}

/// Handles one EventBridge event.
pub async fn handle_event(service: &Postmortems, event: Value) -> Result<Outcome, PostmortemError> {
    handle(service, None, event).await
}

/// Handles one EventBridge event holding the incident's lease while drafting (the
/// Lambda, where two invocations for one incident may run at once: [`crate::lease`]).
pub async fn handle_event_leased(
    service: &Postmortems,
    leases: &dyn Leases,
    event: Value,
) -> Result<Outcome, PostmortemError> {
    handle(service, Some(leases), event).await
}

async fn handle(
    service: &Postmortems,
    leases: Option<&dyn Leases>,
    event: Value,
) -> Result<Outcome, PostmortemError> {
    let envelope: Envelope = serde_json::from_value(event).unwrap_or_default();
    let ignored = |reason: String| {
        tracing::info!(%reason, "event ignored");
        Ok(Outcome::Ignored { reason })
    };
    let why = match envelope.detail_type.as_deref() {
        Some(RESOLVED) => Why::Resolved,
        Some(REQUESTED) => Why::Asked,
        other => {
            return ignored(format!(
                "detail-type {other:?} from {:?} is neither {RESOLVED} nor {REQUESTED}",
                envelope.source
            ));
        }
    };
    let id = envelope.detail["incident_id"]
        .as_str()
        .or(envelope.detail["incident"]["id"].as_str())
        .and_then(IncidentId::parse);
    let Some(id) = id else {
        return ignored("the event names no valid incident".into());
    };
    match service.incidents.load(&id).await {
        Ok(None) => return ignored(format!("incident {id} not found")),
        Ok(Some(inc))
            if why == Why::Resolved && !matches!(inc.status, Status::Resolved | Status::Closed) =>
        {
            return ignored(format!("incident {id} is {} now", inc.status));
        }
        Ok(Some(_)) => {}
        Err(e) => return settle(&id, Err(e.into())),
    }
    let Some(leases) = leases else {
        return settle(&id, service.generate(&id, why).await);
    };
    let holder = format!("{:016x}", fastrand::u64(..));
    match take(leases, &id, &holder).await {
        Ok(true) => {}
        Ok(false) => return settle(&id, Err(PostmortemError::Busy(id.clone()))),
        Err(e) => return settle(&id, Err(e.into())),
    }
    let result = service.generate(&id, why).await;
    if let Err(e) = leases.give_back(&id, &holder).await {
        // It expires by itself; the next draft just waits a little longer.
        tracing::warn!(incident = %id, error = %e, "could not give the lease back");
    }
    settle(&id, result)
}

/// Transient failures go back to Lambda (which retries); the rest is logged and ends.
fn settle(
    id: &IncidentId,
    result: Result<Report, PostmortemError>,
) -> Result<Outcome, PostmortemError> {
    match result {
        Ok(report) => {
            tracing::info!(
                incident = %id,
                version = report.version,
                written = report.written,
                file = report.slack.file,
                bookmark = report.slack.bookmark,
                notice = report.slack.notice,
                skipped = ?report.slack.skipped,
                "postmortem generated"
            );
            Ok(Outcome::Generated(report))
        }
        Err(PostmortemError::NotFound(_)) => {
            let reason = format!("incident {id} not found");
            tracing::info!(%reason, "event ignored");
            Ok(Outcome::Ignored { reason })
        }
        Err(e) if e.is_transient() => {
            tracing::warn!(incident = %id, error = %e, "postmortem failed; Lambda will retry");
            Err(e)
        }
        Err(e) => {
            tracing::error!(incident = %id, error = %e, "postmortem failed for good");
            Ok(Outcome::Failed {
                reason: e.to_string(),
            })
        }
    }
}
