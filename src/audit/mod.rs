//! Audit bundles, server side: `bundle` builds a closed proposal's bundle
//! (format: `crate::format::bundle`) from the store, and `closer`, the
//! server's background task, freezes results, pins log heads and stores
//! bundles as proposals close. The offline checker is `crate::verify`.

pub mod bundle;
pub mod case;
pub mod closer;

use crate::results::ResultsError;
use crate::store::writer::WriteError;
use crate::store::StoreError;

/// Why a bundle could not be built or stored.
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
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Results(#[from] ResultsError),
    #[error("proposal {proposal} has not closed yet: its result is final {delay} s after its end")]
    NotClosed { proposal: String, delay: i64 },
    #[error("no log head covers proposal {0}: the log is empty")]
    NoLogHead(String),
    #[error("a bundle task failed: {0}")]
    Task(String),
}
