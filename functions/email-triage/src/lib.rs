//! E-mail triage: mail forwarded to Flare's triage address, received by SES (S3
//! action, then this Lambda), becomes a triage incident — or a timeline entry on the
//! incident whose mail thread it answers.
//!
//! * [`parse`]: raw MIME → [`parse::InboundMail`] (with [`html`] for HTML-only mail).
//! * [`policy`]: [`policy::TriagePolicy`]: who may open incidents, severity keywords.
//! * [`classify`]: automated mail (auto-replies, bounces, reports, lists) is ignored.
//! * [`forward`]: a forward's original report; [`alert`]: monitoring alert mail.
//! * [`ses`]: the SES Lambda event.
//! * [`triage`]: the pure core, mail → [`triage::Outcome`].
//! * [`handler`]: S3 → parse → decide → thread lookup → command queue.
//! * [`wiring`]: the parts, from the Lambda's environment.

pub mod alert;
pub mod classify;
pub mod forward;
pub mod handler;
pub mod html;
pub mod parse;
pub mod policy;
pub mod ses;
pub mod text;
pub mod triage;
pub mod wiring;

pub use handler::{Deps, HandleError, Handled, handle, handle_object, handle_raw};
pub use parse::{Attachment, InboundMail};
pub use policy::{Decision, KeywordRule, TriagePolicy, Verdict, Verdicts};
pub use ses::SesEvent;
pub use triage::{Delivery, MailSummary, Outcome, Quarantined, to_command};
