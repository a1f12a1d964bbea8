//! Content addressing: the CID of stored bytes, computed locally.
//!
//! A message is one raw block: CIDv1, codec raw (0x55), sha2-256, printed in
//! base32 (`bafkrei...`), the CID `ipfs block put` and a one-chunk
//! `ipfs add --cid-version=1` give the same bytes.

use cid::Cid;
use multihash_codetable::{Code, MultihashDigest};

/// Multicodec of raw bytes.
const RAW: u64 = 0x55;

/// The CIDv1 (raw, sha2-256) of a block, base32.
pub fn raw_cid(bytes: &[u8]) -> String {
    Cid::new_v1(RAW, Code::Sha2_256.digest(bytes)).to_string()
}

/// Whether `text` parses as a CID (used to answer 400 rather than 404).
pub fn is_cid(text: &str) -> bool {
    Cid::try_from(text).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(is_cid(
            "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"
        ));
        assert!(!is_cid("not-a-cid"));
    }
}
