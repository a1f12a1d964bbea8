//! Ethereum JSON-RPC nodes, opt-in per network: the only module that talks to
//! a chain. It checks contract-wallet signatures as Snapshot's verifier does
//! (EIP-6492 for counterfactual wallets, else EIP-1271 current then legacy),
//! and reads the balances and votes strategies weigh at a snapshot block.
//!
//! Every call blocks: run it off the async workers. Reads go out as JSON-RPC
//! batches of at most [`BATCH`] calls (one HTTP request per batch, never one
//! per voter); a transport failure is retried ([`TRIES`] tries, doubling
//! backoff, each try bounded by [`TIMEOUT`]); a value read is cached, since a
//! balance at a mined block never changes.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use ethers_core::abi::{decode, encode, ParamType, Token};
use ethers_core::types::{H160, U256};
use serde_json::{json, Value};
use votehub_strategies::VotesMethod;

use crate::protocol::signature::Address;

/// Most calls in one JSON-RPC batch (one HTTP request).
pub(crate) const BATCH: usize = 500;
/// Tries per HTTP request when the transport fails (refused, timeout, 429, 5xx).
pub(crate) const TRIES: u32 = 3;
/// Bound on one HTTP request, connection to last byte.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(10);
/// Wait before the second try; doubled before each next one.
const BACKOFF: Duration = Duration::from_millis(200);
/// Most cached values; the cache is emptied when a batch would exceed it, so
/// memory stays bounded whatever blocks and addresses clients ask about.
const CACHE_LIMIT: usize = 200_000;

/// `isValidSignature(bytes32,bytes)` selector and magic value.
const EIP1271_MAGIC: [u8; 4] = [0x16, 0x26, 0xba, 0x7e];
/// Legacy `isValidSignature(bytes,bytes)` selector and magic value.
const EIP1271_LEGACY_MAGIC: [u8; 4] = [0x20, 0xc1, 0x3b, 0x0b];
/// The suffix that marks an EIP-6492 wrapped signature.
const EIP6492_SUFFIX: [u8; 32] = [
    0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92,
    0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92,
];
/// `balanceOf(address)` selector.
const BALANCE_OF: [u8; 4] = [0x70, 0xa0, 0x82, 0x31];
/// EIP-6492's deployless validator (`ValidateSigOffchain`), compiled from
/// `fixtures/contracts/UniversalSigValidator.sol` by `tools/compile-contracts.sh`.
const VALIDATOR_ARTIFACT: &str =
    include_str!("../fixtures/contracts/build/ValidateSigOffchain.json");

/// Why a chain question got no answer. Messages name the network, never the
/// endpoint URL, which may hold an API key.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("no JSON-RPC endpoint is configured for network {0}")]
    NoEndpoint(String),
    #[error("JSON-RPC node of network {network}: {reason}")]
    Rpc { network: String, reason: String },
    #[error("the EIP-6492 validator artifact is unusable: {0}")]
    Validator(String),
}

/// JSON-RPC endpoints by network id (`"1"`, `"31337"`…), one HTTP agent, and
/// the read cache. Clones share the agent and the cache.
#[derive(Clone, Default)]
pub struct Chains {
    endpoints: Arc<HashMap<String, String>>,
    agent: Option<ureq::Agent>,
    cache: Arc<Mutex<HashMap<CachedRead, U256>>>,
}

