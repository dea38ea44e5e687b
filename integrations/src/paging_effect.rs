//! `PagingEffect` (effect name `paging`): pages on-call when the events say so.
//!
//! * `Declared` (not triage, `page_oncall`): each affected service's on-call, or
//!   `oncall.default` when none of them has one.
//! * `Declared` as a triage report suggested at a critical severity: the triage
//!   rotation (`oncall.triage.page`).
//! * `StatusChanged` triage → investigating at a critical severity: the same as a
//!   declaration.
//! * `ServiceAdded` while an incident is active at a critical severity: that
//!   service's on-call (once: an open page to the same target is not made again).
//! * `Escalated`: coordinators / incident manager rotations (a named user is invited
//!   by the Slack effect, not paged).
//! * `Acknowledged`: acknowledges open pages. Resolved (or closed, declined):
//!   resolves every page. A reopen does not page again by itself.
//! * `PageAcknowledged` / `PageResolved` (the pager said so): the record follows,
//!   with no call back to the pager.
//!
//! Each page the vendor took is put on the timeline with a `RecordPage` command (keyed
//! by incident, target and event, so it lands once): the card shows who was paged.
//!
//! Idempotent per (event, effect): each target's page is remembered as the incident
//! ref `page#<target>` (JSON [`PageRecord`]), written right after the vendor answered;
//! the dedup key `flare-<incident>-<target>` makes a repeated trigger harmless.

use crate::IntegrationError;
use crate::pager::{Link, Page, PageRef, PageSeverity, Pagers};
use async_trait::async_trait;
use flare::bus::{CommandEnvelope, CommandQueue, Source};
use flare::config::{Config, OnCallTarget};
use flare::domain::{
    Actor, Command, EscalationTarget, Event, Incident, IncidentId, PageNote, Recorded, Status,
};
use flare::store::IncidentStore;
use flare::worker::{Effect, EffectError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Incident refs of pages start with this.
pub const PAGE_REF_PREFIX: &str = "page#";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageState {
    Open,
    Acknowledged,
    Resolved,
}

/// What is stored under `page#<target>`: enough to acknowledge and resolve later,
/// even if the configuration changed meanwhile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRecord {
    pub target: OnCallTarget,
    pub page: PageRef,
    pub state: PageState,
    /// The event (version) that triggered it.
    pub event: u64,
}

/// Whom to page, and how people call them.
pub struct Target {
    pub target: OnCallTarget,
    pub label: String,
    pub service: Option<String>,
}

pub struct PagingEffect {
    config: Arc<Config>,
    store: Arc<dyn IncidentStore>,
    pagers: Pagers,
    /// Where `RecordPage` goes.
    queue: Arc<dyn CommandQueue>,
    /// Names who is on call now on the timeline, for services with a schedule.
    on_call: Option<Arc<dyn flare::directory::OnCallNow>>,
}

impl PagingEffect {
    pub fn new(
        config: Arc<Config>,
        store: Arc<dyn IncidentStore>,
        pagers: Pagers,
        queue: Arc<dyn CommandQueue>,
    ) -> Self {
        Self {
            config,
            store,
            pagers,
            queue,
            on_call: None,
        }
    }

    pub fn with_on_call(mut self, on_call: Option<Arc<dyn flare::directory::OnCallNow>>) -> Self {
        self.on_call = on_call;
        self
    }

    /// `Checkout API on-call (Bob Brown)` when the schedule says who that is.
    async fn label(&self, label: &str, service: &Option<String>) -> String {
        let schedule = service
            .as_deref()
            .and_then(|s| self.config.service(s))
            .and_then(|s| s.schedule.as_ref());
        let (Some(schedule), Some(on_call)) = (schedule, &self.on_call) else {
            return label.to_owned();
        };
        match on_call.on_call(schedule).await {
            Ok(people) if !people.is_empty() => {
                let names: Vec<String> = people
                    .into_iter()
                    .map(|p| p.name.unwrap_or(p.email))
                    .collect();
                format!("{label} ({})", names.join(", "))
            }
            _ => label.to_owned(),
        }
    }

    /// A service's own on-call, if it has one.
    fn service_target(&self, service: &str) -> Option<Target> {
        let s = self.config.service(service)?;
        Some(Target {
            target: s.oncall.clone()?,
            label: format!("{} on-call", s.name),
            service: Some(s.id.clone()),
        })
    }

    fn named(target: &Option<OnCallTarget>, label: &str) -> Option<Target> {
        Some(Target {
            target: target.clone()?,
            label: label.to_owned(),
            service: None,
        })
    }

