//! Load → render → store → publish: the one way a postmortem is made, for the Lambda
//! (on `IncidentResolved`) and for `/incident postmortem` alike.

use crate::publish::{PublishError, Published, Publisher};
use crate::render::{Links, People, render_with};
use crate::store::{PostmortemStore, S3PostmortemStore, StorageError, Stored, key, sha256};
use crate::upload::HttpUploader;
use flare::config::Config;
use flare::domain::{Incident, IncidentId, Recorded};
use flare::runtime::Wiring;
use flare::slack::api::SlackWebApi;
use flare::store::{IncidentStore, StoreError};
use serde::Serialize;
use std::sync::Arc;

/// The bucket documents go to (versioned).
pub const BUCKET_ENV: &str = "FLARE_POSTMORTEM_BUCKET";

#[derive(Debug, thiserror::Error)]
pub enum PostmortemError {
    #[error("incident {0} not found")]
    NotFound(IncidentId),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Publish(#[from] PublishError),
    /// Another draft of the incident held its lease all the time we waited.
    #[error("another postmortem draft of {0} is under way")]
    Busy(IncidentId),
    #[error(transparent)]
    Lease(#[from] crate::lease::LeaseError),
}

impl PostmortemError {
    /// Worth retrying: AWS or Slack may answer next time. A missing incident, stored
    /// data that can't be read, or Slack refusing for good are not.
    pub fn is_transient(&self) -> bool {
        match self {
            PostmortemError::NotFound(_) => false,
            PostmortemError::Store(StoreError::Corrupt(_)) => false,
            PostmortemError::Store(_) | PostmortemError::Storage(_) => true,
            PostmortemError::Publish(e) => e.is_transient(),
            PostmortemError::Busy(_) | PostmortemError::Lease(_) => true,
        }
    }
}

/// Why a draft is made: a closed incident's is shared only when someone asked for it
/// (a resolution delivered late, after the close, is only stored).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    Resolved,
    Asked,
}

/// What one generation did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    pub incident: IncidentId,
    /// The incident version the document was generated for.
    pub version: u64,
    /// Object key, `postmortems/<id>.md`.
    pub key: String,
    pub sha256: String,
    pub bytes: usize,
    /// Whether a new object version was written (false: identical to the stored one).
    pub written: bool,
    pub s3_version_id: Option<String>,
    pub slack: Published,
}

pub struct Postmortems {
    pub incidents: Arc<dyn IncidentStore>,
    pub documents: Arc<dyn PostmortemStore>,
    /// `None`: store only.
    pub publisher: Option<Publisher>,
    /// People's names for the document; `None`: user ids.
    pub names: Option<Arc<dyn flare::directory::Names>>,
    pub config: Arc<Config>,
}

impl Postmortems {
    /// From a function's wiring: the incident table, the bucket named by
    /// `FLARE_POSTMORTEM_BUCKET` (path-style under `FLARE_AWS_ENDPOINT` when set), and
    /// Slack with the bot token.
    pub fn from_wiring(w: &Wiring) -> Result<Self, String> {
        let bucket = std::env::var(BUCKET_ENV).map_err(|_| format!("{BUCKET_ENV} is not set"))?;
        let endpoint = flare::runtime::local_override("FLARE_AWS_ENDPOINT");
        let incidents: Arc<dyn IncidentStore> = w.store();
        let slack: Arc<dyn flare::slack::api::SlackApi> = Arc::new(SlackWebApi::new(
            &w.bot_token,
            w.slack_api_url.as_deref(),
            &w.response_url_prefix,
        )?);
        Ok(Self {
            incidents: incidents.clone(),
            documents: Arc::new(S3PostmortemStore::from_sdk(
                &w.sdk,
                bucket,
                endpoint.as_deref(),
            )),
            publisher: Some(Publisher {
                api: slack.clone(),
                uploader: Arc::new(HttpUploader::new()),
                incidents,
                config: w.config.clone(),
            }),
            names: Some(Arc::new(flare::slack::people::SlackNames::new(slack))),
            config: w.config.clone(),
        })
    }

    /// The incident as stored now and its whole timeline, consistent with each other
    /// (the incident is folded from the same events). `None` if it doesn't exist.
    pub async fn load(
        &self,
        id: &IncidentId,
    ) -> Result<Option<(Incident, Vec<Recorded>)>, StoreError> {
        let timeline: Vec<Recorded> = self
            .incidents
            .events(id, 1)
            .await?
            .into_iter()
            .map(|e| e.record)
            .collect();
        Ok(Incident::replay(&timeline).map(|incident| (incident, timeline)))
    }

    /// Renders, stores and shares the postmortem of `id`, whatever its status (the
    /// Lambda calls it for resolved incidents; `/incident postmortem` for any).
    /// Idempotent: an unchanged incident writes nothing and posts nothing.
    pub async fn generate(&self, id: &IncidentId, why: Why) -> Result<Report, PostmortemError> {
        let Some((incident, timeline)) = self.load(id).await? else {
            return Err(PostmortemError::NotFound(id.clone()));
        };
        let mut refs = self.incidents.refs(id).await?;
        let mut links = Links {
            channel_id: refs.get("channel").cloned(),
            channel_name: refs.get("channel_name").cloned(),
            people: People::default(),
        };
        let mut markdown = render_with(&incident, &timeline, &self.config, &links);
        // The first rendering tells whom the document shows; the second names them.
        if let Some(names) = &self.names {
            let shown = links.people.shown();
            if !shown.is_empty() {
                links.people = People::known(names.names(&shown).await);
                markdown = render_with(&incident, &timeline, &self.config, &links);
            }
        }
        let stored = self.documents.put(id, &markdown).await?;
        let slack = match &self.publisher {
            Some(p) => {
                p.publish(
                    &incident,
                    &markdown,
                    &self.documents.link(id),
                    &mut refs,
                    why,
                )
                .await?
            }
            None => Published {
                skipped: Some("Slack is not configured".into()),
                ..Published::default()
            },
        };
        let (written, s3_version_id) = match stored {
            Stored::Written { version_id } => (true, version_id),
            Stored::Unchanged => (false, None),
        };
        Ok(Report {
            incident: id.clone(),
            version: incident.version,
            key: key(id),
            sha256: sha256(&markdown),
            bytes: markdown.len(),
            written,
            s3_version_id,
            slack,
        })
    }
}
