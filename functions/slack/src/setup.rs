//! The Slack function before its secrets are stored (a first deployment: the stack
//! exists before the Slack app, docs/deploy.md). Slack checks the events URL with a
//! `url_verification` as soon as the app is created from the manifest, and people may
//! try `/incident` before the bot token is stored: both get an answer, and nothing
//! else happens (no store, no queue, no Slack call).
//!
//! With the signing secret stored, every request is verified first, as always. Before
//! it is stored nothing can be verified; the only thing answered then is the
//! `url_verification` echo, which hands back the caller's own challenge and touches
//! nothing, so Slack's check at app creation passes.

use flare::slack::app::{Request, Response};
use flare::slack::signature;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// How often a function without its secrets looks for them again.
pub const RECHECK: Duration = Duration::from_secs(2);

/// Told to anyone who uses Flare before its setup is finished.
pub const UNFINISHED: &str = "Flare's setup is unfinished: its Slack secrets aren't stored yet. \
     Whoever deploys Flare finishes it with docs/deploy.md (store the signing secret and the bot token).";

/// What the function knows while setup is unfinished.
#[derive(Default)]
pub struct Pending {
    signing_secret: Option<String>,
    checked_at: Option<Instant>,
}

impl Pending {
    pub fn due(&self) -> bool {
        self.checked_at.is_none_or(|at| at.elapsed() >= RECHECK)
    }

    pub fn checked(&mut self, signing_secret: Option<String>) {
        if signing_secret.is_some() {
            self.signing_secret = signing_secret;
        }
        self.checked_at = Some(Instant::now());
    }

    pub fn signing_secret(&self) -> Option<&str> {
        self.signing_secret.as_deref()
    }
}

/// The answer while setup is unfinished.
pub fn answer(signing_secret: Option<&str>, req: &Request, now_unix: i64) -> Response {
    if let Some(secret) = signing_secret
        && let Err(e) = signature::verify(
            secret.as_bytes(),
            req.header("x-slack-request-timestamp"),
            req.header("x-slack-signature"),
            &req.body,
            now_unix,
        )
    {
        tracing::warn!(error = %e, path = %req.path, "refused an unsigned request");
        return Response::error(401, "invalid signature");
    }
    if let Some(challenge) = url_verification(req) {
        return Response::json(&json!({ "challenge": challenge }));
    }
    if signing_secret.is_none() {
        // Unverifiable: say no more than that setup is unfinished.
        return Response::error(200, UNFINISHED);
    }
    if req.path.ends_with("/commands") {
        return Response::ephemeral(UNFINISHED);
    }
    // Events and interactions: acknowledged, so Slack doesn't retry them.
    Response::empty()
}

/// The challenge of an Events API `url_verification`, if the request is one. Only a
/// short token-like challenge is echoed (Slack's are), so the echo can't carry markup.
fn url_verification(req: &Request) -> Option<String> {
    if !req.path.ends_with("/events") {
        return None;
    }
    let body: Value = serde_json::from_slice(&req.body).ok()?;
    if body["type"] != "url_verification" {
        return None;
    }
    let challenge = body["challenge"].as_str()?;
    let token_like = !challenge.is_empty()
        && challenge.len() <= 256
        && challenge
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    token_like.then(|| challenge.to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const SECRET: &str = "setup-test-secret";

    fn request(path: &str, body: &str, secret: Option<&str>, now: i64) -> Request {
        let mut headers = vec![("x-slack-request-timestamp".to_owned(), now.to_string())];
        if let Some(s) = secret {
            headers.push((
                "x-slack-signature".to_owned(),
                signature::sign(s.as_bytes(), &now.to_string(), body.as_bytes()),
            ));
        }
        Request {
            path: path.into(),
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    const CHALLENGE: &str = r#"{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#;

    #[test]
    fn url_verification_is_answered_verified_once_the_secret_is_stored() {
        let now = 1_700_000_000;
        let ok = answer(
            Some(SECRET),
            &request("/slack/events", CHALLENGE, Some(SECRET), now),
            now,
        );
        assert_eq!(ok.status, 200);
        assert!(
            ok.body
                .contains("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
        );
        let forged = answer(
            Some(SECRET),
            &request("/slack/events", CHALLENGE, Some("other"), now),
            now,
        );
        assert_eq!(forged.status, 401);
        let stale = answer(
            Some(SECRET),
            &request("/slack/events", CHALLENGE, Some(SECRET), now - 600),
            now,
        );
        assert_eq!(stale.status, 401);
    }

    #[test]
    fn before_any_secret_only_the_challenge_is_echoed() {
        let now = 1_700_000_000;
        let ok = answer(None, &request("/slack/events", CHALLENGE, None, now), now);
        assert!(ok.body.contains("challenge"), "{ok:?}");
        let markup = CHALLENGE.replace(
            "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "<script>",
        );
        let refused = answer(None, &request("/slack/events", &markup, None, now), now);
        assert_eq!(refused.body, UNFINISHED);
        let command = answer(
            None,
            &request("/slack/commands", "command=%2Fincident", None, now),
            now,
        );
        assert_eq!((command.status, command.body.as_str()), (200, UNFINISHED));
    }

    #[test]
    fn a_verified_command_hears_that_setup_is_unfinished() {
        let now = 1_700_000_000;
        let r = answer(
            Some(SECRET),
            &request(
                "/slack/commands",
                "command=%2Fincident&text=list",
                Some(SECRET),
                now,
            ),
            now,
        );
        assert_eq!(r.status, 200);
        assert!(r.body.contains("setup is unfinished"), "{r:?}");
        assert!(r.body.contains("ephemeral"), "{r:?}");
        let event = answer(
            Some(SECRET),
            &request(
                "/slack/events",
                r#"{"type":"event_callback"}"#,
                Some(SECRET),
                now,
            ),
            now,
        );
        assert_eq!((event.status, event.body.as_str()), (200, ""));
    }
}
