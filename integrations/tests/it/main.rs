//! Integration tests: the adapters against the fakes served on 127.0.0.1, and the
//! paging effect over an in-memory store.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fakes;
mod oncall_now;
mod pagers;
mod paging_effect;
mod statuspage;
mod support;
mod tickets;
