//! Text to and from Slack's mrkdwn.
//!
//! * In: Slack sends people's `&`, `<` and `>` as `&amp;`, `&lt;` and `&gt;` (slash
//!   command text, message text, events). [`from_slack`] undoes that once, keeping real
//!   references (`<@U…>`, `<#C…|name>`, `<!subteam^…>`, `<https://…|label>`) as they are.
//! * Out: [`escape`] neutralises everything (mail, vendors, titles: nobody injects
//!   `<!channel>`, mentions or links); [`escape_people`] is for what people typed in
//!   Slack, and keeps their mentions and links while still neutralising broadcasts.
//! * Length: Slack counts its limits on the text sent, after escaping; [`cut`] cuts
//!   there, never inside an entity or a reference, and says where it cut.

/// Slack's three control characters. After this, `<!channel>` shows as text.
/// A time every reader sees in their own zone (`<!date>`), with UTC as the fallback.
pub fn date(at: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "<!date^{}^{{date_short_pretty}} {{time}}|{}>",
        at.timestamp(),
        at.format("%Y-%m-%d %H:%M UTC")
    )
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    out
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        c => out.push(c),
    }
}

/// A reference Slack itself writes: a user or channel mention, a user group, a link.
/// Broadcasts (`<!here>`, `<!channel>`, `<!everyone>`) are not kept by [`escape_people`].
fn reference(inner: &str) -> Option<Ref> {
    if inner.is_empty() || inner.contains(['<', '>', '\n']) {
        return None;
    }
    let head = inner.split('|').next().unwrap_or_default();
    let id = |rest: &str| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    };
    if let Some(u) = head.strip_prefix('@') {
        return id(u).then_some(Ref::Mention);
    }
    if let Some(c) = head.strip_prefix('#') {
        return id(c).then_some(Ref::Mention);
    }
    if let Some(s) = head.strip_prefix("!subteam^") {
        return id(s).then_some(Ref::Mention);
    }
    if head.starts_with('!') {
        return Some(Ref::Broadcast);
    }
    let lower = head.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:")
    {
        return Some(Ref::Link);
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ref {
    Mention,
    Link,
    Broadcast,
}

/// Splits text into plain runs and `<…>` references Slack would recognise.
fn segments(text: &str) -> Vec<(&str, Option<Ref>)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>').map(|c| open + c) else {
            break;
        };
        match reference(&rest[open + 1..close]) {
            Some(kind) => {
                if open > 0 {
                    out.push((&rest[..open], None));
                }
                out.push((&rest[open..=close], Some(kind)));
                rest = &rest[close + 1..];
            }
            None => {
                out.push((&rest[..=open], None));
                rest = &rest[open + 1..];
            }
        }
    }
    if !rest.is_empty() {
        out.push((rest, None));
    }
    out
}

/// Slack's text as people typed it: entities decoded once, references kept.
pub fn from_slack(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (part, kind) in segments(text) {
        if kind.is_some() {
            out.push_str(part);
        } else {
            out.push_str(
                &part
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&amp;", "&"),
            );
        }
    }
    out
}

/// What people typed in Slack, for mrkdwn: their mentions and links stay live, every
/// other `&`, `<`, `>` is escaped, and broadcasts show as text.
pub fn escape_people(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (part, kind) in segments(text) {
        match kind {
            Some(Ref::Mention | Ref::Link) => out.push_str(part),
            Some(Ref::Broadcast) | None => out.push_str(&escape(part)),
        }
    }
    out
}

/// Text with each user mention `<@U1>` as `@` and what `name` says of the id (its
/// label, else the id, when `name` has nothing); every other part as written.
pub fn mentions_named(text: &str, name: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    for (part, kind) in segments(text) {
        let mention = (kind == Some(Ref::Mention))
            .then(|| {
                part[1..part.len() - 1]
                    .split_once('|')
                    .unwrap_or((&part[1..part.len() - 1], ""))
            })
            .and_then(|(head, label)| head.strip_prefix('@').map(|id| (id, label)));
        match mention {
            Some((id, label)) => {
                let label = label.trim_start_matches('@');
                let shown = name(id)
                    .or_else(|| (!label.is_empty()).then(|| label.to_owned()))
                    .unwrap_or_else(|| id.to_owned());
                out.push('@');
                out.push_str(&shown);
            }
            None => out.push_str(part),
        }
    }
    out
}

/// Text as plain words, for places that show no markup (modal inputs, tickets): a
/// reference becomes its label (`<#C1|ops>` → `#ops`, `<https://x|docs>` → `docs`), or
/// what `name` says of a user id (`<@U1>` → `@alice`).
pub fn to_plain(text: &str, name: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    for (part, kind) in segments(text) {
        let Some(kind) = kind else {
            out.push_str(part);
            continue;
        };
        let inner = &part[1..part.len() - 1];
        let (head, label) = match inner.split_once('|') {
            Some((h, l)) => (h, Some(l)),
            None => (inner, None),
        };
        let shown = match (kind, label) {
            (Ref::Link, Some(l)) => l.to_owned(),
            (Ref::Link, None) => head.trim_start_matches("mailto:").to_owned(),
            (_, _) if head.starts_with('@') => {
                let id = &head[1..];
                format!(
                    "@{}",
                    name(id)
                        .or_else(|| label.map(str::to_owned))
                        .unwrap_or_else(|| id.to_owned())
                )
            }
            (_, Some(l)) if head.starts_with('#') => format!("#{l}"),
            (_, Some(l)) => format!("@{}", l.trim_start_matches('@')),
            (_, None) => head.trim_start_matches('!').to_owned(),
        };
        out.push_str(&shown);
    }
    out
}

