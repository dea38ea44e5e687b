//! Incident durations as CloudWatch metrics: when an incident closes, one log line in
//! the embedded metric format (EMF), which CloudWatch turns into metrics by severity
//! without any API call (alarms and dashboards on time to detect, acknowledge,
//! mitigate and resolve).

use super::{Effect, EffectError};
use crate::domain::{Durations, Event, Incident, Recorded, Status};
use async_trait::async_trait;
use serde_json::{Map, Value, json};

pub const NAMESPACE: &str = "Flare";

/// The EMF line for a closed incident (`None` for any other event).
pub fn emf_line(incident: &Incident, rec: &Recorded) -> Option<String> {
    if !matches!(
        rec.event,
        Event::StatusChanged {
            to: Status::Closed,
            ..
        }
    ) {
        return None;
    }
    let d = Durations::of(incident);
    let mut metrics = Vec::new();
    let mut root = Map::new();
    for (name, value) in [
        ("TimeToDetect", d.to_detect),
        ("TimeToAcknowledge", d.to_acknowledge),
        ("TimeToMitigate", d.to_mitigate),
        ("TimeToResolve", d.to_resolve),
    ] {
        if let Some(v) = value {
            metrics.push(json!({ "Name": name, "Unit": "Seconds" }));
            root.insert(name.into(), json!(v.num_seconds()));
        }
    }
    metrics.push(json!({ "Name": "IncidentsClosed", "Unit": "Count" }));
    root.insert("IncidentsClosed".into(), json!(1));
    root.insert("Severity".into(), json!(incident.severity.as_str()));
    root.insert("incident_id".into(), json!(incident.id.as_str()));
    root.insert(
        "_aws".into(),
        json!({
            "Timestamp": rec.at.timestamp_millis(),
            "CloudWatchMetrics": [{ "Namespace": NAMESPACE, "Dimensions": [["Severity"]], "Metrics": metrics }],
        }),
    );
    Some(Value::Object(root).to_string())
}

/// Prints the EMF line to stdout, where Lambda's log capture picks it up, and files
/// each declared incident under its month for `/incident stats`.
pub struct MetricsEffect {
    pub months: std::sync::Arc<dyn crate::store::StatsStore>,
}

#[async_trait]
impl Effect for MetricsEffect {
    fn name(&self) -> &'static str {
        "metrics"
    }

    async fn run(&self, incident: &Incident, rec: &Recorded) -> Result<(), EffectError> {
        if matches!(rec.event, Event::Declared(_)) {
            let month = incident.declared_at.format("%Y-%m").to_string();
            self.months.add_to_month(&month, &incident.id).await?;
        }
        if let Some(line) = emf_line(incident, rec) {
            // Its own line, not inside a tracing record: EMF must be top-level JSON.
            println!("{line}");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;
    use chrono::{Duration, TimeZone, Utc};

    #[test]
    fn a_closed_incident_emits_its_durations_by_severity() {
        let t0 = Utc.with_ymd_and_hms(2024, 1, 22, 9, 0, 0).unwrap();
        let id = IncidentId::parse("20240122-calm-otter").unwrap();
        let actor = Actor::system("t");
        let rec = |version, at, event| Recorded {
            incident_id: id.clone(),
            version,
            at,
            actor: actor.clone(),
            command_id: "c".into(),
            event,
        };
        let declared = Event::Declared(Box::new(Declaration {
            title: "t".into(),
            severity: SeverityScale::default().parse("S1").unwrap(),
            impact: String::new(),
            description: String::new(),
            services: vec![],
            customer: None,
            triage: false,
            private: false,
            page_oncall: false,
            roles: Roles::default(),
            impact_started_at: Some(t0 - Duration::minutes(10)),
            source_message: None,
            files: Vec::new(),
        }));
        let mut inc = Incident::from_declared(&rec(1, t0, declared)).unwrap();
        let resolved = rec(
            2,
            t0 + Duration::minutes(50),
            Event::StatusChanged {
                from: Status::Investigating,
                to: Status::Resolved,
                summary: None,
            },
        );
        inc.apply(&resolved);
        assert_eq!(emf_line(&inc, &resolved), None, "only on close");
        let closed = rec(
            3,
            t0 + Duration::hours(2),
            Event::StatusChanged {
                from: Status::Resolved,
                to: Status::Closed,
                summary: None,
            },
        );
        inc.apply(&closed);
        let v: Value = serde_json::from_str(&emf_line(&inc, &closed).unwrap()).unwrap();
        assert_eq!(v["Severity"], "S1");
        assert_eq!(v["TimeToDetect"], 600);
        assert_eq!(v["TimeToResolve"], 3600);
        assert_eq!(v["_aws"]["CloudWatchMetrics"][0]["Namespace"], "Flare");
        assert_eq!(
            v["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0][0],
            "Severity"
        );
        let names: Vec<&str> = v["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect();
        for n in &names {
            assert!(
                v.get(*n).is_some(),
                "every declared metric has a value: {n}"
            );
        }
    }
}
