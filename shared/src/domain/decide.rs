//! The decision: given the incident and a command, which events happen. Pure.

use super::capture::CaptureKey;
use super::command::{Command, Declaration, ImpactEdge};
use super::due::{ReminderKind, ReminderPolicy, due_now};
use super::error::DomainError;
use super::event::Event;
use super::ids::Actor;
use super::incident::Incident;
use super::status::Status;
use chrono::{DateTime, Duration, Utc};

/// Longest title kept; Slack shows titles in topics (250 chars) next to other text.
pub const MAX_TITLE: usize = 150;
/// Longest free text (updates, summaries) kept on an event.
pub const MAX_TEXT: usize = 3000;

/// Decides what `command` does to `incident` (`None`: not declared yet).
/// An empty list means "already so": the command is accepted and changes nothing,
/// which keeps repeated captures and acknowledgements idempotent.
pub fn decide(
    incident: Option<&Incident>,
    command: Command,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, DomainError> {
    let mut events = decide_command(incident, command, actor, now)?;
    // Resolving (or closing) a published incident resolves the public one too: recorded
    // as a publish of its own, so the timeline shows every status page post.
    if let Some(inc) = incident
        && inc.published_status.is_some_and(|s| s != Status::Resolved)
        && !events
            .iter()
            .any(|e| matches!(e, Event::StatusPublished { .. }))
        && events.iter().any(|e| {
            matches!(
                e,
                Event::StatusChanged {
                    to: Status::Resolved | Status::Closed,
                    ..
                }
            )
        })
    {
        events.push(Event::StatusPublished {
            status: Status::Resolved,
            message: None,
        });
    }
    Ok(events)
}

fn decide_command(
    incident: Option<&Incident>,
    command: Command,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, DomainError> {
    let Some(inc) = incident else {
        return match command {
            Command::Declare(d) => declare(*d, actor, now),
            _ => Err(DomainError::NotFound),
        };
    };
    // Who did what stays readable after the end (a security review comes later).
    if command == Command::ExportAudit {
        return Ok(vec![Event::AuditRequested]);
    }
    // The review comes after the end (a week later, say): a closed incident still
    // takes its action items, their tickets and a fresh postmortem draft. A declined
    // report takes nothing.
    let follow_up = matches!(
        command,
        Command::AddAction { .. }
            | Command::RequestTicket { .. }
            | Command::LinkTicket { .. }
            | Command::RequestPostmortem
    );
    if inc.status.is_terminal() && !(follow_up && inc.status == Status::Closed) {
        return Err(DomainError::Finished(inc.status));
    }
    match command {
        Command::Declare(_) => Err(DomainError::AlreadyDeclared),
        // Already acknowledged, and no page still calling: nothing to do. Otherwise the
        // acknowledgement reaches every open page (the paging effect tells the pager).
        Command::Acknowledge => Ok(
            if inc.responded_at.is_some() && inc.open_pages().next().is_none() {
                vec![]
            } else {
                vec![Event::Acknowledged]
            },
        ),
        Command::PostUpdate { text } => Ok(vec![Event::UpdatePosted {
            text: required_text(&text, "Write the update after `update`.")?,
        }]),
        Command::SetStatus {
            status: Status::Declined,
            ..
        } => Err(DomainError::Invalid(
            "Decline a triage incident with `/incident decline <reason>`.".into(),
        )),
        Command::SetStatus { status, summary } => change_status(inc, status, summary),
        Command::Resolve { summary } => change_status(inc, Status::Resolved, summary),
        Command::Close => change_status(inc, Status::Closed, None),
        Command::SetSeverity { severity } => {
            if severity == inc.severity {
                return Err(DomainError::Unchanged(format!(
                    "the severity is already {severity}."
                )));
            }
            Ok(vec![Event::SeverityChanged {
                from: inc.severity.clone(),
                to: severity,
            }])
        }
        Command::AssignRole { role, user } => {
            if inc.roles.holds(role, &user) {
                return Err(DomainError::Unchanged(format!(
                    "<@{user}> is already {role}."
                )));
            }
            let previous = match role {
                super::role::Role::Operations => None,
                r => inc.roles.holder(r).cloned(),
            };
            Ok(vec![Event::RoleAssigned {
                role,
                user,
                previous,
            }])
        }
        Command::Escalate { target } => {
            if !inc.status.is_active() {
                return Err(DomainError::Invalid(format!(
                    "The incident is {}; reopen it before escalating.",
                    inc.status
                )));
            }
            Ok(vec![Event::Escalated { target }])
        }
        Command::SetImpact { edge, at } => set_impact(inc, edge, at, now),
        Command::AcceptTriage { severity } => {
            if inc.status != Status::Triage {
                return Err(DomainError::NotInTriage(inc.status));
            }
            let mut events = Vec::new();
            if inc.responded_at.is_none() || inc.open_pages().next().is_some() {
                events.push(Event::Acknowledged);
            }
            // Whoever accepts a report runs it, unless someone already does.
            if let Some(user) = actor.user_id()
                && inc.roles.coordinator.is_none()
            {
                events.push(Event::RoleAssigned {
                    role: super::role::Role::Coordinator,
                    user: user.clone(),
                    previous: None,
                });
            }
            if severity != inc.severity {
                events.push(Event::SeverityChanged {
                    from: inc.severity.clone(),
                    to: severity,
                });
            }
            events.push(Event::StatusChanged {
                from: Status::Triage,
                to: Status::Investigating,
                summary: None,
            });
            Ok(events)
        }
        Command::DeclineTriage { reason } => {
            if inc.status != Status::Triage {
                return Err(DomainError::NotInTriage(inc.status));
            }
            Ok(vec![Event::StatusChanged {
                from: Status::Triage,
                to: Status::Declined,
                summary: Some(required_text(&reason, "Say why the report is declined.")?),
            }])
        }
        Command::Capture { kind, message } => {
            let key = CaptureKey {
                kind,
                channel: message.channel.clone(),
                ts: message.ts.clone(),
            };
            Ok(if inc.captures.contains(&key) {
                vec![]
            } else {
                let mut message = message;
                message.text = clip(&message.text, MAX_TEXT);
                vec![Event::Captured { kind, message }]
            })
        }
        // The worker finishes owed effects without deciding anything.
        Command::Resume => Ok(Vec::new()),
        Command::Remind { due, policy } => Ok(remind(inc, &policy, now.max(due))),
        Command::RequestPostmortem => Ok(vec![Event::PostmortemRequested]),
        Command::PublishStatus {
            message,
            title,
            status,
        } => publish_status(inc, message, title, status),
        Command::SetCall { url } => {
            let url = web_link(&url).ok_or_else(|| {
                DomainError::Invalid("Give the call's web link: `call https://…`.".into())
            })?;
            if inc.call_url.as_deref() == Some(url.as_str()) {
                return Err(DomainError::Unchanged("that is already the call.".into()));
            }
            Ok(vec![Event::CallSet { url }])
        }
        Command::AddLink { url, label } => {
            let Some(url) = web_link(&url) else {
                return Err(DomainError::Invalid(
                    "Give a web link: `link https://… [label]`.".into(),
                ));
            };
            if inc.links.iter().any(|(_, u)| u == &url) {
                return Err(DomainError::Unchanged(
                    "that link is already attached.".into(),
                ));
            }
            let host = url
                .split("//")
                .nth(1)
                .and_then(|r| r.split('/').next())
                .unwrap_or("link")
                .to_owned();
            let label = label
                .map(|l| clip(l.trim(), 100))
                .filter(|l| !l.is_empty())
                .unwrap_or(host);
            Ok(vec![Event::LinkAdded { url, label }])
        }
        Command::AddAction { text, owner } => Ok(vec![Event::ActionAdded {
            number: inc.actions.len() as u32 + 1,
            text: required_text(&text, "Describe the action after `action`.")?,
            owner,
        }]),
        Command::RequestTicket { number } => {
            let Some(action) = inc.actions.iter().find(|a| a.number == number) else {
                return Err(DomainError::Invalid(format!(
                    "There is no action item {number}; `/incident action <text>` adds one."
                )));
            };
            if action.ticket_requested || action.ticket.is_some() {
                return Err(DomainError::Unchanged(format!(
                    "action item {number} already has a ticket."
                )));
            }
            Ok(vec![Event::TicketRequested { number }])
        }
        Command::LinkTicket { number, key, url } => {
            match inc.actions.iter().find(|a| a.number == number) {
                Some(a) if a.ticket.is_none() => Ok(vec![Event::TicketLinked { number, key, url }]),
                Some(_) => Ok(vec![]),
                None => Err(DomainError::Invalid(format!(
                    "There is no action item {number}."
                ))),
            }
        }
        Command::MergeInto { target } => {
            if target == inc.id {
                return Err(DomainError::Invalid(
                    "An incident can't be merged into itself.".into(),
                ));
            }
            // A report ends declined, anything else closed: either way its channel is
            // archived and its pages resolved, and the target carries on.
            let to = if inc.status == Status::Triage {
                Status::Declined
            } else {
                Status::Closed
            };
            let summary = Some(format!("Merged into {target}"));
            Ok(vec![
                Event::MergedInto { target },
                Event::StatusChanged {
                    from: inc.status,
                    to,
                    summary,
                },
            ])
        }
        Command::ExportAudit => Ok(vec![Event::AuditRequested]),
        Command::Edit(edit) => edit_details(inc, *edit),
        Command::ChangeServices { add, remove } => {
            let events = change_services(inc, &add, &remove);
            if events.is_empty() {
                return Err(DomainError::Unchanged(
                    "the affected services are already so.".into(),
                ));
            }
            Ok(events)
        }
        Command::RecordPage(note) => {
            let open = inc.pages.iter().any(|p| p.key == note.key && !p.resolved);
            Ok(if open {
                vec![]
            } else {
                vec![Event::Paged(note)]
            })
        }
        Command::PagerUpdate { key, state, by } => {
            let Some(page) = inc.pages.iter().find(|p| p.key == key) else {
                return Err(DomainError::Invalid(format!(
                    "This incident has no page `{key}`."
                )));
            };
            let by = by.map(|b| clip(b.trim(), 100)).filter(|b| !b.is_empty());
            Ok(match state {
                _ if page.resolved => vec![],
                super::command::PagerState::Acknowledged if page.acknowledged_at.is_some() => {
                    vec![]
                }
                super::command::PagerState::Acknowledged => {
                    vec![Event::PageAcknowledged { key, by }]
                }
                super::command::PagerState::Resolved => vec![Event::PageResolved { key, by }],
            })
        }
        // Never about an incident: the worker hands it to its effects' `notice`.
        Command::Quarantine(_)
        | Command::PublishHome { .. }
        | Command::Stats { .. }
        | Command::MailLog { .. }
        | Command::ReleaseQuarantine { .. } => Err(DomainError::Invalid(
            "That is not a change of an incident.".into(),
        )),
        Command::Absorb {
            from,
            title,
            part,
            entries,
        } => {
            let mut events = Vec::with_capacity(entries.len() + 1);
            if part == 0 {
                events.push(Event::MergedFrom {
                    from: from.clone(),
                    title: clip(&title, MAX_TITLE),
                });
            }
            let mut next_action = inc.actions.len() as u32;
            for entry in entries {
                match entry.event {
                    // Action items join the list here, numbered after this one's own.
                    Event::ActionAdded { text, owner, .. } => {
                        next_action += 1;
                        events.push(Event::ActionAdded {
                            number: next_action,
                            text,
                            owner,
                        });
                    }
                    event => events.push(Event::Absorbed {
                        from: from.clone(),
                        at: entry.at,
                        actor: entry.actor,
                        event: Box::new(event),
                    }),
                }
            }
            Ok(events)
        }
        Command::Snooze { minutes } => {
            if !(1..=24 * 60).contains(&minutes) {
                return Err(DomainError::Invalid("Snooze for 1 to 1440 minutes.".into()));
            }
            Ok(vec![Event::Snoozed {
                until: now + Duration::minutes(i64::from(minutes)),
            }])
        }
        Command::Uncapture { kind, channel, ts } => {
            let key = CaptureKey {
                kind,
                channel: channel.clone(),
                ts: ts.clone(),
            };
            Ok(if inc.captures.contains(&key) {
                vec![Event::CaptureWithdrawn { kind, channel, ts }]
            } else {
                vec![]
            })
        }
    }
}

/// An http(s) link Slack can show as one (no spaces, `|`, `<`, `>`), or `None`.
fn web_link(url: &str) -> Option<String> {
    let url = url
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned();
    let safe = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 2000
        && !url
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '|' | '<' | '>'));
    safe.then_some(url)
}

