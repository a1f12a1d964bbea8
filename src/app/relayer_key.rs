//! The relayer key: created on first start in the data directory (mode 0600),
//! it signs each accepted message's signature string as Snapshot's relayer
//! does, so a voter holds proof that votehub accepted the vote. A change of
//! key is recorded in the message log (`crate::message_log::rotate`).

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::clock::unix_ms;
use crate::protocol::signature::{personal_signer, Address, Signer};
use crate::store::Store;

const KEY_FILE: &str = "relayer.key";
/// The new key of a rotation, until the rotation message is committed.
const NEXT_KEY_FILE: &str = "relayer.key.next";

/// Loads `<data>/relayer.key`, creating it with a fresh key if absent.
pub fn load_or_create(data_dir: &Path) -> anyhow::Result<Signer> {
    let path = data_dir.join(KEY_FILE);
    if path.exists() {
        return read_key(&path);
    }
    let signer = Signer::generate();
    write_key(&path, &signer)?;
    Ok(signer)
}

fn read_key(path: &Path) -> anyhow::Result<Signer> {
    let text = fs::read_to_string(path)?;
    Signer::from_hex(&text).map_err(|err| anyhow::anyhow!("{}: {err}", path.display()))
}

/// Writes a new key file (mode 0600), durably; never overwrites one.
fn write_key(path: &Path, signer: &Signer) -> anyhow::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(signer.secret_hex().as_bytes())?;
    file.sync_all()?;
    Ok(())
}

/// The relayer that receipted the newest stored message, if any.
fn last_receipt_signer(store: &Store) -> anyhow::Result<Option<Result<Address, String>>> {
    Ok(store.reader()?.db().last_message()?.map(|last| {
        personal_signer(&last.sig, &last.receipt)
            .map_err(|_| format!("the unreadable receipt of message {}", last.mci))
    }))
}

/// A planned change of relayer key (the server stopped): a new key is made,
/// the rotation enters the log signed by both keys, and the old key file is
/// kept as `relayer.key.retired-<address>`. Returns (old, new).
pub fn rotate(data_dir: &Path, store: &Store) -> anyhow::Result<(Address, Address)> {
    finish_interrupted_rotation(data_dir, store)?;
    let old = load_or_create(data_dir)?;
    check_identity(store, &old, false)?;
    let next = Signer::generate();
    let next_path = data_dir.join(NEXT_KEY_FILE);
    write_key(&next_path, &next)?;
    store.write_once(|db| {
        crate::message_log::rotate(db, old.address(), Some(&old), &next, unix_ms())
    })?;
    finish_interrupted_rotation(data_dir, store)?;
    Ok((old.address(), next.address()))
}

/// Completes a rotation stopped between its steps: once the rotation message
/// is committed (the newest receipt is the next key's), the next key becomes
/// `relayer.key`; before that, the unused next key is removed.
pub fn finish_interrupted_rotation(data_dir: &Path, store: &Store) -> anyhow::Result<()> {
    let next_path = data_dir.join(NEXT_KEY_FILE);
    if !next_path.exists() {
        return Ok(());
    }
    let next = read_key(&next_path)?;
    if last_receipt_signer(store)?.and_then(Result::ok) != Some(next.address()) {
        fs::remove_file(&next_path)?;
        return Ok(());
    }
    let path = data_dir.join(KEY_FILE);
    if path.exists() {
        let old = read_key(&path)?;
        fs::rename(
            &path,
            data_dir.join(format!("{KEY_FILE}.retired-{}", old.address())),
        )?;
    }
    fs::rename(&next_path, &path)?;
    fs::File::open(data_dir)?.sync_all()?;
    tracing::info!(relayer = %next.address(), "relayer key rotated");
    Ok(())
}

/// Refuses a relayer key that is not the one the store's messages are
/// receipted by: a lost or replaced `relayer.key` would otherwise start a new
/// relayer identity silently, and every later log head would fail
/// `verify-log` against the old one. `accept_new` is the operator's explicit
/// choice to go on under the new key.
///
/// Going on under a new key records the change in the log as a rotation the
/// old key did not sign, so auditors see exactly where the chain of relayer
/// keys is the operator's word alone.
pub fn check_identity(store: &Store, relayer: &Signer, accept_new: bool) -> anyhow::Result<()> {
    let previous = match last_receipt_signer(store)? {
        None => return Ok(()),
        Some(Ok(previous)) if previous == relayer.address() => return Ok(()),
        Some(previous) => previous,
    };
    if accept_new {
        let previous = previous.map_err(|unreadable| {
            anyhow::anyhow!("cannot record the change of relayer: the previous one is {unreadable}; run `votehub check`")
        })?;
        store
            .write_once(|db| crate::message_log::rotate(db, previous, None, relayer, unix_ms()))?;
        tracing::warn!(
            %previous,
            new = %relayer.address(),
            "serving under a new relayer key, recorded in the log as a rotation the old key did not sign"
        );
        return Ok(());
    }
    let previous = previous.map_or_else(|unreadable| unreadable, |a| a.to_string());
    anyhow::bail!(
        "{KEY_FILE} holds relayer {}, but the stored messages are receipted by {previous}: the key was replaced or lost. Restore the old {KEY_FILE} from your backup, or pass --accept-new-relayer to go on under the new key (auditors will see the change of relayer)",
        relayer.address()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_created_once_private_and_stable() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(dir.path()).unwrap();
        let second = load_or_create(dir.path()).unwrap();
        assert_eq!(first.address(), second.address());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(!format!("{first:?}").contains(&first.secret_hex()[2..]));
    }
}
