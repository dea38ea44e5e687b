//! Slack-looking identifiers: channel, view, event and file ids, message timestamps
//! (`"1700000000.000100"`, strictly increasing), trigger ids.

use std::time::{SystemTime, UNIX_EPOCH};

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// `prefix` followed by `len` random uppercase letters and digits (`C` + 10 for channels).
pub(crate) fn random_id(prefix: &str, len: usize) -> String {
    let mut id = String::with_capacity(prefix.len() + len);
    id.push_str(prefix);
    for _ in 0..len {
        let i = fastrand::usize(..ALNUM.len());
        id.push(char::from(ALNUM[i]));
    }
    id
}

/// Eight uppercase base-36 characters derived from `text` (FNV-1a), for stable ids.
pub(crate) fn name_hash(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let mut out = String::with_capacity(8);
    for _ in 0..8 {
        let digit = usize::try_from(hash % 36).unwrap_or(0);
        out.push(char::from(ALNUM[digit]));
        hash /= 36;
    }
    out
}

/// Seconds since the Unix epoch.
pub(crate) fn now_secs() -> i64 {
    i64::try_from(now_micros() / 1_000_000).unwrap_or(i64::MAX)
}

/// Microseconds since the Unix epoch.
pub(crate) fn now_micros() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or(0)
}

/// Hands out message timestamps: the current time, bumped so each is later than the last.
#[derive(Debug, Default)]
pub(crate) struct TsClock {
    last: u128,
}

impl TsClock {
    /// The next timestamp, formatted as Slack does (`secs.micros`, six digits).
    pub(crate) fn next(&mut self) -> String {
        let now = now_micros();
        self.last = if now > self.last { now } else { self.last + 1 };
        format_ts(self.last)
    }
}

/// `1700000000000100` µs → `"1700000000.000100"`.
pub(crate) fn format_ts(micros: u128) -> String {
    format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000)
}

/// Parses a Slack timestamp into microseconds, for ordering and range filters.
pub(crate) fn parse_ts(ts: &str) -> Option<u128> {
    let (secs, frac) = match ts.split_once('.') {
        Some((s, f)) => (s, f),
        None => (ts, "0"),
    };
    let secs: u128 = secs.parse().ok()?;
    if frac.is_empty() || frac.len() > 6 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let micros: u128 = format!("{frac:0<6}").parse().ok()?;
    Some(secs * 1_000_000 + micros)
}

/// A trigger id shaped like Slack's (`digits.digits.hex`).
pub(crate) fn trigger_id() -> String {
    format!(
        "{}.{}.{:032x}",
        fastrand::u64(1_000_000_000..10_000_000_000),
        fastrand::u64(100_000_000..1_000_000_000),
        fastrand::u128(..)
    )
}

/// A random lowercase hex string of `len` characters.
pub(crate) fn hex_id(len: usize) -> String {
    let mut out = String::with_capacity(len);
    while out.len() < len {
        out.push_str(&format!("{:016x}", fastrand::u64(..)));
    }
    out.truncate(len);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn timestamps_strictly_increase_and_round_trip() {
        let mut clock = TsClock::default();
        let mut last = 0;
        for _ in 0..1000 {
            let ts = clock.next();
            let (secs, micros) = ts.split_once('.').unwrap();
            assert_eq!(secs.len(), 10);
            assert_eq!(micros.len(), 6);
            let parsed = parse_ts(&ts).unwrap();
            assert!(parsed > last);
            last = parsed;
        }
        assert_eq!(parse_ts("1700000000.0001"), Some(1_700_000_000_000_100));
        assert_eq!(parse_ts("17x"), None);
        assert_eq!(parse_ts("1.1234567"), None);
    }

    #[test]
    fn ids_look_like_slack_ids() {
        let id = random_id("C", 10);
        assert_eq!(id.len(), 11);
        assert!(
            id.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        );
        assert_eq!(name_hash("incidents"), name_hash("incidents"));
        assert_eq!(name_hash("x").len(), 8);
        assert_eq!(hex_id(40).len(), 40);
        assert_eq!(trigger_id().split('.').count(), 3);
    }
}
