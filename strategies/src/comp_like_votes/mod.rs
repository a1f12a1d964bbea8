//! `comp-like-votes`: Compound-style delegated votes (`getCurrentVotes` at the
//! snapshot block, or `getPriorVotes(account, snapshot)` with
//! `params.method`), scaled by `params.decimals` (18 when absent).

use serde_json::Value;

use crate::{
    address_param, decimals_param, one_per_address, params_error, units, Context, Strategy,
    StrategyError, VotesMethod,
};

/// Delegated votes of a Compound `Comp`-like token.
pub struct CompLikeVotes;

impl Strategy for CompLikeVotes {
    fn name(&self) -> &'static str {
        "comp-like-votes"
    }

    fn scores(
        &self,
        context: &Context<'_>,
        params: &Value,
        addresses: &[String],
    ) -> Result<Vec<f64>, StrategyError> {
        let token = address_param(self.name(), params)?;
        let decimals = decimals_param(self.name(), params, 18)?;
        // Snapshot reads `getCurrentVotes` at the snapshot block tag; the
        // votehub extension `method: "getPriorVotes"` reads
        // `getPriorVotes(account, snapshot)` instead.
        let method = match params.get("method") {
            None | Some(Value::Null) => VotesMethod::GetCurrentVotes,
            Some(Value::String(name)) if name == "getCurrentVotes" => VotesMethod::GetCurrentVotes,
            Some(Value::String(name)) if name == "getPriorVotes" => VotesMethod::GetPriorVotes,
            Some(_) => {
                return Err(params_error(
                    self.name(),
                    "method must be \"getCurrentVotes\" or \"getPriorVotes\"",
                ))
            }
        };
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
