//! `votehub jury`: community juries.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::jury::draw::{draw as run_draw, hex_address, Pool};

/// `votehub jury draw`: the selected addresses in draw order, one per line.
pub(super) fn draw(
    pool: &Path,
    seed: &str,
    case_id: &str,
    seats: usize,
) -> anyhow::Result<ExitCode> {
    let seed = parse_seed(seed)?;
    let text =
        std::fs::read_to_string(pool).with_context(|| format!("reading {}", pool.display()))?;
    let parsed = Pool::from_csv(&text).with_context(|| format!("{}", pool.display()))?;
    let mut out = String::new();
    for address in run_draw(&parsed, &seed, case_id, seats) {
        out.push_str(&hex_address(&address));
        out.push('\n');
    }
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

fn parse_seed(seed: &str) -> anyhow::Result<[u8; 32]> {
    let digits = seed
        .strip_prefix("0x")
        .filter(|digits| digits.len() == 64)
        .context("the seed must be 0x and 64 hex digits (32 bytes)")?;
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(digits, &mut bytes)
        .context("the seed must be 0x and 64 hex digits (32 bytes)")?;
    Ok(bytes)
}
