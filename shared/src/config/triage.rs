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
//!   # Quarantine mail whose sender's domain failed DMARC, or whose SPF and DKIM both
//!   # failed (the note says which). Spam and virus FAILs are always rejected.
//!   require_spf_dkim_dmarc: true
//!   # Mailing lists whose mail is reports (the triage address behind a group), by
//!   # List-Id; mail from any other list is ignored.
//!   allowed_list_ids: []
//!   # Senders whose mail is monitoring alerts, besides the built-in PagerDuty,
//!   # Datadog, CloudWatch (SNS), Grafana and Alertmanager ones: addresses or `@domain`.
//!   alert_senders: []
//!   # Suggested severity: the most severe rule with a keyword in the subject or body
//!   # (case-insensitive; a word matches its plural and -ed/-ing forms, `time*` any
//!   # word starting with `time`); mail matching none gets the lowest severity.
//!   keyword_rules:
//!     - { keywords: ["data loss", "security", "breach"], severity: S1 }
//!     - { keywords: ["outage", "down", "unavailable", "cannot log in", "can't log in"], severity: S2 }
//!     - { keywords: ["error", "slow", "degraded"], severity: S3 }
//!   max_subject: 150              # characters of the subject kept as the title
//!   max_excerpt: 1500             # characters of the body kept in the description
//!   max_attachments_listed: 10    # attachments named in the description
//!   # Images and PDFs of a report posted in its incident channel: only these types,
//!   # only when the file's bytes prove its type, never a name that runs (.exe, .js…).
//!   share_attachments:
//!     enabled: true
//!     max_bytes: 5242880          # per file (at most 10 MB)
//!     max_files: 5                # per report
//!     types: [image/png, image/jpeg, image/gif, image/webp, application/pdf]
//! ```

use crate::domain::{MAX_TITLE, Severity, SeverityScale};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TriagePolicy {
    /// Addresses (`ops@acme.com`) or domains (`@acme.com`) allowed to open
    /// incidents; empty allows everyone. Mail from anyone else is quarantined.
    pub allow_senders: Vec<String>,
    /// Quarantine mail with a DMARC `FAIL`, or with both SPF and DKIM `FAIL`.
    pub require_spf_dkim_dmarc: bool,
    /// `List-Id`s (`ops.lists.acme.com`) whose mail is reports, not list traffic.
    pub allowed_list_ids: Vec<String>,
    /// Extra monitoring senders (addresses or `@domain`) whose mail is alerts.
    pub alert_senders: Vec<String>,
    /// Keyword → severity suggestions; the most severe matching rule wins.
    pub keyword_rules: Vec<KeywordRule>,
    /// Characters of the subject kept as the incident title (at most 150).
    pub max_subject: usize,
    /// Characters of the body kept as the description's excerpt.
    pub max_excerpt: usize,
    /// Attachments named in the description; the rest are counted.
    pub max_attachments_listed: usize,
    /// Small images and PDFs of a report, shared to its incident channel.
    pub share_attachments: ShareAttachments,
}

/// Which attachments of a mailed report are shared to its incident channel. Only the
/// types in [`SHAREABLE_TYPES`] can be: images and PDFs whose bytes are what their
/// type says, never anything that runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShareAttachments {
    pub enabled: bool,
    /// Bytes per file, at most [`MAX_SHARED_BYTES`].
    pub max_bytes: usize,
    /// Files per report.
    pub max_files: usize,
    /// Of [`SHAREABLE_TYPES`].
    pub types: Vec<String>,
}

/// The content types that may be shared, with the bytes each must start with.
pub const SHAREABLE_TYPES: &[(&str, &[&[u8]])] = &[
    ("image/png", &[b"\x89PNG\r\n\x1a\n"]),
    ("image/jpeg", &[b"\xff\xd8\xff"]),
    ("image/gif", &[b"GIF87a", b"GIF89a"]),
    ("image/webp", &[b"RIFF"]),
    ("application/pdf", &[b"%PDF-"]),
];
/// The most a shared file may be: the e-mail function holds it in memory.
pub const MAX_SHARED_BYTES: usize = 10 * 1024 * 1024;
/// Names that run somewhere, refused whatever type the mail claims.
const EXECUTABLE_ENDINGS: &[&str] = &[
    ".exe", ".dll", ".com", ".bat", ".cmd", ".scr", ".msi", ".msp", ".pif", ".cpl", ".jar", ".js",
    ".jse", ".vbs", ".vbe", ".wsf", ".wsh", ".ps1", ".psm1", ".sh", ".bash", ".app", ".dmg",
    ".pkg", ".apk", ".iso", ".img", ".lnk", ".hta", ".html", ".htm", ".svg", ".xhtml", ".docm",
    ".xlsm", ".pptm", ".reg", ".py", ".pl", ".rb",
];

impl Default for ShareAttachments {
    fn default() -> Self {
        Self {
            enabled: true,
            max_bytes: 5 * 1024 * 1024,
            max_files: 5,
            types: SHAREABLE_TYPES
                .iter()
                .map(|(t, _)| (*t).to_owned())
                .collect(),
        }
    }
}

