//! `votehub ipfs status`: the pin outbox.

use std::path::Path;
use std::process::ExitCode;

use super::data::open_store;

/// `votehub ipfs status`; works whether or not the server runs.
pub(super) fn status(data: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let status = open_store(data)?.reader()?.db().pin_status()?;
    print!(
        "{}",
        crate::pinning::report(&status, crate::clock::unix_ms(), json)
    );
    Ok(ExitCode::SUCCESS)
}
