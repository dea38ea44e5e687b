//! Sharing the postmortem in Slack: the Markdown file in the incident channel, a
//! "Postmortem" bookmark there, and a notice in the thread of the incident's
//! announcement in the incidents channel.
//!
//! Each step is recorded as an incident ref before the next one starts, and looked up
//! first, so a retry or a regeneration of the same incident version posts nothing
//! twice:
//!
//! * `postmortem_file`: `{"version", "file_id", "permalink"}` of the last file shared;
//!   a new incident version (reopened and resolved again) shares a fresh file.
//! * `postmortem_bookmark`: `{"id", "link"}`; one bookmark per channel, replaced only
//!   if its link has to change.
//! * `postmortem_notice#<version>`: the notice's `ts`.
//!
//! A private incident gets no notice in the incidents channel. A closed incident's
//! channel is archived: a draft asked for at the review goes to its announcement's thread,
//! or by DM to its postmortem owner. The window
//! left is a crash between a Slack call and storing its ref, which can repeat that one
//! post on the retry.

use crate::upload::Uploader;
use flare::config::Config;
use flare::domain::{Incident, Status, clip};
use flare::slack::api::{SlackApi, SlackError, message, ts_of};
use flare::slack::mrkdwn::escape;
use flare::store::{IncidentStore, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

pub const FILE_REF: &str = "postmortem_file";
pub const BOOKMARK_REF: &str = "postmortem_bookmark";

pub fn notice_ref(version: u64) -> String {
    format!("postmortem_notice#{version}")
}

/// Slack errors that mean "try again later", though they come as `ok:false`.
const TRANSIENT_CODES: &[&str] = &[
    "internal_error",
    "fatal_error",
    "request_timeout",
    "service_unavailable",
    "ratelimited",
];

/// Codes that mean the channel can't take posts any more: skip Slack, keep the document.
const GONE_CODES: &[&str] = &["is_archived", "channel_not_found"];

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Slack(#[from] SlackError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PublishError {
    /// Worth retrying (Lambda retries the invocation).
    pub fn is_transient(&self) -> bool {
        match self {
            PublishError::Slack(SlackError::Api(code)) => TRANSIENT_CODES.contains(&code.as_str()),
            PublishError::Slack(SlackError::Unavailable(_)) => true,
            PublishError::Store(StoreError::Corrupt(_)) => false,
            PublishError::Store(_) => true,
        }
    }
}

/// What this run posted (`false`: done before, or skipped).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Published {
    pub file: bool,
    pub bookmark: bool,
    pub notice: bool,
    /// Why Slack was left out, when it was.
    pub skipped: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct FileRef {
    version: u64,
    file_id: String,
    #[serde(default)]
    permalink: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct BookmarkRef {
    id: String,
    link: String,
}

pub struct Publisher {
    pub api: Arc<dyn SlackApi>,
    pub uploader: Arc<dyn Uploader>,
    pub incidents: Arc<dyn IncidentStore>,
    pub config: Arc<Config>,
}

impl Publisher {
    /// Shares `markdown` (generated for `incident.version`); `document_link` is where
    /// the stored document can be opened (the bookmark's fallback link).
    pub async fn publish(
        &self,
        incident: &Incident,
        markdown: &str,
        document_link: &str,
        refs: &mut HashMap<String, String>,
        why: crate::service::Why,
    ) -> Result<Published, PublishError> {
        let mut done = Published::default();
        if incident.status == Status::Closed && why == crate::service::Why::Asked {
            // Redrafted at the review after closing: the channel is archived, so the
            // file goes where the follow-ups of a closed incident go.
            done.file = self.after_close(incident, markdown, refs).await?;
            if !done.file {
                done.skipped = Some("the incident is closed and has nobody to send it to".into());
            }
            return Ok(done);
        }
        if incident.status.is_terminal() {
            done.skipped = Some(format!(
                "the incident is {}: its channel is archived",
                incident.status
            ));
            return Ok(done);
        }
        let Some(channel) = refs.get("channel").cloned() else {
            done.skipped = Some("the incident has no Slack channel".into());
            return Ok(done);
        };
        let comment = format!(
            ":memo: Postmortem draft for this incident (version {}): check the facts, then write the root cause analysis, what went well and badly, and the action items. {}.",
            incident.version,
            owner(incident)
        );
        match self
            .share_file(incident, (&channel, None), &comment, markdown, refs)
            .await
        {
            Ok(posted) => done.file = posted,
            Err(PublishError::Slack(SlackError::Api(code)))
                if GONE_CODES.contains(&code.as_str()) =>
            {
                done.skipped = Some(format!("the incident channel can't take posts: {code}"));
                return Ok(done);
            }
            Err(e) => return Err(e),
        }
        let file: Option<FileRef> = refs
            .get(FILE_REF)
            .and_then(|v| serde_json::from_str(v).ok());
        let link = file
            .and_then(|f| f.permalink)
            .filter(|p| p.starts_with("https://") || p.starts_with("http://"))
            .unwrap_or_else(|| document_link.to_owned());
        done.bookmark = self.bookmark(incident, &channel, &link, refs).await?;
        if incident.private {
            tracing::info!(incident = %incident.id, "private incident: no notice in the incidents channel");
        } else {
            done.notice = self.notice(incident, &channel, refs).await?;
        }
        Ok(done)
    }

    /// A closed incident's draft: in its announcement's thread in the incidents channel,
    /// or, for a private incident (or no announcement), by DM to its postmortem owner
    /// (else its coordinator). `false`: nobody to send it to.
    async fn after_close(
        &self,
        incident: &Incident,
        markdown: &str,
        refs: &mut HashMap<String, String>,
    ) -> Result<bool, PublishError> {
        let comment = format!(
            ":memo: Postmortem draft for *{}* (`{}`, closed), redrafted from its timeline (version {}). {}.",
            escape(&flatten(&incident.title)),
            incident.id,
            incident.version,
            owner(incident)
        );
        if let (false, Some(ts)) = (incident.private, refs.get("announcement_ts").cloned())
            && let Some(channel) = self.channel_id(&self.config.channels.incidents).await?
        {
            return self
                .share_file(incident, (&channel, Some(&ts)), &comment, markdown, refs)
                .await;
        }
        let Some(person) = incident
            .roles
            .postmortem_owner
            .as_ref()
            .or(incident.roles.coordinator.as_ref())
        else {
            return Ok(false);
        };
        let dm = self
            .api
            .call("conversations.open", json!({ "users": person.as_str() }))
            .await?;
        let Some(channel) = dm["channel"]["id"].as_str().map(str::to_owned) else {
            return Ok(false);
        };
        self.share_file(incident, (&channel, None), &comment, markdown, refs)
            .await
    }

    /// The file, once per incident version, in `(channel, thread)`.
    async fn share_file(
        &self,
        incident: &Incident,
        (channel, thread_ts): (&str, Option<&str>),
        comment: &str,
        markdown: &str,
        refs: &mut HashMap<String, String>,
    ) -> Result<bool, PublishError> {
        let shared: Option<FileRef> = refs
            .get(FILE_REF)
            .and_then(|v| serde_json::from_str(v).ok());
        if shared
            .as_ref()
            .is_some_and(|f| f.version == incident.version)
        {
            return Ok(false);
        }
        let filename = format!("postmortem-{}.md", incident.id);
        let title = clip(&format!("Postmortem: {}", flatten(&incident.title)), 250);
        let (file_id, completed) = flare::slack::upload::share(
            self.api.as_ref(),
            self.uploader.as_ref(),
            flare::slack::upload::SharedFile {
                filename: &filename,
                content_type: crate::store::CONTENT_TYPE,
                bytes: markdown.as_bytes().to_vec(),
                title: &title,
                channel,
                thread_ts,
                comment,
            },
        )
        .await?;
        let permalink = completed["files"][0]["permalink"]
            .as_str()
            .map(str::to_owned);
        let record = FileRef {
            version: incident.version,
            file_id,
            permalink,
        };
        let value =
            serde_json::to_string(&record).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.incidents
            .set_ref(&incident.id, FILE_REF, &value)
            .await?;
        refs.insert(FILE_REF.into(), value);
        Ok(true)
    }

    /// One "Postmortem" bookmark; replaced only when its link must change.
    async fn bookmark(
        &self,
        incident: &Incident,
        channel: &str,
        link: &str,
        refs: &mut HashMap<String, String>,
    ) -> Result<bool, PublishError> {
        let current: Option<BookmarkRef> = refs
            .get(BOOKMARK_REF)
            .and_then(|v| serde_json::from_str(v).ok());
        if current.as_ref().is_some_and(|b| b.link == link) {
            return Ok(false);
        }
        if let Some(old) = current {
            match self
                .api
                .call(
                    "bookmarks.remove",
                    json!({ "channel_id": channel, "bookmark_id": old.id }),
                )
                .await
            {
                // Removed by an earlier attempt, or by someone in the channel.
                Ok(_) | Err(SlackError::Api(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let added = self
            .api
            .call(
                "bookmarks.add",
                json!({
                    "channel_id": channel,
                    "title": "Postmortem",
                    "type": "link",
                    "link": link,
                    "emoji": ":memo:",
                }),
            )
            .await?;
        let id = added["bookmark"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let value = serde_json::to_string(&BookmarkRef {
            id,
            link: link.to_owned(),
        })
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.incidents
            .set_ref(&incident.id, BOOKMARK_REF, &value)
            .await?;
        refs.insert(BOOKMARK_REF.into(), value);
        Ok(true)
    }

    /// "Postmortem ready" under the announcement, once per version.
    async fn notice(
        &self,
        incident: &Incident,
        channel: &str,
        refs: &mut HashMap<String, String>,
    ) -> Result<bool, PublishError> {
        let key = notice_ref(incident.version);
        if refs.contains_key(&key) {
            return Ok(false);
        }
        let Some(announcement) = refs.get("announcement_ts").cloned() else {
            tracing::info!(incident = %incident.id, "no announcement to reply to; no notice");
            return Ok(false);
        };
        let Some(incidents) = self.channel_id(&self.config.channels.incidents).await? else {
            tracing::warn!(channel = %self.config.channels.incidents, "the incidents channel does not exist; no notice");
            return Ok(false);
        };
        let again = refs.keys().any(|k| k.starts_with("postmortem_notice#"));
        let text = format!(
            ":memo: {} postmortem draft for *{}* is ready in <#{channel}>. {}.",
            if again { "An updated" } else { "The" },
            escape(&flatten(&incident.title)),
            owner(incident),
        );
        let mut params = message(&incidents, &text, None);
        params["thread_ts"] = Value::String(announcement);
        let posted = self.api.call("chat.postMessage", params).await?;
        let ts = ts_of(&posted).unwrap_or_default();
        self.incidents.set_ref(&incident.id, &key, &ts).await?;
        refs.insert(key, ts);
        Ok(true)
    }

    /// A channel's id by name (live channels only).
    async fn channel_id(&self, name: &str) -> Result<Option<String>, PublishError> {
        let found = flare::slack::api::find_channel(self.api.as_ref(), name).await?;
        Ok(found
            .filter(|c| c["is_archived"] != true)
            .and_then(|c| c["id"].as_str().map(str::to_owned)))
    }
}

/// Who is asked to write it: the postmortem owner, else the coordinator.
fn owner(incident: &Incident) -> String {
    match incident
        .roles
        .postmortem_owner
        .as_ref()
        .or(incident.roles.coordinator.as_ref())
    {
        Some(u) => format!("Postmortem owner: <@{u}>"),
        None => "No postmortem owner yet: `/incident role postmortem @person` assigns one".into(),
    }
}

fn flatten(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
