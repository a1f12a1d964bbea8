//! The verify path (envelope parse → kind lookup → EIP-712 digest → k256
//! recovery → address) beside its floor, raw `recover_from_prehash`, and the
//! same recovery with k256 0.13 (the version ethers-core carries), to justify
//! the choice of k256 0.14, and the relayer's receipt signature that every
//! accepted message also costs. Run: `cargo bench --bench verify`.

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::{json, Map, Value};
use std::hint::black_box;
use votehub::protocol::envelope::Envelope;
use votehub::protocol::signature::{self, Signer};
use votehub::protocol::typed_data::{self, Kind};

fn envelopes(n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let signer = Signer::generate();
            let message: Map<String, Value> = serde_json::from_value(json!({
                "space": "bench.eth",
                "proposal": format!("0x{:064x}", i + 1),
                "choice": 1 + i % 3,
                "reason": "benchmark",
            }))
            .unwrap();
            votehub::protocol::client::sign(&signer, Kind::Vote, message, 1_700_000_000 + i as i64)
                .unwrap()
                .to_string()
                .into_bytes()
        })
        .collect()
}

fn verify(body: &[u8]) -> signature::Address {
    let envelope = Envelope::parse(body).unwrap();
    let schema = typed_data::lookup(envelope.types()).unwrap();
    let digest = typed_data::digest(schema, envelope.domain(), envelope.message()).unwrap();
    let sig = signature::decode_hex_sig(envelope.sig()).unwrap();
    let signer = signature::recover(&digest, &sig).unwrap();
    assert_eq!(signer, envelope.address());
    signer
}

fn bench(c: &mut Criterion) {
    let bodies = envelopes(256);
    let parsed: Vec<(Envelope, [u8; 32], Vec<u8>)> = bodies
        .iter()
        .map(|body| {
            let envelope = Envelope::parse(body).unwrap();
            let schema = typed_data::lookup(envelope.types()).unwrap();
            let digest = typed_data::digest(schema, envelope.domain(), envelope.message()).unwrap();
            let sig = signature::decode_hex_sig(envelope.sig()).unwrap();
            (envelope, digest, sig)
        })
        .collect();

    let mut i = 0;
    c.bench_function(
        "verify path (parse + lookup + digest + recover + compare)",
        |b| {
            b.iter(|| {
                i = (i + 1) % bodies.len();
                black_box(verify(&bodies[i]))
            })
        },
    );
    c.bench_function("envelope parse", |b| {
        b.iter(|| {
            i = (i + 1) % bodies.len();
            black_box(Envelope::parse(&bodies[i]).unwrap())
        })
    });
    c.bench_function("kind lookup (sha256 of types)", |b| {
        b.iter(|| {
            i = (i + 1) % parsed.len();
            black_box(typed_data::lookup(parsed[i].0.types()).unwrap())
        })
    });
    c.bench_function("EIP-712 digest (guards + ethers-core)", |b| {
        b.iter(|| {
            i = (i + 1) % parsed.len();
            let envelope = &parsed[i].0;
            let schema = typed_data::lookup(envelope.types()).unwrap();
            black_box(typed_data::digest(schema, envelope.domain(), envelope.message()).unwrap())
        })
    });
    c.bench_function("k256 0.14 recover + keccak address (votehub)", |b| {
        b.iter(|| {
            i = (i + 1) % parsed.len();
            black_box(signature::recover(&parsed[i].1, &parsed[i].2).unwrap())
        })
    });
    let relayer = Signer::generate();
    c.bench_function("relayer receipt (k256 0.14 personal_sign)", |b| {
        b.iter(|| {
            i = (i + 1) % parsed.len();
            black_box(relayer.personal_sign(parsed[i].0.sig()))
        })
    });
    let raw14: Vec<_> = parsed
        .iter()
        .map(|(_, digest, sig)| {
            let signature = k256::ecdsa::Signature::from_slice(&sig[..64]).unwrap();
            let id = k256::ecdsa::RecoveryId::from_byte(sig[64] - 27).unwrap();
            (*digest, signature, id)
        })
        .collect();
    c.bench_function("raw k256 0.14 recover_from_prehash", |b| {
        b.iter(|| {
            i = (i + 1) % raw14.len();
            let (digest, signature, id) = &raw14[i];
            black_box(
                k256::ecdsa::VerifyingKey::recover_from_prehash(digest, signature, *id).unwrap(),
            )
        })
    });
    let raw13: Vec<_> = parsed
        .iter()
        .map(|(_, digest, sig)| {
            let signature = k256_013::ecdsa::Signature::from_slice(&sig[..64]).unwrap();
            let id = k256_013::ecdsa::RecoveryId::from_byte(sig[64] - 27).unwrap();
            (*digest, signature, id)
        })
        .collect();
    c.bench_function("raw k256 0.13 recover_from_prehash", |b| {
        b.iter(|| {
            i = (i + 1) % raw13.len();
            let (digest, signature, id) = &raw13[i];
            black_box(
                k256_013::ecdsa::VerifyingKey::recover_from_prehash(digest, signature, *id)
                    .unwrap(),
            )
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
