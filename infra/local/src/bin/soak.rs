//! `make soak`: mixed traffic at a steady rate against a `flare-local` child process
//! for `SOAK_SECONDS` (default 600), then: every command applied exactly once, no update
//! posted twice in Slack, and the child's resident memory flat after warm-up.
//!
//! Traffic, in `SOAK_LANES` lanes (default 4), each one incident at a time: a mail
//! declares a triage incident, `/incident accept S3`, then 30 steps of updates, severity
//! changes, status changes and 🧾 reactions that capture a person's message, then
//! resolve and close; the next incident. `SOAK_RATE` actions per second in all (default 2).
//! The child's RSS (`/proc/<pid>/status` VmRSS) is sampled every 5 s; the run fails if it
//! ends more than `SOAK_RSS_GROWTH_MB` (default 24) above its level after warm-up (the
//! first fifth of the run, at least 30 s). Needs moto: `FLARE_TEST_AWS_ENDPOINT`.

use anyhow::{Context, bail};
use flare::domain::{Event, IncidentId, Recorded};
use flare::store::{DynamoStore, IncidentStore, Outcome};
use flare_local::DEFAULT_SIGNING_SECRET;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BOT: &str = "xoxb-flare-local";

/// What the lanes sent, to check afterwards.
#[derive(Default)]
struct Sent {
    /// Slash commands: idempotency key → what it was.
    commands: Vec<(String, IncidentId, String)>,
    /// Mail declarations: `mail#<Message-ID>`.
    mails: Vec<String>,
    /// Update tokens per incident (each must be posted once).
    updates: Vec<(IncidentId, String)>,
    /// Captured message tokens per incident.
    captures: Vec<(IncidentId, String)>,
    /// Requests Flare answered with something other than 200.
    refused_at_door: Vec<String>,
}

struct Ctx {
    base: String,
    http: reqwest::Client,
    store: DynamoStore,
    sent: Mutex<Sent>,
    counter: std::sync::atomic::AtomicU64,
    deadline: Instant,
    step: Duration,
}

impl Ctx {
    fn next(&self) -> u64 {
        self.counter
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    }

