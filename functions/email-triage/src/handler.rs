//! The function: for each SES record, read the stored mail, decide, look up its
//! thread, enqueue.
//!
//! Errors are returned only for what may work on a retry (S3, DynamoDB, SQS, a
//! missing bucket setting), so SES's asynchronous invocation is retried. A mail that
//! is rejected, quarantined or unreadable is logged (reason and ids, never the
//! body or subject) and counts as handled.

use crate::parse::{self, InboundMail};
use crate::policy::TriagePolicy;
use crate::ses::{ObjectLocation, SesEvent};
use crate::triage::{self, Delivery, Outcome, Quarantined};
use async_trait::async_trait;
use aws_sdk_s3::error::ProvideErrorMetadata;
use flare::bus::{CommandEnvelope, CommandQueue};
use flare::clock::Clock;
use flare::config::Config;
use flare::store::{IncidentStore, Index};
use std::sync::Arc;

/// Where SES's S3 action stores mail when `FLARE_INBOUND_PREFIX` is unset.
pub const DEFAULT_PREFIX: &str = "inbound/";
/// SES stores at most 40 MB; anything larger is not a mail SES wrote.
pub const MAX_MAIL_BYTES: u64 = 48 * 1024 * 1024;

/// Reads a stored raw mail.
#[async_trait]
pub trait MailSource: Send + Sync {
    async fn fetch(&self, at: &ObjectLocation) -> Result<Fetched, FetchError>;
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    Mail(Vec<u8>),
    /// Larger than [`MAX_MAIL_BYTES`]: not read.
    TooLarge(u64),
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct FetchError(pub String);

/// The S3 adapter of [`MailSource`].
#[derive(Clone, Debug)]
pub struct S3MailSource {
    client: aws_sdk_s3::Client,
}

impl S3MailSource {
    pub fn new(client: aws_sdk_s3::Client) -> Self {
        Self { client }
    }

    /// An S3 client from the shared SDK configuration. `path_style` for moto (local
    /// mode and tests), where `bucket.127.0.0.1` does not resolve.
    pub fn client(sdk: &aws_config::SdkConfig, path_style: bool) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(path_style)
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }
}

#[async_trait]
impl MailSource for S3MailSource {
    async fn fetch(&self, at: &ObjectLocation) -> Result<Fetched, FetchError> {
        let out = self
            .client
            .get_object()
            .bucket(&at.bucket)
            .key(&at.key)
            .send()
            .await
            .map_err(|e| {
                FetchError(match e.code() {
                    // The service's own words (`NoSuchKey: The specified key…`).
                    Some(code) => format!("{code}: {}", e.message().unwrap_or_default()),
                    None => aws_sdk_s3::error::DisplayErrorContext(e).to_string(),
                })
            })?;
        let len = out.content_length().and_then(|l| u64::try_from(l).ok());
        if let Some(len) = len.filter(|l| *l > MAX_MAIL_BYTES) {
            return Ok(Fetched::TooLarge(len));
        }
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| FetchError(e.to_string()))?;
        Ok(Fetched::Mail(bytes.into_bytes().to_vec()))
    }
}

/// Where the S3 action stores mail: `FLARE_INBOUND_BUCKET`, `FLARE_INBOUND_PREFIX`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inbound {
    /// Used when the event does not name a bucket (it normally does not).
    pub bucket: Option<String>,
    pub prefix: String,
}

impl Default for Inbound {
    fn default() -> Self {
        Self {
            bucket: None,
            prefix: DEFAULT_PREFIX.into(),
        }
    }
}

impl Inbound {
    pub fn from_env() -> Self {
        Self {
            bucket: std::env::var("FLARE_INBOUND_BUCKET")
                .ok()
                .filter(|b| !b.trim().is_empty()),
            prefix: std::env::var("FLARE_INBOUND_PREFIX").unwrap_or_else(|_| DEFAULT_PREFIX.into()),
        }
    }
}

pub struct Deps {
    pub store: Arc<dyn IncidentStore>,
    pub queue: Arc<dyn CommandQueue>,
    pub config: Arc<Config>,
    pub policy: TriagePolicy,
    pub mail: Arc<dyn MailSource>,
    pub clock: Arc<dyn Clock>,
    pub inbound: Inbound,
}

/// What became of one mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handled {
    /// A triage incident was asked for (sent to the command queue).
    Declared(CommandEnvelope),
    /// A reply to an incident's mail thread: a capture was sent for that incident.
    FollowedUp(CommandEnvelope),
    /// Not from an allowed sender: nothing sent; post [`Quarantined::slack_note`]
    /// in the triage channel.
    Quarantined(Quarantined),
    /// Spam, virus or failed authentication: nothing sent.
    Rejected { key: String, reason: String },
    /// Not a mail (empty, no headers, too large), or an event record without one.
    Unreadable { reason: String },
}

/// Failures worth a retry: the whole invocation fails and SES/Lambda tries again.
#[derive(Debug, thiserror::Error)]
pub enum HandleError {
    #[error("reading s3://{bucket}/{key}: {why}")]
    Fetch {
        bucket: String,
        key: String,
        why: String,
    },
    #[error(
        "SES message {0}: no bucket to read it from (set FLARE_INBOUND_BUCKET or put an S3 action before the Lambda action)"
    )]
    NoBucket(String),
    #[error("looking up the mail thread: {0}")]
    Store(String),
    #[error("sending the command: {0}")]
    Queue(String),
}

