//! Incident names: `YYYYMMDD-adjective-animal`.

use super::ids::IncidentId;
use super::words::{ADJECTIVES, ANIMALS};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// After this many attempts a number is appended, so picking always terminates.
const PLAIN_ATTEMPTS: u32 = 16;

/// The `attempt`-th candidate name for a declaration identified by `seed` (its
/// idempotency key). Deterministic, so a redelivered declaration proposes the same
/// names in the same order; the store takes the first one that is free.
pub fn candidate(declared_at: DateTime<Utc>, seed: &str, attempt: u32) -> IncidentId {
    let digest = Sha256::new()
        .chain_update(seed.as_bytes())
        .chain_update(attempt.to_be_bytes())
        .finalize();
    let n = u64::from_be_bytes([
        digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
    ]);
    let adjective = ADJECTIVES[(n % ADJECTIVES.len() as u64) as usize];
    let animal = ANIMALS[((n / ADJECTIVES.len() as u64) % ANIMALS.len() as u64) as usize];
    let date = declared_at.format("%Y%m%d");
    let name = if attempt < PLAIN_ATTEMPTS {
        format!("{date}-{adjective}-{animal}")
    } else {
        format!("{date}-{adjective}-{animal}-{attempt}")
    };
    IncidentId::new_unchecked(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn day() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-01-22T09:30:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn word_lists_are_big_unique_and_channel_safe() {
        for list in [ADJECTIVES, ANIMALS] {
            assert!(list.len() >= 100, "{}", list.len());
            let unique: HashSet<_> = list.iter().collect();
            assert_eq!(unique.len(), list.len(), "duplicate word");
            assert!(
                list.iter()
                    .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
            );
        }
    }

    #[test]
    fn names_are_dated_deterministic_and_parse() {
        let a = candidate(day(), "view:V123", 0);
        assert!(a.as_str().starts_with("20240122-"));
        assert_eq!(a, candidate(day(), "view:V123", 0));
        assert_ne!(a, candidate(day(), "view:V123", 1));
        assert_eq!(a.as_str().split('-').count(), 3);
        assert!(IncidentId::parse(a.as_str()).is_some());
        // `inc-` + name fits Slack's 80-character channel limit with room for `-resolved`.
        assert!(4 + a.as_str().len() + 9 <= 80);
    }

    #[test]
    fn late_attempts_are_numbered() {
        let n = candidate(day(), "x", 20);
        assert!(n.as_str().ends_with("-20"));
        assert!(IncidentId::parse(n.as_str()).is_some());
    }

    #[test]
    fn names_spread_over_the_lists() {
        let names: HashSet<_> = (0..200)
            .map(|i| candidate(day(), &format!("seed-{i}"), 0))
            .collect();
        assert!(names.len() > 190, "too many collisions: {}", names.len());
    }
}
