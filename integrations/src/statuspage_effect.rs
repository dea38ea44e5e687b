//! The public status page follows the incident when people ask it to: a
//! `StatusPublished` event (a person's publish from the preview modal, or the one
//! `decide` adds when a published incident is resolved) creates the public incident the
//! first time (its id kept as the incident ref `statuspage`) and updates it afterwards,
//! under the incident's public title. The components take the status the configuration
//! gives the stage (`statuspage.component_status`). A service added while it is
//! published adds its component to the public incident.

use crate::statuspage::{PublicStatus, StatusPage, StatusUpdate};
use async_trait::async_trait;
use flare::config::Config;
use flare::domain::{ComponentStatus, Event, Incident, Recorded, Status};
use flare::store::IncidentStore;
use flare::worker::{Effect, EffectError};
use std::sync::Arc;

pub struct StatusPageEffect {
    pub store: Arc<dyn IncidentStore>,
    pub config: Arc<Config>,
    /// `None` when no status page is configured: publishing is then reported.
    pub page: Option<Arc<dyn StatusPage>>,
}

/// The public incident's name: the public title people chose, else what may leave
/// Slack (a private incident's neutral title, never its own).
pub fn public_name(config: &Config, incident: &Incident) -> String {
    let name = incident
        .public_title
        .as_deref()
        .unwrap_or_else(|| config.outside_title(incident));
    flare::domain::clip(name, flare::domain::MAX_PUBLIC_TITLE)
}

/// The component status the configuration gives `status` for this incident.
pub fn component_status(config: &Config, incident: &Incident, status: Status) -> ComponentStatus {
    let critical = config.severities.is_critical(&incident.severity);
    config
        .statuspage
        .as_ref()
        .map(|sp| sp.component_status.of(status, critical))
        .unwrap_or_else(|| flare::domain::ComponentPolicy::default().of(status, critical))
}

impl StatusPageEffect {
    fn update(&self, incident: &Incident, status: Status, message: Option<&str>) -> StatusUpdate {
        let components = self.config.statuspage.as_ref().map(|sp| {
            incident
                .services
                .iter()
                .filter_map(|s| sp.components.get(s).cloned())
                .collect::<Vec<_>>()
        });
        let body = match message {
            Some(m) => m.to_owned(),
            None => default_message(status).to_owned(),
        };
        StatusUpdate {
            name: public_name(&self.config, incident),
            status: PublicStatus::of(status),
            body,
            component_ids: components.unwrap_or_default(),
            component_status: component_status(&self.config, incident, status),
            deliver_notifications: true,
        }
    }
}

/// What the page says when nobody wrote a message (the resolution, a service added).
pub fn default_message(status: Status) -> &'static str {
    match status {
        Status::Triage | Status::Investigating => "We are investigating reports of a problem.",
        Status::Fixing => "We have found the cause and are working on a fix.",
        Status::Monitoring => "A fix is in place and we are monitoring the results.",
        Status::Resolved | Status::Closed | Status::Declined => "This incident has been resolved.",
    }
}

#[async_trait]
impl Effect for StatusPageEffect {
    fn name(&self) -> &'static str {
        "statuspage"
    }

    async fn run(&self, incident: &Incident, rec: &Recorded) -> Result<(), EffectError> {
        let (status, message) = match &rec.event {
            Event::StatusPublished { status, message } => (*status, message.as_deref()),
            // A resolution stored before `decide` recorded the public one itself.
            Event::StatusChanged {
                to: Status::Resolved,
                ..
            } if incident
                .published_status
                .is_some_and(|s| s != Status::Resolved) =>
            {
                (Status::Resolved, None)
            }
            // A service found affected later joins the public incident with its component.
            Event::ServiceAdded { service } => {
                match (incident.published_status, &self.config.statuspage) {
                    (Some(published), Some(sp))
                        if published != Status::Resolved && sp.components.contains_key(service) =>
                    {
                        (published, None)
                    }
                    _ => return Ok(()),
                }
            }
            _ => return Ok(()),
        };
        let Some(page) = &self.page else {
            return Err(EffectError::Permanent(
                "no status page configured (`statuspage:` in the configuration)".into(),
            ));
        };
        let update = self.update(incident, status, message);
        let refs = self.store.refs(&incident.id).await?;
        // Once per event: a retried effect after the vendor answered doesn't post twice.
        let done = format!("statuspage#{}", rec.version);
        if refs.contains_key(&done) {
            return Ok(());
        }
        let public = match refs.get("statuspage") {
            Some(id) => page.update(id, &update).await?,
            None => {
                let created = page.create(&update).await?;
                self.store
                    .set_ref(&incident.id, "statuspage", &created.id)
                    .await?;
                created
            }
        };
        self.store
            .set_ref(&incident.id, &done, &public.status)
            .await?;
        Ok(())
    }
}

/// The configured status page, its key read from SSM when first needed.
pub fn page_from_config(
    config: &Config,
    http: crate::http::Http,
    endpoints: &crate::Endpoints,
    secrets: Arc<dyn crate::secrets::Secrets>,
) -> Option<Arc<dyn StatusPage>> {
    let sp = config.statuspage.as_ref()?;
    Some(Arc::new(LazyStatuspage {
        http,
        base: endpoints.statuspage.clone(),
        page_id: sp.page_id.clone(),
        key_param: sp.api_key_param.clone(),
        secrets,
    }))
}

struct LazyStatuspage {
    http: crate::http::Http,
    base: String,
    page_id: String,
    key_param: String,
    secrets: Arc<dyn crate::secrets::Secrets>,
}

impl LazyStatuspage {
    async fn client(&self) -> Result<crate::statuspage::Statuspage, crate::IntegrationError> {
        let key = self.secrets.get(&self.key_param).await?;
        Ok(crate::statuspage::Statuspage::new(
            self.http.clone(),
            &self.base,
            &self.page_id,
            key,
        ))
    }
}

#[async_trait]
impl StatusPage for LazyStatuspage {
    async fn create(
        &self,
        update: &StatusUpdate,
    ) -> Result<crate::statuspage::PublicIncident, crate::statuspage::StatusPageError> {
        self.client().await?.create(update).await
    }
    async fn update(
        &self,
        id: &str,
        update: &StatusUpdate,
    ) -> Result<crate::statuspage::PublicIncident, crate::statuspage::StatusPageError> {
        self.client().await?.update(id, update).await
    }
}
