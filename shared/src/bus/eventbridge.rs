//! Publishes stored events to the EventBridge bus, as the worker's `publish` effect.

use crate::domain::{Incident, IncidentId, Recorded};
use crate::worker::{Effect, EffectError};
use async_trait::async_trait;
use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::error::DisplayErrorContext;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use serde::{Deserialize, Serialize};

pub const EVENT_SOURCE: &str = "flare.incidents";

/// The `detail` of every Flare event on the bus.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDetail {
    pub incident_id: IncidentId,
    pub event: Recorded,
    pub incident: Incident,
}

#[derive(Clone, Debug)]
pub struct EventBridgePublisher {
    client: Client,
    bus: String,
}

impl EventBridgePublisher {
    pub fn new(client: Client, bus: impl Into<String>) -> Self {
        Self {
            client,
            bus: bus.into(),
        }
    }
}

#[async_trait]
impl Effect for EventBridgePublisher {
    fn name(&self) -> &'static str {
        "publish"
    }

    async fn run(&self, incident: &Incident, rec: &Recorded) -> Result<(), EffectError> {
        let detail = EventDetail {
            incident_id: incident.id.clone(),
            event: rec.clone(),
            incident: incident.clone(),
        };
        let detail =
            serde_json::to_string(&detail).map_err(|e| EffectError::Permanent(e.to_string()))?;
        let entry = PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus)
            .source(EVENT_SOURCE)
            .detail_type(rec.event.detail_type())
            .detail(detail)
            .time(aws_sdk_eventbridge::primitives::DateTime::from_millis(
                rec.at.timestamp_millis(),
            ))
            .build();
        let out = self
            .client
            .put_events()
            .entries(entry)
            .send()
            .await
            .map_err(|e| EffectError::Transient(DisplayErrorContext(e).to_string()))?;
        if out.failed_entry_count > 0 {
            let why = out
                .entries()
                .iter()
                .filter_map(|e| e.error_message())
                .collect::<Vec<_>>()
                .join("; ");
            return Err(EffectError::Transient(format!(
                "EventBridge refused the event: {why}"
            )));
        }
        Ok(())
    }
}
