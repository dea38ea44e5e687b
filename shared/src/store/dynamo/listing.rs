//! The open-incident listing in the table: one partition `LIST`, `sk = <rank>#<newest
//! first>#<id>` ([`sort_key`]), the card as JSON, with `declared`, `private`, `people`
//! and `services` beside it for the server-side filters.

use super::{DynamoStore, Item, s, text, unavailable};
use crate::domain::{IncidentId, UserId};
use crate::store::keys::{self, PK, SK};
use crate::store::listing::{CardPage, CardQuery, Cursor, OpenCard, OpenListing, sort_key};
use crate::store::{Commit, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, Select, TransactWriteItem};
use chrono::SecondsFormat;
use std::collections::HashMap;

const LIST: &str = "LIST";

/// The commit's changes to the listing: the card moved (a new severity) or dropped
/// (closed), and written again with what changed.
pub(super) fn card_writes(
    table: &str,
    c: &Commit<'_>,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let inc = c.incident;
    let build = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Unavailable(e.to_string());
    let mut out = Vec::new();
    if let Some(before) = c.listed_before
        && Some(before) != c.listed
    {
        let delete = Delete::builder()
            .table_name(table)
            .key(PK, s(LIST))
            .key(SK, s(sort_key(before, inc.declared_at, &inc.id)))
            .build()
            .map_err(build)?;
        out.push(TransactWriteItem::builder().delete(delete).build());
    }
    if let Some(rank) = c.listed {
        let card = OpenCard::of(inc);
        let json = serde_json::to_string(&card).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let declared = card
            .declared_at
            .to_rfc3339_opts(SecondsFormat::Millis, true);
        let mut item: Item = HashMap::from([
            (PK.into(), s(LIST)),
            (SK.into(), s(sort_key(rank, inc.declared_at, &inc.id))),
            ("card".into(), s(json)),
            ("declared".into(), s(declared)),
            ("private".into(), AttributeValue::Bool(card.private)),
        ]);
        // String sets may not be empty: absent means none.
        let people = card.people();
        if !people.is_empty() {
            item.insert("people".into(), AttributeValue::Ss(people));
        }
        if !card.services.is_empty() {
            let mut services = card.services.clone();
            services.sort();
            services.dedup();
            item.insert("services".into(), AttributeValue::Ss(services));
        }
        let put = Put::builder()
            .table_name(table)
            .set_item(Some(item))
            .build()
            .map_err(build)?;
        out.push(TransactWriteItem::builder().put(put).build());
    }
    Ok(out)
}

/// The filter of a card query, with its values: by service, and declared since.
fn filter(query: &CardQuery<'_>) -> Option<(String, Vec<(String, AttributeValue)>)> {
    let mut parts = Vec::new();
    let mut values = Vec::new();
    if !query.services.is_empty() {
        let names: Vec<String> = (0..query.services.len())
            .map(|i| format!(":s{i}"))
            .collect();
        parts.push(format!(
            "({})",
            names
                .iter()
                .map(|n| format!("contains(services, {n})"))
                .collect::<Vec<_>>()
                .join(" OR ")
        ));
        values.extend(
            names
                .into_iter()
                .zip(query.services.iter().map(|v| s(v.as_str()))),
        );
    }
    if let Some(since) = query.since {
        parts.push("declared >= :since".into());
        values.push((
            ":since".into(),
            s(since.to_rfc3339_opts(SecondsFormat::Millis, true)),
        ));
    }
    (!parts.is_empty()).then(|| (parts.join(" AND "), values))
}

#[async_trait]
impl OpenListing for DynamoStore {
    async fn cards(
        &self,
        query: &CardQuery<'_>,
        from: &Cursor,
        limit: usize,
    ) -> Result<CardPage, StoreError> {
        let filter = filter(query);
        let mut cards = Vec::new();
        let mut after = from.after.clone();
        loop {
            let want = limit.saturating_sub(cards.len());
            if want == 0 {
                return Ok(CardPage {
                    cards,
                    next: Some(Cursor { after }),
                });
            }
            let mut q = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(LIST))
                .projection_expression("sk, card");
            // DynamoDB applies `Limit` before the filter: a filtered read that stopped at
            // `want` items would page through the listing a dozen at a time. It reads
            // whole pages (1 MB) instead, and stops at `want` matches here.
            q = match &filter {
                Some((expr, values)) => {
                    let mut q = q.filter_expression(expr);
                    for (name, value) in values {
                        q = q.expression_attribute_values(name, value.clone());
                    }
                    q
                }
                None => q.limit(i32::try_from(want).unwrap_or(i32::MAX)),
            };
            if let Some(a) = &after {
                q = q
                    .exclusive_start_key(PK, s(LIST))
                    .exclusive_start_key(SK, s(a.as_str()));
            }
            let page = q.send().await.map_err(unavailable)?;
            let items = page.items();
            for (n, item) in items.iter().enumerate() {
                let card = text(item, "card")
                    .ok_or_else(|| StoreError::Corrupt("listing card without body".into()))?;
                cards.push(
                    serde_json::from_str(card)
                        .map_err(|e| StoreError::Corrupt(format!("listing card: {e}")))?,
                );
                if cards.len() == limit && n + 1 < items.len() {
                    // Enough: go on after this one next time.
                    let last = text(item, SK)
                        .ok_or_else(|| StoreError::Corrupt("listing card without key".into()))?;
                    return Ok(CardPage {
                        cards,
                        next: Some(Cursor {
                            after: Some(last.to_owned()),
                        }),
                    });
                }
            }
            // A filtered page can hold fewer than asked and still have more after it.
            match page.last_evaluated_key.as_ref().and_then(|k| text(k, SK)) {
                Some(last) => after = Some(last.to_owned()),
                None => return Ok(CardPage { cards, next: None }),
            }
        }
    }

    async fn count(&self, viewer: &UserId) -> Result<usize, StoreError> {
        let mut total = 0usize;
        let mut start: Option<Item> = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk")
                .filter_expression("#private = :no OR contains(people, :me)")
                .expression_attribute_names("#private", "private")
                .expression_attribute_values(":pk", s(LIST))
                .expression_attribute_values(":no", AttributeValue::Bool(false))
                .expression_attribute_values(":me", s(viewer.as_str()))
                .select(Select::Count)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(unavailable)?;
            total += usize::try_from(page.count).unwrap_or(0);
            match page.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(total),
            }
        }
    }

    async fn channels(
        &self,
        ids: &[IncidentId],
    ) -> Result<HashMap<IncidentId, String>, StoreError> {
        let mut out = HashMap::new();
        for item in self.batch_get(ids, keys::REFS, "pk, r_channel").await? {
            let id = text(&item, PK)
                .and_then(|pk| pk.strip_prefix("INC#"))
                .and_then(IncidentId::parse);
            if let (Some(id), Some(channel)) = (id, text(&item, "r_channel")) {
                out.insert(id, channel.to_owned());
            }
        }
        Ok(out)
    }
}
