//! Action items become tracker issues: on `TicketRequested` the issue is created once
//! (remembered as the incident ref `ticket#<n>`), and a `LinkTicket` command puts it on
//! the timeline (keyed by incident and item, so it lands once).

use crate::statuspage::{Issue, IssueRef, Tracker};
use async_trait::async_trait;
use flare::bus::{CommandEnvelope, CommandQueue, Source};
use flare::domain::{Actor, Command, Event, Incident, Recorded};
use flare::store::IncidentStore;
use flare::worker::{Effect, EffectError};
use std::sync::Arc;

pub struct TicketEffect {
    pub store: Arc<dyn IncidentStore>,
    pub queue: Arc<dyn CommandQueue>,
    /// `None` when no tracker is configured: asking for a ticket is then reported.
    pub tracker: Option<Arc<dyn Tracker>>,
    pub labels: Vec<String>,
    /// For what a private incident may show outside Slack.
    pub config: Arc<flare::config::Config>,
}

#[async_trait]
impl Effect for TicketEffect {
    fn name(&self) -> &'static str {
        "tickets"
    }

    async fn run(&self, incident: &Incident, rec: &Recorded) -> Result<(), EffectError> {
        let Event::TicketRequested { number } = rec.event else {
            return Ok(());
        };
        let Some(action) = incident.actions.iter().find(|a| a.number == number) else {
            return Ok(());
        };
        let key = format!("ticket#{number}");
        let made: IssueRef = match self.store.refs(&incident.id).await?.get(&key) {
            Some(json) => {
                serde_json::from_str(json).map_err(|e| EffectError::Permanent(e.to_string()))?
            }
            None => {
                let Some(tracker) = &self.tracker else {
                    return Err(EffectError::Permanent(
                        "no tracker configured (`tracker:` in the configuration)".into(),
                    ));
                };
                let owner = action
                    .owner
                    .as_ref()
                    .map(|o| format!("\n\nOwner in Slack: {o}"))
                    .unwrap_or_default();
                let issue = Issue {
                    title: flare::domain::clip(&action.text, 200),
                    body: format!(
                        "Follow-up {number} of incident `{}`: {}{owner}",
                        incident.id,
                        self.config.outside_title(incident)
                    ),
                    labels: self.labels.clone(),
                };
                let made = tracker.create_issue(&issue).await?;
                let json = serde_json::to_string(&made)
                    .map_err(|e| EffectError::Permanent(e.to_string()))?;
                self.store.set_ref(&incident.id, &key, &json).await?;
                made
            }
        };
        let link = CommandEnvelope {
            id: format!("ticket#{}#{number}", incident.id),
            incident: Some(incident.id.clone()),
            command: Command::LinkTicket {
                number,
                key: format!("#{}", made.number),
                url: made.html_url,
            },
            actor: Actor::system("tracker"),
            source: Source::Slack,
            received_at: rec.at,
            reply: None,
        };
        self.queue
            .send(&link)
            .await
            .map_err(|e| EffectError::Transient(e.to_string()))
    }
}

/// The configured tracker, its token read from SSM when first needed.
pub fn tracker_from_config(
    config: &flare::config::Config,
    http: crate::http::Http,
    endpoints: &crate::Endpoints,
    secrets: Arc<dyn crate::secrets::Secrets>,
) -> (Option<Arc<dyn Tracker>>, Vec<String>) {
    match &config.tracker {
        Some(flare::config::Tracker::Github {
            repo,
            token_param,
            labels,
        }) => {
            let (owner, name) = repo.split_once('/').unwrap_or((repo.as_str(), ""));
            let lazy = LazyGitHub {
                http,
                base: endpoints.github.clone(),
                owner: owner.to_owned(),
                repo: name.to_owned(),
                token_param: token_param.clone(),
                secrets,
            };
            (Some(Arc::new(lazy)), labels.clone())
        }
        None => (None, Vec::new()),
    }
}

struct LazyGitHub {
    http: crate::http::Http,
    base: String,
    owner: String,
    repo: String,
    token_param: String,
    secrets: Arc<dyn crate::secrets::Secrets>,
}

#[async_trait]
impl Tracker for LazyGitHub {
    async fn create_issue(
        &self,
        issue: &Issue,
    ) -> Result<IssueRef, crate::statuspage::TrackerError> {
        let token = self.secrets.get(&self.token_param).await?;
        let github = crate::statuspage::GitHub::new(
            self.http.clone(),
            &self.base,
            &self.owner,
            &self.repo,
            token,
        );
        github.create_issue(issue).await
    }
}
