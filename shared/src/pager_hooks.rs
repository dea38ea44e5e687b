//! The pagers' webhooks: an acknowledgement or resolution made in PagerDuty or
//! Opsgenie comes back to the incident as a `PagerUpdate` command.
//!
//! Served on the slack function's URL (`/pager/pagerduty`, `/pager/opsgenie`), each
//! verified before anything of the body is read: PagerDuty v3 signs the raw body with
//! HMAC-SHA256 (`X-PagerDuty-Signature: v1=<hex>[,v1=<hex>…]`, several while a secret
//! rotates); Opsgenie's webhook integration sends the token configured as its custom
//! header `X-Flare-Token`. Parsing is pure; the Slack app looks the page up and
//! enqueues.

use crate::domain::PagerState;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// The secrets the webhooks are checked with; `None` turns that endpoint off.
#[derive(Clone, Default)]
pub struct PagerHookSecrets {
    pub pagerduty: Option<String>,
    pub opsgenie: Option<String>,
}

impl std::fmt::Debug for PagerHookSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PagerHookSecrets")
            .field("pagerduty", &self.pagerduty.is_some())
            .field("opsgenie", &self.opsgenie.is_some())
            .finish()
    }
}

/// What a verified webhook says about one page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PagerNotice {
    /// The vendor's id for this delivery: the command's idempotency key.
    pub delivery: String,
    /// The page's dedup key (PagerDuty `incident_key`, Opsgenie `alias`).
    pub key: String,
    pub state: PagerState,
    /// Who did it, as the pager names them.
    pub by: Option<String>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum HookError {
    #[error("this webhook is not configured")]
    NotConfigured,
    #[error("invalid signature")]
    Unauthorized,
    #[error("{0}")]
    BadRequest(String),
}

/// A PagerDuty v3 delivery: `Ok(None)` for events Flare doesn't follow.
pub fn pagerduty(
    secret: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
) -> Result<Option<PagerNotice>, HookError> {
    let secret = secret.ok_or(HookError::NotConfigured)?;
    let signature = signature.ok_or(HookError::Unauthorized)?;
    // `verify_slice` compares in constant time; any one signature may match.
    let matches = signature
        .split(',')
        .filter_map(|s| s.trim().strip_prefix("v1="))
        .filter_map(|hex_sig| hex::decode(hex_sig).ok())
        .any(|given| {
            Hmac::<Sha256>::new_from_slice(secret.as_bytes()).is_ok_and(|mut mac| {
                mac.update(body);
                mac.verify_slice(&given).is_ok()
            })
        });
    if !matches {
        return Err(HookError::Unauthorized);
    }
    #[derive(Deserialize)]
    struct Delivery {
        event: PdEvent,
    }
    #[derive(Deserialize)]
    struct PdEvent {
        id: String,
        event_type: String,
        #[serde(default)]
        agent: Option<Named>,
        #[serde(default)]
        data: Option<PdData>,
    }
    #[derive(Deserialize)]
    struct Named {
        #[serde(default)]
        summary: Option<String>,
    }
    #[derive(Deserialize)]
    struct PdData {
        #[serde(default)]
        incident_key: Option<String>,
    }
    let d: Delivery = serde_json::from_slice(body)
        .map_err(|e| HookError::BadRequest(format!("not a PagerDuty v3 webhook: {e}")))?;
    let state = match d.event.event_type.as_str() {
        "incident.acknowledged" => PagerState::Acknowledged,
        "incident.resolved" => PagerState::Resolved,
        _ => return Ok(None),
    };
    let Some(key) = d.event.data.and_then(|x| x.incident_key) else {
        return Ok(None);
    };
    Ok(Some(PagerNotice {
        delivery: d.event.id,
        key,
        state,
        by: d.event.agent.and_then(|a| a.summary),
    }))
}

