//! One test per Snapshot error string votehub can answer over HTTP, with its
//! status. Every failing message is a real signed envelope (dev keys), edited
//! and re-signed where a signed field has to be wrong.

use serde_json::{json, Map, Value};
use votehub::ingest::rules::Limits;
use votehub::protocol::signature::Address;
use votehub::protocol::typed_data::Kind;

use super::helpers::*;

/// An ERC-20 token used by the `erc20-balance-of` spaces below.
const TOKEN: &str = "0x799ebfABE77a6E34311eeEe9825190B9ECe32824";
/// The block every helper proposal snapshots (`proposal_message`).
const BLOCK: u64 = 100;
const DAY: i64 = 24 * 3600;

fn labels(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("Choice {i}")).collect()
}

/// A message with extra fields merged over `base`.
fn with(base: Value, extra: Value) -> Value {
    let mut out = base;
    for (key, value) in extra.as_object().unwrap() {
        out[key.as_str()] = value.clone();
    }
    out
}

fn vote(proposal: &str, choice: Value) -> Value {
    json!({"space": SPACE, "proposal": proposal, "choice": choice})
}

/// A proposal in `space` whose window opened 100 s ago.
fn open_in(app: &TestApp, space: &str, kind: &str, n: usize) -> String {
    let message = with(
        proposal_message(space, kind, &labels(n)),
        json!({"start": now() - 100}),
    );
    app.accept(0, Kind::Proposal, message)
}

/// A proposal of `SPACE` that starts in an hour.
fn pending(app: &TestApp, kind: &str, n: usize) -> String {
    let message = with(
        proposal_message(SPACE, kind, &labels(n)),
        json!({"start": now() + 3600, "end": now() + 7200}),
    );
    app.accept(0, Kind::Proposal, message)
}

fn update(proposal: &str, kind: &str, n: usize) -> Value {
    json!({
        "proposal": proposal,
        "space": SPACE,
        "type": kind,
        "title": "An edited proposal",
        "body": "Edited body",
        "choices": labels(n),
    })
}

fn settings_with(extra: Value) -> Value {
    with(ticket_settings(), extra)
}

fn settings_message(space: &str, settings: &Value) -> Value {
    json!({"space": space, "settings": settings.to_string()})
}

fn erc20_settings(extra: Value) -> Value {
    settings_with(with(
        json!({
            "symbol": "TKN",
            "strategies": [{"name": "erc20-balance-of", "params": {"address": TOKEN, "symbol": "TKN", "decimals": 18}}],
        }),
        extra,
    ))
}

/// Imports a balance snapshot of `TOKEN` on network 1 at `BLOCK`.
fn import_balances(app: &TestApp, rows: &[(String, &str)]) {
    let mut csv = String::from("address,balance\n");
    for (holder, balance) in rows {
        csv.push_str(&format!("{holder},{balance}\n"));
    }
    let token = Address::parse_any(TOKEN).unwrap();
    app.db(|db| {
        votehub::power::import_snapshot(db, "1", token, BLOCK, csv.as_bytes(), now()).unwrap()
    });
}

fn utf16_len(text: &str) -> usize {
    text.encode_utf16().count()
}

// ---------------------------------------------------------------- ingestor

#[test]
fn wrong_envelope_format() {
    let app = spawn_app();
    app.ticket_space();
    let good = signed(1, Kind::Follow, json!({"space": SPACE}));
    type Mutation = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Mutation)> = vec![
        (
            "lowercase address",
            Box::new(|e| e["address"] = json!(address(1).to_lowercase())),
        ),
        (
            "lowercase from",
            Box::new(|e| e["data"]["message"]["from"] = json!(address(1).to_lowercase())),
        ),
        ("extra top-level key", Box::new(|e| e["extra"] = json!(1))),
        (
            "extra key in data",
            Box::new(|e| e["data"]["extra"] = json!({})),
        ),
        (
            "missing timestamp",
            Box::new(|e| {
                e["data"]["message"]
                    .as_object_mut()
                    .unwrap()
                    .shift_remove("timestamp");
            }),
        ),
        (
            "timestamp as text",
            Box::new(|e| e["data"]["message"]["timestamp"] = json!(now().to_string())),
        ),
        (
            "missing sig",
            Box::new(|e| {
                e.as_object_mut().unwrap().shift_remove("sig");
            }),
        ),
        (
            "domain without version",
            Box::new(|e| {
                e["data"]["domain"]
                    .as_object_mut()
                    .unwrap()
                    .shift_remove("version");
            }),
        ),
        (
            "space with a blank",
            Box::new(|e| e["data"]["message"]["space"] = json!("test .eth")),
        ),
    ];
    for (name, mutate) in cases {
        let mut envelope = good.clone();
        mutate(&mut envelope);
        let reply = app.post(&envelope);
        assert_eq!(reply.0, 400, "{name}: {}", reply.1);
        assert_rejected(reply, 400, "wrong envelope format");
    }
    assert_eq!(app.post(&good).0, 200, "the untouched envelope is valid");
}

#[test]
fn too_large_message_counts_utf16_units_of_the_reserialised_body() {
    let app = spawn_app();
    app.ticket_space();
    let proposal = app.open_proposal("single-choice", 3);
    let timestamp = now();
    let with_reason = |reason: String| {
        signed(
            1,
            Kind::Vote,
            with(
                vote(&proposal, json!(1)),
                json!({"reason": reason, "timestamp": timestamp}),
            ),
        )
    };
    let base = utf16_len(&with_reason(String::new()).to_string());
    let room = 100_000 - base;

    // Exactly 100000 UTF-16 units: not too large; refused later for its reason.
    let at_limit = with_reason("a".repeat(room));
    assert_eq!(utf16_len(&at_limit.to_string()), 100_000);
    assert_rejected(app.post(&at_limit), 400, "wrong vote format");
    // One unit more: too large.
    let over = with_reason("a".repeat(room + 1));
    assert_rejected(app.post(&over), 400, "too large message");
    // `é` is 2 bytes but 1 UTF-16 unit: ~200 kB of body, still 100000 units.
    let accented = with_reason("é".repeat(room));
    assert!(accented.to_string().len() > 190_000);
    assert_rejected(app.post(&accented), 400, "wrong vote format");
    // An astral character is 2 UTF-16 units.
    let astral = with_reason("😀".repeat(room / 2 + 1));
    assert!(astral.to_string().len() < 1 << 20);
    assert_rejected(app.post(&astral), 400, "too large message");
}

