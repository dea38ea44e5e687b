//! Sample incidents built through the real domain (`decide` then `apply`), for the
//! golden test, the documentation and benchmarks (`long(10_000)` times a big one).
//! Deterministic: fixed times, fixed ids, no randomness.

use chrono::{DateTime, Duration, TimeZone, Utc};
use flare::domain::{
    Actor, CaptureKind, CapturedMessage, Command, Declaration, EscalationTarget, ImpactEdge,
    Incident, IncidentId, Recorded, Role, Roles, Severity, SeverityScale, Status, UserId, decide,
};

/// Drives commands through the domain, one minute apart unless told otherwise.
pub struct Script {
    id: IncidentId,
    now: DateTime<Utc>,
    incident: Option<Incident>,
    timeline: Vec<Recorded>,
}

impl Script {
    pub fn new(id: &str, start: DateTime<Utc>) -> Result<Self, String> {
        Ok(Self {
            id: IncidentId::parse(id).ok_or_else(|| format!("bad incident id {id}"))?,
            now: start,
            incident: None,
            timeline: Vec::new(),
        })
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Moves the clock forward.
    pub fn wait(&mut self, minutes: i64) -> &mut Self {
        self.now += Duration::minutes(minutes);
        self
    }

    /// Applies a command as `actor` at the current time.
    pub fn run(&mut self, actor: &Actor, command: Command) -> Result<&mut Self, String> {
        let events =
            decide(self.incident.as_ref(), command, actor, self.now).map_err(|e| e.to_string())?;
        for event in events {
            let rec = Recorded {
                incident_id: self.id.clone(),
                version: self.timeline.len() as u64 + 1,
                at: self.now,
                actor: actor.clone(),
                command_id: format!("script#{}", self.timeline.len() + 1),
                event,
            };
            match &mut self.incident {
                Some(inc) => inc.apply(&rec),
                None => self.incident = Incident::from_declared(&rec),
            }
            self.timeline.push(rec);
        }
        Ok(self)
    }

    pub fn finish(self) -> Result<(Incident, Vec<Recorded>), String> {
        let incident = self.incident.ok_or("nothing was declared")?;
        Ok((incident, self.timeline))
    }
}

pub fn user(id: &str) -> Result<UserId, String> {
    UserId::parse(id).ok_or_else(|| format!("bad user id {id}"))
}

pub fn person(id: &str) -> Result<Actor, String> {
    user(id).map(Actor::user)
}

pub fn severity(s: &str) -> Result<Severity, String> {
    SeverityScale::default().parse(s)
}

/// A Slack message in `channel`, posted at `at`.
pub fn message(
    channel: &str,
    at: DateTime<Utc>,
    author: &str,
    text: &str,
) -> Result<CapturedMessage, String> {
    let ts = format!("{}.000100", at.timestamp());
    Ok(CapturedMessage {
        channel: channel.into(),
        permalink: Some(format!(
            "https://flare-demo.slack.com/archives/{channel}/p{}",
            ts.replace('.', "")
        )),
        ts,
        author: Some(user(author)?),
        text: text.into(),
        posted_at: at,
    })
}

/// The incident of the golden file: an S3 checkout outage that became an S1, with
/// impact that began before the declaration, updates, kept messages (one withdrawn),
/// role changes, an escalation, monitoring and a resolution with a summary.
pub fn scripted() -> Result<(Incident, Vec<Recorded>), String> {
    let t0 = Utc
        .with_ymd_and_hms(2024, 1, 22, 11, 55, 0)
        .single()
        .ok_or("bad time")?;
    let (alice, bob, carol, dave) = (
        person("U0ALICE")?,
        person("U0BOB")?,
        person("U0CAROL")?,
        person("U0DAVE")?,
    );
    let ch = "C0INCIDENT1";
    let mut s = Script::new("20240122-honest-rhino", t0)?;
    let alert = message(
        "C0ALERTS01",
        t0 - Duration::minutes(2),
        "U0DAVE",
        "Astro API pods restarting (CrashLoopBackOff) | 3 of 4 replicas",
    )?;
    s.run(
        &alice,
        Command::Declare(Box::new(Declaration {
            title: "Cloud UI \"No Healthy Upstream\" | <b>deploys</b> failing".into(),
            severity: severity("S3")?,
            impact: "Customers cannot open the Cloud UI;\nCLI deploys fail.".into(),
            description: "# Pods crash-looping after a user action\nSee alert.".into(),
            services: vec!["api".into(), "cloud-ui".into()],
            customer: Some("acme".into()),
            triage: false,
            private: false,
            page_oncall: true,
            roles: Roles::default(),
            impact_started_at: Some(t0 - Duration::minutes(30)),
            source_message: Some(alert),
            files: Vec::new(),
        })),
    )?;
    s.wait(1).run(
        &bob,
        Command::AssignRole {
            role: Role::Coordinator,
            user: user("U0BOB")?,
        },
    )?;
    let m1 = message(
        ch,
        s.now(),
        "U0CAROL",
        "Support: 3 tickets from Acme, UI shows `no healthy upstream`",
    )?;
    s.wait(2).run(&carol, Command::PostUpdate { text: "Investigating: Cloud UI returns 503 for some customers. Running Airflow tasks are not affected.".into() })?;
    s.wait(4).run(
        &bob,
        Command::SetSeverity {
            severity: severity("S1")?,
        },
    )?;
    s.run(
        &alice,
        Command::Capture {
            kind: CaptureKind::Papertrail,
            message: m1,
        },
    )?;
    let m2 = message(
        ch,
        s.now() - Duration::minutes(1),
        "U0DAVE",
        "panic: nil pointer dereference\n  at db.ReadTx (tx.go:118)\n# goroutine 42",
    )?;
    s.wait(3).run(
        &dave,
        Command::Capture {
            kind: CaptureKind::Papertrail,
            message: m2,
        },
    )?;
    let noise = message(ch, s.now(), "U0CAROL", "is this related to the DNS thing?")?;
    s.wait(1).run(
        &carol,
        Command::Capture {
            kind: CaptureKind::Papertrail,
            message: noise.clone(),
        },
    )?;
    s.wait(1).run(
        &carol,
        Command::Uncapture {
            kind: CaptureKind::Papertrail,
            channel: noise.channel,
            ts: noise.ts,
        },
    )?;
    s.wait(2).run(
        &bob,
        Command::Escalate {
            target: EscalationTarget::IncidentManager,
        },
    )?;
    s.wait(1).run(
        &bob,
        Command::AssignRole {
            role: Role::Operations,
            user: user("U0DAVE")?,
        },
    )?;
    s.wait(1).run(
        &bob,
        Command::AssignRole {
            role: Role::Coordinator,
            user: user("U0CAROL")?,
        },
    )?;
    s.run(
        &carol,
        Command::AssignRole {
            role: Role::Communications,
            user: user("U0BOB")?,
        },
    )?;
    s.wait(5).run(
        &dave,
        Command::SetStatus {
            status: Status::Fixing,
            summary: Some("Reverting the thread-unsafe read path (PR #4512).".into()),
        },
    )?;
    let idea = message(
        ch,
        s.now(),
        "U0DAVE",
        "Idea: alert on synthetic traffic to the API, not only on pod restarts.\n- pod restarts auto-resolve\n- 1. page CRE too",
    )?;
    s.wait(2).run(
        &alice,
        Command::Capture {
            kind: CaptureKind::Discussion,
            message: idea,
        },
    )?;
    s.wait(9).run(
        &dave,
        Command::SetStatus {
            status: Status::Monitoring,
            summary: Some("Hotfix rolled out; error rate back to baseline.".into()),
        },
    )?;
    let end = s.now() - Duration::minutes(3);
    s.wait(5).run(
        &carol,
        Command::SetImpact {
            edge: ImpactEdge::End,
            at: end,
        },
    )?;
    s.wait(1).run(
        &carol,
        Command::AssignRole {
            role: Role::PostmortemOwner,
            user: user("U0DAVE")?,
        },
    )?;
    s.wait(4).run(
        &carol,
        Command::Resolve {
            summary: Some("A release on Jan 17 made concurrent DB reads thread-unsafe; a specific workspace action crashed API pods.\nReverted and hotfixed; no task failures.".into()),
        },
    )?;
    s.finish()
}

/// A long incident for benchmarks: `n` events (updates, kept messages, withdrawals,
/// role and status changes, reminders) over several days.
pub fn long(n: usize) -> Result<(Incident, Vec<Recorded>), String> {
    let t0 = Utc
        .with_ymd_and_hms(2024, 3, 1, 8, 0, 0)
        .single()
        .ok_or("bad time")?;
    let people = [
        person("U0ALICE")?,
        person("U0BOB")?,
        person("U0CAROL")?,
        person("U0DAVE")?,
    ];
    let mut s = Script::new("20240301-steady-otter", t0)?;
    s.run(
        &people[0],
        Command::Declare(Box::new(Declaration {
            title: "Slow checkout".into(),
            severity: severity("S2")?,
            impact: "Checkout takes 30 s".into(),
            description: String::new(),
            services: vec!["checkout".into()],
            customer: None,
            triage: false,
            private: false,
            page_oncall: false,
            roles: Roles::default(),
            impact_started_at: None,
            source_message: None,
            files: Vec::new(),
        })),
    )?;
    let mut i = 1usize;
    while s.timeline.len() < n.saturating_sub(1) {
        let who = &people[i % people.len()];
        s.wait(1);
        match i % 10 {
            0 => {
                let status = if i.is_multiple_of(20) {
                    Status::Fixing
                } else {
                    Status::Monitoring
                };
                // Illegal moves (already there) are skipped.
                let _ = s.run(
                    who,
                    Command::SetStatus {
                        status,
                        summary: None,
                    },
                );
            }
            1..=3 => {
                let m = message(
                    "C0LONG00001",
                    s.now(),
                    "U0BOB",
                    &format!("log line {i} | status=503\n> retrying"),
                )?;
                s.run(
                    who,
                    Command::Capture {
                        kind: CaptureKind::Papertrail,
                        message: m,
                    },
                )?;
            }
            4 => {
                let m = message(
                    "C0LONG00001",
                    s.now() - Duration::minutes(3),
                    "U0BOB",
                    &format!("log line {} | status=503\n> retrying", i - 3),
                )?;
                s.run(
                    who,
                    Command::Uncapture {
                        kind: CaptureKind::Papertrail,
                        channel: m.channel,
                        ts: m.ts,
                    },
                )?;
            }
            5 => {
                let m = message(
                    "C0LONG00001",
                    s.now(),
                    "U0CAROL",
                    &format!("idea {i}: add a <b>cache</b>"),
                )?;
                s.run(
                    who,
                    Command::Capture {
                        kind: CaptureKind::Discussion,
                        message: m,
                    },
                )?;
            }
            6 => {
                let role = if i % 12 == 6 {
                    Role::Coordinator
                } else {
                    Role::Communications
                };
                let _ = s.run(
                    who,
                    Command::AssignRole {
                        role,
                        user: user(["U0ALICE", "U0BOB", "U0CAROL", "U0DAVE"][(i / 10) % 4])?,
                    },
                );
            }
            _ => {
                s.run(
                    who,
                    Command::PostUpdate {
                        text: format!("Update {i}: p99 at {} ms | still # degraded", 900 + i % 300),
                    },
                )?;
            }
        }
        i += 1;
    }
    s.wait(1).run(
        &people[0],
        Command::Resolve {
            summary: Some("Cache warmed.".into()),
        },
    )?;
    s.finish()
}
