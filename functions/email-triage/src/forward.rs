//! Forwarded mail: the report inside the forwarder's wrapper.
//!
//! Forwarding is how most reports reach the triage address, so the original sender,
//! date, subject and body are what triage shows and what the severity rules and the
//! customer match read; the forwarder stays on record as the one who sent it.
//!
//! * Inline forwards as the big clients write them in plain text (or as their HTML
//!   reads once converted): Gmail's `---------- Forwarded message ---------`, Apple
//!   Mail's `Begin forwarded message:` (its block often quoted with `> `), Outlook's
//!   line of underscores or `-----Original Message-----` followed by
//!   `From:`/`Sent:`/`To:`/`Subject:` (a forward only when the subject says so: the
//!   same block starts a reply's quoted history), in English, German, French, Spanish,
//!   Italian, Dutch, Portuguese and Russian.
//! * A forward "as attachment": the first `message/rfc822` part ([`crate::parse`]).

use crate::parse::Original;
use crate::text::{clean, one_line, prefix};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Style {
    Gmail,
    AppleMail,
    Outlook,
    Attached,
}

/// The forwarded mail, as far as the forward shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Forwarded {
    pub from_address: String,
    pub from_name: Option<String>,
    /// The date as the forward wrote it (clients format it for people, localized).
    pub date: Option<String>,
    pub subject: String,
    /// The original body, still with its own quotes and signature.
    pub body: String,
    /// What the forwarder wrote above the forwarded mail.
    pub note: String,
    pub style: Option<Style>,
}

/// The header fields of a forwarded block, by the names clients use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    From,
    Date,
    Subject,
    To,
    Cc,
}

/// `From: …`, `Von: …`, `De : …`, `*From:* …` → the field and its value.
pub fn header_field(line: &str) -> Option<(Field, &str)> {
    let line = line.trim().trim_start_matches('*');
    let (key, value) = line.split_once(':')?;
    let key = key.trim().trim_end_matches('*').trim().to_lowercase();
    let value = value.trim().trim_start_matches('*').trim();
    let field = match key.as_str() {
        "from" | "von" | "de" | "da" | "van" | "от" | "fra" | "från" => Field::From,
        "date"
        | "sent"
        | "datum"
        | "gesendet"
        | "envoyé"
        | "fecha"
        | "enviado"
        | "enviada"
        | "data"
        | "inviato"
        | "verzonden"
        | "дата"
        | "отправлено"
        | "sendt"
        | "skickat" => Field::Date,
        "subject" | "betreff" | "objet" | "asunto" | "assunto" | "oggetto" | "onderwerp"
        | "тема" | "emne" | "ämne" => Field::Subject,
        "to" | "an" | "à" | "a" | "para" | "aan" | "кому" | "til" | "till" => Field::To,
        "cc" | "kopie" | "копия" => Field::Cc,
        _ => return None,
    };
    Some((field, value))
}

/// Gmail's `---------- Forwarded message ---------` in its languages.
fn is_gmail_marker(line: &str) -> bool {
    let t = line.trim();
    if !(t.starts_with("-----") && t.ends_with("-----")) {
        return false;
    }
    let words = t.trim_matches('-').trim().to_lowercase();
    [
        "forwarded message",
        "weitergeleitete nachricht",
        "message transféré",
        "mensaje reenviado",
        "messaggio inoltrato",
        "doorgestuurd bericht",
        "mensagem encaminhada",
        "пересылаемое сообщение",
        "forwarded message follows",
    ]
    .contains(&words.as_str())
}

fn is_apple_marker(line: &str) -> bool {
    let t = line.trim().trim_start_matches('>').trim().to_lowercase();
    [
        "begin forwarded message:",
        "anfang der weitergeleiteten nachricht:",
        "début du message réexpédié :",
        "début du message réexpédié:",
        "inicio del mensaje reenviado:",
        "inizio messaggio inoltrato:",
        "begin doorgestuurd bericht:",
        "начало переадресованного сообщения:",
    ]
    .contains(&t.as_str())
}

/// Outlook's separators: 20+ underscores, or `-----Original Message-----` and its
/// translations.
pub fn is_outlook_separator(line: &str) -> bool {
    let t = line.trim();
    if t.chars().count() >= 20 && t.chars().all(|c| c == '_') {
        return true;
    }
    original_message_line(t)
}

/// `-----Original Message-----`, Yahoo's `----- Original Message -----`, and their
/// translations.
pub fn original_message_line(line: &str) -> bool {
    let t = line.trim();
    if !t.starts_with("---") {
        return false;
    }
    let words = t.trim_matches('-').trim().to_lowercase();
    [
        "original message",
        "ursprüngliche nachricht",
        "message d'origine",
        "mensaje original",
        "messaggio originale",
        "oorspronkelijk bericht",
        "mensagem original",
        "исходное сообщение",
        "forwarded message",
    ]
    .contains(&words.as_str())
}

