//! EIP-712 for Snapshot messages: which kind a `types` object is, and the digest
//! (the message id) of `(domain, types, message)`.
//!
//! The kind is found as Snapshot's sequencer finds it: `types` without
//! `EIP712Domain`, serialised in the order received, hashed with sha256 and
//! looked up in a whitelist. A hit means the client's `types` are byte-identical
//! to one known schema, so everything after the lookup works from that schema,
//! never from client input. Each value is encoded only if it fits its field
//! type exactly (ethers-core would panic on a 33-byte `bytes32` and mis-hash
//! short ones); ethers-core gives the type hashes and domain separators and
//! is the reference the tests hold every schema's digest to.

mod court;
mod schemas;

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use ethers_core::types::transaction::eip712::{
    self, EIP712Domain, Eip712, Eip712DomainType, TypedData,
};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use sha3::Keccak256;

/// The sequencer's name for each kind of signed message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Settings,
    Proposal,
    UpdateProposal,
    FlagProposal,
    DeleteProposal,
    Vote,
    VoteArray,
    VoteString,
    Follow,
    Unfollow,
    Subscribe,
    Unsubscribe,
    Profile,
    Statement,
    Alias,
    DeleteSpace,
    // votehub's own kinds (the community court, docs/court-messages.md),
    // signed under the `votehub` domain, never under Snapshot's.
    CourtSettings,
    Volunteer,
    Withdraw,
    Election,
    Claim,
    AcceptCase,
    Answer,
    Settle,
    OpenJury,
    Randomness,
    Judgement,
    Ballot,
}

/// The EIP-712 domain a kind is signed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// `{name: "snapshot", version: "0.1.4"}`: Snapshot's kinds.
    Snapshot,
    /// `{name: "votehub", version: "1"}`: votehub's own kinds, which no
    /// Snapshot client can mistake for one of its own.
    Votehub,
}

impl Domain {
    pub fn name(self) -> &'static str {
        match self {
            Domain::Snapshot => "snapshot",
            Domain::Votehub => "votehub",
        }
    }

    pub fn version(self) -> &'static str {
        match self {
            Domain::Snapshot => "0.1.4",
            Domain::Votehub => "1",
        }
    }

    /// The domain a received `domain` object is, if either.
    pub fn of(domain: &Map<String, Value>) -> Option<Domain> {
        let name = domain.get("name").and_then(Value::as_str);
        let version = domain.get("version").and_then(Value::as_str);
        [Domain::Snapshot, Domain::Votehub]
            .into_iter()
            .find(|d| name == Some(d.name()) && version == Some(d.version()))
    }

    /// `{name, version}` as a client signs it.
    pub fn value(self) -> Map<String, Value> {
        let mut domain = Map::new();
        domain.insert("name".into(), Value::String(self.name().into()));
        domain.insert("version".into(), Value::String(self.version().into()));
        domain
    }
}

impl Kind {
    /// Votehub's own kinds: the community court.
    pub const COURT: [Kind; 12] = [
        Kind::CourtSettings,
        Kind::Volunteer,
        Kind::Withdraw,
        Kind::Election,
        Kind::Claim,
        Kind::AcceptCase,
        Kind::Answer,
        Kind::Settle,
        Kind::OpenJury,
        Kind::Randomness,
        Kind::Judgement,
        Kind::Ballot,
    ];

