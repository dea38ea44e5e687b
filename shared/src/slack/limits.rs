//! Slack's documented Block Kit and message limits, applied to everything Flare builds
//! from people's text before it is sent. Slack answers `invalid_blocks` (or
//! `msg_too_long`) to anything over them, which would lose the whole message.

use super::mrkdwn::cut;
use serde_json::Value;

pub const SECTION_TEXT: usize = 3000;
pub const SECTION_FIELDS: usize = 10;
pub const FIELD_TEXT: usize = 2000;
pub const HEADER_TEXT: usize = 150;
pub const CONTEXT_ELEMENTS: usize = 10;
pub const ACTION_ELEMENTS: usize = 25;
pub const BUTTON_TEXT: usize = 75;
pub const BUTTON_VALUE: usize = 2000;
pub const MESSAGE_BLOCKS: usize = 50;
pub const MESSAGE_TEXT: usize = 40_000;

/// Where a section was cut, when the full text follows in the thread.
pub const CUT_TO_THREAD: &str = "… _(cut here: the full text is in the thread)_";

/// Cuts a text object to `max` characters: mrkdwn at an entity boundary with `marker`,
/// plain text with an ellipsis. Returns whether it cut.
fn fit_text(obj: &mut Value, max: usize, marker: &str) -> bool {
    let Some(text) = obj.get("text").and_then(Value::as_str) else {
        return false;
    };
    if text.chars().count() <= max {
        return false;
    }
    let cut_text = if obj["type"] == "plain_text" {
        crate::domain::clip(text, max)
    } else {
        cut(text, max, marker)
    };
    obj["text"] = Value::String(cut_text);
    true
}

/// Fits `blocks` (a JSON array) to Slack's limits in place; `marker` ends a cut
/// section. Returns whether any text was cut or any element dropped.
pub fn fit_blocks(blocks: &mut Value, marker: &str) -> bool {
    let Some(list) = blocks.as_array_mut() else {
        return false;
    };
    let mut changed = false;
    if list.len() > MESSAGE_BLOCKS {
        list.truncate(MESSAGE_BLOCKS);
        changed = true;
    }
    for block in list.iter_mut() {
        match block["type"].as_str().unwrap_or_default() {
            "section" => {
                if let Some(t) = block.get_mut("text") {
                    changed |= fit_text(t, SECTION_TEXT, marker);
                }
                if let Some(fields) = block.get_mut("fields").and_then(Value::as_array_mut) {
                    if fields.len() > SECTION_FIELDS {
                        fields.truncate(SECTION_FIELDS);
                        changed = true;
                    }
                    for f in fields.iter_mut() {
                        changed |= fit_text(f, FIELD_TEXT, "…");
                    }
                }
                if let Some(acc) = block.get_mut("accessory") {
                    changed |= fit_element(acc);
                }
            }
            "header" => {
                if let Some(t) = block.get_mut("text") {
                    changed |= fit_text(t, HEADER_TEXT, "…");
                }
            }
            "context" => {
                if let Some(els) = block.get_mut("elements").and_then(Value::as_array_mut) {
                    if els.len() > CONTEXT_ELEMENTS {
                        els.truncate(CONTEXT_ELEMENTS);
                        changed = true;
                    }
                    for e in els.iter_mut() {
                        changed |= fit_text(e, SECTION_TEXT, "…");
                    }
                }
            }
            "actions" => {
                if let Some(els) = block.get_mut("elements").and_then(Value::as_array_mut) {
                    if els.len() > ACTION_ELEMENTS {
                        els.truncate(ACTION_ELEMENTS);
                        changed = true;
                    }
                    for e in els.iter_mut() {
                        changed |= fit_element(e);
                    }
                }
            }
            _ => {}
        }
    }
    changed
}

fn fit_element(e: &mut Value) -> bool {
    if e["type"] != "button" {
        return false;
    }
    let mut changed = false;
    if let Some(t) = e.get_mut("text") {
        changed |= fit_text(t, BUTTON_TEXT, "…");
    }
    // A value is data, not prose: a cut one would mean something else. Flare builds
    // values that fit; one that doesn't is dropped rather than sent broken.
    if e["value"]
        .as_str()
        .is_some_and(|v| v.chars().count() > BUTTON_VALUE)
    {
        tracing::warn!(action = %e["action_id"], "a button value over Slack's limit was dropped");
        e["value"] = Value::String(String::new());
        changed = true;
    }
    changed
}

/// A message's fallback `text` cut to Slack's 40,000 characters.
pub fn fit_message_text(text: &str) -> String {
    cut(text, MESSAGE_TEXT, "…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn long_sections_are_cut_at_the_limit_and_say_so() {
        let long = "&amp;".repeat(1000);
        let mut blocks = json!([
            { "type": "section", "text": { "type": "mrkdwn", "text": long } },
            { "type": "header", "text": { "type": "plain_text", "text": "h".repeat(200) } },
            { "type": "section", "fields": (0..12).map(|_| json!({ "type": "mrkdwn", "text": "f".repeat(2100) })).collect::<Vec<_>>() },
            { "type": "actions", "elements": [{ "type": "button", "action_id": "a", "text": { "type": "plain_text", "text": "b".repeat(80) } }] },
        ]);
        assert!(fit_blocks(&mut blocks, CUT_TO_THREAD));
        let section = blocks[0]["text"]["text"].as_str().unwrap();
        assert!(section.chars().count() <= SECTION_TEXT);
        assert!(section.ends_with(CUT_TO_THREAD));
        assert!(section.trim_end_matches(CUT_TO_THREAD).ends_with("&amp;"));
        assert_eq!(
            blocks[1]["text"]["text"].as_str().unwrap().chars().count(),
            HEADER_TEXT
        );
        assert_eq!(
            blocks[2]["fields"].as_array().unwrap().len(),
            SECTION_FIELDS
        );
        assert!(
            blocks[2]["fields"][0]["text"]
                .as_str()
                .unwrap()
                .chars()
                .count()
                <= FIELD_TEXT
        );
        assert_eq!(
            blocks[3]["elements"][0]["text"]["text"]
                .as_str()
                .unwrap()
                .chars()
                .count(),
            BUTTON_TEXT
        );
    }

    #[test]
    fn blocks_within_the_limits_are_left_alone() {
        let mut blocks =
            json!([{ "type": "section", "text": { "type": "mrkdwn", "text": "fine" } }]);
        let before = blocks.clone();
        assert!(!fit_blocks(&mut blocks, CUT_TO_THREAD));
        assert_eq!(blocks, before);
    }
}
