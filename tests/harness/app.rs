//! `spawn_app` for Flare: the local host on a free port against moto and the Slack
//! simulator, with helpers that act the way people do in Slack.

use flare::config::Config;
use flare::domain::{IncidentId, Recorded};
use flare::store::{IncidentStore, Index};
use flare_local::{DEFAULT_SIGNING_SECRET, Host, Options};
use flare_slack_sim::{Channel, Driver, DriverResponse, ViewValues};
use serde_json::Value;

pub struct App {
    pub host: Host,
    pub driver: Driver,
}

impl App {
    pub async fn start() -> App {
        Self::start_with_aws(&crate::endpoint()).await
    }

    /// The host talking to AWS at `aws_endpoint` (a [`crate::proxy::Proxy`] to moto, say).
    pub async fn start_with_aws(aws_endpoint: &str) -> App {
        let text = include_str!("../../infra/config/flare.local.yaml");
        let config = Config::parse("flare.local.yaml", text).unwrap();
        let host = Host::start(Options {
            addr: "127.0.0.1:0".parse().unwrap(),
            aws_endpoint: aws_endpoint.to_owned(),
            prefix: format!("t{:012x}", fastrand::u64(..1 << 48)),
            config,
            signing_secret: DEFAULT_SIGNING_SECRET.into(),
            real_slack_token: None,
        })
        .await
        .unwrap();
        let driver = Driver::new(&host.sim, &host.base_url, DEFAULT_SIGNING_SECRET);
        App { host, driver }
    }

    pub fn channel(&self, name: &str) -> Channel {
        self.host
            .sim
            .channel_by_name(name)
            .unwrap_or_else(|| panic!("no channel #{name}"))
    }

    pub fn channel_id(&self, name: &str) -> String {
        self.channel(name).id
    }

    /// A slash command as Slack sends it; waits until Flare has done everything.
    pub async fn slash(&self, user: &str, channel: &str, text: &str) -> DriverResponse {
        let prepared = self
            .driver
            .prepare_command(user, &self.channel_id(channel), "/incident", text)
            .unwrap();
        let r = self.driver.send(&prepared).await.unwrap();
        self.host.settle().await;
        r
    }

    /// `/incident stats <args>` as `user`: what the worker answered after the ack, the
    /// text where they typed it, or the CSV file sent to their DMs.
    pub async fn stats(&self, user: &str, args: &str) -> String {
        let files_before = self.host.sim.state().files.len();
        let told_before = self.host.sim.ephemeral_for(user).len();
        let r = self.slash(user, "general", &format!("stats {args}")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("Counting"), "{}", r.body);
        if args.contains("csv") {
            let files = self.host.sim.state().files;
            let file = files[files_before..]
                .iter()
                .rfind(|f| f.completed && f.name.starts_with("incidents-"))
                .expect("a CSV file");
            let dm = self.host.sim.dm_with(user).expect("a DM");
            assert_eq!(
                file.channel.as_deref(),
                Some(dm.id.as_str()),
                "sent to the DM"
            );
            return file.content.clone();
        }
        let told = self.host.sim.ephemeral_for(user);
        assert_eq!(told.len(), told_before + 1, "one answer");
        told[told_before].text.clone()
    }

    /// `/incident` → modal → submit; returns the incident and its channel name.
    pub async fn declare(
        &self,
        user: &str,
        title: &str,
        severity: &str,
        extra: ViewValues,
    ) -> (IncidentId, String) {
        let before = self.host.sim.views().len();
        let r = self.slash(user, "general", "").await;
        assert_eq!(r.status, 200, "{}", r.body);
        let views = self.host.sim.views();
        assert_eq!(views.len(), before + 1, "one modal opened");
        let view = views.last().unwrap().id.clone();
        let values = extra
            .set("title", "value", title)
            .set("severity", "value", severity);
        let prepared = self
            .driver
            .prepare_view_submission(user, &view, &values)
            .unwrap();
        let r = self.driver.send(&prepared).await.unwrap();
        assert_eq!(r.status, 200, "{}", r.body);
        self.host.settle().await;
        let id = self.latest_incident().await;
        (id.clone(), format!("inc-{id}"))
    }

