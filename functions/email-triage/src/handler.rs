//! The function: for each SES record, read the stored mail, decide, look up its
//! thread, enqueue.
//!
//! Errors are returned only for what may work on a retry (S3, DynamoDB, SQS, a
//! missing bucket setting), so SES's asynchronous invocation is retried. A mail that
//! is rejected, ignored, quarantined, a duplicate or unreadable is logged (reason and
//! ids, never the body or subject) and counts as handled. Every outcome is also one
//! CloudWatch metric line (EMF, `Flare/MailHandled` by `Outcome` and `Kind`), which is
//! how ignored mail is counted for operators; people see it with `/incident mail`,
//! which reads the mail log ([`MailDesk`]) this handler writes for every mail that
//! opened nothing.
//!
//! Deduplication is honest: a mail whose command the worker already applied, or that
//! was handed on before (a claim on its [`triage::dedup_key`], written after the send
//! so a failed send is retried rather than lost), answers [`Handled::Duplicate`]. A
//! quarantine note is a command too: the worker's quarantine effect posts it, once.

use crate::parse::{self, InboundMail};
use crate::policy::TriagePolicy;
use crate::ses::{ObjectLocation, SesEvent};
use crate::triage::{self, Delivery, Outcome, Quarantined};
use async_trait::async_trait;
use flare::bus::{CommandEnvelope, CommandQueue};
use flare::clock::Clock;
use flare::config::Config;
use flare::store::files::FileStore;
use flare::store::mail_desk::{MailDesk, MailLogEntry};
use flare::store::{IncidentStore, Index};
use sha2::{Digest, Sha256};
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
            // The service's own words (`NoSuchKey: The specified key…`).
            .map_err(|e| FetchError(flare::store::files::words(e)))?;
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
    /// The mail log, and the senders allowed from Slack.
    pub desk: Arc<dyn MailDesk>,
    /// Where a report's shareable files wait for the worker.
    pub files: Arc<dyn FileStore>,
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
    /// Not from an allowed, authenticated, single sender: no incident; the note
    /// command ([`Quarantined::envelope`]) was sent, and the worker posts it.
    Quarantined(Quarantined),
    /// Spam or a virus: nothing sent.
    Rejected { key: String, reason: String },
    /// Automated mail (auto-reply, bounce, feedback report, list, bulk, recovery):
    /// nothing sent, no note; counted.
    Ignored {
        key: String,
        kind: crate::classify::Kind,
        reason: String,
    },
    /// The same mail again (same Message-ID and content): nothing new happens.
    Duplicate { key: String, was: &'static str },
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
    let policy = policy_now(deps).await;
    let handled = match triage::to_command(&mail, &delivery, &policy, &deps.config, now) {
        Outcome::Reject { reason } => {
            tracing::info!(
                ses_message_id = ses_id.as_deref(),
                mail_key = %key,
                sender_domain = domain(&mail),
                reason = %reason,
                "mail rejected"
            );
            Handled::Rejected { key, reason }
        }
        Outcome::Ignore(ignored) => {
            tracing::info!(
                ses_message_id = ses_id.as_deref(),
                mail_key = %key,
                sender_domain = domain(&mail),
                kind = ignored.kind.as_str(),
                reason = %ignored.reason,
                "automated mail ignored"
            );
            log(
                deps,
                &mail,
                &key,
                "ignored",
                ignored.kind.as_str(),
                &ignored.reason,
                now,
            )
            .await;
            Handled::Ignored {
                key,
                kind: ignored.kind,
                reason: ignored.reason,
            }
        }
        Outcome::Quarantine(q) => {
            // The note goes through the queue; the worker posts it once per mail.
            let mut env = q.envelope(now);
            // Stored too, for *Open as triage incident*: shared only if a person opens it.
            if let flare::domain::Command::Quarantine(note) = &mut env.command
                && let Some(d) = note.declaration.as_deref_mut()
            {
                attach_files(deps, &mail, &policy, &env.id, d).await;
            }
            send(deps, &env).await?;
            log(
                deps,
                &mail,
                &q.mail.dedup,
                "quarantined",
                "quarantined",
                &q.reason,
                now,
            )
            .await;
            if !claim_once(deps, &format!("seen#{}", env.id), now).await? {
                tracing::info!(ses_message_id = ses_id.as_deref(), mail_key = %key, "quarantined mail again; note already posted");
                Handled::Duplicate {
                    key,
                    was: "quarantined",
                }
            } else {
                tracing::warn!(
                    ses_message_id = ses_id.as_deref(),
                    mail_key = %key,
                    sender = %mail.from_address,
                    reason = %q.reason,
                    "mail quarantined"
                );
                Handled::Quarantined(q)
            }
        }
        Outcome::Declare(declare) => {
            let (mut env, was) = match thread_incident(&mail, deps).await? {
                Some(incident) => (
                    triage::follow_up(&mail, &delivery, incident, &deps.policy, now),
                    "followed_up",
                ),
                None => (declare, "declared"),
            };
            let seen = deps
                .store
                .outcome(&env.id)
                .await
                .map_err(|e| HandleError::Store(e.to_string()))?
                .is_some();
            // Sent again even when seen by the claim: the envelope id makes it harmless,
            // and a first delivery that died between send and claim is finished.
            if !seen {
                if let flare::domain::Command::Declare(d) = &mut env.command {
                    attach_files(deps, &mail, &policy, &env.id, d).await;
                }
                send(deps, &env).await?;
            }
            if seen || !claim_once(deps, &format!("seen#{}", env.id), now).await? {
                tracing::info!(
                    ses_message_id = ses_id.as_deref(),
                    mail_key = %key,
                    envelope = %env.id,
                    "the same mail again; nothing new"
                );
                Handled::Duplicate { key, was }
            } else if env.incident.is_some() {
                tracing::info!(
                    ses_message_id = ses_id.as_deref(),
                    mail_key = %key,
                    envelope = %env.id,
                    incident = env.incident.as_ref().map(|i| i.as_str()),
                    "reply captured on its incident"
                );
                Handled::FollowedUp(env)
            } else {
                tracing::info!(
                    ses_message_id = ses_id.as_deref(),
                    mail_key = %key,
                    envelope = %env.id,
                    sender_domain = domain(&mail),
                    attachments = mail.attachments.len(),
                    "triage incident requested"
                );
                Handled::Declared(env)
            }
        }
    };
    println!("{}", metric_line(&handled, now));
    Ok(handled)
}

