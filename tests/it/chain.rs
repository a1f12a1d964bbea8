//! Voting power and contract-wallet signatures on a real local chain: anvil
//! (Foundry's dev node, from npm; `bash .ci/run` installs it) started per
//! test, with the contracts of `fixtures/contracts/` deployed from its
//! unlocked dev accounts. A fake node covers batching, retries and the cache.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse, HttpServer};
use ethers_core::abi::{encode, Token};
use ethers_core::types::{H160, U256};
use serde_json::{json, Value};
use votehub::chain::Chains;
use votehub::ingest::rules::Limits;
use votehub::protocol::signature::Address;
use votehub::protocol::typed_data::Kind;
use votehub_strategies::VotesMethod;

use super::helpers::*;

/// anvil's chain id, and the space network the tests configure for it.
const NETWORK: &str = "31337";
/// 100 tokens of 18 decimals.
const HUNDRED: u128 = 100_000_000_000_000_000_000;
const SUFFIX_6492: &str = "6492649264926492649264926492649264926492649264926492649264926492";

/// The anvil binary: `VOTEHUB_ANVIL`, else the npm package in `.ci/node` (where
/// `.ci/run` installs it) or the repository root. When it is missing, the first
/// test to ask installs it from the npm registry into `.ci/node`, once, so
/// `cargo test` alone runs the whole suite on a fresh machine.
fn anvil_binary() -> PathBuf {
    static BINARY: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    let found = BINARY.get_or_init(|| {
        if let Some(path) = std::env::var_os("VOTEHUB_ANVIL") {
            return Ok(PathBuf::from(path));
        }
        if let Some(binary) = installed_anvil() {
            return Ok(binary);
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let status = std::process::Command::new("npm")
            .args([
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
            ])
            .arg(root.join(".ci/node"))
            .arg("@foundry-rs/anvil@1.7.1")
            .status();
        match status {
            Ok(status) if status.success() => {
                installed_anvil().ok_or_else(|| "npm installed no anvil binary".into())
            }
            Ok(status) => Err(format!("npm install exited with {status}")),
            Err(err) => Err(format!("cannot run npm: {err}")),
        }
    });
    match found {
        Ok(binary) => binary.clone(),
        Err(reason) => panic!(
            "anvil is not installed ({reason}): run `bash .ci/run`, or \
             `npm install --no-save --prefix .ci/node @foundry-rs/anvil@1.7.1` in {} \
             (or set VOTEHUB_ANVIL to an anvil binary)",
            env!("CARGO_MANIFEST_DIR")
        ),
    }
}

/// The anvil binary inside an installed `@foundry-rs/anvil` package, if any.
fn installed_anvil() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        root.join(".ci/node/node_modules/@foundry-rs"),
        root.join("node_modules/@foundry-rs"),
    ]
    .iter()
    .filter_map(|modules| std::fs::read_dir(modules).ok())
    .flat_map(|entries| entries.flatten())
    .filter(|entry| entry.file_name().to_string_lossy().starts_with("anvil-"))
    .map(|entry| entry.path().join("bin/anvil"))
    .find(|binary| binary.is_file())
}

