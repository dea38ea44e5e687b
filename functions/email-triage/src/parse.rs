//! Raw MIME bytes → [`InboundMail`]: the headers and text Flare needs, nothing else.
//!
//! mail-parser does the MIME work (multipart, quoted-printable, base64, RFC 2047
//! encoded words, charsets including ISO-8859-x, Windows-125x, Shift_JIS, ISO-2022-JP,
//! EUC-KR, GB18030); HTML-only bodies go through [`crate::html`]. Attachments are
//! listed by name, type and size; their content is never decoded into text or opened.
//! Nothing here panics on malformed input (see the property test).

use crate::html;
use crate::text::{MAX_SCANNED, clean, one_line, prefix};
use chrono::{DateTime, Utc};
use mail_parser::{HeaderValue, MessageParser, MimeHeaders, PartType};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Longest Message-ID kept (RFC 5322 has no limit; DynamoDB keys and logs do).
pub const MAX_MESSAGE_ID: usize = 250;
/// At most this many thread ids are read from `References` (newest kept).
pub const MAX_REFERENCES: usize = 50;

/// What Flare keeps of one mail. Strings are cleaned ([`crate::text::clean`]) but not
/// escaped for Slack.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct InboundMail {
    /// Normalized `Message-ID` ([`normalize_message_id`]); `None` when absent or empty.
    pub message_id: Option<String>,
    /// Normalized ids from `In-Reply-To`.
    pub in_reply_to: Vec<String>,
    /// Normalized ids from `References`, oldest first (as in the header).
    pub references: Vec<String>,
    /// The first `From` address, lowercased; empty when the mail has none.
    pub from_address: String,
    /// The display name of the first `From` address.
    pub from_name: Option<String>,
    /// Every `To` address, lowercased.
    pub to: Vec<String>,
    /// The decoded subject on one line; empty when absent.
    pub subject: String,
    /// The `Date` header, if present and plausible.
    pub date: Option<DateTime<Utc>>,
    /// The text body: text/plain parts as written, HTML-only parts converted; capped
    /// at [`MAX_SCANNED`] characters.
    pub text_body: String,
    pub attachments: Vec<Attachment>,
    /// SHA-256 of the raw bytes (hex): the mail's identity when it has no Message-ID
    /// and no SES id is known.
    pub raw_sha256: String,
    /// Every mailbox of `From`, lowercased, as mail-parser's address API reads them
    /// (RFC 5322 allows several, but then requires a `Sender`).
    pub from_all: Vec<String>,
    /// The `Sender` address, lowercased, when the mail has one.
    pub sender: Option<String>,
    /// The headers that tell automated mail (auto-replies, bounces, lists) apart.
    pub signals: Signals,
    /// The first attached `message/rfc822`, read as a mail of its own (a forward
    /// "as attachment", or the returned mail of a bounce).
    pub attached: Option<Box<Original>>,
}

/// Header facts for [`crate::classify`], lowercased and on one line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Signals {
    /// `Auto-Submitted` (RFC 3834): `no` is a person; anything else is automated.
    pub auto_submitted: Option<String>,
    /// `X-Autoreply`, `X-Autorespond` or `X-Auto-Reply` (vacation programs).
    pub x_autoreply: Option<String>,
    /// `X-Auto-Response-Suppress` (Exchange): `All`/`OOF` on automated mail.
    pub auto_response_suppress: Option<String>,
    /// `Precedence`: `bulk`, `junk`, `list`, `auto_reply`.
    pub precedence: Option<String>,
    /// `List-Id` (RFC 2919).
    pub list_id: Option<String>,
    /// `List-Unsubscribe` is present (RFC 2369).
    pub list_unsubscribe: bool,
    /// `Return-Path: <>`: the null reverse path of bounces and auto-replies.
    pub null_return_path: bool,
    /// `X-Failed-Recipients` (Exim, Gmail bounces).
    pub failed_recipients: bool,
    /// The top-level `type/subtype`.
    pub content_type: String,
    /// The `report-type` of a `multipart/report` (RFC 6522).
    pub report_type: Option<String>,
    /// Some part is `message/delivery-status` (RFC 3464) or its global form.
    pub delivery_status_part: bool,
    /// Some part is `message/feedback-report` (ARF, RFC 5965).
    pub feedback_report_part: bool,
}

