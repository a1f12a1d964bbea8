//! The append-only message log. Every accepted message gets a link
//! `log = sha256(previous log ‖ id ‖ CID)` in acceptance order (`mci`), so the
//! messages form a hash chain: a log head commits to every message before it,
//! in order, and removing or reordering one changes every later link.
//!
//! Link bytes: the previous link's 32 bytes (32 zero bytes for the first
//! message), the message id's 32 bytes, then the CID's text in UTF-8.

use sha2::{Digest, Sha256};

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
