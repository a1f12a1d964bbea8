//! Property tests for the signature path of ingest: envelope JSON → kind lookup
//! → EIP-712 digest → signer recovery (the same chain as `fuzz/fuzz_targets/
//! envelope.rs`).
//!
//! (a) Random votes signed with `client::sign` recover exactly their signer,
//!     and changing any one signed field never recovers the signer.
//! (b) Random byte edits of a signed envelope never panic, and an edited body
//!     only verifies if its digest is the original one (whitespace, escapes,
//!     hex letter case: edits that do not change what was signed).

use std::cell::Cell;
use std::sync::Once;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{json, Map, Value};
use votehub::app::demo::dev_key;
use votehub::protocol::client;
use votehub::protocol::envelope::Envelope;
use votehub::protocol::signature::{self, Address, Signer};
use votehub::protocol::typed_data::{self, Kind};

/// Where a body left the pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Envelope,
    Size,
    Types,
    Digest,
    Signature,
    Recovered {
        claimed: Address,
        recovered: Address,
        digest: [u8; 32],
        kind: Kind,
    },
}

thread_local! {
    static PANICS: Cell<usize> = const { Cell::new(0) };
}

/// Counts panics per thread, so that one swallowed by a `catch_unwind` inside
/// the library (`typed_data::digest` has one) still fails the property.
fn install_panic_counter() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.with(|count| count.set(count.get() + 1));
            previous(info);
        }));
    });
}

fn hex_id(digest: &[u8; 32]) -> String {
    format!("0x{}", hex::encode(digest))
}

/// The chain of the fuzz target. Panics (the test fails) if any step panics,
/// even inside a `catch_unwind`.
fn pipeline(body: &[u8]) -> Outcome {
    install_panic_counter();
    let before = PANICS.with(Cell::get);
    let outcome = run_pipeline(body);
    assert_eq!(
        PANICS.with(Cell::get),
        before,
        "a panic was caught inside the pipeline for body {:?}",
        String::from_utf8_lossy(body)
    );
    outcome
}

fn run_pipeline(body: &[u8]) -> Outcome {
    let Ok(envelope) = Envelope::parse(body) else {
        return Outcome::Envelope;
    };
    let _ = envelope.from();
    let pinned = envelope.pinned_json("0x");
    assert!(std::str::from_utf8(&pinned).is_ok());
    if envelope.check_size().is_err() {
        return Outcome::Size;
    }
    let Some(schema) = typed_data::lookup(envelope.types()) else {
        return Outcome::Types;
    };
    let Ok(digest) = typed_data::digest(schema, envelope.domain(), envelope.message()) else {
        return Outcome::Digest;
    };
    let pinned = envelope.pinned_json(&hex_id(&digest));
    assert!(std::str::from_utf8(&pinned).is_ok());
    let recovered =
        signature::decode_hex_sig(envelope.sig()).and_then(|sig| signature::recover(&digest, &sig));
    match recovered {
        Ok(recovered) => Outcome::Recovered {
            claimed: envelope.address(),
            recovered,
            digest,
            kind: schema.kind,
        },
        Err(_) => Outcome::Signature,
    }
}

fn signer() -> Signer {
    dev_key(1).expect("development key #1")
}

/// The fields of a vote a test controls; `from` is left to `client::sign`.
#[derive(Debug, Clone)]
struct Vote {
    space: String,
    timestamp: u64,
    proposal: String,
    choice: u32,
    reason: String,
    app: String,
    metadata: String,
}

impl Vote {
    fn message(&self) -> Map<String, Value> {
        let value = json!({
            "space": self.space,
            "timestamp": self.timestamp,
            "proposal": self.proposal,
            "choice": self.choice,
            "reason": self.reason,
            "app": self.app,
            "metadata": self.metadata,
        });
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }
}

fn any_text(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        // Any Unicode scalar, control characters and astral planes included.
        prop::collection::vec(any::<char>(), 0..max).prop_map(String::from_iter),
        // Printable text in any script.
        proptest::string::string_regex(&format!("\\PC{{0,{max}}}")).expect("regex"),
        Just(String::new()),
        Just("Ja, für den Vorschlag ✓ 投票 🗳️ \u{202e}rtl\u{0}".to_string()),
    ]
}

fn vote() -> impl Strategy<Value = Vote> {
    (
        "[a-z0-9.-]{1,32}",
        prop_oneof![1_500_000_000u64..2_100_000_000, any::<u64>()],
        "0x[0-9a-f]{64}",
        any::<u32>(),
        any_text(48),
        prop_oneof![
            Just("snapshot".to_string()),
            "[a-z0-9-]{0,16}",
            any_text(16)
        ],
        prop_oneof![Just("{}".to_string()), any_text(32)],
    )
        .prop_map(
            |(space, timestamp, proposal, choice, reason, app, metadata)| Vote {
                space,
                timestamp,
                proposal,
                choice,
                reason,
                app,
                metadata,
            },
        )
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        // Never write `proptest-regressions/` files next to the tests.
        failure_persistence: None,
        ..Config::default()
    }
}

