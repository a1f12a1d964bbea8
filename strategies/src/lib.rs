//! Voting-power strategies for votehub.
//!
//! A strategy turns a batch of addresses into one voting power per address at
//! a proposal's snapshot block. It scores the whole batch at once, so that no
//! strategy ever makes one request per voter, and it reads chain state only
//! through the [`BalanceSource`] it is handed, so that the same code runs on
//! imported snapshots, a JSON-RPC node or test data.
//!
//! Each strategy lives in its own folder (`src/<name>/`) with its code, a
//! `README.md`, a `schema.json` for its params and an `examples.json` in
//! Snapshot's format that the tests run. Adding one is that folder plus one
//! line in [`REGISTRY`]; see `strategies/README.md`.

#![deny(missing_docs)]

mod erc20_balance_of;
mod ticket;
pub mod units;
mod whitelist;

use primitive_types::U256;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where token balances come from (imported snapshots, a chain node, tests).
pub trait BalanceSource {
    /// The ERC-20 `balanceOf` of each address at `block`, in base units, in the
    /// order given; an address without a balance gets zero.
    fn erc20_balances(
        &self,
        network: &str,
        token: &str,
        block: u64,
        addresses: &[String],
    ) -> Result<Vec<U256>, SourceError>;
}

/// A balance source failure; the message says what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    /// No balances were imported for this token and block.
    #[error("no balance snapshot of token {token} on network {network} at block {block}; import one with `votehub snapshot import --network {network} --token {token} --block {block} <file.csv>`")]
    MissingSnapshot {
        /// Chain id.
        network: String,
        /// Token contract (checksummed).
        token: String,
        /// Snapshot block.
        block: u64,
    },
    /// The source itself failed (database, node).
    #[error("balance source failed: {0}")]
    Failed(String),
}

/// Why a strategy could not score.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StrategyError {
    /// The space names a strategy votehub does not have.
    #[error("strategy '{0}' is not a valid strategy")]
    Unknown(String),
    /// The params do not fit the strategy's schema.
    #[error("strategy '{strategy}': invalid params: {reason}")]
    Params {
        /// Strategy name.
        strategy: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// Reading balances failed.
    #[error("strategy '{strategy}' at block {block}: {source}")]
    Source {
        /// Strategy name.
        strategy: &'static str,
        /// Snapshot block.
        block: u64,
        /// The underlying failure.
        source: SourceError,
    },
}

/// What a strategy is evaluated against.
pub struct Context<'a> {
    /// The chain id the strategy reads (its own `network`, else the space's).
    pub network: &'a str,
    /// The proposal's snapshot block.
    pub snapshot: u64,
    /// Where balances come from.
    pub source: &'a dyn BalanceSource,
}

/// A voting-power formula. One required method: score a batch.
pub trait Strategy: Sync {
    /// Snapshot's name for it (`erc20-balance-of`), equal to its folder name with `-`.
    fn name(&self) -> &'static str;

    /// One voting power per address, in the order given (zero for none).
    fn scores(
        &self,
        context: &Context<'_>,
        params: &Value,
        addresses: &[String],
    ) -> Result<Vec<f64>, StrategyError>;
}

/// Every strategy votehub knows, one line each.
pub static REGISTRY: &[&dyn Strategy] = &[
    &erc20_balance_of::Erc20BalanceOf,
    &ticket::Ticket,
    &whitelist::Whitelist,
];

/// Looks a strategy up by its Snapshot name.
pub fn find(name: &str) -> Option<&'static dyn Strategy> {
    REGISTRY
        .iter()
        .copied()
        .find(|strategy| strategy.name() == name)
}

/// A strategy as a space's settings name it: `{name, network, params}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategySpec {
    /// Strategy name.
    pub name: String,
    /// Chain id; the space's network when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// Strategy params.
    #[serde(default)]
    pub params: Value,
}

/// A voter's power under a proposal's strategies, as Snapshot's `get_vp` returns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VotingPower {
    /// Sum over strategies.
    pub vp: f64,
    /// One value per strategy, in the proposal's order.
    pub vp_by_strategy: Vec<f64>,
    /// `final` at a past block.
    pub vp_state: String,
}

/// Scores `addresses` under every strategy: one vector per strategy.
pub fn scores(
    specs: &[StrategySpec],
    network: &str,
    snapshot: u64,
    source: &dyn BalanceSource,
    addresses: &[String],
) -> Result<Vec<Vec<f64>>, StrategyError> {
    specs
        .iter()
        .map(|spec| {
            let strategy =
                find(&spec.name).ok_or_else(|| StrategyError::Unknown(spec.name.clone()))?;
            let context = Context {
                network: spec.network.as_deref().unwrap_or(network),
                snapshot,
                source,
            };
            strategy.scores(&context, &spec.params, addresses)
        })
        .collect()
}

/// One address's voting power, Snapshot's `get_vp`.
pub fn voting_power(
    specs: &[StrategySpec],
    network: &str,
    snapshot: u64,
    source: &dyn BalanceSource,
    address: &str,
) -> Result<VotingPower, StrategyError> {
    let addresses = [address.to_string()];
    let vp_by_strategy: Vec<f64> = scores(specs, network, snapshot, source, &addresses)?
        .into_iter()
        .map(|per_address| per_address.first().copied().unwrap_or(0.0))
        .collect();
    let vp = vp_by_strategy.iter().fold(0.0, |sum, value| sum + value);
    Ok(VotingPower {
        vp,
        vp_by_strategy,
        vp_state: "final".into(),
    })
}

fn params_error(strategy: &'static str, reason: impl Into<String>) -> StrategyError {
    StrategyError::Params {
        strategy,
        reason: reason.into(),
    }
}
