//! A mailed report's images and PDFs, shared in its incident channel when it is
//! declared (part of the Slack effect's declaration). The e-mail function chose them
//! (`triage.share_attachments`: types proven by their bytes, never executables, a
//! size cap) and stored them beside the raw mail; this reads each back and uploads it
//! once (a ref per file). A file that can't be read is said in the channel, and the
//! rest goes on.

use super::api::SlackApi;
use super::mrkdwn::escape;
use super::upload::{SharedFile, Uploader, share};
use crate::domain::{IncidentId, MailFile};
use crate::store::IncidentStore;
use crate::store::files::FileStore;
use crate::worker::EffectError;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

pub struct MailFiles {
    pub files: Arc<dyn FileStore>,
    pub uploader: Arc<dyn Uploader>,
}

/// `[a-z0-9.-]` only (the name travels in a query string), at most 80 characters,
/// its extension kept.
pub fn upload_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_alphanumeric() || c == '.' {
            c
        } else {
            '-'
        };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    let out = out.trim_matches(['-', '.']).to_owned();
    let out = if out.chars().count() > 80 {
        let (stem, ext) = out.rsplit_once('.').unwrap_or((&out, ""));
        let keep = 80usize.saturating_sub(ext.len() + 1);
        format!("{}.{ext}", stem.chars().take(keep).collect::<String>())
    } else {
        out
    };
    if out.is_empty() || out.starts_with('.') {
        format!("file{out}")
    } else {
        out
    }
}

impl MailFiles {
    pub async fn share_all(
        &self,
        api: &dyn SlackApi,
        store: &dyn IncidentStore,
        incident: &IncidentId,
        files: &[MailFile],
        channel: &str,
        refs: &mut HashMap<String, String>,
    ) -> Result<(), EffectError> {
        for (i, f) in files.iter().enumerate() {
            let key = format!("mail_file#{i}");
            if refs.contains_key(&key) {
                continue;
            }
            let done = match self.files.get(&f.bucket, &f.key).await {
                Ok(bytes) => {
                    let (id, _) = share(
                        api,
                        self.uploader.as_ref(),
                        SharedFile {
                            filename: &upload_name(&f.name),
                            content_type: &f.content_type,
                            bytes,
                            title: &f.name,
                            channel,
                            thread_ts: None,
                            comment: &format!(
                                ":paperclip: Attached to the mailed report: *{}*",
                                escape(&f.name)
                            ),
                        },
                    )
                    .await?;
                    id
                }
                Err(why) => {
                    // Gone or refused: nothing to retry; people are told and the rest goes on.
                    tracing::warn!(incident = %incident, bucket = %f.bucket, key = %f.key, error = %why, "could not read a mailed report's file");
                    let text = format!(
                        ":warning: The report's file *{}* could not be shared here ({}). The raw mail is in the inbound bucket for 30 days.",
                        escape(&f.name),
                        escape(&why)
                    );
                    api.call(
                        "chat.postMessage",
                        json!({ "channel": channel, "text": text }),
                    )
                    .await?;
                    "unreadable".to_owned()
                }
            };
            store.set_ref(incident, &key, &done).await?;
            refs.insert(key, done);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_names_are_safe_and_keep_their_extension() {
        assert_eq!(
            upload_name("Screen Shot 2026-03-10 at 09.14.png"),
            "screen-shot-2026-03-10-at-09.14.png"
        );
        assert_eq!(upload_name("../../etc/passwd"), "etc-passwd");
        assert_eq!(upload_name("Überweisung.PDF"), "berweisung.pdf");
        assert_eq!(upload_name("???"), "file");
        let long = format!("{}.pdf", "a".repeat(200));
        let name = upload_name(&long);
        assert!(name.len() <= 80 && name.ends_with(".pdf"), "{name}");
    }
}
