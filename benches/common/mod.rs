//! What the HTTP benchmarks share: signing messages, starting a server on a
//! loopback port, and raw keep-alive clients that time each request. The
//! clients are hand-rolled on tokio sockets so that the generator costs as
//! little as possible of the cores it shares with the server.

use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use votehub::clock::unix_now;
use votehub::protocol::signature::{keccak256, Address, Signer};
use votehub::protocol::typed_data::Kind;
use votehub::store::{StoreError, VoteRow};

/// The value after `name` on the command line, or `default`.
pub fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A signed envelope's JSON, stamped now.
pub fn sign(signer: &Signer, kind: Kind, message: Value) -> Vec<u8> {
    sign_at(signer, kind, message, unix_now())
}

/// A signed envelope's JSON with the given `timestamp`.
pub fn sign_at(signer: &Signer, kind: Kind, message: Value, timestamp: i64) -> Vec<u8> {
    let message: Map<String, Value> = serde_json::from_value(message).unwrap();
    votehub::protocol::client::sign(signer, kind, message, timestamp)
        .unwrap()
        .to_string()
        .into_bytes()
}

/// Starts an actix server built by `start` on a fresh loopback port, on its
/// own thread, and returns the port.
pub fn serve(
    workers: usize,
    start: impl FnOnce(TcpListener, usize) -> std::io::Result<actix_web::dev::Server> + Send + 'static,
) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        actix_web::rt::System::new()
            .block_on(async move { start(listener, workers).unwrap().await })
    });
    std::thread::sleep(Duration::from_millis(300));
    address
}

/// One load run's outcome.
pub struct Run {
    pub seconds: f64,
    pub cpu_seconds: f64,
    pub accepted: usize,
    pub latencies: Vec<Duration>,
}

impl Run {
    /// Requests answered 200 per second.
    pub fn rate(&self) -> f64 {
        self.accepted as f64 / self.seconds
    }

    /// A latency percentile in milliseconds.
    pub fn percentile(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let i = ((self.latencies.len() as f64 * p) as usize).min(self.latencies.len() - 1);
        self.latencies[i].as_secs_f64() * 1e3
    }

    /// A run from each connection's `(latencies, answered 200)`.
    pub fn gather(outcomes: Vec<(Vec<Duration>, usize)>, seconds: f64, cpu_seconds: f64) -> Run {
        let accepted = outcomes.iter().map(|(_, accepted)| accepted).sum();
        let mut latencies: Vec<Duration> = outcomes.into_iter().flat_map(|(l, _)| l).collect();
        latencies.sort();
        Run {
            seconds,
            cpu_seconds,
            accepted,
            latencies,
        }
    }
}

/// A single-threaded runtime for a client generator.
pub fn client_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Runs `clients` client tasks made by `task(i)` on one thread until all
/// end, and gathers their `(latencies, answered 200)` into a run.
pub fn connections<F, Fut>(clients: usize, task: F) -> Run
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = (Vec<Duration>, usize)> + 'static,
{
    let runtime = client_runtime();
    let cpu_before = process_cpu_seconds();
    let start = Instant::now();
    let outcomes = runtime.block_on(async {
        let local = tokio::task::LocalSet::new();
        let tasks: Vec<_> = (0..clients).map(|i| local.spawn_local(task(i))).collect();
        local
            .run_until(async {
                let mut outcomes = Vec::with_capacity(tasks.len());
                for task in tasks {
                    outcomes.push(task.await.unwrap());
                }
                outcomes
            })
            .await
    });
    let seconds = start.elapsed().as_secs_f64();
    Run::gather(outcomes, seconds, process_cpu_seconds() - cpu_before)
}

/// Sends every request once over `clients` keep-alive connections driven by
/// one thread, as fast as the server answers, and measures the run.
pub fn drive(address: SocketAddr, requests: &Arc<Vec<Vec<u8>>>, clients: usize) -> Run {
    let next = Arc::new(AtomicUsize::new(0));
    connections(clients, |_| {
        connection(address, requests.clone(), next.clone())
    })
}

