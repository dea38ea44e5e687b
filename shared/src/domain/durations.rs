//! The response metrics, derived from the incident's timestamps.

use super::incident::Incident;
use chrono::Duration;
use serde::Serialize;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Durations {
    /// Impact started → declared (zero when declared before impact was noticed).
    pub to_detect: Option<Duration>,
    /// First page → its first acknowledgement; with no page, declared → the first
    /// explicit acknowledgement (a person declaring is not one).
    pub to_acknowledge: Option<Duration>,
    /// Impact start (or declaration) → monitoring a fix.
    pub to_mitigate: Option<Duration>,
    /// Impact start (or declaration) → resolved.
    pub to_resolve: Option<Duration>,
}

impl Durations {
    pub fn of(incident: &Incident) -> Self {
        let start = incident.impact_start();
        Self {
            to_detect: incident
                .impact_started_at
                .map(|s| (incident.declared_at - s).max(Duration::zero())),
            to_acknowledge: to_acknowledge(incident),
            to_mitigate: incident.mitigated_at.map(|m| m - start),
            to_resolve: incident.resolved_at.map(|r| r - start),
        }
    }
}

fn to_acknowledge(incident: &Incident) -> Option<Duration> {
    let Some(first_page) = incident.pages.iter().map(|p| p.at).min() else {
        return incident.responded_at.map(|a| a - incident.declared_at);
    };
    let acked = incident
        .pages
        .iter()
        .filter_map(|p| p.acknowledged_at)
        .min()?;
    Some((acked - first_page).max(Duration::zero()))
}

/// `1h 05m`, `12m`, `45s`: what people read in a postmortem.
pub fn human(d: Duration) -> String {
    let secs = d.num_seconds().max(0);
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, m) => format!("{m}m"),
        (h, m) if h < 48 => format!("{h}h {m:02}m"),
        (h, _) => format!("{}d {}h", h / 24, h % 24),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations() {
        assert_eq!(human(Duration::seconds(45)), "45s");
        assert_eq!(human(Duration::minutes(12)), "12m");
        assert_eq!(human(Duration::minutes(65)), "1h 05m");
        assert_eq!(human(Duration::hours(50)), "2d 2h");
        // Days from two of them on.
        assert_eq!(human(Duration::minutes(48 * 60 - 1)), "47h 59m");
        assert_eq!(human(Duration::hours(48)), "2d 0h");
        assert_eq!(human(Duration::seconds(-5)), "0s");
    }
}
