//! The relayer key: created on first start in the data directory (mode 0600),
//! it signs each accepted message's signature string as Snapshot's relayer
//! does, so a voter holds proof that votehub accepted the vote.

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::protocol::signature::{personal_signer, Signer};
use crate::store::Store;

const KEY_FILE: &str = "relayer.key";

/// Loads `<data>/relayer.key`, creating it with a fresh key if absent.
pub fn load_or_create(data_dir: &Path) -> anyhow::Result<Signer> {
    let path = data_dir.join(KEY_FILE);
    if path.exists() {
        let text = fs::read_to_string(&path)?;
        return Signer::from_hex(&text).map_err(|err| anyhow::anyhow!("{}: {err}", path.display()));
    }
    let signer = Signer::generate();
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path)?;
    file.write_all(signer.secret_hex().as_bytes())?;
    file.sync_all()?;
    Ok(signer)
}

/// Refuses a relayer key that is not the one the store's messages are
/// receipted by: a lost or replaced `relayer.key` would otherwise start a new
/// relayer identity silently, and every later log head would fail
/// `verify-log` against the old one. `accept_new` is the operator's explicit
/// choice to go on under the new key.
pub fn check_identity(store: &Store, relayer: &Signer, accept_new: bool) -> anyhow::Result<()> {
    let Some(last) = store.reader()?.db().last_message()? else {
        return Ok(());
    };
    let previous = personal_signer(&last.sig, &last.receipt).ok();
    if previous == Some(relayer.address()) {
        return Ok(());
    }
    let previous = previous.map_or_else(|| "an unreadable receipt".to_string(), |a| a.to_string());
    if accept_new {
        tracing::warn!(
            %previous,
            new = %relayer.address(),
            "serving under a new relayer key: heads and receipts from now on are signed by it"
        );
        return Ok(());
    }
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
