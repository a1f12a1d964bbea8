//! A trustless gateway (any votehub's `/ipfs/`, or an IPFS gateway) read as
//! one CAR, and block by block beyond it.

use std::borrow::Cow;
use std::io::Read;

use crate::ipld::source::{BlockSource, BlockSourceError, Blocks};

/// The whole DAG under `root` from a trustless gateway, as one CAR
/// (`GET {gateway}/ipfs/{root}?format=car`), received once and indexed in place.
pub fn car_from_gateway(gateway: &str, root: &str) -> Result<Blocks, BlockSourceError> {
    let url = format!("{}/ipfs/{root}?format=car", gateway.trim_end_matches('/'));
    let response = ureq::get(&url)
        .header("Accept", "application/vnd.ipld.car")
        .call()
        .map_err(|err| BlockSourceError::Fetch(format!("GET {url}: {err}")))?;
    let mut bytes = Vec::new();
    response
        .into_body()
        .into_reader()
        .read_to_end(&mut bytes)
        .map_err(|err| BlockSourceError::Fetch(format!("GET {url}: {err}")))?;
    Blocks::from_car_bytes(bytes)
}

/// A trustless gateway as a block source: the DAG under a root fetched once
/// as a CAR, and any block outside it (the log heads `verify --trusted-head`
/// walks) fetched alone with `?format=raw`.
pub struct GatewayBlocks {
    gateway: String,
    dag: Blocks,
}

impl GatewayBlocks {
    pub fn new(gateway: &str, root: &str) -> Result<Self, BlockSourceError> {
        Ok(GatewayBlocks {
            gateway: gateway.trim_end_matches('/').to_string(),
            dag: car_from_gateway(gateway, root)?,
        })
    }

    fn fetch(&self, cid: &cid::Cid) -> Result<Vec<u8>, BlockSourceError> {
        let url = format!("{}/ipfs/{cid}?format=raw", self.gateway);
        let response = ureq::get(&url)
            .header("Accept", "application/vnd.ipld.raw")
            .call()
            .map_err(|err| match err {
                ureq::Error::StatusCode(404) => BlockSourceError::Missing(cid.to_string()),
                err => BlockSourceError::Fetch(format!("GET {url}: {err}")),
            })?;
        let mut bytes = Vec::new();
        response
            .into_body()
            .into_reader()
            .take(MAX_BLOCK)
            .read_to_end(&mut bytes)
            .map_err(|err| BlockSourceError::Fetch(format!("GET {url}: {err}")))?;
        Ok(bytes)
    }
}

/// The largest block a gateway may send (IPFS's own limit is 2 MiB).
const MAX_BLOCK: u64 = 4 << 20;

impl BlockSource for GatewayBlocks {
    fn get(&self, cid: &cid::Cid) -> Result<Cow<'_, [u8]>, BlockSourceError> {
        match self.dag.get(cid) {
            Ok(bytes) => Ok(bytes),
            Err(BlockSourceError::Missing(_)) => self.fetch(cid).map(Cow::Owned),
            Err(err) => Err(err),
        }
    }
}