/// One event per detail that changes; an edit that changes nothing says so.
fn edit_details(inc: &Incident, edit: super::command::Edit) -> Result<Vec<Event>, DomainError> {
    use super::event::Detail;
    let mut events = Vec::new();
    let mut change = |field: Detail, from: &str, to: String| {
        if from != to {
            events.push(Event::DetailEdited {
                field,
                from: from.to_owned(),
                to,
            });
        }
    };
    if let Some(title) = edit.title {
        let title = required_text(&title, "A title can't be empty.")?;
        change(Detail::Title, &inc.title, clip(&title, MAX_TITLE));
    }
    if let Some(impact) = edit.impact {
        change(Detail::Impact, &inc.impact, clip(impact.trim(), MAX_TEXT));
    }
    if let Some(description) = edit.description {
        change(
            Detail::Description,
            &inc.description,
            clip(description.trim(), MAX_TEXT),
        );
    }
    if let Some(customer) = edit.customer {
        let from = inc.customer.as_deref().unwrap_or_default();
        change(Detail::Customer, from, customer.trim().to_owned());
    }
    if let Some(services) = edit.services {
        let add: Vec<String> = services
            .iter()
            .filter(|s| !inc.services.contains(s))
            .cloned()
            .collect();
        let remove: Vec<String> = inc
            .services
            .iter()
            .filter(|s| !services.contains(s))
            .cloned()
            .collect();
        events.extend(change_services(inc, &add, &remove));
    }
    if events.is_empty() {
        return Err(DomainError::Unchanged("nothing changed.".into()));
    }
    Ok(events)
}

