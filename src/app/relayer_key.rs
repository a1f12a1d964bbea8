//! The relayer key: created on first start in the data directory (mode 0600),
//! it signs each accepted message's signature string as Snapshot's relayer
//! does, so a voter holds proof that votehub accepted the vote.

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::protocol::signature::Signer;

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
