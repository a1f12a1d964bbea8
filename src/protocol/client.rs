//! What snapshot.js's `Client712` does on the voter's side: fill the message
//! defaults, pick today's schema for the kind, sign, and build the envelope.
//! Used by `votehub sign`, the demo loader, the tests and the load generator.

use serde_json::{json, Map, Value};

use crate::protocol::signature::Signer;
use crate::protocol::typed_data::{self, Kind, TypedDataError};

/// Signs `message` as a `kind` message with the kind's current schema.
///
/// Missing fields get snapshot.js's defaults: `from` = the signer,
/// `timestamp` = `now`, empty strings, `metadata` = `"{}"`, `labels` = `[]`.
pub fn sign(
    signer: &Signer,
    kind: Kind,
    mut message: Map<String, Value>,
    now: i64,
) -> Result<Value, TypedDataError> {
    let schema = typed_data::current(kind)
        .ok_or_else(|| TypedDataError::Encoder(format!("no schema for {kind:?}")))?;
    message
        .entry("from")
        .or_insert_with(|| json!(signer.address().to_string()));
    message.entry("timestamp").or_insert_with(|| json!(now));
    for (name, ty) in &schema.fields {
        if message.contains_key(name) {
            continue;
        }
        let default = match (name.as_str(), ty) {
            ("metadata", _) => json!("{}"),
            ("plugins", _) => json!("{}"),
            (_, typed_data::FieldType::StringArray) => json!([]),
            (_, typed_data::FieldType::String) => json!(""),
            _ => continue,
        };
        message.insert(name.clone(), default);
    }
    let domain = kind.domain().value();
    let digest = typed_data::digest(schema, &domain, &message)?;
    let sig = format!("0x{}", hex::encode(signer.sign_prehash(&digest)));
    Ok(json!({
        "address": signer.address().to_string(),
        "sig": sig,
        "data": {"domain": domain, "types": schema.types_value(), "message": message}
    }))
}

/// The id (EIP-712 digest) the server will give an envelope built by [`sign`].
pub fn message_id(envelope: &Value) -> Option<String> {
    let types = envelope.pointer("/data/types")?.as_object()?;
    let domain = envelope.pointer("/data/domain")?.as_object()?;
    let schema = typed_data::lookup_in(typed_data::Domain::of(domain)?, types)?;
    let message = envelope.pointer("/data/message")?.as_object()?;
    let digest = typed_data::digest(schema, domain, message).ok()?;
    Some(format!("0x{}", hex::encode(digest)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_vote_verifies_and_matches_the_vector_digest() {
        let vectors: Value =
            serde_json::from_str(include_str!("../../fixtures/vectors/snapshot-vectors.json"))
                .unwrap();
        let signer = Signer::from_hex(vectors["voter_private_key"].as_str().unwrap()).unwrap();
        let vector = &vectors["vectors"][0];
        let message = vector["envelope"]["data"]["message"]
            .as_object()
            .unwrap()
            .clone();
        let envelope = sign(&signer, Kind::Vote, message, 0).unwrap();
        assert_eq!(
            message_id(&envelope).unwrap(),
            vector["digest"].as_str().unwrap()
        );
        assert_eq!(envelope["sig"], vector["envelope"]["sig"]);
    }
}
