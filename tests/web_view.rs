//! The simulator's human view (`GET /`, `infra/slack-sim/src/html.rs`) in a real browser:
//! a small incident is played through the local host, then headless Chromium (Debian's
//! package; `make test` installs it with `infra/scripts/ensure-chromium.sh`, or point
//! `FLARE_CHROMIUM` at one) loads the page twice: once for a screenshot, kept at
//! `target/screenshots/web_view.png` for people to look at, and once to dump the DOM it
//! parsed. The screenshot must be a real, non-blank, styled page; the DOM must show the
//! incident channel, the card, the update and the reaction, with outside text as text.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flare_slack_sim::ViewValues;
use flare_tests::app::App;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 2000;
/// Outside text with markup in it: the page must show it, never run or apply it.
const TITLE: &str = "Checkout <script>document.title='owned'</script><u>fails</u> & more";
const UPDATE: &str = "error rate is dropping after the rollback";
const CHROMIUM_DEADLINE: Duration = Duration::from_secs(90);

/// Chromium: `FLARE_CHROMIUM`, else Debian's `/usr/bin/chromium`. Missing is a failure,
/// not a skip: `make test` installs it.
fn chromium() -> PathBuf {
    let path = std::env::var_os("FLARE_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    assert!(
        path.is_file(),
        "Chromium not found at {}: run the tests with `make test` (it runs \
         infra/scripts/ensure-chromium.sh, which installs Debian's chromium package), or set \
         FLARE_CHROMIUM to a Chromium executable",
        path.display()
    );
    path
}

