//! The file upload to Slack's `upload_url` lives in `flare::slack::upload` (the worker
//! exports audit trails with it too).

pub use flare::slack::upload::{HttpUploader, Uploader};
