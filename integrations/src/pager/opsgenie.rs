//! Opsgenie Alert API (legacy: support ends 5 April 2027): `POST {base}/v2/alerts`
//! with `Authorization: GenieKey <key>`; acknowledge and close by alias. Creation is
//! asynchronous (202 + `requestId`); the alias makes a retry a no-op.

use super::{Page, PageRef, Pager, PagerError, Vendor};
use crate::http::{Http, clip};
use async_trait::async_trait;
use serde_json::{Value, json};

const MAX_MESSAGE: usize = 130;
const MAX_ALIAS: usize = 512;
const MAX_DESCRIPTION: usize = 15_000;

/// One Opsgenie account (API key) paging one responder team.
pub struct Opsgenie {
    http: Http,
    base: String,
    api_key: String,
    responder: String,
}

impl Opsgenie {
    pub fn new(http: Http, base: &str, api_key: String, responder: String) -> Self {
        Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            api_key,
            responder,
        }
    }

    async fn post(&self, what: &str, url: String, body: Value) -> Result<Value, PagerError> {
        let auth = format!("GenieKey {}", self.api_key);
        let (_, answer) = self
            .http
            .send(what, |c| {
                c.post(&url)
                    .header(reqwest::header::AUTHORIZATION, &auth)
                    .json(&body)
            })
            .await?;
        Ok(answer)
    }

    fn alias_url(&self, r: &PageRef, action: &str) -> String {
        format!(
            "{}/v2/alerts/{}/{action}?identifierType=alias",
            self.base,
            encode_segment(&r.key)
        )
    }
}

#[async_trait]
impl Pager for Opsgenie {
    async fn trigger(&self, page: &Page) -> Result<PageRef, PagerError> {
        let alias = clip(&page.dedup_key, MAX_ALIAS);
        let mut description = page.description.clone();
        for link in &page.links {
            description.push_str(&format!("\n{}: {}", link.text, link.href));
        }
        let mut body = json!({
            "message": clip(&page.summary, MAX_MESSAGE),
            "alias": alias,
            "description": clip(description.trim(), MAX_DESCRIPTION),
            "priority": page.severity.priority(),
            "responders": [{ "name": self.responder, "type": "team" }],
            "tags": page.tags,
            "details": page.custom_details,
            "source": "Flare",
        });
        if let Some(component) = &page.component {
            body["entity"] = json!(component);
        }
        let url = format!("{}/v2/alerts", self.base);
        self.post("Opsgenie create alert", url, body).await?;
        Ok(PageRef {
            vendor: Vendor::Opsgenie,
            key: alias,
        })
    }

    async fn acknowledge(&self, r: &PageRef) -> Result<(), PagerError> {
        let body = json!({ "source": "Flare", "user": "Flare", "note": "Acknowledged in Slack" });
        self.post(
            "Opsgenie acknowledge",
            self.alias_url(r, "acknowledge"),
            body,
        )
        .await
        .map(drop)
    }

    async fn resolve(&self, r: &PageRef) -> Result<(), PagerError> {
        let body = json!({ "source": "Flare", "user": "Flare", "note": "Incident resolved" });
        self.post("Opsgenie close", self.alias_url(r, "close"), body)
            .await
            .map(drop)
    }
}

/// Percent-encodes everything but unreserved characters (aliases are ours, but be safe).
pub(crate) fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
