//! The one Slack call that is not a Web API method: POSTing the file's bytes to the
//! `upload_url` that `files.getUploadURLExternal` handed out.
//!
//! Plain HTTP on the same hyper + rustls stack slack-morphism uses (webpki roots,
//! ring): https only, except plain http on loopback for the simulator.

use super::api::SlackError;
use async_trait::async_trait;
use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

/// Sends file bytes to an upload URL.
#[async_trait]
pub trait Uploader: Send + Sync {
    async fn upload(&self, url: &str, content_type: &str, body: Vec<u8>) -> Result<(), SlackError>;
}

pub struct HttpUploader {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
}

impl Default for HttpUploader {
    fn default() -> Self {
        Self::new()
    }
}

impl HttpUploader {
    pub fn new() -> Self {
        super::api::install_crypto_provider();
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .build();
        Self {
            client: Client::builder(TokioExecutor::new()).build(https),
            timeout: Duration::from_secs(30),
        }
    }
}

/// `https://…`, or `http://` to loopback (the simulator).
fn allowed(url: &str) -> bool {
    url.starts_with("https://")
        || url.starts_with("http://127.0.0.1:")
        || url.starts_with("http://127.0.0.1/")
        || url.starts_with("http://localhost:")
        || url.starts_with("http://localhost/")
}

#[async_trait]
impl Uploader for HttpUploader {
    async fn upload(&self, url: &str, content_type: &str, body: Vec<u8>) -> Result<(), SlackError> {
        if !allowed(url) {
            return Err(SlackError::Api("upload_url_not_allowed".into()));
        }
        let request = http::Request::post(url)
            .header(http::header::CONTENT_TYPE, content_type)
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| SlackError::Api(format!("invalid upload request: {e}")))?;
        let response = tokio::time::timeout(self.timeout, self.client.request(request))
            .await
            .map_err(|_| SlackError::Unavailable("file upload: no answer in time".into()))?
            .map_err(|e| SlackError::Unavailable(format!("file upload: {e}")))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else if status.is_server_error() || status == http::StatusCode::TOO_MANY_REQUESTS {
            Err(SlackError::Unavailable(format!(
                "file upload: HTTP {status}"
            )))
        } else {
            // An upload URL that expired or was refused: asking for a new one may work,
            // so this is retried too (the whole upload starts over).
            Err(SlackError::Unavailable(format!(
                "file upload refused: HTTP {status}"
            )))
        }
    }
}

/// A file to share in a conversation, as `files.getUploadURLExternal`,
/// the upload, and `files.completeUploadExternal` take it.
pub struct SharedFile<'a> {
    /// `[a-z0-9.-]` only: it travels in the query string.
    pub filename: &'a str,
    pub content_type: &'a str,
    pub bytes: Vec<u8>,
    pub title: &'a str,
    pub channel: &'a str,
    /// A thread in `channel` to share it in.
    pub thread_ts: Option<&'a str>,
    pub comment: &'a str,
}

/// Uploads and shares a file; returns `(file id, completeUploadExternal's answer)`.
pub async fn share(
    api: &dyn super::api::SlackApi,
    uploader: &dyn Uploader,
    file: SharedFile<'_>,
) -> Result<(String, serde_json::Value), SlackError> {
    let SharedFile {
        filename,
        content_type,
        bytes,
        title,
        channel,
        thread_ts,
        comment,
    } = file;
    let length = bytes.len();
    // Slack reads this method's arguments from the query string or a form (not JSON);
    // the simulator takes either.
    let answer = api
        .call(
            &format!("files.getUploadURLExternal?filename={filename}&length={length}"),
            serde_json::json!({ "filename": filename, "length": length }),
        )
        .await?;
    let (Some(url), Some(file_id)) = (answer["upload_url"].as_str(), answer["file_id"].as_str())
    else {
        return Err(SlackError::Api(
            "files.getUploadURLExternal: no upload_url".into(),
        ));
    };
    uploader.upload(url, content_type, bytes).await?;
    let mut params = serde_json::json!({
        "files": [{ "id": file_id, "title": title }],
        "channel_id": channel,
        "initial_comment": comment,
    });
    if let Some(ts) = thread_ts {
        params["thread_ts"] = ts.into();
    }
    let completed = api.call("files.completeUploadExternal", params).await?;
    Ok((file_id.to_owned(), completed))
}

#[cfg(test)]
mod tests {
    use super::allowed;

    #[test]
    fn only_https_or_loopback() {
        assert!(allowed("https://files.slack.com/upload/v1/abc"));
        assert!(allowed("http://127.0.0.1:4000/sim/upload/F1"));
        assert!(!allowed("http://files.slack.com/upload"));
        assert!(!allowed("http://127.0.0.1.evil.com/x"));
        assert!(!allowed("file:///etc/passwd"));
    }
}
