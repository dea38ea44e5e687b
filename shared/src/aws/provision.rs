//! Creates the table, queues and bus the way `template.yaml` does, against moto.
//! Local mode and tests only: in AWS, CloudFormation owns these resources.

use super::Resources;
use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_sqs::types::QueueAttributeName;

#[derive(Debug, thiserror::Error)]
#[error("provisioning {what}: {why}")]
pub struct ProvisionError {
    what: String,
    why: String,
}

fn fail(what: &str, e: impl std::fmt::Display) -> ProvisionError {
    ProvisionError {
        what: what.into(),
        why: e.to_string(),
    }
}

/// Creates (or finds) every resource for the names given by `prefix`.
pub async fn ensure(config: &SdkConfig, prefix: &str) -> Result<Resources, ProvisionError> {
    let table = format!("{prefix}-table");
    let bus = format!("{prefix}-bus");
    create_table(&aws_sdk_dynamodb::Client::new(config), &table).await?;
    let command_queue_url = create_queues(&aws_sdk_sqs::Client::new(config), prefix).await?;
    let eb = aws_sdk_eventbridge::Client::new(config);
    if eb.describe_event_bus().name(&bus).send().await.is_err() {
        eb.create_event_bus()
            .name(&bus)
            .send()
            .await
            .map_err(|e| fail(&bus, aws_sdk_eventbridge::error::DisplayErrorContext(e)))?;
    }
    Ok(Resources {
        table,
        command_queue_url,
        event_bus: bus,
    })
}

async fn create_table(db: &aws_sdk_dynamodb::Client, table: &str) -> Result<(), ProvisionError> {
    if db.describe_table().table_name(table).send().await.is_ok() {
        return Ok(());
    }
    let attr = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .map_err(|e| fail(table, e))
    };
    let key = |name: &str, kind| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .map_err(|e| fail(table, e))
    };
    let gsi = GlobalSecondaryIndex::builder()
        .index_name("gsi1")
        .key_schema(key("gsi1pk", KeyType::Hash)?)
        .key_schema(key("gsi1sk", KeyType::Range)?)
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::Include)
                .non_key_attributes("id")
                .non_key_attributes("due")
                .non_key_attributes("status")
                .build(),
        )
        .build()
        .map_err(|e| fail(table, e))?;
    db.create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("pk")?)
        .attribute_definitions(attr("sk")?)
        .attribute_definitions(attr("gsi1pk")?)
        .attribute_definitions(attr("gsi1sk")?)
        .key_schema(key("pk", KeyType::Hash)?)
        .key_schema(key("sk", KeyType::Range)?)
        .global_secondary_indexes(gsi)
        .send()
        .await
        .map_err(|e| fail(table, aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
    db.update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name("ttl")
                .build()
                .map_err(|e| fail(table, e))?,
        )
        .send()
        .await
        .map_err(|e| fail(table, aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
    Ok(())
}

async fn create_queues(sqs: &aws_sdk_sqs::Client, prefix: &str) -> Result<String, ProvisionError> {
    let dlq_name = format!("{prefix}-commands-dlq.fifo");
    let dlq = sqs
        .create_queue()
        .queue_name(&dlq_name)
        .attributes(QueueAttributeName::FifoQueue, "true")
        .send()
        .await
        .map_err(|e| fail(&dlq_name, aws_sdk_sqs::error::DisplayErrorContext(e)))?;
    let dlq_url = dlq.queue_url.unwrap_or_default();
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| fail(&dlq_name, aws_sdk_sqs::error::DisplayErrorContext(e)))?;
    let dlq_arn = attrs
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn))
        .cloned()
        .unwrap_or_default();
    let name = format!("{prefix}-commands.fifo");
    let queue = sqs
        .create_queue()
        .queue_name(&name)
        .attributes(QueueAttributeName::FifoQueue, "true")
        .attributes(QueueAttributeName::VisibilityTimeout, "60")
        .attributes(
            QueueAttributeName::RedrivePolicy,
            format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"5"}}"#),
        )
        .send()
        .await
        .map_err(|e| fail(&name, aws_sdk_sqs::error::DisplayErrorContext(e)))?;
    queue.queue_url.ok_or_else(|| fail(&name, "no queue url"))
}