/// Where the screenshot is kept: `<target dir>/screenshots/`.
fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs headless Chromium with `args` then `url`, in a fresh profile, with nothing that
/// reaches out to the network; returns its stdout. Panics on failure or after a deadline.
fn run_chromium(chromium: &Path, args: &[String], url: &str) -> String {
    let profile = std::env::temp_dir().join(format!("flare-chromium-{:016x}", fastrand::u64(..)));
    std::fs::create_dir_all(&profile).unwrap();
    let stdout_path = profile.with_extension("stdout");
    let stderr_path = profile.with_extension("stderr");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path).unwrap())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .expect("start chromium");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > CHROMIUM_DEADLINE {
            child.kill().ok();
            child.wait().ok();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stdout = std::fs::read_to_string(&stdout_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    std::fs::remove_dir_all(&profile).ok();
    std::fs::remove_file(&stdout_path).ok();
    std::fs::remove_file(&stderr_path).ok();
    match status {
        Some(s) if s.success() => stdout,
        Some(s) => panic!("chromium {args:?} {url} exited with {s}; stderr:\n{stderr}"),
        None => panic!(
            "chromium {args:?} {url} still running after {CHROMIUM_DEADLINE:?}; stderr:\n{stderr}"
        ),
    }
}

/// Width and height from a PNG's signature and IHDR chunk.
fn png_dimensions(bytes: &[u8]) -> (u32, u32) {
    assert!(
        bytes.len() > 33 && bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "not a PNG ({} bytes)",
        bytes.len()
    );
    assert_eq!(&bytes[12..16], b"IHDR", "IHDR is the first chunk");
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

/// The decoded screenshot as RGB rows.
struct Pixels {
    width: usize,
    rgb: Vec<[u8; 3]>,
}

fn decode(bytes: &[u8]) -> Pixels {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("a decodable PNG");
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).expect("a decodable frame");
    let samples = info.color_type.samples();
    assert!(
        samples >= 3,
        "a colour screenshot, not {:?}",
        info.color_type
    );
    let rgb = buf[..info.buffer_size()]
        .chunks_exact(info.line_size)
        .flat_map(|line| {
            line[..info.width as usize * samples]
                .chunks_exact(samples)
                .map(|p| [p[0], p[1], p[2]])
        })
        .collect();
    Pixels {
        width: info.width as usize,
        rgb,
    }
}

/// The text a person reads in a serialized DOM: tags dropped, entities decoded.
fn visible_text(dom: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in dom.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// The `<section>` of one channel in the DOM.
fn section<'a>(dom: &'a str, channel_id: &str) -> &'a str {
    let open = format!("<section id=\"{channel_id}\">");
    let start = dom
        .find(&open)
        .unwrap_or_else(|| panic!("no section {open} in the DOM:\n{dom}"));
    let end = dom[start..].find("</section>").expect("a closed section");
    &dom[start..start + end]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulators_page_shows_an_incident_in_a_real_browser() {
    let browser = chromium();
    let app = App::start().await;
    let (_, name) = app.declare("U0ALICE", TITLE, "S2", ViewValues::new()).await;
    let r = app
        .slash("U0ALICE", &name, &format!("update {UPDATE}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let channel = app.channel_id(&name);
    app.act("U0BOB", "conversations.join", json!({ "channel": channel }))
        .await;
    let posted = app
        .act(
            "U0BOB",
            "chat.postMessage",
            json!({ "channel": channel, "text": "consumer lag is *2h* on <#C0GENERAL>" }),
        )
        .await;
    let ts = posted["ts"].as_str().unwrap().to_string();
    app.act(
        "U0ALICE",
        "reactions.add",
        json!({ "channel": channel, "timestamp": ts, "name": "receipt" }),
    )
    .await;

    let url = format!("{}/", app.host.base_url);
    let shot = screenshot_dir().join("web_view.png");
    std::fs::remove_file(&shot).ok();
    let (dom, took) = {
        let shot = shot.clone();
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            run_chromium(
                &browser,
                &[
                    format!("--screenshot={}", shot.display()),
                    format!("--window-size={WIDTH},{HEIGHT}"),
                ],
                &url,
            );
            let dom = run_chromium(&browser, &["--dump-dom".to_string()], &url);
            (dom, started.elapsed())
        })
        .await
        .unwrap()
    };
    eprintln!(
        "chromium: screenshot and DOM in {took:?}; {}",
        shot.display()
    );

    // The screenshot: a PNG of the window's size, with lines of text on a styled page.
    let bytes = std::fs::read(&shot).unwrap_or_else(|e| panic!("{}: {e}", shot.display()));
    assert_eq!(png_dimensions(&bytes), (WIDTH, HEIGHT));
    let pixels = decode(&bytes);
    assert_eq!(pixels.width, WIDTH as usize);
    assert_eq!(pixels.rgb.len(), (WIDTH * HEIGHT) as usize);
    let dark = |p: &[u8; 3]| p.iter().map(|&c| u32::from(c)).sum::<u32>() < 3 * 100;
    let text_rows = pixels
        .rgb
        .chunks_exact(pixels.width)
        .filter(|row| row.iter().any(dark))
        .count();
    assert!(
        text_rows > 200,
        "a page of text has many rows with dark pixels, this one {text_rows}: blank or broken"
    );
    let dark_pixels = pixels.rgb.iter().filter(|p| dark(p)).count();
    assert!(
        dark_pixels > 5_000 && dark_pixels < pixels.rgb.len() / 4,
        "{dark_pixels} dark pixels: text on a light page"
    );
    // The stylesheet applied: the yellow of the "pinned" badge on the card is painted.
    let badge = pixels
        .rgb
        .iter()
        .filter(|p| **p == [0xff, 0xf3, 0xc4])
        .count();
    assert!(
        badge > 50,
        "the pinned badge's background (#fff3c4) is painted: {badge} pixels"
    );

    // The DOM Chromium built.
    assert!(
        dom.contains("<title>Slack simulator</title>"),
        "the page's own title (no script from outside text changed it): {dom}"
    );
    let text = visible_text(&dom);
    for seeded in ["#general", "#incidents"] {
        assert!(text.contains(seeded), "{seeded} listed: {text}");
    }
    let incident = section(&dom, &channel);
    let shown = visible_text(incident);
    assert!(shown.contains(&format!("#{name}")), "{shown}");
    assert!(shown.contains(TITLE), "the card's title as text: {shown}");
    assert!(shown.contains("pinned"), "the card is pinned: {shown}");
    assert!(shown.contains(UPDATE), "the update: {shown}");
    assert!(
        !shown.contains(&format!(">{UPDATE}")),
        "the update's quote rendered as a quote, not as `>`: {shown}"
    );
    assert!(
        shown.contains("consumer lag is 2h on #general"),
        "mrkdwn rendered, channel mention resolved: {shown}"
    );
    assert!(
        incident.contains("<strong>2h</strong>"),
        "*2h* rendered bold: {incident}"
    );
    assert!(
        shown.contains(":receipt: 1"),
        "the capture reaction: {shown}"
    );
    // Outside text stays text: no element came from it, nothing of it ran.
    assert!(!dom.contains("<script"), "a script element was injected");
    assert!(!dom.contains("<u>"), "markup from the title was applied");
    assert!(
        !text.contains("&lt;") && !text.contains("&amp;"),
        "no doubly escaped text shown: {text}"
    );
}