/// A complete HTTP/1.1 keep-alive request posting `body` to `path`, built
/// before the clock starts.
pub fn http_request(path: &str, body: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

/// A keep-alive connection to `address`, without Nagle's delay.
pub async fn open(address: SocketAddr) -> tokio::net::TcpStream {
    let stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.set_nodelay(true).unwrap();
    stream
}

/// Sends `request` and reads the whole response into `buffer`: its status.
pub async fn exchange(
    stream: &mut tokio::net::TcpStream,
    request: &[u8],
    buffer: &mut Vec<u8>,
) -> u16 {
    stream.write_all(request).await.unwrap();
    buffer.clear();
    read_response(stream, buffer).await
}

/// One keep-alive connection sending requests until none are left: their
/// latencies and how many were answered 200.
async fn connection(
    address: SocketAddr,
    requests: Arc<Vec<Vec<u8>>>,
    next: Arc<AtomicUsize>,
) -> (Vec<Duration>, usize) {
    let mut stream = open(address).await;
    let mut buffer = Vec::with_capacity(4096);
    let (mut latencies, mut accepted) = (Vec::new(), 0);
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(request) = requests.get(i) else {
            return (latencies, accepted);
        };
        let sent = Instant::now();
        if exchange(&mut stream, request, &mut buffer).await == 200 {
            accepted += 1;
        }
        latencies.push(sent.elapsed());
    }
}

/// Reads one response (headers, then `Content-Length` bytes of body) and
/// returns its status code.
async fn read_response(stream: &mut tokio::net::TcpStream, buffer: &mut Vec<u8>) -> u16 {
    let mut scanned = 0;
    loop {
        if let Some(end) = buffer[scanned..]
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|at| at + scanned)
        {
            let head = std::str::from_utf8(&buffer[..end])
                .unwrap()
                .to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .map(|value| value.trim().parse().unwrap())
                .unwrap_or(0);
            while buffer.len() < end + 4 + length {
                read_more(stream, buffer).await;
            }
            return head[9..12].parse().unwrap();
        }
        scanned = buffer.len().saturating_sub(3);
        read_more(stream, buffer).await;
    }
}

async fn read_more(stream: &mut tokio::net::TcpStream, buffer: &mut Vec<u8>) {
    let mut chunk = [0u8; 65536];
    let n = stream.read(&mut chunk).await.unwrap();
    assert!(n > 0, "the server closed a keep-alive connection");
    buffer.extend_from_slice(&chunk[..n]);
}

/// User + system CPU time of this process (Linux `/proc/self/stat`), seconds.
pub fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let ticks: f64 = fields
        .get(11..13)
        .map(|f| f.iter().filter_map(|v| v.parse::<f64>().ok()).sum())
        .unwrap_or(0.0);
    ticks / 100.0
}

/// A fresh votehub on a temporary data directory, with the space `load.eth`
/// (one `ticket` strategy: every voter has 1) controlled by the first
/// development key.
pub struct Hub {
    pub dir: tempfile::TempDir,
    pub ingestor: votehub::ingest::Ingestor,
    pub controller: Signer,
    runtime: tokio::runtime::Runtime,
}

