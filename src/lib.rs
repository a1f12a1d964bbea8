//! votehub: a self-hostable, auditable server for Snapshot's signed governance
//! messages.
//!
//! The modules form layers; each may use only the layers below it (checked by
//! `tests/layers.rs`, drawn in docs/ARCHITECTURE.md):
//!
//! 1. pure code: `clock`, `protocol` (envelope, typed data, signatures,
//!    refusals), `tally` (voting types and results), `ipld` (CIDs, DAG-JSON,
//!    CAR, block sources), `format` (the published bundle and log formats),
//!    `power::inputs` and `power::snapshot_file`, `jury` (the jury draw);
//! 2. clients of other services: `chain` (JSON-RPC), `ipfs` (Kubo);
//! 3. `verify`, the offline verifier, on nothing but the two layers above;
//! 4. `store`, SQLite and its single writer;
//! 5. services: `message_log`, `power`, `results`, `pinning`, `integrity`, then `ingest`
//!    (with its `rules`), then `audit`, then `reads`, then `hub` (Snapshot's
//!    GraphQL read API over `reads`);
//! 6. `web`, the web app's pages, rendered from the hub's reads;
//! 7. edges: `http` (actix-web) and `app` (the CLI, configuration, demo).

pub mod app;
pub mod audit;
pub mod chain;
pub mod clock;
pub mod court;
pub mod format;
pub mod http;
pub mod hub;
pub mod ingest;
pub mod integrity;
pub mod ipfs;
pub mod ipld;
pub mod jury;
pub mod message_log;
pub mod pinning;
pub mod power;
pub mod protocol;
pub mod reads;
pub mod results;
pub mod store;
pub mod tally;
pub mod verify;
pub mod web;
