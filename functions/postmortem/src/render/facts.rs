//! One pass over the timeline: everything the sections need, in event order.
//!
//! Linear in the number of events (the timeline table is then sorted once). Captures
//! withdrawn later are dropped here, and reminders never make it in.

use chrono::{DateTime, Utc};
use flare::domain::{
    Actor, CaptureKind, CapturedMessage, Declaration, Detail, EscalationTarget, Event, ImpactEdge,
    IncidentId, Recorded, Role, Severity, Status, UserId,
};
use std::collections::{HashMap, HashSet};

/// A line of the timeline table, kept structured until the time format is known.
pub struct Row<'a> {
    /// The original time: a message's `posted_at`, an impact edge's own time.
    pub at: DateTime<Utc>,
    /// Ties keep the order events were recorded in.
    pub order: (u64, u8),
    pub actor: Option<&'a Actor>,
    pub what: What<'a>,
}

pub enum What<'a> {
    /// The message the incident was declared from.
    Reported(&'a CapturedMessage),
    /// Impact start given at declaration.
    ImpactFromDeclaration,
    Declared(&'a Declaration),
    Acknowledged,
    Update(&'a str),
    Status {
        from: Status,
        to: Status,
        summary: Option<&'a str>,
    },
    Severity {
        from: &'a Severity,
        to: &'a Severity,
    },
    Role {
        role: Role,
        user: &'a UserId,
        previous: Option<&'a UserId>,
    },
    Escalated(&'a EscalationTarget),
    Impact {
        edge: ImpactEdge,
        recorded: DateTime<Utc>,
    },
    Captured {
        kind: CaptureKind,
        message: &'a CapturedMessage,
    },
    /// A duplicate was merged into this incident.
    Merged {
        from: &'a IncidentId,
        title: &'a str,
    },
    /// A detail of the declaration changed.
    Edited {
        field: Detail,
        from: &'a str,
        to: &'a str,
    },
    /// A service became affected (`true`) or stopped being.
    Service {
        service: &'a str,
        added: bool,
    },
    /// A page: made, or acknowledged or resolved at the pager.
    Page {
        label: &'a str,
        vendor: &'a str,
        step: PageStep,
        by: Option<&'a str>,
    },
    /// A post on the public status page: under the public title of the time (`None`:
    /// published before public titles were kept), at a status, with the severity of
    /// the time (which the component status may depend on).
    StatusPage {
        title: Option<&'a str>,
        status: Status,
        message: Option<&'a str>,
        severity: Option<&'a Severity>,
    },
    /// An entry that came with a merged duplicate.
    FromDuplicate {
        from: &'a IncidentId,
        what: Box<What<'a>>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageStep {
    Paged,
    Acknowledged,
    Resolved,
}

/// A message kept with 🧾 or 📌, still marked at the end.
pub struct Capture<'a> {
    pub message: &'a CapturedMessage,
    pub marked_by: &'a Actor,
}

#[derive(Default)]
pub struct Participant {
    pub who: String,
    pub user: Option<UserId>,
    /// Events they recorded (declaring, updates, status changes, marking messages…).
    pub actions: usize,
    /// Their messages in the record (captured, or the declaration's source).
    pub messages: usize,
}

#[derive(Default)]
pub struct Facts<'a> {
    pub declaration: Option<&'a Declaration>,
    pub declared_by: Option<&'a Actor>,
    pub rows: Vec<Row<'a>>,
    /// The severity declared, then each change.
    pub severities: Vec<(DateTime<Utc>, &'a Severity)>,
    /// The status at declaration, then each change.
    pub statuses: Vec<(DateTime<Utc>, Status)>,
    pub papertrail: Vec<Capture<'a>>,
    pub discussion: Vec<Capture<'a>>,
    pub participants: Vec<Participant>,
    /// Earlier holders of each single-holder role, oldest first, without repeats.
    pub earlier: Vec<(Role, Vec<&'a UserId>)>,
    /// The summary given with the last resolution.
    pub resolution: Option<&'a str>,
    pub last_update: Option<&'a str>,
}

type Key<'a> = (CaptureKind, &'a str, &'a str);

impl<'a> Facts<'a> {
    pub fn collect(timeline: &'a [Recorded]) -> Self {
        let live = live_captures(timeline);
        let mut f = Facts::default();
        let mut people: HashMap<String, usize> = HashMap::new();
        // Page key → (who was paged, pager), for the pager's later word on it.
        let mut pages: HashMap<&'a str, (&'a str, &'a str)> = HashMap::new();
        // The public title as it stood at each status page post.
        let mut public_title: Option<&'a str> = None;
        for (i, rec) in timeline.iter().enumerate() {
            let row = |sub: u8, at: DateTime<Utc>, what: What<'a>| Row {
                at,
                order: (rec.version, sub),
                actor: Some(&rec.actor),
                what,
            };
            // Everything a person did counts (Flare's own reminders don't: see `participant`).
            f.participant(&mut people, &rec.actor, 1, 0);
            match &rec.event {
                Event::Declared(d) => {
                    f.declaration = Some(d);
                    f.declared_by = Some(&rec.actor);
                    f.severities.push((rec.at, &d.severity));
                    let status = if d.triage {
                        Status::Triage
                    } else {
                        Status::Investigating
                    };
                    f.statuses.push((rec.at, status));
                    for user in d.roles.people() {
                        f.participant(&mut people, &Actor::user(user.clone()), 0, 0);
                    }
                    if let Some(m) = &d.source_message {
                        f.author(&mut people, m);
                        f.rows.push(Row {
                            actor: None,
                            ..row(0, m.posted_at, What::Reported(m))
                        });
                    }
                    if let Some(start) = d.impact_started_at {
                        f.rows.push(row(1, start, What::ImpactFromDeclaration));
                    }
                    f.rows.push(row(2, rec.at, What::Declared(d)));
                }
                Event::Acknowledged => f.rows.push(row(0, rec.at, What::Acknowledged)),
                Event::UpdatePosted { text } => {
                    f.last_update = Some(text);
                    f.rows.push(row(0, rec.at, What::Update(text)));
                }
                Event::StatusChanged { from, to, summary } => {
                    f.statuses.push((rec.at, *to));
                    if *to == Status::Resolved {
                        f.resolution = summary.as_deref();
                    }
                    let summary = summary.as_deref();
                    f.rows.push(row(
                        0,
                        rec.at,
                        What::Status {
                            from: *from,
                            to: *to,
                            summary,
                        },
                    ));
                }
                Event::SeverityChanged { from, to } => {
                    f.severities.push((rec.at, to));
                    f.rows.push(row(0, rec.at, What::Severity { from, to }));
                }
                Event::RoleAssigned {
                    role,
                    user,
                    previous,
                } => {
                    if let Some(p) = previous {
                        f.earlier_holder(*role, p);
                    }
                    f.participant(&mut people, &Actor::user(user.clone()), 0, 0);
                    f.rows.push(row(
                        0,
                        rec.at,
                        What::Role {
                            role: *role,
                            user,
                            previous: previous.as_ref(),
                        },
                    ));
                }
                Event::Escalated { target } => {
                    f.rows.push(row(0, rec.at, What::Escalated(target)));
                }
                Event::ImpactSet { edge, at } => f.rows.push(row(
                    0,
                    *at,
                    What::Impact {
                        edge: *edge,
                        recorded: rec.at,
                    },
                )),
                Event::Captured { kind, message } if live.contains(&i) => {
                    f.author(&mut people, message);
                    let capture = Capture {
                        message,
                        marked_by: &rec.actor,
                    };
                    match kind {
                        CaptureKind::Papertrail => f.papertrail.push(capture),
                        CaptureKind::Discussion => f.discussion.push(capture),
                    }
                    f.rows.push(row(
                        0,
                        message.posted_at,
                        What::Captured {
                            kind: *kind,
                            message,
                        },
                    ));
                }
                Event::MergedFrom { from, title } => {
                    f.rows.push(row(0, rec.at, What::Merged { from, title }));
                }
                Event::Absorbed {
                    from,
                    at,
                    actor,
                    event,
                } => {
                    f.participant(&mut people, actor, 1, 0);
                    let moved = |at: DateTime<Utc>, what: What<'a>| Row {
                        at,
                        order: (rec.version, 0),
                        actor: Some(actor),
                        what: What::FromDuplicate {
                            from,
                            what: Box::new(what),
                        },
                    };
                    match event.as_ref() {
                        Event::Declared(d) => f.rows.push(moved(*at, What::Declared(d))),
                        Event::UpdatePosted { text } => f.rows.push(moved(*at, What::Update(text))),
                        Event::ImpactSet { edge, at: when } => f.rows.push(moved(
                            *when,
                            What::Impact {
                                edge: *edge,
                                recorded: *at,
                            },
                        )),
                        Event::Captured { kind, message } => {
                            f.author(&mut people, message);
                            let capture = Capture {
                                message,
                                marked_by: actor,
                            };
                            match kind {
                                CaptureKind::Papertrail => f.papertrail.push(capture),
                                CaptureKind::Discussion => f.discussion.push(capture),
                            }
                            f.rows.push(moved(
                                message.posted_at,
                                What::Captured {
                                    kind: *kind,
                                    message,
                                },
                            ));
                        }
                        _ => {}
                    }
                }
                Event::StatusPublished { status, message } => {
                    let severity = f.severities.last().map(|(_, s)| *s);
                    f.rows.push(row(
                        0,
                        rec.at,
                        What::StatusPage {
                            title: public_title,
                            status: *status,
                            message: message.as_deref(),
                            severity,
                        },
                    ));
                }
                Event::DetailEdited { field, from, to } => {
                    if *field == Detail::PublicTitle {
                        public_title = Some(to);
                    }
                    f.rows.push(row(
                        0,
                        rec.at,
                        What::Edited {
                            field: *field,
                            from,
                            to,
                        },
                    ))
                }
                Event::ServiceAdded { service } | Event::ServiceRemoved { service } => {
                    let added = matches!(rec.event, Event::ServiceAdded { .. });
                    f.rows
                        .push(row(0, rec.at, What::Service { service, added }));
                }
                Event::Paged(note) => {
                    pages.insert(&note.key, (&note.label, &note.vendor));
                    f.rows.push(row(
                        0,
                        rec.at,
                        What::Page {
                            label: &note.label,
                            vendor: &note.vendor,
                            step: PageStep::Paged,
                            by: None,
                        },
                    ));
                }
                Event::PageAcknowledged { key, by } | Event::PageResolved { key, by } => {
                    let step = if matches!(rec.event, Event::PageResolved { .. }) {
                        PageStep::Resolved
                    } else {
                        PageStep::Acknowledged
                    };
                    let (label, vendor) =
                        pages.get(key.as_str()).copied().unwrap_or(("on-call", ""));
                    f.rows.push(row(
                        0,
                        rec.at,
                        What::Page {
                            label,
                            vendor,
                            step,
                            by: by.as_deref(),
                        },
                    ));
                }
                Event::Captured { .. }
                | Event::AuditRequested
                | Event::CaptureWithdrawn { .. }
                | Event::Reminded { .. }
                | Event::Snoozed { .. }
                | Event::PostmortemRequested
                | Event::MergedInto { .. }
                | Event::ActionAdded { .. }
                | Event::LinkAdded { .. }
                | Event::TicketRequested { .. }
                | Event::TicketLinked { .. }
                | Event::CallSet { .. } => {}
            }
        }
        f.rows.sort_by_key(|r| (r.at, r.order));
        let by_time = |c: &Capture<'_>| (c.message.posted_at, c.message.ts.clone());
        f.papertrail.sort_by_key(by_time);
        f.discussion.sort_by_key(by_time);
        f
    }

    fn participant(
        &mut self,
        people: &mut HashMap<String, usize>,
        actor: &Actor,
        actions: usize,
        messages: usize,
    ) {
        let (who, user) = match actor {
            Actor::User { id } => (format!("@{id}"), Some(id.clone())),
            Actor::Email { address } => (address.clone(), None),
            // Flare itself (reminders) is not a participant.
            Actor::System { .. } => return,
        };
        let i = *people.entry(who.clone()).or_insert_with(|| {
            self.participants.push(Participant {
                who,
                user,
                ..Participant::default()
            });
            self.participants.len() - 1
        });
        if let Some(p) = self.participants.get_mut(i) {
            p.actions += actions;
            p.messages += messages;
        }
    }

    fn author(&mut self, people: &mut HashMap<String, usize>, m: &CapturedMessage) {
        if let Some(author) = &m.author {
            self.participant(people, &Actor::user(author.clone()), 0, 1);
        }
    }

    fn earlier_holder(&mut self, role: Role, user: &'a UserId) {
        let pos = match self.earlier.iter().position(|(r, _)| *r == role) {
            Some(p) => p,
            None => {
                self.earlier.push((role, Vec::new()));
                self.earlier.len() - 1
            }
        };
        if let Some((_, users)) = self.earlier.get_mut(pos)
            && !users.contains(&user)
        {
            users.push(user);
        }
    }
}

/// Indexes of the `Captured` events still standing at the end: a withdrawal removes
/// the capture before it; capturing the same message again counts from then.
fn live_captures(timeline: &[Recorded]) -> HashSet<usize> {
    let mut live: HashMap<Key<'_>, usize> = HashMap::new();
    for (i, rec) in timeline.iter().enumerate() {
        match &rec.event {
            Event::Captured { kind, message } => {
                live.entry((*kind, &message.channel, &message.ts))
                    .or_insert(i);
            }
            Event::CaptureWithdrawn { kind, channel, ts } => {
                live.remove(&(*kind, channel.as_str(), ts.as_str()));
            }
            _ => {}
        }
    }
    live.into_values().collect()
}