#[test]
fn too_large_body_over_the_http_limit_is_413() {
    let app = spawn_app();
    app.ticket_space();
    let proposal = app.open_proposal("single-choice", 3);
    let envelope = signed(
        1,
        Kind::Vote,
        with(
            vote(&proposal, json!(1)),
            json!({"reason": "a".repeat((1 << 20) + 10)}),
        ),
    );
    assert!(envelope.to_string().len() > 1 << 20);
    assert_rejected(app.post(&envelope), 413, "too large message");
}

#[test]
fn wrong_timestamp() {
    let app = spawn_app();
    app.ticket_space();
    for timestamp in [now() + 400, now() - 7 * DAY] {
        let reply = app.send(
            1,
            Kind::Follow,
            json!({"space": SPACE, "timestamp": timestamp}),
        );
        assert_rejected(reply, 400, "wrong timestamp");
    }
    // Inside the window on both sides.
    app.accept(
        1,
        Kind::Follow,
        json!({"space": SPACE, "timestamp": now() - 5 * DAY}),
    );
    app.accept(
        2,
        Kind::Follow,
        json!({"space": SPACE, "timestamp": now() + 200}),
    );
}

#[test]
fn proposal_cannot_contain_whitespace() {
    let app = spawn_app();
    app.ticket_space();
    let reply = app.send(1, Kind::Vote, vote("0x1234 5678", json!(1)));
    assert_rejected(reply, 400, "proposal cannot contain whitespace");
}

#[test]
fn wrong_domain() {
    let app = spawn_app();
    app.ticket_space();
    let good = signed(1, Kind::Follow, json!({"space": SPACE}));
    for (key, value) in [("version", "0.1.3"), ("name", "Snapshot")] {
        let mut envelope = good.clone();
        envelope["data"]["domain"][key] = json!(value);
        let envelope = resign(1, &envelope);
        assert_rejected(app.post(&envelope), 400, "wrong domain");
    }
}

#[test]
fn wrong_types() {
    let app = spawn_app();
    app.ticket_space();
    let good = signed(1, Kind::Follow, json!({"space": SPACE}));
    // `{"type":…,"name":…}` instead of `{"name":…,"type":…}` in one field.
    let mut swapped_keys = good.clone();
    let first = &mut swapped_keys["data"]["types"]["Follow"][0];
    let mut reordered = Map::new();
    reordered.insert("type".into(), first["type"].clone());
    reordered.insert("name".into(), first["name"].clone());
    *first = Value::Object(reordered);
    // Two fields in another order.
    let mut swapped_fields = good.clone();
    swapped_fields["data"]["types"]["Follow"]
        .as_array_mut()
        .unwrap()
        .swap(1, 2);
    // A field the whitelist does not know.
    let mut extra_field = good.clone();
    extra_field["data"]["types"]["Follow"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "note", "type": "string"}));
    // A type name that is not whitelisted.
    let mut renamed = good.clone();
    let fields = renamed["data"]["types"]["Follow"].clone();
    renamed["data"]["types"] = json!({"Follows": fields});
    for envelope in [swapped_keys, swapped_fields, extra_field, renamed] {
        assert_rejected(app.post(&envelope), 400, "wrong types");
    }
}

#[test]
fn invalid_space_id() {
    let app = spawn_app();
    app.ticket_space();
    for space in ["Test.eth", "TEST.ETH", "s:Demo"] {
        let reply = app.send(1, Kind::Follow, json!({"space": space}));
        assert_rejected(reply, 400, "Invalid space id");
    }
}

#[test]
fn unknown_space() {
    let app = spawn_app();
    app.ticket_space();
    let reply = app.send(1, Kind::Follow, json!({"space": "nope.eth"}));
    assert_rejected(reply, 400, "unknown space");
    // A deleted space is unknown too.
    app.create_space("gone.eth", ticket_settings());
    app.accept(0, Kind::DeleteSpace, json!({"space": "gone.eth"}));
    let reply = app.send(1, Kind::Follow, json!({"space": "gone.eth"}));
    assert_rejected(reply, 400, "unknown space");
}

#[test]
fn signature_validation_failed() {
    let app = spawn_app();
    app.ticket_space();
    // Signed by key 1 for address 0.
    let mut envelope = signed(0, Kind::Follow, json!({"space": SPACE}));
    envelope = resign(1, &envelope);
    assert_rejected(app.post(&envelope), 400, "signature validation failed");
    // A signed field edited after signing.
    let mut tampered = signed(1, Kind::Follow, json!({"space": SPACE}));
    tampered["data"]["message"]["network"] = json!("eth");
    assert_rejected(app.post(&tampered), 400, "signature validation failed");
    // Legacy vote schema with a 33-byte and a 2-byte `bytes32` proposal: no
    // digest exists, so no signature can match.
    let donor = signed(1, Kind::Follow, json!({"space": SPACE}));
    for proposal in [format!("0x{}", "ab".repeat(33)), "0xabcd".to_string()] {
        let legacy = legacy_vote(&proposal, json!(1), &donor["sig"]);
        assert_rejected(app.post(&legacy), 400, "signature validation failed");
    }
}

#[test]
fn duplicate_message() {
    let app = spawn_app();
    app.ticket_space();
    let proposal = app.open_proposal("single-choice", 3);
    let envelope = signed(1, Kind::Vote, vote(&proposal, json!(1)));
    assert_eq!(app.post(&envelope).0, 200);
    assert_rejected(app.post(&envelope), 400, "duplicate message");

    // The same envelope from 8 threads at once: exactly one is stored.
    let envelope = signed(2, Kind::Vote, vote(&proposal, json!(2)));
    let barrier = std::sync::Barrier::new(8);
    let replies: Vec<(u16, Value)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    app.post(&envelope)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let accepted = replies.iter().filter(|(status, _)| *status == 200).count();
    assert_eq!(accepted, 1, "{replies:?}");
    for reply in replies.into_iter().filter(|(status, _)| *status != 200) {
        assert_rejected(reply, 400, "duplicate message");
    }
}

