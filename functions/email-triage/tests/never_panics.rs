//! Whatever arrives, parsing and triage return instead of panicking.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{config, now};
use flare_email_triage::parse::parse;
use flare_email_triage::triage::{Delivery, to_command};
use flare_email_triage::{TriagePolicy, html};
use proptest::prelude::*;

/// Mail-shaped noise: header lines, MIME markers, encodings and garbage bytes.
fn mailish() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"From: a@b.c\r\n".to_vec()),
        Just(b"Subject: =?ISO-8859-1?Q?caf=E9?= =?UTF-8?B?w6k=?=\r\n".to_vec()),
        Just(b"Subject: =?Shift_JIS?B?gqCCoA==?=\r\n".to_vec()),
        Just(b"Message-ID: <x@Y>\r\nIn-Reply-To: <".to_vec()),
        Just(b"References: <a@b> <c@d>\r\n".to_vec()),
        Just(b"Content-Type: multipart/mixed; boundary=\"b\"\r\n".to_vec()),
        Just(b"Content-Type: multipart/alternative; boundary=b\r\n".to_vec()),
        Just(b"Content-Type: text/html; charset=iso-2022-jp\r\n".to_vec()),
        Just(b"Content-Transfer-Encoding: base64\r\n".to_vec()),
        Just(b"Content-Transfer-Encoding: quoted-printable\r\n".to_vec()),
        Just(b"Content-Disposition: attachment; filename*=UTF-8''%E2%82%AC.pdf\r\n".to_vec()),
        Just(b"\r\n--b\r\n".to_vec()),
        Just(b"\r\n--b--\r\n".to_vec()),
        Just(b"=E9=\r\n=ZZ".to_vec()),
        Just(b"<div><script>x</scr".to_vec()),
        Just(b"&#x110000;&#99999999999;&".to_vec()),
        Just(b"\r\n\r\n".to_vec()),
        prop::collection::vec(any::<u8>(), 0..64),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(raw in prop::collection::vec(any::<u8>(), 0..4096)) {
        if let Ok(m) = parse(&raw) {
            let _ = to_command(&m, &Delivery::default(), &TriagePolicy::default(), &config(), now());
        }
    }

    #[test]
    fn mail_shaped_noise_never_panics(raw in mailish()) {
        if let Ok(m) = parse(&raw) {
            prop_assert!(m.subject.chars().all(|c| !c.is_control()));
            prop_assert!(m.text_body.chars().all(|c| c == '\n' || c == '\t' || !c.is_control()));
            let _ = to_command(&m, &Delivery::default(), &TriagePolicy::default(), &config(), now());
        }
    }

    #[test]
    fn html_converter_never_panics(s in ".{0,400}") {
        let _ = html::to_text(&s);
    }
}

#[test]
fn edge_inputs() {
    assert!(parse(b"").is_err());
    let huge_header = format!(
        "Subject: {}\r\nFrom: a@b.c\r\n\r\nbody",
        "x".repeat(2_000_000)
    );
    let m = parse(huge_header.as_bytes()).unwrap();
    let out = to_command(
        &m,
        &Delivery::default(),
        &TriagePolicy::default(),
        &config(),
        now(),
    );
    drop(out);
    let many_headers = "X-A: b\r\n".repeat(200_000) + "\r\nbody";
    let _ = parse(many_headers.as_bytes());
    let deep = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n".repeat(5_000);
    let _ = parse(deep.as_bytes());
    let huge_body = format!(
        "From: a@b.c\r\n\r\n{}",
        "line of text\r\n".repeat(1_000_000)
    );
    let m = parse(huge_body.as_bytes()).unwrap();
    assert!(m.text_body.chars().count() <= flare_email_triage::text::MAX_SCANNED);
    let huge_html = format!(
        "From: a@b.c\r\nContent-Type: text/html\r\n\r\n{}",
        "<div>x &amp; y</div>".repeat(500_000)
    );
    let m = parse(huge_html.as_bytes()).unwrap();
    assert!(m.text_body.chars().count() <= flare_email_triage::text::MAX_SCANNED);
}
