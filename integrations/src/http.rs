//! The HTTP client every adapter shares: rustls with the ring provider (the
//! workspace's choice, see the stack notes), bounded timeouts, and a retry loop that
//! retries only what the vendors say is worth retrying (429, 420, 5xx, network).

use crate::IntegrationError;
use reqwest::{RequestBuilder, StatusCode};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// How often and how patiently a request is retried within one effect run. Keep it
/// short: the worker redelivers the command for longer outages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retry {
    /// Attempts in total (1 = no retry).
    pub attempts: u32,
    /// First wait; doubled each time, and `Retry-After` (capped at `max_delay`) wins.
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            attempts: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(2),
        }
    }
}

impl Retry {
    /// For tests: three tries, a few milliseconds apart.
    pub fn fast() -> Self {
        Self {
            attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
        }
    }
}

/// A reqwest client plus its retry policy. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Http {
    pub client: reqwest::Client,
    pub retry: Retry,
}

impl Http {
    /// rustls with ring and the webpki roots; plain `http://` works too (the fakes).
    pub fn new(retry: Retry) -> Result<Self, IntegrationError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| IntegrationError::Permanent(format!("TLS setup: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .user_agent("Flare (incident management)")
            .build()
            .map_err(|e| IntegrationError::Permanent(format!("HTTP client: {e}")))?;
        Ok(Self { client, retry })
    }

    /// Sends the request `build` makes (once per attempt) and returns the status and
    /// JSON body (`Value::Null` when empty or not JSON) of a 2xx answer. 4xx other than
    /// 420/429 is [`IntegrationError::Permanent`]; running out of attempts is transient.
    pub async fn send(
        &self,
        what: &str,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<(StatusCode, Value), IntegrationError> {
        let mut last = String::new();
        let attempts = self.retry.attempts.max(1);
        for attempt in 0..attempts {
            let mut wait = self
                .retry
                .base_delay
                .saturating_mul(2u32.saturating_pow(attempt))
                .min(self.retry.max_delay);
            match build(&self.client).send().await {
                Ok(resp) => {
                    let status = resp.status();
                    if let Some(after) = retry_after(&resp) {
                        wait = after.min(self.retry.max_delay);
                    }
                    let text = resp.text().await.unwrap_or_default();
                    if status.is_success() {
                        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
                        return Ok((status, body));
                    }
                    let retryable = status == StatusCode::TOO_MANY_REQUESTS
                        || status.as_u16() == 420
                        || status.is_server_error();
                    let detail = format!("{what}: HTTP {status}: {}", clip(&text, 300));
                    if !retryable {
                        return Err(IntegrationError::Permanent(detail));
                    }
                    last = detail;
                }
                Err(e) => last = format!("{what}: {e}"),
            }
            tracing::info!(what, attempt, error = %last, "retrying");
            if attempt + 1 < attempts {
                tokio::time::sleep(wait).await;
            }
        }
        Err(IntegrationError::Transient(last))
    }
}

fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    let secs: u64 = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs))
}

/// At most `max` characters, cut on a character boundary.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}
