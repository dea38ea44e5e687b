//! The top of the document: summary, the incident's facts, who took part, the impact
//! window and the response times.

use super::facts::Facts;
use super::time::{TimeFormat, full};
use super::{Links, escape, names, table};
use flare::config::Config;
use flare::domain::{Durations, Incident, Role, human_duration};
use std::fmt::Write;

/// One paragraph: what, when, how long, and the resolution in the responders' words.
pub fn summary(out: &mut String, inc: &Incident, facts: &Facts<'_>, config: &Config) {
    let d = Durations::of(inc);
    let mut s = format!("{} incident", names::severity(config, &inc.severity));
    if !inc.services.is_empty() {
        let _ = write!(s, " affecting {}", names::services(config, &inc.services));
    }
    if let Some(c) = &inc.customer {
        let _ = write!(s, " for {}", names::customer(config, c));
    }
    let _ = write!(s, ", declared {} UTC.", full(inc.declared_at));
    let start = inc.impact_start();
    match inc.impact_ended_at {
        Some(end) => {
            let _ = write!(
                s,
                " Customer impact lasted {} ({} to {} UTC).",
                human_duration(end - start),
                full(start),
                full(end)
            );
        }
        None => {
            let _ = write!(s, " Customer impact began {} UTC.", full(start));
        }
    }
    match (inc.resolved_at, d.to_resolve) {
        (Some(at), Some(took)) => {
            let _ = write!(
                s,
                " Resolved {} UTC, {} after impact began.",
                full(at),
                human_duration(took)
            );
        }
        _ => {
            let _ = write!(s, " The incident is {}.", inc.status);
        }
    }
    let said = facts
        .resolution
        .map(|t| ("Resolution", t))
        .or(facts.last_update.map(|t| ("Last update", t)))
        .or((!inc.description.is_empty()).then_some(("Description", inc.description.as_str())))
        .or((!inc.impact.is_empty()).then_some(("Impact", inc.impact.as_str())));
    if let Some((label, text)) = said {
        let _ = write!(s, " {label}: {}", escape::text(text));
    }
    out.push_str("## Summary\n\n");
    out.push_str(&s);
    out.push_str("\n\n");
}

/// The incident's facts as a two-column table.
pub fn details(
    out: &mut String,
    inc: &Incident,
    facts: &Facts<'_>,
    config: &Config,
    links: &Links,
    tf: TimeFormat,
) {
    let none = || "—".to_owned();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut add = |k: &str, v: String| rows.push(vec![k.to_owned(), v]);
    add("Incident", format!("`{}`", inc.id));
    add("Title", escape::cell(&inc.title));
    add("Severity", names::severity(config, &inc.severity));
    let sev: Vec<String> = facts
        .severities
        .iter()
        .enumerate()
        .map(|(i, (at, s))| {
            let s = escape::cell(s.as_str());
            if i == 0 {
                s
            } else {
                format!("{s} ({})", tf.short(*at))
            }
        })
        .collect();
    add("Severity history", sev.join(" → "));
    add("Status", inc.status.to_string());
    let statuses: Vec<String> = facts
        .statuses
        .iter()
        .map(|(at, s)| format!("{s} ({})", tf.short(*at)))
        .collect();
    add("Status history", statuses.join(" → "));
    let by = facts
        .declared_by
        .map(|a| format!(" by {}", links.people.actor(a)))
        .unwrap_or_default();
    add("Declared", format!("{} UTC{by}", full(inc.declared_at)));
    add(
        "Services",
        if inc.services.is_empty() {
            none()
        } else {
            names::services(config, &inc.services)
        },
    );
    add(
        "Customer",
        inc.customer
            .as_deref()
            .map_or_else(none, |c| names::customer(config, c)),
    );
    add("Slack channel", channel(inc, config, links));
    if inc.private {
        add("Visibility", "private (not announced)".into());
    }
    if !inc.impact.is_empty() {
        add("Impact", escape::cell(&inc.impact));
    }
    if !inc.description.is_empty() {
        add("Description", escape::cell(&inc.description));
    }
    out.push_str("## Incident\n\n");
    table::write(out, &["Field", "Value"], &rows);
}

/// `#inc-…`, linked to the channel when its id is known.
fn channel(inc: &Incident, config: &Config, links: &Links) -> String {
    let name = links
        .channel_name
        .clone()
        .unwrap_or_else(|| format!("{}{}", config.channels.prefix, inc.id));
    let name = format!("#{}", escape::cell(&name));
    match links.channel_id.as_deref().filter(|id| is_channel_id(id)) {
        Some(id) => format!("[{name}](https://slack.com/app_redirect?channel={id})"),
        None => name,
    }
}

