//! `ranked-choice`: instant-runoff voting (§16.6, upstream `irv()`).

use std::collections::BTreeMap;

use serde_json::Value;

use super::parse::full_ranking;
use super::{sum_balances, Ballot, Counting, Tally};

/// Valid: a full ranking, every choice exactly once (partial rankings were
/// refused upstream in snapshot-v1#1972).
#[derive(Debug, Clone, Copy, Default)]
pub struct RankedChoice;

/// A valid ballot: its full ranking (0-based), balance and per-strategy power.
struct Live {
    ranking: Vec<usize>,
    balance: f64,
    scores: Vec<f64>,
}

/// A candidate's tally in one round: balance of the ballots ranking it first,
/// and the same per strategy (`None` until a ballot ranks it first, as
/// upstream's empty per-strategy array; it reads as 0).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RoundTally {
    pub total: f64,
    pub by_strategy: Option<Vec<f64>>,
}

/// Runs the rounds and returns the last one, keyed by 0-based choice.
///
/// Candidates are every choice still on some remaining ballot, as upstream
/// builds them (`new Set(ballots.map(b => b[0]).flat())` flattens whole
/// rankings): a choice nobody ranks first is a candidate with tally 0. §16.6
/// words this as "distinct first preferences"; the upstream fixture
/// `final_round` ("choices with no first-place votes") shows the zero
/// candidates, so the code's rule is followed. It matters for the
/// fewer-than-3 stop rule and for which choice is eliminated.
///
/// Every valid ballot is a full ranking, so the choices on the remaining
/// ballots are exactly those not yet eliminated, and no ballot runs empty
/// before the fewer-than-3 stop. Rounds therefore keep an `eliminated` flag
/// per choice instead of editing a million rankings, and a ballot's first
/// preference is its first choice not eliminated; sums still run over the
/// ballots in input order, so the result is unchanged bit for bit.
pub(crate) fn final_round(
    n_choices: usize,
    n_strategies: usize,
    ballots: &[Ballot<'_>],
) -> BTreeMap<usize, RoundTally> {
    let live: Vec<Live> = ballots
        .iter()
        .filter_map(|b| {
            full_ranking(b.choice, n_choices).map(|ranking| Live {
                ranking,
                balance: b.balance,
                scores: (0..n_strategies).map(|k| b.strategy(k)).collect(),
            })
        })
        .collect();
    let remaining_total = live.iter().fold(0.0, |sum, b| sum + b.balance);
    let mut eliminated = vec![false; n_choices];
    loop {
        let mut round: BTreeMap<usize, RoundTally> = if live.is_empty() {
            BTreeMap::new()
        } else {
            (0..n_choices)
                .filter(|c| !eliminated[*c])
                .map(|c| {
                    (
                        c,
                        RoundTally {
                            total: 0.0,
                            by_strategy: None,
                        },
                    )
                })
                .collect()
        };
        for ballot in &live {
            let first = ballot.ranking.iter().find(|c| !eliminated[**c]);
            let Some(tally) = first.and_then(|first| round.get_mut(first)) else {
                continue;
            };
            tally.total += ballot.balance;
            match &mut tally.by_strategy {
                Some(sums) => sums
                    .iter_mut()
                    .zip(&ballot.scores)
                    .for_each(|(s, x)| *s += x),
                None => tally.by_strategy = Some(ballot.scores.clone()),
            }
        }

        // Ascending choice order; strict comparisons keep the first of equals,
        // so a tie for last eliminates the lowest choice number.
        let mut top = f64::NEG_INFINITY;
        let mut bottom: Option<(usize, f64)> = None;
        for (c, t) in &round {
            if t.total > top {
                top = t.total;
            }
            if t.total < bottom.map_or(f64::INFINITY, |(_, m)| m) {
                bottom = Some((*c, t.total));
            }
        }
        // No bottom (no candidates, or only NaN/∞ tallies) would loop forever
        // upstream; stopping is the only terminating reading.
        let Some((bottom, _)) = bottom else {
            return round;
        };
        if top > remaining_total / 2.0 || round.len() < 3 {
            return round;
        }
        eliminated[bottom] = true;
    }
}

impl Counting for RankedChoice {
    fn is_valid(&self, choice: &Value, n_choices: usize) -> bool {
        full_ranking(choice, n_choices).is_some()
    }

    /// The last round's tallies at their choice positions, 0 for every choice
    /// not in it; by strategy from the per-strategy sums carried through the
    /// rounds.
    fn count(&self, n_choices: usize, n_strategies: usize, ballots: &[Ballot<'_>]) -> Tally {
        let last = final_round(n_choices, n_strategies, ballots);
        let mut tally = Tally::zeros(n_choices, n_strategies, sum_balances(ballots));
        for (c, t) in last {
            tally.scores[c] = 0.0 + t.total;
            if let Some(sums) = t.by_strategy {
                for (cell, s) in tally.scores_by_strategy[c].iter_mut().zip(sums) {
                    *cell = 0.0 + s;
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

    fn run(n: usize, votes: &[(Value, f64)]) -> Tally {
        let scores: Vec<[f64; 1]> = votes.iter().map(|(_, b)| [*b]).collect();
        let ballots: Vec<Ballot> = votes
            .iter()
            .zip(&scores)
            .map(|((choice, balance), scores)| Ballot {
                choice,
                balance: *balance,
                scores,
            })
            .collect();
        RankedChoice.count(n, 1, &ballots)
    }

    #[test]
    fn protocol_check() {
        let tally = run(
            4,
            &[
                (json!([1, 2, 3, 4]), 40.0),
                (json!([2, 3, 1, 4]), 30.0),
                (json!([3, 2, 1, 4]), 20.0),
                (json!([4, 2, 1, 3]), 15.0),
                (json!([1, 2]), 99.0),
            ],
        );
        assert_eq!(tally.scores, vec![40.0, 65.0, 0.0, 0.0]);
        assert_eq!(
            tally.scores_by_strategy,
            vec![vec![40.0], vec![65.0], vec![0.0], vec![0.0]]
        );
        assert_eq!(tally.scores_total, 204.0);
    }

    /// Upstream spec "multiple elimination rounds": 4 goes, then 1 and 3 tie
    /// for last at 150 and the lower number (1) goes.
    #[test]
    fn tie_for_last_eliminates_lowest_choice_number() {
        let tally = run(
            4,
            &[
                (json!([1, 2, 3, 4]), 100.0),
                (json!([2, 1, 3, 4]), 200.0),
                (json!([3, 1, 2, 4]), 150.0),
                (json!([4, 1, 2, 3]), 50.0),
            ],
        );
        assert_eq!(tally.scores, vec![0.0, 350.0, 150.0, 0.0]);
    }

    /// Upstream spec "choices with no first-place votes": 3 and 4 stay in the
    /// final round with 0 and an empty per-strategy array.
    #[test]
    fn zero_first_preference_choices_are_candidates() {
        let votes = [
            (json!([1, 2, 3, 4]), 100.0),
            (json!([1, 3, 2, 4]), 200.0),
            (json!([2, 1, 3, 4]), 150.0),
            (json!([2, 3, 1, 4]), 300.0),
        ];
        let scores: Vec<[f64; 1]> = votes.iter().map(|(_, b)| [*b]).collect();
        let ballots: Vec<Ballot> = votes
            .iter()
            .zip(&scores)
            .map(|((choice, balance), scores)| Ballot {
                choice,
                balance: *balance,
                scores,
            })
            .collect();
        let last = final_round(4, 1, &ballots);
        let zero = RoundTally {
            total: 0.0,
            by_strategy: None,
        };
        let expected: BTreeMap<usize, RoundTally> = [
            (
                0,
                RoundTally {
                    total: 300.0,
                    by_strategy: Some(vec![300.0]),
                },
            ),
            (
                1,
                RoundTally {
                    total: 450.0,
                    by_strategy: Some(vec![450.0]),
                },
            ),
            (2, zero.clone()),
            (3, zero),
        ]
        .into();
        assert_eq!(last, expected);
    }

    /// Where the candidate rule decides the winner: choice 6 has no first
    /// preferences but is the next choice of the 3 and 5 ballots. Upstream
    /// eliminates the zero-tally 4 and 6 first, so those ballots flow to 1,
    /// which wins 52 to 21. Counting first preferences only, 6 would collect
    /// them (32) and 2 would win 41 to 32.
    #[test]
    fn zero_tally_choices_go_first() {
        let tally = run(
            6,
            &[
                (json!([1, 2, 3, 4, 5, 6]), 20.0),
                (json!([2, 1, 3, 4, 5, 6]), 21.0),
                (json!([3, 6, 1, 2, 4, 5]), 16.0),
                (json!([5, 6, 1, 2, 3, 4]), 16.0),
            ],
        );
        assert_eq!(tally.scores, vec![52.0, 21.0, 0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn strategies_are_carried_through_rounds() {
        let votes = [
            (json!([1, 2, 3]), 5.0, [1.0, 4.0]),
            (json!([2, 1, 3]), 4.0, [4.0, 0.0]),
            (json!([3, 1, 2]), 2.0, [1.0, 1.0]),
        ];
        let ballots: Vec<Ballot> = votes
            .iter()
            .map(|(choice, balance, scores)| Ballot {
                choice,
                balance: *balance,
                scores,
            })
            .collect();
        let tally = RankedChoice.count(3, 2, &ballots);
        assert_eq!(tally.scores, vec![7.0, 4.0, 0.0]);
        assert_eq!(
            tally.scores_by_strategy,
            vec![vec![2.0, 5.0], vec![4.0, 0.0], vec![0.0, 0.0]]
        );
    }

    #[test]
    fn no_valid_ballots() {
        let tally = run(3, &[(json!([1]), 3.0)]);
        assert_eq!(tally, Tally::zeros(3, 1, 3.0));
    }
}
