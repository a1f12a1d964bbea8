//! IPFS nodes and gateways: the [`Pinner`] trait the pinning worker pushes
//! blocks through, its Kubo implementation ([`Kubo`], the only code that knows
//! ipfs-api-backend-hyper), and the two remote block sources of the verifier:
//! [`KuboBlocks`], [`car_from_gateway`] and [`GatewayBlocks`].

mod blocks;
mod gateway;
mod kubo;

use std::future::Future;
use std::time::Duration;

use cid::Cid;

pub use blocks::KuboBlocks;
pub use gateway::{car_from_gateway, GatewayBlocks};
pub use kubo::Kubo;

/// Kubo's answer to a request that takes longer counts as a failure.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// An IPFS node that stores and pins blocks. One implementation per backend
/// ([`Kubo`]); the worker only knows this trait.
pub trait Pinner: Send + Sync + 'static {
    /// Stores `data` as one block with `cid`'s codec and hash function, pins
    /// it, and returns the CID the node names it with (the caller compares).
    fn put_pinned(
        &self,
        cid: &Cid,
        data: &[u8],
    ) -> impl Future<Output = Result<Cid, PinError>> + Send;

    /// The bytes the node holds under `cid`, exactly as it returns them (not
    /// checked against the CID: compare with `ipld::matches`). Works on
    /// any tokio runtime with IO and time enabled; fails after the timeout.
    fn block_get(&self, cid: &Cid) -> impl Future<Output = Result<Vec<u8>, PinError>> + Send;

    /// The node's version string, to log which daemon is in use.
    fn version(&self) -> impl Future<Output = Result<String, PinError>> + Send;
}

/// Why a push (or a pinning run) failed.
#[derive(Debug, thiserror::Error)]
pub enum PinError {
    #[error("IPFS API URL {url:?}: {reason}")]
    Url { url: String, reason: String },
    #[error("the IPFS daemon did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the IPFS daemon is unreachable: {0}")]
    Unreachable(String),
    #[error("the IPFS daemon refused: {0}")]
    Refused(String),
    #[error("the IPFS daemon answered {0:?}, which is not a CID")]
    BadAnswer(String),
    #[error("multicodec or multihash 0x{0:x} cannot be pushed")]
    Unsupported(u64),
}

impl PinError {
    /// The daemon itself is down or stalled (not refusing one block).
    pub(crate) fn daemon_unavailable(&self) -> bool {
        matches!(self, PinError::Timeout(_) | PinError::Unreachable(_))
    }
}
