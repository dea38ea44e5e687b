//! A mail held back from triage (sender not allowed, not authenticated, or not one
//! sender): what the quarantine note in the triage channel shows. The e-mail function
//! sends it as a [`super::Command::Quarantine`] through the queue like every other
//! command; the worker's quarantine effect posts it once per mail.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Raw text from the mail (escaped where it is written to Slack).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineNote {
    /// The mail's deduplication key (Message-ID and content digest): one note per mail.
    pub key: String,
    /// Why it was held back, shown as is: `DMARC FAIL: …`, `x@y is not an allowed sender`.
    pub reason: String,
    pub from_address: String,
    #[serde(default)]
    pub from_name: Option<String>,
    pub subject: String,
    #[serde(default)]
    pub excerpt: String,
    /// `name (type, size)` of the first attachments, then `and N more`.
    #[serde(default)]
    pub attachments: Vec<String>,
    #[serde(default)]
    pub date: Option<DateTime<Utc>>,
    /// The triage incident the mail would have opened, for *Open as triage incident*.
    #[serde(default)]
    pub declaration: Option<Box<super::command::Declaration>>,
    /// The address to allow when the allow-list alone held the mail back (not a
    /// failed authentication, not a malformed sender), for *Allow this sender*.
    #[serde(default)]
    pub allow: Option<String>,
}
