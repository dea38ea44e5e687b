//! The handler against moto: S3 holds the mail, DynamoDB the thread index, SQS FIFO
//! receives the commands. Needs `FLARE_TEST_AWS_ENDPOINT` (exported by `make test`,
//! which starts moto); fails without it rather than skipping.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{fixture, ses_event};
use flare::aws::{provision, sdk_config};
use flare::bus::{CommandEnvelope, SqsCommandQueue};
use flare::clock::SystemClock;
use flare::domain::{Command, IncidentId};
use flare::store::{DynamoStore, IncidentStore, Index};
use flare_email_triage::handler::{Deps, Inbound, S3MailSource};
use flare_email_triage::{Handled, TriagePolicy, handle};
use std::sync::Arc;
use std::time::Duration;

fn endpoint() -> String {
    let endpoint = std::env::var("FLARE_TEST_AWS_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "FLARE_TEST_AWS_ENDPOINT is not set: this test needs moto. Run `make test` \
             (it starts moto), or start one (`moto_server -H 127.0.0.1 -p 4599`) and \
             export FLARE_TEST_AWS_ENDPOINT=http://127.0.0.1:4599"
        )
    });
    assert!(
        endpoint.starts_with("http://127.0.0.1:") || endpoint.starts_with("http://localhost:"),
        "tests talk to loopback only, not {endpoint}"
    );
    endpoint
}

#[tokio::test]
async fn ses_event_through_s3_to_the_command_queue() {
    let endpoint = endpoint();
    flare::slack::api::install_crypto_provider();
    let sdk = sdk_config(Some(&endpoint)).await;
    let prefix = format!("mail{:010x}", fastrand::u64(..1 << 40));
    let resources = provision::ensure(&sdk, &prefix).await.unwrap();

    // The bucket SES's S3 action writes to, with three stored mails.
    let s3 = S3MailSource::client(&sdk, true);
    let bucket = format!("{prefix}-inbound");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    for (id, file) in [
        ("sesnew01", "plain.eml"),
        ("sesreply02", "reply.eml"),
        ("sesspam03", "spam.eml"),
    ] {
        s3.put_object()
            .bucket(&bucket)
            .key(format!("inbound/{id}"))
            .body(fixture(file).into())
            .send()
            .await
            .unwrap();
    }

    let store = Arc::new(DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&sdk),
        resources.table.clone(),
    ));
    // An older incident whose first mail the reply answers.
    let incident = IncidentId::parse("20260303-brave-otter").unwrap();
    store
        .put_index(
            Index::MailThread,
            "flare-ack-1@flare.example.com",
            &incident,
        )
        .await
        .unwrap();

    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let deps = Deps {
        store: store.clone(),
        desk: store,
        files: Arc::new(flare::store::files::S3Files::new(&sdk, true)),
        queue: Arc::new(SqsCommandQueue::new(
            sqs.clone(),
            resources.command_queue_url.clone(),
        )),
        config: Arc::new(common::config()),
        policy: TriagePolicy::default(),
        mail: Arc::new(S3MailSource::new(s3)),
        clock: Arc::new(SystemClock),
        inbound: Inbound {
            bucket: Some(bucket.clone()),
            prefix: "inbound/".into(),
        },
    };

    let mut handled = Vec::new();
    for (id, verdict) in [
        ("sesnew01", "PASS"),
        ("sesreply02", "PASS"),
        ("sesspam03", "FAIL"),
    ] {
        handled.extend(handle(ses_event(id, verdict), &deps).await.unwrap());
    }
    let [
        Handled::Declared(declared),
        Handled::FollowedUp(followed),
        Handled::Rejected { .. },
    ] = handled.as_slice()
    else {
        panic!("{handled:?}")
    };

    // A missing object is an error (SES retries the invocation).
    let err = handle(ses_event("sesmissing", "PASS"), &deps)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("inbound/sesmissing"), "{err}");

    // Exactly the two envelopes are on the queue, in their FIFO groups.
    let mut received: Vec<(CommandEnvelope, String)> = Vec::new();
    for _ in 0..10 {
        let out = sqs
            .receive_message()
            .queue_url(&resources.command_queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .message_system_attribute_names(
                aws_sdk_sqs::types::MessageSystemAttributeName::MessageGroupId,
            )
            .send()
            .await
            .unwrap();
        for m in out.messages() {
            let env: CommandEnvelope = serde_json::from_str(m.body().unwrap()).unwrap();
            let group = m
                .attributes()
                .and_then(|a| {
                    a.get(&aws_sdk_sqs::types::MessageSystemAttributeName::MessageGroupId)
                })
                .cloned()
                .unwrap_or_default();
            received.push((env, group));
            sqs.delete_message()
                .queue_url(&resources.command_queue_url)
                .receipt_handle(m.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
        if received.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    received.sort_by_key(|(e, _)| e.incident.is_some());
    assert_eq!(received.len(), 2, "{received:?}");

    let (env, group) = &received[0];
    assert_eq!(env, declared);
    assert_eq!(group, &declared.group_id());
    assert!(
        env.id
            .starts_with("mail#20260303095801.4F2A1C0@mail-eu1.acme.com#"),
        "{}",
        env.id
    );
    assert_eq!(env.source, flare::bus::Source::Email);
    let Command::Declare(d) = &env.command else {
        panic!("{env:?}")
    };
    assert_eq!(d.title, "Checkout API unavailable for EU customers");
    assert!(d.triage);
    assert_eq!(d.customer.as_deref(), Some("acme"));
    assert_eq!(d.severity.as_str(), "S2");

    let (env, group) = &received[1];
    assert_eq!(env, followed);
    assert_eq!(env.incident.as_ref(), Some(&incident));
    assert_eq!(group, incident.as_str());
    assert!(matches!(&env.command, Command::Capture { message, .. }
        if message.channel == "email" && message.ts == "reply-2@mail-eu1.acme.com"));
}
