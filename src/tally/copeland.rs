//! `copeland`: pairwise comparisons (§16.7). A choice earns a point for each
//! side of a pairwise win and half for a tie; average support breaks ties in
//! points; the points are rescaled to the valid total.

use serde_json::Value;

use super::parse::full_ranking;
use super::{Ballot, Counting, Tally};

/// Valid: a full ranking, every choice exactly once (partial ballots refused
/// since snapshot.js PR #1214, because copeland would read unranked choices as
/// "no opinion").
#[derive(Debug, Clone, Copy, Default)]
pub struct Copeland;

/// One column of the count: headline (`balance`) or one strategy.
///
/// `rankings` are the valid ballots in input order with their power in this
/// column; `total` is that power summed over them. When no points were
/// awarded (only possible with one choice) the headline splits its total
/// equally whatever its sign, a strategy column only when its total is > 0.
fn column(n: usize, rankings: &[(&[usize], f64)], total: f64, headline: bool) -> Vec<f64> {
    let mut pairwise = vec![vec![0.0_f64; n]; n];
    let mut support = vec![0.0_f64; n];
    for (ranking, power) in rankings {
        for (rank, &above) in ranking.iter().enumerate() {
            for &below in &ranking[rank + 1..] {
                pairwise[above][below] += power;
                pairwise[below][above] -= power;
                support[above] += power;
            }
        }
    }

    // Every ordered pair is visited from both sides, so a pairwise win is
    // worth 2 points and a pairwise tie 1 to each side.
    let mut points = vec![0.0_f64; n];
    for i in 0..n {
        for j in 0..n {
            if i == j {
                continue;
            }
            let p = pairwise[i][j];
            if p > 0.0 {
                points[i] += 1.0;
            } else if p < 0.0 {
                points[j] += 1.0;
            } else {
                points[i] += 0.5;
                points[j] += 0.5;
            }
        }
    }

    // Average-support tie-break (snapshot.js PR #1210): below 0.5, so it
    // orders choices with equal points without overturning a pairwise result.
    if total > 0.0 && n > 1 {
        let scale = (n - 1) as f64 * total;
        for (p, s) in points.iter_mut().zip(&support) {
            *p += 0.5 * s / scale;
        }
    }

    let points_sum = points.iter().fold(0.0, |sum, p| sum + p);
    if points_sum > 0.0 {
        points.iter().map(|p| p / points_sum * total).collect()
    } else if headline || total > 0.0 {
        vec![total / n as f64; n]
    } else {
        vec![0.0; n]
    }
}

impl Counting for Copeland {
    fn is_valid(&self, choice: &Value, n_choices: usize) -> bool {
        full_ranking(choice, n_choices).is_some()
    }

    /// Headline from balances with `scores_total` = valid balances only; each
    /// strategy column the same from its own power and column total.
    fn count(&self, n_choices: usize, n_strategies: usize, ballots: &[Ballot<'_>]) -> Tally {
        let valid: Vec<(Vec<usize>, &Ballot)> = ballots
            .iter()
            .filter_map(|b| full_ranking(b.choice, n_choices).map(|r| (r, b)))
            .collect();
        let with_power = |power: &dyn Fn(&Ballot) -> f64| -> (Vec<(&[usize], f64)>, f64) {
            let rows: Vec<(&[usize], f64)> = valid
                .iter()
                .map(|(r, b)| (r.as_slice(), power(b)))
                .collect();
            let total = rows.iter().fold(0.0, |sum, (_, p)| sum + p);
            (rows, total)
        };

        let (rows, valid_total) = with_power(&|b| b.balance);
        let scores = column(n_choices, &rows, valid_total, true);

        let mut scores_by_strategy = vec![vec![0.0; n_strategies]; n_choices];
        for k in 0..n_strategies {
            let (rows, total) = with_power(&|b| b.strategy(k));
            for (row, value) in scores_by_strategy
                .iter_mut()
                .zip(column(n_choices, &rows, total, false))
            {
                row[k] = value;
            }
        }

        Tally {
            scores,
            scores_by_strategy,
            scores_total: valid_total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ballots<'a>(votes: &'a [(Value, f64, Vec<f64>)]) -> Vec<Ballot<'a>> {
        votes
            .iter()
            .map(|(choice, balance, scores)| Ballot {
                choice,
                balance: *balance,
                scores,
            })
            .collect()
    }

    #[test]
    fn protocol_check() {
        let votes = [
            (json!([1, 2, 3]), 10.0, vec![10.0]),
            (json!([2, 3, 1]), 6.0, vec![6.0]),
            (json!([3, 1, 2]), 5.0, vec![5.0]),
            (json!([1, 2]), 50.0, vec![50.0]),
        ];
        let tally = Copeland.count(3, 1, &ballots(&votes));
        assert_eq!(
            tally.scores,
            vec![7.148148148148148, 7.037037037037036, 6.814814814814816]
        );
        assert_eq!(tally.scores_total, 21.0);
        let column: Vec<f64> = tally.scores_by_strategy.iter().map(|r| r[0]).collect();
        assert_eq!(column, tally.scores);
    }

    #[test]
    fn non_collinear_strategies_diverge_from_headline() {
        let votes = [
            (json!([1, 2, 3]), 10.0, vec![0.0, 10.0]),
            (json!([1, 2, 3]), 20.0, vec![20.0, 0.0]),
            (json!([1, 3, 2]), 30.0, vec![0.0, 30.0]),
        ];
        let tally = Copeland.count(3, 2, &ballots(&votes));
        assert_eq!(tally.scores, vec![40.0, 10.0, 10.0]);
        assert_eq!(
            tally.scores_by_strategy,
            vec![
                vec![13.333333333333332, 26.666666666666664],
                vec![6.666666666666666, 0.37037037037037035],
                vec![0.0, 12.962962962962962],
            ]
        );
    }

    #[test]
    fn no_votes_scores_zero() {
        let tally = Copeland.count(3, 1, &[]);
        assert_eq!(tally, Tally::zeros(3, 1, 0.0));
    }

    #[test]
    fn single_choice_proposal_gets_the_whole_total() {
        let votes = [(json!([1]), 4.0, vec![4.0])];
        let tally = Copeland.count(1, 1, &ballots(&votes));
        assert_eq!(tally.scores, vec![4.0]);
        assert_eq!(tally.scores_by_strategy, vec![vec![4.0]]);
    }

    /// Invalid ballots do not count in copeland's total, unlike other types.
    #[test]
    fn total_counts_valid_ballots_only() {
        let votes = [
            (json!([2, 1]), 3.0, vec![3.0]),
            (json!([2]), 5.0, vec![5.0]),
        ];
        let tally = Copeland.count(2, 1, &ballots(&votes));
        assert_eq!(tally.scores_total, 3.0);
        assert_eq!(tally.scores[0] + tally.scores[1], 3.0);
        assert!(tally.scores[1] > tally.scores[0]);
    }
}
