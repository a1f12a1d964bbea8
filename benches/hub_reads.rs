//! The hub's GraphQL reads under ingest, on a proposal with a million votes.
//!
//! A store gets `--votes` current votes on one open proposal (written
//! straight through the store, with voting powers spread like 18-decimal
//! token balances over eight orders of magnitude), beside 199 older
//! proposals of the same space. A real server on loopback then takes:
//!
//! 0. each read alone, from one client with no ingest (`--alone` reads of
//!    each, 200 by default; `--alone-only 1` stops there): what one
//!    execution costs;
//! 1. ingest alone, as fast as it goes (`--peak-votes` fresh signed votes
//!    on the big proposal from 64 connections): the peak;
//! 2. ingest paced at half that peak, alone, for `--seconds`;
//! 3. the same paced ingest while 1, 16 and 64 clients send, back to back,
//!    Snapshot's votes page (`votes(first: 1000, where: {proposal}, orderBy:
//!    "vp")`, as the legacy UI loads a proposal's votes) and then the
//!    proposals list (snapshot.box's space page: 20 proposals with their
//!    space, strategies and scores);
//!    Then 64 clients each asking its own variant of that page (its own
//!    `first`, 937 to 1,000), which no two clients share;
//! 4. the paced ingest alone again, on the grown store.
//!
//! Each reader phase prints its p50/p99 latency and queries/s, and the
//! ingest rate and latency beside it. Paced ingest latency is timed from
//! each vote's scheduled send, so a server that falls behind shows it.
//!
//! Run: `cargo bench --bench hub_reads -- --votes 1000000 --seconds 10`

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{
    arg, client_runtime, connections, drive, exchange, http_request, open, process_cpu_seconds, Run,
};
use serde_json::{json, Value};
use votehub::clock::unix_now;

/// Prebuilt HTTP requests, shared by the client tasks.
type Requests = Arc<Vec<Vec<u8>>>;

/// The legacy UI's votes page query, as its variables leave it (voter,
/// space and reason filters omitted).
const VOTES_PAGE: &str = "query Votes($id: String!, $first: Int, $skip: Int, $orderBy: String, \
    $orderDirection: OrderDirection, $created_gte: Int) { votes(first: $first, skip: $skip, \
    where: {proposal: $id, vp_gt: 0, created_gte: $created_gte}, orderBy: $orderBy, \
    orderDirection: $orderDirection) { ipfs voter choice vp vp_by_strategy reason created } }";

/// A space's proposal list with what a list item shows.
const PROPOSALS_LIST: &str = "query Proposals($first: Int!, $skip: Int!, $where: ProposalWhere) { \
    proposals(first: $first, skip: $skip, where: $where, orderBy: \"created\", orderDirection: desc) { \
    id ipfs title body type author start end snapshot state choices scores scores_total \
    scores_state votes quorum flagged app created updated \
    space { id name avatar network admins moderators members symbol } \
    strategies { name params network } validation { name params } } }";

/// A GraphQL POST as Apollo sends it.
fn graphql(operation: &str, query: &str, variables: Value) -> Vec<u8> {
    let body = json!({"operationName": operation, "variables": variables, "query": query});
    http_request("/graphql", body.to_string().as_bytes())
}

/// Sends `request` once and returns the reply's JSON body.
fn ask(address: SocketAddr, request: &[u8]) -> Value {
    client_runtime().block_on(async {
        let mut stream = open(address).await;
        let mut buffer = Vec::new();
        assert_eq!(exchange(&mut stream, request, &mut buffer).await, 200);
        let body = buffer.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        serde_json::from_slice(&buffer[body..]).unwrap()
    })
}

/// `clients` connections sending requests back to back until `stop`, client
/// `i` always `requests[i % len]`.
fn readers(address: SocketAddr, requests: Requests, clients: usize, stop: Arc<AtomicBool>) -> Run {
    connections(clients, |client| {
        let (requests, stop) = (requests.clone(), stop.clone());
        async move {
            let request = &requests[client % requests.len()];
            let mut stream = open(address).await;
            let mut buffer = Vec::with_capacity(1 << 20);
            let (mut latencies, mut answered) = (Vec::new(), 0);
            while !stop.load(Ordering::Relaxed) {
                let sent = Instant::now();
                let status = exchange(&mut stream, request, &mut buffer).await;
                // A GraphQL error comes last in a 200 reply.
                let tail = &buffer[buffer.len().saturating_sub(4096)..];
                if status == 200 && !tail.windows(10).any(|w| w == b"\"errors\":[") {
                    answered += 1;
                }
                latencies.push(sent.elapsed());
            }
            (latencies, answered)
        }
    })
}

