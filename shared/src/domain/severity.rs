//! Severity levels. Which levels exist is configuration; the domain only needs to know
//! their order and which are critical (critical incidents run the full process).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A severity id such as `S1`, valid for the scale it was parsed against.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Severity(String);

impl Severity {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SeverityLevel {
    /// Short id used in commands and channel topics, e.g. `S1`.
    pub id: String,
    /// One word, e.g. `Critical`.
    pub label: String,
    /// What customers experience at this level; shown in the declare modal.
    pub description: String,
    /// Critical incidents require a coordinator, page on-call and get update reminders.
    pub critical: bool,
    /// Minutes between update reminders while the incident is active; none if absent.
    #[serde(default)]
    pub update_every_minutes: Option<u32>,
}

/// The ordered levels, most severe first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityScale {
    levels: Vec<SeverityLevel>,
}

impl SeverityScale {
    /// Callers (the config parser) guarantee a non-empty list of unique ids.
    pub fn new(levels: Vec<SeverityLevel>) -> Option<Self> {
        let unique = levels
            .iter()
            .enumerate()
            .all(|(i, l)| !levels[..i].iter().any(|o| o.id.eq_ignore_ascii_case(&l.id)));
        (!levels.is_empty() && unique).then_some(Self { levels })
    }

    pub fn levels(&self) -> &[SeverityLevel] {
        &self.levels
    }

    /// Case-insensitive; `sev1` and `1` are accepted for `S1` because people type them.
    pub fn parse(&self, input: &str) -> Result<Severity, String> {
        let wanted = input.trim();
        let normalized = wanted
            .to_ascii_lowercase()
            .trim_start_matches("sev")
            .trim_start_matches('s')
            .to_owned();
        self.levels
            .iter()
            .find(|l| {
                l.id.eq_ignore_ascii_case(wanted)
                    || l.id.to_ascii_lowercase().trim_start_matches('s') == normalized
            })
            .map(|l| Severity(l.id.clone()))
            .ok_or_else(|| {
                let ids: Vec<&str> = self.levels.iter().map(|l| l.id.as_str()).collect();
                format!("unknown severity `{wanted}`: use one of {}", ids.join(", "))
            })
    }

    pub fn level(&self, s: &Severity) -> Option<&SeverityLevel> {
        self.levels.iter().find(|l| l.id == s.0)
    }

    pub fn is_critical(&self, s: &Severity) -> bool {
        self.level(s).is_some_and(|l| l.critical)
    }

    /// The least severe level: what a triage incident starts at until someone decides.
    pub fn lowest(&self) -> Severity {
        Severity(self.levels.last().map(|l| l.id.clone()).unwrap_or_default())
    }

    /// Position, 0 = most severe. Unknown severities sort last.
    pub fn rank(&self, s: &Severity) -> usize {
        self.levels
            .iter()
            .position(|l| l.id == s.0)
            .unwrap_or(self.levels.len())
    }
}

impl Default for SeverityScale {
    /// S1–S4, described by customer impact; S1 and S2 are critical.
    fn default() -> Self {
        let level = |id: &str, label: &str, description: &str, critical, every| SeverityLevel {
            id: id.into(),
            label: label.into(),
            description: description.into(),
            critical,
            update_every_minutes: every,
        };
        Self {
            levels: vec![
                level(
                    "S1",
                    "Critical",
                    "Customers cannot use the product, or data is at risk.",
                    true,
                    Some(30),
                ),
                level(
                    "S2",
                    "Major",
                    "A key feature is broken or badly degraded for many customers.",
                    true,
                    Some(30),
                ),
                level(
                    "S3",
                    "Minor",
                    "Some customers see errors or slowness; a workaround exists.",
                    false,
                    Some(120),
                ),
                level(
                    "S4",
                    "Low",
                    "Little or no customer impact; internal or cosmetic.",
                    false,
                    None,
                ),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_people_type() {
        let scale = SeverityScale::default();
        for input in ["S1", "s1", "sev1", "SEV1", "1", " s1 "] {
            assert_eq!(scale.parse(input).map(|s| s.0), Ok("S1".into()), "{input}");
        }
        assert!(scale.parse("S5").unwrap_err().contains("S1, S2, S3, S4"));
        assert!(scale.parse("").is_err());
    }

    #[test]
    fn default_critical_levels() {
        let scale = SeverityScale::default();
        let s = |x| scale.parse(x).unwrap();
        assert!(scale.is_critical(&s("S1")) && scale.is_critical(&s("S2")));
        assert!(!scale.is_critical(&s("S3")) && !scale.is_critical(&s("S4")));
        assert_eq!(scale.lowest().as_str(), "S4");
        assert!(scale.rank(&s("S1")) < scale.rank(&s("S3")));
    }

    #[test]
    fn rejects_duplicates_and_empty() {
        let l = SeverityScale::default().levels()[0].clone();
        assert!(SeverityScale::new(vec![l.clone(), l]).is_none());
        assert!(SeverityScale::new(vec![]).is_none());
    }
}
