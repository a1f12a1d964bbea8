//! Results over HTTP and the CLI, and the score API Snapshot tools call.

use serde_json::{json, Value};
use votehub::protocol::typed_data::Kind;

use super::helpers::*;

fn scores(app: &TestApp, proposal: &str) -> Value {
    let (status, body) = app.get(&format!("/api/proposals/{proposal}/scores"));
    assert_eq!(status, 200, "{body}");
    body
}

#[test]
fn scores_follow_votes_and_revotes_while_pending() {
    let app = spawn_app();
    app.ticket_space();
    let proposal = app.open_proposal("single-choice", 3);
    let t = now();
    app.accept(
        1,
        Kind::Vote,
        json!({"space": SPACE, "proposal": proposal, "choice": 1, "timestamp": t - 5}),
    );
    app.accept(
        2,
        Kind::Vote,
        json!({"space": SPACE, "proposal": proposal, "choice": 1}),
    );
    let first = scores(&app, &proposal);
    assert_eq!(first["scores"], json!([2.0, 0.0, 0.0]));
    assert_eq!(first["scores_by_strategy"], json!([[2.0], [0.0], [0.0]]));
    assert_eq!(first["scores_total"], 2.0);
    assert_eq!(first["scores_state"], "pending");
    assert_eq!(first["votes"], 2);
    app.accept(
        1,
        Kind::Vote,
        json!({"space": SPACE, "proposal": proposal, "choice": 3, "timestamp": t}),
    );
    let second = scores(&app, &proposal);
    assert_eq!(second["scores"], json!([1.0, 0.0, 1.0]));
    assert_eq!(second["votes"], 2);
    assert_eq!(app.get("/api/proposals/0x00/scores").0, 404);
}

#[test]
fn a_closed_proposal_has_a_final_frozen_result_and_a_quorum_outcome() {
    let app = spawn_app();
    let mut settings = ticket_settings();
    settings["voting"] = json!({"quorum": 2, "hideAbstain": true});
    app.create_space(SPACE, settings);
    let mut message = proposal_message(
        SPACE,
        "basic",
        &["For".into(), "Against".into(), "Abstain".into()],
    );
    message["end"] = json!(now() + 2);
    let proposal = app.accept(0, Kind::Proposal, message);
    app.accept(
        1,
        Kind::Vote,
        json!({"space": SPACE, "proposal": proposal, "choice": 1}),
    );
    app.accept(
        2,
        Kind::Vote,
        json!({"space": SPACE, "proposal": proposal, "choice": 3}),
    );
    let pending = scores(&app, &proposal);
    assert_eq!(pending["scores_state"], "pending");
    assert_eq!(pending["quorum"], 2.0);
    assert_eq!(
        pending["quorum_votes"], 1.0,
        "abstain is hidden from the quorum"
    );
    assert_eq!(pending["outcome"], "failed");
    std::thread::sleep(std::time::Duration::from_millis(3100));
    let (_, final_bytes, body) = app.get_bytes(&format!("/api/proposals/{proposal}/scores"));
    let closed: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(final_bytes, "application/json");
    assert_eq!(closed["scores_state"], "final");
    assert_eq!(closed["scores"], json!([1.0, 0.0, 1.0]));
    // Frozen: read again, byte for byte.
    assert_eq!(
        app.get_bytes(&format!("/api/proposals/{proposal}/scores"))
            .2,
        body
    );
    assert_eq!(
        app.get(&format!("/api/proposals/{proposal}")).1["scores_state"],
        "final"
    );
    // The CLI prints the same canonical JSON.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_votehub"))
        .arg("--data")
        .arg(app.store.path().parent().unwrap())
        .args(["tally", &proposal, "--json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8(output.stdout)
            .unwrap()
            .trim_end()
            .as_bytes(),
        &body[..]
    );
    let table = std::process::Command::new(env!("CARGO_BIN_EXE_votehub"))
        .arg("--data")
        .arg(app.store.path().parent().unwrap())
        .args(["tally", &proposal])
        .output()
        .unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(
        table.contains("For") && table.contains("final") && table.contains("failed"),
        "{table}"
    );
}

fn token_space(app: &TestApp) -> String {
    let token = "0x799ebfABE77a6E34311eeEe9825190B9ECe32824";
    let csv = format!(
        "address,balance\n{},1500000000000000000\n{},2000000000000000000\n",
        address(1),
        address(2)
    );
    let token_address = votehub::protocol::signature::Address::parse_any(token).unwrap();
    app.db(|db| {
        votehub::power::import_snapshot(db, "1", token_address, 100, csv.as_bytes(), now()).unwrap()
    });
    token.to_string()
}

#[test]
fn score_api_answers_like_snapshots() {
    let app = spawn_app();
    let token = token_space(&app);
    let body = json!({"params": {"space": "", "network": "1", "snapshot": 100, "addresses": [address(1), address(2), address(3)],
        "strategies": [{"name": "erc20-balance-of", "params": {"address": token, "decimals": 18}}, {"name": "ticket", "params": {}}]}});
    let (status, reply) = app.post_to("/api/scores", &body);
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["jsonrpc"], "2.0");
    assert_eq!(reply["result"]["state"], "final");
    assert_eq!(
        reply["result"]["scores"][0],
        json!({address(1): 1.5, address(2): 2.0})
    );
    assert_eq!(
        reply["result"]["scores"][1],
        json!({address(1): 1.0, address(2): 1.0, address(3): 1.0})
    );

    let error = |body: Value| app.post_to("/api/scores", &body);
    let too_many: Vec<Value> = (0..11)
        .map(|i| json!({"name": "ticket", "params": {"value": i}}))
        .collect();
    let (status, reply) =
        error(json!({"params": {"snapshot": 100, "addresses": [], "strategies": too_many}}));
    assert_eq!(
        (status, reply["error"]["data"].clone()),
        (400, json!("invalid strategies length"))
    );
    assert_eq!(reply["error"]["code"], 400);
    let (status, reply) = error(
        json!({"params": {"snapshot": 100, "strategies": [{"name": "nope"}, {"name": "nada"}]}}),
    );
    assert_eq!(
        (status, reply["error"]["data"].clone()),
        (400, json!("invalid strategies: nope, nada"))
    );
    let (status, reply) = error(json!({"params": {"snapshot": 100, "strategies": []}}));
    assert_eq!(
        (status, reply["error"]["data"].clone()),
        (500, json!("something wrong with the strategies"))
    );
    let (status, reply) = error(
        json!({"params": {"snapshot": 100, "addresses": ["0x12"], "strategies": [{"name": "ticket"}]}}),
    );
    assert_eq!(
        (status, reply["error"]["data"].clone()),
        (400, json!("invalid address"))
    );
    let (status, reply) = error(
        json!({"params": {"snapshot": 101, "addresses": [address(1)],
        "strategies": [{"name": "erc20-balance-of", "params": {"address": token, "decimals": 18}}]}}),
    );
    assert_eq!(status, 500);
    assert!(
        reply["error"]["data"]
            .as_str()
            .unwrap()
            .contains("votehub snapshot import"),
        "{reply}"
    );
}

