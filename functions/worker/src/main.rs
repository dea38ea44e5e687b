//! Lambda: applies incident Commands from the SQS FIFO queue, one group at a time.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use flare::worker::{BatchRecord, Worker, handle_batch};
use flare_integrations::http::{Http, Retry};
use flare_integrations::pager::Pagers;
use flare_integrations::secrets::SsmSecrets;
use flare_integrations::{Endpoints, worker_effects};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    flare::telemetry::init();
    let wiring = flare::runtime::Wiring::from_env().await?;
    let mut worker = wiring.worker()?;
    let secrets = Arc::new(SsmSecrets::new(aws_sdk_ssm::Client::new(&wiring.sdk)));
    let pagers = Pagers::from_env(Http::new(Retry::default())?, Endpoints::from_env(), secrets);
    let extra = worker_effects(
        wiring.config.clone(),
        worker.store.clone(),
        wiring.queue(),
        pagers,
    );
    worker.effects.extend(extra);
    let worker = &worker;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<_, Error>(handle(worker, event.payload).await)
    }))
    .await
}

async fn handle(worker: &Worker, event: SqsEvent) -> SqsBatchResponse {
    let records: Vec<BatchRecord> = event
        .records
        .into_iter()
        .map(|r| BatchRecord {
            message_id: r.message_id.unwrap_or_default(),
            group_id: r.attributes.get("MessageGroupId").cloned(),
            body: r.body.unwrap_or_default(),
        })
        .collect();
    let failed = handle_batch(worker, &records).await;
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failed
        .into_iter()
        .map(|id| {
            let mut f = BatchItemFailure::default();
            f.item_identifier = id;
            f
        })
        .collect();
    response
}
