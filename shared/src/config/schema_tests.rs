//! The example file documents the whole model: every field the parser reads appears in
//! infra/config/flare.example.yaml, and every field there is one the parser reads. The
//! model's side is its JSON Schema (schemars), so a new field is picked up by itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::model::RawConfig;
use super::triage::TriagePolicy;
use super::{Config, ConfigError};
use schemars::Schema;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

const EXAMPLE: &str = include_str!("../../../infra/config/flare.example.yaml");

/// The triage section's schema, from the shape of its defaults (every field has one),
/// so triage.rs stays free of schema derives and its new fields still count.
pub(super) fn triage_schema(_: &mut schemars::SchemaGenerator) -> Schema {
    fn shape(v: &Value) -> Value {
        match v {
            Value::Object(m) => json!({
                "type": "object",
                "additionalProperties": false,
                "properties": m.iter().map(|(k, v)| (k.clone(), shape(v))).collect::<Map<_, _>>(),
            }),
            Value::Array(items) => {
                json!({ "type": "array", "items": items.first().map_or(json!({}), shape) })
            }
            _ => json!({}),
        }
    }
    let defaults = serde_json::to_value(TriagePolicy::default()).unwrap();
    Schema::try_from(shape(&defaults)).unwrap()
}

fn schema() -> Value {
    serde_json::to_value(schemars::schema_for!(RawConfig)).unwrap()
}

/// Where a schema node sits: the type that defines it (`$defs` name, or `RawConfig`)
/// and the path inside that type. Fields are counted per type, so an enum used in three
/// places (on-call targets) needs each variant shown once, not at every place.
#[derive(Clone)]
struct At {
    owner: String,
    inner: String,
}

impl At {
    fn child(&self, name: &str) -> At {
        At {
            owner: self.owner.clone(),
            inner: super::unknown::join(&self.inner, name),
        }
    }

    fn items(&self) -> At {
        At {
            owner: self.owner.clone(),
            inner: format!("{}[]", self.inner),
        }
    }

    fn key(&self) -> String {
        format!("{}.{}", self.owner, self.inner)
    }
}

/// The node and every alternative it allows (`Option`, enums), references followed,
/// each with where it sits.
fn alternatives<'a>(root: &'a Value, node: &'a Value, at: &At, out: &mut Vec<(&'a Value, At)>) {
    if let Some(r) = node.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap();
        let at = At {
            owner: name.to_owned(),
            inner: String::new(),
        };
        return alternatives(root, &root["$defs"][name], &at, out);
    }
    out.push((node, at.clone()));
    for key in ["oneOf", "anyOf", "allOf"] {
        for alt in node
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            alternatives(root, alt, at, out);
        }
    }
}

fn top() -> At {
    At {
        owner: "RawConfig".into(),
        inner: String::new(),
    }
}

/// Every field the model parses, as `Type.path` (`[]` for list items, `*` for the
/// values of free-form maps).
fn model_fields(root: &Value, node: &Value, at: &At, out: &mut BTreeSet<String>) {
    if at.inner.matches('.').count() > 12 || out.len() > 10_000 {
        return; // a recursive type; none today
    }
    let mut alts = Vec::new();
    alternatives(root, node, at, &mut alts);
    for (alt, at) in alts {
        if let Some(props) = alt.get("properties").and_then(Value::as_object) {
            for (k, sub) in props {
                let field = at.child(k);
                out.insert(field.key());
                model_fields(root, sub, &field, out);
            }
        }
        if let Some(items) = alt.get("items") {
            model_fields(root, items, &at.items(), out);
        }
        if let Some(values) = alt.get("additionalProperties").filter(|v| v.is_object()) {
            let field = at.child("*");
            out.insert(field.key());
            model_fields(root, values, &field, out);
        }
    }
}

/// Walks the example beside the schema: the model's fields it shows, and the keys it
/// has that the model doesn't read (by their path in the file).
fn example_fields(
    root: &Value,
    node: &Value,
    at: &At,
    value: &Value,
    path: &str,
    seen: &mut BTreeSet<String>,
    unknown: &mut Vec<String>,
) {
    let mut alts = Vec::new();
    alternatives(root, node, at, &mut alts);
    match value {
        Value::Object(m) => {
            for (k, v) in m {
                let named = alts.iter().find_map(|(a, at)| {
                    a.get("properties")
                        .and_then(|p| p.get(k))
                        .map(|sub| (sub, at.child(k)))
                });
                let free = alts.iter().find_map(|(a, at)| {
                    a.get("additionalProperties")
                        .filter(|v| v.is_object())
                        .map(|sub| (sub, at.child("*")))
                });
                let Some((sub, field)) = named.or(free) else {
                    unknown.push(super::unknown::join(path, k));
                    continue;
                };
                seen.insert(field.key());
                let p = super::unknown::join(path, k);
                example_fields(root, sub, &field, v, &p, seen, unknown);
            }
        }
        Value::Array(items) => {
            if let Some((item, at)) = alts
                .iter()
                .find_map(|(a, at)| a.get("items").map(|i| (i, at.items())))
            {
                for (i, v) in items.iter().enumerate() {
                    example_fields(root, item, &at, v, &format!("{path}[{i}]"), seen, unknown);
                }
            }
        }
        _ => {}
    }
}

/// The model's fields, and what the example shows of them and adds to them.
fn compare(example: &Value) -> (BTreeSet<String>, BTreeSet<String>, Vec<String>) {
    let root = schema();
    let mut model = BTreeSet::new();
    model_fields(&root, &root, &top(), &mut model);
    let mut seen = BTreeSet::new();
    let mut unknown = Vec::new();
    example_fields(&root, &root, &top(), example, "", &mut seen, &mut unknown);
    for (field, shown_by) in EXCLUSIVE {
        if seen.contains(*shown_by) {
            seen.insert((*field).to_owned());
        }
    }
    (model, seen, unknown)
}

