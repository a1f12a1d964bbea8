//! votehub's court kinds (docs/court-messages.md): the checks that need the
//! store or a chain (admins, roles, the eligible pool, the randomness) run
//! here; the case's own rules are `jury::case`, run once here for a precise
//! refusal and again in the writer against the stored case, so two
//! concurrent messages cannot both pass a rule only one may.

use serde_json::Value;

use super::{listed, Action, Context, Stamp};
use crate::court::{self, CourtError, EligibilityError};
use crate::ingest::IngestError;
use crate::jury::case::{Case, Event, Facts};
use crate::jury::messages::CourtMessage;
use crate::jury::seed::{self, quicknet, SeedSource};
use crate::jury::settings::{ARBITRATOR, SEED_BLOCKS};
use crate::protocol::rejection::{CourtRefusal, Rejection};
use crate::protocol::signature::Address;
use crate::store::writer::WriteError;
use crate::store::{CourtEventRow, Db};

/// A court message ready to store.
#[derive(Debug, Clone)]
pub struct CourtWrite {
    space: String,
    subject: String,
    kind: &'static str,
    message: CourtMessage,
    signed: String,
    facts: Facts,
    /// For `open-jury`: the court settings and the space's network then,
    /// recorded beside the pool so a case bundle carries what was used.
    jury_context: Option<(crate::jury::settings::CourtSettings, String)>,
    timestamp: i64,
}

impl From<CourtError> for IngestError {
    fn from(err: CourtError) -> Self {
        match err {
            CourtError::Store(err) => IngestError::Store(err),
            corrupt => IngestError::Write(corrupt.to_string()),
        }
    }
}

impl From<CourtError> for WriteError {
    fn from(err: CourtError) -> Self {
        match err {
            CourtError::Store(err) => err.into(),
            corrupt => WriteError::Failed(corrupt.to_string()),
        }
    }
}

fn refused(refusal: CourtRefusal) -> IngestError {
    Rejection::Court(refusal).into()
}

pub(super) fn check(ctx: &Context<'_>) -> Result<Action, IngestError> {
    let kind = ctx.schema.kind;
    let message = CourtMessage::parse(kind, ctx.message)
        .ok_or(Rejection::WrongTypes)?
        .map_err(refused)?;
    let space = super::space_of(ctx)?;
    let db = ctx.db;
    // The case a message belongs to, replayed once for every check below.
    let mut stored = match message.case() {
        Some(case) => Some(stored_case(db, &space, case)?),
        None => None,
    };
    let mut facts = Facts::None;
    let mut jury_context = None;
    match (&message, stored.as_ref()) {
        (CourtMessage::Settings(_), _) if !is_admin(db, &space, ctx.signer)? => {
            return Err(refused(CourtRefusal::NotAdmin));
        }
        (CourtMessage::Withdraw, _)
            if court::volunteers(db, &space)?
                .serving(&ctx.from, ctx.now)
                .is_none() =>
        {
            return Err(refused(CourtRefusal::NotVolunteer));
        }
        (
            CourtMessage::Election {
                proposal,
                role,
                seats,
                term,
            },
            _,
        ) => check_election(ctx, &space, proposal, role, *seats, *term)?,
        (CourtMessage::Claim { respondent, .. }, _) if *respondent == ctx.from => {
            return Err(refused(CourtRefusal::SelfClaim));
        }
        (CourtMessage::Accept { .. }, _)
            if !court::holds(db, &space, ARBITRATOR, &ctx.from, ctx.now)? =>
        {
            return Err(refused(CourtRefusal::NotArbitrator));
        }
        (CourtMessage::OpenJury { block, seed, .. }, Some(stored)) => {
            check_commitment(ctx, &space, *seed)?;
            let settings = court::settings(db, &space)?;
            let space_settings = db
                .space(&space)?
                .map(|row| row.settings.clone())
                .unwrap_or_default();
            let pool =
                court::eligible_pool(db, &space, stored, Some(ctx.from), ctx.now, |members| {
                    crate::power::whole_tokens(db, ctx.chains, &space_settings, *block, members)
                })
                .map_err(|err| match err {
                    EligibilityError::Court(err) => err.into(),
                    EligibilityError::Refused(refusal) => refused(refusal),
                })?;
            facts = Facts::Jury {
                pool: std::sync::Arc::new(pool),
                alternates: settings.alternates,
                jury_period: settings.jury_period(),
            };
            jury_context = Some((settings, network(ctx, &space)?));
        }
        (CourtMessage::Randomness { value, .. }, Some(stored)) => {
            let jury = stored
                .jury
                .as_ref()
                .ok_or(refused(CourtRefusal::JuryNotOpened))?;
            facts = Facts::Seed(randomness(ctx, &space, jury.seed, value)?);
        }
        _ => {}
    }
    let write = CourtWrite {
        subject: court::subject(kind, ctx.id, &message),
        space,
        kind: kind.as_str(),
        message,
        signed: Value::Object(ctx.message.clone()).to_string(),
        facts,
        jury_context,
        timestamp: ctx.timestamp,
    };
    // The case's own rules now, for a precise refusal before queueing.
    if let Some(stored) = stored.as_mut() {
        stored
            .apply(write.event(ctx.id, ctx.ipfs, ctx.from, ctx.now))
            .map_err(refused)?;
    } else if let CourtMessage::Claim { .. } = write.message {
        Case::open(write.event(ctx.id, ctx.ipfs, ctx.from, ctx.now)).map_err(refused)?;
    }
    Ok(Action::Court(Box::new(write)))
}

