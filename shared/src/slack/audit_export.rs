//! `/incident audit`: the incident's audit trail as a CSV file, sent to the person who
//! asked in a direct message (it can name people and refusals the channel needn't see).

use super::api::SlackApi;
use super::upload::Uploader;
use crate::domain::{AuditOutcome, Event, Incident, Recorded, audit_csv};
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
    pub names: Arc<dyn crate::directory::Names>,
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
        let mut trail = self.audit.trail(&incident.id).await?;
        // Names for the people who acted and those the reasons mention.
        let mut ids: Vec<String> = Vec::new();
        for e in &trail {
            ids.extend(e.actor.user_id().map(|u| u.to_string()));
            if let AuditOutcome::Refused { reason } | AuditOutcome::Denied { reason } = &e.outcome {
                ids.extend(super::mrkdwn::mentioned_users(reason));
            }
        }
        ids.sort();
        ids.dedup();
        let names = self.names.names(&ids).await;
        for e in &mut trail {
            if let AuditOutcome::Refused { reason } | AuditOutcome::Denied { reason } =
                &mut e.outcome
            {
                *reason = super::mrkdwn::mentions_named(reason, &|id| names.get(id).cloned());
            }
        }
        let csv = audit_csv(&trail, &|id| names.get(id).cloned());
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
        let title = format!("Audit trail {}", incident.id);
        let comment = format!(
            ":ledger: The audit trail of `{}`: {} commands, accepted and refused, with who asked, when, from where and what came of it.",
            incident.id,
            trail.len()
        );
        let (file_id, _) = super::upload::share(
            self.api.as_ref(),
            self.uploader.as_ref(),
            super::upload::SharedFile {
                filename: &filename,
                content_type: "text/csv",
                bytes: csv.into_bytes(),
                title: &title,
                channel,
                thread_ts: None,
                comment: &comment,
            },
        )
        .await?;
        self.store.set_ref(&incident.id, &sent, &file_id).await?;
        Ok(())
    }
}