/// Subject prefixes that say "forwarded", in the languages above.
pub fn subject_says_forward(subject: &str) -> bool {
    let lower = subject.trim_start().to_lowercase();
    [
        "fwd:",
        "fw:",
        "wg:",
        "tr:",
        "rv:",
        "enc:",
        "i:",
        "doorst:",
        "fwd :",
        "tr :",
        "пересл:",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
}

/// The inline forward in `body`, if there is one.
pub fn inline(body: &str, subject: &str) -> Option<Forwarded> {
    let body = clean(body);
    let lines: Vec<&str> = body.lines().collect();
    let forward_subject = subject_says_forward(subject);
    for (i, line) in lines.iter().enumerate() {
        let style = if is_gmail_marker(line) {
            Style::Gmail
        } else if is_apple_marker(line) {
            Style::AppleMail
        } else if forward_subject && is_outlook_separator(line) {
            Style::Outlook
        } else if forward_subject
            && header_field(line).is_some_and(|(f, _)| f == Field::From)
            && lines
                .iter()
                .skip(i + 1)
                .take(3)
                .any(|l| header_field(l).is_some_and(|(f, _)| f == Field::Date))
        {
            // Outlook's HTML forwards often lose the separator line in conversion.
            return block(&lines, i, i, Style::Outlook);
        } else {
            continue;
        };
        return block(&lines, i, i + 1, style);
    }
    None
}

/// Reads the header block starting at `from` (after blank lines; Apple's may be
/// quoted), then the body. `marker` is where the forwarder's note ends.
fn block(lines: &[&str], marker: usize, from: usize, style: Style) -> Option<Forwarded> {
    let rest: Vec<&str> = lines.get(from..).unwrap_or_default().to_vec();
    // Apple Mail quotes the whole forwarded block with `> `: take one level off.
    let first_text = rest.iter().find(|l| !l.trim().is_empty())?;
    let quoted = first_text.trim_start().starts_with('>');
    let rest: Vec<&str> = if quoted {
        rest.iter()
            .map(|l| {
                let t = l.trim_start();
                match t.strip_prefix('>') {
                    Some(r) => r.strip_prefix(' ').unwrap_or(r),
                    None => l,
                }
            })
            .collect()
    } else {
        rest
    };
    let mut out = Forwarded {
        note: lines[..marker].join("\n").trim().to_owned(),
        style: Some(style),
        ..Forwarded::default()
    };
    let mut i = 0;
    while rest.get(i).is_some_and(|l| l.trim().is_empty()) {
        i += 1;
    }
    let mut seen_header = false;
    while let Some(line) = rest.get(i) {
        if line.trim().is_empty() {
            break;
        }
        match header_field(line) {
            Some((field, value)) => {
                seen_header = true;
                match field {
                    Field::From => {
                        let (address, name) = mailbox(value);
                        out.from_address = address;
                        out.from_name = name;
                    }
                    Field::Date => out.date = Some(prefix(&one_line(value), 100).to_owned()),
                    Field::Subject => out.subject = prefix(&one_line(value), 500).to_owned(),
                    Field::To | Field::Cc => {}
                }
            }
            // A folded header line (long `To:` lists wrap).
            None if seen_header && line.starts_with([' ', '\t']) => {}
            None => break,
        }
        i += 1;
    }
    if !seen_header {
        return None;
    }
    out.body = rest
        .get(i..)
        .unwrap_or_default()
        .join("\n")
        .trim()
        .to_owned();
    Some(out)
}

/// `Ana Ops <ana@acme.com>`, `"Ops, Ana" <ana@acme.com>`, `ana@acme.com`,
/// `Ana Ops [mailto:ana@acme.com]`, `*Ana Ops* <ana@acme.com>` → address and name.
pub fn mailbox(value: &str) -> (String, Option<String>) {
    let value = one_line(value);
    let (address, name) = if let (Some(a), Some(b)) = (value.rfind('<'), value.rfind('>'))
        && a < b
    {
        (&value[a + 1..b], value[..a].to_owned())
    } else if let Some(a) = value.find("[mailto:")
        && let Some(b) = value[a..].find(']')
    {
        (&value[a + 8..a + b], value[..a].to_owned())
    } else if let Some(word) = value.split_whitespace().find(|w| w.contains('@')) {
        let w = word.trim_matches(|c: char| matches!(c, '(' | ')' | '"' | '\'' | ',' | ';'));
        (w, value.replace(word, ""))
    } else {
        ("", value.clone())
    };
    let address = address.trim().trim_start_matches("mailto:").to_lowercase();
    let name = name
        .trim()
        .trim_matches(|c: char| matches!(c, '"' | '\'' | '*' | ',' | '(' | ')'))
        .trim()
        .to_owned();
    let name =
        (!name.is_empty() && name.to_lowercase() != address).then(|| prefix(&name, 200).to_owned());
    let address = if valid_address(&address) {
        address
    } else {
        String::new()
    };
    (address, name)
}

/// One `@`, something on each side, no spaces or brackets: a plausible mailbox.
pub fn valid_address(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !address.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"')
        })
        && address.len() <= 254
}

