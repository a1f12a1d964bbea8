//! `erc20-balance-of`: the token balance at the snapshot block, scaled by
//! `params.decimals`.

use serde_json::Value;

use crate::{params_error, units, Context, SourceError, Strategy, StrategyError};

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
        // Zipping by position would give one voter another's balance.
        if balances.len() != addresses.len() {
            return Err(StrategyError::Source {
                strategy: self.name(),
                block: context.snapshot,
                source: SourceError::Failed(format!(
                    "returned {} balance(s) of token {token} for {} address(es)",
                    balances.len(),
                    addresses.len()
                )),
            });
        }
        Ok(balances
            .into_iter()
            .map(|balance| units::to_real(balance, decimals as u32))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use primitive_types::U256;
    use serde_json::json;

    use super::*;
    use crate::BalanceSource;

    /// Returns one balance fewer than it is asked for.
    struct ShortSource;

    impl BalanceSource for ShortSource {
        fn erc20_balances(
            &self,
            _network: &str,
            _token: &str,
            _block: u64,
            addresses: &[String],
        ) -> Result<Vec<U256>, SourceError> {
            Ok(vec![U256::one(); addresses.len() - 1])
        }
    }

    #[test]
    fn a_source_returning_the_wrong_count_fails() {
        let token = "0x6B175474E89094C44Da98b954EedeAC495271d0F";
        let context = Context {
            network: "1",
            snapshot: 17_000_000,
            source: &ShortSource,
        };
        let addresses = [
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".to_string(),
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8".to_string(),
        ];
        let error = Erc20BalanceOf
            .scores(
                &context,
                &json!({ "address": token, "decimals": 18 }),
                &addresses,
            )
            .expect_err("1 balance for 2 addresses");
        assert_eq!(
            error,
            StrategyError::Source {
                strategy: "erc20-balance-of",
                block: 17_000_000,
                source: SourceError::Failed(format!(
                    "returned 1 balance(s) of token {token} for 2 address(es)"
                )),
            }
        );
    }
}
