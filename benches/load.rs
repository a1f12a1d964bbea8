//! End-to-end load test: pre-signed votes over HTTP on loopback against a real
//! server (durable group commit), beside the floor measured in the same run:
//! raw k256 recovery on every core. Bounded: it sends `--votes` requests once.
//! The clients are `--clients` raw keep-alive connections driven by one
//! thread, so the generator takes as little as possible of the cores it shares
//! with the server. The run also measures the ceiling any relayer has here:
//! one recovery plus one receipt signature per vote on every core, and then
//! a stateless relay over HTTP (the same votes parsed, digested, recovered
//! and receipted, with no store and no rules), on the same cores and clients.
//!
//! Run: `cargo bench --bench load -- --votes 20000 --clients 16`

use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use actix_web::{web, App, HttpResponse, HttpServer};
use serde_json::{json, Map, Value};
use votehub::clock::unix_now;
use votehub::http::AppState;
use votehub::ingest::rules::Limits;
use votehub::ingest::Ingestor;
use votehub::protocol::envelope::Envelope;
use votehub::protocol::signature::{self, Signer};
use votehub::protocol::typed_data::{self, Kind};
use votehub::store::{writer::Writer, Db, Store};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn sign(signer: &Signer, kind: Kind, message: Value) -> Vec<u8> {
    let message: Map<String, Value> = serde_json::from_value(message).unwrap();
    votehub::protocol::client::sign(signer, kind, message, unix_now())
        .unwrap()
        .to_string()
        .into_bytes()
}

/// A digest, its wallet signature, and that signature as the hex a receipt signs.
type Sample = ([u8; 32], Vec<u8>, String);

/// 256 signatures by fresh keys, used in rotation by the rate measurements.
fn samples() -> Vec<Sample> {
    (0..256u32)
        .map(|i| {
            let digest = signature::keccak256(&i.to_be_bytes());
            let sig = Signer::generate().sign_prehash(&digest).to_vec();
            let text = format!("0x{}", hex::encode(&sig));
            (digest, sig, text)
        })
        .collect()
}

/// How many `work` calls per second `threads` threads make, each calling it
/// `per_thread` times over the samples in rotation.
fn per_second(threads: usize, per_thread: usize, work: impl Fn(&Sample) + Sync) -> f64 {
    let samples = samples();
    let start = Instant::now();
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (samples, work) = (&samples, &work);
            scope.spawn(move || {
                for i in 0..per_thread {
                    work(&samples[(i + t) % samples.len()]);
                }
            });
        }
    });
    (threads * per_thread) as f64 / start.elapsed().as_secs_f64()
}

/// Raw recoveries per second on `threads` threads: the physical floor.
fn raw_recovery_rate(threads: usize, per_thread: usize) -> f64 {
    per_second(threads, per_thread, |(digest, sig, _)| {
        let signature = k256::ecdsa::Signature::from_slice(&sig[..64]).unwrap();
        let id = k256::ecdsa::RecoveryId::from_byte(sig[64] - 27).unwrap();
        std::hint::black_box(
            k256::ecdsa::VerifyingKey::recover_from_prehash(digest, &signature, id).unwrap(),
        );
    })
}

/// Recoveries plus receipt signatures per second on `threads` threads: the
/// cryptography every accepted vote needs, with nothing else.
fn crypto_ceiling_rate(threads: usize, per_thread: usize) -> f64 {
    let relayer = Signer::generate();
    per_second(threads, per_thread, |(digest, sig, text)| {
        std::hint::black_box(signature::recover(digest, sig).unwrap());
        std::hint::black_box(relayer.personal_sign(text));
    })
}

