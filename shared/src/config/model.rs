//! The configuration's shape: `Raw*` is what the YAML holds, the rest is checked.

use crate::domain::{SeverityLevel, SeverityScale, UserId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    #[serde(default)]
    pub severities: Option<Vec<SeverityLevel>>,
    #[serde(default)]
    pub channels: Channels,
    #[serde(default)]
    pub services: Vec<RawService>,
    #[serde(default)]
    pub customers: Vec<RawCustomer>,
    #[serde(default)]
    pub oncall: OnCall,
    #[serde(default)]
    pub reminders: Reminders,
    #[serde(default)]
    #[cfg_attr(test, schemars(schema_with = "super::schema_tests::triage_schema"))]
    pub triage: super::triage::TriagePolicy,
    #[serde(default)]
    pub tracker: Option<RawTracker>,
    #[serde(default)]
    pub statuspage: Option<StatusPageConfig>,
    #[serde(default)]
    pub permissions: Permissions,
    /// The organisation's IANA time zone (`Europe/Berlin`): shown beside UTC in
    /// postmortems.
    #[serde(default)]
    pub timezone: Option<String>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(super) struct RawService {
    pub id: String,
    pub name: Option<String>,
    pub team: String,
    #[serde(default)]
    pub slack_users: Vec<String>,
    #[serde(default)]
    pub slack_group: Option<String>,
    #[serde(default)]
    pub oncall: Option<OnCallTarget>,
    #[serde(default)]
    pub schedule: Option<OnCallSchedule>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(super) struct RawCustomer {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub mail_domains: Vec<String>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
}

/// A checked configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Config {
    pub severities: SeverityScale,
    pub channels: Channels,
    pub services: Vec<Service>,
    pub customers: Vec<Customer>,
    pub oncall: OnCall,
    pub reminders: Reminders,
    /// Which mail may open a triage incident, and at which severity.
    pub triage: super::triage::TriagePolicy,
    /// Where action items become tickets: a default tracker, routes per team or
    /// service, and people's tracker logins.
    pub tracker: Trackers,
    /// The public status page, if any.
    pub statuspage: Option<StatusPageConfig>,
    /// Who may do what.
    pub permissions: Permissions,
    /// The organisation's time zone, shown beside UTC in postmortems.
    pub timezone: Option<chrono_tz::Tz>,
}

/// Who may run which `/incident` subcommand; anything in neither list is open to
/// everyone. Incident managers may do everything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Permissions {
    /// A Slack user group id (`S…`) whose members act as coordinators everywhere.
    #[serde(default)]
    pub incident_managers: Option<String>,
    /// Reserved to the coordinator (and incident managers).
    #[serde(default = "coordinator_default")]
    pub coordinator_only: Vec<String>,
    /// Open to the incident channel's members.
    #[serde(default = "members_default")]
    pub members_only: Vec<String>,
    /// May a private incident's title leave Slack (tracker issues, the status page)?
    /// Off by default: they get a neutral title instead.
    #[serde(default)]
    pub share_private_titles: bool,
}

fn coordinator_default() -> Vec<String> {
    crate::domain::COORDINATOR_DEFAULT
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

fn members_default() -> Vec<String> {
    crate::domain::MEMBERS_DEFAULT
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

impl Default for Permissions {
    fn default() -> Self {
        Self {
            incident_managers: None,
            coordinator_only: coordinator_default(),
            members_only: members_default(),
            share_private_titles: false,
        }
    }
}

/// Atlassian Statuspage: the page, its API key (an SSM parameter name), and which
/// component each service is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StatusPageConfig {
    pub page_id: String,
    pub api_key_param: String,
    #[serde(default)]
    pub components: std::collections::BTreeMap<String, String>,
    /// The component status each stage shows (`monitoring: degraded_performance`);
    /// stages left out take the defaults of [`crate::domain::ComponentPolicy`].
    #[serde(default)]
    pub component_status: crate::domain::ComponentPolicy,
}

/// `tracker:` as written: the default tracker (at most one of `github`, `jira`), routes
/// that send some teams' or services' follow-ups elsewhere, and people's logins.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(super) struct RawTracker {
    #[serde(default)]
    pub github: Option<GithubTracker>,
    #[serde(default)]
    pub jira: Option<JiraTracker>,
    #[serde(default)]
    pub routes: Vec<RawTrackerRoute>,
    #[serde(default)]
    pub people: Vec<TrackerPerson>,
}

