//! The opt-in Kubo backend against the fake daemon of `fake_kubo.rs`: every
//! stored block ends up pinned under an equal CID, ingest never waits on
//! IPFS, failures are retried, a wrong CID is flagged and reported by
//! `votehub ipfs status`, and the outbox survives restarts.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cid::Cid;
use multihash_codetable::{Code, MultihashDigest};
use serde_json::{json, Map, Value};
use votehub::ipfs::{Kubo, PinError, Pinner};
use votehub::pinning::IpfsConfig;
use votehub::protocol::signature::Signer;
use votehub::protocol::typed_data::Kind;
use votehub::store::PinStatus;

use super::fake_kubo::{FakeKubo, Mode};
use super::helpers::{
    address, key, now, proposal_message, spawn_app_with_ipfs, ticket_settings, TestApp, SPACE,
};

const HELLO_CID: &str = "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4";

/// Retries in milliseconds, so a test sees several of them.
fn fast(url: &str) -> IpfsConfig {
    IpfsConfig {
        api: Some(url.to_string()),
        timeout_ms: 1_000,
        retry_base_ms: 50,
        retry_cap_ms: 400,
        poll_ms: 50,
        ..IpfsConfig::default()
    }
}

/// Polls `done` until it holds; fails after a generous deadline.
#[track_caller]
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// An HTTP agent whose every request fails after 30 s instead of hanging.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn post(agent: &ureq::Agent, url: &str, envelope: &Value) -> Value {
    let mut response = agent.post(url).send(envelope.to_string()).unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response.body_mut().read_json().unwrap()
}

fn sign(signer: &Signer, kind: Kind, message: Value) -> Value {
    let message: Map<String, Value> = serde_json::from_value(message).unwrap();
    votehub::protocol::client::sign(signer, kind, message, now()).unwrap()
}

/// Creates the ticket space `space` and an open proposal through `url`;
/// returns the proposal id and the CIDs the server answered.
fn open_space(url: &str, space: &str) -> (String, Vec<String>) {
    let agent = agent();
    let settings = json!({"space": space, "settings": ticket_settings().to_string()});
    let settings = post(&agent, url, &sign(&key(0), Kind::Settings, settings));
    let choices = ["A".to_string(), "B".to_string()];
    let message = proposal_message(space, "single-choice", &choices);
    let proposal = post(&agent, url, &sign(&key(0), Kind::Proposal, message));
    let cids = [&settings, &proposal].map(|reply| reply["ipfs"].as_str().unwrap().to_string());
    (proposal["id"].as_str().unwrap().to_string(), cids.to_vec())
}

/// `votes` votes by fresh keys; returns their CIDs.
fn vote(url: &str, space: &str, proposal: &str, votes: usize) -> Vec<String> {
    let agent = agent();
    (0..votes)
        .map(|i| {
            let vote = json!({"space": space, "proposal": proposal, "choice": 1 + i % 2});
            let reply = post(&agent, url, &sign(&Signer::generate(), Kind::Vote, vote));
            reply["ipfs"].as_str().unwrap().to_string()
        })
        .collect()
}

/// A space, a proposal and `votes` votes; returns every CID.
fn ingest(url: &str, space: &str, votes: usize) -> Vec<String> {
    let (proposal, mut cids) = open_space(url, space);
    cids.extend(vote(url, space, &proposal, votes));
    cids
}

fn register(app: &TestApp) {
    let controller = address(0);
    app.db(|db| db.set_controller(SPACE, &controller, now()).unwrap());
}

fn status(app: &TestApp) -> PinStatus {
    app.store.reader().unwrap().db().pin_status().unwrap()
}

/// Every stored block with its bytes.
fn stored_blocks(database: &Path) -> Vec<(String, Vec<u8>)> {
    let conn = rusqlite::Connection::open(database).unwrap();
    let mut statement = conn.prepare("SELECT cid, data FROM blocks").unwrap();
    let rows = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    rows
}