/// A forward sent as an attached `message/rfc822`.
pub fn attached(original: &Original, note: &str) -> Forwarded {
    Forwarded {
        from_address: original.from_address.clone(),
        from_name: original.from_name.clone(),
        date: original
            .date
            .map(|d| d.format("%a, %-d %b %Y %H:%M UTC").to_string()),
        subject: original.subject.clone(),
        body: original.text_body.clone(),
        note: note.trim().to_owned(),
        style: Some(Style::Attached),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmail() {
        let body = "FYI, from our customer.\n\n---------- Forwarded message ---------\n\
            From: Ana Ops <ana@acme.com>\nDate: Tue, Mar 3, 2026 at 10:02 AM\n\
            Subject: Checkout is down\nTo: <support@vendor.example>\n\n\nOrders fail since 9:40.\n";
        let f = inline(body, "Fwd: Checkout is down").unwrap();
        assert_eq!(f.style, Some(Style::Gmail));
        assert_eq!(f.from_address, "ana@acme.com");
        assert_eq!(f.from_name.as_deref(), Some("Ana Ops"));
        assert_eq!(f.date.as_deref(), Some("Tue, Mar 3, 2026 at 10:02 AM"));
        assert_eq!(f.subject, "Checkout is down");
        assert_eq!(f.body, "Orders fail since 9:40.");
        assert_eq!(f.note, "FYI, from our customer.");
    }

    #[test]
    fn gmail_in_german() {
        let body = "---------- Weitergeleitete Nachricht ---------\nVon: Jonas <jonas@acme.de>\n\
            Date: Di., 3. März 2026 um 10:02 Uhr\nSubject: Störung\nTo: <s@v.example>\n\nKasse geht nicht.";
        let f = inline(body, "Fwd: Störung").unwrap();
        assert_eq!(f.from_address, "jonas@acme.de");
        assert_eq!(f.body, "Kasse geht nicht.");
        assert_eq!(f.note, "");
    }

    #[test]
    fn apple_mail_quoted() {
        let body = "Can you look?\n\nBegin forwarded message:\n\n> From: \"Ops, Ana\" <ana@acme.com>\n\
            > Subject: API errors\n> Date: 3 March 2026 at 10:02:11 CET\n> To: support@vendor.example\n>\n\
            > 502s on /v1/orders.\n> Since 9:40.\n";
        let f = inline(body, "Fwd: API errors").unwrap();
        assert_eq!(f.style, Some(Style::AppleMail));
        assert_eq!(f.from_name.as_deref(), Some("Ops, Ana"));
        assert_eq!(f.subject, "API errors");
        assert_eq!(f.body, "502s on /v1/orders.\nSince 9:40.");
    }

    #[test]
    fn outlook_only_when_the_subject_says_forward() {
        let body = "See below.\n\n________________________________\nFrom: Ana Ops <ana@acme.com>\n\
            Sent: Tuesday, March 3, 2026 10:02 AM\nTo: Support <s@v.example>\nSubject: Login fails\n\n\
            Nobody can log in.";
        let f = inline(body, "FW: Login fails").unwrap();
        assert_eq!(f.style, Some(Style::Outlook));
        assert_eq!(f.from_address, "ana@acme.com");
        assert_eq!(f.subject, "Login fails");
        assert_eq!(f.body, "Nobody can log in.");
        assert_eq!(inline(body, "RE: Login fails"), None);
        let french = "De : Ana <ana@acme.fr>\nEnvoyé : mardi 3 mars 2026 10:02\nÀ : s@v.example\n\
            Objet : Panne\n\nLe site est en panne.";
        let f = inline(french, "TR: Panne").unwrap();
        assert_eq!(f.from_address, "ana@acme.fr");
        assert_eq!(f.subject, "Panne");
    }

    #[test]
    fn mailboxes() {
        assert_eq!(
            mailbox("Ana Ops [mailto:Ana@Acme.com]"),
            ("ana@acme.com".into(), Some("Ana Ops".into()))
        );
        assert_eq!(mailbox("ana@acme.com"), ("ana@acme.com".into(), None));
        assert_eq!(
            mailbox("*Ana* <ana@acme.com>"),
            ("ana@acme.com".into(), Some("Ana".into()))
        );
        assert_eq!(mailbox("Ana Ops"), (String::new(), Some("Ana Ops".into())));
        assert_eq!(mailbox("<a b@c.d>").0, "");
        assert!(!valid_address("a@b@c.d"));
        assert!(!valid_address("eve@evil.example ana@acme.com"));
    }

    #[test]
    fn no_forward_no_unwrapping() {
        assert_eq!(inline("Just a report.\nFrom: me", "Fwd: x"), None);
        assert_eq!(
            inline("---------- Forwarded message ---------\n\nno headers", "x"),
            None
        );
        assert_eq!(inline("", ""), None);
    }
}
