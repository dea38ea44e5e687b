//! Block Kit as Slack checks it. Blocks and views are first parsed with slack-morphism's
//! typed models (an independent definition of the shapes: a block that does not fit its
//! type is refused), then held to the limits in Slack's Block Kit reference. Each
//! problem is reported the way Slack reports it: a message ending in
//! `[json-pointer:/blocks/0/text/text]`. Lengths count characters, not bytes.

use std::collections::HashSet;

use serde::de::DeserializeOwned;
use serde_json::Value;
use slack_morphism::prelude::*;

/// Where blocks are shown: the limits differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Surface {
    Message,
    Modal,
    Home,
}

/// Problems found in a message's `blocks` (empty when Slack would accept them).
pub(crate) fn check_message_blocks(blocks: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(items) = blocks.as_array() else {
        problems.push(at("must be an array", "/blocks"));
        return problems;
    };
    if items.len() > 50 {
        problems.push(at("no more than 50 items allowed", "/blocks"));
    }
    check_blocks(items, "/blocks", Surface::Message, &mut problems);
    problems
}

/// Problems found in a view (modal or App Home), pointers under `/view`.
pub(crate) fn check_view(view: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let kind = view.get("type").and_then(Value::as_str).unwrap_or_default();
    let surface = match kind {
        "modal" => Surface::Modal,
        "home" => Surface::Home,
        _ => {
            problems.push(at("must be one of: modal, home", "/view/type"));
            return problems;
        }
    };
    if let Err(err) = serde_json::from_value::<SlackView>(view.clone()) {
        problems.push(at(
            &format!("failed to match the view schema: {err}"),
            "/view",
        ));
    }
    for (key, max) in [("title", 24), ("submit", 24), ("close", 24)] {
        if let Some(text) = view.get(key) {
            let pointer = format!("/view/{key}");
            plain_text_only(text, &pointer, &mut problems);
            max_text(text, max, &pointer, &mut problems);
        }
    }
    max_str(
        view.get("private_metadata"),
        3000,
        "/view/private_metadata",
        &mut problems,
    );
    max_str(
        view.get("callback_id"),
        255,
        "/view/callback_id",
        &mut problems,
    );
    max_str(
        view.get("external_id"),
        255,
        "/view/external_id",
        &mut problems,
    );
    let Some(items) = view.get("blocks").and_then(Value::as_array) else {
        problems.push(at("must provide blocks", "/view/blocks"));
        return problems;
    };
    if items.len() > 100 {
        problems.push(at("no more than 100 items allowed", "/view/blocks"));
    }
    let has_input = items
        .iter()
        .any(|b| b.get("type").and_then(Value::as_str) == Some("input"));
    if surface == Surface::Modal && has_input && view.get("submit").is_none() {
        problems.push(at(
            "a view with input blocks requires a submit button",
            "/view/submit",
        ));
    }
    check_blocks(items, "/view/blocks", surface, &mut problems);
    problems
}

