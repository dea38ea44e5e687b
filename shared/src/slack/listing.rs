//! The open incidents a person may see, a page at a time, from the listing cards
//! (`store::listing`): `/incident list`, the App Home and the duplicate check. The work
//! is bounded by the page, not by how many incidents are open: one query for the cards,
//! one batch read of their channels, one count, and a membership lookup only for a
//! private incident that doesn't involve the person.

use crate::directory::Directory;
use crate::domain::{Role, UserId, human_duration};
use crate::slack::mrkdwn::escape;
use crate::store::listing::{CardQuery, Cursor, OpenCard, OpenListing};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// An open incident as listed, with its channel if it has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shown {
    pub card: OpenCard,
    pub channel: Option<String>,
}

/// One page, and how many more the person can be told about.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Page {
    pub shown: Vec<Shown>,
    /// Open incidents after this page that anyone may see, or that involve the person
    /// (private ones seen only through channel membership are not counted, so nothing
    /// is said of incidents they can't see).
    pub more: usize,
}

pub struct Listing<'a> {
    pub store: &'a dyn OpenListing,
    pub directory: &'a dyn Directory,
}

impl Listing<'_> {
    /// Page `number` (from 0) of `size` incidents `user` may see, most severe and
    /// newest first. With `services` or `since`, only those (and no count of more).
    pub async fn page(
        &self,
        user: &UserId,
        number: usize,
        size: usize,
        services: &[String],
        since: Option<DateTime<Utc>>,
    ) -> Result<Page, String> {
        let query = CardQuery { services, since };
        let skip = number.saturating_mul(size);
        let mut cursor = Cursor::default();
        let mut visible = 0usize;
        let mut countable = 0usize;
        let mut shown = Vec::new();
        'read: loop {
            // A few more than needed, so private cards the person can't see rarely cost
            // a second read.
            let want = ((skip + size).saturating_sub(visible) + 8).clamp(1, 100);
            let chunk = self
                .store
                .cards(&query, &cursor, want)
                .await
                .map_err(|e| e.to_string())?;
            let ids: Vec<_> = chunk.cards.iter().map(|c| c.id.clone()).collect();
            let mut channels = self.store.channels(&ids).await.map_err(|e| e.to_string())?;
            for card in chunk.cards {
                let channel = channels.remove(&card.id);
                let involved = card.involves(user);
                let counted = !card.private || involved;
                let sees = may_see(
                    self.directory,
                    card.private,
                    involved,
                    channel.as_deref(),
                    user,
                )
                .await?;
                countable += usize::from(counted);
                if !sees {
                    continue;
                }
                if visible >= skip {
                    shown.push(Shown { card, channel });
                }
                visible += 1;
                if shown.len() == size {
                    break 'read;
                }
            }
            match chunk.next {
                Some(next) => cursor = next,
                None => break,
            }
        }
        let more = if services.is_empty() && since.is_none() {
            self.store
                .count(user)
                .await
                .map_err(|e| e.to_string())?
                .saturating_sub(countable)
        } else {
            0
        };
        Ok(Page { shown, more })
    }
}

/// Whether `user` may see an incident: a public one, anyone; a private one, the people
/// it `involved` (reporter, role holders) and the members of its channel.
pub async fn may_see(
    directory: &dyn Directory,
    private: bool,
    involved: bool,
    channel: Option<&str>,
    user: &UserId,
) -> Result<bool, String> {
    if !private || involved {
        return Ok(true);
    }
    match channel {
        Some(c) => directory.in_channel(c, user).await,
        None => Ok(false),
    }
}

/// `<#C…>`, or the incident's id where it has no channel (Slack failed at declaration).
pub fn place(s: &Shown) -> String {
    s.channel
        .as_ref()
        .map_or_else(|| format!("`{}`", s.card.id), |c| format!("<#{c}>"))
}

/// Slack allows 100 blocks in a Home view: the Home tab shows this many.
pub const HOME_PAGE: usize = 40;

/// The Home tab of `user`.
pub fn home_view(page: &Page, user: &UserId, now: DateTime<Utc>) -> Value {
    let mut blocks = vec![
        json!({ "type": "header", "text": { "type": "plain_text", "text": "Open incidents" } }),
        json!({ "type": "actions", "block_id": "home", "elements": [{ "type": "button", "action_id": crate::slack::app::DECLARE_ACTION,
            "style": "danger", "text": { "type": "plain_text", "text": "Declare incident" } }] }),
    ];
    let mine: Vec<String> = page
        .shown
        .iter()
        .filter_map(|s| {
            let roles: Vec<&str> = Role::ALL
                .iter()
                .filter(|r| s.card.roles.holds(**r, user))
                .map(|r| r.as_str())
                .collect();
            (!roles.is_empty()).then(|| format!("• {} in {}", roles.join(", "), place(s)))
        })
        .collect();
    if !mine.is_empty() {
        blocks.push(json!({ "type": "section", "text": { "type": "mrkdwn", "text": format!("*Your roles*\n{}", mine.join("\n")) } }));
    }
    if page.shown.is_empty() {
        blocks.push(json!({ "type": "section", "text": { "type": "mrkdwn", "text": ":sunny: No open incidents. `/incident` declares one." } }));
    }
    for s in &page.shown {
        let inc = &s.card;
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
            place(s)
        );
        blocks.push(json!({ "type": "section", "text": { "type": "mrkdwn", "text": text } }));
    }
    if page.more > 0 {
        blocks.push(json!({ "type": "context", "elements": [{ "type": "mrkdwn", "text": format!("…and {} more: `/incident list` pages through them all", page.more) }] }));
    }
    blocks.push(json!({ "type": "context", "elements": [{ "type": "mrkdwn", "text": format!("As of <!date^{}^{{time}}|now>. `/incident help` lists the commands.", now.timestamp()) }] }));
    json!({ "type": "home", "blocks": blocks })
}
