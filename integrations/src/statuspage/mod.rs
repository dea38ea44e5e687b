//! Telling customers and filing follow-ups: the [`StatusPage`] port with its
//! Atlassian Statuspage adapter, and the [`Tracker`] port with its GitHub issues
//! ([`GitHub`]) and Jira Cloud ([`Jira`]) adapters. Clients only; which events drive
//! them is the worker's choice.

mod github;
pub mod jira;

pub use github::{GitHub, Issue, IssueLink, IssueRef, Tracker, TrackerError};
pub use jira::{Jira, JiraProject};

use crate::IntegrationError;
use crate::http::Http;
use async_trait::async_trait;
use flare::domain::Status;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub type StatusPageError = IntegrationError;

/// Statuspage's incident statuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublicStatus {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

impl PublicStatus {
    /// triage/investigating → investigating, fixing → identified, monitoring →
    /// monitoring, resolved/closed/declined → resolved.
    pub fn of(status: Status) -> Self {
        match status {
            Status::Triage | Status::Investigating => PublicStatus::Investigating,
            Status::Fixing => PublicStatus::Identified,
            Status::Monitoring => PublicStatus::Monitoring,
            Status::Resolved | Status::Closed | Status::Declined => PublicStatus::Resolved,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PublicStatus::Investigating => "investigating",
            PublicStatus::Identified => "identified",
            PublicStatus::Monitoring => "monitoring",
            PublicStatus::Resolved => "resolved",
        }
    }
}

/// Statuspage's component statuses (the domain's: the configuration names them too).
pub use flare::domain::ComponentStatus;

/// What a public incident says now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusUpdate {
    pub name: String,
    pub status: PublicStatus,
    /// The update's text (customers read it).
    pub body: String,
    /// Statuspage component ids affected.
    pub component_ids: Vec<String>,
    pub component_status: ComponentStatus,
    pub deliver_notifications: bool,
}

/// A created or updated public incident.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicIncident {
    pub id: String,
    pub status: String,
    pub shortlink: Option<String>,
}

#[async_trait]
pub trait StatusPage: Send + Sync {
    async fn create(&self, update: &StatusUpdate) -> Result<PublicIncident, StatusPageError>;
    async fn update(
        &self,
        id: &str,
        update: &StatusUpdate,
    ) -> Result<PublicIncident, StatusPageError>;
}

/// Atlassian Statuspage (`Authorization: OAuth <key>`, about 1 request/s per key;
/// 420/429 are retried).
pub struct Statuspage {
    http: Http,
    incidents_url: String,
    api_key: String,
}

impl Statuspage {
    /// `base` is [`crate::Endpoints::statuspage`] (without `/v1`).
    pub fn new(http: Http, base: &str, page_id: &str, api_key: String) -> Self {
        Self {
            http,
            incidents_url: format!(
                "{}/v1/pages/{page_id}/incidents",
                base.trim_end_matches('/')
            ),
            api_key,
        }
    }

    fn body(update: &StatusUpdate) -> Value {
        // The lifecycle's component status as configured (resolved: operational unless
        // `statuspage.component_status.resolved` says otherwise).
        let component_status = update.component_status;
        let components: Map<String, Value> = update
            .component_ids
            .iter()
            .map(|id| (id.clone(), json!(component_status.as_str())))
            .collect();
        json!({ "incident": {
            "name": update.name,
            "status": update.status.as_str(),
            "body": update.body,
            "component_ids": update.component_ids,
            "components": components,
            "deliver_notifications": update.deliver_notifications,
        }})
    }

    fn parse(what: &str, v: &Value) -> Result<PublicIncident, StatusPageError> {
        let id = v["id"].as_str().filter(|s| !s.is_empty()).ok_or_else(|| {
            IntegrationError::Transient(format!("{what}: the answer has no incident id"))
        })?;
        Ok(PublicIncident {
            id: id.to_owned(),
            status: v["status"].as_str().unwrap_or_default().to_owned(),
            shortlink: v["shortlink"].as_str().map(str::to_owned),
        })
    }
}

#[async_trait]
impl StatusPage for Statuspage {
    async fn create(&self, update: &StatusUpdate) -> Result<PublicIncident, StatusPageError> {
        let body = Self::body(update);
        let auth = format!("OAuth {}", self.api_key);
        let (_, v) = self
            .http
            .send("Statuspage create incident", |c| {
                c.post(&self.incidents_url)
                    .header(reqwest::header::AUTHORIZATION, &auth)
                    .json(&body)
            })
            .await?;
        Self::parse("Statuspage create incident", &v)
    }

    async fn update(
        &self,
        id: &str,
        update: &StatusUpdate,
    ) -> Result<PublicIncident, StatusPageError> {
        let body = Self::body(update);
        let auth = format!("OAuth {}", self.api_key);
        let url = format!("{}/{id}", self.incidents_url);
        let (_, v) = self
            .http
            .send("Statuspage update incident", |c| {
                c.patch(&url)
                    .header(reqwest::header::AUTHORIZATION, &auth)
                    .json(&body)
            })
            .await?;
        Self::parse("Statuspage update incident", &v)
    }
}
