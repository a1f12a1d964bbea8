//! votehub: a self-hostable, auditable server for Snapshot's signed governance
//! messages.
//!
//! A message flows through the modules in this order: `http` (or `cli`) →
//! `ingest`, which runs `envelope` (shape) → `typed_data` (kind and EIP-712
//! digest) → `signature` (signer; `chain` for contract wallets) → `rules`
//! (with voting power from `vp` and the `strategies` crate) → `blockstore`
//! (CID) and `relayer` (receipt) → `store` (durable write, `log` link, pin
//! outbox), and later, off the ingest path, `pinning` (Kubo).
//! `tally` and `results` count votes; `balances` imports snapshots; `client`
//! signs like snapshot.js. At close, `audit` pins a proposal's bundle and
//! `log` a signed log head, and `audit::verify` re-derives an outcome from
//! its CID; `pinning` copies every block to Kubo. See docs/ARCHITECTURE.md.

pub mod audit;
pub mod balances;
pub mod blockstore;
pub mod chain;
pub mod cli;
pub mod client;
pub mod config;
pub mod demo;
pub mod envelope;
pub mod http;
pub mod ingest;
pub mod log;
pub mod pinning;
pub mod rejection;
pub mod relayer;
pub mod results;
pub mod rules;
pub mod signature;
pub mod store;
pub mod tally;
pub mod typed_data;
pub mod vp;
