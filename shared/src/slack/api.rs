//! The Slack Web API as a port (`SlackApi`: call a method with JSON), and its adapter
//! on slack-morphism's client, which honours `429 Retry-After` and retries 5xx.

use async_trait::async_trait;
use serde_json::{Value, json};
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlackError {
    /// Slack answered `ok:false` with this code (`name_taken`, `is_archived` …).
    #[error("Slack refused: {0}")]
    Api(String),
    /// Still rate limited or failing after the retries: worth trying again later.
    #[error("Slack unavailable: {0}")]
    Unavailable(String),
}

impl SlackError {
    pub fn code(&self) -> Option<&str> {
        match self {
            SlackError::Api(c) => Some(c),
            SlackError::Unavailable(_) => None,
        }
    }
}

#[async_trait]
pub trait SlackApi: Send + Sync {
    /// Calls a Web API method with the bot token; `params` as Slack documents them.
    async fn call(&self, method: &str, params: Value) -> Result<Value, SlackError>;
    /// Answers through a `response_url` (ephemeral unless `in_channel`).
    async fn respond(&self, response_url: &str, text: &str) -> Result<(), SlackError>;
}

/// How hard to try before giving up (the command is then redelivered by SQS).
const MAX_TRIES: u32 = 4;
/// Longer waits than this are left to SQS redelivery, to keep a Lambda from idling.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);
/// One call, retries included, gives up after this: well inside a command's share of
/// the worker's 60 s invocation (`worker::Budget::PER_COMMAND`).
const CALL_DEADLINE: Duration = Duration::from_secs(15);

pub struct SlackWebApi {
    client: SlackClient<SlackClientHyperHttpsConnector>,
    token: SlackApiToken,
    /// Only `response_url`s under this prefix are followed (Slack's hooks host, or the
    /// simulator in local mode): a forged url never receives anything.
    response_url_prefix: String,
    /// Attempts per call (429s waited out and 5xx retried in between).
    tries: u32,
    /// Give up on a call after this long.
    deadline: Duration,
}

impl SlackWebApi {
    /// `api_url`: `None` for Slack itself, or the simulator's `http://127.0.0.1:PORT/api` (no trailing slash).
    pub fn new(
        token: &str,
        api_url: Option<&str>,
        response_url_prefix: &str,
    ) -> Result<Self, String> {
        install_crypto_provider();
        let builder = hyper_rustls::HttpsConnectorBuilder::new().with_webpki_roots();
        let connector = match api_url {
            // Plain http only on loopback, for the simulator.
            Some(url)
                if url.starts_with("http://127.0.0.1") || url.starts_with("http://localhost") =>
            {
                SlackClientHyperConnector::with_connector(
                    builder.https_or_http().enable_http1().build(),
                )
                .with_slack_api_url(url)
            }
            Some(url) => SlackClientHyperConnector::with_connector(
                builder.https_only().enable_http1().build(),
            )
            .with_slack_api_url(url),
            None => SlackClientHyperConnector::with_connector(
                builder.https_only().enable_http1().build(),
            ),
        };
        Ok(Self {
            client: SlackClient::new(connector),
            token: SlackApiToken::new(token.into()),
            response_url_prefix: response_url_prefix.into(),
            tries: MAX_TRIES,
            deadline: CALL_DEADLINE,
        })
    }

    /// For Slack's request path, which must answer within 3 seconds: one attempt,
    /// cut off after 2 seconds, never waiting out a rate limit.
    pub fn impatient(mut self) -> Self {
        self.tries = 1;
        self.deadline = Duration::from_secs(2);
        self
    }

    async fn call_with_retries(&self, method: &str, params: Value) -> Result<Value, SlackError> {
        let session = self.client.open_session(&self.token);
        let mut last = String::new();
        for attempt in 0..self.tries {
            let result: Result<Value, SlackClientError> = session
                .http_session_api
                .http_post(method, &params, None)
                .await;
            let wait = match result {
                Ok(v) => return Ok(v),
                Err(SlackClientError::ApiError(e)) => {
                    if e.code == "ratelimited" {
                        Duration::from_secs(1)
                    } else {
                        return Err(SlackError::Api(e.code));
                    }
                }
                Err(SlackClientError::RateLimitError(e)) => {
                    let after = e.retry_after.unwrap_or(Duration::from_secs(1));
                    if after > MAX_RETRY_AFTER || self.tries == 1 {
                        return Err(SlackError::Unavailable(format!(
                            "{method}: rate limited for {after:?}"
                        )));
                    }
                    last = format!("rate limited ({after:?})");
                    after
                }
                Err(SlackClientError::HttpError(e)) if e.status_code.is_server_error() => {
                    last = format!("HTTP {}", e.status_code);
                    Duration::from_millis(200 * 2u64.pow(attempt))
                }
                Err(other) => return Err(SlackError::Unavailable(format!("{method}: {other}"))),
            };
            tracing::info!(
                method,
                attempt,
                wait_ms = wait.as_millis() as u64,
                "Slack asked to wait; retrying"
            );
            tokio::time::sleep(wait).await;
        }
        Err(SlackError::Unavailable(format!("{method}: {last}")))
    }
}