#[test]
fn too_large_metadata() {
    let app = spawn_app();
    app.ticket_space();
    let proposal = app.open_proposal("single-choice", 3);
    let metadata = |len: usize| format!("{{\"note\":\"{}\"}}", "x".repeat(len - 11));
    assert_eq!(metadata(2001).len(), 2001);
    let reply = app.send(
        1,
        Kind::Vote,
        with(
            vote(&proposal, json!(1)),
            json!({"metadata": metadata(2001)}),
        ),
    );
    assert_rejected(reply, 400, "too large metadata");
    app.accept(
        2,
        Kind::Vote,
        with(
            vote(&proposal, json!(1)),
            json!({"metadata": metadata(2000)}),
        ),
    );
    // Snapshot compares `metadata.length`: UTF-16 units, so 997 astral
    // characters are more than 2000 units.
    let astral = format!("{{\"n\":\"{}\"}}", "😀".repeat(996));
    assert_eq!(utf16_len(&astral), 2_000);
    app.accept(
        3,
        Kind::Vote,
        with(vote(&proposal, json!(1)), json!({"metadata": astral})),
    );
    let astral = format!("{{\"n\":\"{}\"}}", "😀".repeat(997));
    let reply = app.send(
        4,
        Kind::Vote,
        with(vote(&proposal, json!(1)), json!({"metadata": astral})),
    );
    assert_rejected(reply, 400, "too large metadata");
}

#[test]
fn unknown_proposal() {
    let app = spawn_app();
    app.ticket_space();
    let missing = format!("0x{}", "12".repeat(32));
    let reply = app.send(1, Kind::Vote, vote(&missing, json!(1)));
    assert_rejected(reply, 400, "unknown proposal");
    // A proposal of another space.
    app.create_space("other.eth", ticket_settings());
    let elsewhere = open_in(&app, "other.eth", "single-choice", 2);
    let reply = app.send(1, Kind::Vote, vote(&elsewhere, json!(1)));
    assert_rejected(reply, 400, "unknown proposal");
    // The moderation kinds look the proposal up too.
    let reply = app.send(
        2,
        Kind::FlagProposal,
        json!({"space": SPACE, "proposal": missing}),
    );
    assert_rejected(reply, 400, "unknown proposal");
    let reply = app.send(
        0,
        Kind::DeleteProposal,
        json!({"space": SPACE, "proposal": missing}),
    );
    assert_rejected(reply, 400, "unknown proposal");
    // An archived (deleted) proposal is gone.
    let archived = app.open_proposal("single-choice", 3);
    app.accept(
        0,
        Kind::DeleteProposal,
        json!({"space": SPACE, "proposal": archived}),
    );
    let reply = app.send(1, Kind::Vote, vote(&archived, json!(1)));
    assert_rejected(reply, 400, "unknown proposal");
}

#[test]
fn invalid_choice() {
    let app = spawn_app();
    app.ticket_space();
    let cases: Vec<(&str, Kind, Value)> = vec![
        ("single-choice", Kind::Vote, json!(4)),
        ("single-choice", Kind::Vote, json!(0)),
        ("single-choice", Kind::VoteArray, json!([1])),
        ("basic", Kind::Vote, json!(4)),
        ("approval", Kind::VoteArray, json!([1, 1])),
        ("approval", Kind::VoteArray, json!([4])),
        ("approval", Kind::Vote, json!(1)),
        ("ranked-choice", Kind::VoteArray, json!([1, 2])),
        ("ranked-choice", Kind::VoteArray, json!([1, 1, 2])),
        ("copeland", Kind::VoteArray, json!([1, 2, 2])),
        ("copeland", Kind::VoteArray, json!([4, 1, 2])),
        ("quadratic", Kind::VoteString, json!("{\"4\":1}")),
        ("quadratic", Kind::VoteString, json!("{}")),
        ("weighted", Kind::VoteString, json!("{\"1\":0}")),
        ("weighted", Kind::VoteString, json!("[1]")),
        // vote-string whose text is not JSON
        ("quadratic", Kind::VoteString, json!("{not json")),
        ("weighted", Kind::VoteString, json!("")),
    ];
    let mut proposals = std::collections::HashMap::new();
    for (kind, message_kind, choice) in cases {
        let proposal = proposals
            .entry(kind)
            .or_insert_with(|| app.open_proposal(kind, 3))
            .clone();
        let reply = app.send(1, message_kind, vote(&proposal, choice.clone()));
        assert_eq!(reply.0, 400, "{kind} {choice}: {}", reply.1);
        assert_rejected(reply, 400, "invalid choice");
    }
    // A shutter proposal needs a `0x` ciphertext.
    let shutter = with(
        proposal_message(SPACE, "single-choice", &labels(3)),
        json!({"privacy": "shutter"}),
    );
    let shutter = app.accept(0, Kind::Proposal, shutter);
    let reply = app.send(1, Kind::VoteString, vote(&shutter, json!("plain text")));
    assert_rejected(reply, 400, "invalid choice");
}

#[test]
fn wrong_vote_format() {
    let app = spawn_app();
    app.ticket_space();
    let proposal = app.open_proposal("single-choice", 3);
    let reply = app.send(
        1,
        Kind::Vote,
        with(
            vote(&proposal, json!(1)),
            json!({"reason": "r".repeat(5001)}),
        ),
    );
    assert_rejected(reply, 400, "wrong vote format");
    let reply = app.send(
        1,
        Kind::Vote,
        with(vote(&proposal, json!(1)), json!({"app": "a".repeat(25)})),
    );
    assert_rejected(reply, 400, "wrong vote format");
    // vote-string whose JSON is `null`: no choice at all.
    let quadratic = app.open_proposal("quadratic", 3);
    let reply = app.send(1, Kind::VoteString, vote(&quadratic, json!("null")));
    assert_rejected(reply, 400, "wrong vote format");
    // The limits themselves are allowed.
    app.accept(
        2,
        Kind::Vote,
        with(
            vote(&proposal, json!(1)),
            json!({"reason": "r".repeat(5000), "app": "a".repeat(24)}),
        ),
    );
}

