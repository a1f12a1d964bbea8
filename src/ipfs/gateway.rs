//! A trustless gateway (any votehub's `/ipfs/`, or an IPFS gateway) read as
//! one CAR.

use std::io::Read;

use crate::ipld::source::{BlockSourceError, Blocks};

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
