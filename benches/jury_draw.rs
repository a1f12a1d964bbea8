//! The jury draw (braintrust-governance §6.5) over a pool of `--pool`
//! volunteers (1,000,000 by default) weighted like 18-decimal token
//! holdings: the time to parse the pool's CSV, to make it canonical, and to
//! draw 3 jurors and 10 alternates with the linear walk; and the process's
//! peak memory. The limit beside it: one pass summing the weights, which any
//! draw must make.
//!
//! Run: `cargo bench --bench jury_draw -- --pool 1000000`

// Only the argument reader of the shared bench helpers is used here.
#[allow(dead_code)]
mod common;

use std::time::Instant;

use common::arg;
use primitive_types::U256;
use votehub::jury::draw::{draw, Pool};
use votehub::protocol::signature::keccak256;

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
    println!(
        "peak memory of the process             {:>9.1} MiB",
        peak_mib()
    );
}
