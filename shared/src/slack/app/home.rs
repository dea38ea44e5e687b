//! What a person can see: `/incident list` and the App Home tab show open incidents,
//! private ones only to their people (reporter, role holders, channel members).

use super::{Reject, SlackApp};
use crate::domain::{Incident, Role, UserId, human_duration};
use crate::slack::api::SlackDirectory;
use crate::slack::mrkdwn::escape;
use crate::worker::Directory;
use serde_json::{Value, json};

/// Open incidents are few; this bounds the work on Slack's 3-second path.
const MAX_OPEN: usize = 100;

impl SlackApp {
    /// Open incidents `user` may see, most severe and newest first, with their channel.
    pub(super) async fn visible_open(
        &self,
        user: &UserId,
    ) -> Result<Vec<(Incident, Option<String>)>, Reject> {
        self.visible_open_where(user, |_| true).await
    }

    /// The same, for the incidents `wanted` keeps (tested before any further lookup).
    pub(super) async fn visible_open_where(
        &self,
        user: &UserId,
        wanted: impl Fn(&Incident) -> bool,
    ) -> Result<Vec<(Incident, Option<String>)>, Reject> {
        let unavailable = |e: crate::store::StoreError| Reject::Unavailable(e.to_string());
        let open = self.store.open().await.map_err(unavailable)?;
        let ids: Vec<_> = open.into_iter().take(MAX_OPEN).map(|o| o.id).collect();
        let mut incidents = self.stats.load_many(&ids).await.map_err(unavailable)?;
        incidents.retain(|i| !i.status.is_terminal() && wanted(i));
        incidents.sort_by(|a, b| {
            self.config
                .severities
                .rank(&a.severity)
                .cmp(&self.config.severities.rank(&b.severity))
                .then(b.declared_at.cmp(&a.declared_at))
        });
        let mut out = Vec::with_capacity(incidents.len());
        for inc in incidents {
            let channel = self
                .store
                .refs(&inc.id)
                .await
                .map_err(unavailable)?
                .get("channel")
                .cloned();
            if self.can_see(&inc, user, channel.as_deref()).await? {
                out.push((inc, channel));
            }
        }
        Ok(out)
    }

    /// [`Self::can_see`], looking the channel up only for a private incident that
    /// doesn't involve `user` (exports that don't show channels).
    pub(super) async fn sees(&self, inc: &Incident, user: &UserId) -> Result<bool, Reject> {
        if !inc.private || inc.involves(user) {
            return Ok(true);
        }
        let channel = self
            .store
            .refs(&inc.id)
            .await
            .map_err(|e| Reject::Unavailable(e.to_string()))?
            .get("channel")
            .cloned();
        self.can_see(inc, user, channel.as_deref()).await
    }

    /// Public incidents: everyone. Private ones: their reporter, role holders and the
    /// members of their (private) channel.
    pub(super) async fn can_see(
        &self,
        inc: &Incident,
        user: &UserId,
        channel: Option<&str>,
    ) -> Result<bool, Reject> {
        if !inc.private || inc.involves(user) {
            return Ok(true);
        }
        let Some(channel) = channel else {
            return Ok(false);
        };
        // The same membership answer the worker's permission rules get.
        let directory = SlackDirectory {
            api: self.api.clone(),
        };
        directory
            .in_channel(channel, user)
            .await
            .map_err(Reject::Unavailable)
    }

    /// `app_home_opened`: the Home tab, rebuilt for this person.
    pub(super) async fn publish_home(&self, user: &UserId) -> Result<(), Reject> {
        let visible = self.visible_open(user).await?;
        let view = home_view(&visible, user, self.clock.now());
        self.api
            .call(
                "views.publish",
                json!({ "user_id": user.as_str(), "view": view }),
            )
            .await
            .map(|_| ())
            .map_err(|e| Reject::Unavailable(format!("views.publish: {e}")))
    }
}

/// Slack allows 100 blocks in a Home view.
const MAX_LISTED: usize = 40;

fn home_view(
    visible: &[(Incident, Option<String>)],
    user: &UserId,
    now: chrono::DateTime<chrono::Utc>,
) -> Value {
    let mut blocks = vec![
        json!({ "type": "header", "text": { "type": "plain_text", "text": "Open incidents" } }),
        json!({ "type": "actions", "block_id": "home", "elements": [{ "type": "button", "action_id": super::interactions::DECLARE_ACTION,
            "style": "danger", "text": { "type": "plain_text", "text": "Declare incident" } }] }),
    ];
    let mine: Vec<String> = visible
        .iter()
        .filter_map(|(inc, channel)| {
            let roles: Vec<&str> = Role::ALL
                .iter()
                .filter(|r| inc.roles.holds(**r, user))
                .map(|r| r.as_str())
                .collect();
            (!roles.is_empty()).then(|| {
                format!(
                    "• {} in {}",
                    roles.join(", "),
                    place(inc, channel.as_deref())
                )
            })
        })
        .collect();
    if !mine.is_empty() {
        blocks.push(json!({ "type": "section", "text": { "type": "mrkdwn", "text": format!("*Your roles*\n{}", mine.join("\n")) } }));
    }
    if visible.is_empty() {
        blocks.push(json!({ "type": "section", "text": { "type": "mrkdwn", "text": ":sunny: No open incidents. `/incident` declares one." } }));
    }
    for (inc, channel) in visible.iter().take(MAX_LISTED) {
        let coordinator = inc
            .roles
            .holder(Role::Coordinator)
            .map_or_else(|| "no coordinator yet".to_owned(), |c| format!("<@{c}>"));
        let age = human_duration(now - inc.declared_at);
        let text = format!(
            "{} *{}*{}\n{} · {} · open {age} · {coordinator} · {}",
            inc.status.emoji(),
            escape(&inc.title),
            if inc.private { " :lock:" } else { "" },
            inc.severity,
            inc.status,
            place(inc, channel.as_deref())
        );
        blocks.push(json!({ "type": "section", "text": { "type": "mrkdwn", "text": text } }));
    }
    if visible.len() > MAX_LISTED {
        blocks.push(json!({ "type": "context", "elements": [{ "type": "mrkdwn", "text": format!("…and {} more: `/incident list`", visible.len() - MAX_LISTED) }] }));
    }
    blocks.push(json!({ "type": "context", "elements": [{ "type": "mrkdwn", "text": format!("As of <!date^{}^{{time}}|now>. `/incident help` lists the commands.", now.timestamp()) }] }));
    json!({ "type": "home", "blocks": blocks })
}

fn place(inc: &Incident, channel: Option<&str>) -> String {
    channel.map_or_else(|| format!("`{}`", inc.id), |c| format!("<#{c}>"))
}