impl CourtWrite {
    fn event(&self, id: &str, ipfs: &str, author: Address, received: i64) -> Event {
        Event {
            id: id.into(),
            ipfs: ipfs.into(),
            author,
            timestamp: self.timestamp,
            received,
            message: self.message.clone(),
            facts: self.facts.clone(),
        }
    }
}

/// In the writer: the case's rules again against the stored case, then
/// the row (and the eligible pool's block).
pub(super) fn apply(db: &Db<'_>, write: &CourtWrite, stamp: &Stamp<'_>) -> Result<(), WriteError> {
    let mut received = stamp.now;
    if let Some(case) = write.message.case() {
        let mut stored = court::case(db, &write.space, case)?
            .ok_or(Rejection::Court(CourtRefusal::UnknownCase))?;
        // Receipt times are taken when a request arrives but stored in the
        // writer's order: a case's times never go back, so its replay in
        // stored order is the order it was judged in.
        if let Some(last) = stored.events.last() {
            received = received.max(last.received);
        }
        let event = write.event(stamp.id, stamp.ipfs, stamp.from, received);
        stored.apply(event).map_err(Rejection::Court)?;
    }
    if let CourtMessage::Election { proposal, .. } = &write.message {
        if court::elects(db, &write.space, proposal)? {
            return Err(Rejection::Court(CourtRefusal::ElectionExists).into());
        }
    }
    let (mut facts, blocks) = court::facts_json(&write.facts);
    for (cid, bytes) in blocks {
        db.put_block(&cid, &bytes)?;
    }
    if let (Some((settings, network)), Some(object)) = (&write.jury_context, facts.as_object_mut())
    {
        object.insert(
            "settings".into(),
            serde_json::to_value(settings).unwrap_or_default(),
        );
        object.insert("network".into(), Value::String(network.clone()));
    }
    db.put_court_event(&CourtEventRow {
        id: stamp.id.into(),
        ipfs: stamp.ipfs.into(),
        space: write.space.clone(),
        subject: write.subject.clone(),
        kind: write.kind.into(),
        author: stamp.from.to_string(),
        timestamp: write.timestamp,
        received,
        message: write.signed.clone(),
        facts: facts.to_string(),
    })?;
    Ok(())
}

fn stored_case(db: &Db<'_>, space: &str, case: &str) -> Result<Case, IngestError> {
    court::case(db, space, case)?.ok_or(refused(CourtRefusal::UnknownCase))
}

/// The space's controller or one of its admins.
fn is_admin(db: &Db<'_>, space: &str, signer: Address) -> Result<bool, IngestError> {
    let controller = db
        .controller(space)?
        .is_some_and(|controller| controller.eq_ignore_ascii_case(&signer.to_string()));
    Ok(controller
        || db
            .space(space)?
            .is_some_and(|row| listed(&row.settings, "admins", signer)))
}

/// An election proposal keeps its choices and stays: the roles it gives
/// rest on them (update-proposal and delete-proposal call this).
pub(super) fn check_not_election(
    db: &Db<'_>,
    space: &str,
    proposal: &str,
) -> Result<(), IngestError> {
    if court::elects(db, space, proposal)? {
        return Err(refused(CourtRefusal::ElectionLocked));
    }
    Ok(())
}

