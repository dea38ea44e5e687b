//! Follow-up issues in GitHub: `POST {base}/repos/{owner}/{repo}/issues` with a
//! Bearer token (labels and assignees are silently dropped without push access).

use crate::IntegrationError;
use crate::http::Http;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::json;

pub type TrackerError = IntegrationError;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Issue {
    pub title: String,
    pub body: String,
    pub labels: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueRef {
    pub number: u64,
    pub html_url: String,
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
    /// ref) before filing again.
    async fn create_issue(&self, issue: &Issue) -> Result<IssueRef, TrackerError> {
        let body = json!({ "title": issue.title, "body": issue.body, "labels": issue.labels });
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
            }),
            _ => Err(IntegrationError::Transient(
                "GitHub create issue: the answer has no number or html_url".into(),
            )),
        }
    }
}
