//! The pages, as maud templates: one module per page, shared words here.

pub mod court;
pub mod forms;
pub mod front;
pub mod layout;
pub mod profile;
pub mod proposal;
pub mod space;

use maud::{html, Markup, PreEscaped};
use serde_json::Value;

use super::format;
use super::queries::Strategy;

/// JSON for a `<script type="application/json">` block (data for the page's
/// modules; never executed): `<`, `>` and `&` escaped so the text can never
/// close the element.
pub fn json_script(id: &str, value: &impl serde::Serialize) -> Markup {
    let json = serde_json::to_string(value)
        .unwrap_or_else(|_| "null".into())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    html! { script type="application/json" id=(id) { (PreEscaped(json)) } }
}

/// What a voting type does, in one sentence.
pub fn voting_type_sentence(kind: &str) -> &'static str {
    match kind {
        "single-choice" => "Each voter picks one choice, which receives all of their voting power.",
        "basic" => "Each voter picks For, Against or Abstain; all three count towards the quorum.",
        "approval" => "Each voter approves any number of choices; every approved choice receives all of their voting power.",
        "quadratic" => "Each voter spreads their power over choices, and a choice's result grows with the square root of each voter's share, so many small holders can outweigh one large one.",
        "ranked-choice" => "Voters rank the choices; the weakest choice is eliminated round by round and its votes pass to each voter's next choice until one has a majority.",
        "weighted" => "Each voter spreads their power over the choices in the proportions they set.",
        "copeland" => "Voters rank the choices; each choice scores a point for every head-to-head contest it wins against another choice.",
        _ => "Votes are counted under this space's rules.",
    }
}

/// A voting type's name as people say it.
pub fn voting_type_name(kind: &str) -> &str {
    match kind {
        "single-choice" => "Single choice",
        "basic" => "Basic (For, Against, Abstain)",
        "approval" => "Approval",
        "quadratic" => "Quadratic",
        "ranked-choice" => "Ranked choice",
        "weighted" => "Weighted",
        "copeland" => "Copeland",
        other => other,
    }
}

/// Every voting type, in the order forms list them.
pub const VOTING_TYPES: &[&str] = &[
    "single-choice",
    "basic",
    "approval",
    "quadratic",
    "ranked-choice",
    "weighted",
    "copeland",
];

/// A strategy in words: what counts as voting power, where.
pub fn strategy_words(strategy: &Strategy, fallback_network: &str) -> String {
    let p = &strategy.params;
    let network = strategy.network.as_deref().unwrap_or(fallback_network);
    let symbol = p["symbol"].as_str().unwrap_or("token");
    let token = p["address"].as_str().map(format::short_address);
    let on = |what: String| match &token {
        Some(token) => format!("{what} (token {token} on network {network})"),
        None => format!("{what} (network {network})"),
    };
    match strategy.name.as_str() {
        "erc20-balance-of" => on(format!("{symbol} balance")),
        "erc20-votes" | "erc20-votes-with-override" => on(format!("{symbol} delegated votes")),
        "comp-like-votes" => on(format!("{symbol} delegated votes (Compound style)")),
        "eth-balance" => format!("ETH balance on network {network}"),
        "ticket" => "One vote per address".to_string(),
        "whitelist" => {
            let count = p["addresses"].as_array().map_or(0, Vec::len);
            format!("A list of {count} addresses with fixed power")
        }
        "math" => "A formula over other strategies".to_string(),
        name => on(name.to_string()),
    }
}

/// A stored choice in words, by voting type: `For`; `A, C`; `1. B 2. A`;
/// `A 60%, B 40%`.
pub fn choice_words(kind: &str, choice: &Value, names: &[&str]) -> String {
    let name = |index: &Value| {
        index
            .as_u64()
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| names.get(i).copied())
            .map_or_else(|| format!("#{index}"), String::from)
    };
    match (kind, choice) {
        ("ranked-choice" | "copeland", Value::Array(order)) => order
            .iter()
            .enumerate()
            .map(|(rank, index)| format!("{}. {}", rank + 1, name(index)))
            .collect::<Vec<_>>()
            .join(" "),
        (_, Value::Array(indexes)) => indexes.iter().map(name).collect::<Vec<_>>().join(", "),
        (_, Value::Object(shares)) => {
            let total: f64 = shares.values().filter_map(Value::as_f64).sum();
            shares
                .iter()
                .map(|(index, share)| {
                    let index = index.parse::<u64>().map(Value::from).unwrap_or(Value::Null);
                    format!(
                        "{} {}",
                        name(&index),
                        format::percent(share.as_f64().unwrap_or(0.0), total)
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        }
        (_, index @ Value::Number(_)) => name(index),
        (_, other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn choices_read_as_words() {
        let names = ["A", "B", "C"];
        assert_eq!(choice_words("single-choice", &json!(2), &names), "B");
        assert_eq!(choice_words("approval", &json!([1, 3]), &names), "A, C");
        assert_eq!(
            choice_words("ranked-choice", &json!([2, 1, 3]), &names),
            "1. B 2. A 3. C"
        );
        assert_eq!(
            choice_words("weighted", &json!({"1": 3, "2": 1}), &names),
            "A 75%, B 25%"
        );
        assert_eq!(choice_words("single-choice", &json!(9), &names), "#9");
    }
}
