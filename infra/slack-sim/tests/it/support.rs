//! Shared helpers: start a simulator, build slack-morphism's client for plain HTTP, and a
//! fake app that records what the driver and the event delivery send it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use flare_slack_sim::{SimConfig, Simulator};
use slack_morphism::errors::*;
use slack_morphism::prelude::*;

pub const SECRET: &str = "flare-local-signing-secret";
pub const BOT_TOKEN: &str = "xoxb-flare-local";

/// Every bot scope of the methods the simulator serves: for tests of the methods
/// themselves (the scope rules have their own tests in `strict.rs`).
pub const ALL_SCOPES: &[&str] = &[
    "commands",
    "chat:write",
    "chat:write.public",
    "channels:manage",
    "groups:write",
    "im:write",
    "channels:join",
    "channels:read",
    "groups:read",
    "channels:history",
    "groups:history",
    "pins:write",
    "pins:read",
    "reactions:write",
    "reactions:read",
    "bookmarks:write",
    "bookmarks:read",
    "users:read",
    "users:read.email",
    "usergroups:read",
    "files:write",
    "canvases:write",
];

/// Every event the simulator sends.
pub const ALL_EVENTS: &[&str] = &[
    "message.channels",
    "message.groups",
    "message.im",
    "reaction_added",
    "reaction_removed",
    "pin_added",
    "pin_removed",
    "app_home_opened",
];

/// The default configuration with an app that has every scope and subscribes to every
/// event.
pub fn full_config() -> SimConfig {
    SimConfig::default()
        .with_bot_scopes(ALL_SCOPES.iter().copied())
        .with_bot_events(ALL_EVENTS.iter().copied())
}

/// A simulator on a random loopback port, for an app with every scope.
pub async fn start_sim() -> (Simulator, SocketAddr) {
    Simulator::start(full_config()).await.unwrap()
}

/// slack-morphism's hyper client, pointed at the simulator over plain HTTP — the same
/// client type (`SlackHyperClient`) production uses.
pub fn client(addr: SocketAddr) -> SlackHyperClient {
    client_with_url(&format!("http://{addr}/api"))
}

pub fn client_with_url(api_url: &str) -> SlackHyperClient {
    // slack-morphism's `hyper` feature enables rustls' ring provider; if another crate in
    // the binary enables aws-lc-rs, rustls can't choose, so install ring explicitly.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .unwrap()
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .build();
    let connector = SlackClientHyperConnector::with_connector(https).with_slack_api_url(api_url);
    SlackClient::new(connector)
}

pub fn bot_token() -> SlackApiToken {
    SlackApiToken::new(SlackApiTokenValue::from(BOT_TOKEN.to_string()))
}

pub fn user_token(user: &str) -> SlackApiToken {
    SlackApiToken::new(SlackApiTokenValue::from(format!("xoxp-{user}")))
}

/// The API error code of a slack-morphism result.
pub fn api_error<T: std::fmt::Debug>(result: ClientResult<T>) -> String {
    match result {
        Err(SlackClientError::ApiError(e)) => e.code,
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// One request the fake app received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The JSON of an interaction (`payload=<json>` form field).
    pub fn interaction_payload(&self) -> String {
        let fields: Vec<(String, String)> = serde_urlencoded::from_str(&self.body).unwrap();
        assert_eq!(fields.len(), 1, "interactions carry one form field");
        assert_eq!(fields[0].0, "payload");
        fields[0].1.clone()
    }
}

/// A queued answer: status, body, and a header to add.
pub type Answer = (u16, String, Option<(String, String)>);

/// A stand-in for Flare's Slack endpoints: records requests and answers with the queued
/// answers (else an empty 200).
#[derive(Clone, Default)]
pub struct FakeApp {
    pub received: Arc<Mutex<Vec<Received>>>,
    /// Queued answers: status, body, and a header to add.
    pub answers: Arc<Mutex<Vec<Answer>>>,
    /// Queued delays before answering.
    pub delays: Arc<Mutex<Vec<std::time::Duration>>>,
}

impl FakeApp {
    pub async fn start() -> (FakeApp, String) {
        let app = FakeApp::default();
        let router = Router::new()
            .route("/slack/{*rest}", post(receive))
            .with_state(app.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        (app, url)
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn last(&self) -> Received {
        self.received()
            .last()
            .cloned()
            .expect("the app received nothing")
    }

    /// The next request gets this answer.
    pub fn answer_next(&self, status: u16, body: &str) {
        self.answers
            .lock()
            .unwrap()
            .push((status, body.to_string(), None));
    }

    /// The next request gets this status, an empty body and this header.
    pub fn answer_next_with_header(&self, status: u16, name: &str, value: &str) {
        self.answers.lock().unwrap().push((
            status,
            String::new(),
            Some((name.to_string(), value.to_string())),
        ));
    }

    /// The next request is answered only after `delay`.
    pub fn delay_next(&self, delay: std::time::Duration) {
        self.delays.lock().unwrap().push(delay);
    }
}

async fn receive(
    State(app): State<FakeApp>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, HeaderMap, String) {
    let delay = {
        let mut delays = app.delays.lock().unwrap();
        if delays.is_empty() {
            None
        } else {
            Some(delays.remove(0))
        }
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    app.received.lock().unwrap().push(Received {
        path: uri.path().to_string(),
        headers,
        body: String::from_utf8(body.to_vec()).unwrap(),
    });
    let answer = {
        let mut answers = app.answers.lock().unwrap();
        if answers.is_empty() {
            None
        } else {
            Some(answers.remove(0))
        }
    };
    match answer {
        Some((status, body, header)) => {
            let mut headers = HeaderMap::new();
            if let Some((name, value)) = header {
                headers.insert(
                    axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    value.parse().unwrap(),
                );
            }
            (StatusCode::from_u16(status).unwrap(), headers, body)
        }
        None => (StatusCode::OK, HeaderMap::new(), String::new()),
    }
}

/// A tiny independent verifier of Slack's signature, as an app would write it.
pub fn signature_ok(secret: &str, received: &Received, max_age_secs: i64) -> bool {
    use hmac::{Hmac, Mac};
    let (Some(ts), Some(sig)) = (
        received.header("x-slack-request-timestamp"),
        received.header("x-slack-signature"),
    ) else {
        return false;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let Ok(ts_num) = ts.parse::<i64>() else {
        return false;
    };
    if (now - ts_num).abs() > max_age_secs {
        return false;
    }
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("v0:{ts}:{}", received.body).as_bytes());
    let expected = format!("v0={}", hex::encode(mac.finalize().into_bytes()));
    expected == sig
}
