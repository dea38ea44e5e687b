//! Messages captured into the timeline from Slack: 🧾 papertrail and 📌 discussion.

use super::ids::UserId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureKind {
    /// 🧾 `receipt`: evidence for the timeline.
    Papertrail,
    /// 📌 `pushpin` or a pin: to talk about in the postmortem.
    Discussion,
}

impl CaptureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CaptureKind::Papertrail => "papertrail",
            CaptureKind::Discussion => "discussion",
        }
    }
}

/// A Slack message as it was when captured; `posted_at` is the message's own time,
/// so the timeline keeps the original order even when captured later.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapturedMessage {
    pub channel: String,
    pub ts: String,
    pub author: Option<UserId>,
    pub text: String,
    pub permalink: Option<String>,
    pub posted_at: DateTime<Utc>,
}

/// What identifies a capture: the same message captured the same way is one entry,
/// however many reactions or pins arrive.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CaptureKey {
    pub kind: CaptureKind,
    pub channel: String,
    pub ts: String,
}