    /// The on-call of the affected services, or the default one.
    fn service_targets(&self, services: &[String]) -> Result<Vec<Target>, EffectError> {
        let mut targets: Vec<Target> = services
            .iter()
            .filter_map(|s| self.service_target(s))
            .collect();
        if targets.is_empty() {
            targets.extend(Self::named(
                &self.config.oncall.default,
                "the default on-call",
            ));
        }
        if targets.is_empty() {
            return Err(EffectError::Permanent(
                "nobody was paged, because none of the affected services has an on-call rotation and no default rotation is set (`oncall.default` in the configuration). Page someone by hand, or add the affected service with `/incident service add <service>` (`/incident services` lists them)".into(),
            ));
        }
        Ok(targets)
    }

    async fn trigger(
        &self,
        incident: &Incident,
        event: &Recorded,
        targets: Vec<Target>,
    ) -> Result<(), EffectError> {
        let refs = self.refs(&incident.id).await?;
        let mut seen = Vec::new();
        let mut failures = Vec::new();
        for Target {
            target,
            label,
            service,
        } in targets
        {
            let key = target_key(&target);
            if seen.contains(&key) {
                continue;
            }
            seen.push(key.clone());
            let ref_key = format!("{PAGE_REF_PREFIX}{key}");
            if let Some(old) = refs.get(&ref_key).and_then(|v| parse_record(v)) {
                // Done by an earlier run of this event (its note may still be owed), or
                // the alert is still open.
                if old.event == event.version {
                    self.record(incident, event, &old.page.key, &target, &label, &service)
                        .await?;
                    continue;
                }
                if old.state != PageState::Resolved {
                    continue;
                }
            }
            let page = self.page(incident, &refs, &key);
            let outcome = async {
                let pager = self.pagers.for_target(&target).await?;
                pager.trigger(&page).await
            }
            .await;
            match outcome {
                Ok(page) => {
                    let dedup = page.key.clone();
                    let record = PageRecord {
                        target: target.clone(),
                        page,
                        state: PageState::Open,
                        event: event.version,
                    };
                    self.save(&incident.id, &ref_key, &record).await?;
                    tracing::info!(incident = %incident.id, target = %key, "paged");
                    self.record(incident, event, &dedup, &target, &label, &service)
                        .await?;
                }
                Err(e) => {
                    tracing::warn!(incident = %incident.id, target = %key, error = %e, "paging failed");
                    failures.push(e);
                }
            }
        }
        combine(failures)
    }

    /// Puts the page on the timeline (once: keyed by incident, target and event).
    async fn record(
        &self,
        incident: &Incident,
        event: &Recorded,
        dedup: &str,
        target: &OnCallTarget,
        label: &str,
        service: &Option<String>,
    ) -> Result<(), EffectError> {
        let vendor = match target {
            OnCallTarget::Pagerduty { .. } => "pagerduty",
            OnCallTarget::Opsgenie { .. } => "opsgenie",
        };
        // The pager's webhooks name only the page: this finds the incident.
        self.store
            .put_index(flare::store::Index::Page, dedup, &incident.id)
            .await
            .map_err(|e| EffectError::Transient(e.to_string()))?;
        let label = self.label(label, service).await;
        let env = CommandEnvelope {
            id: format!(
                "paged#{}#{}#{}",
                incident.id,
                target_key(target),
                event.version
            ),
            incident: Some(incident.id.clone()),
            command: Command::RecordPage(Box::new(PageNote {
                key: dedup.to_owned(),
                vendor: vendor.into(),
                label,
                service: service.clone(),
            })),
            actor: Actor::system("paging"),
            source: Source::Slack,
            received_at: event.at,
            reply: None,
        };
        self.queue
            .send(&env)
            .await
            .map_err(|e| EffectError::Transient(e.to_string()))
    }

    /// The pager moved a page itself: the record follows, with no call back.
    async fn follow(
        &self,
        incident: &Incident,
        key: &str,
        to: PageState,
    ) -> Result<(), EffectError> {
        let refs = self.refs(&incident.id).await?;
        for (ref_key, value) in refs.iter().filter(|(k, _)| k.starts_with(PAGE_REF_PREFIX)) {
            let Some(mut record) = parse_record(value) else {
                continue;
            };
            if record.page.key == key && record.state != PageState::Resolved && record.state != to {
                record.state = to;
                self.save(&incident.id, ref_key, &record).await?;
            }
        }
        Ok(())
    }

