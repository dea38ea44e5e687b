//! `make bench-scale` (part of `make bench`): what Slack's 3-second path costs with
//! 1,000 open incidents and a year of closed ones (36,500), on the local stack (the
//! local host in process, moto, the Slack simulator). Reports the ack time of
//! `/incident list`, the App Home, `/incident stats 30` and the duplicate check at
//! declaration, and the reminders' tick: median, p90 and max of `SCALE_RUNS` (default
//! 30) requests each. Needs moto (`FLARE_TEST_AWS_ENDPOINT`, as `with-moto.sh` sets).
//! `SCALE_OPEN` and `SCALE_CLOSED` change the numbers seeded.

use anyhow::{Context, bail};
use chrono::{DateTime, Duration, Utc};
use flare::config::Config;
use flare::domain::{
    Actor, Declaration, Event, Incident, IncidentId, Recorded, Role, Roles, Status, UserId,
};
use flare::store::{Commit, IncidentStore, StoreError};
use flare_local::{DEFAULT_SIGNING_SECRET, Host, Options};
use flare_slack_sim::{Driver, ViewValues};
use std::sync::Arc;
use std::time::Instant;

const PEOPLE: [&str; 5] = ["U0ALICE", "U0BOB", "U0CAROL", "U0DAVE", "U0ERIN"];
const SERVICES: [&str; 2] = ["checkout", "search"];
/// Seeding runs this many commits at once (moto is the bottleneck).
const SEED_PARALLEL: usize = 8;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let endpoint = std::env::var("FLARE_TEST_AWS_ENDPOINT")
        .context("FLARE_TEST_AWS_ENDPOINT is not set: run under infra/scripts/with-moto.sh")?;
    let open = env_usize("SCALE_OPEN", 1_000);
    let closed = env_usize("SCALE_CLOSED", 36_500);
    let runs = env_usize("SCALE_RUNS", 30).max(1);
    let text = include_str!("../../../config/flare.local.yaml");
    let config = Config::parse("flare.local.yaml", text).map_err(|e| anyhow::anyhow!("{e}"))?;
    let host = Host::start(Options {
        addr: "127.0.0.1:0".parse()?,
        aws_endpoint: endpoint,
        prefix: format!("scale{:08x}", fastrand::u32(..)),
        config: config.clone(),
        signing_secret: DEFAULT_SIGNING_SECRET.into(),
        real_slack_token: None,
    })
    .await?;
    let config = Arc::new(config);

    let started = Instant::now();
    let now = Utc::now();
    let seeded = seed(&host, &config, now, open, closed).await?;
    eprintln!(
        "seeded {open} open and {closed} closed incidents in {:.0} s",
        started.elapsed().as_secs_f64()
    );

    let driver = Driver::new(&host.sim, &host.base_url, DEFAULT_SIGNING_SECRET);
    let general = host
        .sim
        .channel_by_name("general")
        .context("the simulator has #general")?
        .id;
    let mut rows = Vec::new();

    rows.push(
        measure(&host, "`/incident list` (ack)", runs, || async {
            let prepared = driver.prepare_command("U0ERIN", &general, "/incident", "list")?;
            let t = Instant::now();
            let r = driver.send(&prepared).await?;
            let took = t.elapsed();
            if r.status != 200 || !r.body.contains("more") {
                bail!("list answered {}: {}", r.status, r.body);
            }
            Ok(took)
        })
        .await?,
    );
    rows.push(
        measure(
            &host,
            "`/incident list 20` (ack, page 20)",
            runs,
            || async {
                let prepared =
                    driver.prepare_command("U0ERIN", &general, "/incident", "list 20")?;
                let t = Instant::now();
                let r = driver.send(&prepared).await?;
                let took = t.elapsed();
                if r.status != 200 {
                    bail!("list 20 answered {}: {}", r.status, r.body);
                }
                Ok(took)
            },
        )
        .await?,
    );
    rows.push(
        measure(&host, "App Home opened (ack)", runs, || async {
            let t = Instant::now();
            let r = driver
                .event(serde_json::json!({ "type": "app_home_opened", "user": "U0CAROL", "channel": "D0HOME", "tab": "home" }))
                .await?;
            let took = t.elapsed();
            if r.status != 200 {
                bail!("app_home_opened answered {}", r.status);
            }
            Ok(took)
        })
        .await?,
    );
    // The worker's part of the Home tab: from the queued command to views.publish.
    rows.push(
        measure(&host, "App Home published (worker, after the ack)", runs.min(10), || async {
            host.settle().await;
            let t = Instant::now();
            driver
                .event(serde_json::json!({ "type": "app_home_opened", "user": "U0DAVE", "channel": "D0HOME", "tab": "home" }))
                .await?;
            host.settle().await;
            let took = t.elapsed();
            if !host.sim.views().iter().any(|v| v.user == "U0DAVE" && v.kind == "home") {
                bail!("the Home tab was not published");
            }
            Ok(took)
        })
        .await?,
    );
    rows.push(
        measure(
            &host,
            "`/incident stats 30` (ack)",
            runs.min(10),
            || async {
                let prepared =
                    driver.prepare_command("U0ERIN", &general, "/incident", "stats 30")?;
                let t = Instant::now();
                let r = driver.send(&prepared).await?;
                let took = t.elapsed();
                if r.status != 200 || !r.body.contains("Counting") {
                    bail!("stats answered {}: {}", r.status, r.body);
                }
                Ok(took)
            },
        )
        .await?,
    );
    // The worker's part: every incident of the 30 days read, counted and answered.
    rows.push(
        measure(
            &host,
            "`/incident stats 30` answered (worker, after the ack)",
            runs.min(5),
            || async {
                let told = host.sim.ephemeral_for("U0ERIN").len();
                let prepared =
                    driver.prepare_command("U0ERIN", &general, "/incident", "stats 30")?;
                let t = Instant::now();
                driver.send(&prepared).await?;
                host.settle().await;
                let took = t.elapsed();
                let answers = host.sim.ephemeral_for("U0ERIN");
                match answers.get(told) {
                    Some(a) if a.text.contains("Incidents in the last 30 days") => Ok(took),
                    other => bail!("stats were not answered: {other:?}"),
                }
            },
        )
        .await?,
    );
    rows.push(
        measure(
            &host,
            "declaration with the duplicate check (ack)",
            runs,
            || async {
                let before = host.sim.views().len();
                let open = driver.prepare_command("U0ERIN", &general, "/incident", "")?;
                driver.send(&open).await?;
                let views = host.sim.views();
                if views.len() != before + 1 {
                    bail!("no modal opened");
                }
                let view = views.last().map(|v| v.id.clone()).unwrap_or_default();
                let values = ViewValues::new()
                    .set("title", "value", "Checkout errors again")
                    .set("severity", "value", "S2")
                    .set_many("services", "value", &["checkout"]);
                let submit = driver.prepare_view_submission("U0ERIN", &view, &values)?;
                let t = Instant::now();
                let r = driver.send(&submit).await?;
                let took = t.elapsed();
                // Recent checkout incidents exist: the answer offers them (nothing declared).
                if r.status != 200 || !r.body.contains("may already be an incident") {
                    bail!("the duplicate check answered {}: {}", r.status, r.body);
                }
                Ok(took)
            },
        )
        .await?,
    );
    rows.push(
        measure(&host, "reminders' tick", runs.min(10), || async {
            let t = Instant::now();
            host.tick().await.map_err(|e| anyhow::anyhow!(e))?;
            Ok(t.elapsed())
        })
        .await?,
    );

    println!(
        "Scale: {open} open incidents ({} private), {closed} closed over a year; {runs} runs each.",
        seeded.private
    );
    println!("| request | median | p90 | max |");
    println!("|---|---:|---:|---:|");
    for row in rows {
        println!("{row}");
    }
    host.settle().await;
    Ok(())
}

