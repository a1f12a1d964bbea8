//! Signer recovery and signing: secp256k1 (k256) over keccak digests (sha3).
//!
//! k256 0.14 is used because it recovers about 2.5x faster than 0.13 on these
//! machines (see BENCHMARKS.md); it accepts high-s signatures as Ethereum's
//! `ecrecover` does, so `(r, s)` and `(r, n - s)` recover the same signer.
//! Messages are therefore deduplicated by digest, never by signature bytes.

use std::fmt;
use std::str::FromStr;

use k256::ecdsa::{RecoveryId, Signature, SigningKey, VerifyingKey};
use sha3::{Digest, Keccak256};

/// Why a signature could not produce a signer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("signature is not 0x-prefixed hex")]
    NotHex,
    #[error("signature has {0} bytes, expected 65")]
    Length(usize),
    #[error("recovery byte v={0} is not 0, 1, 27 or 28")]
    RecoveryByte(u8),
    #[error("r or s is zero or not below the curve order")]
    Scalars,
    #[error("no public key recovers from this signature")]
    Recovery,
}

/// Keccak-256, the hash of every Ethereum digest.
pub fn keccak256(bytes: &[u8]) -> [u8; 32] {
    Keccak256::digest(bytes).into()
}

/// A 20-byte EVM address. Displayed in its EIP-55 checksummed form.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address([u8; 20]);

/// Why a string is not an acceptable address.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AddressError {
    #[error("not 0x followed by 40 hex digits")]
    Format,
    #[error("not in its EIP-55 checksummed form")]
    Checksum,
}

impl Address {
    pub const fn from_bytes(bytes: [u8; 20]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }

    /// Parses `0x` + 40 hex digits in any letter case.
    pub fn parse_any(text: &str) -> Result<Self, AddressError> {
        let hex_part = text.strip_prefix("0x").ok_or(AddressError::Format)?;
        if hex_part.len() != 40 {
            return Err(AddressError::Format);
        }
        let mut bytes = [0u8; 20];
        hex::decode_to_slice(hex_part, &mut bytes).map_err(|_| AddressError::Format)?;
        Ok(Self(bytes))
    }

    /// Parses an address that must equal its own EIP-55 form, as Snapshot's
    /// envelope schema demands for `address` and `message.from`.
    pub fn parse_checksummed(text: &str) -> Result<Self, AddressError> {
        let address = Self::parse_any(text)?;
        if address.to_checksum() == text {
            Ok(address)
        } else {
            Err(AddressError::Checksum)
        }
    }

    /// The EIP-55 checksummed form. Every message parses and prints several
    /// addresses, so this runs on the stack with one keccak, where ethers-core's
    /// `to_checksum` (the test oracle) allocates three strings.
    pub fn to_checksum(&self) -> String {
        let mut lower = [0u8; 40];
        // 20 bytes always fit 40 hex digits.
        let _ = hex::encode_to_slice(self.0, &mut lower);
        let hash = keccak256(&lower);
        let mut out = String::with_capacity(42);
        out.push_str("0x");
        for (i, digit) in lower.iter().enumerate() {
            let nibble = (hash[i / 2] >> if i % 2 == 0 { 4 } else { 0 }) & 0x0f;
            out.push(if nibble >= 8 {
                digit.to_ascii_uppercase()
            } else {
                *digit
            } as char);
        }
        out
    }

    /// Lowercase `0x` hex, the form used as a database key.
    pub fn to_lower_hex(&self) -> String {
        format!("0x{}", hex::encode(self.0))
    }

    fn from_verifying_key(key: &VerifyingKey) -> Self {
        let point = key.to_sec1_point(false);
        let hash = keccak256(&point.as_bytes()[1..]);
        let mut bytes = [0u8; 20];
        bytes.copy_from_slice(&hash[12..]);
        Self(bytes)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_checksum())
    }
}

