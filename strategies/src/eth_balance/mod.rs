//! `eth-balance`: the native-coin balance at the snapshot block, scaled by
//! `params.decimals` (18 when absent or 0, as Snapshot's `decimals || 18`).

use serde_json::Value;

use crate::{decimals_param, one_per_address, units, Context, Strategy, StrategyError};

/// Native-coin (ETH) balance at the snapshot block.
pub struct EthBalance;

impl Strategy for EthBalance {
    fn name(&self) -> &'static str {
        "eth-balance"
    }

    fn scores(
        &self,
        context: &Context<'_>,
        params: &Value,
        addresses: &[String],
    ) -> Result<Vec<f64>, StrategyError> {
        // Snapshot computes `options.decimals || 18`: 0 means 18 too.
        let decimals = match decimals_param(self.name(), params, 18)? {
            0 => 18,
            decimals => decimals,
        };
        let balances = one_per_address(
            self.name(),
            context.snapshot,
            || "ETH balance(s)".to_string(),
            context
                .source
                .eth_balances(context.network, context.snapshot, addresses),
            addresses,
        )?;
        Ok(balances
            .into_iter()
            .map(|balance| units::to_real(balance, decimals))
            .collect())
    }
}
