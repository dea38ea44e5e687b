//! Flare's postmortem function: when an incident is resolved, a postmortem draft in
//! Markdown is rendered from its timeline, stored in S3 and shared in Slack.
//!
//! * [`render`]: the document (pure).
//! * [`store`]: where documents are kept (S3, versioned; unchanged documents are not
//!   written again).
//! * [`publish`]: the file, bookmark and notice in Slack, each posted once per version.
//! * [`service`]: load → render → store → publish, the one entry point
//!   ([`Postmortems::generate`]) for the Lambda and for `/incident postmortem`.
//! * [`handler`]: the EventBridge event the Lambda receives.
//! * [`lease`]: one draft of an incident at a time (a lease in the table).
//! * [`upload`]: the file bytes to Slack's upload URL.
//! * [`fixtures`]: sample incidents for tests, docs and benchmarks.

#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod handler;
pub mod lease;
pub mod publish;
pub mod render;
pub mod service;
pub mod store;
pub mod upload;

pub use handler::{handle_event, handle_event_leased};
pub use render::{Links, People, render, render_with};
pub use service::{PostmortemError, Postmortems, Report, Why};
pub use store::{PostmortemStore, S3PostmortemStore, Stored};
