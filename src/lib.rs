//! votehub: a self-hostable, auditable server for Snapshot's signed governance
//! messages.
//!
//! A signed envelope comes in over HTTP; it is shape-checked (`envelope`),
//! recognised and hashed (`typed_data`), its signer recovered (`signature`),
//! checked against the space's and proposal's rules (`rules`, with voting
//! power from `vp`), given its CID (`blockstore`) and relayer receipt
//! (`relayer`), and durably written (`store`). `ingest` strings these steps
//! together; `http` and `cli` are the two ways in. Modules are declared in
//! that flow order.

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
pub mod rejection;
pub mod relayer;
pub mod results;
pub mod rules;
pub mod signature;
pub mod log;
pub mod store;
pub mod tally;
pub mod typed_data;
pub mod vp;
