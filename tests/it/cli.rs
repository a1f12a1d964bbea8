//! The real `votehub` binary: help texts, space registration, snapshot
//! import, signing, the demo, and durability under `kill -9`.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};
use votehub::protocol::signature::Signer;
use votehub::protocol::typed_data::Kind;
use votehub::store::Store;

use super::helpers::{address, key, now, ticket_settings, Server};

fn votehub(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_votehub"))
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .unwrap()
}

fn import(
    data: &std::path::Path,
    token: &str,
    block: &str,
    csv: &std::path::Path,
) -> std::process::Output {
    votehub(
        data,
        &[
            "snapshot",
            "import",
            "--network",
            "1",
            "--token",
            token,
            "--block",
            block,
            csv.to_str().unwrap(),
        ],
    )
}

fn stdout(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn every_help_shows_an_example() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["space", "register", "--help"],
        vec!["snapshot", "import", "--help"],
        vec!["sign", "--help"],
        vec!["ipfs", "status", "--help"],
    ] {
        let text = stdout(&votehub(dir.path(), &args));
        assert!(text.contains("Example"), "{args:?}:\n{text}");
    }
}

#[test]
fn register_and_import_write_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let out = stdout(&votehub(
        dir.path(),
        &[
            "space",
            "register",
            "cli.eth",
            "--controller",
            &address(2).to_lowercase(),
        ],
    ));
    assert!(out.contains(&address(2)), "{out}");
    let csv = dir.path().join("balances.csv");
    std::fs::write(
        &csv,
        format!("address,balance\n{},42\n{},7\n", address(1), address(2)),
    )
    .unwrap();
    let token = "0x799ebfabe77a6e34311eeee9825190b9ece32824";
    let out = stdout(&import(dir.path(), token, "123", &csv));
    assert!(out.contains("imported 2 balances"), "{out}");
    let store = Store::open(&dir.path().join("votehub.sqlite")).unwrap();
    let reader = store.reader().unwrap();
    let db = reader.db();
    assert_eq!(db.controller("cli.eth").unwrap(), Some(address(2)));
    let balances = db
        .balances(
            "1",
            "0x799ebfABE77a6E34311eeEe9825190B9ECe32824",
            123,
            &[address(1), address(3)],
        )
        .unwrap()
        .unwrap();
    assert_eq!(balances, vec![Some("42".to_string()), None]);
    let json_file = dir.path().join("balances.json");
    std::fs::write(
        &json_file,
        format!(
            r#"{{"{}": "9", "{}": 10}}"#,
            address(1).to_lowercase(),
            address(3)
        ),
    )
    .unwrap();
    let out = stdout(&import(dir.path(), token, "125", &json_file));
    assert!(out.contains("imported 2 balances"), "{out}");
    let balances = db
        .balances(
            "1",
            "0x799ebfABE77a6E34311eeEe9825190B9ECe32824",
            125,
            &[address(1), address(3)],
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        balances,
        vec![Some("9".to_string()), Some("10".to_string())]
    );
    std::fs::write(&csv, "holder,amount\n").unwrap();
    let refused = import(dir.path(), token, "124", &csv);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("address,balance"));
}

#[test]
fn sign_prints_an_envelope_that_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let message = r#"{"space":"s.eth","proposal":"0x0d68ee21b493aec521a67dbec244d131e00cfa5eb6f97c9a0133d3e3f08cd7d4","choice":1}"#;
    let envelope: Value = serde_json::from_str(&stdout(&votehub(
        dir.path(),
        &["sign", "vote", "--dev-key", "1", message],
    )))
    .unwrap();
    assert_eq!(envelope["address"], address(1));
    assert_eq!(envelope["data"]["message"]["from"], address(1));
    assert_eq!(envelope["data"]["message"]["metadata"], "{}");
    assert!(votehub::protocol::client::message_id(&envelope).is_some());
    let refused = votehub(dir.path(), &["sign", "nope", "--dev-key", "1", "{}"]);
    assert!(!refused.status.success());
}

