//! Slack: request signing, text escaping, the Web API port and its adapter, the
//! Block Kit views, the request handling (ack path) and the worker's Slack effects.
pub mod api;
pub mod app;
pub mod audit_export;
pub mod blocks;
pub mod draft;
pub mod effects;
pub mod home_tab;
pub mod limits;
pub mod listing;
pub mod mail_files;
pub mod mail_report;
pub mod mrkdwn;
pub mod people;
pub mod quarantine;
pub mod signature;
pub mod stats_report;
pub mod summary;
pub mod upload;
