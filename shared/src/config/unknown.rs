//! A typo in the configuration is refused with its path and the field meant:
//! serde says "unknown field `update_every_minute`, expected one of `id`, …"; people
//! read `severities[0].update_every_minute: unknown field; did you mean
//! update_every_minutes?`.

/// An unknown field or variant, explained.
pub(super) struct Unknown {
    /// The name as written in the file.
    pub name: String,
    pub reason: String,
}

/// `Some` when serde's message is about an unknown field or enum variant.
pub(super) fn explain(serde_message: &str) -> Option<Unknown> {
    let (what, rest) = ["field", "variant"].iter().find_map(|what| {
        serde_message
            .split_once(&format!("unknown {what} `"))
            .map(|(_, rest)| (*what, rest))
    })?;
    let (name, rest) = rest.split_once('`')?;
    // Where it is, if the parser said ("at line 7 column 5").
    let (rest, location) = match rest.split_once(" at line ") {
        Some((r, l)) => (r, format!(" (line {l})")),
        None => (rest, String::new()),
    };
    let expected: Vec<&str> = rest
        .split_once("expected")
        .map(|(_, list)| list.split('`').skip(1).step_by(2).collect())
        .unwrap_or_default();
    let reason = match nearest(name, &expected) {
        Some(meant) => format!("unknown {what}; did you mean {meant}?{location}"),
        None if expected.is_empty() => format!("unknown {what}{location}"),
        None => format!(
            "unknown {what}; expected one of {}{location}",
            expected.join(", ")
        ),
    };
    Some(Unknown {
        name: name.to_owned(),
        reason,
    })
}

/// `parent.name`, or `name` at the top of the file.
pub(super) fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

/// The closest expected name, if it is close enough to be what was meant: within a
/// third of its length in edits (at least 2), or the same up to case.
fn nearest<'a>(name: &str, expected: &[&'a str]) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    expected
        .iter()
        .map(|e| (distance(&lower, &e.to_ascii_lowercase()), *e))
        .filter(|(d, e)| *d <= (e.chars().count() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, e)| e)
}

/// Levenshtein distance, by characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let next = (row[j + 1] + 1).min(row[j] + 1).min(prev + cost);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn suggests_the_nearest_field() {
        let u = explain("unknown field `update_every_minute`, expected one of `id`, `label`, `description`, `critical`, `update_every_minutes` at line 7 column 5").unwrap();
        assert_eq!(u.name, "update_every_minute");
        assert_eq!(
            u.reason,
            "unknown field; did you mean update_every_minutes? (line 7 column 5)"
        );
    }

    #[test]
    fn lists_the_fields_when_nothing_is_close() {
        let u = explain("unknown field `colour`, expected `prefix` or `triage`").unwrap();
        assert_eq!(u.reason, "unknown field; expected one of prefix, triage");
        let u = explain("unknown variant `jira`, expected `github`").unwrap();
        assert_eq!(u.reason, "unknown variant; expected one of github");
    }

    #[test]
    fn other_messages_are_left_alone() {
        assert!(explain("invalid type: string \"x\", expected u32").is_none());
    }

    #[test]
    fn distances() {
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("same", "same"), 0);
        assert_eq!(
            nearest("Channels", &["channels", "services"]),
            Some("channels")
        );
        assert_eq!(nearest("xyz", &["channels"]), None);
    }
}
