//! Base URLs of the vendors, so tests and local mode can point at the fakes.

/// Base URLs without a trailing slash; adapters append the vendor's paths
/// (`/v2/enqueue`, `/v2/alerts`, `/v1/pages/...`, `/repos/...`, `/rest/api/3/...`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// The Events API (`/v2/enqueue`).
    pub pagerduty: String,
    /// The REST API (`/oncalls`).
    pub pagerduty_api: String,
    pub opsgenie_us: String,
    pub opsgenie_eu: String,
    pub statuspage: String,
    pub github: String,
    /// Jira Cloud: `None` in production (each tracker's configured site), the fake's
    /// base in local mode (`/rest/api/3/...` is appended).
    pub jira: Option<String>,
}

impl Endpoints {
    /// The real services.
    pub fn production() -> Self {
        Self {
            pagerduty: "https://events.pagerduty.com".into(),
            pagerduty_api: "https://api.pagerduty.com".into(),
            opsgenie_us: "https://api.opsgenie.com".into(),
            opsgenie_eu: "https://api.eu.opsgenie.com".into(),
            statuspage: "https://api.statuspage.io".into(),
            github: "https://api.github.com".into(),
            jira: None,
        }
    }

    /// The fakes served by [`crate::fakes::Fakes::router`] under `base_url`
    /// (e.g. `http://127.0.0.1:3000`). Both Opsgenie regions go to the same fake.
    pub fn local(base_url: &str) -> Self {
        let base = base_url.trim_end_matches('/');
        Self {
            pagerduty: format!("{base}/fake/pagerduty"),
            pagerduty_api: format!("{base}/fake/pagerduty/api"),
            opsgenie_us: format!("{base}/fake/opsgenie"),
            opsgenie_eu: format!("{base}/fake/opsgenie"),
            statuspage: format!("{base}/fake/statuspage"),
            github: format!("{base}/fake/github"),
            jira: Some(format!("{base}/fake/jira")),
        }
    }

    /// `FLARE_INTEGRATIONS_BASE_URL` set (local mode) → [`Endpoints::local`], else
    /// [`Endpoints::production`].
    pub fn from_env() -> Self {
        match flare::runtime::local_override("FLARE_INTEGRATIONS_BASE_URL") {
            Some(base) => Self::local(base.trim()),
            None => Self::production(),
        }
    }

    /// Where Jira calls for a site go: the site itself, or the local fake.
    pub fn jira<'a>(&'a self, site: &'a str) -> &'a str {
        self.jira.as_deref().unwrap_or(site)
    }

    /// The Opsgenie base for an account's region.
    pub fn opsgenie(&self, region: flare::config::OpsgenieRegion) -> &str {
        match region {
            flare::config::OpsgenieRegion::Us => &self.opsgenie_us,
            flare::config::OpsgenieRegion::Eu => &self.opsgenie_eu,
        }
    }
}
