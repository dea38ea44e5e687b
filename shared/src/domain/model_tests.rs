//! Model-based tests: a small reference model of the incident, written from the
//! documented process (docs/incident-process, the lifecycle table, the reminder and
//! permission rules), never from `decide` or `apply`. Random command sequences, people
//! and clocks run through both; after every step the outcome (refused, accepted with
//! no change, changed) and the state must agree.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use std::collections::BTreeSet;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 4, 9, 0, 0).unwrap()
}

fn uid(s: &str) -> UserId {
    UserId::parse(s).unwrap()
}

const PEOPLE: [&str; 4] = ["U0ALICE", "U0BOB", "U0CAROL", "U0DAVE"];
const REPORTER: &str = "U0ALICE";

// ---------------------------------------------------------------- the model

/// The lifecycle as the process describes it, one arrow per line.
const ARROWS: &[(Status, Status)] = {
    use Status::*;
    &[
        (Triage, Investigating),
        (Triage, Fixing),
        (Triage, Monitoring),
        (Triage, Resolved),
        (Triage, Declined),
        (Investigating, Fixing),
        (Investigating, Monitoring),
        (Investigating, Resolved),
        (Fixing, Monitoring),
        (Fixing, Resolved),
        (Monitoring, Fixing),
        (Monitoring, Resolved),
        (Resolved, Closed),
        (Resolved, Investigating),
    ]
};

/// The timers and cadence of the default configuration, restated.
const TRIAGE_ACK: i64 = 10;
const COORDINATOR_MISSING: i64 = 5;
const MONITORING_WINDOW: i64 = 60;
const POSTMORTEM_DAYS: i64 = 5;

fn update_every(severity: &str) -> Option<i64> {
    match severity {
        "S1" | "S2" => Some(30),
        "S3" => Some(120),
        _ => None,
    }
}

