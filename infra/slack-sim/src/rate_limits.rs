//! Slack's per-method rate limits (docs.slack.dev/apis/web-api/rate-limits): each method
//! has a tier (Tier 1: 1 per minute, none served here; Tier 2: 20, Tier 3: 50, Tier 4: 100), counted per
//! method and token; `chat.postMessage` has its own rule of about one message per
//! second per channel, with short bursts allowed. Off unless switched on, so that
//! ordinary tests stay fast.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// A method's limit: at most `calls` within `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limit {
    pub(crate) calls: usize,
    pub(crate) window: Duration,
    /// Counted per channel (chat.postMessage) rather than per method.
    pub(crate) per_channel: bool,
}

const MINUTE: Duration = Duration::from_secs(60);

const fn tier(calls: usize) -> Limit {
    Limit {
        calls,
        window: MINUTE,
        per_channel: false,
    }
}

/// `chat.postMessage`: one a second per channel, a burst of 3 tolerated (3 in 3 s).
const POST_MESSAGE: Limit = Limit {
    calls: 3,
    window: Duration::from_secs(3),
    per_channel: true,
};

/// The limit of `method` (its tier from its docs.slack.dev page); `None`: not limited
/// here (special methods Slack allows "hundreds per minute").
pub(crate) fn limit(method: &str) -> Option<Limit> {
    const T2: Limit = tier(20);
    const T3: Limit = tier(50);
    const T4: Limit = tier(100);
    Some(match method {
        "chat.postMessage" => POST_MESSAGE,
        "conversations.create"
        | "conversations.rename"
        | "conversations.archive"
        | "conversations.unarchive"
        | "conversations.setTopic"
        | "conversations.setPurpose"
        | "conversations.list"
        | "conversations.canvases.create"
        | "canvases.create"
        | "pins.add"
        | "pins.remove"
        | "pins.list"
        | "reactions.remove"
        | "bookmarks.add"
        | "bookmarks.edit"
        | "bookmarks.remove"
        | "bookmarks.list"
        | "users.list"
        | "usergroups.list"
        | "usergroups.users.list" => T2,
        "conversations.invite"
        | "conversations.join"
        | "conversations.kick"
        | "conversations.leave"
        | "conversations.info"
        | "conversations.history"
        | "conversations.replies"
        | "conversations.open"
        | "chat.update"
        | "chat.delete"
        | "reactions.add"
        | "reactions.get"
        | "users.lookupByEmail" => T3,
        "conversations.members"
        | "chat.postEphemeral"
        | "views.open"
        | "views.push"
        | "views.update"
        | "views.publish"
        | "users.info"
        | "files.getUploadURLExternal"
        | "files.completeUploadExternal" => T4,
        _ => return None,
    })
}

/// The calls counted so far, per token, method (and channel).
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    pub(crate) on: bool,
    seen: HashMap<(String, String, String), VecDeque<Instant>>,
}

impl RateLimiter {
    pub(crate) fn new(on: bool) -> RateLimiter {
        RateLimiter {
            on,
            seen: HashMap::new(),
        }
    }

    /// Switches the limits on or off (and forgets what was counted).
    pub(crate) fn set(&mut self, on: bool) {
        self.on = on;
        self.seen.clear();
    }

    /// Counts a call; `Some(seconds)` (the `Retry-After`) when it is over the limit.
    pub(crate) fn check(
        &mut self,
        token_owner: &str,
        method: &str,
        channel: Option<&str>,
        now: Instant,
    ) -> Option<u64> {
        if !self.on {
            return None;
        }
        let limit = limit(method)?;
        let channel = if limit.per_channel {
            channel.unwrap_or_default().to_string()
        } else {
            String::new()
        };
        let calls = self
            .seen
            .entry((token_owner.to_string(), method.to_string(), channel))
            .or_default();
        while calls
            .front()
            .is_some_and(|t| now.duration_since(*t) >= limit.window)
        {
            calls.pop_front();
        }
        if calls.len() >= limit.calls {
            let oldest = calls.front().copied().unwrap_or(now);
            let wait = limit.window.saturating_sub(now.duration_since(oldest));
            return Some(wait.as_secs_f64().ceil().max(1.0) as u64);
        }
        calls.push_back(now);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_refuse_over_the_limit_until_the_window_passes() {
        let mut limiter = RateLimiter::new(true);
        let start = Instant::now();
        for _ in 0..20 {
            assert_eq!(
                limiter.check("B", "conversations.create", None, start),
                None
            );
        }
        let retry = limiter.check("B", "conversations.create", None, start);
        assert_eq!(retry, Some(60));
        assert_eq!(
            limiter.check("B", "conversations.create", None, start + MINUTE),
            None
        );
        // Another method has its own budget.
        assert_eq!(limiter.check("B", "pins.add", None, start), None);
    }

    #[test]
    fn post_message_is_per_channel_and_off_means_off() {
        let mut limiter = RateLimiter::new(true);
        let now = Instant::now();
        for _ in 0..3 {
            assert_eq!(
                limiter.check("B", "chat.postMessage", Some("C1"), now),
                None
            );
        }
        assert_eq!(
            limiter.check("B", "chat.postMessage", Some("C1"), now),
            Some(3)
        );
        assert_eq!(
            limiter.check("B", "chat.postMessage", Some("C2"), now),
            None
        );
        limiter.set(false);
        for _ in 0..200 {
            assert_eq!(
                limiter.check("B", "chat.postMessage", Some("C1"), now),
                None
            );
        }
    }
}
