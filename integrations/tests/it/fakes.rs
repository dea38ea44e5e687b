//! The fakes' own contract: `/sim/integrations`, faults, vendor error shapes.

use crate::support::serve;
use serde_json::{Value, json};

#[tokio::test]
async fn sim_integrations_lists_every_request() {
    let (_, base) = serve().await;
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{base}/fake/pagerduty/v2/enqueue"))
        .json(
            &json!({ "routing_key": "k", "event_action": "trigger", "dedup_key": "d",
            "payload": { "summary": "s", "source": "flare", "severity": "info" } }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body,
        json!({ "status": "success", "message": "Event processed", "dedup_key": "d" })
    );

    let list: Value = http
        .get(format!("{base}/sim/integrations"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    let keys: Vec<&str> = list[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["at", "body", "method", "path", "vendor"]);
    assert_eq!(list[0]["vendor"], "pagerduty");
    assert_eq!(list[0]["method"], "POST");
    assert_eq!(list[0]["path"], "/fake/pagerduty/v2/enqueue");
    assert_eq!(list[0]["body"]["dedup_key"], "d");
}

#[tokio::test]
async fn faults_over_http_and_vendor_error_shapes() {
    let (fakes, base) = serve().await;
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{base}/fake/faults"))
        .json(&json!({ "vendor": "github", "status": 503, "count": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let issue = json!({ "title": "Follow up" });
    let url = format!("{base}/fake/github/repos/acme/web/issues");
    let first = http
        .post(&url)
        .bearer_auth("t")
        .json(&issue)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 503);
    let second = http
        .post(&url)
        .bearer_auth("t")
        .json(&issue)
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), 201);

    let anonymous = http.post(&url).json(&issue).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let untitled = http
        .post(&url)
        .bearer_auth("t")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(untitled.status(), 422);
    let v: Value = untitled.json().await.unwrap();
    assert_eq!(v["message"], "Validation Failed");
    assert_eq!(v["errors"][0]["field"], "title");

    let pd: Value = http
        .post(format!("{base}/fake/pagerduty/v2/enqueue"))
        .json(&json!({ "event_action": "trigger", "payload": {} }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(pd["status"], "invalid event");
    assert!(pd["errors"].as_array().unwrap().len() >= 4);

    let og = http
        .post(format!("{base}/fake/opsgenie/v2/alerts"))
        .json(&json!({ "message": "m" }))
        .send()
        .await
        .unwrap();
    assert_eq!(og.status(), 401);

    let bad = http
        .post(format!("{base}/fake/faults"))
        .json(&json!({ "vendor": "nope", "status": 500 }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert_eq!(fakes.github_issues("acme/web").len(), 1);
    assert_eq!(fakes.received_by("github").len(), 4);
}
