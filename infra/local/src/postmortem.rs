//! The postmortem function in local mode: moto's EventBridge has no Lambda targets, so
//! the host runs the same generation as an effect of the events the deployed rule
//! matches (`IncidentResolved`, `PostmortemRequested`).

use async_trait::async_trait;
use flare::domain::{Event, Incident, Recorded, Status};
use flare::worker::{Effect, EffectError};
use flare_postmortem::{Postmortems, Why};

pub struct LocalPostmortem {
    pub postmortems: Postmortems,
}

#[async_trait]
impl Effect for LocalPostmortem {
    fn name(&self) -> &'static str {
        "postmortem"
    }

    async fn run(&self, incident: &Incident, rec: &Recorded) -> Result<(), EffectError> {
        let why = match rec.event {
            Event::StatusChanged {
                to: Status::Resolved,
                ..
            } => Why::Resolved,
            Event::PostmortemRequested => Why::Asked,
            _ => return Ok(()),
        };
        match self.postmortems.generate(&incident.id, why).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_transient() => Err(EffectError::Transient(e.to_string())),
            Err(e) => Err(EffectError::Permanent(e.to_string())),
        }
    }
}
