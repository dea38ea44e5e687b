//! The SES receipt-rule Lambda event (`Records[].ses.{mail, receipt}`).
//!
//! Own types rather than `aws_lambda_events::ses`: those require fields SES may leave
//! out (`timestamp`, `headers`, `processingTimeMillis`, every verdict) and are
//! `#[non_exhaustive]`, so tests could not build them. Here every field is optional,
//! `null` reads as empty, and unknown fields are ignored.

use crate::policy::{Verdict, Verdicts};
use serde::{Deserialize, Deserializer, Serialize};

/// `null` or absent → `T::default()`.
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SesEvent {
    #[serde(rename = "Records", deserialize_with = "nullable")]
    pub records: Vec<SesRecord>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SesRecord {
    pub event_source: Option<String>,
    pub event_version: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub ses: SesNotification,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SesNotification {
    #[serde(deserialize_with = "nullable")]
    pub mail: SesMail,
    #[serde(deserialize_with = "nullable")]
    pub receipt: SesReceipt,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SesMail {
    /// SES's own id; the S3 action stores the mail under `<prefix><messageId>`.
    pub message_id: Option<String>,
    pub timestamp: Option<String>,
    /// The envelope sender (`MAIL FROM`), not the `From` header.
    pub source: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub destination: Vec<String>,
    pub headers_truncated: Option<bool>,
    #[serde(deserialize_with = "nullable")]
    pub common_headers: CommonHeaders,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CommonHeaders {
    #[serde(deserialize_with = "nullable")]
    pub from: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub to: Vec<String>,
    pub subject: Option<String>,
    /// The mail's `Message-ID` header, with its angle brackets.
    pub message_id: Option<String>,
    pub date: Option<String>,
    pub return_path: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SesReceipt {
    pub timestamp: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub recipients: Vec<String>,
    pub spam_verdict: Option<VerdictStatus>,
    pub virus_verdict: Option<VerdictStatus>,
    pub spf_verdict: Option<VerdictStatus>,
    pub dkim_verdict: Option<VerdictStatus>,
    pub dmarc_verdict: Option<VerdictStatus>,
    /// Only on a DMARC failure: `none`, `quarantine` or `reject`.
    pub dmarc_policy: Option<String>,
    pub action: Option<SesAction>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct VerdictStatus {
    pub status: Option<String>,
}

/// The action that produced this event: `Lambda` normally; an `S3` action (as in
/// SES's S3 notifications) names the bucket and key itself.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SesAction {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub bucket_name: Option<String>,
    pub object_key: Option<String>,
    pub object_key_prefix: Option<String>,
    pub function_arn: Option<String>,
    pub invocation_type: Option<String>,
}

/// Where the raw mail is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectLocation {
    pub bucket: String,
    pub key: String,
}

impl SesRecord {
    pub fn verdicts(&self) -> Verdicts {
        let r = &self.ses.receipt;
        let v = |s: &Option<VerdictStatus>| {
            Verdict::parse(s.as_ref().and_then(|s| s.status.as_deref()))
        };
        Verdicts {
            spam: v(&r.spam_verdict),
            virus: v(&r.virus_verdict),
            spf: v(&r.spf_verdict),
            dkim: v(&r.dkim_verdict),
            dmarc: v(&r.dmarc_verdict),
        }
    }

    /// SES's message id, if it is a plausible one (it becomes part of an S3 key).
    pub fn ses_message_id(&self) -> Option<&str> {
        self.ses
            .mail
            .message_id
            .as_deref()
            .map(str::trim)
            .filter(|id| is_ses_id(id))
    }

    /// The stored mail: the action's own bucket and key when it names them, else
    /// `default_bucket` and `prefix + messageId` (how the S3 action before the Lambda
    /// action stores it). `None` when neither gives a bucket and a key.
    pub fn object_location(
        &self,
        default_bucket: Option<&str>,
        prefix: &str,
    ) -> Option<ObjectLocation> {
        let action = self.ses.receipt.action.as_ref();
        let bucket = action
            .and_then(|a| a.bucket_name.as_deref())
            .or(default_bucket)
            .map(str::trim)
            .filter(|b| !b.is_empty())?;
        let key = match action.and_then(|a| a.object_key.as_deref()) {
            Some(key) if !key.trim().is_empty() => key.trim().to_owned(),
            _ => {
                let prefix = action
                    .and_then(|a| a.object_key_prefix.as_deref())
                    .unwrap_or(prefix);
                format!("{prefix}{}", self.ses_message_id()?)
            }
        };
        Some(ObjectLocation {
            bucket: bucket.to_owned(),
            key,
        })
    }
}

/// SES ids are letters, digits and `-`; anything else is not used in a key.
fn is_ses_id(id: &str) -> bool {
    (1..=200).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !id.starts_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    const AWS_EXAMPLE: &str = include_str!("../tests/fixtures/ses-lambda-event.json");

    #[test]
    fn reads_the_aws_example_event() {
        let e: SesEvent = serde_json::from_str(AWS_EXAMPLE).unwrap();
        assert_eq!(e.records.len(), 1);
        let r = &e.records[0];
        assert_eq!(r.event_source.as_deref(), Some("aws:ses"));
        assert_eq!(
            r.ses_message_id(),
            Some("6n4thuhcbhpfiuf25gshf70rss364fuejrvmqko1")
        );
        assert_eq!(
            r.ses.mail.common_headers.subject.as_deref(),
            Some("Test Subject")
        );
        assert_eq!(r.ses.receipt.dmarc_policy.as_deref(), Some("reject"));
        assert_eq!(r.verdicts(), Verdicts::all_pass());
        let loc = r.object_location(Some("mail-bucket"), "inbound/").unwrap();
        assert_eq!(loc.bucket, "mail-bucket");
        assert_eq!(loc.key, "inbound/6n4thuhcbhpfiuf25gshf70rss364fuejrvmqko1");
        assert_eq!(r.object_location(None, "inbound/"), None);
    }

    #[test]
    fn tolerates_missing_null_and_unknown_fields() {
        let e: SesEvent = serde_json::from_str(
            r#"{"Records":[{"ses":{"mail":{"messageId":"abc","destination":null,
                "commonHeaders":null,"new":1},"receipt":{"spamVerdict":{"status":"FAIL"},
                "virusVerdict":null,"action":{"type":"Lambda","extra":true}}}},
                {"eventSource":"aws:ses"}],"more":[]}"#,
        )
        .unwrap();
        assert_eq!(e.records.len(), 2);
        let v = e.records[0].verdicts();
        assert_eq!(v.spam, Verdict::Fail);
        assert_eq!(v.virus, Verdict::Unknown);
        assert_eq!(e.records[1].ses_message_id(), None);
        let empty: SesEvent = serde_json::from_str("{}").unwrap();
        assert!(empty.records.is_empty());
        let null: SesEvent = serde_json::from_str(r#"{"Records":null}"#).unwrap();
        assert!(null.records.is_empty());
    }

    #[test]
    fn an_s3_action_names_its_own_object() {
        let e: SesEvent = serde_json::from_str(
            r#"{"Records":[{"ses":{"mail":{"messageId":"m1"},"receipt":{"action":
                {"type":"S3","bucketName":"b","objectKey":"p/m1","objectKeyPrefix":"p/"}}}}]}"#,
        )
        .unwrap();
        let loc = e.records[0]
            .object_location(Some("other"), "inbound/")
            .unwrap();
        assert_eq!((loc.bucket.as_str(), loc.key.as_str()), ("b", "p/m1"));
    }

    #[test]
    fn odd_message_ids_never_become_keys() {
        for id in ["../../etc", "a/b", "", ".hidden", "a b"] {
            let r = SesRecord {
                ses: SesNotification {
                    mail: SesMail {
                        message_id: Some(id.into()),
                        ..SesMail::default()
                    },
                    ..SesNotification::default()
                },
                ..SesRecord::default()
            };
            assert_eq!(r.object_location(Some("b"), "inbound/"), None, "{id}");
        }
    }
}
