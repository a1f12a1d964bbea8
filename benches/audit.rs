//! Audit bundle build and `votehub verify` at scale, beside the floor
//! measured in the same run: raw k256 recovery of the very same votes on the
//! same threads.
//!
//! The votes are signed for real (one key per voter) and written straight
//! into the store as the ingest path writes them, so the setup takes minutes
//! at 1,000,000 votes instead of the HTTP path's hour.
//!
//! Run: `cargo bench --bench audit -- --votes 100000 [--threads 2]`

// Only the argument reader of the shared bench helpers is used here.
#[allow(dead_code)]
mod common;

use std::time::{Duration, Instant};

use common::arg;
use serde_json::{json, Map, Value};
use votehub::clock::unix_now;
use votehub::ingest::rules::Limits;
use votehub::ingest::Ingestor;
use votehub::protocol::envelope::Envelope;
use votehub::protocol::signature::{self, Address, Signer};
use votehub::protocol::typed_data::{self, Kind};
use votehub::store::{writer::Writer, Db, MessageRow, Store, VoteRow};

const SPACE: &str = "audit-bench.eth";
const TOKEN: &str = "0x1234567890123456789012345678901234567890";
const BLOCK: u64 = 1000;

/// A vote as the ingest path stores it, plus what recovery needs.
struct Signed {
    message: MessageRow,
    pinned: Vec<u8>,
    vote: VoteRow,
    digest: [u8; 32],
    sig: Vec<u8>,
}

fn voter(index: usize) -> Signer {
    let secret = signature::keccak256(format!("audit-bench voter {index}").as_bytes());
    Signer::from_hex(&format!("0x{}", hex::encode(secret))).expect("a valid key")
}

fn sign_vote(index: usize, proposal: &str, timestamp: i64) -> Signed {
    let key = voter(index);
    let choice = 1 + (index % 3) as u64;
    let message: Map<String, Value> = serde_json::from_value(
        json!({"space": SPACE, "proposal": proposal, "choice": choice, "reason": "", "app": "bench"}),
    )
    .unwrap();
    let envelope = votehub::protocol::client::sign(&key, Kind::Vote, message, timestamp).unwrap();
    let parsed = Envelope::parse(envelope.to_string().as_bytes()).unwrap();
    let schema = typed_data::lookup(parsed.types()).unwrap();
    let digest = typed_data::digest(schema, parsed.domain(), parsed.message()).unwrap();
    let id = format!("0x{}", hex::encode(digest));
    let pinned = parsed.pinned_json(&id);
    let ipfs = votehub::ipld::raw_cid(&pinned);
    let voter = key.address().to_string();
    let vp = (index + 1) as f64;
    Signed {
        message: MessageRow {
            mci: 0,
            id: id.clone(),
            ipfs: ipfs.clone(),
            address: voter.clone(),
            version: "0.1.4".into(),
            timestamp,
            space: Some(SPACE.into()),
            kind: "vote".into(),
            sig: parsed.sig().to_string(),
            receipt: String::new(),
            received: timestamp * 1000,
            log: String::new(),
        },
        pinned,
        vote: VoteRow {
            id,
            ipfs,
            voter,
            created: timestamp,
            space: SPACE.into(),
            proposal: proposal.to_string(),
            choice: json!(choice),
            reason: String::new(),
            app: "bench".into(),
            metadata: json!({}),
            vp,
            vp_by_strategy: vec![vp],
            vp_state: "final".into(),
        },
        digest,
        sig: signature::decode_hex_sig(parsed.sig()).unwrap(),
    }
}

