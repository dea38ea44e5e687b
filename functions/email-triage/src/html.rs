//! HTML-only mail bodies as readable text.
//!
//! mail-parser 0.11 has its own `html_to_text`, but it only breaks lines at `<br>`
//! and `</p>`: a body built from `<div>`s, lists or tables came out as one line. This
//! converter drops `<script>`, `<style>`, `<head>`, `<title>`, `<template>` and
//! comments, decodes entities, keeps `<pre>` as written, and breaks lines at block
//! elements. Links keep their target as `text (url)` (http, https and mailto only; the
//! text is escaped later, wherever Flare writes mrkdwn). It never fails: malformed
//! markup degrades to text.

/// The longest link target kept (longer ones are tracking redirects nobody reads).
const MAX_URL: usize = 500;

/// The `href` of an `<a …>` tag's source, decoded, if it is a link worth showing.
fn href(tag: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(off) = lower[from..].find("href") {
        let at = from + off;
        from = at + 4;
        // `href` must be a whole attribute name (not `data-href`).
        if lower[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '-') {
            continue;
        }
        let rest = tag[at + 4..].trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim_start();
        let value = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => rest[1..].split(q).next().unwrap_or(""),
            _ => rest
                .split(|c: char| c.is_ascii_whitespace() || c == '>')
                .next()
                .unwrap_or(""),
        };
        let url = decode_entities(value.trim());
        let scheme_ok = ["http://", "https://", "mailto:"]
            .iter()
            // `get`: the scheme's length may end inside a character (found by `make fuzz`).
            .any(|s| {
                url.len() > s.len()
                    && url
                        .get(..s.len())
                        .is_some_and(|p| p.eq_ignore_ascii_case(s))
            });
        if !scheme_ok || url.chars().count() > MAX_URL || url.chars().any(char::is_whitespace) {
            return None;
        }
        return Some(url);
    }
    None
}

fn decode_entities(s: &str) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < s.len() {
        match s[i..].find('&') {
            Some(0) => {
                let (d, used) = entity(&s[i..]);
                out.push_str(&d);
                i += used;
            }
            Some(off) => {
                out.push_str(&s[i..i + off]);
                i += off;
            }
            None => {
                out.push_str(&s[i..]);
                break;
            }
        }
    }
    out
}

/// Converts an HTML document or fragment to plain text.
pub fn to_text(html: &str) -> String {
    let mut out = Out::default();
    let bytes = html.as_bytes();
    let mut i = 0;
    let mut pre = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'<' => match tag_at(html, i) {
                Some(tag) => {
                    if tag.name == "a" && !tag.closing {
                        out.open_link(href(html.get(i..tag.end).unwrap_or("")));
                    }
                    i = tag.end;
                    if tag.closing {
                        if tag.name == "pre" {
                            pre = pre.saturating_sub(1);
                        }
                    } else if let Some(end) = skipped_content(html, i, &tag.name) {
                        i = end;
                        continue;
                    } else if tag.name == "pre" {
                        pre += 1;
                    }
                    out.tag(&tag);
                }
                None => {
                    out.text("<", pre > 0);
                    i += 1;
                }
            },
            b'&' => {
                let (decoded, used) = entity(&html[i..]);
                out.text(&decoded, pre > 0);
                i += used;
            }
            _ => {
                // Up to the next markup character, as one run of text.
                let end = html[i..].find(['<', '&']).map_or(html.len(), |off| i + off);
                out.text(&html[i..end], pre > 0);
                i = end;
            }
        }
    }
    out.finish()
}

struct Tag {
    name: String,
    closing: bool,
    end: usize,
}

/// The tag starting at `start` (`<`), or `None` when the `<` is just text
/// (`a < b`). Comments, doctypes and processing instructions come back as a tag
/// named `!`, which does nothing.
fn tag_at(html: &str, start: usize) -> Option<Tag> {
    let rest = &html[start + 1..];
    if let Some(comment) = rest.strip_prefix("!--") {
        let end = comment
            .find("-->")
            .map_or(html.len(), |off| start + 1 + 3 + off + 3);
        return Some(Tag {
            name: "!".into(),
            closing: false,
            end,
        });
    }
    let (closing, body) = match rest.strip_prefix('/') {
        Some(b) => (true, b),
        None => (false, rest),
    };
    let first = body.chars().next()?;
    if !(first.is_ascii_alphabetic() || (!closing && matches!(first, '!' | '?'))) {
        return None;
    }
    let name: String = body
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    let name = if name.is_empty() { "!".into() } else { name };
    // The closing `>`, ignoring any inside quoted attribute values.
    let mut quote: Option<char> = None;
    let offset = start + 1 + usize::from(closing);
    for (j, c) in body.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => {
                return Some(Tag {
                    name,
                    closing,
                    end: offset + j + 1,
                });
            }
            _ => {}
        }
    }
    // Unterminated tag: the rest of the document is inside it.
    Some(Tag {
        name,
        closing,
        end: html.len(),
    })
}

