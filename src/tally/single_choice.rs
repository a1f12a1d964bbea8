//! `single-choice` (and `basic`): each valid ballot backs one choice with its
//! whole balance (§16.2).

use serde_json::Value;

use super::parse::choice_index;
use super::{sum_balances, Ballot, Counting, Tally};

/// Valid: an integer from 1 to the number of choices.
#[derive(Debug, Clone, Copy, Default)]
pub struct SingleChoice;

impl Counting for SingleChoice {
    fn is_valid(&self, choice: &Value, n_choices: usize) -> bool {
        choice_index(choice, n_choices).is_some()
    }

    /// `score_i = Σ b_v` and `byStrategy[i][k] = Σ s_v[k]` over valid ballots
    /// choosing `i`, summed in input order.
    fn count(&self, n_choices: usize, n_strategies: usize, ballots: &[Ballot<'_>]) -> Tally {
        let mut tally = Tally::zeros(n_choices, n_strategies, sum_balances(ballots));
        for ballot in ballots {
            let Some(i) = choice_index(ballot.choice, n_choices) else {
                continue;
            };
            tally.scores[i] += ballot.balance;
            for (k, cell) in tally.scores_by_strategy[i].iter_mut().enumerate() {
                *cell += ballot.strategy(k);
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
    fn counts_valid_ballots_and_totals_all() {
        let choices = [json!(1), json!(2), json!(1), json!(4), json!("1")];
        let balances = [10.0, 5.0, 2.5, 7.0, 1.0];
        let scores: Vec<[f64; 2]> = balances.iter().map(|b| [b * 0.5, b * 0.5]).collect();
        let ballots = crate::tally::ballots_from(&choices, &balances, &scores);
        let tally = SingleChoice.count(3, 2, &ballots);
        assert_eq!(tally.scores, vec![12.5, 5.0, 0.0]);
        assert_eq!(
            tally.scores_by_strategy,
            vec![vec![6.25, 6.25], vec![2.5, 2.5], vec![0.0, 0.0]]
        );
        assert_eq!(tally.scores_total, 25.5);
    }

    #[test]
    fn no_ballots() {
        assert_eq!(SingleChoice.count(2, 1, &[]), Tally::zeros(2, 1, 0.0));
    }
}