/// Stores the report's shareable files beside the raw mail (`attachments/<digest of
/// the command id>/<n>-<name>`) and names them in the declaration, for the worker to
/// share in the channel. A file S3 refuses is left out and logged: the report goes on.
async fn attach_files(
    deps: &Deps,
    mail: &InboundMail,
    policy: &TriagePolicy,
    id: &str,
    declaration: &mut flare::domain::Declaration,
) {
    let Some(bucket) = deps.inbound.bucket.clone() else {
        return;
    };
    let (shared, _) = triage::shareable(mail, policy);
    let folder = crate::text::prefix(&hex::encode(Sha256::digest(id.as_bytes())), 32).to_owned();
    for (i, a) in shared.into_iter().enumerate() {
        let key = format!(
            "attachments/{folder}/{i}-{}",
            flare::slack::mail_files::upload_name(&a.name)
        );
        match deps
            .files
            .put(&bucket, &key, &a.content_type, a.contents.clone())
            .await
        {
            Ok(()) => declaration.files.push(flare::domain::MailFile {
                name: a.name.clone(),
                content_type: a.content_type.clone(),
                size: a.size as u64,
                bucket: bucket.clone(),
                key,
            }),
            Err(e) => {
                tracing::warn!(envelope = %id, key = %key, error = %e, "could not store a report's file; it is listed but not shared")
            }
        }
    }
}

/// The configured policy, with the senders incident managers allowed from Slack. If
/// the table can't be read, the configured one: a mail held back by mistake has its
/// note and its *Open as triage incident* button.
async fn policy_now(deps: &Deps) -> TriagePolicy {
    if deps.policy.allow_senders.is_empty() {
        return deps.policy.clone();
    }
    match deps.desk.allowed_senders().await {
        Ok(extra) => deps.policy.also_allowing(&extra),
        Err(e) => {
            tracing::warn!(error = %e, "could not read the senders allowed from Slack; using the configured allow-list");
            deps.policy.clone()
        }
    }
}

/// Records a mail that opened nothing, for `/incident mail`. The log is for people's
/// eyes: a failure to write it is logged and the mail's handling goes on.
async fn log(
    deps: &Deps,
    mail: &InboundMail,
    key: &str,
    outcome: &str,
    kind: &str,
    reason: &str,
    now: chrono::DateTime<chrono::Utc>,
) {
    let entry = MailLogEntry {
        key: key.to_owned(),
        at: now,
        outcome: outcome.into(),
        kind: kind.into(),
        reason: flare::domain::clip(reason, 200),
        sender_domain: domain(mail).to_owned(),
        subject: flare::domain::clip(&mail.subject, 120),
    };
    if let Err(e) = deps.desk.log_mail(&entry).await {
        tracing::warn!(mail_key = %key, error = %e, "could not record the mail in the mail log");
    }
}

/// How long a mail's claims are kept: longer than any retry or re-send.
const CLAIM_DAYS: i64 = 30;

async fn claim_once(
    deps: &Deps,
    key: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, HandleError> {
    deps.store
        .claim(key, chrono::Duration::days(CLAIM_DAYS), now)
        .await
        .map_err(|e| HandleError::Store(e.to_string()))
}

impl Handled {
    /// `declared`, `followed_up`, `quarantined`, `rejected`, `ignored`, `duplicate`,
    /// `unreadable`: what the local host answers and the metric's `Outcome`.
    pub fn outcome(&self) -> &'static str {
        match self {
            Handled::Declared(_) => "declared",
            Handled::FollowedUp(_) => "followed_up",
            Handled::Quarantined(_) => "quarantined",
            Handled::Rejected { .. } => "rejected",
            Handled::Ignored { .. } => "ignored",
            Handled::Duplicate { .. } => "duplicate",
            Handled::Unreadable { .. } => "unreadable",
        }
    }
}

/// One EMF line: `MailHandled` = 1 by `Outcome` and `Kind` (the ignored kind, else
/// the outcome), in the `Flare` namespace.
pub fn metric_line(handled: &Handled, now: chrono::DateTime<chrono::Utc>) -> String {
    let kind = match handled {
        Handled::Ignored { kind, .. } => kind.as_str(),
        other => other.outcome(),
    };
    serde_json::json!({
        "_aws": {
            "Timestamp": now.timestamp_millis(),
            "CloudWatchMetrics": [{
                "Namespace": flare::worker::metrics::NAMESPACE,
                "Dimensions": [["Outcome", "Kind"]],
                "Metrics": [{ "Name": "MailHandled", "Unit": "Count" }],
            }],
        },
        "Outcome": handled.outcome(),
        "Kind": kind,
        "MailHandled": 1,
    })
    .to_string()
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