/// Handles every record of an SES event, in order; stops at the first failure that
/// deserves a retry (records before it are sent again on the retry, and the
/// envelope ids make that harmless).
pub async fn handle(event: SesEvent, deps: &Deps) -> Result<Vec<Handled>, HandleError> {
    let mut out = Vec::with_capacity(event.records.len());
    for record in &event.records {
        if let Some(src) = record.event_source.as_deref()
            && src != "aws:ses"
        {
            tracing::warn!(event_source = src, "not an SES record; skipped");
            out.push(Handled::Unreadable {
                reason: format!("event source {src}"),
            });
            continue;
        }
        let delivery = Delivery {
            ses_message_id: record.ses_message_id().map(str::to_owned),
            verdicts: record.verdicts(),
        };
        let location = record.object_location(deps.inbound.bucket.as_deref(), &deps.inbound.prefix);
        let Some(location) = location else {
            match &delivery.ses_message_id {
                // A bucket is missing: configuration, which a retry after a fix cures.
                Some(id) if deps.inbound.bucket.is_none() => {
                    return Err(HandleError::NoBucket(id.clone()));
                }
                _ => {
                    tracing::warn!("SES record without a usable messageId; skipped");
                    out.push(Handled::Unreadable {
                        reason: "no SES messageId".into(),
                    });
                    continue;
                }
            }
        };
        out.push(handle_object(&location, delivery, deps).await?);
    }
    Ok(out)
}

/// Reads the mail at `location` and handles it (the local host's `/local/email`
/// stores the mail in its S3 bucket first, then calls this).
pub async fn handle_object(
    location: &ObjectLocation,
    delivery: Delivery,
    deps: &Deps,
) -> Result<Handled, HandleError> {
    let fetched = deps
        .mail
        .fetch(location)
        .await
        .map_err(|e| HandleError::Fetch {
            bucket: location.bucket.clone(),
            key: location.key.clone(),
            why: e.0,
        })?;
    match fetched {
        Fetched::Mail(raw) => handle_raw(&raw, delivery, deps).await,
        Fetched::TooLarge(len) => {
            tracing::warn!(
                ses_message_id = delivery.ses_message_id.as_deref(),
                bucket = %location.bucket,
                key = %location.key,
                bytes = len,
                "stored mail too large; ignored"
            );
            Ok(Handled::Unreadable {
                reason: format!("{len} bytes is more than SES stores"),
            })
        }
    }
}

/// Handles one raw mail.
pub async fn handle_raw(
    raw: &[u8],
    delivery: Delivery,
    deps: &Deps,
) -> Result<Handled, HandleError> {
    let ses_id = delivery.ses_message_id.clone();
    let mail = match parse::parse(raw) {
        Ok(mail) => mail,
        Err(e) => {
            tracing::warn!(
                ses_message_id = ses_id.as_deref(),
                bytes = raw.len(),
                reason = %e,
                "unreadable mail; ignored"
            );
            return Ok(Handled::Unreadable {
                reason: e.to_string(),
            });
        }
    };
    let key = triage::mail_key(&mail, &delivery);
    let now = deps.clock.now();
    match triage::to_command(&mail, &delivery, &deps.policy, &deps.config, now) {
        Outcome::Reject { reason } => {
            tracing::info!(
                ses_message_id = ses_id.as_deref(),
                mail_key = %key,
                sender_domain = domain(&mail),
                reason = %reason,
                "mail rejected"
            );
            Ok(Handled::Rejected { key, reason })
        }
        Outcome::Quarantine(q) => {
            tracing::warn!(
                ses_message_id = ses_id.as_deref(),
                mail_key = %key,
                sender = %mail.from_address,
                reason = %q.reason,
                "mail quarantined"
            );
            Ok(Handled::Quarantined(q))
        }
        Outcome::Declare(declare) => {
            if let Some(incident) = thread_incident(&mail, deps).await? {
                let env = triage::follow_up(&mail, &delivery, incident, &deps.policy, now);
                send(deps, &env).await?;
                tracing::info!(
                    ses_message_id = ses_id.as_deref(),
                    mail_key = %key,
                    envelope = %env.id,
                    incident = env.incident.as_ref().map(|i| i.as_str()),
                    "reply captured on its incident"
                );
                return Ok(Handled::FollowedUp(env));
            }
            send(deps, &declare).await?;
            tracing::info!(
                ses_message_id = ses_id.as_deref(),
                mail_key = %key,
                envelope = %declare.id,
                sender_domain = domain(&mail),
                attachments = mail.attachments.len(),
                "triage incident requested"
            );
            Ok(Handled::Declared(declare))
        }
    }
}

/// The incident whose mail thread this mail continues, if any.
async fn thread_incident(
    mail: &InboundMail,
    deps: &Deps,
) -> Result<Option<flare::domain::IncidentId>, HandleError> {
    for id in triage::thread_ids(mail) {
        if let Some(incident) = deps
            .store
            .get_index(Index::MailThread, &id)
            .await
            .map_err(|e| HandleError::Store(e.to_string()))?
        {
            return Ok(Some(incident));
        }
    }
    Ok(None)
}

async fn send(deps: &Deps, env: &CommandEnvelope) -> Result<(), HandleError> {
    deps.queue
        .send(env)
        .await
        .map_err(|e| HandleError::Queue(e.to_string()))
}

fn domain(mail: &InboundMail) -> &str {
    mail.from_address.rsplit_once('@').map_or("", |(_, d)| d)
}
