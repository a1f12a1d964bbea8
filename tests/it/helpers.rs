//! `spawn_app()`: a real server on 127.0.0.1:0 over a fresh data directory.

use std::net::TcpListener;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};
use votehub::audit::closer::{Closer, Schedule};
use votehub::http::AppState;
use votehub::ingest::rules::Limits;
use votehub::ingest::Ingestor;
use votehub::protocol::signature::Signer;
use votehub::protocol::typed_data::Kind;
use votehub::store::{writer::Writer, Db, Store};

pub const SPACE: &str = "test.eth";

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

pub fn key(index: usize) -> Signer {
    votehub::app::demo::dev_key(index).unwrap()
}

pub fn address(index: usize) -> String {
    key(index).address().to_string()
}

/// A running server and its data directory.
pub struct TestApp {
    pub url: String,
    pub store: Store,
    /// Builds audit bundles and log heads on demand (the server's own
    /// background task is not started here, so tests decide when).
    pub closer: Closer,
    /// The server's read service, for tests that look beneath HTTP.
    pub reads: votehub::reads::Reads,
    _dir: tempfile::TempDir,
    agent: ureq::Agent,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        std::thread::spawn(move || actix_web::rt::System::new().block_on(handle.stop(false)));
    }
}

pub fn spawn_app() -> TestApp {
    spawn_app_with(0, Limits::default())
}

pub fn spawn_app_with(rate_limit: u32, limits: Limits) -> TestApp {
    spawn_app_with_chains(rate_limit, limits, votehub::chain::Chains::default())
}

/// A server that asks these JSON-RPC endpoints about contract signatures.
pub fn spawn_app_with_chains(
    rate_limit: u32,
    limits: Limits,
    chains: votehub::chain::Chains,
) -> TestApp {
    spawn(rate_limit, limits, chains, None, |state| state)
}

/// A server whose HTTP door is set up by `configure` (limits, proxies).
pub fn spawn_app_with_http(rate_limit: u32, configure: fn(AppState) -> AppState) -> TestApp {
    spawn(
        rate_limit,
        Limits::default(),
        votehub::chain::Chains::default(),
        None,
        configure,
    )
}

/// A server whose pinning worker runs with `ipfs` (`api` = the daemon's URL),
/// as `votehub serve --ipfs-api` starts it.
pub fn spawn_app_with_ipfs(ipfs: votehub::pinning::IpfsConfig) -> TestApp {
    spawn(
        0,
        Limits::default(),
        votehub::chain::Chains::default(),
        Some(ipfs),
        |state| state,
    )
}

fn spawn(
    rate_limit: u32,
    limits: Limits,
    chains: votehub::chain::Chains,
    ipfs: Option<votehub::pinning::IpfsConfig>,
    configure: fn(AppState) -> AppState,
) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("votehub.sqlite")).unwrap();
    let relayer = votehub::app::relayer_key::load_or_create(dir.path()).unwrap();
    let writer = Writer::spawn(&store, 64).unwrap();
    let pins = (store.clone(), writer.clone());
    let ingestor = Ingestor::new(store.clone(), writer, relayer, limits).with_chains(chains);
    let closer = Closer::new(
        &ingestor,
        Schedule {
            finalize_delay: 0,
            ..Schedule::default()
        },
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    // Results freeze right at the end here, so tests need not wait a minute.
    let reads = votehub::reads::Reads::new(
        store.clone(),
        ingestor.writer().clone(),
        ingestor.chains().clone(),
        0,
    );
    // A client that stalls mid-body is answered after 2 s here.
    let state = configure(
        AppState::new(ingestor, reads.clone(), rate_limit, 1 << 20)
            .with_body_timeout(std::time::Duration::from_secs(2)),
    );
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            if let Some(ipfs) = ipfs {
                votehub::pinning::spawn(&ipfs, &pins.0, &pins.1).unwrap();
            }
            let server = votehub::http::start(state, listener, 2).unwrap();
            sender.send(server.handle()).unwrap();
            let _ = server.await;
        })
    });
    let handle = receiver.recv().unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    TestApp {
        url,
        store,
        closer,
        reads,
        _dir: dir,
        agent,
        handle,
    }
}