/// Snapshot checks the vote payload schema (`wrong vote format`) before it
/// looks the proposal up (`unknown proposal`) for `vote` and `vote-array`
/// (snapshot-sequencer `writer/vote.ts`, §10.1 steps 1 and 2); only
/// `vote-string` loads the proposal earlier, in the ingestor (§9 step 15).
#[test]
fn wrong_vote_format_is_checked_before_the_proposal_lookup() {
    let app = spawn_app();
    app.ticket_space();
    let missing = format!("0x{}", "12".repeat(32));
    let long_reason = json!({"reason": "r".repeat(5001)});
    let reply = app.send(
        1,
        Kind::Vote,
        with(vote(&missing, json!(1)), long_reason.clone()),
    );
    assert_rejected(reply, 400, "wrong vote format");
    let reply = app.send(
        1,
        Kind::VoteArray,
        with(vote(&missing, json!([1])), long_reason.clone()),
    );
    assert_rejected(reply, 400, "wrong vote format");
    let reply = app.send(
        1,
        Kind::VoteString,
        with(vote(&missing, json!("{\"1\":1}")), long_reason),
    );
    assert_rejected(reply, 400, "unknown proposal");
}

/// Snapshot validates `reason` with ajv's `maxLength`, which counts Unicode
/// code points (ajv `ucs2length`), not UTF-16 units: 5000 astral characters
/// are 5000 characters to ajv.
#[test]
fn vote_reason_limit_counts_code_points_as_ajv_does() {
    let app = spawn_app();
    app.ticket_space();
    let proposal = app.open_proposal("single-choice", 3);
    let reason = "😀".repeat(5000);
    assert_eq!(utf16_len(&reason), 10_000);
    app.accept(
        1,
        Kind::Vote,
        with(vote(&proposal, json!(1)), json!({"reason": reason})),
    );
    let reply = app.send(
        2,
        Kind::Vote,
        with(
            vote(&proposal, json!(1)),
            json!({"reason": "😀".repeat(5001)}),
        ),
    );
    assert_rejected(reply, 400, "wrong vote format");
}

#[test]
fn not_in_voting_window() {
    let app = spawn_app();
    app.ticket_space();
    let future = pending(&app, "single-choice", 3);
    let reply = app.send(1, Kind::Vote, vote(&future, json!(1)));
    assert_rejected(reply, 400, "not in voting window");
    // Signed before the proposal opened, delivered while it is open.
    let open = open_in(&app, SPACE, "single-choice", 3);
    let reply = app.send(
        1,
        Kind::Vote,
        with(vote(&open, json!(1)), json!({"timestamp": now() - 600})),
    );
    assert_rejected(reply, 400, "not in voting window");
}

#[test]
fn reason_not_allowed_with_shutter() {
    let app = spawn_app();
    app.ticket_space();
    let message = with(
        proposal_message(SPACE, "single-choice", &labels(3)),
        json!({"privacy": "shutter"}),
    );
    let proposal = app.accept(0, Kind::Proposal, message);
    let reply = app.send(
        1,
        Kind::VoteString,
        with(
            vote(&proposal, json!("0xdeadbeef")),
            json!({"reason": "my reason"}),
        ),
    );
    assert_rejected(reply, 400, "reason not allowed with shutter");
    app.accept(1, Kind::VoteString, vote(&proposal, json!("0xdeadbeef")));
}

#[test]
fn failed_vote_validation() {
    let app = spawn_app();
    app.create_space(
        SPACE,
        settings_with(json!({"voteValidation": {"name": "basic", "params": {"minScore": 2}}})),
    );
    let proposal = app.open_proposal("single-choice", 3);
    let reply = app.send(1, Kind::Vote, vote(&proposal, json!(1)));
    assert_rejected(reply, 400, "failed vote validation");
}

#[test]
fn failed_to_check_vote_validation() {
    let app = spawn_app();
    app.create_space(
        SPACE,
        settings_with(json!({"voteValidation": {"name": "passport-gated", "params": {}}})),
    );
    let proposal = app.open_proposal("single-choice", 3);
    let reply = app.send(1, Kind::Vote, vote(&proposal, json!(1)));
    assert_rejected(reply, 400, "failed to check vote validation");
}

#[test]
fn no_voting_power() {
    let app = spawn_app();
    app.create_space(SPACE, erc20_settings(json!({})));
    import_balances(&app, &[(address(3), "5000000000000000000")]);
    let proposal = app.open_proposal("single-choice", 3);
    let reply = app.send(1, Kind::Vote, vote(&proposal, json!(1)));
    assert_rejected(reply, 400, "no voting power");
    app.accept(3, Kind::Vote, vote(&proposal, json!(1)));
}

#[test]
fn failed_to_check_voting_power() {
    let app = spawn_app();
    app.create_space(SPACE, erc20_settings(json!({})));
    // No snapshot of the token at block 100 was ever imported.
    let proposal = app.open_proposal("single-choice", 3);
    let reply = app.send(1, Kind::Vote, vote(&proposal, json!(1)));
    assert_rejected(reply, 400, "failed to check voting power");
}

#[test]
fn already_voted_at_later_time() {
    let app = spawn_app();
    app.ticket_space();
    let proposal = open_in(&app, SPACE, "single-choice", 3);
    let t = now();
    app.accept(
        1,
        Kind::Vote,
        with(vote(&proposal, json!(1)), json!({"timestamp": t})),
    );
    let reply = app.send(
        1,
        Kind::Vote,
        with(vote(&proposal, json!(2)), json!({"timestamp": t - 5})),
    );
    assert_rejected(reply, 400, "already voted at later time");
}

