//! `make demo`: a whole incident, played the way people would, against the local host
//! (moto + every function + the Slack simulator). Prints a transcript and writes the
//! simulator's channels (and the postmortem, once there is one) under `target/demo/`.

use anyhow::{Context, bail};
use flare::clock::Clock;
use flare::config::Config;
use flare::store::IncidentStore;
use flare_local::{DEFAULT_SIGNING_SECRET, Host, Options};
use flare_slack_sim::Driver;
use std::path::Path;

struct Demo {
    host: Host,
    driver: Driver,
    http: reqwest::Client,
    step: usize,
}

impl Demo {
    fn say(&mut self, who: &str, what: &str) {
        self.step += 1;
        println!("\n{:>2}. {who} {what}", self.step);
    }

    fn flare(&self, what: &str) {
        println!("      ↳ Flare {what}");
    }

    fn channel_id(&self, name: &str) -> anyhow::Result<String> {
        Ok(self
            .host
            .sim
            .channel_by_name(name)
            .with_context(|| format!("no #{name}"))?
            .id)
    }

    async fn slash(&mut self, who: &str, channel: &str, text: &str) -> anyhow::Result<String> {
        let id = self.channel_id(channel)?;
        let r = self.driver.command(who, &id, "/incident", text).await?;
        self.host.settle().await;
        let answer = r
            .json()
            .ok()
            .and_then(|v| v["text"].as_str().map(str::to_owned))
            .unwrap_or_default();
        Ok(answer)
    }

