//! Counting at Snapshot scale: `VotingType::tally` over 1,000,000 generated
//! votes per voting type on one thread, the same count re-read from a SQLite
//! store through `results::current`, and (with `--compare`) Snapshot's own
//! JavaScript classes over the very same votes under Node.
//!
//! Bounded work, no timing assertions: every run is done a fixed number of
//! times and reported. Votes are generated from a fixed seed (10 choices,
//! token balances with 18-decimal fractions read into f64 the way a strategy's
//! `parseFloat(formatUnits(..))` reads them).
//!
//! Run:
//!   cargo bench --bench tally                      # Rust tallies + SQLite re-tally
//!   cargo bench --bench tally -- --compare         # + snapshot.js under Node
//!
//! Options: `--votes N` (1,000,000), `--runs N` timed runs after one memory
//! run (3), `--only t1,t2` voting types, `--multi t1,t2` types also run with 3
//! strategies (copeland), `--store-type t1,t2` types re-tallied from a store
//! (single-choice,ranked-choice), `--store-votes N` (= --votes), `--no-store`,
//! `--js-runs N` (3). `--compare` needs `npm ci --prefix tools/snapshot-js` first (see
//! tools/snapshot-js/README.md); the votes it hands to node stay in
//! target/tally-compare/ (about 0.5 GB at 1,000,000 votes).

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};
use votehub::results;
use votehub::store::{Db, ProposalRow, Store, VoteRow};
use votehub::tally::outcome;
use votehub::tally::{Ballot, Tally, VotingType};

// ---- memory accounting

/// The system allocator, counting net heap growth and its peak while
/// `TRACK` is on (only during the memory run, so timed runs pay one relaxed
/// load per allocation).
struct CountingAlloc;

static TRACK: AtomicBool = AtomicBool::new(false);
static NET: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

