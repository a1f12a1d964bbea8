//! `quadratic` (§16.4): each ballot spreads its balance over choices by share;
//! a choice's strength is the square of the summed square roots, and the
//! strengths are rescaled to add up to the valid total (so quorum keeps its
//! meaning in voting-power units).

use serde_json::Value;

use super::parse::{nan_to_zero, weights, Weights};
use super::{sum_balances, Ballot, Counting, Tally};

/// Valid: a non-empty map of existing choice numbers to finite weights ≥ 0,
/// at least one > 0 (the same rule as weighted).
#[derive(Debug, Clone, Copy, Default)]
pub struct Quadratic;

impl Counting for Quadratic {
    fn is_valid(&self, choice: &Value, n_choices: usize) -> bool {
        weights(choice, n_choices).is_some()
    }

    /// `q_i = (Σ_v sqrt(p_{v,i} · b_v))²`, `score_i = T · (q_i / Σ q)` with the
    /// fraction 0 when NaN; by strategy the same from `s_v[k]`, normalised over
    /// the whole matrix and still scaled by `T`.
    fn count(&self, n_choices: usize, n_strategies: usize, ballots: &[Ballot<'_>]) -> Tally {
        let valid: Vec<(&Ballot, Weights)> = ballots
            .iter()
            .filter_map(|b| weights(b.choice, n_choices).map(|w| (b, w)))
            .collect();
        let valid_total = sum_balances(valid.iter().map(|(b, _)| *b));

        let strength = |i: usize, power: &dyn Fn(&Ballot) -> f64| {
            let root_sum = valid
                .iter()
                .fold(0.0, |sum, (b, w)| sum + (w.share(i) * power(b)).sqrt());
            root_sum * root_sum
        };

        let q: Vec<f64> = (0..n_choices)
            .map(|i| strength(i, &|b| b.balance))
            .collect();
        let q_sum = q.iter().fold(0.0, |sum, x| sum + x);
        let scores = q
            .iter()
            .map(|qi| valid_total * nan_to_zero(qi / q_sum))
            .collect();

        let q_by: Vec<Vec<f64>> = (0..n_choices)
            .map(|i| {
                (0..n_strategies)
                    .map(|k| strength(i, &|b| b.strategy(k)))
                    .collect()
            })
            .collect();
        let q_by_sum = q_by.iter().flatten().fold(0.0, |sum, x| sum + x);
        let scores_by_strategy = q_by
            .iter()
            .map(|row| {
                row.iter()
                    .map(|qik| valid_total * nan_to_zero(qik / q_by_sum))
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
        let tally = Quadratic.count(3, 1, &ballots);
        assert_eq!(
            tally.scores,
            vec![143.1818181818182, 15.90909090909091, 15.90909090909091]
        );
        assert_eq!(tally.scores.iter().sum::<f64>(), 175.0);
        assert_eq!(tally.scores_total, 182.0);
        let column: Vec<f64> = tally.scores_by_strategy.iter().map(|r| r[0]).collect();
        assert_eq!(column, tally.scores);
    }

    /// snapshot-docs: 9 on A from one voter against 4, 1 and 1 on B from three
    /// voters gives A 9 and B 16, so A 36 % and B 64 %.
    #[test]
    fn docs_example() {
        let (a, b) = (json!({"1": 1}), json!({"2": 1}));
        let ballots = [
            Ballot {
                choice: &a,
                balance: 9.0,
                scores: &[9.0],
            },
            Ballot {
                choice: &b,
                balance: 4.0,
                scores: &[4.0],
            },
            Ballot {
                choice: &b,
                balance: 1.0,
                scores: &[1.0],
            },
            Ballot {
                choice: &b,
                balance: 1.0,
                scores: &[1.0],
            },
        ];
        let tally = Quadratic.count(2, 1, &ballots);
        assert_eq!(tally.scores_total, 15.0);
        let share = |i: usize| tally.scores[i] / tally.scores_total;
        assert!((share(0) - 0.36).abs() < 1e-12);
        assert!((share(1) - 0.64).abs() < 1e-12);
    }

    #[test]
    fn no_valid_ballots_gives_zeros_not_nan() {
        let bad = json!({"1": 0});
        let ballots = [Ballot {
            choice: &bad,
            balance: 5.0,
            scores: &[5.0],
        }];
        assert_eq!(Quadratic.count(2, 1, &ballots), Tally::zeros(2, 1, 5.0));
    }
}
