//! What the simulator holds, as plain serializable data: people, channels with their
//! messages, modals, ephemeral messages, bookmarks, deliveries, recorded calls. The same
//! types make up the `GET /sim/state` snapshot ([`SimState`]), so tests can also parse
//! that JSON back into them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A snapshot of the whole simulated workspace (`GET /sim/state`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimState {
    /// Team id, name and domain.
    pub team: Team,
    /// The bot's user id.
    pub bot_user_id: String,
    /// People and the bot.
    pub users: Vec<User>,
    /// Channels (and DMs) in creation order, each with its messages oldest first.
    pub channels: Vec<Channel>,
    /// User groups.
    pub usergroups: Vec<UserGroup>,
    /// Ephemeral messages (`chat.postEphemeral` and `response_url` posts).
    pub ephemeral: Vec<Ephemeral>,
    /// Modals opened with `views.open`/`views.push` (updated in place) and App Home
    /// views published with `views.publish`.
    pub views: Vec<View>,
    /// Channel bookmarks.
    pub bookmarks: Vec<Bookmark>,
    /// Events API deliveries made to the app.
    pub deliveries: Vec<Delivery>,
    /// Every post received on a `response_url`.
    pub responses: Vec<ResponsePost>,
    /// Uploaded files.
    pub files: Vec<FileUpload>,
    /// Canvases.
    pub canvases: Vec<Canvas>,
}

/// Team id, name and domain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Team {
    /// `T0FLARE`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Domain.
    pub domain: String,
}

/// A person or the bot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// `U…` id.
    pub id: String,
    /// Handle.
    pub name: String,
    /// Full name.
    pub real_name: String,
    /// E-mail address (empty for the bot).
    pub email: String,
    /// IANA time zone.
    pub tz: String,
    /// Time zone label.
    pub tz_label: String,
    /// Offset from UTC in seconds.
    pub tz_offset: i32,
    /// Job title.
    pub title: String,
    /// Whether this is the bot user.
    pub is_bot: bool,
    /// Workspace admin.
    pub is_admin: bool,
}

/// A channel (or DM) and its messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Channel {
    /// `C…` id (`D…` for DMs).
    pub id: String,
    /// Name without `#` (for a DM: the other person's user id).
    pub name: String,
    /// Topic text.
    pub topic: String,
    /// Purpose text.
    pub purpose: String,
    /// Archived.
    pub is_archived: bool,
    /// Private channel.
    pub is_private: bool,
    /// Direct message.
    pub is_im: bool,
    /// The workspace's #general.
    pub is_general: bool,
    /// Creation time (Unix seconds).
    pub created: i64,
    /// Who created it.
    pub creator: String,
    /// Who set the topic last (empty if never).
    pub topic_creator: String,
    /// When the topic was set (Unix seconds, 0 if never).
    pub topic_last_set: i64,
    /// Who set the purpose last.
    pub purpose_creator: String,
    /// When the purpose was set.
    pub purpose_last_set: i64,
    /// Member user ids, in joining order.
    pub members: Vec<String>,
    /// Earlier names (after `conversations.rename`).
    pub previous_names: Vec<String>,
    /// Messages oldest first, thread replies included (they carry `thread_ts`).
    pub messages: Vec<Message>,
}

impl Channel {
    /// The message with timestamp `ts`.
    pub fn message(&self, ts: &str) -> Option<&Message> {
        self.messages.iter().find(|m| m.ts == ts)
    }

    /// Top-level messages (not thread replies), oldest first.
    pub fn top_level(&self) -> impl DoubleEndedIterator<Item = &Message> {
        self.messages.iter().filter(|m| m.is_top_level())
    }

    /// Pinned messages.
    pub fn pinned(&self) -> impl DoubleEndedIterator<Item = &Message> {
        self.messages.iter().filter(|m| m.pinned)
    }

    /// Whether `user` is a member.
    pub fn has_member(&self, user: &str) -> bool {
        self.members.iter().any(|m| m == user)
    }
}

