//! Alert mail from monitoring: a report with a clean title and the alert's link.
//!
//! Known by sender (PagerDuty, Datadog, CloudWatch alarms through SNS, and the
//! configured `alert_senders`) or by the subject Grafana and Alertmanager write
//! (`[FIRING:2] …`). A recovery (`[Recovered]`, `OK:`, `[RESOLVED]`) opens nothing.

use crate::parse::InboundMail;
use crate::text::prefix;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Vendor {
    PagerDuty,
    Datadog,
    CloudWatch,
    Grafana,
    Alertmanager,
    /// One of the configured `alert_senders`.
    Configured,
}

impl Vendor {
    pub fn name(self) -> &'static str {
        match self {
            Vendor::PagerDuty => "PagerDuty",
            Vendor::Datadog => "Datadog",
            Vendor::CloudWatch => "CloudWatch",
            Vendor::Grafana => "Grafana",
            Vendor::Alertmanager => "Alertmanager",
            Vendor::Configured => "monitoring",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Alert {
    pub vendor: Vendor,
    /// The subject without state tags: `High error rate on checkout`.
    pub title: String,
    /// The alert's page at the vendor, if the mail links it.
    pub link: Option<String>,
    /// The mail says the alert is over.
    pub resolved: bool,
}

/// Hosts of the vendors' alert pages, preferred over any other link in the mail.
const ALERT_HOSTS: &[&str] = &[
    "pagerduty.com/incidents",
    "app.datadoghq.",
    ".datadoghq.com/monitors",
    "console.aws.amazon.com/cloudwatch",
    "grafana",
    "alertmanager",
    "/alerting/",
];

pub fn detect(mail: &InboundMail, configured: bool) -> Option<Alert> {
    let from = mail.from_address.as_str();
    let domain = from.rsplit_once('@').map_or("", |(_, d)| d);
    let subject = mail.subject.trim();
    let firing = firing_tag(subject);
    let vendor = if domain == "pagerduty.com" || domain.ends_with(".pagerduty.com") {
        Vendor::PagerDuty
    } else if matches!(domain, "dtdg.co" | "datadoghq.com" | "datadoghq.eu")
        || domain.ends_with(".datadoghq.com")
    {
        Vendor::Datadog
    } else if from == "no-reply@sns.amazonaws.com" {
        Vendor::CloudWatch
    } else if firing.is_some() && (domain.contains("grafana") || from.contains("grafana")) {
        Vendor::Grafana
    } else if firing.is_some() {
        Vendor::Alertmanager
    } else if configured {
        Vendor::Configured
    } else {
        return None;
    };
    let (title, resolved) = match vendor {
        Vendor::CloudWatch => cloudwatch_title(subject),
        Vendor::Grafana | Vendor::Alertmanager => {
            let (tag, rest) = firing.unwrap_or(("", subject));
            (rest.trim().to_owned(), tag.starts_with("resolved"))
        }
        _ => {
            let (tags, rest) = leading_tags(subject);
            let resolved = tags.iter().any(|t| {
                let t = t.to_lowercase();
                t.starts_with("recovered") || t.starts_with("resolved")
            }) || subject.to_lowercase().contains(" resolved incident");
            (rest.to_owned(), resolved)
        }
    };
    let title = if title.is_empty() {
        subject.to_owned()
    } else {
        title
    };
    Some(Alert {
        vendor,
        title: prefix(&title, 150).to_owned(),
        link: link(&mail.text_body),
        resolved,
    })
}

/// `[FIRING:2] InstanceDown (prod)` → (`firing:2`, `InstanceDown (prod)`).
fn firing_tag(subject: &str) -> Option<(&'static str, &str)> {
    let rest = subject.strip_prefix('[')?;
    let (tag, after) = rest.split_once(']')?;
    let lower = tag.to_ascii_lowercase();
    let state = lower.split(':').next()?;
    let tail_ok = lower
        .split_once(':')
        .is_none_or(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    match state {
        "firing" if tail_ok => Some(("firing", after)),
        "resolved" if tail_ok => Some(("resolved", after)),
        _ => None,
    }
}

/// `[Triggered] [P1] High error rate` → (`[Triggered, P1]`, `High error rate`).
fn leading_tags(subject: &str) -> (Vec<&str>, &str) {
    let mut tags = Vec::new();
    let mut rest = subject.trim_start();
    while let Some(inner) = rest.strip_prefix('[') {
        let Some((tag, after)) = inner.split_once(']') else {
            break;
        };
        tags.push(tag);
        rest = after.trim_start();
    }
    (tags, rest)
}

/// `ALARM: "checkout-5xx" in EU (Ireland)` → `checkout-5xx (ALARM, EU (Ireland))`;
/// `OK: …` is a recovery.
fn cloudwatch_title(subject: &str) -> (String, bool) {
    let Some((state, rest)) = subject.split_once(':') else {
        return (subject.to_owned(), false);
    };
    let state = state.trim();
    let rest = rest.trim();
    let (name, region) = match rest.strip_prefix('"').and_then(|r| r.split_once('"')) {
        Some((name, after)) => (name, after.trim().strip_prefix("in ").unwrap_or("").trim()),
        None => (rest, ""),
    };
    let title = if region.is_empty() {
        format!("{name} ({state})")
    } else {
        format!("{name} ({state}, {region})")
    };
    (title, state.eq_ignore_ascii_case("ok"))
}

/// The alert's page: the first link to a vendor host, else the first https link.
fn link(body: &str) -> Option<String> {
    let urls: Vec<&str> = body
        .split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '(' | ')' | '"' | '\''))
        .filter(|w| w.starts_with("https://"))
        .map(|w| w.trim_end_matches(['.', ',', ';', ']']))
        .filter(|w| w.len() <= 500)
        .take(100)
        .collect();
    urls.iter()
        .find(|u| ALERT_HOSTS.iter().any(|h| u.contains(h)))
        .or_else(|| urls.first())
        .map(|u| (*u).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(from: &str, subject: &str, body: &str) -> InboundMail {
        InboundMail {
            from_address: from.into(),
            subject: subject.into(),
            text_body: body.into(),
            ..InboundMail::default()
        }
    }

    #[test]
    fn datadog() {
        let m = mail(
            "alert@dtdg.co",
            "[Triggered] [P1] High error rate on checkout",
            "See https://www.datadoghq.com/blog and https://app.datadoghq.com/monitors/123?from_ts=1.",
        );
        let a = detect(&m, false).unwrap();
        assert_eq!(a.vendor, Vendor::Datadog);
        assert_eq!(a.title, "High error rate on checkout");
        assert_eq!(
            a.link.as_deref(),
            Some("https://app.datadoghq.com/monitors/123?from_ts=1")
        );
        assert!(!a.resolved);
        let m = mail("alert@dtdg.co", "[Recovered] [P1] High error rate", "");
        assert!(detect(&m, false).unwrap().resolved);
    }

    #[test]
    fn cloudwatch() {
        let m = mail(
            "no-reply@sns.amazonaws.com",
            "ALARM: \"checkout-5xx-high\" in EU (Ireland)",
            "View this alarm in the AWS Management Console:\nhttps://eu-west-1.console.aws.amazon.com/cloudwatch/deeplink.js?region=eu-west-1#alarmsV2:alarm/checkout-5xx-high\n",
        );
        let a = detect(&m, false).unwrap();
        assert_eq!(a.title, "checkout-5xx-high (ALARM, EU (Ireland))");
        assert!(a.link.unwrap().contains("alarmsV2:alarm/checkout-5xx-high"));
        let ok = mail(
            "no-reply@sns.amazonaws.com",
            "OK: \"x\" in US East (N. Virginia)",
            "",
        );
        assert!(detect(&ok, false).unwrap().resolved);
    }

    #[test]
    fn alertmanager_grafana_pagerduty() {
        let m = mail("alerts@acme.com", "[FIRING:2] InstanceDown (node prod)", "");
        let a = detect(&m, false).unwrap();
        assert_eq!(
            (a.vendor, a.title.as_str()),
            (Vendor::Alertmanager, "InstanceDown (node prod)")
        );
        let g = mail("grafana@acme.grafana.net", "[RESOLVED] HighCPU", "");
        let a = detect(&g, false).unwrap();
        assert_eq!(a.vendor, Vendor::Grafana);
        assert!(a.resolved);
        let p = mail(
            "no-reply@pagerduty.com",
            "[PagerDuty ALERT] You have 1 TRIGGERED Incident (a1b2c3)",
            "https://acme.pagerduty.com/incidents/Q1ABCDEF",
        );
        let a = detect(&p, false).unwrap();
        assert_eq!(a.vendor, Vendor::PagerDuty);
        assert_eq!(a.title, "You have 1 TRIGGERED Incident (a1b2c3)");
        assert_eq!(
            a.link.as_deref(),
            Some("https://acme.pagerduty.com/incidents/Q1ABCDEF")
        );
    }

    #[test]
    fn people_are_not_alerts() {
        assert_eq!(
            detect(&mail("ana@acme.com", "[URGENT] down", ""), false),
            None
        );
        assert_eq!(
            detect(&mail("ana@acme.com", "[FIRING:x] no", ""), false),
            None
        );
        assert!(detect(&mail("ana@acme.com", "x", ""), true).is_some());
    }
}
