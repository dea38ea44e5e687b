//! Behaviour of decide + apply together, including property tests of the invariants.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 22, 9, 0, 0).unwrap()
}

fn alice() -> Actor {
    Actor::user(UserId::parse("U0ALICE").unwrap())
}

fn sev(s: &str) -> Severity {
    SeverityScale::default().parse(s).unwrap()
}

fn declaration(triage: bool) -> Declaration {
    Declaration {
        title: "Checkout fails".into(),
        severity: sev("S2"),
        impact: "Customers cannot pay".into(),
        description: String::new(),
        services: vec!["checkout".into()],
        customer: None,
        triage,
        private: false,
        page_oncall: true,
        roles: Roles::default(),
        impact_started_at: None,
        source_message: None,
        files: Vec::new(),
    }
}

/// Runs commands like the worker does, returning the incident and its timeline.
struct Sim {
    incident: Option<Incident>,
    timeline: Vec<Recorded>,
    now: DateTime<Utc>,
}

impl Sim {
    fn new() -> Self {
        Self {
            incident: None,
            timeline: vec![],
            now: t0(),
        }
    }

    fn run(&mut self, command: Command) -> Result<usize, DomainError> {
        let events = decide(self.incident.as_ref(), command, &alice(), self.now)?;
        let n = events.len();
        for event in events {
            self.record(event);
        }
        Ok(n)
    }

    /// Stores and applies one event as the worker does (also for `apply`'s own rules,
    /// whatever `decide` would have produced).
    fn record(&mut self, event: Event) {
        let version = self.timeline.len() as u64 + 1;
        let rec = Recorded {
            incident_id: IncidentId::parse("20240122-calm-otter").unwrap(),
            version,
            at: self.now,
            actor: alice(),
            command_id: format!("c{version}"),
            event,
        };
        match &mut self.incident {
            None => self.incident = Incident::from_declared(&rec),
            Some(i) => i.apply(&rec),
        }
        self.timeline.push(rec);
    }

    fn status(&self) -> Status {
        self.incident.as_ref().unwrap().status
    }
}

fn at_status(target: Status) -> Sim {
    let mut sim = Sim::new();
    sim.run(Command::Declare(Box::new(declaration(true))))
        .unwrap();
    let path: &[Status] = match target {
        Status::Triage => &[],
        Status::Investigating => &[Status::Investigating],
        Status::Fixing => &[Status::Investigating, Status::Fixing],
        Status::Monitoring => &[Status::Investigating, Status::Monitoring],
        Status::Resolved => &[Status::Investigating, Status::Resolved],
        Status::Closed => &[Status::Investigating, Status::Resolved, Status::Closed],
        Status::Declined => &[Status::Declined],
    };
    for s in path {
        let command = if *s == Status::Declined {
            Command::DeclineTriage {
                reason: "spam".into(),
            }
        } else {
            Command::SetStatus {
                status: *s,
                summary: Some("because".into()),
            }
        };
        sim.run(command).unwrap();
    }
    assert_eq!(sim.status(), target);
    sim
}

#[test]
fn every_status_command_is_accepted_exactly_when_the_transition_is_legal() {
    for from in Status::ALL {
        for to in Status::ALL {
            let mut sim = at_status(from);
            let result = sim.run(Command::SetStatus {
                status: to,
                summary: None,
            });
            // Declining goes through `decline <reason>`, never a bare status change.
            if from.can_become(to) && to != Status::Declined {
                assert_eq!(result, Ok(1), "{from} -> {to}");
                assert_eq!(sim.status(), to);
            } else {
                assert!(result.is_err(), "{from} -> {to} should be refused");
                assert_eq!(sim.status(), from);
            }
        }
    }
}

#[test]
fn declaring_a_human_incident_acknowledges_it_and_makes_the_reporter_ops() {
    let mut sim = Sim::new();
    sim.run(Command::Declare(Box::new(declaration(false))))
        .unwrap();
    let inc = sim.incident.as_ref().unwrap();
    assert_eq!(inc.status, Status::Investigating);
    assert_eq!(inc.acknowledged_at, Some(t0()));
    assert_eq!(
        inc.roles.operations,
        vec![UserId::parse("U0ALICE").unwrap()]
    );
}

#[test]
fn triage_accept_acknowledges_changes_severity_and_starts_investigating() {
    let mut sim = at_status(Status::Triage);
    sim.now += Duration::minutes(4);
    assert_eq!(
        sim.run(Command::AcceptTriage {
            severity: sev("S1")
        }),
        Ok(4),
        "acknowledged, S1, coordinator, investigating"
    );
    let inc = sim.incident.as_ref().unwrap();
    assert_eq!(inc.status, Status::Investigating);
    assert_eq!(inc.severity, sev("S1"));
    let d = Durations::of(inc);
    assert_eq!(d.to_acknowledge, Some(Duration::minutes(4)));
    assert_eq!(
        sim.run(Command::AcceptTriage {
            severity: sev("S1")
        }),
        Err(DomainError::NotInTriage(Status::Investigating))
    );
}

#[test]
fn decline_needs_a_reason_and_ends_the_incident() {
    let mut sim = at_status(Status::Triage);
    assert!(matches!(
        sim.run(Command::DeclineTriage {
            reason: "  ".into()
        }),
        Err(DomainError::Invalid(_))
    ));
    sim.run(Command::DeclineTriage {
        reason: "spam".into(),
    })
    .unwrap();
    assert_eq!(
        sim.run(Command::PostUpdate { text: "x".into() }),
        Err(DomainError::Finished(Status::Declined))
    );
}

#[test]
fn closed_incidents_accept_nothing() {
    let commands = vec![
        Command::Acknowledge,
        Command::PostUpdate { text: "x".into() },
        Command::SetSeverity {
            severity: sev("S1"),
        },
        Command::SetStatus {
            status: Status::Investigating,
            summary: None,
        },
        Command::Resolve { summary: None },
    ];
    for c in commands {
        let mut sim = at_status(Status::Closed);
        assert_eq!(sim.run(c), Err(DomainError::Finished(Status::Closed)));
    }
}

#[test]
fn a_closed_incident_still_takes_its_follow_ups_and_a_declined_one_nothing() {
    let mut sim = at_status(Status::Closed);
    sim.run(Command::AddAction {
        text: "Alert on config drift".into(),
        owner: None,
    })
    .unwrap();
    sim.run(Command::RequestTicket { number: 1 }).unwrap();
    sim.run(Command::LinkTicket {
        number: 1,
        key: "OPS-7".into(),
        url: "https://tracker.example/OPS-7".into(),
    })
    .unwrap();
    assert_eq!(
        sim.run(Command::RequestPostmortem),
        Ok(1),
        "a redraft at the review"
    );
    assert_eq!(sim.incident.as_ref().unwrap().status, Status::Closed);
    let mut declined = at_status(Status::Declined);
    assert_eq!(
        declined.run(Command::AddAction {
            text: "x".into(),
            owner: None
        }),
        Err(DomainError::Finished(Status::Declined))
    );
}

#[test]
fn resolved_can_reopen() {
    let mut sim = at_status(Status::Resolved);
    assert!(sim.incident.as_ref().unwrap().resolved_at.is_some());
    sim.run(Command::SetStatus {
        status: Status::Investigating,
        summary: Some("it's back".into()),
    })
    .unwrap();
    assert_eq!(sim.incident.as_ref().unwrap().resolved_at, None);
}

#[test]
fn captures_are_idempotent_and_withdrawable() {
    let mut sim = at_status(Status::Investigating);
    let message = CapturedMessage {
        channel: "C1".into(),
        ts: "1700000000.000100".into(),
        author: None,
        text: "db cpu 100%".into(),
        permalink: None,
        posted_at: t0(),
    };
    let capture = || Command::Capture {
        kind: CaptureKind::Papertrail,
        message: message.clone(),
    };
    assert_eq!(sim.run(capture()), Ok(1));
    assert_eq!(sim.run(capture()), Ok(0));
    // The same message pinned is a different capture.
    assert_eq!(
        sim.run(Command::Capture {
            kind: CaptureKind::Discussion,
            message: message.clone()
        }),
        Ok(1)
    );
    let withdraw = || Command::Uncapture {
        kind: CaptureKind::Papertrail,
        channel: "C1".into(),
        ts: message.ts.clone(),
    };
    assert_eq!(sim.run(withdraw()), Ok(1));
    assert_eq!(sim.run(withdraw()), Ok(0));
    assert_eq!(sim.incident.as_ref().unwrap().captures.len(), 1);
}

