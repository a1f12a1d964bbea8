//! Content addressing: the CID of stored bytes, computed locally.
//!
//! A message is one raw block: CIDv1, codec raw (0x55), sha2-256, printed in
//! base32 (`bafkrei...`), the CID `ipfs block put` and a one-chunk
//! `ipfs add --cid-version=1` give the same bytes. Larger payloads become the
//! UnixFS balanced DAG of `ipfs add --cid-version=1 --raw-leaves
//! --chunker=size-262144 --max-file-links=174` (rust-unixfs's defaults), so a
//! Kubo node given the same bytes names them with the same root CID.
//! Structures votehub builds itself (audit bundles, log heads) are DAG-JSON
//! blocks: canonical JSON (keys sorted bytewise, no whitespace) whose links
//! are `{"/": "<cid>"}`, readable by `ipfs dag get` and walkable by any IPLD
//! tool; each stays well under Kubo's 1 MiB block limit.

pub mod source;

use cid::Cid;
use multihash_codetable::{Code, MultihashDigest};
use serde_json::{Map, Value};

/// Multicodec of raw bytes.
const RAW: u64 = 0x55;
/// Multicodec of dag-pb nodes (UnixFS branches).
const DAG_PB: u64 = 0x70;
/// Multicodec of DAG-JSON blocks (audit bundles, log heads).
pub const DAG_JSON: u64 = 0x0129;

/// Why a DAG cannot be read or exported.
#[derive(Debug, thiserror::Error)]
pub enum DagError {
    #[error("block {0} is not stored")]
    Missing(String),
    #[error("block {cid} does not hash to its CID")]
    Corrupt { cid: String },
    #[error("block {cid} cannot be decoded: {reason}")]
    Decode { cid: String, reason: String },
    #[error("CAR: {0}")]
    Car(String),
}

/// The CIDv1 (raw, sha2-256) of a block, base32.
pub fn raw_cid(bytes: &[u8]) -> String {
    Cid::new_v1(RAW, Code::Sha2_256.digest(bytes)).to_string()
}

/// The canonical DAG-JSON bytes of `value` and their CID. Object keys are
/// sorted bytewise at every level, as DAG-JSON requires, so equal values
/// always give equal CIDs whatever order they were built in.
pub fn dag_json_block(value: &Value) -> (String, Vec<u8>) {
    let bytes = canonical(value).to_string().into_bytes();
    let cid = Cid::new_v1(DAG_JSON, Code::Sha2_256.digest(&bytes)).to_string();
    (cid, bytes)
}

/// [`dag_json_block`] of a typed block (`crate::format`).
pub fn dag_json<T: serde::Serialize>(value: &T) -> Result<(String, Vec<u8>), serde_json::Error> {
    Ok(dag_json_block(&serde_json::to_value(value)?))
}

/// A DAG-JSON link to `cid`.
pub fn link(cid: &str) -> Value {
    serde_json::json!({ "/": cid })
}

/// A DAG-JSON link `{"/": cid}` as a typed field of a block.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    #[serde(rename = "/")]
    pub cid: String,
}

impl Link {
    pub fn to(cid: &str) -> Link {
        Link {
            cid: cid.to_string(),
        }
    }
}

/// The CID a DAG-JSON link names, if `value` is one.
pub fn link_target(value: &Value) -> Option<&str> {
    match value {
        Value::Object(map) if map.len() == 1 => map.get("/").and_then(Value::as_str),
        _ => None,
    }
}

fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(key, value)| (key.clone(), canonical(value)))
                    .collect::<Map<String, Value>>(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// Every link of a DAG-JSON block, in document order.
pub(crate) fn dag_json_links(bytes: &[u8]) -> Result<Vec<Cid>, String> {
    let value: Value = serde_json::from_slice(bytes).map_err(|err| err.to_string())?;
    let mut links = Vec::new();
    let mut pending = vec![&value];
    while let Some(value) = pending.pop() {
        if let Some(target) = link_target(value) {
            links.push(Cid::try_from(target).map_err(|err| format!("link {target}: {err}"))?);
            continue;
        }
        match value {
            Value::Object(map) => pending.extend(map.values().rev()),
            Value::Array(items) => pending.extend(items.iter().rev()),
            _ => {}
        }
    }
    Ok(links)
}

/// Whether `bytes` hash to `cid`; false for an unknown hash function.
pub fn matches(cid: &Cid, bytes: &[u8]) -> bool {
    Code::try_from(cid.hash().code()).is_ok_and(|code| code.digest(bytes) == *cid.hash())
}

/// The links of a block that a DAG walk follows (dag-pb and DAG-JSON).
pub fn links(cid: &Cid, bytes: &[u8]) -> Result<Vec<Cid>, DagError> {
    let decode = |reason: String| DagError::Decode {
        cid: cid.to_string(),
        reason,
    };
    match cid.codec() {
        DAG_PB => {
            let mut links = Vec::new();
            ipld_dagpb::links(bytes, &mut links).map_err(|err| decode(err.to_string()))?;
            Ok(links)
        }
        DAG_JSON => dag_json_links(bytes).map_err(decode),
        _ => Ok(Vec::new()),
    }
}

/// The blocks of `bytes` as Kubo's `add` lays them out, root last: one raw
/// block up to 256 KiB, else raw leaves under dag-pb nodes of at most 174 links.
pub fn unixfs_blocks(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut adder = rust_unixfs::file::adder::FileAdder::default();
    let mut blocks = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let (emitted, consumed) = adder.push(rest);
        blocks.extend(emitted.map(|(cid, block)| (cid.to_string(), block)));
        rest = &rest[consumed..];
    }
    blocks.extend(adder.finish().map(|(cid, block)| (cid.to_string(), block)));
    blocks
}

/// The bytes of the UnixFS file under `root` (as [`unixfs_blocks`] lays it
/// out): its leaves in link order, each block from `get`, checked against
/// its CID by the caller's block source.
pub fn unixfs_read<E: From<DagError>>(
    root: &Cid,
    mut get: impl FnMut(&Cid) -> Result<Vec<u8>, E>,
) -> Result<Vec<u8>, E> {
    let mut bytes = Vec::new();
    let mut pending = vec![*root];
    while let Some(cid) = pending.pop() {
        let block = get(&cid)?;
        let links = links(&cid, &block)?;
        if links.is_empty() {
            bytes.extend_from_slice(&block);
        }
        pending.extend(links.into_iter().rev());
    }
    Ok(bytes)
}

/// The root CID `ipfs add --cid-version=1` gives `bytes`.
pub fn unixfs_cid(bytes: &[u8]) -> String {
    unixfs_blocks(bytes)
        .pop()
        .map(|(cid, _)| cid)
        .unwrap_or_else(|| raw_cid(bytes))
}

/// A depth-first walk of the DAG under a root, root first, in link order
/// (the order a trustless gateway streams a CAR), one block at a time. It
/// keeps only the CIDs still to visit, never bytes, so a DAG of any size can
/// be streamed. A block linked twice is visited twice, as `ipfs dag export`
/// writes it.
pub struct DagWalk {
    pending: Vec<Cid>,
}

impl DagWalk {
    pub fn new(root: Cid) -> DagWalk {
        DagWalk {
            pending: vec![root],
        }
    }

    /// Whether every block has been visited.
    pub fn is_done(&self) -> bool {
        self.pending.is_empty()
    }

    /// The next block, checked against its CID (`Corrupt` if its bytes do
    /// not hash to it), or `None` when the walk is done.
    ///
    /// `get` reads one block by CID (`None`: not stored); its errors pass through.
    pub fn step<E: From<DagError>>(
        &mut self,
        get: impl FnOnce(&str) -> Result<Option<Vec<u8>>, E>,
    ) -> Result<Option<(Cid, Vec<u8>)>, E> {
        let Some(cid) = self.pending.pop() else {
            return Ok(None);
        };
        let key = cid.to_string();
        let bytes = get(&key)?.ok_or_else(|| DagError::Missing(key.clone()))?;
        if !matches(&cid, &bytes) {
            return Err(DagError::Corrupt { cid: key }.into());
        }
        self.pending.extend(links(&cid, &bytes)?.into_iter().rev());
        Ok(Some((cid, bytes)))
    }
}

