//! Flare's outside integrations: paging (PagerDuty, Opsgenie), a status page
//! (Atlassian Statuspage), a tracker (GitHub issues), and local fakes of all four.
//!
//! * [`pager`]: the [`pager::Pager`] port and its two vendor adapters.
//! * [`paging_effect`]: [`PagingEffect`], the worker effect that pages on-call.
//! * [`statuspage`]: [`statuspage::StatusPage`] and [`statuspage::Tracker`] clients.
//! * [`fakes`]: an axum router that imitates the vendors for tests and local mode.
//! * [`secrets`]: where routing keys and API keys come from (SSM, or fixed in tests).
//! * [`endpoints`]: the vendors' base URLs (production, or the local fakes).

pub mod endpoints;
mod error;
pub mod fakes;
pub mod http;
pub mod pager;
pub mod paging_effect;
pub mod secrets;
pub mod statuspage;
pub mod statuspage_effect;
pub mod ticket_effect;

pub use endpoints::Endpoints;
pub use error::IntegrationError;
pub use paging_effect::PagingEffect;
pub use statuspage_effect::StatusPageEffect;
pub use ticket_effect::TicketEffect;