/// Fields one file can't show side by side (the configuration takes one of them), each
/// with the field of the same type that documents it in the example.
const EXCLUSIVE: &[(&str, &str)] = &[("RawTracker.jira", "RawTrackerRoute.jira")];

#[test]
fn the_example_documents_every_field_and_only_fields_the_model_reads() {
    let example: Value = serde_yaml_ng::from_str(EXAMPLE).unwrap();
    let (model, seen, unknown) = compare(&example);
    // The schema really describes the model (else the comparison proves nothing).
    for f in [
        "SeverityLevel.update_every_minutes",
        "OnCallTarget.pagerduty.routing_key_param",
        "OnCallTarget.opsgenie.region",
        "RawConfig.triage.keyword_rules[].severity",
        "StatusPageConfig.components.*",
        "Permissions.members_only",
    ] {
        assert!(
            model.contains(f),
            "{f} not among the model's fields: {model:#?}"
        );
    }
    assert!(
        unknown.is_empty(),
        "flare.example.yaml has fields the model doesn't read: {unknown:?}"
    );
    let missing: Vec<&String> = model.difference(&seen).collect();
    assert!(
        missing.is_empty(),
        "flare.example.yaml doesn't show these fields of the model: {missing:?}"
    );
    // And the parser itself takes the whole example.
    Config::parse("flare.example.yaml", EXAMPLE).unwrap();
}

#[test]
fn the_comparison_catches_a_missing_and_an_extra_field() {
    let mut example: Value = serde_yaml_ng::from_str(EXAMPLE).unwrap();
    example["reminders"]
        .as_object_mut()
        .unwrap()
        .remove("triage_ack_minutes");
    example["triage"]
        .as_object_mut()
        .unwrap()
        .remove("max_excerpt");
    example["channels"]["colour"] = json!("red");
    let (model, seen, unknown) = compare(&example);
    assert_eq!(unknown, ["channels.colour"]);
    let missing: Vec<&String> = model.difference(&seen).collect();
    assert_eq!(
        missing,
        [
            "RawConfig.triage.max_excerpt",
            "Reminders.triage_ack_minutes"
        ]
    );
}

fn error_of(yaml: &str) -> ConfigError {
    Config::parse("flare.yaml", yaml).unwrap_err()
}

/// A typo in every section is refused, with its path and the field meant.
#[test]
fn a_typo_in_any_section_is_refused_with_its_path() {
    let example: Value = serde_yaml_ng::from_str(EXAMPLE).unwrap();
    // One typo per object of the example: its first key with its last letter dropped.
    let mut objects = Vec::new();
    fn objects_of(v: &Value, path: Vec<Value>, out: &mut Vec<(Vec<Value>, String)>) {
        match v {
            Value::Object(m) => {
                if let Some(first) = m.keys().next() {
                    out.push((path.clone(), first.clone()));
                }
                for (k, sub) in m {
                    let mut p = path.clone();
                    p.push(json!(k));
                    objects_of(sub, p, out);
                }
            }
            Value::Array(items) => {
                for (i, sub) in items.iter().enumerate() {
                    let mut p = path.clone();
                    p.push(json!(i));
                    objects_of(sub, p, out);
                }
            }
            _ => {}
        }
    }
    objects_of(&example, vec![], &mut objects);
    let mut checked = 0;
    for (path, key) in objects {
        // Free-form maps (statuspage components, broadcast channels by severity) take
        // any key; a broadcast severity the scale lacks is refused by validation.
        if path.last() == Some(&json!("components")) || path.last() == Some(&json!("broadcast")) {
            continue;
        }
        let typo = format!("{}x", &key[..key.len() - 1]);
        let mut broken = example.clone();
        let mut at = &mut broken;
        for seg in &path {
            at = match seg {
                Value::String(k) => &mut at[k.as_str()],
                Value::Number(i) => &mut at[i.as_u64().unwrap() as usize],
                _ => unreachable!(),
            };
        }
        let obj = at.as_object_mut().unwrap();
        let value = obj.remove(&key).unwrap();
        obj.insert(typo.clone(), value);
        let yaml = serde_yaml_ng::to_string(&broken).unwrap();
        let e = error_of(&yaml);
        let dotted: String = path
            .iter()
            .map(|s| match s {
                Value::String(k) => format!(".{k}"),
                other => format!("[{other}]"),
            })
            .collect::<String>()
            .trim_start_matches('.')
            .to_owned();
        assert_eq!(e.field, super::unknown::join(&dotted, &typo), "{e}");
        assert!(
            e.reason.contains(&format!("did you mean {key}?")),
            "{typo} at {dotted}: {e}"
        );
        checked += 1;
    }
    assert!(checked > 20, "only {checked} typos tried");
}

#[test]
fn the_issue_s_example_reads_as_promised() {
    let yaml = "severities:\n  - id: S1\n    label: Critical\n    description: d\n    critical: true\n    update_every_minute: 30\n";
    let e = error_of(yaml);
    assert_eq!(e.field, "severities[0].update_every_minute");
    assert!(
        e.reason
            .starts_with("unknown field; did you mean update_every_minutes?"),
        "{e}"
    );
    assert!(
        e.to_string().starts_with(
            "flare.yaml: severities[0].update_every_minute: unknown field; did you mean update_every_minutes?"
        ),
        "{e}"
    );
}