/// The first bytes of a CARv1 naming `roots`: the length-prefixed DAG-CBOR
/// header `ipfs dag import` reads. Block sections follow ([`car_section`]).
pub fn car_header(roots: &[Cid]) -> Result<Vec<u8>, DagError> {
    let header = iroh_car::CarHeader::new_v1(roots.to_vec())
        .encode()
        .map_err(|err| DagError::Car(err.to_string()))?;
    let mut out = Vec::with_capacity(header.len() + 10);
    push_varint(&mut out, header.len());
    out.extend_from_slice(&header);
    Ok(out)
}

/// Appends one CARv1 block section to `out`: `varint(len) ‖ CID ‖ bytes`.
pub fn car_section(out: &mut Vec<u8>, cid: &Cid, bytes: &[u8]) {
    let cid = cid.to_bytes();
    push_varint(out, cid.len() + bytes.len());
    out.extend_from_slice(&cid);
    out.extend_from_slice(bytes);
}

fn push_varint(out: &mut Vec<u8>, n: usize) {
    let mut buffer = unsigned_varint::encode::usize_buffer();
    out.extend_from_slice(unsigned_varint::encode::usize(n, &mut buffer));
}

/// The multicodec of a CID, or `None` if `text` is not a CID.
pub fn codec(text: &str) -> Option<u64> {
    Cid::try_from(text).ok().map(|cid| cid.codec())
}

