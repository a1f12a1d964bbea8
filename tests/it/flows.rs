//! The accepted paths, end to end over HTTP.

use serde_json::{json, Value};
use votehub::protocol::typed_data::Kind;

use super::helpers::*;

#[test]
fn signed_settings_create_a_space_that_reads_back() {
    let app = spawn_app();
    app.ticket_space();
    let (status, space) = app.get(&format!("/api/spaces/{SPACE}"));
    assert_eq!(status, 200);
    assert_eq!(space["name"], "Test space");
    assert_eq!(space["controller"], address(0));
    assert_eq!(space["strategies"][0]["name"], "ticket");
    assert_eq!(app.get("/api/spaces/missing.eth").0, 404);
}

#[test]
fn an_admin_may_update_settings_but_the_controller_owns_the_admin_list() {
    let app = spawn_app();
    let mut settings = ticket_settings();
    settings["admins"] = json!([address(0), address(1)]);
    app.create_space(SPACE, settings.clone());
    settings["name"] = json!("Renamed by an admin");
    app.accept(
        1,
        Kind::Settings,
        json!({"space": SPACE, "settings": settings.to_string()}),
    );
    assert_eq!(
        app.get(&format!("/api/spaces/{SPACE}")).1["name"],
        "Renamed by an admin"
    );
    settings["admins"] = json!([address(0)]);
    app.accept(
        0,
        Kind::Settings,
        json!({"space": SPACE, "settings": settings.to_string()}),
    );
    assert_eq!(
        app.get(&format!("/api/spaces/{SPACE}")).1["admins"],
        json!([address(0)])
    );
}

#[test]
fn every_voting_type_accepts_its_ballot_kind() {
    let app = spawn_app();
    app.ticket_space();
    let cases: Vec<(&str, usize, Kind, Value, Value)> = vec![
        ("single-choice", 3, Kind::Vote, json!(2), json!(2)),
        ("basic", 3, Kind::Vote, json!(1), json!(1)),
        ("approval", 3, Kind::VoteArray, json!([1, 3]), json!([1, 3])),
        ("approval", 3, Kind::VoteArray, json!([]), json!([])),
        (
            "ranked-choice",
            3,
            Kind::VoteArray,
            json!([3, 1, 2]),
            json!([3, 1, 2]),
        ),
        (
            "copeland",
            3,
            Kind::VoteArray,
            json!([2, 3, 1]),
            json!([2, 3, 1]),
        ),
        (
            "quadratic",
            3,
            Kind::VoteString,
            json!("{\"1\":2,\"3\":1}"),
            json!({"1": 2, "3": 1}),
        ),
        (
            "weighted",
            3,
            Kind::VoteString,
            json!("{\"2\":1}"),
            json!({"2": 1}),
        ),
        (
            "ranked-choice",
            3,
            Kind::VoteString,
            json!("[1,2,3]"),
            json!([1, 2, 3]),
        ),
    ];
    for (voting_type, n, kind, choice, stored) in cases {
        let proposal = app.open_proposal(voting_type, n);
        let id = app.accept(
            1,
            kind,
            json!({"space": SPACE, "proposal": proposal, "choice": choice, "reason": "why not"}),
        );
        let (status, votes) = app.get(&format!("/api/proposals/{proposal}/votes"));
        assert_eq!(status, 200);
        assert_eq!(votes[0]["id"], id, "{voting_type}");
        assert_eq!(votes[0]["choice"], stored, "{voting_type}");
        assert_eq!(votes[0]["voter"], address(1));
        assert_eq!(votes[0]["vp"], 1.0);
        assert_eq!(votes[0]["vp_by_strategy"], json!([1.0]));
        assert_eq!(votes[0]["vp_state"], "final");
        assert_eq!(votes[0]["reason"], "why not");
    }
}