#[test]
fn already_voted_same_time_with_lower_index() {
    let app = spawn_app();
    app.ticket_space();
    let proposal = open_in(&app, SPACE, "single-choice", 3);
    let t = now();
    let mut envelopes: Vec<(String, Value)> = (1..=3)
        .map(|choice| {
            let envelope = signed(
                1,
                Kind::Vote,
                with(vote(&proposal, json!(choice)), json!({"timestamp": t})),
            );
            (
                votehub::protocol::client::message_id(&envelope).unwrap(),
                envelope,
            )
        })
        .collect();
    envelopes.sort_by(|a, b| a.0.cmp(&b.0));
    let [(_, lowest), (middle_id, middle), (highest_id, highest)] =
        <[_; 3]>::try_from(envelopes).unwrap();
    let reply = app.post(&middle);
    assert_eq!(reply.0, 200, "{}", reply.1);
    assert_eq!(reply.1["id"], json!(middle_id));
    // Same timestamp, higher id: replaces the vote.
    let reply = app.post(&highest);
    assert_eq!(reply.0, 200, "{}", reply.1);
    assert_eq!(reply.1["id"], json!(highest_id));
    // Same timestamp, lower id: refused.
    assert_rejected(
        app.post(&lowest),
        400,
        "already voted same time with lower index",
    );
    assert_rejected(app.post(&middle), 400, "duplicate message");
}

// ---------------------------------------------------------------- aliases

#[test]
fn alias_not_allowed_for_the_type() {
    let app = spawn_app();
    app.ticket_space();
    app.accept(0, Kind::Alias, json!({"alias": address(1)}));
    let on_behalf =
        |kind: Kind, message: Value| app.send(1, kind, with(message, json!({"from": address(0)})));
    let settings = settings_message(SPACE, &ticket_settings());
    assert_rejected(
        on_behalf(Kind::Settings, settings),
        400,
        "alias not allowed for the type: settings",
    );
    assert_rejected(
        on_behalf(Kind::DeleteSpace, json!({"space": SPACE})),
        400,
        "alias not allowed for the type: delete-space",
    );
    assert_rejected(
        on_behalf(Kind::Alias, json!({"alias": address(4)})),
        400,
        "alias not allowed for the type: alias",
    );
    // The same alias may follow on behalf of its main account.
    let reply = on_behalf(Kind::Follow, json!({"space": SPACE}));
    assert_eq!(reply.0, 200, "{}", reply.1);
}

#[test]
fn wrong_alias() {
    let app = spawn_app();
    app.ticket_space();
    // No alias at all.
    let reply = app.send(1, Kind::Follow, json!({"space": SPACE, "from": address(0)}));
    assert_rejected(reply, 400, "wrong alias");
    // An alias of another main account.
    app.accept(3, Kind::Alias, json!({"alias": address(1)}));
    let reply = app.send(1, Kind::Follow, json!({"space": SPACE, "from": address(0)}));
    assert_rejected(reply, 400, "wrong alias");
    // An alias registered 31 days ago has expired.
    let (main, alias) = (address(0), address(4));
    app.db(|db| {
        db.put_alias(&main, &alias, now() - 31 * DAY, "0xexpired", "bafkexpired")
            .unwrap()
    });
    let reply = app.send(4, Kind::Follow, json!({"space": SPACE, "from": address(0)}));
    assert_rejected(reply, 400, "wrong alias");
}

#[test]
fn wrong_alias_format() {
    let app = spawn_app();
    for alias in [
        address(1).to_lowercase(),
        "0x1234".to_string(),
        String::new(),
    ] {
        let mut envelope = signed(0, Kind::Alias, json!({"alias": address(1)}));
        envelope["data"]["message"]["alias"] = json!(alias);
        // An alias that is no address at all cannot even be hashed.
        let envelope = if alias.len() == 42 {
            resign(0, &envelope)
        } else {
            envelope
        };
        let reply = app.post(&envelope);
        if alias.len() == 42 {
            assert_rejected(reply, 400, "wrong alias format");
        } else {
            assert_rejected(reply, 400, "signature validation failed");
        }
    }
}

#[test]
fn alias_cannot_be_the_same_as_the_address() {
    let app = spawn_app();
    let reply = app.send(0, Kind::Alias, json!({"alias": address(0)}));
    assert_rejected(reply, 400, "alias cannot be the same as the address");
}

#[test]
fn alias_is_already_linked_to_another_address() {
    let app = spawn_app();
    let t = now();
    app.accept(
        0,
        Kind::Alias,
        json!({"alias": address(3), "timestamp": t - 10}),
    );
    let reply = app.send(1, Kind::Alias, json!({"alias": address(3)}));
    assert_rejected(reply, 400, "alias is already linked to another address");
    // The owner may refresh it.
    app.accept(0, Kind::Alias, json!({"alias": address(3), "timestamp": t}));
}

// ---------------------------------------------------------------- proposals

#[test]
fn wrong_proposal_format() {
    let app = spawn_app();
    app.ticket_space();
    let base = proposal_message(SPACE, "single-choice", &labels(3));
    let cases = [
        json!({"title": ""}),
        json!({"title": "t".repeat(257)}),
        json!({"choices": []}),
        json!({"choices": ["A", ""]}),
        json!({"labels": ["not ok"]}),
        json!({"labels": ["a", "a"]}),
        json!({"type": "nope"}),
        json!({"discussion": "ftp://example.org"}),
        json!({"privacy": "secret"}),
        json!({"start": 999_999_999}),
        json!({"end": 2_000_000_001}),
        json!({"plugins": "not json"}),
        json!({"app": "a".repeat(25)}),
    ];
    for extra in cases {
        let reply = app.send(0, Kind::Proposal, with(base.clone(), extra.clone()));
        assert_eq!(reply.0, 400, "{extra}: {}", reply.1);
        assert_rejected(reply, 400, "wrong proposal format");
    }
}

#[test]
fn proposal_end_date_must_be_in_the_future() {
    let app = spawn_app();
    app.ticket_space();
    let message = with(
        proposal_message(SPACE, "single-choice", &labels(3)),
        json!({"start": now() - 100, "end": now() - 5}),
    );
    assert_rejected(
        app.send(0, Kind::Proposal, message),
        400,
        "proposal end date must be in the future",
    );
}

#[test]
fn wrong_choices_for_basic_type_voting() {
    let app = spawn_app();
    app.ticket_space();
    for n in [1, 4] {
        let reply = app.send(
            0,
            Kind::Proposal,
            proposal_message(SPACE, "basic", &labels(n)),
        );
        assert_rejected(reply, 400, "wrong choices for basic type voting");
    }
}

