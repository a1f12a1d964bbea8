//! `erc20-votes`: OpenZeppelin `ERC20Votes` delegated votes at the snapshot
//! block, scaled by `params.decimals` (18 when absent).

use serde_json::Value;

use crate::{
    address_param, decimals_param, one_per_address, units, Context, Strategy, StrategyError,
    VotesMethod,
};

/// Delegated votes of an OpenZeppelin `Votes` token.
pub struct Erc20Votes;

impl Strategy for Erc20Votes {
    fn name(&self) -> &'static str {
        "erc20-votes"
    }

    fn scores(
        &self,
        context: &Context<'_>,
        params: &Value,
        addresses: &[String],
    ) -> Result<Vec<f64>, StrategyError> {
        let token = address_param(self.name(), params)?;
        let decimals = decimals_param(self.name(), params, 18)?;
        // Snapshot calls `getVotes(account)` at the snapshot block tag. For an
        // OpenZeppelin token that is the last checkpoint from a block <= the
        // snapshot, which is exactly `getPastVotes(account, snapshot)`; the
        // latter can be answered at any later block, without archive state.
        let method = VotesMethod::GetPastVotes;
        let votes = one_per_address(
            self.name(),
            context.snapshot,
            || format!("{} value(s) of token {token}", method.name()),
            context
                .source
                .token_votes(context.network, token, context.snapshot, method, addresses),
            addresses,
        )?;
        Ok(votes
            .into_iter()
            .map(|amount| units::to_real(amount, decimals))
            .collect())
    }
}
