//! PagerDuty Events API v2: `POST {base}/v2/enqueue`, the routing key in the body.
//! 202 = accepted, 400 = invalid (not retried), 429/5xx retried with backoff.

use super::{Page, PageRef, Pager, PagerError, Vendor};
use crate::http::{Http, clip};
use async_trait::async_trait;
use serde_json::{Value, json};

/// PagerDuty's limits.
const MAX_SUMMARY: usize = 1024;
const MAX_DEDUP_KEY: usize = 255;

/// One PagerDuty service (integration), identified by its routing key.
pub struct PagerDuty {
    http: Http,
    url: String,
    routing_key: String,
}

impl PagerDuty {
    pub fn new(http: Http, base: &str, routing_key: String) -> Self {
        Self {
            http,
            url: format!("{}/v2/enqueue", base.trim_end_matches('/')),
            routing_key,
        }
    }

    async fn enqueue(&self, what: &str, body: Value) -> Result<Value, PagerError> {
        let (_, answer) = self
            .http
            .send(what, |c| c.post(&self.url).json(&body))
            .await?;
        Ok(answer)
    }

    fn change(&self, action: &str, r: &PageRef) -> Value {
        json!({
            "routing_key": self.routing_key,
            "event_action": action,
            "dedup_key": r.key,
        })
    }
}

#[async_trait]
impl Pager for PagerDuty {
    async fn trigger(&self, page: &Page) -> Result<PageRef, PagerError> {
        let dedup_key = clip(&page.dedup_key, MAX_DEDUP_KEY);
        let mut payload = json!({
            "summary": clip(&page.summary, MAX_SUMMARY),
            "source": page.source,
            "severity": page.severity.as_str(),
            "timestamp": page.timestamp.to_rfc3339(),
            "custom_details": page.custom_details,
        });
        if let Some(component) = &page.component {
            payload["component"] = json!(component);
        }
        let mut body = json!({
            "routing_key": self.routing_key,
            "event_action": "trigger",
            "dedup_key": dedup_key,
            "payload": payload,
            "links": page.links,
            "client": "Flare",
        });
        if let Some(link) = page.links.first() {
            body["client_url"] = json!(link.href);
        }
        let answer = self.enqueue("PagerDuty trigger", body).await?;
        // PagerDuty echoes the key; keep ours if it doesn't.
        let key = answer["dedup_key"]
            .as_str()
            .filter(|k| !k.is_empty())
            .map_or(dedup_key, str::to_owned);
        Ok(PageRef {
            vendor: Vendor::Pagerduty,
            key,
        })
    }

    async fn acknowledge(&self, r: &PageRef) -> Result<(), PagerError> {
        self.enqueue("PagerDuty acknowledge", self.change("acknowledge", r))
            .await
            .map(drop)
    }

    async fn resolve(&self, r: &PageRef) -> Result<(), PagerError> {
        self.enqueue("PagerDuty resolve", self.change("resolve", r))
            .await
            .map(drop)
    }
}