/// A mail carried inside another one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Original {
    pub from_address: String,
    pub from_name: Option<String>,
    pub subject: String,
    pub date: Option<DateTime<Utc>>,
    pub text_body: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Attachment {
    /// The file name given by the sender (cleaned, one line), or `unnamed`.
    pub name: String,
    /// Decoded size in bytes.
    pub size: usize,
    /// `type/subtype`, lowercased; `application/octet-stream` when unknown.
    pub content_type: String,
    /// The decoded bytes of a file small enough to be shared
    /// ([`flare::config::triage::MAX_SHARED_BYTES`]); empty for larger ones.
    #[serde(skip)]
    pub contents: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the mail is empty")]
    Empty,
    #[error("no mail headers found")]
    NoHeaders,
}

/// Parses raw MIME. Errors only when there is nothing recognisable as a mail.
pub fn parse(raw: &[u8]) -> Result<InboundMail, ParseError> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Empty);
    }
    let transcoded = headers_as_utf8(raw);
    let bytes = transcoded.as_deref().unwrap_or(raw);
    let message = MessageParser::default()
        .parse(bytes)
        .ok_or(ParseError::NoHeaders)?;
    if message.parts.first().is_none_or(|p| p.headers.is_empty()) {
        return Err(ParseError::NoHeaders);
    }

    let (from_address, from_name) = first_mailbox(message.from());
    let to = message
        .to()
        .map(|a| {
            a.iter()
                .filter_map(|addr| addr.address())
                .map(|a| one_line(a).to_lowercase())
                .filter(|a| !a.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let from_all = message
        .from()
        .map(|a| {
            a.iter()
                .take(20)
                .map(|addr| {
                    addr.address()
                        .map(|a| one_line(a).to_lowercase())
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default();
    let sender = message
        .sender()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .map(|a| one_line(a).to_lowercase())
        .filter(|a| !a.is_empty());

    Ok(InboundMail {
        message_id: message.message_id().and_then(normalize_message_id),
        in_reply_to: ids(message.in_reply_to(), MAX_REFERENCES),
        references: ids(message.references(), MAX_REFERENCES),
        from_address,
        from_name,
        to,
        subject: message.subject().map(one_line).unwrap_or_default(),
        date: message
            .date()
            .and_then(|d| plausible_date(d.to_timestamp())),
        text_body: body_text(&message),
        attachments: message.attachments().map(attachment).collect(),
        raw_sha256: hex::encode(Sha256::digest(raw)),
        from_all,
        sender,
        signals: signals(&message),
        attached: message.attachments().find_map(|part| match &part.body {
            PartType::Message(inner) => Some(Box::new(original(inner))),
            _ => None,
        }),
    })
}

/// The first `From` mailbox: address (lowercased) and display name.
fn first_mailbox(from: Option<&mail_parser::Address<'_>>) -> (String, Option<String>) {
    let from = from.and_then(|a| a.first());
    let address = from
        .and_then(|a| a.address())
        .map(|a| one_line(a).to_lowercase())
        .unwrap_or_default();
    let name = from
        .and_then(|a| a.name())
        .map(one_line)
        .filter(|n| !n.is_empty() && n.to_lowercase() != address);
    (address, name)
}

fn original(message: &mail_parser::Message<'_>) -> Original {
    let (from_address, from_name) = first_mailbox(message.from());
    Original {
        from_address,
        from_name,
        subject: message.subject().map(one_line).unwrap_or_default(),
        date: message
            .date()
            .and_then(|d| plausible_date(d.to_timestamp())),
        text_body: body_text(message),
    }
}

fn signals(message: &mail_parser::Message<'_>) -> Signals {
    let header = |name: &str| {
        message
            .header_raw(name)
            .map(|v| prefix(&one_line(v), 200).to_lowercase())
    };
    let type_of = |part: &mail_parser::MessagePart<'_>| {
        part.content_type()
            .map(|ct| match ct.subtype() {
                Some(sub) => format!("{}/{}", ct.ctype(), sub),
                None => ct.ctype().to_owned(),
            })
            .map(|t| t.to_ascii_lowercase())
            .unwrap_or_default()
    };
    let root = message.root_part();
    let types: Vec<String> = message.parts.iter().take(200).map(type_of).collect();
    Signals {
        auto_submitted: header("Auto-Submitted"),
        x_autoreply: header("X-Autoreply")
            .or_else(|| header("X-Autorespond"))
            .or_else(|| header("X-Auto-Reply")),
        auto_response_suppress: header("X-Auto-Response-Suppress"),
        precedence: header("Precedence"),
        list_id: header("List-Id"),
        list_unsubscribe: header("List-Unsubscribe").is_some(),
        null_return_path: header("Return-Path")
            .is_some_and(|v| v.chars().filter(|c| !c.is_whitespace()).eq("<>".chars())),
        failed_recipients: header("X-Failed-Recipients").is_some(),
        content_type: type_of(root),
        report_type: root
            .content_type()
            .and_then(|ct| ct.attribute("report-type"))
            .map(|v| one_line(v).to_ascii_lowercase()),
        delivery_status_part: types
            .iter()
            .any(|t| t == "message/delivery-status" || t == "message/global-delivery-status"),
        feedback_report_part: types.iter().any(|t| t == "message/feedback-report"),
    }
}

/// Raw 8-bit bytes in the header section that are not UTF-8 (RFC 6532) are most
/// likely Latin-1 from an old client; decoding them as windows-1252 (a superset)
/// reads them right, where a UTF-8 reading turns them into U+FFFD. `None` when the
/// header section is UTF-8 already (almost always).
fn headers_as_utf8(raw: &[u8]) -> Option<Vec<u8>> {
    let end = raw
        .windows(2)
        .position(|w| w == b"\n\n")
        .map(|i| i + 1)
        .into_iter()
        .chain(raw.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 2))
        .min()
        .unwrap_or(raw.len());
    let head = &raw[..end];
    if std::str::from_utf8(head).is_ok() {
        return None;
    }
    let mut out = Vec::with_capacity(raw.len() + 64);
    for line in head.split_inclusive(|b| *b == b'\n') {
        match std::str::from_utf8(line) {
            Ok(_) => out.extend_from_slice(line),
            Err(_) => {
                let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(line);
                out.extend_from_slice(text.as_bytes());
            }
        }
    }
    out.extend_from_slice(&raw[end..]);
    Some(out)
}

/// `<Abc.123@Mail.Example.COM>` → `Abc.123@mail.example.com`: angle brackets,
/// whitespace and control characters go, and only the domain part is lowercased (the
/// local part of an id is case-sensitive in principle). Applied the same way to
/// `Message-ID`, `In-Reply-To` and `References`, so thread lookups match. An id longer
/// than [`MAX_MESSAGE_ID`] is cut there. Empty → `None`.
pub fn normalize_message_id(raw: &str) -> Option<String> {
    let flat: String = clean(raw).split_whitespace().collect();
    let trimmed = flat.trim_start_matches('<').trim_end_matches('>');
    // A header with several ids where one was expected: keep the first.
    let first = trimmed.split("><").next().unwrap_or(trimmed);
    let id = match first.rsplit_once('@') {
        Some((local, domain)) => format!("{local}@{}", domain.to_lowercase()),
        None => first.to_owned(),
    };
    let id = prefix(&id, MAX_MESSAGE_ID).to_owned();
    (!id.is_empty()).then_some(id)
}

fn ids(value: &HeaderValue<'_>, max: usize) -> Vec<String> {
    let raw: Vec<&str> = match value {
        HeaderValue::Text(t) => t.split_whitespace().collect(),
        HeaderValue::TextList(list) => list.iter().map(|t| t.as_ref()).collect(),
        _ => Vec::new(),
    };
    newest_unique(raw.into_iter().rev(), max)
}

/// The `max` newest distinct ids, oldest first, from ids given newest first. It stops
/// once it has them, so a header of 80,000 ids costs what 50 do (a list checked
/// against every id before it was quadratic: 91 s of CPU).
fn newest_unique<'a>(newest_first: impl Iterator<Item = &'a str>, max: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(max.min(64));
    for id in newest_first.filter_map(normalize_message_id) {
        if out.len() >= max {
            break;
        }
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out.reverse();
    out
}

/// Dates before 1990 or after 2200 are someone's broken clock: ignored.
fn plausible_date(ts: i64) -> Option<DateTime<Utc>> {
    const Y1990: i64 = 631_152_000;
    const Y2200: i64 = 7_258_118_400;
    (Y1990..Y2200)
        .contains(&ts)
        .then(|| DateTime::from_timestamp(ts, 0))
        .flatten()
}

/// Every inline body part in order: text as written, HTML converted. Parts are
/// separated by a blank line; the whole is capped at [`MAX_SCANNED`] characters.
fn body_text(message: &mail_parser::Message<'_>) -> String {
    let mut out = String::new();
    for i in 0..message.text_body_count() {
        let Some(part) = message.text_part(i as u32) else {
            continue;
        };
        let text = match &part.body {
            PartType::Text(t) => clean(prefix(t, MAX_SCANNED)),
            PartType::Html(h) => clean(&html::to_text(prefix(h, 4 * MAX_SCANNED))),
            _ => continue,
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(text);
        if out.chars().count() >= MAX_SCANNED {
            break;
        }
    }
    prefix(&out, MAX_SCANNED).to_owned()
}

fn attachment(part: &mail_parser::MessagePart<'_>) -> Attachment {
    let name = part
        .attachment_name()
        .map(one_line)
        .filter(|n| !n.is_empty())
        .or_else(|| match &part.body {
            // A forwarded mail (message/rfc822) is named by its subject.
            PartType::Message(m) => m.subject().map(|s| format!("{}.eml", one_line(s))),
            _ => None,
        })
        .unwrap_or_else(|| "unnamed".into());
    let content_type = part
        .content_type()
        .map(|ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub),
            None => ct.ctype().to_owned(),
        })
        .map(|t| one_line(&t).to_ascii_lowercase())
        .unwrap_or_else(|| "application/octet-stream".into());
    let contents = if part.len() <= flare::config::triage::MAX_SHARED_BYTES {
        part.contents().to_vec()
    } else {
        Vec::new()
    };
    Attachment {
        name: prefix(&name, 200).to_owned(),
        size: part.len(),
        content_type,
        contents,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(raw: &str) -> InboundMail {
        parse(raw.as_bytes()).unwrap()
    }

    #[test]
    fn plain_headers_and_body() {
        let m = mail(
            "Message-ID: <A1.B2@MX.Acme.COM>\r\nFrom: \"Ana Ops\" <Ana@Acme.com>\r\n\
             To: urgent@flare.dev, other@flare.dev\r\nSubject: API\r\n down\r\n\
             Date: Tue, 3 Mar 2026 10:02:03 +0100\r\n\r\nIt is down.\r\n",
        );
        assert_eq!(m.message_id.as_deref(), Some("A1.B2@mx.acme.com"));
        assert_eq!(m.from_address, "ana@acme.com");
        assert_eq!(m.from_name.as_deref(), Some("Ana Ops"));
        assert_eq!(m.to, ["urgent@flare.dev", "other@flare.dev"]);
        assert_eq!(m.subject, "API down");
        assert_eq!(m.date.unwrap().to_rfc3339(), "2026-03-03T09:02:03+00:00");
        assert_eq!(m.text_body, "It is down.");
        assert!(m.attachments.is_empty());
        assert_eq!(m.raw_sha256.len(), 64);
    }

    #[test]
    fn message_ids_normalize_consistently() {
        assert_eq!(normalize_message_id(" <x@Y.z> ").as_deref(), Some("x@y.z"));
        assert_eq!(normalize_message_id("X@Y").as_deref(), Some("X@y"));
        assert_eq!(normalize_message_id("<a@b><c@d>").as_deref(), Some("a@b"));
        assert_eq!(
            normalize_message_id("no-at-sign").as_deref(),
            Some("no-at-sign")
        );
        assert_eq!(normalize_message_id("<>"), None);
        assert_eq!(normalize_message_id("  "), None);
        let long = format!("{}@x", "a".repeat(400));
        assert_eq!(normalize_message_id(&long).unwrap().len(), MAX_MESSAGE_ID);
    }

    #[test]
    fn threads() {
        let m = mail(
            "From: a@b.c\r\nIn-Reply-To: <Root@Acme.COM>\r\n\
             References: <root@acme.com>\r\n <second@ACME.com> <Root@acme.com>\r\n\r\nx",
        );
        assert_eq!(m.in_reply_to, ["Root@acme.com"]);
        assert_eq!(
            m.references,
            ["root@acme.com", "second@acme.com", "Root@acme.com"]
        );
        assert_eq!(m.message_id, None);
    }

    #[test]
    fn a_huge_references_header_is_read_from_its_newest_end_only() {
        let ids: Vec<String> = (0..80_000).map(|i| format!("<r{i}@x>")).collect();
        let pulled = std::cell::Cell::new(0usize);
        let newest_first = ids.iter().rev().map(|s| {
            pulled.set(pulled.get() + 1);
            s.as_str()
        });
        let kept = newest_unique(newest_first, MAX_REFERENCES);
        assert_eq!(kept.len(), MAX_REFERENCES);
        assert_eq!(kept.first().map(String::as_str), Some("r79950@x"));
        assert_eq!(kept.last().map(String::as_str), Some("r79999@x"));
        // It stopped as soon as it had them: work bounded by what is kept.
        assert!(pulled.get() <= MAX_REFERENCES + 1, "{}", pulled.get());
        // Repeats are kept once, at their newest place.
        let repeated = newest_unique(["<c@x>", "<a@x>", "<b@x>", "<a@x>"].into_iter(), 10);
        assert_eq!(repeated, ["b@x", "a@x", "c@x"]);
        // The whole mail path with such a header: the newest ids, in order.
        let header: Vec<&str> = ids.iter().map(String::as_str).collect();
        let m = mail(&format!(
            "From: a@b.c\r\nReferences: {}\r\n\r\nx",
            header.join("\r\n ")
        ));
        assert_eq!(m.references.len(), MAX_REFERENCES);
        assert_eq!(m.references.last().map(String::as_str), Some("r79999@x"));
    }

    #[test]
    fn missing_everything_is_still_a_mail() {
        let m = mail("X-Nothing: here\r\n\r\n");
        assert_eq!(m.from_address, "");
        assert_eq!(m.subject, "");
        assert_eq!(m.date, None);
        assert_eq!(m.text_body, "");
    }

    #[test]
    fn implausible_dates_are_dropped() {
        let m = mail("From: a@b.c\r\nDate: Thu, 1 Jan 1970 00:00:00 +0000\r\n\r\nx");
        assert_eq!(m.date, None);
    }

    #[test]
    fn empty_input_is_an_error() {
        assert_eq!(parse(b""), Err(ParseError::Empty));
        assert_eq!(parse(b" \r\n"), Err(ParseError::Empty));
    }

    #[test]
    fn raw_latin1_headers_read_as_windows_1252() {
        let raw = b"From: Ren\xe9 M\xfcller <rene@acme.com>\r\nSubject: Caf\xe9 \x80 down\r\n\r\nBody \xe9";
        let m = parse(raw).unwrap();
        assert_eq!(m.subject, "Café € down");
        assert_eq!(m.from_name.as_deref(), Some("René Müller"));
        assert_eq!(m.from_address, "rene@acme.com");
        // UTF-8 headers are left alone.
        let m = mail("From: a@b.c\r\nSubject: Caf\u{e9}\r\n\r\nx");
        assert_eq!(m.subject, "Café");
    }

    #[test]
    fn several_from_mailboxes_and_sender() {
        let m = mail("From: ana@acme.com, eve@evil.example\r\nSender: ana@acme.com\r\n\r\nx");
        assert_eq!(m.from_all, ["ana@acme.com", "eve@evil.example"]);
        assert_eq!(m.sender.as_deref(), Some("ana@acme.com"));
        let m = mail("From: a@b.c\r\n\r\nx");
        assert_eq!(m.from_all, ["a@b.c"]);
        assert_eq!(m.sender, None);
    }

    #[test]
    fn control_characters_never_survive() {
        let m = mail("From: a@b.c\r\nSubject: =?UTF-8?Q?a=07b=1B=5B31m?=\r\n\r\nx\u{0}y\u{1b}z");
        assert_eq!(m.subject, "ab[31m");
        assert_eq!(m.text_body, "xyz");
    }
}