#[test]
fn get_vp_json_rpc_on_the_root() {
    let app = spawn_app();
    let token = token_space(&app);
    let request = json!({"jsonrpc": "2.0", "method": "get_vp", "id": 7, "params": {
        "address": address(1), "network": "1", "snapshot": 100, "space": "",
        "strategies": [{"name": "erc20-balance-of", "params": {"address": token, "decimals": 18}}, {"name": "ticket", "params": {"value": 2}}]}});
    let (status, reply) = app.post(&request);
    assert_eq!(status, 200, "{reply}");
    assert_eq!(
        reply,
        json!({"jsonrpc": "2.0", "result": {"vp": 3.5, "vp_by_strategy": [1.5, 2.0], "vp_state": "final"}, "id": 7})
    );
    let mut unknown = request.clone();
    unknown["method"] = json!("nope");
    assert_eq!(app.post(&unknown).1["error"]["data"], "method not found");
}

/// Above `LARGE_PROPOSAL` votes a pending result is recounted at most every
/// `RECOUNT_INTERVAL` seconds, so reads under load do not recount a huge
/// proposal each time; a small one is always exact.
#[test]
fn a_large_proposals_pending_result_is_recounted_at_most_every_interval() {
    use votehub::results::{current, LARGE_PROPOSAL, RECOUNT_INTERVAL};
    use votehub::store::VoteRow;
    let app = spawn_app();
    app.ticket_space();
    let proposal = app.open_proposal("single-choice", 2);
    let vote = |n: i64, choice: u64| VoteRow {
        id: format!("0x{n:064x}"),
        ipfs: format!("bafk{n}"),
        voter: format!("0x{n:040x}"),
        created: now(),
        space: super::helpers::SPACE.to_string(),
        proposal: proposal.clone(),
        choice: json!(choice),
        reason: String::new(),
        app: String::new(),
        metadata: json!({}),
        vp: 1.0,
        vp_by_strategy: vec![1.0],
        vp_state: "final".into(),
    };
    let total = |json: &str| -> f64 {
        serde_json::from_str::<Value>(json).unwrap()["scores_total"]
            .as_f64()
            .unwrap()
    };
    let write = |rows: Vec<VoteRow>| {
        app.store
            .write_once(|db| {
                for row in &rows {
                    db.put_vote(row, false)?;
                }
                Ok::<_, votehub::store::StoreError>(())
            })
            .unwrap()
    };
    write((0..=LARGE_PROPOSAL).map(|n| vote(n, 1)).collect());
    let count = |at: i64| {
        app.block_on(current(&app.store, None, &proposal, at, 60))
            .unwrap()
            .unwrap()
    };
    let t = now();
    let first = count(t);
    assert_eq!(total(&first.json), (LARGE_PROPOSAL + 1) as f64);
    // Store it as the server would.
    app.store
        .write_once(|db| {
            db.put_result(&proposal, &first, t)?;
            Ok::<_, votehub::store::StoreError>(())
        })
        .unwrap();
    write(vec![vote(LARGE_PROPOSAL + 1, 2)]);
    // Within the interval the stored result is served…
    assert_eq!(
        total(&count(t + RECOUNT_INTERVAL - 1).json),
        (LARGE_PROPOSAL + 1) as f64
    );
    // …after it, the new vote is counted.
    assert_eq!(
        total(&count(t + RECOUNT_INTERVAL).json),
        (LARGE_PROPOSAL + 2) as f64
    );
}