fn grow(bytes: isize) {
    let now = NET.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && TRACK.load(Ordering::Relaxed) {
            grow(layout.size() as isize);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() && TRACK.load(Ordering::Relaxed) {
            grow(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        if TRACK.load(Ordering::Relaxed) {
            NET.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() && TRACK.load(Ordering::Relaxed) {
            grow(new_size as isize - layout.size() as isize);
        }
        p
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

extern "C" {
    /// glibc: hands freed heap memory back to the kernel, so that the RSS
    /// before a run does not hide pages the run would reuse.
    fn malloc_trim(pad: usize) -> std::ffi::c_int;
}

#[repr(C)]
struct Timespec {
    sec: i64,
    nsec: i64,
}

extern "C" {
    fn clock_gettime(clock: std::ffi::c_int, ts: *mut Timespec) -> std::ffi::c_int;
}

/// CPU time of the calling thread (`CLOCK_THREAD_CPUTIME_ID`), to tell a
/// quiet run (CPU ≈ wall) from one that shared its core with something else.
fn thread_cpu() -> Duration {
    let mut ts = Timespec { sec: 0, nsec: 0 };
    unsafe { clock_gettime(3, &mut ts) };
    Duration::new(ts.sec as u64, ts.nsec as u32)
}

/// `/proc/loadavg`'s first three fields.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A `/proc/self/status` field in kB.
fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// What one measured call cost in memory.
#[derive(Debug, Clone, Copy, Default)]
struct Mem {
    /// Peak net heap growth during the call (allocator-counted).
    heap_peak: u64,
    /// Peak RSS during the call minus RSS before it (`VmHWM` reset through
    /// `/proc/self/clear_refs`); `None` if the reset is not allowed.
    rss_delta: Option<u64>,
}

/// Runs `f` once with memory accounting.
fn measure_mem<R>(f: impl FnOnce() -> R) -> (R, Duration, Mem) {
    unsafe { malloc_trim(0) };
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let rss_before = status_kb("VmRSS:");
    NET.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    TRACK.store(true, Ordering::SeqCst);
    let start = Instant::now();
    let out = f();
    let elapsed = start.elapsed();
    TRACK.store(false, Ordering::SeqCst);
    let hwm = status_kb("VmHWM:");
    let mem = Mem {
        heap_peak: PEAK.load(Ordering::Relaxed).max(0) as u64,
        rss_delta: reset.then(|| hwm.saturating_sub(rss_before) * 1024),
    };
    (out, elapsed, mem)
}

/// Net heap growth of building something that is kept (the input's size).
fn heap_size_of<R>(f: impl FnOnce() -> R) -> (R, u64) {
    NET.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    TRACK.store(true, Ordering::SeqCst);
    let out = f();
    TRACK.store(false, Ordering::SeqCst);
    (out, NET.load(Ordering::Relaxed).max(0) as u64)
}

fn mib(bytes: u64) -> String {
    format!("{:.0} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

// ---- deterministic vote generation

/// splitmix64: small, fast and fixed, so the votes are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }

    /// An index drawn with probability proportional to `weights`.
    fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }

    /// A token amount in base units (18 decimals) read as a JavaScript number
    /// reads `formatUnits(..)`: `<whole>.<18 digits>` parsed to f64. Whole
    /// tokens are log-uniform from 0.01 to about 3 × 10^6, a long tail like
    /// a real holder list.
    fn token_amount(&mut self) -> f64 {
        let whole = 10f64.powf(-2.0 + self.unit() * 8.5).floor() as u64;
        let fraction = self.below(1_000_000_000_000_000_000);
        format!("{whole}.{fraction:018}").parse().unwrap()
    }
}

const N_CHOICES: usize = 10;

/// Preference weights of choices 1..=10: mildly skewed so that instant-runoff
/// needs several rounds.
fn preference() -> Vec<f64> {
    (0..N_CHOICES)
        .map(|i| (N_CHOICES - i) as f64 + 2.0)
        .collect()
}

/// A full ranking of all choices, drawn without replacement by preference.
fn ranking(rng: &mut Rng, pref: &[f64]) -> Value {
    let mut left: Vec<(usize, f64)> = pref.iter().copied().enumerate().collect();
    let mut out = Vec::with_capacity(N_CHOICES);
    while !left.is_empty() {
        let weights: Vec<f64> = left.iter().map(|(_, w)| *w).collect();
        let (choice, _) = left.remove(rng.weighted(&weights));
        out.push(json!(choice + 1));
    }
    Value::Array(out)
}

/// A quadratic/weighted choice map: 1 to 4 choices with integer weights 1–100,
/// keys inserted in random order (JavaScript reads them numerically).
fn weight_map(rng: &mut Rng, pref: &[f64]) -> Value {
    let k = 1 + rng.below(4) as usize;
    let mut chosen: Vec<usize> = Vec::with_capacity(k);
    while chosen.len() < k {
        let c = rng.weighted(pref);
        if !chosen.contains(&c) {
            chosen.push(c);
        }
    }
    let mut map = Map::new();
    for c in chosen {
        map.insert((c + 1).to_string(), json!(1 + rng.below(100)));
    }
    Value::Object(map)
}

fn choice_for(kind: VotingType, rng: &mut Rng, pref: &[f64]) -> Value {
    match kind {
        VotingType::SingleChoice | VotingType::Basic => json!(rng.weighted(pref) + 1),
        VotingType::Approval => {
            let picked: Vec<Value> = (0..N_CHOICES)
                .filter(|i| rng.unit() < 0.45 - 0.035 * *i as f64)
                .map(|i| json!(i + 1))
                .collect();
            Value::Array(picked)
        }
        VotingType::Quadratic | VotingType::Weighted => weight_map(rng, pref),
        VotingType::RankedChoice | VotingType::Copeland => ranking(rng, pref),
        VotingType::Custom => json!(1),
    }
}

/// Generated votes, flat: `scores` holds `n_strategies` entries per vote.
struct Votes {
    kind: VotingType,
    n_strategies: usize,
    choices: Vec<Value>,
    balances: Vec<f64>,
    scores: Vec<f64>,
}

impl Votes {
    fn generate(kind: VotingType, n: usize, n_strategies: usize) -> Votes {
        let mut rng = Rng(0x5eed_0000 + kind as u64 * 7919 + n_strategies as u64);
        let pref = preference();
        let mut votes = Votes {
            kind,
            n_strategies,
            choices: Vec::with_capacity(n),
            balances: Vec::with_capacity(n),
            scores: Vec::with_capacity(n * n_strategies),
        };
        for _ in 0..n {
            votes.choices.push(choice_for(kind, &mut rng, &pref));
            // Strategy 0: a token balance; 1: delegated tokens (often none);
            // 2: a ticket. The balance is their sum, left to right from 0, as
            // the sequencer adds them.
            let mut balance = 0.0;
            for k in 0..n_strategies {
                let s = match k {
                    0 => rng.token_amount(),
                    1 if rng.unit() < 0.7 => 0.0,
                    1 => rng.token_amount(),
                    _ => 1.0,
                };
                votes.scores.push(s);
                balance += s;
            }
            votes.balances.push(balance);
        }
        votes
    }

    fn ballots(&self) -> Vec<Ballot<'_>> {
        let k = self.n_strategies;
        (0..self.choices.len())
            .map(|i| Ballot {
                choice: &self.choices[i],
                balance: self.balances[i],
                scores: &self.scores[i * k..(i + 1) * k],
            })
            .collect()
    }

    /// JSON lines: a header, then `{choice, balance, scores}` per vote (the
    /// shape snapshot.js's classes take), numbers in shortest round-trip form.
    fn write_jsonl(&self, label: &str, path: &Path) -> std::io::Result<()> {
        let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
        let header = json!({
            "label": label, "type": self.kind.as_str(), "choices": N_CHOICES,
            "strategies": self.n_strategies, "votes": self.choices.len(),
        });
        writeln!(out, "{header}")?;
        let k = self.n_strategies;
        for (i, choice) in self.choices.iter().enumerate() {
            write!(out, "{{\"choice\":{choice},\"balance\":")?;
            serde_json::to_writer(&mut out, &self.balances[i])?;
            out.write_all(b",\"scores\":")?;
            serde_json::to_writer(&mut out, &self.scores[i * k..(i + 1) * k])?;
            out.write_all(b"}\n")?;
        }
        out.flush()
    }
}

// ---- options

struct Options {
    votes: usize,
    runs: usize,
    js_runs: usize,
    only: Vec<VotingType>,
    multi: Vec<VotingType>,
    store_types: Vec<VotingType>,
    store_votes: usize,
    store: bool,
    compare: bool,
}

fn types_arg(value: &str) -> Vec<VotingType> {
    value
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| VotingType::parse(s).unwrap_or_else(|| panic!("unknown voting type {s}")))
        .collect()
}

impl Options {
    fn parse() -> Options {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let value = |name: &str| {
            args.iter()
                .position(|a| a == name)
                .and_then(|i| args.get(i + 1))
                .cloned()
        };
        let number = |name: &str, default: usize| {
            value(name)
                .map(|v| v.replace('_', "").parse().expect("a number"))
                .unwrap_or(default)
        };
        let votes = number("--votes", 1_000_000);
        Options {
            votes,
            runs: number("--runs", 3).max(1),
            js_runs: number("--js-runs", 3).max(1),
            only: value("--only").map(|v| types_arg(&v)).unwrap_or_else(|| {
                vec![
                    VotingType::SingleChoice,
                    VotingType::Approval,
                    VotingType::Quadratic,
                    VotingType::RankedChoice,
                    VotingType::Weighted,
                    VotingType::Copeland,
                ]
            }),
            multi: types_arg(&value("--multi").unwrap_or_else(|| "copeland".into())),
            store_types: types_arg(
                &value("--store-type").unwrap_or_else(|| "single-choice,ranked-choice".into()),
            ),
            store_votes: number("--store-votes", votes),
            store: !args.iter().any(|a| a == "--no-store"),
            compare: args.iter().any(|a| a == "--compare"),
        }
    }
}

// ---- in-memory tallies

struct Case {
    label: String,
    kind: VotingType,
    n_strategies: usize,
    votes: usize,
    input: u64,
    runs_ms: Vec<f64>,
    mem: Mem,
    tally: Tally,
}

fn run_case(kind: VotingType, n_strategies: usize, opts: &Options, dir: &Path) -> Case {
    let label = if n_strategies == 1 {
        kind.as_str().to_string()
    } else {
        format!("{}-{}s", kind.as_str(), n_strategies)
    };
    let start = Instant::now();
    let (votes, input_votes) = heap_size_of(|| Votes::generate(kind, opts.votes, n_strategies));
    let (ballots, input_ballots) = heap_size_of(|| votes.ballots());
    let gen = start.elapsed();
    if opts.compare {
        votes
            .write_jsonl(&label, &dir.join(format!("votes-{label}.jsonl")))
            .expect("write the votes for node");
    }

    // One run with memory accounting (also the warm-up), then the timed runs.
    let (tally, first, mem) = measure_mem(|| kind.tally(N_CHOICES, n_strategies, &ballots));
    let mut runs_ms = Vec::with_capacity(opts.runs);
    let mut cpu_ms = Vec::with_capacity(opts.runs);
    for _ in 0..opts.runs {
        let cpu = thread_cpu();
        let start = Instant::now();
        let again = std::hint::black_box(kind.tally(N_CHOICES, n_strategies, &ballots));
        runs_ms.push(ms(start.elapsed()));
        cpu_ms.push(ms(thread_cpu() - cpu));
        assert_eq!(again, tally, "{label}: the count is deterministic");
    }
    let round = |xs: &[f64]| {
        xs.iter()
            .map(|x| (x * 10.0).round() / 10.0)
            .collect::<Vec<_>>()
    };
    eprintln!(
        "{label:<20} {:>9} votes  gen {:>6.0} ms  memory run {:>8.1} ms  timed {:?} ms (thread CPU {:?} ms)",
        opts.votes,
        ms(gen),
        ms(first),
        round(&runs_ms),
        round(&cpu_ms)
    );
    if median(runs_ms.clone()) > 1.1 * median(cpu_ms) + 1.0 {
        eprintln!(
            "  warning: wall time well above CPU time: the core was shared (load {})",
            loadavg()
        );
    }
    Case {
        label,
        kind,
        n_strategies,
        votes: opts.votes,
        input: input_votes + input_ballots,
        runs_ms,
        mem,
        tally,
    }
}

// ---- SQLite re-tally

fn hex_id(prefix: u64, i: u64) -> String {
    format!(
        "0x{prefix:016x}{:048x}",
        i.wrapping_mul(0x9e37_79b9_7f4a_7c15)
    )
}

/// Vote ids look like hashes, so within one second they do not follow
/// arrival order.
fn vote_id(i: usize) -> String {
    hex_id(0xfeed, i as u64 + 1)
}

/// Twenty votes a second.
fn vote_created(start: i64, i: usize) -> i64 {
    start + (i / 20) as i64
}

fn run_store(kind: VotingType, opts: &Options) {
    let n = opts.store_votes;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("votehub.sqlite");
    let store = Store::open(&path).unwrap();
    let start_ts: i64 = 1_700_000_000;
    let proposal = ProposalRow {
        id: hex_id(0xb0b, 0),
        ipfs: "bafkreibench".into(),
        author: "0x0000000000000000000000000000000000000001".into(),
        created: start_ts - 60,
        updated: None,
        space: "bench.eth".into(),
        network: "1".into(),
        symbol: "VOTE".into(),
        kind,
        strategies: json!([{"name": "erc20-balance-of", "network": "1", "params": {"symbol": "VOTE", "decimals": 18}}]),
        validation: json!({"name": "any", "params": {}}),
        plugins: json!({}),
        title: "Tally benchmark".into(),
        body: String::new(),
        discussion: String::new(),
        choices: (1..=N_CHOICES).map(|i| format!("Choice {i}")).collect(),
        labels: vec![],
        start: start_ts,
        end: start_ts + 7 * 86_400,
        snapshot: 20_000_000,
        quorum: 0.0,
        quorum_type: String::new(),
        privacy: String::new(),
        app: "snapshot".into(),
        flagged: false,
        votes: 0,
        scores_state: votehub::tally::outcome::ScoresState::Pending,
        vote_changes: 0,
        audit_cid: None,
    };
    let now = proposal.end - 1;

    eprintln!("building a store with {n} {} votes…", kind.as_str());
    let votes = Votes::generate(kind, n, 1);
    let build = Instant::now();
    {
        let mut conn = store.write_connection().unwrap();
        let tx = conn.transaction().unwrap();
        let db = Db::new(&tx);
        db.insert_proposal(&proposal).unwrap();
        for i in 0..n {
            let vote = VoteRow {
                id: vote_id(i),
                ipfs: format!("bafkreivote{i:012}"),
                voter: format!("0x{:040x}", (i as u128 + 1) * 0x1000_0000_0000_0001),
                created: vote_created(start_ts, i),
                space: proposal.space.clone(),
                proposal: proposal.id.clone(),
                choice: votes.choices[i].clone(),
                reason: String::new(),
                app: "snapshot".into(),
                metadata: json!({}),
                vp: votes.balances[i],
                vp_by_strategy: vec![votes.scores[i]],
                vp_state: "final".into(),
            };
            db.put_vote(&vote, false).unwrap();
        }
        tx.commit().unwrap();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
    }
    let build = build.elapsed();
    let db_size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    // counted_votes reads in (created, id) order and float sums follow the
    // input order, so the in-memory check counts in that order too.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_cached_key(|&i| (vote_created(start_ts, i), vote_id(i)));
    let expected = {
        let all = votes.ballots();
        let ordered: Vec<Ballot> = order.iter().map(|&i| all[i]).collect();
        kind.tally(N_CHOICES, 1, &ordered)
    };
    drop(votes);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let current = || {
        runtime
            .block_on(results::current(
                &store,
                None,
                &proposal.id,
                now,
                outcome::FINALIZE_DELAY,
            ))
            .unwrap()
            .expect("the proposal exists")
            .json
    };
    let (json, first, mem) = measure_mem(current);
    let mut runs_ms = Vec::new();
    for _ in 0..opts.runs {
        let start = Instant::now();
        let again = std::hint::black_box(current());
        runs_ms.push(ms(start.elapsed()));
        assert_eq!(again, json);
    }
    let parsed: Value = serde_json::from_str(&json).unwrap();
    let scores: Vec<f64> = serde_json::from_value(parsed["scores"].clone()).unwrap();
    assert_eq!(
        scores, expected.scores,
        "the store's count equals the in-memory one"
    );

    // Where the time goes: the read and parse of counted_votes, then the count.
    let reader = store.reader().unwrap();
    let db = reader.db();
    let row = db.proposal(&proposal.id).unwrap().unwrap();
    let (counted, read, read_mem) = measure_mem(|| db.counted_votes(&proposal.id).unwrap());
    let (_, compute, _) = measure_mem(|| {
        outcome::compute(&row.terms(), &counted, false, now, outcome::FINALIZE_DELAY)
    });
    drop(counted);
    // The same rows without the JSON parse of `choice` and `vp_by_strategy`:
    // what SQLite itself costs.
    let raw = {
        let conn = rusqlite::Connection::open_with_flags(
            &path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        let mut statement = conn
            .prepare(
                "SELECT choice, vp, vp_by_strategy FROM votes WHERE proposal = ?1 ORDER BY created ASC, id ASC",
            )
            .unwrap();
        let start = Instant::now();
        let rows = statement
            .query_map([&proposal.id], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, f64>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        assert_eq!(rows.len(), n);
        start.elapsed()
    };

    println!();
    println!(
        "## SQLite re-tally: {n} {} votes, one proposal, 1 strategy",
        kind.as_str()
    );
    println!(
        "store build (one transaction, put_vote × {n})  {:.1} s, file {}",
        build.as_secs_f64(),
        mib(db_size)
    );
    println!(
        "results::current (read + parse + count + JSON)  median {:.0} ms (runs {:?}, first {:.0} ms)",
        median(runs_ms.clone()),
        runs_ms.iter().map(|x| x.round()).collect::<Vec<_>>(),
        ms(first)
    );
    println!(
        "  memory: heap peak {}, RSS peak delta {}",
        mib(mem.heap_peak),
        mem.rss_delta.map_or("n/a".into(), mib)
    );
    println!(
        "  of which counted_votes {:.0} ms (heap {}; the same SQL reading strings only {:.0} ms), compute {:.0} ms",
        ms(read),
        mib(read_mem.heap_peak),
        ms(raw),
        ms(compute)
    );
}

// ---- comparison with snapshot.js

/// Largest `|a − b| / max(|a|, |b|)` over scores, scores by strategy and the
/// total (0 where both are equal), and whether every number is bit-identical.
fn max_rel_diff(rust: &Tally, js: &Value) -> (f64, bool, usize) {
    let mut pairs: Vec<(f64, f64)> = Vec::new();
    let num = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    let js_scores = js["scores"].as_array().cloned().unwrap_or_default();
    let js_by = js["scoresByStrategy"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut shape_ok = js_scores.len() == rust.scores.len() && js_by.len() == rust.scores.len();
    for (i, a) in rust.scores.iter().enumerate() {
        pairs.push((*a, js_scores.get(i).map_or(f64::NAN, num)));
    }
    for (i, row) in rust.scores_by_strategy.iter().enumerate() {
        let js_row = js_by
            .get(i)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        shape_ok &= js_row.len() == row.len();
        for (k, a) in row.iter().enumerate() {
            pairs.push((*a, js_row.get(k).map_or(f64::NAN, num)));
        }
    }
    pairs.push((rust.scores_total, num(&js["scoresTotal"])));
    let mut worst: f64 = 0.0;
    let mut different = 0;
    for (a, b) in &pairs {
        if a.to_bits() != b.to_bits() {
            different += 1;
        }
        let rel = if a == b {
            0.0
        } else {
            (a - b).abs() / a.abs().max(b.abs())
        };
        worst = if rel.is_nan() {
            f64::NAN
        } else {
            worst.max(rel)
        };
    }
    (worst, shape_ok && different == 0, different)
}

fn run_node(opts: &Options, dir: &Path, labels: &[String]) -> Option<Value> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let js = root.join("tools/snapshot-js");
    if !js.join("node_modules/@snapshot-labs/snapshot.js").exists() {
        eprintln!(
            "--compare: tools/snapshot-js/node_modules is missing; run `npm ci --prefix tools/snapshot-js` first"
        );
        return None;
    }
    let out = dir.join("js-results.json");
    let _ = std::fs::remove_file(&out);
    eprintln!("running snapshot.js under node over the same votes…");
    let status = Command::new("node")
        .arg("--max-old-space-size=8192")
        .arg("--expose-gc")
        .arg(js.join("compare.mjs"))
        .arg("--dir")
        .arg(dir)
        .arg("--runs")
        .arg(opts.js_runs.to_string())
        .arg("--out")
        .arg(&out)
        .args(labels)
        .status();
    match status {
        Ok(s) if s.success() => {}
        other => {
            eprintln!("--compare: node failed: {other:?}");
            return None;
        }
    }
    let text = std::fs::read_to_string(&out).ok()?;
    serde_json::from_str(&text).ok()
}

fn main() {
    let opts = Options::parse();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("tally-compare");
    if opts.compare {
        std::fs::create_dir_all(&dir).unwrap();
    }
    eprintln!(
        "tally bench: {} votes, {} choices, {} timed runs per type, one thread ({cores} cores, load {})",
        opts.votes,
        N_CHOICES,
        opts.runs,
        loadavg()
    );

    let mut cases = Vec::new();
    for kind in &opts.only {
        cases.push(run_case(*kind, 1, &opts, &dir));
    }
    for kind in &opts.multi {
        cases.push(run_case(*kind, 3, &opts, &dir));
    }

    let js = if opts.compare {
        let labels: Vec<String> = cases.iter().map(|c| c.label.clone()).collect();
        run_node(&opts, &dir, &labels)
    } else {
        None
    };

    println!();
    println!(
        "## Tally, one thread: {} votes, {} choices",
        opts.votes, N_CHOICES
    );
    if let Some(js) = &js {
        println!(
            "snapshot.js {} on node {}",
            js["snapshotjs"].as_str().unwrap_or("?"),
            js["node"].as_str().unwrap_or("?")
        );
    }
    println!(
        "| type | strategies | votes | ms (median) | ms (min) | heap peak | RSS peak Δ | input | JS ms (median) | JS / Rust | max rel. diff |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut summary = BTreeMap::new();
    for case in &cases {
        let med = median(case.runs_ms.clone());
        let min = case.runs_ms.iter().copied().fold(f64::INFINITY, f64::min);
        let (js_ms, ratio, diff) = match js.as_ref().map(|j| &j["results"][&case.label]) {
            Some(r) if r.is_object() => {
                let js_ms = r["ms_median"].as_f64().unwrap_or(f64::NAN);
                let (worst, exact, different) = max_rel_diff(&case.tally, r);
                let diff = if exact {
                    "0 (bit-identical)".to_string()
                } else {
                    format!("{worst:.2e} ({different} numbers differ)")
                };
                (format!("{js_ms:.0}"), format!("{:.1}×", js_ms / med), diff)
            }
            _ => ("–".into(), "–".into(), "–".into()),
        };
        println!(
            "| {} | {} | {} | {:.1} | {:.1} | {} | {} | {} | {} | {} | {} |",
            case.kind.as_str(),
            case.n_strategies,
            case.votes,
            med,
            min,
            mib(case.mem.heap_peak),
            case.mem.rss_delta.map_or("n/a".into(), mib),
            mib(case.input),
            js_ms,
            ratio,
            diff
        );
        summary.insert(case.label.clone(), med);
    }
    let over: Vec<&String> = summary
        .iter()
        .filter(|(_, med)| **med > 1000.0)
        .map(|(l, _)| l)
        .collect();
    if !cases.is_empty() {
        println!(
            "goal: under 1 s per type on one core: {}",
            if over.is_empty() {
                "met for every type".to_string()
            } else {
                format!("NOT met for {over:?}")
            }
        );
    }

    if opts.store {
        for kind in &opts.store_types {
            run_store(*kind, &opts);
        }
    }
    eprintln!("load average at the end: {}", loadavg());
}
