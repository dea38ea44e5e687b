//! Keeps the mail-thread index: a mail that opened an incident, and every reply added
//! to it, map their Message-ID to the incident, so later replies join it.

use super::{Effect, EffectError};
use crate::domain::{Event, Incident, Recorded};
use crate::slack::effects::EMAIL_CHANNEL;
use crate::store::{IncidentStore, Index};
use async_trait::async_trait;
use std::sync::Arc;

pub struct MailThreadIndex {
    pub store: Arc<dyn IncidentStore>,
}

#[async_trait]
impl Effect for MailThreadIndex {
    fn name(&self) -> &'static str {
        "mail-thread"
    }

    async fn run(&self, incident: &Incident, rec: &Recorded) -> Result<(), EffectError> {
        let message = match &rec.event {
            Event::Declared(d) => d.source_message.as_ref(),
            Event::Captured { message, .. } => Some(message),
            _ => None,
        };
        // For mail, `ts` holds the normalized Message-ID.
        if let Some(m) = message.filter(|m| m.channel == EMAIL_CHANNEL) {
            let key = m.ts.strip_prefix("mail#").unwrap_or(&m.ts);
            self.store
                .put_index(Index::MailThread, key, &incident.id)
                .await?;
        }
        Ok(())
    }
}
