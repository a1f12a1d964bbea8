//! The append-only message log. Every accepted message gets a link
//! `log = sha256(previous log ‖ id ‖ CID)` in acceptance order (`mci`), so the
//! messages form a hash chain: a log head commits to every message before it,
//! in order, and removing or reordering one changes every later link.
//!
//! Link bytes: the previous link's 32 bytes (32 zero bytes for the first
//! message), the message id's 32 bytes, then the CID's text in UTF-8.
//!
//! Heads are pinned as DAG-JSON blocks, signed by the relayer:
//! `{format, mci, log, previous: →head, previous_mci, previous_log,
//! segments: [→{entries: [[mci, id, CID]...]}], relayer, signature, created}`.
//! The segments list every message since the previous head, so anyone can
//! replay the links between two heads ([`verify_log`]), and a voter holding a
//! receipt can show where their message sits under a head ([`prove`]).

use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::audit::source::{fetch_json, BlockSource};
use crate::blockstore::{dag_json_block, link as dag_link, link_target};
use crate::signature::{personal_signer, Address, Signer};
use crate::store::{Db, LogHead, StoreError};

/// The link before the first message.
pub const GENESIS: &str = "0x0000000000000000000000000000000000000000000000000000000000000000";

/// The log link of a message given the previous link (`0x` hex), its id
/// (`0x` hex digest) and its CID.
pub fn link(previous: &str, id: &str, cid: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(hex_bytes(previous));
    hasher.update(hex_bytes(id));
    hasher.update(cid.as_bytes());
    format!("0x{}", hex::encode(hasher.finalize()))
}

/// Replays a sequence of `(id, cid, log)` from `previous`; the index of the
/// first message whose link does not follow, if any.
pub fn first_break<'a>(
    previous: &str,
    entries: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
) -> Option<usize> {
    let mut expected_previous = previous.to_string();
    for (index, (id, cid, log)) in entries.into_iter().enumerate() {
        let expected = link(&expected_previous, id, cid);
        if expected != log {
            return Some(index);
        }
        expected_previous = expected;
    }
    None
}

/// `format` of a log head block.
pub const HEAD_FORMAT: &str = "votehub-log-head/1";
/// Messages per segment block (about 600 KB, under Kubo's 1 MiB limit).
pub const SEGMENT_ENTRIES: usize = 4096;

/// The text the relayer signs for a head.
pub fn head_statement(mci: i64, log: &str) -> String {
    format!("votehub log head {mci}: {log}")
}

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
    let entries = db.log_entries(after, mci)?;
    let mut segments = Vec::new();
    for chunk in entries.chunks(SEGMENT_ENTRIES) {
        let rows: Vec<Value> = chunk
            .iter()
            .map(|(mci, id, cid, _)| json!([mci, id, cid]))
            .collect();
        let (cid, bytes) = dag_json_block(&json!({ "entries": rows }));
        db.put_block(&cid, &bytes)?;
        segments.push(dag_link(&cid));
    }
    let head = json!({
        "format": HEAD_FORMAT,
        "mci": mci,
        "log": log,
        "previous": last.as_ref().map(|head| dag_link(&head.cid)),
        "previous_mci": after,
        "previous_log": last.as_ref().map_or(GENESIS, |head| head.log.as_str()),
        "segments": segments,
        "relayer": relayer.address().to_string(),
        "signature": relayer.personal_sign(&head_statement(mci, &log)),
        "created": now,
    });
    let (cid, bytes) = dag_json_block(&head);
    db.put_block(&cid, &bytes)?;
    let head = LogHead { mci, log, cid };
    db.put_log_head(&head, now)?;
    Ok(Some(head))
}

/// Where a message sits under a pinned head: replaying `path` from
/// `previous_log` must end at the head's `log`.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Proof {
    pub message: String,
    pub cid: String,
    pub mci: i64,
    /// The log link before the message.
    pub previous_log: String,
    /// `(id, CID)` of the message, then of every later message up to the head.
    pub path: Vec<(String, String)>,
    pub head: String,
    pub head_mci: i64,
    pub head_log: String,
}

