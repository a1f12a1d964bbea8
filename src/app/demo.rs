//! The demo data of `fixtures/demo/`, compiled in so that `votehub serve
//! --demo` works from any directory: a BTRST-weighted poll space controlled by
//! development key #0, its balance snapshot, and one open proposal. Everything
//! is loaded through the real paths: the controller registration, a snapshot
//! import, and signed `settings` and `proposal` messages.

use serde_json::{json, Map, Value};

use crate::clock::unix_now;
use crate::ingest::Ingestor;
use crate::protocol::signature::{Address, Signer};
use crate::protocol::typed_data::Kind;

pub const SETTINGS: &str = include_str!("../../fixtures/demo/space.json");
pub const BALANCES: &str = include_str!("../../fixtures/demo/btrst-balances.csv");
pub const DEV_KEYS: &str = include_str!("../../fixtures/demo/dev-keys.json");
pub const DEMO: &str = include_str!("../../fixtures/demo/demo.json");

/// A well-known development key by index (0–5).
pub fn dev_key(index: usize) -> anyhow::Result<Signer> {
    let keys: Value = serde_json::from_str(DEV_KEYS)?;
    let secret = keys["keys"][index]["private_key"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no dev key #{index}"))?;
    Signer::from_hex(secret).map_err(|err| anyhow::anyhow!("dev key #{index}: {err}"))
}

/// Loads the demo unless its space exists; returns the demo proposal id when created.
pub async fn load(ingestor: &Ingestor) -> anyhow::Result<Option<String>> {
    let demo: Value = serde_json::from_str(DEMO)?;
    let space = demo["space"].as_str().unwrap_or_default().to_string();
    let store = ingestor.store();
    if store.reader()?.db().space(&space)?.is_some() {
        return Ok(None);
    }
    let controller = dev_key(0)?;
    let now = unix_now();
    let token = Address::parse_any(demo["token"].as_str().unwrap_or_default())?;
    let block = demo["block"].as_u64().unwrap_or_default();
    store.write_once(|db| -> anyhow::Result<()> {
        db.set_controller(&space, &controller.address().to_string(), now)?;
        crate::power::import_snapshot(
            db,
            demo["network"].as_str().unwrap_or("1"),
            token,
            block,
            BALANCES.as_bytes(),
            now,
        )?;
        Ok(())
    })?;
    let settings: Value = serde_json::from_str(SETTINGS)?;
    submit(
        ingestor,
        &controller,
        Kind::Settings,
        json!({"space": space, "settings": settings.to_string()}),
        now,
    )
    .await?;
    let mut proposal = demo["proposal"].clone();
    proposal["space"] = json!(space);
    proposal["start"] = json!(now);
    proposal["end"] = json!(now + 7 * 24 * 3600);
    let receipt = submit(ingestor, &controller, Kind::Proposal, proposal, now).await?;
    Ok(Some(receipt))
}

async fn submit(
    ingestor: &Ingestor,
    signer: &Signer,
    kind: Kind,
    message: Value,
    now: i64,
) -> anyhow::Result<String> {
    let message: Map<String, Value> = serde_json::from_value(message)?;
    let envelope = crate::protocol::client::sign(signer, kind, message, now)?;
    let receipt = ingestor
        .accept(envelope.to_string().as_bytes())
        .await
        .map_err(|rejection| anyhow::anyhow!("demo {} refused: {rejection}", kind.as_str()))?;
    Ok(receipt.id)
}
