//! E-mail triage end to end: raw mail at `POST /local/email` → triage incident in
//! Slack → accept or decline; replies join their incident; re-sent mail is one incident.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flare::domain::{Event, Status};
use flare::store::IncidentStore;
use flare_slack_sim::ViewValues;
use flare_tests::app::{App, mail};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_becomes_one_triage_incident_that_replies_join_and_on_call_accepts() {
    let app = App::start().await;
    let first = mail(
        "ops@acme.example",
        "m1@acme.example",
        None,
        "Checkout is down <!channel>",
        "Since 08:55 every payment fails.\r\nSee <https://evil.example|this>.",
    );
    assert_eq!(app.send_mail(first.clone()).await["outcome"], "declared");
    assert_eq!(
        app.send_mail(first).await["outcome"],
        "duplicate",
        "re-sent mail is recognised…"
    );
    assert_eq!(
        app.host.store.open().await.unwrap().len(),
        1,
        "…but makes no second incident"
    );

    let id = app.latest_incident().await;
    let incident = app.host.store.load(&id).await.unwrap().unwrap();
    assert_eq!(incident.status, Status::Triage);
    assert_eq!(
        incident.customer.as_deref(),
        Some("acme"),
        "matched by sender domain"
    );
    assert_eq!(incident.severity.as_str(), "S2", "suggested from 'down'");
    let name = format!("inc-{id}");
    let channel = app.channel(&name);
    let texts: Vec<&str> = channel.messages.iter().map(|m| m.text.as_str()).collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("Reported by mail") && t.contains("every payment fails")),
        "{texts:?}"
    );
    assert!(
        !texts
            .iter()
            .chain(std::iter::once(&channel.topic.as_str()))
            .any(|t| t.contains("<!channel>") || t.contains("<https://evil")),
        "mail text is escaped: {texts:?}"
    );

    let notice = app
        .channel("incident-triage")
        .messages
        .into_iter()
        .find(|m| m.text.contains(id.as_str()))
        .expect("a notice in the triage channel");
    let shown = notice.blocks.unwrap().to_string();
    assert!(
        shown.contains("<!subteam^S0TRIAGE>") && shown.contains("New report"),
        "the triage responders are pinged: {shown}"
    );

    // A reply in the same mail thread joins the incident.
    let reply = mail(
        "ops@acme.example",
        "m2@acme.example",
        Some("m1@acme.example"),
        "Re: Checkout is down",
        "Now also refunds fail.",
    );
    assert_eq!(app.send_mail(reply).await["outcome"], "followed_up");
    assert_eq!(app.host.store.open().await.unwrap().len(), 1);
    let timeline = app.timeline(&id).await;
    assert!(timeline.iter().any(|r| matches!(&r.event, Event::Captured { message, .. } if message.text.contains("refunds fail"))));
    assert!(
        app.channel(&name)
            .messages
            .iter()
            .any(|m| m.text.contains("Mail in the same thread"))
    );

    // On-call accepts it as S1 from the card: full process, announced in #incidents.
    let card = app
        .channel(&name)
        .messages
        .into_iter()
        .find(|m| m.pinned)
        .unwrap();
    let channel_id = app.channel_id(&name);
    app.driver
        .block_action(
            "U0BOB",
            &channel_id,
            &card.ts,
            "accept:S1",
            Some(id.as_str()),
        )
        .await
        .unwrap();
    app.host.settle().await;
    let incident = app.host.store.load(&id).await.unwrap().unwrap();
    assert_eq!(
        (incident.status, incident.severity.as_str()),
        (Status::Investigating, "S1")
    );
    assert!(incident.acknowledged_at.is_some());
    assert!(
        app.channel("incidents")
            .messages
            .iter()
            .any(|m| m.text.contains(id.as_str())),
        "announced once accepted"
    );
    let notice = app
        .channel("incident-triage")
        .messages
        .into_iter()
        .find(|m| m.text.contains(id.as_str()))
        .unwrap();
    assert!(
        notice
            .blocks
            .unwrap()
            .to_string()
            .contains("Accepted as S1")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_declined_with_a_reason_ends_and_strangers_are_quarantined() {
    let app = App::start().await;
    app.send_mail(mail(
        "alerts@example.com",
        "x1@example.com",
        None,
        "Disk 80% on build-3",
        "Just FYI.",
    ))
    .await;
    let id = app.latest_incident().await;
    let name = format!("inc-{id}");
    let channel_id = app.channel_id(&name);
    let card = app
        .channel(&name)
        .messages
        .into_iter()
        .find(|m| m.pinned)
        .unwrap();
    // Declining is for the people on the report (nobody coordinates a fresh one yet).
    app.join("U0CAROL", &channel_id).await;
    app.driver
        .block_action(
            "U0CAROL",
            &channel_id,
            &card.ts,
            "decline",
            Some(id.as_str()),
        )
        .await
        .unwrap();
    let view = app.host.sim.views().last().unwrap().id.clone();
    let empty = app
        .driver
        .prepare_view_submission("U0CAROL", &view, &ViewValues::new())
        .unwrap();
    let r = app.driver.send(&empty).await.unwrap();
    assert!(
        r.body.contains("Say why"),
        "a reason is required: {}",
        r.body
    );
    let submit = app
        .driver
        .prepare_view_submission(
            "U0CAROL",
            &view,
            &ViewValues::new().set("reason", "value", "expected; cleanup runs at noon"),
        )
        .unwrap();
    assert_eq!(app.driver.send(&submit).await.unwrap().status, 200);
    app.host.settle().await;
    let incident = app.host.store.load(&id).await.unwrap().unwrap();
    assert_eq!(incident.status, Status::Declined);
    assert!(app.host.sim.channel(&channel_id).unwrap().is_archived);
    let notice = app
        .channel("incident-triage")
        .messages
        .into_iter()
        .find(|m| m.text.contains(id.as_str()))
        .unwrap();
    assert!(notice.blocks.unwrap().to_string().contains("Declined"));

    let stranger = mail(
        "someone@unknown.example",
        "s1@unknown.example",
        None,
        "URGENT <!channel> click",
        "buy now",
    );
    assert_eq!(
        app.send_mail(stranger.clone()).await["outcome"],
        "quarantined"
    );
    assert_eq!(app.send_mail(stranger).await["outcome"], "duplicate");
    let notes: Vec<_> = app
        .channel("incident-triage")
        .messages
        .into_iter()
        .filter(|m| m.text.contains("Quarantined"))
        .collect();
    assert_eq!(notes.len(), 1, "one note per mail, posted by the worker");
    assert!(!notes[0].text.contains("<!channel>"), "{}", notes[0].text);
    assert_eq!(
        app.host.store.open().await.unwrap().len(),
        0,
        "no incident for a stranger"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_about_an_open_incident_is_merged_into_it_and_replies_follow() {
    let app = App::start().await;
    let (target, target_name) = app
        .declare("U0ALICE", "Checkout errors", "S1", ViewValues::new())
        .await;
    app.send_mail(mail(
        "ops@acme.example",
        "dup-1@acme.example",
        None,
        "Payments failing?",
        "We see 502s at checkout.",
    ))
    .await;
    let report = app.latest_incident().await;
    assert_ne!(report, target);
    let name = format!("inc-{report}");
    let channel_id = app.channel_id(&name);
    let card = app
        .channel(&name)
        .messages
        .into_iter()
        .find(|m| m.pinned)
        .unwrap();
    app.join("U0BOB", &channel_id).await;
    app.driver
        .block_action(
            "U0BOB",
            &channel_id,
            &card.ts,
            "merge",
            Some(report.as_str()),
        )
        .await
        .unwrap();
    let view = app.host.sim.views().last().unwrap().clone();
    assert!(
        serde_json::to_string(&view)
            .unwrap()
            .contains(target.as_str()),
        "the open incident is offered"
    );
    let submit = app
        .driver
        .prepare_view_submission(
            "U0BOB",
            &view.id,
            &ViewValues::new().set("target", "value", target.as_str()),
        )
        .unwrap();
    assert_eq!(app.driver.send(&submit).await.unwrap().status, 200);
    app.host.settle().await;

    let merged = app.host.store.load(&report).await.unwrap().unwrap();
    assert_eq!(
        (merged.status, merged.merged_into.as_ref()),
        (Status::Declined, Some(&target))
    );
    assert!(app.host.sim.channel(&channel_id).unwrap().is_archived);
    let timeline = app.timeline(&target).await;
    assert!(timeline.iter().any(|r| matches!(&r.event, Event::Absorbed { event, .. } if matches!(event.as_ref(), Event::Captured { message, .. } if message.text.contains("502s at checkout")))), "the report joins the incident's timeline");
    assert!(
        app.channel(&target_name)
            .messages
            .iter()
            .any(|m| m.text.contains("Reported by mail (merged)"))
    );

    // A reply to the original mail now lands in the incident it was merged into.
    let reply = mail(
        "ops@acme.example",
        "dup-2@acme.example",
        Some("dup-1@acme.example"),
        "Re: Payments failing?",
        "Still failing for us.",
    );
    let outcome = app.send_mail(reply).await;
    assert_eq!(outcome["outcome"], "followed_up");
    assert_eq!(outcome["incident"], target.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automated_mail_is_ignored_and_a_forward_is_the_original_report() {
    let app = App::start().await;
    let before = app.channel("incident-triage").messages.len();
    let ooo = mail(
        "ops@acme.example",
        "ooo1@acme.example",
        None,
        "Automatic reply: Checkout is down",
        "I am out of the office until Monday.",
    )
    .replace(
        "MIME-Version",
        "Auto-Submitted: auto-replied\r\nMIME-Version",
    );
    let answer = app.send_mail(ooo).await;
    assert_eq!(answer["outcome"], "ignored", "{answer}");
    assert_eq!(answer["kind"], "auto_reply");
    let bounce = mail(
        "MAILER-DAEMON@mx.acme.example",
        "b1@mx.acme.example",
        None,
        "Undelivered Mail Returned to Sender",
        "550 5.1.1 user unknown",
    );
    assert_eq!(app.send_mail(bounce).await["kind"], "bounce");
    assert!(
        app.host.store.open().await.unwrap().is_empty(),
        "nothing declared"
    );
    assert_eq!(
        app.channel("incident-triage").messages.len(),
        before,
        "nothing posted, nobody pinged"
    );

    let forward = mail(
        "ops@acme.example",
        "f1@acme.example",
        None,
        "Fwd: Search is down",
        "From the customer.\r\n\r\n---------- Forwarded message ---------\r\n\
         From: Ana <ana@acme.example>\r\nDate: Fri, Nov 27, 2026 at 8:50 AM\r\n\
         Subject: Search is down\r\nTo: <ops@acme.example>\r\n\r\n\
         Every search returns nothing since 08:40.",
    );
    assert_eq!(app.send_mail(forward).await["outcome"], "declared");
    let open = app.host.store.open().await.unwrap();
    assert_eq!(open.len(), 1);
    let incident = app.host.store.load(&open[0].id).await.unwrap().unwrap();
    assert_eq!(incident.title, "Search is down");
    assert!(
        incident
            .description
            .starts_with("Every search returns nothing since 08:40."),
        "{}",
        incident.description
    );
    assert!(
        incident
            .description
            .contains("Forwarded by Ops Team <ops@acme.example>")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_of_several_megabytes_is_taken_and_one_over_the_limit_is_refused_plainly() {
    let app = App::start().await;
    // A screenshot-sized body (5 MB): over axum's 2 MB default, well under SES's limit.
    let big = mail(
        "ops@acme.example",
        "big@acme.example",
        None,
        "Dashboard export attached",
        &"The export shows every payment failing since 08:55.\r\n".repeat(100_000),
    );
    assert!(big.len() > 5_000_000);
    assert_eq!(app.send_mail(big).await["outcome"], "declared");

    let limit = flare_email_triage::handler::MAX_MAIL_BYTES as usize;
    let r = reqwest::Client::new()
        .post(format!("{}/local/email", app.host.base_url))
        .body(vec![b'x'; limit + 1])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incident_managers_open_a_quarantined_mail_or_allow_its_sender() {
    let app = App::start().await;
    let first = mail(
        "support@partner.example",
        "q-1@partner.example",
        None,
        "Our calls to your API fail since 09:00",
        "Every request returns 502.",
    );
    assert_eq!(app.send_mail(first).await["outcome"], "quarantined");
    let triage = app.channel_id("incident-triage");
    let note = |app: &App| {
        app.channel("incident-triage")
            .messages
            .into_iter()
            .find(|m| m.text.contains("Quarantined"))
            .unwrap()
    };
    let posted = note(&app);
    let blocks = posted.blocks.clone().unwrap().to_string();
    assert!(
        blocks.contains("Open as triage incident") && blocks.contains("Allow this sender"),
        "{blocks}"
    );

    // Alice is no incident manager: she is told who may, and nothing opens.
    app.driver
        .block_action("U0ALICE", &triage, &posted.ts, "quarantine_open", None)
        .await
        .unwrap();
    app.host.settle().await;
    assert!(app.host.store.open().await.unwrap().is_empty());
    assert!(
        app.host
            .sim
            .ephemeral_for("U0ALICE")
            .iter()
            .any(|e| e.text.contains("Only incident managers")),
        "Alice is told why"
    );

    // Dave (S0MANAGERS) double-clicks: two presses on the note as it was, one
    // triage incident, with the mail's report.
    let presses: Vec<_> = (0..2)
        .map(|_| {
            app.driver
                .prepare_block_action("U0DAVE", &triage, &posted.ts, "quarantine_open", None)
                .unwrap()
        })
        .collect();
    for press in &presses {
        assert_eq!(app.driver.send(press).await.unwrap().status, 200);
    }
    app.host.settle().await;
    let open = app.host.store.open().await.unwrap();
    assert_eq!(open.len(), 1, "one incident however often it is pressed");
    let incident = app.host.store.load(&open[0].id).await.unwrap().unwrap();
    assert_eq!(incident.status, Status::Triage);
    assert_eq!(incident.title, "Our calls to your API fail since 09:00");
    let updated = note(&app);
    let blocks = updated.blocks.unwrap().to_string();
    assert!(
        blocks.contains("Opened as a triage incident by <@U0DAVE>"),
        "{blocks}"
    );
    assert!(!blocks.contains("Open as triage incident"), "{blocks}");
    assert!(
        blocks.contains("Allow this sender"),
        "still on offer: {blocks}"
    );

    // Dave allows the sender: the next mail from them opens a triage incident.
    app.driver
        .block_action("U0DAVE", &triage, &posted.ts, "quarantine_allow", None)
        .await
        .unwrap();
    app.host.settle().await;
    let blocks = note(&app).blocks.unwrap().to_string();
    assert!(
        blocks.contains("<@U0DAVE> allowed support@partner.example"),
        "{blocks}"
    );
    assert!(
        !blocks.contains("\"actions\""),
        "nothing left to press: {blocks}"
    );
    let next = mail(
        "Support@Partner.example",
        "q-2@partner.example",
        None,
        "Webhooks are delayed",
        "Deliveries arrive 20 minutes late.",
    );
    assert_eq!(app.send_mail(next).await["outcome"], "declared");
    assert_eq!(app.host.store.open().await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_that_opened_nothing_is_counted_on_request() {
    let app = App::start().await;
    let ooo = mail(
        "jonas@acme.example",
        "ooo-1@acme.example",
        None,
        "Out of office: back on Monday",
        "I am away.",
    )
    .replace(
        "MIME-Version",
        "Auto-Submitted: auto-replied\r\nMIME-Version",
    );
    assert_eq!(app.send_mail(ooo.clone()).await["outcome"], "ignored");
    // The same auto-reply delivered again is one entry, not two.
    app.send_mail(ooo).await;
    let stranger = mail(
        "eve@unknown.example",
        "s-1@unknown.example",
        None,
        "hello <!channel>",
        "buy now",
    );
    assert_eq!(app.send_mail(stranger).await["outcome"], "quarantined");
    assert!(app.host.store.open().await.unwrap().is_empty());

    // Only the people of the triage channel (who see its notes) may read the log.
    let triage = app.channel_id("incident-triage");
    app.act(
        "U0BOB",
        "conversations.leave",
        serde_json::json!({ "channel": triage }),
    )
    .await;
    app.slash("U0BOB", "general", "mail").await;
    let bob = app.host.sim.ephemeral_for("U0BOB");
    assert!(
        bob.last()
            .unwrap()
            .text
            .contains("for the people of the triage channel"),
        "{:?}",
        bob.last()
    );
    let r = app.slash("U0ALICE", "general", "mail").await;
    assert!(
        r.body.contains("Looking at the triage address"),
        "{}",
        r.body
    );
    app.host.settle().await;
    let told = app.host.sim.ephemeral_for("U0ALICE");
    let answer = &told.last().unwrap().text;
    assert!(
        answer.contains("*2 mails to the triage address opened nothing* in the last 7 days: 1 auto-reply, 1 quarantined mail."),
        "{answer}"
    );
    assert!(answer.contains("acme.example (1)"), "{answer}");
    assert!(!answer.contains("<!channel>"), "escaped: {answer}");
    let r = app.slash("U0ALICE", "general", "mail 99").await;
    assert!(
        r.body.contains("Usage: `/incident mail [days, 1–30]`"),
        "{}",
        r.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reports_screenshot_is_shared_in_its_channel_and_nothing_that_runs_is() {
    let app = App::start().await;
    // A 2×2 PNG, a program named like one, and text claiming to be a PNG.
    let png = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==";
    let part = |name: &str, ctype: &str, b64: &str| {
        format!(
            "--b1\r\nContent-Type: {ctype}; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{b64}\r\n"
        )
    };
    let raw = format!(
        "From: Ops Team <ops@acme.example>\r\nTo: urgent@flare.example\r\nSubject: Checkout shows an error page\r\nMessage-ID: <shot-1@acme.example>\r\nDate: Fri, 27 Nov 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the screenshot.\r\n{}{}{}--b1--\r\n",
        part("Screen Shot 09.14.png", "image/png", png),
        part(
            "invoice.png.exe",
            "image/png",
            "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAA"
        ),
        part("fake.png", "image/png", "aGVsbG8gd29ybGQ="),
    );
    assert_eq!(app.send_mail(raw.clone()).await["outcome"], "declared");
    assert_eq!(app.send_mail(raw).await["outcome"], "duplicate");
    let id = app.latest_incident().await;
    let channel = app.channel_id(&format!("inc-{id}"));
    let shared: Vec<_> = app
        .host
        .sim
        .state()
        .files
        .into_iter()
        .filter(|f| f.completed && f.channel.as_deref() == Some(channel.as_str()))
        .collect();
    assert_eq!(shared.len(), 1, "{shared:?}");
    assert_eq!(shared[0].name, "screen-shot-09.14.png");
    assert_eq!(shared[0].title, "Screen Shot 09.14.png");
    let incident = app.host.store.load(&id).await.unwrap().unwrap();
    assert!(
        incident.description.contains(
            "Not shared in the channel: invoice.png.exe (`.exe` files are never shared), fake.png (its bytes are not image/png)"
        ),
        "{}",
        incident.description
    );
}