/// One message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Timestamp, unique within the channel.
    pub ts: String,
    /// Author's user id (the bot's user id for the bot's messages).
    pub user: String,
    /// Text (mrkdwn).
    pub text: String,
    /// Block Kit blocks as posted (with `block_id`s filled in as Slack does), or null.
    pub blocks: Option<Value>,
    /// The parent's timestamp, on thread replies only.
    pub thread_ts: Option<String>,
    /// Pinned to the channel.
    pub pinned: bool,
    /// Who pinned it.
    pub pinned_by: Option<String>,
    /// When it was pinned (Unix seconds).
    pub pinned_at: Option<i64>,
    /// Reactions in the order first added.
    pub reactions: Vec<Reaction>,
    /// `B…` bot id when the bot posted it.
    pub bot_id: Option<String>,
    /// Message subtype (`bot_message` is not used; Slack leaves it out for apps).
    pub subtype: Option<String>,
    /// `metadata` as posted.
    pub metadata: Option<Value>,
    /// Last edit, if edited.
    pub edited: Option<Edited>,
    /// `reply_broadcast` was set on this thread reply.
    pub reply_broadcast: bool,
    /// Files shared with the message.
    pub files: Vec<Value>,
}

impl Message {
    /// Not a thread reply.
    pub fn is_top_level(&self) -> bool {
        self.thread_ts.is_none() || self.reply_broadcast
    }

    /// The reaction called `name` (without colons).
    pub fn reaction(&self, name: &str) -> Option<&Reaction> {
        self.reactions.iter().find(|r| r.name == name)
    }
}

/// Who edited a message, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edited {
    /// Editor.
    pub user: String,
    /// Edit timestamp.
    pub ts: String,
}

/// A reaction on a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reaction {
    /// Emoji name without colons.
    pub name: String,
    /// Who reacted, in order.
    pub users: Vec<String>,
    /// Number of users.
    pub count: usize,
}

/// An ephemeral message: seen only by `user`, in `channel`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ephemeral {
    /// Channel id.
    pub channel: String,
    /// Recipient.
    pub user: String,
    /// Text.
    pub text: String,
    /// Blocks, if any.
    pub blocks: Option<Value>,
    /// Thread it was posted in, if any.
    pub thread_ts: Option<String>,
    /// `chat.postEphemeral` or `response_url`.
    pub source: String,
    /// When (RFC 3339).
    pub at: String,
}

/// A modal or App Home view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct View {
    /// `V…` id.
    pub id: String,
    /// `modal` or `home`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The person who sees it.
    pub user: String,
    /// `callback_id` (empty if none).
    pub callback_id: String,
    /// `external_id` (empty if none).
    pub external_id: String,
    /// `private_metadata` (empty if none).
    pub private_metadata: String,
    /// Current hash (changes on each update).
    pub hash: String,
    /// The first view of its stack.
    pub root_view_id: String,
    /// The view it was pushed on top of.
    pub previous_view_id: Option<String>,
    /// The view JSON as the app last sent it.
    pub view: Value,
    /// Still open (modals: until submitted or closed through the driver).
    pub open: bool,
    /// Times it was updated with `views.update`.
    pub updates: u32,
}

/// A user group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserGroup {
    /// `S…` id.
    pub id: String,
    /// Mention handle.
    pub handle: String,
    /// Display name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Members.
    pub users: Vec<String>,
}

/// A channel bookmark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bookmark {
    /// `Bk…` id.
    pub id: String,
    /// Channel id.
    pub channel_id: String,
    /// Title.
    pub title: String,
    /// `link`.
    #[serde(rename = "type")]
    pub kind: String,
    /// URL.
    pub link: String,
    /// Emoji, if any.
    pub emoji: Option<String>,
    /// Who added it.
    pub created_by: String,
    /// When (Unix seconds).
    pub date_created: i64,
}

/// One Events API delivery attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// `Ev…` id.
    pub event_id: String,
    /// Inner event type (`reaction_added`, …).
    pub event_type: String,
    /// Where it went.
    pub url: String,
    /// The app's HTTP status, if it answered.
    pub status: Option<u16>,
    /// Transport error, or why it was not sent.
    pub error: Option<String>,
    /// How long the app took to answer, in milliseconds (Slack wants under 3000).
    pub elapsed_ms: Option<u64>,
    /// When (RFC 3339).
    pub at: String,
    /// 0 for the first delivery, else the `X-Slack-Retry-Num` sent (1–3).
    #[serde(default)]
    pub retry_num: u32,
    /// The `X-Slack-Retry-Reason` sent with a retry (`http_timeout`, `http_error`, …).
    #[serde(default)]
    pub retry_reason: Option<String>,
}

/// A post received on a `response_url`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponsePost {
    /// The id in `/sim/response/<id>`.
    pub url_id: String,
    /// Channel the URL was issued for.
    pub channel: String,
    /// Person the URL was issued for.
    pub user: String,
    /// The posted JSON.
    pub body: Value,
    /// What the simulator answered.
    pub status: u16,
    /// When (RFC 3339).
    pub at: String,
}

