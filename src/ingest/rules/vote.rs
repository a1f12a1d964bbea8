//! `vote`, `vote-array`, `vote-string`: window, choice, validation, voting
//! power, and the revote order.

use crate::ingest::IngestError;
use crate::store::writer::WriteError;
use std::sync::Arc;

use serde_json::{json, Value};

use super::{js_len, schema_len, Action, Context};
use crate::power;
use crate::protocol::rejection::Rejection;
use crate::protocol::typed_data::Kind;
use crate::store::{Db, ProposalRow, VoteRow};

/// Snapshot's limit on the signed `metadata` string.
const MAX_METADATA: usize = 2000;

pub(super) fn check(ctx: &Context<'_>) -> Result<Action, IngestError> {
    let metadata_text = ctx.signed_str("metadata").unwrap_or("");
    if js_len(metadata_text) > MAX_METADATA {
        return Err(Rejection::TooLargeMetadata.into());
    }
    let metadata = serde_json::from_str::<Value>(metadata_text)
        .ok()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    let proposal_id = ctx
        .signed_str("proposal")
        .ok_or(Rejection::WrongVoteFormat)?
        .to_lowercase();
    let space = super::space_of(ctx)?;
    let lookup = || -> Result<Arc<ProposalRow>, IngestError> {
        ctx.rows
            .proposal(ctx.db, &proposal_id)?
            .filter(|p| p.space == space)
            .ok_or(Rejection::UnknownProposal.into())
    };
    let signed_choice = ctx.signed("choice").ok_or(Rejection::WrongVoteFormat)?;
    // Only vote-string needs its proposal before the payload check (to know
    // whether the choice is a Shutter ciphertext); the others check first.
    let preloaded = match ctx.schema.kind {
        Kind::VoteString => Some(lookup()?),
        _ => None,
    };
    let choice = match (&preloaded, signed_choice) {
        (Some(proposal), Value::String(text)) if proposal.privacy == "shutter" => {
            Value::String(text.clone())
        }
        (Some(_), Value::String(text)) => {
            serde_json::from_str(text).map_err(|_| Rejection::InvalidChoice)?
        }
        (Some(_), _) => return Err(Rejection::InvalidChoice.into()),
        (None, choice) => choice.clone(),
    };
    let reason = ctx.signed_str("reason").unwrap_or("");
    let app = ctx.signed_str("app").unwrap_or("");
    if schema_len(reason) > 5000 || schema_len(app) > 24 || choice.is_null() {
        return Err(Rejection::WrongVoteFormat.into());
    }
    let proposal = match preloaded {
        Some(proposal) => proposal,
        None => lookup()?,
    };
    let in_window = |t: i64| proposal.start <= t && t <= proposal.end;
    if !in_window(ctx.timestamp) || !in_window(ctx.now) {
        return Err(Rejection::NotInVotingWindow.into());
    }
    if proposal.privacy == "shutter" {
        if !reason.is_empty() {
            return Err(Rejection::ReasonWithShutter.into());
        }
        if !choice.as_str().is_some_and(|c| c.starts_with("0x")) {
            return Err(Rejection::InvalidChoice.into());
        }
    } else {
        let valid = proposal
            .kind
            .is_valid_choice(&choice, proposal.choices.len());
        if !valid {
            return Err(Rejection::InvalidChoice.into());
        }
    }
    let snapshot = u64::try_from(proposal.snapshot).unwrap_or(0);
    check_vote_validation(ctx, &proposal, snapshot)?;
    let power = power::voting_power(ctx.db, ctx.chains, &proposal.strategies, &proposal.network, snapshot, ctx.from).map_err(|err| {
        tracing::warn!(proposal = %proposal.id, voter = %ctx.from, "failed to check voting power: {err}");
        Rejection::FailedToCheckVotingPower
    })?;
    if power.vp <= 0.0 {
        return Err(Rejection::NoVotingPower.into());
    }
    Ok(Action::Vote(Box::new(VoteRow {
        id: ctx.id.to_string(),
        ipfs: ctx.ipfs.to_string(),
        voter: ctx.from.to_string(),
        created: ctx.timestamp,
        space: proposal.space.clone(),
        proposal: proposal.id.clone(),
        choice,
        reason: reason.to_string(),
        app: app.to_string(),
        metadata,
        vp: power.vp,
        vp_by_strategy: power.vp_by_strategy,
        vp_state: power.vp_state,
    })))
}

/// The space's vote validation, frozen into the proposal: `any`, or `basic`
/// with a `minScore` over its strategies (the proposal's by default).
fn check_vote_validation(
    ctx: &Context<'_>,
    proposal: &ProposalRow,
    snapshot: u64,
) -> Result<(), IngestError> {
    let name = proposal
        .validation
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("any");
    if name.is_empty() || name == "any" {
        return Ok(());
    }
    if name != "basic" {
        return Err(Rejection::FailedToCheckVoteValidation.into());
    }
    let params = proposal.validation.get("params");
    let Some(min_score) = params
        .and_then(|p| p.get("minScore"))
        .and_then(Value::as_f64)
    else {
        return Ok(());
    };
    let strategies = params
        .and_then(|p| p.get("strategies"))
        .cloned()
        .unwrap_or_else(|| proposal.strategies.clone());
    let power = power::voting_power(
        ctx.db,
        ctx.chains,
        &strategies,
        &proposal.network,
        snapshot,
        ctx.from,
    )
    .map_err(|_| Rejection::FailedToCheckVoteValidation)?;
    if power.vp >= min_score {
        Ok(())
    } else {
        Err(Rejection::FailedVoteValidation.into())
    }
}

/// Writes a vote: a later vote replaces the voter's earlier one; equal
/// timestamps are ordered by id.
pub(super) fn apply(db: &Db<'_>, vote: &VoteRow) -> Result<(), WriteError> {
    if !db.proposal_exists(&vote.proposal)? {
        return Err(Rejection::UnknownProposal.into());
    }
    let current = db.current_vote(&vote.voter, &vote.space, &vote.proposal)?;
    if let Some((current_id, current_created)) = &current {
        if *current_created > vote.created {
            return Err(Rejection::AlreadyVotedLater.into());
        }
        if *current_created == vote.created && vote.id.as_str() <= current_id.as_str() {
            return Err(Rejection::AlreadyVotedSameTime.into());
        }
    }
    Ok(db.put_vote(vote, current.is_some())?)
}