#[test]
fn invalid_voting_delay() {
    let app = spawn_app();
    app.create_space(SPACE, settings_with(json!({"voting": {"delay": 3600}})));
    let reply = app.send(
        0,
        Kind::Proposal,
        proposal_message(SPACE, "single-choice", &labels(3)),
    );
    assert_rejected(reply, 400, "invalid voting delay");
    let t = now();
    let message = with(
        proposal_message(SPACE, "single-choice", &labels(3)),
        json!({"timestamp": t, "start": t + 3600, "end": t + 7200}),
    );
    app.accept(0, Kind::Proposal, message);
}

#[test]
fn invalid_voting_period() {
    let app = spawn_app();
    app.create_space(SPACE, settings_with(json!({"voting": {"period": 86400}})));
    let reply = app.send(
        0,
        Kind::Proposal,
        proposal_message(SPACE, "single-choice", &labels(3)),
    );
    assert_rejected(reply, 400, "invalid voting period");
}

#[test]
fn invalid_voting_type() {
    let app = spawn_app();
    app.create_space(
        SPACE,
        settings_with(json!({"voting": {"type": "single-choice"}})),
    );
    let reply = app.send(
        0,
        Kind::Proposal,
        proposal_message(SPACE, "approval", &labels(3)),
    );
    assert_rejected(reply, 400, "invalid voting type");
}

#[test]
fn not_allowed_to_set_privacy() {
    let app = spawn_app();
    app.create_space(SPACE, settings_with(json!({"voting": {"privacy": ""}})));
    let message = with(
        proposal_message(SPACE, "single-choice", &labels(3)),
        json!({"privacy": "shutter"}),
    );
    assert_rejected(
        app.send(0, Kind::Proposal, message),
        400,
        "not allowed to set privacy",
    );
}

#[test]
fn only_space_authors_can_propose() {
    let app = spawn_app();
    app.create_space(
        SPACE,
        settings_with(json!({"filters": {"onlyMembers": true}})),
    );
    let reply = app.send(
        1,
        Kind::Proposal,
        proposal_message(SPACE, "single-choice", &labels(3)),
    );
    assert_rejected(reply, 400, "only space authors can propose");
    // Moderators count as authors.
    app.accept(
        2,
        Kind::Proposal,
        proposal_message(SPACE, "single-choice", &labels(3)),
    );
}

#[test]
fn validation_failed() {
    let app = spawn_app();
    app.create_space(
        SPACE,
        erc20_settings(json!({"validation": {"name": "basic", "params": {"minScore": 1}}})),
    );
    import_balances(&app, &[(address(3), "5000000000000000000")]);
    let reply = app.send(
        1,
        Kind::Proposal,
        proposal_message(SPACE, "single-choice", &labels(3)),
    );
    assert_rejected(reply, 400, "validation failed");
    app.accept(
        3,
        Kind::Proposal,
        proposal_message(SPACE, "single-choice", &labels(3)),
    );
}

#[test]
fn failed_to_check_validation() {
    let app = spawn_app();
    app.create_space(
        SPACE,
        erc20_settings(json!({"validation": {"name": "basic", "params": {"minScore": 1}}})),
    );
    let reply = app.send(
        1,
        Kind::Proposal,
        proposal_message(SPACE, "single-choice", &labels(3)),
    );
    assert_rejected(reply, 400, "failed to check validation");
}

#[test]
fn proposal_body_length_can_not_exceed() {
    let app = spawn_app();
    app.ticket_space();
    let long = with(
        proposal_message(SPACE, "single-choice", &labels(3)),
        json!({"body": "b".repeat(10_001)}),
    );
    assert_rejected(
        app.send(0, Kind::Proposal, long),
        400,
        "proposal body length can not exceed 10000 characters",
    );
    let limit = with(
        proposal_message(SPACE, "single-choice", &labels(3)),
        json!({"body": "b".repeat(10_000)}),
    );
    app.accept(0, Kind::Proposal, limit);
    // The body limit is `body.length`: UTF-16 units.
    let astral = with(
        proposal_message(SPACE, "single-choice", &labels(3)),
        json!({"body": "😀".repeat(5_001)}),
    );
    assert_rejected(
        app.send(0, Kind::Proposal, astral),
        400,
        "proposal body length can not exceed 10000 characters",
    );
}

#[test]
fn number_of_choices_can_not_exceed() {
    let app = spawn_app();
    app.ticket_space();
    let reply = app.send(
        0,
        Kind::Proposal,
        proposal_message(SPACE, "single-choice", &labels(21)),
    );
    assert_rejected(reply, 400, "number of choices can not exceed 20");
    app.accept(
        0,
        Kind::Proposal,
        proposal_message(SPACE, "single-choice", &labels(20)),
    );
}

#[test]
fn proposal_already_started() {
    let app = spawn_app();
    app.ticket_space();
    let proposal = app.open_proposal("single-choice", 3);
    let reply = app.send(
        0,
        Kind::UpdateProposal,
        update(&proposal, "single-choice", 3),
    );
    assert_rejected(reply, 400, "proposal already started");
}

#[test]
fn wrong_choices_for_type_voting_on_update() {
    let app = spawn_app();
    app.ticket_space();
    let proposal = pending(&app, "basic", 3);
    let reply = app.send(0, Kind::UpdateProposal, update(&proposal, "basic", 4));
    assert_rejected(reply, 400, "wrong choices for \"basic\" type voting");
}

#[test]
fn not_the_author() {
    let app = spawn_app();
    app.ticket_space();
    let proposal = pending(&app, "single-choice", 3);
    let reply = app.send(
        1,
        Kind::UpdateProposal,
        update(&proposal, "single-choice", 2),
    );
    assert_rejected(reply, 400, "Not the author");
    app.accept(
        0,
        Kind::UpdateProposal,
        update(&proposal, "single-choice", 2),
    );
}

#[test]
fn space_voting_type_mismatch() {
    let app = spawn_app();
    app.create_space(
        SPACE,
        settings_with(json!({"voting": {"type": "single-choice"}})),
    );
    let proposal = pending(&app, "single-choice", 3);
    let reply = app.send(0, Kind::UpdateProposal, update(&proposal, "approval", 3));
    assert_rejected(reply, 400, "space voting type mismatch");
}