impl Chains {
    pub fn new(endpoints: HashMap<String, String>) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .build()
            .into();
        Chains {
            endpoints: Arc::new(endpoints),
            agent: Some(agent),
            cache: Arc::default(),
        }
    }

    /// Whether this network has a node: contract signatures are checked and
    /// balances read there.
    pub fn has(&self, network: &str) -> bool {
        self.endpoints.contains_key(network)
    }

    /// Whether any network has a node.
    pub fn is_configured(&self) -> bool {
        !self.endpoints.is_empty()
    }

    fn node(&self, network: &str) -> Result<Node<'_>, ChainError> {
        match (self.endpoints.get_key_value(network), &self.agent) {
            (Some((network, url)), Some(agent)) => Ok(Node {
                network,
                url,
                agent,
            }),
            _ => Err(ChainError::NoEndpoint(network.into())),
        }
    }

    /// Asks whether `sig` is `wallet`'s signature of `digest`, in Snapshot's
    /// order: a signature with the EIP-6492 suffix goes to the deployless
    /// universal validator and its answer is final; otherwise EIP-1271, then
    /// its legacy form when the first says no.
    pub fn is_valid_signature(
        &self,
        network: &str,
        wallet: Address,
        digest: &[u8; 32],
        sig: &[u8],
    ) -> Result<bool, ChainError> {
        let node = self.node(network)?;
        if sig.len() >= 32 && sig[sig.len() - 32..] == EIP6492_SUFFIX {
            return node.eip6492_valid(wallet, digest, sig);
        }
        let current = call_data(
            EIP1271_MAGIC,
            &[
                Token::FixedBytes(digest.to_vec()),
                Token::Bytes(sig.to_vec()),
            ],
        );
        if node.returns_magic(wallet, &current, EIP1271_MAGIC)? {
            return Ok(true);
        }
        let legacy = call_data(
            EIP1271_LEGACY_MAGIC,
            &[Token::Bytes(digest.to_vec()), Token::Bytes(sig.to_vec())],
        );
        node.returns_magic(wallet, &legacy, EIP1271_LEGACY_MAGIC)
    }

    /// The node's latest block: a new proposal's default snapshot.
    pub fn block_number(&self, network: &str) -> Result<u64, ChainError> {
        let node = self.node(network)?;
        let answer = node.call("eth_blockNumber", json!([]))?;
        let number = answer
            .as_ref()
            .ok()
            .and_then(Value::as_str)
            .and_then(|hex| u64::from_str_radix(hex.trim_start_matches("0x"), 16).ok());
        number.ok_or_else(|| match answer {
            Err(error) => node.error(rpc_message(&error)),
            Ok(other) => node.error(format!("eth_blockNumber answered {other}")),
        })
    }

    /// The hash of block `number`, or `None` while it does not exist yet:
    /// a case's randomness when its arbitrator committed to that block.
    pub fn block_hash(&self, network: &str, number: u64) -> Result<Option<[u8; 32]>, ChainError> {
        let node = self.node(network)?;
        let answer = node.call(
            "eth_getBlockByNumber",
            json!([format!("0x{number:x}"), false]),
        )?;
        match answer {
            Ok(Value::Null) => Ok(None),
            Ok(block) => {
                let mut hash = [0u8; 32];
                block
                    .get("hash")
                    .and_then(Value::as_str)
                    .and_then(|text| text.strip_prefix("0x"))
                    .and_then(|text| hex::decode_to_slice(text, &mut hash).ok())
                    .ok_or_else(|| node.error(format!("block {number} has no hash: {block}")))?;
                Ok(Some(hash))
            }
            Err(error) => Err(node.error(rpc_message(&error))),
        }
    }

    /// ERC-20 `balanceOf` of each holder, called at block tag `block`.
    pub fn erc20_balances(
        &self,
        network: &str,
        token: Address,
        block: u64,
        holders: &[Address],
    ) -> Result<Vec<U256>, ChainError> {
        self.read(network, Read::Erc20Balance(token), block, holders)
    }

    /// `eth_getBalance` of each holder at block `block`.
    pub fn eth_balances(
        &self,
        network: &str,
        block: u64,
        holders: &[Address],
    ) -> Result<Vec<U256>, ChainError> {
        self.read(network, Read::EthBalance, block, holders)
    }

    /// Delegated votes of each holder as of `block`. `getVotes` and
    /// `getCurrentVotes` are called at block tag `block`; `getPastVotes` and
    /// `getPriorVotes` revert for a block not yet mined, so they are called
    /// with `block` as their argument at tag `latest` (no archive state needed).
    pub fn token_votes(
        &self,
        network: &str,
        token: Address,
        block: u64,
        method: VotesMethod,
        holders: &[Address],
    ) -> Result<Vec<U256>, ChainError> {
        self.read(network, Read::Votes(token, method), block, holders)
    }

    /// One value per holder, in order: cached ones, then the rest (each
    /// distinct holder once) in batches.
    fn read(
        &self,
        network: &str,
        read: Read,
        block: u64,
        holders: &[Address],
    ) -> Result<Vec<U256>, ChainError> {
        let node = self.node(network)?;
        let key = |holder: Address| CachedRead {
            network: network.to_string(),
            read,
            block,
            holder,
        };
        let mut known: HashMap<Address, U256> = HashMap::with_capacity(holders.len());
        {
            let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            for holder in holders {
                if let Some(value) = cache.get(&key(*holder)) {
                    known.insert(*holder, *value);
                }
            }
        }
        let mut seen = HashSet::new();
        let missing: Vec<Address> = holders
            .iter()
            .copied()
            .filter(|holder| !known.contains_key(holder) && seen.insert(*holder))
            .collect();
        for chunk in missing.chunks(BATCH) {
            let calls: Vec<(&str, Value)> = chunk
                .iter()
                .map(|holder| read.request(*holder, block))
                .collect();
            let answers = node.batch(&calls)?;
            let mut fetched = Vec::with_capacity(chunk.len());
            for (holder, answer) in chunk.iter().zip(answers) {
                let what = || read.describe(*holder, block);
                let result = answer.map_err(|error| {
                    node.error(format!("{} failed: {}", what(), rpc_message(&error)))
                })?;
                let value = read
                    .decode(&result)
                    .map_err(|reason| node.error(format!("{}: {reason}", what())))?;
                fetched.push((*holder, value));
            }
            let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            if cache.len() + fetched.len() > CACHE_LIMIT {
                cache.clear();
            }
            for (holder, value) in fetched {
                cache.insert(key(holder), value);
                known.insert(holder, value);
            }
        }
        holders
            .iter()
            .map(|holder| {
                known
                    .get(holder)
                    .copied()
                    .ok_or_else(|| node.error(format!("no value read for {holder}")))
            })
            .collect()
    }
}

