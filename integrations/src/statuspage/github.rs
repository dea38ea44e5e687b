//! Follow-up issues in GitHub: `POST {base}/repos/{owner}/{repo}/issues` with a
//! Bearer token (labels and assignees are silently dropped without push access; an
//! assignee who can't be assigned in the repository is refused with 422).

use crate::IntegrationError;
use crate::http::Http;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::json;

pub type TrackerError = IntegrationError;

/// A follow-up to file, in words any tracker can take.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Issue {
    pub title: String,
    /// Plain text: paragraphs apart by a blank line. Trackers render it their way.
    pub body: String,
    pub labels: Vec<String>,
    /// The tracker login (GitHub) or account id (Jira) to assign, if known.
    pub assignee: Option<String>,
    /// The link back (the incident's channel), after the body.
    pub link: Option<IssueLink>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssueLink {
    pub text: String,
    pub url: String,
}

/// A created issue, kept as the incident ref `ticket#<n>` (so its JSON must stay
/// readable: refs written before `key` existed have none).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueRef {
    /// GitHub's issue number; Jira's issue number within the project (`PAY-12` → 12).
    pub number: u64,
    pub html_url: String,
    /// The tracker's own key when it isn't `#<number>` (Jira's `PAY-12`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl IssueRef {
    /// How people name the issue: `PAY-12`, or GitHub's `#12`.
    pub fn label(&self) -> String {
        self.key
            .clone()
            .unwrap_or_else(|| format!("#{}", self.number))
    }
}

/// Where follow-up actions are filed.
#[async_trait]
pub trait Tracker: Send + Sync {
    async fn create_issue(&self, issue: &Issue) -> Result<IssueRef, TrackerError>;
}

pub struct GitHub {
    http: Http,
    url: String,
    token: String,
}

impl GitHub {
    /// `base` is [`crate::Endpoints::github`].
    pub fn new(http: Http, base: &str, owner: &str, repo: &str, token: String) -> Self {
        Self {
            http,
            url: format!("{}/repos/{owner}/{repo}/issues", base.trim_end_matches('/')),
            token,
        }
    }
}

#[async_trait]
impl Tracker for GitHub {
    /// Not idempotent by itself: callers remember the returned number (an incident
    /// ref) before filing again. An assignee GitHub refuses (not assignable in the
    /// repository: 422 on `assignees`) is dropped and the issue filed without one.
    async fn create_issue(&self, issue: &Issue) -> Result<IssueRef, TrackerError> {
        match self.create(issue, issue.assignee.as_deref()).await {
            Err(IntegrationError::Permanent(m))
                if issue.assignee.is_some() && refuses_field(&m, "assignees") =>
            {
                tracing::info!("GitHub refused the assignee; filing the issue without one");
                self.create(issue, None).await
            }
            other => other,
        }
    }
}

impl GitHub {
    async fn create(
        &self,
        issue: &Issue,
        assignee: Option<&str>,
    ) -> Result<IssueRef, TrackerError> {
        let mut text = issue.body.clone();
        if let Some(link) = &issue.link {
            text.push_str(&format!(
                "\n\n[{}]({})",
                markdown_text(&link.text),
                link.url.replace(')', "%29").replace(' ', "%20")
            ));
        }
        let mut body = json!({ "title": issue.title, "body": text, "labels": issue.labels });
        if let Some(login) = assignee {
            body["assignees"] = json!([login]);
        }
        let (_, v) = self
            .http
            .send("GitHub create issue", |c| {
                c.post(&self.url)
                    .bearer_auth(&self.token)
                    .header(reqwest::header::ACCEPT, "application/vnd.github+json")
                    .header("X-GitHub-Api-Version", "2022-11-28")
                    .json(&body)
            })
            .await?;
        match (v["number"].as_u64(), v["html_url"].as_str()) {
            (Some(number), Some(url)) => Ok(IssueRef {
                number,
                html_url: url.to_owned(),
                key: None,
            }),
            _ => Err(IntegrationError::Transient(
                "GitHub create issue: the answer has no number or html_url".into(),
            )),
        }
    }
}

/// Does a refusal's text (`… HTTP 422 …: <body>`) name `field` among the errors?
pub(super) fn refuses_field(message: &str, field: &str) -> bool {
    message.contains(&format!("\"{field}\""))
}

/// A link label as Markdown text: brackets and backslashes escaped.
fn markdown_text(s: &str) -> String {
    s.chars()
        .flat_map(|c| match c {
            '[' | ']' | '\\' => vec!['\\', c],
            '\n' => vec![' '],
            c => vec![c],
        })
        .collect()
}