/// A running anvil, killed when dropped.
struct Anvil {
    child: Child,
    url: String,
    agent: ureq::Agent,
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Anvil {
    /// anvil on a free loopback port; dev accounts 0 and 1 (dev keys 0 and 1)
    /// hold 10,000 ETH, every other address starts empty and can still send
    /// transactions (auto-impersonation).
    fn start() -> Anvil {
        let binary = anvil_binary();
        let mut child = Command::new(&binary)
            .args(["--host", "127.0.0.1", "--port", "0", "--accounts", "2"])
            .arg("--auto-impersonate")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {}: {err}", binary.display()));
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, receiver) = mpsc::channel();
        // Reads the port, then drains the log so anvil never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(address) = line.strip_prefix("Listening on ") {
                    let _ = sender.send(address.trim().to_string());
                }
            }
        });
        let address = match receiver.recv_timeout(Duration::from_secs(30)) {
            Ok(address) => address,
            Err(_) => {
                let _ = child.kill();
                panic!("anvil did not start listening within 30 s");
            }
        };
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .http_status_as_error(false)
            .build()
            .into();
        let anvil = Anvil {
            child,
            url: format!("http://{address}"),
            agent,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while anvil.try_rpc("eth_chainId", json!([])).is_err() {
            assert!(
                Instant::now() < deadline,
                "anvil did not answer within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(anvil.rpc("eth_chainId", json!([])), "0x7a69");
        anvil
    }

    fn chains(&self) -> Chains {
        Chains::new(HashMap::from([(NETWORK.to_string(), self.url.clone())]))
    }

    fn try_rpc(&self, method: &str, params: Value) -> Result<Value, String> {
        let request = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let mut response = self
            .agent
            .post(&self.url)
            .send_json(&request)
            .map_err(|err| err.to_string())?;
        let reply: Value = response
            .body_mut()
            .read_json()
            .map_err(|err| err.to_string())?;
        match reply.get("result") {
            Some(result) => Ok(result.clone()),
            None => Err(format!("{method}: {reply}")),
        }
    }

    fn rpc(&self, method: &str, params: Value) -> Value {
        self.try_rpc(method, params).unwrap()
    }

    fn block_number(&self) -> u64 {
        quantity(&self.rpc("eth_blockNumber", json!([]))).as_u64()
    }

    /// Sends a transaction (mined at once into its own block); returns the receipt.
    fn send(&self, from: &str, to: Option<&str>, data: Vec<u8>, value: U256) -> Value {
        let mut tx = json!({"from": from, "data": hex0x(&data), "value": format!("{value:#x}")});
        if let Some(to) = to {
            tx["to"] = json!(to);
        }
        let hash = self.rpc("eth_sendTransaction", json!([tx]));
        // Automining is quick but not synchronous with the reply.
        let deadline = Instant::now() + Duration::from_secs(10);
        let receipt = loop {
            let receipt = self.rpc("eth_getTransactionReceipt", json!([hash]));
            if !receipt.is_null() {
                break receipt;
            }
            assert!(
                Instant::now() < deadline,
                "{hash} was not mined within 10 s"
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        assert_eq!(receipt["status"], "0x1", "transaction failed: {receipt}");
        receipt
    }

    /// Calls `signature` on `to` from `from`.
    fn transact(&self, from: &str, to: &str, signature: &str, arguments: &[Token]) {
        self.send(from, Some(to), calldata(signature, arguments), U256::zero());
    }

    /// Deploys a contract of `fixtures/contracts/build/`; returns its address.
    fn deploy(&self, from: &str, contract: &str, arguments: &[Token]) -> String {
        let mut data = bytecode(contract);
        data.extend(encode(arguments));
        let receipt = self.send(from, None, data, U256::zero());
        receipt["contractAddress"].as_str().unwrap().to_string()
    }

    fn call(&self, to: &str, data: Vec<u8>, tag: &str) -> Vec<u8> {
        let result = self.rpc("eth_call", json!([{"to": to, "data": hex0x(&data)}, tag]));
        hex::decode(result.as_str().unwrap().trim_start_matches("0x")).unwrap()
    }

    fn eth_balance(&self, address: &str, block: u64) -> U256 {
        quantity(&self.rpc("eth_getBalance", json!([address, format!("{block:#x}")])))
    }

    fn code(&self, address: &str) -> String {
        self.rpc("eth_getCode", json!([address, "latest"]))
            .as_str()
            .unwrap()
            .to_string()
    }
}

fn bytecode(contract: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/contracts/build")
        .join(format!("{contract}.json"));
    let artifact: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    hex::decode(&artifact["bytecode"].as_str().unwrap()[2..]).unwrap()
}

fn calldata(signature: &str, arguments: &[Token]) -> Vec<u8> {
    let mut data = ethers_core::utils::id(signature).to_vec();
    data.extend(encode(arguments));
    data
}

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn quantity(value: &Value) -> U256 {
    U256::from_str_radix(value.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

fn token_address(address: &str) -> Token {
    Token::Address(H160(*Address::parse_any(address).unwrap().as_bytes()))
}

/// A space on anvil's network weighing votes by these strategies.
fn chain_space(app: &TestApp, strategies: Value) {
    app.create_space(
        SPACE,
        json!({
            "name": "Chain space",
            "network": NETWORK,
            "symbol": "VHT",
            "strategies": strategies,
            "admins": [address(0)],
            "members": [],
        }),
    );
}

/// An open single-choice proposal with this snapshot block.
fn proposal_at(app: &TestApp, snapshot: u64) -> String {
    let mut message = proposal_message(SPACE, "single-choice", &["Yes".into(), "No".into()]);
    message["snapshot"] = json!(snapshot);
    app.accept(0, Kind::Proposal, message)
}

/// The token history: A (dev key 1) holds and delegates 100 tokens up to
/// block `N`; after it, A sends the tokens and most of its ETH to B (dev key
/// 2, empty until then), who delegates to itself.
struct History {
    anvil: Anvil,
    token: String,
    snapshot: u64,
}

fn token_history() -> History {
    let anvil = Anvil::start();
    let (owner, a, b) = (address(0), address(1), address(2));
    let token = anvil.deploy(&owner, "VotesToken", &[]);
    let hundred = Token::Uint(U256::from(HUNDRED));
    anvil.transact(
        &owner,
        &token,
        "mint(address,uint256)",
        &[token_address(&a), hundred.clone()],
    );
    anvil.transact(&a, &token, "delegate(address)", &[token_address(&a)]);
    let snapshot = anvil.block_number();
    anvil.rpc("evm_mine", json!([]));
    anvil.transact(
        &a,
        &token,
        "transfer(address,uint256)",
        &[token_address(&b), hundred],
    );
    let ether = U256::exp10(18);
    anvil.send(&a, Some(&b), vec![], ether * 9_000);
    anvil.transact(&b, &token, "delegate(address)", &[token_address(&b)]);
    anvil.rpc("evm_mine", json!([]));
    assert!(anvil.block_number() >= snapshot + 5);
    History {
        anvil,
        token,
        snapshot,
    }
}

/// Every token strategy, then `eth-balance`.
fn token_strategies(token: &str) -> Value {
    json!([
        {"name": "erc20-balance-of", "params": {"address": token, "decimals": 18, "symbol": "VHT"}},
        {"name": "erc20-votes", "params": {"address": token}},
        {"name": "comp-like-votes", "params": {"address": token}},
        {"name": "comp-like-votes", "params": {"address": token, "method": "getPriorVotes"}},
        {"name": "eth-balance", "params": {}},
    ])
}

fn ether(wei: U256) -> f64 {
    votehub_strategies::units::to_real(wei, 18)
}

#[test]
fn votes_are_weighed_at_the_snapshot_block_not_the_latest() {
    let history = token_history();
    let anvil = &history.anvil;
    let app = spawn_app_with_chains(0, Limits::default(), anvil.chains());
    chain_space(&app, token_strategies(&history.token));
    let proposal = proposal_at(&app, history.snapshot);
    let a_eth = ether(anvil.eth_balance(&address(1), history.snapshot));
    assert!(a_eth > 9_999.0, "A's ETH at the snapshot: {a_eth}");
    assert!(ether(anvil.eth_balance(&address(1), anvil.block_number())) < 1_001.0);

    let vote = json!({"space": SPACE, "proposal": proposal, "choice": 1});
    app.accept(1, Kind::Vote, vote.clone());
    let (_, votes) = app.get(&format!("/api/proposals/{proposal}/votes"));
    assert_eq!(votes[0]["voter"], address(1));
    assert_eq!(
        votes[0]["vp_by_strategy"],
        json!([100.0, 100.0, 100.0, 100.0, a_eth]),
        "{votes}"
    );
    // B holds everything now, but nothing at the snapshot block.
    assert_rejected(app.send(2, Kind::Vote, vote), 400, "no voting power");
    // The web app's new-proposal form defaults to the node's latest block.
    let (status, _, form) = app.get_bytes(&format!("/s/{SPACE}/new"));
    assert_eq!(status, 200);
    let latest = format!(
        r#"id="p-snapshot" name="snapshot" type="number" min="0" step="1" required value="{}""#,
        anvil.block_number()
    );
    assert!(String::from_utf8_lossy(&form).contains(&latest), "{latest}");
}

#[test]
fn the_score_api_reads_the_snapshot_block() {
    let history = token_history();
    let anvil = &history.anvil;
    let app = spawn_app_with_chains(0, Limits::default(), anvil.chains());
    let scores = |block: u64| {
        let (status, reply) = app.post_to(
            "/api/scores",
            &json!({"params": {
                "network": NETWORK,
                "snapshot": block,
                "strategies": token_strategies(&history.token),
                "addresses": [address(1), address(2)],
            }}),
        );
        assert_eq!(status, 200, "{reply}");
        reply["result"]["scores"].clone()
    };
    let (a, b) = (address(1), address(2));
    let at = history.snapshot;
    let a_eth = ether(anvil.eth_balance(&a, at));
    assert_eq!(
        scores(at),
        json!([{&a: 100.0}, {&a: 100.0}, {&a: 100.0}, {&a: 100.0}, {&a: a_eth}])
    );
    // The latest block tells another story: the tokens and most ETH moved to B.
    let latest = anvil.block_number() - 1;
    let (a_now, b_now) = (
        ether(anvil.eth_balance(&a, latest)),
        ether(anvil.eth_balance(&b, latest)),
    );
    assert_eq!(
        scores(latest),
        json!([{&b: 100.0}, {&b: 100.0}, {&b: 100.0}, {&b: 100.0}, {&a: a_now, &b: b_now}])
    );
    let (status, reply) = app.post(&json!({
        "jsonrpc": "2.0", "id": 7, "method": "get_vp",
        "params": {"address": a, "network": NETWORK, "snapshot": at,
                   "strategies": token_strategies(&history.token), "space": SPACE},
    }));
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["result"]["vp"], json!(400.0 + a_eth));
}

#[test]
fn every_votes_method_reads_the_snapshot_block() {
    let history = token_history();
    let anvil = &history.anvil;
    let chains = anvil.chains();
    let token = Address::parse_any(&history.token).unwrap();
    let holders = [
        Address::parse_any(&address(1)).unwrap(),
        Address::parse_any(&address(2)).unwrap(),
    ];
    let hundred = U256::from(HUNDRED);
    let latest = anvil.block_number() - 1;
    for method in VotesMethod::ALL {
        let votes = |block| {
            chains
                .token_votes(NETWORK, token, block, method, &holders)
                .unwrap_or_else(|err| panic!("{}: {err}", method.name()))
        };
        assert_eq!(
            votes(history.snapshot),
            [hundred, U256::zero()],
            "{method:?}"
        );
        assert_eq!(votes(latest), [U256::zero(), hundred], "{method:?}");
    }
    assert_eq!(
        chains
            .erc20_balances(NETWORK, token, history.snapshot, &holders)
            .unwrap(),
        [hundred, U256::zero()]
    );
    assert_eq!(
        chains
            .eth_balances(NETWORK, history.snapshot, &holders)
            .unwrap(),
        [
            anvil.eth_balance(&address(1), history.snapshot),
            U256::zero()
        ]
    );
    // The past/prior forms revert for a block that is not mined yet: an error
    // that names the call, never a zero.
    let future = anvil.block_number() + 10;
    let err = chains
        .token_votes(NETWORK, token, future, VotesMethod::GetPriorVotes, &holders)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("getPriorVotes") && err.contains("not yet determined"),
        "{err}"
    );
}

/// The wallets of the signature tests, all owned by dev key 1.
struct Wallets {
    anvil: Anvil,
    current: String,
    legacy: String,
    factory: String,
}

fn wallets() -> Wallets {
    let anvil = Anvil::start();
    let owner = token_address(&address(1));
    let current = anvil.deploy(&address(0), "Wallet1271", std::slice::from_ref(&owner));
    let legacy = anvil.deploy(&address(0), "LegacyWallet1271", &[owner]);
    let factory = anvil.deploy(&address(0), "WalletFactory", &[]);
    Wallets {
        anvil,
        current,
        legacy,
        factory,
    }
}

/// A ticket space on anvil's network, so that every wallet has power 1.
fn wallet_app(anvil: &Anvil) -> TestApp {
    let app = spawn_app_with_chains(0, Limits::default(), anvil.chains());
    chain_space(&app, json!([{"name": "ticket", "params": {}}]));
    app
}

/// A vote from `wallet`, signed by dev key `key`, its signature passed through `wrap`.
fn wallet_vote(
    app: &TestApp,
    wallet: &str,
    key: usize,
    wrap: impl Fn(Vec<u8>) -> Vec<u8>,
) -> Value {
    let proposal = app.open_proposal("single-choice", 2);
    let mut envelope = signed(
        key,
        Kind::Vote,
        json!({"space": SPACE, "proposal": proposal, "choice": 1, "from": wallet}),
    );
    let sig = hex::decode(&envelope["sig"].as_str().unwrap()[2..]).unwrap();
    envelope["address"] = json!(wallet);
    envelope["sig"] = json!(hex0x(&wrap(sig)));
    envelope
}

#[test]
fn eip1271_wallets_current_and_legacy_sign_on_a_real_chain() {
    let wallets = wallets();
    let app = wallet_app(&wallets.anvil);
    for wallet in [&wallets.current, &wallets.legacy] {
        let wallet = Address::parse_any(wallet).unwrap().to_string();
        let (status, reply) = app.post(&wallet_vote(&app, &wallet, 1, |sig| sig));
        assert_eq!(status, 200, "{wallet}: {reply}");
        // Signed by a key that does not own the wallet.
        assert_rejected(
            app.post(&wallet_vote(&app, &wallet, 2, |sig| sig)),
            400,
            "signature validation failed",
        );
    }
}

#[test]
fn eip6492_counterfactual_wallet_signs_before_it_exists() {
    let wallets = wallets();
    let anvil = &wallets.anvil;
    let app = wallet_app(anvil);
    let salt = Token::FixedBytes(vec![7; 32]);
    let owner = token_address(&address(1));
    let predicted = anvil.call(
        &wallets.factory,
        calldata("addressOf(address,bytes32)", &[owner.clone(), salt.clone()]),
        "latest",
    );
    let wallet = Address::from_bytes(predicted[12..32].try_into().unwrap()).to_string();
    assert_eq!(anvil.code(&wallet), "0x", "the wallet is not deployed");
    let deploy = calldata("deploy(address,bytes32)", &[owner, salt]);
    let factory = token_address(&wallets.factory);
    let wrap = |sig: Vec<u8>| {
        let mut wrapped = encode(&[
            factory.clone(),
            Token::Bytes(deploy.clone()),
            Token::Bytes(sig),
        ]);
        wrapped.extend(hex::decode(SUFFIX_6492).unwrap());
        wrapped
    };

    let envelope = wallet_vote(&app, &wallet, 1, wrap);
    let (status, reply) = app.post(&envelope);
    assert_eq!(status, 200, "{reply}");
    let proposal = envelope["data"]["message"]["proposal"].as_str().unwrap();
    let (_, votes) = app.get(&format!("/api/proposals/{proposal}/votes"));
    assert_eq!(votes[0]["voter"], json!(wallet));
    // The check ran in an eth_call: nothing was deployed.
    assert_eq!(anvil.code(&wallet), "0x");
    assert_rejected(
        app.post(&wallet_vote(&app, &wallet, 2, wrap)),
        400,
        "signature validation failed",
    );
    // Once deployed, the same wrapped signature still holds (the validator
    // skips the factory call and asks the wallet).
    anvil.send(
        &address(0),
        Some(&wallets.factory),
        deploy.clone(),
        U256::zero(),
    );
    assert_ne!(anvil.code(&wallet), "0x");
    let (status, reply) = app.post(&wallet_vote(&app, &wallet, 1, wrap));
    assert_eq!(status, 200, "{reply}");
}

/// A fake JSON-RPC node: `answer(request number, body)` gives the HTTP
/// reply; returns its URL and the bodies it received.
fn fake_node(
    answer: impl Fn(usize, &Value) -> HttpResponse + Send + Sync + Clone + 'static,
) -> (String, Arc<Mutex<Vec<Value>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let seen = received.clone();
    let count = Arc::new(AtomicUsize::new(0));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            HttpServer::new(move || {
                let (seen, count, answer) = (seen.clone(), count.clone(), answer.clone());
                App::new()
                    .app_data(web::JsonConfig::default().limit(1 << 24))
                    .route(
                        "/",
                        web::post().to(move |body: web::Json<Value>| {
                            let n = count.fetch_add(1, Ordering::SeqCst);
                            seen.lock().unwrap().push(body.0.clone());
                            let reply = answer(n, &body.0);
                            async move { reply }
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
    (url, received)
}

/// Answers every call of a batch with one token (10^18 base units), in reverse order.
fn one_token_each(_: usize, body: &Value) -> HttpResponse {
    let one = format!("0x{:064x}", U256::exp10(18));
    let mut replies: Vec<Value> = body
        .as_array()
        .map(|calls| {
            calls
                .iter()
                .map(|call| json!({"jsonrpc": "2.0", "id": call["id"], "result": one}))
                .collect()
        })
        .unwrap_or_default();
    replies.reverse();
    HttpResponse::Ok().json(replies)
}

fn scores_request(addresses: &[String], block: u64) -> Value {
    json!({"params": {
        "network": "1",
        "snapshot": block,
        "strategies": [{"name": "erc20-balance-of", "params": {"address": "0x6B175474E89094C44Da98b954EedeAC495271d0F", "decimals": 18}}],
        "addresses": addresses,
    }})
}

fn node_app(url: &str) -> TestApp {
    spawn_app_with_chains(
        0,
        Limits::default(),
        Chains::new(HashMap::from([("1".to_string(), url.to_string())])),
    )
}

#[test]
fn reads_go_out_in_batches_of_500_and_are_cached() {
    let (url, received) = fake_node(one_token_each);
    let app = node_app(&url);
    let addresses: Vec<String> = (1..=1200u32)
        .map(|i| {
            let mut bytes = [0u8; 20];
            bytes[16..].copy_from_slice(&i.to_be_bytes());
            Address::from_bytes(bytes).to_string()
        })
        .collect();
    let (status, reply) = app.post_to("/api/scores", &scores_request(&addresses, 123));
    assert_eq!(status, 200, "{reply}");
    let scores = reply["result"]["scores"][0].as_object().unwrap();
    assert_eq!(scores.len(), 1200);
    assert!(scores.values().all(|score| *score == json!(1.0)));
    let sizes: Vec<usize> = received
        .lock()
        .unwrap()
        .iter()
        .map(|body| body.as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [500, 500, 200], "one HTTP request per 500 addresses");
    let first = received.lock().unwrap()[0][0].clone();
    assert_eq!(first["method"], "eth_call");
    assert_eq!(first["params"][1], "0x7b", "at the snapshot block");

    // The same block again: from the cache. Another block: read again.
    let (status, _) = app.post_to("/api/scores", &scores_request(&addresses, 123));
    assert_eq!(status, 200);
    assert_eq!(received.lock().unwrap().len(), 3);
    let (status, _) = app.post_to("/api/scores", &scores_request(&addresses[..3], 124));
    assert_eq!(status, 200);
    assert_eq!(received.lock().unwrap().len(), 4);
}

#[test]
fn transport_failures_are_retried_then_reported_with_strategy_and_block() {
    // Two 503s, then an answer: the third try succeeds.
    let (url, received) = fake_node(|n, body| {
        if n < 2 {
            HttpResponse::ServiceUnavailable().finish()
        } else {
            one_token_each(n, body)
        }
    });
    let app = node_app(&url);
    let (status, reply) = app.post_to("/api/scores", &scores_request(&[address(1)], 9));
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["result"]["scores"][0][address(1)], json!(1.0));
    assert_eq!(received.lock().unwrap().len(), 3);

    // Always failing: three tries, then an error naming the strategy and block.
    let (url, received) = fake_node(|_, _| HttpResponse::ServiceUnavailable().finish());
    let app = node_app(&url);
    let (status, reply) = app.post_to("/api/scores", &scores_request(&[address(1)], 9));
    assert_eq!(status, 500, "{reply}");
    let data = reply["error"]["data"].as_str().unwrap();
    assert!(
        data.starts_with("strategy 'erc20-balance-of' at block 9: ") && data.contains("503"),
        "{data}"
    );
    assert!(
        !data.contains(&url),
        "the endpoint URL stays private: {data}"
    );
    assert_eq!(received.lock().unwrap().len(), 3);

    // A JSON-RPC error (a revert) is not retried and is not a zero.
    let (url, received) = fake_node(|_, body| {
        let replies: Vec<Value> = body.as_array().unwrap().iter().map(|call| {
            json!({"jsonrpc": "2.0", "id": call["id"], "error": {"code": 3, "message": "execution reverted"}})
        }).collect();
        HttpResponse::Ok().json(replies)
    });
    let app = node_app(&url);
    let (status, reply) = app.post_to("/api/scores", &scores_request(&[address(1)], 9));
    assert_eq!(status, 500, "{reply}");
    assert!(reply["error"]["data"]
        .as_str()
        .unwrap()
        .contains("execution reverted"));
    assert_eq!(received.lock().unwrap().len(), 1);
}

/// Closes `proposal` (its end moved to the past by waiting) and returns the bundle root.
fn close_soon(app: &TestApp, message: Value, voters: &[usize]) -> String {
    let end = message["end"].as_i64().unwrap();
    let proposal = app.accept(0, Kind::Proposal, message);
    for voter in voters {
        app.accept(
            *voter,
            Kind::Vote,
            json!({"space": SPACE, "proposal": proposal, "choice": 1}),
        );
    }
    while now() <= end {
        std::thread::sleep(Duration::from_millis(200));
    }
    app.block_on(app.closer.close(&proposal)).unwrap().unwrap()
}

#[test]
fn verify_re_reads_chain_inputs_at_the_snapshot_block_with_rpc() {
    use votehub::verify::{verify, Options};
    let history = token_history();
    let anvil = &history.anvil;
    let app = spawn_app_with_chains(0, Limits::default(), anvil.chains());
    chain_space(&app, token_strategies(&history.token));
    let mut message = proposal_message(SPACE, "single-choice", &["Yes".into(), "No".into()]);
    message["snapshot"] = json!(history.snapshot);
    message["end"] = json!(now() + 2);
    let root = close_soon(&app, message, &[1]);
    let blocks = super::audit::blocks(&app, &root);

    // Without a node, the inputs still give the voting power; the report says
    // what was not re-read.
    let offline = verify(&blocks, &root, &Options::default());
    assert!(offline.ok(), "{}", offline.render());
    assert_eq!(offline.inputs_from_chain, 0);
    assert!(
        offline
            .notes
            .iter()
            .any(|note| note.contains("pass --rpc URL")),
        "{:?}",
        offline.notes
    );
    let with_node = Options {
        rpc: Some(anvil.url.clone()),
        ..Options::default()
    };
    let online = verify(&blocks, &root, &with_node);
    assert!(online.ok(), "{}", online.render());
    assert_eq!(online.inputs_from_chain, 5, "{}", online.render());

    // A bundled balance that is not the chain's at the snapshot block.
    let mut forged = blocks.clone();
    let root = super::audit::forge(&app, &mut forged, &root, |_, _, chunk| {
        let vote = &mut chunk["votes"][0];
        vote["inputs"][0][0][1] = json!("1");
        vote["vp_by_strategy"][0] = json!(1e-18);
        let total: f64 = vote["vp_by_strategy"]
            .as_array()
            .unwrap()
            .iter()
            .fold(0.0, |sum, v| sum + v.as_f64().unwrap());
        vote["vp"] = json!(total);
    });
    let report = verify(&forged, &root, &with_node);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("is 1, the chain says 100000000000000000000")),
        "{}",
        report.render()
    );
}

#[test]
fn verify_checks_contract_wallet_votes_only_with_a_node() {
    use votehub::verify::{verify, Options};
    let wallets = wallets();
    let app = wallet_app(&wallets.anvil);
    let wallet = Address::parse_any(&wallets.current).unwrap().to_string();
    let mut message = proposal_message(SPACE, "single-choice", &["Yes".into(), "No".into()]);
    let end = now() + 2;
    message["end"] = json!(end);
    let proposal = app.accept(0, Kind::Proposal, message);
    let mut envelope = signed(
        1,
        Kind::Vote,
        json!({"space": SPACE, "proposal": proposal, "choice": 1, "from": wallet}),
    );
    envelope["address"] = json!(wallet);
    let (status, reply) = app.post(&envelope);
    assert_eq!(status, 200, "{reply}");
    while now() <= end {
        std::thread::sleep(Duration::from_millis(200));
    }
    let root = app.block_on(app.closer.close(&proposal)).unwrap().unwrap();
    let blocks = super::audit::blocks(&app, &root);
    let offline = verify(&blocks, &root, &Options::default());
    assert!(
        offline.problems.iter().any(|p| p.contains(&format!(
            "not {wallet}; if {wallet} is a contract wallet, pass --rpc"
        ))),
        "{}",
        offline.render()
    );
    let online = verify(
        &blocks,
        &root,
        &Options {
            rpc: Some(wallets.anvil.url.clone()),
            ..Options::default()
        },
    );
    assert!(online.ok(), "{}", online.render());
    assert_eq!(online.counted, 1);
}

/// A court signer that is not a dev key.
fn court_member(n: usize) -> votehub::protocol::signature::Signer {
    let secret = ethers_core::utils::keccak256(format!("votehub chain court {n}"));
    votehub::protocol::signature::Signer::from_hex(&hex0x(&secret)).unwrap()
}

fn send_as(app: &TestApp, n: usize, kind: Kind, message: Value) -> (u16, Value) {
    let message = serde_json::from_value(message).unwrap();
    let envelope = votehub::protocol::client::sign(&court_member(n), kind, message, now()).unwrap();
    app.post(&envelope)
}

fn accept_as(app: &TestApp, n: usize, kind: Kind, message: Value) -> String {
    let (status, reply) = send_as(app, n, kind, message);
    assert_eq!(status, 200, "{kind:?}: {reply}");
    reply["id"].as_str().unwrap().to_string()
}

#[test]
fn a_jury_is_weighed_by_holdings_and_seeded_by_a_future_block() {
    let anvil = Anvil::start();
    let owner = address(0);
    let token = anvil.deploy(&owner, "VotesToken", &[]);
    let member = |n: usize| court_member(n).address().to_string();
    // Volunteers 10..=13 hold 100, 50, 0.5 and 30 tokens at the eligibility block.
    let holdings = [
        (10, HUNDRED),
        (11, HUNDRED / 2),
        (12, HUNDRED / 200),
        (13, HUNDRED * 3 / 10),
    ];
    for (n, amount) in holdings {
        anvil.transact(
            &owner,
            &token,
            "mint(address,uint256)",
            &[token_address(&member(n)), Token::Uint(U256::from(amount))],
        );
    }
    let block = anvil.block_number();
    let app = spawn_app_with_chains(0, Limits::default(), anvil.chains());
    chain_space(
        &app,
        json!([{"name": "erc20-balance-of", "params": {"address": token, "decimals": 18}}]),
    );
    app.accept(
        0,
        Kind::CourtSettings,
        json!({"space": SPACE, "settings": r#"{"weighting":"holdings","minimum":1}"#}),
    );
    // Member 20 is elected arbitrator by holder 10.
    let mut election = proposal_message(SPACE, "single-choice", &[member(20), member(21)]);
    election["snapshot"] = json!(block);
    election["end"] = json!(now() + 2);
    let proposal = app.accept(0, Kind::Proposal, election);
    app.accept(
        0,
        Kind::Election,
        json!({"space": SPACE, "proposal": proposal, "role": "arbitrator", "seats": 1, "term": 182 * 86_400}),
    );
    accept_as(
        &app,
        10,
        Kind::Vote,
        json!({"space": SPACE, "proposal": proposal, "choice": 1}),
    );
    for (n, _) in holdings {
        accept_as(&app, n, Kind::Volunteer, json!({"space": SPACE}));
    }
    let case = accept_as(
        &app,
        30,
        Kind::Claim,
        json!({"space": SPACE, "respondent": member(31), "outcome": "Pay the invoice",
            "grounds": "Delivered", "evidence": [], "statement": ""}),
    );
    std::thread::sleep(Duration::from_millis(3_100));
    accept_as(
        &app,
        20,
        Kind::AcceptCase,
        json!({"space": SPACE, "case": case}),
    );
    accept_as(
        &app,
        31,
        Kind::Answer,
        json!({"space": SPACE, "case": case, "response": "counterclaim",
            "counterclaim": "Not delivered", "evidence": [], "statement": ""}),
    );
    let (status, reply) = app.get(&format!("/api/court/{SPACE}/cases/{case}/pool"));
    assert_eq!(status, 400);
    assert_eq!(
        reply["error_description"],
        "failed to check holdings: holdings are read at the eligibility block: give ?block=N"
    );
    // Weights are whole tokens at the block; 12 holds less than the minimum.
    let (status, pool) = app.get(&format!(
        "/api/court/{SPACE}/cases/{case}/pool?block={block}"
    ));
    assert_eq!(status, 200, "{pool}");
    let mut lines: Vec<(String, &str)> =
        vec![(member(10), "100"), (member(11), "50"), (member(13), "30")]
            .into_iter()
            .map(|(a, w)| (a.to_lowercase(), w))
            .collect();
    lines.sort();
    let csv: String = std::iter::once("address,weight\n".to_string())
        .chain(lines.iter().map(|(a, w)| format!("{a},{w}\n")))
        .collect();
    assert_eq!(pool["csv"], csv);
    let open = |seed: String| {
        json!({"space": SPACE, "case": case, "statements": [], "block": block,
            "pool": pool["hash"], "seed": seed})
    };
    let latest = anvil.block_number();
    let (status, reply) = send_as(&app, 20, Kind::OpenJury, open(format!("block:{latest}")));
    assert_eq!(status, 400);
    assert_eq!(
        reply["error_description"],
        format!("the randomness source must not exist yet: block {latest} of network {NETWORK} already exists")
    );
    let (_, reply) = send_as(
        &app,
        20,
        Kind::OpenJury,
        open(format!("block:{}", latest + 4)),
    );
    assert_eq!(
        reply["error_description"],
        format!("the randomness source must not exist yet: block {} is less than 5 blocks past the latest ({latest}) of network {NETWORK}", latest + 4)
    );
    let future = latest + 5;
    accept_as(&app, 20, Kind::OpenJury, open(format!("block:{future}")));
    let randomness = |value: &str| json!({"space": SPACE, "case": case, "value": value});
    let zero = format!("0x{}", "00".repeat(32));
    let (_, reply) = send_as(&app, 30, Kind::Randomness, randomness(&zero));
    assert_eq!(
        reply["error_description"],
        format!(
            "randomness not available yet: block {future} of network {NETWORK} does not exist yet"
        )
    );
    for _ in 0..5 {
        anvil.rpc("evm_mine", json!([]));
    }
    let hash = anvil.rpc(
        "eth_getBlockByNumber",
        json!([format!("{future:#x}"), false]),
    )["hash"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, reply) = send_as(&app, 30, Kind::Randomness, randomness(&zero));
    assert_eq!(
        reply["error_description"],
        format!("wrong randomness: block {future} has hash {hash}")
    );
    accept_as(&app, 30, Kind::Randomness, randomness(&hash));
    let (_, view) = app.get(&format!("/api/court/{SPACE}/cases/{case}"));
    assert_eq!(view["stage"], "voting");
    assert_eq!(view["draw"]["seed"], hash);
    let mut seed = [0u8; 32];
    hex::decode_to_slice(&hash[2..], &mut seed).unwrap();
    let expected: Vec<String> = votehub::jury::draw::draw(
        &votehub::jury::draw::Pool::from_csv(&csv).unwrap(),
        &seed,
        &case,
        3,
    )
    .iter()
    .map(votehub::jury::draw::hex_address)
    .collect();
    let jurors: Vec<String> = view["draw"]["jurors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_lowercase())
        .collect();
    assert_eq!(jurors, expected);
    assert_eq!(
        view["draw"]["alternates"],
        json!([]),
        "no one left for alternates"
    );
}