    /// `/incident statuspage <message>` and *Publish* on its preview as offered (the
    /// message prefilled with what was typed); returns the submission's answer.
    pub async fn statuspage(&self, user: &str, channel: &str, message: &str) -> DriverResponse {
        let before = self.host.sim.views().len();
        let r = self
            .slash(user, channel, &format!("statuspage {message}"))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let views = self.host.sim.views();
        assert_eq!(views.len(), before + 1, "the preview opened: {}", r.body);
        self.submit_newest_view(user, ViewValues::new()).await
    }

    /// Submits the newest modal with `values` (untouched inputs keep what they offer).
    pub async fn submit_newest_view(&self, user: &str, values: ViewValues) -> DriverResponse {
        let view = self.host.sim.views().last().expect("a modal").id.clone();
        let prepared = self
            .driver
            .prepare_view_submission(user, &view, &values)
            .unwrap();
        let r = self.driver.send(&prepared).await.unwrap();
        assert_eq!(r.status, 200, "{}", r.body);
        self.host.settle().await;
        r
    }

    pub async fn latest_incident(&self) -> IncidentId {
        let mut open = self.host.store.open().await.unwrap();
        open.sort_by_key(|o| o.id.to_string());
        let mut best: Option<(chrono::DateTime<chrono::Utc>, IncidentId)> = None;
        for o in open {
            let inc = self.host.store.load(&o.id).await.unwrap().unwrap();
            if best.as_ref().is_none_or(|(t, _)| inc.declared_at >= *t) {
                best = Some((inc.declared_at, inc.id));
            }
        }
        best.expect("an incident").1
    }

    pub async fn incident_of_channel(&self, channel: &str) -> IncidentId {
        self.host
            .store
            .get_index(Index::Channel, &self.channel_id(channel))
            .await
            .unwrap()
            .expect("an incident channel")
    }

    pub async fn timeline(&self, id: &IncidentId) -> Vec<Recorded> {
        self.host
            .store
            .events(id, 1)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.record)
            .collect()
    }

    /// One raw mail at `POST /local/email`, as SES delivers it; waits until Flare has
    /// done everything, and returns the host's JSON answer.
    pub async fn send_mail(&self, raw: String) -> Value {
        let r = reqwest::Client::new()
            .post(format!("{}/local/email", self.host.base_url))
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202);
        let v: Value = r.json().await.unwrap();
        self.host.settle().await;
        v
    }

    /// `user` joins the channel `channel_id`, as people do before acting in it.
    pub async fn join(&self, user: &str, channel_id: &str) {
        self.act(
            user,
            "conversations.join",
            serde_json::json!({ "channel": channel_id }),
        )
        .await;
    }

    /// A person acting through the Web API (`xoxp-<user>`), e.g. posting or reacting.
    pub async fn act(&self, user: &str, method: &str, params: Value) -> Value {
        let v = self
            .host
            .sim
            .act(user, method, params)
            .unwrap_or_else(|e| panic!("{method} as {user}: {e}"));
        self.host.settle().await;
        v
    }
}

/// A plain-text mail as a forwarding rule delivers it to the triage address.
pub fn mail(
    from: &str,
    message_id: &str,
    in_reply_to: Option<&str>,
    subject: &str,
    body: &str,
) -> String {
    let reply = in_reply_to
        .map(|r| format!("In-Reply-To: <{r}>\r\nReferences: <{r}>\r\n"))
        .unwrap_or_default();
    format!(
        "From: Ops Team <{from}>\r\nTo: urgent@flare.example\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\n{reply}Date: Fri, 27 Nov 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
}
