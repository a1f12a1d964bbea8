//! A Kubo node read as a block source, for `votehub verify --ipfs-api`.

use std::borrow::Cow;

use cid::Cid;

use super::{Kubo, Pinner, DEFAULT_TIMEOUT};
use crate::ipld::source::{BlockSource, BlockSourceError};

/// A Kubo node's RPC API, one `block/get` per block.
pub struct KuboBlocks {
    kubo: Kubo,
    runtime: tokio::runtime::Runtime,
}

impl KuboBlocks {
    pub fn new(api: &str) -> Result<Self, BlockSourceError> {
        let kubo = Kubo::new(api, DEFAULT_TIMEOUT)
            .map_err(|err| BlockSourceError::Fetch(err.to_string()))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|err| BlockSourceError::Fetch(err.to_string()))?;
        Ok(KuboBlocks { kubo, runtime })
    }
}

impl BlockSource for KuboBlocks {
    fn get(&self, cid: &Cid) -> Result<Cow<'_, [u8]>, BlockSourceError> {
        self.runtime
            .block_on(self.kubo.block_get(cid))
            .map(Cow::Owned)
            .map_err(|err| BlockSourceError::Fetch(format!("block/get {cid}: {err}")))
    }
}
