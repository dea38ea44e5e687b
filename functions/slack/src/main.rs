//! Lambda behind a function URL: Slack's commands, interactivity and events.
//! Verify, parse, enqueue, answer within 3 seconds; the worker does the rest.

use flare::slack::app::{Request as SlackRequest, SlackApp};
use lambda_http::{Body, Error, Request, Response, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    flare::telemetry::init();
    let app = flare::runtime::Wiring::from_env().await?.slack_app()?;
    let app = &app;
    lambda_http::run(service_fn(move |req: Request| async move {
        handle(app, req).await
    }))
    .await
}

async fn handle(app: &SlackApp, req: Request) -> Result<Response<Body>, Error> {
    let headers = req
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_ascii_lowercase(), v.to_str().ok()?.to_owned())))
        .collect();
    // The exact bytes Slack signed (lambda_http has already undone base64).
    let body = match req.body() {
        Body::Empty => Vec::new(),
        Body::Text(t) => t.as_bytes().to_vec(),
        Body::Binary(b) => b.clone(),
        _ => Vec::new(),
    };
    let res = app
        .handle(&SlackRequest {
            path: req.uri().path().to_owned(),
            headers,
            body,
        })
        .await;
    Ok(Response::builder()
        .status(res.status)
        .header("content-type", res.content_type)
        .body(Body::Text(res.body))?)
}
