//! Follow-up issues in Jira Cloud: `POST {base}/rest/api/3/issue` with basic auth
//! (`email:api token`). Version 3 takes the description only as an Atlassian Document
//! Format (ADF) document; the summary is one line of at most 255 characters. Answers
//! 201 `{id, key, self}`; refusals are 400 `{errorMessages, errors: {field: why}}`,
//! 401 (credentials), 403, 404, and 429 with `Retry-After`.

use super::github::{Issue, IssueRef, Tracker, TrackerError, refuses_field};
use crate::IntegrationError;
use crate::http::Http;
use async_trait::async_trait;
use serde_json::{Value, json};

/// Jira refuses a longer summary.
pub const SUMMARY_MAX: usize = 255;

pub struct Jira {
    http: Http,
    url: String,
    /// Where people open issues: `{site}/browse/{key}`.
    site: String,
    project: String,
    issue_type: String,
    email: String,
    token: String,
}

impl std::fmt::Debug for Jira {
    // The token stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jira")
            .field("url", &self.url)
            .field("project", &self.project)
            .finish_non_exhaustive()
    }
}

/// Where and as whom a [`Jira`] files issues.
#[derive(Clone, Debug)]
pub struct JiraProject {
    /// The configured site, `https://<name>.atlassian.net` (for browse links).
    pub site: String,
    pub project: String,
    pub issue_type: String,
    pub email: String,
}

impl Jira {
    /// `base` is the site itself in production, [`crate::Endpoints::jira`] when set
    /// (the local fake).
    pub fn new(http: Http, base: &str, project: JiraProject, token: String) -> Self {
        Self {
            http,
            url: format!("{}/rest/api/3/issue", base.trim_end_matches('/')),
            site: project.site.trim_end_matches('/').to_owned(),
            project: project.project,
            issue_type: project.issue_type,
            email: project.email,
            token,
        }
    }

    /// The request body of `POST /rest/api/3/issue`.
    pub fn fields(&self, issue: &Issue, assignee: Option<&str>) -> Value {
        let mut fields = json!({
            "project": { "key": self.project },
            "issuetype": { "name": self.issue_type },
            "summary": summary(&issue.title),
            "description": adf(issue),
            "labels": issue.labels,
        });
        if let Some(id) = assignee {
            fields["assignee"] = json!({ "accountId": id });
        }
        json!({ "fields": fields })
    }

    async fn create(
        &self,
        issue: &Issue,
        assignee: Option<&str>,
    ) -> Result<IssueRef, TrackerError> {
        let body = self.fields(issue, assignee);
        let (_, v) = self
            .http
            .send("Jira create issue", |c| {
                c.post(&self.url)
                    .basic_auth(&self.email, Some(&self.token))
                    .header(reqwest::header::ACCEPT, "application/json")
                    .json(&body)
            })
            .await?;
        let Some(key) = v["key"].as_str().filter(|k| k.contains('-')) else {
            return Err(IntegrationError::Transient(
                "Jira create issue: the answer has no issue key".into(),
            ));
        };
        let number = key
            .rsplit_once('-')
            .and_then(|(_, n)| n.parse().ok())
            .unwrap_or_default();
        Ok(IssueRef {
            number,
            html_url: format!("{}/browse/{key}", self.site),
            key: Some(key.to_owned()),
        })
    }
}

#[async_trait]
impl Tracker for Jira {
    /// Not idempotent by itself (callers remember the key). An account id Jira refuses
    /// as assignee (400 on `assignee`) is dropped and the issue filed without one: the
    /// follow-up matters more than who it is assigned to.
    async fn create_issue(&self, issue: &Issue) -> Result<IssueRef, TrackerError> {
        match self.create(issue, issue.assignee.as_deref()).await {
            Err(IntegrationError::Permanent(m))
                if issue.assignee.is_some() && refuses_field(&m, "assignee") =>
            {
                tracing::info!("Jira refused the assignee; filing the issue without one");
                self.create(issue, None).await
            }
            other => other,
        }
    }
}

/// One line (Jira refuses newlines in a summary), at most [`SUMMARY_MAX`] characters.
pub fn summary(title: &str) -> String {
    let line = title.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::http::clip(&line, SUMMARY_MAX)
}

