//! The wire envelope `{address, sig, data: {domain, types, message}}`, checked for
//! shape only (Snapshot's `envelope.json` schema): nothing here hashes or trusts
//! a signature. Key order is preserved everywhere because it decides the kind
//! lookup and the bytes that are pinned.

use serde_json::{Map, Value};

use crate::protocol::signature::Address;

/// Snapshot's limit on the re-serialised body, in UTF-16 code units.
pub const MAX_MESSAGE_LENGTH: usize = 100_000;

/// Why a body is not an acceptable envelope.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EnvelopeError {
    /// Not JSON, or JSON that breaks the envelope schema.
    #[error("wrong envelope format: {0}")]
    Format(&'static str),
    /// A Starknet envelope; votehub verifies EVM signatures only.
    #[error("starknet envelopes are not supported")]
    Starknet,
    #[error("re-serialised body is {0} UTF-16 units, above {MAX_MESSAGE_LENGTH}")]
    TooLarge(usize),
}

/// A body that passed the envelope schema. Fields are private: the only way to
/// get one is [`Envelope::parse`].
#[derive(Debug, Clone)]
pub struct Envelope {
    address: Address,
    sig: String,
    data: Map<String, Value>,
    timestamp: f64,
    utf16_length: usize,
}

impl Envelope {
    /// Parses and shape-checks a request body.
    pub fn parse(body: &[u8]) -> Result<Envelope, EnvelopeError> {
        let value: Value =
            serde_json::from_slice(body).map_err(|_| EnvelopeError::Format("not JSON"))?;
        let utf16_length = utf16_len(&value.to_string());
        Envelope::from_value(value, utf16_length)
    }

    /// Parses a stored message (`{address, sig, hash, data}`, as pinned) and
    /// returns it with its claimed `hash`, for auditors re-checking it.
    pub fn parse_pinned(bytes: &[u8]) -> Result<(Envelope, String), EnvelopeError> {
        use EnvelopeError::Format;
        let value: Value = serde_json::from_slice(bytes).map_err(|_| Format("not JSON"))?;
        let Value::Object(mut root) = value else {
            return Err(Format("not an object"));
        };
        let Some(Value::String(hash)) = root.remove("hash") else {
            return Err(Format("hash"));
        };
        Ok((Envelope::from_value(Value::Object(root), 0)?, hash))
    }

    fn from_value(value: Value, utf16_length: usize) -> Result<Envelope, EnvelopeError> {
        use EnvelopeError::Format;
        let Value::Object(mut root) = value else {
            return Err(Format("not an object"));
        };
        if root
            .keys()
            .any(|key| !matches!(key.as_str(), "address" | "sig" | "data"))
        {
            return Err(Format("unexpected top-level key"));
        }
        let address = address_field(root.get("address"))?;
        let sig = match root.get("sig") {
            Some(Value::String(sig)) => sig.clone(),
            Some(Value::Array(_)) => return Err(EnvelopeError::Starknet),
            _ => return Err(Format("sig")),
        };
        let Some(Value::Object(data)) = root.remove("data") else {
            return Err(Format("data"));
        };
        if data
            .keys()
            .any(|key| !matches!(key.as_str(), "domain" | "types" | "message" | "primaryType"))
        {
            return Err(Format("unexpected key in data"));
        }
        if data.get("primaryType").is_some_and(|p| !p.is_string()) {
            return Err(Format("primaryType"));
        }
        let domain = data
            .get("domain")
            .and_then(Value::as_object)
            .ok_or(Format("domain"))?;
        if !domain.get("name").is_some_and(Value::is_string)
            || !domain.get("version").is_some_and(Value::is_string)
        {
            return Err(Format("domain name and version"));
        }
        if !data.get("types").is_some_and(Value::is_object) {
            return Err(Format("types"));
        }
        let message = data
            .get("message")
            .and_then(Value::as_object)
            .ok_or(Format("message"))?;
        address_field(message.get("from"))?;
        let timestamp = message
            .get("timestamp")
            .and_then(Value::as_f64)
            .ok_or(Format("timestamp"))?;
        if let Some(space) = message.get("space") {
            if !space
                .as_str()
                .is_some_and(|s| !s.is_empty() && !s.contains(' '))
            {
                return Err(Format("space"));
            }
        }
        Ok(Envelope {
            address,
            sig,
            data,
            timestamp,
            utf16_length,
        })
    }

    /// Snapshot's size rule: the body re-serialised by `JSON.stringify`.
    pub fn check_size(&self) -> Result<(), EnvelopeError> {
        if self.utf16_length > MAX_MESSAGE_LENGTH {
            return Err(EnvelopeError::TooLarge(self.utf16_length));
        }
        Ok(())
    }

    /// The signer the client claims (checksummed in the body).
    pub fn address(&self) -> Address {
        self.address
    }

    pub fn sig(&self) -> &str {
        &self.sig
    }

    /// The unsigned-or-signed `message.timestamp` as sent.
    pub fn timestamp(&self) -> f64 {
        self.timestamp
    }

    pub fn domain(&self) -> &Map<String, Value> {
        self.object("domain")
    }

    pub fn types(&self) -> &Map<String, Value> {
        self.object("types")
    }

