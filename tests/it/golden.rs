//! The published formats, byte for byte. `fixtures/golden/` holds a store in
//! which a proposal was closed (token-weighted, basic voting, a revote, an
//! alias vote, `hideAbstain`) plus one message after the close, and the
//! relayer key that signed it. Rebuilding the bundle from that store, and
//! pinning a log head at a fixed time, must give the CIDs recorded when
//! `votehub-audit-bundle/1` and `votehub-log-head/1` were defined: a
//! difference is a change of format, which needs a new version string.

use votehub::chain::Chains;
use votehub::format::bundle::Root;
use votehub::format::log::{Head, Segment};
use votehub::ipld::source::Blocks;
use votehub::store::Store;
use votehub::verify::{verify, Options};

/// The proposal closed in the fixture store.
const PROPOSAL: &str = "0x502861bfbbc26127f2cd9b4168fd6cb2e0a53bbfa82182da1d3229d97e3792fd";
/// Its bundle root, as stored at close and as rebuilt.
const ROOT: &str = "baguqeeralwm2oy3jz2fvlacctkf4asdnoznuz47erymmf4f5oa3i65fqzisa";
/// The head pinned at [`HEAD_TIME`] over the message after the close.
const HEAD: &str = "baguqeeravfp65hculqd5vljq5rgpxwqsi7fwds5gwkfksfaahwgism3mc2jq";
const HEAD_TIME: i64 = 1_800_000_000;

fn fixture_store() -> (tempfile::TempDir, Store) {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/golden");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixtures.join("store.sqlite"),
        dir.path().join("votehub.sqlite"),
    )
    .unwrap();
    std::fs::copy(fixtures.join("relayer.key"), dir.path().join("relayer.key")).unwrap();
    let store = Store::open(&dir.path().join("votehub.sqlite")).unwrap();
    (dir, store)
}

#[test]
fn a_rebuilt_bundle_has_the_recorded_bytes() {
    let (dir, store) = fixture_store();
    let relayer = votehub::app::relayer_key::load_or_create(dir.path()).unwrap();
    let reader = store.reader().unwrap();
    let db = reader.db();
    let proposal = db.proposal(PROPOSAL).unwrap().unwrap();
    assert_eq!(proposal.audit_cid.as_deref(), Some(ROOT));
    let result = db.result(PROPOSAL).unwrap().unwrap().json;
    let head = db.last_log_head().unwrap().unwrap();

    let built = votehub::audit::bundle::build(
        &db,
        &Chains::default(),
        &relayer,
        PROPOSAL,
        &result,
        Some(&head),
    )
    .unwrap();
    assert_eq!(built.root, ROOT);
    assert_eq!((built.votes, built.counted), (5, 4));
    for (cid, bytes) in &built.blocks {
        assert_eq!(
            db.block(cid).unwrap().as_deref(),
            Some(bytes.as_slice()),
            "block {cid} differs from the one stored at close"
        );
    }
    let root: Root = serde_json::from_slice(&db.block(ROOT).unwrap().unwrap()).unwrap();
    assert_eq!(root.proposal, PROPOSAL);
    // The store itself passes `votehub check` (revote, alias vote, log heads).
    let integrity = votehub::integrity::check(&db, votehub::integrity::Scope::Full).unwrap();
    assert!(integrity.ok(), "{}", integrity.render());
    assert_eq!(integrity.votes, 4);

    // And the stored bundle still verifies from its blocks alone.
    let blocks = Blocks::new(db.dag(ROOT).unwrap());
    let report = verify(
        &blocks,
        ROOT,
        &Options {
            threads: 2,
            ..Options::default()
        },
    );
    assert!(report.ok(), "{}", report.render());
}

#[test]
fn a_log_head_has_the_recorded_bytes() {
    let (dir, store) = fixture_store();
    let relayer = votehub::app::relayer_key::load_or_create(dir.path()).unwrap();
    let previous = store
        .reader()
        .unwrap()
        .db()
        .last_log_head()
        .unwrap()
        .unwrap();
    let head = store
        .write_once(|db| votehub::message_log::pin_head(db, &relayer, HEAD_TIME))
        .unwrap()
        .unwrap();
    assert_eq!(head.cid, HEAD);
    assert_eq!(head.mci, previous.mci + 1);
    let reader = store.reader().unwrap();
    let block: Head = serde_json::from_slice(&reader.db().block(HEAD).unwrap().unwrap()).unwrap();
    assert_eq!(block.previous.map(|link| link.cid), Some(previous.cid));
    let segment: Segment =
        serde_json::from_slice(&reader.db().block(&block.segments[0].cid).unwrap().unwrap())
            .unwrap();
    assert_eq!(segment.entries.len(), 1);
    assert_eq!(segment.entries[0].0, head.mci);
}

/// The worked example of docs/audit-format.md prints these very blocks.
#[test]
fn the_format_documentation_shows_the_recorded_blocks() {
    let (_dir, store) = fixture_store();
    let reader = store.reader().unwrap();
    let doc = include_str!("../../docs/audit-format.md");
    let root: Root = serde_json::from_slice(&reader.db().block(ROOT).unwrap().unwrap()).unwrap();
    for cid in [ROOT, root.bundle.cid.as_str()] {
        let bytes = reader.db().block(cid).unwrap().unwrap();
        assert!(doc.contains(cid), "{cid} is not named in the documentation");
        assert!(
            doc.contains(std::str::from_utf8(&bytes).unwrap()),
            "block {cid} is not printed exactly in the documentation"
        );
    }
}
