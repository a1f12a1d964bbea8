//! End-to-end load test: pre-signed votes over HTTP on loopback against a real
//! server (durable group commit), beside the floor measured in the same run:
//! raw k256 recovery on every core. Bounded: it sends `--votes` requests once.
//!
//! Run: `cargo bench --bench load -- --votes 20000 --clients 16`

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};
use votehub::http::AppState;
use votehub::ingest::{unix_now, Ingestor};
use votehub::rules::Limits;
use votehub::signature::{self, Signer};
use votehub::store::{writer::Writer, Db, Store};
use votehub::typed_data::Kind;

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
    votehub::client::sign(signer, kind, message, unix_now())
        .unwrap()
        .to_string()
        .into_bytes()
}

/// Raw recoveries per second on `threads` threads: the physical floor.
fn raw_recovery_rate(threads: usize, per_thread: usize) -> f64 {
    let samples: Vec<([u8; 32], Vec<u8>)> = (0..256u32)
        .map(|i| {
            let digest = signature::keccak256(&i.to_be_bytes());
            (digest, Signer::generate().sign_prehash(&digest).to_vec())
        })
        .collect();
    let samples = Arc::new(samples);
    let start = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let samples = samples.clone();
            std::thread::spawn(move || {
                for i in 0..per_thread {
                    let (digest, sig) = &samples[(i + t) % samples.len()];
                    let sig = k256::ecdsa::Signature::from_slice(&sig[..64]).unwrap();
                    let id = k256::ecdsa::RecoveryId::from_byte(
                        samples[(i + t) % samples.len()].1[64] - 27,
                    )
                    .unwrap();
                    std::hint::black_box(
                        k256::ecdsa::VerifyingKey::recover_from_prehash(digest, &sig, id).unwrap(),
                    );
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    (threads * per_thread) as f64 / start.elapsed().as_secs_f64()
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
    let relayer = votehub::relayer::load_or_create(dir.path()).unwrap();
    let ingestor = Ingestor::new(store.clone(), writer, relayer, Limits::default());
    let controller = votehub::demo::dev_key(0).unwrap();
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
    let proposal = runtime
        .block_on(ingestor.accept(&sign(
            &controller,
            Kind::Proposal,
            json!({"space": "load.eth", "type": "single-choice", "title": "Load", "body": "", "choices": ["A", "B"],
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

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(ingestor, 0, 1 << 20);
    std::thread::spawn(move || {
        actix_web::rt::System::new()
            .block_on(async move { votehub::http::start(state, listener, cores).unwrap().await })
    });
    std::thread::sleep(Duration::from_millis(300));

    let votes = Arc::new(votes);
    let next = Arc::new(AtomicUsize::new(0));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(n_votes)));
    let accepted = Arc::new(AtomicUsize::new(0));
    let cpu_before = process_cpu_seconds();
    let start = Instant::now();
    let clients: Vec<_> = (0..n_clients)
        .map(|_| {
            let (votes, next, latencies, accepted, url) = (
                votes.clone(),
                next.clone(),
                latencies.clone(),
                accepted.clone(),
                url.clone(),
            );
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                let mut local = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= votes.len() {
                        break;
                    }
                    let sent = Instant::now();
                    let mut response = agent
                        .post(&url)
                        .header("Content-Type", "application/json")
                        .send(&votes[i][..])
                        .unwrap();
                    let _ = response.body_mut().read_to_vec();
                    local.push(sent.elapsed());
                    if response.status().as_u16() == 200 {
                        accepted.fetch_add(1, Ordering::Relaxed);
                    }
                }
                latencies.lock().unwrap().extend(local);
            })
        })
        .collect();
    for client in clients {
        client.join().unwrap();
    }
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = process_cpu_seconds() - cpu_before;
    let mut latencies = latencies.lock().unwrap().clone();
    latencies.sort();
    let percentile =
        |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    let accepted = accepted.load(Ordering::Relaxed);
    let rate = accepted as f64 / elapsed;
    println!("votes sent              {n_votes} by {n_clients} clients, {cores} server workers");
    println!("votes accepted          {accepted} in {elapsed:.2} s");
    println!("accepted votes/s        {rate:.0}");
    println!(
        "latency p50 / p99       {:.2} ms / {:.2} ms",
        percentile(0.50).as_secs_f64() * 1e3,
        percentile(0.99).as_secs_f64() * 1e3
    );
    println!(
        "CPU (server + clients)  {:.0} µs per vote, {:.0} % of {cores} cores",
        cpu / n_votes as f64 * 1e6,
        cpu / elapsed / cores as f64 * 100.0
    );
    println!("raw k256 recover/s      {floor:.0} ({cores} threads, same run)");
    println!("ratio to the floor      {:.2}", rate / floor);
    assert_eq!(
        accepted, n_votes,
        "every pre-signed vote should be accepted"
    );
}