/// An Opsgenie webhook delivery: `Ok(None)` for actions Flare doesn't follow.
pub fn opsgenie(
    token: Option<&str>,
    given: Option<&str>,
    body: &[u8],
) -> Result<Option<PagerNotice>, HookError> {
    let token = token.ok_or(HookError::NotConfigured)?;
    let given = given.ok_or(HookError::Unauthorized)?;
    if !constant_time_eq(token.as_bytes(), given.as_bytes()) {
        return Err(HookError::Unauthorized);
    }
    #[derive(Deserialize)]
    struct Delivery {
        action: String,
        alert: Alert,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Alert {
        alert_id: String,
        #[serde(default)]
        alias: Option<String>,
        #[serde(default)]
        username: Option<String>,
    }
    let d: Delivery = serde_json::from_slice(body)
        .map_err(|e| HookError::BadRequest(format!("not an Opsgenie webhook: {e}")))?;
    let state = match d.action.as_str() {
        "Acknowledge" => PagerState::Acknowledged,
        "Close" => PagerState::Resolved,
        _ => return Ok(None),
    };
    let Some(key) = d.alert.alias else {
        return Ok(None);
    };
    Ok(Some(PagerNotice {
        // Opsgenie sends no delivery id: an alert is acknowledged (or closed) once.
        delivery: format!("{}#{}", d.alert.alert_id, d.action),
        key,
        state,
        by: d.alert.username,
    }))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `v1=<hex>` for `body` (the fakes sign their webhooks with it).
pub fn pagerduty_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn pd_body(event_type: &str) -> Vec<u8> {
        serde_json::json!({ "event": {
            "id": "01DEN3KW5WS3VV2XZ4ZD6M6QEH", "event_type": event_type,
            "resource_type": "incident", "occurred_at": "2026-12-02T03:12:00Z",
            "agent": { "summary": "Bob Brown", "type": "user_reference" },
            "data": { "id": "PGR0VU2", "type": "incident", "incident_key": "flare-x-pagerduty-a", "status": "acknowledged" }
        }})
        .to_string()
        .into_bytes()
    }

    #[test]
    fn pagerduty_deliveries_are_verified_before_they_are_read() {
        let body = pd_body("incident.acknowledged");
        let good = pagerduty_signature("s3cret", &body);
        let n = pagerduty(Some("s3cret"), Some(&good), &body)
            .unwrap()
            .unwrap();
        assert_eq!(n.key, "flare-x-pagerduty-a");
        assert_eq!(n.state, PagerState::Acknowledged);
        assert_eq!(n.by.as_deref(), Some("Bob Brown"));
        // One of several signatures (a rotating secret) is enough.
        let rotated = format!("v1={},{good}", "0".repeat(64));
        assert!(pagerduty(Some("s3cret"), Some(&rotated), &body).is_ok());
        for bad in [
            None,
            Some("v1=00"),
            Some(&*pagerduty_signature("other", &body)),
        ] {
            assert_eq!(
                pagerduty(Some("s3cret"), bad, &body),
                Err(HookError::Unauthorized)
            );
        }
        // A changed body fails the signature, even if well-formed.
        let changed = pd_body("incident.resolved");
        assert_eq!(
            pagerduty(Some("s3cret"), Some(&good), &changed),
            Err(HookError::Unauthorized)
        );
        assert_eq!(
            pagerduty(None, Some(&good), &body),
            Err(HookError::NotConfigured)
        );
        // Signed garbage is a bad request, and other events are ignored.
        let garbage = b"{\"event\":1}";
        let sig = pagerduty_signature("s3cret", garbage);
        assert!(matches!(
            pagerduty(Some("s3cret"), Some(&sig), garbage),
            Err(HookError::BadRequest(_))
        ));
        let other = pd_body("incident.annotated");
        let sig = pagerduty_signature("s3cret", &other);
        assert_eq!(pagerduty(Some("s3cret"), Some(&sig), &other), Ok(None));
    }

    #[test]
    fn opsgenie_deliveries_need_the_token() {
        let body = serde_json::json!({ "action": "Close", "alert": { "alertId": "a-1", "alias": "flare-x-opsgenie-us-t", "username": "carol@example.com" } })
            .to_string();
        let n = opsgenie(Some("tok"), Some("tok"), body.as_bytes())
            .unwrap()
            .unwrap();
        assert_eq!(n.state, PagerState::Resolved);
        assert_eq!(n.delivery, "a-1#Close");
        assert_eq!(
            opsgenie(Some("tok"), Some("tok2"), body.as_bytes()),
            Err(HookError::Unauthorized)
        );
        assert_eq!(
            opsgenie(Some("tok"), None, body.as_bytes()),
            Err(HookError::Unauthorized)
        );
    }
}
