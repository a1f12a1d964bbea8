//! How the verifier reads: every block checked against its CID before use,
//! and a problem that names the block and what it was meant to be.

use std::borrow::Cow;

use cid::Cid;
use serde::de::DeserializeOwned;

use crate::ipld::source::BlockSource;

/// Reads one block and checks it against its CID.
pub(crate) fn fetch<'s>(
    source: &'s dyn BlockSource,
    cid: &str,
    what: &str,
) -> Result<Cow<'s, [u8]>, String> {
    let parsed = Cid::try_from(cid).map_err(|_| format!("{what}: {cid} is not a CID"))?;
    let bytes = source
        .get(&parsed)
        .map_err(|err| format!("{what}: {err}"))?;
    if !crate::ipld::matches(&parsed, &bytes) {
        return Err(format!("{what}: block {cid} does not hash to its CID"));
    }
    Ok(bytes)
}

/// [`fetch`], decoded as a typed block of `crate::format`.
pub(crate) fn fetch_typed<T: DeserializeOwned>(
    source: &dyn BlockSource,
    cid: &str,
    what: &str,
) -> Result<T, String> {
    let bytes = fetch(source, cid, what)?;
    serde_json::from_slice(&bytes)
        .map_err(|err| format!("{what}: block {cid} cannot be read: {err}"))
}
