//! `flare-dead-letters list` / `flare-dead-letters replay [<incident id>]`: the commands
//! that failed 5 deliveries, and sending them back to the worker (docs/operations.md).
//! `FLARE_COMMAND_QUEUE_URL` is the stack's `CommandQueueUrl` output; the dead-letter
//! queue is read from its redrive policy. Default AWS credentials;
//! `FLARE_AWS_ENDPOINT` for moto.

use flare::bus::dead_letters::DeadLetters;
use std::process::ExitCode;

const USAGE: &str = "usage: flare-dead-letters list | replay [<incident id>]";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Ok(queue) = std::env::var("FLARE_COMMAND_QUEUE_URL") else {
        eprintln!("FLARE_COMMAND_QUEUE_URL is not set (the stack's CommandQueueUrl output)");
        return ExitCode::from(2);
    };
    flare::slack::api::install_crypto_provider();
    let endpoint = std::env::var("FLARE_AWS_ENDPOINT").ok();
    let sdk = flare::aws::sdk_config(endpoint.as_deref()).await;
    let dead = match DeadLetters::of_queue(aws_sdk_sqs::Client::new(&sdk), &queue).await {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["list"] => match (dead.count().await, dead.list(100).await) {
            (Ok(count), Ok(letters)) => {
                println!("{count} command(s) in {}", dead.dlq_url());
                for letter in &letters {
                    println!("{}", letter.line());
                }
                if (letters.len() as u64) < count {
                    println!(
                        "(listed {}: a FIFO queue shows one batch per incident at a time)",
                        letters.len()
                    );
                }
                ExitCode::SUCCESS
            }
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        ["replay", rest @ ..] if rest.len() <= 1 => {
            match dead.replay(rest.first().copied()).await {
                Ok(r) => {
                    println!(
                        "{} command(s) sent back to the worker; {} left in the dead-letter queue",
                        r.sent, r.left
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("replay stopped: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