/// Slack channel ids: `C…`, `G…` or `D…`, capitals and digits.
fn is_channel_id(id: &str) -> bool {
    (2..=32).contains(&id.len())
        && id.starts_with(['C', 'G', 'D'])
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Roles as they ended (with earlier holders), then everyone who took part.
pub fn people(out: &mut String, inc: &Incident, facts: &Facts<'_>, people: &names::People) {
    out.push_str("## Roles and participants\n\n");
    let rows: Vec<Vec<String>> = Role::ALL
        .iter()
        .map(|&role| {
            let holders: Vec<String> = match role {
                Role::Operations => inc
                    .roles
                    .operations
                    .iter()
                    .map(|u| people.user(u))
                    .collect(),
                r => inc
                    .roles
                    .holder(r)
                    .map(|u| people.user(u))
                    .into_iter()
                    .collect(),
            };
            let now = if holders.is_empty() {
                if role == Role::Coordinator {
                    "—".to_owned()
                } else {
                    "— (the coordinator)".to_owned()
                }
            } else {
                holders.join(", ")
            };
            let earlier = facts
                .earlier
                .iter()
                .find(|(r, _)| *r == role)
                .map(|(_, users)| {
                    users
                        .iter()
                        .map(|u| people.user(u))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            vec![capitalized(role.as_str()), now, earlier]
        })
        .collect();
    table::write(out, &["Role", "Held by", "Earlier"], &rows);
    let rows: Vec<Vec<String>> = facts
        .participants
        .iter()
        .map(|p| {
            let roles: Vec<&str> = p
                .user
                .as_ref()
                .map(|u| {
                    Role::ALL
                        .iter()
                        .filter(|r| inc.roles.holds(**r, u))
                        .map(|r| r.as_str())
                        .collect()
                })
                .unwrap_or_default();
            vec![
                p.user
                    .as_ref()
                    .map_or_else(|| escape::cell(&p.who), |u| people.user(u)),
                roles.join(", "),
                p.actions.to_string(),
                p.messages.to_string(),
            ]
        })
        .collect();
    if rows.is_empty() {
        out.push_str("_Nobody is recorded as taking part._\n\n");
    } else {
        table::write(
            out,
            &["Participant", "Roles", "Actions in Flare", "Messages kept"],
            &rows,
        );
    }
}

/// The impact window and the four response times.
pub fn impact(out: &mut String, inc: &Incident) {
    out.push_str("## Impact window and response times\n\nAll times UTC.\n\n");
    let at = |t: Option<chrono::DateTime<chrono::Utc>>| t.map_or_else(|| "—".to_owned(), full);
    let start_note = if inc.impact_started_at.is_some_and(|s| s <= inc.declared_at) {
        ""
    } else {
        " (taken as the declaration)"
    };
    let rows = vec![
        vec![
            "Impact started".into(),
            format!("{}{start_note}", full(inc.impact_start())),
        ],
        vec!["Declared".into(), full(inc.declared_at)],
        vec!["Acknowledged".into(), at(inc.acknowledged_at)],
        vec!["Mitigated".into(), at(inc.mitigated_at)],
        vec!["Impact ended".into(), at(inc.impact_ended_at)],
        vec!["Resolved".into(), at(inc.resolved_at)],
    ];
    let mut rows = rows;
    if let Some(closed) = inc.closed_at {
        rows.push(vec!["Closed".into(), full(closed)]);
    }
    table::write(out, &["Moment", "When (UTC)"], &rows);
    let d = Durations::of(inc);
    let dur = |x: Option<chrono::Duration>| x.map_or_else(|| "—".to_owned(), human_duration);
    let window = inc.impact_ended_at.map(|end| end - inc.impact_start());
    let rows = vec![
        vec![
            "Time to detect".into(),
            dur(d.to_detect),
            "impact started → declared".into(),
        ],
        vec![
            "Time to acknowledge".into(),
            dur(d.to_acknowledge),
            if inc.pages.is_empty() {
                "declared → first acknowledgement".into()
            } else {
                "first page → its acknowledgement".into()
            },
        ],
        vec![
            "Time to mitigate".into(),
            dur(d.to_mitigate),
            "impact started → mitigated (monitoring)".into(),
        ],
        vec![
            "Time to resolve".into(),
            dur(d.to_resolve),
            "impact started → resolved".into(),
        ],
        vec![
            "Impact duration".into(),
            dur(window),
            "impact started → impact ended".into(),
        ],
    ];
    table::write(out, &["Measure", "Duration", "Counted from"], &rows);
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