impl TestApp {
    pub fn post_raw(&self, body: impl AsRef<[u8]>) -> (u16, Value) {
        let mut response = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/json")
            .send(body.as_ref())
            .unwrap();
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub fn post_to(&self, path: &str, body: &Value) -> (u16, Value) {
        let mut response = self
            .agent
            .post(format!("{}{}", self.url, path))
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .unwrap();
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub fn post(&self, envelope: &Value) -> (u16, Value) {
        self.post_raw(envelope.to_string())
    }

    pub fn get(&self, path: &str) -> (u16, Value) {
        let (status, _, text) = self.get_bytes(path);
        (status, serde_json::from_slice(&text).unwrap_or(Value::Null))
    }

    pub fn get_bytes(&self, path: &str) -> (u16, String, Vec<u8>) {
        let mut response = self
            .agent
            .get(format!("{}{}", self.url, path))
            .call()
            .unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body = response.body_mut().read_to_vec().unwrap();
        (status, content_type, body)
    }

    /// Signs with dev key `signer` and posts; returns the reply.
    pub fn send(&self, signer: usize, kind: Kind, message: Value) -> (u16, Value) {
        self.post(&signed(signer, kind, message))
    }

    /// Like `send`, but the message must be accepted; returns its id.
    pub fn accept(&self, signer: usize, kind: Kind, message: Value) -> String {
        let (status, reply) = self.send(signer, kind, message);
        assert_eq!(status, 200, "{reply}");
        reply["id"].as_str().unwrap().to_string()
    }

    /// The server's data directory (its relayer key lives there).
    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// Runs `work` to completion on a fresh runtime (closer and writer calls).
    pub fn block_on<T>(&self, work: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(work)
    }

    pub fn db<T>(&self, f: impl FnOnce(&Db<'_>) -> T) -> T {
        let conn = self.store.write_connection().unwrap();
        f(&Db::new(&conn))
    }

    /// Stores a DAG of about `mib` MiB and returns its root: a DAG-JSON
    /// block linking a UnixFS file of `mib` MiB (256 KiB leaves) and 2,000
    /// small raw blocks, so a CAR of it mixes large and small sections.
    pub fn store_dag(&self, mib: usize) -> String {
        let file: Vec<u8> = (0..mib << 20).map(|i| (i % 251) as u8).collect();
        let unixfs = votehub::ipld::unixfs_blocks(&file);
        let notes: Vec<(String, Vec<u8>)> = (0..2000)
            .map(|i| {
                let bytes = format!("note {i} of a {mib} MiB DAG").into_bytes();
                (votehub::ipld::raw_cid(&bytes), bytes)
            })
            .collect();
        let (root, bytes) = votehub::ipld::dag_json_block(&json!({
            "file": votehub::ipld::link(&unixfs.last().unwrap().0),
            "notes": notes.iter().map(|(cid, _)| votehub::ipld::link(cid)).collect::<Vec<_>>(),
        }));
        let conn = self.store.write_connection().unwrap();
        let tx = conn.unchecked_transaction().unwrap();
        let db = Db::new(&tx);
        for (cid, block) in unixfs.iter().chain(&notes).chain([&(root.clone(), bytes)]) {
            db.put_block(cid, block).unwrap();
        }
        tx.commit().unwrap();
        root
    }

    /// The CAR of the DAG under `root` as iroh-car's writer makes it from
    /// the stored blocks (the server's in-memory export before streaming).
    pub fn expected_car(&self, root: &str) -> Vec<u8> {
        let blocks = self.store.reader().unwrap().db().dag(root).unwrap();
        self.block_on(async {
            let header = iroh_car::CarHeader::new_v1(vec![blocks[0].0]);
            let mut writer = iroh_car::CarWriter::new(header, Vec::new());
            for (cid, bytes) in &blocks {
                writer.write(*cid, bytes).await.unwrap();
            }
            writer.finish().await.unwrap()
        })
    }

    /// Registers dev key 0 as controller of `space` and creates it.
    pub fn create_space(&self, space: &str, settings: Value) {
        let controller = address(0);
        self.db(|db| db.set_controller(space, &controller, now()).unwrap());
        self.accept(
            0,
            Kind::Settings,
            json!({"space": space, "settings": settings.to_string()}),
        );
    }

    /// A space whose every voter has power 1 (ticket).
    pub fn ticket_space(&self) {
        self.create_space(SPACE, ticket_settings());
    }

    /// An open proposal of `kind` with `n` choices; returns its id.
    pub fn open_proposal(&self, kind: &str, n: usize) -> String {
        let choices: Vec<String> = (1..=n).map(|i| format!("Choice {i}")).collect();
        self.accept(0, Kind::Proposal, proposal_message(SPACE, kind, &choices))
    }
}

pub fn ticket_settings() -> Value {
    json!({
        "name": "Test space",
        "network": "1",
        "symbol": "TICKET",
        "strategies": [{"name": "ticket", "params": {}}],
        "admins": [address(0)],
        "moderators": [address(2)],
        "members": [],
    })
}

/// A proposal message; each call gets a distinct body, so two proposals made
/// in the same second have distinct ids.
pub fn proposal_message(space: &str, kind: &str, choices: &[String]) -> Value {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    json!({
        "space": space,
        "type": kind,
        "title": "A test proposal",
        "body": format!("Body {n}"),
        "choices": choices,
        "start": now() - 10,
        "end": now() + 3600,
        "snapshot": 100,
    })
}

/// An envelope signed by dev key `signer` with the kind's current schema.
pub fn signed(signer: usize, kind: Kind, message: Value) -> Value {
    let message: Map<String, Value> = serde_json::from_value(message).unwrap();
    votehub::protocol::client::sign(&key(signer), kind, message, now()).unwrap()
}

/// Re-signs an envelope after its message was edited.
pub fn resign(signer: usize, envelope: &Value) -> Value {
    let types = envelope["data"]["types"].as_object().unwrap();
    let schema = votehub::protocol::typed_data::lookup(types).unwrap();
    let digest = votehub::protocol::typed_data::digest(
        schema,
        envelope["data"]["domain"].as_object().unwrap(),
        envelope["data"]["message"].as_object().unwrap(),
    )
    .unwrap();
    let mut out = envelope.clone();
    out["sig"] = json!(format!(
        "0x{}",
        hex::encode(key(signer).sign_prehash(&digest))
    ));
    out
}

/// Asserts a reply is Snapshot's error with this status and description.
#[track_caller]
pub fn assert_rejected(reply: (u16, Value), status: u16, description: &str) {
    assert_eq!(
        reply.1,
        json!({"error": if status >= 500 {"server_error"} else {"client_error"}, "error_description": description})
    );
    assert_eq!(reply.0, status, "{}", reply.1);
}

/// A vote under the legacy `bytes32 proposal` schema, with any signature.
pub fn legacy_vote(proposal: &str, choice: Value, sig: &Value) -> Value {
    json!({
        "address": address(1),
        "sig": sig,
        "data": {
            "domain": {"name": "snapshot", "version": "0.1.4"},
            "types": {"Vote": [
                {"name": "from", "type": "address"},
                {"name": "space", "type": "string"},
                {"name": "timestamp", "type": "uint64"},
                {"name": "proposal", "type": "bytes32"},
                {"name": "choice", "type": "uint32"}
            ]},
            "message": {"from": address(1), "space": SPACE, "timestamp": now(), "proposal": proposal, "choice": choice}
        }
    })
}

/// A `votehub serve` child process on a free port.
pub struct Server {
    pub child: std::process::Child,
    pub url: String,
}

impl Server {
    pub fn start(data: &std::path::Path, extra: &[&str]) -> Server {
        let listen = free_listen();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_votehub"))
            .arg("--data")
            .arg(data)
            .args(["serve", "--listen", &listen, "--rate-limit", "0"])
            .args(extra)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let url = format!("http://{listen}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while ureq::get(&url).call().is_err() {
            assert!(std::time::Instant::now() < deadline, "server did not start");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Server { child, url }
    }

    pub fn post(&self, agent: &ureq::Agent, envelope: &Value) -> Option<(u16, Value)> {
        let mut response = agent.post(&self.url).send(envelope.to_string()).ok()?;
        let status = response.status().as_u16();
        let body: Value = serde_json::from_str(&response.body_mut().read_to_string().ok()?).ok()?;
        Some((status, body))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback address with a port free right now, for a `votehub serve`
/// child process to listen on.
pub fn free_listen() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("127.0.0.1:{port}")
}