/// One route: `team` or `service` (one of them), and `github` or `jira` (one of them).
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(super) struct RawTrackerRoute {
    #[serde(default)]
    pub team: Option<String>,
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default)]
    pub github: Option<GithubTracker>,
    #[serde(default)]
    pub jira: Option<JiraTracker>,
}

/// GitHub issues in one repository. The token is an SSM parameter name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct GithubTracker {
    /// `owner/name`
    pub repo: String,
    pub token_param: String,
    #[serde(default)]
    pub labels: Vec<String>,
}

/// Jira Cloud issues in one project (REST API v3, basic auth `email:api token`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct JiraTracker {
    /// `https://<name>.atlassian.net`; issue links are `<site>/browse/<key>`.
    pub site: String,
    /// The project key (`PAY`).
    pub project: String,
    /// The issue type's name in that project.
    #[serde(default = "jira_task")]
    pub issue_type: String,
    /// The Atlassian account the API token belongs to.
    pub email: String,
    /// SSM parameter (SecureString) holding that account's API token.
    pub token_param: String,
    /// Jira labels (no spaces).
    #[serde(default)]
    pub labels: Vec<String>,
}

fn jira_task() -> String {
    "Task".into()
}

/// One tracker that action items become tickets in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tracker {
    Github(GithubTracker),
    Jira(JiraTracker),
}

impl Tracker {
    pub fn labels(&self) -> &[String] {
        match self {
            Tracker::Github(g) => &g.labels,
            Tracker::Jira(j) => &j.labels,
        }
    }
}

/// What a route matches: a service id, or a team (any service of that team).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteMatch {
    Team(String),
    Service(String),
}

/// A checked route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackerRoute {
    pub matches: RouteMatch,
    pub tracker: Tracker,
}

/// A person's logins in the trackers, so their action items get them as assignee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TrackerPerson {
    /// Their Slack user id (`U…`).
    pub slack: String,
    /// Their GitHub login.
    #[serde(default)]
    pub github: Option<String>,
    /// Their Atlassian account id.
    #[serde(default)]
    pub jira: Option<String>,
}

/// Which configured tracker a follow-up goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackerChoice {
    /// `tracker.github` or `tracker.jira`.
    Default,
    /// `tracker.routes[i]`.
    Route(usize),
}

/// The checked `tracker:` section. With nothing configured, asking for a ticket is
/// reported as such.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Trackers {
    pub default: Option<Tracker>,
    pub routes: Vec<TrackerRoute>,
    pub people: Vec<TrackerPerson>,
}

impl Trackers {
    /// The route for an incident's follow-ups: its services in the incident's order,
    /// the first one that a route names (by its id first, else by its team) wins;
    /// without one, the default tracker. `None` when neither exists.
    pub fn choose(
        &self,
        services: &[Service],
        incident_services: &[String],
    ) -> Option<(TrackerChoice, &Tracker)> {
        let routed = incident_services.iter().find_map(|id| {
            let team = services.iter().find(|s| &s.id == id).map(|s| &s.team);
            let by_service = self
                .routes
                .iter()
                .position(|r| matches!(&r.matches, RouteMatch::Service(s) if s == id));
            let by_team = || {
                self.routes
                    .iter()
                    .position(|r| matches!(&r.matches, RouteMatch::Team(t) if Some(t) == team))
            };
            by_service.or_else(by_team)
        });
        match routed {
            Some(i) => self
                .routes
                .get(i)
                .map(|r| (TrackerChoice::Route(i), &r.tracker)),
            None => self.default.as_ref().map(|t| (TrackerChoice::Default, t)),
        }
    }