/// The user ids mentioned in Slack text (`<@U…>`), in order, each once.
pub fn mentioned_users(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (part, kind) in segments(text) {
        if kind == Some(Ref::Mention)
            && let Some(id) = part[1..part.len() - 1]
                .split('|')
                .next()
                .and_then(|h| h.strip_prefix('@'))
            && !out.iter().any(|o| o == id)
        {
            out.push(id.to_owned());
        }
    }
    out
}

/// Outside text as a mrkdwn block quote (escaped, every line quoted).
pub fn quote(text: &str) -> String {
    format!(">{}", escape(text).replace('\n', "\n>"))
}

/// What people typed, as a block quote: their mentions and links stay live.
pub fn quote_people(text: &str) -> String {
    format!(">{}", escape_people(text).replace('\n', "\n>"))
}

/// Plain text for places Slack shows without formatting (topics, purposes): no
/// control characters, no newlines, escaped, and cut to `max` characters as Slack
/// counts them (after escaping).
pub fn plain(text: &str, max: usize) -> String {
    cut(&escape(&flat(text)), max, "…")
}

/// One line: control characters and newlines become spaces.
pub fn flat(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    flat.trim().to_owned()
}

/// Escaped mrkdwn cut to at most `max` characters, `marker` included, never inside an
/// entity (`&amp;`) or a reference (`<…>`). Unchanged when it fits.
pub fn cut(text: &str, max: usize, marker: &str) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let budget = max.saturating_sub(marker.chars().count());
    let mut out = String::new();
    let mut used = 0usize;
    let mut units = text.char_indices().peekable();
    while let Some((i, c)) = units.next() {
        // One unit: an entity, a reference, or a character.
        let end = match c {
            '&' => text[i..]
                .find(';')
                .filter(|n| *n <= 5)
                .map_or(i + 1, |n| i + n + 1),
            '<' => text[i..].find('>').map_or(i + 1, |n| i + n + 1),
            _ => i + c.len_utf8(),
        };
        let unit = &text[i..end];
        let n = unit.chars().count();
        if used + n > budget {
            break;
        }
        out.push_str(unit);
        used += n;
        while units.peek().is_some_and(|(j, _)| *j < end) {
            units.next();
        }
    }
    // A cut word of a quote or list keeps its line's formatting; the marker says more.
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push_str(marker);
    out
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
    fn slack_text_is_decoded_once_and_references_kept() {
        let sent = "R&amp;D &lt;-&gt; QA <@U0BOB> <#C1|ops> <https://x.example/a?b=1&amp;c=2|docs>";
        let typed = from_slack(sent);
        assert_eq!(
            typed,
            "R&D <-> QA <@U0BOB> <#C1|ops> <https://x.example/a?b=1&amp;c=2|docs>"
        );
        // And back out: one escape, the mention and the link still live.
        assert_eq!(escape_people(&typed), sent);
        // Decoding is not repeated on text that was already decoded.
        assert_eq!(from_slack("a &amp;amp; b"), "a &amp; b");
    }

    #[test]
    fn broadcasts_typed_by_people_show_as_text() {
        assert_eq!(escape_people("<!channel> look"), "&lt;!channel&gt; look");
        assert_eq!(escape_people("<!here|here>"), "&lt;!here|here&gt;");
        assert_eq!(escape_people("a < b > c"), "a &lt; b &gt; c");
        assert_eq!(
            escape_people("<javascript:alert(1)|x>"),
            "&lt;javascript:alert(1)|x&gt;"
        );
    }

    #[test]
    fn plain_words_for_inputs() {
        let name = |id: &str| (id == "U0BOB").then(|| "bob".to_owned());
        assert_eq!(
            to_plain(
                "<@U0BOB> and <@U9|zed> in <#C1|ops>: <https://x|docs> <mailto:a@b>",
                &name
            ),
            "@bob and @zed in #ops: docs a@b"
        );
        assert_eq!(mentioned_users("<@U1> <@U2|b> <@U1>"), vec!["U1", "U2"]);
    }

    #[test]
    fn plain_is_flat_escaped_and_short() {
        assert_eq!(plain("a\nb\tc", 10), "a b c");
        assert_eq!(plain(&"x".repeat(300), 250).chars().count(), 250);
        // Counted after escaping: 143 characters of `R&D <-> QA ` become 260.
        let title = "R&D <-> QA ".repeat(13);
        let p = plain(&title, 250);
        assert!(p.chars().count() <= 250, "{}", p.chars().count());
        assert!(p.ends_with('…'));
        assert!(!p.contains("&a…") && !p.contains("&l…") && !p.contains("&g…"));
    }

    #[test]
    fn cut_never_splits_an_entity_or_a_reference() {
        for max in 1..40 {
            let c = cut("a&amp;b <@U0BOB> &lt;tag&gt; <https://x|y> end", max, "…");
            assert!(c.chars().count() <= max, "{max}: {c}");
            let body = c.trim_end_matches('…');
            assert_eq!(
                body.matches('&').count(),
                body.matches(';').count(),
                "{max}: {c}"
            );
            assert_eq!(
                body.matches('<').count(),
                body.matches('>').count(),
                "{max}: {c}"
            );
        }
        assert_eq!(cut("short", 10, "…"), "short");
    }
}
