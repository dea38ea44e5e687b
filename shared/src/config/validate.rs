//! Checks that serde can't express: unique ids, channel-safe names, Slack ids.

use super::ConfigError;
use super::model::*;
use crate::domain::{SeverityScale, UserId};

pub(super) fn check(file: &str, raw: RawConfig) -> Result<Config, ConfigError> {
    let err = |field: String, reason: String| ConfigError {
        file: file.into(),
        field,
        reason,
    };

    let severities = match raw.severities {
        None => SeverityScale::default(),
        Some(levels) => {
            for (i, l) in levels.iter().enumerate() {
                if l.id.trim().is_empty() || l.id.contains(char::is_whitespace) {
                    return Err(err(
                        format!("severities[{i}].id"),
                        "must be one word, like S1".into(),
                    ));
                }
                if levels[..i].iter().any(|o| o.id.eq_ignore_ascii_case(&l.id)) {
                    return Err(err(
                        format!("severities[{i}].id"),
                        format!("`{}` is listed twice", l.id),
                    ));
                }
                if l.update_every_minutes == Some(0) {
                    return Err(err(
                        format!("severities[{i}].update_every_minutes"),
                        "must be at least 1 (leave it out for no reminders)".into(),
                    ));
                }
            }
            SeverityScale::new(levels)
                .ok_or_else(|| err("severities".into(), "list at least one severity".into()))?
        }
    };

    let ch = &raw.channels;
    if !is_channel_safe(&ch.prefix) || ch.prefix.len() > 20 {
        return Err(err(
            "channels.prefix".into(),
            format!(
                "`{}` is not a Slack channel prefix: use up to 20 lowercase letters, digits, `-` or `_`",
                ch.prefix
            ),
        ));
    }
    for (field, name) in [
        ("channels.incidents", &ch.incidents),
        ("channels.triage", &ch.triage),
    ] {
        if name.is_empty() || !is_channel_safe(name) || name.len() > 80 {
            return Err(err(
                field.into(),
                format!(
                    "`{name}` is not a Slack channel name: use lowercase letters, digits, `-` or `_`, at most 80"
                ),
            ));
        }
    }

    for (severity, names) in &ch.broadcast {
        let field = format!("channels.broadcast.{severity}");
        if !severities.levels().iter().any(|l| l.id == *severity) {
            return Err(err(
                field,
                format!("`{severity}` is not one of the configured severities"),
            ));
        }
        for name in names {
            if name.is_empty() || !is_channel_safe(name) || name.len() > 80 {
                return Err(err(
                    field,
                    format!(
                        "`{name}` is not a Slack channel name: use lowercase letters, digits, `-` or `_`, at most 80"
                    ),
                ));
            }
        }
    }

    let mut services = Vec::with_capacity(raw.services.len());
    for (i, s) in raw.services.into_iter().enumerate() {
        if s.id.is_empty() || !is_channel_safe(&s.id) {
            return Err(err(
                format!("services[{i}].id"),
                format!("`{}` must be lowercase letters, digits, `-` or `_`", s.id),
            ));
        }
        if services.iter().any(|o: &Service| o.id == s.id) {
            return Err(err(
                format!("services[{i}].id"),
                format!("`{}` is listed twice", s.id),
            ));
        }
        if s.team.trim().is_empty() {
            return Err(err(
                format!("services[{i}].team"),
                "name the owning team".into(),
            ));
        }
        let mut users = Vec::new();
        for (j, u) in s.slack_users.iter().enumerate() {
            users.push(UserId::parse(u).ok_or_else(|| {
                err(
                    format!("services[{i}].slack_users[{j}]"),
                    format!("`{u}` is not a Slack user id (like U012AB3CD)"),
                )
            })?);
        }
        if let Some(g) = &s.slack_group
            && !is_group_id(g)
        {
            return Err(err(
                format!("services[{i}].slack_group"),
                format!("`{g}` is not a Slack user group id (like S012AB3CD)"),
            ));
        }
        services.push(Service {
            name: s.name.unwrap_or_else(|| s.id.clone()),
            id: s.id,
            team: s.team,
            slack_users: users,
            slack_group: s.slack_group,
            oncall: s.oncall,
            schedule: s.schedule,
        });
    }

    for (j, u) in raw.oncall.triage.slack_users.iter().enumerate() {
        if UserId::parse(u).is_none() {
            return Err(err(
                format!("oncall.triage.slack_users[{j}]"),
                format!("`{u}` is not a Slack user id (like U012AB3CD)"),
            ));
        }
    }
    if let Some(g) = &raw.oncall.triage.slack_group
        && !is_group_id(g)
    {
        return Err(err(
            "oncall.triage.slack_group".into(),
            format!("`{g}` is not a Slack user group id (like S012AB3CD)"),
        ));
    }

    let mut customers: Vec<Customer> = Vec::with_capacity(raw.customers.len());
    for (i, c) in raw.customers.into_iter().enumerate() {
        if c.id.is_empty() || !is_channel_safe(&c.id) {
            return Err(err(
                format!("customers[{i}].id"),
                format!("`{}` must be lowercase letters, digits, `-` or `_`", c.id),
            ));
        }
        if customers.iter().any(|o| o.id == c.id) {
            return Err(err(
                format!("customers[{i}].id"),
                format!("`{}` is listed twice", c.id),
            ));
        }
        let mut domains = Vec::new();
        for (j, d) in c.mail_domains.iter().enumerate() {
            let d = d.trim().to_ascii_lowercase();
            let valid = d.contains('.')
                && !d.starts_with('.')
                && !d.contains('@')
                && d.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
            if !valid {
                return Err(err(
                    format!("customers[{i}].mail_domains[{j}]"),
                    format!("`{d}` is not a mail domain (like example.com)"),
                ));
            }
            if let Some(other) = customers.iter().find(|o| o.mail_domains.contains(&d)) {
                return Err(err(
                    format!("customers[{i}].mail_domains[{j}]"),
                    format!("`{d}` already belongs to customer `{}`", other.id),
                ));
            }
            domains.push(d);
        }
        customers.push(Customer {
            id: c.id,
            name: c.name,
            mail_domains: domains,
            contacts: c.contacts,
        });
    }

    let r = &raw.reminders;
    for (field, v) in [
        (
            "reminders.unassigned_coordinator_minutes",
            r.unassigned_coordinator_minutes,
        ),
        ("reminders.triage_ack_minutes", r.triage_ack_minutes),
        (
            "reminders.monitoring_window_minutes",
            r.monitoring_window_minutes,
        ),
        ("reminders.postmortem_due_days", r.postmortem_due_days),
    ] {
        if v == 0 {
            return Err(err(field.into(), "must be at least 1".into()));
        }
    }

    for (status, minutes) in r.update_every_minutes_by_status.set() {
        if minutes == 0 {
            return Err(err(
                format!("reminders.update_every_minutes_by_status.{status}"),
                "must be at least 1".into(),
            ));
        }
    }

    if let Some(problem) = raw.triage.problems(&severities).into_iter().next() {
        return Err(err("triage".into(), problem));
    }

    let tracker = match raw.tracker {
        None => Trackers::default(),
        Some(t) => trackers(t, &services).map_err(|(field, reason)| err(field, reason))?,
    };

    if let Some(sp) = &raw.statuspage
        && let Some(unknown) = sp
            .components
            .keys()
            .find(|k| !services.iter().any(|s| &s.id == *k))
    {
        return Err(err(
            format!("statuspage.components.{unknown}"),
            "names no service in `services`".into(),
        ));
    }

    let p = &raw.permissions;
    for (field, names) in [
        ("permissions.coordinator_only", &p.coordinator_only),
        ("permissions.members_only", &p.members_only),
    ] {
        if let Some(unknown) = names
            .iter()
            .find(|n| !crate::domain::GUARDED.contains(&n.as_str()))
        {
            return Err(err(
                field.into(),
                format!(
                    "`{unknown}` is not a subcommand that can be restricted (one of: {})",
                    crate::domain::GUARDED.join(", ")
                ),
            ));
        }
    }
    if let Some(both) = p
        .coordinator_only
        .iter()
        .find(|n| p.members_only.contains(n))
    {
        return Err(err(
            "permissions".into(),
            format!("`{both}` is in both coordinator_only and members_only"),
        ));
    }
    if let Some(g) = &p.incident_managers
        && !(g.starts_with('S')
            && g.len() > 1
            && g.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
    {
        return Err(err(
            "permissions.incident_managers".into(),
            format!("`{g}` is not a Slack user group id (like S0123ABCD)"),
        ));
    }

    let timezone = match &raw.timezone {
        None => None,
        Some(name) => Some(name.parse::<chrono_tz::Tz>().map_err(|_| {
            err(
                "timezone".into(),
                format!(
                    "`{name}` is not an IANA time zone (like Europe/Berlin or America/Los_Angeles)"
                ),
            )
        })?),
    };
    Ok(Config {
        timezone,
        permissions: raw.permissions,
        statuspage: raw.statuspage,
        tracker,
        triage: raw.triage,
        severities,
        channels: raw.channels,
        services,
        customers,
        oncall: raw.oncall,
        reminders: raw.reminders,
    })
}

type Refusal = (String, String);

/// `tracker:`: one default tracker at most, routes naming a known team or service
/// once each, well-formed trackers, people by Slack user id.
fn trackers(raw: RawTracker, services: &[Service]) -> Result<Trackers, Refusal> {
    let default = one_tracker("tracker", raw.github, raw.jira)?;
    let mut routes: Vec<TrackerRoute> = Vec::with_capacity(raw.routes.len());
    for (i, r) in raw.routes.into_iter().enumerate() {
        let at = format!("tracker.routes[{i}]");
        let matches = match (r.team, r.service) {
            (Some(team), None) => {
                if !services.iter().any(|s| s.team == team) {
                    return Err((
                        format!("{at}.team"),
                        format!("`{team}` is the team of no service in `services`"),
                    ));
                }
                RouteMatch::Team(team)
            }
            (None, Some(service)) => {
                if !services.iter().any(|s| s.id == service) {
                    return Err((
                        format!("{at}.service"),
                        format!("`{service}` names no service in `services`"),
                    ));
                }
                RouteMatch::Service(service)
            }
            _ => {
                return Err((at, "name either a `team` or a `service`".into()));
            }
        };
        if routes.iter().any(|o| o.matches == matches) {
            return Err((
                at,
                "routes the same team or service as an earlier route".into(),
            ));
        }
        let Some(tracker) = one_tracker(&at, r.github, r.jira)? else {
            return Err((at, "give the route a `github` or a `jira` tracker".into()));
        };
        routes.push(TrackerRoute { matches, tracker });
    }
    for (i, p) in raw.people.iter().enumerate() {
        let at = format!("tracker.people[{i}]");
        if UserId::parse(&p.slack).is_none() {
            return Err((
                format!("{at}.slack"),
                format!("`{}` is not a Slack user id (like U012AB3CD)", p.slack),
            ));
        }
        if raw.people[..i].iter().any(|o| o.slack == p.slack) {
            return Err((
                format!("{at}.slack"),
                format!("`{}` is listed twice", p.slack),
            ));
        }
        for (field, login) in [("github", &p.github), ("jira", &p.jira)] {
            if let Some(l) = login
                && (l.trim().is_empty() || l.chars().any(char::is_whitespace))
            {
                return Err((format!("{at}.{field}"), format!("`{l}` is not a login")));
            }
        }
    }
    Ok(Trackers {
        default,
        routes,
        people: raw.people,
    })
}

/// At most one of `github` and `jira` under `at`, checked.
fn one_tracker(
    at: &str,
    github: Option<GithubTracker>,
    jira: Option<JiraTracker>,
) -> Result<Option<Tracker>, Refusal> {
    match (github, jira) {
        (Some(_), Some(_)) => Err((
            at.into(),
            "choose one of `github` and `jira` (routes send some follow-ups elsewhere)".into(),
        )),
        (Some(g), None) => {
            if g.repo.split('/').filter(|p| !p.is_empty()).count() != 2 {
                return Err((
                    format!("{at}.github.repo"),
                    format!("`{}` is not `owner/name`", g.repo),
                ));
            }
            Ok(Some(Tracker::Github(g)))
        }
        (None, Some(j)) => {
            check_jira(at, &j)?;
            Ok(Some(Tracker::Jira(j)))
        }
        (None, None) => Ok(None),
    }
}

fn check_jira(at: &str, j: &JiraTracker) -> Result<(), Refusal> {
    let site = j.site.trim_end_matches('/');
    // Plain http only for a site on this machine (local mode and tests): the API
    // token travels in every request.
    let host = site
        .strip_prefix("https://")
        .or_else(|| {
            site.strip_prefix("http://")
                .filter(|h| is_loopback(h.split([':', '/']).next().unwrap_or_default()))
        })
        .unwrap_or_default();
    let host_ok = !host.is_empty()
        && !host.contains(['/', '?', '#', '@'])
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'));
    if !host_ok {
        return Err((
            format!("{at}.jira.site"),
            format!(
                "`{}` is not a Jira Cloud site: https://<name>.atlassian.net, without a path",
                j.site
            ),
        ));
    }
    let mut key = j.project.bytes();
    let key_ok = j.project.len() >= 2
        && key.next().is_some_and(|b| b.is_ascii_uppercase())
        && key.all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    if !key_ok {
        return Err((
            format!("{at}.jira.project"),
            format!(
                "`{}` is not a Jira project key: an uppercase letter, then uppercase letters, digits or `_` (like PAY)",
                j.project
            ),
        ));
    }
    if j.issue_type.trim().is_empty() {
        return Err((
            format!("{at}.jira.issue_type"),
            "name an issue type (like Task)".into(),
        ));
    }
    let email_ok = j
        .email
        .split_once('@')
        .is_some_and(|(user, domain)| !user.is_empty() && domain.contains('.'));
    if !email_ok || j.email.chars().any(char::is_whitespace) {
        return Err((
            format!("{at}.jira.email"),
            format!("`{}` is not an e-mail address", j.email),
        ));
    }
    if let Some((k, l)) = j
        .labels
        .iter()
        .enumerate()
        .find(|(_, l)| l.is_empty() || l.chars().any(char::is_whitespace))
    {
        return Err((
            format!("{at}.jira.labels[{k}]"),
            format!("`{l}`: Jira labels are one word, without spaces"),
        ));
    }
    Ok(())
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host == "127.0.0.1"
}

fn is_channel_safe(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// A Slack user group id: `S` and uppercase letters or digits.
fn is_group_id(g: &str) -> bool {
    g.starts_with('S')
        && g.len() > 1
        && g.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::{Config, GithubTracker, Tracker, TrackerChoice};

    fn field_and_reason(yaml: &str) -> (String, String) {
        let e = Config::parse("flare.yaml", yaml).unwrap_err();
        assert_eq!(e.file, "flare.yaml");
        (e.field, e.reason)
    }

    #[test]
    fn empty_file_is_the_default_process() {
        let c = Config::parse("f", "{}").unwrap();
        assert_eq!(c, Config::default());
    }

    #[test]
    fn the_example_file_parses() {
        let text = include_str!("../../../infra/config/flare.example.yaml");
        let c = Config::parse("flare.example.yaml", text).unwrap();
        assert!(!c.services.is_empty() && !c.customers.is_empty());
        assert!(c.customer_for_address("Ops <ops@acme.example>").is_some());
    }

    #[test]
    fn the_local_file_parses() {
        let text = include_str!("../../../infra/config/flare.local.yaml");
        Config::parse("flare.local.yaml", text).unwrap();
    }

    #[test]
    fn broken_files_name_the_field_and_the_reason() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "channels:\n  prefix: INC-\n",
                "channels.prefix",
                "not a Slack channel prefix",
            ),
            (
                "services:\n  - id: api\n    team: core\n  - id: db\n",
                "services[1]",
                "missing field `team`",
            ),
            (
                "services:\n  - id: api\n    team: core\n    slack_users: [bob]\n",
                "services[0].slack_users[0]",
                "not a Slack user id",
            ),
            (
                "services:\n  - {id: api, team: a}\n  - {id: api, team: b}\n",
                "services[1].id",
                "listed twice",
            ),
            ("severities: []\n", "severities", "at least one"),
            (
                "severities:\n  - {id: S1, label: a, description: b, critical: true, update_every_minutes: 0}\n",
                "severities[0].update_every_minutes",
                "at least 1",
            ),
            (
                "reminders:\n  triage_ack_minutes: 0\n",
                "reminders.triage_ack_minutes",
                "at least 1",
            ),
            (
                "reminders:\n  triage_ack_minutes: soon\n",
                "reminders.triage_ack_minutes",
                "invalid type",
            ),
            (
                "customers:\n  - {id: acme, name: A, mail_domains: [\"x@acme.com\"]}\n",
                "customers[0].mail_domains[0]",
                "not a mail domain",
            ),
            (
                "servics: []\n",
                "servics",
                "unknown field; did you mean services?",
            ),
            (
                "services:\n  - id: api\n    team: core\n    oncall: {pagerdoodie: {}}\n",
                "services[0].oncall.pagerdoodie",
                "unknown variant; expected one of pagerduty, opsgenie",
            ),
        ];
        for (yaml, field, reason) in cases {
            let (f, r) = field_and_reason(yaml);
            assert!(f.starts_with(field), "{yaml}: field {f}, wanted {field}");
            assert!(r.contains(reason), "{yaml}: reason {r}, wanted {reason}");
        }
    }

    const SERVICES: &str = "services:\n  - {id: checkout, team: payments}\n  - {id: search, team: discovery}\n  - {id: ledger, team: payments}\n";

    fn jira(project: &str) -> String {
        format!(
            "{{site: https://acme.atlassian.net, project: {project}, email: bot@acme.example, token_param: /j}}"
        )
    }

    #[test]
    fn the_old_tracker_form_still_reads() {
        let c = Config::parse(
            "f",
            "tracker:\n  github: {repo: acme/x, token_param: /t, labels: [a]}\n",
        )
        .unwrap();
        assert!(matches!(&c.tracker.default, Some(Tracker::Github(g)) if g.repo == "acme/x"));
        assert!(c.tracker.routes.is_empty());
    }

    #[test]
    fn routes_choose_by_the_first_routed_service_id_before_its_team() {
        let yaml = format!(
            "{SERVICES}tracker:\n  github: {{repo: acme/x, token_param: /t}}\n  routes:\n    - team: payments\n      jira: {}\n    - service: ledger\n      jira: {}\n    - service: search\n      github: {{repo: acme/search, token_param: /t}}\n",
            jira("PAY"),
            jira("LEDGER")
        );
        let c = Config::parse("f", &yaml).unwrap();
        let chosen = |services: &[&str]| {
            let ids: Vec<String> = services.iter().map(|s| (*s).to_owned()).collect();
            let (choice, tracker) = c.tracker.choose(&c.services, &ids).unwrap();
            let name = match tracker {
                Tracker::Github(g) => g.repo.clone(),
                Tracker::Jira(j) => j.project.clone(),
            };
            (choice, name)
        };
        assert_eq!(
            chosen(&["checkout"]),
            (TrackerChoice::Route(0), "PAY".into())
        );
        // ledger's own route wins over its team's.
        assert_eq!(
            chosen(&["ledger"]),
            (TrackerChoice::Route(1), "LEDGER".into())
        );
        // The incident's first service decides, whatever the routes' order.
        assert_eq!(
            chosen(&["search", "checkout"]),
            (TrackerChoice::Route(2), "acme/search".into())
        );
        assert_eq!(
            chosen(&["checkout", "search"]),
            (TrackerChoice::Route(0), "PAY".into())
        );
        // Unrouted or unknown services, or none: the default.
        assert_eq!(
            chosen(&["gone", "ledger"]),
            (TrackerChoice::Route(1), "LEDGER".into())
        );
        assert_eq!(chosen(&[]), (TrackerChoice::Default, "acme/x".into()));
        assert_eq!(chosen(&["gone"]), (TrackerChoice::Default, "acme/x".into()));

        // No default: unrouted incidents have no tracker at all.
        let yaml = format!(
            "{SERVICES}tracker:\n  routes:\n    - team: payments\n      jira: {}\n",
            jira("PAY")
        );
        let c = Config::parse("f", &yaml).unwrap();
        assert!(c.tracker.choose(&c.services, &["search".into()]).is_none());
        assert!(
            c.tracker
                .choose(&c.services, &["checkout".into()])
                .is_some()
        );
    }

    #[test]
    fn people_map_slack_ids_to_each_tracker_s_login() {
        let yaml = format!(
            "{SERVICES}tracker:\n  jira: {}\n  people:\n    - {{slack: U0BOB, github: bob-gh, jira: acc-1}}\n    - {{slack: U0ALICE, github: alice-gh}}\n",
            jira("PAY")
        );
        let c = Config::parse("f", &yaml).unwrap();
        let jira = c.tracker.default.clone().unwrap();
        let bob = crate::domain::UserId::parse("U0BOB").unwrap();
        let alice = crate::domain::UserId::parse("U0ALICE").unwrap();
        let carol = crate::domain::UserId::parse("U0CAROL").unwrap();
        assert_eq!(c.tracker.login(&jira, &bob), Some("acc-1"));
        assert_eq!(c.tracker.login(&jira, &alice), None);
        assert_eq!(c.tracker.login(&jira, &carol), None);
        let gh = Tracker::Github(GithubTracker {
            repo: "a/b".into(),
            token_param: "/t".into(),
            labels: vec![],
        });
        assert_eq!(c.tracker.login(&gh, &alice), Some("alice-gh"));
    }

    #[test]
    fn broken_tracker_sections_name_the_field() {
        let route = |body: &str| format!("{SERVICES}tracker:\n  routes:\n    - {body}\n");
        let cases: Vec<(String, &str, &str)> = vec![
            (
                format!(
                    "tracker:\n  github: {{repo: a/b, token_param: /t}}\n  jira: {}\n",
                    jira("PAY")
                ),
                "tracker",
                "choose one of",
            ),
            (
                route(&format!("{{team: billing, jira: {}}}", jira("PAY"))),
                "tracker.routes[0].team",
                "no service",
            ),
            (
                route(&format!("{{service: nope, jira: {}}}", jira("PAY"))),
                "tracker.routes[0].service",
                "no service",
            ),
            (
                route(&format!("{{jira: {}}}", jira("PAY"))),
                "tracker.routes[0]",
                "either a `team` or a `service`",
            ),
            (
                route(&format!(
                    "{{team: payments, service: checkout, jira: {}}}",
                    jira("PAY")
                )),
                "tracker.routes[0]",
                "either",
            ),
            (
                route("{team: payments}"),
                "tracker.routes[0]",
                "a `github` or a `jira`",
            ),
            (
                route(&format!("{{team: payments, jira: {}}}", jira("pay"))),
                "tracker.routes[0].jira.project",
                "not a Jira project key",
            ),
            (
                route(&format!("{{team: payments, jira: {}}}", jira("P"))),
                "tracker.routes[0].jira.project",
                "not a Jira project key",
            ),
            (
                route(
                    "{team: payments, jira: {site: http://acme.atlassian.net, project: PAY, email: b@a.io, token_param: /j}}",
                ),
                "tracker.routes[0].jira.site",
                "https",
            ),
            (
                route(
                    "{team: payments, jira: {site: https://acme.atlassian.net, project: PAY, email: bot, token_param: /j}}",
                ),
                "tracker.routes[0].jira.email",
                "e-mail",
            ),
            (
                route(
                    "{team: payments, jira: {site: https://acme.atlassian.net, project: PAY, email: b@a.io, token_param: /j, labels: [two words]}}",
                ),
                "tracker.routes[0].jira.labels[0]",
                "without spaces",
            ),
            (
                route("{team: payments, github: {repo: nope, token_param: /t}}"),
                "tracker.routes[0].github.repo",
                "owner/name",
            ),
            (
                route(
                    "{team: payments, jira: {site: https://a.atlassian.net, project: PAY, email: b@a.io, token_pram: /j}}",
                ),
                "tracker.routes[0].jira.token_pram",
                "did you mean token_param?",
            ),
            (
                format!(
                    "{SERVICES}tracker:\n  routes:\n    - {{team: payments, jira: {}}}\n    - {{team: payments, jira: {}}}\n",
                    jira("PAY"),
                    jira("OPS")
                ),
                "tracker.routes[1]",
                "same team or service",
            ),
            (
                "tracker:\n  people:\n    - {slack: bob, github: bob}\n".into(),
                "tracker.people[0].slack",
                "not a Slack user id",
            ),
            (
                "tracker:\n  people:\n    - {slack: U0BOB, github: bob}\n    - {slack: U0BOB}\n"
                    .into(),
                "tracker.people[1].slack",
                "listed twice",
            ),
        ];
        for (yaml, field, reason) in &cases {
            let (f, r) = field_and_reason(yaml);
            assert_eq!(&f, field, "{yaml}: {r}");
            assert!(r.contains(reason), "{yaml}: reason {r}, wanted {reason}");
        }
        // A site on this machine may be plain http (local mode, tests).
        Config::parse(
            "f",
            &route("{team: payments, jira: {site: \"http://127.0.0.1:3000\", project: PAY, email: b@a.io, token_param: /j}}"),
        )
        .unwrap();
    }

    #[test]
    fn unreadable_yaml_says_where() {
        let e = Config::parse("f.yaml", "services: [\n").unwrap_err();
        assert!(e.reason.contains("line"), "{}", e.reason);
        assert!(e.to_string().starts_with("f.yaml: "));
    }
}
