//! How times are written: `HH:MM` when everything happened on one UTC day, with the
//! date when the incident spans days. UTC first, so the document reads the same
//! wherever it is opened, and the organisation's zone (`timezone:` in the
//! configuration) in brackets when one is set: `09:42 (01:42 PST)`.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeFormat {
    pub multi_day: bool,
    /// The organisation's zone, shown beside UTC.
    pub zone: Option<Tz>,
}

impl TimeFormat {
    /// With the organisation's zone beside UTC.
    pub fn in_zone(self, zone: Option<Tz>) -> Self {
        Self { zone, ..self }
    }

    /// Looks at every time the document will show.
    pub fn for_times(times: impl IntoIterator<Item = DateTime<Utc>>) -> Self {
        let mut first = None;
        let mut multi_day = false;
        for t in times {
            let day = t.date_naive();
            match first {
                None => first = Some(day),
                Some(d) if d != day => multi_day = true,
                Some(_) => {}
            }
        }
        Self {
            multi_day,
            zone: None,
        }
    }

    /// In tables and histories: `09:42`, or `2024-01-22 09:42` for multi-day incidents.
    pub fn short(self, at: DateTime<Utc>) -> String {
        let utc = if self.multi_day {
            full(at)
        } else {
            at.format("%H:%M").to_string()
        };
        match self.zone {
            Some(tz) if tz != Tz::UTC => {
                let local = at.with_timezone(&tz);
                // The local day differs from UTC's: say which.
                let fmt = if self.multi_day || local.date_naive() != at.date_naive() {
                    "%a %H:%M %Z"
                } else {
                    "%H:%M %Z"
                };
                format!("{utc} ({})", local.format(fmt))
            }
            _ => utc,
        }
    }
}

/// `2024-01-22 09:42`.
pub fn full(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

/// `2024-01-22T09:42:05`, Mermaid's `dateFormat YYYY-MM-DDTHH:mm:ss`.
pub fn mermaid(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dates_only_when_the_days_differ() {
        let at = |d, h| Utc.with_ymd_and_hms(2024, 1, d, h, 5, 0).unwrap();
        let one = TimeFormat::for_times([at(22, 1), at(22, 23)]);
        assert_eq!(one.short(at(22, 9)), "09:05");
        let two = TimeFormat::for_times([at(22, 23), at(23, 0)]);
        assert_eq!(two.short(at(23, 0)), "2024-01-23 00:05");
        assert_eq!(mermaid(at(23, 0)), "2024-01-23T00:05:00");
        let la = one.in_zone(Some(Tz::America__Los_Angeles));
        assert_eq!(la.short(at(22, 17)), "17:05 (09:05 PST)");
        assert_eq!(la.short(at(22, 1)), "01:05 (Sun 17:05 PST)");
        let berlin = two.in_zone(Some(Tz::Europe__Berlin));
        assert_eq!(berlin.short(at(23, 0)), "2024-01-23 00:05 (Tue 01:05 CET)");
    }
}
