//! Time as a port: Lambdas read the system clock; the local host can move its clock
//! forward so a 30-minute reminder can be watched without waiting 30 minutes.

use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The system clock plus an offset that only grows (local mode and tests).
#[derive(Clone, Debug, Default)]
pub struct ShiftedClock {
    offset_ms: Arc<AtomicI64>,
}

impl ShiftedClock {
    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.num_milliseconds().max(0), Ordering::SeqCst);
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifted_clock_moves_forward_only() {
        let c = ShiftedClock::default();
        let before = c.now();
        c.advance(Duration::minutes(30));
        c.advance(Duration::minutes(-100));
        let d = c.now() - before;
        assert!(d >= Duration::minutes(30) && d < Duration::minutes(31));
    }
}
