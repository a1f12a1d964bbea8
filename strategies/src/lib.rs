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
//! line in the `registry!` list that makes [`REGISTRY`] (its documents are
//! read from the folder there, see [`documents`]); see `strategies/README.md`.

#![deny(missing_docs)]

mod comp_like_votes;
mod erc20_balance_of;
mod erc20_votes;
mod eth_balance;
mod math;
mod ticket;
pub mod units;
mod whitelist;

use primitive_types::U256;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where token balances come from (imported snapshots, a chain node, tests).
///
/// Every method reads a whole batch at once, one value per address in the
/// order given, as an integer in base units; an address without a value gets
/// zero. Only `erc20_balances` is required: the other methods have default
/// implementations that fail with [`SourceError::Failed`] saying what this
/// source cannot read, so a source implements only what it has.
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

    /// The native-coin balance (ETH on mainnet; `eth_getBalance`, or
    /// Multicall's `getEthBalance(address)`) of each address at `block`, in
    /// wei, in the order given; an address without a balance gets zero.
    fn eth_balances(
        &self,
        network: &str,
        block: u64,
        addresses: &[String],
    ) -> Result<Vec<U256>, SourceError> {
        let _ = (block, addresses);
        Err(SourceError::Failed(format!(
            "native (ETH) balances on network {network} are not available from this source"
        )))
    }

    /// The delegated voting power of each address on the governance token
    /// `token`, as of `block`, read with `method` (see [`VotesMethod`] for
    /// the Solidity function and how `block` is used), in base units, in the
    /// order given; an address without votes gets zero.
    fn token_votes(
        &self,
        network: &str,
        token: &str,
        block: u64,
        method: VotesMethod,
        addresses: &[String],
    ) -> Result<Vec<U256>, SourceError> {
        let _ = (block, addresses);
        Err(SourceError::Failed(format!(
            "{} votes of token {token} on network {network} are not available from this source",
            method.name()
        )))
    }
}

/// Which view function of a governance token [`BalanceSource::token_votes`]
/// reads. All four return the delegated votes of one account; they differ in
/// how the block enters.
///
/// For a block `N`, `getVotes` and `getCurrentVotes` called *at* block tag `N`
/// and `getPastVotes(account, N)` and `getPriorVotes(account, N)` called at
/// any later block all give the votes at the end of block `N` (the last
/// checkpoint from a block `<= N`). The past/prior forms revert when `N` is not
/// yet mined (`ERC20Votes: block not yet mined`, `ERC5805FutureLookup`,
/// `Comp::getPriorVotes: not yet determined`), so a node source calls them at
/// `latest` (or any block after `N`); they then need no archive state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VotesMethod {
    /// `getVotes(address account) returns (uint256)` (OpenZeppelin `Votes` /
    /// `ERC20Votes`), called at block tag `block`: the account's current votes
    /// in the state after that block.
    GetVotes,
    /// `getPastVotes(address account, uint256 timepoint) returns (uint256)`
    /// (OpenZeppelin `Votes` / `ERC20Votes`), called with `timepoint = block`
    /// at a later block. `block` is a timepoint in the token's ERC-6372 clock:
    /// a block number for the default clock (`CLOCK_MODE()` =
    /// `mode=blocknumber&from=default`); a source reading a timestamp-clock
    /// token (`mode=timestamp`) passes the timestamp of `block` instead.
    GetPastVotes,
    /// `getCurrentVotes(address account) returns (uint96)` (Compound `Comp`
    /// and its forks), called at block tag `block`.
    GetCurrentVotes,
    /// `getPriorVotes(address account, uint256 blockNumber) returns (uint96)`
    /// (Compound `Comp` and its forks), called with `blockNumber = block` at a
    /// later block.
    GetPriorVotes,
}

impl VotesMethod {
    /// Every method, in declaration order.
    pub const ALL: [VotesMethod; 4] = [
        VotesMethod::GetVotes,
        VotesMethod::GetPastVotes,
        VotesMethod::GetCurrentVotes,
        VotesMethod::GetPriorVotes,
    ];

