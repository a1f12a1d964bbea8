//! `whitelist`: 1 for each listed address (case-insensitive), else 0; or, when
//! `params.addresses` is an object, the weight listed for the address.

use serde_json::Value;

use crate::{params_error, Context, Strategy, StrategyError};

/// A fixed list of voters, optionally weighted.
pub struct Whitelist;

impl Strategy for Whitelist {
    fn name(&self) -> &'static str {
        "whitelist"
    }

    fn scores(
        &self,
        _context: &Context<'_>,
        params: &Value,
        addresses: &[String],
    ) -> Result<Vec<f64>, StrategyError> {
        let weight_of: Box<dyn Fn(&str) -> f64> = match params.get("addresses") {
            Some(Value::Array(list)) => {
                let listed: std::collections::HashSet<String> = list
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_lowercase)
                    .collect();
                Box::new(move |address| if listed.contains(address) { 1.0 } else { 0.0 })
            }
            Some(Value::Object(weights)) => {
                let mut listed = std::collections::HashMap::new();
                for (address, weight) in weights {
                    let weight = weight
                        .as_f64()
                        .filter(|w| w.is_finite() && *w >= 0.0)
                        .ok_or_else(|| {
                            params_error(
                                "whitelist",
                                format!("weight of {address} must be a non-negative number"),
                            )
                        })?;
                    listed.insert(address.to_lowercase(), weight);
                }
                Box::new(move |address| listed.get(address).copied().unwrap_or(0.0))
            }
            _ => {
                return Err(params_error(
                    "whitelist",
                    "addresses must be a list or an address -> weight map",
                ))
            }
        };
        Ok(addresses
            .iter()
            .map(|address| weight_of(&address.to_lowercase()))
            .collect())
    }
}
