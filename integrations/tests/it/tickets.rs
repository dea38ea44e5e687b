//! Follow-ups as tickets: the Jira Cloud adapter against the strict Jira fake, and the
//! tickets effect routing an incident's action items to Jira or GitHub per team or
//! service, with the owner as assignee and a link back to the incident's channel.

use crate::support::{MemQueue, MemStore, config, incident_of, pagers, record, serve};
use flare::bus::CommandEnvelope;
use flare::domain::{Command, Declaration, Event, Recorded, UserId};
use flare::worker::{Effect, EffectError};
use flare_integrations::IntegrationError;
use flare_integrations::fakes::{Fakes, JiraSite};
use flare_integrations::statuspage::{Issue, IssueLink, Jira, JiraProject, Tracker};
use flare_integrations::ticket_effect::{TicketEffect, trackers_from_config};
use serde_json::{Value, json};
use std::sync::Arc;

const BOB_JIRA: &str = "5b10ac8d82e05b22cc7d4ef5";

/// The fake's site for these tests: the token is what `FixedSecrets::local` gives for
/// `/flare/jira/token`.
fn site() -> JiraSite {
    JiraSite {
        email: "bot@acme.example".into(),
        token: "local-/flare/jira/token".into(),
        projects: vec!["PAY".into()],
        accounts: vec![BOB_JIRA.into()],
        ..JiraSite::default()
    }
}

fn jira(base: &str, project: &str, token: &str) -> Jira {
    Jira::new(
        crate::support::http(),
        &format!("{base}/fake/jira"),
        JiraProject {
            site: "https://acme.atlassian.net".into(),
            project: project.into(),
            issue_type: "Task".into(),
            email: "bot@acme.example".into(),
        },
        token.into(),
    )
}

fn issue(title: &str) -> Issue {
    Issue {
        title: title.into(),
        body: "Follow-up 1 of incident 20250304-brave-otter: Checkout is down".into(),
        labels: vec!["incident-follow-up".into()],
        assignee: Some(BOB_JIRA.into()),
        link: Some(IssueLink {
            text: "Incident channel in Slack".into(),
            url: "https://slack.com/app_redirect?channel=C0INC".into(),
        }),
    }
}

#[tokio::test]
async fn jira_issue_is_created_with_basic_auth_and_an_adf_description() {
    let (fakes, base) = serve().await;
    fakes.set_jira_site(site());
    let j = jira(&base, "PAY", "local-/flare/jira/token");
    let first = j
        .create_issue(&issue("Add a circuit breaker"))
        .await
        .unwrap();
    let second = j.create_issue(&issue("Alert on lag")).await.unwrap();
    assert_eq!(first.label(), "PAY-1");
    assert_eq!(second.label(), "PAY-2");
    assert_eq!(first.html_url, "https://acme.atlassian.net/browse/PAY-1");
    assert_eq!(first.number, 1);

    let got = fakes.received_by("jira");
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].method, "POST");
    assert_eq!(got[0].path, "/fake/jira/rest/api/3/issue");
    // base64("bot@acme.example:local-/flare/jira/token")
    assert_eq!(
        got[0].authorization.as_deref(),
        Some("Basic Ym90QGFjbWUuZXhhbXBsZTpsb2NhbC0vZmxhcmUvamlyYS90b2tlbg==")
    );
    let f = &got[0].body["fields"];
    assert_eq!(f["project"]["key"], "PAY");
    assert_eq!(f["issuetype"]["name"], "Task");
    assert_eq!(f["summary"], "Add a circuit breaker");
    assert_eq!(f["assignee"]["accountId"], BOB_JIRA);
    assert_eq!(f["description"]["type"], "doc");
    let stored = fakes.jira_issues("PAY");
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0]["key"], "PAY-1");
    assert_eq!(stored[0]["fields"]["assignee"]["accountId"], BOB_JIRA);
}

