//! Structured JSON logs for every binary, set up once.

use tracing_subscriber::EnvFilter;

/// JSON lines on stdout (CloudWatch parses them); level from `RUST_LOG`, default info.
/// Calling it twice is harmless (tests and the local host may).
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .with_target(true)
        .without_time()
        .try_init();
}
