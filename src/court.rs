//! The court as the store knows it: the pure `jury` types fed from the
//! stored court messages, the proposals that elected roles, and the chain
//! (holdings at the eligibility block). Used by the ingest rules, the
//! reads and the HTTP API; the one place that turns stored rows into a
//! case, a pool or a role.

use crate::jury::case::{Case, Event, Facts};
use crate::jury::draw::Pool;
use crate::jury::messages::CourtMessage;
use crate::jury::pool::{Change, Volunteers};
use crate::jury::roles::{candidates, holdings, winners, Election, Holding};
use crate::jury::settings::{CourtSettings, Weighting};
use crate::protocol::rejection::CourtRefusal;
use crate::protocol::settings::hides_abstain;
use crate::protocol::signature::Address;
use crate::protocol::typed_data::Kind;
use crate::store::{CourtEventRow, Db, StoreError};
use crate::tally::outcome::compute;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use primitive_types::U256;
use serde_json::{json, Map, Value};

/// Subjects that are not cases.
pub const POOL: &str = "pool";
pub const SETTINGS: &str = "settings";
pub const ROLES: &str = "roles";

/// Why the court could not answer.
#[derive(Debug, thiserror::Error)]
pub enum CourtError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored message no longer replays: the store was changed by hand.
    #[error("stored court message {id} does not replay: {reason}")]
    Corrupt { id: String, reason: String },
}

/// The subject a court message is stored under.
pub fn subject(kind: Kind, id: &str, message: &CourtMessage) -> String {
    match kind {
        Kind::Volunteer | Kind::Withdraw => POOL.into(),
        Kind::CourtSettings => SETTINGS.into(),
        Kind::Election => ROLES.into(),
        Kind::Claim => id.into(),
        _ => message.case().unwrap_or_default().into(),
    }
}

/// The typed message of a stored row.
fn message_of(row: &CourtEventRow) -> Result<CourtMessage, CourtError> {
    let corrupt = |reason: String| CourtError::Corrupt {
        id: row.id.clone(),
        reason,
    };
    let kind = Kind::parse(&row.kind).ok_or_else(|| corrupt(format!("kind {}", row.kind)))?;
    let message: Map<String, Value> =
        serde_json::from_str(&row.message).map_err(|err| corrupt(err.to_string()))?;
    CourtMessage::parse(kind, &message)
        .ok_or_else(|| corrupt("not a court kind".into()))?
        .map_err(|err| corrupt(err.to_string()))
}

fn author_of(row: &CourtEventRow) -> Result<Address, CourtError> {
    Address::parse_any(&row.author).map_err(|err| CourtError::Corrupt {
        id: row.id.clone(),
        reason: err.to_string(),
    })
}

/// A stored row as a case event, its facts read back (the pool from its block).
pub fn event_of(db: &Db<'_>, row: &CourtEventRow) -> Result<Event, CourtError> {
    let corrupt = |reason: String| CourtError::Corrupt {
        id: row.id.clone(),
        reason,
    };
    let facts: Value = serde_json::from_str(&row.facts).map_err(|err| corrupt(err.to_string()))?;
    let facts = if let Some(cid) = facts.get("pool").and_then(Value::as_str) {
        Facts::Jury {
            pool: published_pool(db, cid).map_err(|err| match err {
                CourtError::Store(err) => CourtError::Store(err),
                other => corrupt(other.to_string()),
            })?,
            alternates: facts
                .get("alternates")
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or_default(),
            jury_period: facts
                .get("jury_period")
                .and_then(Value::as_i64)
                .unwrap_or_default(),
        }
    } else if let Some(seed) = facts.get("seed").and_then(Value::as_str) {
        Facts::Seed(
            crate::jury::seed::block_hash(seed).ok_or_else(|| corrupt(format!("seed {seed}")))?,
        )
    } else {
        Facts::None
    };
    Ok(Event {
        id: row.id.clone(),
        ipfs: row.ipfs.clone(),
        author: author_of(row)?,
        timestamp: row.timestamp,
        received: row.received,
        message: message_of(row)?,
        facts,
    })
}

/// Published pools by CID, parsed once: every message of a case replays
/// it, and a pool of a million volunteers takes half a second to parse.
/// Keyed by content, so an entry is right for any store that has the block.
static POOLS: LazyLock<Mutex<HashMap<String, Arc<Pool>>>> = LazyLock::new(Mutex::default);
/// Pools kept; the map is emptied when full.
const POOLS_KEPT: usize = 64;

/// The pool published under `cid`, from the store's block.
fn published_pool(db: &Db<'_>, cid: &str) -> Result<Arc<Pool>, CourtError> {
    let cached = POOLS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(cid)
        .cloned();
    if let Some(pool) = cached {
        return Ok(pool);
    }
    let corrupt = |reason: String| CourtError::Corrupt {
        id: cid.to_string(),
        reason,
    };
    let root = cid::Cid::try_from(cid).map_err(|err| corrupt(err.to_string()))?;
    let bytes = crate::ipld::unixfs_read(&root, |block| {
        db.block(&block.to_string())?
            .ok_or_else(|| StoreError::Dag(crate::ipld::DagError::Missing(block.to_string())))
    })?;
    let text = String::from_utf8(bytes).map_err(|err| corrupt(err.to_string()))?;
    let pool = Arc::new(Pool::from_csv(&text).map_err(|err| corrupt(err.to_string()))?);
    let mut pools = POOLS.lock().unwrap_or_else(PoisonError::into_inner);
    if pools.len() >= POOLS_KEPT {
        pools.clear();
    }
    pools.insert(cid.to_string(), Arc::clone(&pool));
    Ok(pool)
}