#[test]
fn not_authorized_to_archive_proposal() {
    let app = spawn_app();
    app.ticket_space();
    let proposal = app.open_proposal("single-choice", 3);
    let reply = app.send(
        1,
        Kind::DeleteProposal,
        json!({"space": SPACE, "proposal": proposal}),
    );
    assert_rejected(reply, 400, "not authorized to archive proposal");
    // A moderator may.
    app.accept(
        2,
        Kind::DeleteProposal,
        json!({"space": SPACE, "proposal": proposal}),
    );
}

#[test]
fn not_authorized_to_flag_proposal() {
    let app = spawn_app();
    app.ticket_space();
    let proposal = app.open_proposal("single-choice", 3);
    let reply = app.send(
        1,
        Kind::FlagProposal,
        json!({"space": SPACE, "proposal": proposal}),
    );
    assert_rejected(reply, 400, "not authorized to flag proposal");
}

#[test]
fn proposal_already_flagged() {
    let app = spawn_app();
    app.ticket_space();
    let proposal = app.open_proposal("single-choice", 3);
    app.accept(
        2,
        Kind::FlagProposal,
        json!({"space": SPACE, "proposal": proposal}),
    );
    let reply = app.send(
        0,
        Kind::FlagProposal,
        json!({"space": SPACE, "proposal": proposal}),
    );
    assert_rejected(reply, 400, "proposal already flagged");
}

// ---------------------------------------------------------------- spaces

#[test]
fn id_too_long() {
    let app = spawn_app();
    let space = format!("{}.eth", "a".repeat(61));
    assert_eq!(space.len(), 65);
    app.db(|db| db.set_controller(&space, &address(0), now()).unwrap());
    let reply = app.send(
        0,
        Kind::Settings,
        settings_message(&space, &ticket_settings()),
    );
    assert_rejected(reply, 400, "id too long");
}

#[test]
fn max_number_of_strategies() {
    let app = spawn_app();
    app.db(|db| db.set_controller(SPACE, &address(0), now()).unwrap());
    let strategies: Vec<Value> = (0..9)
        .map(|i| json!({"name": "ticket", "params": {"value": i}}))
        .collect();
    let settings = settings_with(json!({"strategies": strategies}));
    let reply = app.send(0, Kind::Settings, settings_message(SPACE, &settings));
    assert_rejected(reply, 400, "max number of strategies is 8");
}

#[test]
fn strategy_is_not_a_valid_strategy() {
    let app = spawn_app();
    app.db(|db| db.set_controller(SPACE, &address(0), now()).unwrap());
    let settings = settings_with(json!({"strategies": [{"name": "x", "params": {}}]}));
    let reply = app.send(0, Kind::Settings, settings_message(SPACE, &settings));
    assert_rejected(reply, 400, "strategy 'x' is not a valid strategy");
}

#[test]
fn wrong_space_format() {
    let app = spawn_app();
    app.db(|db| db.set_controller(SPACE, &address(0), now()).unwrap());
    let bad_settings = [
        json!("not json"),
        json!(settings_with(json!({"unknown": 1})).to_string()),
        json!(settings_with(json!({"name": ""})).to_string()),
        json!(settings_with(json!({"strategies": []})).to_string()),
        json!(settings_with(json!({"admins": ["0x12"]})).to_string()),
        json!(settings_with(json!({"voting": {"delay": -1}})).to_string()),
        json!("[]"),
    ];
    for settings in bad_settings {
        let reply = app.send(
            0,
            Kind::Settings,
            json!({"space": SPACE, "settings": settings}),
        );
        assert_eq!(reply.0, 400, "{settings}: {}", reply.1);
        assert_rejected(reply, 400, "wrong space format");
    }
}

#[test]
fn not_allowed() {
    let app = spawn_app();
    app.ticket_space();
    // Neither controller nor admin of an existing space.
    let settings = settings_message(SPACE, &settings_with(json!({"name": "Taken over"})));
    assert_rejected(app.send(1, Kind::Settings, settings), 400, "not allowed");
    // Nobody but the controller creates a space.
    let fresh = settings_message("fresh.eth", &ticket_settings());
    assert_rejected(app.send(1, Kind::Settings, fresh), 400, "not allowed");
    // Only the controller deletes a space, even an admin may not.
    let admins = settings_with(json!({"admins": [address(0), address(1)]}));
    app.accept(0, Kind::Settings, settings_message(SPACE, &admins));
    assert_rejected(
        app.send(1, Kind::DeleteSpace, json!({"space": SPACE})),
        400,
        "not allowed",
    );
}

#[test]
fn not_allowed_change_admins() {
    let app = spawn_app();
    app.ticket_space();
    let admins = settings_with(json!({"admins": [address(0), address(1)]}));
    app.accept(0, Kind::Settings, settings_message(SPACE, &admins));
    let only_me = settings_with(json!({"admins": [address(1)]}));
    let reply = app.send(1, Kind::Settings, settings_message(SPACE, &only_me));
    assert_rejected(reply, 400, "not allowed change admins");
    // An admin may change everything else.
    let renamed = settings_with(json!({"admins": [address(0), address(1)], "name": "Renamed"}));
    app.accept(1, Kind::Settings, settings_message(SPACE, &renamed));
}

#[test]
fn duplicate_label_id() {
    let app = spawn_app();
    app.db(|db| db.set_controller(SPACE, &address(0), now()).unwrap());
    let settings = settings_with(
        json!({"labels": [{"id": "a", "name": "First"}, {"id": "A", "name": "Second"}]}),
    );
    let reply = app.send(0, Kind::Settings, settings_message(SPACE, &settings));
    assert_rejected(reply, 400, "duplicate label id");
}

#[test]
fn duplicate_label_name() {
    let app = spawn_app();
    app.db(|db| db.set_controller(SPACE, &address(0), now()).unwrap());
    let settings = settings_with(
        json!({"labels": [{"id": "a", "name": "Same"}, {"id": "b", "name": "same"}]}),
    );
    let reply = app.send(0, Kind::Settings, settings_message(SPACE, &settings));
    assert_rejected(reply, 400, "duplicate label name");
}

#[test]
fn space_deleted_contact_admin() {
    let app = spawn_app();
    app.ticket_space();
    let admins = settings_with(json!({"admins": [address(0), address(1)]}));
    app.accept(0, Kind::Settings, settings_message(SPACE, &admins));
    app.accept(0, Kind::DeleteSpace, json!({"space": SPACE}));
    let reply = app.send(1, Kind::Settings, settings_message(SPACE, &admins));
    assert_rejected(reply, 400, "space deleted, contact admin");
}