fn check_election(
    ctx: &Context<'_>,
    space: &str,
    proposal: &str,
    role: &str,
    seats: u32,
    term: u64,
) -> Result<(), IngestError> {
    let db = ctx.db;
    if !is_admin(db, space, ctx.signer)? {
        return Err(refused(CourtRefusal::NotAdmin));
    }
    let settings = court::settings(db, space)?;
    let expected = settings
        .roles
        .get(role)
        .ok_or_else(|| refused(CourtRefusal::UnknownRole(role.into())))?
        .term_seconds();
    if term != expected {
        return Err(refused(CourtRefusal::WrongTerm {
            role: role.into(),
            expected,
            given: term,
        }));
    }
    let found = db
        .proposal(proposal)?
        .filter(|row| row.space == space)
        .ok_or(Rejection::UnknownProposal)?;
    if found.end <= ctx.now {
        return Err(refused(CourtRefusal::ElectionClosed));
    }
    if found
        .choices
        .iter()
        .any(|choice| Address::parse_any(choice).is_err())
    {
        return Err(refused(CourtRefusal::ChoiceNotAddress));
    }
    if seats == 0 || seats as usize > found.choices.len() {
        return Err(refused(CourtRefusal::WrongSeats));
    }
    if court::elects(db, space, proposal)? {
        return Err(refused(CourtRefusal::ElectionExists));
    }
    Ok(())
}

/// The space's network (Snapshot's default: `1`).
fn network(ctx: &Context<'_>, space: &str) -> Result<String, IngestError> {
    Ok(ctx
        .db
        .space(space)?
        .and_then(|row| {
            row.settings
                .get("network")
                .and_then(Value::as_str)
                .map(String::from)
        })
        .unwrap_or_else(|| "1".into()))
}

/// The committed randomness must not exist when the jury opens.
fn check_commitment(ctx: &Context<'_>, space: &str, source: SeedSource) -> Result<(), IngestError> {
    match source {
        SeedSource::Drand { round } => {
            let latest = quicknet::round_at(ctx.now);
            if round <= latest {
                return Err(refused(CourtRefusal::SeedNotFuture(format!(
                    "quicknet round {latest} is already out"
                ))));
            }
        }
        SeedSource::Block { number } => {
            let network = network(ctx, space)?;
            let latest = ctx.chains.block_number(&network).map_err(|err| {
                refused(CourtRefusal::SeedNotFuture(format!(
                    "the latest block of network {network} is unknown: {err}"
                )))
            })?;
            if number <= latest {
                return Err(refused(CourtRefusal::SeedNotFuture(format!(
                    "block {latest} of network {network} already exists"
                ))));
            }
            if number < latest + SEED_BLOCKS {
                return Err(refused(CourtRefusal::SeedNotFuture(format!(
                    "block {number} is less than {SEED_BLOCKS} blocks past the latest ({latest}) of network {network}"
                ))));
            }
        }
    }
    Ok(())
}

/// The verified seed: a quicknet round's signature checked against the
/// group key, or the hash of the committed block as the node gives it.
fn randomness(
    ctx: &Context<'_>,
    space: &str,
    source: SeedSource,
    value: &str,
) -> Result<[u8; 32], IngestError> {
    match source {
        SeedSource::Drand { round } => {
            if quicknet::round_time(round) > ctx.now {
                return Err(refused(CourtRefusal::RandomnessPending(format!(
                    "quicknet round {round} is due at {}",
                    quicknet::round_time(round)
                ))));
            }
            seed::drand_randomness(round, value)
                .map_err(|err| refused(CourtRefusal::WrongRandomness(err.to_string())))
        }
        SeedSource::Block { number } => {
            let network = network(ctx, space)?;
            let given = seed::block_hash(value).ok_or_else(|| {
                refused(CourtRefusal::WrongRandomness(
                    "a block hash is 0x and 64 hex digits".into(),
                ))
            })?;
            let hash = ctx
                .chains
                .block_hash(&network, number)
                .map_err(|err| refused(CourtRefusal::RandomnessPending(err.to_string())))?
                .ok_or_else(|| {
                    refused(CourtRefusal::RandomnessPending(format!(
                        "block {number} of network {network} does not exist yet"
                    )))
                })?;
            if hash != given {
                return Err(refused(CourtRefusal::WrongRandomness(format!(
                    "block {number} has hash 0x{}",
                    hex::encode(hash)
                ))));
            }
            Ok(hash)
        }
    }
}
