//! `approval`: each valid ballot backs every choice it lists with its whole
//! balance (§16.3).

use serde_json::Value;

use super::parse::distinct_indices;
use super::{sum_balances, Ballot, Counting, Tally};

/// Valid: an array of distinct existing choice numbers. An empty array is
/// valid: it backs nothing, but its balance counts in the total.
#[derive(Debug, Clone, Copy, Default)]
pub struct Approval;

impl Counting for Approval {
    fn is_valid(&self, choice: &Value, n_choices: usize) -> bool {
        distinct_indices(choice, n_choices).is_some()
    }

    /// `score_i = Σ b_v` over valid ballots listing `i`, in input order; by
    /// strategy likewise with `s_v[k]`.
    fn count(&self, n_choices: usize, n_strategies: usize, ballots: &[Ballot<'_>]) -> Tally {
        let mut tally = Tally::zeros(n_choices, n_strategies, sum_balances(ballots));
        for ballot in ballots {
            let Some(approved) = distinct_indices(ballot.choice, n_choices) else {
                continue;
            };
            // Order within a ballot does not matter: each choice appears once.
            for i in approved {
                tally.scores[i] += ballot.balance;
                for (k, cell) in tally.scores_by_strategy[i].iter_mut().enumerate() {
                    *cell += ballot.strategy(k);
                }
            }
        }
        tally
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn empty_approval_counts_only_in_total() {
        let (both, none, bad) = (json!([1, 2]), json!([]), json!([1, 1]));
        let ballots = [
            Ballot {
                choice: &both,
                balance: 3.0,
                scores: &[3.0],
            },
            Ballot {
                choice: &none,
                balance: 4.0,
                scores: &[4.0],
            },
            Ballot {
                choice: &bad,
                balance: 5.0,
                scores: &[5.0],
            },
        ];
        let tally = Approval.count(3, 1, &ballots);
        assert_eq!(tally.scores, vec![3.0, 3.0, 0.0]);
        assert_eq!(
            tally.scores_by_strategy,
            vec![vec![3.0], vec![3.0], vec![0.0]]
        );
        assert_eq!(tally.scores_total, 12.0);
    }
}