#[test]
fn a_later_vote_replaces_the_earlier_one() {
    let app = spawn_app();
    app.ticket_space();
    let proposal = app.open_proposal("single-choice", 3);
    let t = now();
    app.accept(
        1,
        Kind::Vote,
        json!({"space": SPACE, "proposal": proposal, "choice": 1, "timestamp": t - 5}),
    );
    let second = app.accept(
        1,
        Kind::Vote,
        json!({"space": SPACE, "proposal": proposal, "choice": 3, "timestamp": t}),
    );
    let (_, votes) = app.get(&format!("/api/proposals/{proposal}/votes"));
    assert_eq!(votes.as_array().unwrap().len(), 1);
    assert_eq!(votes[0]["id"], second);
    assert_eq!(votes[0]["choice"], 3);
    assert_eq!(app.get(&format!("/api/proposals/{proposal}")).1["votes"], 1);
}

#[test]
fn an_alias_votes_on_behalf_of_its_main_account() {
    let app = spawn_app();
    app.ticket_space();
    let proposal = app.open_proposal("single-choice", 2);
    app.accept(0, Kind::Alias, json!({"alias": address(3)}));
    let mut envelope = signed(
        3,
        Kind::Vote,
        json!({"space": SPACE, "proposal": proposal, "choice": 2, "from": address(0)}),
    );
    envelope = resign(3, &envelope);
    let (status, reply) = app.post(&envelope);
    assert_eq!(status, 200, "{reply}");
    let (_, votes) = app.get(&format!("/api/proposals/{proposal}/votes"));
    assert_eq!(votes[0]["voter"], address(0));
    let (_, message) = app.get(&format!("/api/messages/{}", reply["id"].as_str().unwrap()));
    assert_eq!(message["address"], address(3));
}

#[test]
fn proposal_lifecycle_update_flag_delete() {
    let app = spawn_app();
    app.ticket_space();
    let mut message = proposal_message(SPACE, "single-choice", &["A".into(), "B".into()]);
    message["start"] = json!(now() + 3600);
    message["end"] = json!(now() + 7200);
    let proposal = app.accept(1, Kind::Proposal, message);
    let (_, read) = app.get(&format!("/api/proposals/{proposal}"));
    assert_eq!(read["state"], "pending");
    assert_eq!(read["author"], address(1));
    assert_eq!(read["strategies"][0]["network"], "1");
    let (status, listed) = app.get(&format!("/api/spaces/{SPACE}/proposals"));
    assert_eq!(status, 200);
    assert_eq!(listed[0]["id"], proposal);
    assert_eq!(listed[0]["state"], "pending");
    assert_eq!(app.get("/api/spaces/missing.eth/proposals").0, 404);
    assert_eq!(
        app.get(&format!("/api/spaces/{SPACE}/proposals?first=1001"))
            .0,
        400
    );
    app.accept(
        1,
        Kind::UpdateProposal,
        json!({"proposal": proposal, "space": SPACE, "type": "approval", "title": "Edited", "body": "New body",
               "choices": ["A", "B", "C"], "labels": [], "plugins": "{}", "privacy": ""}),
    );
    let (_, read) = app.get(&format!("/api/proposals/{proposal}"));
    assert_eq!(read["title"], "Edited");
    assert_eq!(read["type"], "approval");
    assert_eq!(read["choices"], json!(["A", "B", "C"]));
    app.accept(
        2,
        Kind::FlagProposal,
        json!({"space": SPACE, "proposal": proposal}),
    );
    assert_eq!(
        app.get(&format!("/api/proposals/{proposal}")).1["flagged"],
        true
    );
    app.accept(
        0,
        Kind::DeleteProposal,
        json!({"space": SPACE, "proposal": proposal}),
    );
    assert_eq!(app.get(&format!("/api/proposals/{proposal}")).0, 404);
}

#[test]
fn social_kinds_are_accepted() {
    let app = spawn_app();
    app.ticket_space();
    app.accept(1, Kind::Follow, json!({"space": SPACE, "network": "s"}));
    app.accept(1, Kind::Unfollow, json!({"space": SPACE, "network": "s"}));
    app.accept(1, Kind::Subscribe, json!({"space": SPACE}));
    app.accept(1, Kind::Unsubscribe, json!({"space": SPACE}));
    app.accept(
        1,
        Kind::Profile,
        json!({"profile": "{\"name\":\"Ada\",\"about\":\"votes\"}"}),
    );
    app.accept(
        1,
        Kind::Statement,
        json!({"space": SPACE, "about": "delegate", "statement": "I vote often", "discourse": "", "status": "ACTIVE", "network": "s"}),
    );
}