/// Starts an actix server built by `start` on a fresh loopback port, on its
/// own thread, and returns the port.
fn serve(
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

/// What every relayer computes for a vote, and nothing else: parse, kind,
/// EIP-712 digest, recovery, the pinned JSON's CID and the receipt. No store,
/// no rules. Its throughput bounds any server's on these cores.
async fn stateless_relay(body: web::Bytes, relayer: web::Data<Signer>) -> HttpResponse {
    let envelope = Envelope::parse(&body).unwrap();
    let schema = typed_data::lookup(envelope.types()).unwrap();
    let digest = typed_data::digest(schema, envelope.domain(), envelope.message()).unwrap();
    let sig = signature::decode_hex_sig(envelope.sig()).unwrap();
    assert_eq!(
        signature::recover(&digest, &sig).unwrap(),
        envelope.address()
    );
    let id = format!("0x{}", hex::encode(digest));
    let ipfs = votehub::ipld::raw_cid(&envelope.pinned_json(&id));
    let receipt = relayer.personal_sign(envelope.sig());
    HttpResponse::Ok().json(json!({
        "id": id,
        "ipfs": ipfs,
        "relayer": {"address": relayer.address().to_string(), "receipt": receipt},
    }))
}

/// One load run's outcome.
struct Run {
    seconds: f64,
    cpu_seconds: f64,
    accepted: usize,
    latencies: Vec<Duration>,
}

impl Run {
    fn rate(&self) -> f64 {
        self.accepted as f64 / self.seconds
    }

    /// A latency percentile in milliseconds.
    fn percentile(&self, p: f64) -> f64 {
        let i = ((self.latencies.len() as f64 * p) as usize).min(self.latencies.len() - 1);
        self.latencies[i].as_secs_f64() * 1e3
    }
}

/// Sends every request once over `clients` keep-alive connections driven by
/// one thread, and measures the run.
fn drive(address: SocketAddr, requests: &Arc<Vec<Vec<u8>>>, clients: usize) -> Run {
    let next = Arc::new(AtomicUsize::new(0));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let cpu_before = process_cpu_seconds();
    let start = Instant::now();
    let outcomes = runtime.block_on(async {
        let tasks: Vec<_> = (0..clients)
            .map(|_| tokio::spawn(connection(address, requests.clone(), next.clone())))
            .collect();
        let mut outcomes = Vec::with_capacity(tasks.len());
        for task in tasks {
            outcomes.push(task.await.unwrap());
        }
        outcomes
    });
    let seconds = start.elapsed().as_secs_f64();
    let cpu_seconds = process_cpu_seconds() - cpu_before;
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

/// A complete HTTP/1.1 keep-alive request posting `body`, built before the
/// clock starts.
fn http_request(body: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

/// One keep-alive connection sending requests until none are left: their
/// latencies and how many were answered 200.
async fn connection(
    address: SocketAddr,
    requests: Arc<Vec<Vec<u8>>>,
    next: Arc<AtomicUsize>,
) -> (Vec<Duration>, usize) {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let mut buffer = Vec::with_capacity(4096);
    let (mut latencies, mut accepted) = (Vec::new(), 0);
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(request) = requests.get(i) else {
            return (latencies, accepted);
        };
        let sent = Instant::now();
        stream.write_all(request).await.unwrap();
        buffer.clear();
        if read_response(&mut stream, &mut buffer).await == 200 {
            accepted += 1;
        }
        latencies.push(sent.elapsed());
    }
}

/// Reads one response (headers, then `Content-Length` bytes of body) and
/// returns its status code.
async fn read_response(stream: &mut tokio::net::TcpStream, buffer: &mut Vec<u8>) -> u16 {
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
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
        read_more(stream, buffer).await;
    }
}

async fn read_more(stream: &mut tokio::net::TcpStream, buffer: &mut Vec<u8>) {
    let mut chunk = [0u8; 4096];
    let n = stream.read(&mut chunk).await.unwrap();
    assert!(n > 0, "the server closed a keep-alive connection");
    buffer.extend_from_slice(&chunk[..n]);
}

/// User + system CPU time of this process (Linux `/proc/self/stat`), seconds.
fn process_cpu_seconds() -> f64 {
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

fn main() {
    let n_votes = arg("--votes", 20_000);
    let n_clients = arg("--clients", 16);
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);

    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("votehub.sqlite")).unwrap();
    let writer = Writer::spawn(&store, 512).unwrap();
    let relayer = votehub::app::relayer_key::load_or_create(dir.path()).unwrap();
    let ingestor = Ingestor::new(store.clone(), writer, relayer, Limits::default());
    let controller = votehub::app::demo::dev_key(0).unwrap();
    {
        let conn = store.write_connection().unwrap();
        Db::new(&conn)
            .set_controller("load.eth", &controller.address().to_string(), unix_now())
            .unwrap();
    }
    let settings =
        json!({"name": "Load", "network": "1", "strategies": [{"name": "ticket", "params": {}}]});
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime
        .block_on(ingestor.accept(&sign(
            &controller,
            Kind::Settings,
            json!({"space": "load.eth", "settings": settings.to_string()}),
        )))
        .unwrap();
    // A proposal body of typical size (Snapshot proposals carry a few KB of markdown).
    let body = "Motion text. ".repeat(500);
    let proposal = runtime
        .block_on(ingestor.accept(&sign(
            &controller,
            Kind::Proposal,
            json!({"space": "load.eth", "type": "single-choice", "title": "Load", "body": body, "choices": ["A", "B"],
                   "start": unix_now() - 10, "end": unix_now() + 3600, "snapshot": 1}),
        )))
        .unwrap()
        .id;

    eprintln!("signing {n_votes} votes with fresh keys…");
    let votes: Vec<Vec<u8>> = (0..n_votes)
        .map(|i| {
            sign(
                &Signer::generate(),
                Kind::Vote,
                json!({"space": "load.eth", "proposal": proposal, "choice": 1 + i % 2}),
            )
        })
        .collect();

    eprintln!("measuring raw k256 recovery on {cores} threads…");
    let floor = raw_recovery_rate(cores, 20_000);
    let ceiling = crypto_ceiling_rate(cores, 10_000);

    let requests: Arc<Vec<Vec<u8>>> =
        Arc::new(votes.iter().map(|body| http_request(body)).collect());
    let reads = votehub::reads::Reads::new(
        ingestor.store().clone(),
        ingestor.writer().clone(),
        ingestor.chains().clone(),
        votehub::tally::outcome::FINALIZE_DELAY,
    );
    // Every client is on 127.0.0.1: no per-client cap.
    let state = AppState::new(ingestor, reads, 0, 1 << 20).with_max_requests_per_client(0);
    let server = serve(cores, move |listener, workers| {
        votehub::http::start(state, listener, workers)
    });
    // The WAL's size, sampled through the run: bounded by the checkpointer.
    let wal = dir.path().join("votehub.sqlite-wal");
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (wal, sampling) = (wal.clone(), Arc::clone(&sampling));
        std::thread::spawn(move || {
            let mut peak = 0u64;
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(std::fs::metadata(&wal).map_or(0, |meta| meta.len()));
                std::thread::sleep(Duration::from_millis(20));
            }
            peak
        })
    };
    let run = drive(server, &requests, n_clients);
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let wal_peak = sampler.join().unwrap_or(0);
    std::thread::sleep(Duration::from_secs(2));
    let wal_idle = std::fs::metadata(&wal).map_or(0, |meta| meta.len());
    let accepted = run.accepted;

    let relay = serve(cores, |listener, workers| {
        let relayer = web::Data::new(Signer::generate());
        Ok(HttpServer::new(move || {
            App::new()
                .app_data(relayer.clone())
                .route("/", web::post().to(stateless_relay))
        })
        .workers(workers)
        .listen(listener)?
        .run())
    });
    let relay_run = drive(relay, &requests, n_clients);

    println!("votes sent              {n_votes} by {n_clients} clients, {cores} server workers");
    println!("votes accepted          {accepted} in {:.2} s", run.seconds);
    println!("accepted votes/s        {:.0}", run.rate());
    println!(
        "WAL peak / after 2 s idle  {:.1} MiB ({:.1} MiB per 100k votes) / {} bytes",
        wal_peak as f64 / 1048576.0,
        wal_peak as f64 / 1048576.0 * 100_000.0 / n_votes.max(1) as f64,
        wal_idle
    );
    println!(
        "latency p50 / p99       {:.2} ms / {:.2} ms",
        run.percentile(0.50),
        run.percentile(0.99)
    );
    println!(
        "CPU (server + clients)  {:.0} µs per vote, {:.0} % of {cores} cores",
        run.cpu_seconds / n_votes as f64 * 1e6,
        run.cpu_seconds / run.seconds / cores as f64 * 100.0
    );
    println!("raw k256 recover/s      {floor:.0} ({cores} threads, same run)");
    println!(
        "recover + receipt/s     {ceiling:.0} ({cores} threads, same run; ratio {:.2})",
        ceiling / floor
    );
    println!(
        "stateless relay/s       {:.0} (HTTP, no store, no rules; ratio {:.2}; {:.0} µs per vote)",
        relay_run.rate(),
        relay_run.rate() / floor,
        relay_run.cpu_seconds / n_votes as f64 * 1e6
    );
    println!("ratio to the floor      {:.2}", run.rate() / floor);
    assert_eq!(
        relay_run.accepted, n_votes,
        "the stateless relay refused a vote"
    );
    assert_eq!(
        accepted, n_votes,
        "every pre-signed vote should be accepted"
    );
}