impl Proof {
    /// Whether the path replays to the head's link.
    pub fn holds(&self) -> bool {
        self.path
            .first()
            .is_some_and(|(id, cid)| *id == self.message && *cid == self.cid)
            && self
                .path
                .iter()
                .fold(self.previous_log.clone(), |previous, (id, cid)| {
                    link(&previous, id, cid)
                })
                == self.head_log
    }
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

/// What `verify_log` established.
#[derive(Debug, Clone, Default)]
pub struct LogReport {
    pub heads: usize,
    pub messages: usize,
    pub first_mci: i64,
    pub last_mci: i64,
    pub relayer: String,
    pub problems: Vec<String>,
}

/// Replays the log from the head `head` back to `since` (an earlier head) or
/// to the first message: every head signed by the same relayer, every
/// segment's links ending at its head, every head chained to the one before.
pub fn verify_log(source: &dyn BlockSource, head: &str, since: Option<&str>) -> LogReport {
    let mut report = LogReport::default();
    let mut relayer: Option<Address> = None;
    let mut current = head.to_string();
    loop {
        if Some(current.as_str()) == since {
            return report;
        }
        let checked = check_head(source, &current, &mut relayer, &mut report);
        match checked {
            Ok(Some(previous)) => current = previous,
            Ok(None) => {
                if let Some(since) = since {
                    report
                        .problems
                        .push(format!("{since} is not an earlier head of this log"));
                }
                return report;
            }
            Err(problem) => {
                report.problems.push(problem);
                return report;
            }
        }
    }
}

/// Checks one head and its segments; returns the previous head's CID, after
/// checking that it is the head this one claims to follow.
fn check_head(
    source: &dyn BlockSource,
    cid: &str,
    relayer: &mut Option<Address>,
    report: &mut LogReport,
) -> Result<Option<String>, String> {
    let read = |cid: &str, what: &str| fetch_json(source, cid, what);
    let head = read(cid, "log head")?;
    if head["format"] != HEAD_FORMAT {
        return Err(format!("{cid} is not a log head"));
    }
    let (mci, log) = (
        head["mci"].as_i64().unwrap_or(-1),
        head["log"].as_str().unwrap_or_default(),
    );
    let signer = head["signature"]
        .as_str()
        .and_then(|sig| personal_signer(&head_statement(mci, log), sig).ok());
    let claimed = head["relayer"]
        .as_str()
        .and_then(|a| Address::parse_any(a).ok());
    match (signer, claimed, *relayer) {
        (Some(s), Some(c), None) if s == c => {
            *relayer = Some(s);
            report.relayer = s.to_string();
        }
        (Some(s), Some(c), Some(r)) if s == c && s == r => {}
        _ => {
            return Err(format!(
                "log head {cid} (message {mci}): its signature is not the relayer's"
            ))
        }
    }
    let previous_mci = head["previous_mci"].as_i64().unwrap_or(-1);
    let previous_log = head["previous_log"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut expected = previous_log.clone();
    let mut last = previous_mci;
    for (index, segment) in head["segments"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let what = format!("log head {cid} segment {index}");
        let segment_cid = link_target(segment).ok_or_else(|| format!("{what} is not a link"))?;
        let segment = read(segment_cid, &what)?;
        for entry in segment["entries"].as_array().cloned().unwrap_or_default() {
            let (Some(entry_mci), Some(id), Some(message_cid)) =
                (entry[0].as_i64(), entry[1].as_str(), entry[2].as_str())
            else {
                return Err(format!("{what}: entry {entry} cannot be read"));
            };
            if entry_mci <= last {
                return Err(format!(
                    "{what}: message {entry_mci} ({id}) is out of order after {last}"
                ));
            }
            last = entry_mci;
            expected = link(&expected, id, message_cid);
            report.messages += 1;
        }
    }
    if last != mci || expected != log {
        return Err(format!(
            "log head {cid}: its messages {}..{mci} do not replay to its link (a message was removed, changed or reordered)",
            previous_mci + 1
        ));
    }
    report.heads += 1;
    report.last_mci = report.last_mci.max(mci);
    report.first_mci = previous_mci + 1;
    let Some(previous) = head["previous"]
        .as_object()
        .and_then(|_| link_target(&head["previous"]))
    else {
        if previous_mci != 0 || previous_log != GENESIS {
            return Err(format!("log head {cid}: it claims to follow message {previous_mci} but links no earlier head"));
        }
        return Ok(None);
    };
    let before = read(previous, "previous log head")?;
    if before["mci"].as_i64() != Some(previous_mci)
        || before["log"].as_str() != Some(previous_log.as_str())
    {
        return Err(format!("log head {cid}: the previous head {previous} is not at message {previous_mci} with link {previous_log}"));
    }
    Ok(Some(previous.to_string()))
}

fn hex_bytes(text: &str) -> Vec<u8> {
    hex::decode(text.trim_start_matches("0x")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_chain_and_detect_changes() {
        let id = |n: u8| format!("0x{}", hex::encode([n; 32]));
        let first = link(GENESIS, &id(1), "bafk1");
        let second = link(&first, &id(2), "bafk2");
        assert_ne!(first, second);
        let good = [
            (id(1), "bafk1".to_string(), first.clone()),
            (id(2), "bafk2".to_string(), second.clone()),
        ];
        let view = |entries: &[(String, String, String)]| -> Vec<(String, String, String)> {
            entries.to_vec()
        };
        let entries = view(&good);
        assert_eq!(
            first_break(
                GENESIS,
                entries
                    .iter()
                    .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
            ),
            None
        );
        let swapped = [good[1].clone(), good[0].clone()];
        assert_eq!(
            first_break(
                GENESIS,
                swapped
                    .iter()
                    .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
            ),
            Some(0)
        );
        let dropped = [good[1].clone()];
        assert_eq!(
            first_break(
                GENESIS,
                dropped
                    .iter()
                    .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
            ),
            Some(0)
        );
    }
}
