//! `erc20-balance-of`: the token balance at the snapshot block, scaled by
//! `params.decimals`.

use serde_json::Value;

use crate::{params_error, units, Context, Strategy, StrategyError};

/// ERC-20 `balanceOf` at the snapshot block.
pub struct Erc20BalanceOf;

impl Strategy for Erc20BalanceOf {
    fn name(&self) -> &'static str {
        "erc20-balance-of"
    }

    fn scores(
        &self,
        context: &Context<'_>,
        params: &Value,
        addresses: &[String],
    ) -> Result<Vec<f64>, StrategyError> {
        let token = params
            .get("address")
            .and_then(Value::as_str)
            .filter(|a| {
                a.len() == 42
                    && a.starts_with("0x")
                    && a[2..].bytes().all(|b| b.is_ascii_hexdigit())
            })
            .ok_or_else(|| params_error(self.name(), "address must be a token contract address"))?;
        let decimals = params
            .get("decimals")
            .and_then(Value::as_u64)
            .filter(|d| *d <= 77)
            .ok_or_else(|| params_error(self.name(), "decimals must be an integer from 0 to 77"))?;
        let balances = context
            .source
            .erc20_balances(context.network, token, context.snapshot, addresses)
            .map_err(|source| StrategyError::Source {
                strategy: self.name(),
                block: context.snapshot,
                source,
            })?;
        Ok(balances
            .into_iter()
            .map(|balance| units::to_real(balance, decimals as u32))
            .collect())
    }
}
