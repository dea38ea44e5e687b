//! The triage policy lives in the configuration (`triage:` section); re-exported here
//! for the triage code.
pub use flare::config::triage::*;
