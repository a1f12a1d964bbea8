//! Voting types: which ballots are valid for a proposal and how valid ballots
//! are counted into per-choice scores, following snapshot.js (protocol §16).
//! Pure functions of their inputs: no IO, no clocks, no hash-map iteration.

mod approval;
mod copeland;
pub mod outcome;
mod parse;
mod quadratic;
mod ranked_choice;
mod single_choice;
mod weighted;

pub use approval::Approval;
pub use copeland::Copeland;
pub use quadratic::Quadratic;
pub use ranked_choice::RankedChoice;
pub use single_choice::SingleChoice;
pub use weighted::Weighted;

use serde_json::Value;

/// One vote as the counting sees it.
#[derive(Debug, Clone, Copy)]
pub struct Ballot<'a> {
    /// The vote's `choice`, in the shape its voting type expects (or not: an
    /// invalid choice is skipped by the count but its balance still counts in
    /// `scores_total` for every type except copeland).
    pub choice: &'a Value,
    /// The voter's total voting power.
    pub balance: f64,
    /// The voter's power per strategy; a missing entry counts as 0.
    pub scores: &'a [f64],
}

impl Ballot<'_> {
    /// Power for strategy `k`, 0 when the ballot carries fewer entries.
    pub(crate) fn strategy(&self, k: usize) -> f64 {
        self.scores.get(k).copied().unwrap_or(0.0)
    }
}

/// A proposal's results, as Snapshot's `getScores`, `getScoresByStrategy` and
/// `getScoresTotal` return them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Tally {
    /// One score per choice (index 0 is choice 1).
    pub scores: Vec<f64>,
    /// Indexed `[choice][strategy]`.
    pub scores_by_strategy: Vec<Vec<f64>>,
    pub scores_total: f64,
}

impl Tally {
    /// All-zero scores of the right shape.
    pub(crate) fn zeros(n_choices: usize, n_strategies: usize, scores_total: f64) -> Tally {
        Tally {
            scores: vec![0.0; n_choices],
            scores_by_strategy: vec![vec![0.0; n_strategies]; n_choices],
            scores_total,
        }
    }
}

/// What each voting type provides: its validity rule and its count.
///
/// Both are required so that a type cannot silently inherit someone else's
/// validity rule.
pub trait Counting {
    /// Snapshot's `isValidChoice` for this type, over `n_choices` 1-based choices.
    fn is_valid(&self, choice: &Value, n_choices: usize) -> bool;

    /// Counts `ballots` (valid and invalid, in input order: float sums run in
    /// that order, so the order is part of the input).
    fn count(&self, n_choices: usize, n_strategies: usize, ballots: &[Ballot<'_>]) -> Tally;
}

/// Sum of balances left to right from 0, as upstream's `reduce` does.
pub(crate) fn sum_balances<'a>(ballots: impl IntoIterator<Item = &'a Ballot<'a>>) -> f64 {
    ballots.into_iter().fold(0.0, |sum, b| sum + b.balance)
}

/// `custom`: the proposal schema accepts it, but snapshot.js has no class for
/// it, so no ballot is valid and every score is 0.
#[derive(Debug, Clone, Copy, Default)]
pub struct Custom;

impl Counting for Custom {
    fn is_valid(&self, _choice: &Value, _n_choices: usize) -> bool {
        false
    }

    fn count(&self, n_choices: usize, n_strategies: usize, ballots: &[Ballot<'_>]) -> Tally {
        Tally::zeros(n_choices, n_strategies, sum_balances(ballots))
    }
}

/// Snapshot's voting types, by their wire names (which serde uses too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VotingType {
    SingleChoice,
    /// Counted as single-choice; the 2-or-3 choices rule is checked when the
    /// proposal is created.
    Basic,
    Approval,
    Quadratic,
    RankedChoice,
    Weighted,
    Copeland,
    /// Accepted in proposals as Snapshot accepts it, but no ballot is valid.
    Custom,
}

impl VotingType {
    pub const ALL: [VotingType; 8] = [
        VotingType::SingleChoice,
        VotingType::Basic,
        VotingType::Approval,
        VotingType::Quadratic,
        VotingType::RankedChoice,
        VotingType::Weighted,
        VotingType::Copeland,
        VotingType::Custom,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VotingType::SingleChoice => "single-choice",
            VotingType::Basic => "basic",
            VotingType::Approval => "approval",
            VotingType::Quadratic => "quadratic",
            VotingType::RankedChoice => "ranked-choice",
            VotingType::Weighted => "weighted",
            VotingType::Copeland => "copeland",
            VotingType::Custom => "custom",
        }
    }

