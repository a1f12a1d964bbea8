//! The web app's proposal page on a proposal with `--votes` votes (100,000
//! by default), as a browser asks for it: server time per page (one client,
//! keep-alive, on loopback, so the latency is the server's time plus a
//! loopback round trip), for the whole page and for the live part that
//! `live.js` polls, sorted by voting power and by time, and the bytes the
//! page and its assets weigh. The limit beside it: the same proposal's
//! GraphQL read alone, which the page is rendered from.
//!
//! Run: `cargo bench --bench web_pages -- --votes 100000 --requests 200`

// The load generators of the shared helpers are for the other benches.
#[allow(dead_code)]
mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{arg, client_runtime, exchange, http_request, open};
use serde_json::json;
use votehub::clock::unix_now;

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: bench\r\nAccept: text/html,*/*;q=0.8\r\n\r\n")
        .into_bytes()
}

/// `n` sequential requests on one connection: sorted latencies and the
/// last reply's body length.
fn time(address: SocketAddr, request: &[u8], n: usize) -> (Vec<Duration>, usize) {
    client_runtime().block_on(async {
        let mut stream = open(address).await;
        let mut buffer = Vec::new();
        let mut latencies = Vec::with_capacity(n);
        for _ in 0..n {
            let sent = Instant::now();
            assert_eq!(exchange(&mut stream, request, &mut buffer).await, 200);
            latencies.push(sent.elapsed());
        }
        latencies.sort();
        let body = buffer
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map_or(0, |at| buffer.len() - at - 4);
        (latencies, body)
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn report(label: &str, (latencies, bytes): (Vec<Duration>, usize)) {
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "{label:<44} p50 {:>7.1} ms   p99 {:>7.1} ms   max {:>7.1} ms   {:>7} bytes",
        ms(at(0.5)),
        ms(at(0.99)),
        ms(*latencies.last().unwrap()),
        bytes
    );
}

fn main() {
    let votes = arg("--votes", 100_000);
    let requests = arg("--requests", 200);
    let hub = common::Hub::new();
    let proposal = hub.proposal("A motion with many votes", unix_now());
    eprintln!("writing {votes} votes…");
    hub.prefill(&proposal, votes);
    let (address, _dir) = hub.serve(std::thread::available_parallelism().map_or(2, |n| n.get()));
    let page = format!("/s/load.eth/proposal/{proposal}");
    // The first view counts the result and the vote timeline (every vote
    // read once); later views are served from what it kept until the votes
    // change, for at most 10 s on a proposal this large.
    let (first, _) = time(address, &get(&page), 1);
    time(address, &get(&page), 2);

    println!("{votes} votes, {requests} sequential requests each, one keep-alive client");
    println!(
        "{:<44} {:>7.1} ms (counts the result and the timeline)",
        "first view of the proposal page",
        ms(first[0])
    );
    let graphql = http_request(
        "/graphql",
        json!({"query": format!("{{ proposal(id: \"{proposal}\") {{ id title body choices scores scores_total votes vote_timeline(points: 48) {{ time vp }} }} votes(first: 20, where: {{proposal: \"{proposal}\"}}, orderBy: \"vp\", orderDirection: desc) {{ id voter vp choice reason created ipfs }} }}")})
            .to_string()
            .as_bytes(),
    );
    report(
        "limit: the page's GraphQL read alone",
        time(address, &graphql, requests),
    );
    report(
        "proposal page (votes by power)",
        time(address, &get(&page), requests),
    );
    report(
        "proposal page, votes by time, page 50",
        time(
            address,
            &get(&format!("{page}?order=created&page=50")),
            requests,
        ),
    );
    report(
        "live part (live.js)",
        time(address, &get(&format!("{page}/live?order=vp")), requests),
    );

    let mut assets = 0;
    for asset in [
        "app.css",
        "vote.js",
        "live.js",
        "audit.js",
        "wallet.js",
        "keccak.js",
    ] {
        assets += time(address, &get(&format!("/app/{asset}")), 1).1;
    }
    let (_, html) = time(address, &get(&page), 1);
    println!(
        "page weight: HTML {html} + CSS and modules {assets} = {} bytes (budget 153,600)",
        html + assets
    );
}
