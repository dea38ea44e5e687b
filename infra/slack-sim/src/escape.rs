//! What Slack does to the text a person types before anyone sees it: `&`, `<` and `>`
//! become `&amp;`, `&lt;` and `&gt;`; a typed `@name` of a known person becomes a
//! mention, `@here`/`@channel`/`@everyone` become `<!here>`…, `#channel` becomes a channel
//! reference, while markup that already is a reference (`<@U…>`, `<#C…|name>`,
//! `<!here>`, `<!subteam^S…>`, `<http…|label>`, `<mailto:…>`) is kept as it is.
//! ("Formatting text for app surfaces", section Escaping.)

/// Resolves typed names to ids.
pub(crate) trait Directory {
    /// The user id of the person with this handle.
    fn user_id(&self, name: &str) -> Option<String>;
    /// The channel id of the channel with this name.
    fn channel_id(&self, name: &str) -> Option<String>;
}

/// How references are written: messages use `<@U…>`; slash commands whose manifest entry
/// sets `should_escape: true` get `<@U…|name>` and `<#C…|name>`; other slash commands
/// keep typed names as text (only `&`, `<`, `>` are escaped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Message,
    Command,
    UnescapedCommand,
}

/// The text as Slack stores and sends it after a person typed `typed`.
pub(crate) fn typed(typed: &str, dir: &dyn Directory, style: Style) -> String {
    let mut out = String::with_capacity(typed.len());
    let mut rest = typed;
    let mut prev: Option<char> = None;
    while let Some(c) = rest.chars().next() {
        if c == '<'
            && let Some(end) = rest.find('>')
            && is_reference(&rest[1..end])
        {
            out.push_str(&rest[..=end]);
            rest = &rest[end + 1..];
            prev = Some('>');
            continue;
        }
        let at_word_start = prev.is_none_or(|p| p.is_whitespace() || "([{,;:".contains(p));
        if (c == '@' || c == '#') && at_word_start && style != Style::UnescapedCommand {
            let word: String = rest[1..]
                .chars()
                .take_while(|ch| ch.is_alphanumeric() || matches!(ch, '-' | '_' | '.'))
                .collect();
            let word = word.trim_end_matches('.');
            if let Some(reference) = reference(c, word, dir, style) {
                out.push_str(&reference);
                rest = &rest[1 + word.len()..];
                prev = word.chars().last();
                continue;
            }
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
        prev = Some(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn reference(sigil: char, word: &str, dir: &dyn Directory, style: Style) -> Option<String> {
    if word.is_empty() {
        return None;
    }
    if sigil == '@' {
        if matches!(word, "here" | "channel" | "everyone") {
            return Some(format!("<!{word}>"));
        }
        let id = dir.user_id(word)?;
        return Some(match style {
            Style::Message => format!("<@{id}>"),
            Style::Command | Style::UnescapedCommand => format!("<@{id}|{word}>"),
        });
    }
    let id = dir.channel_id(word)?;
    Some(format!("<#{id}|{word}>"))
}

/// Whether `inner` (between `<` and `>`) is markup Slack keeps as a reference.
fn is_reference(inner: &str) -> bool {
    if inner.is_empty() || inner.contains('<') || inner.contains('\n') {
        return false;
    }
    let id_part = inner.split('|').next().unwrap_or_default();
    let is_id = |s: &str, first: &[char]| {
        s.len() >= 2
            && s.starts_with(first)
            && s.chars()
                .skip(1)
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    };
    if let Some(id) = id_part.strip_prefix('@') {
        return is_id(id, &['U', 'W', 'B']);
    }
    if let Some(id) = id_part.strip_prefix('#') {
        return is_id(id, &['C', 'G', 'D']);
    }
    if let Some(special) = id_part.strip_prefix('!') {
        return matches!(special, "here" | "channel" | "everyone")
            || special
                .strip_prefix("subteam^")
                .is_some_and(|id| is_id(id, &['S']))
            || special.starts_with("date^");
    }
    ["http://", "https://", "mailto:"]
        .iter()
        .any(|scheme| id_part.starts_with(scheme) && !id_part.contains(' '))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Dir;
    impl Directory for Dir {
        fn user_id(&self, name: &str) -> Option<String> {
            (name == "alice").then(|| "U0ALICE".to_string())
        }
        fn channel_id(&self, name: &str) -> Option<String> {
            (name == "general").then(|| "C0GENERAL".to_string())
        }
    }

    #[test]
    fn specials_are_escaped_and_references_kept() {
        assert_eq!(
            typed("R&D <-> QA <b>", &Dir, Style::Message),
            "R&amp;D &lt;-&gt; QA &lt;b&gt;"
        );
        assert_eq!(
            typed(
                "see <https://x.io/a?b=1&c|the doc> & <@U0BOB>",
                &Dir,
                Style::Message
            ),
            "see <https://x.io/a?b=1&c|the doc> &amp; <@U0BOB>"
        );
        assert_eq!(typed("&amp;", &Dir, Style::Message), "&amp;amp;");
        assert_eq!(
            typed("<!channel> <!subteam^S0PAY>", &Dir, Style::Message),
            "<!channel> <!subteam^S0PAY>"
        );
    }

    #[test]
    fn typed_mentions_become_references() {
        assert_eq!(
            typed(
                "ping @alice and @here in #general, mail a@alice",
                &Dir,
                Style::Message
            ),
            "ping <@U0ALICE> and <!here> in <#C0GENERAL|general>, mail a@alice"
        );
        assert_eq!(
            typed("role lead @alice", &Dir, Style::Command),
            "role lead <@U0ALICE|alice>"
        );
        assert_eq!(
            typed("@nobody #nowhere", &Dir, Style::Command),
            "@nobody #nowhere"
        );
        assert_eq!(
            typed("@alice & co", &Dir, Style::UnescapedCommand),
            "@alice &amp; co"
        );
    }
}