/// A block's outbox state and attempts.
fn outbox(database: &Path, cid: &str) -> (String, i64) {
    let conn = rusqlite::Connection::open(database).unwrap();
    conn.query_row(
        "SELECT o.state, o.attempts FROM pin_outbox o JOIN blocks b ON b.seq = o.block WHERE b.cid = ?1",
        [cid],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

/// Pending outbox rows and stored blocks, read in one statement (the
/// server's closer may store a log head at any moment).
fn pending_and_stored(database: &Path) -> (i64, i64) {
    let conn = rusqlite::Connection::open(database).unwrap();
    conn.query_row(
        "SELECT (SELECT COUNT(*) FROM pin_outbox WHERE state = 'pending'), (SELECT COUNT(*) FROM blocks)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

/// Waits until every stored block is held and pinned by the daemon under
/// its local CID (the fake keys blocks by the CID it computes from their
/// bytes) and the outbox has nothing pending or flagged; returns how many
/// blocks there are.
#[track_caller]
fn assert_all_pinned(database: &Path, kubo: &FakeKubo) -> usize {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let blocks = stored_blocks(database);
        let unpinned: Vec<&String> = blocks
            .iter()
            .filter(|(cid, data)| kubo.pinned(cid).as_deref() != Some(&data[..]))
            .map(|(cid, _)| cid)
            .collect();
        let status = votehub::store::Store::open(database)
            .unwrap()
            .reader()
            .unwrap()
            .db()
            .pin_status()
            .unwrap();
        if unpinned.is_empty() && status.pending == 0 {
            assert!(!blocks.is_empty());
            assert_eq!(status.mismatch, 0);
            assert!(status.pinned >= blocks.len() as i64);
            return blocks.len();
        }
        assert!(
            Instant::now() < deadline,
            "not pinned in the daemon: {unpinned:?}; {} pending",
            status.pending
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// A `multipart/form-data` body with one file part, as `curl -F file=@…` sends it.
fn multipart(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "votehub-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn rpc(kubo: &FakeKubo, call: &str, upload: Option<(&str, &[u8])>) -> (u16, Vec<u8>) {
    let url = format!("{}/api/v0/{call}", kubo.url);
    let agent = agent();
    let mut response = match upload {
        Some((name, bytes)) => {
            let (content_type, body) = multipart(name, bytes);
            agent
                .post(&url)
                .header("Content-Type", &content_type)
                .send(&body[..])
        }
        None => agent.post(&url).send_empty(),
    }
    .unwrap();
    (
        response.status().as_u16(),
        response.body_mut().read_to_vec().unwrap(),
    )
}

fn rpc_json(kubo: &FakeKubo, call: &str, upload: Option<(&str, &[u8])>) -> (u16, Value) {
    let (status, body) = rpc(kubo, call, upload);
    (status, serde_json::from_slice(&body).unwrap())
}

/// The fake answers the notes' RPC subset with the notes' cross-checked CIDs,
/// so the tests below exercise something shaped like Kubo.
#[test]
fn the_fake_daemon_answers_like_kubo() {
    let kubo = FakeKubo::start(Mode::Healthy);
    let hello = b"hello world\n";
    let (status, line) = rpc_json(&kubo, "add?cid-version=1", Some(("hello.txt", hello)));
    assert_eq!(status, 200);
    assert_eq!(
        line,
        json!({"Name": "hello.txt", "Hash": HELLO_CID, "Size": "12"})
    );
    let big: Vec<u8> = (0..262_145u32).map(|i| (i % 251) as u8).collect();
    let (_, line) = rpc_json(&kubo, "add?cid-version=1", Some(("big", &big)));
    let root = "bafybeiexg2oqkfnj56l7fcmawswqbijt5shq4b5rg6a546uwpkqqzwjioi";
    assert_eq!(line["Hash"], root);
    assert_eq!(rpc(&kubo, &format!("cat?arg={root}"), None), (200, big));
    assert!(kubo.pinned(root).is_some(), "add pins by default");

    let (status, put) = rpc_json(&kubo, "block/put", Some(("data", hello)));
    assert_eq!((status, put), (200, json!({"Key": HELLO_CID, "Size": 12})));
    assert_eq!(
        rpc_json(&kubo, &format!("pin/add?arg={HELLO_CID}"), None),
        (200, json!({"Pins": [HELLO_CID]}))
    );
    assert_eq!(
        rpc(&kubo, &format!("block/get?arg={HELLO_CID}"), None),
        (200, hello.to_vec())
    );
    let missing = votehub::ipld::raw_cid(b"never stored");
    let (status, refused) = rpc_json(&kubo, &format!("pin/add?arg={missing}"), None);
    assert_eq!((status, &refused["Type"]), (500, &json!("error")));
    assert_eq!(rpc_json(&kubo, "version", None).1["Version"], "0.42.0-fake");

    kubo.set_mode(Mode::Failing);
    let (status, failure) = rpc_json(&kubo, "version", None);
    assert_eq!(status, 500);
    assert_eq!(failure["Type"], "error");
    assert!(failure["Message"].is_string() && failure["Code"].is_number());
}

/// The client behind the `Pinner` trait: `block/put` with the local CID's
/// codec, comparison by parsed CID, `block_get` and `version`, and every
/// failure the daemon can show, each as its own error.
#[tokio::test]
async fn the_kubo_client_puts_pins_and_reads_blocks_of_every_codec() {
    let kubo = FakeKubo::start(Mode::Healthy);
    let client = Kubo::new(&kubo.url, Duration::from_secs(5)).unwrap();
    assert_eq!(client.version().await.unwrap(), "0.42.0-fake");

    let big: Vec<u8> = (0..262_145u32).map(|i| (i % 251) as u8).collect();
    let (pb_cid, pb) = votehub::ipld::unixfs_blocks(&big).pop().unwrap();
    let dag_json =
        br#"{"a":1,"b":{"/":"bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"}}"#;
    let json_cid = Cid::new_v1(0x0129, Code::Sha2_256.digest(dag_json)).to_string();
    for (cid, data, codec) in [
        (HELLO_CID.to_string(), b"hello world\n".to_vec(), "raw"),
        (pb_cid, pb, "dag-pb"),
        (json_cid, dag_json.to_vec(), "dag-json"),
    ] {
        let local = Cid::try_from(cid.as_str()).unwrap();
        assert_eq!(client.put_pinned(&local, &data).await.unwrap(), local);
        assert_eq!(kubo.pinned(&cid), Some(data.clone()), "{codec}");
        assert_eq!(
            kubo.queries("/block/put").last().unwrap(),
            &format!("cid-codec={codec}&mhtype=sha2-256&pin=true")
        );
        assert_eq!(client.block_get(&local).await.unwrap(), data);
    }

    // The same CID printed in another base is the same CID.
    let local = Cid::try_from(HELLO_CID).unwrap();
    kubo.set_mode(Mode::Base58);
    assert_eq!(
        client.put_pinned(&local, b"hello world\n").await.unwrap(),
        local
    );
    kubo.set_mode(Mode::WrongCid);
    assert_ne!(
        client.put_pinned(&local, b"hello world\n").await.unwrap(),
        local
    );
    kubo.set_mode(Mode::Failing);
    let refused = client.put_pinned(&local, b"hello world\n").await;
    assert!(
        matches!(&refused, Err(PinError::Refused(message)) if message == "fake daemon failure"),
        "{refused:?}"
    );
    kubo.set_mode(Mode::Stalling);
    let impatient = Kubo::new(&kubo.url, Duration::from_millis(300)).unwrap();
    let stalled = impatient.block_get(&local).await;
    assert!(matches!(stalled, Err(PinError::Timeout(_))), "{stalled:?}");
    let down = FakeKubo::down();
    let unreachable = Kubo::new(&down.url, Duration::from_secs(5))
        .unwrap()
        .version()
        .await;
    assert!(
        matches!(unreachable, Err(PinError::Unreachable(_))),
        "{unreachable:?}"
    );
}

/// Messages, a UnixFS balance snapshot (raw leaves under dag-pb) and a
/// DAG-JSON block all end up pinned in the daemon under equal CIDs.
#[test]
fn every_ingested_block_is_pinned_with_equal_cids() {
    let kubo = FakeKubo::start(Mode::Healthy);
    let app = spawn_app_with_ipfs(fast(&kubo.url));
    register(&app);
    let cids = ingest(&app.url, SPACE, 5);
    let mut csv = String::from("address,balance\n");
    for i in 1..=6_000u32 {
        csv.push_str(&format!("0x{i:040x},{}\n", u64::from(i) * 1_000_000_007));
    }
    assert!(csv.len() > 262_144, "the snapshot spans several blocks");
    let token = votehub::protocol::signature::Address::parse_any(
        "0x799ebfABE77a6E34311eeEe9825190B9ECe32824",
    )
    .unwrap();
    let (_, file_cid) = app.db(|db| {
        votehub::power::import_snapshot(db, "1", token, 100, csv.as_bytes(), now()).unwrap()
    });
    let dag_json = br#"{"kind":"test"}"#;
    let json_cid = Cid::new_v1(0x0129, Code::Sha2_256.digest(dag_json)).to_string();
    app.db(|db| db.put_block(&json_cid, dag_json).unwrap());

    let blocks = assert_all_pinned(app.store.path(), &kubo);
    assert!(blocks >= cids.len() + 3, "messages, snapshot DAG, DAG-JSON");
    for cid in cids.iter().chain([&file_cid, &json_cid]) {
        assert!(kubo.pinned(cid).is_some(), "{cid}");
    }
    let codecs = kubo.queries("/block/put").join(" ");
    for codec in ["raw", "dag-pb", "dag-json"] {
        assert!(codecs.contains(&format!("cid-codec={codec}&")), "{codec}");
    }
}

/// While every request to the daemon hangs, messages are still accepted;
/// the blocks wait in the outbox and are pinned once the daemon answers.
#[test]
fn ingest_answers_while_the_daemon_stalls() {
    let kubo = FakeKubo::start(Mode::Stalling);
    let app = spawn_app_with_ipfs(fast(&kubo.url));
    register(&app);
    let (proposal, mut cids) = open_space(&app.url, SPACE);
    wait_until("the worker is stuck in a stalled request", || {
        !kubo.queries("/block/put").is_empty()
    });
    // `post` fails the test if a reply takes over 30 s or is not a 200.
    cids.extend(vote(&app.url, SPACE, &proposal, 10));
    let (pending, stored) = pending_and_stored(app.store.path());
    assert_eq!(pending, stored, "every block waits in the outbox");
    assert_eq!(status(&app).pinned, 0);
    assert_eq!(kubo.block_count(), 0);

    kubo.set_mode(Mode::Healthy);
    assert_all_pinned(app.store.path(), &kubo);
    for cid in &cids {
        assert!(kubo.pinned(cid).is_some(), "{cid}");
    }
}

/// A daemon that refuses every block: blocks stay pending, their attempts
/// keep growing with the back-off, and all are pinned once it recovers.
#[test]
fn a_failing_daemon_keeps_blocks_pending_until_it_recovers() {
    let kubo = FakeKubo::start(Mode::Failing);
    let app = spawn_app_with_ipfs(fast(&kubo.url));
    register(&app);
    let cids = ingest(&app.url, SPACE, 3);
    wait_until("every message block was retried twice", || {
        cids.iter().all(|cid| outbox(app.store.path(), cid).1 >= 3)
    });
    for cid in &cids {
        assert_eq!(outbox(app.store.path(), cid).0, "pending");
    }
    let failing = status(&app);
    assert_eq!(failing.pinned, 0);
    assert!(failing.retrying >= cids.len() as i64);
    let retry = failing.next_retry.unwrap();
    assert!(retry.attempts >= 1);
    assert!(retry.error.unwrap().contains("fake daemon failure"));
    assert_eq!(kubo.block_count(), 0);

    kubo.set_mode(Mode::Healthy);
    assert_all_pinned(app.store.path(), &kubo);
    for cid in &cids {
        assert!(kubo.pinned(cid).is_some(), "{cid}");
    }
}

fn votehub(data: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_votehub"))
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn ipfs_status(data: &Path) -> Value {
    serde_json::from_str(&votehub(data, &["ipfs", "status", "--json"])).unwrap()
}

/// A daemon that names blocks with other CIDs: each block is flagged
/// `mismatch` for good, and `votehub ipfs status` lists both CIDs.
#[test]
fn a_wrong_cid_is_flagged_and_reported_by_ipfs_status() {
    let kubo = FakeKubo::start(Mode::WrongCid);
    let app = spawn_app_with_ipfs(fast(&kubo.url));
    register(&app);
    let (_, cids) = open_space(&app.url, SPACE);
    let outbox = |cid: &str| outbox(app.store.path(), cid);
    wait_until("the messages are flagged", || {
        cids.iter().all(|cid| outbox(cid).0 == "mismatch")
    });
    let data = app.store.path().parent().unwrap();
    let report = ipfs_status(data);
    let text = votehub(data, &["ipfs", "status"]);
    assert_eq!(report["pinned"], json!(0));
    let mismatches = report["mismatches"].as_array().unwrap();
    assert_eq!(report["mismatch"], json!(mismatches.len()));
    assert!(
        text.contains(&format!("mismatch  {}", mismatches.len())),
        "{text}"
    );
    for listed in mismatches {
        let cid = listed["cid"].as_str().unwrap();
        let bytes = app.db(|db| db.block(cid).unwrap()).unwrap();
        // What the fake answers for these bytes in this mode.
        let kubo_cid = Cid::new_v1(
            Cid::try_from(cid).unwrap().codec(),
            Code::Sha2_256.digest(&[&bytes[..], b"?"].concat()),
        );
        assert_eq!(listed["kubo_cid"], kubo_cid.to_string());
        assert!(listed["error"].as_str().unwrap().contains(cid));
    }
    for cid in &cids {
        let listed = mismatches
            .iter()
            .find(|m| m["cid"] == cid.as_str())
            .unwrap_or_else(|| panic!("{cid} is not reported: {report}"));
        let kubo_cid = listed["kubo_cid"].as_str().unwrap();
        assert!(
            text.contains(&format!("MISMATCH {cid} kubo {kubo_cid}")),
            "{text}"
        );
    }

    // Terminal: with a healthy daemon they are neither retried nor cleared.
    let before: Vec<_> = cids.iter().map(|cid| outbox(cid)).collect();
    kubo.set_mode(Mode::Healthy);
    std::thread::sleep(Duration::from_millis(500));
    let after: Vec<_> = cids.iter().map(|cid| outbox(cid)).collect();
    assert_eq!(before, after);
}

/// `votehub serve` as a child process on a free port.
struct Serve(Child, String);

impl Serve {
    fn start(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Serve {
        let listen = super::helpers::free_listen();
        let child = Command::new(env!("CARGO_BIN_EXE_votehub"))
            .arg("--data")
            .arg(data)
            .args(["serve", "--listen", &listen, "--rate-limit", "0"])
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let url = format!("http://{listen}");
        wait_until("the server answers", || ureq::get(&url).call().is_ok());
        Serve(child, url)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The real binary with the daemon down at start: blocks wait in the
/// outbox across a `kill -9` and a restart (this time configured through
/// `VOTEHUB_IPFS_API`), and are all pinned once the daemon comes up while
/// the restarted server runs.
#[test]
fn nothing_is_lost_across_restarts() {
    let kubo = FakeKubo::down();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    votehub(
        data,
        &[
            "space",
            "register",
            "restart.eth",
            "--controller",
            &address(0),
        ],
    );
    let config = data.join("votehub.toml");
    std::fs::write(
        &config,
        "[ipfs]\ntimeout_ms = 1000\nretry_base_ms = 50\nretry_cap_ms = 400\npoll_ms = 50\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();

    let first = Serve::start(data, &["--config", config, "--ipfs-api", &kubo.url], &[]);
    let (proposal, mut cids) = open_space(&first.1, "restart.eth");
    cids.extend(vote(&first.1, "restart.eth", &proposal, 3));
    wait_until("the worker tried the stopped daemon", || {
        ipfs_status(data)["retrying"].as_i64().unwrap_or(0) > 0
    });
    let mut killed = first;
    killed.0.kill().unwrap();
    killed.0.wait().unwrap();
    drop(killed);
    let database = data.join("votehub.sqlite");
    let after_kill = ipfs_status(data);
    assert_eq!(after_kill["pinned"], json!(0));
    let (pending, stored) = pending_and_stored(&database);
    assert_eq!(after_kill["pending"], json!(pending));
    assert_eq!(pending, stored, "every stored block is still queued");

    let second = Serve::start(
        data,
        &["--config", config],
        &[("VOTEHUB_IPFS_API", &kubo.url)],
    );
    cids.extend(vote(&second.1, "restart.eth", &proposal, 1));
    let (pending, stored) = pending_and_stored(&database);
    assert_eq!(pending, stored);

    kubo.up();
    wait_until("the daemon came up and everything is pinned", || {
        ipfs_status(data)["pending"] == json!(0)
    });
    assert!(assert_all_pinned(&database, &kubo) >= cids.len());
    for cid in &cids {
        assert!(kubo.pinned(cid).is_some(), "{cid}");
    }
    drop(second);
}
