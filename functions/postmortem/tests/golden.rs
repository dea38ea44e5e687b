//! The scripted incident rendered and compared to `tests/golden/postmortem.md`.
//! `UPDATE_GOLDEN=1 cargo test -p flare-postmortem --test golden` rewrites the file;
//! review the diff before committing it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use flare::config::Config;
use flare::domain::{Actor, Command, Event, Recorded, ReminderKind};
use flare_postmortem::fixtures::{self, Script, person};
use flare_postmortem::{Links, render, render_with};
use std::path::PathBuf;

fn config() -> Config {
    Config::parse(
        "golden.yaml",
        "services:\n  - id: api\n    name: Astro API\n    team: core\n  - id: cloud-ui\n    name: Cloud UI\n    team: web\ncustomers:\n  - id: acme\n    name: ACME Corp\n",
    )
    .unwrap()
}

fn links() -> Links {
    Links {
        channel_id: Some("C0INCIDENT1".into()),
        channel_name: Some("inc-20240122-honest-rhino".into()),
        people: Default::default(),
    }
}

fn golden() -> String {
    let (incident, timeline) = fixtures::scripted().unwrap();
    render_with(&incident, &timeline, &config(), &links())
}

#[test]
fn the_scripted_incident_matches_the_golden_file() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/postmortem.md");
    let actual = golden();
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run `UPDATE_GOLDEN=1 cargo test -p flare-postmortem --test golden`",
            path.display()
        )
    });
    if actual != expected {
        let line = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()));
        panic!(
            "the postmortem differs from {} at line {}:\n  expected: {:?}\n  actual:   {:?}\n\
             If the change is intended, run `UPDATE_GOLDEN=1 cargo test -p flare-postmortem --test golden` and review the diff.",
            path.display(),
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}

#[test]
fn rendering_is_deterministic() {
    assert_eq!(golden(), golden());
}

#[test]
fn withdrawn_captures_and_reminders_stay_out() {
    let md = golden();
    assert!(!md.contains("DNS thing"), "the withdrawn capture is gone");
    let (incident, mut timeline) = fixtures::scripted().unwrap();
    let last = timeline.last().unwrap().clone();
    for (i, event) in [
        Event::Reminded {
            kind: ReminderKind::UpdateDue,
            nth: 1,
        },
        Event::Snoozed {
            until: last.at + Duration::hours(1),
        },
    ]
    .into_iter()
    .enumerate()
    {
        timeline.insert(
            5,
            Recorded {
                version: 100 + i as u64,
                actor: Actor::system("reminders"),
                event,
                ..last.clone()
            },
        );
    }
    assert_eq!(
        render_with(&incident, &timeline, &config(), &links()),
        md,
        "reminders and snoozes change nothing"
    );
}

#[test]
fn messages_appear_at_the_time_they_were_posted() {
    let md = golden();
    // Carol's message was posted at 11:56 and marked with 🧾 at 12:02.
    let row = md
        .lines()
        .find(|l| l.contains("Support: 3 tickets"))
        .unwrap();
    assert!(
        row.starts_with("| 11:56 | 🧾 Papertrail | @U0CAROL |"),
        "{row}"
    );
    let declared = md
        .lines()
        .position(|l| l.contains("| Declared | @U0ALICE | S3"))
        .unwrap();
    let alert = md
        .lines()
        .position(|l| l.contains("CrashLoopBackOff"))
        .unwrap();
    assert!(alert < declared, "the alert came before the declaration");
}

#[test]
fn histories_and_durations() {
    let md = golden();
    assert!(
        md.contains("| Severity history | S3 → S1 (12:02) |"),
        "{md}"
    );
    assert!(md.contains(
        "| Status history | investigating (11:55) → fixing (12:16) → monitoring (12:27) → resolved (12:37) |"
    ));
    assert!(md.contains("| Time to detect | 30m |"));
    assert!(md.contains(
        "[#inc-20240122-honest-rhino](https://slack.com/app_redirect?channel=C0INCIDENT1)"
    ));
    assert!(md.contains("| Services | Astro API, Cloud UI |"));
    assert!(md.ends_with(
        "<!-- flare-postmortem incident=20240122-honest-rhino generated_for_version=18 -->\n"
    ));
}