#[test]
fn stored_messages_and_blocks_verify_against_the_reply() {
    let app = spawn_app();
    app.ticket_space();
    let proposal = app.open_proposal("single-choice", 2);
    let envelope = signed(
        1,
        Kind::Vote,
        json!({"space": SPACE, "proposal": proposal, "choice": 1}),
    );
    let (status, reply) = app.post(&envelope);
    assert_eq!(status, 200);
    let id = reply["id"].as_str().unwrap();
    let cid = reply["ipfs"].as_str().unwrap();
    assert_eq!(
        Some(id.to_string()),
        votehub::protocol::client::message_id(&envelope)
    );
    assert!(cid.starts_with("bafkrei"));
    // The receipt is the relayer's personal_sign of the voter's signature string.
    let (_, info) = app.get("/");
    let relayer = info["relayer"].as_str().unwrap();
    assert_eq!(reply["relayer"]["address"], relayer);
    let receipt =
        votehub::protocol::signature::decode_hex_sig(reply["relayer"]["receipt"].as_str().unwrap())
            .unwrap();
    let prehash =
        votehub::protocol::signature::personal_message_hash(envelope["sig"].as_str().unwrap());
    assert_eq!(
        votehub::protocol::signature::recover(&prehash, &receipt)
            .unwrap()
            .to_string(),
        relayer
    );
    // The stored message names its CID and receipt; the block is the exact pinned bytes.
    let (_, message) = app.get(&format!("/api/messages/{id}"));
    assert_eq!(message["ipfs"], cid);
    assert_eq!(message["receipt"], reply["relayer"]["receipt"]);
    assert_eq!(message["type"], "vote");
    assert_eq!(message["envelope"]["hash"], id);
    assert_eq!(message["envelope"]["data"], envelope["data"]);
    // The message log links this vote to the message before it.
    let previous = app.db(|db| db.message_log().unwrap());
    let (before, last) = (&previous[previous.len() - 2], &previous[previous.len() - 1]);
    assert_eq!(last.0, id);
    assert_eq!(
        message["log"],
        votehub::format::log::link(&before.2, id, cid)
    );
    assert_eq!(message["mci"], previous.len());
    let (status, content_type, bytes) = app.get_bytes(&format!("/ipfs/{cid}"));
    assert_eq!(status, 200);
    assert_eq!(content_type, "application/json");
    assert_eq!(votehub::ipld::raw_cid(&bytes), cid);
    let (_, content_type, raw) = app.get_bytes(&format!("/ipfs/{cid}?format=raw"));
    assert_eq!(content_type, "application/vnd.ipld.raw");
    assert_eq!(raw, bytes);
    assert_eq!(
        app.get("/ipfs/bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku")
            .0,
        404
    );
    assert_eq!(app.get("/ipfs/not-a-cid").0, 400);
    assert_eq!(app.get("/api/messages/0x00").0, 404);
}

