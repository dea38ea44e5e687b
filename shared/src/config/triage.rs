//! The triage policy: which mail may open an incident, and at which severity.
//!
//! Meant to live in the YAML configuration as a `triage:` section (every field is
//! optional; the defaults are shown):
//!
//! ```yaml
//! triage:
//!   # Who may open triage incidents: addresses, or `@domain` for a whole domain
//!   # (exact domain, case-insensitive). Empty: everyone. Others are quarantined.
//!   allow_senders: ["ops@acme.com", "@vendor.example"]
//!   # Reject mail whose DMARC failed, or whose SPF and DKIM both failed.
//!   require_spf_dkim_dmarc: true
//!   # Suggested severity: the most severe rule with a keyword in the subject or body
//!   # (case-insensitive, whole words); mail matching none gets the lowest severity.
//!   keyword_rules:
//!     - { keywords: ["data loss", "security", "breach"], severity: S1 }
//!     - { keywords: ["outage", "down", "unavailable", "cannot log in", "can't log in"], severity: S2 }
//!     - { keywords: ["error", "slow", "degraded"], severity: S3 }
//!   max_subject: 150              # characters of the subject kept as the title
//!   max_excerpt: 1500             # characters of the body kept in the description
//!   max_attachments_listed: 10    # attachments named in the description
//! ```

use crate::domain::{MAX_TITLE, Severity, SeverityScale};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TriagePolicy {
    /// Addresses (`ops@acme.com`) or domains (`@acme.com`) allowed to open
    /// incidents; empty allows everyone. Mail from anyone else is quarantined.
    pub allow_senders: Vec<String>,
    /// Reject mail with a DMARC `FAIL`, or with both SPF and DKIM `FAIL`.
    pub require_spf_dkim_dmarc: bool,
    /// Keyword → severity suggestions; the most severe matching rule wins.
    pub keyword_rules: Vec<KeywordRule>,
    /// Characters of the subject kept as the incident title (at most 150).
    pub max_subject: usize,
    /// Characters of the body kept as the description's excerpt.
    pub max_excerpt: usize,
    /// Attachments named in the description; the rest are counted.
    pub max_attachments_listed: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeywordRule {
    /// Words or phrases, matched case-insensitively as whole words.
    pub keywords: Vec<String>,
    /// A severity id of the configured scale, e.g. `S2`.
    pub severity: String,
}

impl Default for TriagePolicy {
    fn default() -> Self {
        let rule = |keywords: &[&str], severity: &str| KeywordRule {
            keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
            severity: severity.into(),
        };
        Self {
            allow_senders: Vec::new(),
            require_spf_dkim_dmarc: true,
            keyword_rules: vec![
                rule(&["data loss", "security", "breach"], "S1"),
                rule(
                    &[
                        "outage",
                        "down",
                        "unavailable",
                        "cannot log in",
                        "can't log in",
                    ],
                    "S2",
                ),
                rule(&["error", "slow", "degraded"], "S3"),
            ],
            max_subject: MAX_TITLE,
            max_excerpt: 1500,
            max_attachments_listed: 10,
        }
    }
}

/// One SES verdict. Anything SES may add later reads as `Unknown`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    Pass,
    Fail,
    Gray,
    ProcessingFailed,
    Disabled,
    /// Absent from the event (or a value this code does not know).
    #[default]
    #[serde(other)]
    Unknown,
}

impl Verdict {
    pub fn parse(status: Option<&str>) -> Self {
        match status.map(|s| s.trim().to_ascii_uppercase()).as_deref() {
            Some("PASS") => Self::Pass,
            Some("FAIL") => Self::Fail,
            Some("GRAY") => Self::Gray,
            Some("PROCESSING_FAILED") => Self::ProcessingFailed,
            Some("DISABLED") => Self::Disabled,
            _ => Self::Unknown,
        }
    }
}

