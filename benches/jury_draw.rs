//! The jury draw (braintrust-governance §6.5) over a pool of `--pool`
//! volunteers (1,000,000 by default) weighted like 18-decimal token
//! holdings: the time to parse the pool's CSV, to make it canonical, and to
//! draw 3 jurors and 10 alternates with the linear walk; and the process's
//! peak memory. The limit beside it: one pass summing the weights, which any
//! draw must make.
//!
//! Then a whole case over that pool, as the server replays it for each
//! message of the case (claim, acceptance, answer, the jury's opening with
//! the pool, the randomness and its draw of jurors, alternates and one
//! eyewitness panel, two ballots and the ruling): the first replay, which
//! hashes the pool and draws, and the next ones, which find the pool's hash
//! and the draw kept.
//!
//! Run: `cargo bench --bench jury_draw -- --pool 1000000`

// Only the argument reader of the shared bench helpers is used here.
#[allow(dead_code)]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::arg;
use primitive_types::U256;
use votehub::jury::case::{Case, Event, Facts};
use votehub::jury::draw::{draw, Pool};
use votehub::jury::messages::{CourtMessage, Decision, Response};
use votehub::jury::seed::SeedSource;
use votehub::protocol::signature::{keccak256, Address};

/// Peak resident memory of this process, MiB (Linux `VmHWM`).
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|kb| kb.trim().trim_end_matches(" kB").trim().parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    let n = arg("--pool", 1_000_000);
    // Holdings from 0.01 to 10^6 tokens, 18 decimals, in a shuffled order.
    let mut csv = String::with_capacity(n * 70 + 16);
    csv.push_str("address,weight\n");
    for i in 0..n as u64 {
        let seed = keccak256(&i.to_be_bytes());
        let spread = u64::from_be_bytes(seed[..8].try_into().unwrap_or_default());
        let tokens = 10f64.powf((spread % 8_000_000) as f64 / 1e6 - 2.0);
        let wei = U256::from((tokens * 1e6) as u128) * U256::exp10(12);
        csv.push_str(&format!("0x{},{wei}\n", hex::encode(&seed[12..])));
    }
    let started = Instant::now();
    let pool = Pool::from_csv(&csv).expect("the generated pool parses");
    let parsed = started.elapsed();
    assert_eq!(pool.len(), n);
    let seed: [u8; 32] = keccak256(b"bench seed");
    let started = Instant::now();
    let drawn = draw(&pool, &seed, "case-bench", 13);
    let drawing = started.elapsed();
    assert_eq!(drawn.len(), 13.min(n));
    // The limit: one pass over the weights.
    let started = Instant::now();
    let again = draw(&pool, &seed, "case-bench", 1);
    let one = started.elapsed();
    assert_eq!(again[0], drawn[0]);
    println!(
        "pool of {n} weighted volunteers ({:.1} MB of CSV)",
        csv.len() as f64 / 1e6
    );
    println!(
        "parse and canonicalise (sort) the CSV  {:>9.1} ms",
        parsed.as_secs_f64() * 1e3
    );
    println!(
        "draw 3 jurors + 10 alternates          {:>9.1} ms",
        drawing.as_secs_f64() * 1e3
    );
    println!(
        "draw 1 (a copy of the pool, one walk)   {:>9.1} ms",
        one.as_secs_f64() * 1e3
    );
    let (first, again) = replay_a_case(pool);
    println!(
        "a case's first replay (hashes the pool, draws) {:>9.1} ms",
        first.as_secs_f64() * 1e3
    );
    println!(
        "a whole case, next replays (median of 5)       {:>9.3} ms",
        again.as_secs_f64() * 1e3
    );
    println!(
        "peak memory of the process             {:>9.1} MiB",
        peak_mib()
    );
}

/// The times of the first and of later replays of a ruled case over `pool`.
fn replay_a_case(pool: Pool) -> (Duration, Duration) {
    let case = format!("0x{}", "c1".repeat(32));
    let party = |n: u8| Address::from_bytes([n; 20]);
    let event = |n: i64, author: Address, message: CourtMessage, facts: Facts| Event {
        id: if n == 0 {
            case.clone()
        } else {
            format!("0x{n:064x}")
        },
        ipfs: format!("cid{n}"),
        author,
        timestamp: 1_000 * (n + 1),
        received: 1_000 * (n + 1),
        message,
        facts,
    };
    let pool = Arc::new(pool);
    let mut events = vec![
        event(
            0,
            party(1),
            CourtMessage::Claim {
                respondent: party(2),
                outcome: "Refund".into(),
                grounds: "Not delivered".into(),
                evidence: vec![],
                statement: String::new(),
            },
            Facts::None,
        ),
        event(
            1,
            party(3),
            CourtMessage::Accept { case: case.clone() },
            Facts::None,
        ),
        event(
            2,
            party(2),
            CourtMessage::Answer {
                case: case.clone(),
                response: Response::Counterclaim,
                counterclaim: "Delivered".into(),
                evidence: vec![],
                statement: String::new(),
            },
            Facts::None,
        ),
        event(
            3,
            party(3),
            CourtMessage::OpenJury {
                case: case.clone(),
                statements: vec!["The work was poor".into()],
                block: 1,
                pool: pool.hash(),
                seed: SeedSource::Block { number: 2 },
            },
            Facts::Jury {
                pool: Arc::clone(&pool),
                alternates: 3,
                jury_period: 7 * 86_400,
            },
        ),
        event(
            4,
            party(1),
            CourtMessage::Randomness {
                case: case.clone(),
                value: String::new(),
            },
            Facts::Seed(keccak256(b"case seed")),
        ),
    ];
    // The first replay sees the pool fresh (no hash kept) and draws.
    if let Facts::Jury {
        pool: facts_pool, ..
    } = &mut events[3].facts
    {
        *facts_pool = Arc::new(Pool::clone(&pool).without(&[]));
    }
    let started = Instant::now();
    let drawn = Case::replay(events.clone()).expect("the case replays");
    let first = started.elapsed();
    let jurors = drawn.drawn.expect("drawn").jurors;
    for (n, juror) in (5..).zip(&jurors[..2]) {
        events.push(event(
            n,
            *juror,
            CourtMessage::Ballot {
                case: case.clone(),
                decision: Decision::Claimant,
            },
            Facts::None,
        ));
    }
    let mut times: Vec<Duration> = (0..5)
        .map(|_| {
            let started = Instant::now();
            let ruled = Case::replay(events.clone()).expect("the case replays");
            assert!(ruled.ruling(i64::MAX).is_some_and(|r| r.majority));
            started.elapsed()
        })
        .collect();
    times.sort();
    (first, times[2])
}