/// A file uploaded with `files.getUploadURLExternal` + `files.completeUploadExternal`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileUpload {
    /// `F…` id.
    pub id: String,
    /// File name.
    pub name: String,
    /// Title.
    pub title: String,
    /// Content (lossy UTF-8).
    pub content: String,
    /// Uploader.
    pub user: String,
    /// Channel it was shared to, once completed.
    pub channel: Option<String>,
    /// `files.completeUploadExternal` was called.
    pub completed: bool,
}

/// A canvas made with `canvases.create` / `conversations.canvases.create`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Canvas {
    /// `F…` id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Markdown content.
    pub markdown: String,
    /// Channel, for channel canvases.
    pub channel_id: Option<String>,
}

/// A recorded Web API call (`GET /sim/calls`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    /// Method name (`chat.postMessage`).
    pub method: String,
    /// Decoded body and query, without the token (null if the body did not parse).
    pub params: Value,
    /// What `ok` was.
    pub ok: bool,
    /// The error code when not ok (`ratelimited`, `http_500`, `name_taken`, …).
    pub error: Option<String>,
    /// When (RFC 3339, milliseconds).
    pub at: String,
    /// Who called: the bot's user id, a person's id, or empty for a bad token.
    pub actor: String,
}

/// Fault injection: the next `count` calls of `method` fail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    /// Method name, or `*` for any method.
    pub method: String,
    /// `ratelimited` (HTTP 429 + `Retry-After`), `http_500`, or a Slack error code
    /// returned as HTTP 200 `{"ok":false,"error":…}`.
    pub error: String,
    /// How many calls fail.
    #[serde(default = "one")]
    pub count: u32,
    /// `Retry-After` seconds for `ratelimited`.
    #[serde(default = "one_u64")]
    pub retry_after: u64,
}

/// Fault injection at a rate: of the calls of `method` made over HTTP, a steady
/// fraction `rate` fail (spread evenly and deterministically: with 0.25 the 1st, 5th, 9th…),
/// until cleared. The failed call does nothing, so a retry is safe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flaky {
    /// Method name, or `*` for any method.
    pub method: String,
    /// `ratelimited` (429 + `Retry-After`), `http_500`, `timeout` (no answer for
    /// `delay_ms`, then 504 as a gateway gives up), or a Slack error code.
    pub error: String,
    /// The fraction of calls that fail, 0.0 to 1.0.
    pub rate: f64,
    /// `Retry-After` seconds for `ratelimited`.
    #[serde(default = "one_u64")]
    pub retry_after: u64,
    /// How long a `timeout` holds the call before answering 504.
    #[serde(default)]
    pub delay_ms: u64,
    /// Calls of `method` seen so far (the rate's counter).
    #[serde(default)]
    pub seen: u64,
}

impl Flaky {
    /// A fraction `rate` of the calls of `method` fail with `error`.
    pub fn new(method: &str, error: &str, rate: f64) -> Flaky {
        Flaky {
            method: method.to_string(),
            error: error.to_string(),
            rate,
            retry_after: 1,
            delay_ms: 0,
            seen: 0,
        }
    }

    /// For `timeout`: how long the call hangs before the 504.
    pub fn delay_ms(mut self, ms: u64) -> Flaky {
        self.delay_ms = ms;
        self
    }

    /// Counts a call and says whether it fails: call n fails when ⌈n·rate⌉ grows (so
    /// the first call fails, and one in 1/rate after it).
    pub(crate) fn hit(&mut self) -> bool {
        let rate = self.rate.clamp(0.0, 1.0);
        let before = (self.seen as f64 * rate).ceil();
        self.seen += 1;
        (self.seen as f64 * rate).ceil() > before
    }
}

fn one() -> u32 {
    1
}

fn one_u64() -> u64 {
    1
}

impl Fault {
    /// The next `count` calls of `method` answer 429 with `Retry-After: retry_after`.
    pub fn ratelimited(method: &str, count: u32, retry_after: u64) -> Fault {
        Fault {
            method: method.to_string(),
            error: "ratelimited".to_string(),
            count,
            retry_after,
        }
    }

    /// The next `count` calls of `method` answer HTTP 500.
    pub fn http_500(method: &str, count: u32) -> Fault {
        Fault {
            method: method.to_string(),
            error: "http_500".to_string(),
            count,
            retry_after: 1,
        }
    }

    /// The next `count` calls of `method` answer `{"ok":false,"error":error}`.
    pub fn error(method: &str, error: &str, count: u32) -> Fault {
        Fault {
            method: method.to_string(),
            error: error.to_string(),
            count,
            retry_after: 1,
        }
    }
}
