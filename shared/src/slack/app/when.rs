//! Times people type: `now`, `14:05` (UTC), `15m ago`, `-2h`, or RFC 3339.

use chrono::{DateTime, Duration, NaiveTime, Utc};

pub fn parse(input: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let s = input.trim().to_ascii_lowercase();
    if s.is_empty() || s == "now" {
        return Ok(now);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(&s.to_uppercase()) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(t) = NaiveTime::parse_from_str(&s, "%H:%M") {
        let today = now.date_naive().and_time(t).and_utc();
        // A clock time later than now means yesterday.
        return Ok(if today > now {
            today - Duration::days(1)
        } else {
            today
        });
    }
    let rel = s
        .trim_start_matches('-')
        .trim_end_matches(" ago")
        .trim_end_matches("ago")
        .trim();
    let (num, unit) = rel.split_at(rel.find(|c: char| !c.is_ascii_digit()).unwrap_or(rel.len()));
    if let Ok(n) = num.parse::<i64>() {
        let d = match unit.trim() {
            "m" | "min" | "mins" | "minute" | "minutes" => Duration::try_minutes(n),
            "h" | "hour" | "hours" => Duration::try_hours(n),
            _ => None,
        };
        if let Some(t) = d.and_then(|d| now.checked_sub_signed(d)) {
            return Ok(t);
        }
    }
    Err(format!(
        "I can't read `{input}` as a time: use `now`, `14:05` (UTC), `15m ago` or `2024-01-22T14:05:00Z`."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn reads_what_people_type() {
        let now = Utc.with_ymd_and_hms(2024, 1, 22, 10, 0, 0).unwrap();
        assert_eq!(parse("", now), Ok(now));
        assert_eq!(parse("now", now), Ok(now));
        assert_eq!(
            parse("09:30", now),
            Ok(Utc.with_ymd_and_hms(2024, 1, 22, 9, 30, 0).unwrap())
        );
        assert_eq!(
            parse("23:00", now),
            Ok(Utc.with_ymd_and_hms(2024, 1, 21, 23, 0, 0).unwrap())
        );
        assert_eq!(parse("15m ago", now), Ok(now - Duration::minutes(15)));
        assert_eq!(parse("-2h", now), Ok(now - Duration::hours(2)));
        assert_eq!(
            parse("2024-01-22T08:00:00Z", now),
            Ok(Utc.with_ymd_and_hms(2024, 1, 22, 8, 0, 0).unwrap())
        );
        assert!(parse("yesterday-ish", now).is_err());
        assert!(parse("99999999999999999999m", now).is_err());
        assert!(
            parse("9999999999999999m", now).is_err(),
            "no overflow panic"
        );
    }
}