    async fn advance(&mut self, minutes: i64) -> anyhow::Result<()> {
        let r = self
            .http
            .post(format!("{}/local/clock", self.host.base_url))
            .body(format!(r#"{{"advance_minutes": {minutes}}}"#))
            .send()
            .await?;
        if !r.status().is_success() {
            bail!("clock: {}", r.status());
        }
        self.host.settle().await;
        Ok(())
    }

    /// What Flare posted in a channel since `seen` messages, as transcript lines.
    fn posted_since(&self, channel: &str, seen: usize) -> usize {
        let Some(c) = self.host.sim.channel_by_name(channel) else {
            return seen;
        };
        for m in c.messages.iter().skip(seen) {
            let who = if m.user == "U0FLAREBOT" {
                "flare"
            } else {
                m.user.as_str()
            };
            let text: String = m.text.lines().take(2).collect::<Vec<_>>().join(" ⏎ ");
            println!(
                "      #{channel} · {who}: {}",
                text.chars().take(140).collect::<String>()
            );
        }
        c.messages.len()
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let aws_endpoint = std::env::var("FLARE_AWS_ENDPOINT")
        .or_else(|_| std::env::var("FLARE_TEST_AWS_ENDPOINT"))
        .context("set FLARE_AWS_ENDPOINT to moto's URL (make demo does)")?;
    let config = Config::load(Path::new("infra/config/flare.local.yaml"))?;
    let host = Host::start(Options {
        addr: "127.0.0.1:0".parse()?,
        aws_endpoint,
        prefix: format!("demo{:08x}", fastrand::u32(..)),
        config,
        signing_secret: DEFAULT_SIGNING_SECRET.into(),
        real_slack_token: None,
    })
    .await?;
    let driver = Driver::new(&host.sim, &host.base_url, DEFAULT_SIGNING_SECRET);
    let mut d = Demo {
        host,
        driver,
        http: reqwest::Client::new(),
        step: 0,
    };
    println!(
        "Flare demo: a whole incident in a simulated Slack workspace ({}).",
        d.host.base_url
    );
    println!("People: alice (support), bob (payments on-call), carol (coordinator), dave (comms).");

    d.say(
        "ACME's ops team",
        "mails the urgent address: \"Checkout is down for all our users\".",
    );
    let mail = "From: ACME Ops <ops@acme.example>\r\nTo: urgent@flare.example\r\nSubject: Checkout is down for all our users\r\nMessage-ID: <outage-1@acme.example>\r\nDate: Fri, 27 Nov 2026 09:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSince 08:52 UTC every checkout returns HTTP 502.\r\nThis is blocking all our sales.\r\n";
    let r = d
        .http
        .post(format!("{}/local/email", d.host.base_url))
        .body(mail)
        .send()
        .await?;
    d.host.settle().await;
    let outcome: serde_json::Value = r.json().await?;
    let id = latest(&d.host).await?;
    let name = format!("inc-{id}");
    d.flare(&format!(
        "made triage incident {id} ({}), opened #{name}, and pinged on-call in #incident-triage",
        outcome["outcome"]
    ));
    let mut seen_triage = d.posted_since("incident-triage", 0);
    let mut seen = d.posted_since(&name, 0);

    d.say(
        "bob (on-call)",
        "joins, reads the report and accepts it as S1 from the card.",
    );
    let channel = d.channel_id(&name)?;
    d.host
        .sim
        .act(
            "U0BOB",
            "conversations.join",
            serde_json::json!({ "channel": channel }),
        )
        .map_err(anyhow::Error::msg)?;
    let card = d
        .host
        .sim
        .channel(&channel)
        .and_then(|c| c.messages.into_iter().find(|m| m.pinned))
        .context("no card")?;
    d.driver
        .block_action("U0BOB", &channel, &card.ts, "accept:S1", Some(id.as_str()))
        .await?;
    d.host.settle().await;
    d.flare(
        "moved it to investigating at S1, announced it in #incidents and updated the triage notice",
    );
    seen = d.posted_since(&name, seen);
    seen_triage = d.posted_since("incident-triage", seen_triage);
    let _ = seen_triage;
    let seen_incidents = d.posted_since("incidents", 0);
    // S1 is broadcast to the whole company (`channels.broadcast` in flare.local.yaml).
    let mut seen_general = d.posted_since("general", 0);

    d.say(
        "alice (support)",
        "sees the outage as an alert in #alerts and declares an incident from that message, not knowing bob has one.",
    );
    let alerts = d
        .host
        .sim
        .act(
            "U0ALICE",
            "conversations.create",
            serde_json::json!({ "name": "alerts" }),
        )
        .map_err(anyhow::Error::msg)?["channel"]["id"]
        .as_str()
        .context("no #alerts")?
        .to_owned();
    let alert = d.driver.post_as(
        "U0ALICE",
        &alerts,
        "ALERT checkout-api p99 latency 9.8s (threshold 2s) since 08:51 UTC",
        None,
    )?;
    d.driver
        .message_action(
            "U0ALICE",
            &alerts,
            &alert,
            flare::slack::app::DECLARE_FROM_MESSAGE,
        )
        .await?;
    let form = d.host.sim.views().last().context("no modal")?.id.clone();
    let submit = d.driver.prepare_view_submission(
        "U0ALICE",
        &form,
        &flare_slack_sim::ViewValues::new()
            .set("title", "value", "Checkout latency alert")
            .set("severity", "value", "S2"),
    )?;
    d.driver.send(&submit).await?;
    d.host.settle().await;
    let duplicate = d
        .host
        .store
        .open()
        .await?
        .into_iter()
        .map(|o| o.id)
        .find(|o| o != &id)
        .context("no duplicate")?;
    let dup_name = format!("inc-{duplicate}");
    d.flare(&format!(
        "opened #{dup_name} with the alert as its first timeline entry"
    ));
    d.say(
        "alice",
        &format!(
            "spots bob's incident in /incident list and merges hers into it: /incident merge {id}"
        ),
    );
    d.slash("U0ALICE", &dup_name, &format!("merge {id}"))
        .await?;
    d.posted_since(&dup_name, 0);
    d.flare(&format!(
        "moved the duplicate's entries (the alert, at its original time) into #{name}, invited alice, and archived #{dup_name}"
    ));
    seen = d.posted_since(&name, seen);

    d.say(
        "bob",
        "makes carol the coordinator and dave the comms lead.",
    );
    d.slash("U0BOB", &name, "role coordinator <@U0CAROL|carol>")
        .await?;
    d.slash("U0BOB", &name, "role comms <@U0DAVE|dave>").await?;
    seen = d.posted_since(&name, seen);

    d.say(
        "bob",
        "posts the alert from the monitoring channel and marks it 🧾 for the papertrail.",
    );
    let alert = d.driver.post_as(
        "U0BOB",
        &channel,
        "ALERT checkout-api 5xx rate 97% (threshold 5%) since 08:52 UTC",
        None,
    )?;
    d.driver.react("U0CAROL", &channel, &alert, "receipt")?;
    d.host.settle().await;
    seen = d.posted_since(&name, seen);

    // Support in California says when the first complaint came in, in their time;
    // carol, in Singapore, types it as they said it.
    let first_complaint = (d.host.clock.now() - chrono::Duration::minutes(10))
        .with_timezone(&chrono_tz::Tz::America__Los_Angeles)
        .format("%-I:%M%P PT")
        .to_string();
    d.say(
        "carol",
        &format!(
            "hears from support in California that customers were hit from {first_complaint}, and moves to fixing."
        ),
    );
    d.slash("U0CAROL", &name, &format!("impact start {first_complaint}"))
        .await?;
    d.slash(
        "U0CAROL",
        &name,
        "status fixing bad config pushed at 08:50; rolling back",
    )
    .await?;
    seen = d.posted_since(&name, seen);

    d.say("(30 minutes pass)", "");
    d.advance(30).await?;
    d.flare("reminds carol that an update is due, with a draft of what changed");
    seen = d.posted_since(&name, seen);

    d.say("carol", "posts the drafted update with one click.");
    let nudge = d
        .host
        .sim
        .channel(&channel)
        .and_then(|c| {
            c.messages
                .into_iter()
                .rev()
                .find(|m| m.text.contains("time for an update"))
        })
        .context("no nudge")?;
    let value = nudge
        .blocks
        .as_ref()
        .and_then(|b| b[1]["elements"][0]["value"].as_str())
        .map(str::to_owned);
    d.driver
        .block_action(
            "U0CAROL",
            &channel,
            &nudge.ts,
            "post_update",
            value.as_deref(),
        )
        .await?;
    d.host.settle().await;
    seen = d.posted_since(&name, seen);
    // Stakeholders get it without joining: in the announcement's and the broadcast's threads.
    d.posted_since("incidents", seen_incidents);
    seen_general = d.posted_since("general", seen_general);

    d.say(
        "dave",
        "pins the customer-facing wording for the postmortem discussion 📌.",
    );
    let wording = d.driver.post_as(
        "U0DAVE",
        &channel,
        "Customer wording: checkout was unavailable 08:52–09:40 UTC; no data was lost.",
        None,
    )?;
    d.driver.pin("U0DAVE", &channel, &wording)?;
    d.host.settle().await;
    seen = d.posted_since(&name, seen);

    d.say(
        "carol",
        "sees the error rate drop, lowers the severity and moves to monitoring.",
    );
    d.slash("U0CAROL", &name, "severity S2").await?;
    d.slash(
        "U0CAROL",
        &name,
        "status monitoring error rate back to 0.1%",
    )
    .await?;
    d.slash("U0CAROL", &name, "impact end now").await?;
    seen = d.posted_since(&name, seen);

    d.say("(20 minutes pass)", "");
    d.advance(20).await?;
    d.say("carol", "resolves the incident.");
    d.slash(
        "U0CAROL",
        &name,
        "resolve rollback complete; config validation to be added",
    )
    .await?;
    d.posted_since(&format!("{name}-resolved"), seen);

    let incident = d.host.store.load(&id).await?.context("incident vanished")?;
    let durations = flare::domain::Durations::of(&incident);
    let show =
        |x: Option<chrono::Duration>| x.map_or("-".to_owned(), flare::domain::human_duration);
    println!(
        "\nResolved {id}: time to detect {}, to acknowledge {}, to mitigate {}, to resolve {}.",
        show(durations.to_detect),
        show(durations.to_acknowledge),
        show(durations.to_mitigate),
        show(durations.to_resolve)
    );
    println!("Local time now {}.", d.host.clock.now().format("%H:%M UTC"));
    // The draft names people as their Slack profiles do: no `@U0CAROL` outside Slack.
    // The draft shared in the incident's channel on resolving.
    let resolved_doc = d
        .host
        .sim
        .state()
        .files
        .into_iter()
        .rev()
        .find(|f| f.completed && f.channel.as_deref() == Some(channel.as_str()));
    if let Some(doc) = &resolved_doc {
        println!("\nThe postmortem's roles, by name:");
        for line in doc
            .content
            .lines()
            .skip_while(|l| !l.starts_with("## Roles"))
            .filter(|l| l.starts_with("| ") && !l.starts_with("| ---"))
            .take(5)
        {
            println!("      {line}");
        }
    }

    d.say("carol", "closes the incident; its channel is archived.");
    d.slash("U0CAROL", &format!("{name}-resolved"), "close")
        .await?;
    let seen_incidents = d.posted_since("incidents", usize::MAX);
    d.posted_since("general", seen_general);
    d.say("(a week later)", "");
    d.advance(7 * 24 * 60).await?;
    d.say(
        "carol",
        &format!(
            "at the review, in #general: /incident action {id} Validate config before rollout @bob"
        ),
    );
    d.slash(
        "U0CAROL",
        "general",
        &format!("action {id} Validate config before rollout <@U0BOB|bob>"),
    )
    .await?;
    d.say("carol", &format!("/incident postmortem {id}"));
    d.slash("U0CAROL", "general", &format!("postmortem {id}"))
        .await?;
    d.posted_since("incidents", seen_incidents);

    let out = Path::new("target/demo");
    std::fs::create_dir_all(out)?;
    std::fs::write(
        out.join("channels.json"),
        serde_json::to_string_pretty(&d.host.sim.state())?,
    )?;
    if let Some(doc) = &resolved_doc {
        std::fs::write(out.join("postmortem.md"), &doc.content)?;
        println!(
            "\nFlare posted the postmortem draft in #{name}-resolved ({} lines); it begins:",
            doc.content.lines().count()
        );
        for line in doc.content.lines().take(14) {
            println!("      {line}");
        }
        println!("Wrote target/demo/postmortem.md.");
    }
    let timeline: Vec<_> = d
        .host
        .store
        .events(&id, 1)
        .await?
        .into_iter()
        .map(|e| e.record)
        .collect();
    std::fs::write(
        out.join("timeline.json"),
        serde_json::to_string_pretty(&timeline)?,
    )?;
    println!(
        "Wrote target/demo/channels.json (the simulated workspace) and target/demo/timeline.json ({} events).",
        timeline.len()
    );
    Ok(())
}

async fn latest(host: &Host) -> anyhow::Result<flare::domain::IncidentId> {
    let open = host.store.open().await?;
    open.into_iter().map(|o| o.id).max().context("no incident")
}