/// What is read for one holder; with the network, block and holder, the
/// cache key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Read {
    Erc20Balance(Address),
    EthBalance,
    Votes(Address, VotesMethod),
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct CachedRead {
    network: String,
    read: Read,
    block: u64,
    holder: Address,
}

impl Read {
    /// The JSON-RPC method and params that read `holder`'s value at `block`.
    fn request(self, holder: Address, block: u64) -> (&'static str, Value) {
        let tag = format!("0x{block:x}");
        let holder_token = Token::Address(H160(*holder.as_bytes()));
        let eth_call = |to: Address, data: Vec<u8>, tag: &str| {
            (
                "eth_call",
                json!([{"to": to.to_string(), "data": hex_string(&data)}, tag]),
            )
        };
        match self {
            Read::Erc20Balance(token) => {
                eth_call(token, call_data(BALANCE_OF, &[holder_token]), &tag)
            }
            Read::EthBalance => ("eth_getBalance", json!([holder.to_string(), tag])),
            Read::Votes(token, method) => {
                let selector = ethers_core::utils::id(method.signature());
                if method.takes_block_argument() {
                    let arguments = [holder_token, Token::Uint(U256::from(block))];
                    eth_call(token, call_data(selector, &arguments), "latest")
                } else {
                    eth_call(token, call_data(selector, &[holder_token]), &tag)
                }
            }
        }
    }