#[test]
fn roles_and_severity_refuse_no_ops() {
    let mut sim = at_status(Status::Investigating);
    let bob = UserId::parse("U0BOB").unwrap();
    let assign = || Command::AssignRole {
        role: Role::Coordinator,
        user: bob.clone(),
    };
    assert_eq!(sim.run(assign()), Ok(1));
    assert!(matches!(sim.run(assign()), Err(DomainError::Unchanged(_))));
    assert!(matches!(
        sim.run(Command::SetSeverity {
            severity: sev("S2")
        }),
        Err(DomainError::Unchanged(_))
    ));
    let carol = UserId::parse("U0CAROL").unwrap();
    sim.run(Command::AssignRole {
        role: Role::Coordinator,
        user: carol.clone(),
    })
    .unwrap();
    let last = sim.timeline.last().unwrap();
    assert_eq!(
        last.event,
        Event::RoleAssigned {
            role: Role::Coordinator,
            user: carol,
            previous: Some(bob)
        }
    );
}

#[test]
fn impact_can_not_start_long_before_the_declaration() {
    // `impact start 100000000m ago` read the year 1836.
    let mut sim = at_status(Status::Investigating);
    let declared = sim.incident.as_ref().unwrap().declared_at;
    let far = Command::SetImpact {
        edge: ImpactEdge::Start,
        at: sim.now - Duration::minutes(100_000_000),
    };
    let refused = sim.run(far).unwrap_err();
    assert!(refused.to_string().contains("30 days"), "{refused}");
    let edge = Command::SetImpact {
        edge: ImpactEdge::Start,
        at: declared - Duration::days(30),
    };
    assert_eq!(sim.run(edge), Ok(1));
    // Weeks later the bound is still the declaration, not the present.
    sim.now += Duration::days(60);
    let end = Command::SetImpact {
        edge: ImpactEdge::End,
        at: declared - Duration::days(31),
    };
    assert!(sim.run(end).is_err());
    // The same at declaration.
    let mut sim = Sim::new();
    let mut d = declaration(false);
    d.impact_started_at = Some(t0() - Duration::days(31));
    assert!(sim.run(Command::Declare(Box::new(d))).is_err());
}

#[test]
fn impact_window_and_durations() {
    let mut sim = Sim::new();
    let mut d = declaration(false);
    d.impact_started_at = Some(t0() - Duration::minutes(20));
    sim.run(Command::Declare(Box::new(d))).unwrap();
    sim.now += Duration::minutes(30);
    sim.run(Command::SetStatus {
        status: Status::Monitoring,
        summary: None,
    })
    .unwrap();
    sim.now += Duration::minutes(30);
    sim.run(Command::Resolve { summary: None }).unwrap();
    let inc = sim.incident.as_ref().unwrap();
    let d = Durations::of(inc);
    assert_eq!(d.to_detect, Some(Duration::minutes(20)));
    // Declaring is not acknowledging: nobody did, and nobody was paged.
    assert_eq!(d.to_acknowledge, None);
    assert_eq!(d.to_mitigate, Some(Duration::minutes(50)));
    assert_eq!(d.to_resolve, Some(Duration::minutes(80)));
    assert_eq!(inc.impact_ended_at, Some(sim.now));

    let mut sim = at_status(Status::Investigating);
    assert!(
        sim.run(Command::SetImpact {
            edge: ImpactEdge::Start,
            at: t0() + Duration::hours(2)
        })
        .is_err(),
        "future"
    );
    sim.run(Command::SetImpact {
        edge: ImpactEdge::Start,
        at: t0() - Duration::minutes(10),
    })
    .unwrap();
    assert!(
        sim.run(Command::SetImpact {
            edge: ImpactEdge::End,
            at: t0() - Duration::minutes(20)
        })
        .is_err(),
        "end before start"
    );
}

#[test]
fn commands_need_an_incident_and_titles_are_required() {
    let mut sim = Sim::new();
    assert_eq!(sim.run(Command::Acknowledge), Err(DomainError::NotFound));
    let mut d = declaration(false);
    d.title = "   ".into();
    assert!(matches!(
        sim.run(Command::Declare(Box::new(d))),
        Err(DomainError::Invalid(_))
    ));
    let mut d = declaration(false);
    d.title = "x".repeat(500);
    sim.run(Command::Declare(Box::new(d))).unwrap();
    assert_eq!(
        sim.incident.as_ref().unwrap().title.chars().count(),
        MAX_TITLE
    );
    assert_eq!(
        sim.run(Command::Declare(Box::new(declaration(false)))),
        Err(DomainError::AlreadyDeclared)
    );
}

#[test]
fn events_round_trip_as_json() {
    let sim = at_status(Status::Resolved);
    for rec in &sim.timeline {
        let json = serde_json::to_string(rec).unwrap();
        assert_eq!(&serde_json::from_str::<Recorded>(&json).unwrap(), rec);
    }
    assert_eq!(
        Incident::replay(&sim.timeline).as_ref(),
        sim.incident.as_ref()
    );
}

