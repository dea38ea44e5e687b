//! Times people type mean what they meant: `3:25am PT`, a bare time in the typing
//! person's own Slack time zone, and a doubtful time confirmed before it is used.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use flare::store::IncidentStore;
use flare_slack_sim::ViewValues;
use flare_tests::app::App;

/// The latest 03:25 in Los Angeles not after `now`, worked out here on its own.
fn latest_325_in_la(now: DateTime<Utc>) -> DateTime<Utc> {
    let la = Tz::America__Los_Angeles;
    let today = now.with_timezone(&la).date_naive();
    let at = |d: chrono::NaiveDate| {
        la.from_local_datetime(&d.and_hms_opt(3, 25, 0).unwrap())
            .earliest()
            .unwrap()
            .with_timezone(&Utc)
    };
    let t = at(today);
    if t > now {
        at(today.pred_opt().unwrap())
    } else {
        t
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_time_typed_as_people_say_it_is_read_in_their_zone() {
    let app = App::start().await;
    // Dave's Slack profile says America/Los_Angeles.
    let (id, name) = app
        .declare("U0DAVE", "Checkout latency", "S2", ViewValues::new())
        .await;
    let r = app.slash("U0DAVE", &name, "impact start 3:25am PT").await;
    assert!(r.body.contains("On it"), "{}", r.body);
    let incident = app.host.store.load(&id).await.unwrap().unwrap();
    let expected = latest_325_in_la(Utc::now());
    assert_eq!(incident.impact_started_at, Some(expected));

    // A bare time is in Dave's own zone, not UTC.
    let r = app.slash("U0DAVE", &name, "impact end 3:25").await;
    assert!(r.body.contains("On it"), "{}", r.body);
    let incident = app.host.store.load(&id).await.unwrap().unwrap();
    assert_eq!(incident.impact_ended_at, Some(expected));

    // Slack shows the impact message in each reader's own time.
    let said = app.channel(&name).messages.into_iter().any(|m| {
        m.text
            .contains(&format!("<!date^{}^", expected.timestamp()))
    });
    assert!(said, "the channel shows the time with <!date>");

    // An unknown zone is refused with what works.
    let r = app
        .slash("U0DAVE", &name, "impact start 3:25 Mars/Olympus")
        .await;
    assert!(r.body.contains("I don't know the time zone"), "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_time_long_before_the_declaration_is_confirmed_before_it_is_used() {
    let app = App::start().await;
    let (id, name) = app
        .declare("U0ALICE", "Search is stale", "S3", ViewValues::new())
        .await;
    let declared = app.host.store.load(&id).await.unwrap().unwrap().declared_at;
    let typed = (declared - Duration::days(3))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let r = app
        .slash("U0ALICE", &name, &format!("impact start {typed}"))
        .await;
    assert!(
        r.body.contains("3 days before the incident was declared"),
        "{}",
        r.body
    );
    assert!(r.body.contains("Nothing is set yet"), "{}", r.body);
    assert!(
        r.body
            .contains(&format!("`/incident impact start {typed} confirm`")),
        "{}",
        r.body
    );
    let incident = app.host.store.load(&id).await.unwrap().unwrap();
    assert_eq!(incident.impact_started_at, None, "not used unconfirmed");

    let r = app
        .slash("U0ALICE", &name, &format!("impact start {typed} confirm"))
        .await;
    assert!(r.body.contains("On it"), "{}", r.body);
    let incident = app.host.store.load(&id).await.unwrap().unwrap();
    assert_eq!(
        incident.impact_started_at,
        Some(
            DateTime::parse_from_rfc3339(&typed)
                .unwrap()
                .with_timezone(&Utc)
        )
    );

    // A time in the future is asked about too.
    let later = (Utc::now() + Duration::hours(2))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let r = app
        .slash("U0ALICE", &name, &format!("impact end {later}"))
        .await;
    assert!(r.body.contains("in the future"), "{}", r.body);
}
