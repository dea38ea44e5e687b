//! The Events API: URL verification, and reactions and pins that capture messages.
//! Everything else is acknowledged and ignored.

use super::interactions::ts_time;
use super::{Reject, Response, SlackApp, bad};
use crate::domain::{CaptureKind, CapturedMessage, Command, MAX_TEXT, UserId, clip};
use serde_json::{Value, json};

fn kind_of(reaction: &str) -> Option<CaptureKind> {
    match reaction {
        "receipt" => Some(CaptureKind::Papertrail),
        "pushpin" | "round_pushpin" => Some(CaptureKind::Discussion),
        _ => None,
    }
}

impl SlackApp {
    pub(super) async fn event(&self, req: &super::Request) -> Result<Response, Reject> {
        // Our own parse with a fallback: slack-morphism has no catch-all for events it
        // doesn't model (pin_added among them).
        let body: Value =
            serde_json::from_slice(&req.body).map_err(|e| bad(format!("not JSON: {e}")))?;
        match body.get("type").and_then(Value::as_str) {
            Some("url_verification") => {
                let challenge = body
                    .get("challenge")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad("no challenge"))?;
                Ok(Response::json(&json!({ "challenge": challenge })))
            }
            Some("event_callback") => {
                let event_id = body
                    .get("event_id")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad("no event_id"))?;
                let event = body.get("event").ok_or_else(|| bad("no event"))?;
                // Slack tells the app of its own bot's pins and reactions too.
                if from_own_bot(&body, event) {
                    return Ok(Response::empty());
                }
                self.inner_event(event_id, event).await?;
                Ok(Response::empty())
            }
            _ => Ok(Response::empty()),
        }
    }

    async fn inner_event(&self, event_id: &str, e: &Value) -> Result<(), Reject> {
        let s = |k: &str| e.get(k).and_then(Value::as_str);
        let user = s("user").and_then(UserId::parse);
        let (command, channel) = match s("type").unwrap_or_default() {
            "app_home_opened" => {
                // Published by the worker: the ack stays small however many are open.
                if s("tab") == Some("home")
                    && let Some(user) = &user
                {
                    let command = Command::PublishHome { user: user.clone() };
                    let env = self.envelope(format!("home#{event_id}"), None, command, user, None);
                    self.enqueue(env).await?;
                }
                return Ok(());
            }
            t @ ("reaction_added" | "reaction_removed") => {
                let Some(kind) = s("reaction").and_then(kind_of) else {
                    return Ok(());
                };
                let item = e.get("item").cloned().unwrap_or(Value::Null);
                let (Some(channel), Some(ts)) = (item["channel"].as_str(), item["ts"].as_str())
                else {
                    return Ok(());
                };
                if self.incident_for_channel(channel).await?.is_none() {
                    return Ok(());
                }
                // Slack's retry of an event already applied: no Slack calls for it.
                if self
                    .store
                    .outcome(&format!("event#{event_id}"))
                    .await
                    .map_err(|e| Reject::Unavailable(e.to_string()))?
                    .is_some()
                {
                    return Ok(());
                }
                let command = if t == "reaction_added" {
                    let message = self.fetch_message(channel, ts).await?;
                    Command::Capture { kind, message }
                } else if self.still_marked(channel, ts, kind).await? {
                    // Someone else's 🧾 (or a pin) still marks the message.
                    return Ok(());
                } else {
                    Command::Uncapture {
                        kind,
                        channel: channel.to_owned(),
                        ts: ts.to_owned(),
                    }
                };
                (command, channel.to_owned())
            }
            t @ ("pin_added" | "pin_removed") => {
                let item = e.get("item").cloned().unwrap_or(Value::Null);
                let channel = s("channel_id")
                    .or_else(|| item["channel"].as_str())
                    .unwrap_or_default()
                    .to_owned();
                let m = &item["message"];
                let Some(ts) = m["ts"].as_str() else {
                    return Ok(());
                };
                let command = if t == "pin_added" {
                    // Flare pins its own card; that is not a discussion item (other
                    // bots' alerts are).
                    if let Some(incident) = self.incident_for_channel(&channel).await? {
                        let refs = self
                            .store
                            .refs(&incident)
                            .await
                            .map_err(|e| Reject::Unavailable(e.to_string()))?;
                        if refs.get("card_ts").map(String::as_str) == Some(ts) {
                            return Ok(());
                        }
                    }
                    Command::Capture {
                        kind: CaptureKind::Discussion,
                        message: captured(&channel, ts, m, m["permalink"].as_str()),
                    }
                } else if self
                    .still_marked(&channel, ts, CaptureKind::Discussion)
                    .await?
                {
                    return Ok(());
                } else {
                    Command::Uncapture {
                        kind: CaptureKind::Discussion,
                        channel: channel.clone(),
                        ts: ts.to_owned(),
                    }
                };
                (command, channel)
            }
            _ => return Ok(()),
        };
        let Some(incident) = self.incident_for_channel(&channel).await? else {
            return Ok(());
        };
        let Some(user) = user else { return Ok(()) };
        // Slack's retries carry the same event id: one command, however many arrive.
        let env = self.envelope(
            format!("event#{event_id}"),
            Some(incident),
            command,
            &user,
            None,
        );
        self.enqueue(env).await
    }

    /// Whether the message is still marked for `kind` by someone: a reaction of that
    /// kind, or (for the discussion) a pin. Removing one of several marks withdraws nothing.
    async fn still_marked(
        &self,
        channel: &str,
        ts: &str,
        kind: CaptureKind,
    ) -> Result<bool, Reject> {
        let got = self
            .api
            .call(
                "reactions.get",
                json!({ "channel": channel, "timestamp": ts, "full": true }),
            )
            .await;
        let message = match got {
            Ok(v) => v["message"].clone(),
            // The message is gone: nothing marks it any more.
            Err(crate::slack::api::SlackError::Api(_)) => return Ok(false),
            Err(e) => return Err(Reject::Unavailable(e.to_string())),
        };
        let reacted = message["reactions"].as_array().is_some_and(|rs| {
            rs.iter().any(|r| {
                r["name"].as_str().and_then(kind_of) == Some(kind)
                    && r["count"].as_u64().unwrap_or(1) > 0
            })
        });
        let pinned = message["pinned_to"]
            .as_array()
            .is_some_and(|p| !p.is_empty());
        Ok(reacted || (kind == CaptureKind::Discussion && pinned))
    }

    /// The reacted-to message (reaction events carry only its channel and ts).
    async fn fetch_message(&self, channel: &str, ts: &str) -> Result<CapturedMessage, Reject> {
        let unavailable = |e: crate::slack::api::SlackError| Reject::Unavailable(e.to_string());
        let history = self
            .api
            .call("conversations.history", json!({ "channel": channel, "latest": ts, "oldest": ts, "inclusive": true, "limit": 1 }))
            .await
            .map_err(unavailable)?;
        let mut message = history["messages"]
            .as_array()
            .and_then(|m| m.first())
            .cloned();
        if message.is_none() {
            // A reply in a thread is not in the channel history; the thread lists its
            // parent first, so page until the reply turns up (a few pages at most).
            let mut cursor = String::new();
            for _ in 0..5 {
                let replies = self
                    .api
                    .call(
                        "conversations.replies",
                        json!({ "channel": channel, "ts": ts, "limit": 200, "cursor": cursor }),
                    )
                    .await
                    .map_err(unavailable)?;
                message = replies["messages"]
                    .as_array()
                    .and_then(|m| m.iter().find(|x| x["ts"] == ts))
                    .cloned();
                cursor = crate::slack::api::next_cursor(&replies);
                if message.is_some() || cursor.is_empty() {
                    break;
                }
            }
        }
        let message = message.unwrap_or_else(|| json!({ "ts": ts, "text": "(message not found)" }));
        let link = self
            .api
            .call(
                "chat.getPermalink",
                json!({ "channel": channel, "message_ts": ts }),
            )
            .await
            .ok();
        let permalink = link.as_ref().and_then(|l| l["permalink"].as_str());
        Ok(captured(channel, ts, &message, permalink))
    }
}

/// Whether the event is the app's own doing: its bot user (named in the envelope's
/// `authorizations`) reacted or pinned.
fn from_own_bot(body: &Value, event: &Value) -> bool {
    let actor = event["user"].as_str().or_else(|| {
        event["item"]["created_by"]
            .as_str()
            .or_else(|| event["pinned_info"]["pinned_by"].as_str())
    });
    let Some(actor) = actor else {
        return false;
    };
    body["authorizations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["is_bot"] == true)
        .any(|a| a["user_id"].as_str() == Some(actor))
}

fn captured(channel: &str, ts: &str, m: &Value, permalink: Option<&str>) -> CapturedMessage {
    CapturedMessage {
        channel: channel.to_owned(),
        ts: ts.to_owned(),
        author: m["user"].as_str().and_then(UserId::parse),
        text: clip(&super::message_text::message_text(m), MAX_TEXT),
        permalink: permalink.map(str::to_owned),
        posted_at: ts_time(ts).unwrap_or_default(),
    }
}