    /// The person's login in the kind of tracker given, if configured.
    pub fn login(&self, tracker: &Tracker, slack: &UserId) -> Option<&str> {
        let person = self.people.iter().find(|p| p.slack == slack.as_str())?;
        match tracker {
            Tracker::Github(_) => person.github.as_deref(),
            Tracker::Jira(_) => person.jira.as_deref(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct Channels {
    /// Incident channels are `<prefix><name>`.
    pub prefix: String,
    /// Where declarations are announced (and the announcement kept up to date).
    pub incidents: String,
    /// Where triage mail and quarantine notes go.
    pub triage: String,
    /// The call responders join: a link, `{incident}` replaced by the incident's name
    /// (`https://meet.example.com/flare-{incident}`). `/incident call <url>` overrides it.
    pub call_link: Option<String>,
    /// Channels told of incidents at a severity, beyond the incidents channel
    /// (`S1: [announcements]`): the declaration, status and severity changes in its
    /// thread, and the resolution. Never for private incidents.
    pub broadcast: std::collections::BTreeMap<String, Vec<String>>,
}

impl Default for Channels {
    fn default() -> Self {
        Self {
            prefix: "inc-".into(),
            incidents: "incidents".into(),
            triage: "incident-triage".into(),
            call_link: None,
            broadcast: Default::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub id: String,
    pub name: String,
    pub team: String,
    /// Invited to the incident channel when the service is affected.
    pub slack_users: Vec<UserId>,
    /// Slack user group (`S…`) whose members are invited too.
    pub slack_group: Option<String>,
    /// Paged when the service is affected; else `oncall.default`.
    pub oncall: Option<OnCallTarget>,
    /// Whose turn it is: they are invited instead of `slack_users` (the fallback when
    /// the pager can't say).
    pub schedule: Option<OnCallSchedule>,
}

/// A pager schedule, asked who is on call now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum OnCallSchedule {
    Pagerduty {
        /// The schedule's id (`P…`).
        schedule_id: String,
        /// SSM parameter (SecureString) holding a read-only REST API token.
        api_token_param: String,
    },
    Opsgenie {
        /// The schedule's name; asked with the Opsgenie key (it needs read access).
        schedule: String,
        #[serde(default)]
        region: OpsgenieRegion,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Customer {
    pub id: String,
    pub name: String,
    /// Lowercase; mail from these domains is matched to the customer.
    pub mail_domains: Vec<String>,
    pub contacts: Vec<Contact>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub name: String,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

/// Who gets paged. Secrets are never in this file: only the names of the SSM
/// parameters or Secrets Manager secrets that hold them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum OnCallTarget {
    Pagerduty {
        /// SSM parameter (SecureString) holding the Events API v2 routing key.
        routing_key_param: String,
    },
    Opsgenie {
        /// Opsgenie team (or schedule) that receives the alert.
        responder: String,
        #[serde(default)]
        region: OpsgenieRegion,
    },
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum OpsgenieRegion {
    #[default]
    Us,
    Eu,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct OnCall {
    /// Paged for a critical incident with no affected service that has its own.
    pub default: Option<OnCallTarget>,
    /// The coordinator rotation (`/incident escalate`).
    pub coordinators: Option<OnCallTarget>,
    /// The incident manager on-call (`/incident escalate imoc`).
    pub incident_manager: Option<OnCallTarget>,
    /// Who answers mailed reports.
    pub triage: TriageResponders,
}

/// Invited to every triage channel, mentioned in its notice, paged for a report
/// suggested at a critical severity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct TriageResponders {
    /// A Slack user group id (`S…`): its members are invited, the group is mentioned.
    pub slack_group: Option<String>,
    /// Slack user ids invited besides the group.
    pub slack_users: Vec<String>,
    /// Paged once for a report suggested at a critical severity.
    pub page: Option<OnCallTarget>,
}

impl TriageResponders {
    /// The listed people (checked when the configuration was read).
    pub fn users(&self) -> Vec<UserId> {
        self.slack_users
            .iter()
            .filter_map(|u| UserId::parse(u))
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct Reminders {
    /// A critical incident without a coordinator after this long gets a nudge.
    pub unassigned_coordinator_minutes: u32,
    /// A triage incident nobody acknowledged after this long re-pings on-call.
    pub triage_ack_minutes: u32,
    /// After this long in monitoring, Flare asks whether to resolve.
    pub monitoring_window_minutes: u32,
    /// A resolved incident's postmortem owner is reminded after this many days.
    pub postmortem_due_days: u32,
    /// Update nudges in these statuses come at most this often, whatever the
    /// severity's cadence: a fix being watched needs fewer updates.
    pub update_every_minutes_by_status: StatusCadence,
}

/// Update nudges at most this often (minutes) in an active status; unset: the
/// severity's cadence alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct StatusCadence {
    pub investigating: Option<u32>,
    pub fixing: Option<u32>,
    pub monitoring: Option<u32>,
}

impl Default for StatusCadence {
    fn default() -> Self {
        Self {
            investigating: None,
            fixing: None,
            monitoring: Some(60),
        }
    }
}

impl StatusCadence {
    pub fn set(&self) -> Vec<(crate::domain::Status, u32)> {
        use crate::domain::Status;
        [
            (Status::Investigating, self.investigating),
            (Status::Fixing, self.fixing),
            (Status::Monitoring, self.monitoring),
        ]
        .into_iter()
        .filter_map(|(s, m)| Some((s, m?)))
        .collect()
    }
}

impl Default for Reminders {
    fn default() -> Self {
        Self {
            unassigned_coordinator_minutes: 5,
            triage_ack_minutes: 10,
            monitoring_window_minutes: 60,
            postmortem_due_days: 5,
            update_every_minutes_by_status: StatusCadence::default(),
        }
    }
}

impl Reminders {
    pub fn timers(&self) -> crate::domain::Timers {
        crate::domain::Timers {
            unassigned_coordinator_minutes: self.unassigned_coordinator_minutes,
            triage_ack_minutes: self.triage_ack_minutes,
            monitoring_window_minutes: self.monitoring_window_minutes,
            postmortem_due_days: self.postmortem_due_days,
        }
    }
}

impl Config {
    /// What the permission rules need from the configuration.
    pub fn access_policy(&self) -> crate::domain::AccessPolicy {
        crate::domain::AccessPolicy {
            members: self.permissions.members_only.clone(),
            coordinator: self.permissions.coordinator_only.clone(),
            managers: self.permissions.incident_managers.clone(),
        }
    }

    /// The incident's title as systems outside Slack may show it: a private incident's
    /// stays in Slack unless `permissions.share_private_titles` says otherwise.
    pub fn outside_title<'a>(&self, incident: &'a crate::domain::Incident) -> &'a str {
        if incident.private && !self.permissions.share_private_titles {
            "Private incident"
        } else {
            &incident.title
        }
    }

    /// The call of an incident: the one set for it, else the configured one.
    pub fn call_link(&self, incident: &crate::domain::Incident) -> Option<String> {
        incident.call_url.clone().or_else(|| {
            self.channels
                .call_link
                .as_ref()
                .map(|t| t.replace("{incident}", incident.id.as_str()))
        })
    }

    /// What the reminder rules need from the configuration.
    pub fn reminder_policy(&self) -> crate::domain::ReminderPolicy {
        crate::domain::ReminderPolicy {
            scale: self.severities.clone(),
            timers: self.reminders.timers(),
            status_every: self.reminders.update_every_minutes_by_status.set(),
        }
    }

    /// Where an incident's follow-ups become tickets (see [`Trackers::choose`]).
    pub fn tracker_for(
        &self,
        incident: &crate::domain::Incident,
    ) -> Option<(TrackerChoice, &Tracker)> {
        self.tracker.choose(&self.services, &incident.services)
    }

    pub fn service(&self, id: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.id == id)
    }

    pub fn customer(&self, id: &str) -> Option<&Customer> {
        self.customers.iter().find(|c| c.id == id)
    }

    /// The customer whose mail domain matches an address (`ops@acme.com`).
    pub fn customer_for_address(&self, address: &str) -> Option<&Customer> {
        let domain = address.rsplit_once('@')?.1.trim().to_ascii_lowercase();
        let domain = domain.trim_end_matches('>');
        self.customers
            .iter()
            .find(|c| c.mail_domains.iter().any(|d| d == domain))
    }
}
