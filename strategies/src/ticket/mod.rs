//! `ticket`: every address gets `params.value` (default 1).

use serde_json::Value;

use crate::{params_error, Context, Strategy, StrategyError};

/// One vote per address, of a fixed weight.
pub struct Ticket;

impl Strategy for Ticket {
    fn name(&self) -> &'static str {
        "ticket"
    }

    fn scores(
        &self,
        _context: &Context<'_>,
        params: &Value,
        addresses: &[String],
    ) -> Result<Vec<f64>, StrategyError> {
        let value = match params.get("value") {
            None | Some(Value::Null) => 1.0,
            Some(value) => value
                .as_f64()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| params_error("ticket", "value must be a non-negative number"))?,
        };
        Ok(vec![value; addresses.len()])
    }
}
