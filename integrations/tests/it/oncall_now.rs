//! Who is on call now, asked of the fakes as of the real pagers.

use crate::support::{pagers, serve};
use flare::config::{OnCallSchedule, OpsgenieRegion};
use flare::directory::OnCallNow;
use flare_integrations::OnCallLookup;
use flare_integrations::fakes::OnCallEntry;

fn person(email: &str, name: Option<&str>) -> OnCallEntry {
    OnCallEntry {
        email: email.into(),
        name: name.map(str::to_owned),
    }
}

#[tokio::test]
async fn each_pager_says_who_is_on_call_and_the_answer_is_reused() {
    let (fakes, base) = serve().await;
    fakes.set_on_call(
        "pagerduty",
        "PSCHED",
        vec![person("bob@example.com", Some("Bob Brown"))],
    );
    fakes.set_on_call(
        "opsgenie",
        "discovery",
        vec![person("carol@example.com", None)],
    );
    let lookup = OnCallLookup::new(pagers(&base));
    let pd = OnCallSchedule::Pagerduty {
        schedule_id: "PSCHED".into(),
        api_token_param: "/flare/pd/api".into(),
    };
    let people = lookup.on_call(&pd).await.unwrap();
    assert_eq!(people.len(), 1);
    assert_eq!(people[0].name.as_deref(), Some("Bob Brown"));
    assert_eq!(people[0].email, "bob@example.com");
    let og = OnCallSchedule::Opsgenie {
        schedule: "discovery".into(),
        region: OpsgenieRegion::Eu,
    };
    let people = lookup.on_call(&og).await.unwrap();
    assert_eq!(people[0].email, "carol@example.com");
    let asked = fakes.received().len();
    lookup.on_call(&pd).await.unwrap();
    lookup.on_call(&og).await.unwrap();
    assert_eq!(fakes.received().len(), asked, "cached");

    // A schedule the pager doesn't know is an error: the caller falls back.
    let unknown = OnCallSchedule::Opsgenie {
        schedule: "nope".into(),
        region: OpsgenieRegion::Us,
    };
    assert!(lookup.on_call(&unknown).await.is_err());
}