/// What the `facts` column holds for an event's facts (the pool by CID),
/// and the blocks to store: the pool's CSV as a UnixFS file laid out as
/// `ipfs add` does (one raw block up to 256 KiB, else 256 KiB leaves under
/// dag-pb nodes), so any IPFS node can pin and serve a large pool.
pub fn facts_json(facts: &Facts) -> (Value, Vec<(String, Vec<u8>)>) {
    match facts {
        Facts::None => (json!({}), Vec::new()),
        Facts::Jury {
            pool,
            alternates,
            jury_period,
        } => {
            let blocks = crate::ipld::unixfs_blocks(pool.to_csv().as_bytes());
            let root = blocks
                .last()
                .map(|(cid, _)| cid.clone())
                .unwrap_or_default();
            let facts = json!({"pool": root, "alternates": alternates, "jury_period": jury_period});
            (facts, blocks)
        }
        Facts::Seed(seed) => (
            json!({"seed": format!("0x{}", hex::encode(seed))}),
            Vec::new(),
        ),
    }
}

/// The space's court settings: its latest signed ones, or the defaults.
pub fn settings(db: &Db<'_>, space: &str) -> Result<CourtSettings, CourtError> {
    match db.court_events(space, SETTINGS)?.last() {
        Some(row) => match message_of(row)? {
            CourtMessage::Settings(settings) => Ok(settings),
            _ => Err(CourtError::Corrupt {
                id: row.id.clone(),
                reason: "not court settings".into(),
            }),
        },
        None => Ok(CourtSettings::default()),
    }
}

/// The juror pool's volunteers and their terms.
pub fn volunteers(db: &Db<'_>, space: &str) -> Result<Volunteers, CourtError> {
    let mut changes = Vec::new();
    for row in db.court_events(space, POOL)? {
        let author = author_of(&row)?;
        changes.push(match row.kind.as_str() {
            "withdraw" => Change::Withdraw(author, row.received),
            _ => Change::Volunteer(author, row.received),
        });
    }
    Ok(Volunteers::replay(changes))
}

/// An election, and its winners once its proposal has ended.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ElectionState {
    #[serde(flatten)]
    pub election: Election,
    /// `None` while the proposal is open.
    pub winners: Option<Vec<Address>>,
}

/// Every election of the space, in order.
pub fn elections(db: &Db<'_>, space: &str, now: i64) -> Result<Vec<ElectionState>, CourtError> {
    let hide_abstain = db
        .space(space)?
        .is_some_and(|row| hides_abstain(&row.settings));
    let mut out = Vec::new();
    for row in db.court_events(space, ROLES)? {
        let CourtMessage::Election {
            proposal,
            role,
            seats,
            term,
        } = message_of(&row)?
        else {
            continue;
        };
        let Some(found) = db.proposal(&proposal)? else {
            continue;
        };
        let election = Election {
            id: row.id.clone(),
            proposal,
            role,
            seats,
            term: i64::try_from(term).unwrap_or(i64::MAX),
            closes: found.end,
        };
        let winners = if now >= found.end {
            Some(winners(
                &candidates(&found.choices),
                &closed_scores(db, &found, hide_abstain, now)?,
                seats,
            ))
        } else {
            None
        };
        out.push(ElectionState { election, winners });
    }
    Ok(out)
}

