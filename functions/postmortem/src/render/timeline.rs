//! The timeline table: every status, severity and role change, update, escalation,
//! impact edge, status page post and kept message, at its original time, oldest first.

use super::facts::{Facts, Row, What};
use super::names::People;
use super::time::TimeFormat;
use super::{escape, names, table};
use flare::config::Config;
use flare::domain::{CaptureKind, CapturedMessage, EscalationTarget, ImpactEdge, Status, clip};

/// Kept messages are cut in the table; the papertrail and discussion sections quote
/// them whole.
const MESSAGE_IN_TABLE: usize = 280;

pub fn write(
    out: &mut String,
    facts: &Facts<'_>,
    config: &Config,
    tf: TimeFormat,
    people: &People,
) {
    out.push_str("## Timeline\n\n");
    out.push_str(
        "All times UTC. Messages appear at the time they were posted, not when they were marked.\n\n",
    );
    let rows: Vec<Vec<String>> = facts
        .rows
        .iter()
        .map(|r| {
            let (what, details) = describe(r, config, tf, people);
            let by = r.actor.map(|a| people.actor(a)).unwrap_or_default();
            let inner = match &r.what {
                What::FromDuplicate { what, .. } => what.as_ref(),
                w => w,
            };
            let by = match inner {
                What::Captured { message, .. } | What::Reported(message) => message
                    .author
                    .as_ref()
                    .map(|u| people.user(u))
                    .unwrap_or_default(),
                _ => by,
            };
            vec![tf.short(r.at), what, by, details]
        })
        .collect();
    table::write(out, &["Time", "Event", "By", "Details"], &rows);
}

fn describe(r: &Row<'_>, config: &Config, tf: TimeFormat, people: &People) -> (String, String) {
    describe_what(&r.what, config, tf, people)
}

fn describe_what(
    what: &What<'_>,
    config: &Config,
    tf: TimeFormat,
    people: &People,
) -> (String, String) {
    let sev = |s| names::severity(config, s);
    match what {
        What::Merged { from, title } => (
            "Duplicate merged".into(),
            format!("`{from}`: {}", escape::cell(title)),
        ),
        What::FromDuplicate { from, what } => {
            let (event, details) = describe_what(what, config, tf, people);
            (format!("{event} (in `{from}`)"), details)
        }
        What::Reported(m) => ("Reported".into(), message(m, people)),
        What::ImpactFromDeclaration => (
            "Impact started".into(),
            "given when the incident was declared".into(),
        ),
        What::Declared(d) => {
            let status = if d.triage { "triage" } else { "investigating" };
            (
                "Declared".into(),
                format!("{}, {status}: {}", sev(&d.severity), escape::cell(&d.title)),
            )
        }
        What::Acknowledged => ("Acknowledged".into(), String::new()),
        What::Update(text) => ("Update".into(), escape::cell(&people.plain(text))),
        What::Status { from, to, summary } => {
            let what = match (from, to) {
                (Status::Resolved, Status::Investigating) => "Reopened".to_owned(),
                (_, to) => format!("Status: {to}"),
            };
            let mut details = format!("{from} → {to}");
            if let Some(s) = summary {
                details.push_str(": ");
                details.push_str(&escape::cell(&people.plain(s)));
            }
            (what, details)
        }
        What::Severity { from, to } => (
            "Severity changed".into(),
            format!("{} → {}", sev(from), sev(to)),
        ),
        What::Role {
            role,
            user,
            previous,
        } => {
            let mut details = people.user(user);
            if let Some(p) = previous {
                details.push_str(&format!(" (was {})", people.user(p)));
            }
            (format!("Role: {role}"), details)
        }
        What::Escalated(target) => (
            "Escalated".into(),
            match target {
                EscalationTarget::Coordinators => "to the coordinator on-call".into(),
                EscalationTarget::IncidentManager => "to the incident manager on-call".into(),
                EscalationTarget::User { id } => format!("to {}", people.user(id)),
            },
        ),
        What::Impact { edge, recorded } => (
            match edge {
                ImpactEdge::Start => "Impact started".into(),
                ImpactEdge::End => "Impact ended".into(),
            },
            format!("recorded at {}", tf.short(*recorded)),
        ),
        What::Edited { field, from, to } => {
            let shown = |v: &str| {
                if v.is_empty() {
                    "nothing".to_owned()
                } else {
                    escape::cell(&clip(v, MESSAGE_IN_TABLE))
                }
            };
            (
                format!("Edited the {field}"),
                format!("{} → {}", shown(from), shown(to)),
            )
        }
        What::Service { service, added } => {
            let name = config
                .service(service)
                .map_or(*service, |s| s.name.as_str());
            (
                if *added {
                    "Service affected".into()
                } else {
                    "Service no longer affected".into()
                },
                escape::cell(name),
            )
        }
        What::Page {
            label,
            vendor,
            step,
            by,
        } => {
            let vendor = flare::domain::pager_name(vendor);
            let what = match step {
                super::facts::PageStep::Paged => "Paged",
                super::facts::PageStep::Acknowledged => "Page acknowledged",
                super::facts::PageStep::Resolved => "Page resolved",
            };
            let mut details = escape::cell(label);
            if !vendor.is_empty() {
                details.push_str(&format!(" ({vendor})"));
            }
            if let Some(by) = by {
                details.push_str(&format!(" by {}", escape::cell(by)));
            }
            (what.into(), details)
        }
        What::StatusPage {
            title,
            status,
            message,
            severity,
        } => {
            let mut details = match title {
                Some(t) => format!("**{}**, ", escape::cell(t)),
                None => String::new(),
            };
            details.push_str(flare::domain::public_word(*status));
            if let Some(m) = message {
                details.push_str(": ");
                details.push_str(&escape::cell(&clip(&people.plain(m), MESSAGE_IN_TABLE)));
            }
            // The component status the configuration gives that stage.
            if let (Some(sp), Some(sev)) = (&config.statuspage, severity) {
                let critical = config.severities.is_critical(sev);
                details.push_str(&format!(
                    " (components: {})",
                    sp.component_status.of(*status, critical)
                ));
            }
            ("Status page".into(), details)
        }
        What::Captured { kind, message: m } => {
            let what = match kind {
                CaptureKind::Papertrail => "🧾 Papertrail",
                CaptureKind::Discussion => "📌 For discussion",
            };
            (what.into(), message(m, people))
        }
    }
}

/// A message's text (cut) and its permalink.
fn message(m: &CapturedMessage, people: &People) -> String {
    let mut s = escape::cell(&clip(&people.plain(&m.text), MESSAGE_IN_TABLE));
    if let Some(url) = m.permalink.as_deref().and_then(escape::safe_url) {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(&format!("([message]({url}))"));
    }
    s
}
