//! Each vote's own checks (envelope, voter, alias, proposal, window,
//! choice) on all cores, then the acceptance and revote order.

use serde_json::Value;

use super::envelopes::check_envelope;
use super::parallel::on_all_cores;
use super::{Checked, Context, Options, Report};
use crate::format::bundle::Entry;
use crate::protocol::signature::Address;
use crate::protocol::typed_data::Kind;
use crate::protocol::ALIAS_VALIDITY;

/// Each vote's own checks, on all cores.
pub(super) fn check_votes(
    ctx: &Context<'_>,
    entries: &[Entry],
    options: &Options,
    report: &mut Report,
) -> Vec<Option<Checked>> {
    let bar = if options.progress {
        indicatif::ProgressBar::new(entries.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{prefix} {bar:40} {pos}/{len} votes {per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_prefix("verifying");
    let results = on_all_cores(entries, options.threads, |index, entry| {
        let outcome = check_vote(ctx, index, entry);
        bar.inc(1);
        match outcome {
            Ok(checked) => (Some(checked), None),
            Err(problem) => (None, Some(problem)),
        }
    });
    bar.finish_and_clear();
    let mut checked = Vec::with_capacity(results.len());
    for (outcome, problem) in results {
        if outcome.is_some() {
            report.signatures += 1;
            report.blocks += 1;
        }
        report.problems.extend(problem);
        checked.push(outcome);
    }
    if checked.len() != entries.len() {
        report.problems.push("a verification thread failed".into());
        checked.resize_with(entries.len(), || None);
    }
    checked
}

fn check_vote(ctx: &Context<'_>, index: usize, entry: &Entry) -> Result<Checked, String> {
    let what = format!("vote {index} ({})", entry.id);
    let proposal = &ctx.proposal;
    let cid = entry.envelope.cid.as_str();
    let (envelope, schema, id) = check_envelope(
        ctx.source,
        cid,
        &what,
        &proposal.network,
        ctx.chains.as_ref(),
    )?;
    let kind = schema.kind;
    if !id.eq_ignore_ascii_case(&entry.id) {
        return Err(format!("{what}: its envelope is message {id}"));
    }
    if !kind.is_vote() {
        return Err(format!(
            "{what}: the envelope is a {} message, not a vote",
            kind.as_str()
        ));
    }
    let voter = envelope.from();
    if Address::parse_any(&entry.voter).ok() != Some(voter) {
        return Err(format!(
            "{what}: signed by voter {voter}, the bundle says {}",
            entry.voter
        ));
    }
    let signer = envelope.address();
    if signer != voter {
        let linked = ctx.aliases.get(&signer).is_some_and(|alias| {
            alias.account == voter && alias.timestamp > entry.received / 1000 - ALIAS_VALIDITY
        });
        if !linked {
            return Err(format!(
                "{what}: signed by {signer}, which is not a valid alias of {voter} in the bundle"
            ));
        }
    }
    if !envelope
        .message_str("proposal")
        .is_some_and(|p| p.eq_ignore_ascii_case(&proposal.id))
        || envelope.message_str("space") != Some(proposal.space.as_str())
    {
        return Err(format!("{what}: it is a vote on another proposal or space"));
    }
    let timestamp = envelope.timestamp() as i64;
    let received = entry.received / 1000;
    for (label, time) in [("signed at", timestamp), ("received at", received)] {
        if time < proposal.start || time > proposal.end {
            return Err(format!(
                "{what}: {label} {time}, outside the voting window {}..{}",
                proposal.start, proposal.end
            ));
        }
    }
    let signed_choice = envelope
        .message()
        .get("choice")
        .cloned()
        .unwrap_or(Value::Null);
    let choice = match (kind, signed_choice) {
        (Kind::VoteString, Value::String(text)) if proposal.privacy != "shutter" => {
            serde_json::from_str(&text).map_err(|_| format!("{what}: invalid choice {text}"))?
        }
        (_, choice) => choice,
    };
    let valid = ctx
        .voting_type
        .is_valid_choice(&choice, proposal.choices.len());
    if !valid && proposal.privacy != "shutter" {
        return Err(format!(
            "{what}: invalid choice {choice} for a {} proposal with {} choices",
            proposal.kind,
            proposal.choices.len()
        ));
    }
    Ok(Checked {
        voter,
        timestamp,
        choice,
    })
}

/// Acceptance order, and that each voter's counted vote is their last.
pub(super) fn check_order(entries: &[Entry], checked: &[Option<Checked>], report: &mut Report) {
    let mut previous_mci = i64::MIN;
    let mut votes: Vec<(Address, i64, &str, bool)> = Vec::with_capacity(entries.len());
    for (index, (entry, checked)) in entries.iter().zip(checked).enumerate() {
        if entry.mci <= previous_mci {
            report.problems.push(format!(
                "vote {index} ({}) is out of acceptance order: message {} listed after {previous_mci}",
                entry.id, entry.mci
            ));
        }
        previous_mci = entry.mci;
        if let Some(checked) = checked {
            votes.push((
                checked.voter,
                checked.timestamp,
                entry.id.as_str(),
                entry.superseded,
            ));
        }
    }
    // Snapshot's revote order: the latest timestamp wins, equal ones by id.
    votes.sort_unstable();
    for group in votes.chunk_by(|a, b| a.0 == b.0) {
        let voter = group[0].0;
        let counted: Vec<&str> = group.iter().filter(|v| !v.3).map(|v| v.2).collect();
        let last = group.last().map(|v| v.2).unwrap_or_default();
        match counted.as_slice() {
            [only] if *only == last => {}
            [] => report.problems.push(format!(
                "voter {voter}: their last vote {last} is marked superseded"
            )),
            [only] => report.problems.push(format!(
                "voter {voter}: the counted vote {only} is not their last one ({last} is later)"
            )),
            many => report.problems.push(format!(
                "voter {voter}: {} votes are counted ({})",
                many.len(),
                many.join(", ")
            )),
        }
    }
}