/// Whether a CID names raw bytes (every stored message is one).
pub fn is_raw(codec: u64) -> bool {
    codec == RAW
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cross-checked table of the team's notes: `byte[i] = i % 251`.
    #[test]
    fn unixfs_roots_match_kubo_add() {
        let sized = |n: usize| -> Vec<u8> { (0..n).map(|i| (i % 251) as u8).collect() };
        for (input, cid, blocks) in [
            (
                Vec::new(),
                "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
                1,
            ),
            (
                b"hello world\n".to_vec(),
                "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4",
                1,
            ),
            (
                sized(262_144),
                "bafkreibruh455iawsviqslif5c7uurdcfdemh22mtnytyzvnzn75kpejxy",
                1,
            ),
            (
                sized(262_145),
                "bafybeiexg2oqkfnj56l7fcmawswqbijt5shq4b5rg6a546uwpkqqzwjioi",
                3,
            ),
            (
                sized(1_048_576),
                "bafybeiedpcapwld4tkgtzwahfofgn4wex5ryysf4se6hwpmlrsh4ntnrau",
                5,
            ),
            (
                sized(45_613_056),
                "bafybeihpe5snhzneq7xs53nivmsopto5lrogo3wjynauqylqeym5a3irbm",
                175,
            ),
            (
                sized(45_613_057),
                "bafybeib4y7ghw2rq7bracc4xwtxrbzo7cfvagdpte2tmrkgwl6dyard3cm",
                178,
            ),
        ] {
            let dag = unixfs_blocks(&input);
            assert_eq!(
                dag.last().map(|(root, _)| root.as_str()),
                Some(cid),
                "{} bytes",
                input.len()
            );
            assert_eq!(dag.len(), blocks, "{} bytes", input.len());
            assert_eq!(unixfs_cid(&input), cid);
        }
    }

    #[test]
    fn dag_json_is_canonical_and_links_are_found() {
        let leaf = raw_cid(b"hello world\n");
        let value = serde_json::json!({"b": 1, "a": {"z": [link(&leaf)], "c": "x"}, "aa": null});
        let (cid, bytes) = dag_json_block(&value);
        assert_eq!(
            String::from_utf8(bytes.clone()).unwrap(),
            format!(r#"{{"a":{{"c":"x","z":[{{"/":"{leaf}"}}]}},"aa":null,"b":1}}"#)
        );
        assert_eq!(codec(&cid), Some(DAG_JSON));
        assert!(cid.starts_with("baguqee"));
        let parsed = Cid::try_from(cid.as_str()).unwrap();
        assert!(matches(&parsed, &bytes));
        assert!(!matches(&parsed, b"{}"));
        let found = links(&parsed, &bytes).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].to_string(), leaf);
        // The same value built in another key order has the same CID.
        let reordered =
            serde_json::json!({"aa": null, "a": {"c": "x", "z": [link(&leaf)]}, "b": 1});
        assert_eq!(dag_json_block(&reordered).0, cid);
    }

    /// A DAG-JSON root linking a UnixFS file and, again, one of its leaves.
    fn sample_dag() -> (Cid, std::collections::HashMap<String, Vec<u8>>) {
        let file: Vec<u8> = (0..600_000u32).map(|i| (i % 251) as u8).collect();
        let unixfs = unixfs_blocks(&file);
        let file_root = unixfs.last().map(|(cid, _)| cid.clone()).unwrap();
        let leaf = unixfs[0].0.clone();
        let (root, bytes) =
            dag_json_block(&serde_json::json!({"file": link(&file_root), "leaf": link(&leaf)}));
        let mut blocks: std::collections::HashMap<String, Vec<u8>> = unixfs.into_iter().collect();
        blocks.insert(root.clone(), bytes);
        (Cid::try_from(root.as_str()).unwrap(), blocks)
    }

    fn walk_all(
        root: Cid,
        blocks: &std::collections::HashMap<String, Vec<u8>>,
    ) -> Result<Vec<(Cid, Vec<u8>)>, DagError> {
        let mut walk = DagWalk::new(root);
        let mut out = Vec::new();
        while let Some(block) = walk.step(|cid| Ok::<_, DagError>(blocks.get(cid).cloned()))? {
            out.push(block);
        }
        assert!(walk.is_done());
        Ok(out)
    }

    /// Root first, depth-first in link order, a block linked twice written
    /// twice; the frames are byte for byte what iroh-car's writer (the
    /// in-memory export this replaced) gives for the same blocks.
    #[test]
    fn walk_order_and_car_frames_match_iroh_car() {
        let (root, blocks) = sample_dag();
        let walked = walk_all(root, &blocks).unwrap();
        let order: Vec<u64> = walked.iter().map(|(cid, _)| cid.codec()).collect();
        assert_eq!(order, [DAG_JSON, DAG_PB, RAW, RAW, RAW, RAW]);
        assert_eq!(walked[2], walked[5], "the leaf linked twice comes twice");

        let mut ours = car_header(&[root]).unwrap();
        for (cid, bytes) in &walked {
            car_section(&mut ours, cid, bytes);
        }
        let theirs = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(async {
                let header = iroh_car::CarHeader::new_v1(vec![root]);
                let mut writer = iroh_car::CarWriter::new(header, Vec::new());
                for (cid, bytes) in &walked {
                    writer.write(*cid, bytes).await.unwrap();
                }
                writer.finish().await.unwrap()
            });
        assert_eq!(ours, theirs);
    }

    #[test]
    fn the_walk_refuses_missing_and_corrupt_blocks() {
        let (root, mut blocks) = sample_dag();
        let leaf = walk_all(root, &blocks).unwrap()[3].0.to_string();
        blocks.get_mut(&leaf).unwrap()[0] ^= 1;
        assert!(matches!(walk_all(root, &blocks), Err(DagError::Corrupt { cid }) if cid == leaf));
        blocks.remove(&leaf);
        assert!(matches!(walk_all(root, &blocks), Err(DagError::Missing(cid)) if cid == leaf));
    }

    #[test]
    fn cids_cross_checked_with_kubo() {
        assert_eq!(
            raw_cid(b""),
            "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
        );
        assert_eq!(
            raw_cid(b"hello world\n"),
            "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"
        );
        let sized: Vec<u8> = (0..262_144u32).map(|i| (i % 251) as u8).collect();
        assert_eq!(
            raw_cid(&sized),
            "bafkreibruh455iawsviqslif5c7uurdcfdemh22mtnytyzvnzn75kpejxy"
        );
        assert_eq!(
            codec("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"),
            Some(RAW)
        );
        assert_eq!(
            codec("bafybeiexg2oqkfnj56l7fcmawswqbijt5shq4b5rg6a546uwpkqqzwjioi"),
            Some(DAG_PB)
        );
        assert_eq!(codec("not-a-cid"), None);
    }
}