    /// Moves every page not yet in `to` (and not past it) there.
    async fn change_all(&self, incident: &Incident, to: PageState) -> Result<(), EffectError> {
        let refs = self.refs(&incident.id).await?;
        let mut failures = Vec::new();
        let mut pages: Vec<(&String, PageRecord)> = refs
            .iter()
            .filter(|(k, _)| k.starts_with(PAGE_REF_PREFIX))
            .filter_map(|(k, v)| Some((k, parse_record(v)?)))
            .collect();
        pages.sort_by(|a, b| a.0.cmp(b.0));
        for (ref_key, mut record) in pages {
            let wanted = match to {
                PageState::Acknowledged => record.state == PageState::Open,
                PageState::Resolved => record.state != PageState::Resolved,
                PageState::Open => false,
            };
            if !wanted {
                continue;
            }
            let outcome = async {
                let pager = self.pagers.for_target(&record.target).await?;
                match to {
                    PageState::Resolved => pager.resolve(&record.page).await,
                    _ => pager.acknowledge(&record.page).await,
                }
            }
            .await;
            match outcome {
                Ok(()) => {
                    record.state = to;
                    self.save(&incident.id, ref_key, &record).await?;
                }
                Err(e) => {
                    tracing::warn!(incident = %incident.id, page = %ref_key, error = %e, "page update failed");
                    failures.push(e);
                }
            }
        }
        combine(failures)
    }

    fn page(&self, incident: &Incident, refs: &HashMap<String, String>, key: &str) -> Page {
        let scale = self.config.severity_scale();
        let links = refs
            .get("channel")
            .map(|c| Link {
                href: format!("https://slack.com/app_redirect?channel={c}"),
                text: format!(
                    "Slack channel {}{}",
                    self.config.channels.prefix, incident.id
                ),
            })
            .into_iter()
            .collect();
        let mut details = BTreeMap::new();
        details.insert("incident".to_owned(), incident.id.to_string());
        details.insert("severity".to_owned(), incident.severity.to_string());
        details.insert("status".to_owned(), incident.status.to_string());
        if !incident.impact.is_empty() {
            details.insert("impact".to_owned(), incident.impact.clone());
        }
        if !incident.services.is_empty() {
            details.insert("services".to_owned(), incident.services.join(", "));
        }
        let description = [incident.impact.as_str(), incident.description.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("\n\n");
        Page {
            dedup_key: dedup_key(&incident.id, key),
            summary: format!(
                "[{}] {} ({})",
                incident.severity, incident.title, incident.id
            ),
            description,
            severity: PageSeverity::of(scale, &incident.severity),
            source: "flare".into(),
            component: (!incident.services.is_empty()).then(|| incident.services.join(",")),
            links,
            custom_details: details,
            timestamp: incident.declared_at,
            tags: vec!["flare".into(), incident.severity.to_string()],
        }
    }

    async fn refs(&self, id: &IncidentId) -> Result<HashMap<String, String>, EffectError> {
        self.store
            .refs(id)
            .await
            .map_err(|e| EffectError::Transient(e.to_string()))
    }

    async fn save(&self, id: &IncidentId, key: &str, r: &PageRecord) -> Result<(), EffectError> {
        let json = serde_json::to_string(r)
            .map_err(|e| EffectError::Permanent(format!("page record: {e}")))?;
        self.store
            .set_ref(id, key, &json)
            .await
            .map_err(|e| EffectError::Transient(e.to_string()))
    }
}

#[async_trait]
impl Effect for PagingEffect {
    fn name(&self) -> &'static str {
        "paging"
    }

