//! The Slack request path (the `slack` function): verify, parse, deduplicate, open
//! modals, enqueue a Command, answer within Slack's 3 seconds. Nothing slow here.

mod commands;
mod events;
mod home;
mod interactions;
mod message_text;
mod status_page;
mod when;

pub use commands::help_text;
pub use interactions::{DECLARE_ACTION, DECLARE_FROM_MESSAGE, DECLARE_SHORTCUT};

use super::api::SlackApi;
use super::signature;
use crate::bus::{CommandEnvelope, CommandQueue, ReplyTo, Source};
use crate::clock::Clock;
use crate::config::Config;
use crate::domain::{Actor, Command, IncidentId, UserId};
use crate::store::{IncidentStore, Index};
use serde_json::{Value, json};
use std::sync::Arc;

/// A framework-neutral HTTP request: the Lambda and the local host adapt to it.
#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    /// Lowercase names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

impl Response {
    pub fn empty() -> Self {
        Self {
            status: 200,
            content_type: "text/plain",
            body: String::new(),
        }
    }

    pub fn json(v: &Value) -> Self {
        Self {
            status: 200,
            content_type: "application/json",
            body: v.to_string(),
        }
    }

    /// An answer only the person who typed the command sees.
    pub fn ephemeral(text: &str) -> Self {
        Self::json(&json!({ "response_type": "ephemeral", "text": text }))
    }

    pub fn error(status: u16, why: &str) -> Self {
        Self {
            status,
            content_type: "text/plain",
            body: why.to_owned(),
        }
    }
}

pub struct SlackApp {
    pub signing_secret: String,
    pub store: Arc<dyn IncidentStore>,
    pub stats: Arc<dyn crate::store::StatsStore>,
    pub audit: Arc<dyn crate::store::AuditLog>,
    pub queue: Arc<dyn CommandQueue>,
    pub api: Arc<dyn SlackApi>,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    /// The pagers' webhook secrets (`/pager/pagerduty`, `/pager/opsgenie`); unset
    /// turns the endpoint off.
    pub pager_hooks: crate::pager_hooks::PagerHookSecrets,
}

/// Bodies larger than this are not Slack's (its payloads are a few KB).
const MAX_BODY: usize = 512 * 1024;

impl SlackApp {
    pub async fn handle(&self, req: &Request) -> Response {
        if req.body.len() > MAX_BODY {
            return Response::error(413, "request too large");
        }
        // Slack checks the certificate of a command URL with an unsigned
        // `token=…&ssl_check=1` post that wants a 200 and nothing else.
        if is_ssl_check(req) {
            return Response::empty();
        }
        // The pagers sign with secrets of their own, checked before anything is read.
        let path = req.path.trim_end_matches('/');
        if path.ends_with("/pager/pagerduty") || path.ends_with("/pager/opsgenie") {
            return self.pager_hook(req).await;
        }
        // Nothing else of the request is read before its signature is checked.
        if let Err(e) = signature::verify(
            self.signing_secret.as_bytes(),
            req.header("x-slack-request-timestamp"),
            req.header("x-slack-signature"),
            &req.body,
            // Real time, not the (possibly moved) local clock: replay protection is
            // about when Slack signed the request.
            chrono::Utc::now().timestamp(),
        ) {
            tracing::warn!(path = %req.path, reason = %e, "rejected an unsigned or stale request");
            return Response::error(401, "invalid signature");
        }
        let path = req.path.trim_end_matches('/');
        let form = path.ends_with("/commands")
            || path.ends_with("/interactions")
            || path.ends_with("/interactivity");
        // What Slack sends each endpoint, and nothing else (media types are
        // case-insensitive; parameters such as `charset` are allowed).
        let expected = if form {
            "application/x-www-form-urlencoded"
        } else {
            "application/json"
        };
        if path.ends_with("/events") || form {
            let media = req.header("content-type").map(|c| {
                c.split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase()
            });
            if media.as_deref() != Some(expected) {
                return Response::error(415, &format!("expected {expected}"));
            }
        }
        let result = match path {
            p if p.ends_with("/commands") => self.command(req).await,
            p if p.ends_with("/interactions") || p.ends_with("/interactivity") => {
                self.interaction(req).await
            }
            p if p.ends_with("/events") => self.event(req).await,
            _ => Err(Reject::NotFound),
        };
        match result {
            Ok(r) => r,
            Err(Reject::BadRequest(why)) => {
                tracing::warn!(path = %req.path, %why, "rejected a malformed request");
                Response::error(400, &why)
            }
            Err(Reject::NotFound) => Response::error(404, "no such endpoint"),
            // Reached for slash commands: the answer body is shown to the person.
            Err(Reject::Modal(why)) => Response::ephemeral(&modal_failure(&why)),
            Err(Reject::Unavailable(why)) => {
                // Slack retries events answered with an error; commands show an error.
                tracing::error!(path = %req.path, %why, "could not accept the request");
                Response::error(503, "Flare is having trouble; try again in a moment")
            }
        }
    }

