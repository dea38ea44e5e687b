//! The bodies of Flare's fuzz targets. `fuzz_targets/<name>.rs` hands libFuzzer's input
//! to the function of the same name here; `make fuzz` runs each for a bounded time.
//!
//! Every target goes through the code Flare runs on outside input, not a copy of it:
//! the Slack targets call [`SlackApp::handle`] (signature check, content type, form and
//! JSON parsing, routing, the `/incident` subcommand table) with in-memory doubles for
//! the store, the queue and the Web API; `signature` calls [`signature::verify`]; `mail`
//! calls the e-mail function's parser and triage. A target panics only when an
//! invariant breaks (a panic in Flare's code, or an assertion below), which libFuzzer
//! reports as a crash and saves under `fuzz/artifacts/<target>/`.
//!
//! `functions/email-triage/tests/fuzz_seeds.rs` includes this file in the workspace (on
//! stable, without libFuzzer) and runs every target over its seeds in `fuzz/corpus/`, so
//! `make test` notices when a target stops compiling or a seed starts to crash.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use flare::bus::{BusError, CommandEnvelope, CommandQueue};
use flare::clock::Clock;
use flare::config::Config;
use flare::domain::{Incident, IncidentId, Role, Status, UserId};
use flare::slack::api::{SlackApi, SlackError};
use flare::slack::app::{Request, Response, SlackApp};
use flare::slack::signature;
use flare::store::{
    Commit, IncidentStore, Index, OpenIncident, Outcome, StatsStore, StoreError, StoredEvent,
};
use flare_email_triage::triage::{Delivery, thread_ids, to_command};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// A target's body: takes libFuzzer's input, panics on a broken invariant.
pub type Target = fn(&[u8]);

/// Every target, by the name of its `fuzz_targets/` file and `fuzz/corpus/` directory.
pub const TARGETS: &[(&str, Target)] = &[
    ("signature", signature),
    ("slash_command", slash_command),
    ("interaction", interaction),
    ("event", event),
    ("command_text", command_text),
    ("mail", mail),
];

pub const SECRET: &str = "fuzz-signing-secret";
/// The channel the store knows as an incident's channel (the seeds use it).
pub const INCIDENT_CHANNEL: &str = "C0INCIDENT1";
pub const INCIDENT: &str = "20240122-honest-rhino";
/// The incident card's ts (a pin of it is not captured).
pub const CARD_TS: &str = "1705917000.000100";
/// The requests' clock: 2024-01-22T10:00:00Z (fixed, so a crash reproduces).
const NOW_UNIX: i64 = 1_705_917_600;
/// Bodies above this are refused with 413 before anything is read (SlackApp's MAX_BODY).
const MAX_BODY: usize = 512 * 1024;

const FORM: &str = "application/x-www-form-urlencoded";

// ---------------------------------------------------------------------------------
// The targets.

/// `verify` over arbitrary headers, body, secret and clock. The input is
/// `now\nsecret\ntimestamp\nsignature\nbody`; a missing line is a missing header.
///
/// Checks: no panic; `verify` accepts exactly Slack's MAC (no forgery); a request signed
/// with the secret verifies at its own timestamp and not with another body; and
/// `SlackApp::handle` answers 401 (or 413) to any request whose MAC is wrong.
pub fn signature(data: &[u8]) {
    let mut fields = data.splitn(5, |b| *b == b'\n');
    let now = fields
        .next()
        .and_then(|f| std::str::from_utf8(f).ok())
        .and_then(|f| f.trim().parse::<i64>().ok())
        .unwrap_or(NOW_UNIX);
    let secret = fields.next().unwrap_or_default();
    let timestamp = fields.next().and_then(|f| std::str::from_utf8(f).ok());
    let sig = fields.next().and_then(|f| std::str::from_utf8(f).ok());
    let body = fields.next().unwrap_or_default();

    let verdict = signature::verify(secret, timestamp, sig, body, now);
    let genuine =
        |ts: &str, sig: &str| sig.to_ascii_lowercase() == signature::sign(secret, ts.trim(), body);
    if verdict.is_ok() {
        let (Some(ts), Some(sig)) = (timestamp, sig) else {
            panic!("verify accepted a request without its headers");
        };
        assert!(
            genuine(ts, sig),
            "verify accepted a MAC that is not Slack's"
        );
    }
    if let Some(ts) = timestamp
        && let Ok(when) = ts.trim().parse::<i64>()
    {
        let good = signature::sign(secret, ts.trim(), body);
        assert_eq!(
            signature::verify(secret, Some(ts), Some(&good), body, when),
            Ok(()),
            "a request signed with the secret did not verify at its own time"
        );
        let mut other = body.to_vec();
        other.push(b'x');
        assert_eq!(
            signature::verify(secret, Some(ts), Some(&good), &other, when),
            Err(signature::SignatureError::Mismatch),
            "a signature verified for another body"
        );
    }

    // The request path: nothing is read without the app's MAC.
    let forged = match (timestamp, sig) {
        (Some(ts), Some(sig)) => {
            sig.to_ascii_lowercase() != signature::sign(SECRET.as_bytes(), ts.trim(), body)
        }
        _ => true,
    };
    let mut headers = vec![("content-type".to_owned(), FORM.to_owned())];
    if let Some(ts) = timestamp {
        headers.push(("x-slack-request-timestamp".into(), ts.into()));
    }
    if let Some(sig) = sig {
        headers.push(("x-slack-signature".into(), sig.into()));
    }
    let response = handle(Request {
        path: "/slack/commands".into(),
        headers,
        body: body.to_vec(),
    });
    if forged {
        assert!(
            matches!(response.status, 401 | 413),
            "a request with a wrong signature got {response:?}"
        );
    }
}