/// For elements whose content is never shown, where reading resumes (after the
/// closing tag, or at the end when there is none). `<head>` without `</head>` is
/// read normally rather than losing the whole mail.
fn skipped_content(html: &str, from: usize, name: &str) -> Option<usize> {
    let always = matches!(name, "script" | "style" | "title" | "template" | "noscript");
    if !always && name != "head" {
        return None;
    }
    let close = format!("</{name}");
    match find_ascii_ci(&html[from..], &close) {
        Some(off) => {
            let after = from + off;
            let end = html[after..]
                .find('>')
                .map_or(html.len(), |g| after + g + 1);
            Some(end)
        }
        None if always => Some(html.len()),
        None => None,
    }
}

fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    let n = needle.as_bytes();
    haystack
        .as_bytes()
        .windows(n.len())
        .position(|w| w.eq_ignore_ascii_case(n))
}

/// Decodes the entity at the start of `s` (which starts with `&`): the text and how
/// many bytes it used. Unknown or malformed entities stay as written.
fn entity(s: &str) -> (String, usize) {
    let body: String = s[1..]
        .chars()
        .take(33)
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '#')
        .collect();
    if !s[1 + body.len()..].starts_with(';') {
        return ("&".into(), 1);
    }
    let used = 1 + body.len() + 1;
    let code = if let Some(num) = body.strip_prefix('#') {
        match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => num.parse::<u32>().ok(),
        }
        .map(|n| char::from_u32(n).unwrap_or(char::REPLACEMENT_CHARACTER))
    } else {
        named(&body)
    };
    match code {
        Some(c) => (c.to_string(), used),
        None => ("&".into(), 1),
    }
}

fn named(name: &str) -> Option<char> {
    Some(match name {
        "amp" | "AMP" => '&',
        "lt" | "LT" => '<',
        "gt" | "GT" => '>',
        "quot" | "QUOT" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "shy" => '\u{ad}',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "hellip" => '…',
        "mdash" => '—',
        "ndash" => '–',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "laquo" => '«',
        "raquo" => '»',
        "bull" => '•',
        "middot" => '·',
        "euro" => '€',
        "pound" => '£',
        "yen" => '¥',
        "cent" => '¢',
        "deg" => '°',
        "times" => '×',
        "auml" => 'ä',
        "ouml" => 'ö',
        "uuml" => 'ü',
        "Auml" => 'Ä',
        "Ouml" => 'Ö',
        "Uuml" => 'Ü',
        "szlig" => 'ß',
        "eacute" => 'é',
        "egrave" => 'è',
        "Eacute" => 'É',
        "aacute" => 'á',
        "agrave" => 'à',
        "ccedil" => 'ç',
        "ntilde" => 'ñ',
        "oacute" => 'ó',
        "iacute" => 'í',
        "uacute" => 'ú',
        "zwnj" | "zwj" => return Some('\u{200b}'),
        _ => return None,
    })
}

/// The text being built: HTML whitespace rules outside `<pre>`, and pending line
/// breaks that are written only before the next text (so trailing markup adds none).
#[derive(Default)]
struct Out {
    text: String,
    /// Line breaks owed before the next text (1: new line, 2: blank line).
    breaks: usize,
    /// A space is owed before the next text.
    space: bool,
    /// Open `<a>` tags: the target, and where the link's text starts in `text`.
    links: Vec<(Option<String>, usize)>,
}

impl Out {
    fn tag(&mut self, tag: &Tag) {
        let n = tag.name.as_str();
        match n {
            "br" => {
                // `<br>` always breaks, even twice in a row.
                self.text.push('\n');
                self.breaks = 0;
                self.space = false;
            }
            "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "blockquote" | "ul" | "ol"
            | "table" | "hr" | "pre" | "dl" | "figure" => self.owe(2),
            "div" | "tr" | "section" | "article" | "header" | "footer" | "main" | "nav"
            | "aside" | "address" | "center" | "dt" | "dd" | "tbody" | "thead" | "tfoot"
            | "caption" | "form" | "fieldset" | "body" | "html" => self.owe(1),
            "li" => {
                self.owe(1);
                if !tag.closing {
                    self.write("- ");
                }
            }
            "td" | "th" => self.space = true,
            "a" if tag.closing => self.close_link(),
            "img" => {}
            _ => {}
        }
    }

    fn open_link(&mut self, href: Option<String>) {
        // Nested or unclosed anchors are malformed; a bounded stack keeps it cheap.
        if self.links.len() < 32 {
            self.links.push((href, self.text.len()));
        }
    }

    /// `text (url)`, unless the text already is the url (or there is no text).
    fn close_link(&mut self) {
        let Some((Some(url), start)) = self.links.pop() else {
            return;
        };
        let text = self.text.get(start..).unwrap_or("").trim();
        let bare = url.strip_prefix("mailto:").unwrap_or(&url);
        if text.is_empty() || text == url || text == bare {
            return;
        }
        self.text.push_str(&format!(" ({bare})"));
    }

    fn owe(&mut self, breaks: usize) {
        self.breaks = self.breaks.max(breaks);
    }

