//! Decoding a Web API request the way Slack accepts it: a query string and/or a body that
//! is `application/x-www-form-urlencoded` or `application/json`; form values that carry
//! JSON (`blocks`, `view`, …) are parsed. Also typed getters over the decoded arguments.

use serde_json::{Map, Value};

/// Form fields whose values Slack parses as JSON.
const JSON_FIELDS: &[&str] = &[
    "blocks",
    "attachments",
    "view",
    "metadata",
    "files",
    "document_content",
    "profile",
    "unfurls",
];

/// The decoded arguments of one call.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params(pub(crate) Map<String, Value>);

/// Why a request body could not be decoded (the Slack error code).
pub(crate) type DecodeError = &'static str;

impl Params {
    /// Decodes the query string and the body; body fields win over query fields.
    pub(crate) fn decode(
        query: Option<&str>,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Params, DecodeError> {
        let mut map = Map::new();
        if let Some(q) = query {
            add_form(&mut map, q.as_bytes());
        }
        let content_type = content_type.unwrap_or("").to_ascii_lowercase();
        let body_is_blank = body.iter().all(u8::is_ascii_whitespace);
        if content_type.contains("json") {
            if !body_is_blank {
                match serde_json::from_slice::<Value>(body) {
                    Ok(Value::Object(obj)) => map.extend(obj),
                    Ok(_) => return Err("json_not_object"),
                    Err(_) => return Err("invalid_json"),
                }
            }
        } else if content_type.contains("multipart") {
            return Err("invalid_form_data");
        } else if !body_is_blank {
            if std::str::from_utf8(body).is_err() {
                return Err("invalid_charset");
            }
            add_form(&mut map, body);
        }
        Ok(Params(map))
    }

    /// Builds params from a JSON object (in-process calls).
    pub(crate) fn from_value(value: Value) -> Result<Params, DecodeError> {
        match value {
            Value::Object(obj) => Ok(Params(obj)),
            Value::Null => Ok(Params::default()),
            _ => Err("json_not_object"),
        }
    }

    /// Removes and returns the `token` argument.
    pub(crate) fn take_token(&mut self) -> Option<String> {
        match self.0.remove("token") {
            Some(Value::String(s)) => Some(s),
            _ => None,
        }
    }

    /// The arguments as JSON (for the call record).
    pub(crate) fn to_value(&self) -> Value {
        Value::Object(self.0.clone())
    }

    /// A string argument (numbers and booleans are turned into text); `None` when
    /// absent, null or empty.
    pub(crate) fn str(&self, key: &str) -> Option<String> {
        let s = match self.0.get(key)? {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return None,
        };
        if s.is_empty() { None } else { Some(s) }
    }

    /// A boolean argument (`true`, `"true"`, `1`, `"1"`).
    pub(crate) fn bool(&self, key: &str) -> bool {
        match self.0.get(key) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s == "true" || s == "1",
            Some(Value::Number(n)) => n.as_i64() == Some(1),
            _ => false,
        }
    }

    /// An unsigned integer argument.
    pub(crate) fn u64(&self, key: &str) -> Option<u64> {
        match self.0.get(key)? {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A list argument: a JSON array of strings or a comma-separated string.
    pub(crate) fn list(&self, key: &str) -> Vec<String> {
        match self.0.get(key) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str())
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            Some(Value::String(s)) => s
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A JSON argument: the value itself, or a string holding JSON; `None` when absent,
    /// null, or a string that is not JSON.
    pub(crate) fn json(&self, key: &str) -> Option<Value> {
        match self.0.get(key)? {
            Value::Null => None,
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => serde_json::from_str(s).ok(),
            other => Some(other.clone()),
        }
    }

    /// Whether the argument is present at all.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.0.get(key).is_some_and(|v| !v.is_null())
    }
}

fn add_form(map: &mut Map<String, Value>, bytes: &[u8]) {
    for (key, value) in form_urlencoded::parse(bytes) {
        let key = key.into_owned();
        let value = value.into_owned();
        let parsed = if JSON_FIELDS.contains(&key.as_str()) {
            serde_json::from_str::<Value>(&value).unwrap_or(Value::String(value))
        } else {
            Value::String(value)
        };
        map.insert(key, parsed);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn form_bodies_parse_json_fields() {
        let body = b"channel=C1&text=a+b&blocks=%5B%7B%22type%22%3A%22divider%22%7D%5D";
        let p = Params::decode(None, Some("application/x-www-form-urlencoded"), body).unwrap();
        assert_eq!(p.str("text").as_deref(), Some("a b"));
        assert_eq!(p.json("blocks"), Some(json!([{"type": "divider"}])));
    }

    #[test]
    fn json_bodies_and_queries_merge() {
        let p = Params::decode(
            Some("channel=C1&limit=5"),
            Some("application/json; charset=utf-8"),
            br#"{"users":["U1","U2"],"is_private":true}"#,
        )
        .unwrap();
        assert_eq!(p.u64("limit"), Some(5));
        assert_eq!(p.list("users"), ["U1", "U2"]);
        assert!(p.bool("is_private"));
        assert_eq!(p.str("channel").as_deref(), Some("C1"));
    }

    #[test]
    fn malformed_bodies_are_errors_not_panics() {
        assert_eq!(
            Params::decode(None, Some("application/json"), b"{nope").unwrap_err(),
            "invalid_json"
        );
        assert_eq!(
            Params::decode(None, Some("application/json"), b"[1]").unwrap_err(),
            "json_not_object"
        );
        assert_eq!(
            Params::decode(None, None, &[0xff, 0xfe]).unwrap_err(),
            "invalid_charset"
        );
        let p = Params::decode(None, None, b"users=U1,%20U2,,").unwrap();
        assert_eq!(p.list("users"), ["U1", "U2"]);
    }
}