    /// Snapshot's kinds.
    pub const ALL: [Kind; 16] = [
        Kind::Settings,
        Kind::Proposal,
        Kind::UpdateProposal,
        Kind::FlagProposal,
        Kind::DeleteProposal,
        Kind::Vote,
        Kind::VoteArray,
        Kind::VoteString,
        Kind::Follow,
        Kind::Unfollow,
        Kind::Subscribe,
        Kind::Unsubscribe,
        Kind::Profile,
        Kind::Statement,
        Kind::Alias,
        Kind::DeleteSpace,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Settings => "settings",
            Kind::Proposal => "proposal",
            Kind::UpdateProposal => "update-proposal",
            Kind::FlagProposal => "flag-proposal",
            Kind::DeleteProposal => "delete-proposal",
            Kind::Vote => "vote",
            Kind::VoteArray => "vote-array",
            Kind::VoteString => "vote-string",
            Kind::Follow => "follow",
            Kind::Unfollow => "unfollow",
            Kind::Subscribe => "subscribe",
            Kind::Unsubscribe => "unsubscribe",
            Kind::Profile => "profile",
            Kind::Statement => "statement",
            Kind::Alias => "alias",
            Kind::DeleteSpace => "delete-space",
            Kind::CourtSettings => "court-settings",
            Kind::Volunteer => "volunteer",
            Kind::Withdraw => "withdraw",
            Kind::Election => "election",
            Kind::Claim => "claim",
            Kind::AcceptCase => "accept-case",
            Kind::Answer => "answer",
            Kind::Settle => "settle",
            Kind::OpenJury => "open-jury",
            Kind::Randomness => "randomness",
            Kind::Judgement => "judgement",
            Kind::Ballot => "ballot",
        }
    }

    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .chain(Kind::COURT)
            .find(|kind| kind.as_str() == name)
    }

    pub fn domain(self) -> Domain {
        if Kind::COURT.contains(&self) {
            Domain::Votehub
        } else {
            Domain::Snapshot
        }
    }

    /// True for the three vote kinds, which the sequencer stores as `vote`.
    pub fn is_vote(self) -> bool {
        matches!(self, Kind::Vote | Kind::VoteArray | Kind::VoteString)
    }
}

/// The EIP-712 type of one message field, as the whitelisted schemas use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Address,
    String,
    Bytes32,
    Uint(u32),
    StringArray,
    Uint32Array,
}

impl FieldType {
    fn parse(name: &str) -> Option<FieldType> {
        Some(match name {
            "address" => FieldType::Address,
            "string" => FieldType::String,
            "bytes32" => FieldType::Bytes32,
            "uint32" => FieldType::Uint(32),
            "uint64" => FieldType::Uint(64),
            "string[]" => FieldType::StringArray,
            "uint32[]" => FieldType::Uint32Array,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            FieldType::Address => "address",
            FieldType::String => "string",
            FieldType::Bytes32 => "bytes32",
            FieldType::Uint(32) => "uint32",
            FieldType::Uint(_) => "uint64",
            FieldType::StringArray => "string[]",
            FieldType::Uint32Array => "uint32[]",
        }
    }
}

/// One whitelisted schema: its kind, primary type and fields in signed order.
#[derive(Debug)]
pub struct Schema {
    pub kind: Kind,
    pub primary: String,
    pub fields: Vec<(String, FieldType)>,
    /// Whether today's snapshot.js client signs with this schema.
    pub current: bool,
    /// `keccak256(encodeType)`, computed once by ethers-core.
    type_hash: [u8; 32],
}

impl Schema {
    /// Parses `Primary(type name,type name,...)`.
    fn from_encode_type(kind: Kind, encode_type: &str, current: bool) -> Option<Schema> {
        let (primary, rest) = encode_type.split_once('(')?;
        let inner = rest.strip_suffix(')')?;
        let mut fields = Vec::new();
        for member in inner.split(',') {
            let (ty, name) = member.split_once(' ')?;
            fields.push((name.to_string(), FieldType::parse(ty)?));
        }
        let declared = fields
            .iter()
            .map(|(name, ty)| Eip712DomainType {
                name: name.clone(),
                r#type: ty.as_str().to_string(),
            })
            .collect();
        let types = BTreeMap::from([(primary.to_string(), declared)]);
        let type_hash = eip712::hash_type(primary, &types).ok()?;
        Some(Schema {
            kind,
            primary: primary.to_string(),
            fields,
            current,
            type_hash,
        })
    }

    /// The compact `types` JSON whose sha256 identifies this schema.
    fn types_json(&self) -> String {
        let fields: Vec<Value> = self
            .fields
            .iter()
            .map(|(name, ty)| {
                let mut field = Map::new();
                field.insert("name".into(), Value::String(name.clone()));
                field.insert("type".into(), Value::String(ty.as_str().into()));
                Value::Object(field)
            })
            .collect();
        let mut types = Map::new();
        types.insert(self.primary.clone(), Value::Array(fields));
        Value::Object(types).to_string()
    }

    /// The `types` object a client sends for this schema.
    pub fn types_value(&self) -> Value {
        serde_json::from_str(&self.types_json()).unwrap_or_default()
    }

    /// The declared type of a field, if the schema signs it.
    pub fn field(&self, name: &str) -> Option<FieldType> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, ty)| *ty)
    }
}

