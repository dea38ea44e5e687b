//! `/incident stats`, answered by the worker: the Slack function only queues a
//! [`Command::Stats`], so its answer to Slack stays small however many incidents there
//! were. Every incident declared in the window is read (no cap), and a private one
//! counts only for the people who can see it, in every format.

use super::api::SlackApi;
use super::listing::may_see;
use super::upload::{SharedFile, Uploader, share};
use crate::bus::CommandEnvelope;
use crate::clock::Clock;
use crate::directory::Directory;
use crate::domain::{Command, Incident, Recorded, StatsFormat, UserId, human_duration};
use crate::store::{IncidentStore, StatsStore};
use crate::worker::{Effect, EffectError};
use async_trait::async_trait;
use serde_json::json;
use std::sync::Arc;

/// How long a request's claim is kept: longer than any SQS redelivery.
const CLAIM_HOURS: i64 = 24;

pub struct StatsReport {
    pub api: Arc<dyn SlackApi>,
    pub uploader: Arc<dyn Uploader>,
    pub store: Arc<dyn IncidentStore>,
    pub stats: Arc<dyn StatsStore>,
    pub directory: Arc<dyn Directory>,
    pub clock: Arc<dyn Clock>,
}

impl StatsReport {
    /// Public incidents, and private ones `user` reported, holds a role in, or is in
    /// the channel of.
    async fn visible(
        &self,
        incidents: Vec<Incident>,
        user: &UserId,
    ) -> Result<Vec<Incident>, EffectError> {
        let mut out = Vec::with_capacity(incidents.len());
        for inc in incidents {
            let involved = inc.involves(user);
            // The channel is looked up only where it decides.
            let channel = if inc.private && !involved {
                self.store.refs(&inc.id).await?.get("channel").cloned()
            } else {
                None
            };
            let sees = may_see(
                self.directory.as_ref(),
                inc.private,
                involved,
                channel.as_deref(),
                user,
            )
            .await
            .map_err(EffectError::Transient)?;
            if sees {
                out.push(inc);
            }
        }
        Ok(out)
    }

    /// Text where the person asked (the command's `response_url`), else in a DM.
    async fn tell(
        &self,
        env: &CommandEnvelope,
        user: &UserId,
        text: &str,
    ) -> Result<(), EffectError> {
        if let Some(url) = env.reply.as_ref().and_then(|r| r.response_url.as_deref()) {
            return Ok(self.api.respond(url, text).await?);
        }
        let channel = self.dm(user).await?;
        self.api
            .call(
                "chat.postMessage",
                json!({ "channel": channel, "text": text }),
            )
            .await?;
        Ok(())
    }

    async fn dm(&self, user: &UserId) -> Result<String, EffectError> {
        let dm = self
            .api
            .call("conversations.open", json!({ "users": user.as_str() }))
            .await?;
        dm["channel"]["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| EffectError::Permanent("conversations.open: no channel".into()))
    }
}

#[async_trait]
impl Effect for StatsReport {
    fn name(&self) -> &'static str {
        "stats-report"
    }

    fn handles_events(&self) -> bool {
        false
    }

    async fn run(&self, _: &Incident, _: &Recorded) -> Result<(), EffectError> {
        Ok(())
    }

    async fn notice(&self, env: &CommandEnvelope) -> Result<(), EffectError> {
        let Command::Stats { days, format } = &env.command else {
            return Ok(());
        };
        let Some(user) = env.actor.user_id() else {
            return Ok(());
        };
        let until = env.received_at;
        let since = until - chrono::Duration::days(i64::from(*days));
        let mut ids = Vec::new();
        for month in crate::stats::months(since, until) {
            ids.extend(self.stats.month(&month).await?);
        }
        let incidents = self.stats.load_many(&ids).await?;
        let incidents = self.visible(incidents, user).await?;
        // Answered once, however often SQS delivers the request.
        let claimed = self
            .store
            .claim(
                &format!("stats#{}", env.id),
                chrono::Duration::hours(CLAIM_HOURS),
                self.clock.now(),
            )
            .await?;
        if !claimed {
            return Ok(());
        }
        let answer = match format {
            StatsFormat::Text => {
                self.tell(env, user, &summary(&incidents, since, until, *days))
                    .await
            }
            StatsFormat::Json => {
                let stats = crate::stats::compute(&incidents, since, until);
                let body = serde_json::to_string_pretty(&stats)
                    .map_err(|e| EffectError::Permanent(e.to_string()))?;
                self.tell(env, user, &format!("```{body}```")).await
            }
            StatsFormat::Csv => {
                let csv = crate::stats::csv(&incidents, since, until);
                let rows = csv.lines().count().saturating_sub(1);
                let channel = self.dm(user).await?;
                let filename = format!("incidents-{days}d.csv");
                let comment = format!(
                    ":bar_chart: The incidents of the last {days} days you can see: {rows}, one a row."
                );
                share(
                    self.api.as_ref(),
                    self.uploader.as_ref(),
                    SharedFile {
                        filename: &filename,
                        content_type: "text/csv",
                        bytes: csv.into_bytes(),
                        title: &format!("Incidents, last {days} days"),
                        channel: &channel,
                        thread_ts: None,
                        comment: &comment,
                    },
                )
                .await?;
                Ok(())
            }
        };
        // Claimed, so not retried: a lost answer is logged and the person can ask again.
        if let Err(e) = answer {
            tracing::error!(command = %env.id, error = %e, "could not answer /incident stats");
            return Err(EffectError::Permanent(e.to_string()));
        }
        Ok(())
    }
}

/// The summary people read.
pub fn summary(
    incidents: &[Incident],
    since: chrono::DateTime<chrono::Utc>,
    until: chrono::DateTime<chrono::Utc>,
    days: u32,
) -> String {
    let stats = crate::stats::compute(incidents, since, until);
    let human = |p: &crate::stats::Percentiles| match (p.median_seconds, p.p90_seconds) {
        (Some(m), Some(p90)) => format!(
            "median {}, p90 {} ({} incident{})",
            human_duration(chrono::Duration::seconds(m)),
            human_duration(chrono::Duration::seconds(p90)),
            p.count,
            if p.count == 1 { "" } else { "s" }
        ),
        _ => "no data".to_owned(),
    };
    let by: Vec<String> = stats
        .by_severity
        .iter()
        .map(|(s, n)| format!("{s}: {n}"))
        .collect();
    format!(
        "*Incidents in the last {days} days:* {}{}\n• Time to acknowledge: {}\n• Time to mitigate: {}\n• Time to resolve: {}\n`/incident stats {days} csv` or `json` for the data.",
        stats.incidents,
        if by.is_empty() {
            String::new()
        } else {
            format!(" ({})", by.join(", "))
        },
        human(&stats.to_acknowledge),
        human(&stats.to_mitigate),
        human(&stats.to_resolve),
    )
}
