//! The sections people write after the incident, with prompts to start from.
//! They follow a blameless review: systems and decisions, not people.

use super::table;

const WHYS: [&str; 5] = [
    "Why did customers see the impact?",
    "Why did that happen?",
    "Why was that possible?",
    "Why was it not caught earlier (tests, review, rollout, alerts)?",
    "Why did nothing limit it sooner (safeguards, capacity, rollback)?",
];

pub fn write(out: &mut String, incident: &flare::domain::Incident, people: &super::names::People) {
    if !incident.links.is_empty() {
        out.push_str("## Links\n\n");
        for (label, url) in &incident.links {
            // The label is people's text; the target only ever an http(s) URL.
            let label = super::escape::text(&label.replace(['[', ']'], ""));
            match super::escape::safe_url(url) {
                Some(url) => out.push_str(&format!("- [{label}]({url})\n")),
                None => out.push_str(&format!("- {label} (`{}`)\n", url.replace('`', "'"))),
            }
        }
        out.push('\n');
    }
    out.push_str(
        "## Root cause analysis\n\n\
         _Ask \"why?\" until you reach causes you can act on, usually about five times. \
         Describe systems and decisions, not people: this review is blameless._\n\n",
    );
    for (i, why) in WHYS.iter().enumerate() {
        out.push_str(&format!("{}. **{why}**\n   Because …\n", i + 1));
    }
    out.push_str("\n**Trigger:** …\n\n**Root cause:** …\n\n");
    let prompt = |out: &mut String, title: &str, hint: &str| {
        out.push_str(&format!("## {title}\n\n_{hint}_\n\n- …\n\n"));
    };
    prompt(
        out,
        "What went well",
        "Detection, people, tools or runbooks that helped.",
    );
    prompt(
        out,
        "What went badly",
        "Delays, confusion, missing alerts, access or tooling that got in the way.",
    );
    prompt(
        out,
        "Where we got lucky",
        "Things that limited the damage by chance rather than by design.",
    );
    out.push_str(
        "## Action items\n\n\
         _Remediations that prevent a repeat, detect it sooner or speed up the response. \
         Each one gets an owner and a ticket._\n\n",
    );
    table::write(
        out,
        &["Action", "Kind", "Owner", "Ticket", "Due"],
        &action_rows(incident, people),
    );
}

/// The follow-ups recorded during the incident (`/incident action`), else one empty row.
fn action_rows(
    incident: &flare::domain::Incident,
    people: &super::names::People,
) -> Vec<Vec<String>> {
    if incident.actions.is_empty() {
        return vec![vec![String::new(); 5]];
    }
    incident
        .actions
        .iter()
        .map(|a| {
            let ticket = a.ticket.as_ref().map(|(key, url)| {
                let key = super::escape::cell(&key.replace(['[', ']'], ""));
                super::escape::safe_url(url)
                    .map_or_else(|| key.clone(), |url| format!("[{key}]({url})"))
            });
            vec![
                super::escape::cell(&format!("{}. {}", a.number, people.plain(&a.text))),
                String::new(),
                a.owner.as_ref().map(|o| people.user(o)).unwrap_or_default(),
                ticket.unwrap_or_default(),
                String::new(),
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use flare::domain::{ActionItem, Incident};

    fn incident() -> Incident {
        crate::fixtures::scripted().unwrap().0
    }

    #[test]
    fn links_and_action_items_cannot_inject_markup() {
        let mut inc = incident();
        inc.links = vec![
            (
                "<img src=x onerror=alert(1)>".into(),
                "https://ok.example/a".into(),
            ),
            ("click".into(), "javascript:alert(1)".into()),
        ];
        inc.actions = vec![ActionItem {
            number: 1,
            text: "fix | the <script>alert(1)</script> table".into(),
            owner: None,
            ticket_requested: true,
            ticket: Some(("GH-1".into(), "javascript:alert(2)".into())),
        }];
        let mut out = String::new();
        write(&mut out, &inc, &super::super::names::People::default());
        assert!(!out.contains("<img") && !out.contains("<script>"), "{out}");
        assert!(!out.contains("](javascript:"), "{out}");
        let row = out.lines().find(|l| l.contains("1. fix")).unwrap();
        // One row of five cells: the `|` in the text is escaped.
        assert_eq!(row.matches(" |").count(), 5, "{row}");
    }
}
