//! The floor for `make bench`: a bare hyper HTTP/1 server that answers every POST with
//! the same ephemeral `/incident help` JSON Flare sends, and does nothing else (no
//! signature check, no parsing, no routing). Set beside Flare's ack path, it shows how
//! much of a request's cost is Flare's own work and how much is the machine's (TCP,
//! HTTP, tokio). Bench only: `PORT`, `HELP_TEXT_FILE`.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3902);
    let text = match std::env::var("HELP_TEXT_FILE") {
        Ok(path) => std::fs::read_to_string(path)?,
        Err(_) => "help".to_owned(),
    };
    let answer = Bytes::from(serde_json::to_vec(
        &serde_json::json!({ "response_type": "ephemeral", "text": text }),
    )?);
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    loop {
        let (stream, _) = listener.accept().await?;
        let answer = answer.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req: Request<Incoming>| {
                let answer = answer.clone();
                async move {
                    // Read the body as Flare does, so both pay for receiving it.
                    let _ = req.into_body().collect().await;
                    Ok::<_, Infallible>(
                        Response::builder()
                            .header("content-type", "application/json")
                            .body(Full::new(answer))
                            .unwrap_or_default(),
                    )
                }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
