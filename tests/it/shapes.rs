//! Every reply of every route in its protocol's error shape: Snapshot's
//! `{error, error_description}` for the hub's routes (extractor failures and
//! unknown routes included), the score API's JSON-RPC error echoing the
//! request's id.

use serde_json::{json, Value};

use super::helpers::{address, spawn_app};

fn post_bytes(url: &str, body: &str) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .post(url)
        .header("Content-Type", "application/json")
        .send(body)
        .unwrap();
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[test]
fn extractor_failures_and_unknown_routes_answer_in_snapshots_shape() {
    let app = spawn_app();
    for (path, status, starts) in [
        (
            "/api/proposals/0x01/votes?first=abc",
            400,
            "invalid query string",
        ),
        (
            "/api/spaces/x/proposals?skip=-",
            400,
            "invalid query string",
        ),
        ("/no/such/route", 404, "route not found"),
    ] {
        let (got, content_type, body) = app.get_bytes(path);
        assert_eq!(got, status, "{path}");
        assert!(
            content_type.starts_with("application/json"),
            "{path}: {content_type}"
        );
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"], "client_error", "{path}");
        assert!(
            body["error_description"]
                .as_str()
                .unwrap()
                .starts_with(starts),
            "{path}: {body}"
        );
    }
}

#[test]
fn the_score_api_answers_json_rpc_errors_with_the_request_id() {
    let app = spawn_app();
    let scores = format!("{}/api/scores", app.url);
    let (status, reply) = post_bytes(&scores, "not json");
    assert_eq!(status, 400);
    assert_eq!(reply["jsonrpc"], "2.0");
    assert_eq!(reply["error"]["code"], 400);
    assert_eq!(reply["id"], Value::Null);

    let (status, reply) = post_bytes(&scores, &json!({"id": 5, "params": 3}).to_string());
    assert_eq!((status, reply["id"].clone()), (400, json!(5)), "{reply}");
    assert_eq!(reply["error"]["data"], "invalid params");

    let ok = json!({"id": "abc", "params": {"snapshot": 100, "addresses": [address(1)],
        "strategies": [{"name": "ticket", "params": {}}]}});
    let (status, reply) = post_bytes(&scores, &ok.to_string());
    assert_eq!(
        (status, reply["id"].clone()),
        (200, json!("abc")),
        "{reply}"
    );

    // A strategy's parameters that it refuses are the caller's mistake.
    let get_vp = json!({"jsonrpc": "2.0", "method": "get_vp", "id": 9, "params": {
        "address": address(1), "network": "1", "snapshot": 100, "space": "",
        "strategies": [{"name": "math", "params": {"operation": "no-such-op", "operands": [], "symbol": "M"}}]}});
    let (status, reply) = app.post(&get_vp);
    assert_eq!(status, 400, "{reply}");
    assert_eq!(reply["id"], 9);
    assert!(
        reply["error"]["data"]
            .as_str()
            .unwrap()
            .contains("invalid params"),
        "{reply}"
    );
}
