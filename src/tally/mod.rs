//! Voting types: which ballots are valid for a proposal (and, with the results
//! work, how they are counted). No IO.

use serde_json::Value;

/// Snapshot's voting types, by their wire names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VotingType {
    SingleChoice,
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

    /// Snapshot's `isValidChoice` for this type, over `n_choices` 1-based choices.
    pub fn is_valid_choice(self, choice: &Value, n_choices: usize) -> bool {
        let index = |value: &Value| {
            value
                .as_u64()
                .filter(|i| *i >= 1 && (*i as usize) <= n_choices)
        };
        let distinct_indices = |items: &Vec<Value>| {
            let mut seen = std::collections::HashSet::new();
            items
                .iter()
                .all(|item| index(item).is_some_and(|i| seen.insert(i)))
        };
        match self {
            VotingType::SingleChoice | VotingType::Basic => index(choice).is_some(),
            VotingType::Approval => choice.as_array().is_some_and(distinct_indices),
            VotingType::RankedChoice | VotingType::Copeland => {
                choice.as_array().is_some_and(|items| {
                    !items.is_empty() && items.len() == n_choices && distinct_indices(items)
                })
            }
            VotingType::Quadratic | VotingType::Weighted => {
                choice.as_object().is_some_and(|weights| {
                    let keys_ok = weights.keys().all(|key| {
                        !key.is_empty()
                            && key.bytes().all(|b| b.is_ascii_digit())
                            && key.parse::<usize>().is_ok_and(|i| i >= 1 && i <= n_choices)
                    });
                    let values: Option<Vec<f64>> = weights
                        .values()
                        .map(|v| v.as_f64().filter(|w| *w >= 0.0 && w.is_finite()))
                        .collect();
                    keys_ok
                        && !weights.is_empty()
                        && values.is_some_and(|v| v.iter().any(|w| *w > 0.0))
                })
            }
            VotingType::Custom => false,
        }
    }
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
}
