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

    if let Some(Tracker::Github { repo, .. }) = &raw.tracker
        && repo.split('/').filter(|p| !p.is_empty()).count() != 2
    {
        return Err(err(
            "tracker.github.repo".into(),
            format!("`{repo}` is not `owner/name`"),
        ));
    }

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
        tracker: raw.tracker,
        triage: raw.triage,
        severities,
        channels: raw.channels,
        services,
        customers,
        oncall: raw.oncall,
        reminders: raw.reminders,
    })
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
    use super::super::Config;

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

    #[test]
    fn unreadable_yaml_says_where() {
        let e = Config::parse("f.yaml", "services: [\n").unwrap_err();
        assert!(e.reason.contains("line"), "{}", e.reason);
        assert!(e.to_string().starts_with("f.yaml: "));
    }
}
