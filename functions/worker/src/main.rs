//! Lambda: applies incident Commands from the SQS FIFO queue, one group at a time,
//! within the invocation's remaining time (`handle_batch_within`): what it can't finish
//! goes back to SQS as `batchItemFailures` instead of timing out the whole batch.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use flare::worker::{BatchRecord, Budget, Worker, handle_batch_within};
use flare_integrations::http::{Http, Retry};
use flare_integrations::pager::Pagers;
use flare_integrations::secrets::SsmSecrets;
use flare_integrations::{Endpoints, worker_effects};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

#[tokio::main]
async fn main() -> Result<(), Error> {
    flare::telemetry::init();
    flare::runtime::refuse_local_overrides()?;
    let wiring = flare::runtime::Wiring::from_env().await?;
    let secrets = Arc::new(SsmSecrets::new(aws_sdk_ssm::Client::new(&wiring.sdk)));
    // Two tries a call, a second apart at most: a vendor call stays well inside one
    // command's share of the invocation (Budget::PER_COMMAND).
    let retry = Retry {
        attempts: 2,
        base_delay: Duration::from_millis(250),
        max_delay: Duration::from_secs(1),
    };
    let pagers = Pagers::from_env(Http::new(retry)?, Endpoints::from_env(), secrets);
    // One lookup for the Slack effect's invites and the paging effect's names: one cache.
    let on_call: Arc<dyn flare::directory::OnCallNow> =
        Arc::new(flare_integrations::OnCallLookup::new(pagers.clone()));
    let mut worker = wiring.worker_with(Some(on_call.clone()))?;
    let extra = worker_effects(
        wiring.config.clone(),
        worker.store.clone(),
        wiring.queue(),
        pagers,
        Some(on_call),
        Some(wiring.names()?),
    );
    worker.effects.extend(extra);
    let worker = &worker;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        // Lambda's deadline for this invocation (absent in odd runtimes: assume 60 s,
        // the template's timeout).
        let remaining = event
            .context
            .deadline()
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO);
        let remaining = if event.context.deadline == 0 {
            Duration::from_secs(60)
        } else {
            remaining
        };
        Ok::<_, Error>(handle(worker, event.payload, &Budget::lambda(remaining)).await)
    }))
    .await
}

async fn handle(worker: &Worker, event: SqsEvent, budget: &Budget) -> SqsBatchResponse {
    let records: Vec<BatchRecord> = event
        .records
        .into_iter()
        .map(|r| BatchRecord {
            message_id: r.message_id.unwrap_or_default(),
            group_id: r.attributes.get("MessageGroupId").cloned(),
            body: r.body.unwrap_or_default(),
        })
        .collect();
    let failed = handle_batch_within(worker, &records, budget).await;
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