    async fn run(&self, incident: &Incident, event: &Recorded) -> Result<(), EffectError> {
        match &event.event {
            Event::Declared(d) if !d.triage && d.page_oncall => {
                let targets = self.service_targets(&d.services)?;
                self.trigger(incident, event, targets).await
            }
            // A mailed report that looks critical wakes the triage rotation, once.
            Event::Declared(d)
                if d.triage && self.config.severity_scale().is_critical(&d.severity) =>
            {
                match Self::named(&self.config.oncall.triage.page, "the triage on-call") {
                    Some(t) => self.trigger(incident, event, vec![t]).await,
                    None => Ok(()),
                }
            }
            Event::ServiceAdded { service }
                if incident.status.is_active()
                    && incident.status != Status::Triage
                    && self.config.severity_scale().is_critical(&incident.severity) =>
            {
                match self.service_target(service) {
                    Some(t) => self.trigger(incident, event, vec![t]).await,
                    None => Ok(()),
                }
            }
            Event::PageAcknowledged { key, .. } => {
                self.follow(incident, key, PageState::Acknowledged).await
            }
            Event::PageResolved { key, .. } => {
                self.follow(incident, key, PageState::Resolved).await
            }
            Event::StatusChanged {
                from: Status::Triage,
                to: Status::Investigating,
                ..
            } if self.config.severity_scale().is_critical(&incident.severity) => {
                let targets = self.service_targets(&incident.services)?;
                self.trigger(incident, event, targets).await
            }
            Event::Escalated { target } => {
                let (configured, what) = match target {
                    EscalationTarget::Coordinators => (
                        &self.config.oncall.coordinators,
                        "no coordinator rotation configured",
                    ),
                    EscalationTarget::IncidentManager => (
                        &self.config.oncall.incident_manager,
                        "no incident manager on-call configured",
                    ),
                    EscalationTarget::User { .. } => return Ok(()),
                };
                let label = match target {
                    EscalationTarget::Coordinators => "the coordinator rotation",
                    _ => "the incident manager on-call",
                };
                let target = Self::named(configured, label)
                    .ok_or_else(|| EffectError::Permanent(what.into()))?;
                self.trigger(incident, event, vec![target]).await
            }
            Event::Acknowledged => self.change_all(incident, PageState::Acknowledged).await,
            Event::StatusChanged {
                to: Status::Resolved | Status::Closed | Status::Declined,
                ..
            } => self.change_all(incident, PageState::Resolved).await,
            _ => Ok(()),
        }
    }
}

/// A stable, readable name for a target: `pagerduty-<param>`, `opsgenie-<region>-<team>`.
pub fn target_key(target: &OnCallTarget) -> String {
    let raw = match target {
        OnCallTarget::Pagerduty { routing_key_param } => format!("pagerduty-{routing_key_param}"),
        OnCallTarget::Opsgenie { responder, region } => {
            let region = match region {
                flare::config::OpsgenieRegion::Us => "us",
                flare::config::OpsgenieRegion::Eu => "eu",
            };
            format!("opsgenie-{region}-{responder}")
        }
    };
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        let c = c.to_ascii_lowercase();
        let c = if c.is_ascii_alphanumeric() { c } else { '-' };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out.trim_matches('-').to_owned()
}

/// `flare-<incident id>-<target key>`, at most 255 characters (PagerDuty's limit).
pub fn dedup_key(id: &IncidentId, target_key: &str) -> String {
    let mut key = format!("flare-{id}-{target_key}");
    key.truncate(255);
    key
}

fn parse_record(v: &str) -> Option<PageRecord> {
    serde_json::from_str(v).ok()
}

/// Transient wins (a retry may fix it); else the permanent messages joined.
fn combine(failures: Vec<IntegrationError>) -> Result<(), EffectError> {
    if failures.is_empty() {
        return Ok(());
    }
    let transient = failures.iter().any(IntegrationError::is_transient);
    let message = failures
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    Err(if transient {
        EffectError::Transient(message)
    } else {
        EffectError::Permanent(message)
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::pager::PageSeverity;
    use flare::domain::SeverityScale;

    #[test]
    fn keys_are_stable_and_safe() {
        let t = OnCallTarget::Opsgenie {
            responder: "Discovery On-Call".into(),
            region: flare::config::OpsgenieRegion::Eu,
        };
        assert_eq!(target_key(&t), "opsgenie-eu-discovery-on-call");
        let p = OnCallTarget::Pagerduty {
            routing_key_param: "/flare/pd/payments".into(),
        };
        assert_eq!(target_key(&p), "pagerduty-flare-pd-payments");
        let id = IncidentId::parse("20250304-brave-otter").unwrap();
        assert_eq!(
            dedup_key(&id, &target_key(&p)),
            "flare-20250304-brave-otter-pagerduty-flare-pd-payments"
        );
        assert!(dedup_key(&id, &"x".repeat(400)).len() <= 255);
    }

    #[test]
    fn severities_map_to_vendor_levels() {
        let scale = SeverityScale::default();
        let of = |s: &str| PageSeverity::of(&scale, &scale.parse(s).unwrap());
        assert_eq!(of("S1"), PageSeverity::Critical);
        assert_eq!(of("S2"), PageSeverity::Critical);
        assert_eq!(of("S3"), PageSeverity::Error);
        assert_eq!(of("S4"), PageSeverity::Warning);
        assert_eq!(PageSeverity::Critical.priority(), "P1");
    }
}