fn any_command() -> impl Strategy<Value = Command> {
    let status = prop::sample::select(Status::ALL.to_vec());
    let severity = prop::sample::select(vec!["S1", "S2", "S3", "S4"]).prop_map(sev);
    let user = prop::sample::select(vec!["U0ALICE", "U0BOB", "U0CAROL"])
        .prop_map(|u| UserId::parse(u).unwrap());
    let role = prop::sample::select(Role::ALL.to_vec());
    let ts = prop::sample::select(vec!["1.1", "2.2", "3.3"]);
    let kind = prop::sample::select(vec![CaptureKind::Papertrail, CaptureKind::Discussion]);
    prop_oneof![
        Just(Command::Acknowledge),
        "[a-z ]{0,12}".prop_map(|text| Command::PostUpdate { text }),
        status.prop_map(|status| Command::SetStatus {
            status,
            summary: None
        }),
        severity
            .clone()
            .prop_map(|severity| Command::SetSeverity { severity }),
        (role, user).prop_map(|(role, user)| Command::AssignRole { role, user }),
        Just(Command::Resolve { summary: None }),
        Just(Command::Close),
        severity.prop_map(|severity| Command::AcceptTriage { severity }),
        "[a-z]{0,5}".prop_map(|reason| Command::DeclineTriage { reason }),
        (kind.clone(), ts.clone()).prop_map(|(kind, ts)| Command::Capture {
            kind,
            message: CapturedMessage {
                channel: "C1".into(),
                ts: ts.into(),
                author: None,
                text: "t".into(),
                permalink: None,
                posted_at: t0(),
            }
        }),
        (kind, ts).prop_map(|(kind, ts)| Command::Uncapture {
            kind,
            channel: "C1".into(),
            ts: ts.into()
        }),
        (0i64..120).prop_map(|m| Command::SetImpact {
            edge: ImpactEdge::Start,
            at: t0() - Duration::minutes(m)
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever people do, in any order. Each check reads what `decide` said or what
    /// `apply` made of it, so a wrong rule in either fails it (the reference model in
    /// model_tests.rs checks the rest step by step).
    #[test]
    fn invariants_hold_for_any_command_sequence(
        triage in any::<bool>(),
        steps in prop::collection::vec((any_command(), 0i64..90), 0..40)
    ) {
        let mut sim = Sim::new();
        sim.run(Command::Declare(Box::new(declaration(triage)))).unwrap();
        for (command, minutes) in steps {
            sim.now += Duration::minutes(minutes);
            let before = sim.incident.clone().unwrap();
            let decided = decide(Some(&before), command.clone(), &alice(), sim.now);
            if before.status.is_terminal() {
                prop_assert!(decided.is_err(), "{:?} accepted by a {} incident", command, before.status);
            }
            // Every event is legal where it lands, also the second of a multi-event command.
            let mut status = before.status;
            let mut severity = before.severity.clone();
            for event in decided.iter().flatten() {
                match event {
                    Event::StatusChanged { from, to, .. } => {
                        prop_assert_eq!(*from, status);
                        prop_assert!(from.can_become(*to), "{} -> {} by {:?}", from, to, command);
                        status = *to;
                    }
                    Event::SeverityChanged { from, to } => {
                        prop_assert_eq!(from, &severity);
                        prop_assert_ne!(from, to);
                        severity = to.clone();
                    }
                    _ => {}
                }
            }
            if decided.is_ok() {
                sim.run(command).unwrap();
            }
            let inc = sim.incident.as_ref().unwrap();
            prop_assert_eq!(inc.status, status, "apply disagrees with the events");
            prop_assert_eq!(&inc.severity, &severity);
            // Someone working on it has acknowledged it.
            if !matches!(inc.status, Status::Triage | Status::Declined) {
                prop_assert!(inc.acknowledged_at.is_some(), "{} and unacknowledged", inc.status);
            }
            prop_assert_eq!(
                inc.resolved_at.is_some(),
                matches!(inc.status, Status::Resolved | Status::Closed),
                "resolved_at while {}", inc.status
            );
            prop_assert_eq!(inc.closed_at.is_some(), inc.status.is_terminal());
            if let (Some(m), Some(r)) = (inc.mitigated_at, inc.resolved_at) {
                prop_assert!(m <= r);
            }
            if let (Some(ack), Some(res)) = (inc.acknowledged_at, inc.resolved_at) {
                prop_assert!(ack <= res);
            }
        }
        // The stored form is enough: the timeline through JSON replays to the same incident.
        let stored: Vec<Recorded> = sim
            .timeline
            .iter()
            .map(|r| serde_json::from_str(&serde_json::to_string(r).unwrap()).unwrap())
            .collect();
        let replayed = Incident::replay(&stored);
        prop_assert_eq!(replayed.as_ref(), sim.incident.as_ref());
    }
}

#[test]
fn reopening_drops_the_impact_end_that_came_from_resolving() {
    let mut sim = Sim::new();
    let mut d = declaration(false);
    d.impact_started_at = Some(t0() - Duration::minutes(5));
    sim.run(Command::Declare(Box::new(d))).unwrap();
    sim.now += Duration::minutes(10);
    sim.run(Command::Resolve { summary: None }).unwrap();
    assert!(sim.incident.as_ref().unwrap().impact_ended_at.is_some());
    sim.run(Command::SetStatus {
        status: Status::Investigating,
        summary: None,
    })
    .unwrap();
    assert_eq!(sim.incident.as_ref().unwrap().impact_ended_at, None);
}

fn policy() -> ReminderPolicy {
    crate::config::Config::default().reminder_policy()
}

fn remind(sim: &mut Sim) -> Vec<ReminderKind> {
    let due = next_due(sim.incident.as_ref().unwrap(), &policy());
    let before = sim.timeline.len();
    if let Some(due) = due.filter(|d| *d <= sim.now) {
        sim.run(Command::Remind {
            due,
            policy: Box::new(policy()),
        })
        .unwrap();
    }
    sim.timeline[before..]
        .iter()
        .filter_map(|r| match r.event {
            Event::Reminded { kind, .. } => Some(kind),
            _ => None,
        })
        .collect()
}

#[test]
fn update_reminders_every_thirty_minutes_reset_by_an_update() {
    let mut sim = Sim::new();
    let mut d = declaration(false);
    d.severity = sev("S1");
    d.roles.coordinator = UserId::parse("U0BOB");
    sim.run(Command::Declare(Box::new(d))).unwrap();
    let mut nudged = Vec::new();
    for minute in 1..=95 {
        sim.now = t0() + Duration::minutes(minute);
        if !remind(&mut sim).is_empty() {
            nudged.push(minute);
        }
    }
    assert_eq!(nudged, vec![30, 60, 90]);

    sim.run(Command::PostUpdate {
        text: "still rolling back".into(),
    })
    .unwrap();
    let posted = sim.now;
    for minute in 1..=29 {
        sim.now = posted + Duration::minutes(minute);
        assert!(
            remind(&mut sim).is_empty(),
            "nobody is nagged right after posting"
        );
    }
    sim.now = posted + Duration::minutes(30);
    assert_eq!(remind(&mut sim), vec![ReminderKind::UpdateDue]);
}

#[test]
fn a_late_check_catches_up_once_and_snooze_and_resolve_quieten() {
    let mut sim = Sim::new();
    let mut d = declaration(false);
    d.severity = sev("S1");
    d.roles.coordinator = UserId::parse("U0BOB");
    sim.run(Command::Declare(Box::new(d))).unwrap();
    sim.now = t0() + Duration::hours(3);
    assert_eq!(
        remind(&mut sim),
        vec![ReminderKind::UpdateDue],
        "one catch-up, not six"
    );
    assert!(remind(&mut sim).is_empty());

    sim.run(Command::Snooze { minutes: 90 }).unwrap();
    sim.now += Duration::minutes(60);
    assert!(remind(&mut sim).is_empty(), "snoozed");
    sim.now += Duration::minutes(31);
    assert_eq!(remind(&mut sim), vec![ReminderKind::UpdateDue]);

    sim.run(Command::Resolve { summary: None }).unwrap();
    sim.now += Duration::hours(2);
    assert!(
        remind(&mut sim).is_empty(),
        "resolved: no more update nudges"
    );
    sim.now += Duration::days(5);
    assert_eq!(remind(&mut sim), vec![ReminderKind::PostmortemDue]);
    sim.run(Command::Close).unwrap();
    assert_eq!(next_due(sim.incident.as_ref().unwrap(), &policy()), None);
}

#[test]
fn triage_re_pings_then_escalates_once_each() {
    let mut sim = at_status(Status::Triage);
    sim.now = t0() + Duration::minutes(9);
    assert!(remind(&mut sim).is_empty());
    sim.now = t0() + Duration::minutes(10);
    assert_eq!(remind(&mut sim), vec![ReminderKind::TriageUnacknowledged]);
    assert!(
        matches!(
            sim.timeline.last().unwrap().event,
            Event::Reminded { nth: 1, .. }
        ),
        "the first nudge re-pings on-call and escalates nothing"
    );
    sim.now = t0() + Duration::minutes(15);
    assert!(remind(&mut sim).is_empty());
    sim.now = t0() + Duration::minutes(20);
    assert_eq!(remind(&mut sim), vec![ReminderKind::TriageUnacknowledged]);
    assert!(matches!(
        sim.timeline.last().unwrap().event,
        Event::Escalated {
            target: EscalationTarget::Coordinators
        }
    ));
    sim.now = t0() + Duration::hours(5);
    assert!(remind(&mut sim).is_empty(), "escalates once");
}

#[test]
fn a_critical_incident_without_a_coordinator_is_nudged_once() {
    let mut sim = Sim::new();
    let mut d = declaration(false);
    d.severity = sev("S1");
    sim.run(Command::Declare(Box::new(d))).unwrap();
    sim.now = t0() + Duration::minutes(5);
    assert_eq!(remind(&mut sim), vec![ReminderKind::CoordinatorMissing]);
    sim.now = t0() + Duration::minutes(10);
    assert!(remind(&mut sim).is_empty());
}

#[test]
fn a_triage_report_merges_into_another_incident_and_ends() {
    let mut sim = at_status(Status::Triage);
    let other = IncidentId::parse("20240122-brave-wolf").unwrap();
    let own = IncidentId::parse("20240122-calm-otter").unwrap();
    assert!(matches!(
        sim.run(Command::MergeInto { target: own }),
        Err(DomainError::Invalid(_))
    ));
    assert_eq!(
        sim.run(Command::MergeInto {
            target: other.clone()
        }),
        Ok(2)
    );
    let inc = sim.incident.as_ref().unwrap();
    assert_eq!(
        (inc.status, inc.merged_into.as_ref()),
        (Status::Declined, Some(&other))
    );
    // Any open incident can be a duplicate: it ends closed (its channel archived).
    let mut active = at_status(Status::Investigating);
    assert_eq!(active.run(Command::MergeInto { target: other }), Ok(2));
    assert_eq!(active.incident.as_ref().unwrap().status, Status::Closed);
}

#[test]
fn merging_checks_the_target_and_never_crosses_privacy() {
    let source = at_status(Status::Investigating).incident.unwrap();
    let mut target = at_status(Status::Fixing).incident.unwrap();
    target.id = IncidentId::parse("20240122-brave-wolf").unwrap();
    assert_eq!(check_merge(&source, Some(&target)), Ok(()));
    assert!(check_merge(&source, None).is_err());
    assert!(check_merge(&source, Some(&source)).is_err());
    let mut private = target.clone();
    private.private = true;
    assert!(
        matches!(check_merge(&source, Some(&private)), Err(DomainError::Invalid(why)) if why.contains("private"))
    );
    let mut closed = target;
    closed.status = Status::Closed;
    assert!(check_merge(&source, Some(&closed)).is_err());
}

#[test]
fn absorbed_entries_keep_their_time_and_author_and_actions_are_renumbered() {
    let mut sim = at_status(Status::Investigating);
    sim.run(Command::AddAction {
        text: "own".into(),
        owner: None,
    })
    .unwrap();
    let from = IncidentId::parse("20240122-brave-wolf").unwrap();
    let bob = Actor::user(UserId::parse("U0BOB").unwrap());
    let earlier = t0() - Duration::minutes(30);
    let capture = Event::Captured {
        kind: CaptureKind::Papertrail,
        message: CapturedMessage {
            channel: "C9".into(),
            ts: "9.9".into(),
            author: None,
            text: "alert".into(),
            permalink: None,
            posted_at: earlier,
        },
    };
    let entries = vec![
        MovedEntry {
            at: earlier,
            actor: bob.clone(),
            event: capture.clone(),
        },
        MovedEntry {
            at: earlier,
            actor: bob.clone(),
            event: Event::ActionAdded {
                number: 1,
                text: "theirs".into(),
                owner: None,
            },
        },
    ];
    let n = sim
        .run(Command::Absorb {
            from: from.clone(),
            title: "Dup".into(),
            part: 0,
            entries,
        })
        .unwrap();
    assert_eq!(n, 3, "header, the capture, the action");
    let inc = sim.incident.as_ref().unwrap();
    assert_eq!(
        inc.captures.len(),
        1,
        "a moved capture counts as captured here"
    );
    assert_eq!(
        inc.actions
            .iter()
            .map(|a| (a.number, a.text.as_str()))
            .collect::<Vec<_>>(),
        vec![(1, "own"), (2, "theirs")]
    );
    assert!(sim.timeline.iter().any(|r| r.event
        == Event::Absorbed {
            from: from.clone(),
            at: earlier,
            actor: bob.clone(),
            event: Box::new(capture.clone())
        }));
    assert!(
        matches!(&sim.timeline[sim.timeline.len() - 3].event, Event::MergedFrom { from: f, .. } if f == &from)
    );
}

#[test]
fn permissions_follow_the_policy_and_say_who_may() {
    let policy = AccessPolicy::default();
    let mut inc = at_status(Status::Resolved).incident.unwrap();
    let alice = Actor::user(UserId::parse("U0ALICE").unwrap());
    let dave = Actor::user(UserId::parse("U0DAVE").unwrap());
    let close = Command::Close;
    let severity = Command::SetSeverity {
        severity: sev("S1"),
    };
    assert_eq!(policy.required(&close), Access::Coordinator);
    assert_eq!(policy.required(&severity), Access::Members);
    assert_eq!(policy.required(&Command::Acknowledge), Access::Anyone);
    let nobody = Standing::default();
    let member = Standing {
        member: true,
        manager: false,
    };
    // Nobody coordinates: any member may close; a stranger may not.
    assert_eq!(
        authorize(&inc, &close, &dave, Access::Coordinator, member, &policy),
        Ok(())
    );
    assert!(authorize(&inc, &close, &dave, Access::Coordinator, nobody, &policy).is_err());
    inc.roles
        .assign(Role::Coordinator, UserId::parse("U0CAROL").unwrap());
    let refused = authorize(&inc, &close, &dave, Access::Coordinator, member, &policy).unwrap_err();
    assert_eq!(
        refused, "Only the coordinator (<@U0CAROL>) can close the incident.",
        "the refusal says who may, and what"
    );
    let carol = Actor::user(UserId::parse("U0CAROL").unwrap());
    assert_eq!(
        authorize(&inc, &close, &carol, Access::Coordinator, nobody, &policy),
        Ok(())
    );
    // An incident manager may; the message names the group.
    let managed = AccessPolicy {
        managers: Some("S0MANAGERS".into()),
        ..AccessPolicy::default()
    };
    let manager = Standing {
        member: false,
        manager: true,
    };
    assert_eq!(
        authorize(&inc, &close, &dave, Access::Coordinator, manager, &managed),
        Ok(())
    );
    let refused =
        authorize(&inc, &close, &dave, Access::Coordinator, nobody, &managed).unwrap_err();
    assert!(refused.contains("<!subteam^S0MANAGERS>"), "{refused}");
    // Members-only: the reporter needs no lookup; strangers are told to join.
    assert_eq!(
        questions(&inc, &alice, Access::Members, &policy),
        Questions::default()
    );
    assert_eq!(
        authorize(&inc, &severity, &alice, Access::Members, nobody, &policy),
        Ok(())
    );
    assert!(questions(&inc, &dave, Access::Members, &policy).member);
    let refused = authorize(&inc, &severity, &dave, Access::Members, nobody, &policy).unwrap_err();
    assert_eq!(
        refused,
        "Only people in the incident's channel can change the severity. Join the channel first."
    );
    // Flare itself is never refused.
    assert_eq!(
        authorize(
            &inc,
            &close,
            &Actor::system("reminders"),
            Access::Coordinator,
            nobody,
            &policy
        ),
        Ok(())
    );
}

#[test]
fn a_private_incident_is_no_such_incident_to_whoever_can_not_see_it() {
    let policy = AccessPolicy {
        managers: Some("S0MANAGERS".into()),
        ..AccessPolicy::default()
    };
    let mut inc = at_status(Status::Investigating).incident.unwrap();
    inc.private = true;
    inc.roles
        .assign(Role::Coordinator, UserId::parse("U0CAROL").unwrap());
    let erin = Actor::user(UserId::parse("U0ERIN").unwrap());
    let carol = Actor::user(UserId::parse("U0CAROL").unwrap());
    let missing = DomainError::NotFound.to_string();
    let nobody = Standing::default();
    for command in [
        Command::Acknowledge,
        Command::Snooze { minutes: 600 },
        Command::RequestTicket { number: 1 },
        Command::Close,
    ] {
        let access = policy.required(&command);
        // Even for commands open to anyone, a stranger is looked up first.
        let asked = questions(&inc, &erin, access, &policy);
        assert!(asked.member && asked.manager, "{command:?}");
        assert_eq!(
            authorize(&inc, &command, &erin, access, nobody, &policy),
            Err(missing.clone()),
            "{command:?}"
        );
        // Its people, and managers, see it (and get the ordinary answers).
        assert_ne!(
            authorize(&inc, &command, &carol, access, nobody, &policy),
            Err(missing.clone())
        );
        let manager = Standing {
            member: false,
            manager: true,
        };
        assert_eq!(
            authorize(&inc, &command, &erin, access, manager, &policy),
            Ok(())
        );
    }
    // A channel member who holds no role sees it, but may not close it.
    let member = Standing {
        member: true,
        manager: false,
    };
    assert_eq!(
        authorize(
            &inc,
            &Command::Acknowledge,
            &erin,
            Access::Anyone,
            member,
            &policy
        ),
        Ok(())
    );
    let refused = authorize(
        &inc,
        &Command::Close,
        &erin,
        Access::Coordinator,
        member,
        &policy,
    );
    assert!(refused.unwrap_err().contains("<@U0CAROL>"));
}

fn publish(message: Option<&str>, title: Option<&str>, status: Option<Status>) -> Command {
    Command::PublishStatus {
        message: message.map(str::to_owned),
        title: title.map(str::to_owned),
        status,
    }
}

#[test]
fn the_status_page_is_never_for_triage_and_not_repeated() {
    let mut triage = at_status(Status::Triage);
    assert!(matches!(
        triage.run(publish(None, None, None)),
        Err(DomainError::Invalid(_))
    ));
    let mut sim = at_status(Status::Investigating);
    assert_eq!(sim.run(publish(None, None, None)), Ok(1));
    assert!(matches!(
        sim.run(publish(None, None, None)),
        Err(DomainError::Unchanged(_))
    ));
    assert_eq!(
        sim.run(publish(Some("more news"), None, None)),
        Ok(1),
        "a new message is a new update"
    );
    sim.run(Command::SetStatus {
        status: Status::Fixing,
        summary: None,
    })
    .unwrap();
    assert_eq!(sim.run(publish(None, None, None)), Ok(1));
    // Only Statuspage's four stages.
    assert!(matches!(
        sim.run(publish(Some("x"), None, Some(Status::Closed))),
        Err(DomainError::Invalid(_))
    ));
}

#[test]
fn the_public_title_is_kept_apart_and_a_private_incident_needs_one() {
    let mut sim = at_status(Status::Investigating);
    sim.incident.as_mut().unwrap().private = true;
    assert!(
        matches!(
            sim.run(publish(Some("x"), None, None)),
            Err(DomainError::Invalid(_))
        ),
        "a private incident is not published under its own title"
    );
    assert_eq!(
        sim.run(publish(
            Some("We're on it."),
            Some("  Payment   delays "),
            None
        )),
        Ok(2),
        "the public title, then the publish"
    );
    let inc = sim.incident.clone().unwrap();
    assert_eq!(inc.public_title.as_deref(), Some("Payment delays"));
    assert_ne!(inc.title, "Payment delays");
    assert_eq!(inc.published_status, Some(Status::Investigating));
    // Later publishes reuse it; the same title again is not an edit.
    assert_eq!(
        sim.run(publish(
            Some("Still on it."),
            Some("Payment delays"),
            Some(Status::Monitoring)
        )),
        Ok(1)
    );
    assert_eq!(
        sim.incident.as_ref().unwrap().published_status,
        Some(Status::Monitoring)
    );
    assert_eq!(sim.run(publish(Some("Later."), None, None)), Ok(1));
}

#[test]
fn resolving_a_published_incident_publishes_the_resolution() {
    let mut sim = at_status(Status::Investigating);
    assert_eq!(
        sim.run(publish(Some("Looking."), Some("Slow pages"), None)),
        Ok(2)
    );
    assert_eq!(
        sim.run(Command::Resolve { summary: None }),
        Ok(2),
        "the resolution and its public post"
    );
    assert_eq!(
        sim.incident.as_ref().unwrap().published_status,
        Some(Status::Resolved)
    );
    // Reopened and resolved again: the public incident already says resolved.
    sim.run(Command::SetStatus {
        status: Status::Investigating,
        summary: None,
    })
    .unwrap();
    assert_eq!(sim.run(Command::Resolve { summary: None }), Ok(1));
    // Never published: nothing public to resolve.
    let mut quiet = at_status(Status::Monitoring);
    assert_eq!(quiet.run(Command::Resolve { summary: None }), Ok(1));
}

/// Every guarded command × every kind of person, under the default rules.
#[test]
fn the_default_permission_matrix() {
    let policy = AccessPolicy::default();
    let mut inc = at_status(Status::Investigating).incident.unwrap();
    let coordinator = UserId::parse("U0CAROL").unwrap();
    inc.roles.assign(Role::Coordinator, coordinator.clone());
    let user = |id: &str| Actor::user(UserId::parse(id).unwrap());
    // (who, standing as the worker would find it)
    let people = [
        (
            "coordinator",
            user("U0CAROL"),
            Standing {
                member: true,
                manager: false,
            },
        ),
        ("reporter", user("U0ALICE"), Standing::default()),
        (
            "member",
            user("U0BOB"),
            Standing {
                member: true,
                manager: false,
            },
        ),
        (
            "manager",
            user("U0DAVE"),
            Standing {
                member: false,
                manager: true,
            },
        ),
        ("stranger", user("U0ERIN"), Standing::default()),
        ("flare", Actor::system("reminders"), Standing::default()),
    ];
    let commands: Vec<Command> = vec![
        Command::Acknowledge,
        Command::PostUpdate { text: "x".into() },
        Command::SetStatus {
            status: Status::Fixing,
            summary: None,
        },
        Command::SetSeverity {
            severity: sev("S1"),
        },
        Command::AssignRole {
            role: Role::Communications,
            user: UserId::parse("U0BOB").unwrap(),
        },
        Command::Escalate {
            target: EscalationTarget::Coordinators,
        },
        Command::SetImpact {
            edge: ImpactEdge::Start,
            at: t0(),
        },
        Command::Resolve { summary: None },
        Command::Close,
        Command::AcceptTriage {
            severity: sev("S1"),
        },
        Command::DeclineTriage { reason: "x".into() },
        Command::Snooze { minutes: 5 },
        Command::RequestPostmortem,
        Command::MergeInto {
            target: IncidentId::parse("20240122-brave-wolf").unwrap(),
        },
        Command::AddLink {
            url: "https://x".into(),
            label: None,
        },
        Command::AddAction {
            text: "x".into(),
            owner: None,
        },
        Command::RequestTicket { number: 1 },
        publish(None, None, None),
        Command::ExportAudit,
    ];
    for command in &commands {
        assert!(
            GUARDED.contains(&command.name()),
            "{} can't be configured",
            command.name()
        );
        let access = policy.required(command);
        for (who, actor, standing) in &people {
            let allowed = authorize(&inc, command, actor, access, *standing, &policy).is_ok();
            let expected = match (access, *who) {
                (_, "flare") => true,
                (Access::Anyone, _) => true,
                (Access::Members, "stranger") => false,
                (Access::Members, _) => true,
                (Access::Coordinator, "coordinator" | "manager") => true,
                (Access::Coordinator, _) => false,
            };
            assert_eq!(allowed, expected, "{who} / {}", command.name());
        }
    }
    // What is reserved by default.
    let reserved: Vec<&str> = commands
        .iter()
        .filter(|c| policy.required(c) == Access::Coordinator)
        .map(|c| c.name())
        .collect();
    assert_eq!(reserved, ["close", "decline"]);
}

/// The worker asks exactly what can change the answer: every question it skips could not
/// have changed the decision (so skipping is safe), and every question it asks could have
/// (so most commands cost no Slack lookup). Found by `make mutants`: asking for every
/// stranger, or asking the coordinator about themselves, passed every other test.
#[test]
fn the_worker_asks_exactly_the_questions_that_change_the_answer() {
    let user = |id: &str| Actor::user(UserId::parse(id).unwrap());
    let people = [
        user("U0ALICE"), // the reporter
        user("U0CAROL"), // the coordinator, when there is one
        user("U0ERIN"),  // holds nothing
        Actor::system("reminders"),
    ];
    let commands = [
        Command::Acknowledge,
        Command::SetSeverity {
            severity: sev("S1"),
        },
        Command::Close,
    ];
    let mut checked = 0;
    for managers in [None, Some("S0MANAGERS".to_owned())] {
        let policy = AccessPolicy {
            managers: managers.clone(),
            ..AccessPolicy::default()
        };
        // Without a manager group, nobody can be found in one.
        let manager_answers: &[bool] = if managers.is_some() {
            &[false, true]
        } else {
            &[false]
        };
        for private in [false, true] {
            for coordinated in [false, true] {
                let mut inc = at_status(Status::Investigating).incident.unwrap();
                inc.private = private;
                if coordinated {
                    inc.roles
                        .assign(Role::Coordinator, UserId::parse("U0CAROL").unwrap());
                }
                for command in &commands {
                    let access = policy.required(command);
                    for actor in &people {
                        let asked = questions(&inc, actor, access, &policy);
                        let decide = |member: bool, manager: bool| {
                            authorize(
                                &inc,
                                command,
                                actor,
                                access,
                                Standing { member, manager },
                                &policy,
                            )
                        };
                        let case = format!(
                            "{actor:?} / {} / private {private} / coordinated {coordinated} / managers {managers:?}: asked {asked:?}",
                            command.name()
                        );
                        // Safe: with the unasked answers left false, the decision is the
                        // one the whole truth would give.
                        for &m in &[false, true] {
                            for &g in manager_answers {
                                assert_eq!(
                                    decide(asked.member && m, asked.manager && g),
                                    decide(m, g),
                                    "{case}: truth member {m}, manager {g}"
                                );
                            }
                        }
                        // Needed: each question asked changes the decision for some
                        // answer to the other.
                        if asked.member {
                            assert!(
                                manager_answers.iter().any(|&g| {
                                    let g = asked.manager && g;
                                    decide(true, g) != decide(false, g)
                                }),
                                "{case}: membership asked for nothing"
                            );
                        }
                        if asked.manager {
                            assert!(
                                managers.is_some()
                                    && [false, true].iter().any(|&m| {
                                        let m = asked.member && m;
                                        decide(m, true) != decide(m, false)
                                    }),
                                "{case}: the manager group asked for nothing"
                            );
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, 2 * 2 * 2 * 3 * 4);
}

/// A refusal says what was refused, in words (the person typed a command, not a name).
#[test]
fn a_refusal_names_what_was_refused() {
    let policy = AccessPolicy::default();
    let mut inc = at_status(Status::Investigating).incident.unwrap();
    inc.roles
        .assign(Role::Coordinator, UserId::parse("U0CAROL").unwrap());
    let stranger = Actor::user(UserId::parse("U0ERIN").unwrap());
    let cases = [
        (Command::Close, "close the incident"),
        (
            Command::DeclineTriage { reason: "x".into() },
            "decline the report",
        ),
        (Command::Resolve { summary: None }, "resolve the incident"),
        (
            Command::SetStatus {
                status: Status::Fixing,
                summary: None,
            },
            "change the status",
        ),
        (
            Command::SetSeverity {
                severity: sev("S1"),
            },
            "change the severity",
        ),
        (
            Command::AssignRole {
                role: Role::Communications,
                user: UserId::parse("U0BOB").unwrap(),
            },
            "assign roles",
        ),
        (
            Command::Escalate {
                target: EscalationTarget::Coordinators,
            },
            "escalate",
        ),
        (
            Command::MergeInto {
                target: IncidentId::parse("20240122-brave-wolf").unwrap(),
            },
            "merge the incident",
        ),
        (Command::PostUpdate { text: "x".into() }, "post updates"),
        (Command::Edit(Box::default()), "edit the incident"),
        (
            Command::ChangeServices {
                add: vec!["checkout".into()],
                remove: vec![],
            },
            "change the affected services",
        ),
        (Command::Acknowledge, "do that"),
    ];
    for (command, words) in cases {
        // Reserved to the coordinator, so that every one of them can be refused.
        let refused = authorize(
            &inc,
            &command,
            &stranger,
            Access::Coordinator,
            Standing::default(),
            &policy,
        )
        .unwrap_err();
        assert_eq!(
            refused,
            format!("Only the coordinator (<@U0CAROL>) can {words}."),
            "{}",
            command.name()
        );
    }
}

// ----------------------------------------------------------------------------------
// The follow-ups after the declaration: calls, links, tickets, pages, edits, services.
// Each of these was first covered only end to end; `make mutants` showed the domain's
// own tests let their rules change unnoticed.

fn decide_now(sim: &Sim, command: Command) -> Result<Vec<Event>, DomainError> {
    decide(sim.incident.as_ref(), command, &alice(), sim.now)
}

fn unchanged(result: Result<Vec<Event>, DomainError>) -> bool {
    matches!(result, Err(DomainError::Unchanged(_)))
}

fn invalid(result: Result<Vec<Event>, DomainError>) -> bool {
    matches!(result, Err(DomainError::Invalid(_)))
}

#[test]
fn only_a_web_link_slack_can_show_is_taken() {
    let sim = at_status(Status::Investigating);
    let call = |url: &str| decide_now(&sim, Command::SetCall { url: url.into() });
    // Slack wraps links it recognised in <…>.
    for (given, kept) in [
        (
            "https://meet.example.com/abc",
            "https://meet.example.com/abc",
        ),
        ("http://zoom.example/j/1", "http://zoom.example/j/1"),
        (
            " <https://meet.example.com/x> ",
            "https://meet.example.com/x",
        ),
    ] {
        assert_eq!(
            call(given),
            Ok(vec![Event::CallSet { url: kept.into() }]),
            "{given}"
        );
    }
    let longest = format!("https://x.example/{}", "a".repeat(2000 - 18));
    assert_eq!(longest.len(), 2000);
    assert!(call(&longest).is_ok());
    for refused in [
        "meet.example.com/abc",
        "ftp://files.example/x",
        "https://a.example/b c",
        "https://a.example/b|label",
        "https://a.example/<b",
        "https://a.example/b>c",
        "javascript:alert(1)",
        &format!("{longest}a"),
    ] {
        assert!(invalid(call(refused)), "{refused}");
    }
    let link = |url: &str| {
        decide_now(
            &sim,
            Command::AddLink {
                url: url.into(),
                label: None,
            },
        )
    };
    assert!(invalid(link("https://a.example/b c")));
    assert!(link("https://a.example/b").is_ok());
}

#[test]
fn the_call_and_links_are_set_once() {
    let mut sim = at_status(Status::Investigating);
    sim.run(Command::SetCall {
        url: "https://meet.example.com/a".into(),
    })
    .unwrap();
    assert!(unchanged(decide_now(
        &sim,
        Command::SetCall {
            url: "https://meet.example.com/a".into()
        }
    )));
    assert_eq!(
        sim.run(Command::SetCall {
            url: "https://meet.example.com/b".into()
        }),
        Ok(1),
        "a new call replaces the old one"
    );

    let link = |url: &str, label: Option<&str>| Command::AddLink {
        url: url.into(),
        label: label.map(str::to_owned),
    };
    // No label, or a blank one: the host names it.
    assert_eq!(
        decide_now(&sim, link("https://grafana.example.com/d/x?o=1", None)),
        Ok(vec![Event::LinkAdded {
            url: "https://grafana.example.com/d/x?o=1".into(),
            label: "grafana.example.com".into(),
        }])
    );
    assert_eq!(
        decide_now(&sim, link("https://grafana.example.com/d/x", Some("   "))),
        Ok(vec![Event::LinkAdded {
            url: "https://grafana.example.com/d/x".into(),
            label: "grafana.example.com".into(),
        }])
    );
    assert_eq!(
        decide_now(
            &sim,
            link("https://tickets.example/T-1", Some("  Customer ticket "))
        ),
        Ok(vec![Event::LinkAdded {
            url: "https://tickets.example/T-1".into(),
            label: "Customer ticket".into(),
        }])
    );
    sim.run(link("https://tickets.example/T-1", None)).unwrap();
    assert!(unchanged(decide_now(
        &sim,
        link("<https://tickets.example/T-1>", Some("again"))
    )));
    assert_eq!(sim.run(link("https://tickets.example/T-2", None)), Ok(1));
}

#[test]
fn an_action_gets_one_ticket() {
    let mut sim = at_status(Status::Resolved);
    sim.run(Command::AddAction {
        text: "Alert on replica lag".into(),
        owner: None,
    })
    .unwrap();
    assert!(invalid(decide_now(
        &sim,
        Command::RequestTicket { number: 2 }
    )));
    assert_eq!(
        decide_now(&sim, Command::RequestTicket { number: 1 }),
        Ok(vec![Event::TicketRequested { number: 1 }])
    );
    sim.run(Command::RequestTicket { number: 1 }).unwrap();
    // Asked for already (the tracker has not answered yet): not twice.
    assert!(unchanged(decide_now(
        &sim,
        Command::RequestTicket { number: 1 }
    )));
    let linked = |key: &str| Command::LinkTicket {
        number: 1,
        key: key.into(),
        url: format!("https://jira.example/browse/{key}"),
    };
    assert_eq!(
        decide_now(&sim, linked("OPS-7")),
        Ok(vec![Event::TicketLinked {
            number: 1,
            key: "OPS-7".into(),
            url: "https://jira.example/browse/OPS-7".into(),
        }])
    );
    sim.run(linked("OPS-7")).unwrap();
    // The tracker's answer delivered twice links once.
    assert_eq!(decide_now(&sim, linked("OPS-8")), Ok(vec![]));
    assert!(invalid(decide_now(
        &sim,
        Command::LinkTicket {
            number: 9,
            key: "OPS-9".into(),
            url: "https://jira.example/browse/OPS-9".into(),
        }
    )));

    // An action whose ticket was linked (made elsewhere) takes no request either.
    sim.run(Command::AddAction {
        text: "Runbook for failover".into(),
        owner: None,
    })
    .unwrap();
    sim.run(Command::LinkTicket {
        number: 2,
        key: "OPS-10".into(),
        url: "https://jira.example/browse/OPS-10".into(),
    })
    .unwrap();
    assert!(unchanged(decide_now(
        &sim,
        Command::RequestTicket { number: 2 }
    )));
}

fn page(key: &str) -> Command {
    Command::RecordPage(Box::new(PageNote {
        key: key.into(),
        vendor: "pagerduty".into(),
        label: "Checkout on-call".into(),
        service: Some("checkout".into()),
    }))
}

fn pager(key: &str, state: PagerState, by: Option<&str>) -> Command {
    Command::PagerUpdate {
        key: key.into(),
        state,
        by: by.map(str::to_owned),
    }
}

#[test]
fn pages_are_recorded_once_and_follow_the_pager() {
    let mut sim = at_status(Status::Investigating);
    assert_eq!(sim.run(page("k1")), Ok(1));
    // The vendor's answer delivered twice, while the page is open: once.
    assert_eq!(decide_now(&sim, page("k1")), Ok(vec![]));
    assert_eq!(sim.run(page("k2")), Ok(1), "another page");
    assert!(invalid(decide_now(
        &sim,
        pager("k9", PagerState::Acknowledged, None)
    )));
    // Who did it, as the pager says, trimmed; a blank name is no name.
    assert_eq!(
        decide_now(&sim, pager("k1", PagerState::Acknowledged, Some("  Dana "))),
        Ok(vec![Event::PageAcknowledged {
            key: "k1".into(),
            by: Some("Dana".into()),
        }])
    );
    assert_eq!(
        decide_now(&sim, pager("k1", PagerState::Acknowledged, Some("  "))),
        Ok(vec![Event::PageAcknowledged {
            key: "k1".into(),
            by: None,
        }])
    );
    sim.run(pager("k1", PagerState::Acknowledged, None))
        .unwrap();
    assert_eq!(
        decide_now(&sim, pager("k1", PagerState::Acknowledged, Some("Eve"))),
        Ok(vec![]),
        "acknowledged once"
    );
    assert_eq!(
        decide_now(&sim, pager("k1", PagerState::Resolved, None)),
        Ok(vec![Event::PageResolved {
            key: "k1".into(),
            by: None,
        }])
    );
    // Resolved without an acknowledgement first, too.
    assert_eq!(
        decide_now(&sim, pager("k2", PagerState::Resolved, None)),
        Ok(vec![Event::PageResolved {
            key: "k2".into(),
            by: None,
        }])
    );
    sim.run(pager("k1", PagerState::Resolved, None)).unwrap();
    for state in [PagerState::Acknowledged, PagerState::Resolved] {
        assert_eq!(
            decide_now(&sim, pager("k1", state, None)),
            Ok(vec![]),
            "{state:?} after resolved"
        );
    }
    // A page whose key was resolved may be sent again (a re-page) and is recorded.
    assert_eq!(sim.run(page("k1")), Ok(1));
}

fn edit(f: impl FnOnce(&mut Edit)) -> Command {
    let mut e = Edit::default();
    f(&mut e);
    Command::Edit(Box::new(e))
}

#[test]
fn an_edit_records_each_detail_that_changes() {
    let mut sim = at_status(Status::Investigating);
    assert_eq!(
        decide_now(
            &sim,
            edit(|e| {
                e.title = Some("  Checkout fails  ".into());
                e.impact = Some(" Customers cannot pay ".into());
                e.customer = Some(String::new());
                e.services = Some(vec!["checkout".into()]);
            })
        ),
        Err(DomainError::Unchanged("nothing changed.".into())),
        "the same details, however spaced"
    );
    assert!(invalid(decide_now(
        &sim,
        edit(|e| e.title = Some("  ".into()))
    )));
    let events = decide_now(
        &sim,
        edit(|e| {
            e.title = Some("Checkout fails in EU".into());
            e.impact = Some("EU customers cannot pay".into());
            e.description = Some(" Since the deploy ".into());
            e.customer = Some(" ACME-1 ".into());
            e.services = Some(vec!["payments".into()]);
        }),
    )
    .unwrap();
    let detail = |field, from: &str, to: &str| Event::DetailEdited {
        field,
        from: from.into(),
        to: to.into(),
    };
    assert_eq!(
        events,
        vec![
            detail(Detail::Title, "Checkout fails", "Checkout fails in EU"),
            detail(
                Detail::Impact,
                "Customers cannot pay",
                "EU customers cannot pay"
            ),
            detail(Detail::Description, "", "Since the deploy"),
            detail(Detail::Customer, "", "ACME-1"),
            Event::ServiceAdded {
                service: "payments".into()
            },
            Event::ServiceRemoved {
                service: "checkout".into()
            },
        ]
    );
    sim.run(edit(|e| e.customer = Some("ACME-1".into())))
        .unwrap();
    // `Some("")` clears the customer.
    assert_eq!(
        decide_now(&sim, edit(|e| e.customer = Some(String::new()))),
        Ok(vec![detail(Detail::Customer, "ACME-1", "")])
    );
    // The form sends every service: only the difference is recorded.
    sim.run(edit(|e| {
        e.services = Some(vec!["checkout".into(), "payments".into()])
    }))
    .unwrap();
    assert_eq!(
        decide_now(
            &sim,
            edit(|e| e.services = Some(vec!["payments".into(), "search".into()]))
        ),
        Ok(vec![
            Event::ServiceAdded {
                service: "search".into()
            },
            Event::ServiceRemoved {
                service: "checkout".into()
            },
        ])
    );
}

#[test]
fn services_change_by_what_differs() {
    let mut sim = at_status(Status::Investigating);
    let services = |add: &[&str], remove: &[&str]| Command::ChangeServices {
        add: add.iter().map(|s| (*s).to_owned()).collect(),
        remove: remove.iter().map(|s| (*s).to_owned()).collect(),
    };
    let added = |s: &str| Event::ServiceAdded { service: s.into() };
    let removed = |s: &str| Event::ServiceRemoved { service: s.into() };
    // Already affected, blank, or named twice: one event per new service.
    assert_eq!(
        decide_now(
            &sim,
            services(&["checkout", " payments ", "", "payments", "search"], &[])
        ),
        Ok(vec![added("payments"), added("search")])
    );
    // Added and removed at once: the removal wins (nothing is added).
    assert_eq!(
        decide_now(&sim, services(&["payments"], &["payments"])),
        Err(DomainError::Unchanged(
            "the affected services are already so.".into()
        ))
    );
    // Removing what is not affected changes nothing.
    assert!(unchanged(decide_now(&sim, services(&[], &["search"]))));
    assert!(unchanged(decide_now(&sim, services(&["checkout"], &[]))));
    assert_eq!(
        decide_now(&sim, services(&["search"], &["checkout"])),
        Ok(vec![added("search"), removed("checkout")])
    );
    sim.run(services(&["search"], &["checkout"])).unwrap();
    assert_eq!(
        sim.incident.as_ref().unwrap().services,
        vec!["search".to_owned()]
    );
}

#[test]
fn an_owed_update_is_a_nudge_never_an_escalation() {
    let mut sim = at_status(Status::Investigating);
    sim.now += Duration::hours(2);
    let events = decide_now(
        &sim,
        Command::Remind {
            due: sim.now,
            policy: Box::new(policy()),
        },
    )
    .unwrap();
    assert!(
        events.contains(&Event::Reminded {
            kind: ReminderKind::UpdateDue,
            nth: 1
        }),
        "{events:?}"
    );
    assert!(
        !events.iter().any(|e| matches!(e, Event::Escalated { .. })),
        "{events:?}"
    );
}

#[test]
fn pagers_and_notices_by_name() {
    assert_eq!(pager_name("pagerduty"), "PagerDuty");
    assert_eq!(pager_name("opsgenie"), "Opsgenie");
    assert_eq!(pager_name("splunk"), "splunk");
    assert!(
        Command::Stats {
            days: 7,
            format: StatsFormat::Text
        }
        .is_notice()
    );
    assert!(Command::MailLog { days: 7 }.is_notice());
    assert!(!Command::Close.is_notice());
    assert!(!Command::Acknowledge.is_notice());
}

#[test]
fn a_blank_status_summary_is_no_summary() {
    let mut sim = at_status(Status::Investigating);
    let change = |summary: &str| Command::SetStatus {
        status: Status::Fixing,
        summary: Some(summary.into()),
    };
    assert_eq!(
        decide_now(&sim, change("   ")),
        Ok(vec![Event::StatusChanged {
            from: Status::Investigating,
            to: Status::Fixing,
            summary: None,
        }])
    );
    assert_eq!(
        decide_now(&sim, change(" Rolled back ")),
        Ok(vec![Event::StatusChanged {
            from: Status::Investigating,
            to: Status::Fixing,
            summary: Some("Rolled back".into()),
        }])
    );
    sim.run(change("x")).unwrap();
    assert!(unchanged(decide_now(&sim, change("again"))));
}

#[test]
fn impact_may_start_and_end_at_the_same_moment_but_not_cross() {
    let mut sim = at_status(Status::Investigating);
    sim.now += Duration::hours(1);
    let impact = |edge, at| Command::SetImpact { edge, at };
    let at = t0() - Duration::minutes(20);
    sim.run(impact(ImpactEdge::End, at)).unwrap();
    assert!(decide_now(&sim, impact(ImpactEdge::Start, at)).is_ok());
    assert!(invalid(decide_now(
        &sim,
        impact(ImpactEdge::Start, at + Duration::seconds(1))
    )));
    assert!(decide_now(&sim, impact(ImpactEdge::Start, at - Duration::minutes(5))).is_ok());

    let mut sim = at_status(Status::Investigating);
    sim.now += Duration::hours(1);
    sim.run(impact(ImpactEdge::Start, at)).unwrap();
    assert!(decide_now(&sim, impact(ImpactEdge::End, at)).is_ok());
    assert!(invalid(decide_now(
        &sim,
        impact(ImpactEdge::End, at - Duration::seconds(1))
    )));
    assert!(decide_now(&sim, impact(ImpactEdge::End, at + Duration::minutes(5))).is_ok());
}

#[test]
fn impact_may_be_set_up_to_five_minutes_ahead_for_clocks_that_disagree() {
    let sim = at_status(Status::Investigating);
    let start = |at| Command::SetImpact {
        edge: ImpactEdge::Start,
        at,
    };
    assert!(decide_now(&sim, start(sim.now)).is_ok());
    assert!(decide_now(&sim, start(sim.now + Duration::minutes(5))).is_ok());
    assert_eq!(
        decide_now(
            &sim,
            start(sim.now + Duration::minutes(5) + Duration::seconds(1))
        ),
        Err(DomainError::Invalid("That time is in the future.".into()))
    );
}

#[test]
fn monitoring_again_asks_again_whether_to_resolve() {
    let window = Duration::minutes(i64::from(policy().timers.monitoring_window_minutes));
    let mut sim = at_status(Status::Monitoring);
    sim.now += window;
    assert!(remind(&mut sim).contains(&ReminderKind::MonitoringWindow));
    sim.now += window;
    assert!(
        !remind(&mut sim).contains(&ReminderKind::MonitoringWindow),
        "asked once per stay in monitoring"
    );
    // The fix didn't hold; a second one is monitored: a new window, a new question.
    for status in [Status::Fixing, Status::Monitoring] {
        sim.now += Duration::minutes(10);
        sim.run(Command::SetStatus {
            status,
            summary: None,
        })
        .unwrap();
    }
    sim.now += window;
    assert!(remind(&mut sim).contains(&ReminderKind::MonitoringWindow));
}

#[test]
fn a_monitoring_question_asked_the_moment_monitoring_began_is_not_asked_again() {
    // A zero-minute window asks as soon as monitoring begins, and only then.
    let mut p = policy();
    p.timers.monitoring_window_minutes = 0;
    let mut sim = at_status(Status::Monitoring);
    let owed = |sim: &Sim| due_now(sim.incident.as_ref().unwrap(), &p, sim.now);
    assert!(owed(&sim).contains(&ReminderKind::MonitoringWindow));
    sim.run(Command::Remind {
        due: sim.now,
        policy: Box::new(p.clone()),
    })
    .unwrap();
    assert!(!owed(&sim).contains(&ReminderKind::MonitoringWindow));
}

/// The bus's `detail-type` (and the table's `type`) is a contract: the postmortem
/// function's rule in `template.yaml` subscribes by name.
#[test]
fn the_bus_names_events_as_the_stack_subscribes_to_them() {
    let template = include_str!("../../../template.yaml");
    assert!(template.contains("detail-type: [IncidentResolved, PostmortemRequested]"));
    let mut sim = at_status(Status::Resolved);
    sim.run(Command::RequestPostmortem).unwrap();
    sim.run(Command::Close).unwrap();
    let names: Vec<&str> = sim.timeline.iter().map(|r| r.event.detail_type()).collect();
    assert_eq!(
        names,
        [
            "IncidentDeclared",
            "IncidentStatusChanged",
            "IncidentResolved",
            "PostmortemRequested",
            "IncidentClosed"
        ]
    );
    let declined = at_status(Status::Declined);
    assert_eq!(
        declined.timeline.last().unwrap().event.detail_type(),
        "IncidentDeclined"
    );
}

#[test]
fn ids_and_details_read_as_people_write_them() {
    let id = IncidentId::parse("20240122-calm-otter").unwrap();
    assert_eq!(id.to_string(), "20240122-calm-otter");
    assert_eq!(format!("inc-{id}"), "inc-20240122-calm-otter");
    let words: Vec<String> = [
        Detail::Title,
        Detail::Impact,
        Detail::Description,
        Detail::Customer,
        Detail::PublicTitle,
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    assert_eq!(
        words,
        [
            "title",
            "customer impact",
            "description",
            "customer",
            "public title"
        ]
    );
}

#[test]
fn each_page_keeps_its_own_state() {
    let mut sim = at_status(Status::Investigating);
    for key in ["k1", "k2", "k3"] {
        sim.run(page(key)).unwrap();
    }
    sim.now += Duration::minutes(3);
    sim.run(pager("k1", PagerState::Acknowledged, Some("Dana")))
        .unwrap();
    sim.run(pager("k2", PagerState::Resolved, None)).unwrap();
    let inc = sim.incident.as_ref().unwrap();
    let get = |inc: &Incident, key: &str| inc.pages.iter().find(|p| p.key == key).unwrap().clone();
    let k1 = get(inc, "k1");
    assert_eq!(
        (k1.acknowledged_at, k1.acknowledged_by_name.as_deref()),
        (Some(sim.now), Some("Dana"))
    );
    assert!(!k1.resolved);
    let k2 = get(inc, "k2");
    assert!(k2.resolved && k2.acknowledged_at.is_none());
    assert!(get(inc, "k3").acknowledged_at.is_none() && !get(inc, "k3").resolved);
    let open: Vec<&str> = inc.open_pages().map(|p| p.key.as_str()).collect();
    assert_eq!(open, ["k3"], "acknowledged or resolved pages call nobody");

    // Acknowledging in Slack takes the pages still calling, and only those.
    sim.now += Duration::minutes(1);
    sim.run(Command::Acknowledge).unwrap();
    let inc = sim.incident.as_ref().unwrap();
    assert_eq!(inc.open_pages().count(), 0);
    assert_eq!(
        get(inc, "k3").acknowledged_by,
        Some(UserId::parse("U0ALICE").unwrap())
    );
    assert_eq!(
        get(inc, "k1").acknowledged_by,
        None,
        "the pager's, not Slack's"
    );
    assert_eq!(get(inc, "k2").acknowledged_at, None);

    // Paged again after it was resolved: that page starts over, the others stay.
    sim.run(page("k2")).unwrap();
    let inc = sim.incident.as_ref().unwrap();
    let keys: Vec<&str> = inc.pages.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["k1", "k3", "k2"]);
    assert!(get(inc, "k2").is_open());
}

#[test]
fn follow_ups_change_only_what_they_name() {
    let mut sim = at_status(Status::Investigating);
    for text in ["Alert on lag", "Runbook"] {
        sim.run(Command::AddAction {
            text: text.into(),
            owner: None,
        })
        .unwrap();
    }
    sim.run(Command::RequestTicket { number: 2 }).unwrap();
    sim.run(Command::LinkTicket {
        number: 1,
        key: "OPS-1".into(),
        url: "https://jira.example/browse/OPS-1".into(),
    })
    .unwrap();
    let actions = &sim.incident.as_ref().unwrap().actions;
    assert_eq!(
        (actions[0].ticket_requested, actions[1].ticket_requested),
        (false, true)
    );
    assert_eq!(
        (actions[0].ticket.is_some(), actions[1].ticket.is_some()),
        (true, false)
    );

    // Services: a removal takes that one only.
    sim.run(Command::ChangeServices {
        add: vec!["payments".into()],
        remove: vec![],
    })
    .unwrap();
    sim.run(Command::ChangeServices {
        add: vec![],
        remove: vec!["checkout".into()],
    })
    .unwrap();
    assert_eq!(sim.incident.as_ref().unwrap().services, ["payments"]);

    // An empty customer or public title is none.
    for (field, value, cleared) in [
        (Detail::Customer, "ACME-1", ""),
        (Detail::PublicTitle, "Payments degraded", ""),
    ] {
        sim.record(Event::DetailEdited {
            field,
            from: String::new(),
            to: value.into(),
        });
        let inc = sim.incident.as_ref().unwrap();
        let now = match field {
            Detail::Customer => inc.customer.clone(),
            _ => inc.public_title.clone(),
        };
        assert_eq!(now.as_deref(), Some(value));
        sim.record(Event::DetailEdited {
            field,
            from: value.into(),
            to: cleared.into(),
        });
        let inc = sim.incident.as_ref().unwrap();
        let now = match field {
            Detail::Customer => inc.customer.clone(),
            _ => inc.public_title.clone(),
        };
        assert_eq!(now, None, "{field}");
    }

    // Links moved in by a merge: new ones join, ones already here don't repeat.
    sim.run(Command::AddLink {
        url: "https://tickets.example/1".into(),
        label: None,
    })
    .unwrap();
    let from = IncidentId::parse("20240122-brave-wolf").unwrap();
    let at = sim.now;
    for url in ["https://tickets.example/1", "https://tickets.example/2"] {
        sim.record(Event::Absorbed {
            from: from.clone(),
            at,
            actor: alice(),
            event: Box::new(Event::LinkAdded {
                url: url.into(),
                label: "ticket".into(),
            }),
        });
    }
    let urls: Vec<&str> = sim
        .incident
        .as_ref()
        .unwrap()
        .links
        .iter()
        .map(|(_, u)| u.as_str())
        .collect();
    assert_eq!(
        urls,
        ["https://tickets.example/1", "https://tickets.example/2"]
    );
}

#[test]
fn leaving_triage_keeps_an_impact_end() {
    let mut sim = at_status(Status::Triage);
    sim.now += Duration::minutes(30);
    let end = sim.now - Duration::minutes(5);
    sim.run(Command::SetImpact {
        edge: ImpactEdge::End,
        at: end,
    })
    .unwrap();
    sim.run(Command::SetStatus {
        status: Status::Investigating,
        summary: None,
    })
    .unwrap();
    assert_eq!(sim.incident.as_ref().unwrap().impact_ended_at, Some(end));
}

#[test]
fn a_merge_moves_the_story_and_leaves_the_bookkeeping() {
    let mut sim = at_status(Status::Investigating);
    sim.run(Command::PostUpdate {
        text: "Rolled back".into(),
    })
    .unwrap();
    sim.run(Command::AddAction {
        text: "Alert on lag".into(),
        owner: None,
    })
    .unwrap();
    let moved: Vec<&str> = sim
        .timeline
        .iter()
        .filter(|r| movable(&r.event))
        .map(|r| r.event.detail_type())
        .collect();
    assert_eq!(
        moved,
        [
            "IncidentDeclared",
            "IncidentUpdatePosted",
            "IncidentActionAdded"
        ]
    );
}

#[test]
fn names_get_a_number_only_after_the_plain_ones_run_out() {
    let day = t0();
    for attempt in 0..16 {
        let name = name::candidate(day, "view#1", attempt);
        assert_eq!(name.as_str().split('-').count(), 3, "{name}");
    }
    let numbered = name::candidate(day, "view#1", 16);
    assert!(numbered.as_str().ends_with("-16"), "{numbered}");
    assert_eq!(numbered.as_str().split('-').count(), 4);
}

#[test]
fn roles_by_their_names() {
    let names: Vec<String> = Role::ALL.iter().map(ToString::to_string).collect();
    assert_eq!(
        names,
        [
            "coordinator",
            "operations",
            "communications",
            "postmortem owner"
        ]
    );
    for role in Role::ALL {
        assert_eq!(role.as_str(), role.to_string());
    }
}

#[test]
fn the_people_on_an_incident_are_each_named_once_coordinator_first() {
    let u = |id: &str| UserId::parse(id).unwrap();
    let mut roles = Roles::default();
    assert!(roles.people().is_empty());
    roles.assign(Role::Operations, u("U0BOB"));
    roles.assign(Role::Operations, u("U0CAROL"));
    roles.assign(Role::Communications, u("U0BOB"));
    roles.assign(Role::Coordinator, u("U0CAROL"));
    assert_eq!(roles.people(), [&u("U0CAROL"), &u("U0BOB")]);
}

#[test]
fn statuses_read_back_as_written_each_with_its_own_emoji() {
    let mut emoji = std::collections::BTreeSet::new();
    for status in Status::ALL {
        assert_eq!(status.to_string(), status.as_str());
        assert_eq!(status.to_string().parse::<Status>(), Ok(status));
        let e = status.emoji();
        assert!(
            e.len() > 2 && e.starts_with(':') && e.ends_with(':'),
            "{status}: {e} is a Slack emoji code"
        );
        assert!(emoji.insert(e), "{status}: {e} is another status's too");
    }
    assert_eq!(Status::Resolved.emoji(), ":white_check_mark:");
}
