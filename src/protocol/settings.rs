//! What a space's signed settings decide for its proposals, read the same way
//! by the rules at creation, the result at close and the verifier.

use serde_json::{json, Value};

use super::rejection::Rejection;

/// The space's strategies with their network filled in, frozen into a
/// proposal at its creation.
pub fn frozen_strategies(settings: &Value, network: &str) -> Value {
    let mut strategies = settings
        .get("strategies")
        .cloned()
        .unwrap_or_else(|| json!([]));
    if let Some(items) = strategies.as_array_mut() {
        for item in items {
            if let Some(object) = item.as_object_mut() {
                object.entry("network").or_insert_with(|| json!(network));
                object.entry("params").or_insert_with(|| json!({}));
            }
        }
    }
    strategies
}

/// `voting.hideAbstain` of a space's settings.
pub fn hides_abstain(settings: &Value) -> bool {
    settings
        .pointer("/voting/hideAbstain")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// `voting.<key>` of a space's settings, when set (not null).
pub fn voting<'s>(settings: &'s Value, key: &str) -> Option<&'s Value> {
    settings
        .get("voting")
        .and_then(|voting| voting.get(key))
        .filter(|value| !value.is_null())
}

/// The space's network, frozen into its proposals (Snapshot's default: "1").
pub fn network(settings: &Value) -> String {
    settings
        .get("network")
        .and_then(Value::as_str)
        .unwrap_or("1")
        .to_string()
}

/// The space's token symbol, frozen into its proposals.
pub fn symbol(settings: &Value) -> String {
    settings
        .get("symbol")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

/// The vote validation frozen into a proposal (`any` when the space has none).
pub fn vote_validation(settings: &Value) -> Value {
    settings
        .get("voteValidation")
        .cloned()
        .unwrap_or_else(|| json!({"name": "any", "params": {}}))
}

/// `voting.quorum` and the quorum type that comes with it (none without a
/// quorum), frozen into a proposal.
pub fn quorum(settings: &Value) -> (f64, String) {
    let quorum = voting(settings, "quorum")
        .and_then(Value::as_f64)
        .unwrap_or(0.0);
    let kind = if quorum > 0.0 {
        voting(settings, "quorumType")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    } else {
        String::new()
    };
    (quorum, kind)
}

/// The privacy a proposal gets: the space's, unless the space lets each
/// proposal choose (`any`, the default).
pub fn privacy_for(settings: &Value, requested: &str) -> Result<String, Rejection> {
    let space_privacy = voting(settings, "privacy")
        .and_then(Value::as_str)
        .unwrap_or("any");
    if space_privacy == "any" {
        return Ok(requested.to_string());
    }
    if !requested.is_empty() && requested != space_privacy {
        return Err(Rejection::PrivacyNotAllowed);
    }
    Ok(space_privacy.to_string())
}