impl ShareAttachments {
    /// Why a file is not shared, or `None` when it is: enabled, a configured type its
    /// first bytes prove, a name that doesn't run, within the size cap.
    pub fn refuses(&self, name: &str, content_type: &str, bytes: &[u8]) -> Option<String> {
        if !self.enabled {
            return Some("sharing attachments is off".into());
        }
        let lower = name.trim().to_ascii_lowercase();
        // `.exe.` or `.exe ` tricks end the same once trimmed of dots and spaces.
        let lower = lower.trim_end_matches(['.', ' ']);
        if let Some(ending) = EXECUTABLE_ENDINGS.iter().find(|e| lower.ends_with(*e)) {
            return Some(format!("`{ending}` files are never shared"));
        }
        if !self
            .types
            .iter()
            .any(|t| t.eq_ignore_ascii_case(content_type))
        {
            return Some(format!("{content_type} is not shared"));
        }
        let cap = self.max_bytes.min(MAX_SHARED_BYTES);
        if bytes.len() > cap {
            return Some(format!("over the {} KB cap", cap / 1024));
        }
        let proven = SHAREABLE_TYPES
            .iter()
            .find(|(t, _)| t.eq_ignore_ascii_case(content_type))
            .is_some_and(|(t, magics)| {
                magics.iter().any(|m| bytes.starts_with(m))
                    && (*t != "image/webp" || bytes.get(8..12) == Some(b"WEBP".as_slice()))
            });
        if !proven {
            return Some(format!("its bytes are not {content_type}"));
        }
        None
    }

