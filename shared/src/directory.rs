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
