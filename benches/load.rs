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

// The large-store prefill of the shared helpers is for the read benches.
#[allow(dead_code)]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse, HttpServer};
use common::{arg, drive, serve};
use serde_json::json;
use votehub::clock::unix_now;
use votehub::protocol::envelope::Envelope;
use votehub::protocol::signature::{self, Signer};
use votehub::protocol::typed_data;

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

fn main() {
    let n_votes = arg("--votes", 20_000);
    let n_clients = arg("--clients", 16);
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);

    let hub = common::Hub::new();
    let proposal = hub.proposal("Load", unix_now());

    eprintln!("signing {n_votes} votes with fresh keys…");
    let requests = Arc::new(common::signed_votes(&proposal, n_votes));

    eprintln!("measuring raw k256 recovery on {cores} threads…");
    let floor = raw_recovery_rate(cores, 20_000);
    let ceiling = crypto_ceiling_rate(cores, 10_000);

    let (server, dir) = hub.serve(cores);
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
