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
//!
//! When the relayer key changes, a [`Rotation`] message enters the log
//! (signed by the new key, and by the old one when it is still held), and
//! the first head under the new key links it, so auditors can follow the
//! chain of relayer keys from any head they trust.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ipld::Link;

/// The link before the first message.
pub const GENESIS: &str = "0x0000000000000000000000000000000000000000000000000000000000000000";

/// `format` of a log head block.
pub const HEAD_FORMAT: &str = "votehub-log-head/1";
/// `format` of a head that links relayer rotations (format 1 plus
/// `rotations`); heads without one stay format 1, byte for byte.
pub const HEAD_FORMAT_ROTATIONS: &str = "votehub-log-head/2";

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

/// `format` of a relayer rotation block.
pub const ROTATION_FORMAT: &str = "votehub-relayer-rotation/1";

/// The message kind (`type`) of a rotation in the log.
pub const ROTATION_KIND: &str = "relayer-rotation";

/// The text both keys sign (EIP-191) for a rotation.
pub fn rotation_statement(previous: &str, next: &str, after: i64) -> String {
    format!("votehub relayer rotation after message {after}: {previous} -> {next}")
}

/// The id of a rotation message: `0x` sha256 of its statement.
pub fn rotation_id(statement: &str) -> String {
    format!("0x{}", hex::encode(Sha256::digest(statement.as_bytes())))
}

/// A change of relayer key, as a message of the log (a DAG-JSON block).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rotation {
    /// Always [`ROTATION_FORMAT`].
    pub format: String,
    /// The message id: [`rotation_id`] of the statement.
    pub hash: String,
    /// The new relayer, EIP-55 (it signs every later receipt and head).
    pub address: String,
    /// The relayer before, EIP-55.
    pub previous: String,
    /// The last message receipted by `previous` (0 when none).
    pub after: i64,
    /// Unix seconds.
    pub timestamp: i64,
    /// The new key's `personal_sign` of [`rotation_statement`].
    pub signature: String,
    /// The old key's, or `null` when the old key was lost: such a rotation is
    /// the operator's word alone.
    pub previous_signature: Option<String>,
}

impl Rotation {
    /// The statement this rotation's signatures cover.
    pub fn statement(&self) -> String {
        rotation_statement(&self.previous, &self.address, self.after)
    }
}

/// A log head block: the log's state after message `mci`, signed by the
/// relayer, linking the previous head and the segments in between.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Head {
    /// [`HEAD_FORMAT`], or [`HEAD_FORMAT_ROTATIONS`] when `rotations` is not empty.
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
    /// The [`Rotation`] messages among this head's messages, in log order
    /// (format 2 only; absent in format 1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rotations: Vec<Link>,
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
