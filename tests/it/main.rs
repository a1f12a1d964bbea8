//! One integration-test binary, driving the real HTTP server and the real CLI.

// Shared harness: spawn_app(), signing and HTTP helpers.
mod helpers;
// Signed vectors: digests, signers, CIDs and receipts reproduced exactly.
mod vectors;
// The happy paths: spaces, proposals, every choice kind, revotes, aliases.
mod flows;
// One test per Snapshot error string, with its HTTP status.
mod errors;
// Hostile input never panics and never kills the server.
mod hostile;
// CARs stream from the store as the client reads them.
mod car;
// Results, `votehub tally`, and the score API.
mod results;
// Contract-wallet signatures (EIP-1271) through a JSON-RPC node.
mod contract_wallets;
// Voting power at the snapshot block and contract wallets (EIP-1271, EIP-6492)
// on a real local chain (anvil, installed by `.ci/run`); batching and retries.
mod chain;
// The `votehub` binary: help, register, import, sign, demo, crash recovery.
mod cli;
// The opt-in Kubo backend against a fake daemon (fake_kubo.rs): every block pinned, outbox durable.
mod fake_kubo;
mod kubo;
// Audit bundles, `votehub verify`, tampering, log heads and inclusion proofs.
mod audit;
// Stored bytes are checked against their CIDs before they are served.
mod integrity;
// Every error of every route in its protocol's shape.
mod shapes;
// The bundle and log-head formats, byte for byte, from a fixed store.
mod golden;
// Snapshot's hub GraphQL API: the hub's schema, defaults, limits and errors.
mod graphql;
// The documents Snapshot's clients send the hub, from the team's reference set.
mod hub_clients;
// The web app in a real headless Chromium, with a test wallet.
mod browser;
// The web app's pages over HTTP: negotiation, CSP, safety, budget.
mod web;
// The community court: elections, pool, cases, drand draws, juries.
mod court;
