//! EIP-1271 signatures checked through a JSON-RPC node. The node here is an
//! in-test server answering `eth_call` like a wallet contract would; the
//! local-chain tests with deployed contracts are in `chain.rs`.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpResponse, HttpServer};
use serde_json::{json, Value};
use votehub::chain::Chains;
use votehub::ingest::rules::Limits;
use votehub::protocol::typed_data::Kind;

use super::helpers::*;

/// The wallet contract's address and the only signature bytes it approves.
const WALLET: &str = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const APPROVED: &str = "c0ffee";

/// How the fake wallet answers each `isValidSignature` form.
#[derive(Clone, Copy)]
enum Wallet {
    /// Implements `isValidSignature(bytes32,bytes)`.
    Current,
    /// Reverts on the current form, implements `isValidSignature(bytes,bytes)`.
    Legacy,
}

/// Starts a JSON-RPC server; returns its URL and the calls it received.
fn fake_node(wallet: Wallet) -> (String, Arc<Mutex<Vec<Value>>>) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let seen = calls.clone();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            HttpServer::new(move || {
                let seen = seen.clone();
                App::new().route(
                    "/",
                    web::post().to(move |request: web::Json<Value>| {
                        let seen = seen.clone();
                        async move {
                            seen.lock().unwrap().push(request.0.clone());
                            HttpResponse::Ok().json(answer(wallet, &request.0))
                        }
                    }),
                )
            })
            .workers(1)
            .listen(listener)
            .unwrap()
            .run()
            .await
        })
    });
    (url, calls)
}

fn answer(wallet: Wallet, request: &Value) -> Value {
    let call = &request["params"][0];
    let data = call["data"]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches("0x")
        .to_string();
    let is_wallet = call["to"]
        .as_str()
        .is_some_and(|to| to.eq_ignore_ascii_case(WALLET));
    let approved = data.contains(&format!("{:0<64}", APPROVED));
    let word = |magic: &str| json!({"jsonrpc": "2.0", "id": request["id"], "result": format!("0x{magic:0<64}")});
    let revert = json!({"jsonrpc": "2.0", "id": request["id"], "error": {"code": 3, "message": "execution reverted"}});
    match (wallet, &data[..8.min(data.len())]) {
        (Wallet::Current, "1626ba7e") if is_wallet && approved => word("1626ba7e"),
        (Wallet::Legacy, "20c13b0b") if is_wallet && approved => word("20c13b0b"),
        (Wallet::Legacy, "1626ba7e") => revert,
        _ => word("ffffffff"),
    }
}

fn app_with_node(url: Option<&str>) -> TestApp {
    let endpoints = url
        .map(|url| HashMap::from([("1".to_string(), url.to_string())]))
        .unwrap_or_default();
    let app = spawn_app_with_chains(0, Limits::default(), Chains::new(endpoints));
    app.ticket_space();
    app
}

/// A vote by the wallet contract, carrying `sig` instead of an ECDSA signature.
fn wallet_vote(app: &TestApp, sig: &str) -> Value {
    let proposal = app.open_proposal("single-choice", 2);
    let mut envelope = signed(
        1,
        Kind::Vote,
        json!({"space": SPACE, "proposal": proposal, "choice": 1, "from": WALLET}),
    );
    envelope["address"] = json!(WALLET);
    envelope["sig"] = json!(format!("0x{sig}"));
    envelope
}

#[test]
fn eip1271_wallet_signature_is_accepted() {
    let (url, calls) = fake_node(Wallet::Current);
    let app = app_with_node(Some(&url));
    let envelope = wallet_vote(&app, APPROVED);
    let (status, reply) = app.post(&envelope);
    assert_eq!(status, 200, "{reply}");
    let calls = calls.lock().unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["method"], "eth_call");
    // isValidSignature(bytes32 digest, bytes sig) on the wallet, at latest.
    let data = calls[0]["params"][0]["data"].as_str().unwrap();
    let id = reply["id"].as_str().unwrap();
    assert_eq!(&data[..10], "0x1626ba7e");
    assert_eq!(&data[10..74], &id[2..]);
    assert_eq!(calls[0]["params"][1], "latest");
    let (_, votes) = app.get(&format!(
        "/api/proposals/{}/votes",
        envelope["data"]["message"]["proposal"].as_str().unwrap()
    ));
    assert_eq!(votes[0]["voter"], WALLET);
}