    pub fn message(&self) -> &Map<String, Value> {
        self.object("message")
    }

    /// A string field of the message, if present and a string.
    pub fn message_str(&self, field: &str) -> Option<&str> {
        self.message().get(field).and_then(Value::as_str)
    }

    /// `message.from`, which the schema already checked.
    pub fn from(&self) -> Address {
        self.message_str("from")
            .and_then(|from| Address::parse_any(from).ok())
            .unwrap_or(self.address)
    }

    fn object(&self, key: &str) -> &Map<String, Value> {
        static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
        self.data
            .get(key)
            .and_then(Value::as_object)
            .unwrap_or(&EMPTY)
    }

    /// The exact bytes votehub stores and pins for an accepted message:
    /// `{address, sig, hash, data}` with `types.EIP712Domain` removed, as
    /// Snapshot pins it, serialised like `JSON.stringify`.
    pub fn pinned_json(&self, id: &str) -> Vec<u8> {
        let mut data = self.data.clone();
        if let Some(Value::Object(types)) = data.get_mut("types") {
            types.shift_remove("EIP712Domain");
        }
        let mut pinned = Map::new();
        pinned.insert("address".into(), Value::String(self.address.to_string()));
        pinned.insert("sig".into(), Value::String(self.sig.clone()));
        pinned.insert("hash".into(), Value::String(id.to_string()));
        pinned.insert("data".into(), Value::Object(data));
        Value::Object(pinned).to_string().into_bytes()
    }
}

fn address_field(value: Option<&Value>) -> Result<Address, EnvelopeError> {
    let text = value
        .and_then(Value::as_str)
        .ok_or(EnvelopeError::Format("address"))?;
    if is_starknet_address(text) {
        return Err(EnvelopeError::Starknet);
    }
    Address::parse_checksummed(text)
        .map_err(|_| EnvelopeError::Format("address is not checksummed"))
}

fn is_starknet_address(text: &str) -> bool {
    text.strip_prefix("0x")
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Length as JavaScript counts it (UTF-16 code units).
fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(value: Value) -> Vec<u8> {
        value.to_string().into_bytes()
    }

    fn valid() -> Value {
        json!({
            "address": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
            "sig": "0x00",
            "data": {
                "domain": {"name": "snapshot", "version": "0.1.4"},
                "types": {},
                "message": {"from": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "space": "s.eth", "timestamp": 1}
            }
        })
    }

    #[test]
    fn valid_shape_parses() {
        let envelope = Envelope::parse(&body(valid())).unwrap();
        assert_eq!(envelope.timestamp(), 1.0);
        assert_eq!(envelope.message_str("space"), Some("s.eth"));
    }

    #[test]
    fn schema_violations_are_format_errors() {
        let cases: [fn(&mut Value); 10] = [
            (|v: &mut Value| v["extra"] = json!(1)),
            (|v: &mut Value| v["address"] = json!("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266")),
            (|v: &mut Value| v["sig"] = json!(5)),
            (|v: &mut Value| v["data"]["extra"] = json!(1)),
            (|v: &mut Value| v["data"]["domain"] = json!({"name": "snapshot"})),
            (|v: &mut Value| v["data"]["types"] = json!([])),
            (|v: &mut Value| v["data"]["message"]["timestamp"] = json!("1")),
            (|v: &mut Value| {
                v["data"]["message"]["from"] = json!("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266")
            }),
            (|v: &mut Value| v["data"]["message"]["space"] = json!("a b")),
            (|v: &mut Value| v["data"]["primaryType"] = json!(1)),
        ];
        for (i, mutate) in cases.iter().enumerate() {
            let mut value = valid();
            mutate(&mut value);
            assert!(
                matches!(Envelope::parse(&body(value)), Err(EnvelopeError::Format(_))),
                "case {i}"
            );
        }
        assert!(matches!(
            Envelope::parse(b"{"),
            Err(EnvelopeError::Format(_))
        ));
        assert!(matches!(
            Envelope::parse(b"[]"),
            Err(EnvelopeError::Format(_))
        ));
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(matches!(
            Envelope::parse(deep.as_bytes()),
            Err(EnvelopeError::Format(_))
        ));
    }

    #[test]
    fn size_counts_utf16_units() {
        let mut value = valid();
        value["data"]["message"]["reason"] = json!("é".repeat(MAX_MESSAGE_LENGTH));
        let envelope = Envelope::parse(&body(value)).unwrap();
        assert!(matches!(
            envelope.check_size(),
            Err(EnvelopeError::TooLarge(_))
        ));
        assert!(Envelope::parse(&body(valid()))
            .unwrap()
            .check_size()
            .is_ok());
    }

    #[test]
    fn pinned_json_drops_the_domain_type_and_keeps_order() {
        let mut value = valid();
        value["data"]["types"] = json!({"EIP712Domain": [], "B": [], "A": []});
        let envelope = Envelope::parse(&body(value)).unwrap();
        let pinned = String::from_utf8(envelope.pinned_json("0xid")).unwrap();
        assert!(pinned.starts_with(r#"{"address":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","sig":"0x00","hash":"0xid","data":{"domain""#));
        assert!(pinned.contains(r#""types":{"B":[],"A":[]}"#));
    }
}
