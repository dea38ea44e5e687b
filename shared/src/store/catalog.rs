//! The service catalog kept in DynamoDB (`pk = CATALOG`, `sk = SERVICE#<id>`), synced
//! from the YAML with `flare-config sync`, so it can grow and change without a
//! redeploy. When the table holds a catalog, it replaces the file's `services`.

use super::StoreError;
use crate::config::Service;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;

const PK: &str = "CATALOG";

fn unavailable(e: impl std::error::Error + 'static) -> StoreError {
    StoreError::Unavailable(DisplayErrorContext(e).to_string())
}

/// Every service in the table's catalog (one `Query`).
pub async fn load(client: &Client, table: &str) -> Result<Vec<Service>, StoreError> {
    let mut out = Vec::new();
    let mut start = None;
    loop {
        let page = client
            .query()
            .table_name(table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(PK.into()))
            .set_exclusive_start_key(start.take())
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        for item in page.items() {
            if let Some(AttributeValue::S(json)) = item.get("service") {
                out.push(
                    serde_json::from_str(json)
                        .map_err(|e| StoreError::Corrupt(format!("catalog: {e}")))?,
                );
            }
        }
        match page.last_evaluated_key {
            Some(k) if !k.is_empty() => start = Some(k),
            _ => break,
        }
    }
    out.sort_by(|a: &Service, b| a.id.cmp(&b.id));
    Ok(out)
}

/// Makes the table's catalog equal to `services`: writes each, removes the others.
/// Returns (written, removed).
pub async fn sync(
    client: &Client,
    table: &str,
    services: &[Service],
) -> Result<(usize, usize), StoreError> {
    for s in services {
        let json = serde_json::to_string(s).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        client
            .put_item()
            .table_name(table)
            .item("pk", AttributeValue::S(PK.into()))
            .item("sk", AttributeValue::S(format!("SERVICE#{}", s.id)))
            .item("service", AttributeValue::S(json))
            .send()
            .await
            .map_err(unavailable)?;
    }
    let mut removed = 0;
    for old in load(client, table).await? {
        if !services.iter().any(|s| s.id == old.id) {
            client
                .delete_item()
                .table_name(table)
                .key("pk", AttributeValue::S(PK.into()))
                .key("sk", AttributeValue::S(format!("SERVICE#{}", old.id)))
                .send()
                .await
                .map_err(unavailable)?;
            removed += 1;
        }
    }
    Ok((services.len(), removed))
}