fn sign_vote(signer: &Signer, vote: &Vote) -> Value {
    client::sign(signer, Kind::Vote, vote.message(), 0).expect("client::sign")
}

/// `original` with one field set to something that is certainly different.
fn changed(original: &Value, candidate: Value, tweak: impl FnOnce(&Value) -> Value) -> Value {
    if candidate != *original {
        candidate
    } else {
        tweak(original)
    }
}

fn appended(value: &Value) -> Value {
    json!(format!("{}x", value.as_str().unwrap_or_default()))
}

/// One different value for every field the current Vote schema signs.
fn field_changes(
    message: &Map<String, Value>,
    other: &Vote,
    other_from: Address,
) -> Vec<(&'static str, Value)> {
    let field = |name: &str| message.get(name).cloned().unwrap_or(Value::Null);
    vec![
        (
            "space",
            changed(&field("space"), json!(other.space), appended),
        ),
        (
            "timestamp",
            changed(&field("timestamp"), json!(other.timestamp), |v| {
                json!(v.as_u64().unwrap_or_default().wrapping_add(1))
            }),
        ),
        (
            "proposal",
            changed(&field("proposal"), json!(other.proposal), |v| {
                let text = v.as_str().unwrap_or_default();
                let last = if text.ends_with('0') { "1" } else { "0" };
                json!(format!("{}{last}", &text[..text.len() - 1]))
            }),
        ),
        (
            "choice",
            changed(&field("choice"), json!(other.choice), |v| {
                json!((v.as_u64().unwrap_or_default() as u32).wrapping_add(1))
            }),
        ),
        (
            "reason",
            changed(&field("reason"), json!(other.reason), appended),
        ),
        ("app", changed(&field("app"), json!(other.app), appended)),
        (
            "metadata",
            changed(&field("metadata"), json!(other.metadata), appended),
        ),
        // A checksummed address, so the envelope schema still accepts it.
        ("from", json!(other_from.to_string())),
    ]
}

proptest! {
    #![proptest_config(config(128))]

    /// (a) Signing then verifying recovers the signer; changing any single
    /// signed field (or dropping it) never does.
    #[test]
    fn signed_votes_recover_their_signer_and_nothing_else(
        vote in vote(),
        other in vote(),
        other_from in any::<[u8; 20]>(),
    ) {
        let signer = signer();
        let envelope = sign_vote(&signer, &vote);
        let body = envelope.to_string();

        let outcome = pipeline(body.as_bytes());
        let Outcome::Recovered { claimed, recovered, digest, kind } = outcome else {
            return Err(TestCaseError::fail(format!("valid vote refused: {outcome:?}\n{body}")));
        };
        prop_assert_eq!(kind, Kind::Vote);
        prop_assert_eq!(claimed, signer.address());
        prop_assert_eq!(recovered, signer.address());
        prop_assert_eq!(Some(hex_id(&digest)), client::message_id(&envelope));
        // The pretty-printed body is the same message.
        let pretty = serde_json::to_string_pretty(&envelope).unwrap();
        prop_assert_eq!(pipeline(pretty.as_bytes()), Outcome::Recovered { claimed, recovered, digest, kind });

        let message = envelope["data"]["message"].as_object().unwrap().clone();
        let other_from = Address::from_bytes(other_from);
        prop_assume!(other_from != signer.address());
        let schema = typed_data::lookup(envelope["data"]["types"].as_object().unwrap()).unwrap();
        let changes = field_changes(&message, &other, other_from);
        prop_assert_eq!(changes.len(), schema.fields.len(), "every signed field is changed once");
        for (name, value) in changes {
            prop_assert!(schema.field(name).is_some(), "{} is signed", name);
            prop_assert_ne!(message.get(name), Some(&value));
            let mut tampered = envelope.clone();
            tampered["data"]["message"][name] = value.clone();
            let outcome = pipeline(tampered.to_string().as_bytes());
            if let Outcome::Recovered { recovered, digest: tampered_digest, .. } = &outcome {
                prop_assert_ne!(*recovered, signer.address(), "changing {} to {} still verifies", name, value);
                prop_assert_ne!(*tampered_digest, digest);
            }

            let mut dropped = envelope.clone();
            dropped["data"]["message"].as_object_mut().unwrap().shift_remove(name);
            if let Outcome::Recovered { recovered, .. } = pipeline(dropped.to_string().as_bytes()) {
                prop_assert_ne!(recovered, signer.address(), "dropping {} still verifies", name);
            }
        }
    }
}

#[derive(Debug, Clone)]
enum Edit {
    Replace(Index, u8),
    Insert(Index, u8),
    Delete(Index),
}