/// As its EIP-55 checksummed text, as replies and formats show addresses.
impl serde::Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_checksum())
    }
}

impl FromStr for Address {
    type Err = AddressError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse_any(text)
    }
}

/// Splits a wallet signature `r ‖ s ‖ v` (v in 0, 1, 27, 28) and recovers the
/// signer's address from a 32-byte prehash.
pub fn recover(prehash: &[u8; 32], sig: &[u8]) -> Result<Address, SignatureError> {
    if sig.len() != 65 {
        return Err(SignatureError::Length(sig.len()));
    }
    let v = sig[64];
    let recovery_byte = match v {
        0 | 1 => v,
        27 | 28 => v - 27,
        other => return Err(SignatureError::RecoveryByte(other)),
    };
    let recovery_id =
        RecoveryId::from_byte(recovery_byte).ok_or(SignatureError::RecoveryByte(v))?;
    let signature = Signature::from_slice(&sig[..64]).map_err(|_| SignatureError::Scalars)?;
    let key = VerifyingKey::recover_from_prehash(prehash, &signature, recovery_id)
        .map_err(|_| SignatureError::Recovery)?;
    Ok(Address::from_verifying_key(&key))
}

/// Decodes a `0x`-prefixed hex signature string.
pub fn decode_hex_sig(sig: &str) -> Result<Vec<u8>, SignatureError> {
    let body = sig.strip_prefix("0x").ok_or(SignatureError::NotHex)?;
    hex::decode(body).map_err(|_| SignatureError::NotHex)
}

/// EIP-191 `personal_sign` prehash of a UTF-8 string.
pub fn personal_message_hash(text: &str) -> [u8; 32] {
    let mut hasher = Keccak256::new();
    hasher.update(format!("\x19Ethereum Signed Message:\n{}", text.len()).as_bytes());
    hasher.update(text.as_bytes());
    hasher.finalize().into()
}

/// Who signed `text` with EIP-191 `personal_sign` (a relayer receipt, an
/// audit bundle or a log head).
pub fn personal_signer(text: &str, sig: &str) -> Result<Address, SignatureError> {
    recover(&personal_message_hash(text), &decode_hex_sig(sig)?)
}

/// A local secp256k1 key: the relayer's, or a development key for `votehub sign`.
/// Its `Debug` never prints the secret.
pub struct Signer {
    key: SigningKey,
    address: Address,
}

impl Signer {
    /// From 32 secret bytes given as `0x` hex.
    pub fn from_hex(secret: &str) -> Result<Self, SignatureError> {
        let bytes = decode_hex_sig(secret.trim())?;
        let key = SigningKey::from_slice(&bytes).map_err(|_| SignatureError::Scalars)?;
        Ok(Self::from_key(key))
    }

    /// A fresh random key from the operating system's generator.
    pub fn generate() -> Self {
        use k256::elliptic_curve::Generate;
        Self::from_key(SigningKey::generate())
    }

    fn from_key(key: SigningKey) -> Self {
        let address = Address::from_verifying_key(key.verifying_key());
        Self { key, address }
    }

    pub fn address(&self) -> Address {
        self.address
    }

    /// The secret as `0x` hex, for writing the key file.
    pub fn secret_hex(&self) -> String {
        format!("0x{}", hex::encode(self.key.to_bytes()))
    }

    /// Signs a prehash deterministically (RFC 6979) and returns `r ‖ s ‖ v`
    /// with v = 27 or 28, the form wallets produce.
    pub fn sign_prehash(&self, prehash: &[u8; 32]) -> [u8; 65] {
        let (signature, recovery_id) = self.key.sign_prehash_recoverable(prehash);
        let mut out = [0u8; 65];
        out[..64].copy_from_slice(&signature.to_bytes());
        out[64] = 27 + recovery_id.to_byte();
        out
    }

