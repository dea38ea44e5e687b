//! Folding a duplicate into the incident it duplicates: what may be merged, and which
//! entries of its timeline move.

use super::error::DomainError;
use super::event::Event;
use super::incident::Incident;

/// Whether `source` may be merged into `target` (`None`: no such incident).
pub fn check_merge(source: &Incident, target: Option<&Incident>) -> Result<(), DomainError> {
    let Some(target) = target else {
        return Err(DomainError::Invalid(
            "There is no such incident; give its name, like `/incident merge 20240122-honest-rhino`."
                .into(),
        ));
    };
    if target.id == source.id {
        return Err(DomainError::Invalid(
            "An incident can't be merged into itself.".into(),
        ));
    }
    if target.status.is_terminal() {
        return Err(DomainError::Invalid(format!(
            "{} is {}; merge into an open incident.",
            target.id, target.status
        )));
    }
    if target.private != source.private {
        return Err(DomainError::Invalid(
            "A private incident and a public one can't be merged: the private one's people and messages would become visible.".into(),
        ));
    }
    Ok(())
}

/// The entries that tell the duplicate's story and move with it; its own status,
/// severity and role changes, reminders and page bookkeeping stay behind.
pub fn movable(event: &Event) -> bool {
    matches!(
        event,
        Event::Declared(_)
            | Event::UpdatePosted { .. }
            | Event::Captured { .. }
            | Event::LinkAdded { .. }
            | Event::ActionAdded { .. }
            | Event::ImpactSet { .. }
            | Event::Absorbed { .. }
    )
}