    fn write(&mut self, s: &str) {
        if !self.text.is_empty() {
            if self.breaks > 0 {
                let have = self.text.chars().rev().take_while(|c| *c == '\n').count();
                for _ in have..self.breaks {
                    self.text.push('\n');
                }
            } else if self.space && !self.text.ends_with([' ', '\n']) {
                self.text.push(' ');
            }
        }
        self.breaks = 0;
        self.space = false;
        self.text.push_str(s);
    }

    fn text(&mut self, s: &str, pre: bool) {
        if pre {
            self.write(s);
            return;
        }
        let starts_with_space = s.starts_with(|c: char| c.is_ascii_whitespace());
        let ends_with_space = s.ends_with(|c: char| c.is_ascii_whitespace());
        let words: Vec<&str> = s.split_ascii_whitespace().collect();
        if words.is_empty() {
            if !s.is_empty() {
                self.space = true;
            }
            return;
        }
        if starts_with_space {
            self.space = true;
        }
        self.write(&words.join(" "));
        self.space = ends_with_space;
    }

    fn finish(self) -> String {
        let text = self.text.replace('\u{a0}', " ").replace('\u{200b}', "");
        let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
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
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_link_whose_scheme_ends_inside_a_character_is_no_link_and_no_panic() {
        // Found by `make fuzz` (target `mail`): byte 8 falls inside the U+FFFD.
        assert_eq!(href("a href=3D\"http\u{fffd}://status.acme.com/\""), None);
        let _ = to_text("<a href=\"http\u{fffd}://x.example/\">x</a>");
    }

    use super::*;

    #[test]
    fn blocks_break_lines() {
        let html = "<html><head><title>T</title><style>p{color:red}</style></head>\
            <body><div>Our checkout is <b>down</b>.</div><div>Since 09:40 UTC.</div>\
            <p>Orders fail with&nbsp;HTTP&#160;502 &amp; retries &lt;fail&gt;.</p>\
            <ul><li>EU</li><li>US</li></ul>Thanks<br>Ana</body></html>";
        assert_eq!(
            to_text(html),
            "Our checkout is down.\nSince 09:40 UTC.\n\nOrders fail with HTTP 502 & retries <fail>.\n\n- EU\n- US\n\nThanks\nAna"
        );
    }

    #[test]
    fn scripts_styles_and_comments_vanish() {
        let html = "a<script>alert('<b>x</b>')</script>b<!-- <p>hidden</p> -->c\
            <STYLE type=\"text/css\">.x{}</STYLE>d<template>t</template>";
        assert_eq!(to_text(html), "abcd");
    }

    #[test]
    fn entities() {
        assert_eq!(
            to_text("&#x1F525; &#65;&eacute; &bogus; & &amp"),
            "🔥 Aé &bogus; & &amp"
        );
        assert_eq!(to_text("&#xFFFFFFF;"), "\u{FFFD}");
    }

    #[test]
    fn pre_keeps_layout() {
        assert_eq!(
            to_text("<p>Log:</p><pre>  a\n    b</pre>after"),
            "Log:\n\n  a\n    b\n\nafter"
        );
    }

    #[test]
    fn tables_and_quotes_in_attributes() {
        let html = "<table><tr><td>host</td><td>status</td></tr><tr><td a=\"x>y\">db1</td><td>down</td></tr></table>";
        assert_eq!(to_text(html), "host status\ndb1 down");
    }

    #[test]
    fn malformed_markup_degrades_to_text() {
        assert_eq!(to_text("a < b and c<d"), "a < b and c");
        assert_eq!(to_text("1 <3 you"), "1 <3 you");
        assert_eq!(to_text("<div"), "");
        assert_eq!(to_text("<script>never closed"), "");
        assert_eq!(to_text("<head><p>no end of head"), "no end of head");
        assert_eq!(to_text("</"), "</");
        assert_eq!(to_text("<!--"), "");
        assert_eq!(to_text(""), "");
    }

    #[test]
    fn links_keep_their_target() {
        let html = "<p>See <a class=x href=\"https://status.acme.com/?a=1&amp;b=2\">the status page</a> \
            or <A HREF='mailto:noc@acme.com'>mail us</A>.</p>\
            <a href=\"javascript:alert(1)\">click</a> <a href=\"https://x.io\">https://x.io</a> \
            <a data-href=\"https://no.example\">no</a>";
        assert_eq!(
            to_text(html),
            "See the status page (https://status.acme.com/?a=1&b=2) or mail us (noc@acme.com).\n\n\
             click https://x.io no"
        );
        assert_eq!(
            to_text("<a href=\"https://x.io\"><img src=x></a>end"),
            "end"
        );
        assert_eq!(to_text("</a><a href=https://x.io>y"), "y");
    }

    #[test]
    fn inline_whitespace_follows_html_rules() {
        assert_eq!(to_text("<span>a</span> <span>b</span>\n\n  c"), "a b c");
        assert_eq!(to_text("x<b>y</b>z"), "xyz");
    }
}
