//! What a person typed or picked in a modal, and how it becomes Slack's
//! `view.state.values[block_id][action_id]` (and a block action's `actions[0]`): the
//! shape depends on the element type the app used (`plain_text_input` → `value`,
//! `static_select` → `selected_option`, `users_select` → `selected_user`, …).

use serde_json::{Map, Value, json};

/// One answer the test gives.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Input {
    /// A typed text, or the value of the option/user/channel/date picked.
    One(String),
    /// Several picked values (multi-selects, checkboxes).
    Many(Vec<String>),
    /// The exact state value object to send.
    Raw(Value),
}

/// The values a person enters in a modal, keyed by `block_id` and `action_id`.
///
/// Plain strings are turned into the right shape for the element the app put there;
/// inputs left out are sent as Slack sends untouched inputs (their initial value, or
/// empty).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ViewValues {
    pub(crate) entries: Vec<(String, String, Input)>,
}

impl ViewValues {
    /// No values.
    pub fn new() -> ViewValues {
        ViewValues::default()
    }

    /// Types `value` into (or picks the option / user / channel / date `value` in)
    /// the element `action_id` of block `block_id`.
    pub fn set(mut self, block_id: &str, action_id: &str, value: &str) -> ViewValues {
        self.entries
            .push((block_id.into(), action_id.into(), Input::One(value.into())));
        self
    }

    /// Picks several values in a multi-select or checkbox group.
    pub fn set_many(mut self, block_id: &str, action_id: &str, values: &[&str]) -> ViewValues {
        let values = values.iter().map(|v| v.to_string()).collect();
        self.entries
            .push((block_id.into(), action_id.into(), Input::Many(values)));
        self
    }

    /// Sends `state_value` exactly as given for this element.
    pub fn raw(mut self, block_id: &str, action_id: &str, state_value: Value) -> ViewValues {
        self.entries
            .push((block_id.into(), action_id.into(), Input::Raw(state_value)));
        self
    }

    /// From JSON `{block_id: {action_id: "text" | ["a","b"] | {raw state value}}}`.
    pub fn from_json(values: &Value) -> ViewValues {
        let mut out = ViewValues::new();
        let Some(blocks) = values.as_object() else {
            return out;
        };
        for (block_id, actions) in blocks {
            let Some(actions) = actions.as_object() else {
                continue;
            };
            for (action_id, v) in actions {
                let input = match v {
                    Value::String(s) => Input::One(s.clone()),
                    Value::Array(items) => Input::Many(
                        items
                            .iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect(),
                    ),
                    Value::Number(n) => Input::One(n.to_string()),
                    other => Input::Raw(other.clone()),
                };
                out.entries
                    .push((block_id.clone(), action_id.clone(), input));
            }
        }
        out
    }

    fn get(&self, block_id: &str, action_id: &str) -> Option<&Input> {
        self.entries
            .iter()
            .rev()
            .find(|(b, a, _)| b == block_id && a == action_id)
            .map(|(_, _, i)| i)
    }

    /// `state.values` for a view whose blocks are `blocks`.
    pub(crate) fn state_values(&self, blocks: Option<&Value>) -> Value {
        let mut values: Map<String, Value> = Map::new();
        let mut put = |block_id: &str, action_id: &str, v: Value| {
            let entry = values
                .entry(block_id.to_string())
                .or_insert_with(|| json!({}));
            if let Value::Object(actions) = entry {
                actions.insert(action_id.to_string(), v);
            }
        };
        let mut known: Vec<(String, String)> = Vec::new();
        for block in blocks.and_then(Value::as_array).into_iter().flatten() {
            if block.get("type").and_then(Value::as_str) != Some("input") {
                continue;
            }
            let (Some(block_id), Some(element)) = (
                block.get("block_id").and_then(Value::as_str),
                block.get("element"),
            ) else {
                continue;
            };
            let Some(action_id) = element.get("action_id").and_then(Value::as_str) else {
                continue;
            };
            known.push((block_id.to_string(), action_id.to_string()));
            let value = match self.get(block_id, action_id) {
                Some(input) => state_value(Some(element), input),
                None => untouched_value(element),
            };
            put(block_id, action_id, value);
        }
        for (block_id, action_id, input) in &self.entries {
            if !known.iter().any(|(b, a)| b == block_id && a == action_id) {
                let element = find_element(blocks, block_id, action_id);
                put(block_id, action_id, state_value(element, input));
            }
        }
        Value::Object(values)
    }
}