    /// For error messages: `getPriorVotes(0x…, 17) on 0x…`.
    fn describe(self, holder: Address, block: u64) -> String {
        match self {
            Read::Erc20Balance(token) => format!("balanceOf({holder}) on {token} at block {block}"),
            Read::EthBalance => format!("eth_getBalance({holder}) at block {block}"),
            Read::Votes(token, method) if method.takes_block_argument() => {
                format!("{}({holder}, {block}) on {token} at latest", method.name())
            }
            Read::Votes(token, method) => {
                format!("{}({holder}) on {token} at block {block}", method.name())
            }
        }
    }

    /// The value in a call's `result`: a quantity for `eth_getBalance`, an
    /// ABI-encoded uint for the view functions.
    fn decode(self, result: &Value) -> Result<U256, String> {
        let text = result
            .as_str()
            .ok_or_else(|| format!("result is not a string: {result}"))?;
        let digits = text
            .strip_prefix("0x")
            .ok_or_else(|| format!("result is not 0x hex: {text}"))?;
        if self == Read::EthBalance {
            return U256::from_str_radix(digits, 16)
                .map_err(|_| format!("balance is not a hex quantity: {text}"));
        }
        let bytes = hex::decode(digits).map_err(|_| format!("result is not hex: {text}"))?;
        if bytes.is_empty() {
            return Err("the call returned no data: is the token a contract at that block?".into());
        }
        match decode(&[ParamType::Uint(256)], &bytes).map_err(|err| err.to_string())?[..] {
            [Token::Uint(value)] => Ok(value),
            _ => Err(format!("result is not a uint256: {text}")),
        }
    }
}

/// One network's node, as borrowed from [`Chains`].
struct Node<'a> {
    network: &'a str,
    url: &'a str,
    agent: &'a ureq::Agent,
}

/// How one HTTP try failed.
enum Failure {
    /// Worth another try (transport, 429, 5xx).
    Transient(String),
    /// Another try would fail the same way.
    Final(String),
}

