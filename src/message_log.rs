//! The server's side of the append-only message log (`crate::format::log`):
//! pinning signed heads, proving where a message sits, and recording a
//! change of relayer key. Links themselves are computed by the store as each
//! message is inserted.

use crate::format::log::{
    head_statement, rotation_id, rotation_statement, Head, Proof, Rotation, Segment, GENESIS,
    HEAD_FORMAT, HEAD_FORMAT_ROTATIONS, ROTATION_FORMAT, ROTATION_KIND, SEGMENT_ENTRIES,
};
use crate::ipld::{dag_json, Link};
use crate::protocol::signature::{Address, Signer};
use crate::store::{Db, LogHead, MessageRow, StoreError};

/// Pins a head covering every message so far, unless the last head already
/// does; returns the newest head. Runs inside one write transaction.
pub fn pin_head(db: &Db<'_>, relayer: &Signer, now: i64) -> Result<Option<LogHead>, StoreError> {
    let last = db.last_log_head()?;
    let Some((mci, log)) = db.last_log()? else {
        return Ok(last);
    };
    if last.as_ref().is_some_and(|head| head.mci >= mci) {
        return Ok(last);
    }
    let after = last.as_ref().map_or(0, |head| head.mci);
    let mut segments = Vec::new();
    for segment in segments_between(db, after, mci)? {
        let (cid, bytes) = dag_json(&segment)?;
        db.put_block(&cid, &bytes)?;
        segments.push(Link::to(&cid));
    }
    let rotations: Vec<Link> = db
        .log_messages_of_kind(ROTATION_KIND, after, mci)?
        .iter()
        .map(|cid| Link::to(cid))
        .collect();
    let head = Head {
        format: if rotations.is_empty() {
            HEAD_FORMAT
        } else {
            HEAD_FORMAT_ROTATIONS
        }
        .to_string(),
        mci,
        log: log.clone(),
        previous: last.as_ref().map(|head| Link::to(&head.cid)),
        previous_mci: after,
        previous_log: last
            .as_ref()
            .map_or(GENESIS, |head| head.log.as_str())
            .to_string(),
        segments,
        relayer: relayer.address().to_string(),
        signature: relayer.personal_sign(&head_statement(mci, &log)),
        created: now,
        rotations,
    };
    let (cid, bytes) = dag_json(&head)?;
    db.put_block(&cid, &bytes)?;
    let head = LogHead { mci, log, cid };
    db.put_log_head(&head, now)?;
    Ok(Some(head))
}

/// Appends a [`Rotation`] from `previous` to `next` to the log, signed by
/// `next` and by `previous_key` when the old key is still held; returns its
/// CID. The next head pinned links it. Runs inside one write transaction.
pub fn rotate(
    db: &Db<'_>,
    previous: Address,
    previous_key: Option<&Signer>,
    next: &Signer,
    now_ms: i64,
) -> Result<String, StoreError> {
    let after = db.last_log()?.map_or(0, |(mci, _)| mci);
    let statement = rotation_statement(&previous.to_string(), &next.address().to_string(), after);
    let rotation = Rotation {
        format: ROTATION_FORMAT.to_string(),
        hash: rotation_id(&statement),
        address: next.address().to_string(),
        previous: previous.to_string(),
        after,
        timestamp: now_ms / 1000,
        signature: next.personal_sign(&statement),
        previous_signature: previous_key.map(|key| key.personal_sign(&statement)),
    };
    let (cid, bytes) = dag_json(&rotation)?;
    db.put_block(&cid, &bytes)?;
    db.insert_message(&MessageRow {
        mci: 0,
        id: rotation.hash.clone(),
        ipfs: cid.clone(),
        address: rotation.address.clone(),
        version: ROTATION_FORMAT.to_string(),
        timestamp: rotation.timestamp,
        space: None,
        kind: ROTATION_KIND.to_string(),
        receipt: next.personal_sign(&rotation.signature),
        sig: rotation.signature,
        received: now_ms,
        log: String::new(),
    })?;
    Ok(cid)
}

/// Messages `after + 1 ..= upto` as segment blocks, [`SEGMENT_ENTRIES`] each.
pub fn segments_between(db: &Db<'_>, after: i64, upto: i64) -> Result<Vec<Segment>, StoreError> {
    Ok(db
        .log_entries(after, upto)?
        .chunks(SEGMENT_ENTRIES)
        .map(|chunk| Segment {
            entries: chunk
                .iter()
                .map(|(mci, id, cid, _)| (*mci, id.clone(), cid.clone()))
                .collect(),
        })
        .collect())
}

/// The inclusion proof of message `id` under the first head that covers it,
/// or `None` when no pinned head covers it yet.
pub fn prove(db: &Db<'_>, id: &str) -> Result<Option<Proof>, StoreError> {
    let Some((mci, cid, _)) = db.message_position(id)? else {
        return Ok(None);
    };
    let Some(head) = db.log_head_covering(mci)? else {
        return Ok(None);
    };
    let previous_log = db.log_before(mci)?.unwrap_or_else(|| GENESIS.to_string());
    let path = db
        .log_entries(mci - 1, head.mci)?
        .into_iter()
        .map(|(_, id, cid, _)| (id, cid))
        .collect();
    Ok(Some(Proof {
        message: id.to_string(),
        cid,
        mci,
        previous_log,
        path,
        head: head.cid,
        head_mci: head.mci,
        head_log: head.log,
    }))
}