fn new_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn sign(signer: &Signer, kind: Kind, message: Value) -> Value {
    let message: Map<String, Value> = serde_json::from_value(message).unwrap();
    votehub::protocol::client::sign(signer, kind, message, now()).unwrap()
}

#[test]
fn demo_serves_a_space_and_an_open_proposal() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--demo"]);
    let agent = new_agent();
    let space: Value = agent
        .get(format!("{}/api/spaces/btrst-demo.eth", server.url))
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    assert_eq!(space["symbol"], "BTRST");
    let store = Store::open(&dir.path().join("votehub.sqlite")).unwrap();
    let proposal: String = store
        .write_connection()
        .unwrap()
        .query_row(
            "SELECT id FROM proposals WHERE space = 'btrst-demo.eth'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    let vote = sign(
        &key(2),
        Kind::Vote,
        json!({"space": "btrst-demo.eth", "proposal": proposal, "choice": 1}),
    );
    let (status, reply) = server.post(&agent, &vote).unwrap();
    assert_eq!(status, 200, "{reply}");
    let votes: Value = agent
        .get(format!("{}/api/proposals/{proposal}/votes", server.url))
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    assert_eq!(votes[0]["vp"], 42.0);
    // Registering a space works while the server runs; its controller then creates it.
    assert!(votehub(
        dir.path(),
        &["space", "register", "live.eth", "--controller", &address(3)]
    )
    .status
    .success());
    let settings = sign(
        &key(3),
        Kind::Settings,
        json!({"space": "live.eth", "settings": ticket_settings().to_string()}),
    );
    let (status, reply) = server.post(&agent, &settings).unwrap();
    assert_eq!(status, 200, "{reply}");
    let stranger = sign(
        &key(5),
        Kind::Vote,
        json!({"space": "btrst-demo.eth", "proposal": proposal, "choice": 1}),
    );
    assert_eq!(
        server.post(&agent, &stranger).unwrap().1["error_description"],
        "no voting power"
    );
}