    /// The Solidity function name (`getPastVotes`).
    pub fn name(self) -> &'static str {
        match self {
            VotesMethod::GetVotes => "getVotes",
            VotesMethod::GetPastVotes => "getPastVotes",
            VotesMethod::GetCurrentVotes => "getCurrentVotes",
            VotesMethod::GetPriorVotes => "getPriorVotes",
        }
    }

    /// The Solidity signature whose selector a node source calls
    /// (`getPastVotes(address,uint256)`).
    pub fn signature(self) -> &'static str {
        match self {
            VotesMethod::GetVotes => "getVotes(address)",
            VotesMethod::GetPastVotes => "getPastVotes(address,uint256)",
            VotesMethod::GetCurrentVotes => "getCurrentVotes(address)",
            VotesMethod::GetPriorVotes => "getPriorVotes(address,uint256)",
        }
    }

    /// Whether `block` is passed as an argument (and the call made at a later
    /// block) rather than used as the call's block tag.
    pub fn takes_block_argument(self) -> bool {
        matches!(self, VotesMethod::GetPastVotes | VotesMethod::GetPriorVotes)
    }

    /// The method with this Solidity function name (`getPriorVotes`).
    pub fn from_name(name: &str) -> Option<VotesMethod> {
        VotesMethod::ALL
            .into_iter()
            .find(|method| method.name() == name)
    }
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
    /// The strategy cannot compute a score from what it read (`math`'s
    /// `Cannot divide by zero!`).
    #[error("strategy '{strategy}': {reason}")]
    Failed {
        /// Strategy name.
        strategy: &'static str,
        /// What went wrong.
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

/// A strategy's folder documents, as the hub's `strategies` query and the
/// score API's `GET /api/strategies` show them.
#[derive(Debug, Clone, Copy)]
pub struct Documents {
    /// `README.md`: what the strategy computes.
    pub about: &'static str,
    /// `schema.json`: the JSON schema of its params.
    pub schema: &'static str,
    /// `examples.json`: the examples the tests run.
    pub examples: &'static str,
}

/// [`REGISTRY`] and, in the same order, each strategy's [`Documents`] read
/// from its folder: one line per strategy.
macro_rules! registry {
    ($($folder:ident :: $strategy:ident),* $(,)?) => {
        /// Every strategy votehub knows, one line each.
        pub static REGISTRY: &[&dyn Strategy] = &[$(&$folder::$strategy),*];

        static DOCUMENTS: &[Documents] = &[$(Documents {
            about: include_str!(concat!(stringify!($folder), "/README.md")),
            schema: include_str!(concat!(stringify!($folder), "/schema.json")),
            examples: include_str!(concat!(stringify!($folder), "/examples.json")),
        }),*];
    };
}

registry! {
    erc20_balance_of::Erc20BalanceOf,
    ticket::Ticket,
    whitelist::Whitelist,
    erc20_votes::Erc20Votes,
    comp_like_votes::CompLikeVotes,
    eth_balance::EthBalance,
    math::Math,
}

/// The folder documents of the strategy called `name`.
pub fn documents(name: &str) -> Option<&'static Documents> {
    REGISTRY
        .iter()
        .position(|strategy| strategy.name() == name)
        .and_then(|index| DOCUMENTS.get(index))
}

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

/// `params.address`: a contract address (`0x` and 40 hex digits, any case).
fn address_param<'p>(strategy: &'static str, params: &'p Value) -> Result<&'p str, StrategyError> {
    params
        .get("address")
        .and_then(Value::as_str)
        .filter(|a| {
            a.len() == 42 && a.starts_with("0x") && a[2..].bytes().all(|b| b.is_ascii_hexdigit())
        })
        .ok_or_else(|| params_error(strategy, "address must be a token contract address"))
}