fn critical(severity: &str) -> bool {
    matches!(severity, "S1" | "S2")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Refused,
    NoChange,
    Changed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Model {
    status: Status,
    severity: String,
    acknowledged: bool,
    /// Someone acknowledged explicitly (`ack`, an accept): declaring is not one.
    responded: bool,
    coordinator: Option<String>,
    operations: BTreeSet<String>,
    communications: Option<String>,
    postmortem_owner: Option<String>,
    captures: BTreeSet<(String, String)>,
    declared_at: DateTime<Utc>,
    last_update_at: DateTime<Utc>,
    status_since: DateTime<Utc>,
    // Reminders.
    triage_nudges: u8,
    update_nudged_at: Option<DateTime<Utc>>,
    coordinator_nudged: bool,
    monitoring_asked_at: Option<DateTime<Utc>>,
    postmortem_nudged: bool,
    snoozed_until: Option<DateTime<Utc>>,
}

impl Model {
    fn declare(triage: bool, severity: &str, coordinator: Option<&str>, at: DateTime<Utc>) -> Self {
        let mut operations = BTreeSet::new();
        if !triage {
            // Whoever declares is responding: an operations engineer, acknowledged.
            operations.insert(REPORTER.to_owned());
        }
        Self {
            status: if triage {
                Status::Triage
            } else {
                Status::Investigating
            },
            severity: severity.to_owned(),
            acknowledged: !triage,
            responded: false,
            coordinator: coordinator.map(str::to_owned),
            operations,
            communications: None,
            postmortem_owner: None,
            captures: BTreeSet::new(),
            declared_at: at,
            last_update_at: at,
            status_since: at,
            triage_nudges: 0,
            update_nudged_at: None,
            coordinator_nudged: false,
            monitoring_asked_at: None,
            postmortem_nudged: false,
            snoozed_until: None,
        }
    }

    fn finished(&self) -> bool {
        matches!(self.status, Status::Closed | Status::Declined)
    }

    fn holds(&self, role: Role, user: &str) -> bool {
        let is = |o: &Option<String>| o.as_deref() == Some(user);
        match role {
            Role::Coordinator => is(&self.coordinator),
            Role::Operations => self.operations.contains(user),
            Role::Communications => is(&self.communications),
            Role::PostmortemOwner => is(&self.postmortem_owner),
        }
    }

    fn involved(&self, user: &str) -> bool {
        user == REPORTER || Role::ALL.iter().any(|r| self.holds(*r, user))
    }

    /// The default permission rules: who may run the command.
    fn may(&self, command: &Command, user: &str, in_channel: bool, manager: bool) -> bool {
        let member = in_channel || self.involved(user) || manager;
        match command {
            Command::Close | Command::DeclineTriage { .. } => match &self.coordinator {
                Some(c) => c == user || manager,
                None => member,
            },
            Command::SetStatus { .. }
            | Command::SetSeverity { .. }
            | Command::AssignRole { .. }
            | Command::Escalate { .. }
            | Command::SetImpact { .. }
            | Command::Resolve { .. } => member,
            _ => true,
        }
    }

    fn move_to(&mut self, to: Status, now: DateTime<Utc>) -> Outcome {
        if to == self.status || !ARROWS.contains(&(self.status, to)) {
            return Outcome::Refused;
        }
        self.status = to;
        self.status_since = now;
        self.last_update_at = now;
        if !matches!(to, Status::Triage | Status::Declined) {
            self.acknowledged = true;
        }
        Outcome::Changed
    }

    /// Which reminders fall due by `at`, from the documented timers.
    fn due(&self, at: DateTime<Utc>) -> Vec<ReminderKind> {
        let mins = Duration::minutes;
        let mut due: Vec<(ReminderKind, DateTime<Utc>)> = Vec::new();
        match self.status {
            Status::Triage if !self.acknowledged && self.triage_nudges < 2 => due.push((
                ReminderKind::TriageUnacknowledged,
                self.declared_at + mins(TRIAGE_ACK * (i64::from(self.triage_nudges) + 1)),
            )),
            Status::Investigating | Status::Fixing | Status::Monitoring => {
                if let Some(every) = update_every(&self.severity) {
                    // Monitoring a fix: at most one update nudge an hour (the default).
                    let every = if self.status == Status::Monitoring {
                        every.max(60)
                    } else {
                        every
                    };
                    let last = match self.update_nudged_at {
                        Some(n) if n > self.last_update_at => n,
                        _ => self.last_update_at,
                    };
                    due.push((ReminderKind::UpdateDue, last + mins(every)));
                }
                if critical(&self.severity)
                    && self.coordinator.is_none()
                    && !self.coordinator_nudged
                {
                    due.push((
                        ReminderKind::CoordinatorMissing,
                        self.declared_at + mins(COORDINATOR_MISSING),
                    ));
                }
                let asked_here = self
                    .monitoring_asked_at
                    .is_some_and(|a| a >= self.status_since);
                if self.status == Status::Monitoring && !asked_here {
                    due.push((
                        ReminderKind::MonitoringWindow,
                        self.status_since + mins(MONITORING_WINDOW),
                    ));
                }
            }
            Status::Resolved if !self.postmortem_nudged => due.push((
                ReminderKind::PostmortemDue,
                self.status_since + Duration::days(POSTMORTEM_DAYS),
            )),
            _ => {}
        }
        due.into_iter()
            .filter(|(_, when)| {
                let when = self.snoozed_until.map_or(*when, |s| s.max(*when));
                when <= at
            })
            .map(|(k, _)| k)
            .collect()
    }

    /// What the command should do, and the state after it.
    fn step(&mut self, command: &Command, user: &str, now: DateTime<Utc>) -> Outcome {
        use Outcome::*;
        if self.finished() {
            return Refused;
        }
        match command {
            Command::Acknowledge => {
                if self.responded {
                    NoChange
                } else {
                    self.responded = true;
                    self.acknowledged = true;
                    Changed
                }
            }
            Command::PostUpdate { text } => {
                if text.trim().is_empty() {
                    return Refused;
                }
                self.last_update_at = now;
                Changed
            }
            Command::SetStatus {
                status: Status::Declined,
                ..
            } => Refused,
            Command::SetStatus { status, .. } => self.move_to(*status, now),
            Command::Resolve { .. } => self.move_to(Status::Resolved, now),
            Command::Close => self.move_to(Status::Closed, now),
            Command::SetSeverity { severity } => {
                if severity.as_str() == self.severity {
                    return Refused;
                }
                self.severity = severity.as_str().to_owned();
                Changed
            }
            Command::AssignRole { role, user } => {
                let user = user.as_str();
                if self.holds(*role, user) {
                    return Refused;
                }
                let who = Some(user.to_owned());
                match role {
                    Role::Coordinator => self.coordinator = who,
                    Role::Operations => {
                        self.operations.insert(user.to_owned());
                    }
                    Role::Communications => self.communications = who,
                    Role::PostmortemOwner => self.postmortem_owner = who,
                }
                Changed
            }
            Command::Escalate { .. } => {
                if self.status == Status::Resolved {
                    Refused
                } else {
                    Changed
                }
            }
            Command::AcceptTriage { severity } => {
                if self.status != Status::Triage {
                    return Refused;
                }
                self.severity = severity.as_str().to_owned();
                self.responded = true;
                // Whoever accepts coordinates, unless someone already does.
                self.coordinator.get_or_insert_with(|| user.to_owned());
                self.move_to(Status::Investigating, now)
            }
            Command::DeclineTriage { reason } => {
                if self.status != Status::Triage || reason.trim().is_empty() {
                    return Refused;
                }
                self.move_to(Status::Declined, now)
            }
            Command::Capture { kind, message } => {
                if self
                    .captures
                    .insert((kind.as_str().to_owned(), message.ts.clone()))
                {
                    Changed
                } else {
                    NoChange
                }
            }
            Command::Uncapture { kind, ts, .. } => {
                if self
                    .captures
                    .remove(&(kind.as_str().to_owned(), ts.clone()))
                {
                    Changed
                } else {
                    NoChange
                }
            }
            Command::Snooze { minutes } => {
                if *minutes == 0 || *minutes > 1440 {
                    return Refused;
                }
                self.snoozed_until = Some(now + Duration::minutes(i64::from(*minutes)));
                Changed
            }
            Command::Remind { due, .. } => {
                let at = now.max(*due);
                let kinds = self.due(at);
                for kind in &kinds {
                    match kind {
                        ReminderKind::UpdateDue => self.update_nudged_at = Some(now),
                        ReminderKind::CoordinatorMissing => self.coordinator_nudged = true,
                        ReminderKind::TriageUnacknowledged => self.triage_nudges += 1,
                        ReminderKind::MonitoringWindow => self.monitoring_asked_at = Some(now),
                        ReminderKind::PostmortemDue => self.postmortem_nudged = true,
                    }
                }
                if kinds.is_empty() { NoChange } else { Changed }
            }
            other => panic!("the model does not cover {}", other.name()),
        }
    }

    /// The fields the model tracks, read off the domain's incident.
    fn observe(inc: &Incident) -> Self {
        let name = |u: &Option<UserId>| u.as_ref().map(|u| u.as_str().to_owned());
        Self {
            status: inc.status,
            severity: inc.severity.as_str().to_owned(),
            acknowledged: inc.acknowledged_at.is_some(),
            responded: inc.responded_at.is_some(),
            coordinator: name(&inc.roles.coordinator),
            operations: inc
                .roles
                .operations
                .iter()
                .map(|u| u.as_str().to_owned())
                .collect(),
            communications: name(&inc.roles.communications),
            postmortem_owner: name(&inc.roles.postmortem_owner),
            captures: inc
                .captures
                .iter()
                .map(|k| (k.kind.as_str().to_owned(), k.ts.clone()))
                .collect(),
            declared_at: inc.declared_at,
            last_update_at: inc.last_update_at,
            status_since: inc.status_since,
            triage_nudges: inc.reminders.triage_nudges,
            update_nudged_at: inc.reminders.update_nudged_at,
            coordinator_nudged: inc.reminders.coordinator_nudged,
            monitoring_asked_at: inc.reminders.monitoring_asked_at,
            postmortem_nudged: inc.reminders.postmortem_nudged,
            snoozed_until: inc.reminders.snoozed_until,
        }
    }
}

// ---------------------------------------------------------------- the domain side

/// The incident as the worker keeps it: decide, then fold the events in.
struct Live {
    incident: Incident,
    version: u64,
}

impl Live {
    fn run(&mut self, command: Command, actor: &Actor, now: DateTime<Utc>) -> Outcome {
        match decide(Some(&self.incident), command, actor, now) {
            Err(_) => Outcome::Refused,
            Ok(events) if events.is_empty() => Outcome::NoChange,
            Ok(events) => {
                for event in events {
                    self.version += 1;
                    self.incident.apply(&Recorded {
                        incident_id: self.incident.id.clone(),
                        version: self.version,
                        at: now,
                        actor: actor.clone(),
                        command_id: format!("c{}", self.version),
                        event,
                    });
                }
                Outcome::Changed
            }
        }
    }
}

fn severity(s: &str) -> Severity {
    SeverityScale::default().parse(s).unwrap()
}

fn declare(triage: bool, sev: &str, coordinator: Option<&str>) -> Live {
    let d = Declaration {
        title: "Checkout fails".into(),
        severity: severity(sev),
        impact: String::new(),
        description: String::new(),
        services: vec![],
        customer: None,
        triage,
        private: false,
        page_oncall: false,
        roles: Roles {
            coordinator: coordinator.map(uid),
            ..Roles::default()
        },
        impact_started_at: None,
        source_message: None,
        files: Vec::new(),
    };
    let reporter = Actor::user(uid(REPORTER));
    let mut events = decide(None, Command::Declare(Box::new(d)), &reporter, t0()).unwrap();
    assert_eq!(events.len(), 1);
    let rec = Recorded {
        incident_id: IncidentId::parse("20240304-calm-otter").unwrap(),
        version: 1,
        at: t0(),
        actor: reporter,
        command_id: "c1".into(),
        event: events.remove(0),
    };
    Live {
        incident: Incident::from_declared(&rec).unwrap(),
        version: 1,
    }
}

fn any_command() -> impl Strategy<Value = Command> {
    let severity_ = prop::sample::select(vec!["S1", "S2", "S3", "S4"]).prop_map(severity);
    let user = prop::sample::select(PEOPLE.to_vec()).prop_map(uid);
    let ts = prop::sample::select(vec!["1.1", "2.2"]);
    let kind = prop::sample::select(vec![CaptureKind::Papertrail, CaptureKind::Discussion]);
    let text = prop::sample::select(vec!["", "  ", "db is back"]).prop_map(str::to_owned);
    prop_oneof![
        Just(Command::Acknowledge),
        text.clone().prop_map(|text| Command::PostUpdate { text }),
        prop::sample::select(Status::ALL.to_vec()).prop_map(|status| Command::SetStatus {
            status,
            summary: None
        }),
        severity_
            .clone()
            .prop_map(|severity| Command::SetSeverity { severity }),
        (prop::sample::select(Role::ALL.to_vec()), user.clone())
            .prop_map(|(role, user)| Command::AssignRole { role, user }),
        Just(Command::Resolve { summary: None }),
        Just(Command::Close),
        Just(Command::Escalate {
            target: EscalationTarget::Coordinators
        }),
        severity_.prop_map(|severity| Command::AcceptTriage { severity }),
        text.prop_map(|reason| Command::DeclineTriage { reason }),
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
        prop::sample::select(vec![0u32, 1, 15, 1440, 1441])
            .prop_map(|minutes| Command::Snooze { minutes }),
        Just(Command::Remind {
            due: t0(),
            policy: Box::new(crate::config::Config::default().reminder_policy()),
        }),
    ]
}

/// One step: who acts, what, and how many minutes passed before.
fn any_step() -> impl Strategy<Value = (usize, Command, i64)> {
    (
        0..PEOPLE.len(),
        any_command(),
        prop_oneof![0i64..3, 0i64..200],
    )
}

/// Who is in the channel and who is an incident manager, by index into `PEOPLE`.
fn facts() -> impl Strategy<Value = (BTreeSet<usize>, BTreeSet<usize>)> {
    (
        prop::collection::btree_set(1..PEOPLE.len(), 0..3),
        prop::collection::btree_set(1..PEOPLE.len(), 0..2),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The model and the domain agree on every step: who may, whether the command is
    /// refused, accepted without change or applied, and the state afterwards.
    #[test]
    fn the_domain_behaves_like_the_reference_model(
        triage in any::<bool>(),
        sev in prop::sample::select(vec!["S1", "S2", "S3", "S4"]),
        coordinator in prop::option::of(prop::sample::select(vec!["U0BOB", "U0CAROL"])),
        (channel, managers) in facts(),
        steps in prop::collection::vec(any_step(), 1..30),
    ) {
        let policy = AccessPolicy {
            managers: Some("S0MANAGERS".into()),
            ..AccessPolicy::default()
        };
        let mut live = declare(triage, sev, coordinator);
        let mut model = Model::declare(triage, sev, coordinator, t0());
        prop_assert_eq!(&Model::observe(&live.incident), &model, "after the declaration");
        let mut now = t0();
        for (i, (who, command, minutes)) in steps.into_iter().enumerate() {
            now += Duration::minutes(minutes);
            let user = PEOPLE[who];
            let actor = Actor::user(uid(user));
            let in_channel = channel.contains(&who);
            let manager = managers.contains(&who);
            // The worker asks only what the rule needs, and answers truthfully.
            let access = policy.required(&command);
            let asked = questions(&live.incident, &actor, access, &policy);
            let standing = Standing {
                member: asked.member && in_channel,
                manager: asked.manager && manager,
            };
            let allowed = authorize(&live.incident, &command, &actor, access, standing, &policy).is_ok();
            prop_assert_eq!(
                allowed,
                model.may(&command, user, in_channel, manager),
                "step {}: may {} run {:?}?", i, user, command.name()
            );
            if !allowed {
                continue;
            }
            let expected = model.step(&command, user, now);
            let got = live.run(command.clone(), &actor, now);
            prop_assert_eq!(got, expected, "step {}: outcome of {:?}", i, command);
            prop_assert_eq!(&Model::observe(&live.incident), &model, "step {}: state after {:?}", i, command);
        }
    }
}