/// Runs `work` on `threads` threads over `0..n`, results in order.
fn parallel<T: Send>(n: usize, threads: usize, work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let per = n.div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let work = &work;
                scope.spawn(move || {
                    (t * per..((t + 1) * per).min(n))
                        .map(work)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

/// Runs the votehub binary under `/usr/bin/time`: its first stdout line and
/// "seconds s, peak MiB".
fn timed_cli(args: &[&str]) -> (String, String) {
    let out = std::process::Command::new("/usr/bin/time")
        .args(["-f", "%e %M"])
        .arg(env!("CARGO_BIN_EXE_votehub"))
        .args(args)
        .output()
        .expect("/usr/bin/time runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "votehub {args:?}: {stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let usage = stderr.lines().last().unwrap_or_default();
    let (time, kib) = usage.split_once(' ').unwrap_or(("?", "0"));
    let mib = kib.trim().parse::<f64>().unwrap_or(0.0) / 1024.0;
    (
        stdout.lines().next().unwrap_or_default().to_string(),
        format!("{time} s, peak {mib:.0} MiB"),
    )
}

fn seconds(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn main() {
    let n = arg("--votes", 100_000);
    let threads = arg("--threads", 2);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("votehub.sqlite")).unwrap();
    let relayer = votehub::app::relayer_key::load_or_create(dir.path()).unwrap();
    let writer = Writer::spawn(&store, 512).unwrap();
    let ingestor = Ingestor::new(store.clone(), writer, relayer, Limits::default());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .unwrap();
    let controller = votehub::app::demo::dev_key(0).unwrap();
    {
        let conn = store.write_connection().unwrap();
        Db::new(&conn)
            .set_controller(SPACE, &controller.address().to_string(), unix_now())
            .unwrap();
    }
    let post = |kind: Kind, message: Value| {
        let message: Map<String, Value> = serde_json::from_value(message).unwrap();
        let envelope =
            votehub::protocol::client::sign(&controller, kind, message, unix_now()).unwrap();
        runtime
            .block_on(ingestor.accept(envelope.to_string().as_bytes()))
            .unwrap()
            .id
    };
    let settings = json!({
        "name": "Audit bench", "network": "1", "symbol": "TKN",
        "strategies": [{"name": "erc20-balance-of", "params": {"address": TOKEN, "symbol": "TKN", "decimals": 18}}],
        "admins": [controller.address().to_string()],
    });
    post(
        Kind::Settings,
        json!({"space": SPACE, "settings": settings.to_string()}),
    );

    let started = Instant::now();
    let holders: Vec<String> = parallel(n, threads, |i| voter(i).address().to_string());
    let mut csv = String::from("address,balance\n");
    for (i, holder) in holders.iter().enumerate() {
        csv.push_str(&format!("{holder},{}000000000000000000\n", i + 1));
    }
    {
        let mut conn = store.write_connection().unwrap();
        let tx = conn.transaction().unwrap();
        let token = Address::parse_any(TOKEN).unwrap();
        votehub::power::import_snapshot(
            &Db::new(&tx),
            "1",
            token,
            BLOCK,
            csv.as_bytes(),
            unix_now(),
        )
        .unwrap();
        tx.commit().unwrap();
    }
    let end = unix_now() + 2;
    let proposal = post(
        Kind::Proposal,
        json!({"space": SPACE, "type": "basic", "title": "Bench", "body": "",
               "choices": ["For", "Against", "Abstain"], "start": unix_now() - 10, "end": end, "snapshot": BLOCK}),
    );
    let timestamp = unix_now() - 5;
    let mut floor_inputs = Vec::with_capacity(n);
    let mut conn = store.write_connection().unwrap();
    for start in (0..n).step_by(50_000) {
        let batch = parallel((n - start).min(50_000), threads, |i| {
            sign_vote(start + i, &proposal, timestamp)
        });
        let tx = conn.transaction().unwrap();
        let db = Db::new(&tx);
        for signed in batch {
            db.put_block(&signed.message.ipfs, &signed.pinned).unwrap();
            db.insert_message(&signed.message).unwrap();
            db.put_vote(&signed.vote, false).unwrap();
            floor_inputs.push((signed.digest, signed.sig));
        }
        tx.commit().unwrap();
    }
    drop(conn);
    eprintln!(
        "setup: {n} signed votes stored in {}",
        seconds(started.elapsed())
    );

    // The floor: raw recovery of the same signatures on the same threads.
    let started = Instant::now();
    let recovered = parallel(n, threads, |i| {
        let (digest, sig) = &floor_inputs[i];
        signature::recover(digest, sig).is_ok()
    });
    let floor = started.elapsed();
    assert!(recovered.iter().all(|ok| *ok));

    // The bundle is built and exported by the real CLI, for its time and
    // peak memory; `votehub audit` builds only a final result (60 s after the end).
    while unix_now() <= end + votehub::tally::outcome::FINALIZE_DELAY {
        std::thread::sleep(Duration::from_millis(200));
    }
    let data = dir.path().to_str().unwrap().to_string();
    let (root, build) = timed_cli(&["--data", &data, "audit", &proposal]);
    let car_path = dir.path().join("bundle.car");
    let car_arg = car_path.to_str().unwrap().to_string();
    let (_, export) = timed_cli(&["--data", &data, "export-car", &root, "-o", &car_arg]);
    // For profiling `votehub verify` on its own: VOTEHUB_BENCH_CAR=/tmp/bundle.car
    if let Ok(keep) = std::env::var("VOTEHUB_BENCH_CAR") {
        std::fs::copy(&car_path, &keep).unwrap();
        eprintln!("kept the CAR of {root} at {keep}");
    }

    // Read as `votehub verify --car` reads it.
    let started = Instant::now();
    let source = votehub::ipld::source::Blocks::from_car_file(&car_path).unwrap();
    let load = started.elapsed();
    let options = votehub::verify::Options {
        threads,
        ..Default::default()
    };
    let started = Instant::now();
    let report = votehub::verify::verify(&source, &root, &options);
    let verify = started.elapsed();
    assert!(report.ok(), "{}", report.render());
    assert_eq!(report.counted, n);
    drop(source);

    // The CLI end to end (CAR read included), for its time and peak memory.
    let (_, cli) = timed_cli(&[
        "verify",
        &root,
        "--car",
        &car_arg,
        "--quiet",
        "--threads",
        &threads.to_string(),
    ]);

    println!("votes                     {n}");
    println!("threads                   {threads}");
    println!(
        "raw recovery (floor)      {}  ({:.0} votes/s)",
        seconds(floor),
        n as f64 / floor.as_secs_f64()
    );
    println!(
        "votehub audit (build)     {build}  ({} blocks, CAR {:.1} MB)",
        report.blocks,
        std::fs::metadata(&car_path).map_or(0, |m| m.len()) as f64 / 1e6
    );
    println!("votehub export-car        {export}");
    println!("verify: CAR load          {}", seconds(load));
    println!(
        "verify: checks            {}  ({:.2}x the floor)",
        seconds(verify),
        verify.as_secs_f64() / floor.as_secs_f64()
    );
    println!(
        "verify: load + checks     {:.2}x the floor",
        (load + verify).as_secs_f64() / floor.as_secs_f64()
    );
    println!("verify phases             {:?}", report.timings);
    println!(
        "votehub verify --car      {cli}  ({:.2}x the floor in time)",
        cli.split(' ')
            .next()
            .and_then(|t| t.parse::<f64>().ok())
            .unwrap_or(0.0)
            / floor.as_secs_f64()
    );
}