/// slack-morphism brings rustls' ring provider and the AWS SDK brings aws-lc: with
/// both linked, rustls can't choose and panics at the first TLS use unless one is
/// installed for the process.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[async_trait]
impl SlackApi for SlackWebApi {
    async fn call(&self, method: &str, params: Value) -> Result<Value, SlackError> {
        tokio::time::timeout(self.deadline, self.call_with_retries(method, params))
            .await
            .unwrap_or_else(|_| {
                Err(SlackError::Unavailable(format!(
                    "{method}: no answer within {:?}",
                    self.deadline
                )))
            })
    }

    async fn respond(&self, response_url: &str, text: &str) -> Result<(), SlackError> {
        if !response_url.starts_with(&self.response_url_prefix) {
            return Err(SlackError::Api("response_url_not_allowed".into()));
        }
        let url = url::Url::parse(response_url).map_err(|e| SlackError::Api(e.to_string()))?;
        let request = SlackApiPostWebhookMessageRequest::new(
            SlackMessageContent::new().with_text(text.into()),
        );
        self.client
            .respond_to_event(&SlackResponseUrl::new(url), &request)
            .await
            .map(|_| ())
            .map_err(|e| SlackError::Unavailable(e.to_string()))
    }
}

/// `ts` of a posted message.
pub fn ts_of(v: &Value) -> Option<String> {
    v.get("ts").and_then(Value::as_str).map(str::to_owned)
}

/// Parameters for a message with a text fallback and optional blocks.
pub fn message(channel: &str, text: &str, blocks: Option<Value>) -> Value {
    let mut m = json!({ "channel": channel, "text": text, "unfurl_links": false });
    if let Some(b) = blocks {
        m["blocks"] = b;
    }
    m
}

/// Where the next page of a paginated Web API answer starts (`""` after the last).
pub fn next_cursor(page: &Value) -> String {
    page["response_metadata"]["next_cursor"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// A channel by name, archived ones included, paging through `conversations.list`.
pub async fn find_channel(api: &dyn SlackApi, name: &str) -> Result<Option<Value>, SlackError> {
    let mut cursor = String::new();
    loop {
        let page = api
            .call("conversations.list", json!({ "types": "public_channel,private_channel", "limit": 200, "cursor": cursor }))
            .await?;
        if let Some(c) = page["channels"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["name"] == name))
        {
            return Ok(Some(c.clone()));
        }
        cursor = next_cursor(&page);
        if cursor.is_empty() {
            return Ok(None);
        }
    }
}

/// A user group's members (`usergroups.users.list`).
pub async fn group_members(api: &dyn SlackApi, group: &str) -> Result<Vec<String>, SlackError> {
    let v = api
        .call("usergroups.users.list", json!({ "usergroup": group }))
        .await?;
    Ok(v["users"]
        .as_array()
        .map(|us| {
            us.iter()
                .filter_map(|u| u.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

/// Every member of a channel, paging through `conversations.members`.
pub async fn channel_members(api: &dyn SlackApi, channel: &str) -> Result<Vec<String>, SlackError> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    // 50 pages of 1000: far beyond any incident channel.
    for _ in 0..50 {
        let page = api
            .call(
                "conversations.members",
                json!({ "channel": channel, "limit": 1000, "cursor": cursor }),
            )
            .await?;
        out.extend(
            page["members"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|m| m.as_str().map(str::to_owned)),
        );
        cursor = next_cursor(&page);
        if cursor.is_empty() {
            break;
        }
    }
    Ok(out)
}

/// The permission rules' questions, answered by Slack.
pub struct SlackDirectory {
    pub api: std::sync::Arc<dyn SlackApi>,
}

#[async_trait]
impl crate::directory::Directory for SlackDirectory {
    async fn in_channel(
        &self,
        channel: &str,
        user: &crate::domain::UserId,
    ) -> Result<bool, String> {
        match channel_members(self.api.as_ref(), channel).await {
            Ok(members) => Ok(members.iter().any(|m| m == user.as_str())),
            // A channel gone or archived has no members to act in it.
            Err(SlackError::Api(_)) => Ok(false),
            Err(e) => Err(e.to_string()),
        }
    }

    async fn in_group(&self, group: &str, user: &crate::domain::UserId) -> Result<bool, String> {
        match group_members(self.api.as_ref(), group).await {
            Ok(users) => Ok(users.iter().any(|u| u == user.as_str())),
            Err(SlackError::Api(code)) => {
                // A misconfigured group grants nothing; the operator sees why in the logs.
                tracing::warn!(group, %code, "could not read the incident-manager group");
                Ok(false)
            }
            Err(e) => Err(e.to_string()),
        }
    }
}
