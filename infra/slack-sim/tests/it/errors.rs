//! `ok:false` answers reach slack-morphism as API errors with Slack's codes, and
//! injected faults as rate-limit and HTTP errors.

use std::time::Duration;

use flare_slack_sim::Fault;
use serde_json::json;
use slack_morphism::errors::*;
use slack_morphism::prelude::*;

use crate::support::*;

fn text(t: &str) -> SlackMessageContent {
    SlackMessageContent::new().with_text(t.into())
}

#[tokio::test]
async fn slack_error_codes_come_back_as_api_errors() {
    let (_sim, addr) = start_sim().await;
    let client = client(addr);
    let bot = bot_token();
    let session = client.open_session(&bot);
    let create = |name: &str| SlackApiConversationsCreateRequest::new(name.into());

    let channel = session
        .conversations_create(&create("inc-a"))
        .await
        .unwrap()
        .channel
        .id;
    assert_eq!(
        api_error(session.conversations_create(&create("inc-a")).await),
        "name_taken"
    );
    assert_eq!(
        api_error(session.conversations_create(&create("Inc-A")).await),
        "invalid_name_specials"
    );
    assert_eq!(
        api_error(session.conversations_create(&create("inc a")).await),
        "invalid_name_specials"
    );
    assert_eq!(
        api_error(session.conversations_create(&create(&"x".repeat(81))).await),
        "invalid_name_maxlength"
    );
    assert_eq!(
        api_error(session.conversations_create(&create("")).await),
        "invalid_name_required"
    );

    let invite = |users: &[&str]| {
        SlackApiConversationsInviteRequest::new(
            channel.clone(),
            users.iter().map(|u| (*u).into()).collect(),
        )
    };
    session
        .conversations_invite(&invite(&["U0ALICE"]))
        .await
        .unwrap();
    // Some already in: without `force` the whole call fails and nobody is added
    // (Slack's rule; strict.rs covers `force`).
    assert_eq!(
        api_error(
            session
                .conversations_invite(&invite(&["U0ALICE", "U0BOB"]))
                .await
        ),
        "already_in_channel"
    );
    let added = session
        .conversations_invite(&invite(&["U0BOB"]))
        .await
        .unwrap();
    assert_eq!(added.channel.num_members, Some(3));
    assert_eq!(
        api_error(
            session
                .conversations_invite(&invite(&["U0ALICE", "U0BOB"]))
                .await
        ),
        "already_in_channel"
    );
    assert_eq!(
        api_error(session.conversations_invite(&invite(&["U0NOBODY"])).await),
        "user_not_found"
    );
    assert_eq!(
        api_error(session.conversations_invite(&invite(&["U0FLAREBOT"])).await),
        "cant_invite_self"
    );
    let missing =
        SlackApiConversationsInviteRequest::new("C0MISSING00".into(), vec!["U0BOB".into()]);
    assert_eq!(
        api_error(session.conversations_invite(&missing).await),
        "channel_not_found"
    );

    let long_topic = SlackApiConversationsSetTopicRequest::new(channel.clone(), "t".repeat(251));
    assert_eq!(
        api_error(session.conversations_set_topic(&long_topic).await),
        "too_long"
    );

    let post = |t: &str| SlackApiChatPostMessageRequest::new(channel.clone(), text(t));
    let empty = SlackApiChatPostMessageRequest::new(channel.clone(), SlackMessageContent::new());
    assert_eq!(
        api_error(session.chat_post_message(&empty).await),
        "no_text"
    );
    let posted = session.chat_post_message(&post("hello")).await.unwrap();

    // Dave is not in the channel: as a person he may not post there.
    let dave = user_token("U0DAVE");
    let dave_session = client.open_session(&dave);
    assert_eq!(
        api_error(dave_session.chat_post_message(&post("hi")).await),
        "not_in_channel"
    );
    // Bob is a member but did not write the bot's message.
    let bob = user_token("U0BOB");
    let bob_session = client.open_session(&bob);
    let edit = SlackApiChatUpdateRequest::new(channel.clone(), text("mine now"), posted.ts.clone());
    assert_eq!(
        api_error(bob_session.chat_update(&edit).await),
        "cant_update_message"
    );
    let ghost = SlackApiChatUpdateRequest::new(channel.clone(), text("x"), "1.000001".into());
    assert_eq!(
        api_error(session.chat_update(&ghost).await),
        "message_not_found"
    );

    let pin = SlackApiPinsAddRequest::new(channel.clone(), posted.ts.clone());
    session.pins_add(&pin).await.unwrap();
    assert_eq!(api_error(session.pins_add(&pin).await), "already_pinned");
    let unpin = SlackApiPinsRemoveRequest::new(channel.clone(), posted.ts.clone());
    session.pins_remove(&unpin).await.unwrap();
    assert_eq!(api_error(session.pins_remove(&unpin).await), "no_pin");
    let pin_ghost = SlackApiPinsAddRequest::new(channel.clone(), "1.000001".into());
    assert_eq!(
        api_error(session.pins_add(&pin_ghost).await),
        "message_not_found"
    );

    let react = SlackApiReactionsAddRequest::new(channel.clone(), "fire".into(), posted.ts.clone());
    session.reactions_add(&react).await.unwrap();
    assert_eq!(
        api_error(session.reactions_add(&react).await),
        "already_reacted"
    );
    let unreact = SlackApiReactionsRemoveRequest::new("fire".into())
        .with_channel(channel.clone())
        .with_timestamp(posted.ts.clone());
    session.reactions_remove(&unreact).await.unwrap();
    assert_eq!(
        api_error(session.reactions_remove(&unreact).await),
        "no_reaction"
    );

    let by_email = SlackApiUsersLookupByEmailRequest::new("nobody@example.com".into());
    assert_eq!(
        api_error(session.users_lookup_by_email(&by_email).await),
        "users_not_found"
    );
    assert_eq!(
        api_error(
            session
                .users_info(&SlackApiUsersInfoRequest::new("U0NOBODY".into()))
                .await
        ),
        "user_not_found"
    );

    let archive = SlackApiConversationsArchiveRequest::new(channel.clone());
    session.conversations_archive(&archive).await.unwrap();
    assert_eq!(
        api_error(session.conversations_archive(&archive).await),
        "already_archived"
    );
    assert_eq!(
        api_error(session.chat_post_message(&post("late")).await),
        "is_archived"
    );
    assert_eq!(
        api_error(session.conversations_invite(&invite(&["U0DAVE"])).await),
        "is_archived"
    );
    let rename = SlackApiConversationsRenameRequest::new(channel.clone(), "inc-b".into());
    assert_eq!(
        api_error(session.conversations_rename(&rename).await),
        "is_archived"
    );
    let general = SlackApiConversationsArchiveRequest::new("C0GENERAL".into());
    assert_eq!(
        api_error(session.conversations_archive(&general).await),
        "cant_archive_general"
    );

    // The bot reads history only where it is a member.
    let history = SlackApiConversationsHistoryRequest::new().with_channel("C0GENERAL".into());
    assert_eq!(
        api_error(session.conversations_history(&history).await),
        "not_in_channel"
    );
    assert!(bob_session.conversations_history(&history).await.is_ok());

    let bad = SlackApiToken::new(SlackApiTokenValue::from("xoxb-wrong".to_string()));
    assert_eq!(
        api_error(client.open_session(&bad).auth_test().await),
        "invalid_auth"
    );
    let unknown: ClientResult<serde_json::Value> = session
        .http_session_api
        .http_post("admin.nothing", &json!({}), None)
        .await;
    assert_eq!(api_error(unknown), "unknown_method");
}

