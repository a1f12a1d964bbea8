//! The published formats, byte for byte. `fixtures/golden/` holds a store in
//! which a proposal was closed (token-weighted, basic voting, a revote, an
//! alias vote, `hideAbstain`) plus one message after the close, and the
//! relayer key that signed it. Rebuilding the bundle from that store, and
//! pinning a log head at a fixed time, must give the CIDs recorded when
//! `votehub-audit-bundle/2` and `votehub-log-head/1` were defined: a
//! difference is a change of format, which needs a new version string. The
//! store still holds the `votehub-audit-bundle/1` bundle pinned at close,
//! which must stay verifiable.

use votehub::chain::Chains;
use votehub::format::bundle::Root;
use votehub::format::log::{Head, Segment};
use votehub::ipld::source::Blocks;
use votehub::store::Store;
use votehub::verify::{verify, Options};

/// The proposal closed in the fixture store.
const PROPOSAL: &str = "0x502861bfbbc26127f2cd9b4168fd6cb2e0a53bbfa82182da1d3229d97e3792fd";
/// Its bundle root as stored at close (`votehub-audit-bundle/1`).
const ROOT_V1: &str = "baguqeeralwm2oy3jz2fvlacctkf4asdnoznuz47erymmf4f5oa3i65fqzisa";
/// Its bundle root as rebuilt today (`votehub-audit-bundle/2`).
const ROOT: &str = "baguqeerahxlgesrcqjiwxant6wsie7jauska2sf2cptpdms3f5qm3zocgjcq";
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

/// The bundle rebuilt from the fixture store under today's format.
fn rebuild(dir: &tempfile::TempDir, store: &Store) -> votehub::audit::bundle::Built {
    let relayer = votehub::app::relayer_key::load_or_create(dir.path()).unwrap();
    let reader = store.reader().unwrap();
    let db = reader.db();
    let result = db.result(PROPOSAL).unwrap().unwrap().json;
    let head = db.last_log_head().unwrap().unwrap();
    votehub::audit::bundle::build(&db, &Chains::default(), &relayer, PROPOSAL, &result, &head)
        .unwrap()
}

#[test]
fn a_rebuilt_bundle_has_the_recorded_bytes() {
    let (dir, store) = fixture_store();
    let built = rebuild(&dir, &store);
    assert_eq!(built.root, ROOT);
    assert_eq!((built.votes, built.counted), (5, 4));
    store
        .write_once(|db| {
            for (cid, bytes) in &built.blocks {
                db.put_block(cid, bytes)?;
            }
            Ok::<_, votehub::store::StoreError>(())
        })
        .unwrap();
    let reader = store.reader().unwrap();
    let db = reader.db();
    let root: Root = serde_json::from_slice(&db.block(ROOT).unwrap().unwrap()).unwrap();
    assert_eq!(root.proposal, PROPOSAL);
    // The store itself passes `votehub check` (revote, alias vote, log heads).
    let integrity = votehub::integrity::check(&db, votehub::integrity::Scope::Full).unwrap();
    assert!(integrity.ok(), "{}", integrity.render());
    assert_eq!(integrity.votes, 4);

    // The rebuilt bundle verifies from its blocks alone, its votes found in
    // the log extract.
    let relayer = votehub::app::relayer_key::load_or_create(dir.path())
        .unwrap()
        .address();
    let options = Options {
        threads: 2,
        relayer: Some(relayer),
        ..Options::default()
    };
    let report = verify(&Blocks::new(db.dag(ROOT).unwrap()), ROOT, &options);
    assert!(report.ok(), "{}", report.render());
    assert!(report.log_messages >= 5, "{}", report.render());
    assert!(report.render().contains("OK: the outcome re-derives"));

    // The format-1 bundle pinned at close stays verifiable, saying what it
    // cannot show.
    let proposal = db.proposal(PROPOSAL).unwrap().unwrap();
    assert_eq!(proposal.audit_cid.as_deref(), Some(ROOT_V1));
    let report = verify(&Blocks::new(db.dag(ROOT_V1).unwrap()), ROOT_V1, &options);
    assert!(report.ok(), "{}", report.render());
    assert_eq!(report.log_messages, 0);
    assert!(report
        .notes
        .iter()
        .any(|note| note.contains("votehub-audit-bundle/1")));
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
    let (dir, store) = fixture_store();
    let built = rebuild(&dir, &store);
    let block = |cid: &str| {
        built
            .blocks
            .iter()
            .find(|(stored, _)| stored == cid)
            .map(|(_, bytes)| bytes.clone())
            .unwrap()
    };
    let doc = include_str!("../../docs/audit-format.md");
    let root: Root = serde_json::from_slice(&block(ROOT)).unwrap();
    let body: votehub::format::bundle::Body =
        serde_json::from_slice(&block(&root.bundle.cid)).unwrap();
    let segment = body.log.unwrap().segments[0].cid.clone();
    let missing: Vec<String> = [ROOT, root.bundle.cid.as_str(), segment.as_str()]
        .into_iter()
        .filter_map(|cid| {
            let bytes = block(cid);
            let text = std::str::from_utf8(&bytes).unwrap().to_string();
            (!(doc.contains(cid) && doc.contains(&text))).then(|| format!("{cid}:\n{text}"))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "blocks not printed exactly in the documentation:\n{}",
        missing.join("\n")
    );
}
