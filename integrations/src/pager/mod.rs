//! Paging on-call: one [`Pager`] port, two vendors ([`PagerDuty`], [`Opsgenie`]),
//! and [`Pagers`], which builds the right adapter for a configured
//! [`OnCallTarget`] (fetching its key from [`Secrets`]).

pub(crate) mod opsgenie;
mod pagerduty;

pub use opsgenie::Opsgenie;
pub use pagerduty::PagerDuty;

use crate::http::Http;
use crate::secrets::Secrets;
use crate::{Endpoints, IntegrationError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flare::config::OnCallTarget;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Paging errors are integration errors (transient or permanent).
pub type PagerError = IntegrationError;

/// Environment variable naming the SSM parameter that holds the Opsgenie API key.
pub const OPSGENIE_KEY_PARAM_ENV: &str = "FLARE_OPSGENIE_KEY_PARAM";

/// How urgent a page is, in PagerDuty's words (Opsgenie maps it to P1–P5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PageSeverity {
    Critical,
    Error,
    Warning,
    Info,
}

impl PageSeverity {
    pub fn as_str(self) -> &'static str {
        match self {
            PageSeverity::Critical => "critical",
            PageSeverity::Error => "error",
            PageSeverity::Warning => "warning",
            PageSeverity::Info => "info",
        }
    }

    /// Opsgenie priority.
    pub fn priority(self) -> &'static str {
        match self {
            PageSeverity::Critical => "P1",
            PageSeverity::Error => "P2",
            PageSeverity::Warning => "P3",
            PageSeverity::Info => "P5",
        }
    }

    /// Critical levels → critical; the most severe non-critical level → error; the
    /// rest → warning.
    pub fn of(scale: &flare::domain::SeverityScale, s: &flare::domain::Severity) -> Self {
        if scale.is_critical(s) {
            return PageSeverity::Critical;
        }
        let first_non_critical = scale.levels().iter().position(|l| !l.critical);
        if first_non_critical == Some(scale.rank(s)) {
            PageSeverity::Error
        } else {
            PageSeverity::Warning
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub href: String,
    pub text: String,
}

/// One page, vendor-neutral. Adapters clip the text to their limits (PagerDuty
/// summary ≤ 1024, Opsgenie message ≤ 130).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    /// Stable per incident and target (`flare-<incident>-<target>`): retries never
    /// page twice. Opsgenie uses it as the alert alias.
    pub dedup_key: String,
    pub summary: String,
    /// Longer text (impact, description); Opsgenie's `description`.
    pub description: String,
    pub severity: PageSeverity,
    /// Always `flare`.
    pub source: String,
    /// The affected services, comma separated.
    pub component: Option<String>,
    pub links: Vec<Link>,
    pub custom_details: BTreeMap<String, String>,
    pub timestamp: DateTime<Utc>,
    /// Opsgenie only: tags.
    pub tags: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Vendor {
    Pagerduty,
    Opsgenie,
}

/// What is needed to acknowledge or resolve a page later.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRef {
    pub vendor: Vendor,
    /// PagerDuty dedup key / Opsgenie alias.
    pub key: String,
}

#[async_trait]
pub trait Pager: Send + Sync {
    async fn trigger(&self, page: &Page) -> Result<PageRef, PagerError>;
    async fn acknowledge(&self, r: &PageRef) -> Result<(), PagerError>;
    async fn resolve(&self, r: &PageRef) -> Result<(), PagerError>;
}

/// Builds the adapter for a configured target.
#[derive(Clone)]
pub struct Pagers {
    pub http: Http,
    pub endpoints: Endpoints,
    pub secrets: Arc<dyn Secrets>,
    /// The SSM parameter holding the Opsgenie API key (`FLARE_OPSGENIE_KEY_PARAM`).
    pub opsgenie_key_param: Option<String>,
}

impl Pagers {
    /// `opsgenie_key_param` from `FLARE_OPSGENIE_KEY_PARAM`.
    pub fn from_env(http: Http, endpoints: Endpoints, secrets: Arc<dyn Secrets>) -> Self {
        Self {
            http,
            endpoints,
            secrets,
            opsgenie_key_param: std::env::var(OPSGENIE_KEY_PARAM_ENV)
                .ok()
                .filter(|v| !v.trim().is_empty()),
        }
    }

    pub async fn for_target(&self, target: &OnCallTarget) -> Result<Box<dyn Pager>, PagerError> {
        match target {
            OnCallTarget::Pagerduty { routing_key_param } => {
                let routing_key = self.secrets.get(routing_key_param).await?;
                Ok(Box::new(PagerDuty::new(
                    self.http.clone(),
                    &self.endpoints.pagerduty,
                    routing_key,
                )))
            }
            OnCallTarget::Opsgenie { responder, region } => {
                let param = self.opsgenie_key_param.as_deref().ok_or_else(|| {
                    IntegrationError::Permanent(format!(
                        "Opsgenie is configured but {OPSGENIE_KEY_PARAM_ENV} is not set"
                    ))
                })?;
                let key = self.secrets.get(param).await?;
                Ok(Box::new(Opsgenie::new(
                    self.http.clone(),
                    self.endpoints.opsgenie(*region),
                    key,
                    responder.clone(),
                )))
            }
        }
    }
}
