//! The open incidents as `/incident list`, the App Home and the duplicate check show
//! them: a small card per open incident, written with the incident in the same
//! transaction, in one partition sorted most severe first, then newest first, so a page
//! is one query however many incidents are open.

use crate::domain::{Actor, Incident, IncidentId, Roles, Severity, Status, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::StoreError;

/// What a listing shows of an open incident, and what visibility needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenCard {
    pub id: IncidentId,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    pub private: bool,
    pub declared_at: DateTime<Utc>,
    pub reporter: Actor,
    pub roles: Roles,
    pub services: Vec<String>,
}

impl OpenCard {
    pub fn of(inc: &Incident) -> OpenCard {
        OpenCard {
            id: inc.id.clone(),
            title: inc.title.clone(),
            severity: inc.severity.clone(),
            status: inc.status,
            private: inc.private,
            declared_at: inc.declared_at,
            reporter: inc.reporter.clone(),
            roles: inc.roles.clone(),
            services: inc.services.clone(),
        }
    }

    /// The reporter or a role holder (as [`Incident::involves`]).
    pub fn involves(&self, user: &UserId) -> bool {
        self.reporter.user_id() == Some(user) || self.roles.any_held_by(user)
    }

    /// Everyone [`Self::involves`], for the store's visibility count.
    pub fn people(&self) -> Vec<String> {
        let r = &self.roles;
        let mut out: Vec<String> = self
            .reporter
            .user_id()
            .into_iter()
            .chain(r.coordinator.iter())
            .chain(r.operations.iter())
            .chain(r.communications.iter())
            .chain(r.postmortem_owner.iter())
            .map(|u| u.to_string())
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// Where a listing goes on: the sort key of the last card read (`None`: the start).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    pub after: Option<String>,
}

/// One read of the listing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CardPage {
    pub cards: Vec<OpenCard>,
    /// `None` when the listing has been read to its end.
    pub next: Option<Cursor>,
}

/// Which cards a read wants.
#[derive(Clone, Copy, Debug, Default)]
pub struct CardQuery<'a> {
    /// Only incidents on at least one of these services (none: all).
    pub services: &'a [String],
    /// Only incidents declared at or after this.
    pub since: Option<DateTime<Utc>>,
}

/// The listing's reads.
#[async_trait]
pub trait OpenListing: Send + Sync {
    /// Up to `limit` cards from `from`, most severe first, newest first within a
    /// severity.
    async fn cards(
        &self,
        query: &CardQuery<'_>,
        from: &Cursor,
        limit: usize,
    ) -> Result<CardPage, StoreError>;
    /// How many open incidents anyone may see, plus the private ones `viewer` is
    /// involved in (private ones seen only through channel membership are not counted).
    async fn count(&self, viewer: &UserId) -> Result<usize, StoreError>;
    /// The incidents' Slack channels, where they have one.
    async fn channels(
        &self,
        ids: &[IncidentId],
    ) -> Result<std::collections::HashMap<IncidentId, String>, StoreError>;
}

/// The card's sort key: the severity's rank, then newest first (the declared time
/// counted down from the year 2286), then the id.
pub fn sort_key(rank: usize, declared: DateTime<Utc>, id: &IncidentId) -> String {
    const LATEST: i64 = 9_999_999_999_999;
    let countdown = LATEST - declared.timestamp_millis().clamp(0, LATEST);
    format!("{rank:02}#{countdown:013}#{id}")
}
