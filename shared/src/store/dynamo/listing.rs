//! The open-incident listing in the table: `pk = LIST#<rank>`, `sk = <declared>#<id>`,
//! the card as JSON, with `private`, `people` and `services` beside it for the
//! server-side filters.

use super::{DynamoStore, Item, s, text, unavailable};
use crate::domain::{IncidentId, UserId};
use crate::store::keys::{self, PK, SK};
use crate::store::listing::{CardPage, CardQuery, Cursor, OpenCard, OpenListing, sort_key};
use crate::store::{Commit, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, KeysAndAttributes, Put, Select, TransactWriteItem,
};
use std::collections::HashMap;

fn listing_pk(rank: usize) -> String {
    format!("LIST#{rank:02}")
}

/// The commit's changes to the listing: the card moved (a new severity) or dropped
/// (closed), and written again with what changed.
pub(super) fn card_writes(
    table: &str,
    c: &Commit<'_>,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let inc = c.incident;
    let key = sort_key(inc.declared_at, &inc.id);
    let build = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Unavailable(e.to_string());
    let mut out = Vec::new();
    if let Some(before) = c.listed_before
        && Some(before) != c.listed
    {
        let delete = Delete::builder()
            .table_name(table)
            .key(PK, s(listing_pk(before)))
            .key(SK, s(key.clone()))
            .build()
            .map_err(build)?;
        out.push(TransactWriteItem::builder().delete(delete).build());
    }
    if let Some(rank) = c.listed {
        let card = OpenCard::of(inc);
        let json = serde_json::to_string(&card).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut item: Item = HashMap::from([
            (PK.into(), s(listing_pk(rank))),
            (SK.into(), s(key)),
            ("card".into(), s(json)),
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

/// `contains(services, :s0) OR …`, with its values.
fn services_filter(services: &[String]) -> Option<(String, Vec<(String, AttributeValue)>)> {
    if services.is_empty() {
        return None;
    }
    let names: Vec<String> = (0..services.len()).map(|i| format!(":s{i}")).collect();
    let expr = names
        .iter()
        .map(|n| format!("contains(services, {n})"))
        .collect::<Vec<_>>()
        .join(" OR ");
    let values = names
        .into_iter()
        .zip(services.iter().map(|v| s(v.as_str())))
        .collect();
    Some((expr, values))
}

#[async_trait]
impl OpenListing for DynamoStore {
    async fn cards(
        &self,
        query: &CardQuery<'_>,
        from: &Cursor,
        limit: usize,
    ) -> Result<CardPage, StoreError> {
        let mut cards = Vec::new();
        let mut rank = from.rank;
        let mut after = from.after.clone();
        let filter = services_filter(query.services);
        // Newer than `since` is a key range: the sort key starts with the declared time.
        let since = query
            .since
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
        while rank < query.ranks {
            let want = limit.saturating_sub(cards.len());
            if want == 0 {
                return Ok(CardPage {
                    cards,
                    next: Some(Cursor { rank, after }),
                });
            }
            let mut q = self
                .client
                .query()
                .table_name(&self.table)
                .expression_attribute_values(":pk", s(listing_pk(rank)))
                .scan_index_forward(false)
                .limit(i32::try_from(want).unwrap_or(i32::MAX))
                .projection_expression("sk, card");
            q = match &since {
                Some(t) => q
                    .key_condition_expression("pk = :pk AND sk >= :since")
                    .expression_attribute_values(":since", s(t.as_str())),
                None => q.key_condition_expression("pk = :pk"),
            };
            if let Some(a) = &after {
                q = q
                    .exclusive_start_key(PK, s(listing_pk(rank)))
                    .exclusive_start_key(SK, s(a.as_str()));
            }
            if let Some((expr, values)) = &filter {
                q = q.filter_expression(expr);
                for (name, value) in values {
                    q = q.expression_attribute_values(name, value.clone());
                }
            }
            let page = q.send().await.map_err(unavailable)?;
            for item in page.items() {
                let card = text(item, "card")
                    .ok_or_else(|| StoreError::Corrupt("listing card without body".into()))?;
                cards.push(
                    serde_json::from_str(card)
                        .map_err(|e| StoreError::Corrupt(format!("listing card: {e}")))?,
                );
            }
            // A filtered page can hold fewer than asked and still have more after it.
            match page.last_evaluated_key.as_ref().and_then(|k| text(k, SK)) {
                Some(last) => after = Some(last.to_owned()),
                None => {
                    rank += 1;
                    after = None;
                }
            }
        }
        Ok(CardPage { cards, next: None })
    }

    async fn count(&self, ranks: usize, viewer: &UserId) -> Result<usize, StoreError> {
        let mut total = 0usize;
        for rank in 0..ranks {
            let mut start: Option<Item> = None;
            loop {
                let page = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .key_condition_expression("pk = :pk")
                    .filter_expression("#private = :no OR contains(people, :me)")
                    .expression_attribute_names("#private", "private")
                    .expression_attribute_values(":pk", s(listing_pk(rank)))
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
                    _ => break,
                }
            }
        }
        Ok(total)
    }

    async fn channels(
        &self,
        ids: &[IncidentId],
    ) -> Result<HashMap<IncidentId, String>, StoreError> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(100) {
            let keys: Vec<Item> = chunk
                .iter()
                .map(|id| {
                    HashMap::from([
                        (PK.to_owned(), s(keys::incident(id))),
                        (SK.to_owned(), s(keys::REFS)),
                    ])
                })
                .collect();
            let mut pending = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(keys))
                    .projection_expression("pk, r_channel")
                    .build()
                    .map_err(|e| StoreError::Unavailable(e.to_string()))?,
            );
            // Unprocessed keys (throttling) are asked for again, a few times.
            for _ in 0..5 {
                let Some(request) = pending.take() else { break };
                let got = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(unavailable)?;
                for item in got
                    .responses
                    .and_then(|mut r| r.remove(&self.table))
                    .unwrap_or_default()
                {
                    let id = text(&item, PK)
                        .and_then(|pk| pk.strip_prefix("INC#"))
                        .and_then(IncidentId::parse);
                    if let (Some(id), Some(channel)) = (id, text(&item, "r_channel")) {
                        out.insert(id, channel.to_owned());
                    }
                }
                pending = got
                    .unprocessed_keys
                    .and_then(|mut u| u.remove(&self.table))
                    .filter(|k| !k.keys.is_empty());
            }
        }
        Ok(out)
    }
}
