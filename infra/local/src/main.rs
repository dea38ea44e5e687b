//! `make run`: Flare on 127.0.0.1 with moto and the Slack simulator.

use anyhow::Context;
use flare::config::Config;
use flare_local::{DEFAULT_SIGNING_SECRET, Host, Options};
use std::net::{Ipv4Addr, SocketAddr};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    flare::telemetry::init();
    let port: u16 = std::env::var("FLARE_LOCAL_PORT")
        .unwrap_or_else(|_| "3000".into())
        .parse()
        .context("FLARE_LOCAL_PORT")?;
    let aws_endpoint = std::env::var("FLARE_AWS_ENDPOINT")
        .or_else(|_| std::env::var("FLARE_TEST_AWS_ENDPOINT"))
        .context("set FLARE_AWS_ENDPOINT to moto's URL (make run does)")?;
    let config_path = std::env::var("FLARE_CONFIG_PATH")
        .unwrap_or_else(|_| "infra/config/flare.local.yaml".into());
    let config = Config::load(config_path.as_ref())?;
    let host = Host::start(Options {
        addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        aws_endpoint,
        prefix: "flare-local".into(),
        config,
        signing_secret: std::env::var("SLACK_SIGNING_SECRET")
            .unwrap_or_else(|_| DEFAULT_SIGNING_SECRET.into()),
        real_slack_token: std::env::var("SLACK_BOT_TOKEN")
            .ok()
            .filter(|t| t.starts_with("xoxb-")),
    })
    .await?;
    // Slack's rate-limit tiers: off unless asked for (also `POST /sim/rate-limits`).
    if std::env::var("FLARE_SLACK_RATE_LIMITS").is_ok_and(|v| v == "1") {
        host.sim.set_rate_limits(true);
    }
    let b = &host.base_url;
    if host.real_slack {
        println!(
            "Talking to the real Slack workspace of SLACK_BOT_TOKEN; the simulator below is idle."
        );
    }
    println!("Flare is running on {b}");
    println!("  Slack endpoints   {b}/slack/commands  {b}/slack/interactions  {b}/slack/events");
    println!(
        "  simulated Slack   {b}/  (channels)   {b}/api/<method>   {b}/sim/state   {b}/sim/calls"
    );
    println!(
        "  act as a person   {b}/sim/act/command  /sim/act/shortcut  /sim/act/submit  /sim/act/click  /sim/act/home  /sim/views?user=U0ALICE"
    );
    println!("  clock             {b}/local/clock   readiness {b}/healthz");
    println!("Try it: see docs/local-mode.md. Ctrl-C stops.");
    tokio::signal::ctrl_c().await?;
    Ok(())
}
