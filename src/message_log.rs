//! The server's side of the append-only message log (`crate::format::log`):
//! pinning signed heads and proving where a message sits. Links themselves
//! are computed by the store as each message is inserted.

use crate::format::log::{
    head_statement, Head, Proof, Segment, GENESIS, HEAD_FORMAT, SEGMENT_ENTRIES,
};
use crate::ipld::{dag_json, Link};
use crate::protocol::signature::Signer;
use crate::store::{Db, LogHead, StoreError};

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
    let head = Head {
        format: HEAD_FORMAT.to_string(),
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
    };
    let (cid, bytes) = dag_json(&head)?;
    db.put_block(&cid, &bytes)?;
    let head = LogHead { mci, log, cid };
    db.put_log_head(&head, now)?;
    Ok(Some(head))
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
