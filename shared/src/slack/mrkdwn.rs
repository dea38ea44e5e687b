//! Escaping outside text for Slack mrkdwn, so nobody can inject `<!channel>`, user
//! mentions or links through a title, a mail subject or an update.

/// Slack's three control characters. After this, `<!channel>` shows as text.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Outside text as a mrkdwn block quote (escaped, every line quoted).
pub fn quote(text: &str) -> String {
    format!(">{}", escape(text).replace('\n', "\n>"))
}

/// Plain text for places Slack shows without formatting (topics, purposes): no
/// control characters, no newlines, capped to `max` characters.
pub fn plain(text: &str, max: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    crate::domain::clip(flat.trim(), max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralises_mentions_and_links() {
        assert_eq!(escape("<!channel> hi"), "&lt;!channel&gt; hi");
        assert_eq!(
            escape("<@U123|x> & <http://evil|click>"),
            "&lt;@U123|x&gt; &amp; &lt;http://evil|click&gt;"
        );
        assert_eq!(escape("plain *bold*"), "plain *bold*");
    }

    #[test]
    fn plain_is_flat_and_short() {
        assert_eq!(plain("a\nb\tc", 10), "a b c");
        assert_eq!(plain(&"x".repeat(300), 250).chars().count(), 250);
    }
}
