//! What the store holds is checked: a block changed on disk behind SQLite's
//! back is refused with a clear error, never served as the signed message;
//! `votehub check` finds changed blocks, rows and log links, and the server
//! refuses to start on them.

use serde_json::json;
use votehub::protocol::typed_data::Kind;

use super::helpers::{spawn_app, SPACE};

#[test]
fn a_block_changed_on_disk_is_never_served() {
    let app = spawn_app();
    app.ticket_space();
    let proposal = app.open_proposal("single-choice", 2);
    let (status, receipt) = app.send(
        1,
        Kind::Vote,
        json!({"space": SPACE, "proposal": proposal, "choice": 1}),
    );
    assert_eq!(status, 200, "{receipt}");
    let (id, cid) = (
        receipt["id"].as_str().unwrap().to_string(),
        receipt["ipfs"].as_str().unwrap().to_string(),
    );
    assert_eq!(app.get_bytes(&format!("/ipfs/{cid}")).0, 200);

    // The voter's choice 1 becomes 2 inside the stored block.
    let conn = app.store.write_connection().unwrap();
    let stored: Vec<u8> = conn
        .query_row("SELECT data FROM blocks WHERE cid = ?1", [&cid], |r| {
            r.get(0)
        })
        .unwrap();
    let text = String::from_utf8(stored).unwrap();
    let changed = text.replacen("\"choice\":1", "\"choice\":2", 1);
    assert_ne!(text, changed);
    conn.execute(
        "UPDATE blocks SET data = ?1 WHERE cid = ?2",
        rusqlite::params![changed.as_bytes(), cid],
    )
    .unwrap();

    for path in [
        format!("/ipfs/{cid}"),
        format!("/ipfs/{cid}?format=raw"),
        format!("/ipfs/{cid}?format=car"),
        format!("/api/messages/{id}"),
    ] {
        let (status, _, body) = app.get_bytes(&path);
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(status, 500, "{path}: {body}");
        assert_eq!(body["error"], "server_error", "{path}");
        assert_eq!(
            body["error_description"],
            format!("stored block {cid} is corrupt: its bytes do not hash to its CID"),
            "{path}"
        );
    }
    // Other blocks are still served.
    let proposal_cid = app.get(&format!("/api/proposals/{proposal}")).1["ipfs"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(app.get_bytes(&format!("/ipfs/{proposal_cid}")).0, 200);
}

fn votehub(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_votehub"))
        .args(args)
        .output()
        .unwrap()
}

/// `votehub check` on `dir`: its exit code and report.
fn check(dir: &std::path::Path, extra: &[&str]) -> (Option<i32>, String) {
    let mut args = vec!["--data", dir.to_str().unwrap(), "check"];
    args.extend_from_slice(extra);
    let out = votehub(&args);
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// A store with a space, a proposal, plain, array and string votes, and a revote.
fn busy_app() -> (super::helpers::TestApp, Vec<(String, String)>) {
    let app = spawn_app();
    app.ticket_space();
    let single = app.open_proposal("single-choice", 3);
    let ranked = app.open_proposal("ranked-choice", 3);
    let weighted = app.open_proposal("weighted", 3);
    let mut votes = Vec::new();
    for (signer, kind, proposal, choice) in [
        (1, Kind::Vote, &single, json!(1)),
        (2, Kind::VoteArray, &ranked, json!([2, 1, 3])),
        (3, Kind::VoteString, &weighted, json!("{\"1\":2,\"3\":1}")),
        (1, Kind::Vote, &single, json!(3)),
    ] {
        let (status, receipt) = app.send(
            signer,
            kind,
            json!({"space": SPACE, "proposal": proposal, "choice": choice}),
        );
        assert_eq!(status, 200, "{receipt}");
        votes.push((
            receipt["id"].as_str().unwrap().to_string(),
            receipt["ipfs"].as_str().unwrap().to_string(),
        ));
        std::thread::sleep(std::time::Duration::from_millis(1100));
    }
    (app, votes)
}

#[test]
fn votehub_check_passes_an_honest_store_and_names_each_kind_of_damage() {
    let (app, votes) = busy_app();
    let (code, report) = check(app.dir(), &[]);
    assert_eq!(code, Some(0), "{report}");
    assert!(report.contains("OK: every block, link and row"), "{report}");

    // A derived row changed: the vote's choice no longer is the signed one.
    let conn = app.store.write_connection().unwrap();
    let (ranked_vote, _) = &votes[1];
    conn.execute(
        "UPDATE votes SET choice = '[1,2,3]' WHERE id = ?1",
        [ranked_vote],
    )
    .unwrap();
    let (code, report) = check(app.dir(), &[]);
    assert_eq!(code, Some(1), "{report}");
    assert!(
        report.contains(&format!("vote {ranked_vote} of "))
            && report.contains("its choice is not the signed one"),
        "{report}"
    );

    // A log link changed: the chain breaks at that message.
    let (mci, id): (i64, String) = conn
        .query_row(
            "SELECT mci, id FROM messages ORDER BY mci DESC LIMIT 1 OFFSET 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    conn.execute(
        "UPDATE messages SET log = ?1 WHERE mci = ?2",
        rusqlite::params![format!("0x{}", "ab".repeat(32)), mci],
    )
    .unwrap();
    let (code, report) = check(app.dir(), &["--recent", "10"]);
    assert_eq!(code, Some(1), "{report}");
    assert!(
        report.contains(&format!(
            "message {mci} ({id}): its log link does not follow"
        )),
        "{report}"
    );

    // A block changed: its hash no longer matches, in the full and the quick form.
    let (_, cid) = &votes[3];
    conn.execute(
        "UPDATE blocks SET data = CAST('{}' AS BLOB) WHERE cid = ?1",
        [cid],
    )
    .unwrap();
    for extra in [&[][..], &["--recent", "10"][..]] {
        let (code, report) = check(app.dir(), extra);
        assert_eq!(code, Some(1), "{report}");
        assert!(
            report.contains(&format!("block {cid} does not hash to its CID")),
            "{extra:?}: {report}"
        );
    }

    // And the server refuses to start on it, saying why.
    let mut serve = std::process::Command::new(env!("CARGO_BIN_EXE_votehub"))
        .args([
            "--data",
            app.dir().to_str().unwrap(),
            "serve",
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(status) = serve.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = serve.kill();
            panic!("votehub serve started on a damaged store");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let output = serve.wait_with_output().unwrap();
    assert_eq!(status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("failed its start-up check"), "{stderr}");
}

#[test]
fn a_page_of_the_file_overwritten_is_reported_not_a_panic() {
    let (app, _) = busy_app();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("votehub.sqlite");
    let conn = app.store.write_connection().unwrap();
    conn.execute("VACUUM INTO ?1", [copy.to_str().unwrap()])
        .unwrap();
    let mut bytes = std::fs::read(&copy).unwrap();
    // 2 KB from the start of a page in the middle of the file: its header
    // goes, so the damage cannot hide in a page's unused space.
    let page = 4096;
    let middle = bytes.len() / 2 / page * page;
    for byte in &mut bytes[middle..middle + 2048] {
        *byte = 0x5a;
    }
    std::fs::write(&copy, bytes).unwrap();
    let (code, report) = check(dir.path(), &[]);
    assert_eq!(code, Some(1), "{report}");
    assert!(!report.contains("panicked"), "{report}");
}

/// A lost or replaced relayer key is not a silent new identity: the server
/// (and the commands that sign with the key) refuse it unless told.
#[test]
fn a_replaced_relayer_key_is_refused_unless_accepted() {
    let (app, votes) = busy_app();
    let dir = app.dir();
    std::fs::remove_file(dir.join("relayer.key")).unwrap();
    let out = votehub(&[
        "--data",
        dir.to_str().unwrap(),
        "serve",
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the key was replaced or lost") && stderr.contains("--accept-new-relayer"),
        "{stderr}"
    );
    let out = votehub(&["--data", dir.to_str().unwrap(), "prove", &votes[0].0]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("the key was replaced or lost"));
}

/// A block found corrupt after the CAR's first bytes went out cannot change
/// the status any more: the stream is cut short (the client never gets a
/// whole CAR) and the server logs it at error level, naming the root.
#[test]
fn a_corrupt_block_mid_car_cuts_the_stream_and_is_logged() {
    let app = super::helpers::spawn_app();
    let root = app.store_dag(2);
    let whole = app.expected_car(&root);
    let dag = app.store.reader().unwrap().db().dag(&root).unwrap();
    // The last leaf of the file: well past the first step of the stream.
    let (leaf, _) = dag
        .iter()
        .rev()
        .find(|(cid, bytes)| cid.codec() == 0x55 && bytes.len() > 1000)
        .unwrap();
    let conn = app.store.write_connection().unwrap();
    conn.execute(
        "UPDATE blocks SET data = CAST('changed' AS BLOB) WHERE cid = ?1",
        [leaf.to_string()],
    )
    .unwrap();

    let listen = super::helpers::free_listen();
    let mut serve = std::process::Command::new(env!("CARGO_BIN_EXE_votehub"))
        .args([
            "--data",
            app.dir().to_str().unwrap(),
            "serve",
            "--listen",
            &listen,
        ])
        .env("RUST_LOG", "votehub=info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://{listen}/ipfs/{root}?format=car");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let response = loop {
        match ureq::get(&url).call() {
            Ok(response) => break response,
            Err(_) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(50))
            }
            Err(err) => panic!("{err}"),
        }
    };
    assert_eq!(response.status(), 200);
    let mut car = Vec::new();
    let read = std::io::Read::read_to_end(&mut response.into_body().into_reader(), &mut car);
    assert!(read.is_err(), "the cut-short CAR ended like a whole one");
    assert!(car.len() < whole.len() && whole.starts_with(&car));

    let _ = serve.kill();
    let output = serve.wait_with_output().unwrap();
    // The log goes to standard output.
    let log = String::from_utf8_lossy(&output.stdout);
    let logged = log
        .lines()
        .find(|line| line.contains("the CAR stream was cut short"))
        .unwrap_or_else(|| panic!("{log}"));
    assert!(logged.contains("ERROR"), "{logged}");
    assert!(logged.contains(&root), "{logged}");
    assert!(logged.contains(&leaf.to_string()), "{logged}");

    // `votehub export-car`, which streams the same walk to a file, fails
    // naming the block and leaves no cut-short file behind.
    let file = app.dir().join("cut.car");
    let out = votehub(&[
        "--data",
        app.dir().to_str().unwrap(),
        "export-car",
        &root,
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("block {leaf} does not hash to its CID")),
        "{stderr}"
    );
    assert!(!file.exists());
}
