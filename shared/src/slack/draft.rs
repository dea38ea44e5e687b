//! The reminder's drafted update: what changed since the last update, in the sentences
//! a coordinator would write, people by name. Pure: the worker gives it the events and
//! the names (from Slack profiles) and posts the result as a suggestion.
//!
//! Names are plain words, not mentions: the draft is posted as the incident's update,
//! quoted to stakeholders and kept in the postmortem, where pinging people every half
//! hour, or showing `<@U0BOB>`, would be wrong.

use crate::config::Config;
use crate::domain::{
    CaptureKind, Event, ImpactEdge, Incident, Recorded, Role, Status, UserId, pager_name,
};

/// The draft, from the events after the last `UpdatePosted` (all of `since` if none).
pub fn update(
    incident: &Incident,
    since: &[Recorded],
    config: &Config,
    name: &dyn Fn(&UserId) -> String,
) -> String {
    let mut sentences: Vec<String> = Vec::new();
    let (mut papertrail, mut discussion) = (0usize, 0usize);
    let mut paged: Vec<String> = Vec::new();
    for rec in since {
        match &rec.event {
            Event::StatusChanged { to, summary, .. } => {
                let mut s = status_sentence(*to).to_owned();
                if let Some(summary) = summary.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                    s = format!("{}: {}", s.trim_end_matches('.'), end(summary));
                }
                sentences.push(s);
            }
            Event::SeverityChanged { from, to } => {
                // Levels are listed most severe first.
                let raised = (config.severities.level(to).is_some()
                    && config.severities.level(from).is_some())
                .then(|| config.severities.rank(to) < config.severities.rank(from));
                let label = |s| {
                    config
                        .severities
                        .level(s)
                        .map_or_else(|| s.to_string(), |l| format!("{} ({})", l.id, l.label))
                };
                sentences.push(format!(
                    "We {} the severity from {from} to {}.",
                    match raised {
                        Some(true) => "raised",
                        Some(false) => "lowered",
                        None => "changed",
                    },
                    label(to)
                ));
            }
            Event::RoleAssigned {
                role,
                user,
                previous,
            } => {
                let taking_over = previous
                    .as_ref()
                    .filter(|p| *p != user)
                    .map(|p| format!(", taking over from {}", name(p)))
                    .unwrap_or_default();
                sentences.push(format!(
                    "{} {}{taking_over}.",
                    name(user),
                    role_phrase(*role)
                ));
            }
            Event::ImpactSet { edge, at } => sentences.push(match edge {
                ImpactEdge::Start => format!("Customer impact began at {}.", clock(*at, config)),
                ImpactEdge::End => format!("Customer impact ended at {}.", clock(*at, config)),
            }),
            Event::ServiceAdded { service } => sentences.push(format!(
                "{} is affected too.",
                config
                    .service(service)
                    .map_or(service.as_str(), |s| s.name.as_str())
            )),
            Event::ServiceRemoved { service } => sentences.push(format!(
                "{} is no longer affected.",
                config
                    .service(service)
                    .map_or(service.as_str(), |s| s.name.as_str())
            )),
            Event::Escalated { .. } => sentences.push("We escalated for more help.".into()),
            Event::Paged(note) => {
                let vendor = pager_name(&note.vendor);
                paged.push(if vendor.is_empty() {
                    note.label.clone()
                } else {
                    format!("{} ({vendor})", note.label)
                });
            }
            Event::ActionAdded { text, owner, .. } => sentences.push(match owner {
                Some(o) => format!("Follow-up for {}: {}", name(o), end(text)),
                None => format!("Follow-up noted: {}", end(text)),
            }),
            Event::CallSet { .. } => sentences.push("The call link is on the card.".into()),
            Event::Captured { kind, .. } => match kind {
                CaptureKind::Papertrail => papertrail += 1,
                CaptureKind::Discussion => discussion += 1,
            },
            _ => {}
        }
    }
    if !paged.is_empty() {
        sentences.push(format!("We paged {}.", list(&paged)));
    }
    match (papertrail, discussion) {
        (0, 0) => {}
        (p, 0) => sentences.push(format!("{} kept as evidence.", messages(p))),
        (0, d) => sentences.push(format!("{} kept for the postmortem.", messages(d))),
        (p, d) => sentences.push(format!(
            "{} kept as evidence and {d} for the postmortem.",
            messages(p)
        )),
    }
    if sentences.is_empty() {
        sentences.push(format!(
            "No change since the last update: {}",
            status_sentence(incident.status).to_lowercase()
        ));
    }
    // Who is on it, so stakeholders know whom to ask.
    if let Some(c) = &incident.roles.coordinator
        && !sentences.iter().any(|s| s.contains("coordinat"))
    {
        sentences.push(format!("{} is coordinating.", name(c)));
    }
    sentences.join(" ")
}

fn status_sentence(status: Status) -> &'static str {
    match status {
        Status::Triage => "We are looking at the report.",
        Status::Investigating => "We are investigating.",
        Status::Fixing => "We found the cause and are working on a fix.",
        Status::Monitoring => "A fix is in place and we are watching it.",
        Status::Resolved => "The incident is resolved.",
        Status::Closed => "The incident is closed.",
        Status::Declined => "The report was declined.",
    }
}

fn role_phrase(role: Role) -> &'static str {
    match role {
        Role::Coordinator => "is now coordinating",
        Role::Operations => "joined the operations work",
        Role::Communications => "now handles communications",
        Role::PostmortemOwner => "will own the postmortem",
    }
}

/// The time of day in the organisation's zone (UTC when none is configured), as people
/// write it in an update: `14:05 CET`.
fn clock(at: chrono::DateTime<chrono::Utc>, config: &Config) -> String {
    let tz = config.timezone.unwrap_or(chrono_tz::Tz::UTC);
    at.with_timezone(&tz).format("%H:%M %Z").to_string()
}

fn messages(n: usize) -> String {
    if n == 1 {
        "1 message".into()
    } else {
        format!("{n} messages")
    }
}

/// `a`, `a and b`, `a, b and c`.
fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A sentence ends with a full stop unless it already ends with punctuation.
fn end(text: &str) -> String {
    let t = text.trim();
    if t.ends_with(['.', '!', '?', ':']) {
        t.to_owned()
    } else {
        format!("{t}.")
    }
}