struct Seeded {
    private: usize,
}

/// The open incidents are stored as the worker stores them (one commit each, with its
/// listing card, channel and stats month); the year of closed ones is imported in
/// batches. Nothing goes through Slack: the point is the state.
async fn seed(
    host: &Host,
    config: &Arc<Config>,
    now: DateTime<Utc>,
    open: usize,
    closed: usize,
) -> anyhow::Result<Seeded> {
    let store = host.store.clone();
    let mut months: std::collections::BTreeMap<String, Vec<IncidentId>> = Default::default();
    let mut private = 0;
    let mut tasks = pool::Pool::new(SEED_PARALLEL);
    for i in 0..open {
        // Spread over 30 days; the newest few on checkout within the hour, so the
        // duplicate check finds something.
        let age = if i + 5 >= open {
            Duration::minutes(i64::try_from(open - i).unwrap_or(1) * 5)
        } else {
            Duration::minutes(i64::try_from(i).unwrap_or(0) * 43 % (30 * 24 * 60) + 60)
        };
        let (incident, rec) = incident(config, now - age, i, false)?;
        private += usize::from(incident.private);
        let store = store.clone();
        let rank = config.severities.rank(&incident.severity);
        tasks
            .push(async move { commit_open(&store, incident, rec, rank, i).await })
            .await?;
    }
    let opened = tasks.finish().await?;
    for (month, id) in opened {
        months.entry(month).or_default().push(id);
    }
    eprintln!("  {open} open incidents committed");
    let mut batch = Vec::new();
    for i in 0..closed {
        // 100 a day over the last 365 days.
        let age = Duration::minutes(i64::try_from(i).unwrap_or(0) * 24 * 60 / 100 + 1);
        let (incident, rec) = incident(config, now - age, open + i, true)?;
        months
            .entry(incident.declared_at.format("%Y-%m").to_string())
            .or_default()
            .push(incident.id.clone());
        batch.push((incident, vec![rec]));
        if batch.len() == 500 || i + 1 == closed {
            store
                .import_finished(&batch)
                .await
                .map_err(|e| anyhow::anyhow!("import: {e}"))?;
            batch.clear();
        }
        if i % 5_000 == 4_999 {
            eprintln!("  {} closed incidents imported", i + 1);
        }
    }
    for (month, ids) in &months {
        store
            .add_all_to_month(month, ids)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(Seeded { private })
}

/// Incident `n` as declared at `at` (closed 1 h 45 min later, if `closed`).
fn incident(
    config: &Config,
    at: DateTime<Utc>,
    n: usize,
    closed: bool,
) -> anyhow::Result<(Incident, Recorded)> {
    let levels = config.severities.levels();
    let severity = config
        .severities
        .parse(&levels[n % levels.len()].id)
        .map_err(|e| anyhow::anyhow!(e))?;
    let reporter = UserId::parse(PEOPLE[n % PEOPLE.len()]).context("user")?;
    let mut roles = Roles::default();
    roles.assign(
        Role::Coordinator,
        UserId::parse(PEOPLE[(n + 2) % PEOPLE.len()]).context("user")?,
    );
    let declaration = Declaration {
        title: format!("Scale incident {n}: {} slow", SERVICES[n % 2]),
        severity,
        impact: "Some customers see errors".into(),
        description: String::new(),
        services: vec![SERVICES[n % 2].to_owned()],
        customer: None,
        triage: false,
        private: !closed && n % 10 == 3,
        page_oncall: false,
        roles,
        impact_started_at: None,
        source_message: None,
        files: Vec::new(),
    };
    // The seed's own names: the date, then a number (no collisions to retry).
    let id = IncidentId::parse(&format!("{}-scale-{n}", at.format("%Y%m%d")))
        .context("an incident id")?;
    let rec = Recorded {
        incident_id: id,
        version: 1,
        at,
        actor: Actor::user(reporter),
        command_id: format!("scale#{n}"),
        event: Event::Declared(Box::new(declaration)),
    };
    let Some(mut incident) = Incident::from_declared(&rec) else {
        bail!("not a declaration");
    };
    if closed {
        let resolved = at + Duration::minutes(45);
        incident.status = Status::Closed;
        incident.mitigated_at = Some(at + Duration::minutes(30));
        incident.resolved_at = Some(resolved);
        incident.closed_at = Some(resolved + Duration::hours(1));
        incident.impact_ended_at = Some(resolved);
    }
    Ok((incident, rec))
}

/// One open incident through the store's commit (its card included), with a channel.
async fn commit_open(
    store: &flare::store::DynamoStore,
    incident: Incident,
    rec: Recorded,
    rank: usize,
    n: usize,
) -> anyhow::Result<(String, IncidentId)> {
    let commit = Commit {
        expected_version: 0,
        incident: &incident,
        events: std::slice::from_ref(&rec),
        effects: &[],
        dedup_key: &format!("scale#{n}"),
        next_due: None,
        listed: Some(rank),
        listed_before: None,
    };
    match store.commit(commit).await {
        Ok(()) | Err(StoreError::AlreadyApplied) => {}
        Err(e) => bail!("seeding {n}: {e}"),
    }
    store
        .set_ref(&incident.id, "channel", &format!("C0SCALE{n:05}"))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((
        incident.declared_at.format("%Y-%m").to_string(),
        incident.id,
    ))
}

/// Runs `f` `runs` times (after one warm-up) and formats median, p90 and max.
async fn measure<F, Fut>(host: &Host, what: &str, runs: usize, f: F) -> anyhow::Result<String>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<std::time::Duration>>,
{
    host.settle().await;
    f().await.with_context(|| format!("{what}: warm-up"))?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        // Whatever the last request queued is done first: one request's cost at a time.
        host.settle().await;
        times.push(f().await.with_context(|| what.to_owned())?);
    }
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    let ms = |d: std::time::Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    eprintln!("{what}: {}", ms(at(0.5)));
    Ok(format!(
        "| {what} | {} | {} | {} |",
        ms(at(0.5)),
        ms(at(0.9)),
        ms(times[times.len() - 1])
    ))
}

/// A small bounded pool of tasks, so seeding keeps a few commits in flight.
mod pool {
    use tokio::task::JoinSet;

    pub struct Pool<T> {
        set: JoinSet<anyhow::Result<T>>,
        max: usize,
        done: Vec<T>,
    }

    impl<T: Send + 'static> Pool<T> {
        pub fn new(max: usize) -> Pool<T> {
            Pool {
                set: JoinSet::new(),
                max,
                done: Vec::new(),
            }
        }

        pub async fn push(
            &mut self,
            task: impl std::future::Future<Output = anyhow::Result<T>> + Send + 'static,
        ) -> anyhow::Result<()> {
            while self.set.len() >= self.max {
                if let Some(done) = self.set.join_next().await {
                    self.done.push(done??);
                }
            }
            self.set.spawn(task);
            Ok(())
        }

        pub async fn finish(mut self) -> anyhow::Result<Vec<T>> {
            while let Some(done) = self.set.join_next().await {
                self.done.push(done??);
            }
            Ok(self.done)
        }
    }
}
