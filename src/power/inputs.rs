//! Voting-power inputs: every balance a strategy read, recorded while a bundle
//! is built and replayed while it is verified, so the verifier runs the very
//! same strategy code on the very same numbers.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use primitive_types::U256;
use votehub_strategies::{BalanceSource, SourceError, VotesMethod};

use crate::format::bundle::ReadKey;
use crate::protocol::signature::Address;

/// Every value read, by key and address (checksummed).
pub type Reads = BTreeMap<ReadKey, BTreeMap<String, U256>>;

fn normalise(address: &str) -> String {
    Address::parse_any(address)
        .map(|a| a.to_string())
        .unwrap_or_else(|_| address.to_string())
}

/// The map key of an address in a bundle's inputs: its 20 bytes, so a
/// lookup neither allocates nor computes a checksum.
pub fn address_key(address: &str) -> Option<[u8; 20]> {
    Address::parse_any(address).ok().map(|a| *a.as_bytes())
}

fn key(
    call: &str,
    network: &str,
    token: Option<&str>,
    method: Option<VotesMethod>,
    block: u64,
) -> ReadKey {
    ReadKey {
        call: call.into(),
        network: network.into(),
        token: token.map(normalise),
        method: method.map(|m| m.name().to_string()),
        block,
    }
}

/// A balance source that remembers every answer of the source it wraps.
pub(crate) struct Recorder<'a> {
    inner: &'a dyn BalanceSource,
    reads: RefCell<Reads>,
}

impl<'a> Recorder<'a> {
    pub fn new(inner: &'a dyn BalanceSource) -> Self {
        Recorder {
            inner,
            reads: RefCell::new(Reads::new()),
        }
    }

    /// What was read so far, emptying the record.
    pub fn take(&self) -> Reads {
        self.reads.take()
    }

    fn record(
        &self,
        key: ReadKey,
        addresses: &[String],
        values: Result<Vec<U256>, SourceError>,
    ) -> Result<Vec<U256>, SourceError> {
        let values = values?;
        let mut reads = self.reads.borrow_mut();
        let entry = reads.entry(key).or_default();
        for (address, value) in addresses.iter().zip(&values) {
            entry.insert(normalise(address), *value);
        }
        Ok(values)
    }
}

impl BalanceSource for Recorder<'_> {
    fn erc20_balances(
        &self,
        network: &str,
        token: &str,
        block: u64,
        addresses: &[String],
    ) -> Result<Vec<U256>, SourceError> {
        let values = self.inner.erc20_balances(network, token, block, addresses);
        self.record(
            key("erc20_balances", network, Some(token), None, block),
            addresses,
            values,
        )
    }

    fn eth_balances(
        &self,
        network: &str,
        block: u64,
        addresses: &[String],
    ) -> Result<Vec<U256>, SourceError> {
        let values = self.inner.eth_balances(network, block, addresses);
        self.record(
            key("eth_balances", network, None, None, block),
            addresses,
            values,
        )
    }

    fn token_votes(
        &self,
        network: &str,
        token: &str,
        block: u64,
        method: VotesMethod,
        addresses: &[String],
    ) -> Result<Vec<U256>, SourceError> {
        let values = self
            .inner
            .token_votes(network, token, block, method, addresses);
        self.record(
            key("token_votes", network, Some(token), Some(method), block),
            addresses,
            values,
        )
    }
}

/// The inputs of a bundle as a balance source: a read that the bundle does
/// not hold fails, naming the key and address.
#[derive(Debug, Default)]
pub struct Bundled {
    reads: HashMap<ReadKey, HashMap<[u8; 20], U256>>,
}

impl Bundled {
    /// Adds one input; false when `address` is not an address.
    pub fn insert(&mut self, key: &ReadKey, address: &str, value: U256) -> bool {
        let Some(address) = address_key(address) else {
            return false;
        };
        match self.reads.get_mut(key) {
            Some(values) => {
                values.insert(address, value);
            }
            None => {
                self.reads
                    .insert(key.clone(), HashMap::from([(address, value)]));
            }
        }
        true
    }

    fn lookup(&self, key: ReadKey, addresses: &[String]) -> Result<Vec<U256>, SourceError> {
        let values = self.reads.get(&key);
        addresses
            .iter()
            .map(|address| {
                values
                    .zip(address_key(address))
                    .and_then(|(values, address)| values.get(&address))
                    .copied()
                    .ok_or_else(|| {
                        SourceError::Failed(format!(
                            "the bundle has no {} input for {address} (network {}, token {}, block {})",
                            key.call,
                            key.network,
                            key.token.as_deref().unwrap_or("native"),
                            key.block
                        ))
                    })
            })
            .collect()
    }
}

impl BalanceSource for Bundled {
    fn erc20_balances(
        &self,
        network: &str,
        token: &str,
        block: u64,
        addresses: &[String],
    ) -> Result<Vec<U256>, SourceError> {
        self.lookup(
            key("erc20_balances", network, Some(token), None, block),
            addresses,
        )
    }

    fn eth_balances(
        &self,
        network: &str,
        block: u64,
        addresses: &[String],
    ) -> Result<Vec<U256>, SourceError> {
        self.lookup(key("eth_balances", network, None, None, block), addresses)
    }

    fn token_votes(
        &self,
        network: &str,
        token: &str,
        block: u64,
        method: VotesMethod,
        addresses: &[String],
    ) -> Result<Vec<U256>, SourceError> {
        self.lookup(
            key("token_votes", network, Some(token), Some(method), block),
            addresses,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;

    impl BalanceSource for Fixed {
        fn erc20_balances(
            &self,
            _network: &str,
            _token: &str,
            _block: u64,
            addresses: &[String],
        ) -> Result<Vec<U256>, SourceError> {
            Ok((0..addresses.len()).map(|i| U256::from(i + 7)).collect())
        }
    }

    #[test]
    fn recorded_reads_replay_and_unknown_reads_fail() {
        let token = "0x1234567890123456789012345678901234567890";
        let voter = "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf";
        let recorder = Recorder::new(&Fixed);
        let read = recorder
            .erc20_balances("1", token, 10, &[voter.to_string()])
            .unwrap();
        let reads = recorder.take();
        assert_eq!(reads.len(), 1);
        let mut bundled = Bundled::default();
        for (key, values) in &reads {
            for (address, value) in values {
                bundled.insert(key, address, *value);
            }
        }
        // Any spelling of the same addresses finds the recorded value.
        assert_eq!(
            bundled
                .erc20_balances(
                    "1",
                    &token.to_uppercase().replace("0X", "0x"),
                    10,
                    &[voter.to_uppercase().replace("0X", "0x")]
                )
                .unwrap(),
            read
        );
        let missing = bundled
            .erc20_balances("1", token, 11, &[voter.to_string()])
            .unwrap_err();
        assert!(missing.to_string().contains("block 11"), "{missing}");
        assert!(bundled.eth_balances("1", 10, &[voter.to_string()]).is_err());
    }
}
