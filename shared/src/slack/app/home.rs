//! What a person can see: private incidents only to their people (reporter, role
//! holders, channel members). The open ones are listed from the listing cards
//! (`slack::listing`); this check serves the duplicate view's Join.

use super::{Reject, SlackApp};
use crate::domain::{Incident, UserId};
use crate::slack::api::SlackDirectory;
use crate::slack::listing::{Listing, Page};

impl SlackApp {
    /// A page of the open incidents `user` may see (see [`Listing::page`]).
    pub(super) async fn open_page(
        &self,
        user: &UserId,
        number: usize,
        size: usize,
        services: &[String],
        since: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Page, Reject> {
        let directory = SlackDirectory {
            api: self.api.clone(),
        };
        Listing {
            store: self.stats.as_ref(),
            directory: &directory,
        }
        .page(user, number, size, services, since)
        .await
        .map_err(Reject::Unavailable)
    }

    /// Public incidents: everyone. Private ones: their reporter, role holders and the
    /// members of their (private) channel.
    pub(super) async fn can_see(
        &self,
        inc: &Incident,
        user: &UserId,
        channel: Option<&str>,
    ) -> Result<bool, Reject> {
        // The same membership answer the worker's permission rules get.
        let directory = SlackDirectory {
            api: self.api.clone(),
        };
        crate::slack::listing::may_see(&directory, inc.private, inc.involves(user), channel, user)
            .await
            .map_err(Reject::Unavailable)
    }
}
