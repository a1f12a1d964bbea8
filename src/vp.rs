//! Voting power at a proposal's snapshot block: the only caller of the
//! strategies crate. Balances come from snapshots imported into the store.

use primitive_types::U256;
use serde_json::Value;
use votehub_strategies::{BalanceSource, SourceError, StrategyError, StrategySpec, VotingPower};

use crate::signature::Address;
use crate::store::Db;

/// Imported balance snapshots as a strategy's balance source.
pub struct StoredBalances<'a> {
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
        let token = Address::parse_any(token)
            .map_err(|err| SourceError::Failed(format!("token {token}: {err}")))?
            .to_string();
        let holders: Vec<String> = addresses
            .iter()
            .map(|a| {
                Address::parse_any(a)
                    .map(|a| a.to_string())
                    .unwrap_or_default()
            })
            .collect();
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

/// Scores of `addresses` under `strategies` at `snapshot`: one vector per strategy.
pub fn scores(
    db: &Db<'_>,
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
        &StoredBalances::new(db),
        &addresses,
    )
}

/// A voter's power under frozen strategies (`[{name, network, params}]`).
pub fn voting_power(
    db: &Db<'_>,
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
        &StoredBalances::new(db),
        &voter.to_string(),
    )
}
