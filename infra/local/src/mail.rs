//! `POST /local/email`: a raw RFC 5322 message is stored in the local inbound bucket
//! and handed to e-mail triage the way SES's receipt rule would (S3 action, then the
//! Lambda action), with verdicts that pass. Quarantine notes go through the queue
//! to the worker, as in AWS.

use flare_email_triage::handler::{Deps, Inbound, S3MailSource};
use flare_email_triage::{Handled, SesEvent, handle};
use std::sync::Arc;

pub struct LocalMail {
    pub deps: Deps,
    pub s3: aws_sdk_s3::Client,
    pub bucket: String,
}

impl LocalMail {
    /// `host` stores the mail as SES's receipt rule would; `function` is the e-mail
    /// function's own configuration (recorded under its name).
    pub async fn new(
        host: &aws_config::SdkConfig,
        function: &aws_config::SdkConfig,
        prefix: &str,
        store: Arc<flare::store::DynamoStore>,
        queue: Arc<dyn flare::bus::CommandQueue>,
        config: Arc<flare::config::Config>,
        clock: Arc<dyn flare::clock::Clock>,
    ) -> anyhow::Result<LocalMail> {
        let s3 = S3MailSource::client(host, true);
        let bucket = format!("{prefix}-inbound");
        if s3.head_bucket().bucket(&bucket).send().await.is_err() {
            s3.create_bucket().bucket(&bucket).send().await?;
        }
        let deps = Deps {
            store: store.clone(),
            desk: store,
            files: Arc::new(flare::store::files::S3Files::new(function, true)),
            queue,
            policy: config.triage.clone(),
            config: config.clone(),
            mail: Arc::new(S3MailSource::new(S3MailSource::client(function, true))),
            clock,
            inbound: Inbound {
                bucket: Some(bucket.clone()),
                prefix: "inbound/".into(),
            },
        };
        Ok(LocalMail { deps, s3, bucket })
    }

    pub async fn receive(&self, raw: Vec<u8>) -> Result<Handled, String> {
        let id = format!("local-{:016x}", fastrand::u64(..));
        let key = format!("inbound/{id}");
        self.s3
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .body(raw.into())
            .send()
            .await
            .map_err(|e| aws_sdk_s3::error::DisplayErrorContext(e).to_string())?;
        // What SES's receipt rule hands the function after its S3 action.
        let event = serde_json::json!({ "Records": [{
            "eventSource": "aws:ses",
            "eventVersion": "1.0",
            "ses": {
                "mail": { "messageId": id, "source": "local@localhost", "destination": ["triage@flare.local"] },
                "receipt": {
                    "recipients": ["triage@flare.local"],
                    "spamVerdict": { "status": "PASS" }, "virusVerdict": { "status": "PASS" },
                    "spfVerdict": { "status": "PASS" }, "dkimVerdict": { "status": "PASS" }, "dmarcVerdict": { "status": "PASS" },
                    "action": { "type": "Lambda", "functionArn": "arn:aws:lambda:local:000000000000:function:email-triage", "invocationType": "Event" }
                }
            }
        }]});
        let event: SesEvent = serde_json::from_value(event).map_err(|e| e.to_string())?;
        let mut handled = handle(event, &self.deps).await.map_err(|e| e.to_string())?;
        handled
            .pop()
            .ok_or_else(|| "the SES event produced no outcome".to_owned())
    }
}
