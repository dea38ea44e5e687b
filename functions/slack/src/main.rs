//! Lambda behind a function URL: Slack's commands, interactivity and events.
//! Verify, parse, enqueue, answer within 3 seconds; the worker does the rest.
//!
//! On a first deployment the function exists before the Slack app, so before its
//! secrets: it starts without them and answers in [`setup`] mode (verified
//! `url_verification`, "setup is unfinished") until both are stored, looking again at
//! most every [`setup::RECHECK`].

mod setup;

use flare::runtime::Wiring;
use flare::slack::app::{Request as SlackRequest, SlackApp};
use lambda_http::{Body, Error, Request, Response, service_fn};
use std::sync::Arc;
use tokio::sync::{Mutex, OnceCell};

#[tokio::main]
async fn main() -> Result<(), Error> {
    flare::telemetry::init();
    flare::runtime::refuse_local_overrides()?;
    let wiring = Wiring::without_secrets_from_env().await?;
    let function = Arc::new(Function {
        wiring,
        app: OnceCell::new(),
        setup: Mutex::new(setup::Pending::default()),
    });
    function.refresh().await;
    let function = &function;
    lambda_http::run(service_fn(move |req: Request| async move {
        function.handle(req).await
    }))
    .await
}

struct Function {
    wiring: Wiring,
    /// Set once both secrets are read; from then on every request goes to the app.
    app: OnceCell<SlackApp>,
    setup: Mutex<setup::Pending>,
}

impl Function {
    /// Reads the secrets again if they are still missing (and not read too recently).
    async fn refresh(&self) {
        if self.app.initialized() {
            return;
        }
        let mut pending = self.setup.lock().await;
        if !pending.due() {
            return;
        }
        let sdk = &self.wiring.sdk;
        let signing = flare::secrets::signing_secret(sdk).await;
        let token = flare::secrets::bot_token_if_stored(sdk).await;
        let (signing, token) = match (signing, token) {
            (Ok(s), Ok(t)) => (s, t),
            (Err(e), _) | (_, Err(e)) => {
                tracing::error!(error = %e, "reading the Slack secrets");
                pending.checked(None);
                return;
            }
        };
        match (signing, token) {
            (Some(signing_secret), Some(bot_token)) => match self.app(signing_secret, bot_token) {
                Ok(mut app) => {
                    // Optional, and never in Slack's way: without them the pager webhooks
                    // answer 404 (the pager retries) until a fresh container reads them.
                    match flare::secrets::pager_hooks(sdk).await {
                        Ok(hooks) => app.pager_hooks = hooks,
                        Err(e) => {
                            tracing::error!(error = %e, "reading the pager webhook secrets; those endpoints stay off")
                        }
                    }
                    let _ = self.app.set(app);
                    tracing::info!("Slack secrets found: serving Slack");
                }
                Err(e) => {
                    tracing::error!(error = %e, "building the Slack app");
                    pending.checked(None);
                }
            },
            (signing, token) => {
                tracing::warn!(
                    signing_secret = signing.is_some(),
                    bot_token = token.is_some(),
                    "Slack secrets missing: setup is unfinished (docs/deploy.md)"
                );
                pending.checked(signing);
            }
        }
    }

    fn app(&self, signing_secret: String, bot_token: String) -> Result<SlackApp, String> {
        let w = &self.wiring;
        Wiring {
            sdk: w.sdk.clone(),
            resources: w.resources.clone(),
            config: w.config.clone(),
            clock: w.clock.clone(),
            signing_secret,
            bot_token,
            slack_api_url: w.slack_api_url.clone(),
            response_url_prefix: w.response_url_prefix.clone(),
        }
        .slack_app()
    }

    async fn handle(&self, req: Request) -> Result<Response<Body>, Error> {
        let req = slack_request(&req);
        self.refresh().await;
        let res = match self.app.get() {
            Some(app) => app.handle(&req).await,
            None => {
                let pending = self.setup.lock().await;
                setup::answer(
                    pending.signing_secret(),
                    &req,
                    flare::clock::Clock::now(self.wiring.clock.as_ref()).timestamp(),
                )
            }
        };
        Ok(Response::builder()
            .status(res.status)
            .header("content-type", res.content_type)
            .body(Body::Text(res.body))?)
    }
}

fn slack_request(req: &Request) -> SlackRequest {
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
    SlackRequest {
        path: req.uri().path().to_owned(),
        headers,
        body,
    }
}
