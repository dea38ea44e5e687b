//! Outside text (titles, updates, Slack messages) made safe for Markdown: it can't
//! open HTML, split a table row, start a heading or a list, hide as a link reference
//! or pull in an image. What people wrote still reads the same once rendered.

/// One table cell: inline text, line breaks as `<br>`, pipes escaped. Block syntax
/// means nothing inside a cell, but a leading `#` is escaped anyway, for renderers
/// and readers that would take it for a heading.
pub fn cell(text: &str) -> String {
    let lines: Vec<String> = split_lines(text.trim())
        .map(|l| {
            let l = inline(l.trim());
            if l.starts_with('#') {
                format!("\\{l}")
            } else {
                l
            }
        })
        .collect();
    lines.join("<br>")
}

/// Inline text in the middle of a line: line breaks become spaces, runs of whitespace
/// one space.
pub fn text(text: &str) -> String {
    inline(&flat(text))
}

/// Inline text that starts a line (a heading, a list item): also not a block marker.
pub fn line(text: &str) -> String {
    block_line(&flat(text))
}

fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Heading text: also no `#`, which ATX headings strip at the end of a line.
pub fn heading(text: &str) -> String {
    line(text).replace('#', "\\#")
}

/// Each line of a block of text (for a quote), escaped and safe at a line start.
pub fn lines(text: &str) -> Vec<String> {
    split_lines(text.trim()).map(block_line).collect()
}

/// `\r\n`, `\r` and `\n` all end a line.
fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .flat_map(|l| l.split('\r'))
}

/// One line: inline escapes, then whatever would make a block at the line start.
fn block_line(line: &str) -> String {
    let escaped = inline(line.trim_start());
    let trimmed = escaped.trim_end();
    let mut out = String::with_capacity(trimmed.len() + 1);
    let first = trimmed.chars().next();
    match first {
        // Headings, lists, thematic breaks, setext underlines, fences.
        Some('#' | '-' | '+' | '*' | '=' | '_' | '~' | ':') => {
            out.push('\\');
            out.push_str(trimmed);
        }
        // Ordered lists: `1.` or `1)`.
        Some(c) if c.is_ascii_digit() => {
            let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
            let (num, rest) = trimmed.split_at(digits);
            out.push_str(num);
            if rest.starts_with('.') || rest.starts_with(')') {
                out.push('\\');
            }
            out.push_str(rest);
        }
        _ => out.push_str(trimmed),
    }
    out
}

/// Characters that mean something anywhere in a line.
fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (i, c) in text.char_indices() {
        match c {
            '\\' => out.push_str("\\\\"),
            '`' => out.push_str("\\`"),
            '|' => out.push_str("\\|"),
            '[' => out.push_str("\\["),
            ']' => out.push_str("\\]"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' if looks_like_entity(&text[i + 1..]) => out.push_str("&amp;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `amp;`, `#39;`, `#x27;` after an `&`: shown as typed only if the `&` is escaped.
fn looks_like_entity(rest: &str) -> bool {
    let name: String = rest.chars().take(33).collect();
    let Some(end) = name.find(';') else {
        return false;
    };
    let body = &name[..end];
    if let Some(num) = body.strip_prefix('#') {
        let num = num.strip_prefix(['x', 'X']).unwrap_or(num);
        !num.is_empty() && num.chars().all(|c| c.is_ascii_hexdigit())
    } else {
        body.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && body.chars().all(|c| c.is_ascii_alphanumeric())
    }
}

/// A link target we write as a Markdown link: http(s), no spaces or brackets.
pub fn safe_url(url: &str) -> Option<&str> {
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 2000
        && !url.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || matches!(
                    c,
                    '(' | ')' | '<' | '>' | '|' | '\\' | '`' | '"' | '[' | ']'
                )
        });
    ok.then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_keep_one_row() {
        assert_eq!(cell("a | b\nc"), "a \\| b<br>c");
        assert_eq!(cell("a\r\nb\rc"), "a<br>b<br>c");
        assert_eq!(cell("x\\|y"), "x\\\\\\|y");
        assert_eq!(cell("# not a heading\n#2"), "\\# not a heading<br>\\#2");
        assert_eq!(cell("C# and F#"), "C# and F#");
        assert_eq!(text("a\n\n b"), "a b");
    }

    #[test]
    fn html_and_links_are_text() {
        assert_eq!(
            line("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(line("![x](http://t/p.png)"), "!\\[x\\](http://t/p.png)");
        assert_eq!(line("R&D &amp; ops"), "R&D &amp;amp; ops");
        assert_eq!(line("&#39; &#x27; & ;"), "&amp;#39; &amp;#x27; & ;");
    }

    #[test]
    fn line_starts_are_not_blocks() {
        assert_eq!(line("# Title"), "\\# Title");
        assert_eq!(line("  - item"), "\\- item");
        assert_eq!(line("1. first"), "1\\. first");
        assert_eq!(line("2024 was"), "2024 was");
        assert_eq!(lines("ok\n---\n> quote"), ["ok", "\\---", "&gt; quote"]);
        assert_eq!(heading("Issue #12 #"), "Issue \\#12 \\#");
    }

    #[test]
    fn urls() {
        assert!(safe_url("https://x.slack.com/archives/C1/p1").is_some());
        assert!(safe_url("javascript:alert(1)").is_none());
        assert!(safe_url("https://x/a) [y](z").is_none());
    }
}