impl Hub {
    pub fn new() -> Hub {
        use votehub::store::{writer::Writer, Db, Store};
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("votehub.sqlite")).unwrap();
        let writer = Writer::spawn(&store, 512).unwrap();
        let relayer = votehub::app::relayer_key::load_or_create(dir.path()).unwrap();
        let ingestor = votehub::ingest::Ingestor::new(
            store.clone(),
            writer,
            relayer,
            votehub::ingest::rules::Limits::default(),
        );
        let controller = votehub::app::demo::dev_key(0).unwrap();
        {
            let conn = store.write_connection().unwrap();
            Db::new(&conn)
                .set_controller("load.eth", &controller.address().to_string(), unix_now())
                .unwrap();
        }
        let hub = Hub {
            dir,
            ingestor,
            controller,
            runtime: client_runtime(),
        };
        let settings = serde_json::json!({"name": "Load", "network": "1",
            "strategies": [{"name": "ticket", "params": {}}]});
        hub.accept(&sign(
            &hub.controller,
            Kind::Settings,
            serde_json::json!({"space": "load.eth", "settings": settings.to_string()}),
        ));
        hub
    }

    /// Ingests one signed envelope in-process: its message id.
    pub fn accept(&self, envelope: &[u8]) -> String {
        self.runtime
            .block_on(self.ingestor.accept(envelope))
            .unwrap()
            .id
    }

    /// An open single-choice proposal in `load.eth` signed at `timestamp`,
    /// with a body of typical size (Snapshot proposals carry a few KB of
    /// markdown): its id.
    pub fn proposal(&self, title: &str, timestamp: i64) -> String {
        let now = unix_now();
        self.accept(&sign_at(
            &self.controller,
            Kind::Proposal,
            serde_json::json!({"space": "load.eth", "type": "single-choice", "title": title,
                "body": "Motion text. ".repeat(500), "choices": ["A", "B"],
                "start": now - 10, "end": now + 3600, "snapshot": 1}),
            timestamp,
        ))
    }

    /// Writes `n` current votes on `proposal` in batches of 50,000, as ingest
    /// leaves them: distinct voters, ids and CIDs, choices 1 and 2, a reason on
    /// one vote in ten, voting powers of 10^-2 to 10^6 tokens.
    pub fn prefill(&self, proposal: &str, n: usize) {
        let store = self.ingestor.store();
        let now = unix_now();
        for batch in (0..n).step_by(50_000) {
            store
                .write_once(|db| {
                    for i in batch..(batch + 50_000).min(n) {
                        let seed = keccak256(&(i as u64).to_be_bytes());
                        let mut voter = [0u8; 20];
                        voter.copy_from_slice(&seed[12..]);
                        let spread = u64::from_be_bytes(seed[..8].try_into().unwrap_or_default());
                        let vp = 10f64.powf((spread % 8_000_000) as f64 / 1e6 - 2.0);
                        db.put_vote(
                            &VoteRow {
                                id: format!("0x{}", hex::encode(seed)),
                                ipfs: votehub::ipld::raw_cid(&seed).to_string(),
                                voter: Address::from_bytes(voter).to_string(),
                                created: now - 86_400 + (i as i64 * 86_400 / n as i64),
                                space: "load.eth".into(),
                                proposal: proposal.into(),
                                choice: json!(1 + i % 2),
                                reason: if i % 10 == 0 {
                                    format!("Reason number {i}: I have read the motion.")
                                } else {
                                    String::new()
                                },
                                app: "snapshot".into(),
                                metadata: json!({}),
                                vp,
                                vp_by_strategy: vec![vp],
                                vp_state: "final".into(),
                            },
                            false,
                        )?;
                    }
                    Ok::<_, StoreError>(())
                })
                .unwrap();
        }
    }

    /// The server's state, every client on 127.0.0.1: no per-client cap.
    pub fn serve(self, workers: usize) -> (SocketAddr, tempfile::TempDir) {
        let ingestor = self.ingestor;
        let reads = votehub::reads::Reads::new(
            ingestor.store().clone(),
            ingestor.writer().clone(),
            ingestor.chains().clone(),
            votehub::tally::outcome::FINALIZE_DELAY,
        );
        let state = votehub::http::AppState::new(ingestor, reads, 0, 1 << 20)
            .with_max_requests_per_client(0);
        let address = serve(workers, move |listener, workers| {
            votehub::http::start(state, listener, workers)
        });
        (address, self.dir)
    }
}

/// `n` votes on `proposal` in `load.eth`, each by a fresh key, alternating
/// choices 1 and 2, signed on every core: the HTTP requests posting them.
pub fn signed_votes(proposal: &str, n: usize) -> Vec<Vec<u8>> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut chunks: Vec<Vec<Vec<u8>>> = Vec::new();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    (t..n)
                        .step_by(threads)
                        .map(|i| {
                            let body = sign(
                                &Signer::generate(),
                                Kind::Vote,
                                serde_json::json!({"space": "load.eth", "proposal": proposal,
                                    "choice": 1 + i % 2}),
                            );
                            http_request("/", &body)
                        })
                        .collect()
                })
            })
            .collect();
        chunks = workers.into_iter().map(|w| w.join().unwrap()).collect();
    });
    chunks.into_iter().flatten().collect()
}