static SCHEMAS: LazyLock<HashMap<[u8; 32], Schema>> = LazyLock::new(|| {
    schemas::SCHEMAS
        .iter()
        .filter_map(|(kind, encode_type, hash, current)| {
            let schema = Schema::from_encode_type(Kind::parse(kind)?, encode_type, *current)?;
            let mut digest = [0u8; 32];
            hex::decode_to_slice(hash, &mut digest).ok()?;
            Some((digest, schema))
        })
        .collect()
});

/// votehub's own schemas, keyed like Snapshot's by the sha256 of `types`.
static COURT_SCHEMAS: LazyLock<HashMap<[u8; 32], Schema>> = LazyLock::new(|| {
    court::SCHEMAS
        .iter()
        .filter_map(|(kind, encode_type)| {
            let schema = Schema::from_encode_type(Kind::parse(kind)?, encode_type, true)?;
            let digest: [u8; 32] = Sha256::digest(schema.types_json().as_bytes()).into();
            Some((digest, schema))
        })
        .collect()
});

/// The schema a kind is signed with today (snapshot.js's for Snapshot's kinds).
pub fn current(kind: Kind) -> Option<&'static Schema> {
    let table = match kind.domain() {
        Domain::Snapshot => &*SCHEMAS,
        Domain::Votehub => &*COURT_SCHEMAS,
    };
    table
        .values()
        .find(|schema| schema.kind == kind && schema.current)
}

/// sha256 (lowercase hex) of `types` without `EIP712Domain`, serialised in the
/// received key order with no whitespace, as `JSON.stringify` does.
pub fn types_hash(types: &Map<String, Value>) -> String {
    hex::encode(types_digest(types))
}

/// [`types_hash`] as bytes, serialised straight into the hasher (no copy of
/// `types`, no intermediate string: this runs for every message).
fn types_digest(types: &Map<String, Value>) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"{");
    let mut first = true;
    for (name, fields) in types {
        if name == "EIP712Domain" {
            continue;
        }
        if !first {
            hasher.update(b",");
        }
        first = false;
        // Writing into a hasher cannot fail.
        let _ = serde_json::to_writer(&mut hasher, name);
        hasher.update(b":");
        let _ = serde_json::to_writer(&mut hasher, fields);
    }
    hasher.update(b"}");
    hasher.finalize().into()
}

/// The whitelisted schema that `types` is, or `None` (Snapshot's `wrong types`).
pub fn lookup(types: &Map<String, Value>) -> Option<&'static Schema> {
    SCHEMAS.get(&types_digest(types))
}

/// The schema that `types` is among the kinds of `domain`.
pub fn lookup_in(domain: Domain, types: &Map<String, Value>) -> Option<&'static Schema> {
    match domain {
        Domain::Snapshot => lookup(types),
        Domain::Votehub => COURT_SCHEMAS.get(&types_digest(types)),
    }
}

/// Why typed data cannot be hashed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TypedDataError {
    #[error("field `{0}` is declared but missing")]
    Missing(String),
    #[error("field `{field}` is not a valid {ty}")]
    Value { field: String, ty: &'static str },
    #[error("domain field `{0}` is not supported or malformed")]
    Domain(String),
    #[error("the EIP-712 encoder failed: {0}")]
    Encoder(String),
}

/// The EIP-712 digest of a Snapshot message under a whitelisted schema.
pub fn digest(
    schema: &Schema,
    domain: &Map<String, Value>,
    message: &Map<String, Value>,
) -> Result<[u8; 32], TypedDataError> {
    let domain = parse_domain(domain)?;
    // `hashStruct(message)` = keccak(typeHash ‖ encodeData(field)…): the type
    // hash is cached per schema (from ethers-core), and each field is one
    // 32-byte word. The whitelisted schemas use only the six field types of
    // `encode_value`, which refuses any value that does not fit its type, so
    // each word is the EIP-712 rule written out; the tests hold every schema
    // to ethers-core's `TypedData`.
    let mut hasher = Keccak256::new();
    hasher.update(schema.type_hash);
    for (name, ty) in &schema.fields {
        let value = message
            .get(name)
            .ok_or_else(|| TypedDataError::Missing(name.clone()))?;
        let word = encode_value(*ty, value).ok_or_else(|| TypedDataError::Value {
            field: name.clone(),
            ty: ty.as_str(),
        })?;
        hasher.update(word);
    }
    let struct_hash: [u8; 32] = hasher.finalize().into();
    let mut input = [0u8; 66];
    input[..2].copy_from_slice(&[0x19, 0x01]);
    input[2..34].copy_from_slice(&separator(&domain));
    input[34..].copy_from_slice(&struct_hash);
    Ok(crate::protocol::signature::keccak256(&input))
}