fn change_services(inc: &Incident, add: &[String], remove: &[String]) -> Vec<Event> {
    let mut events = Vec::new();
    let mut added: Vec<&str> = Vec::new();
    for s in add.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if !inc.services.iter().any(|have| have == s)
            && !added.contains(&s)
            && !remove.iter().any(|r| r == s)
        {
            added.push(s);
            events.push(Event::ServiceAdded {
                service: s.to_owned(),
            });
        }
    }
    for s in remove {
        if inc.services.contains(s) {
            events.push(Event::ServiceRemoved { service: s.clone() });
        }
    }
    events
}

/// The nudges due, each once; an unacknowledged triage incident escalates to the
/// coordinator rotation on its second nudge.
fn remind(inc: &Incident, policy: &ReminderPolicy, at: DateTime<Utc>) -> Vec<Event> {
    let mut events = Vec::new();
    for kind in due_now(inc, policy, at) {
        let nth = match kind {
            ReminderKind::TriageUnacknowledged => u32::from(inc.reminders.triage_nudges) + 1,
            _ => 1,
        };
        events.push(Event::Reminded { kind, nth });
        if kind == ReminderKind::TriageUnacknowledged && nth == 2 {
            events.push(Event::Escalated {
                target: super::command::EscalationTarget::Coordinators,
            });
        }
    }
    events
}