/// What SES concluded about a mail. `Default` is "nothing known" (the local host's
/// `/local/email` without verdicts): no check fails on an unknown verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Verdicts {
    pub spam: Verdict,
    pub virus: Verdict,
    pub spf: Verdict,
    pub dkim: Verdict,
    pub dmarc: Verdict,
}

impl Verdicts {
    pub fn all_pass() -> Self {
        Self {
            spam: Verdict::Pass,
            virus: Verdict::Pass,
            spf: Verdict::Pass,
            dkim: Verdict::Pass,
            dmarc: Verdict::Pass,
        }
    }
}

/// What to do with a mail, before looking at its content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Accept,
    /// Dropped: logged with the reason, no incident, nobody told.
    Reject(String),
    /// Not from an allowed sender: no incident; a note goes to the triage channel.
    Quarantine(String),
}

impl TriagePolicy {
    /// Parses the policy alone (the YAML shape in the module docs).
    pub fn from_yaml(text: &str) -> Result<Self, String> {
        serde_yaml_ng::from_str(text).map_err(|e| format!("triage policy: {e}"))
    }

    /// Problems a configuration check should report: keyword rules naming severities
    /// the scale does not have (they are ignored at run time), zero limits.
    pub fn problems(&self, scale: &SeverityScale) -> Vec<String> {
        let mut out: Vec<String> = self
            .keyword_rules
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                scale
                    .parse(&r.severity)
                    .err()
                    .map(|e| format!("keyword_rules[{i}].severity: {e}"))
            })
            .collect();
        if self.max_subject == 0 {
            out.push("max_subject: must be at least 1".into());
        }
        for (i, s) in self.allow_senders.iter().enumerate() {
            if !s.contains('@') {
                out.push(format!(
                    "allow_senders[{i}]: `{s}` is neither an address nor `@domain`"
                ));
            }
        }
        out
    }

    /// Spam, viruses and failed authentication are rejected; senders outside the
    /// allow-list are quarantined; the rest is accepted.
    pub fn decide(&self, sender: &str, verdicts: &Verdicts) -> Decision {
        if verdicts.spam == Verdict::Fail {
            return Decision::Reject("SES spam verdict FAIL".into());
        }
        if verdicts.virus == Verdict::Fail {
            return Decision::Reject("SES virus verdict FAIL".into());
        }
        if self.require_spf_dkim_dmarc {
            if verdicts.dmarc == Verdict::Fail {
                return Decision::Reject("DMARC verdict FAIL".into());
            }
            if verdicts.spf == Verdict::Fail && verdicts.dkim == Verdict::Fail {
                return Decision::Reject("SPF and DKIM verdicts both FAIL".into());
            }
        }
        if sender.trim().is_empty() {
            return Decision::Quarantine("the mail has no sender address".into());
        }
        if !self.allows(sender) {
            return Decision::Quarantine(format!("{sender} is not an allowed sender"));
        }
        Decision::Accept
    }

    /// Whether the allow-list lets `sender` open incidents.
    pub fn allows(&self, sender: &str) -> bool {
        if self.allow_senders.is_empty() {
            return true;
        }
        let sender = sender.trim().to_lowercase();
        let domain = sender.rsplit_once('@').map(|(_, d)| d);
        self.allow_senders.iter().any(|entry| {
            let entry = entry.trim().to_lowercase();
            match entry.strip_prefix('@') {
                Some(d) => domain == Some(d),
                None => entry == sender,
            }
        })
    }

    /// The severity the keyword rules suggest for this text: the most severe rule
    /// (by the scale's order) with a keyword in it; the scale's lowest otherwise.
    /// Rules naming a severity the scale lacks are skipped.
    pub fn suggest_severity(&self, scale: &SeverityScale, subject: &str, body: &str) -> Severity {
        let haystack = normalize(&format!("{subject}\n{body}"));
        self.keyword_rules
            .iter()
            .filter_map(|rule| {
                let severity = scale.parse(&rule.severity).ok()?;
                rule.keywords
                    .iter()
                    .any(|k| contains_phrase(&haystack, &normalize(k)))
                    .then_some(severity)
            })
            .min_by_key(|s| scale.rank(s))
            .unwrap_or_else(|| scale.lowest())
    }
}