/// A slash command's form body, as Slack posts it to `/slack/commands` (signed).
pub fn slash_command(data: &[u8]) {
    let response = handle(signed("/slack/commands", FORM, data.to_vec()));
    expect_handled(data, &response);
}

/// An interactivity payload (`block_actions`, `view_submission`, `shortcut`,
/// `message_action`, `view_closed`…) posted to `/slack/interactions` as Slack does:
/// the input is the payload's JSON, sent form-encoded as `payload=…`. An input that
/// starts with `payload=` is sent as the raw form body instead.
pub fn interaction(data: &[u8]) {
    let body = if data.starts_with(b"payload=") {
        data.to_vec()
    } else {
        let mut body = b"payload=".to_vec();
        body.extend(form_encode(data).into_bytes());
        body
    };
    let response = handle(signed("/slack/interactions", FORM, body.clone()));
    expect_handled(&body, &response);
}

/// An Events API body (`url_verification`, `event_callback` with reactions, pins and
/// anything else) posted to `/slack/events`.
pub fn event(data: &[u8]) {
    let response = handle(signed("/slack/events", "application/json", data.to_vec()));
    expect_handled(data, &response);
    if response.status == 200
        && let Ok(body) = serde_json::from_slice::<Value>(data)
        && body["type"] == "url_verification"
    {
        let answer: Value = serde_json::from_str(&response.body).unwrap_or_default();
        assert_eq!(answer["challenge"], body["challenge"], "{response:?}");
    }
}

/// The text of `/incident <text>`, typed in an incident's channel: the subcommand
/// table and the parsers it calls (severity, role, status, mentions, times, numbers).
/// A well-formed command always gets an answer (200), whatever its text.
pub fn command_text(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let body = format!(
        "token=x&team_id=T0FLARE&team_domain=flare&channel_id={INCIDENT_CHANNEL}&channel_name=inc-{INCIDENT}&user_id=U0ALICE&user_name=alice&command=%2Fincident&text={}&api_app_id=A0FLARE&is_enterprise_install=false&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT0FLARE%2F1%2Fabc&trigger_id=1.2.3",
        form_encode(text.as_bytes())
    );
    let response = handle(signed("/slack/commands", FORM, body.into_bytes()));
    assert_eq!(response.status, 200, "/incident {text:?} got {response:?}");

    // The domain parsers the subcommands call, on every word.
    HARNESS.with(|h| {
        for word in text.split_whitespace().chain([text.as_ref()]) {
            let _ = h.app.config.severities.parse(word);
            let _ = word.parse::<Role>();
            let _ = word.parse::<Status>();
            let _ = UserId::parse(word);
            let _ = IncidentId::parse(word);
        }
    });
}

/// Raw mail as SES stores it: parsing, the triage decision and the thread ids never
/// panic (with the default policy, which accepts, and the example configuration's).
pub fn mail(data: &[u8]) {
    // The text helpers on any text, not only what the parser hands them.
    let text = String::from_utf8_lossy(data);
    let html = flare_email_triage::html::to_text(&text);
    assert!(!html.contains('\r'), "html::to_text left a CR");
    let _ = flare_email_triage::text::excerpt_source(&text);
    if let Some(f) = flare_email_triage::forward::inline(&text, "Fwd: x") {
        // A forward's sender is a well-formed address or nothing.
        assert!(
            f.from_address.is_empty()
                || flare_email_triage::forward::valid_address(&f.from_address),
            "forwarded sender {:?}",
            f.from_address
        );
    }
    let Ok(mail) = flare_email_triage::parse::parse(data) else {
        return;
    };
    let _ =
        flare_email_triage::triage::ignored(&mail, &flare_email_triage::TriagePolicy::default());
    HARNESS.with(|h| {
        let now = h.now;
        let accept = Delivery {
            ses_message_id: Some("fuzz".into()),
            verdicts: flare_email_triage::Verdicts::all_pass(),
        };
        let _ = to_command(&mail, &accept, &h.default.triage, &h.default, now);
        let _ = to_command(
            &mail,
            &Delivery::default(),
            &h.app.config.triage,
            &h.app.config,
            now,
        );
    });
    let _ = thread_ids(&mail);
}