    fn sent(&self) -> std::sync::MutexGuard<'_, Sent> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A signed slash command; returns its idempotency key.
    async fn slash(&self, user: &str, channel: &str, text: &str) -> anyhow::Result<String> {
        let trigger = format!("soak.{}.{:016x}", self.next(), fastrand::u64(..));
        let response_url = format!("{}/sim/response/soak-{trigger}", self.base);
        let fields = [
            ("token", "soak"),
            ("team_id", flare_slack_sim::TEAM_ID),
            ("team_domain", flare_slack_sim::TEAM_DOMAIN),
            ("channel_id", channel),
            ("channel_name", "incident"),
            ("user_id", user),
            ("user_name", user),
            ("command", "/incident"),
            ("text", text),
            ("api_app_id", flare_slack_sim::APP_ID),
            ("is_enterprise_install", "false"),
            ("response_url", &response_url),
            ("trigger_id", &trigger),
        ];
        let body = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let ts = chrono::Utc::now().timestamp().to_string();
        let signature =
            flare::slack::signature::sign(DEFAULT_SIGNING_SECRET.as_bytes(), &ts, body.as_bytes());
        let r = self
            .http
            .post(format!("{}/slack/commands", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-slack-request-timestamp", ts)
            .header("x-slack-signature", signature)
            .body(body)
            .send()
            .await?;
        let id = format!("slash#{trigger}");
        if r.status() != 200 {
            self.sent()
                .refused_at_door
                .push(format!("{text}: {}", r.status()));
        }
        Ok(id)
    }

    /// A Web API call to the simulator with `token`.
    async fn api(&self, token: &str, method: &str, params: Value) -> anyhow::Result<Value> {
        let v: Value = self
            .http
            .post(format!("{}/api/{method}", self.base))
            .bearer_auth(token)
            .json(&params)
            .send()
            .await?
            .json()
            .await?;
        if v["ok"] != json!(true) {
            bail!("{method}: {v}");
        }
        Ok(v)
    }

    async fn channel_id(&self, name: &str) -> anyhow::Result<Option<String>> {
        let mut cursor = String::new();
        loop {
            let page = self
                .api(
                    BOT,
                    "conversations.list",
                    json!({ "limit": 1000, "cursor": cursor, "types": "public_channel,private_channel" }),
                )
                .await?;
            if let Some(c) = page["channels"]
                .as_array()
                .and_then(|cs| cs.iter().find(|c| c["name"] == json!(name)))
            {
                return Ok(c["id"].as_str().map(str::to_owned));
            }
            cursor = flare::slack::api::next_cursor(&page);
            if cursor.is_empty() {
                return Ok(None);
            }
        }
    }

    /// Paces the lane: one action per `step`.
    async fn pace(&self, since: &mut Instant) {
        let next = *since + self.step;
        tokio::time::sleep_until(next.into()).await;
        *since = next.max(Instant::now() - self.step);
    }
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// One lane: incidents one after the other until the deadline.
async fn lane(ctx: Arc<Ctx>, lane: usize) -> anyhow::Result<()> {
    let mut since = Instant::now();
    let users = ["U0ALICE", "U0BOB", "U0CAROL", "U0DAVE"];
    while Instant::now() < ctx.deadline {
        // A mail opens a triage incident.
        let n = ctx.next();
        let message_id = format!("soak-{lane}-{n}@acme.example");
        let mail = format!(
            "From: Customer <ops@acme.example>\r\nTo: incidents@flare.example\r\nSubject: Soak {lane}-{n}: checkout is slow\r\nMessage-ID: <{message_id}>\r\nDate: {}\r\n\r\nCheckout has been slow for ten minutes.\r\n",
            chrono::Utc::now().to_rfc2822()
        );
        let r = ctx
            .http
            .post(format!("{}/local/email", ctx.base))
            .body(mail)
            .send()
            .await?;
        let answer: Value = r.json().await?;
        let Some(key) = answer["command"].as_str().map(str::to_owned) else {
            ctx.sent()
                .refused_at_door
                .push(format!("mail {message_id}: {answer}"));
            ctx.pace(&mut since).await;
            continue;
        };
        ctx.sent().mails.push(key.clone());
        let id = loop {
            if let Some(Outcome::Applied { incident, .. }) = ctx.store.outcome(&key).await? {
                break incident;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        };
        let name = format!("inc-{id}");
        let channel = loop {
            if let Some(c) = ctx.channel_id(&name).await? {
                break c;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        };
        // The people join, as they would to help.
        for user in users {
            ctx.api(
                &format!("xoxp-{user}"),
                "conversations.join",
                json!({ "channel": channel }),
            )
            .await?;
        }
        ctx.pace(&mut since).await;
        let send = async |user: &str, text: &str, kind: &str| -> anyhow::Result<()> {
            let key = ctx.slash(user, &channel, text).await?;
            ctx.sent().commands.push((key, id.clone(), kind.to_owned()));
            Ok(())
        };
        send("U0ALICE", "accept S3", "accept").await?;
        ctx.pace(&mut since).await;
        let mut severity = "S3";
        let mut status = "investigating";
        for step in 0..30 {
            if Instant::now() >= ctx.deadline {
                return Ok(());
            }
            let user = users[step % users.len()];
            match step % 10 {
                6 => {
                    severity = if severity == "S3" { "S2" } else { "S3" };
                    send(user, &format!("severity {severity}"), "severity").await?;
                }
                7 => {
                    let token = format!("[soak-capture-{}]", ctx.next());
                    let posted = ctx
                        .api(
                            &format!("xoxp-{user}"),
                            "chat.postMessage",
                            json!({ "channel": channel, "text": format!("Seen in the logs {token}") }),
                        )
                        .await?;
                    let ts = posted["ts"].as_str().unwrap_or_default().to_owned();
                    ctx.api(
                        "xoxp-U0ALICE",
                        "reactions.add",
                        json!({ "channel": channel, "timestamp": ts, "name": "receipt" }),
                    )
                    .await?;
                    ctx.sent().captures.push((id.clone(), token));
                }
                8 => {
                    status = if status == "fixing" {
                        "monitoring"
                    } else {
                        "fixing"
                    };
                    send(user, &format!("status {status}"), "status").await?;
                }
                _ => {
                    let token = format!("[soak-update-{}]", ctx.next());
                    send(user, &format!("update {token}"), "update").await?;
                    ctx.sent().updates.push((id.clone(), token));
                }
            }
            ctx.pace(&mut since).await;
        }
        send("U0ALICE", "resolve the soak is over", "resolve").await?;
        ctx.pace(&mut since).await;
        send("U0ALICE", "close", "close").await?;
        ctx.pace(&mut since).await;
    }
    Ok(())
}

fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn env_num(name: &str, default: u64) -> anyhow::Result<u64> {
    match std::env::var(name) {
        Ok(v) => v.parse().with_context(|| format!("{name}={v}")),
        Err(_) => Ok(default),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let seconds = env_num("SOAK_SECONDS", 600)?;
    let lanes = env_num("SOAK_LANES", 4)?.max(1);
    let rate: f64 = std::env::var("SOAK_RATE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2.0);
    let bound_mb = env_num("SOAK_RSS_GROWTH_MB", 24)?;
    let endpoint = std::env::var("FLARE_TEST_AWS_ENDPOINT")
        .or_else(|_| std::env::var("FLARE_AWS_ENDPOINT"))
        .context("FLARE_TEST_AWS_ENDPOINT: moto's URL (make soak starts one)")?;
    let out_dir = std::path::PathBuf::from("target/soak");
    std::fs::create_dir_all(&out_dir)?;

    // flare-local as a child process, next to this binary.
    let exe = std::env::current_exe()?.with_file_name("flare-local");
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let log = std::fs::File::create(out_dir.join("flare-local.log"))?;
    let mut child = tokio::process::Command::new(&exe)
        .env("FLARE_LOCAL_PORT", port.to_string())
        .env("FLARE_AWS_ENDPOINT", &endpoint)
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or("warn".into()),
        )
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", exe.display()))?;
    let pid = child.id().context("flare-local exited at once")?;
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let ready = Instant::now();
    loop {
        if http
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            break;
        }
        if ready.elapsed() > Duration::from_secs(120) {
            bail!("flare-local not ready after 2 minutes; see target/soak/flare-local.log");
        }
        if let Some(status) = child.try_wait()? {
            bail!("flare-local exited: {status}; see target/soak/flare-local.log");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let sdk = flare::aws::sdk_config(Some(&endpoint)).await;
    let resources = flare::aws::provision::ensure(&sdk, "flare-local").await?;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), resources.table.clone());
    let rss_start = rss_kb(pid).unwrap_or(0);
    println!(
        "soak: {seconds} s, {lanes} lanes, {rate} actions/s, flare-local pid {pid} on {base}, RSS {} MB at start",
        rss_start / 1024
    );

    let started = Instant::now();
    let ctx = Arc::new(Ctx {
        base: base.clone(),
        http: http.clone(),
        store,
        sent: Mutex::new(Sent::default()),
        counter: Default::default(),
        deadline: started + Duration::from_secs(seconds),
        step: Duration::from_secs_f64(lanes as f64 / rate.max(0.01)),
    });
    let mut tasks = tokio::task::JoinSet::new();
    for l in 0..lanes {
        let ctx = ctx.clone();
        tasks.spawn(async move {
            // Staggered, so the lanes don't act in step.
            tokio::time::sleep(ctx.step.mul_f64(l as f64 / lanes as f64)).await;
            lane(ctx, l as usize).await
        });
    }

    // Samples: RSS and queue depth every 5 s; the simulator's call log is cleared every
    // 30 s (it keeps every call, which is the simulator's memory, not Flare's).
    let warm_at = Duration::from_secs((seconds / 5).max(30).min(seconds));
    let mut samples = vec![(0u64, rss_start, 0u64)];
    let mut csv = String::from("seconds,rss_kb,queued\n");
    let mut rss_warm = None;
    let depth = async || -> u64 {
        let attrs = sqs
            .get_queue_attributes()
            .queue_url(&resources.command_queue_url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(
                aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
            )
            .send()
            .await;
        attrs
            .ok()
            .and_then(|a| a.attributes)
            .map(|a| {
                a.values()
                    .filter_map(|v| v.parse::<u64>().ok())
                    .sum::<u64>()
            })
            .unwrap_or(u64::MAX)
    };
    let mut ticks = 0u64;
    while !tasks.is_empty() {
        tokio::select! {
            done = tasks.join_next() => {
                if let Some(r) = done {
                    r??;
                }
            }
            _ = tokio::time::sleep(Duration::from_secs(5)) => {
                ticks += 1;
                let t = started.elapsed().as_secs();
                let rss = rss_kb(pid).unwrap_or(0);
                let queued = depth().await;
                samples.push((t, rss, queued));
                csv.push_str(&format!("{t},{rss},{queued}\n"));
                if rss_warm.is_none() && started.elapsed() >= warm_at {
                    rss_warm = Some(rss);
                }
                if ticks.is_multiple_of(6) {
                    let _ = http.delete(format!("{base}/sim/calls")).send().await;
                    println!("soak: {t} s, RSS {} MB, {queued} queued, {} commands sent", rss / 1024, ctx.sent().commands.len());
                }
            }
        }
        if let Some(status) = child.try_wait()? {
            bail!("flare-local died: {status}; see target/soak/flare-local.log");
        }
    }
    // Drain: the queue empty twice in a row.
    let drain = Instant::now();
    let mut empty = 0;
    while empty < 2 {
        if drain.elapsed() > Duration::from_secs(300) {
            bail!("the queue did not drain in 5 minutes");
        }
        empty = if depth().await == 0 { empty + 1 } else { 0 };
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let drained_in = drain.elapsed();
    let _ = http.delete(format!("{base}/sim/calls")).send().await;
    let rss_end = rss_kb(pid).unwrap_or(0);
    let t = started.elapsed().as_secs();
    samples.push((t, rss_end, 0));
    csv.push_str(&format!("{t},{rss_end},0\n"));
    std::fs::write(out_dir.join("rss.csv"), &csv)?;
    let rss_peak = samples.iter().map(|s| s.1).max().unwrap_or(0);
    let rss_warm = rss_warm.unwrap_or(rss_end);

    // Check: every command applied exactly once.
    let sent = std::mem::take(&mut *ctx.sent());
    let store = &ctx.store;
    let mut timelines: HashMap<IncidentId, Vec<Recorded>> = HashMap::new();
    let mut problems = Vec::new();
    let (mut applied, mut refused, mut lost, mut duplicated) = (0, 0, 0, 0);
    let keys: Vec<(String, Option<IncidentId>)> = sent
        .mails
        .iter()
        .map(|k| (k.clone(), None))
        .chain(
            sent.commands
                .iter()
                .map(|(k, id, _)| (k.clone(), Some(id.clone()))),
        )
        .collect();
    for (key, _) in &keys {
        match store.outcome(key).await? {
            Some(Outcome::Applied { incident, versions }) => {
                if !timelines.contains_key(&incident) {
                    let events = store
                        .events(&incident, 1)
                        .await?
                        .into_iter()
                        .map(|e| e.record)
                        .collect();
                    timelines.insert(incident.clone(), events);
                }
                let mine: Vec<u64> = timelines[&incident]
                    .iter()
                    .filter(|r| r.command_id == *key)
                    .map(|r| r.version)
                    .collect();
                if mine != versions || versions.is_empty() {
                    duplicated += 1;
                    problems.push(format!("{key}: events {mine:?}, outcome says {versions:?}"));
                } else {
                    applied += 1;
                }
            }
            Some(Outcome::Rejected { reason }) => {
                refused += 1;
                problems.push(format!("{key}: refused: {reason}"));
            }
            None => {
                lost += 1;
                problems.push(format!("{key}: never applied"));
            }
        }
    }
    for (id, events) in &timelines {
        for (i, r) in events.iter().enumerate() {
            if r.version != i as u64 + 1 {
                problems.push(format!("{id}: versions not contiguous at {}", r.version));
                break;
            }
        }
    }
    // Captures: each marked message captured once.
    let mut captured: BTreeMap<String, usize> = BTreeMap::new();
    for events in timelines.values() {
        for r in events {
            if let Event::Captured { message, .. } = &r.event
                && let (Some(a), Some(b)) = (message.text.find('['), message.text.find(']'))
            {
                *captured.entry(message.text[a..=b].to_owned()).or_default() += 1;
            }
        }
    }
    let captures_lost = sent
        .captures
        .iter()
        .filter(|(_, t)| !captured.contains_key(t))
        .count();
    let captures_twice = captured.values().filter(|n| **n > 1).count();
    // Slack: each update posted once in its channel.
    let state: Value = http
        .get(format!("{base}/sim/state"))
        .send()
        .await?
        .json()
        .await?;
    let mut posted: HashMap<String, usize> = HashMap::new();
    for c in state["channels"].as_array().into_iter().flatten() {
        for m in c["messages"].as_array().into_iter().flatten() {
            let text = m["text"].as_str().unwrap_or_default();
            if text.contains("*Update* from")
                && let (Some(a), Some(b)) = (text.find('['), text.find(']'))
            {
                *posted.entry(text[a..=b].to_owned()).or_default() += 1;
            }
        }
    }
    let posts_missing = sent
        .updates
        .iter()
        .filter(|(_, t)| !posted.contains_key(t))
        .count();
    let posts_twice = posted.values().filter(|n| **n > 1).count();
    drop(child.start_kill());

    let growth_mb = (rss_end.saturating_sub(rss_warm)) / 1024;
    let report = format!(
        "duration {seconds} s at {rate} actions/s in {lanes} lanes; drained {drained_in:.1?} after\n\
         incidents {} (mail declarations {}), slash commands {}, reactions {}\n\
         commands applied once {applied}, refused {refused}, lost {lost}, duplicated {duplicated}\n\
         refused at the door (non-200) {}\n\
         captures missing {captures_lost}, captured twice {captures_twice}\n\
         updates posted {} of {}, missing {posts_missing}, posted twice {posts_twice}\n\
         flare-local RSS: start {} MB, after warm-up ({} s) {} MB, peak {} MB, end {} MB (growth after warm-up {growth_mb} MB, bound {bound_mb} MB)\n",
        timelines.len(),
        sent.mails.len(),
        sent.commands.len(),
        sent.captures.len(),
        sent.refused_at_door.len(),
        posted.len(),
        sent.updates.len(),
        rss_start / 1024,
        warm_at.as_secs(),
        rss_warm / 1024,
        rss_peak / 1024,
        rss_end / 1024,
    );
    print!("{report}");
    std::fs::write(out_dir.join("report.txt"), &report)?;
    for p in problems.iter().take(20) {
        eprintln!("  {p}");
    }
    for r in sent.refused_at_door.iter().take(10) {
        eprintln!("  refused at the door: {r}");
    }
    if lost + duplicated + refused > 0
        || captures_lost + captures_twice + posts_missing + posts_twice > 0
        || !sent.refused_at_door.is_empty()
        || problems.iter().any(|p| p.contains("contiguous"))
    {
        bail!("the soak lost, refused or duplicated something (above)");
    }
    if growth_mb > bound_mb {
        bail!("flare-local's RSS grew {growth_mb} MB after warm-up (bound {bound_mb} MB)");
    }
    println!("soak: ok");
    Ok(())
}