/// Whether `proposal` is marked as electing a role.
pub fn elects(db: &Db<'_>, space: &str, proposal: &str) -> Result<bool, CourtError> {
    for row in db.court_events(space, ROLES)? {
        if let CourtMessage::Election {
            proposal: marked, ..
        } = message_of(&row)?
        {
            if marked == proposal {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// A closed proposal's scores: its frozen final result once the closer
/// stored it, else counted from its votes (which no longer change).
fn closed_scores(
    db: &Db<'_>,
    proposal: &crate::store::ProposalRow,
    hide_abstain: bool,
    now: i64,
) -> Result<Vec<f64>, CourtError> {
    if let Some(stored) = db.result(&proposal.id)? {
        if stored.state == crate::tally::outcome::ScoresState::Final {
            if let Ok(result) = serde_json::from_str::<Value>(&stored.json) {
                if let Some(scores) = result["scores"].as_array() {
                    return Ok(scores.iter().filter_map(Value::as_f64).collect());
                }
            }
        }
    }
    let votes = db.counted_votes(&proposal.id)?;
    Ok(compute(&proposal.terms(), &votes, hide_abstain, now, 0).scores)
}

/// Every role holding the space's closed elections gave (lapsed ones too).
pub fn role_holdings(db: &Db<'_>, space: &str, now: i64) -> Result<Vec<Holding>, CourtError> {
    Ok(elections(db, space, now)?
        .iter()
        .filter_map(|state| {
            let winners = state.winners.as_ref()?;
            Some(holdings(&state.election, winners))
        })
        .flatten()
        .collect())
}

/// Whether `address` holds `role` in `space` at `now`.
pub fn holds(
    db: &Db<'_>,
    space: &str,
    role: &str,
    address: &Address,
    now: i64,
) -> Result<bool, CourtError> {
    Ok(role_holdings(db, space, now)?
        .iter()
        .any(|holding| holding.holds(role, address, now)))
}

/// A case replayed from the store, or `None` if the space has no such claim.
pub fn case(db: &Db<'_>, space: &str, id: &str) -> Result<Option<Case>, CourtError> {
    let rows = db.court_events(space, id)?;
    if rows.is_empty() {
        return Ok(None);
    }
    let events = rows
        .iter()
        .map(|row| event_of(db, row))
        .collect::<Result<Vec<_>, _>>()?;
    Case::replay(events)
        .map(Some)
        .map_err(|err| CourtError::Corrupt {
            id: id.into(),
            reason: err.to_string(),
        })
}

/// The cases of a space, newest first (their claim rows).
pub fn claims(db: &Db<'_>, space: &str, limit: usize) -> Result<Vec<CourtEventRow>, CourtError> {
    Ok(db.court_events_of_kind(space, Kind::Claim.as_str(), limit)?)
}

/// The pool a case's jury is drawn from if opened at `now`: volunteers
/// serving now, without the parties and the arbitrator, weighted as the
/// space's settings say. `holdings` gives the whole tokens each member held
/// at the eligibility block (`power::whole_tokens`); it is asked only when
/// the space weighs holdings or sets a minimum.
pub fn eligible_pool(
    db: &Db<'_>,
    space: &str,
    case: &Case,
    arbitrator: Option<Address>,
    now: i64,
    holdings: impl FnOnce(&[Address]) -> Result<Vec<u64>, String>,
) -> Result<Pool, EligibilityError> {
    let settings = settings(db, space)?;
    let left_out = [Some(case.claimant), Some(case.respondent), arbitrator];
    let members: Vec<Address> = volunteers(db, space)?
        .at(now)
        .map(|(address, _)| address)
        .filter(|address| !left_out.contains(&Some(*address)))
        .collect();
    let weights: Vec<U256> = match (settings.weighting, settings.minimum) {
        (Weighting::Uniform, 0) => vec![U256::one(); members.len()],
        (weighting, minimum) => holdings(&members)
            .map_err(CourtRefusal::Holdings)?
            .into_iter()
            .map(|tokens| {
                if tokens < minimum {
                    U256::zero()
                } else if weighting == Weighting::Uniform {
                    U256::one()
                } else {
                    U256::from(tokens)
                }
            })
            .collect(),
    };
    Pool::new(members.into_iter().zip(weights))
        .map_err(|err| EligibilityError::Refused(CourtRefusal::Holdings(err.to_string())))
}

/// Why an eligible pool could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum EligibilityError {
    #[error(transparent)]
    Court(#[from] CourtError),
    #[error(transparent)]
    Refused(#[from] CourtRefusal),
}

impl From<StoreError> for EligibilityError {
    fn from(err: StoreError) -> Self {
        EligibilityError::Court(err.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_pool_is_stored_as_a_unixfs_file_and_read_back() {
        // 6,000 volunteers: about 330 KiB of CSV, more than one 256 KiB leaf.
        let pool = Pool::new((0..6_000u32).map(|i| {
            let mut bytes = [0u8; 20];
            bytes[16..].copy_from_slice(&i.to_be_bytes());
            (
                Address::from_bytes(bytes),
                U256::from(1_000_000_007u64) * U256::exp10(12),
            )
        }))
        .unwrap();
        let facts = Facts::Jury {
            pool: Arc::new(pool.clone()),
            alternates: 3,
            jury_period: 60,
        };
        let (json, blocks) = facts_json(&facts);
        assert!(blocks.len() > 2, "leaves and a dag-pb root");
        let root = json["pool"].as_str().unwrap();
        assert_eq!(root, blocks.last().unwrap().0);
        assert_eq!(
            root,
            crate::ipld::unixfs_cid(pool.to_csv().as_bytes()),
            "as `ipfs add` gives it"
        );
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("votehub.sqlite")).unwrap();
        let conn = store.write_connection().unwrap();
        let db = Db::new(&conn);
        for (cid, bytes) in &blocks {
            db.put_block(cid, bytes).unwrap();
        }
        let read = published_pool(&db, root).unwrap();
        assert_eq!(read.len(), 6_000);
        assert_eq!(read.hash(), pool.hash());
        // A missing leaf is an error, never a shorter pool.
        let other = crate::ipld::unixfs_blocks(
            b"address,weight\n0x0000000000000000000000000000000000000001,1\n",
        );
        let missing = published_pool(
            &db,
            "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
        );
        assert!(missing.is_err());
        assert_eq!(other.len(), 1, "a small pool is one raw block, as before");
    }
}
