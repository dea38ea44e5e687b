//! Integration tests: the simulator on 127.0.0.1, called through slack-morphism 2.31
//! exactly as Flare's worker calls Slack, and the driver's requests checked by a small
//! fake app.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod act;
mod api;
mod driver;
mod errors;
mod events;
mod http;
mod strict;
mod support;
