//! Where postmortem documents are kept: a port, and its S3 adapter.
//!
//! One object per incident, `postmortems/<incident id>.md`, in a versioned bucket, so
//! every regeneration that changes the text is a new object version and older drafts
//! stay retrievable. The SHA-256 of the text rides along as object metadata
//! (`flare-sha256`): when the stored object already has the same hash, nothing is
//! written, so regenerating an unchanged incident leaves the bucket as it was.

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::primitives::ByteStream;
use flare::domain::IncidentId;
use sha2::{Digest, Sha256};

pub const CONTENT_TYPE: &str = "text/markdown; charset=utf-8";
/// Object metadata holding the hex SHA-256 of the body.
pub const HASH_METADATA: &str = "flare-sha256";

/// The object key of an incident's postmortem.
pub fn key(id: &IncidentId) -> String {
    format!("postmortems/{id}.md")
}

/// Hex SHA-256 of the document.
pub fn sha256(markdown: &str) -> String {
    hex::encode(Sha256::digest(markdown.as_bytes()))
}

/// What a store did with a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stored {
    /// A new object (version) was written.
    Written { version_id: Option<String> },
    /// The stored object already had this content: nothing was written.
    Unchanged,
}

/// Storage that failed; worth trying again (S3 errors are throttling, outages or
/// permissions that a deploy fixes).
#[derive(Debug, thiserror::Error)]
#[error("postmortem storage: {0}")]
pub struct StorageError(pub String);

#[async_trait]
pub trait PostmortemStore: Send + Sync {
    /// Stores the document, unless the stored one is byte-identical.
    async fn put(&self, id: &IncidentId, markdown: &str) -> Result<Stored, StorageError>;
    /// A link to the stored document (for the channel bookmark), stable across versions.
    fn link(&self, id: &IncidentId) -> String;
}

/// S3: `FLARE_POSTMORTEM_BUCKET`, a versioned bucket.
#[derive(Clone, Debug)]
pub struct S3PostmortemStore {
    client: Client,
    bucket: String,
    region: String,
    /// moto (tests, local mode): path-style URLs under this endpoint.
    endpoint: Option<String>,
}

impl S3PostmortemStore {
    pub fn new(client: Client, bucket: impl Into<String>, region: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
            region: region.into(),
            endpoint: None,
        }
    }

    /// From the SDK configuration. With `endpoint` (moto, `FLARE_AWS_ENDPOINT`) the
    /// client uses path-style addressing: `http://127.0.0.1:PORT/<bucket>/<key>`.
    pub fn from_sdk(
        sdk: &aws_config::SdkConfig,
        bucket: impl Into<String>,
        endpoint: Option<&str>,
    ) -> Self {
        let conf = aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(endpoint.is_some())
            .build();
        let region = sdk
            .region()
            .map_or_else(|| "us-east-1".to_owned(), |r| r.to_string());
        Self {
            client: Client::from_conf(conf),
            bucket: bucket.into(),
            region,
            endpoint: endpoint.map(|e| e.trim_end_matches('/').to_owned()),
        }
    }

    /// The hash stored with the current object, if there is one.
    async fn stored_hash(&self, key: &str) -> Result<Option<String>, StorageError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(head) => Ok(head.metadata().and_then(|m| m.get(HASH_METADATA)).cloned()),
            Err(e) if e.as_service_error().is_some_and(|se| se.is_not_found()) => Ok(None),
            // Without s3:ListBucket (the role grants only GetObject and PutObject under
            // postmortems/), S3 answers a missing key with 403 rather than 404. The role
            // may read every key here, so a 403 means the document isn't there yet; if
            // the grant itself were missing, the PutObject that follows fails loudly.
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 403) => Ok(None),
            Err(e) => Err(StorageError(format!(
                "reading s3://{}/{key}: {}",
                self.bucket,
                DisplayErrorContext(e)
            ))),
        }
    }
}

#[async_trait]
impl PostmortemStore for S3PostmortemStore {
    async fn put(&self, id: &IncidentId, markdown: &str) -> Result<Stored, StorageError> {
        let key = key(id);
        let hash = sha256(markdown);
        if self.stored_hash(&key).await?.as_deref() == Some(hash.as_str()) {
            return Ok(Stored::Unchanged);
        }
        let out = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .content_type(CONTENT_TYPE)
            .metadata(HASH_METADATA, &hash)
            .body(ByteStream::from(markdown.as_bytes().to_vec()))
            .send()
            .await
            .map_err(|e| {
                StorageError(format!(
                    "writing s3://{}/{key}: {}",
                    self.bucket,
                    DisplayErrorContext(e)
                ))
            })?;
        Ok(Stored::Written {
            version_id: out.version_id,
        })
    }

    fn link(&self, id: &IncidentId) -> String {
        let key = key(id);
        match &self.endpoint {
            Some(base) => format!("{base}/{}/{key}", self.bucket),
            None => format!(
                "https://s3.console.aws.amazon.com/s3/object/{}?region={}&prefix={key}",
                self.bucket, self.region
            ),
        }
    }
}
