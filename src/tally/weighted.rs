//! `weighted` (§16.5): each ballot splits its balance over choices in
//! proportion to its weights; the sums are rescaled to the valid total.

use serde_json::Value;

use super::parse::{nan_to_zero, weights, Weights};
use super::{sum_balances, Ballot, Counting, Tally};

/// Valid: the same rule as quadratic.
#[derive(Debug, Clone, Copy, Default)]
pub struct Weighted;

/// Upstream's `weightedPower`: `((w / W) · 100 / 100) · power`. The detour
/// through a percentage is kept because it changes the last bits.
fn contribution(w: &Weights, i: usize, power: f64) -> f64 {
    (w.share(i) * 100.0 / 100.0) * power
}

/// Upstream's `(T / 100) · ((r / Σ r) · 100)`, percentage 0 when NaN.
fn rescale(valid_total: f64, r: f64, r_sum: f64) -> f64 {
    (valid_total / 100.0) * nan_to_zero(r / r_sum * 100.0)
}

impl Counting for Weighted {
    fn is_valid(&self, choice: &Value, n_choices: usize) -> bool {
        weights(choice, n_choices).is_some()
    }

    /// `r_i = Σ_v (pct_{v,i} / 100) · b_v`, `score_i = (T / 100) · P_i` with
    /// `P_i = (r_i / Σ r) · 100`; by strategy from `s_v[k]`, normalised over
    /// the whole matrix and still scaled by `T`.
    fn count(&self, n_choices: usize, n_strategies: usize, ballots: &[Ballot<'_>]) -> Tally {
        let valid: Vec<(&Ballot, Weights)> = ballots
            .iter()
            .filter_map(|b| weights(b.choice, n_choices).map(|w| (b, w)))
            .collect();
        let valid_total = sum_balances(valid.iter().map(|(b, _)| *b));

        let power_for = |i: usize, power: &dyn Fn(&Ballot) -> f64| {
            valid
                .iter()
                .fold(0.0, |sum, (b, w)| sum + contribution(w, i, power(b)))
        };

        let r: Vec<f64> = (0..n_choices)
            .map(|i| power_for(i, &|b| b.balance))
            .collect();
        let r_sum = r.iter().fold(0.0, |sum, x| sum + x);
        let scores = r
            .iter()
            .map(|ri| rescale(valid_total, *ri, r_sum))
            .collect();

        let r_by: Vec<Vec<f64>> = (0..n_choices)
            .map(|i| {
                (0..n_strategies)
                    .map(|k| power_for(i, &|b| b.strategy(k)))
                    .collect()
            })
            .collect();
        let r_by_sum = r_by.iter().flatten().fold(0.0, |sum, x| sum + x);
        let scores_by_strategy = r_by
            .iter()
            .map(|row| {
                row.iter()
                    .map(|rik| rescale(valid_total, *rik, r_by_sum))
                    .collect()
            })
            .collect();

        Tally {
            scores,
            scores_by_strategy,
            scores_total: sum_balances(ballots),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn protocol_check() {
        let choices = [
            json!({"1": 1}),
            json!({"1": 1, "2": 1}),
            json!({"3": 1}),
            json!({"4": 1}),
        ];
        let balances = [100.0, 50.0, 25.0, 7.0];
        let scores: Vec<[f64; 1]> = balances.iter().map(|b| [*b]).collect();
        let ballots = crate::tally::ballots_from(&choices, &balances, &scores);
        let tally = Weighted.count(3, 1, &ballots);
        assert_eq!(tally.scores, vec![125.0, 25.0, 25.0]);
        assert_eq!(tally.scores_total, 182.0);
        assert_eq!(
            tally.scores_by_strategy,
            vec![vec![125.0], vec![25.0], vec![25.0]]
        );
    }

    #[test]
    fn weights_are_proportions() {
        let split = json!({"1": 3, "2": 1});
        let ballots = [Ballot {
            choice: &split,
            balance: 8.0,
            scores: &[2.0, 6.0],
        }];
        let tally = Weighted.count(2, 2, &ballots);
        assert_eq!(tally.scores, vec![6.0, 2.0]);
        // Normalised over the whole matrix, scaled by the balance total.
        assert_eq!(
            tally.scores_by_strategy,
            vec![vec![1.5, 4.5], vec![0.5, 1.5]]
        );
    }
}
