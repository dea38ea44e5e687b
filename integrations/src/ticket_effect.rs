//! Action items become tracker issues: on `TicketRequested` the issue is created once
//! (remembered as the incident ref `ticket#<n>`), and a `LinkTicket` command puts it on
//! the timeline (keyed by incident and item, so it lands once). Which tracker takes it
//! is the configuration's choice per incident ([`flare::config::Config::tracker_for`]);
//! the owner becomes the assignee where `tracker.people` knows their login.

use crate::statuspage::{Issue, IssueLink, IssueRef, Tracker};
use async_trait::async_trait;
use flare::bus::{CommandEnvelope, CommandQueue, Source};
use flare::config::TrackerChoice;
use flare::domain::{Actor, Command, Event, Incident, Recorded};
use flare::store::IncidentStore;
use flare::worker::{Effect, EffectError};
use std::collections::HashMap;
use std::sync::Arc;

pub struct TicketEffect {
    pub store: Arc<dyn IncidentStore>,
    pub queue: Arc<dyn CommandQueue>,
    /// The clients of the configured trackers.
    pub trackers: TrackerSet,
    /// Which tracker an incident's follow-ups go to, the labels and people's logins;
    /// and what a private incident may show outside Slack.
    pub config: Arc<flare::config::Config>,
    /// People's names for the issue (it is read outside Slack); `None`: user ids.
    pub names: Option<Arc<dyn flare::directory::Names>>,
}

/// A client per configured tracker: the default one and one per route, in the
/// configuration's order (`tracker.routes[i]` is `routes[i]`).
#[derive(Clone, Default)]
pub struct TrackerSet {
    pub default: Option<Arc<dyn Tracker>>,
    pub routes: Vec<Arc<dyn Tracker>>,
}

impl TrackerSet {
    fn get(&self, choice: TrackerChoice) -> Option<&Arc<dyn Tracker>> {
        match choice {
            TrackerChoice::Default => self.default.as_ref(),
            TrackerChoice::Route(i) => self.routes.get(i),
        }
    }
}

/// The link back to the incident's channel: Slack's redirect works in any workspace
/// and app. `None` before the channel exists, or for an id that isn't one.
pub fn channel_link(refs: &HashMap<String, String>) -> Option<IssueLink> {
    let id = refs.get("channel")?;
    let valid = !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric());
    valid.then(|| IssueLink {
        text: "Incident channel in Slack".into(),
        url: format!("https://slack.com/app_redirect?channel={id}"),
    })
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
        let refs = self.store.refs(&incident.id).await?;
        let made: IssueRef = match refs.get(&key) {
            Some(json) => {
                serde_json::from_str(json).map_err(|e| EffectError::Permanent(e.to_string()))?
            }
            None => {
                let chosen = self.config.tracker_for(incident);
                let Some((target, tracker)) =
                    chosen.and_then(|(c, t)| Some((t, self.trackers.get(c)?)))
                else {
                    return Err(EffectError::Permanent(
                        "no tracker configured (`tracker:` in the configuration)".into(),
                    ));
                };
                // The owner and anyone the item mentions, by name.
                let mut ids = flare::slack::mrkdwn::mentioned_users(&action.text);
                ids.extend(action.owner.as_ref().map(|o| o.to_string()));
                let names = match &self.names {
                    Some(n) if !ids.is_empty() => n.names(&ids).await,
                    _ => HashMap::new(),
                };
                let named = |id: &str| names.get(id).cloned();
                let owner = action
                    .owner
                    .as_ref()
                    .map(|o| match named(o.as_str()) {
                        Some(name) => format!("\n\nOwner: {name} (Slack {o})"),
                        None => format!("\n\nOwner in Slack: {o}"),
                    })
                    .unwrap_or_default();
                let text = flare::slack::mrkdwn::to_plain(&action.text, &named);
                let issue = Issue {
                    title: flare::domain::clip(&text, 200),
                    body: format!(
                        "Follow-up {number} of incident {}: {}{owner}",
                        incident.id,
                        self.config.outside_title(incident)
                    ),
                    labels: target.labels().to_vec(),
                    assignee: action
                        .owner
                        .as_ref()
                        .and_then(|o| self.config.tracker.login(target, o))
                        .map(str::to_owned),
                    link: channel_link(&refs),
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
                key: made.label(),
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

/// The configured trackers, each token read from SSM when first needed.
pub fn trackers_from_config(
    config: &flare::config::Config,
    http: crate::http::Http,
    endpoints: &crate::Endpoints,
    secrets: Arc<dyn crate::secrets::Secrets>,
) -> TrackerSet {
    let client = |t: &flare::config::Tracker| -> Arc<dyn Tracker> {
        match t {
            flare::config::Tracker::Github(g) => {
                let (owner, name) = g.repo.split_once('/').unwrap_or((g.repo.as_str(), ""));
                Arc::new(LazyGitHub {
                    http: http.clone(),
                    base: endpoints.github.clone(),
                    owner: owner.to_owned(),
                    repo: name.to_owned(),
                    token_param: g.token_param.clone(),
                    secrets: secrets.clone(),
                })
            }
            flare::config::Tracker::Jira(j) => Arc::new(LazyJira {
                http: http.clone(),
                base: endpoints.jira(&j.site).to_owned(),
                project: crate::statuspage::JiraProject {
                    site: j.site.clone(),
                    project: j.project.clone(),
                    issue_type: j.issue_type.clone(),
                    email: j.email.clone(),
                },
                token_param: j.token_param.clone(),
                secrets: secrets.clone(),
            }),
        }
    };
    TrackerSet {
        default: config.tracker.default.as_ref().map(client),
        routes: config
            .tracker
            .routes
            .iter()
            .map(|r| client(&r.tracker))
            .collect(),
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

struct LazyJira {
    http: crate::http::Http,
    base: String,
    project: crate::statuspage::JiraProject,
    token_param: String,
    secrets: Arc<dyn crate::secrets::Secrets>,
}

#[async_trait]
impl Tracker for LazyJira {
    async fn create_issue(
        &self,
        issue: &Issue,
    ) -> Result<IssueRef, crate::statuspage::TrackerError> {
        let token = self.secrets.get(&self.token_param).await?;
        let jira = crate::statuspage::Jira::new(
            self.http.clone(),
            &self.base,
            self.project.clone(),
            token,
        );
        jira.create_issue(issue).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_link_back_is_slack_s_redirect_to_the_channel() {
        let refs = HashMap::from([("channel".to_owned(), "C0123ABC".to_owned())]);
        let link = channel_link(&refs).unwrap();
        assert_eq!(link.url, "https://slack.com/app_redirect?channel=C0123ABC");
        assert!(channel_link(&HashMap::new()).is_none());
        let odd = HashMap::from([("channel".to_owned(), "C1&x=<y>".to_owned())]);
        assert!(channel_link(&odd).is_none());
    }
}