// ---------------------------------------------------------------------------------
// The request path with in-memory doubles.

struct Harness {
    runtime: tokio::runtime::Runtime,
    app: SlackApp,
    /// `Config::default()`, for the mail target's accepting policy.
    default: Config,
    now: DateTime<Utc>,
}

thread_local! {
    static HARNESS: Harness = Harness::new();
}

impl Harness {
    fn new() -> Self {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
        {
            Ok(r) => r,
            Err(e) => panic!("no tokio runtime: {e}"),
        };
        let config = match Config::parse(
            "infra/config/flare.example.yaml",
            include_str!("../../infra/config/flare.example.yaml"),
        ) {
            Ok(c) => c,
            Err(e) => panic!("the example configuration does not load: {e}"),
        };
        let Some(incident) = IncidentId::parse(INCIDENT) else {
            panic!("{INCIDENT} is not an incident id");
        };
        let now = DateTime::from_timestamp(NOW_UNIX, 0).unwrap_or_default();
        let store = Arc::new(Store { incident });
        let app = SlackApp {
            signing_secret: SECRET.into(),
            store: store.clone(),
            stats: store.clone(),
            audit: store,
            queue: Arc::new(RoundTripQueue),
            api: Arc::new(CannedSlack),
            config: Arc::new(config),
            clock: Arc::new(FixedClock(now)),
            pager_hooks: Default::default(),
        };
        Self {
            runtime,
            app,
            default: Config::default(),
            now,
        }
    }
}

fn handle(req: Request) -> Response {
    HARNESS.with(|h| h.runtime.block_on(h.app.handle(&req)))
}

/// Signed the way Slack signs, at the real time (`handle` checks against it).
fn signed(path: &str, content_type: &str, body: Vec<u8>) -> Request {
    let ts = Utc::now().timestamp().to_string();
    let sig = signature::sign(SECRET.as_bytes(), &ts, &body);
    Request {
        path: path.into(),
        headers: vec![
            ("content-type".into(), content_type.into()),
            ("x-slack-request-timestamp".into(), ts),
            ("x-slack-signature".into(), sig),
        ],
        body,
    }
}

/// A signed request is answered (200), refused as malformed (400) or as too large
/// (413); never 401 (it is signed), never 5xx (the doubles do not fail).
fn expect_handled(body: &[u8], response: &Response) {
    match response.status {
        200 | 400 => {}
        413 if body.len() > MAX_BODY => {}
        _ => panic!("a signed request got {response:?}"),
    }
}

/// `application/x-www-form-urlencoded` for arbitrary bytes (every byte but the
/// unreserved ones as `%XX`).
fn form_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() * 3);
    for &b in data {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'*') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