fn declare(
    mut d: Declaration,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, DomainError> {
    d.title = required_text(&d.title, "Give the incident a title.")?;
    d.title = clip(&d.title, MAX_TITLE);
    d.impact = clip(d.impact.trim(), MAX_TEXT);
    d.description = clip(d.description.trim(), MAX_TEXT);
    if let Some(start) = d.impact_started_at {
        not_in_future(start, now)?;
        not_long_before(start, now)?;
    }
    // The reporter is an operations engineer unless the modal said otherwise.
    if let Some(user) = actor.user_id()
        && !d.triage
        && d.roles.operations.is_empty()
    {
        d.roles.operations.push(user.clone());
    }
    Ok(vec![Event::Declared(Box::new(d))])
}

fn change_status(
    inc: &Incident,
    to: Status,
    summary: Option<String>,
) -> Result<Vec<Event>, DomainError> {
    if inc.status == to {
        return Err(DomainError::Unchanged(format!(
            "the incident is already {to}."
        )));
    }
    if !inc.status.can_become(to) {
        return Err(DomainError::IllegalTransition {
            from: inc.status,
            to,
        });
    }
    let summary = summary
        .map(|s| clip(s.trim(), MAX_TEXT))
        .filter(|s| !s.is_empty());
    Ok(vec![Event::StatusChanged {
        from: inc.status,
        to,
        summary,
    }])
}

fn set_impact(
    inc: &Incident,
    edge: ImpactEdge,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, DomainError> {
    not_in_future(at, now)?;
    // Measured from the declaration, so the bound doesn't move as the incident ages.
    not_long_before(at, inc.declared_at)?;
    match edge {
        ImpactEdge::Start => {
            if let Some(end) = inc.impact_ended_at
                && at > end
            {
                return Err(DomainError::Invalid(
                    "Impact can't start after it ended.".into(),
                ));
            }
        }
        ImpactEdge::End => {
            if inc.impact_started_at.is_some_and(|start| at < start) {
                return Err(DomainError::Invalid(
                    "Impact can't end before it started.".into(),
                ));
            }
        }
    }
    Ok(vec![Event::ImpactSet { edge, at }])
}

/// How long before its declaration an incident's impact may have started. A time
/// further back is a typo (`100000000m ago` is the year 1836), and it would make
/// every duration and the postmortem's timeline nonsense.
pub const MAX_IMPACT_LEAD_DAYS: i64 = 30;

fn not_long_before(at: DateTime<Utc>, declared: DateTime<Utc>) -> Result<(), DomainError> {
    if at < declared - Duration::days(MAX_IMPACT_LEAD_DAYS) {
        return Err(DomainError::Invalid(format!(
            "That is more than {MAX_IMPACT_LEAD_DAYS} days before the incident was declared ({}): check the time.",
            declared.format("%Y-%m-%d %H:%M UTC")
        )));
    }
    Ok(())
}

fn not_in_future(at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), DomainError> {
    // A little slack for clocks that disagree.
    if at > now + Duration::minutes(5) {
        return Err(DomainError::Invalid("That time is in the future.".into()));
    }
    Ok(())
}

fn required_text(s: &str, why: &str) -> Result<String, DomainError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(DomainError::Invalid(why.into()));
    }
    Ok(clip(t, MAX_TEXT))
}

