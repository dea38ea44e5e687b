//! The `/sim/*` inspection and control routes: state snapshot, recorded calls, fault
//! injection, and the file-upload target.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::model::{Call, Fault, SimState};
use crate::simulator::Simulator;

/// `GET /sim/state`.
pub(crate) async fn state(State(sim): State<Simulator>) -> Json<SimState> {
    Json(sim.state())
}

/// `GET /sim/calls`.
pub(crate) async fn calls(State(sim): State<Simulator>) -> Json<Vec<Call>> {
    Json(sim.calls())
}

/// `DELETE /sim/calls`.
pub(crate) async fn clear_calls(State(sim): State<Simulator>) -> StatusCode {
    sim.clear_calls();
    StatusCode::NO_CONTENT
}

/// `GET /sim/faults`: faults not yet used up.
pub(crate) async fn faults(State(sim): State<Simulator>) -> Json<Vec<Fault>> {
    Json(sim.faults())
}

/// `POST /sim/faults` with one fault object (or a list of them); an object with a
/// `rate` is a rate fault ([`crate::Flaky`]).
pub(crate) async fn add_fault(
    State(sim): State<Simulator>,
    body: Bytes,
) -> (StatusCode, Json<Value>) {
    if let Ok(flaky) = serde_json::from_slice::<crate::Flaky>(&body) {
        if flaky.method.is_empty() || !(0.0..=1.0).contains(&flaky.rate) {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"ok": false, "error": "invalid_arguments"})),
            );
        }
        sim.inject_flaky(flaky);
        return (
            StatusCode::OK,
            Json(json!({"ok": true, "flaky": sim.flaky()})),
        );
    }
    let faults: Vec<Fault> = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Array(items)) => items
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect(),
        Ok(v) => serde_json::from_value::<Fault>(v).into_iter().collect(),
        Err(_) => Vec::new(),
    };
    if faults.is_empty()
        || faults
            .iter()
            .any(|f| f.method.is_empty() || f.error.is_empty())
    {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"ok": false, "error": "invalid_arguments"})),
        );
    }
    for fault in faults {
        sim.inject_fault(fault);
    }
    (
        StatusCode::OK,
        Json(json!({"ok": true, "faults": sim.faults()})),
    )
}

/// `DELETE /sim/faults`.
pub(crate) async fn clear_faults(State(sim): State<Simulator>) -> StatusCode {
    sim.clear_faults();
    StatusCode::NO_CONTENT
}

/// `POST /sim/upload/<file id>`: the upload URL `files.getUploadURLExternal` hands out.
pub(crate) async fn upload(
    State(sim): State<Simulator>,
    Path(id): Path<String>,
    body: Bytes,
) -> (StatusCode, String) {
    let found = sim.with_state(|s| {
        s.files.iter_mut().find(|f| f.id == id).map(|f| {
            f.content = String::from_utf8_lossy(&body).into_owned();
        })
    });
    match found {
        Some(()) => (StatusCode::OK, format!("OK - {}", body.len())),
        None => (StatusCode::NOT_FOUND, "file_not_found".to_string()),
    }
}