    /// `personal_sign` of a string, as `0x` hex: Snapshot's relayer receipt.
    pub fn personal_sign(&self, text: &str) -> String {
        format!(
            "0x{}",
            hex::encode(self.sign_prehash(&personal_message_hash(text)))
        )
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signer({})", self.address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_match_ethers_core() {
        for seed in 0..500u32 {
            let hash = keccak256(&seed.to_be_bytes());
            let mut bytes = [0u8; 20];
            bytes.copy_from_slice(&hash[..20]);
            let address = Address(bytes);
            assert_eq!(
                address.to_checksum(),
                ethers_core::utils::to_checksum(&ethers_core::types::H160(bytes), None)
            );
        }
    }

    const KEY0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    const KEY1: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

    #[test]
    fn dev_keys_have_their_well_known_addresses() {
        let signer = Signer::from_hex(KEY0).unwrap();
        assert_eq!(
            signer.address().to_string(),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        );
        let relayer = Signer::from_hex(KEY1).unwrap();
        assert_eq!(
            relayer.address().to_string(),
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
        );
    }

    #[test]
    fn relayer_receipt_matches_the_protocol_vector() {
        let relayer = Signer::from_hex(KEY1).unwrap();
        let sig = "0xba2d5750ee392320233a5c30374d5a71aa424d0e224236cd40f26666b65ca20c72287e02f239bb6bdd845e3dc8ec9d1eed8d50459d838bd1a450f7290dc052241b";
        assert_eq!(
            relayer.personal_sign(sig),
            "0x92483a70e371b7263ae18942c42dd90902037ad6d191090e4e6c8206355f8aa33e7837b8bc7262589168b2c826e9e6d12664ba12d829c44b8ce00e9f397cfdb51b"
        );
    }

    #[test]
    fn checksum_rules() {
        let text = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
        assert!(Address::parse_checksummed(text).is_ok());
        assert_eq!(
            Address::parse_checksummed(&text.to_lowercase()),
            Err(AddressError::Checksum)
        );
        assert_eq!(Address::parse_any("0x12"), Err(AddressError::Format));
        assert_eq!(
            Address::parse_any("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
            Err(AddressError::Format)
        );
        assert_eq!(
            Address::parse_any("0xg39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
            Err(AddressError::Format)
        );
    }

    #[test]
    fn recovery_accepts_every_v_form_and_high_s() {
        let signer = Signer::from_hex(KEY0).unwrap();
        let digest = keccak256(b"votehub");
        let sig = signer.sign_prehash(&digest);
        assert_eq!(recover(&digest, &sig).unwrap(), signer.address());
        let mut zero_one = sig;
        zero_one[64] -= 27;
        assert_eq!(recover(&digest, &zero_one).unwrap(), signer.address());

        // (r, n - s) with the parity flipped is the same signature in high-s form.
        let low = Signature::from_slice(&sig[..64]).unwrap();
        let (r, s) = low.split_scalars();
        let high = Signature::from_scalars(r.to_bytes(), (-*s).to_bytes()).unwrap();
        let mut high_sig = [0u8; 65];
        high_sig[..64].copy_from_slice(&high.to_bytes());
        high_sig[64] = 27 + (1 - (sig[64] - 27));
        assert_ne!(high_sig, sig);
        assert_eq!(recover(&digest, &high_sig).unwrap(), signer.address());
    }

    #[test]
    fn malformed_signatures_are_errors() {
        let digest = [7u8; 32];
        assert_eq!(
            recover(&digest, &[0u8; 64]),
            Err(SignatureError::Length(64))
        );
        let mut sig = [1u8; 65];
        sig[64] = 29;
        assert_eq!(
            recover(&digest, &sig),
            Err(SignatureError::RecoveryByte(29))
        );
        assert_eq!(recover(&digest, &[0u8; 65]), Err(SignatureError::Scalars));
        assert_eq!(decode_hex_sig("abcd"), Err(SignatureError::NotHex));
    }
}