/// Votes are acknowledged only after their group commit: a `kill -9` in the
/// middle of a load loses none of them and leaves the database consistent.
#[test]
fn kill_9_under_load_loses_no_acknowledged_vote() {
    let dir = tempfile::tempdir().unwrap();
    let space = "crash.eth";
    assert!(votehub(
        dir.path(),
        &["space", "register", space, "--controller", &address(0)]
    )
    .status
    .success());
    let server = Server::start(dir.path(), &[]);
    let agent = new_agent();
    let settings = sign(
        &key(0),
        Kind::Settings,
        json!({"space": space, "settings": ticket_settings().to_string()}),
    );
    assert_eq!(server.post(&agent, &settings).unwrap().0, 200);
    let proposal_message = json!({"space": space, "type": "single-choice", "title": "Crash", "body": "", "choices": ["A", "B"],
        "start": now() - 10, "end": now() + 3600, "snapshot": 1});
    let (status, reply) = server
        .post(&agent, &sign(&key(0), Kind::Proposal, proposal_message))
        .unwrap();
    assert_eq!(status, 200, "{reply}");
    let proposal = reply["id"].as_str().unwrap().to_string();

    // Pre-signed votes by fresh keys, sent by four threads until the kill.
    let votes: Vec<Value> = (0..4000)
        .map(|i| {
            sign(
                &Signer::generate(),
                Kind::Vote,
                json!({"space": space, "proposal": proposal, "choice": 1 + i % 2}),
            )
        })
        .collect();
    let queue = Arc::new(Mutex::new(votes));
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let senders: Vec<_> = (0..4)
        .map(|_| {
            let (queue, acknowledged, stop, url) = (
                queue.clone(),
                acknowledged.clone(),
                stop.clone(),
                server.url.clone(),
            );
            std::thread::spawn(move || {
                let agent = new_agent();
                while !stop.load(Ordering::Relaxed) {
                    let Some(vote) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    let Ok(mut response) = agent.post(&url).send(vote.to_string()) else {
                        break;
                    };
                    if response.status().as_u16() == 200 {
                        if let Ok(reply) = response.body_mut().read_json::<Value>() {
                            acknowledged
                                .lock()
                                .unwrap()
                                .push(reply["id"].as_str().unwrap_or_default().to_string());
                        }
                    }
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.lock().unwrap().len() < 300 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut server = server;
    // SIGKILL while requests are in flight.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for sender in senders {
        sender.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 300,
        "only {} votes acknowledged before the kill",
        acknowledged.len()
    );

    let restarted = Server::start(dir.path(), &[]);
    let store = Store::open(&dir.path().join("votehub.sqlite")).unwrap();
    let reader = store.reader().unwrap();
    let db = reader.db();
    assert_eq!(db.integrity_check().unwrap(), "ok");
    for id in &acknowledged {
        assert!(
            db.message_exists(id).unwrap(),
            "acknowledged vote {id} was lost"
        );
    }
    // The message log still chains from the first message to the last.
    let log = db.message_log().unwrap();
    assert!(log.len() > acknowledged.len());
    let entries = log
        .iter()
        .map(|(id, cid, link)| (id.as_str(), cid.as_str(), link.as_str()));
    assert_eq!(
        votehub::format::log::first_break(votehub::format::log::GENESIS, entries),
        None
    );
    // Every stored vote is whole: its message row and its block exist.
    let conn = store.write_connection().unwrap();
    let orphans: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM votes v LEFT JOIN messages m ON m.id = v.id LEFT JOIN blocks b ON b.cid = v.ipfs
             WHERE m.id IS NULL OR b.cid IS NULL",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);
    let (count, stored): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT COUNT(*) FROM votes), (SELECT votes FROM proposal_counts WHERE proposal = ?1)",
            [&proposal],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        count, stored,
        "the proposal's vote counter matches its rows"
    );
    drop(restarted);
}

#[test]
fn serve_pins_an_audit_bundle_and_log_heads_when_a_proposal_closes() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("votehub.toml");
    std::fs::write(
        &config,
        "[audit]\nfinalize_delay = 0\ntick_ms = 200\nlog_head_interval = 1\n",
    )
    .unwrap();
    let data = dir.path().join("data");
    let out = votehub(
        &data,
        &["space", "register", "test.eth", "--controller", &address(0)],
    );
    assert!(out.status.success());
    let server = Server::start(&data, &["--config", config.to_str().unwrap()]);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let post = |signer: usize, kind: Kind, message: Value| -> String {
        let envelope = super::helpers::signed(signer, kind, message);
        let (status, reply) = server.post(&agent, &envelope).unwrap();
        assert_eq!(status, 200, "{reply}");
        reply["id"].as_str().unwrap().to_string()
    };
    post(
        0,
        Kind::Settings,
        json!({"space": "test.eth", "settings": ticket_settings().to_string()}),
    );
    let end = now() + 2;
    let proposal = post(
        0,
        Kind::Proposal,
        json!({"space": "test.eth", "type": "single-choice", "title": "Closing soon", "body": "",
               "choices": ["A", "B"], "start": now() - 10, "end": end, "snapshot": 1}),
    );
    post(
        1,
        Kind::Vote,
        json!({"space": "test.eth", "proposal": proposal, "choice": 2}),
    );
    let get = |path: &str| -> Value {
        agent
            .get(format!("{}{path}", server.url))
            .call()
            .unwrap()
            .body_mut()
            .read_json()
            .unwrap_or(Value::Null)
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let cid = loop {
        if let Some(cid) = get(&format!("/api/proposals/{proposal}"))["audit_cid"].as_str() {
            break cid.to_string();
        }
        assert!(Instant::now() < deadline, "no audit bundle was pinned");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(get("/api/log/head")["mci"].as_i64() >= Some(3));
    let out = Command::new(env!("CARGO_BIN_EXE_votehub"))
        .args(["verify", &cid, "--gateway", &server.url, "--quiet"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("1 votes (1 counted, 0 superseded)"), "{text}");
}

/// The relayer key changes only through the log: `rotate-relayer` (refused
/// while a server holds the data directory) records a rotation signed by
/// both keys, a lost key accepted with `--accept-new-relayer` records one
/// the old key did not sign, and `verify-log` follows both.
#[test]
fn relayer_rotations_are_recorded_in_the_log_and_followed_by_verify_log() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("votehub.toml");
    std::fs::write(&config, "[audit]\ntick_ms = 100\nlog_head_interval = 1\n").unwrap();
    let config = config.to_str().unwrap();
    let data = dir.path().join("data");
    let agent = new_agent();
    let head_after = |server: &Server, mci: i64| -> (String, i64) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let head: Value = agent
                .get(format!("{}/api/log/head", server.url))
                .call()
                .unwrap()
                .body_mut()
                .read_json()
                .unwrap_or(Value::Null);
            if let (Some(cid), Some(at)) = (head["cid"].as_str(), head["mci"].as_i64()) {
                if at > mci {
                    return (cid.to_string(), at);
                }
            }
            assert!(Instant::now() < deadline, "no log head after message {mci}");
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let relayer = |data: &std::path::Path| {
        votehub::app::relayer_key::load_or_create(data)
            .unwrap()
            .address()
            .to_string()
    };

    let mut server = Server::start(&data, &["--config", config, "--demo"]);
    let (_, first_mci) = head_after(&server, 0);
    let first = relayer(&data);
    // A second server, or a rotation, while this one runs: refused.
    for args in [
        &["serve", "--listen", "127.0.0.1:0"][..],
        &["rotate-relayer"],
    ] {
        let out = votehub(&data, args);
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("in use by a running votehub server"),
            "{stderr}"
        );
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();

    let out = votehub(&data, &["rotate-relayer"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    let second = relayer(&data);
    assert_ne!(first, second);
    assert!(
        text.contains(&format!("relayer rotated: {first} -> {second}")),
        "{text}"
    );
    assert!(data.join(format!("relayer.key.retired-{first}")).exists());

    // The server starts under the new key (the newest receipt is its own).
    let mut server = Server::start(&data, &["--config", config]);
    let (head, second_mci) = head_after(&server, first_mci);
    let out = votehub(&data, &["verify-log", &head, "--gateway", &server.url]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!("relayer {first} -> {second}, signed by both keys")),
        "{text}"
    );
    server.child.kill().unwrap();
    server.child.wait().unwrap();

    // The key lost: refused, then accepted and recorded as unsigned by it.
    std::fs::remove_file(data.join("relayer.key")).unwrap();
    let out = votehub(&data, &["serve", "--listen", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(1));
    let server = Server::start(&data, &["--config", config, "--accept-new-relayer"]);
    let third = relayer(&data);
    let (head, _) = head_after(&server, second_mci);
    let out = votehub(&data, &["verify-log", &head, "--gateway", &server.url]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!(
            "relayer {second} -> {third}, NOT signed by the old key"
        )),
        "{text}"
    );
    assert!(text.contains(&format!("relayer {first} -> {second}, signed by both keys")));
    assert!(text.contains(&format!("relayer {third}")), "{text}");
}

/// Whether the tests run as root, for whom file modes stop nothing.
fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    let probe = tempfile::NamedTempFile::new().unwrap();
    probe.as_file().metadata().unwrap().uid() == 0
}

/// `votehub` as a user that file modes apply to: as root (CI), the
/// unprivileged `nobody` through util-linux's `setpriv`.
fn unprivileged_votehub() -> Command {
    if !running_as_root() {
        return Command::new(env!("CARGO_BIN_EXE_votehub"));
    }
    let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"]
        .into_iter()
        .find(|path| std::path::Path::new(path).exists())
        .expect(
            "run as root, this test drops privileges with setpriv (apt-get install util-linux)",
        );
    let mut command = Command::new(setpriv);
    command
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_votehub"));
    command
}

/// A data directory that cannot be written is refused at start, naming the
/// path and the OS error, before the port is bound: an empty directory, a
/// store whose directory is read-only (SQLite could not create its -wal and
/// -shm files there) and a read-only database file in a writable directory.
/// Commands that write refuse it the same way.
#[test]
fn serve_refuses_a_data_directory_it_cannot_write() {
    use std::os::unix::fs::PermissionsExt;
    let chmod = |path: &std::path::Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    // `nobody` must reach the data directories.
    chmod(dir.path(), 0o755);
    let store_in = |name: &str| {
        let data = dir.path().join(name);
        let out = votehub(
            &data,
            &["space", "register", "cli.eth", "--controller", &address(0)],
        );
        assert!(out.status.success(), "{out:?}");
        for entry in std::fs::read_dir(&data).unwrap() {
            chmod(&entry.unwrap().path(), 0o666);
        }
        data
    };
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    chmod(&empty, 0o555);
    let read_only_dir = store_in("read-only-dir");
    chmod(&read_only_dir, 0o555);
    let read_only_file = store_in("read-only-file");
    chmod(&read_only_file, 0o777);
    chmod(&read_only_file.join("votehub.sqlite"), 0o444);

    for (data, named) in [
        (&empty, empty.clone()),
        (&read_only_dir, read_only_dir.clone()),
        (&read_only_file, read_only_file.join("votehub.sqlite")),
    ] {
        let listen = super::helpers::free_listen();
        let mut serve = unprivileged_votehub()
            .arg("--data")
            .arg(data)
            .args(["serve", "--listen", &listen])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while serve.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = serve.kill();
                panic!("votehub serve kept running on {}", data.display());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let output = serve.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "the data directory {} cannot be written",
                data.display()
            )) && stderr.contains(&format!("{}: ", named.display()))
                && stderr.contains("Permission denied (os error 13)"),
            "{stderr}"
        );
        assert!(
            !String::from_utf8_lossy(&output.stdout).contains("votehub serving"),
            "{stderr}"
        );
        assert!(
            std::net::TcpStream::connect(&listen).is_err(),
            "something listens on {listen}"
        );

        let register = unprivileged_votehub()
            .arg("--data")
            .arg(data)
            .args([
                "space",
                "register",
                "other.eth",
                "--controller",
                &address(1),
            ])
            .output()
            .unwrap();
        assert_eq!(register.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&register.stderr).contains("cannot be written"));
    }
}