    pub fn parse(name: &str) -> Option<VotingType> {
        VotingType::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// The counting rules for this type (`basic` shares single-choice's, as
    /// snapshot.js maps both names to one class).
    pub fn counter(self) -> &'static dyn Counting {
        match self {
            VotingType::SingleChoice | VotingType::Basic => &SingleChoice,
            VotingType::Approval => &Approval,
            VotingType::Quadratic => &Quadratic,
            VotingType::RankedChoice => &RankedChoice,
            VotingType::Weighted => &Weighted,
            VotingType::Copeland => &Copeland,
            VotingType::Custom => &Custom,
        }
    }

    /// Snapshot's `isValidChoice` for this type, over `n_choices` 1-based
    /// choices. Kept as a method because vote checks call it by type.
    pub fn is_valid_choice(self, choice: &Value, n_choices: usize) -> bool {
        self.counter().is_valid(choice, n_choices)
    }

    /// Counts `ballots` for a proposal with `n_choices` choices and
    /// `n_strategies` strategies.
    pub fn tally(self, n_choices: usize, n_strategies: usize, ballots: &[Ballot<'_>]) -> Tally {
        self.counter().count(n_choices, n_strategies, ballots)
    }
}

/// Ballots from parallel lists, for the voting types' unit tests.
#[cfg(test)]
pub(crate) fn ballots_from<'a, S: AsRef<[f64]>>(
    choices: &'a [Value],
    balances: &[f64],
    scores: &'a [S],
) -> Vec<Ballot<'a>> {
    choices
        .iter()
        .zip(balances)
        .zip(scores)
        .map(|((choice, balance), scores)| Ballot {
            choice,
            balance: *balance,
            scores: scores.as_ref(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn valid(kind: &str, choice: Value, n: usize) -> bool {
        VotingType::parse(kind).unwrap().is_valid_choice(&choice, n)
    }

    #[test]
    fn single_choice_and_basic() {
        for kind in ["single-choice", "basic"] {
            assert!(valid(kind, json!(1), 3));
            assert!(valid(kind, json!(3), 3));
            assert!(!valid(kind, json!(0), 3));
            assert!(!valid(kind, json!(4), 3));
            assert!(!valid(kind, json!(1.5), 3));
            assert!(!valid(kind, json!("1"), 3));
            assert!(!valid(kind, json!([1]), 3));
        }
    }

    #[test]
    fn approval_allows_empty_and_refuses_duplicates() {
        assert!(valid("approval", json!([]), 3));
        assert!(valid("approval", json!([1, 3]), 3));
        assert!(!valid("approval", json!([1, 1]), 3));
        assert!(!valid("approval", json!([4]), 3));
        assert!(!valid("approval", json!(1), 3));
    }

    #[test]
    fn ranked_choice_and_copeland_need_full_rankings() {
        for kind in ["ranked-choice", "copeland"] {
            assert!(valid(kind, json!([2, 1, 3]), 3));
            assert!(!valid(kind, json!([1, 2]), 3));
            assert!(!valid(kind, json!([1, 1, 2]), 3));
            assert!(!valid(kind, json!([]), 3));
            assert!(!valid(kind, json!([1, 2, 4]), 3));
        }
    }

    #[test]
    fn quadratic_and_weighted_maps() {
        for kind in ["quadratic", "weighted"] {
            assert!(valid(kind, json!({"1": 2, "3": 1}), 3));
            assert!(valid(kind, json!({"1": 0.5}), 3));
            assert!(!valid(kind, json!({}), 3));
            assert!(!valid(kind, json!({"1": 0}), 3));
            assert!(!valid(kind, json!({"4": 1}), 3));
            assert!(!valid(kind, json!({"1": -1, "2": 3}), 3));
            assert!(!valid(kind, json!({"x": 1}), 3));
            assert!(!valid(kind, json!([1]), 3));
        }
    }

    #[test]
    fn custom_accepts_nothing() {
        assert!(!valid("custom", json!(1), 3));
    }

    #[test]
    fn custom_counts_no_ballot_but_totals_all_balances() {
        let (one, two) = (json!(1), json!([1]));
        let ballots = [
            Ballot {
                choice: &one,
                balance: 2.0,
                scores: &[2.0],
            },
            Ballot {
                choice: &two,
                balance: 3.0,
                scores: &[3.0],
            },
        ];
        let tally = VotingType::Custom.tally(2, 1, &ballots);
        assert_eq!(tally, Tally::zeros(2, 1, 5.0));
    }

    #[test]
    fn basic_counts_as_single_choice() {
        let (one, two) = (json!(1), json!(2));
        let ballots = [
            Ballot {
                choice: &one,
                balance: 2.0,
                scores: &[2.0],
            },
            Ballot {
                choice: &two,
                balance: 3.0,
                scores: &[3.0],
            },
        ];
        assert_eq!(
            VotingType::Basic.tally(3, 1, &ballots),
            VotingType::SingleChoice.tally(3, 1, &ballots)
        );
    }

    #[test]
    fn names_round_trip() {
        for t in VotingType::ALL {
            assert_eq!(VotingType::parse(t.as_str()), Some(t));
        }
        assert_eq!(VotingType::parse("Single-Choice"), None);
    }
}
