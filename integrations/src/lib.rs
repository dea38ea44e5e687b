//! Flare's outside integrations: paging (PagerDuty, Opsgenie), a status page
//! (Atlassian Statuspage), trackers (GitHub issues, Jira Cloud), and local fakes of
//! them all.
//!
//! * [`pager`]: the [`pager::Pager`] port and its two vendor adapters.
//! * [`paging_effect`]: [`PagingEffect`], the worker effect that pages on-call.
//! * [`statuspage`]: [`statuspage::StatusPage`] and [`statuspage::Tracker`] clients.
//! * [`fakes`]: an axum router that imitates the vendors for tests and local mode.
//! * [`secrets`]: where routing keys and API keys come from (SSM, or fixed in tests).
//! * [`endpoints`]: the vendors' base URLs (production, or the local fakes).

pub mod endpoints;
mod error;
#[cfg(feature = "fakes")]
pub mod fakes;
pub mod http;
pub mod oncall_now;
pub mod pager;
pub mod paging_effect;
pub mod secrets;
pub mod statuspage;
pub mod statuspage_effect;
pub mod ticket_effect;

pub use endpoints::Endpoints;
pub use error::IntegrationError;
pub use oncall_now::OnCallLookup;
pub use paging_effect::PagingEffect;
pub use statuspage_effect::StatusPageEffect;
pub use ticket_effect::TicketEffect;

/// The worker's integration effects, in order: paging (after Slack, so pages link to
/// the channel), tickets, status page. One assembly for the Lambda and the local host;
/// `pagers` carries the HTTP client, endpoints and secrets all three use.
pub fn worker_effects(
    config: std::sync::Arc<flare::config::Config>,
    store: std::sync::Arc<dyn flare::store::IncidentStore>,
    queue: std::sync::Arc<dyn flare::bus::CommandQueue>,
    pagers: pager::Pagers,
    on_call: Option<std::sync::Arc<dyn flare::directory::OnCallNow>>,
    names: Option<std::sync::Arc<dyn flare::directory::Names>>,
) -> Vec<std::sync::Arc<dyn flare::worker::Effect>> {
    let trackers = ticket_effect::trackers_from_config(
        &config,
        pagers.http.clone(),
        &pagers.endpoints,
        pagers.secrets.clone(),
    );
    let page = statuspage_effect::page_from_config(
        &config,
        pagers.http.clone(),
        &pagers.endpoints,
        pagers.secrets.clone(),
    );
    vec![
        std::sync::Arc::new(
            PagingEffect::new(config.clone(), store.clone(), pagers, queue.clone())
                .with_on_call(on_call),
        ),
        std::sync::Arc::new(TicketEffect {
            store: store.clone(),
            queue,
            trackers,
            config: config.clone(),
            names,
        }),
        std::sync::Arc::new(StatusPageEffect {
            store,
            config,
            page,
        }),
    ]
}