    /// Problems a configuration check reports.
    pub fn problems(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .types
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                !SHAREABLE_TYPES
                    .iter()
                    .any(|(s, _)| s.eq_ignore_ascii_case(t))
            })
            .map(|(i, t)| {
                format!(
                    "share_attachments.types[{i}]: `{t}` can't be shared; only {}",
                    SHAREABLE_TYPES
                        .iter()
                        .map(|(t, _)| *t)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .collect();
        if self.max_bytes > MAX_SHARED_BYTES {
            out.push(format!(
                "share_attachments.max_bytes: at most {MAX_SHARED_BYTES}"
            ));
        }
        out
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeywordRule {
    /// Words or phrases, matched case-insensitively: a phrase's last word also
    /// matches with `s`, `es`, `ed`, `d` or `ing`; a trailing `*` matches any ending.
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
            allowed_list_ids: Vec::new(),
            alert_senders: Vec::new(),
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
            share_attachments: ShareAttachments::default(),
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

/// A suggested severity and the rule that chose it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    pub severity: Severity,
    /// `keyword "outage" (keyword_rules[1])`, or `None` when no rule matched.
    pub because: Option<String>,
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
        out.extend(self.share_attachments.problems());
        for (field, list) in [
            ("allow_senders", &self.allow_senders),
            ("alert_senders", &self.alert_senders),
        ] {
            for (i, s) in list.iter().enumerate() {
                if !s.contains('@') {
                    out.push(format!(
                        "{field}[{i}]: `{s}` is neither an address nor `@domain`"
                    ));
                }
            }
        }
        out
    }

    /// Spam and viruses are rejected; a sender whose domain failed authentication
    /// (DMARC, or SPF and DKIM both) is quarantined with the reason shown, as is a
    /// sender outside the allow-list; the rest is accepted. An allowed address is
    /// only as good as the proof it is not forged.
    pub fn decide(&self, sender: &str, verdicts: &Verdicts) -> Decision {
        if verdicts.spam == Verdict::Fail {
            return Decision::Reject("SES spam verdict FAIL".into());
        }
        if verdicts.virus == Verdict::Fail {
            return Decision::Reject("SES virus verdict FAIL".into());
        }
        let domain = sender.rsplit_once('@').map_or("", |(_, d)| d);
        if self.require_spf_dkim_dmarc {
            if verdicts.dmarc == Verdict::Fail {
                return Decision::Quarantine(format!(
                    "DMARC FAIL: the mail does not prove it comes from {domain} (possibly forged)"
                ));
            }
            if verdicts.spf == Verdict::Fail && verdicts.dkim == Verdict::Fail {
                return Decision::Quarantine(format!(
                    "SPF and DKIM both FAIL for {domain} (possibly forged)"
                ));
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

    /// The policy with `senders` (allowed from Slack, kept in the table) added to its
    /// allow-list. An empty list already allows everyone, so it stays empty.
    pub fn also_allowing(&self, senders: &[String]) -> Self {
        let mut policy = self.clone();
        if !policy.allow_senders.is_empty() {
            for s in senders {
                if !entry_matches(&policy.allow_senders, s) {
                    policy.allow_senders.push(s.clone());
                }
            }
        }
        policy
    }

    /// Whether the allow-list lets `sender` open incidents.
    pub fn allows(&self, sender: &str) -> bool {
        self.allow_senders.is_empty() || entry_matches(&self.allow_senders, sender)
    }

    /// The severity the keyword rules suggest for this text: the most severe rule
    /// (by the scale's order) with a keyword in it; the scale's lowest otherwise.
    /// Rules naming a severity the scale lacks are skipped.
    pub fn suggest_severity(&self, scale: &SeverityScale, subject: &str, body: &str) -> Severity {
        self.suggest(scale, subject, body).severity
    }

    /// [`Self::suggest_severity`], with the rule and keyword that chose it.
    pub fn suggest(&self, scale: &SeverityScale, subject: &str, body: &str) -> Suggestion {
        let haystack = normalize(&format!("{subject}\n{body}"));
        self.keyword_rules
            .iter()
            .enumerate()
            .filter_map(|(i, rule)| {
                let severity = scale.parse(&rule.severity).ok()?;
                let keyword = rule
                    .keywords
                    .iter()
                    .find(|k| contains_phrase(&haystack, &normalize(k)))?;
                Some((severity, i, keyword))
            })
            .min_by_key(|(s, i, _)| (scale.rank(s), *i))
            .map_or_else(
                || Suggestion {
                    severity: scale.lowest(),
                    because: None,
                },
                |(severity, i, keyword)| Suggestion {
                    severity,
                    because: Some(format!("keyword \"{keyword}\" (keyword_rules[{i}])")),
                },
            )
    }

    /// Whether `sender` is one of [`Self::alert_senders`].
    pub fn is_alert_sender(&self, sender: &str) -> bool {
        entry_matches(&self.alert_senders, sender)
    }
}

/// `sender` is one of `entries` (an address, or `@domain` for the whole domain).
fn entry_matches(entries: &[String], sender: &str) -> bool {
    let sender = sender.trim().to_lowercase();
    let domain = sender.rsplit_once('@').map(|(_, d)| d);
    entries.iter().any(|entry| {
        let entry = entry.trim().to_lowercase();
        match entry.strip_prefix('@') {
            Some(d) => domain == Some(d),
            None => entry == sender,
        }
    })
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

/// Endings a keyword's last word may take: "error" is also "errors", "errored",
/// "erroring"; "outage" also "outages"; "fail" also "failed", "failing".
const STEM_ENDINGS: [&str; 5] = ["s", "es", "ed", "d", "ing"];

/// `phrase` in `haystack` starting at a word boundary and ending at one, or after
/// one of [`STEM_ENDINGS`]; a phrase ending in `*` may end anywhere in a word.
fn contains_phrase(haystack: &str, phrase: &str) -> bool {
    let (phrase, open_ended) = match phrase.strip_suffix('*') {
        Some(p) => (p.trim_end(), true),
        None => (phrase, false),
    };
    if phrase.is_empty() {
        return false;
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    haystack.match_indices(phrase).any(|(i, _)| {
        if haystack[..i].chars().next_back().is_some_and(is_word) {
            return false;
        }
        if open_ended {
            return true;
        }
        let rest = &haystack[i + phrase.len()..];
        let tail: &str = &rest[..rest.find(|c: char| !is_word(c)).unwrap_or(rest.len())];
        tail.is_empty() || STEM_ENDINGS.contains(&tail)
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
    fn keywords_match_words_and_their_endings() {
        let p = TriagePolicy::default();
        assert_eq!(
            sev(&p, "Download link", "errorless, slowly, securityx"),
            "S4"
        );
        assert_eq!(sev(&p, "down.", ""), "S2");
        assert_eq!(sev(&p, "(error)", ""), "S3");
        assert_eq!(sev(&p, "Errors on checkout", ""), "S3");
        assert_eq!(sev(&p, "Two outages today", ""), "S2");
        assert_eq!(sev(&p, "payments degraded", ""), "S3");
        assert!(contains_phrase("it was erroring", "error"));
        assert!(!contains_phrase("terror", "error"));
        assert!(contains_phrase("timeouts everywhere", "time*"));
        assert!(!contains_phrase("runtime", "time*"));
        assert!(!contains_phrase("x", ""));
        assert!(!contains_phrase("x", "*"));
    }

    #[test]
    fn the_suggestion_names_its_rule() {
        let p = TriagePolicy::default();
        let s = p.suggest(&SeverityScale::default(), "Outage", "and errors");
        assert_eq!(s.severity.as_str(), "S2");
        assert_eq!(
            s.because.as_deref(),
            Some("keyword \"outage\" (keyword_rules[1])")
        );
        let s = p.suggest(&SeverityScale::default(), "Hello", "");
        assert_eq!((s.severity.as_str(), s.because), ("S4", None));
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
    fn verdicts_reject_or_quarantine() {
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
            matches!(with(|v| v.dmarc = Verdict::Fail), Decision::Quarantine(r) if r.contains("DMARC FAIL") && r.contains("b.c"))
        );
        assert_eq!(with(|v| v.spf = Verdict::Fail), Decision::Accept);
        assert_eq!(with(|v| v.dkim = Verdict::Fail), Decision::Accept);
        assert!(matches!(
            with(|v| {
                v.spf = Verdict::Fail;
                v.dkim = Verdict::Fail;
            }),
            Decision::Quarantine(_)
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
