//! The App Home tab, published by the worker: the Slack function only queues a
//! [`Command::PublishHome`] when someone opens the tab, so its answer to Slack stays
//! small whatever the number of open incidents.

use super::api::SlackApi;
use super::listing::{HOME_PAGE, Listing, home_view};
use crate::bus::CommandEnvelope;
use crate::clock::Clock;
use crate::directory::Directory;
use crate::domain::{Command, Incident, Recorded};
use crate::store::StatsStore;
use crate::worker::{Effect, EffectError};
use async_trait::async_trait;
use serde_json::json;
use std::sync::Arc;

pub struct HomeTabs {
    pub api: Arc<dyn SlackApi>,
    pub listing: Arc<dyn StatsStore>,
    pub directory: Arc<dyn Directory>,
    pub clock: Arc<dyn Clock>,
}

#[async_trait]
impl Effect for HomeTabs {
    fn name(&self) -> &'static str {
        "home-tab"
    }

    fn handles_events(&self) -> bool {
        false
    }

    async fn run(&self, _: &Incident, _: &Recorded) -> Result<(), EffectError> {
        Ok(())
    }

    /// Publishing is idempotent (the view is replaced), so a redelivery just refreshes.
    async fn notice(&self, env: &CommandEnvelope) -> Result<(), EffectError> {
        let Command::PublishHome { user } = &env.command else {
            return Ok(());
        };
        let page = Listing {
            store: self.listing.as_ref(),
            directory: self.directory.as_ref(),
        }
        .page(user, 0, HOME_PAGE, &[], None)
        .await
        .map_err(EffectError::Transient)?;
        let view = home_view(&page, user, self.clock.now());
        self.api
            .call(
                "views.publish",
                json!({ "user_id": user.as_str(), "view": view }),
            )
            .await
            .map(|_| ())
            .map_err(EffectError::from)
    }
}
