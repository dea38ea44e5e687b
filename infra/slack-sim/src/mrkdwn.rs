//! Slack mrkdwn → safe HTML for the human view: entities decoded then every piece of text
//! HTML-escaped (nothing from a message is ever injected raw), `<@U…>`/`<#C…>`/`<!here>`
//! mentions resolved to names, `<url|label>` links (http, https, mailto only), and
//! `*bold*`, `_italic_`, `~strike~`, `` `code` ``, ```` ```pre``` ````, `>` quotes, line breaks.

/// Resolves ids to names for mentions.
pub(crate) trait Names {
    /// A person's handle.
    fn user(&self, id: &str) -> Option<String>;
    /// A channel's name.
    fn channel(&self, id: &str) -> Option<String>;
    /// A user group's handle.
    fn group(&self, id: &str) -> Option<String>;
}

/// HTML-escapes text (also quotes, so it is safe inside attributes).
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Private-use characters are our placeholders: never let input forge one.
            '\u{E000}'..='\u{F8FF}' => out.push('\u{FFFD}'),
            _ => out.push(c),
        }
    }
    out
}

/// Undoes Slack's three control escapes.
fn decode_entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Renders Slack mrkdwn as HTML.
pub(crate) fn to_html(text: &str, names: &dyn Names) -> String {
    // 1. Replace every <…> token by a placeholder and render it separately.
    let mut rendered_tokens: Vec<String> = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        plain.push_str(&escape(&decode_entities(&rest[..start])));
        let after = &rest[start + 1..];
        match after.find('>') {
            Some(end) if !after[..end].contains('<') => {
                plain.push(placeholder(rendered_tokens.len()));
                rendered_tokens.push(token(&after[..end], names));
                rest = &after[end + 1..];
            }
            _ => {
                plain.push_str("&lt;");
                rest = after;
            }
        }
    }
    plain.push_str(&escape(&decode_entities(rest)));

    // 2. Code blocks and spans, then emphasis outside code.
    let mut html = String::new();
    for (i, part) in plain.split("```").enumerate() {
        if i % 2 == 1 {
            html.push_str("<pre>");
            html.push_str(part.trim_matches('\n'));
            html.push_str("</pre>");
            continue;
        }
        for (j, piece) in part.split('`').enumerate() {
            if j % 2 == 1 {
                html.push_str("<code>");
                html.push_str(piece);
                html.push_str("</code>");
            } else {
                let piece = emphasis(piece, '*', "strong");
                let piece = emphasis(&piece, '_', "em");
                let piece = emphasis(&piece, '~', "del");
                for (k, line) in piece.split('\n').enumerate() {
                    if k > 0 {
                        html.push_str("<br>");
                    }
                    // `>` at the start of a line quotes it.
                    let line_start = k > 0
                        || html.is_empty()
                        || html.ends_with("<br>")
                        || html.ends_with("</pre>");
                    match line.strip_prefix("&gt;").filter(|_| line_start) {
                        Some(quoted) => html.push_str(&format!(
                            "<span class=\"quote\">{}</span>",
                            quoted.strip_prefix(' ').unwrap_or(quoted)
                        )),
                        None => html.push_str(line),
                    }
                }
            }
        }
    }

    // 3. Put the rendered tokens back.
    let mut out = String::with_capacity(html.len());
    for c in html.chars() {
        match placeholder_index(c).and_then(|i| rendered_tokens.get(i)) {
            Some(token) => out.push_str(token),
            None => out.push(c),
        }
    }
    out
}

fn placeholder(i: usize) -> char {
    let code = 0xE000 + u32::try_from(i.min(0x18FF)).unwrap_or(0);
    char::from_u32(code).unwrap_or('\u{FFFD}')
}

fn placeholder_index(c: char) -> Option<usize> {
    let code = u32::from(c);
    if (0xE000..=0xF8FF).contains(&code) {
        usize::try_from(code - 0xE000).ok()
    } else {
        None
    }
}