#[tokio::test]
async fn renames_follow_the_name_rules() {
    let (_sim, addr) = start_sim().await;
    let client = client(addr);
    let bot = bot_token();
    let session = client.open_session(&bot);
    let a = session
        .conversations_create(&SlackApiConversationsCreateRequest::new("inc-a".into()))
        .await
        .unwrap()
        .channel
        .id;
    session
        .conversations_create(
            &SlackApiConversationsCreateRequest::new("inc-b".into()).with_is_private(true),
        )
        .await
        .unwrap();
    let rename = |name: &str| SlackApiConversationsRenameRequest::new(a.clone(), name.into());
    assert_eq!(
        api_error(session.conversations_rename(&rename("inc-b")).await),
        "name_taken"
    );
    assert_eq!(
        api_error(session.conversations_rename(&rename("INC")).await),
        "invalid_name_specials"
    );
    // A private channel the caller is not in does not exist for them.
    let list = client
        .open_session(&user_token("U0ALICE"))
        .conversations_list(&SlackApiConversationsListRequest::new().with_types(vec![
            SlackConversationType::Public,
            SlackConversationType::Private,
        ]))
        .await
        .unwrap();
    let names: Vec<_> = list
        .channels
        .iter()
        .filter_map(|c| c.name.clone())
        .collect();
    assert_eq!(names, ["general", "inc-a"]);
}

#[tokio::test]
async fn injected_faults_reach_the_client() {
    let (sim, addr) = start_sim().await;
    let client = client(addr);
    let bot = bot_token();
    let session = client.open_session(&bot);
    let post = SlackApiChatPostMessageRequest::new(
        "C0GENERAL".into(),
        SlackMessageContent::new().with_text("hi".into()),
    );

    sim.inject_fault(Fault::ratelimited("chat.postMessage", 1, 7));
    match session.chat_post_message(&post).await {
        Err(SlackClientError::RateLimitError(e)) => {
            assert_eq!(e.retry_after, Some(Duration::from_secs(7)));
            assert_eq!(e.code.as_deref(), Some("ratelimited"));
        }
        other => panic!("expected a rate limit, got {other:?}"),
    }
    session.chat_post_message(&post).await.unwrap();

    sim.inject_fault(Fault::http_500("chat.postMessage", 1));
    match session.chat_post_message(&post).await {
        Err(SlackClientError::HttpError(e)) => assert_eq!(e.status_code.as_u16(), 500),
        other => panic!("expected HTTP 500, got {other:?}"),
    }

    sim.inject_fault(Fault::error("chat.postMessage", "fatal_error", 2));
    assert_eq!(
        api_error(session.chat_post_message(&post).await),
        "fatal_error"
    );
    assert_eq!(
        api_error(session.chat_post_message(&post).await),
        "fatal_error"
    );
    session.chat_post_message(&post).await.unwrap();
    assert!(sim.faults().is_empty());

    let calls = sim.calls_to("chat.postMessage");
    let outcomes: Vec<(bool, Option<&str>)> =
        calls.iter().map(|c| (c.ok, c.error.as_deref())).collect();
    assert_eq!(
        outcomes,
        [
            (false, Some("ratelimited")),
            (true, None),
            (false, Some("http_500")),
            (false, Some("fatal_error")),
            (false, Some("fatal_error")),
            (true, None)
        ]
    );
    // Faulted calls change nothing.
    assert_eq!(sim.channel("C0GENERAL").unwrap().messages.len(), 2);
    assert_eq!(calls[0].params["text"], "hi");
    assert!(calls[0].params.get("token").is_none());
}
