//! Importing token balance snapshots (`address,balance` CSV, integer base
//! units). The file's bytes are kept as a block, so a result can name the
//! exact snapshot it was computed from by CID.

use primitive_types::U256;

use crate::blockstore;
use crate::signature::Address;
use crate::store::{Db, StoreError};

/// Why a snapshot file was refused; the line number is 1-based.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the first line must be the header `address,balance`")]
    Header,
    #[error("line {line}: {reason}")]
    Line { line: usize, reason: String },
    #[error("line {line}: address {address} appears twice")]
    Duplicate { line: usize, address: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A parsed snapshot: checksummed holder → decimal balance.
pub fn parse_csv(text: &str) -> Result<Vec<(String, String)>, ImportError> {
    let mut lines = text.lines().enumerate();
    let header = lines.next().map(|(_, line)| {
        line.trim()
            .trim_start_matches('\u{feff}')
            .to_ascii_lowercase()
    });
    if header.as_deref() != Some("address,balance") {
        return Err(ImportError::Header);
    }
    let mut seen = std::collections::HashSet::new();
    let mut rows = Vec::new();
    for (index, line) in lines {
        let line_no = index + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let bad = |reason: &str| ImportError::Line {
            line: line_no,
            reason: reason.into(),
        };
        let (address, balance) = line
            .split_once(',')
            .ok_or_else(|| bad("expected `address,balance`"))?;
        let address =
            Address::parse_any(address.trim()).map_err(|err| bad(&format!("address: {err}")))?;
        let balance = balance.trim();
        if balance.is_empty() || !balance.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("balance must be a non-negative integer in base units"));
        }
        let balance =
            U256::from_dec_str(balance).map_err(|_| bad("balance does not fit in 256 bits"))?;
        if !seen.insert(address) {
            return Err(ImportError::Duplicate {
                line: line_no,
                address: address.to_string(),
            });
        }
        rows.push((address.to_string(), balance.to_string()));
    }
    Ok(rows)
}

/// Stores a snapshot file and its rows; returns (holders, CID of the file).
pub fn import(
    db: &Db<'_>,
    network: &str,
    token: Address,
    block: u64,
    file: &[u8],
    now: i64,
) -> Result<(usize, String), ImportError> {
    let text = std::str::from_utf8(file).map_err(|_| ImportError::Line {
        line: 0,
        reason: "not UTF-8".into(),
    })?;
    let rows = parse_csv(text)?;
    let cid = blockstore::raw_cid(file);
    db.put_block(&cid, file)?;
    db.import_balances(network, &token.to_string(), block, &rows, &cid, now)?;
    Ok((rows.len(), cid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises() {
        let rows = parse_csv("address,balance\n0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266, 12\n\n")
            .unwrap();
        assert_eq!(
            rows,
            vec![(
                "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".to_string(),
                "12".to_string()
            )]
        );
    }

    #[test]
    fn refuses_bad_files() {
        assert!(matches!(
            parse_csv("holder,amount\n"),
            Err(ImportError::Header)
        ));
        assert!(matches!(
            parse_csv("address,balance\n0x12,1\n"),
            Err(ImportError::Line { line: 2, .. })
        ));
        assert!(matches!(
            parse_csv("address,balance\n0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266,1.5\n"),
            Err(ImportError::Line { line: 2, .. })
        ));
        assert!(matches!(
            parse_csv("address,balance\n0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266,-1\n"),
            Err(ImportError::Line { .. })
        ));
        let twice = "address,balance\n0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266,1\n0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266,2\n";
        assert!(matches!(
            parse_csv(twice),
            Err(ImportError::Duplicate { line: 3, .. })
        ));
    }
}
