//! Property: whatever people type (titles, updates, kept messages, summaries), the
//! document keeps its shape: table rows keep their cells, no heading, HTML or
//! extra section appears.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, TimeZone, Utc};
use flare::config::Config;
use flare::domain::{CaptureKind, CapturedMessage, Command, Declaration, Roles, Status};
use flare_postmortem::fixtures::{Script, person, severity, user};
use flare_postmortem::{Links, People, render_with};
use proptest::prelude::*;

/// Text biased towards Markdown's special characters, or anything at all.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z |\\\\`<>#\n\r&;\\[\\]()*_~:=+.0-9!-]{0,60}",
        any::<String>(),
        Just("| a | b |\n|---|---|".to_owned()),
        Just("<!-- x -->\n# H\n```\n> q\n1. x\n\\|".to_owned()),
    ]
}

/// `|` not escaped by an odd run of backslashes.
fn unescaped_pipes(line: &str) -> usize {
    let mut count = 0;
    let mut backslashes = 0;
    for c in line.chars() {
        match c {
            '\\' => backslashes += 1,
            '|' => {
                if backslashes % 2 == 0 {
                    count += 1;
                }
                backslashes = 0;
            }
            _ => backslashes = 0,
        }
    }
    count
}

#[allow(clippy::too_many_arguments)]
fn document(
    title: &str,
    impact: &str,
    description: &str,
    service: &str,
    customer: &str,
    updates: &[String],
    kept: &[String],
    summary: &str,
) -> String {
    let t0 = Utc.with_ymd_and_hms(2024, 1, 22, 9, 0, 0).unwrap();
    let alice = person("U0ALICE").unwrap();
    let mut s = Script::new("20240122-proper-newt", t0).unwrap();
    s.run(
        &alice,
        Command::Declare(Box::new(Declaration {
            title: format!("T{title}"),
            severity: severity("S2").unwrap(),
            impact: impact.into(),
            description: description.into(),
            services: vec![service.into()],
            customer: Some(customer.into()),
            triage: false,
            private: false,
            page_oncall: false,
            roles: Roles::default(),
            impact_started_at: Some(t0 - Duration::minutes(5)),
            source_message: None,
            files: Vec::new(),
        })),
    )
    .unwrap();
    for (i, u) in updates.iter().enumerate() {
        s.wait(1);
        // Blank updates are refused by the domain; that's fine here.
        let _ = s.run(&alice, Command::PostUpdate { text: u.clone() });
        if let Some(k) = kept.get(i) {
            let message = CapturedMessage {
                channel: "C0PROP00001".into(),
                ts: format!("{}.0001", 1_700_000_000 + i),
                author: Some(user("U0BOB").unwrap()),
                text: k.clone(),
                permalink: Some(format!("https://x.slack.com/{k}")),
                posted_at: s.now() - Duration::minutes(1),
            };
            let kind = if i % 2 == 0 {
                CaptureKind::Papertrail
            } else {
                CaptureKind::Discussion
            };
            s.run(&alice, Command::Capture { kind, message }).unwrap();
        }
    }
    s.wait(1)
        .run(
            &alice,
            Command::SetStatus {
                status: Status::Monitoring,
                summary: Some(summary.into()),
            },
        )
        .unwrap();
    s.wait(1)
        .run(
            &alice,
            Command::Resolve {
                summary: Some(summary.into()),
            },
        )
        .unwrap();
    let (incident, timeline) = s.finish().unwrap();
    render_with(
        &incident,
        &timeline,
        &Config::default(),
        &Links {
            channel_id: Some("C0PROP00001".into()),
            channel_name: None,
            // People's names come from their Slack profiles: outside text too.
            people: People::known([("U0ALICE".to_owned(), description.to_owned())]),
        },
    )
}

const SECTIONS: usize = 13;

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn outside_text_never_breaks_the_document(
        title in text(),
        impact in text(),
        description in text(),
        service in text(),
        customer in text(),
        updates in prop::collection::vec(text(), 0..5),
        kept in prop::collection::vec(text(), 0..5),
        summary in text(),
    ) {
        let md = document(&title, &impact, &description, &service, &customer, &updates, &kept, &summary);
        let lines: Vec<&str> = md.lines().collect();
        // Every table: each row has the header's number of unescaped pipes.
        let mut i = 0;
        while i < lines.len() {
            if lines[i].starts_with('|') {
                let header = unescaped_pipes(lines[i]);
                prop_assert!(header >= 3, "header {:?}", lines[i]);
                prop_assert!(lines[i + 1].starts_with("| ---"), "separator after {:?}", lines[i]);
                while i < lines.len() && lines[i].starts_with('|') {
                    prop_assert_eq!(unescaped_pipes(lines[i]), header, "row {:?}", lines[i]);
                    i += 1;
                }
            } else {
                i += 1;
            }
        }
        // No heading but ours, no HTML but our line breaks and the footer.
        prop_assert!(lines[0].starts_with("# Postmortem: "));
        for l in &lines[1..] {
            prop_assert!(!l.starts_with("# "), "{:?}", l);
        }
        prop_assert_eq!(lines.iter().filter(|l| l.starts_with("## ")).count(), SECTIONS);
        for (at, _) in md.match_indices('<') {
            let rest = &md[at..];
            prop_assert!(
                rest.starts_with("<br>") || rest.starts_with("<!-- flare-postmortem incident="),
                "raw HTML at {:?}", &rest[..rest.len().min(30)]
            );
        }
        // One Mermaid block, untouched by outside text.
        prop_assert_eq!(md.matches("```").count(), 2);
        // Same input, same bytes.
        let again = document(&title, &impact, &description, &service, &customer, &updates, &kept, &summary);
        prop_assert_eq!(md, again);
    }
}
