//! Who is on call now: PagerDuty's `GET /oncalls` (REST API, `Token token=` auth, the
//! users included for their e-mail) and Opsgenie's `GET /v2/schedules/{name}/on-calls`
//! (`flat=true`: the recipients' e-mail). Each answer is kept for [`CACHE_FOR`], so a
//! burst of incidents asks the pager once.

use crate::http::Http;
use crate::pager::Pagers;
use crate::pager::opsgenie::encode_segment;
use async_trait::async_trait;
use flare::config::OnCallSchedule;
use flare::directory::{OnCallNow, OnCallPerson};
use serde_json::Value;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How long an answer is reused: rotations change hourly at most, incidents come in bursts.
pub const CACHE_FOR: Duration = Duration::from_secs(60);

pub struct OnCallLookup {
    pagers: Pagers,
    cache: Mutex<HashMap<String, (Instant, Vec<OnCallPerson>)>>,
}

impl OnCallLookup {
    pub fn new(pagers: Pagers) -> Self {
        Self {
            pagers,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn http(&self) -> &Http {
        &self.pagers.http
    }

    async fn pagerduty(
        &self,
        schedule_id: &str,
        token_param: &str,
    ) -> Result<Vec<OnCallPerson>, String> {
        let token = self
            .pagers
            .secrets
            .get(token_param)
            .await
            .map_err(|e| e.to_string())?;
        // `schedule_ids[]` and `include[]`, percent-encoded.
        let url = format!(
            "{}/oncalls?schedule_ids%5B%5D={}&include%5B%5D=users&earliest=true",
            self.pagers.endpoints.pagerduty_api,
            encode_segment(schedule_id)
        );
        let auth = format!("Token token={token}");
        let (_, body) = self
            .http()
            .send("PagerDuty on-calls", |c| {
                c.get(&url)
                    .header(reqwest::header::AUTHORIZATION, &auth)
                    .header(
                        reqwest::header::ACCEPT,
                        "application/vnd.pagerduty+json;version=2",
                    )
            })
            .await
            .map_err(|e| e.to_string())?;
        Ok(pagerduty_people(&body))
    }

    async fn opsgenie(
        &self,
        schedule: &str,
        region: flare::config::OpsgenieRegion,
    ) -> Result<Vec<OnCallPerson>, String> {
        let param = self
            .pagers
            .opsgenie_key_param
            .as_deref()
            .ok_or("an Opsgenie schedule is configured but no Opsgenie key is")?;
        let key = self
            .pagers
            .secrets
            .get(param)
            .await
            .map_err(|e| e.to_string())?;
        let url = format!(
            "{}/v2/schedules/{}/on-calls?scheduleIdentifierType=name&flat=true",
            self.pagers.endpoints.opsgenie(region),
            encode_segment(schedule)
        );
        let auth = format!("GenieKey {key}");
        let (_, body) = self
            .http()
            .send("Opsgenie on-calls", |c| {
                c.get(&url).header(reqwest::header::AUTHORIZATION, &auth)
            })
            .await
            .map_err(|e| e.to_string())?;
        Ok(opsgenie_people(&body))
    }
}

#[async_trait]
impl OnCallNow for OnCallLookup {
    async fn on_call(&self, schedule: &OnCallSchedule) -> Result<Vec<OnCallPerson>, String> {
        let key = match schedule {
            OnCallSchedule::Pagerduty { schedule_id, .. } => format!("pagerduty:{schedule_id}"),
            OnCallSchedule::Opsgenie { schedule, region } => {
                format!("opsgenie:{region:?}:{schedule}")
            }
        };
        if let Some((at, people)) = self.cache.lock().await.get(&key)
            && at.elapsed() < CACHE_FOR
        {
            return Ok(people.clone());
        }
        let people = match schedule {
            OnCallSchedule::Pagerduty {
                schedule_id,
                api_token_param,
            } => self.pagerduty(schedule_id, api_token_param).await?,
            OnCallSchedule::Opsgenie { schedule, region } => {
                self.opsgenie(schedule, *region).await?
            }
        };
        self.cache
            .lock()
            .await
            .insert(key, (Instant::now(), people.clone()));
        Ok(people)
    }
}

/// The first escalation level's people, each once.
fn pagerduty_people(body: &Value) -> Vec<OnCallPerson> {
    let oncalls = body["oncalls"].as_array().cloned().unwrap_or_default();
    let first = oncalls
        .iter()
        .filter_map(|o| o["escalation_level"].as_u64())
        .min()
        .unwrap_or(1);
    let mut out: Vec<OnCallPerson> = Vec::new();
    for o in &oncalls {
        if o["escalation_level"].as_u64().unwrap_or(first) != first {
            continue;
        }
        let Some(email) = o["user"]["email"].as_str().filter(|e| e.contains('@')) else {
            continue;
        };
        if !out.iter().any(|p| p.email.eq_ignore_ascii_case(email)) {
            out.push(OnCallPerson {
                email: email.to_owned(),
                name: o["user"]["summary"].as_str().map(str::to_owned),
            });
        }
    }
    out
}

fn opsgenie_people(body: &Value) -> Vec<OnCallPerson> {
    body["data"]["onCallRecipients"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .filter(|e| e.contains('@'))
                .map(|e| OnCallPerson {
                    email: e.to_owned(),
                    name: None,
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_first_level_answers_for_pagerduty() {
        let body = json!({ "oncalls": [
            { "escalation_level": 2, "user": { "summary": "Manager", "email": "m@example.com" } },
            { "escalation_level": 1, "user": { "summary": "Bob Brown", "email": "bob@example.com" } },
            { "escalation_level": 1, "user": { "summary": "Bob Brown", "email": "BOB@example.com" } },
            { "escalation_level": 1, "user": { "summary": "no mail" } }
        ]});
        let people = pagerduty_people(&body);
        assert_eq!(people.len(), 1);
        assert_eq!(people[0].name.as_deref(), Some("Bob Brown"));
        assert!(pagerduty_people(&json!({})).is_empty());
        let og =
            json!({ "data": { "onCallRecipients": ["carol@example.com", "team-without-mail"] } });
        assert_eq!(opsgenie_people(&og).len(), 1);
    }
}
