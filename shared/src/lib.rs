//! Flare's library: the incident domain, its ports and the adapters behind them.
//!
//! * [`domain`]: pure incident logic (no I/O).
//! * [`config`]: the one YAML file that describes a team's process.
//! * [`store`], [`bus`]: DynamoDB, SQS and EventBridge behind small traits.
//! * [`worker`]: load → decide → store → effects, shared by the Lambda and the local host.

pub mod aws;
pub mod bus;
pub mod clock;
pub mod config;
pub mod directory;
pub mod domain;
pub mod pager_hooks;
pub mod reminders;
pub mod runtime;
pub mod secrets;
pub mod slack;
pub mod stats;
pub mod store;
pub mod telemetry;
pub mod worker;
