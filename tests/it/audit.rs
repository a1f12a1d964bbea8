//! Audit bundles and the message log: built by the server at close, served by
//! its gateway, verified by `votehub verify` from the gateway or a CAR, and
//! every kind of tampering caught with a message that names it.

use std::process::Command;

use serde_json::{json, Value};
use votehub::ipld::source::Blocks;
use votehub::ipld::{dag_json_block, link, link_target};
use votehub::protocol::signature::Address;
use votehub::protocol::typed_data::Kind;
use votehub::verify::{verify, Options, Report};

use super::helpers::{address, now, resign, signed, spawn_app, TestApp};

const SPACE: &str = "audit.eth";
const TOKEN: &str = "0x1234567890123456789012345678901234567890";
const BLOCK: u64 = 77;

fn votehub(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_votehub"))
        .args(args)
        .output()
        .unwrap()
}

/// A token-weighted space, balances imported, a proposal ending in a few
/// seconds, four voters (one revote, one through an alias), then the close.
/// Returns the app, the proposal and the bundle root.
fn closed_proposal() -> (TestApp, String, String) {
    closed_proposal_with(|_| {})
}

/// [`closed_proposal`], with a log head pinned over the space's settings
/// first, and `before_votes` run before the proposal is made.
pub fn closed_proposal_with(before_votes: impl FnOnce(&TestApp)) -> (TestApp, String, String) {
    let app = spawn_app();
    let controller = address(0);
    app.db(|db| db.set_controller(SPACE, &controller, now()).unwrap());
    let settings = json!({
        "name": "Audit space",
        "network": "1",
        "symbol": "TKN",
        "strategies": [{"name": "erc20-balance-of", "params": {"address": TOKEN, "symbol": "TKN", "decimals": 18}}],
        "admins": [address(0)],
        "voting": {"hideAbstain": true},
    });
    app.accept(
        0,
        Kind::Settings,
        json!({"space": SPACE, "settings": settings.to_string()}),
    );
    app.block_on(app.closer.pin_head()).unwrap();
    before_votes(&app);
    let mut csv = String::from("address,balance\n");
    for (index, tokens) in [(1, 5u64), (2, 3), (3, 2), (4, 7)] {
        csv.push_str(&format!(
            "{},{}000000000000000000\n",
            address(index),
            tokens
        ));
    }
    let token = Address::parse_any(TOKEN).unwrap();
    app.db(|db| {
        votehub::power::import_snapshot(db, "1", token, BLOCK, csv.as_bytes(), now()).unwrap()
    });
    let end = now() + 3;
    let proposal = app.accept(
        0,
        Kind::Proposal,
        json!({
            "space": SPACE, "type": "basic", "title": "Fund the audit?", "body": "",
            "choices": ["For", "Against", "Abstain"],
            "start": now() - 10, "end": end, "snapshot": BLOCK,
        }),
    );
    let vote = |voter: usize, choice: u64| {
        app.accept(
            voter,
            Kind::Vote,
            json!({"space": SPACE, "proposal": proposal, "choice": choice}),
        )
    };
    vote(1, 2);
    vote(2, 1);
    vote(3, 3);
    // Voter 4 votes through alias key 5.
    app.accept(4, Kind::Alias, json!({"alias": address(5)}));
    let envelope = resign(
        5,
        &signed(
            5,
            Kind::Vote,
            json!({"space": SPACE, "proposal": proposal, "choice": 1, "from": address(4)}),
        ),
    );
    let (status, reply) = app.post(&envelope);
    assert_eq!(status, 200, "{reply}");
    // Voter 1 changes their mind a second later (a later timestamp wins).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    vote(1, 1);
    while now() <= end {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let root = app
        .block_on(app.closer.close(&proposal))
        .unwrap()
        .expect("the proposal exists");
    (app, proposal, root)
}

pub fn blocks(app: &TestApp, root: &str) -> Blocks {
    votehub::ipfs::car_from_gateway(&app.url, root).unwrap()
}

fn options() -> Options {
    Options {
        threads: 2,
        ..Options::default()
    }
}

pub fn read(blocks: &Blocks, cid: &str) -> Value {
    use votehub::ipld::source::BlockSource;
    let cid = cid::Cid::try_from(cid).unwrap();
    serde_json::from_slice(&blocks.get(&cid).unwrap()).unwrap()
}

/// Stores `value` as a DAG-JSON block; returns its CID.
fn put(blocks: &mut Blocks, value: &Value) -> String {
    let (cid, bytes) = dag_json_block(value);
    blocks.insert(cid::Cid::try_from(cid.as_str()).unwrap(), bytes);
    cid
}

/// A rewritten bundle: `edit` changes the body and its first vote chunk, the
/// DAG is re-linked and the root re-signed with the relayer's own key, the
/// strongest forger there is. Returns the new root.
pub fn forge(
    app: &TestApp,
    blocks: &mut Blocks,
    root: &str,
    edit: impl FnOnce(&mut Blocks, &mut Value, &mut Value),
) -> String {
    let root_block = read(blocks, root);
    let body_cid = link_target(&root_block["bundle"]).unwrap().to_string();
    let mut body = read(blocks, &body_cid);
    let chunk_cid = link_target(&body["votes"]["chunks"][0])
        .unwrap()
        .to_string();
    let mut chunk = read(blocks, &chunk_cid);
    edit(blocks, &mut body, &mut chunk);
    let chunk_cid = put(blocks, &chunk);
    body["votes"]["chunks"][0] = link(&chunk_cid);
    let body_cid = put(blocks, &body);
    let relayer = votehub::app::relayer_key::load_or_create(app.dir()).unwrap();
    let proposal = root_block["proposal"].as_str().unwrap();
    let new_root = json!({
        "format": root_block["format"],
        "bundle": link(&body_cid),
        "proposal": proposal,
        "relayer": relayer.address().to_string(),
        "signature": relayer.personal_sign(&votehub::format::bundle::statement(proposal, &body_cid)),
    });
    put(blocks, &new_root)
}

pub fn assert_caught(report: &Report, needle: &str) {
    assert!(
        !report.ok(),
        "tampering went unnoticed:\n{}",
        report.render()
    );
    assert!(
        report.problems.iter().any(|p| p.contains(needle)),
        "expected a problem containing {needle:?}:\n{}",
        report.render()
    );
}

#[test]
fn a_closed_proposal_gets_a_bundle_that_verifies_from_its_cid_alone() {
    let (app, proposal, root) = closed_proposal();
    let (_, shown) = app.get(&format!("/api/proposals/{proposal}"));
    assert_eq!(shown["audit_cid"], root.as_str());
    // Closing again keeps the same bundle.
    assert_eq!(app.block_on(app.closer.close_due()).unwrap(), 0);

    let blocks = blocks(&app, &root);
    let report = verify(&blocks, &root, &options());
    assert!(report.ok(), "{}", report.render());
    assert_eq!((report.votes, report.counted, report.superseded), (5, 4, 1));
    assert_eq!(report.inputs_from_snapshots, 4);
    let relayer = votehub::app::relayer_key::load_or_create(app.dir()).unwrap();
    assert_eq!(report.relayer, relayer.address().to_string());
    // The recount is the server's final result, byte for byte.
    let (_, _, scores) = app.get_bytes(&format!("/api/proposals/{proposal}/scores"));
    let scores: Value = serde_json::from_slice(&scores).unwrap();
    assert_eq!(report.result.as_ref(), Some(&scores));
    assert_eq!(scores["scores"], json!([15.0, 0.0, 2.0]));
    assert_eq!(scores["outcome"], "passed");

    let out = votehub(&["--data", app.dir().to_str().unwrap(), "tally", &proposal]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("audit bundle {root}")), "{text}");

    // The real CLI, from the gateway and from a CAR file.
    let out = votehub(&["verify", &root, "--gateway", &app.url, "--quiet"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    // Without --relayer, the report says plainly that nobody pinned who vouches.
    assert!(text.contains("OK, BUT THE RELAYER IS NOT PINNED"), "{text}");
    assert!(text.contains("was not pinned (--relayer)"), "{text}");
    let dir = tempfile::tempdir().unwrap();
    let car = dir.path().join("bundle.car");
    let (status, _, bytes) = app.get_bytes(&format!("/ipfs/{root}?format=car"));
    assert_eq!(status, 200);
    std::fs::write(&car, bytes).unwrap();
    let relayer_flag = relayer.address().to_string();
    let out = votehub(&[
        "verify",
        &root,
        "--car",
        car.to_str().unwrap(),
        "--relayer",
        &relayer_flag,
        "--quiet",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("OK: the outcome re-derives"), "{text}");
    assert!(!text.contains("was not pinned"), "{text}");
    // Another relayer is refused.
    let out = votehub(&[
        "verify",
        &root,
        "--car",
        car.to_str().unwrap(),
        "--relayer",
        &address(3),
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("not by the expected"));
}

#[test]
fn every_kind_of_tampering_is_caught_and_named() {
    let (app, _proposal, root) = closed_proposal();
    let pristine = blocks(&app, &root);
    let check = |blocks: &Blocks, root: &str, needle: &str| {
        assert_caught(&verify(blocks, root, &options()), needle);
    };

    // One byte of a stored vote changed in place: its block no longer hashes.
    let mut flipped = pristine.clone();
    let body = read(
        &pristine,
        link_target(&read(&pristine, &root)["bundle"]).unwrap(),
    );
    let chunk = read(&pristine, link_target(&body["votes"]["chunks"][0]).unwrap());
    let vote_cid = link_target(&chunk["votes"][1]["envelope"])
        .unwrap()
        .to_string();
    let parsed = cid::Cid::try_from(vote_cid.as_str()).unwrap();
    let mut bytes = {
        use votehub::ipld::source::BlockSource;
        pristine.get(&parsed).unwrap().into_owned()
    };
    let at = bytes.len() / 2;
    bytes[at] ^= 1;
    flipped.insert(parsed, bytes);
    check(
        &flipped,
        &root,
        &format!("block {vote_cid} does not hash to its CID"),
    );

    // A vote's choice rewritten and re-pinned: its signature no longer holds.
    let mut blocks = pristine.clone();
    let forged = forge(&app, &mut blocks, &root, |blocks, _, chunk| {
        let cid = link_target(&chunk["votes"][1]["envelope"])
            .unwrap()
            .to_string();
        let mut envelope = read(blocks, &cid);
        envelope["data"]["message"]["choice"] = json!(2);
        let bytes = envelope.to_string().into_bytes();
        let raw = votehub::ipld::raw_cid(&bytes);
        blocks.insert(cid::Cid::try_from(raw.as_str()).unwrap(), bytes);
        chunk["votes"][1]["envelope"] = link(&raw);
    });
    check(&blocks, &forged, "vote 1 (");
    check(&blocks, &forged, "not the stored hash");

    // A counted vote dropped (the result left as it was).
    let mut blocks = pristine.clone();
    let forged = forge(&app, &mut blocks, &root, |_, body, chunk| {
        let votes = chunk["votes"].as_array_mut().unwrap();
        let dropped = votes.iter().position(|v| v["superseded"] == false).unwrap();
        votes.remove(dropped);
        body["votes"]["listed"] = json!(4);
        body["votes"]["counted"] = json!(3);
    });
    check(
        &blocks,
        &forged,
        "result scores: the bundle says [15.0,0.0,2.0], the recount gives",
    );

    // Two votes swapped.
    let mut blocks = pristine.clone();
    let forged = forge(&app, &mut blocks, &root, |_, _, chunk| {
        chunk["votes"].as_array_mut().unwrap().swap(0, 1);
    });
    check(&blocks, &forged, "out of acceptance order");

    // The superseded vote counted instead of the revote.
    let mut blocks = pristine.clone();
    let forged = forge(&app, &mut blocks, &root, |_, _, chunk| {
        let votes = chunk["votes"].as_array_mut().unwrap();
        let old = votes.iter().position(|v| v["superseded"] == true).unwrap();
        let voter = votes[old]["voter"].clone();
        let new = votes
            .iter()
            .position(|v| v["voter"] == voter && v["superseded"] == false)
            .unwrap();
        let (vp, by, inputs) = (
            votes[new]["vp"].clone(),
            votes[new]["vp_by_strategy"].clone(),
            votes[new]["inputs"].clone(),
        );
        votes[old]["superseded"] = json!(false);
        votes[old]["vp"] = vp;
        votes[old]["vp_by_strategy"] = by;
        votes[old]["inputs"] = inputs;
        votes[new] = json!({"envelope": votes[new]["envelope"], "id": votes[new]["id"], "voter": voter, "mci": votes[new]["mci"], "log": votes[new]["log"], "received": votes[new]["received"], "superseded": true});
    });
    check(&blocks, &forged, "is not their last one");

    // A balance raised, and the voting power with it: the snapshot file disagrees.
    let mut blocks = pristine.clone();
    let forged = forge(&app, &mut blocks, &root, |_, _, chunk| {
        let vote = chunk["votes"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|v| v["voter"] == address(2).as_str() && v["superseded"] == false)
            .unwrap();
        vote["inputs"][0][0][1] = json!("30000000000000000000");
        vote["vp"] = json!(30.0);
        vote["vp_by_strategy"] = json!([30.0]);
    });
    check(
        &blocks,
        &forged,
        &format!(
            "voter {}: the bundled erc20_balances of {} at block {BLOCK} is 30000000000000000000, the imported snapshot says 3000000000000000000",
            address(2),
            Address::parse_any(TOKEN).unwrap()
        ),
    );

    // A balance changed alone: the voting power no longer follows from it.
    let mut blocks = pristine.clone();
    let forged = forge(&app, &mut blocks, &root, |_, _, chunk| {
        let vote = chunk["votes"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|v| v["voter"] == address(3).as_str())
            .unwrap();
        vote["inputs"][0][0][1] = json!("9000000000000000000");
    });
    check(
        &blocks,
        &forged,
        &format!(
            "voter {}: the bundle says voting power [2.0] by strategy, the inputs give [9.0]",
            address(3)
        ),
    );

    // A score altered.
    let mut blocks = pristine.clone();
    let forged = forge(&app, &mut blocks, &root, |_, body, _| {
        body["result"]["scores"][1] = json!(1.5);
    });
    check(
        &blocks,
        &forged,
        "result scores: the bundle says [15.0,1.5,2.0], the recount gives [15.0,0.0,2.0]",
    );

    // Re-linked by someone without the relayer key.
    let mut blocks = pristine.clone();
    let root_block = read(&blocks, &root);
    let body_cid = link_target(&root_block["bundle"]).unwrap().to_string();
    let mut body = read(&blocks, &body_cid);
    body["result"]["scores"][0] = json!(100.0);
    let new_body = put(&mut blocks, &body);
    let mut unsigned = root_block.clone();
    unsigned["bundle"] = link(&new_body);
    let unsigned = put(&mut blocks, &unsigned);
    check(
        &blocks,
        &unsigned,
        "the relayer signature does not cover this bundle",
    );

    // A vote moved to another position of the log.
    let mut blocks = pristine.clone();
    let forged = forge(&app, &mut blocks, &root, |_, _, chunk| {
        chunk["votes"][1]["mci"] = json!(1);
    });
    check(&blocks, &forged, "vote 1 (");
    check(&blocks, &forged, "is not in the log extract");

    // A vote's log link rewritten.
    let mut blocks = pristine.clone();
    let forged = forge(&app, &mut blocks, &root, |_, _, chunk| {
        chunk["votes"][2]["log"] = json!(format!("0x{}", "ab".repeat(32)));
    });
    check(&blocks, &forged, "with another link");

    // A message removed from the log extract: it no longer replays to the
    // signed head.
    let mut blocks = pristine.clone();
    let forged = forge(&app, &mut blocks, &root, |blocks, body, _| {
        let segment_cid = link_target(&body["log"]["segments"][0])
            .unwrap()
            .to_string();
        let mut segment = read(blocks, &segment_cid);
        segment["entries"].as_array_mut().unwrap().remove(2);
        body["log"]["segments"][0] = link(&put(blocks, &segment));
    });
    check(&blocks, &forged, "does not replay to the link of head");

    // The log head's statement signed by a key other than the bundle's.
    let mut blocks = pristine.clone();
    let forged = forge(&app, &mut blocks, &root, |_, body, _| {
        let other = votehub::protocol::signature::Signer::generate();
        let statement = votehub::format::log::head_statement(
            body["log"]["mci"].as_i64().unwrap(),
            body["log"]["log"].as_str().unwrap(),
        );
        body["log"]["relayer"] = json!(other.address().to_string());
        body["log"]["signature"] = json!(other.personal_sign(&statement));
    });
    check(&blocks, &forged, "the bundle by");

    // A missing block is named.
    let partial = Blocks::new([&root, &body_cid].iter().map(|cid| {
        use votehub::ipld::source::BlockSource;
        let parsed = cid::Cid::try_from(cid.as_str()).unwrap();
        (parsed, pristine.get(&parsed).unwrap().into_owned())
    }));
    check(&partial, &root, "vote chunk 0: block");
}

#[test]
fn log_heads_chain_and_prove_every_message() {
    let app = spawn_app();
    app.ticket_space();
    let first = app.accept(1, Kind::Follow, json!({"space": super::helpers::SPACE}));
    let head1 = app.block_on(app.closer.pin_head()).unwrap().unwrap();
    // Nothing new: the same head.
    assert_eq!(app.block_on(app.closer.pin_head()).unwrap().unwrap(), head1);
    let second = app.accept(2, Kind::Follow, json!({"space": super::helpers::SPACE}));
    let head2 = app.block_on(app.closer.pin_head()).unwrap().unwrap();
    assert_eq!(head2.mci, head1.mci + 1);

    let blocks = votehub::ipfs::car_from_gateway(&app.url, &head2.cid).unwrap();
    let report = votehub::verify::verify_log(&blocks, &head2.cid, None);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!((report.heads, report.messages), (2, 3));
    let since = votehub::verify::verify_log(&blocks, &head2.cid, Some(&head1.cid));
    assert!(since.problems.is_empty(), "{:?}", since.problems);
    assert_eq!((since.heads, since.messages), (1, 1));
    let unrelated = votehub::verify::verify_log(&blocks, &head1.cid, Some(&head2.cid));
    assert!(unrelated.problems[0].contains("is not an earlier head"));

    // A message removed from a segment, the head re-signed: the links break.
    let mut forged = blocks.clone();
    let head = read(&blocks, &head2.cid);
    let segment = read(&blocks, link_target(&head["segments"][0]).unwrap());
    assert_eq!(segment["entries"][0][1], second.as_str());
    let mut older = read(&blocks, &head1.cid);
    let older_segment_cid = link_target(&older["segments"][0]).unwrap().to_string();
    let mut older_segment = read(&blocks, &older_segment_cid);
    older_segment["entries"].as_array_mut().unwrap().remove(1);
    older["segments"][0] = link(&put(&mut forged, &older_segment));
    let relayer = votehub::app::relayer_key::load_or_create(app.dir()).unwrap();
    let forged_old = put(&mut forged, &older);
    let mut newer = head.clone();
    newer["previous"] = link(&forged_old);
    newer["signature"] =
        json!(relayer.personal_sign(&votehub::format::log::head_statement(head2.mci, &head2.log)));
    let forged_head = put(&mut forged, &newer);
    let report = votehub::verify::verify_log(&forged, &forged_head, None);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("do not replay to its link")),
        "{:?}",
        report.problems
    );

    // The server publishes its newest head and each message's proof.
    let (status, head) = app.get("/api/log/head");
    assert_eq!(status, 200);
    assert_eq!(head["cid"], head2.cid.as_str());
    let (status, served) = app.get(&format!("/api/messages/{second}/proof"));
    assert_eq!(status, 200, "{served}");
    let served: votehub::format::log::Proof = serde_json::from_value(served).unwrap();
    assert!(served.holds());
    assert_eq!(served.head, head2.cid);

    // Inclusion proofs: one under the first head, and the CLI pins a head when needed.
    let proof = app.db(|db| votehub::message_log::prove(db, &first).unwrap().unwrap());
    assert_eq!(proof.head, head1.cid);
    assert!(proof.holds());
    let mut broken = proof.clone();
    broken.path.pop();
    assert!(!broken.holds());
    let third = app.accept(3, Kind::Follow, json!({"space": super::helpers::SPACE}));
    let (status, _) = app.get(&format!("/api/messages/{third}/proof"));
    assert_eq!(status, 404);
    let out = votehub(&["--data", app.dir().to_str().unwrap(), "prove", &third]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli_proof: votehub::format::log::Proof = serde_json::from_slice(&out.stdout).unwrap();
    assert!(cli_proof.holds());
    assert_eq!(cli_proof.head_mci, head2.mci + 1);
    let out = votehub(&["verify-log", &cli_proof.head, "--gateway", &app.url]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("3 heads, 4 messages"), "{text}");
}

#[test]
fn verify_reads_a_bundle_from_a_kubo_node() {
    use votehub::ipfs::Pinner;
    let (app, _proposal, root) = closed_proposal();
    let kubo = super::fake_kubo::FakeKubo::start(super::fake_kubo::Mode::Healthy);
    let client = votehub::ipfs::Kubo::new(&kubo.url, std::time::Duration::from_secs(10)).unwrap();
    let blocks = app.store.reader().unwrap().db().dag(&root).unwrap();
    app.block_on(async {
        for (cid, bytes) in &blocks {
            assert_eq!(client.put_pinned(cid, bytes).await.unwrap(), *cid);
        }
    });
    let out = votehub(&["verify", &root, "--ipfs-api", &kubo.url, "--quiet"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("5 votes (4 counted, 1 superseded)"), "{text}");
    // A node that lacks the bundle: the missing block is named.
    let empty = super::fake_kubo::FakeKubo::start(super::fake_kubo::Mode::Healthy);
    let out = votehub(&["verify", &root, "--ipfs-api", &empty.url, "--quiet"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!("bundle root: block/get {root}")),
        "{text}"
    );
}

/// Every voting type, 24 voters with 18-decimal balances, votes signed with
/// timestamps in another order than they arrive: the server's frozen result
/// and the verifier's recount must count in the same (canonical) order, so
/// float sums agree to the bit and every honest bundle verifies.
#[test]
fn fractional_powers_arriving_out_of_order_still_verify_for_every_voting_type() {
    const VOTERS: u64 = 24;
    let app = spawn_app();
    let space = "fractions.eth";
    app.create_space(
        space,
        json!({
            "name": "Fractions",
            "network": "1",
            "symbol": "TKN",
            "strategies": [{"name": "erc20-balance-of", "params": {"address": TOKEN, "symbol": "TKN", "decimals": 18}}],
            "admins": [address(0)],
        }),
    );
    let voter = |i: u64| {
        let secret =
            votehub::protocol::signature::keccak256(format!("fraction voter {i}").as_bytes());
        votehub::protocol::signature::Signer::from_hex(&format!("0x{}", hex::encode(secret)))
            .unwrap()
    };
    let mut csv = String::from("address,balance\n");
    for i in 0..VOTERS {
        // Whole tokens and 18 decimals that do not sum exactly in binary.
        let fraction = (i * 123_456_789_012_345_679 + 987_654_321) % 1_000_000_000_000_000_000;
        csv.push_str(&format!(
            "{},{}{:018}\n",
            voter(i).address(),
            700 + i * 1_377,
            fraction
        ));
    }
    let token = Address::parse_any(TOKEN).unwrap();
    app.db(|db| {
        votehub::power::import_snapshot(db, "1", token, BLOCK, csv.as_bytes(), now()).unwrap()
    });
    let start = now() - 200;
    let end = now() + 4;
    let types = [
        ("single-choice", json!(2)),
        ("basic", json!(1)),
        ("approval", json!([1, 3])),
        ("quadratic", json!({"1": 3, "2": 1})),
        ("ranked-choice", json!([2, 1, 3])),
        ("weighted", json!({"1": 1, "3": 2})),
        ("copeland", json!([3, 1, 2])),
    ];
    let mut proposals = Vec::new();
    for (kind, _) in &types {
        proposals.push(app.accept(
            0,
            Kind::Proposal,
            json!({
                "space": space, "type": kind, "title": format!("{kind} with fractions"), "body": "",
                "choices": ["A", "B", "C"], "start": start, "end": end, "snapshot": BLOCK,
            }),
        ));
    }
    for i in 0..VOTERS {
        for ((kind, choice), proposal) in types.iter().zip(&proposals) {
            // Varied choices, and signed times that do not follow arrival.
            let choice = match (*kind, i % 3) {
                ("single-choice" | "basic", k) => json!(k + 1),
                (_, 0) => choice.clone(),
                ("approval", _) => json!([i % 3 + 1]),
                ("quadratic" | "weighted", _) => {
                    let mut weights = serde_json::Map::new();
                    weights.insert((i % 3 + 1).to_string(), json!(i % 5 + 1));
                    Value::Object(weights)
                }
                _ => json!([i % 3 + 1, (i + 1) % 3 + 1, (i + 2) % 3 + 1]),
            };
            let (vote_kind, choice) = match choice {
                Value::Array(_) => (Kind::VoteArray, choice),
                Value::Object(_) => (Kind::VoteString, json!(choice.to_string())),
                _ => (Kind::Vote, choice),
            };
            let message = json!({
                "space": space, "proposal": proposal, "choice": choice,
                "timestamp": now() - ((i * 37) % 90) as i64,
            });
            let envelope = votehub::protocol::client::sign(
                &voter(i),
                vote_kind,
                serde_json::from_value(message).unwrap(),
                now(),
            )
            .unwrap();
            let (status, reply) = app.post(&envelope);
            assert_eq!(status, 200, "{kind} voter {i}: {reply}");
        }
    }
    while now() <= end {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    for ((kind, _), proposal) in types.iter().zip(&proposals) {
        let root = app
            .block_on(app.closer.close(proposal))
            .unwrap()
            .expect("the proposal exists");
        let report = verify(&blocks(&app, &root), &root, &options());
        assert!(report.ok(), "{kind}:\n{}", report.render());
        assert_eq!(report.counted, VOTERS as usize, "{kind}");
    }
    // Every vote row (plain, array and string choices) matches its signed block.
    let integrity =
        app.db(|db| votehub::integrity::check(db, votehub::integrity::Scope::Full).unwrap());
    assert!(integrity.ok(), "{}", integrity.render());
    assert_eq!(integrity.votes, VOTERS as usize * types.len());
}

/// The frozen proposal is re-derived from the signed proposal and settings,
/// never taken on trust: a forger who raises the quorum or changes the voting
/// type, recomputes the result to match and re-signs the root is caught.
#[test]
fn frozen_fields_are_rederived_from_the_signed_messages() {
    let (app, _proposal, root) = closed_proposal();
    let pristine = blocks(&app, &root);
    let report = verify(&pristine, &root, &options());
    assert!(report.ok(), "{}", report.render());

    let mut blocks = pristine.clone();
    let forged = forge(&app, &mut blocks, &root, |_, body, _| {
        body["proposal"]["frozen"]["quorum"] = json!(1e12);
        body["result"]["quorum"] = json!(1e12);
        body["result"]["outcome"] = json!("failed");
    });
    assert_caught(
        &verify(&blocks, &forged, &options()),
        "the frozen proposal says quorum 1000000000000.0, the signed messages give 0.0",
    );

    let mut blocks = pristine.clone();
    let forged = forge(&app, &mut blocks, &root, |_, body, _| {
        body["proposal"]["frozen"]["type"] = json!("single-choice");
        let result = body["result"].as_object_mut().unwrap();
        result.insert("type".into(), json!("single-choice"));
        result.remove("outcome");
        let total = result["scores_total"].clone();
        result.insert("quorum_votes".into(), total);
    });
    let report = verify(&blocks, &forged, &options());
    // The forged result is consistent with the forged type: only the
    // derivation from the signed proposal catches it.
    assert!(
        !report.problems.iter().any(|p| p.starts_with("result ")),
        "{:?}",
        report.problems
    );
    assert_caught(
        &report,
        "the frozen proposal says type \"single-choice\", the signed messages give \"basic\"",
    );
}

/// Hands the relayer key to an interim key (signed by the old one only when
/// `attested`), pins a head under it, and hands it back, signed.
fn rotate_and_back(app: &TestApp, attested: bool) {
    use votehub::message_log::{pin_head, rotate};
    let relayer = votehub::app::relayer_key::load_or_create(app.dir()).unwrap();
    let interim = votehub::protocol::signature::Signer::generate();
    let ms = votehub::clock::unix_ms();
    app.store
        .write_once(|db| {
            rotate(
                db,
                relayer.address(),
                attested.then_some(&relayer),
                &interim,
                ms,
            )?;
            pin_head(db, &interim, now())?;
            rotate(db, interim.address(), Some(&interim), &relayer, ms)?;
            Ok::<_, votehub::store::StoreError>(())
        })
        .unwrap();
}

#[test]
fn a_trusted_log_head_pins_the_relayer_through_signed_rotations_only() {
    let first_head = |app: &TestApp| {
        app.get("/api/log/head").1["cid"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let mut first = String::new();
    let (app, _, root) = closed_proposal_with(|app| {
        first = first_head(app);
        rotate_and_back(app, true);
    });
    let out = votehub(&[
        "verify",
        &root,
        "--gateway",
        &app.url,
        "--trusted-head",
        &first,
        "--quiet",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("OK: the outcome re-derives"), "{text}");
    assert!(
        text.contains(&format!("relayer pinned by the trusted head {first}")),
        "{text}"
    );
    assert_eq!(text.matches("signed by both keys").count(), 2, "{text}");
    let close_head = app.get("/api/log/head").1["cid"]
        .as_str()
        .unwrap()
        .to_string();
    let out = votehub(&["verify-log", &close_head, "--gateway", &app.url]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert_eq!(text.matches("signed by both keys").count(), 2, "{text}");

    // A block that is not a head of this log pins nothing.
    let out = votehub(&[
        "verify",
        &root,
        "--gateway",
        &app.url,
        "--trusted-head",
        &root,
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("is not an earlier head of this log"));

    // A head signed by another key with no rotation in the log is caught.
    let stranger = votehub::protocol::signature::Signer::generate();
    app.accept(1, Kind::Follow, json!({"space": SPACE}));
    let forged = app
        .store
        .write_once(|db| votehub::message_log::pin_head(db, &stranger, now()))
        .unwrap()
        .unwrap();
    let blocks = votehub::ipfs::car_from_gateway(&app.url, &forged.cid).unwrap();
    let report = votehub::verify::verify_log(&blocks, &forged.cid, None);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("no rotation in the log links them")),
        "{:?}",
        report.problems
    );

    // The old key did not sign the change: the trusted head vouches for
    // nothing after it, although the log itself replays.
    let mut first = String::new();
    let (app, _, root) = closed_proposal_with(|app| {
        first = first_head(app);
        rotate_and_back(app, false);
    });
    let out = votehub(&[
        "verify",
        &root,
        "--gateway",
        &app.url,
        "--trusted-head",
        &first,
        "--quiet",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("changed without the old key's signature"),
        "{text}"
    );
    let close_head = app.get("/api/log/head").1["cid"]
        .as_str()
        .unwrap()
        .to_string();
    let out = votehub(&["verify-log", &close_head, "--gateway", &app.url]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("NOT signed by the old key"), "{text}");
}