/// Cuts at a character boundary and marks the cut.
pub fn clip(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max_chars.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Longest public title kept (Statuspage's incident names stay short on the page).
pub const MAX_PUBLIC_TITLE: usize = 200;

/// `PublishStatus`: a new public title is recorded first (an edit of the public title),
/// then the publish itself. A private incident is published only under a public title
/// a person chose: its own title never leaves Slack this way.
fn publish_status(
    inc: &Incident,
    message: Option<String>,
    title: Option<String>,
    status: Option<Status>,
) -> Result<Vec<Event>, DomainError> {
    if inc.status == Status::Triage {
        return Err(DomainError::Invalid(
            "A triage report is not published; accept it first.".into(),
        ));
    }
    let status = status.unwrap_or(inc.status);
    if !matches!(
        status,
        Status::Investigating | Status::Fixing | Status::Monitoring | Status::Resolved
    ) {
        return Err(DomainError::Invalid(
            "The status page says investigating, identified, monitoring or resolved.".into(),
        ));
    }
    let title = title
        .map(|t| {
            clip(
                t.split_whitespace().collect::<Vec<_>>().join(" ").as_str(),
                MAX_PUBLIC_TITLE,
            )
        })
        .filter(|t| !t.is_empty());
    if inc.private && title.is_none() && inc.public_title.is_none() {
        return Err(DomainError::Invalid(
            "A private incident is published only under a public title: use `/incident statuspage` and give one.".into(),
        ));
    }
    let message = message
        .map(|m| clip(m.trim(), MAX_TEXT))
        .filter(|m| !m.is_empty());
    let new_title = title.filter(|t| inc.public_title.as_deref() != Some(t.as_str()));
    if inc.published_status == Some(status) && message.is_none() && new_title.is_none() {
        return Err(DomainError::Unchanged(format!(
            "the status page already says {}.",
            super::public::public_word(status)
        )));
    }
    let mut events = Vec::with_capacity(2);
    if let Some(to) = new_title {
        events.push(Event::DetailEdited {
            field: super::event::Detail::PublicTitle,
            from: inc.public_title.clone().unwrap_or_default(),
            to,
        });
    }
    events.push(Event::StatusPublished { status, message });
    Ok(events)
}
