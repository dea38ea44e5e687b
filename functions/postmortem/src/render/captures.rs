//! The papertrail (🧾) and the messages kept for discussion (📌), quoted whole.

use super::escape;
use super::facts::Capture;
use super::names::People;
use super::time::TimeFormat;

pub fn papertrail(out: &mut String, captures: &[Capture<'_>], tf: TimeFormat, people: &People) {
    out.push_str("## Papertrail 🧾\n\n");
    out.push_str("Evidence marked with 🧾 during the response, in the order it was posted.\n\n");
    list(out, captures, tf, "🧾", people);
}

pub fn discussion(out: &mut String, captures: &[Capture<'_>], tf: TimeFormat, people: &People) {
    out.push_str("## For discussion 📌\n\n");
    out.push_str(
        "Ideas marked with 📌 to make the next response easier or the service more resilient.\n\n",
    );
    list(out, captures, tf, "📌", people);
}

fn list(out: &mut String, captures: &[Capture<'_>], tf: TimeFormat, mark: &str, people: &People) {
    if captures.is_empty() {
        out.push_str(&format!("_Nothing was marked with {mark}._\n\n"));
        return;
    }
    for c in captures {
        let m = c.message;
        out.push_str(&format!("- **{}**", tf.short(m.posted_at)));
        if let Some(author) = &m.author {
            out.push(' ');
            out.push_str(&people.user(author));
        }
        if let Some(url) = m.permalink.as_deref().and_then(escape::safe_url) {
            out.push_str(&format!(" ([message]({url}))"));
        }
        out.push_str(&format!(", kept by {}", people.actor(c.marked_by)));
        let lines = escape::lines(&people.plain(&m.text));
        if lines.iter().all(String::is_empty) {
            out.push('\n');
            continue;
        }
        out.push_str(":\n");
        for l in lines {
            if l.is_empty() {
                out.push_str("  >\n");
            } else {
                out.push_str("  > ");
                out.push_str(&l);
                out.push('\n');
            }
        }
    }
    out.push('\n');
}
