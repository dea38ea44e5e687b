//! `/incident summary`: a late joiner's catch-up, for them alone. Where the incident
//! stands (status, severity, roles), the impact window, the last three updates, what
//! was captured, the open action items and who was paged, in sentences people read.

use super::mrkdwn::{date, escape, escape_people};
use crate::domain::{Event, Incident, Recorded, human_duration, pager_name};
use chrono::{DateTime, Utc};

/// Updates quoted, newest first.
const UPDATES: usize = 3;

fn person(user: Option<&crate::domain::UserId>) -> String {
    user.map_or_else(|| "nobody yet".to_owned(), |u| format!("<@{u}>"))
}

/// The digest, from the incident and its timeline (any order).
pub fn digest(incident: &Incident, timeline: &[Recorded], now: DateTime<Utc>) -> String {
    let mut out = format!(
        ":compass: *{}* — {} · {} for {} (declared {}).",
        escape(&incident.title),
        incident.severity,
        incident.status,
        human_duration(now - incident.status_since),
        date(incident.declared_at),
    );
    let r = &incident.roles;
    let ops = if r.operations.is_empty() {
        "nobody yet".to_owned()
    } else {
        r.operations
            .iter()
            .map(|u| format!("<@{u}>"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    out.push_str(&format!(
        "\n*People:* {} coordinates; operations {ops}; communications {}; postmortem {}.",
        person(r.coordinator.as_ref()),
        person(r.communications.as_ref()),
        person(r.postmortem_owner.as_ref()),
    ));
    out.push_str(
        &match (incident.impact_started_at, incident.impact_ended_at) {
            (Some(start), Some(end)) => format!(
                "\n*Impact:* from {} to {} ({}).",
                date(start),
                date(end),
                human_duration(end - start)
            ),
            (Some(start), None) => format!(
                "\n*Impact:* since {} ({} so far).",
                date(start),
                human_duration(now - start)
            ),
            _ => "\n*Impact:* no start recorded yet (`/incident impact start <time>`).".to_owned(),
        },
    );
    let mut updates: Vec<&Recorded> = timeline
        .iter()
        .filter(|r| matches!(r.event, Event::UpdatePosted { .. }))
        .collect();
    updates.sort_by_key(|r| std::cmp::Reverse(r.version));
    if updates.is_empty() {
        out.push_str("\n*Updates:* none yet.");
    } else {
        out.push_str(&format!(
            "\n*Last update{}:*",
            if updates.len() == 1 { "" } else { "s" }
        ));
        for u in updates.iter().take(UPDATES) {
            if let Event::UpdatePosted { text } = &u.event {
                let by = u
                    .actor
                    .user_id()
                    .map_or_else(String::new, |id| format!(" by <@{id}>"));
                out.push_str(&format!(
                    "\n> {}{by}: {}",
                    date(u.at),
                    escape_people(&crate::domain::clip(text, 300))
                ));
            }
        }
    }
    let captured = incident.captures.len();
    if captured > 0 {
        out.push_str(&format!(
            "\n*Captured:* {captured} message{} for the papertrail and the postmortem.",
            if captured == 1 { "" } else { "s" }
        ));
    }
    let open: Vec<String> = incident
        .actions
        .iter()
        .filter(|a| a.ticket.is_none())
        .map(|a| {
            let owner = a
                .owner
                .as_ref()
                .map_or_else(String::new, |o| format!(" (<@{o}>)"));
            format!("{}. {}{owner}", a.number, escape_people(&a.text))
        })
        .collect();
    if !open.is_empty() {
        out.push_str(&format!(
            "\n*Open action item{}:* {}",
            if open.len() == 1 { "" } else { "s" },
            open.join("; ")
        ));
    }
    let pages: Vec<String> = incident
        .pages
        .iter()
        .map(|p| {
            let state = match (
                &p.acknowledged_by,
                &p.acknowledged_by_name,
                p.acknowledged_at,
            ) {
                (Some(u), _, Some(at)) => format!("acknowledged by <@{u}> {}", date(at)),
                (_, Some(n), Some(at)) => format!("acknowledged by {} {}", escape(n), date(at)),
                (_, _, Some(at)) => format!("acknowledged {}", date(at)),
                _ => "not acknowledged".to_owned(),
            };
            format!(
                "{} ({}) {}, {state}",
                escape(&p.label),
                pager_name(&p.vendor),
                date(p.at)
            )
        })
        .collect();
    out.push_str(&if pages.is_empty() {
        "\n*Paged:* nobody.".to_owned()
    } else {
        format!("\n*Paged:* {}.", pages.join("; "))
    });
    out
}
