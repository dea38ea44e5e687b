//! Files on their way from a mailed report to its incident channel: the e-mail function
//! puts them beside the raw mail (`attachments/…` in the inbound bucket, expired with
//! it), the worker reads them back to share them.

use async_trait::async_trait;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata};

#[async_trait]
pub trait FileStore: Send + Sync {
    async fn put(
        &self,
        bucket: &str,
        key: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<(), String>;
    async fn get(&self, bucket: &str, key: &str) -> Result<Vec<u8>, String>;
}

pub struct S3Files {
    client: aws_sdk_s3::Client,
}

impl S3Files {
    /// `path_style` for moto (local mode and tests), where `bucket.127.0.0.1` does not
    /// resolve.
    pub fn new(sdk: &aws_config::SdkConfig, path_style: bool) -> Self {
        let config = aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(path_style)
            .build();
        Self {
            client: aws_sdk_s3::Client::from_conf(config),
        }
    }
}

/// S3's own words (`AccessDenied: …`) when it gave them.
pub fn words<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    e: aws_sdk_s3::error::SdkError<E, R>,
) -> String {
    match e.code() {
        Some(code) => format!("{code}: {}", e.message().unwrap_or_default()),
        None => DisplayErrorContext(e).to_string(),
    }
}

#[async_trait]
impl FileStore for S3Files {
    async fn put(
        &self,
        bucket: &str,
        key: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<(), String> {
        self.client
            .put_object()
            .bucket(bucket)
            .key(key)
            .content_type(content_type)
            .body(bytes.into())
            .send()
            .await
            .map_err(words)?;
        Ok(())
    }

    async fn get(&self, bucket: &str, key: &str) -> Result<Vec<u8>, String> {
        let out = self
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(words)?;
        let body = out.body.collect().await.map_err(|e| e.to_string())?;
        Ok(body.into_bytes().to_vec())
    }
}
