//! `flare-config check <file>`: validate a configuration file (file: field: why).
//! `flare-config sync <file>`: make the service catalog in DynamoDB (`FLARE_TABLE`,
//! default AWS credentials; `FLARE_AWS_ENDPOINT` for moto) equal to the file's services.

use flare::config::Config;
use std::path::Path;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(verb), Some(file)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: flare-config check|sync <flare.yaml>");
        return ExitCode::from(2);
    };
    let config = match Config::load(Path::new(file)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    match verb.as_str() {
        "check" => {
            println!(
                "{file}: ok ({} services, {} customers, {} severities)",
                config.services.len(),
                config.customers.len(),
                config.severities.levels().len()
            );
            ExitCode::SUCCESS
        }
        "sync" => {
            let Ok(table) = std::env::var("FLARE_TABLE") else {
                eprintln!("FLARE_TABLE is not set (the stack's TableName output)");
                return ExitCode::from(2);
            };
            flare::slack::api::install_crypto_provider();
            let endpoint = std::env::var("FLARE_AWS_ENDPOINT").ok();
            let sdk = flare::aws::sdk_config(endpoint.as_deref()).await;
            let client = aws_sdk_dynamodb::Client::new(&sdk);
            match flare::store::catalog::sync(&client, &table, &config.services).await {
                Ok((written, removed)) => {
                    println!("catalog in {table}: {written} services written, {removed} removed");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("sync failed: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        other => {
            eprintln!("unknown command `{other}`: use check or sync");
            ExitCode::from(2)
        }
    }
}
