//! People's names from their Slack profiles (`users.info`), for what is read outside
//! Slack. Cached an hour per container: a postmortem regenerated ten times, or a CSV of
//! a hundred incidents, asks Slack once per person.

use crate::slack::api::SlackApi;
use async_trait::async_trait;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

const KEEP: Duration = Duration::from_secs(3600);
/// A document is worth more than a name: a lookup gets this long.
const WAIT: Duration = Duration::from_secs(3);

pub struct SlackNames {
    api: Arc<dyn SlackApi>,
}

impl SlackNames {
    pub fn new(api: Arc<dyn SlackApi>) -> Self {
        Self { api }
    }
}

type Cache = Mutex<HashMap<String, (String, Instant)>>;

fn cache() -> &'static Cache {
    static NAMES: OnceLock<Cache> = OnceLock::new();
    NAMES.get_or_init(Default::default)
}

#[async_trait]
impl crate::directory::Names for SlackNames {
    async fn names(&self, ids: &[String]) -> HashMap<String, String> {
        let mut out = HashMap::new();
        for id in ids {
            if out.contains_key(id) {
                continue;
            }
            if let Ok(cache) = cache().lock()
                && let Some((name, since)) = cache.get(id)
                && since.elapsed() < KEEP
            {
                out.insert(id.clone(), name.clone());
                continue;
            }
            let answer =
                tokio::time::timeout(WAIT, self.api.call("users.info", json!({ "user": id })))
                    .await;
            match answer {
                Ok(Ok(v)) => {
                    if let Some(name) = full_name(&v["user"]) {
                        if let Ok(mut cache) = cache().lock() {
                            cache.insert(id.clone(), (name.clone(), Instant::now()));
                        }
                        out.insert(id.clone(), name);
                    }
                }
                Ok(Err(e)) => tracing::info!(user = %id, error = %e, "no name for a person"),
                Err(_) => tracing::info!(user = %id, "no name for a person in time"),
            }
        }
        out
    }
}

/// The name a document shows: the full name people put in their profile, else the name
/// they go by in Slack.
pub fn full_name(user: &Value) -> Option<String> {
    let profile = &user["profile"];
    first_set([
        &profile["real_name"],
        &user["real_name"],
        &profile["display_name"],
        &user["name"],
    ])
}

/// The name a Slack message shows: what people go by in Slack, else the full name.
pub fn display_name(user: &Value) -> Option<String> {
    let profile = &user["profile"];
    first_set([
        &profile["display_name"],
        &profile["real_name"],
        &user["name"],
    ])
}

/// The first of `names` that is a non-blank string, trimmed.
fn first_set<'a>(names: impl IntoIterator<Item = &'a Value>) -> Option<String> {
    names
        .into_iter()
        .filter_map(Value::as_str)
        .map(str::trim)
        .find(|n| !n.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_use_the_full_name_and_messages_the_display_name() {
        let v =
            json!({"name": "bob", "profile": {"real_name": "Bob Baker", "display_name": "bobby"}});
        assert_eq!(full_name(&v).as_deref(), Some("Bob Baker"));
        assert_eq!(display_name(&v).as_deref(), Some("bobby"));
        let bare = json!({"name": "carol", "profile": {"real_name": " ", "display_name": ""}});
        assert_eq!(full_name(&bare).as_deref(), Some("carol"));
        assert_eq!(display_name(&bare).as_deref(), Some("carol"));
        assert_eq!(full_name(&json!({})), None);
    }
}
