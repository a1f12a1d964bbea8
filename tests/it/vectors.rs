//! The signed vectors of `fixtures/vectors/`, reproduced byte for byte.

use serde_json::Value;
use votehub::ipld;
use votehub::protocol::envelope::Envelope;
use votehub::protocol::signature::{self, Signer};
use votehub::protocol::typed_data;

fn load(name: &str) -> Value {
    let path = format!("{}/fixtures/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Parses, looks up, digests and recovers an envelope as the server does.
fn verify(envelope: &Value) -> (Envelope, String, String) {
    let parsed = Envelope::parse(envelope.to_string().as_bytes()).unwrap();
    let schema = typed_data::lookup(parsed.types()).expect("whitelisted schema");
    let digest = typed_data::digest(schema, parsed.domain(), parsed.message()).unwrap();
    let sig = signature::decode_hex_sig(parsed.sig()).unwrap();
    let signer = signature::recover(&digest, &sig).unwrap();
    (
        parsed,
        format!("0x{}", hex::encode(digest)),
        signer.to_string(),
    )
}

#[test]
fn snapshot_vectors_reproduce_digest_signer_cid_and_receipt() {
    let vectors = load("snapshot-vectors.json");
    let relayer = Signer::from_hex(vectors["relayer_private_key"].as_str().unwrap()).unwrap();
    let list = vectors["vectors"].as_array().unwrap();
    assert_eq!(list.len(), 8);
    for vector in list {
        let name = vector["name"].as_str().unwrap();
        let envelope = &vector["envelope"];
        assert_eq!(
            typed_data::types_hash(envelope["data"]["types"].as_object().unwrap()),
            vector["types_sha256"].as_str().unwrap(),
            "{name}: types hash"
        );
        let (parsed, digest, signer) = verify(envelope);
        assert_eq!(digest, vector["digest"].as_str().unwrap(), "{name}: digest");
        assert_eq!(signer, vector["signer"].as_str().unwrap(), "{name}: signer");
        let pinned = parsed.pinned_json(&digest);
        assert_eq!(
            std::str::from_utf8(&pinned).unwrap(),
            vector["pinned_json"].as_str().unwrap(),
            "{name}: pinned"
        );
        assert_eq!(
            ipld::raw_cid(&pinned),
            vector["pinned_cid"].as_str().unwrap(),
            "{name}: cid"
        );
        assert_eq!(
            relayer.address().to_string(),
            vector["relayer_address"].as_str().unwrap()
        );
        assert_eq!(
            relayer.personal_sign(parsed.sig()),
            vector["relayer_receipt"].as_str().unwrap(),
            "{name}: receipt"
        );
    }
}

#[test]
fn real_wallet_fixtures_recover_their_signers() {
    let fixtures = load("snapshot-real-fixtures.json");
    for vector in fixtures["vectors"].as_array().unwrap() {
        let name = vector["name"].as_str().unwrap();
        let (_, digest, signer) = verify(&vector["envelope"]);
        assert_eq!(digest, vector["digest"].as_str().unwrap(), "{name}");
        assert!(
            signer.eq_ignore_ascii_case(vector["signer"].as_str().unwrap()),
            "{name}"
        );
    }
}

#[test]
fn cid_checks_of_the_vector_file() {
    let vectors = load("snapshot-vectors.json");
    assert_eq!(
        ipld::raw_cid(b""),
        vectors["cid_checks"]["empty"].as_str().unwrap()
    );
    assert_eq!(
        ipld::raw_cid(b"hello world\n"),
        vectors["cid_checks"]["hello world\\n"].as_str().unwrap()
    );
}

#[test]
fn tampering_with_any_vector_field_changes_the_signer() {
    let vectors = load("snapshot-vectors.json");
    let vector = &vectors["vectors"][0];
    let mut envelope = vector["envelope"].clone();
    envelope["data"]["message"]["choice"] = Value::from(2);
    let (_, _, signer) = verify(&envelope);
    assert_ne!(signer, vector["signer"].as_str().unwrap());
}