/// `count` reads one after the other on one connection, cycling through
/// `requests`.
fn sequential(address: SocketAddr, requests: &Requests, count: usize) -> Run {
    client_runtime().block_on(async {
        let mut stream = open(address).await;
        let mut buffer = Vec::with_capacity(1 << 20);
        let started = Instant::now();
        let mut latencies = Vec::with_capacity(count);
        for i in 0..count {
            let sent = Instant::now();
            assert_eq!(
                exchange(&mut stream, &requests[i % requests.len()], &mut buffer).await,
                200
            );
            latencies.push(sent.elapsed());
        }
        latencies.sort();
        Run {
            seconds: started.elapsed().as_secs_f64(),
            cpu_seconds: 0.0,
            accepted: count,
            latencies,
        }
    })
}

/// Sends `votes` at `rate` per second over 32 connections, each vote at its
/// scheduled time; latency counts from that time.
fn paced(address: SocketAddr, votes: Requests, rate: f64) -> Run {
    const CONNECTIONS: usize = 32;
    let start = Instant::now();
    connections(CONNECTIONS, |c| {
        let votes = votes.clone();
        async move {
            let mut stream = open(address).await;
            let mut buffer = Vec::with_capacity(4096);
            let (mut latencies, mut accepted) = (Vec::new(), 0);
            for i in (c..votes.len()).step_by(CONNECTIONS) {
                let due = start + Duration::from_secs_f64(i as f64 / rate);
                tokio::time::sleep_until(due.into()).await;
                if exchange(&mut stream, &votes[i], &mut buffer).await == 200 {
                    accepted += 1;
                }
                latencies.push(due.elapsed());
            }
            (latencies, accepted)
        }
    })
}

/// One phase: paced ingest of `votes`, with `read` (if any) sent by its
/// clients for as long as the ingest runs. The ingest run carries the
/// CPU time of the whole process (server and clients) over the phase.
fn phase(
    address: SocketAddr,
    votes: Vec<Vec<u8>>,
    rate: f64,
    read: Option<(Requests, usize)>,
) -> (Run, Option<Run>) {
    let stop = Arc::new(AtomicBool::new(false));
    let cpu_before = process_cpu_seconds();
    let reading = read.map(|(requests, clients)| {
        let stop = stop.clone();
        std::thread::spawn(move || readers(address, requests, clients, stop))
    });
    let mut ingest = paced(address, Arc::new(votes), rate);
    stop.store(true, Ordering::Relaxed);
    let reading = reading.map(|r| r.join().unwrap());
    ingest.cpu_seconds = process_cpu_seconds() - cpu_before;
    (ingest, reading)
}

