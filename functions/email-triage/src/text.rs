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
/// an attribution line ("On … wrote:" and its translations), Outlook's and Yahoo's
/// header blocks, and the signature (after `-- `, or a mobile client's "Sent from my
/// iPhone") are cut; blank-line runs shrink to one. A reply written below the quote
/// keeps what follows the quote. If that leaves nothing (a mail that is all quote),
/// the whole cleaned body is kept instead.
pub fn excerpt_source(body: &str) -> String {
    let body = clean(prefix(body, MAX_SCANNED));
    let lines: Vec<&str> = body.lines().collect();
    let mut kept: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim();
        let written = kept.iter().any(|l| !l.trim().is_empty());
        // `-- ` is the signature delimiter (RFC 3676); many clients drop its space.
        if line.trim_end() == "--" || (written && is_mobile_signature(t)) {
            break;
        }
        if let Some(used) = attribution_lines(&lines[i..]) {
            if written {
                break;
            }
            // Nothing written yet: a reply below the quote. Skip the quote, read on.
            i += used;
            continue;
        }
        // An Outlook or Yahoo original: the rest is all history.
        if is_outlook_block(&lines[i..]) {
            break;
        }
        if !t.starts_with('>') {
            kept.push(line.trim_end());
        }
        i += 1;
    }
    let squeezed = squeeze_blank_lines(&kept);
    if squeezed.trim().is_empty() {
        squeeze_blank_lines(&lines.iter().map(|l| l.trim_end()).collect::<Vec<_>>())
    } else {
        squeezed
    }
}

/// Verbs of attribution lines ("… wrote:"), in the languages of the big clients.
const WROTE: &[&str] = &[
    "wrote",
    "a écrit",
    "schrieb",
    "escribió",
    "ha scritto",
    "schreef",
    "escreveu",
    "skrev",
    "napisał",
    "kirjoitti",
    "написал",
    "написала",
    "написал(а)",
    "пишет",
];

/// How many lines an attribution line takes at the start of `lines` (Gmail wraps a
/// long one over two), if it is one: `On Tue, 3 Mar 2026 at 10:02, Ana <a@acme.com>
/// wrote:`, `Le mar. 3 mars 2026 à 10:02, Ana <a@acme.fr> a écrit :`, `Am 03.03.2026
/// um 10:02 schrieb Ana <a@acme.de>:`, `El mar, 3 mar 2026 a las 10:02, Ana
/// (<a@acme.es>) escribió:`, `3 марта 2026 г., в 10:02, Ana <a@acme.ru> написал:`.
fn attribution_lines(lines: &[&str]) -> Option<usize> {
    let first = lines.first()?.trim();
    if first.is_empty() || first.starts_with('>') {
        return None;
    }
    if is_attribution(first) {
        return Some(1);
    }
    let second = lines.get(1)?.trim();
    // Clients without a verb (Yandex: `03.03.2026, 14:58, "Ana" <a@acme.ru>:`): an
    // address, a colon at the end, and the quote right under it.
    if second.starts_with('>') && first.ends_with(':') && first.contains('@') {
        return Some(1);
    }
    (!second.is_empty() && is_attribution(&format!("{first} {second}"))).then_some(2)
}

fn is_attribution(line: &str) -> bool {
    let lower = line.to_lowercase();
    if lower.chars().count() > 400 || !lower.ends_with(':') {
        return false;
    }
    let has_verb = WROTE.iter().any(|w| {
        lower.match_indices(w).any(|(i, _)| {
            let before = lower[..i].chars().next_back();
            let after = lower[i + w.len()..].chars().next();
            before.is_none_or(|c| !c.is_alphanumeric())
                && after.is_none_or(|c| !c.is_alphanumeric())
        })
    });
    // A date, an address or the usual opening says it is about a mail, not a
    // sentence ending in a colon.
    const OPENINGS: [&str; 8] = ["on ", "le ", "am ", "el ", "il ", "op ", "em ", "den "];
    has_verb
        && (lower.contains('@')
            || lower.chars().any(|c| c.is_ascii_digit())
            || OPENINGS.iter().any(|o| lower.starts_with(o)))
}