#[tokio::test]
async fn the_jira_fake_refuses_what_jira_refuses() {
    let (fakes, base) = serve().await;
    fakes.set_jira_site(site());
    let http = reqwest::Client::new();
    let url = format!("{base}/fake/jira/rest/api/3/issue");
    let good = Jira::new(
        crate::support::http(),
        "http://unused",
        JiraProject {
            site: "https://acme.atlassian.net".into(),
            project: "PAY".into(),
            issue_type: "Task".into(),
            email: "bot@acme.example".into(),
        },
        String::new(),
    )
    .fields(&issue("Fine"), Some(BOB_JIRA));
    let post = |body: Value, token: &'static str| {
        http.post(&url)
            .basic_auth("bot@acme.example", Some(token))
            .json(&body)
            .send()
    };
    let refused = |mut body: Value, field: &str, value: Value| {
        body["fields"][field] = value;
        body
    };
    let token = "local-/flare/jira/token";

    let r = post(good.clone(), "wrong").await.unwrap();
    assert_eq!(r.status(), 401);
    let r = http.post(&url).json(&good).send().await.unwrap();
    assert_eq!(r.status(), 401, "no auth at all");

    for (field, value, why) in [
        ("summary", json!("x".repeat(256)), "255"),
        ("summary", json!("two\nlines"), "newline"),
        ("project", json!({ "key": "NOPE" }), "valid project"),
        ("issuetype", json!({ "name": "Saga" }), "valid issue type"),
        ("description", json!("plain text"), "Atlassian Document"),
        (
            "description",
            json!({ "type": "doc", "version": 1, "content": [{ "type": "paragraph", "content": [{ "type": "text", "text": "" }] }] }),
            "Atlassian Document",
        ),
        ("assignee", json!({ "accountId": "nobody" }), "nobody"),
        ("labels", json!(["two words"]), "spaces"),
    ] {
        let r = post(refused(good.clone(), field, value), token)
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{field}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["errorMessages"], json!([]), "{v}");
        assert!(
            v["errors"][field].as_str().unwrap().contains(why),
            "{field}: {v}"
        );
    }
    let r = post(json!(["not", "an", "object"]), token).await.unwrap();
    assert_eq!(r.status(), 400);
    // 255 characters exactly is fine, and only that one was made.
    let r = post(
        refused(good.clone(), "summary", json!("x".repeat(255))),
        token,
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["key"], "PAY-1");
    assert!(v["id"].as_str().is_some() && v["self"].as_str().is_some());
    assert_eq!(fakes.jira_issues("PAY").len(), 1);
}

#[tokio::test]
async fn jira_refusals_become_permanent_errors_and_rate_limits_are_retried() {
    let (fakes, base) = serve().await;
    fakes.set_jira_site(site());

    let err = jira(&base, "PAY", "wrong-token")
        .create_issue(&issue("A"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, IntegrationError::Permanent(ref m) if m.contains("401")),
        "{err:?}"
    );
    let err = jira(&base, "NOPE", "local-/flare/jira/token")
        .create_issue(&issue("A"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, IntegrationError::Permanent(ref m) if m.contains("400") && m.contains("valid project is required")),
        "{err:?}"
    );
    assert!(
        !err.to_string().contains("local-/flare/jira/token"),
        "no token in errors"
    );

    // A title longer than Jira takes is cut to 255 characters on one line.
    let long = format!("{}\nsecond line", "y".repeat(300));
    let made = jira(&base, "PAY", "local-/flare/jira/token")
        .create_issue(&issue(&long))
        .await
        .unwrap();
    assert_eq!(made.label(), "PAY-1");
    let summary = fakes.jira_issues("PAY")[0]["fields"]["summary"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(summary.chars().count(), 255);
    assert!(!summary.contains('\n'));

    // 429 is retried (three attempts in all) and, when it lasts, transient.
    fakes.inject_fault("jira", 429, 1);
    let j = jira(&base, "PAY", "local-/flare/jira/token");
    assert_eq!(j.create_issue(&issue("B")).await.unwrap().label(), "PAY-2");
    fakes.inject_fault("jira", 429, 3);
    let before = fakes.received_by("jira").len();
    let err = j.create_issue(&issue("C")).await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert_eq!(fakes.received_by("jira").len(), before + 3);
    assert_eq!(fakes.jira_issues("PAY").len(), 2);
}

#[tokio::test]
async fn an_assignee_the_tracker_refuses_is_dropped_not_the_issue() {
    let (fakes, base) = serve().await;
    fakes.set_jira_site(site());
    let mut stranger = issue("Rotate keys");
    stranger.assignee = Some("gone-account".into());
    let made = jira(&base, "PAY", "local-/flare/jira/token")
        .create_issue(&stranger)
        .await
        .unwrap();
    assert_eq!(made.label(), "PAY-1");
    let got = fakes.received_by("jira");
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[0].body["fields"]["assignee"]["accountId"],
        "gone-account"
    );
    assert!(got[1].body["fields"].get("assignee").is_none());

    fakes.set_github_collaborators(&["bob-gh"]);
    let gh = flare_integrations::statuspage::GitHub::new(
        crate::support::http(),
        &format!("{base}/fake/github"),
        "acme",
        "web",
        "t".into(),
    );
    stranger.assignee = Some("mallory".into());
    gh.create_issue(&stranger).await.unwrap();
    let got = fakes.received_by("github");
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].body["assignees"], json!(["mallory"]));
    assert!(got[1].body.get("assignees").is_none());
    assert_eq!(fakes.github_issues("acme/web")[0]["assignees"], json!([]));
}

