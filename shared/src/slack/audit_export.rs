//! `/incident audit`: the incident's audit trail as a CSV file, sent to the person who
//! asked in a direct message (it can name people and refusals the channel needn't see).

use super::api::SlackApi;
use super::upload::Uploader;
use crate::domain::{Event, Incident, Recorded, audit_csv};
use crate::store::{AuditLog, IncidentStore};
use crate::worker::{Effect, EffectError};
use async_trait::async_trait;
use serde_json::json;
use std::sync::Arc;

pub struct AuditExport {
    pub api: Arc<dyn SlackApi>,
    pub uploader: Arc<dyn Uploader>,
    pub audit: Arc<dyn AuditLog>,
    pub store: Arc<dyn IncidentStore>,
}

#[async_trait]
impl Effect for AuditExport {
    fn name(&self) -> &'static str {
        "audit_export"
    }

    async fn run(&self, incident: &Incident, rec: &Recorded) -> Result<(), EffectError> {
        if rec.event != Event::AuditRequested {
            return Ok(());
        }
        let Some(user) = rec.actor.user_id() else {
            return Ok(());
        };
        // Sent once per request, even if this runs again after a crash.
        let sent = format!("audit_file#{}", rec.version);
        if self.store.refs(&incident.id).await?.contains_key(&sent) {
            return Ok(());
        }
        let trail = self.audit.trail(&incident.id).await?;
        let csv = audit_csv(&trail);
        let dm = self
            .api
            .call("conversations.open", json!({ "users": user.as_str() }))
            .await?;
        let Some(channel) = dm["channel"]["id"].as_str() else {
            return Err(EffectError::Permanent(
                "conversations.open: no channel".into(),
            ));
        };
        let filename = format!("audit-{}.csv", incident.id);
        let length = csv.len();
        // Like the postmortem upload: the arguments in the query string (Slack reads
        // this method's arguments from a form, not JSON).
        let answer = self
            .api
            .call(
                &format!("files.getUploadURLExternal?filename={filename}&length={length}"),
                json!({ "filename": filename, "length": length }),
            )
            .await?;
        let (Some(url), Some(file_id)) =
            (answer["upload_url"].as_str(), answer["file_id"].as_str())
        else {
            return Err(EffectError::Permanent(
                "files.getUploadURLExternal: no upload_url".into(),
            ));
        };
        self.uploader
            .upload(url, "text/csv", csv.into_bytes())
            .await?;
        let comment = format!(
            ":ledger: The audit trail of `{}`: {} commands, accepted and refused, with who asked, when, from where and what came of it.",
            incident.id,
            trail.len()
        );
        self.api
            .call(
                "files.completeUploadExternal",
                json!({
                    "files": [{ "id": file_id, "title": format!("Audit trail {}", incident.id) }],
                    "channel_id": channel,
                    "initial_comment": comment,
                }),
            )
            .await?;
        self.store.set_ref(&incident.id, &sent, file_id).await?;
        Ok(())
    }
}
