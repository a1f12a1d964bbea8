//! Contract-wallet signatures over an Ethereum JSON-RPC node (opt-in per
//! network): EIP-1271 `isValidSignature`, current (`bytes32`) and legacy
//! (`bytes`) forms, as Snapshot's verifier calls them.
//!
//! EIP-6492 (counterfactual wallets) needs the deployless universal validator
//! contract; until its compiled artifact is in the repository, such
//! signatures are reported as unsupported and refused.

use std::collections::HashMap;
use std::time::Duration;

use ethers_core::abi::{encode, Token};
use serde_json::{json, Value};

use crate::signature::Address;

/// `isValidSignature(bytes32,bytes)` selector and magic value.
const EIP1271_MAGIC: [u8; 4] = [0x16, 0x26, 0xba, 0x7e];
/// Legacy `isValidSignature(bytes,bytes)` selector and magic value.
const EIP1271_LEGACY_MAGIC: [u8; 4] = [0x20, 0xc1, 0x3b, 0x0b];
/// The suffix that marks an EIP-6492 wrapped signature.
const EIP6492_SUFFIX: [u8; 32] = [
    0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92,
    0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92,
];

/// Why a contract signature could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("no JSON-RPC endpoint is configured for network {0}")]
    NoEndpoint(String),
    #[error("EIP-6492 signatures are not supported yet")]
    Eip6492Unsupported,
    #[error("JSON-RPC {url}: {reason}")]
    Rpc { url: String, reason: String },
}

/// JSON-RPC endpoints by network id (`"1"`, `"31337"`…).
#[derive(Clone, Default)]
pub struct Chains {
    endpoints: HashMap<String, String>,
    agent: Option<ureq::Agent>,
}

impl Chains {
    pub fn new(endpoints: HashMap<String, String>) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(10)))
            .http_status_as_error(false)
            .build()
            .into();
        Chains {
            endpoints,
            agent: Some(agent),
        }
    }

    /// Whether contract signatures can be checked on this network.
    pub fn has(&self, network: &str) -> bool {
        self.endpoints.contains_key(network)
    }

    /// Asks `wallet` whether `sig` is its signature of `digest`: EIP-1271,
    /// then its legacy form when the first says no. Blocking: call it off the
    /// async workers.
    pub fn is_valid_signature(
        &self,
        network: &str,
        wallet: Address,
        digest: &[u8; 32],
        sig: &[u8],
    ) -> Result<bool, ChainError> {
        let url = self
            .endpoints
            .get(network)
            .ok_or_else(|| ChainError::NoEndpoint(network.into()))?;
        if sig.len() >= 32 && sig[sig.len() - 32..] == EIP6492_SUFFIX {
            return Err(ChainError::Eip6492Unsupported);
        }
        let current = call_data(
            EIP1271_MAGIC,
            &[
                Token::FixedBytes(digest.to_vec()),
                Token::Bytes(sig.to_vec()),
            ],
        );
        if self.returns_magic(url, wallet, &current, EIP1271_MAGIC)? {
            return Ok(true);
        }
        let legacy = call_data(
            EIP1271_LEGACY_MAGIC,
            &[Token::Bytes(digest.to_vec()), Token::Bytes(sig.to_vec())],
        );
        self.returns_magic(url, wallet, &legacy, EIP1271_LEGACY_MAGIC)
    }

    /// `eth_call` at `latest`; a revert counts as "no", any other failure is an error.
    fn returns_magic(
        &self,
        url: &str,
        to: Address,
        data: &[u8],
        magic: [u8; 4],
    ) -> Result<bool, ChainError> {
        let agent = self
            .agent
            .as_ref()
            .ok_or_else(|| ChainError::NoEndpoint(url.into()))?;
        let failure = |reason: String| ChainError::Rpc {
            url: url.to_string(),
            reason,
        };
        let request = json!({
            "jsonrpc": "2.0", "id": 1, "method": "eth_call",
            "params": [{"to": to.to_string(), "data": format!("0x{}", hex::encode(data))}, "latest"]
        });
        let mut response = agent
            .post(url)
            .send_json(&request)
            .map_err(|err| failure(err.to_string()))?;
        let reply: Value = response
            .body_mut()
            .read_json()
            .map_err(|err| failure(err.to_string()))?;
        if let Some(error) = reply.get("error") {
            let message = error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if error.get("code").and_then(Value::as_i64) == Some(3) || message.contains("revert") {
                return Ok(false);
            }
            return Err(failure(format!("eth_call failed: {error}")));
        }
        let result = reply
            .get("result")
            .and_then(Value::as_str)
            .ok_or_else(|| failure("no result".into()))?;
        let bytes = hex::decode(result.trim_start_matches("0x"))
            .map_err(|_| failure("result is not hex".into()))?;
        Ok(bytes.len() >= 4 && bytes[..4] == magic)
    }
}

fn call_data(selector: [u8; 4], arguments: &[Token]) -> Vec<u8> {
    let mut data = selector.to_vec();
    data.extend(encode(arguments));
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_are_the_function_signatures() {
        let selector = |text: &str| -> [u8; 4] {
            let hash = crate::signature::keccak256(text.as_bytes());
            [hash[0], hash[1], hash[2], hash[3]]
        };
        assert_eq!(selector("isValidSignature(bytes32,bytes)"), EIP1271_MAGIC);
        assert_eq!(
            selector("isValidSignature(bytes,bytes)"),
            EIP1271_LEGACY_MAGIC
        );
    }

    #[test]
    fn call_data_is_abi_encoded() {
        let data = call_data(
            EIP1271_MAGIC,
            &[
                Token::FixedBytes(vec![0xaa; 32]),
                Token::Bytes(vec![0xbb; 65]),
            ],
        );
        assert_eq!(&data[..4], &EIP1271_MAGIC);
        assert_eq!(&data[4..36], &[0xaa; 32]);
        assert_eq!(data[36 + 31], 0x40, "offset of the dynamic bytes");
        assert_eq!(data[68 + 31], 65, "length of the signature");
        assert_eq!(data.len(), 4 + 32 * 3 + 96);
    }

    #[test]
    fn unconfigured_network_is_an_error() {
        let chains = Chains::default();
        assert!(matches!(
            chains.is_valid_signature("1", Address::from_bytes([1; 20]), &[0; 32], &[]),
            Err(ChainError::NoEndpoint(_))
        ));
    }
}
