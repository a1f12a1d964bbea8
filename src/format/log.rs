//! The append-only message log (`votehub-log-head/1`). Every accepted message
//! gets a link `log = sha256(previous log ‖ id ‖ CID)` in acceptance order
//! (`mci`), so the messages form a hash chain: a log head commits to every
//! message before it, in order, and removing or reordering one changes every
//! later link.
//!
//! Link bytes: the previous link's 32 bytes (32 zero bytes for the first
//! message), the message id's 32 bytes, then the CID's text in UTF-8.
//!
//! Heads are DAG-JSON blocks signed by the relayer ([`Head`]); their
//! [`Segment`]s list every message since the previous head, so anyone can
//! replay the links between two heads, and a voter holding a receipt can show
//! where their message sits under a head ([`Proof`]).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ipld::Link;

/// The link before the first message.
pub const GENESIS: &str = "0x0000000000000000000000000000000000000000000000000000000000000000";

/// `format` of a log head block.
pub const HEAD_FORMAT: &str = "votehub-log-head/1";

/// Messages per segment block (about 600 KB, under Kubo's 1 MiB limit).
pub const SEGMENT_ENTRIES: usize = 4096;

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

/// The text the relayer signs (EIP-191) for a head.
pub fn head_statement(mci: i64, log: &str) -> String {
    format!("votehub log head {mci}: {log}")
}

/// A log head block: the log's state after message `mci`, signed by the
/// relayer, linking the previous head and the segments in between.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Head {
    /// Always [`HEAD_FORMAT`].
    pub format: String,
    /// The last message covered.
    pub mci: i64,
    /// The log link after message `mci`.
    pub log: String,
    /// The previous head, `null` for the first one.
    pub previous: Option<Link>,
    /// The previous head's `mci` (0 for the first head).
    pub previous_mci: i64,
    /// The previous head's `log` ([`GENESIS`] for the first head).
    pub previous_log: String,
    /// The messages `previous_mci + 1 ..= mci`, [`SEGMENT_ENTRIES`] per block.
    pub segments: Vec<Link>,
    /// The relayer's address, EIP-55.
    pub relayer: String,
    /// The relayer's `personal_sign` of [`head_statement`]`(mci, log)`.
    pub signature: String,
    /// Unix seconds when the head was pinned.
    pub created: i64,
}

/// One segment block of a head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// `[mci, id, CID]` of each message, in log order.
    pub entries: Vec<(i64, String, String)>,
}

/// Where a message sits under a pinned head: replaying `path` from
/// `previous_log` must end at the head's `log`. Served by
/// `GET /api/messages/{id}/proof` and printed by `votehub prove`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

fn hex_bytes(text: &str) -> Vec<u8> {
    hex::decode(text.trim_start_matches("0x")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replay(entries: &[(String, String, String)]) -> Option<usize> {
        first_break(
            GENESIS,
            entries
                .iter()
                .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str())),
        )
    }

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
        assert_eq!(replay(&good), None);
        assert_eq!(replay(&[good[1].clone(), good[0].clone()]), Some(0));
        assert_eq!(replay(&[good[1].clone()]), Some(0));
    }
}