#[test]
fn votes_page_by_skip_order_and_created_keys() {
    let app = spawn_app();
    app.ticket_space();
    let proposal = app.open_proposal("single-choice", 2);
    let t = now();
    for (voter, offset) in [(1, 5), (2, 3), (3, 4), (4, 1)] {
        app.accept(
            voter,
            Kind::Vote,
            json!({"space": SPACE, "proposal": proposal, "choice": 1, "timestamp": t - offset}),
        );
    }
    let voters = |query: &str| -> Vec<String> {
        let (status, votes) = app.get(&format!("/api/proposals/{proposal}/votes{query}"));
        assert_eq!(status, 200, "{votes}");
        votes
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["voter"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        voters(""),
        vec![address(4), address(2), address(3), address(1)]
    );
    assert_eq!(
        voters("?orderDirection=asc&first=2"),
        vec![address(1), address(3)]
    );
    assert_eq!(
        voters("?orderDirection=asc&first=2&skip=2"),
        vec![address(2), address(4)]
    );
    assert_eq!(
        voters(&format!("?created_gte={}&created_lt={}", t - 4, t - 1)),
        vec![address(2), address(3)]
    );
    assert_eq!(voters("?orderBy=vp&orderDirection=asc").len(), 4);
    let (status, error) = app.get(&format!("/api/proposals/{proposal}/votes?first=1001"));
    assert_eq!(status, 400);
    assert_eq!(
        error["error_description"],
        "The `first` argument must not be greater than 1000"
    );
    assert_eq!(
        app.get(&format!("/api/proposals/{proposal}/votes?skip=5001"))
            .0,
        400
    );
    assert_eq!(
        app.get(&format!("/api/proposals/{proposal}/votes?orderBy=voter"))
            .0,
        400
    );
    assert_eq!(app.get("/api/proposals/0x00/votes").0, 404);
}

#[test]
fn token_weighted_power_is_read_at_the_snapshot_block() {
    let app = spawn_app();
    let token = "0x799ebfABE77a6E34311eeEe9825190B9ECe32824";
    let mut settings = ticket_settings();
    settings["strategies"] = json!([
        {"name": "erc20-balance-of", "params": {"address": token, "symbol": "BTRST", "decimals": 18}},
        {"name": "ticket", "params": {"value": 2}}
    ]);
    app.create_space(SPACE, settings);
    let token_address = votehub::protocol::signature::Address::parse_any(token).unwrap();
    let at_100 = format!("address,balance\n{},1500000000000000000\n", address(1));
    let at_200 = format!("address,balance\n{},9000000000000000000\n", address(1));
    app.db(|db| {
        votehub::power::import_snapshot(db, "1", token_address, 100, at_100.as_bytes(), now())
            .unwrap()
    });
    app.db(|db| {
        votehub::power::import_snapshot(db, "1", token_address, 200, at_200.as_bytes(), now())
            .unwrap()
    });
    let proposal = app.open_proposal("single-choice", 2);
    app.accept(
        1,
        Kind::Vote,
        json!({"space": SPACE, "proposal": proposal, "choice": 1}),
    );
    let (_, votes) = app.get(&format!("/api/proposals/{proposal}/votes"));
    assert_eq!(votes[0]["vp"], 3.5);
    assert_eq!(votes[0]["vp_by_strategy"], json!([1.5, 2.0]));
}

/// The example BTRST spaces of `fixtures/spaces/`, against the demo snapshot.
#[test]
fn btrst_token_weighted_and_quadratic_fixture_spaces() {
    let app = spawn_app();
    let token = votehub::protocol::signature::Address::parse_any(
        "0x799ebfABE77a6E34311eeEe9825190B9ECe32824",
    )
    .unwrap();
    app.db(|db| {
        votehub::power::import_snapshot(
            db,
            "1",
            token,
            100,
            votehub::app::demo::BALANCES.as_bytes(),
            now(),
        )
        .unwrap()
    });
    for (space, file, expected) in [
        ("weighted.eth", "btrst-token-weighted.json", 250.5),
        ("quadratic.eth", "btrst-quadratic.json", 250.5f64.sqrt()),
    ] {
        let path = format!("{}/fixtures/spaces/{file}", env!("CARGO_MANIFEST_DIR"));
        let settings: Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        app.create_space(space, settings);
        let proposal = app.accept(
            0,
            Kind::Proposal,
            proposal_message(space, "single-choice", &["A".into(), "B".into()]),
        );
        app.accept(
            1,
            Kind::Vote,
            json!({"space": space, "proposal": proposal, "choice": 1}),
        );
        let (_, votes) = app.get(&format!("/api/proposals/{proposal}/votes"));
        assert_eq!(votes[0]["vp"], expected, "{file}");
        assert_eq!(votes[0]["vp_by_strategy"], json!([expected]), "{file}");
    }
}

/// A large snapshot file is stored as Kubo lays it out, under Kubo's root CID.
#[test]
fn large_snapshot_files_are_stored_as_a_unixfs_dag() {
    let app = spawn_app();
    let mut csv = String::from("address,balance\n");
    for i in 1..=6000u64 {
        let address = votehub::protocol::signature::Address::from_bytes({
            let mut bytes = [0u8; 20];
            bytes[12..].copy_from_slice(&i.to_be_bytes());
            bytes
        });
        csv.push_str(&format!(
            "{address},{}\n",
            u128::from(i) * 1_000_000_000_000_000_000 / 7
        ));
    }
    assert!(csv.len() > 262_144);
    let token = votehub::protocol::signature::Address::parse_any(
        "0x799ebfABE77a6E34311eeEe9825190B9ECe32824",
    )
    .unwrap();
    let (holders, cid) = app.db(|db| {
        votehub::power::import_snapshot(db, "1", token, 7, csv.as_bytes(), now()).unwrap()
    });
    assert_eq!(holders, 6000);
    assert_eq!(cid, votehub::ipld::unixfs_cid(csv.as_bytes()));
    assert!(cid.starts_with("bafybei"), "{cid}");
    let (status, content_type, root) = app.get_bytes(&format!("/ipfs/{cid}"));
    assert_eq!(
        (status, content_type.as_str()),
        (200, "application/vnd.ipld.raw")
    );
    let blocks = votehub::ipld::unixfs_blocks(csv.as_bytes());
    assert_eq!(root, blocks.last().unwrap().1);
    let (leaf, leaf_bytes) = &blocks[0];
    assert_eq!(app.get_bytes(&format!("/ipfs/{leaf}")).2, *leaf_bytes);
}

/// `GET /ipfs/{cid}?format=car` and `votehub export-car` give the same CARv1,
/// whose blocks hash to their CIDs and whose leaves are the file again.
#[test]
fn dags_export_as_car() {
    let app = spawn_app();
    let csv: String = std::iter::once("address,balance\n".to_string())
        .chain((1..=6000u64).map(|i| {
            let mut bytes = [0u8; 20];
            bytes[12..].copy_from_slice(&i.to_be_bytes());
            format!(
                "{},{}\n",
                votehub::protocol::signature::Address::from_bytes(bytes),
                i * 1_000_000_007
            )
        }))
        .collect();
    let token = votehub::protocol::signature::Address::parse_any(
        "0x799ebfABE77a6E34311eeEe9825190B9ECe32824",
    )
    .unwrap();
    let (_, cid) = app.db(|db| {
        votehub::power::import_snapshot(db, "1", token, 7, csv.as_bytes(), now()).unwrap()
    });
    let (status, content_type, car) = app.get_bytes(&format!("/ipfs/{cid}?format=car"));
    assert_eq!(
        (status, content_type.as_str()),
        (200, "application/vnd.ipld.car; version=1")
    );

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let (roots, blocks) = runtime.block_on(async {
        let mut reader = iroh_car::CarReader::new(&car[..]).await.unwrap();
        let roots = reader.header().roots().to_vec();
        let mut blocks = Vec::new();
        while let Some(block) = reader.next_block().await.unwrap() {
            blocks.push(block);
        }
        (roots, blocks)
    });
    assert_eq!(
        roots.iter().map(ToString::to_string).collect::<Vec<_>>(),
        vec![cid.clone()]
    );
    assert_eq!(blocks[0].0.to_string(), cid);
    for (block_cid, bytes) in &blocks {
        assert_eq!(
            block_cid.codec() == 0x55,
            votehub::ipld::raw_cid(bytes) == block_cid.to_string()
        );
    }
    let leaves: Vec<u8> = blocks
        .iter()
        .filter(|(c, _)| c.codec() == 0x55)
        .flat_map(|(_, b)| b.clone())
        .collect();
    assert_eq!(leaves, csv.as_bytes());

    let file = app.store.path().parent().unwrap().join("export.car");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_votehub"))
        .arg("--data")
        .arg(app.store.path().parent().unwrap())
        .args(["export-car", &cid, "-o", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(std::fs::read(&file).unwrap(), car);
    assert_eq!(
        app.get("/ipfs/bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku?format=car")
            .0,
        404
    );
}
