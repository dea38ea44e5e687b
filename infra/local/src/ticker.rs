//! The reminders' schedule in local mode: moto never fires EventBridge schedules, so
//! the host runs the same tick every minute, and at once when the clock is moved.

use flare::bus::CommandQueue;
use flare::clock::{Clock, ShiftedClock};
use flare::config::Config;
use flare::reminders::{TickReport, tick};
use flare::store::IncidentStore;
use std::sync::Arc;

pub struct Ticker {
    pub store: Arc<dyn IncidentStore>,
    pub queue: Arc<dyn CommandQueue>,
    pub config: Arc<Config>,
    pub clock: ShiftedClock,
}

impl Ticker {
    pub async fn tick(&self) -> Result<TickReport, String> {
        tick(
            self.store.as_ref(),
            self.queue.as_ref(),
            &self.config,
            self.clock.now(),
        )
        .await
    }

    pub fn every_minute(self: Arc<Self>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(std::time::Duration::from_secs(60));
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                if let Err(e) = self.tick().await {
                    tracing::warn!(error = %e, "reminders tick");
                }
            }
        })
    }
}
