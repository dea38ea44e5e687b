//! The configuration: one YAML file that describes a team's incident process.
//! Parsed once into typed values; a broken file is reported as `file: field: why`.

mod model;
#[cfg(test)]
mod schema_tests;
pub mod triage;
mod unknown;
mod validate;

pub use model::*;

use crate::domain::SeverityScale;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {field}: {reason}")]
pub struct ConfigError {
    pub file: String,
    /// Dotted path to the field, e.g. `services[1].oncall`; `(file)` for the whole file.
    pub field: String,
    pub reason: String,
}

impl Config {
    /// Reads and checks a configuration file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: file.clone(),
            field: "(file)".into(),
            reason: format!("cannot read it: {e}"),
        })?;
        Self::parse(&file, &text)
    }

    /// Parses YAML text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Self, ConfigError> {
        let de = serde_yaml_ng::Deserializer::from_str(text);
        let mut track = serde_path_to_error::Track::new();
        let tracked = serde_path_to_error::Deserializer::new(de, &mut track);
        // Enums read as `pagerduty: {...}` maps, the way people write YAML by hand.
        let parsed: Result<RawConfig, _> =
            serde_yaml_ng::with::singleton_map_recursive::deserialize(tracked);
        let raw = parsed.map_err(|e| {
            let field = track.path().to_string();
            let reason = e.to_string();
            let reason = reason
                .strip_prefix(&format!("{field}: "))
                .unwrap_or(&reason)
                .to_owned();
            let field = if field == "." { String::new() } else { field };
            let (field, reason) = match unknown::explain(&reason) {
                // The tracker may already have stepped onto the unknown key.
                Some(u) if field == u.name || field.ends_with(&format!(".{}", u.name)) => {
                    (field, u.reason)
                }
                Some(u) => (unknown::join(&field, &u.name), u.reason),
                None => (field, reason),
            };
            ConfigError {
                file: file.into(),
                field: if field.is_empty() {
                    "(file)".into()
                } else {
                    field
                },
                reason,
            }
        })?;
        validate::check(file, raw)
    }

    pub fn severity_scale(&self) -> &SeverityScale {
        &self.severities
    }
}