/// `votehub jury draw` re-runs braintrust-governance §6.5's test vector from
/// its published inputs: the selected addresses, one per line, nothing else.
#[test]
fn jury_draw_prints_the_published_vector_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let pool = dir.path().join("pool.csv");
    // In reverse order, with a zero weight and mixed case: the canonical
    // pool is the same.
    std::fs::write(
        &pool,
        "address,weight\n\
         0x0000000000000000000000000000000000000005,5\n\
         0x00000000000000000000000000000000000000Ff,0\n\
         0x0000000000000000000000000000000000000004,5\n\
         0x0000000000000000000000000000000000000003,10\n\
         0x0000000000000000000000000000000000000002,30\n\
         0x0000000000000000000000000000000000000001,50\n",
    )
    .unwrap();
    let seed = "0x52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971";
    let run = |seats: &str| {
        votehub(
            dir.path(),
            &[
                "jury",
                "draw",
                "--pool",
                pool.to_str().unwrap(),
                "--seed",
                seed,
                "--case",
                "case-42",
                "--seats",
                seats,
            ],
        )
    };
    let out = run("3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "0x0000000000000000000000000000000000000002\n\
         0x0000000000000000000000000000000000000003\n\
         0x0000000000000000000000000000000000000004\n"
    );
    assert!(out.stderr.is_empty());
    let out = run("5");
    assert_eq!(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| &l[41..])
            .collect::<Vec<_>>(),
        ["2", "3", "4", "1", "5"]
    );
    // A seed of the wrong length, and a pool with a bad line, fail precisely.
    let out = votehub(
        dir.path(),
        &[
            "jury",
            "draw",
            "--pool",
            pool.to_str().unwrap(),
            "--seed",
            "0x1234",
            "--case",
            "c",
            "--seats",
            "3",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("0x and 64 hex digits"));
    std::fs::write(
        &pool,
        "address,weight\n0x0000000000000000000000000000000000000001,-3\n",
    )
    .unwrap();
    let out = run("3");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2: not a whole number: -3"));
}