impl Node<'_> {
    fn error(&self, reason: String) -> ChainError {
        ChainError::Rpc {
            network: self.network.to_string(),
            reason,
        }
    }

    /// POSTs a JSON-RPC body; transport failures are retried with backoff.
    fn post(&self, body: &Value) -> Result<Value, ChainError> {
        let mut delay = BACKOFF;
        for attempt in 1..=TRIES {
            match self.post_once(body) {
                Ok(reply) => return Ok(reply),
                Err(Failure::Final(reason)) => return Err(self.error(reason)),
                Err(Failure::Transient(reason)) if attempt == TRIES => {
                    return Err(self.error(format!("{reason} ({TRIES} tries)")))
                }
                Err(Failure::Transient(reason)) => {
                    tracing::debug!(network = self.network, attempt, "JSON-RPC retry: {reason}");
                    std::thread::sleep(delay);
                    delay *= 2;
                }
            }
        }
        Err(self.error("no try was made".into()))
    }

    fn post_once(&self, body: &Value) -> Result<Value, Failure> {
        let mut response = self
            .agent
            .post(self.url)
            .send_json(body)
            .map_err(|err| match err {
                ureq::Error::BadUri(_) | ureq::Error::Http(_) | ureq::Error::InvalidProxyUrl => {
                    Failure::Final(err.to_string())
                }
                _ => Failure::Transient(err.to_string()),
            })?;
        let status = response.status().as_u16();
        if status == 429 || status >= 500 {
            return Err(Failure::Transient(format!("HTTP status {status}")));
        }
        if !(200..300).contains(&status) {
            return Err(Failure::Final(format!("HTTP status {status}")));
        }
        response
            .body_mut()
            .read_json::<Value>()
            .map_err(|err| Failure::Transient(format!("reading the reply: {err}")))
    }

    /// One call: `Ok(result)`, or `Err(error object)` when the node answered
    /// with a JSON-RPC error (a revert among them).
    fn call(&self, method: &str, params: Value) -> Result<Result<Value, Value>, ChainError> {
        let reply =
            self.post(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))?;
        self.answer(reply)
    }

    /// A batch: one answer per call, in the order of `calls`, whatever order
    /// the node answers in.
    fn batch(&self, calls: &[(&str, Value)]) -> Result<Vec<Result<Value, Value>>, ChainError> {
        let body: Vec<Value> = calls
            .iter()
            .enumerate()
            .map(|(id, (method, params))| {
                json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
            })
            .collect();
        let replies = match self.post(&Value::Array(body))? {
            Value::Array(replies) => replies,
            // A node that refuses the whole batch answers with one error.
            other => {
                return Err(self.error(format!(
                    "batch of {} calls refused: {}",
                    calls.len(),
                    rpc_message(other.get("error").unwrap_or(&other))
                )))
            }
        };
        let mut answers: Vec<Option<Result<Value, Value>>> = vec![None; calls.len()];
        for reply in replies {
            let id = reply.get("id").and_then(Value::as_u64);
            let slot = id.and_then(|id| answers.get_mut(usize::try_from(id).ok()?));
            match slot {
                Some(slot) => *slot = Some(self.answer(reply)?),
                None => return Err(self.error(format!("reply with an unknown id: {reply}"))),
            }
        }
        answers
            .into_iter()
            .enumerate()
            .map(|(id, answer)| {
                answer.ok_or_else(|| self.error(format!("no reply to call {id} of the batch")))
            })
            .collect()
    }

    fn answer(&self, mut reply: Value) -> Result<Result<Value, Value>, ChainError> {
        if let Some(error) = reply.get_mut("error") {
            return Ok(Err(error.take()));
        }
        match reply.get_mut("result") {
            Some(result) => Ok(Ok(result.take())),
            None => Err(self.error(format!("reply without result: {reply}"))),
        }
    }

    /// `eth_call` at `latest`; a revert counts as "no", any other failure is an error.
    fn returns_magic(&self, to: Address, data: &[u8], magic: [u8; 4]) -> Result<bool, ChainError> {
        let params = json!([{"to": to.to_string(), "data": hex_string(data)}, "latest"]);
        match self.call("eth_call", params)? {
            Ok(result) => {
                Ok(result_bytes(&result).is_some_and(|b| b.len() >= 4 && b[..4] == magic))
            }
            Err(error) if is_revert(&error) => Ok(false),
            Err(error) => Err(self.error(format!("eth_call failed: {}", rpc_message(&error)))),
        }
    }

    /// EIP-6492: `eth_call` without `to` of the validator's creation code
    /// followed by `abi.encode(signer, hash, signature)`; valid only when it
    /// returns exactly `0x01`. A revert means invalid.
    fn eip6492_valid(
        &self,
        signer: Address,
        digest: &[u8; 32],
        sig: &[u8],
    ) -> Result<bool, ChainError> {
        let mut data = validator_code()?.to_vec();
        data.extend(encode(&[
            Token::Address(H160(*signer.as_bytes())),
            Token::FixedBytes(digest.to_vec()),
            Token::Bytes(sig.to_vec()),
        ]));
        match self.call("eth_call", json!([{"data": hex_string(&data)}, "latest"]))? {
            Ok(result) => Ok(result_bytes(&result).is_some_and(|b| b == [0x01])),
            Err(error) if is_revert(&error) => Ok(false),
            Err(error) => Err(self.error(format!("eth_call failed: {}", rpc_message(&error)))),
        }
    }
}

/// The validator's creation bytecode, parsed once from the embedded artifact.
fn validator_code() -> Result<&'static [u8], ChainError> {
    static CODE: OnceLock<Result<Vec<u8>, String>> = OnceLock::new();
    CODE.get_or_init(|| {
        let artifact: Value =
            serde_json::from_str(VALIDATOR_ARTIFACT).map_err(|err| err.to_string())?;
        let text = artifact
            .get("bytecode")
            .and_then(Value::as_str)
            .and_then(|code| code.strip_prefix("0x"))
            .ok_or("no 0x bytecode")?;
        hex::decode(text).map_err(|err| err.to_string())
    })
    .as_ref()
    .map(Vec::as_slice)
    .map_err(|reason| ChainError::Validator(reason.clone()))
}

