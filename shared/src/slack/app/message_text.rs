//! The words of a Slack message, whatever carries them. People's messages have `text`;
//! alerts from bots usually have an empty `text` and carry `attachments` (pretext,
//! title, text, fields, fallback) or Block Kit blocks (`rich_text`, sections, headers).

use crate::slack::mrkdwn::from_slack;
use serde_json::Value;

/// The message's text as people would read it (Slack's entities decoded once; mentions
/// and links kept as references), one part per line, without repeats.
pub fn message_text(m: &Value) -> String {
    let mut parts: Vec<String> = Vec::new();
    let own = m["text"].as_str().unwrap_or_default();
    let from_blocks = blocks_text(&m["blocks"]);
    // Slack fills `text` from the blocks for messages posted with both; prefer the
    // blocks, which keep the line breaks, when they say at least as much.
    if from_blocks.trim().len() >= own.trim().len() {
        push(&mut parts, &from_blocks);
    } else {
        push(&mut parts, own);
    }
    for a in m["attachments"].as_array().into_iter().flatten() {
        let before = parts.len();
        for key in ["pretext", "author_name", "title", "text"] {
            if let Some(s) = a[key].as_str() {
                push(&mut parts, s);
            }
        }
        for f in a["fields"].as_array().into_iter().flatten() {
            let (t, v) = (
                f["title"].as_str().unwrap_or_default(),
                f["value"].as_str().unwrap_or_default(),
            );
            match (t.is_empty(), v.is_empty()) {
                (false, false) => push(&mut parts, &format!("{t}: {v}")),
                (false, true) => push(&mut parts, t),
                (true, false) => push(&mut parts, v),
                (true, true) => {}
            }
        }
        push(&mut parts, &blocks_text(&a["blocks"]));
        // The fallback is the attachment's summary: only when it said nothing else.
        if parts.len() == before
            && let Some(s) = a["fallback"].as_str()
        {
            push(&mut parts, s);
        }
    }
    from_slack(&parts.join("\n"))
}

/// Adds a part unless it is empty or already there.
fn push(parts: &mut Vec<String>, s: &str) {
    let s = s.trim();
    if !s.is_empty() && !parts.iter().any(|p| p == s) {
        parts.push(s.to_owned());
    }
}

/// Text of Block Kit blocks: rich text, sections (text and fields), headers, context.
fn blocks_text(blocks: &Value) -> String {
    let mut out: Vec<String> = Vec::new();
    for b in blocks.as_array().into_iter().flatten() {
        match b["type"].as_str().unwrap_or_default() {
            "rich_text" => {
                let mut s = String::new();
                for el in b["elements"].as_array().into_iter().flatten() {
                    rich(el, &mut s);
                    if !s.ends_with('\n') {
                        s.push('\n');
                    }
                }
                out.push(s.trim_end().to_owned());
            }
            "section" => {
                if let Some(t) = b["text"]["text"].as_str() {
                    out.push(t.to_owned());
                }
                for f in b["fields"].as_array().into_iter().flatten() {
                    if let Some(t) = f["text"].as_str() {
                        out.push(t.to_owned());
                    }
                }
            }
            "header" => {
                if let Some(t) = b["text"]["text"].as_str() {
                    out.push(t.to_owned());
                }
            }
            "context" => {
                let words: Vec<&str> = b["elements"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e["text"].as_str())
                    .collect();
                if !words.is_empty() {
                    out.push(words.join(" "));
                }
            }
            _ => {}
        }
    }
    out.retain(|s| !s.trim().is_empty());
    out.join("\n")
}

/// One rich-text element, written the way Slack writes the message's `text`
/// (so mentions and links become references, and `&<>` entities).
fn rich(el: &Value, out: &mut String) {
    let escape = crate::slack::mrkdwn::escape;
    match el["type"].as_str().unwrap_or_default() {
        "rich_text_section" | "rich_text_preformatted" | "rich_text_quote" => {
            for e in el["elements"].as_array().into_iter().flatten() {
                rich(e, out);
            }
        }
        "rich_text_list" => {
            for item in el["elements"].as_array().into_iter().flatten() {
                out.push_str("• ");
                rich(item, out);
                out.push('\n');
            }
        }
        "text" => out.push_str(&escape(el["text"].as_str().unwrap_or_default())),
        "link" => {
            let url = el["url"].as_str().unwrap_or_default();
            match el["text"].as_str() {
                Some(t) if !t.is_empty() => out.push_str(&format!("<{url}|{}>", escape(t))),
                _ => out.push_str(&format!("<{url}>")),
            }
        }
        "user" => out.push_str(&format!(
            "<@{}>",
            el["user_id"].as_str().unwrap_or_default()
        )),
        "channel" => out.push_str(&format!(
            "<#{}>",
            el["channel_id"].as_str().unwrap_or_default()
        )),
        "usergroup" => out.push_str(&format!(
            "<!subteam^{}>",
            el["usergroup_id"].as_str().unwrap_or_default()
        )),
        "broadcast" => out.push_str(&format!("<!{}>", el["range"].as_str().unwrap_or_default())),
        "emoji" => out.push_str(&format!(":{}:", el["name"].as_str().unwrap_or_default())),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_bot_alert_with_only_attachments_has_words() {
        let m = json!({ "type": "message", "subtype": "bot_message", "text": "", "bot_id": "B1",
            "attachments": [{ "fallback": "[Triggered] Checkout 5xx > 5%", "title": "[Triggered] Checkout 5xx &gt; 5%",
              "title_link": "https://monitor.example/1", "text": "5xx rate 7.2% on checkout-api",
              "fields": [{ "title": "Service", "value": "checkout", "short": true }] }] });
        assert_eq!(
            message_text(&m),
            "[Triggered] Checkout 5xx > 5%\n5xx rate 7.2% on checkout-api\nService: checkout"
        );
    }

    #[test]
    fn the_fallback_is_used_when_nothing_else_is_there() {
        let m = json!({ "text": "", "attachments": [{ "fallback": "Disk full on db-1" }] });
        assert_eq!(message_text(&m), "Disk full on db-1");
    }

    #[test]
    fn rich_text_blocks_keep_mentions_as_references_and_decode_once() {
        let m = json!({ "text": "R&amp;D is down <@U0BOB>", "blocks": [{ "type": "rich_text", "elements": [
            { "type": "rich_text_section", "elements": [
                { "type": "text", "text": "R&D is down " }, { "type": "user", "user_id": "U0BOB" },
                { "type": "text", "text": "\nsee " }, { "type": "link", "url": "https://status.example", "text": "status" } ] } ] }] });
        assert_eq!(
            message_text(&m),
            "R&D is down <@U0BOB>\nsee <https://status.example|status>"
        );
    }

    #[test]
    fn plain_messages_are_decoded_once() {
        let m = json!({ "text": "a &lt;b&gt; &amp; c" });
        assert_eq!(message_text(&m), "a <b> & c");
    }
}
