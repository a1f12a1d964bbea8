//! Commands that set up a data directory: space controllers and balance
//! snapshots.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::clock::unix_now;
use crate::integrity::{self, IntegrityReport, Scope};
use crate::protocol::signature::Address;
use crate::store::{Db, Store};

/// The store of a data directory, created if needed.
pub(super) fn open_store(data: &Path) -> anyhow::Result<Store> {
    std::fs::create_dir_all(data).with_context(|| format!("creating {}", data.display()))?;
    Ok(Store::open(&data.join("votehub.sqlite"))?)
}

/// The store of a data directory, created if needed, for a command that
/// writes: refused, naming the path and the OS error, if it cannot be
/// written (rather than failing on every write later).
pub(super) fn open_store_for_writing(data: &Path) -> anyhow::Result<Store> {
    std::fs::create_dir_all(data).with_context(|| format!("creating {}", data.display()))?;
    Store::open_writable(&data.join("votehub.sqlite")).with_context(|| {
        format!(
            "the data directory {} cannot be written (votehub keeps votehub.sqlite and its -wal and -shm files there)",
            data.display()
        )
    })
}

/// `votehub space register`.
pub(super) fn register_space(
    data: &Path,
    space: &str,
    controller: &str,
) -> anyhow::Result<ExitCode> {
    let controller =
        Address::parse_any(controller).map_err(|err| anyhow::anyhow!("--controller: {err}"))?;
    open_store_for_writing(data)?
        .write_once(|db| db.set_controller(space, &controller.to_string(), unix_now()))?;
    println!("space {space} is controlled by {controller}");
    Ok(ExitCode::SUCCESS)
}

/// `votehub snapshot import`.
pub(super) fn import_snapshot(
    data: &Path,
    network: &str,
    token: &str,
    block: u64,
    file: &Path,
) -> anyhow::Result<ExitCode> {
    let token = Address::parse_any(token).map_err(|err| anyhow::anyhow!("--token: {err}"))?;
    let bytes = read_input(file)?;
    let (holders, cid) = open_store_for_writing(data)?.write_once(|db| {
        crate::power::import_snapshot(db, network, token, block, &bytes, unix_now())
    })?;
    println!(
        "imported {holders} balances of {token} on network {network} at block {block} (file {cid})"
    );
    Ok(ExitCode::SUCCESS)
}

/// `votehub check`: exit 1 on any problem.
pub(super) fn check(data: &Path, recent: Option<usize>) -> anyhow::Result<ExitCode> {
    let scope = recent.map_or(Scope::Full, Scope::Recent);
    let report = check_store(&open_store(data)?, scope)?;
    print!("{}", report.render());
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// [`integrity::check`] inside one read snapshot of `store`.
pub(super) fn check_store(store: &Store, scope: Scope) -> anyhow::Result<IntegrityReport> {
    let reader = store.reader()?;
    let snapshot = reader.snapshot()?;
    Ok(integrity::check(&Db::new(&snapshot), scope)?)
}

/// A file's bytes, or standard input for `-`.
pub(super) fn read_input(path: &Path) -> anyhow::Result<Vec<u8>> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes)?;
        return Ok(bytes);
    }
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// Holds `<data>/votehub.lock` while the server (or a command that must not
/// run beside it, such as `rotate-relayer`) runs: two writers with different
/// relayer keys would break the log's chain of keys.
pub(super) fn lock_data_dir(data: &Path, what: &str) -> anyhow::Result<std::fs::File> {
    std::fs::create_dir_all(data).with_context(|| format!("creating {}", data.display()))?;
    let path = data.join("votehub.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "{} is in use by a running votehub server; stop it before {what}",
            data.display()
        ),
        Err(std::fs::TryLockError::Error(err)) => {
            Err(err).with_context(|| format!("locking {}", path.display()))
        }
    }
}

/// `votehub rotate-relayer`.
pub(super) fn rotate_relayer(data: &Path) -> anyhow::Result<ExitCode> {
    let store = open_store_for_writing(data)?;
    let _lock = lock_data_dir(data, "rotating the relayer key")?;
    let (old, new) = crate::app::relayer_key::rotate(data, &store)?;
    println!("relayer rotated: {old} -> {new}, signed by both keys in the message log");
    println!("the old key is kept as relayer.key.retired-{old}; back up the new relayer.key now");
    Ok(ExitCode::SUCCESS)
}