fn main() {
    // The server's own log, when asked: `BENCH_LOG=warn`.
    if let Ok(filter) = std::env::var("BENCH_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(std::io::stderr)
            .init();
    }
    let stored = arg("--votes", 1_000_000);
    let seconds = arg("--seconds", 10);
    let peak_votes = arg("--peak-votes", 30_000);
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());

    let hub = common::Hub::new();
    let now = unix_now();
    for i in 0..199 {
        hub.proposal(&format!("Earlier motion {i}"), now - 86_400 * 5 + i * 1800);
    }
    let proposal = hub.proposal("The million-vote motion", now);
    eprintln!("writing {stored} votes…");
    let filling = Instant::now();
    hub.prefill(&proposal, stored);
    eprintln!("  in {:.0} s", filling.elapsed().as_secs_f64());
    let (address, _dir) = hub.serve(cores);

    let votes_page = |first: usize| {
        graphql(
            "Votes",
            VOTES_PAGE,
            json!({"id": proposal, "first": first, "skip": 0, "orderBy": "vp",
                   "orderDirection": "desc", "created_gte": 0}),
        )
    };
    // The first page, as every visitor of the proposal loads it; and 64
    // variants of it, one per client, which no two clients share (each its
    // own `first`, from 1,000 down to 937 votes).
    let first_page = Arc::new(vec![votes_page(1000)]);
    let variants = Arc::new((0..64).map(|k| votes_page(1000 - k)).collect::<Vec<_>>());
    let proposals_list = Arc::new(vec![graphql(
        "Proposals",
        PROPOSALS_LIST,
        json!({"first": 20, "skip": 0,
               "where": {"space_in": ["load.eth"], "title_contains": "", "flagged": false}}),
    )]);
    // Each read answers what a client needs before anything is timed (the
    // first proposals list also counts the big proposal once).
    let page = ask(address, &first_page[0]);
    let listed = page["data"]["votes"].as_array().map_or(0, Vec::len);
    assert_eq!(listed, 1000, "votes page: {page:.300}");
    let list = ask(address, &proposals_list[0]);
    assert_eq!(
        list["data"]["proposals"][0]["id"],
        json!(proposal),
        "{list:.300}"
    );
    assert_eq!(list["data"]["proposals"][0]["votes"], json!(stored));

    // What one execution costs with nothing else running: one client, no
    // ingest (`--alone` reads of each; `--alone-only 1` stops there).
    let alone = arg("--alone", 200);
    for (name, requests) in [
        ("votes page", &first_page),
        ("votes page, variants", &variants),
        ("proposals list", &proposals_list),
    ] {
        let run = sequential(address, requests, alone);
        println!(
            "{name} alone: p50 {:.1} ms, p99 {:.1} ms over {alone} reads",
            run.percentile(0.5),
            run.percentile(0.99)
        );
    }
    if arg("--alone-only", 0) == 1 {
        return;
    }

    eprintln!("signing {peak_votes} votes for the peak…");
    let peak = drive(
        address,
        &Arc::new(common::signed_votes(&proposal, peak_votes)),
        64,
    );
    assert_eq!(peak.accepted, peak_votes, "ingest refused votes");
    let rate = peak.rate() / 2.0;
    let per_phase = (rate * seconds as f64) as usize;
    let phases: [(&str, Option<(&Requests, usize)>); 9] = [
        ("ingest alone", None),
        ("votes page, 1 client", Some((&first_page, 1))),
        ("votes page, 16 clients", Some((&first_page, 16))),
        ("votes page, 64 clients", Some((&first_page, 64))),
        ("64 clients, 64 variants", Some((&variants, 64))),
        ("proposals list, 1 client", Some((&proposals_list, 1))),
        ("proposals list, 16 clients", Some((&proposals_list, 16))),
        ("proposals list, 64 clients", Some((&proposals_list, 64))),
        ("ingest alone, again", None),
    ];
    eprintln!(
        "signing {} votes for {} phases at {rate:.0}/s…",
        per_phase * phases.len(),
        phases.len()
    );
    let mut signed = common::signed_votes(&proposal, per_phase * phases.len());

    println!(
        "store: {stored} votes on one proposal, 200 proposals; {cores} server workers; \
         {seconds} s per phase"
    );
    println!(
        "ingest peak, no readers: {:.0} votes/s (p50 {:.1} ms, p99 {:.1} ms, 64 connections); paced at {rate:.0}/s below",
        peak.rate(),
        peak.percentile(0.5),
        peak.percentile(0.99)
    );
    println!(
        "{:<28} {:>9} {:>9} {:>9} | {:>9} {:>10} {:>10} | {:>5}",
        "phase", "read p50", "read p99", "reads/s", "votes/s", "vote p50", "vote p99", "CPU"
    );
    for (name, read) in phases {
        let votes: Vec<Vec<u8>> = signed.drain(..per_phase).collect();
        let (ingest, reading) = phase(
            address,
            votes,
            rate,
            read.map(|(request, clients)| (request.clone(), clients)),
        );
        assert_eq!(ingest.accepted, per_phase, "ingest refused votes");
        let (p50, p99, per_second) =
            reading.map_or(("-".to_string(), "-".to_string(), "-".to_string()), |r| {
                assert_eq!(r.accepted, r.latencies.len(), "a read failed");
                (
                    format!("{:.1} ms", r.percentile(0.5)),
                    format!("{:.1} ms", r.percentile(0.99)),
                    format!("{:.0}", r.rate()),
                )
            });
        println!(
            "{name:<28} {p50:>9} {p99:>9} {per_second:>9} | {:>9.0} {:>7.1} ms {:>7.1} ms | {:>4.0}%",
            ingest.rate(),
            ingest.percentile(0.5),
            ingest.percentile(0.99),
            ingest.cpu_seconds / ingest.seconds / cores as f64 * 100.0
        );
    }
}