fn at(message: &str, pointer: &str) -> String {
    format!("{message} [json-pointer:{pointer}]")
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn check_blocks(items: &[Value], base: &str, surface: Surface, problems: &mut Vec<String>) {
    let mut block_ids = HashSet::new();
    for (i, block) in items.iter().enumerate() {
        let pointer = format!("{base}/{i}");
        if let Some(id) = block.get("block_id").and_then(Value::as_str) {
            if !block_ids.insert(id.to_string()) {
                problems.push(at(
                    &format!("duplicate block_id: {id}"),
                    &format!("{pointer}/block_id"),
                ));
            }
            if chars(id) > 255 {
                problems.push(at(
                    "must be less than 256 characters",
                    &format!("{pointer}/block_id"),
                ));
            }
        }
        let kind = block
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if let Some(err) = parse_error(kind, block) {
            problems.push(at(&err, &pointer));
            continue;
        }
        if kind == "input" && surface == Surface::Message {
            problems.push(at("input blocks are not allowed in messages", &pointer));
        }
        check_block(kind, block, &pointer, problems);
    }
}

/// Why `block` does not fit slack-morphism's model of `kind`, if it does not.
fn parse_error(kind: &str, block: &Value) -> Option<String> {
    fn as_type<T: DeserializeOwned>(block: &Value) -> Option<String> {
        serde_json::from_value::<T>(block.clone())
            .err()
            .map(|e| format!("failed to match all allowed schemas: {e}"))
    }
    match kind {
        "section" => as_type::<SlackSectionBlock>(block),
        "header" => as_type::<SlackHeaderBlock>(block),
        "divider" => as_type::<SlackDividerBlock>(block),
        "image" => as_type::<SlackImageBlock>(block),
        "actions" => as_type::<SlackActionsBlock>(block),
        "context" => as_type::<SlackContextBlock>(block),
        "input" => as_type::<SlackInputBlock>(block),
        "file" => as_type::<SlackFileBlock>(block),
        "video" => as_type::<SlackVideoBlock>(block),
        "markdown" => as_type::<SlackMarkdownBlock>(block),
        "rich_text" => as_type::<SlackRichTextBlock>(block),
        "" => Some("missing required field: type".to_string()),
        other => match serde_json::from_value::<SlackBlock>(block.clone()) {
            Ok(SlackBlock::Unknown(_)) | Err(_) => Some(format!("unsupported type: {other}")),
            Ok(_) => None,
        },
    }
}

/// A text object's `text`.
fn text_of(text: &Value) -> &str {
    text.get("text").and_then(Value::as_str).unwrap_or_default()
}

fn max_text(text: &Value, max: usize, pointer: &str, problems: &mut Vec<String>) {
    if chars(text_of(text)) > max {
        problems.push(at(
            &format!("must be less than {} characters", max + 1),
            &format!("{pointer}/text"),
        ));
    }
}

fn max_str(value: Option<&Value>, max: usize, pointer: &str, problems: &mut Vec<String>) {
    if let Some(s) = value.and_then(Value::as_str)
        && chars(s) > max
    {
        problems.push(at(
            &format!("must be less than {} characters", max + 1),
            pointer,
        ));
    }
}

fn max_items(value: Option<&Value>, max: usize, pointer: &str, problems: &mut Vec<String>) {
    if value
        .and_then(Value::as_array)
        .is_some_and(|a| a.len() > max)
    {
        problems.push(at(&format!("no more than {max} items allowed"), pointer));
    }
}

fn plain_text_only(text: &Value, pointer: &str, problems: &mut Vec<String>) {
    if text.get("type").and_then(Value::as_str) != Some("plain_text") {
        problems.push(at("must be one of: plain_text", &format!("{pointer}/type")));
    }
}

fn check_block(kind: &str, block: &Value, pointer: &str, problems: &mut Vec<String>) {
    match kind {
        "section" => {
            if block.get("text").is_none() && block.get("fields").is_none() {
                problems.push(at("must provide either text or fields", pointer));
            }
            if let Some(text) = block.get("text") {
                max_text(text, 3000, &format!("{pointer}/text"), problems);
            }
            if let Some(fields) = block.get("fields").and_then(Value::as_array) {
                max_items(
                    block.get("fields"),
                    10,
                    &format!("{pointer}/fields"),
                    problems,
                );
                for (i, field) in fields.iter().enumerate() {
                    max_text(field, 2000, &format!("{pointer}/fields/{i}"), problems);
                }
            }
            if let Some(accessory) = block.get("accessory") {
                let mut ids = HashSet::new();
                check_element(
                    accessory,
                    &format!("{pointer}/accessory"),
                    &mut ids,
                    problems,
                );
            }
        }
        "header" => {
            if let Some(text) = block.get("text") {
                plain_text_only(text, &format!("{pointer}/text"), problems);
                max_text(text, 150, &format!("{pointer}/text"), problems);
            }
        }
        "context" => {
            max_items(
                block.get("elements"),
                10,
                &format!("{pointer}/elements"),
                problems,
            );
            for (i, element) in elements(block).iter().enumerate() {
                if matches!(
                    element.get("type").and_then(Value::as_str),
                    Some("plain_text" | "mrkdwn")
                ) {
                    max_text(element, 3000, &format!("{pointer}/elements/{i}"), problems);
                }
            }
        }
        "actions" => {
            max_items(
                block.get("elements"),
                25,
                &format!("{pointer}/elements"),
                problems,
            );
            let mut ids = HashSet::new();
            for (i, element) in elements(block).iter().enumerate() {
                check_element(
                    element,
                    &format!("{pointer}/elements/{i}"),
                    &mut ids,
                    problems,
                );
            }
        }
        "input" => {
            if let Some(label) = block.get("label") {
                max_text(label, 2000, &format!("{pointer}/label"), problems);
            }
            if let Some(hint) = block.get("hint") {
                max_text(hint, 2000, &format!("{pointer}/hint"), problems);
            }
            if let Some(element) = block.get("element") {
                let mut ids = HashSet::new();
                check_element(element, &format!("{pointer}/element"), &mut ids, problems);
            }
        }
        "image" => {
            max_str(
                block.get("alt_text"),
                2000,
                &format!("{pointer}/alt_text"),
                problems,
            );
            max_str(
                block.get("image_url"),
                3000,
                &format!("{pointer}/image_url"),
                problems,
            );
            if let Some(title) = block.get("title") {
                max_text(title, 2000, &format!("{pointer}/title"), problems);
            }
        }
        _ => {}
    }
}

fn elements(block: &Value) -> Vec<Value> {
    block
        .get("elements")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// An interactive element: its `action_id` (unique in its block), texts and options.
fn check_element(
    element: &Value,
    pointer: &str,
    action_ids: &mut HashSet<String>,
    problems: &mut Vec<String>,
) {
    if let Some(id) = element.get("action_id").and_then(Value::as_str) {
        if !action_ids.insert(id.to_string()) {
            problems.push(at(
                &format!("duplicate action_id: {id}"),
                &format!("{pointer}/action_id"),
            ));
        }
        max_str(
            element.get("action_id"),
            255,
            &format!("{pointer}/action_id"),
            problems,
        );
    }
    let kind = element
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match kind {
        "button" => {
            if let Some(text) = element.get("text") {
                max_text(text, 75, &format!("{pointer}/text"), problems);
            }
            max_str(
                element.get("value"),
                2000,
                &format!("{pointer}/value"),
                problems,
            );
            max_str(
                element.get("url"),
                3000,
                &format!("{pointer}/url"),
                problems,
            );
        }
        "image" => {
            max_str(
                element.get("alt_text"),
                2000,
                &format!("{pointer}/alt_text"),
                problems,
            );
        }
        _ => {
            if let Some(placeholder) = element.get("placeholder") {
                max_text(
                    placeholder,
                    150,
                    &format!("{pointer}/placeholder"),
                    problems,
                );
            }
            if kind == "plain_text_input" {
                max_str(
                    element.get("initial_value"),
                    3000,
                    &format!("{pointer}/initial_value"),
                    problems,
                );
            }
            let option_limit = match kind {
                "overflow" => 5,
                "checkboxes" | "radio_buttons" => 10,
                _ => 100,
            };
            max_items(
                element.get("options"),
                option_limit,
                &format!("{pointer}/options"),
                problems,
            );
            let options = element
                .get("options")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for (i, option) in options.iter().enumerate() {
                let at_option = format!("{pointer}/options/{i}");
                if let Some(text) = option.get("text") {
                    max_text(text, 75, &format!("{at_option}/text"), problems);
                }
                max_str(
                    option.get("value"),
                    150,
                    &format!("{at_option}/value"),
                    problems,
                );
                if let Some(description) = option.get("description") {
                    max_text(
                        description,
                        75,
                        &format!("{at_option}/description"),
                        problems,
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    fn section(text: &str) -> Value {
        json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    }

    #[test]
    fn good_blocks_pass() {
        let blocks = json!([
            {"type": "header", "text": {"type": "plain_text", "text": "Incident"}},
            section(&"é".repeat(3000)),
            {"type": "divider"},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "x"}]},
            {"type": "actions", "elements": [
                {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "Go"}, "value": "v"}
            ]},
        ]);
        assert_eq!(check_message_blocks(&blocks), Vec::<String>::new());
    }

    #[test]
    fn limits_count_characters_and_name_the_field() {
        let problems = check_message_blocks(&json!([section(&"a".repeat(3001))]));
        assert_eq!(
            problems,
            ["must be less than 3001 characters [json-pointer:/blocks/0/text/text]"]
        );
        let header = json!([{"type": "header", "text": {"type": "mrkdwn", "text": "x"}}]);
        assert_eq!(check_message_blocks(&header).len(), 1);
    }

    #[test]
    fn shapes_come_from_the_typed_models() {
        let problems = check_message_blocks(&json!([{"type": "section", "text": "plain"}]));
        assert!(problems[0].contains("/blocks/0]"), "{problems:?}");
        let problems = check_message_blocks(&json!([{"type": "sektion"}]));
        assert!(problems[0].starts_with("unsupported type"), "{problems:?}");
        let problems = check_message_blocks(&json!([{"type": "actions", "elements": [
            {"type": "button", "action_id": "a"}
        ]}]));
        assert_eq!(problems.len(), 1, "a button needs text: {problems:?}");
    }

    #[test]
    fn views_check_title_submit_and_inputs() {
        let input = json!({"type": "input", "block_id": "t", "label": {"type": "plain_text", "text": "T"},
            "element": {"type": "plain_text_input", "action_id": "v"}});
        let ok = json!({"type": "modal", "title": {"type": "plain_text", "text": "Declare"},
            "submit": {"type": "plain_text", "text": "Go"}, "blocks": [input]});
        assert_eq!(check_view(&ok), Vec::<String>::new());
        let mut no_submit = ok.clone();
        no_submit.as_object_mut().unwrap().remove("submit");
        assert_eq!(check_view(&no_submit).len(), 1);
        let mut long = ok.clone();
        long["title"]["text"] = json!("a".repeat(25));
        assert_eq!(
            check_view(&long),
            ["must be less than 25 characters [json-pointer:/view/title/text]"]
        );
        let mut dup = ok.clone();
        dup["blocks"] = json!([input, input]);
        assert_eq!(check_view(&dup).len(), 1);
        assert_eq!(
            check_message_blocks(&json!([input])),
            ["input blocks are not allowed in messages [json-pointer:/blocks/0]"]
        );
    }
}