/// EIP-712 `encodeData` of one value: an atomic value as its 32-byte word,
/// a string or an array as the keccak of its encoding; `None` if the value
/// does not fit the type.
fn encode_value(ty: FieldType, value: &Value) -> Option<[u8; 32]> {
    let mut word = [0u8; 32];
    match ty {
        FieldType::String => {
            return value
                .as_str()
                .map(|text| crate::protocol::signature::keccak256(text.as_bytes()))
        }
        FieldType::Address => {
            let address = crate::protocol::signature::Address::parse_any(value.as_str()?).ok()?;
            word[12..].copy_from_slice(address.as_bytes());
        }
        FieldType::Bytes32 => {
            let hex = value.as_str()?.strip_prefix("0x")?;
            hex::decode_to_slice(hex, &mut word).ok()?;
        }
        FieldType::Uint(bits) => {
            let n = uint_value(value).filter(|n| bits >= 64 || *n < (1u64 << bits))?;
            word[24..].copy_from_slice(&n.to_be_bytes());
        }
        FieldType::StringArray | FieldType::Uint32Array => {
            let element = match ty {
                FieldType::StringArray => FieldType::String,
                _ => FieldType::Uint(32),
            };
            let mut hasher = Keccak256::new();
            for item in value.as_array()? {
                hasher.update(encode_value(element, item)?);
            }
            return Some(hasher.finalize().into());
        }
    }
    Some(word)
}

/// The domain separator, computed once for the two domains messages carry
/// and on demand for any other.
fn separator(domain: &EIP712Domain) -> [u8; 32] {
    static KNOWN: LazyLock<[(EIP712Domain, [u8; 32]); 2]> = LazyLock::new(|| {
        [Domain::Snapshot, Domain::Votehub].map(|known| {
            let domain = EIP712Domain {
                name: Some(known.name().into()),
                version: Some(known.version().into()),
                ..EIP712Domain::default()
            };
            let separator = domain.separator();
            (domain, separator)
        })
    });
    KNOWN
        .iter()
        .find(|(known, _)| known == domain)
        .map_or_else(|| domain.separator(), |(_, separator)| *separator)
}

/// The digest of arbitrary EIP-712 typed data (with `primaryType`), for
/// `votehub sign` and the specification's own test vectors. Not used on the
/// ingest path, which only hashes whitelisted schemas.
pub fn digest_any(typed: &Value) -> Result<[u8; 32], TypedDataError> {
    let typed: TypedData = serde_json::from_value(typed.clone())
        .map_err(|err| TypedDataError::Encoder(err.to_string()))?;
    std::panic::catch_unwind(|| typed.encode_eip712())
        .map_err(|_| TypedDataError::Encoder("panicked".into()))?
        .map_err(|err| TypedDataError::Encoder(err.to_string()))
}

fn parse_domain(domain: &Map<String, Value>) -> Result<EIP712Domain, TypedDataError> {
    let mut parsed = EIP712Domain {
        name: None,
        version: None,
        chain_id: None,
        verifying_contract: None,
        salt: None,
    };
    for (key, value) in domain {
        let bad = || TypedDataError::Domain(key.clone());
        match key.as_str() {
            "name" => parsed.name = Some(value.as_str().ok_or_else(bad)?.to_string()),
            "version" => parsed.version = Some(value.as_str().ok_or_else(bad)?.to_string()),
            "chainId" => {
                if uint_value(value).is_none() {
                    return Err(bad());
                }
                let text = match value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                parsed.chain_id =
                    Some(ethers_core::types::U256::from_dec_str(&text).map_err(|_| bad())?);
            }
            "verifyingContract" => {
                let text = value.as_str().ok_or_else(bad)?;
                let address =
                    crate::protocol::signature::Address::parse_any(text).map_err(|_| bad())?;
                parsed.verifying_contract = Some(ethers_core::types::H160(*address.as_bytes()));
            }
            _ => return Err(bad()),
        }
    }
    Ok(parsed)
}