    /// A pager's webhook: verified, its page looked up, a `PagerUpdate` enqueued (the
    /// delivery id is its idempotency key, so a redelivery changes nothing).
    async fn pager_hook(&self, req: &Request) -> Response {
        use crate::pager_hooks::{self, HookError};
        let (vendor, parsed) = if req.path.trim_end_matches('/').ends_with("/pagerduty") {
            (
                "pagerduty",
                pager_hooks::pagerduty(
                    self.pager_hooks.pagerduty.as_deref(),
                    req.header("x-pagerduty-signature"),
                    &req.body,
                ),
            )
        } else {
            (
                "opsgenie",
                pager_hooks::opsgenie(
                    self.pager_hooks.opsgenie.as_deref(),
                    req.header("x-flare-token"),
                    &req.body,
                ),
            )
        };
        let notice = match parsed {
            Ok(Some(n)) => n,
            Ok(None) => {
                return Response::error(200, "ignored: not an acknowledgement or a resolution");
            }
            Err(HookError::NotConfigured) => return Response::error(404, "no such endpoint"),
            Err(HookError::Unauthorized) => {
                tracing::warn!(vendor, "rejected an unsigned pager webhook");
                return Response::error(401, "invalid signature");
            }
            Err(HookError::BadRequest(why)) => {
                tracing::warn!(vendor, %why, "rejected a malformed pager webhook");
                return Response::error(400, &why);
            }
        };
        let incident = match self.store.get_index(Index::Page, &notice.key).await {
            Ok(Some(id)) => id,
            // A page Flare didn't make (another integration on the same service).
            Ok(None) => return Response::error(200, "ignored: not a page of Flare's"),
            Err(e) => {
                tracing::error!(vendor, error = %e, "could not look up the page");
                return Response::error(503, "try again");
            }
        };
        let env = CommandEnvelope {
            id: format!("pager#{vendor}#{}", notice.delivery),
            incident: Some(incident),
            command: Command::PagerUpdate {
                key: notice.key,
                state: notice.state,
                by: notice.by,
            },
            actor: Actor::system(vendor),
            source: Source::Slack,
            received_at: self.clock.now(),
            reply: None,
        };
        match self.enqueue(env).await {
            Ok(()) => Response::error(202, "accepted"),
            // The pager retries a delivery that failed.
            Err(_) => Response::error(503, "try again"),
        }
    }

    async fn enqueue(&self, env: CommandEnvelope) -> Result<(), Reject> {
        self.queue
            .send(&env)
            .await
            .map_err(|e| Reject::Unavailable(e.to_string()))
    }

    fn envelope(
        &self,
        id: String,
        incident: Option<IncidentId>,
        command: Command,
        user: &UserId,
        reply: Option<ReplyTo>,
    ) -> CommandEnvelope {
        CommandEnvelope {
            id,
            incident,
            command,
            actor: Actor::user(user.clone()),
            source: Source::Slack,
            received_at: self.clock.now(),
            reply,
        }
    }

    async fn incident_for_channel(&self, channel: &str) -> Result<Option<IncidentId>, Reject> {
        self.store
            .get_index(Index::Channel, channel)
            .await
            .map_err(|e| Reject::Unavailable(e.to_string()))
    }

    /// `views.open` right away: the trigger id lives 3 seconds.
    async fn open_modal(&self, trigger_id: &str, view: Value) -> Result<(), Reject> {
        // A retried or double-sent request must not open a second modal.
        let fresh = self
            .store
            .claim(
                &format!("trigger#{trigger_id}"),
                chrono::Duration::hours(1),
                self.clock.now(),
            )
            .await
            .map_err(|e| Reject::Unavailable(e.to_string()))?;
        if !fresh {
            return Ok(());
        }
        match self
            .api
            .call(
                "views.open",
                json!({ "trigger_id": trigger_id, "view": view }),
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                tracing::warn!(error = %e, "views.open failed; the person is told");
                Err(Reject::Modal(e))
            }
        }
    }
}

#[derive(Debug)]
enum Reject {
    BadRequest(String),
    NotFound,
    Unavailable(String),
    /// `views.open` failed (an expired trigger, a refused view, Slack not answering):
    /// the person is told in place, not with an error page.
    Modal(super::api::SlackError),
}

/// Slack's certificate check: a small form with `ssl_check=1` and at most a token, and
/// nothing else. It is answered without being acted on, so reading it unsigned is safe.
fn is_ssl_check(req: &Request) -> bool {
    if req.body.len() > 512 || !req.path.trim_end_matches('/').ends_with("/commands") {
        return false;
    }
    let Ok(form) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&req.body) else {
        return false;
    };
    form.iter().any(|(k, v)| k == "ssl_check" && v == "1")
        && form.iter().all(|(k, _)| k == "ssl_check" || k == "token")
}

/// What to tell a person whose form did not open, and what to do.
fn modal_failure(why: &super::api::SlackError) -> String {
    use super::api::SlackError;
    let what = match why {
        SlackError::Api(code) if code == "expired_trigger_id" || code == "exchanged_trigger_id" => {
            "Slack gave up waiting for it (apps get 3 seconds)".to_owned()
        }
        SlackError::Api(code) => format!(
            "Slack refused it (`{}`)",
            crate::slack::mrkdwn::escape(code)
        ),
        SlackError::Unavailable(_) => "Slack didn't answer in time".to_owned(),
    };
    format!(
        ":warning: I couldn't open the incident form: {what}. Please try again; if it keeps failing, `/incident help` lists commands that work without the form, and your Flare admins can find this in the logs."
    )
}

fn bad(why: impl Into<String>) -> Reject {
    Reject::BadRequest(why.into())
}