const YAML: &str = r#"
services:
  - id: search
    team: discovery
  - id: checkout
    team: payments
  - id: docs
    team: docs
tracker:
  github:
    repo: acme/incidents
    token_param: /flare/github/token
    labels: [incident-follow-up]
  routes:
    - team: payments
      jira:
        site: https://acme.atlassian.net
        project: PAY
        email: bot@acme.example
        token_param: /flare/jira/token
        labels: [follow-up, incident]
  people:
    - slack: U0BOB
      github: bob-gh
      jira: 5b10ac8d82e05b22cc7d4ef5
"#;

struct Setup {
    effect: TicketEffect,
    store: Arc<MemStore>,
    queue: Arc<MemQueue>,
    fakes: Fakes,
}

async fn setup(yaml: &str) -> Setup {
    let (fakes, base) = serve().await;
    fakes.set_jira_site(site());
    fakes.set_github_collaborators(&["bob-gh"]);
    let store = Arc::new(MemStore::default());
    store
        .refs
        .lock()
        .unwrap()
        .insert("channel".into(), "C0INC".into());
    let cfg = config(yaml);
    let p = pagers(&base);
    let queue = Arc::new(MemQueue::default());
    let effect = TicketEffect {
        names: None,
        store: store.clone(),
        queue: queue.clone(),
        trackers: trackers_from_config(&cfg, p.http.clone(), &p.endpoints, p.secrets.clone()),
        config: cfg,
    };
    Setup {
        effect,
        store,
        queue,
        fakes,
    }
}

fn declared(services: &[&str], private: bool) -> Recorded {
    let d: Declaration = serde_json::from_value(json!({
        "title": "Checkout is down",
        "severity": "S2",
        "impact": "Customers cannot pay",
        "services": services,
        "triage": false,
        "page_oncall": false,
        "private": private,
    }))
    .unwrap();
    record(1, Event::Declared(Box::new(d)))
}

/// An incident with action item 1 (owned by `owner`) and its ticket requested; the
/// request event is returned with it.
fn with_action(
    services: &[&str],
    owner: Option<&str>,
    private: bool,
) -> (flare::domain::Incident, Recorded) {
    let d = declared(services, private);
    let a = record(
        2,
        Event::ActionAdded {
            number: 1,
            text: "Add a circuit breaker".into(),
            owner: owner.map(|o| UserId::parse(o).unwrap()),
        },
    );
    let t = record(3, Event::TicketRequested { number: 1 });
    (incident_of(&[&d, &a, &t]), t)
}

fn links(queue: &MemQueue) -> Vec<CommandEnvelope> {
    queue.sent.lock().unwrap().clone()
}