/// The element `action_id` in block `block_id` (input element, accessory or action).
pub(crate) fn find_element<'a>(
    blocks: Option<&'a Value>,
    block_id: &str,
    action_id: &str,
) -> Option<&'a Value> {
    blocks
        .and_then(Value::as_array)?
        .iter()
        .filter(|b| b.get("block_id").and_then(Value::as_str) == Some(block_id))
        .flat_map(block_elements)
        .find(|e| e.get("action_id").and_then(Value::as_str) == Some(action_id))
}

/// Every interactive element of a block.
pub(crate) fn block_elements(block: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    if let Some(e) = block.get("element") {
        out.push(e);
    }
    if let Some(e) = block.get("accessory") {
        out.push(e);
    }
    if block.get("type").and_then(Value::as_str) == Some("actions")
        && let Some(Value::Array(elements)) = block.get("elements")
    {
        out.extend(elements.iter());
    }
    out
}

fn element_type(element: Option<&Value>) -> String {
    element
        .and_then(|e| e.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("plain_text_input")
        .to_string()
}

/// All options of a select / radio / checkbox element (groups flattened).
fn options(element: Option<&Value>) -> Vec<&Value> {
    let Some(element) = element else {
        return Vec::new();
    };
    let mut out: Vec<&Value> = element
        .get("options")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    for group in element
        .get("option_groups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.extend(
            group
                .get("options")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
    }
    out
}

/// The option with `value`, or one made up for it.
fn option(element: Option<&Value>, value: &str) -> Value {
    options(element)
        .into_iter()
        .find(|o| o.get("value").and_then(Value::as_str) == Some(value))
        .cloned()
        .unwrap_or_else(|| {
            json!({"text": {"type": "plain_text", "text": value, "emoji": true}, "value": value})
        })
}

fn many(input: &Input) -> Vec<String> {
    match input {
        Input::One(v) => v
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        Input::Many(vs) => vs.clone(),
        Input::Raw(_) => Vec::new(),
    }
}

fn one(input: &Input) -> String {
    match input {
        Input::One(v) => v.clone(),
        Input::Many(vs) => vs.first().cloned().unwrap_or_default(),
        Input::Raw(_) => String::new(),
    }
}

/// The state value (or action fields) for `input` in `element`.
pub(crate) fn state_value(element: Option<&Value>, input: &Input) -> Value {
    let kind = element_type(element);
    if let Input::Raw(v) = input {
        let mut v = v.clone();
        if let Value::Object(obj) = &mut v {
            obj.entry("type").or_insert(json!(kind));
        }
        return v;
    }
    let field = |name: &str, value: Value| json!({"type": kind, name: value});
    match kind.as_str() {
        "static_select" | "external_select" | "radio_buttons" | "overflow" => {
            field("selected_option", option(element, &one(input)))
        }
        "multi_static_select" | "multi_external_select" | "checkboxes" => {
            let picked: Vec<Value> = many(input).iter().map(|v| option(element, v)).collect();
            field("selected_options", json!(picked))
        }
        "users_select" => field("selected_user", json!(one(input))),
        "multi_users_select" => field("selected_users", json!(many(input))),
        "conversations_select" => field("selected_conversation", json!(one(input))),
        "multi_conversations_select" => field("selected_conversations", json!(many(input))),
        "channels_select" => field("selected_channel", json!(one(input))),
        "multi_channels_select" => field("selected_channels", json!(many(input))),
        "datepicker" => field("selected_date", json!(one(input))),
        "timepicker" => field("selected_time", json!(one(input))),
        "datetimepicker" => {
            let secs = one(input).parse::<i64>().map_or(Value::Null, |s| json!(s));
            field("selected_date_time", secs)
        }
        _ => field("value", json!(one(input))),
    }
}

/// What Slack sends for an input the person did not touch.
fn untouched_value(element: &Value) -> Value {
    let kind = element_type(Some(element));
    let initial = |key: &str| element.get(key).cloned().unwrap_or(Value::Null);
    let field = |name: &str, value: Value| json!({"type": kind, name: value});
    match kind.as_str() {
        "static_select" | "external_select" | "radio_buttons" => {
            field("selected_option", initial("initial_option"))
        }
        "multi_static_select" | "multi_external_select" | "checkboxes" => {
            let v = element.get("initial_options").cloned().unwrap_or(json!([]));
            field("selected_options", v)
        }
        "users_select" => field("selected_user", initial("initial_user")),
        "multi_users_select" => field(
            "selected_users",
            element.get("initial_users").cloned().unwrap_or(json!([])),
        ),
        "conversations_select" => field("selected_conversation", initial("initial_conversation")),
        "multi_conversations_select" => field(
            "selected_conversations",
            element
                .get("initial_conversations")
                .cloned()
                .unwrap_or(json!([])),
        ),
        "channels_select" => field("selected_channel", initial("initial_channel")),
        "multi_channels_select" => field(
            "selected_channels",
            element
                .get("initial_channels")
                .cloned()
                .unwrap_or(json!([])),
        ),
        "datepicker" => field("selected_date", initial("initial_date")),
        "timepicker" => field("selected_time", initial("initial_time")),
        "datetimepicker" => field("selected_date_time", initial("initial_date_time")),
        _ => field("value", initial("initial_value")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn blocks() -> Value {
        json!([
            {"type": "input", "block_id": "title", "label": {"type": "plain_text", "text": "Title"},
             "element": {"type": "plain_text_input", "action_id": "title_input"}},
            {"type": "input", "block_id": "sev", "label": {"type": "plain_text", "text": "Severity"},
             "element": {"type": "static_select", "action_id": "sev_select",
                         "initial_option": {"text": {"type": "plain_text", "text": "S3"}, "value": "S3"},
                         "options": [
                            {"text": {"type": "plain_text", "text": "S1 - critical"}, "value": "S1"},
                            {"text": {"type": "plain_text", "text": "S3"}, "value": "S3"}]}},
            {"type": "input", "block_id": "who", "label": {"type": "plain_text", "text": "Lead"},
             "element": {"type": "users_select", "action_id": "lead"}},
            {"type": "input", "block_id": "notes", "optional": true, "label": {"type": "plain_text", "text": "Notes"},
             "element": {"type": "plain_text_input", "action_id": "notes", "initial_value": "none"}}
        ])
    }

    #[test]
    fn values_take_the_shape_of_their_element() {
        let values = ViewValues::new()
            .set("title", "title_input", "DB down")
            .set("sev", "sev_select", "S1")
            .set("who", "lead", "U0BOB")
            .state_values(Some(&blocks()));
        assert_eq!(
            values["title"]["title_input"],
            json!({"type": "plain_text_input", "value": "DB down"})
        );
        assert_eq!(
            values["sev"]["sev_select"]["selected_option"]["value"],
            "S1"
        );
        assert_eq!(
            values["sev"]["sev_select"]["selected_option"]["text"]["text"],
            "S1 - critical"
        );
        assert_eq!(values["who"]["lead"]["selected_user"], "U0BOB");
        assert_eq!(values["notes"]["notes"]["value"], "none");
    }

    #[test]
    fn untouched_inputs_keep_initial_values_and_json_works() {
        let values = ViewValues::from_json(
            &json!({"title": {"title_input": "x"}, "extra": {"a": ["1", "2"]}}),
        )
        .state_values(Some(&blocks()));
        assert_eq!(
            values["sev"]["sev_select"]["selected_option"]["value"],
            "S3"
        );
        assert_eq!(values["who"]["lead"]["selected_user"], Value::Null);
        assert_eq!(values["extra"]["a"]["value"], "1");
    }
}