/// Sign-offs mobile clients add, after which nothing is the sender's report.
fn is_mobile_signature(line: &str) -> bool {
    let lower = line.to_lowercase();
    [
        "sent from my iphone",
        "sent from my ipad",
        "sent from my android",
        "sent from my samsung",
        "sent from outlook for",
        "get outlook for ios",
        "get outlook for android",
        "sent from yahoo mail",
        "von meinem iphone gesendet",
        "envoyé de mon iphone",
        "enviado desde mi iphone",
        "отправлено с iphone",
    ]
    .iter()
    .any(|s| lower.starts_with(s))
}

/// A quoted original in Outlook's or Yahoo's form: a line of underscores or
/// `-----Original Message-----` (and translations), or a `From:` line followed
/// within three lines by `Sent:`/`Date:` (in the languages of
/// [`crate::forward::header_field`]).
fn is_outlook_block(lines: &[&str]) -> bool {
    use crate::forward::{Field, header_field, is_outlook_separator};
    let Some(first) = lines.first() else {
        return false;
    };
    if is_outlook_separator(first) {
        return true;
    }
    if !header_field(first).is_some_and(|(f, _)| f == Field::From) || first.trim().starts_with('>')
    {
        return false;
    }
    lines
        .iter()
        .skip(1)
        .take(3)
        .any(|l| header_field(l).is_some_and(|(f, _)| f == Field::Date))
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
    fn yahoo_and_comcast_original_message() {
        let yahoo = "Still broken.\n\n----- Original Message -----\nFrom: Support <s@flare.dev>\n\
            To: ana@yahoo.com\nSent: Tuesday\nSubject: Re: x\n\nold";
        assert_eq!(excerpt_source(yahoo), "Still broken.");
        let outlook = "Thanks.\n-----Original Message-----\nFrom: x\nold";
        assert_eq!(excerpt_source(outlook), "Thanks.");
        let german = "Danke.\n\n-----Ursprüngliche Nachricht-----\nVon: x\nGesendet: Di\nalt";
        assert_eq!(excerpt_source(german), "Danke.");
        let outlook_de =
            "Geht wieder.\n\nVon: Support <s@flare.dev>\nGesendet: Dienstag\nBetreff: x\nalt";
        assert_eq!(excerpt_source(outlook_de), "Geht wieder.");
    }

    #[test]
    fn attribution_lines_in_several_languages() {
        for header in [
            "On Tue, 3 Mar 2026 at 10:02, Ana Ops <ana@acme.com> wrote:",
            "Le mar. 3 mars 2026 à 10:02, Ana <ana@acme.fr> a écrit :",
            "Am 03.03.2026 um 10:02 schrieb Jonas <jonas@acme.de>:",
            "El mar, 3 mar 2026 a las 10:02, Ana (<ana@acme.es>) escribió:",
            "3 марта 2026 г., в 10:02, Иван <ivan@acme.ru> написал:",
            "Il giorno mar 3 mar 2026 alle ore 10:02 Ana <ana@acme.it> ha scritto:",
        ] {
            let body = format!("New text.\n\n{header}\n> old\n> older");
            assert_eq!(excerpt_source(&body), "New text.", "{header}");
        }
        // Gmail wraps a long attribution over two lines.
        let wrapped = "Fixed?\n\nOn Tue, 3 Mar 2026 at 10:02, Ana Ops from ACME Operations <\nana@acme.com> wrote:\n> old";
        assert_eq!(excerpt_source(wrapped), "Fixed?");
        // A sentence that ends with a colon is not an attribution.
        let prose = "The customer wrote:\nnothing works";
        assert_eq!(excerpt_source(prose), "The customer wrote:\nnothing works");
    }

    #[test]
    fn a_reply_below_the_quote_keeps_the_reply() {
        let body = "On Tue, 3 Mar 2026, Support <s@flare.dev> wrote:\n> Is it fixed?\n> Regards\n\n\
            No, still failing at 12:10.\n\n-- \nAna";
        assert_eq!(excerpt_source(body), "No, still failing at 12:10.");
        let interleaved = "> Which region?\nEU only.\n> Since when?\n9:40 UTC.";
        assert_eq!(excerpt_source(interleaved), "EU only.\n9:40 UTC.");
    }

    #[test]
    fn mobile_signatures_are_cut() {
        assert_eq!(
            excerpt_source("Site down again.\n\nSent from my iPhone"),
            "Site down again."
        );
        assert_eq!(
            excerpt_source("Von meinem iPhone gesendet"),
            "Von meinem iPhone gesendet"
        );
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