/// One `<…>` token: mention, channel link, special mention, date or URL.
fn token(inner: &str, names: &dyn Names) -> String {
    let (target, label) = match inner.split_once('|') {
        Some((t, l)) => (t, Some(decode_entities(l))),
        None => (inner, None),
    };
    let mention = |text: String| format!("<span class=\"mention\">{}</span>", escape(&text));
    if let Some(id) = target.strip_prefix('@') {
        let name = names.user(id).or(label).unwrap_or_else(|| id.to_string());
        return mention(format!("@{name}"));
    }
    if let Some(id) = target.strip_prefix('#') {
        let name = names
            .channel(id)
            .or(label)
            .unwrap_or_else(|| id.to_string());
        return mention(format!("#{name}"));
    }
    if let Some(special) = target.strip_prefix('!') {
        if let Some(group) = special.strip_prefix("subteam^") {
            let name = names
                .group(group)
                .map(|h| format!("@{h}"))
                .or(label)
                .unwrap_or_else(|| format!("@{group}"));
            return mention(name);
        }
        if special.starts_with("date^") {
            return escape(&label.unwrap_or_default());
        }
        return mention(label.unwrap_or_else(|| format!("@{special}")));
    }
    let url = decode_entities(target);
    let text = label.unwrap_or_else(|| url.clone());
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:")
    {
        format!(
            "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
            escape(&url),
            escape(&text)
        )
    } else {
        escape(&text)
    }
}

/// Wraps `marker`-delimited runs in `<tag>`, Slack-style: the opening marker is not
/// preceded by a letter or digit, the closing one not followed by one, no line breaks.
fn emphasis(text: &str, marker: char, tag: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let opens = c == marker
            && (i == 0 || !chars[i - 1].is_alphanumeric())
            && chars
                .get(i + 1)
                .is_some_and(|n| !n.is_whitespace() && *n != marker);
        if opens {
            let close = (i + 2..chars.len()).find(|&j| {
                chars[j] == marker
                    && !chars[j - 1].is_whitespace()
                    && chars.get(j + 1).is_none_or(|n| !n.is_alphanumeric())
            });
            let line_break = close.is_some_and(|j| chars[i + 1..j].contains(&'\n'));
            if let (Some(j), false) = (close, line_break) {
                out.push_str(&format!("<{tag}>"));
                out.extend(&chars[i + 1..j]);
                out.push_str(&format!("</{tag}>"));
                i = j + 1;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    struct Fixed;
    impl Names for Fixed {
        fn user(&self, id: &str) -> Option<String> {
            (id == "U0ALICE").then(|| "alice".to_string())
        }
        fn channel(&self, id: &str) -> Option<String> {
            (id == "C1").then(|| "inc-1".to_string())
        }
        fn group(&self, id: &str) -> Option<String> {
            (id == "S1").then(|| "oncall".to_string())
        }
    }

    #[test]
    fn escapes_everything_from_the_message() {
        let html = to_html("<script>alert(1)</script> & \"x\"", &Fixed);
        assert!(!html.contains("<script"), "{html}");
        let html = to_html(
            "&lt;b&gt;hi&lt;/b&gt; &amp; <img src=x onerror=alert(1)>",
            &Fixed,
        );
        assert!(!html.contains("<b>") && !html.contains("<img"), "{html}");
        assert!(html.contains("&lt;b&gt;hi"), "{html}");
        let html = to_html("<javascript:alert(1)|click>", &Fixed);
        assert!(!html.contains("href"), "{html}");
        let html = to_html("<https://x.test/?a=1&amp;b=\"2\"|l&lt;i&gt;>", &Fixed);
        assert!(
            html.contains("href=\"https://x.test/?a=1&amp;b=&quot;2&quot;\""),
            "{html}"
        );
        let forged = to_html("\u{E000} <@U0ALICE>", &Fixed);
        assert_eq!(forged.matches("@alice").count(), 1, "{forged}");
    }

    #[test]
    fn renders_basic_mrkdwn() {
        assert_eq!(
            to_html("*bold* _it_ ~no~ `x*y*` snake_case_name", &Fixed),
            "<strong>bold</strong> <em>it</em> <del>no</del> <code>x*y*</code> snake_case_name"
        );
        assert_eq!(to_html("a\nb", &Fixed), "a<br>b");
        assert_eq!(to_html("```let x = 1;```", &Fixed), "<pre>let x = 1;</pre>");
        let html = to_html(
            "hi <@U0ALICE> in <#C1|old> cc <!subteam^S1> <!here>",
            &Fixed,
        );
        assert!(html.contains("@alice") && html.contains("#inc-1"), "{html}");
        assert!(html.contains("@oncall") && html.contains("@here"), "{html}");
        let html = to_html("*<https://a.test|link>*", &Fixed);
        assert_eq!(
            html,
            "<strong><a href=\"https://a.test\" rel=\"noopener noreferrer\">link</a></strong>"
        );
        assert_eq!(to_html("a &lt; b &gt; c", &Fixed), "a &lt; b &gt; c");
        assert_eq!(
            to_html("said:\n&gt; *it* works\n>no > here", &Fixed),
            "said:<br><span class=\"quote\"><strong>it</strong> works</span><br>\
             <span class=\"quote\">no &gt; here</span>"
        );
        assert_eq!(to_html("a &gt; b", &Fixed), "a &gt; b");
    }
}
