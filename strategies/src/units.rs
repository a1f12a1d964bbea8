//! The one place where integer token amounts become real numbers.
//!
//! Balances stay integers in base units until a strategy reports a voting
//! power. The conversion is Snapshot's `parseFloat(formatUnits(amount,
//! decimals))`: the exact decimal text, then the nearest double, so results
//! match Snapshot's bit for bit.

use primitive_types::U256;

/// `amount / 10^decimals` as the nearest `f64`.
pub fn to_real(amount: U256, decimals: u32) -> f64 {
    let digits = amount.to_string();
    let decimals = decimals as usize;
    let text = if decimals == 0 {
        digits
    } else if digits.len() > decimals {
        let (whole, fraction) = digits.split_at(digits.len() - decimals);
        format!("{whole}.{fraction}")
    } else {
        format!("0.{}{digits}", "0".repeat(decimals - digits.len()))
    };
    text.parse().unwrap_or(f64::INFINITY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert_eq!(to_real(U256::from(1_500_000_000_000_000_000u128), 18), 1.5);
        assert_eq!(to_real(U256::from(5u8), 18), 5e-18);
        assert_eq!(to_real(U256::from(123u8), 0), 123.0);
        assert_eq!(to_real(U256::zero(), 6), 0.0);
        assert_eq!(to_real(U256::MAX, 0), 1.157920892373162e77);
    }
}
