//! Times people type: `now`, `15m ago`, `-2h`, RFC 3339, or a clock time with an
//! optional day and zone: `14:05`, `3:25am PT`, `14:05 CET`, `15:00 Europe/Berlin`,
//! `yesterday 23:10`, `09:30 +02:00`. A clock time without a zone is in the typing
//! person's own zone (their Slack profile's), and without a day it is the latest such
//! time not after now. Zones are IANA zones (chrono-tz); the usual abbreviations
//! name the zone people mean by them (`PT` is Los Angeles, with its daylight saving).

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// What a typed time was read as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reading {
    pub at: DateTime<Utc>,
    /// The zone it was read in, as people say it (`America/Los_Angeles`, `UTC`,
    /// `+02:00`), when the input was a clock time.
    pub zone: Option<String>,
}

/// Abbreviations people type, and the zone they mean. The daylight-saving names
/// (`PDT`, `CEST`) are fixed offsets; the generic ones follow the zone's clock.
const ABBREVIATIONS: &[(&str, Zone)] = &[
    ("utc", Zone::Fixed(0)),
    ("gmt", Zone::Fixed(0)),
    ("z", Zone::Fixed(0)),
    ("pt", Zone::Iana(Tz::America__Los_Angeles)),
    ("pst", Zone::Fixed(-8 * 3600)),
    ("pdt", Zone::Fixed(-7 * 3600)),
    ("mt", Zone::Iana(Tz::America__Denver)),
    ("mst", Zone::Fixed(-7 * 3600)),
    ("mdt", Zone::Fixed(-6 * 3600)),
    ("ct", Zone::Iana(Tz::America__Chicago)),
    ("cst", Zone::Fixed(-6 * 3600)),
    ("cdt", Zone::Fixed(-5 * 3600)),
    ("et", Zone::Iana(Tz::America__New_York)),
    ("est", Zone::Fixed(-5 * 3600)),
    ("edt", Zone::Fixed(-4 * 3600)),
    // Said all year round for Central European clocks, summer included.
    ("cet", Zone::Iana(Tz::Europe__Berlin)),
    ("cest", Zone::Fixed(2 * 3600)),
    ("bst", Zone::Fixed(3600)),
    ("ist", Zone::Fixed(5 * 3600 + 1800)),
    ("jst", Zone::Fixed(9 * 3600)),
    ("aest", Zone::Fixed(10 * 3600)),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Zone {
    Iana(Tz),
    /// Seconds east of UTC.
    Fixed(i32),
}

impl Zone {
    fn name(self) -> String {
        match self {
            Zone::Iana(tz) => tz.name().to_owned(),
            Zone::Fixed(0) => "UTC".to_owned(),
            Zone::Fixed(s) => FixedOffset::east_opt(s).map_or_else(String::new, |o| o.to_string()),
        }
    }

    fn today(self, now: DateTime<Utc>) -> NaiveDate {
        match self {
            Zone::Iana(tz) => now.with_timezone(&tz).date_naive(),
            Zone::Fixed(s) => (now + Duration::seconds(i64::from(s))).date_naive(),
        }
    }

    /// The instant of a wall-clock time; `None` in a daylight-saving gap.
    fn instant(self, day: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
        let local = day.and_time(time);
        match self {
            Zone::Iana(tz) => tz
                .from_local_datetime(&local)
                .earliest()
                .map(|t| t.with_timezone(&Utc)),
            Zone::Fixed(s) => FixedOffset::east_opt(s)?
                .from_local_datetime(&local)
                .single()
                .map(|t| t.with_timezone(&Utc)),
        }
    }
}

/// `PT`, `cet`, `Europe/Berlin`, `+02:00`, `+2`, `UTC+2`.
fn zone(word: &str) -> Option<Zone> {
    let lower = word.to_ascii_lowercase();
    if let Some((_, z)) = ABBREVIATIONS.iter().find(|(a, _)| *a == lower) {
        return Some(*z);
    }
    if let Ok(tz) = Tz::from_str_insensitive(word) {
        return Some(Zone::Iana(tz));
    }
    let offset = lower
        .strip_prefix("utc")
        .or_else(|| lower.strip_prefix("gmt"))
        .unwrap_or(&lower);
    let (sign, rest) = match offset.as_bytes().first() {
        Some(b'+') => (1, &offset[1..]),
        Some(b'-') => (-1, &offset[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let (h, m) = (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?);
    if h > 14 || m > 59 {
        return None;
    }
    Some(Zone::Fixed(sign * (h * 3600 + m * 60)))
}

/// `14:05`, `3:25am`, `3:25 pm`, `3am`, `12:00am`.
fn clock(words: &[&str]) -> Option<(NaiveTime, usize)> {
    let first = words.first()?.to_ascii_lowercase();
    let (digits, mut meridiem) = match first.strip_suffix("am") {
        Some(d) => (d.to_owned(), Some(false)),
        None => match first.strip_suffix("pm") {
            Some(d) => (d.to_owned(), Some(true)),
            None => (first.clone(), None),
        },
    };
    let mut used = 1;
    if meridiem.is_none()
        && let Some(next) = words.get(1)
    {
        match next.to_ascii_lowercase().as_str() {
            "am" | "a.m." => (meridiem, used) = (Some(false), 2),
            "pm" | "p.m." => (meridiem, used) = (Some(true), 2),
            _ => {}
        }
    }
    let (h, m) = digits.split_once(':').unwrap_or((&digits, "00"));
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (mut h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
    match meridiem {
        Some(pm) => {
            if !(1..=12).contains(&h) {
                return None;
            }
            h = h % 12 + if pm { 12 } else { 0 };
        }
        // A bare hour ("3") is a number, not a time.
        None if !digits.contains(':') => return None,
        None => {}
    }
    Some((NaiveTime::from_hms_opt(h, m, 0)?, used))
}

/// Reads `input` at `now`; a clock time without a zone is in `home`.
pub fn parse(input: &str, now: DateTime<Utc>, home: Tz) -> Result<Reading, String> {
    let trimmed = input.trim();
    let s = trimmed.to_ascii_lowercase();
    let instant = |at| Ok(Reading { at, zone: None });
    if s.is_empty() || s == "now" {
        return instant(now);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(&trimmed.to_uppercase()) {
        return instant(t.with_timezone(&Utc));
    }
    if let Some(t) = relative(&s, now) {
        return instant(t);
    }
    let words: Vec<&str> = trimmed.split_whitespace().collect();
    let (day_word, rest) = match words.first().map(|w| w.to_ascii_lowercase()) {
        Some(w) if w == "yesterday" || w == "today" => (Some(w), &words[1..]),
        _ => (None, &words[..]),
    };
    let Some((time, used)) = clock(rest) else {
        return Err(unreadable(input));
    };
    let zone = match &rest[used..] {
        [] => Zone::Iana(home),
        [z] => zone(z).ok_or_else(|| {
            format!("I don't know the time zone `{z}`: use an IANA name like `Europe/Berlin`, an abbreviation like `PT` or `CET`, or an offset like `+02:00`.")
        })?,
        _ => return Err(unreadable(input)),
    };
    let today = zone.today(now);
    let day = match day_word.as_deref() {
        Some("yesterday") => today.pred_opt().ok_or_else(|| unreadable(input))?,
        _ => today,
    };
    let gap = || {
        format!(
            "{} doesn't exist in {} (the clocks skip it for daylight saving).",
            time.format("%H:%M"),
            zone.name()
        )
    };
    let mut at = zone.instant(day, time).ok_or_else(gap)?;
    // Without a day, a clock time later than now is the one before.
    if day_word.is_none() && at > now {
        let before = day.pred_opt().ok_or_else(|| unreadable(input))?;
        at = zone.instant(before, time).ok_or_else(gap)?;
    }
    Ok(Reading {
        at,
        zone: Some(zone.name()),
    })
}

/// `15m ago`, `-2h`, `90 minutes ago`.
fn relative(s: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let rel = s
        .trim_start_matches('-')
        .trim_end_matches(" ago")
        .trim_end_matches("ago")
        .trim();
    let split = rel.find(|c: char| !c.is_ascii_digit()).unwrap_or(rel.len());
    let (num, unit) = rel.split_at(split);
    let n = num.parse::<i64>().ok()?;
    let d = match unit.trim() {
        "m" | "min" | "mins" | "minute" | "minutes" => Duration::try_minutes(n),
        "h" | "hour" | "hours" => Duration::try_hours(n),
        _ => None,
    }?;
    now.checked_sub_signed(d)
}

fn unreadable(input: &str) -> String {
    format!(
        "I can't read `{input}` as a time: use `now`, `15m ago`, `14:05` (your time zone), `3:25am PT`, `yesterday 23:10 CET` or `2024-01-22T14:05:00Z`."
    )
}

/// Why a time needs the person's confirmation before it is used: in the future, or
/// more than a day before the incident was declared.
pub fn doubt(at: DateTime<Utc>, now: DateTime<Utc>, declared: DateTime<Utc>) -> Option<String> {
    if at > now + Duration::minutes(1) {
        return Some("in the future".into());
    }
    let before = declared - at;
    if before > Duration::hours(24) {
        let hours = before.num_hours();
        return Some(if hours < 48 {
            format!("{hours} hours before the incident was declared")
        } else {
            format!("{} days before the incident was declared", hours / 24)
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, d, h, m, 0).unwrap()
    }

    fn read(input: &str, now: DateTime<Utc>, home: Tz) -> Result<DateTime<Utc>, String> {
        parse(input, now, home).map(|r| r.at)
    }

    #[test]
    fn reads_what_people_type() {
        let now = at(22, 10, 0);
        let utc = Tz::UTC;
        assert_eq!(read("", now, utc), Ok(now));
        assert_eq!(read("now", now, utc), Ok(now));
        assert_eq!(read("09:30", now, utc), Ok(at(22, 9, 30)));
        assert_eq!(
            read("23:00", now, utc),
            Ok(at(21, 23, 0)),
            "later than now: the day before"
        );
        assert_eq!(read("15m ago", now, utc), Ok(now - Duration::minutes(15)));
        assert_eq!(read("-2h", now, utc), Ok(now - Duration::hours(2)));
        assert_eq!(read("2024-01-22T08:00:00Z", now, utc), Ok(at(22, 8, 0)));
        assert!(read("yesterday-ish", now, utc).is_err());
        assert!(read("99999999999999999999m", now, utc).is_err());
        assert!(
            read("9999999999999999m", now, utc).is_err(),
            "no overflow panic"
        );
        assert!(read("3", now, utc).is_err(), "a bare number is no time");
        assert!(read("25:00", now, utc).is_err());
        assert!(read("13pm", now, utc).is_err());
    }

    #[test]
    fn zones_as_people_say_them() {
        // 2024-01-22 18:00 UTC is 10:00 in Los Angeles (PST) and 19:00 in Berlin (CET).
        let now = at(22, 18, 0);
        let utc = Tz::UTC;
        assert_eq!(read("3:25am PT", now, utc), Ok(at(22, 11, 25)));
        assert_eq!(read("3:25 am pt", now, utc), Ok(at(22, 11, 25)));
        assert_eq!(read("14:05 CET", now, utc), Ok(at(22, 13, 5)));
        assert_eq!(read("15:00 Europe/Berlin", now, utc), Ok(at(22, 14, 0)));
        assert_eq!(read("15:00 europe/berlin", now, utc), Ok(at(22, 14, 0)));
        assert_eq!(read("yesterday 23:10", now, utc), Ok(at(21, 23, 10)));
        assert_eq!(read("yesterday 23:10 CET", now, utc), Ok(at(21, 22, 10)));
        assert_eq!(read("09:30 +02:00", now, utc), Ok(at(22, 7, 30)));
        assert_eq!(read("12:00am PST", now, utc), Ok(at(22, 8, 0)));
        assert!(
            read("14:05 Mars/Olympus", now, utc)
                .unwrap_err()
                .contains("time zone `Mars/Olympus`")
        );
        let r = parse("3:25am PT", now, utc).unwrap();
        assert_eq!(r.zone.as_deref(), Some("America/Los_Angeles"));
    }

    #[test]
    fn a_bare_time_is_in_the_persons_zone_with_its_daylight_saving() {
        let la = Tz::America__Los_Angeles;
        // 10:00 PST on 22 January; 03:25 there is 11:25 UTC.
        assert_eq!(read("3:25", at(22, 18, 0), la), Ok(at(22, 11, 25)));
        // In July Los Angeles is on PDT (UTC-7).
        let july = Utc.with_ymd_and_hms(2024, 7, 10, 18, 0, 0).unwrap();
        assert_eq!(
            read("3:25", july, la),
            Ok(Utc.with_ymd_and_hms(2024, 7, 10, 10, 25, 0).unwrap())
        );
        // A time the clocks skip (10 March 2024, 02:30 in Los Angeles) is refused.
        let spring = Utc.with_ymd_and_hms(2024, 3, 10, 20, 0, 0).unwrap();
        assert!(
            read("2:30", spring, la)
                .unwrap_err()
                .contains("doesn't exist")
        );
    }

    #[test]
    fn doubtful_times_are_named() {
        let declared = at(22, 10, 0);
        let now = at(22, 12, 0);
        assert_eq!(doubt(at(22, 9, 0), now, declared), None);
        assert_eq!(
            doubt(at(22, 12, 30), now, declared).as_deref(),
            Some("in the future")
        );
        assert_eq!(
            doubt(at(21, 8, 0), now, declared).as_deref(),
            Some("26 hours before the incident was declared")
        );
        assert_eq!(
            doubt(at(18, 8, 0), now, declared).as_deref(),
            Some("4 days before the incident was declared")
        );
    }
}