/// `params.decimals`, an integer from 0 to 77 (`18.0` counts as `18`);
/// `default` when absent or null.
fn decimals_param(
    strategy: &'static str,
    params: &Value,
    default: u32,
) -> Result<u32, StrategyError> {
    let decimals = match params.get("decimals") {
        None | Some(Value::Null) => return Ok(default),
        Some(value) => value.as_u64().or_else(|| {
            value
                .as_f64()
                .filter(|d| d.fract() == 0.0 && *d >= 0.0 && *d <= 77.0)
                .map(|d| d as u64)
        }),
    };
    decimals
        .filter(|d| *d <= 77)
        .map(|d| d as u32)
        .ok_or_else(|| params_error(strategy, "decimals must be an integer from 0 to 77"))
}

/// A batch read from the source, as one amount per address, or the
/// `StrategyError::Source` to report. `what` names what was read, for the
/// message when the source answers with the wrong number of values.
fn one_per_address(
    strategy: &'static str,
    block: u64,
    what: impl FnOnce() -> String,
    read: Result<Vec<U256>, SourceError>,
    addresses: &[String],
) -> Result<Vec<U256>, StrategyError> {
    let source_error = |source| StrategyError::Source {
        strategy,
        block,
        source,
    };
    let amounts = read.map_err(source_error)?;
    // Zipping by position would give one voter another's amount.
    if amounts.len() != addresses.len() {
        return Err(source_error(SourceError::Failed(format!(
            "returned {} {} for {} address(es)",
            amounts.len(),
            what(),
            addresses.len()
        ))));
    }
    Ok(amounts)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Implements only the required method, as votehub's imported snapshots do.
    struct Erc20Only;

    impl BalanceSource for Erc20Only {
        fn erc20_balances(
            &self,
            _network: &str,
            _token: &str,
            _block: u64,
            addresses: &[String],
        ) -> Result<Vec<U256>, SourceError> {
            Ok(vec![U256::zero(); addresses.len()])
        }
    }

    #[test]
    fn default_source_methods_say_what_is_missing() {
        let addresses = ["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".to_string()];
        assert_eq!(
            Erc20Only.eth_balances("1", 17_000_000, &addresses),
            Err(SourceError::Failed(
                "native (ETH) balances on network 1 are not available from this source".into()
            ))
        );
        assert_eq!(
            Erc20Only.token_votes(
                "1",
                "0x1f9840a85d5aF5bf1D1762F925BDADdC4201F984",
                17_000_000,
                VotesMethod::GetPastVotes,
                &addresses
            ),
            Err(SourceError::Failed(
                "getPastVotes votes of token 0x1f9840a85d5aF5bf1D1762F925BDADdC4201F984 on network 1 are not available from this source".into()
            ))
        );
    }

    #[test]
    fn votes_methods_round_trip_their_names() {
        for method in VotesMethod::ALL {
            assert_eq!(VotesMethod::from_name(method.name()), Some(method));
            assert!(method.signature().starts_with(method.name()));
            assert_eq!(
                method.takes_block_argument(),
                method.signature().ends_with(",uint256)")
            );
        }
        assert_eq!(VotesMethod::from_name("getvotes"), None);
    }

    #[test]
    fn decimals_param_accepts_integers_only() {
        let parse = |params: Value| decimals_param("erc20-votes", &params, 18);
        assert_eq!(parse(serde_json::json!({})), Ok(18));
        assert_eq!(parse(serde_json::json!({ "decimals": null })), Ok(18));
        assert_eq!(parse(serde_json::json!({ "decimals": 0 })), Ok(0));
        assert_eq!(parse(serde_json::json!({ "decimals": 6.0 })), Ok(6));
        assert_eq!(parse(serde_json::json!({ "decimals": 77 })), Ok(77));
        for bad in [
            serde_json::json!({ "decimals": 78 }),
            serde_json::json!({ "decimals": 1.5 }),
            serde_json::json!({ "decimals": -1 }),
            serde_json::json!({ "decimals": "18" }),
        ] {
            assert_eq!(
                parse(bad),
                Err(params_error(
                    "erc20-votes",
                    "decimals must be an integer from 0 to 77"
                ))
            );
        }
    }
}