#[test]
fn legacy_eip1271_wallet_is_asked_after_the_current_form_reverts() {
    let (url, calls) = fake_node(Wallet::Legacy);
    let app = app_with_node(Some(&url));
    let (status, reply) = app.post(&wallet_vote(&app, APPROVED));
    assert_eq!(status, 200, "{reply}");
    let calls = calls.lock().unwrap();
    let selectors: Vec<&str> = calls
        .iter()
        .map(|c| &c["params"][0]["data"].as_str().unwrap()[..10])
        .collect();
    assert_eq!(selectors, vec!["0x1626ba7e", "0x20c13b0b"]);
}

#[test]
fn a_wallet_that_does_not_approve_is_refused() {
    let (url, _) = fake_node(Wallet::Current);
    let app = app_with_node(Some(&url));
    assert_rejected(
        app.post(&wallet_vote(&app, "badbad")),
        400,
        "signature validation failed",
    );
}

#[test]
fn an_unreachable_node_or_no_node_refuses() {
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let app = app_with_node(Some(&format!("http://{closed}")));
    assert_rejected(
        app.post(&wallet_vote(&app, APPROVED)),
        400,
        "signature validation failed",
    );
    let app = app_with_node(None);
    assert_rejected(
        app.post(&wallet_vote(&app, APPROVED)),
        400,
        "signature validation failed",
    );
}

#[test]
fn eip6492_signatures_go_to_the_deployless_validator_only() {
    let (url, calls) = fake_node(Wallet::Current);
    let app = app_with_node(Some(&url));
    let sig = format!("{APPROVED}{}", "6492".repeat(16));
    // The fake node does not run the validator, so its answer is not 0x01.
    assert_rejected(
        app.post(&wallet_vote(&app, &sig)),
        400,
        "signature validation failed",
    );
    // One eth_call without `to` (the validator's creation code and its
    // arguments), and no EIP-1271 call after it (tests/it/chain.rs runs it).
    let calls = calls.lock().unwrap();
    assert_eq!(calls.len(), 1);
    let call = &calls[0]["params"][0];
    assert!(call.get("to").is_none());
    let data = call["data"].as_str().unwrap();
    assert!(data.starts_with("0x6080604052"));
    assert!(data.contains(&sig));
}

/// The court's kinds take contract-wallet signatures like votes: a
/// wallet volunteers and files a claim, the node asked with the message id
/// under votehub's own domain.
#[test]
fn a_wallet_signs_the_courts_kinds() {
    let (url, calls) = fake_node(Wallet::Current);
    let app = app_with_node(Some(&url));
    let as_wallet = |kind: Kind, message: Value| {
        let mut message = message;
        message["from"] = json!(WALLET);
        let mut envelope = signed(1, kind, message);
        envelope["address"] = json!(WALLET);
        envelope["sig"] = json!(format!("0x{APPROVED}"));
        envelope
    };
    let volunteer = as_wallet(Kind::Volunteer, json!({"space": SPACE}));
    assert_eq!(volunteer["data"]["domain"]["name"], "votehub");
    let (status, reply) = app.post(&volunteer);
    assert_eq!(status, 200, "{reply}");
    let data = calls.lock().unwrap()[0]["params"][0]["data"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        &data[10..74],
        &reply["id"].as_str().unwrap()[2..],
        "the digest under votehub's domain"
    );
    let claim = as_wallet(
        Kind::Claim,
        json!({"space": SPACE, "respondent": address(2), "outcome": "Refund", "grounds": "Late",
            "evidence": [], "statement": ""}),
    );
    let (status, reply) = app.post(&claim);
    assert_eq!(status, 200, "{reply}");
    let (_, court) = app.get(&format!("/api/court/{SPACE}"));
    assert_eq!(court["pool"][0]["address"], WALLET);
    assert_eq!(court["cases"][0]["claimant"], WALLET);
    // A signature the wallet does not approve is refused.
    let mut refused = as_wallet(Kind::Withdraw, json!({"space": SPACE}));
    refused["sig"] = json!("0xbad0");
    assert_rejected(app.post(&refused), 400, "signature validation failed");
}