fn edit_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => prop::sample::select(b" \t\r\n\"\\{}[],:-.+0123456789abcdefABCDEFxuen".to_vec()),
        1 => any::<u8>(),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        2 => (any::<Index>(), edit_byte()).prop_map(|(at, byte)| Edit::Replace(at, byte)),
        2 => (any::<Index>(), edit_byte()).prop_map(|(at, byte)| Edit::Insert(at, byte)),
        1 => any::<Index>().prop_map(Edit::Delete),
    ]
}

fn apply(body: &mut Vec<u8>, edit: &Edit) {
    match edit {
        Edit::Replace(at, byte) if !body.is_empty() => {
            let at = at.index(body.len());
            body[at] = *byte;
        }
        Edit::Insert(at, byte) => {
            let at = at.index(body.len() + 1);
            body.insert(at, *byte);
        }
        Edit::Delete(at) if !body.is_empty() => {
            let at = at.index(body.len());
            body.remove(at);
        }
        _ => {}
    }
}

/// (b) Byte-level edits of a signed envelope: no panic anywhere, and only
/// edits that leave the digest unchanged can still verify. Run with an explicit
/// runner so that it can also check the property is not vacuous.
#[test]
fn edited_envelopes_verify_only_with_the_original_digest() {
    let signer = signer();
    let mut runner = TestRunner::new(config(256));
    let reached_digest = Cell::new(0usize);
    let recovered_other = Cell::new(0usize);
    let still_valid = Cell::new(0usize);
    // Up to 8 edits, mostly one or two so that more bodies stay JSON.
    let edits = prop_oneof![
        3 => prop::collection::vec(edit(), 1..=2),
        1 => prop::collection::vec(edit(), 3..=8),
    ];
    let strategy = (vote(), any::<bool>(), edits);
    let result = runner.run(&strategy, |(vote, pretty, edits)| {
        let envelope = sign_vote(&signer, &vote);
        let original = if pretty {
            serde_json::to_vec_pretty(&envelope).unwrap()
        } else {
            serde_json::to_vec(&envelope).unwrap()
        };
        let Outcome::Recovered {
            recovered, digest, ..
        } = pipeline(&original)
        else {
            return Err(TestCaseError::fail("valid vote refused"));
        };
        prop_assert_eq!(recovered, signer.address());

        let mut body = original.clone();
        for edit in &edits {
            apply(&mut body, edit);
        }
        match pipeline(&body) {
            Outcome::Recovered {
                claimed,
                recovered,
                digest: edited_digest,
                ..
            } => {
                reached_digest.set(reached_digest.get() + 1);
                if recovered == claimed {
                    still_valid.set(still_valid.get() + 1);
                    prop_assert_eq!(
                        edited_digest,
                        digest,
                        "an edit that changes the digest still verifies: {}",
                        String::from_utf8_lossy(&body)
                    );
                    prop_assert_eq!(claimed, signer.address());
                } else {
                    recovered_other.set(recovered_other.get() + 1);
                }
            }
            Outcome::Digest | Outcome::Signature => reached_digest.set(reached_digest.get() + 1),
            Outcome::Envelope | Outcome::Size | Outcome::Types => {}
        }
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    eprintln!(
        "edited envelopes: {} reached the digest, {} recovered another address, {} still verified",
        reached_digest.get(),
        recovered_other.get(),
        still_valid.get()
    );
    assert!(
        reached_digest.get() > 0,
        "no edited envelope reached the digest step"
    );
}

/// The "still verifies" branch of (b) is reachable: edits that do not change
/// the signed content keep the signature valid.
#[test]
fn semantically_equal_edits_still_verify() {
    let signer = signer();
    let vote = Vote {
        space: "example.eth".into(),
        timestamp: 1_700_000_000,
        proposal: format!("0x{}", "ab".repeat(32)),
        choice: 1,
        reason: "für".into(),
        app: "snapshot".into(),
        metadata: "{}".into(),
    };
    let envelope = sign_vote(&signer, &vote);
    let compact = envelope.to_string();
    let Outcome::Recovered { digest, .. } = pipeline(compact.as_bytes()) else {
        panic!("valid vote refused");
    };
    let sig = envelope["sig"].as_str().unwrap();
    let edits = [
        serde_json::to_string_pretty(&envelope).unwrap(),
        compact.replacen(':', " : ", 3),
        compact.replace("für", "f\\u00fcr"),
        compact.replace(sig, &format!("0x{}", sig[2..].to_uppercase())),
        compact.replace("\"choice\":1", "\"choice\":\"1\""),
    ];
    for body in edits {
        assert_ne!(body, compact);
        match pipeline(body.as_bytes()) {
            Outcome::Recovered {
                claimed,
                recovered,
                digest: edited,
                ..
            } => {
                assert_eq!(recovered, claimed, "{body}");
                assert_eq!(edited, digest, "{body}");
            }
            other => panic!("{other:?} for {body}"),
        }
    }
}
