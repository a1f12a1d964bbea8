//! Importing a balance snapshot file: its rows into the store, its bytes as
//! the UnixFS blocks Kubo's `add` would make, so a result can name the exact
//! snapshot it was computed from by CID.

use crate::ipld;
use crate::protocol::signature::Address;
use crate::store::{Db, StoreError};

use super::snapshot_file::{parse, ParseError};

/// Why a snapshot file was not imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Stores a snapshot file and its rows; returns (holders, CID of the file).
pub fn import_snapshot(
    db: &Db<'_>,
    network: &str,
    token: Address,
    block: u64,
    file: &[u8],
    now: i64,
) -> Result<(usize, String), ImportError> {
    let rows: Vec<(String, String)> = parse(file)?
        .into_iter()
        .map(|(address, balance)| (address.to_string(), balance.to_string()))
        .collect();
    // Kubo's `add` layout, so the file's CID is the one any IPFS node gives it.
    let blocks = ipld::unixfs_blocks(file);
    let cid = blocks
        .last()
        .map(|(cid, _)| cid.clone())
        .unwrap_or_else(|| ipld::raw_cid(file));
    db.atomically(|db| -> Result<(), ImportError> {
        for (block_cid, block) in &blocks {
            db.put_block(block_cid, block)?;
        }
        db.import_balances(network, &token.to_string(), block, &rows, &cid, now)?;
        Ok(())
    })?;
    Ok((rows.len(), cid))
}