/// The issue's text as an ADF document: a paragraph per blank-line-separated block
/// (its lines kept with hard breaks), then the link back as a text node with a `link`
/// mark. ADF text is literal, so outside text needs no escaping; empty text nodes are
/// invalid ADF and left out.
pub fn adf(issue: &Issue) -> Value {
    let mut content: Vec<Value> = issue
        .body
        .split("\n\n")
        .filter_map(|block| {
            let mut nodes = Vec::new();
            for line in block.lines().map(str::trim_end).filter(|l| !l.is_empty()) {
                if !nodes.is_empty() {
                    nodes.push(json!({ "type": "hardBreak" }));
                }
                nodes.push(json!({ "type": "text", "text": line }));
            }
            (!nodes.is_empty()).then(|| json!({ "type": "paragraph", "content": nodes }))
        })
        .collect();
    if let Some(link) = &issue.link {
        content.push(json!({ "type": "paragraph", "content": [{
            "type": "text",
            "text": link.text,
            "marks": [{ "type": "link", "attrs": { "href": link.url } }],
        }]}));
    }
    json!({ "type": "doc", "version": 1, "content": content })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::statuspage::IssueLink;

    fn issue() -> Issue {
        Issue {
            title: "Add a circuit breaker\nto payments".into(),
            body: "Follow-up 1 of incident 20250304-brave-otter: Checkout <is> down\n\nOwner in Slack: <@U0BOB>\nsecond line".into(),
            labels: vec!["incident-follow-up".into()],
            assignee: Some("acc-1".into()),
            link: Some(IssueLink {
                text: "Incident channel in Slack".into(),
                url: "https://slack.com/app_redirect?channel=C0123".into(),
            }),
        }
    }

    #[test]
    fn the_description_is_an_adf_document_with_the_link_back_as_a_link_mark() {
        let doc = adf(&issue());
        assert_eq!(doc["type"], "doc");
        assert_eq!(doc["version"], 1);
        let content = doc["content"].as_array().unwrap();
        assert_eq!(content.len(), 3);
        assert!(content.iter().all(|p| p["type"] == "paragraph"));
        assert_eq!(
            content[0]["content"],
            json!([{ "type": "text", "text": "Follow-up 1 of incident 20250304-brave-otter: Checkout <is> down" }])
        );
        assert_eq!(
            content[1]["content"],
            json!([
                { "type": "text", "text": "Owner in Slack: <@U0BOB>" },
                { "type": "hardBreak" },
                { "type": "text", "text": "second line" },
            ])
        );
        assert_eq!(
            content[2]["content"][0],
            json!({
                "type": "text",
                "text": "Incident channel in Slack",
                "marks": [{ "type": "link", "attrs": { "href": "https://slack.com/app_redirect?channel=C0123" } }],
            })
        );
    }

    #[test]
    fn empty_blocks_make_no_empty_text_nodes() {
        let doc = adf(&Issue {
            body: "\n\none\n\n\n\n".into(),
            ..Issue::default()
        });
        assert_eq!(
            doc["content"],
            json!([{ "type": "paragraph", "content": [{ "type": "text", "text": "one" }] }])
        );
    }

    #[test]
    fn the_summary_is_one_line_of_at_most_255_characters() {
        assert_eq!(
            summary("Add a circuit breaker\nto  payments"),
            "Add a circuit breaker to payments"
        );
        let long = summary(&"é".repeat(400));
        assert_eq!(long.chars().count(), SUMMARY_MAX);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn the_request_names_project_type_and_assignee() {
        let jira = Jira::new(
            Http::new(crate::http::Retry::fast()).unwrap(),
            "https://acme.atlassian.net/",
            JiraProject {
                site: "https://acme.atlassian.net/".into(),
                project: "PAY".into(),
                issue_type: "Task".into(),
                email: "bot@acme.example".into(),
            },
            "secret".into(),
        );
        assert_eq!(jira.url, "https://acme.atlassian.net/rest/api/3/issue");
        let i = issue();
        let body = jira.fields(&i, i.assignee.as_deref());
        let f = &body["fields"];
        assert_eq!(f["project"], json!({ "key": "PAY" }));
        assert_eq!(f["issuetype"], json!({ "name": "Task" }));
        assert_eq!(f["summary"], "Add a circuit breaker to payments");
        assert_eq!(f["assignee"], json!({ "accountId": "acc-1" }));
        assert_eq!(f["labels"], json!(["incident-follow-up"]));
        assert!(jira.fields(&i, None)["fields"].get("assignee").is_none());
        assert!(!format!("{jira:?}").contains("secret"));
    }
}