#[test]
fn space_cannot_be_its_own_parent() {
    let app = spawn_app();
    app.db(|db| db.set_controller(SPACE, &address(0), now()).unwrap());
    let settings = settings_with(json!({"parent": SPACE}));
    let reply = app.send(0, Kind::Settings, settings_message(SPACE, &settings));
    assert_rejected(reply, 400, "space cannot be its own parent");
}

#[test]
fn space_cannot_be_its_own_child() {
    let app = spawn_app();
    app.db(|db| db.set_controller(SPACE, &address(0), now()).unwrap());
    let settings = settings_with(json!({"children": ["other.eth", SPACE]}));
    let reply = app.send(0, Kind::Settings, settings_message(SPACE, &settings));
    assert_rejected(reply, 400, "space cannot be its own child");
}

#[test]
fn space_not_found() {
    let app = spawn_app();
    let reply = app.send(0, Kind::DeleteSpace, json!({"space": "missing.eth"}));
    assert_rejected(reply, 400, "space not found");
    app.ticket_space();
    let t = now();
    app.accept(
        0,
        Kind::DeleteSpace,
        json!({"space": SPACE, "timestamp": t - 1}),
    );
    let reply = app.send(
        0,
        Kind::DeleteSpace,
        json!({"space": SPACE, "timestamp": t}),
    );
    assert_rejected(reply, 400, "space not found");
}

// ---------------------------------------------------------------- follow, profile, statement

#[test]
fn already_following() {
    let app = spawn_app();
    app.ticket_space();
    let t = now();
    app.accept(1, Kind::Follow, json!({"space": SPACE, "timestamp": t - 1}));
    let reply = app.send(1, Kind::Follow, json!({"space": SPACE, "timestamp": t}));
    assert_rejected(reply, 400, "you are already following this space");
}

#[test]
fn you_can_join_max_spaces() {
    let app = spawn_app_with(
        0,
        Limits {
            follows: 1,
            ..Limits::default()
        },
    );
    app.create_space("a.eth", ticket_settings());
    app.create_space("b.eth", ticket_settings());
    app.accept(1, Kind::Follow, json!({"space": "a.eth"}));
    let reply = app.send(1, Kind::Follow, json!({"space": "b.eth"}));
    assert_rejected(reply, 400, "you can join max 1 spaces");
}

#[test]
fn network_is_not_allowed() {
    let app = spawn_app();
    app.ticket_space();
    let reply = app.send(1, Kind::Follow, json!({"space": SPACE, "network": "x"}));
    assert_rejected(reply, 400, "network x is not allowed");
    let reply = app.send(1, Kind::Unfollow, json!({"space": SPACE, "network": "x"}));
    assert_rejected(reply, 400, "network x is not allowed");
    let statement = json!({"space": SPACE, "about": "", "statement": "", "discourse": "", "status": "ACTIVE", "network": "x"});
    assert_rejected(
        app.send(1, Kind::Statement, statement),
        400,
        "network x is not allowed",
    );
}

#[test]
fn you_can_only_unfollow_a_space_you_follow() {
    let app = spawn_app();
    app.ticket_space();
    let reply = app.send(1, Kind::Unfollow, json!({"space": SPACE}));
    assert_rejected(reply, 400, "you can only unfollow a space you follow");
    // Following on one network is not following on another.
    app.accept(1, Kind::Follow, json!({"space": SPACE, "network": "s"}));
    let reply = app.send(1, Kind::Unfollow, json!({"space": SPACE, "network": "eth"}));
    assert_rejected(reply, 400, "you can only unfollow a space you follow");
}

#[test]
fn wrong_profile_format() {
    let app = spawn_app();
    let profiles = [
        "not json".to_string(),
        "[]".to_string(),
        json!({"name": "n".repeat(33)}).to_string(),
        json!({"unknown": "x"}).to_string(),
        json!({"twitter": 5}).to_string(),
    ];
    for profile in profiles {
        let reply = app.send(1, Kind::Profile, json!({"profile": profile}));
        assert_eq!(reply.0, 400, "{profile}: {}", reply.1);
        assert_rejected(reply, 400, "wrong profile format");
    }
    app.accept(
        1,
        Kind::Profile,
        json!({"profile": json!({"name": "n".repeat(32)}).to_string()}),
    );
}

#[test]
fn wrong_statement_format() {
    let app = spawn_app();
    app.ticket_space();
    let base = json!({"space": SPACE, "about": "", "statement": "", "discourse": "", "status": "ACTIVE", "network": "s"});
    let cases = [
        json!({"about": "a".repeat(141)}),
        json!({"statement": "s".repeat(10_001)}),
        json!({"discourse": "d".repeat(31)}),
        json!({"status": "MAYBE"}),
        json!({"network": "n".repeat(25)}),
    ];
    for extra in cases {
        let reply = app.send(1, Kind::Statement, with(base.clone(), extra.clone()));
        assert_eq!(reply.0, 400, "{extra}: {}", reply.1);
        assert_rejected(reply, 400, "wrong statement format");
    }
    app.accept(
        1,
        Kind::Statement,
        with(base, json!({"about": "a".repeat(140)})),
    );
}

// ---------------------------------------------------------------- HTTP layer

#[test]
fn too_many_requests() {
    let app = spawn_app_with(3, Limits::default());
    app.db(|db| db.set_controller(SPACE, &address(0), now()).unwrap());
    let settings = signed(
        0,
        Kind::Settings,
        settings_message(SPACE, &ticket_settings()),
    );
    let unknown = signed(1, Kind::Follow, json!({"space": "nope.eth"}));
    assert_eq!(app.post(&settings).0, 200);
    assert_rejected(app.post(&unknown), 400, "unknown space");
    assert_rejected(app.post(&settings), 400, "duplicate message");
    let text = "too many requests, refer to https://docs.snapshot.org/tools/api/api-keys#limits";
    assert_rejected(app.post(&unknown), 429, text);
    assert_rejected(app.post_raw("not even json"), 429, text);
}
