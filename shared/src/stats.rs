//! Incident statistics over a window: how many by severity, and how fast the response
//! was (median and 90th percentile of the times to acknowledge, mitigate and resolve).
//! Pure: the caller loads the incidents (see `store::StatsStore`).

use crate::domain::{Durations, Incident};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Percentiles {
    pub count: usize,
    pub median_seconds: Option<i64>,
    pub p90_seconds: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub incidents: usize,
    pub by_severity: BTreeMap<String, usize>,
    pub to_acknowledge: Percentiles,
    pub to_mitigate: Percentiles,
    pub to_resolve: Percentiles,
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted.get(rank - 1).copied()
}

fn summarize(values: impl Iterator<Item = Option<Duration>>) -> Percentiles {
    let mut v: Vec<i64> = values.flatten().map(|d| d.num_seconds()).collect();
    v.sort_unstable();
    Percentiles {
        count: v.len(),
        median_seconds: percentile(&v, 0.5),
        p90_seconds: percentile(&v, 0.9),
    }
}

/// Incidents declared in `[since, until)`; triage reports that were declined don't count.
pub fn compute(incidents: &[Incident], since: DateTime<Utc>, until: DateTime<Utc>) -> Stats {
    let chosen: Vec<&Incident> = incidents
        .iter()
        .filter(|i| i.declared_at >= since && i.declared_at < until)
        .filter(|i| i.status != crate::domain::Status::Declined)
        .collect();
    let mut by_severity = BTreeMap::new();
    for i in &chosen {
        *by_severity.entry(i.severity.to_string()).or_insert(0) += 1;
    }
    let durations: Vec<Durations> = chosen.iter().map(|i| Durations::of(i)).collect();
    Stats {
        since,
        until,
        incidents: chosen.len(),
        by_severity,
        to_acknowledge: summarize(durations.iter().map(|d| d.to_acknowledge)),
        to_mitigate: summarize(durations.iter().map(|d| d.to_mitigate)),
        to_resolve: summarize(durations.iter().map(|d| d.to_resolve)),
    }
}

/// One row per incident, for spreadsheets.
pub fn csv(incidents: &[Incident], since: DateTime<Utc>, until: DateTime<Utc>) -> String {
    let mut out = String::from(
        "id,severity,status,declared_at,time_to_detect_s,time_to_acknowledge_s,time_to_mitigate_s,time_to_resolve_s\n",
    );
    let secs = |d: Option<Duration>| d.map(|d| d.num_seconds().to_string()).unwrap_or_default();
    for i in incidents
        .iter()
        .filter(|i| i.declared_at >= since && i.declared_at < until)
    {
        let d = Durations::of(i);
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            i.id,
            i.severity,
            i.status,
            i.declared_at.to_rfc3339(),
            secs(d.to_detect),
            secs(d.to_acknowledge),
            secs(d.to_mitigate),
            secs(d.to_resolve)
        ));
    }
    out
}

/// The months (`YYYY-MM`) a window touches, oldest first.
pub fn months(since: DateTime<Utc>, until: DateTime<Utc>) -> Vec<String> {
    let mut out = Vec::new();
    let mut t = since;
    while t < until {
        let m = t.format("%Y-%m").to_string();
        if out.last() != Some(&m) {
            out.push(m);
        }
        t += Duration::days(1);
    }
    let last = until.format("%Y-%m").to_string();
    if out.last() != Some(&last) {
        out.push(last);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
        assert_eq!(percentile(&v, 0.5), Some(50));
        assert_eq!(percentile(&v, 0.9), Some(90));
        assert_eq!(percentile(&[7], 0.9), Some(7));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn months_of_a_window() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(
            months(t("2024-01-20T00:00:00Z"), t("2024-03-02T00:00:00Z")),
            vec!["2024-01", "2024-02", "2024-03"]
        );
        assert_eq!(
            months(t("2024-01-20T00:00:00Z"), t("2024-01-21T00:00:00Z")),
            vec!["2024-01"]
        );
    }
}
