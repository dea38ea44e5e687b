//! A Mermaid `gantt` of the response phases and the impact window.
//!
//! Task names are fixed words (status names, "Customer impact"), so none carries the
//! `:`, `#` or `;` that Mermaid reads as syntax; the title is filtered the same way.

use super::time::{TimeFormat, mermaid};
use chrono::{DateTime, Utc};
use flare::domain::{Incident, Status};
use std::fmt::Write;

pub fn write(
    out: &mut String,
    inc: &Incident,
    statuses: &[(DateTime<Utc>, Status)],
    tf: TimeFormat,
) {
    out.push_str("## Phases\n\n```mermaid\ngantt\n");
    let _ = writeln!(out, "    title Incident {}", safe(inc.id.as_str()));
    out.push_str("    dateFormat YYYY-MM-DDTHH:mm:ss\n");
    out.push_str(if tf.multi_day {
        "    axisFormat %m-%d %H:%M\n"
    } else {
        "    axisFormat %H:%M\n"
    });
    out.push_str("    todayMarker off\n    section Status\n");
    for (i, (start, status)) in statuses.iter().enumerate() {
        let name = capitalized(status.as_str());
        if matches!(status, Status::Resolved | Status::Closed | Status::Declined) {
            let _ = writeln!(out, "    {name} :milestone, s{i}, {}, 0d", mermaid(*start));
            continue;
        }
        // An active phase runs until the next change, or the last event if none came.
        let end = statuses
            .get(i + 1)
            .map_or(inc.updated_at, |(next, _)| *next)
            .max(*start);
        let _ = writeln!(
            out,
            "    {name} :s{i}, {}, {}",
            mermaid(*start),
            mermaid(end)
        );
    }
    out.push_str("    section Impact\n");
    let start = inc.impact_start();
    let (end, name) = match inc.impact_ended_at {
        Some(end) => (end, "Customer impact"),
        None => (inc.updated_at, "Customer impact so far"),
    };
    let _ = writeln!(
        out,
        "    {name} :crit, i0, {}, {}",
        mermaid(start),
        mermaid(end.max(start))
    );
    out.push_str("```\n\n");
}

/// Letters, digits, spaces and `-`: nothing Mermaid could read as syntax.
fn safe(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-'))
        .collect()
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
