//! The hub's `Any` scalar: any JSON value, passed through unchanged.

use async_graphql::{InputValueResult, Scalar, ScalarType, Value};

/// Strategy params, plugins, choices, metadata, scores by strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct Any(pub serde_json::Value);

#[Scalar(name = "Any")]
impl ScalarType for Any {
    fn parse(value: Value) -> InputValueResult<Self> {
        Ok(Any(value.into_json()?))
    }

    fn to_value(&self) -> Value {
        Value::from_json(self.0.clone()).unwrap_or(Value::Null)
    }
}
