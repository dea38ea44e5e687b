//! Plain-text hygiene for what comes out of a mail: newlines, control characters,
//! quoted replies and signatures.
//!
//! Text stays raw (no Slack escaping here: that happens where Flare writes mrkdwn),
//! but nothing that could corrupt a terminal, a log line or a Slack message survives.

/// The longest body text looked at (excerpt, keyword rules); the rest of a long mail
/// is never read, so a 40 MB body costs no more than a short one.
pub const MAX_SCANNED: usize = 64 * 1024;

/// Unix newlines, no control characters except `\n` and `\t`, no bidirectional
/// overrides (they can make a subject read differently from what it says).
pub fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\n' | '\t' => out.push(c),
            c if c.is_control() || is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// One line: every run of whitespace (newlines and tabs included) becomes one space.
pub fn one_line(text: &str) -> String {
    clean(text).split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The first `max` characters, as a string (no ellipsis; see [`flare::domain::clip`]).
pub fn prefix(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// The part of a body worth showing: quoted lines (`> …`), the quoted original after
/// "On … wrote:" or an Outlook header block, and the signature (after `-- `) are cut;
/// blank-line runs shrink to one. If that leaves nothing (a mail that is all quote),
/// the whole cleaned body is kept instead.
pub fn excerpt_source(body: &str) -> String {
    let body = clean(prefix(body, MAX_SCANNED));
    let lines: Vec<&str> = body.lines().collect();
    let mut kept: Vec<&str> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        // `-- ` is the signature delimiter (RFC 3676); many clients drop its space.
        if line.trim_end() == "--" || is_reply_header(t) || is_outlook_block(&lines[i..]) {
            break;
        }
        if t.starts_with('>') {
            continue;
        }
        kept.push(line.trim_end());
    }
    let squeezed = squeeze_blank_lines(&kept);
    if squeezed.trim().is_empty() {
        squeeze_blank_lines(&lines.iter().map(|l| l.trim_end()).collect::<Vec<_>>())
    } else {
        squeezed
    }
}

/// `On Tue, 3 Mar 2026 at 10:02, Ana <ana@acme.com> wrote:` and its translations are
/// too many to list: a line that starts with "On " and ends with "wrote:" is enough.
fn is_reply_header(line: &str) -> bool {
    let lower = line.to_lowercase();
    (lower.starts_with("on ") && lower.ends_with("wrote:"))
        || lower == "-----original message-----"
        || lower.starts_with("-----original message")
}

/// Outlook's quoted original: a `From:` line followed (within two lines) by `Sent:`
/// or `Date:`, usually under a line of underscores.
fn is_outlook_block(lines: &[&str]) -> bool {
    let Some(first) = lines.first() else {
        return false;
    };
    let first = first.trim();
    if first.chars().count() >= 20 && first.chars().all(|c| c == '_') {
        return true;
    }
    if !first.starts_with("From:") {
        return false;
    }
    lines
        .iter()
        .skip(1)
        .take(2)
        .any(|l| l.trim_start().starts_with("Sent:") || l.trim_start().starts_with("Date:"))
}

fn squeeze_blank_lines(lines: &[&str]) -> String {
    let mut out = String::new();
    let mut blank = 0;
    for line in lines {
        if line.trim().is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(line);
    }
    out
}

/// `12 KB`, `1.4 MB`: what people read in a list of attachments.
pub fn human_size(bytes: usize) -> String {
    const KB: usize = 1024;
    const MB: usize = 1024 * KB;
    if bytes < KB {
        format!("{bytes} B")
    } else if bytes < MB {
        format!("{} KB", bytes.div_ceil(KB))
    } else {
        // One decimal, computed in integers (no float casts).
        let tenths = (bytes * 10).div_ceil(MB);
        format!("{}.{} MB", tenths / 10, tenths % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_keeps_newlines_and_tabs_only() {
        assert_eq!(
            clean("a\r\nb\rc\td\u{0}e\u{7}f\u{1b}[31m"),
            "a\nb\nc\tdef[31m"
        );
        assert_eq!(clean("pay\u{202E}fdp.exe"), "payfdp.exe");
        assert_eq!(clean("naïve 日本"), "naïve 日本");
    }

    #[test]
    fn one_line_collapses_whitespace() {
        assert_eq!(one_line("  Site\r\n   down\t now "), "Site down now");
    }

    #[test]
    fn prefix_counts_characters() {
        assert_eq!(prefix("héllo", 2), "hé");
        assert_eq!(prefix("hi", 10), "hi");
    }

    #[test]
    fn excerpt_cuts_quotes_and_signature() {
        let body = "Hi team,\r\n\r\n\r\nThe API is down.\r\n\r\nOn Tue, 3 Mar 2026, Ana <a@b.c> wrote:\r\n> old text\r\n";
        assert_eq!(excerpt_source(body), "Hi team,\n\nThe API is down.");
        let sig = "Login fails.\n> quoted\nStill failing.\n-- \nBob\nACME Corp";
        assert_eq!(excerpt_source(sig), "Login fails.\nStill failing.");
        let outlook = "Any news?\n\nFrom: Support <s@flare.dev>\nSent: Monday\nSubject: x\nold";
        assert_eq!(excerpt_source(outlook), "Any news?");
    }

    #[test]
    fn excerpt_keeps_an_all_quote_mail() {
        assert_eq!(excerpt_source("> only\n> quoted"), "> only\n> quoted");
        assert_eq!(excerpt_source(""), "");
    }

    #[test]
    fn sizes() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(12 * 1024), "12 KB");
        assert_eq!(human_size(12 * 1024 + 1), "13 KB");
        assert_eq!(human_size(1536 * 1024), "1.5 MB");
    }
}
