//! Reading a vote's `choice` JSON into the shapes the counting code needs.
//!
//! Each voting type validates and counts through the same parser, so a ballot
//! is counted exactly when it is valid and the two can never drift apart.

use serde_json::{Map, Value};

/// A 1-based choice number from 1 to `n_choices`, returned 0-based.
pub(crate) fn choice_index(value: &Value, n_choices: usize) -> Option<usize> {
    value
        .as_u64()
        .filter(|i| *i >= 1 && (*i as usize) <= n_choices)
        .map(|i| i as usize - 1)
}

/// An array of distinct choice numbers, returned 0-based in ballot order.
pub(crate) fn distinct_indices(choice: &Value, n_choices: usize) -> Option<Vec<usize>> {
    let items = choice.as_array()?;
    // A Vec<bool> rather than a hash set: choice numbers are small and bounded.
    let mut seen = vec![false; n_choices];
    let mut indices = Vec::with_capacity(items.len());
    for item in items {
        let i = choice_index(item, n_choices)?;
        if std::mem::replace(&mut seen[i], true) {
            return None;
        }
        indices.push(i);
    }
    Some(indices)
}

/// A full ranking (every choice exactly once), as ranked-choice and copeland require.
pub(crate) fn full_ranking(choice: &Value, n_choices: usize) -> Option<Vec<usize>> {
    distinct_indices(choice, n_choices).filter(|r| !r.is_empty() && r.len() == n_choices)
}

/// A quadratic or weighted choice map, reduced to what the formulas read.
pub(crate) struct Weights {
    /// Weight per 0-based choice; `None` where the map has no key for it.
    pub per_choice: Vec<Option<f64>>,
    /// Sum of all the map's values in JavaScript's `Object.values` order.
    pub total: f64,
}

impl Weights {
    /// `w / W`, or 0 when the choice has no weight: upstream divides
    /// `undefined` and maps the resulting NaN to 0.
    pub fn share(&self, i: usize) -> f64 {
        match self.per_choice[i] {
            Some(w) => nan_to_zero(w / self.total),
            None => 0.0,
        }
    }
}

/// Parses a quadratic/weighted choice map: a non-empty object whose keys are
/// digit strings naming existing choices and whose values are finite numbers
/// ≥ 0, at least one of them > 0.
pub(crate) fn weights(choice: &Value, n_choices: usize) -> Option<Weights> {
    let map = choice.as_object()?;
    if map.is_empty() {
        return None;
    }
    let mut any_positive = false;
    for (key, value) in map {
        let key_ok = !key.is_empty()
            && key.bytes().all(|b| b.is_ascii_digit())
            && key.parse::<usize>().is_ok_and(|i| i >= 1 && i <= n_choices);
        let w = value.as_f64().filter(|w| *w >= 0.0 && w.is_finite())?;
        if !key_ok {
            return None;
        }
        any_positive |= w > 0.0;
    }
    if !any_positive {
        return None;
    }
    // Upstream looks a weight up as `choice[i]`, which only matches the
    // canonical key: a key like "01" passes validation (Number("01") is 1) and
    // adds to the total, but gives no choice any weight.
    let per_choice = (1..=n_choices)
        .map(|i| map.get(&i.to_string()).and_then(Value::as_f64))
        .collect();
    let total = js_values_order(map).into_iter().fold(0.0, |sum, w| sum + w);
    Some(Weights { per_choice, total })
}

/// The map's numeric values in the order JavaScript's `Object.values` yields
/// them: canonical integer keys ascending by value, then the other keys in the
/// map's own (insertion) order. This fixes the summation order of `W`.
fn js_values_order(map: &Map<String, Value>) -> Vec<f64> {
    let canonical = |key: &str| key == "0" || !key.starts_with('0');
    let mut indexed: Vec<(u64, f64)> = Vec::new();
    let mut others: Vec<f64> = Vec::new();
    for (key, value) in map {
        let w = value.as_f64().unwrap_or(f64::NAN);
        match key.parse::<u64>() {
            Ok(i) if canonical(key) => indexed.push((i, w)),
            _ => others.push(w),
        }
    }
    indexed.sort_by_key(|(i, _)| *i);
    indexed.into_iter().map(|(_, w)| w).chain(others).collect()
}

/// Upstream's `isNaN(x) ? 0 : x`.
pub(crate) fn nan_to_zero(x: f64) -> f64 {
    if x.is_nan() {
        0.0
    } else {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn weights_sum_in_javascript_key_order() {
        // Keys are read numerically ascending, whatever the insertion order.
        let w = weights(&json!({"3": 1, "1": 2}), 3).unwrap();
        assert_eq!(w.per_choice, vec![Some(2.0), None, Some(1.0)]);
        assert_eq!(w.total, 3.0);
        assert_eq!(w.share(1), 0.0);
    }

    #[test]
    fn non_canonical_key_counts_in_total_only() {
        let w = weights(&json!({"01": 1, "2": 1}), 2).unwrap();
        assert_eq!(w.per_choice, vec![None, Some(1.0)]);
        assert_eq!(w.total, 2.0);
        assert_eq!(w.share(1), 0.5);
    }

    #[test]
    fn full_ranking_requires_every_choice() {
        assert_eq!(full_ranking(&json!([2, 1]), 2), Some(vec![1, 0]));
        assert_eq!(full_ranking(&json!([2]), 2), None);
        assert_eq!(full_ranking(&json!([]), 0), None);
    }
}
