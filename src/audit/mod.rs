//! Audit bundles: everything needed to re-derive a closed proposal's outcome
//! from IPFS alone, and the verifier that does it.
//!
//! A bundle is a DAG of DAG-JSON blocks (`crate::blockstore`):
//!
//! ```text
//! root  {format, bundle: →body, proposal, relayer, signature}
//! body  {format, votehub, proposal: {id, envelopes: [→signed proposal, →updates], frozen},
//!        space: {id, settings: →settings message in force at creation,
//!                settings_at_close: →settings message in force at close},
//!        snapshot, sources: [read key + source: {snapshot: →file} | "chain"],
//!        extra_inputs, aliases: [→alias messages], votes: {listed, counted, chunks: [→chunk]},
//!        result, log_head: {cid, mci, log}}
//! chunk {votes: [{envelope: →vote message, id, voter, mci, log, received, superseded,
//!                 vp, vp_by_strategy, inputs: [per strategy: [[source, value]]]}]}
//! ```
//!
//! Vote and proposal envelopes are the raw blocks already pinned at
//! acceptance. The root carries the relayer's EIP-191 signature of
//! [`statement`], so a verifier learns who vouches for the body. `bundle`
//! builds one from the store, `closer` builds them as proposals close, and
//! `verify` checks one from any [`source::BlockSource`].

pub mod bundle;
pub mod closer;
pub mod inputs;
pub mod source;
pub mod verify;

use crate::store::StoreError;

/// `format` of a bundle's root block.
pub const ROOT_FORMAT: &str = "votehub-audit-root/1";
/// `format` of a bundle's body block.
pub const BODY_FORMAT: &str = "votehub-audit-bundle/1";
/// Largest vote chunk, in bytes: far below Kubo's 1 MiB block limit.
pub const CHUNK_BYTES: usize = 512 * 1024;

/// The text the relayer signs for a bundle body.
pub fn statement(proposal: &str, body_cid: &str) -> String {
    format!("votehub audit bundle of proposal {proposal}: {body_cid}")
}

/// Why a bundle could not be built.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("unknown proposal {0}")]
    UnknownProposal(String),
    #[error("block {0} is not stored")]
    MissingBlock(String),
    #[error("the proposal's strategies cannot be read: {0}")]
    Strategies(String),
    #[error("voting power cannot be re-read: {0}")]
    VotingPower(String),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}
