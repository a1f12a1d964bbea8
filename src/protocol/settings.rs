//! What a space's signed settings decide for its proposals, read the same way
//! by the rules at creation, the result at close and the verifier.

use serde_json::{json, Value};

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