/// Nodes report a revert as code 3 (with revert data) or by message.
fn is_revert(error: &Value) -> bool {
    error.get("code").and_then(Value::as_i64) == Some(3) || rpc_message(error).contains("revert")
}

fn rpc_message(error: &Value) -> String {
    match error.get("message").and_then(Value::as_str) {
        Some(message) => message.to_string(),
        None => error.to_string(),
    }
}

fn result_bytes(result: &Value) -> Option<Vec<u8>> {
    hex::decode(result.as_str()?.strip_prefix("0x")?).ok()
}

fn hex_string(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
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
        assert_eq!(
            ethers_core::utils::id("isValidSignature(bytes32,bytes)"),
            EIP1271_MAGIC
        );
        assert_eq!(
            ethers_core::utils::id("isValidSignature(bytes,bytes)"),
            EIP1271_LEGACY_MAGIC
        );
        assert_eq!(ethers_core::utils::id("balanceOf(address)"), BALANCE_OF);
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
        assert!(matches!(
            chains.eth_balances("1", 1, &[Address::from_bytes([1; 20])]),
            Err(ChainError::NoEndpoint(_))
        ));
    }

    #[test]
    fn the_validator_artifact_is_embedded() {
        let code = validator_code().unwrap();
        // Solidity's creation code starts with the free memory pointer setup.
        assert_eq!(&code[..5], &[0x60, 0x80, 0x60, 0x40, 0x52]);
        assert!(code.len() > 1000);
    }

    #[test]
    fn reads_call_the_right_function_at_the_right_tag() {
        let token = Address::from_bytes([0x11; 20]);
        let holder = Address::from_bytes([0x22; 20]);
        let (method, params) = Read::Erc20Balance(token).request(holder, 255);
        assert_eq!(method, "eth_call");
        assert_eq!(params[1], "0xff");
        assert_eq!(
            params[0]["data"],
            format!("0x70a08231{:0>64}", hex::encode([0x22; 20]))
        );
        let (method, params) = Read::EthBalance.request(holder, 16);
        assert_eq!((method, &params[1]), ("eth_getBalance", &json!("0x10")));
        for votes in VotesMethod::ALL {
            let (_, params) = Read::Votes(token, votes).request(holder, 16);
            let data = params[0]["data"].as_str().unwrap();
            let selector = hex::encode(ethers_core::utils::id(votes.signature()));
            assert_eq!(&data[2..10], selector);
            if votes.takes_block_argument() {
                assert_eq!(params[1], "latest");
                assert_eq!(&data[data.len() - 64..], format!("{:0>64}", "10"));
            } else {
                assert_eq!(params[1], "0x10");
                assert_eq!(data.len(), 2 + 8 + 64);
            }
        }
    }

    #[test]
    fn results_decode_or_say_why_not() {
        let uint = Read::Erc20Balance(Address::from_bytes([1; 20]));
        assert_eq!(
            uint.decode(&json!(format!("0x{:0>64}", "2a"))),
            Ok(U256::from(42))
        );
        assert!(uint.decode(&json!("0x")).unwrap_err().contains("no data"));
        assert!(uint.decode(&json!("0x2a")).is_err());
        assert!(uint.decode(&json!(42)).is_err());
        assert_eq!(
            Read::EthBalance.decode(&json!("0xde0b6b3a7640000")),
            Ok(U256::exp10(18))
        );
        assert_eq!(Read::EthBalance.decode(&json!("0x0")), Ok(U256::zero()));
        assert!(Read::EthBalance.decode(&json!("12")).is_err());
    }
}
