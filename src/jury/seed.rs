//! The randomness a draw is seeded with, committed to before it exists
//! (braintrust-governance §6.4): a drand quicknet round, or the hash of a
//! future block of the space's network.

use drand_verify::{G2PubkeyRfc, Pubkey};
use sha2::{Digest, Sha256};

/// drand quicknet (League of Entropy): unchained BLS signatures on G1.
pub mod quicknet {
    /// The chain's hash, which names it.
    pub const CHAIN_HASH: &str = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971";
    /// Unix time of round 1.
    pub const GENESIS: i64 = 1_692_803_367;
    /// Seconds between rounds.
    pub const PERIOD: i64 = 3;
    /// The group's public key, a BLS12-381 G2 point (96 bytes).
    pub const PUBLIC_KEY: &str = "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a";

    /// When `round` is produced.
    pub fn round_time(round: u64) -> i64 {
        let offset = i64::try_from(round.saturating_sub(1)).unwrap_or(i64::MAX / PERIOD);
        GENESIS.saturating_add(offset.saturating_mul(PERIOD))
    }

    /// The latest round produced at `time`.
    pub fn round_at(time: i64) -> u64 {
        u64::try_from((time - GENESIS) / PERIOD + 1).unwrap_or(0)
    }
}

/// Where a case's randomness comes from, as an arbitrator commits to it:
/// `drand-quicknet:<round>` or `block:<number>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedSource {
    Drand { round: u64 },
    Block { number: u64 },
}

impl SeedSource {
    pub fn parse(text: &str) -> Result<SeedSource, String> {
        let number = |digits: &str| {
            digits
                .parse::<u64>()
                .ok()
                .filter(|n| *n > 0 && !digits.starts_with('0') && !digits.starts_with('+'))
                .ok_or_else(|| format!("{digits} is not a positive whole number"))
        };
        if let Some(round) = text.strip_prefix("drand-quicknet:") {
            Ok(SeedSource::Drand {
                round: number(round)?,
            })
        } else if let Some(block) = text.strip_prefix("block:") {
            Ok(SeedSource::Block {
                number: number(block)?,
            })
        } else {
            Err("expected drand-quicknet:<round> or block:<number>".into())
        }
    }
}

impl std::fmt::Display for SeedSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SeedSource::Drand { round } => write!(f, "drand-quicknet:{round}"),
            SeedSource::Block { number } => write!(f, "block:{number}"),
        }
    }
}

/// Why a drand round does not check out.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DrandError {
    #[error("the signature must be 96 hex digits (48 bytes), a point of G1")]
    Format,
    #[error("round {0}'s signature does not verify against the quicknet group key")]
    Invalid(u64),
}

/// The randomness of quicknet `round` given its signature (hex): the
/// signature is checked against the group key, then hashed with SHA-256.
pub fn drand_randomness(round: u64, signature: &str) -> Result<[u8; 32], DrandError> {
    let hex_sig = signature.strip_prefix("0x").unwrap_or(signature);
    let mut sig = [0u8; 48];
    hex::decode_to_slice(hex_sig, &mut sig).map_err(|_| DrandError::Format)?;
    let mut key = [0u8; 96];
    hex::decode_to_slice(quicknet::PUBLIC_KEY, &mut key).map_err(|_| DrandError::Format)?;
    let key = G2PubkeyRfc::from_fixed(key).map_err(|_| DrandError::Format)?;
    // Unchained: the signed message is the round alone (no previous signature).
    match key.verify(round, &[], &sig) {
        Ok(true) => Ok(Sha256::digest(sig).into()),
        Ok(false) => Err(DrandError::Invalid(round)),
        Err(_) => Err(DrandError::Format),
    }
}

/// A block hash given as `0x` and 64 hex digits.
pub fn block_hash(value: &str) -> Option<[u8; 32]> {
    let mut hash = [0u8; 32];
    hex::decode_to_slice(value.strip_prefix("0x")?, &mut hash).ok()?;
    Some(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real quicknet rounds, as published (fixtures/drand/quicknet-rounds.json).
    fn rounds() -> Vec<(u64, String, String)> {
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../../fixtures/drand/quicknet-rounds.json"))
                .unwrap();
        fixture["rounds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["round"].as_u64().unwrap(),
                    r["signature"].as_str().unwrap().to_string(),
                    r["randomness"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn published_rounds_verify_against_the_group_key() {
        let rounds = rounds();
        assert!(rounds.len() >= 5);
        for (round, signature, randomness) in &rounds {
            let derived = drand_randomness(*round, signature).unwrap();
            assert_eq!(&hex::encode(derived), randomness, "round {round}");
        }
    }

    #[test]
    fn a_signature_of_another_round_or_altered_is_refused() {
        let rounds = rounds();
        let (round, signature, _) = &rounds[1];
        assert_eq!(
            drand_randomness(round + 1, signature),
            Err(DrandError::Invalid(round + 1))
        );
        // One bit changed: no longer a point, or not the signature.
        let mut bytes = hex::decode(signature).unwrap();
        bytes[47] ^= 1;
        assert!(drand_randomness(*round, &hex::encode(bytes)).is_err());
        assert_eq!(drand_randomness(*round, "0x12"), Err(DrandError::Format));
    }

    #[test]
    fn round_times_follow_genesis_and_period() {
        assert_eq!(quicknet::round_time(1), quicknet::GENESIS);
        assert_eq!(quicknet::round_time(123), 1_692_803_733);
        assert_eq!(quicknet::round_at(1_692_803_733), 123);
        assert_eq!(quicknet::round_at(1_692_803_735), 123);
        assert_eq!(quicknet::round_at(quicknet::GENESIS - 10), 0);
    }

    #[test]
    fn seed_sources_parse_and_print_alike() {
        for text in ["drand-quicknet:30662982", "block:17"] {
            assert_eq!(SeedSource::parse(text).unwrap().to_string(), text);
        }
        for bad in [
            "drand-quicknet:0",
            "block:-1",
            "block:017",
            "drand:5",
            "block:",
        ] {
            assert!(SeedSource::parse(bad).is_err(), "{bad}");
        }
    }
}