#[tokio::test]
async fn a_payments_incident_s_action_item_becomes_a_jira_issue_once() {
    let s = setup(YAML).await;
    assert_eq!(s.effect.name(), "tickets");
    // search (discovery) is unrouted, checkout's team is routed: the first routed
    // service decides.
    let (inc, requested) = with_action(&["docs", "checkout"], Some("U0BOB"), false);
    s.effect.run(&inc, &requested).await.unwrap();
    // A redelivered TicketRequested finds the ref: still one issue.
    s.effect.run(&inc, &requested).await.unwrap();

    assert!(s.fakes.received_by("github").is_empty());
    let got = s.fakes.received_by("jira");
    assert_eq!(got.len(), 1, "one issue however often it runs");
    let f = &got[0].body["fields"];
    assert_eq!(f["project"]["key"], "PAY");
    assert_eq!(f["summary"], "Add a circuit breaker");
    assert_eq!(f["labels"], json!(["follow-up", "incident"]));
    assert_eq!(f["assignee"], json!({ "accountId": BOB_JIRA }));
    let doc = &f["description"];
    assert_eq!(doc["type"], "doc");
    assert_eq!(doc["version"], 1);
    let text = doc.to_string();
    assert!(text.contains("20250304-brave-otter"), "{text}");
    assert!(text.contains("Checkout is down"), "{text}");
    assert!(text.contains("Owner in Slack: U0BOB"), "{text}");
    let link = doc["content"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["content"].as_array().unwrap())
        .find(|n| n["marks"].is_array())
        .unwrap();
    assert_eq!(
        link["marks"][0],
        json!({ "type": "link", "attrs": { "href": "https://slack.com/app_redirect?channel=C0INC" } })
    );
    assert_eq!(s.fakes.jira_issues("PAY").len(), 1);

    // The ref carries the Jira key and browse URL, and both LinkTicket commands (one
    // per run, the same key) name PAY-1.
    let refs = s.store.refs.lock().unwrap().clone();
    let kept: Value = serde_json::from_str(&refs["ticket#1"]).unwrap();
    assert_eq!(kept["key"], "PAY-1");
    assert_eq!(kept["html_url"], "https://acme.atlassian.net/browse/PAY-1");
    let sent = links(&s.queue);
    assert_eq!(sent.len(), 2);
    for env in &sent {
        assert_eq!(env.id, "ticket#20250304-brave-otter#1");
        match &env.command {
            Command::LinkTicket { number, key, url } => {
                assert_eq!((*number, key.as_str()), (1, "PAY-1"));
                assert_eq!(url, "https://acme.atlassian.net/browse/PAY-1");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn another_incident_s_action_item_stays_on_github_with_its_assignee() {
    let s = setup(YAML).await;
    let (inc, requested) = with_action(&["search"], Some("U0BOB"), false);
    s.effect.run(&inc, &requested).await.unwrap();
    s.effect.run(&inc, &requested).await.unwrap();

    assert!(s.fakes.received_by("jira").is_empty());
    let got = s.fakes.received_by("github");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].path, "/fake/github/repos/acme/incidents/issues");
    assert_eq!(
        got[0].authorization.as_deref(),
        Some("Bearer local-/flare/github/token")
    );
    let b = &got[0].body;
    assert_eq!(b["title"], "Add a circuit breaker");
    assert_eq!(b["assignees"], json!(["bob-gh"]));
    assert_eq!(b["labels"], json!(["incident-follow-up"]));
    let body = b["body"].as_str().unwrap();
    assert!(
        body.contains("Follow-up 1 of incident 20250304-brave-otter: Checkout is down"),
        "{body}"
    );
    assert!(
        body.contains("[Incident channel in Slack](https://slack.com/app_redirect?channel=C0INC)"),
        "{body}"
    );
    assert_eq!(
        s.fakes.github_issues("acme/incidents")[0]["assignees"],
        json!([{ "login": "bob-gh" }])
    );
    let sent = links(&s.queue);
    assert!(
        matches!(&sent[0].command, Command::LinkTicket { key, .. } if key == "#1"),
        "{sent:?}"
    );
    // The ref keeps GitHub's shape, as before Jira.
    let refs = s.store.refs.lock().unwrap().clone();
    let kept: Value = serde_json::from_str(&refs["ticket#1"]).unwrap();
    assert_eq!(
        kept,
        json!({ "number": 1, "html_url": "https://github.com/acme/incidents/issues/1" })
    );
}

#[tokio::test]
async fn no_owner_mapping_means_no_assignee_and_a_private_title_stays_in_slack() {
    let s = setup(YAML).await;
    let (inc, requested) = with_action(&["checkout"], Some("U0CAROL"), true);
    s.effect.run(&inc, &requested).await.unwrap();
    let got = s.fakes.received_by("jira");
    assert_eq!(got.len(), 1);
    let f = &got[0].body["fields"];
    assert!(f.get("assignee").is_none(), "{f}");
    let text = f["description"].to_string();
    assert!(text.contains("Private incident"), "{text}");
    assert!(!text.contains("Checkout is down"), "{text}");

    let s = setup(YAML).await;
    let (inc, requested) = with_action(&[], None, false);
    s.effect.run(&inc, &requested).await.unwrap();
    let got = s.fakes.received_by("github");
    assert_eq!(got.len(), 1, "no service: the default tracker");
    assert!(got[0].body.get("assignees").is_none());
}

#[tokio::test]
async fn jira_refusing_the_ticket_is_permanent_and_nothing_is_remembered() {
    let s = setup(YAML).await;
    s.fakes.set_jira_site(JiraSite {
        token: "rotated".into(),
        ..site()
    });
    let (inc, requested) = with_action(&["checkout"], None, false);
    let err = s.effect.run(&inc, &requested).await.unwrap_err();
    assert!(
        matches!(err, EffectError::Permanent(ref m) if m.contains("401")),
        "{err:?}"
    );
    assert!(!s.store.refs.lock().unwrap().contains_key("ticket#1"));
    assert!(links(&s.queue).is_empty());

    // Jira down: transient, so the worker redelivers.
    s.fakes.set_jira_site(site());
    s.fakes.inject_fault("jira", 503, 3);
    let err = s.effect.run(&inc, &requested).await.unwrap_err();
    assert!(matches!(err, EffectError::Transient(_)), "{err:?}");
    s.effect.run(&inc, &requested).await.unwrap();
    assert_eq!(s.fakes.jira_issues("PAY").len(), 1);
}

#[tokio::test]
async fn without_any_tracker_for_the_incident_the_request_is_refused_for_good() {
    let yaml = r#"
services:
  - id: checkout
    team: payments
tracker:
  routes:
    - service: checkout
      jira:
        site: https://acme.atlassian.net
        project: PAY
        email: bot@acme.example
        token_param: /flare/jira/token
"#;
    let s = setup(yaml).await;
    let (inc, requested) = with_action(&["search"], None, false);
    let err = s.effect.run(&inc, &requested).await.unwrap_err();
    assert!(
        matches!(err, EffectError::Permanent(ref m) if m.contains("no tracker configured")),
        "{err:?}"
    );
    assert!(s.fakes.received().is_empty());
    let (inc, requested) = with_action(&["checkout"], None, false);
    s.effect.run(&inc, &requested).await.unwrap();
    assert_eq!(s.fakes.jira_issues("PAY").len(), 1);
}

/// The local configuration against the fakes as the local host starts them (no setup):
/// the discovery team's follow-ups land in the Jira fake, with Carol as assignee.
#[tokio::test]
async fn the_local_configuration_files_discovery_follow_ups_in_the_jira_fake() {
    let yaml = include_str!("../../../infra/config/flare.local.yaml");
    let (fakes, base) = serve().await;
    let store = Arc::new(MemStore::default());
    store
        .refs
        .lock()
        .unwrap()
        .insert("channel".into(), "C0INC".into());
    let cfg = config(yaml);
    let p = pagers(&base);
    let queue = Arc::new(MemQueue::default());
    let effect = TicketEffect {
        names: None,
        store: store.clone(),
        queue: queue.clone(),
        trackers: trackers_from_config(&cfg, p.http.clone(), &p.endpoints, p.secrets.clone()),
        config: cfg,
    };
    let (inc, requested) = with_action(&["search"], Some("U0CAROL"), false);
    effect.run(&inc, &requested).await.unwrap();
    let issues = fakes.jira_issues("DISC");
    assert_eq!(issues.len(), 1, "{:?}", fakes.received());
    assert_eq!(
        issues[0]["fields"]["assignee"]["accountId"],
        "5b10ac8d82e05b22cc7d4ca1"
    );
    assert!(
        matches!(&links(&queue)[0].command, Command::LinkTicket { key, url, .. }
            if key == "DISC-1" && url == "https://acme-local.atlassian.net/browse/DISC-1")
    );

    // checkout (payments) stays on GitHub, Bob assigned.
    store.refs.lock().unwrap().remove("ticket#1");
    let (inc, requested) = with_action(&["checkout"], Some("U0BOB"), false);
    effect.run(&inc, &requested).await.unwrap();
    let issues = fakes.github_issues("acme/incidents");
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0]["assignees"], json!([{ "login": "bob-gh" }]));
}