/// A non-negative integer given as a JSON integer or a decimal string, as
/// ethers.js accepts it; floats, negatives, exponents and hex are refused.
pub fn uint_value(value: &Value) -> Option<u64> {
    match value {
        Value::Number(number) => number.as_u64(),
        Value::String(text)
            if !text.is_empty() && text.len() <= 20 && text.bytes().all(|b| b.is_ascii_digit()) =>
        {
            text.parse().ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn every_whitelisted_schema_hashes_to_its_table_entry() {
        assert_eq!(schemas::SCHEMAS.len(), 72);
        assert_eq!(SCHEMAS.len(), 72, "every encodeType parses");
        for kind in Kind::ALL.into_iter().chain(Kind::COURT) {
            assert!(current(kind).is_some(), "{kind:?} has a current schema");
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(
            COURT_SCHEMAS.len(),
            Kind::COURT.len(),
            "one schema per court kind"
        );
        for schema in COURT_SCHEMAS.values() {
            // A court schema is never one of Snapshot's, so the domain alone
            // decides which table a message is looked up in.
            assert!(lookup(schema.types_value().as_object().unwrap()).is_none());
            assert_eq!(
                &schema.fields[..3]
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>(),
                &["from", "space", "timestamp"]
            );
        }
        for (hash, schema) in SCHEMAS.iter() {
            let computed: [u8; 32] = Sha256::digest(schema.types_json().as_bytes()).into();
            assert_eq!(&computed, hash, "{}", schema.primary);
            // The streamed digest of the parsed `types` is the same hash.
            let types = schema.types_value();
            assert_eq!(types_digest(types.as_object().unwrap()), *hash);
        }
    }

    #[test]
    fn key_order_inside_a_field_matters() {
        let good: Map<String, Value> = serde_json::from_str(
            r#"{"Subscribe":[{"name":"from","type":"address"},{"name":"space","type":"string"},{"name":"timestamp","type":"uint64"}]}"#,
        )
        .unwrap();
        assert_eq!(lookup(&good).unwrap().kind, Kind::Subscribe);
        let swapped: Map<String, Value> = serde_json::from_str(
            r#"{"Subscribe":[{"type":"address","name":"from"},{"name":"space","type":"string"},{"name":"timestamp","type":"uint64"}]}"#,
        )
        .unwrap();
        assert!(lookup(&swapped).is_none());
    }

    #[test]
    fn eip712_domain_entry_is_ignored_by_the_lookup() {
        let with_domain: Map<String, Value> = serde_json::from_str(
            r#"{"EIP712Domain":[{"name":"name","type":"string"}],"Subscribe":[{"name":"from","type":"address"},{"name":"space","type":"string"},{"name":"timestamp","type":"uint64"}]}"#,
        )
        .unwrap();
        assert_eq!(lookup(&with_domain).unwrap().kind, Kind::Subscribe);
    }

    #[test]
    fn mail_example_of_the_specification() {
        let vector: Value =
            serde_json::from_str(include_str!("../../../fixtures/vectors/eip712-mail.json"))
                .unwrap();
        let mut types = vector["types_without_domain"].clone();
        types["EIP712Domain"] = json!([
            {"name":"name","type":"string"},{"name":"version","type":"string"},
            {"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}
        ]);
        let typed = json!({"domain": vector["domain"], "types": types, "primaryType": "Mail", "message": vector["message"]});
        let digest = digest_any(&typed).unwrap();
        assert_eq!(
            format!("0x{}", hex::encode(digest)),
            vector["digest"].as_str().unwrap()
        );
        let sig =
            crate::protocol::signature::decode_hex_sig(vector["sig"].as_str().unwrap()).unwrap();
        let signer = crate::protocol::signature::recover(&digest, &sig).unwrap();
        assert_eq!(signer.to_string(), vector["signer"].as_str().unwrap());
    }

    #[test]
    fn hostile_values_are_refused_before_hashing() {
        let types: Map<String, Value> = serde_json::from_str(
            r#"{"Vote":[{"name":"from","type":"address"},{"name":"space","type":"string"},{"name":"timestamp","type":"uint64"},{"name":"proposal","type":"bytes32"},{"name":"choice","type":"uint32"}]}"#,
        )
        .unwrap();
        let schema = lookup(&types).unwrap();
        let domain: Map<String, Value> =
            serde_json::from_value(json!({"name":"snapshot","version":"0.1.4"})).unwrap();
        let message = |proposal: Value, choice: Value| -> Map<String, Value> {
            serde_json::from_value(json!({
                "from":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","space":"s","timestamp":1,
                "proposal": proposal, "choice": choice
            }))
            .unwrap()
        };
        let ok = format!("0x{}", "ab".repeat(32));
        assert!(digest(schema, &domain, &message(json!(ok), json!(1))).is_ok());
        for (proposal, choice) in [
            (json!(format!("0x{}", "ab".repeat(33))), json!(1)),
            (json!("0x1234"), json!(1)),
            (json!(ok), json!(4294967296u64)),
            (json!(ok), json!(-1)),
            (json!(ok), json!(1.5)),
            (json!(ok), json!("1e3")),
            (json!(ok), json!("0x10")),
            (json!(ok), json!([1])),
        ] {
            assert!(
                matches!(
                    digest(schema, &domain, &message(proposal.clone(), choice.clone())),
                    Err(TypedDataError::Value { .. })
                ),
                "{proposal} {choice}"
            );
        }
        let mut missing = message(json!(ok), json!(1));
        missing.remove("choice");
        assert_eq!(
            digest(schema, &domain, &missing),
            Err(TypedDataError::Missing("choice".into()))
        );
    }

    #[test]
    fn uint_as_decimal_string_hashes_like_a_number() {
        let types: Map<String, Value> = serde_json::from_str(
            r#"{"Subscribe":[{"name":"from","type":"address"},{"name":"space","type":"string"},{"name":"timestamp","type":"uint64"}]}"#,
        )
        .unwrap();
        let schema = lookup(&types).unwrap();
        let domain: Map<String, Value> =
            serde_json::from_value(json!({"name":"snapshot","version":"0.1.4"})).unwrap();
        let with = |ts: Value| -> Map<String, Value> {
            serde_json::from_value(json!({"from":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","space":"s","timestamp":ts}))
                .unwrap()
        };
        assert_eq!(
            digest(schema, &domain, &with(json!(1700000000))).unwrap(),
            digest(schema, &domain, &with(json!("1700000000"))).unwrap()
        );
    }

    /// Every whitelisted schema, in a fixed order (by type hash).
    fn schemas_in_order() -> Vec<&'static Schema> {
        let mut all: Vec<&Schema> = SCHEMAS.values().collect();
        all.sort_by_key(|schema| schema.type_hash);
        all
    }

    /// A random value that fits `ty`, in any of the forms clients send.
    fn value_of(ty: FieldType) -> BoxedStrategy<Value> {
        let text = || any::<String>().prop_map(Value::String);
        let uint = |bits: u32| {
            let max = if bits >= 64 {
                u64::MAX
            } else {
                (1u64 << bits) - 1
            };
            (0..=max, any::<bool>()).prop_map(|(n, as_text)| {
                if as_text {
                    json!(n.to_string())
                } else {
                    json!(n)
                }
            })
        };
        match ty {
            FieldType::String => text().boxed(),
            FieldType::Address => any::<[u8; 20]>()
                .prop_map(|bytes| json!(format!("0x{}", hex::encode(bytes))))
                .boxed(),
            FieldType::Bytes32 => any::<[u8; 32]>()
                .prop_map(|bytes| json!(format!("0x{}", hex::encode(bytes))))
                .boxed(),
            FieldType::Uint(bits) => uint(bits).boxed(),
            FieldType::StringArray => proptest::collection::vec(text(), 0..5)
                .prop_map(Value::Array)
                .boxed(),
            FieldType::Uint32Array => proptest::collection::vec(uint(32), 0..5)
                .prop_map(Value::Array)
                .boxed(),
        }
    }

    proptest! {
        /// Every whitelisted schema's digest equals ethers-core's `TypedData`
        /// digest of the same message, for random values of every field.
        #[test]
        fn digest_equals_ethers_core_for_every_schema(
            (index, message) in (0..72usize).prop_flat_map(|index| {
                let fields: Vec<(String, FieldType)> = schemas_in_order()[index].fields.clone();
                let values: Vec<_> = fields.iter().map(|(_, ty)| value_of(*ty)).collect();
                values.prop_map(move |values| {
                    let message: Map<String, Value> =
                        fields.iter().map(|(name, _)| name.clone()).zip(values).collect();
                    (index, message)
                })
            })
        ) {
            let schema = schemas_in_order()[index];
            let domain = json!({"name": "snapshot", "version": "0.1.4"});
            let typed = json!({
                "domain": domain,
                "types": schema.types_value(),
                "primaryType": schema.primary,
                "message": message,
            });
            let ours = digest(schema, domain.as_object().unwrap(), &message).unwrap();
            prop_assert_eq!(ours, digest_any(&typed).unwrap());
        }
    }
}
