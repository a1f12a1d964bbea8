//! Voting power at a proposal's snapshot block, through the strategies crate.
//! A strategy on a network that has a JSON-RPC node (`--rpc` / `[rpc]`) reads
//! the chain at the snapshot block through `chain`; on any other network it
//! reads the balance snapshots imported into the store ([`import_snapshot`]).
//! `inputs` and `snapshot_file` are pure and shared with the verifier.

mod import;
pub mod inputs;
pub mod snapshot_file;

pub use import::{import_snapshot, ImportError};

use primitive_types::U256;
use serde_json::Value;
use votehub_strategies::{
    BalanceSource, SourceError, StrategyError, StrategySpec, VotesMethod, VotingPower,
};

use crate::chain::Chains;
use crate::protocol::signature::Address;
use crate::store::Db;

/// Imported balance snapshots as a strategy's balance source.
pub(crate) struct StoredBalances<'a> {
    db: &'a Db<'a>,
}

impl<'a> StoredBalances<'a> {
    pub fn new(db: &'a Db<'a>) -> Self {
        StoredBalances { db }
    }
}

impl BalanceSource for StoredBalances<'_> {
    fn erc20_balances(
        &self,
        network: &str,
        token: &str,
        block: u64,
        addresses: &[String],
    ) -> Result<Vec<U256>, SourceError> {
        let token = contract(token)?.to_string();
        let holders: Vec<String> = holders(addresses)?.iter().map(Address::to_string).collect();
        let rows = self
            .db
            .balances(network, &token, block, &holders)
            .map_err(|err| SourceError::Failed(err.to_string()))?
            .ok_or_else(|| SourceError::MissingSnapshot {
                network: network.into(),
                token: token.clone(),
                block,
            })?;
        rows.into_iter()
            .map(|row| match row {
                None => Ok(U256::zero()),
                Some(text) => U256::from_dec_str(&text)
                    .map_err(|_| SourceError::Failed(format!("stored balance {text}"))),
            })
            .collect()
    }
}

/// Each network's balances from its chain node when it has one, else from
/// imported snapshots. Chain reads block: call strategies off the async workers.
pub(crate) struct Balances<'a> {
    stored: StoredBalances<'a>,
    chains: &'a Chains,
}

impl<'a> Balances<'a> {
    pub fn new(db: &'a Db<'a>, chains: &'a Chains) -> Self {
        Balances {
            stored: StoredBalances::new(db),
            chains,
        }
    }
}

impl BalanceSource for Balances<'_> {
    fn erc20_balances(
        &self,
        network: &str,
        token: &str,
        block: u64,
        addresses: &[String],
    ) -> Result<Vec<U256>, SourceError> {
        if !self.chains.has(network) {
            return self.stored.erc20_balances(network, token, block, addresses);
        }
        let (token, holders) = (contract(token)?, holders(addresses)?);
        self.chains
            .erc20_balances(network, token, block, &holders)
            .map_err(|err| SourceError::Failed(err.to_string()))
    }

    fn eth_balances(
        &self,
        network: &str,
        block: u64,
        addresses: &[String],
    ) -> Result<Vec<U256>, SourceError> {
        if !self.chains.has(network) {
            return Err(needs_node(network, "native (ETH) balances"));
        }
        self.chains
            .eth_balances(network, block, &holders(addresses)?)
            .map_err(|err| SourceError::Failed(err.to_string()))
    }

    fn token_votes(
        &self,
        network: &str,
        token: &str,
        block: u64,
        method: VotesMethod,
        addresses: &[String],
    ) -> Result<Vec<U256>, SourceError> {
        if !self.chains.has(network) {
            return Err(needs_node(
                network,
                &format!("{} votes of token {token}", method.name()),
            ));
        }
        let (token, holders) = (contract(token)?, holders(addresses)?);
        self.chains
            .token_votes(network, token, block, method, &holders)
            .map_err(|err| SourceError::Failed(err.to_string()))
    }
}

fn needs_node(network: &str, what: &str) -> SourceError {
    SourceError::Failed(format!(
        "{what} on network {network} cannot come from imported snapshots; configure a JSON-RPC node for it (votehub serve --rpc {network}=URL)"
    ))
}

fn contract(token: &str) -> Result<Address, SourceError> {
    Address::parse_any(token).map_err(|err| SourceError::Failed(format!("token {token}: {err}")))
}

fn holders(addresses: &[String]) -> Result<Vec<Address>, SourceError> {
    addresses
        .iter()
        .map(|a| {
            Address::parse_any(a).map_err(|err| SourceError::Failed(format!("address {a}: {err}")))
        })
        .collect()
}

/// Scores of `addresses` under `strategies` at `snapshot`: one vector per strategy.
pub fn scores(
    db: &Db<'_>,
    chains: &Chains,
    strategies: &[StrategySpec],
    network: &str,
    snapshot: u64,
    addresses: &[Address],
) -> Result<Vec<Vec<f64>>, StrategyError> {
    let addresses: Vec<String> = addresses.iter().map(Address::to_string).collect();
    votehub_strategies::scores(
        strategies,
        network,
        snapshot,
        &Balances::new(db, chains),
        &addresses,
    )
}

/// A voter's power under frozen strategies (`[{name, network, params}]`).
pub fn voting_power(
    db: &Db<'_>,
    chains: &Chains,
    strategies: &Value,
    network: &str,
    snapshot: u64,
    voter: Address,
) -> Result<VotingPower, StrategyError> {
    let specs: Vec<StrategySpec> =
        serde_json::from_value(strategies.clone()).map_err(|err| StrategyError::Params {
            strategy: "space",
            reason: err.to_string(),
        })?;
    votehub_strategies::voting_power(
        &specs,
        network,
        snapshot,
        &Balances::new(db, chains),
        &voter.to_string(),
    )
}

/// Whole tokens of voting power each of `members` had at `block` under a
/// space's strategies (its settings' `strategies` on its `network`): a
/// court's juror weights. Floored: exact for any real supply (below 2^53).
pub fn whole_tokens(
    db: &Db<'_>,
    chains: &Chains,
    space_settings: &Value,
    block: u64,
    members: &[Address],
) -> Result<Vec<u64>, String> {
    let network = space_settings
        .get("network")
        .and_then(Value::as_str)
        .unwrap_or("1");
    let specs: Vec<StrategySpec> = serde_json::from_value(
        crate::protocol::settings::frozen_strategies(space_settings, network),
    )
    .map_err(|err| err.to_string())?;
    let scores =
        scores(db, chains, &specs, network, block, members).map_err(|err| err.to_string())?;
    Ok((0..members.len())
        .map(|i| {
            let total: f64 = scores.iter().filter_map(|s| s.get(i)).sum();
            if total.is_finite() && total > 0.0 {
                total.floor() as u64
            } else {
                0
            }
        })
        .collect())
}