struct FixedClock(DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// One incident, `INCIDENT`, whose channel is `INCIDENT_CHANNEL`; every write succeeds.
struct Store {
    incident: IncidentId,
}

#[async_trait]
impl IncidentStore for Store {
    async fn load(&self, _: &IncidentId) -> Result<Option<Incident>, StoreError> {
        Ok(None)
    }
    async fn events(&self, _: &IncidentId, _: u64) -> Result<Vec<StoredEvent>, StoreError> {
        Ok(vec![])
    }
    async fn commit(&self, _: Commit<'_>) -> Result<(), StoreError> {
        Ok(())
    }
    async fn outcome(&self, _: &str) -> Result<Option<Outcome>, StoreError> {
        Ok(None)
    }
    async fn reject(&self, _: &str, _: &str) -> Result<(), StoreError> {
        Ok(())
    }
    async fn effect_done(&self, _: &IncidentId, _: u64, _: &str) -> Result<(), StoreError> {
        Ok(())
    }
    async fn put_index(
        &self,
        _: Index,
        _: &str,
        id: &IncidentId,
    ) -> Result<IncidentId, StoreError> {
        Ok(id.clone())
    }
    async fn get_index(&self, index: Index, key: &str) -> Result<Option<IncidentId>, StoreError> {
        Ok((index == Index::Channel && key == INCIDENT_CHANNEL).then(|| self.incident.clone()))
    }
    async fn move_index(
        &self,
        _: Index,
        _: &str,
        _: &IncidentId,
        _: &IncidentId,
    ) -> Result<(), StoreError> {
        Ok(())
    }
    async fn claim(&self, _: &str, _: Duration, _: DateTime<Utc>) -> Result<bool, StoreError> {
        Ok(true)
    }
    async fn refs(&self, _: &IncidentId) -> Result<HashMap<String, String>, StoreError> {
        Ok(HashMap::from([
            ("channel".to_owned(), INCIDENT_CHANNEL.to_owned()),
            ("card_ts".to_owned(), CARD_TS.to_owned()),
        ]))
    }
    async fn set_ref(&self, _: &IncidentId, _: &str, _: &str) -> Result<(), StoreError> {
        Ok(())
    }
    async fn due(&self, _: DateTime<Utc>, _: i32) -> Result<Vec<OpenIncident>, StoreError> {
        Ok(vec![])
    }
    async fn open(&self) -> Result<Vec<OpenIncident>, StoreError> {
        Ok(vec![OpenIncident {
            id: self.incident.clone(),
            due: None,
        }])
    }
}

#[async_trait]
impl flare::store::listing::OpenListing for Store {
    async fn cards(
        &self,
        _: &flare::store::listing::CardQuery<'_>,
        _: &flare::store::listing::Cursor,
        _: usize,
    ) -> Result<flare::store::listing::CardPage, StoreError> {
        Ok(flare::store::listing::CardPage::default())
    }
    async fn count(&self, _: &flare::domain::UserId) -> Result<usize, StoreError> {
        Ok(0)
    }
    async fn channels(
        &self,
        _: &[IncidentId],
    ) -> Result<std::collections::HashMap<IncidentId, String>, StoreError> {
        Ok(std::collections::HashMap::new())
    }
}

#[async_trait]
impl StatsStore for Store {
    async fn add_to_month(&self, _: &str, _: &IncidentId) -> Result<(), StoreError> {
        Ok(())
    }
    async fn month(&self, _: &str) -> Result<Vec<IncidentId>, StoreError> {
        Ok(vec![])
    }
    async fn load_many(&self, _: &[IncidentId]) -> Result<Vec<Incident>, StoreError> {
        Ok(vec![])
    }
}

#[async_trait]
impl flare::store::AuditLog for Store {
    async fn record(&self, _: &flare::domain::AuditEntry) -> Result<(), StoreError> {
        Ok(())
    }
    async fn trail(&self, _: &IncidentId) -> Result<Vec<flare::domain::AuditEntry>, StoreError> {
        Ok(vec![])
    }
}

/// Serializes the envelope as the SQS adapter does and checks that the worker reads
/// back the same envelope: whatever a request carried must survive the queue.
struct RoundTripQueue;

#[async_trait]
impl CommandQueue for RoundTripQueue {
    async fn send(&self, envelope: &CommandEnvelope) -> Result<(), BusError> {
        let body = serde_json::to_string(envelope).map_err(|e| BusError(e.to_string()))?;
        match serde_json::from_str::<CommandEnvelope>(&body) {
            Ok(back) => assert_eq!(&back, envelope, "the envelope changed on the queue"),
            Err(e) => {
                panic!("the worker cannot read an envelope the request path sent: {e}\n{body}")
            }
        }
        Ok(())
    }
}

/// Answers the Web API calls the request path makes with Slack's shapes.
struct CannedSlack;

#[async_trait]
impl SlackApi for CannedSlack {
    async fn call(&self, method: &str, _: Value) -> Result<Value, SlackError> {
        Ok(match method {
            "conversations.history" => {
                json!({ "ok": true, "messages": [{ "ts": "1705917300.000200", "user": "U0BOB", "text": "db cpu at 100%" }] })
            }
            "conversations.replies" => {
                json!({ "ok": true, "messages": [{ "ts": "1705917300.000200", "user": "U0BOB", "text": "thread parent" }], "response_metadata": { "next_cursor": "" } })
            }
            "chat.getPermalink" => {
                json!({ "ok": true, "permalink": "https://flare.slack.com/archives/C0INCIDENT1/p1705917300000200" })
            }
            "reactions.get" => {
                json!({ "ok": true, "message": { "reactions": [{ "name": "receipt", "count": 1 }], "pinned_to": [] } })
            }
            _ => json!({ "ok": true }),
        })
    }
    async fn respond(&self, _: &str, _: &str) -> Result<(), SlackError> {
        Ok(())
    }
}