/// Lowercase, one space between words, typographic apostrophes made plain, so
/// "Can’t  Log\nIn" matches "can't log in".
fn normalize(text: &str) -> String {
    text.to_lowercase()
        .replace(['\u{2019}', '\u{2018}', '`'], "'")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `phrase` in `haystack` with no letter or digit right before or after it.
fn contains_phrase(haystack: &str, phrase: &str) -> bool {
    if phrase.is_empty() {
        return false;
    }
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    haystack.match_indices(phrase).any(|(i, _)| {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + phrase.len()..].chars().next();
        !word(before) && !word(after)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sev(policy: &TriagePolicy, subject: &str, body: &str) -> String {
        policy
            .suggest_severity(&SeverityScale::default(), subject, body)
            .to_string()
    }

    #[test]
    fn default_rules() {
        let p = TriagePolicy::default();
        assert_eq!(sev(&p, "Possible data loss", ""), "S1");
        assert_eq!(sev(&p, "Site DOWN", ""), "S2");
        assert_eq!(sev(&p, "Question", "We Can’t  log\nin since 9:00"), "S2");
        assert_eq!(sev(&p, "Slow pages", ""), "S3");
        assert_eq!(sev(&p, "Invoice question", "Hello"), "S4");
        // The most severe match wins, whatever the order of the words.
        assert_eq!(sev(&p, "errors and an outage, maybe a breach", ""), "S1");
    }

    #[test]
    fn keywords_match_whole_words_only() {
        let p = TriagePolicy::default();
        assert_eq!(
            sev(&p, "Download link", "errorless, slowly, securityx"),
            "S4"
        );
        assert_eq!(sev(&p, "down.", ""), "S2");
        assert_eq!(sev(&p, "(error)", ""), "S3");
        assert!(!contains_phrase("x", ""));
    }

    #[test]
    fn most_severe_rule_wins_regardless_of_rule_order() {
        let mut p = TriagePolicy::default();
        p.keyword_rules.reverse();
        assert_eq!(sev(&p, "error: data loss", ""), "S1");
    }

    #[test]
    fn rules_with_unknown_severities_are_skipped_and_reported() {
        let p = TriagePolicy {
            keyword_rules: vec![KeywordRule {
                keywords: vec!["down".into()],
                severity: "P1".into(),
            }],
            ..TriagePolicy::default()
        };
        assert_eq!(sev(&p, "down", ""), "S4");
        let problems = p.problems(&SeverityScale::default());
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("keyword_rules[0].severity"));
        assert!(
            TriagePolicy::default()
                .problems(&SeverityScale::default())
                .is_empty()
        );
    }

    #[test]
    fn verdicts_reject() {
        let p = TriagePolicy::default();
        let ok = Verdicts::all_pass();
        assert_eq!(p.decide("a@b.c", &ok), Decision::Accept);
        let with = |f: fn(&mut Verdicts)| {
            let mut v = ok;
            f(&mut v);
            p.decide("a@b.c", &v)
        };
        assert!(
            matches!(with(|v| v.spam = Verdict::Fail), Decision::Reject(r) if r.contains("spam"))
        );
        assert!(
            matches!(with(|v| v.virus = Verdict::Fail), Decision::Reject(r) if r.contains("virus"))
        );
        assert!(
            matches!(with(|v| v.dmarc = Verdict::Fail), Decision::Reject(r) if r.contains("DMARC"))
        );
        assert_eq!(with(|v| v.spf = Verdict::Fail), Decision::Accept);
        assert_eq!(with(|v| v.dkim = Verdict::Fail), Decision::Accept);
        assert!(matches!(
            with(|v| {
                v.spf = Verdict::Fail;
                v.dkim = Verdict::Fail;
            }),
            Decision::Reject(_)
        ));
        assert_eq!(with(|v| v.spam = Verdict::Gray), Decision::Accept);
        assert_eq!(p.decide("a@b.c", &Verdicts::default()), Decision::Accept);
    }

    #[test]
    fn authentication_checks_can_be_turned_off() {
        let p = TriagePolicy {
            require_spf_dkim_dmarc: false,
            ..TriagePolicy::default()
        };
        let v = Verdicts {
            dmarc: Verdict::Fail,
            spf: Verdict::Fail,
            dkim: Verdict::Fail,
            ..Verdicts::all_pass()
        };
        assert_eq!(p.decide("a@b.c", &v), Decision::Accept);
        // Spam is rejected either way.
        let spam = Verdicts {
            spam: Verdict::Fail,
            ..v
        };
        assert!(matches!(p.decide("a@b.c", &spam), Decision::Reject(_)));
    }

    #[test]
    fn allow_list() {
        let p = TriagePolicy {
            allow_senders: vec!["Ops@Acme.com".into(), "@vendor.example".into()],
            ..TriagePolicy::default()
        };
        let ok = Verdicts::all_pass();
        assert_eq!(p.decide("ops@acme.com", &ok), Decision::Accept);
        assert_eq!(p.decide("noc@VENDOR.example", &ok), Decision::Accept);
        assert!(
            matches!(p.decide("eve@acme.com", &ok), Decision::Quarantine(r) if r.contains("eve@acme.com"))
        );
        assert!(matches!(
            p.decide("x@sub.vendor.example", &ok),
            Decision::Quarantine(_)
        ));
        assert!(matches!(p.decide("", &ok), Decision::Quarantine(_)));
        // Rejection comes before quarantine.
        let spam = Verdicts {
            spam: Verdict::Fail,
            ..ok
        };
        assert!(matches!(
            p.decide("eve@evil.example", &spam),
            Decision::Reject(_)
        ));
    }

    #[test]
    fn verdict_parsing_is_tolerant() {
        assert_eq!(Verdict::parse(Some("pass")), Verdict::Pass);
        assert_eq!(
            Verdict::parse(Some("PROCESSING_FAILED")),
            Verdict::ProcessingFailed
        );
        assert_eq!(Verdict::parse(Some("NEW_THING")), Verdict::Unknown);
        assert_eq!(Verdict::parse(None), Verdict::Unknown);
    }

    #[test]
    fn yaml_shape() {
        let p = TriagePolicy::from_yaml(
            "allow_senders: ['@acme.com']\nrequire_spf_dkim_dmarc: false\n\
             keyword_rules:\n  - { keywords: [fire], severity: S1 }\nmax_excerpt: 200\n",
        )
        .unwrap();
        assert_eq!(p.allow_senders, ["@acme.com"]);
        assert!(!p.require_spf_dkim_dmarc);
        assert_eq!(p.keyword_rules.len(), 1);
        assert_eq!(p.max_excerpt, 200);
        assert_eq!(p.max_subject, MAX_TITLE);
        assert_eq!(
            TriagePolicy::from_yaml("{}").unwrap(),
            TriagePolicy::default()
        );
        let err = TriagePolicy::from_yaml("allow_sender: []").unwrap_err();
        assert!(err.contains("allow_sender"), "{err}");
        // The module docs' example is the default policy plus an allow-list.
        let doc = include_str!("triage.rs")
            .lines()
            .skip_while(|l| !l.starts_with("//! triage:"))
            .skip(1)
            .take_while(|l| !l.starts_with("//! ```"))
            .map(|l| {
                l.trim_start_matches("//!")
                    .strip_prefix("   ")
                    .unwrap_or("")
            })
            .collect::<Vec<_>>()
            .join("\n");
        let documented = TriagePolicy::from_yaml(&doc).unwrap();
        assert_eq!(
            TriagePolicy {
                allow_senders: Vec::new(),
                ..documented
            },
            TriagePolicy::default()
        );
    }
}