#[test]
fn multi_day_incidents_show_dates() {
    let t0 = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2024, 5, 1, 22, 0, 0).unwrap();
    let alice = person("U0ALICE").unwrap();
    let mut s = Script::new("20240501-long-night", t0).unwrap();
    s.run(
        &alice,
        Command::Declare(Box::new(flare::domain::Declaration {
            title: "Overnight".into(),
            severity: fixtures::severity("S2").unwrap(),
            impact: String::new(),
            description: String::new(),
            services: vec![],
            customer: None,
            triage: false,
            private: false,
            page_oncall: false,
            roles: Default::default(),
            impact_started_at: None,
            source_message: None,
            files: Vec::new(),
        })),
    )
    .unwrap();
    s.wait(180)
        .run(&alice, Command::Resolve { summary: None })
        .unwrap();
    let (incident, timeline) = s.finish().unwrap();
    let md = render(&incident, &timeline, &Config::default());
    assert!(
        md.contains("| 2024-05-02 01:00 | Status: resolved |"),
        "{md}"
    );
    assert!(md.contains("axisFormat %m-%d %H:%M"));
    // Without a channel id there is no link, only the name.
    assert!(md.contains("| Slack channel | #inc-20240501-long-night |"));
}

#[test]
fn the_gantt_is_valid_mermaid() {
    let md = golden();
    let start = md.find("```mermaid\n").unwrap();
    let block = &md[start..];
    let block = &block[..block[3..].find("```").unwrap() + 3];
    let lines: Vec<&str> = block.lines().skip(1).collect();
    assert_eq!(lines[0], "gantt");
    assert!(lines.contains(&"    dateFormat YYYY-MM-DDTHH:mm:ss"));
    assert!(lines.contains(&"    axisFormat %H:%M"));
    assert!(lines.contains(&"    section Status"));
    assert!(lines.contains(&"    section Impact"));
    let tasks: Vec<&&str> = lines.iter().filter(|l| l.contains(" :")).collect();
    assert!(tasks.len() >= 5, "{block}");
    for t in tasks {
        let (name, meta) = t.trim().split_once(" :").unwrap();
        assert!(!name.contains([':', '#', ';']), "{t}");
        let parts: Vec<&str> = meta.split(", ").collect();
        let dates: Vec<&&str> = parts
            .iter()
            .filter(|p| p.len() == 19 && p.as_bytes()[10] == b'T')
            .collect();
        assert!(!dates.is_empty(), "a start date in {t}");
        for d in dates {
            chrono::NaiveDateTime::parse_from_str(d, "%Y-%m-%dT%H:%M:%S").unwrap();
        }
    }
}

#[test]
fn a_long_incident_renders() {
    let (incident, timeline) = fixtures::long(2_000).unwrap();
    assert!(timeline.len() >= 2_000);
    let md = render(&incident, &timeline, &Config::default());
    assert!(md.contains("Cache warmed."));
    assert!(md.contains("| 2024-03-"), "over a day long: dates shown");
}

#[test]
fn a_capture_withdrawn_then_marked_again_shows_once() {
    let t0 = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2024, 6, 3, 8, 0, 0).unwrap();
    let alice = person("U0ALICE").unwrap();
    let mut s = Script::new("20240603-second-thought", t0).unwrap();
    s.run(
        &alice,
        Command::Declare(Box::new(flare::domain::Declaration {
            title: "Queue backlog".into(),
            severity: fixtures::severity("S3").unwrap(),
            impact: String::new(),
            description: String::new(),
            services: vec![],
            customer: None,
            triage: true,
            private: false,
            page_oncall: false,
            roles: Default::default(),
            impact_started_at: None,
            source_message: None,
            files: Vec::new(),
        })),
    )
    .unwrap();
    let m = fixtures::message("C0QUEUE0001", t0, "U0BOB", "backlog at 1M messages").unwrap();
    let (channel, ts) = (m.channel.clone(), m.ts.clone());
    let kind = flare::domain::CaptureKind::Discussion;
    s.wait(1)
        .run(
            &alice,
            Command::Capture {
                kind,
                message: m.clone(),
            },
        )
        .unwrap();
    s.wait(1)
        .run(&alice, Command::Uncapture { kind, channel, ts })
        .unwrap();
    s.wait(1)
        .run(&alice, Command::Capture { kind, message: m })
        .unwrap();
    let (incident, timeline) = s.finish().unwrap();
    let md = render(&incident, &timeline, &Config::default());
    assert_eq!(
        md.matches("backlog at 1M messages").count(),
        2,
        "timeline and 📌: {md}"
    );
    assert!(md.contains("_Nothing was marked with 🧾._"));
    assert!(md.contains("| Status history | triage (08:00) |"));
    assert!(
        md.contains("| Acknowledged | — |"),
        "a triage incident nobody took yet"
    );
    assert!(md.contains("Postmortem owner: not assigned yet."));
}
