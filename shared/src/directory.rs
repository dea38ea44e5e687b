//! Who is where in the chat: what permission checks and private listings need to know
//! about a person. A port: the Slack adapter answers it (`slack::api::SlackDirectory`).

use async_trait::async_trait;

#[async_trait]
pub trait Directory: Send + Sync {
    /// Is `user` a member of `channel`?
    async fn in_channel(&self, channel: &str, user: &crate::domain::UserId)
    -> Result<bool, String>;
    /// Is `user` in the user group `group`?
    async fn in_group(&self, group: &str, user: &crate::domain::UserId) -> Result<bool, String>;
}

/// Someone a pager's schedule says is on call now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnCallPerson {
    pub email: String,
    /// As the pager names them, if it does.
    pub name: Option<String>,
}

/// Who is on call now for a schedule (PagerDuty `oncalls`, Opsgenie `whoIsOnCall`). A
/// port: the integrations crate answers it, briefly cached.
#[async_trait]
pub trait OnCallNow: Send + Sync {
    /// Empty when nobody is; `Err` when the pager can't say (the caller falls back to
    /// the service's fixed list).
    async fn on_call(
        &self,
        schedule: &crate::config::OnCallSchedule,
    ) -> Result<Vec<OnCallPerson>, String>;
}

/// People's names for documents read outside Slack (the postmortem, tickets, the audit
/// CSV), where `U0BOB` means nothing. A port: `slack::people::SlackNames` answers it.
#[async_trait]
pub trait Names: Send + Sync {
    /// The names it could find, by user id; a person it can't name is left out, and the
    /// document shows their id. Never fails: a name is a nicety, the document is not.
    async fn names(&self, ids: &[String]) -> std::collections::HashMap<String, String>;
}
