//! `votehub verify`: re-derives a bundle's outcome from its blocks alone.
//!
//! Every block is checked against its CID, every envelope's digest and
//! signature recomputed (on all cores), every vote's window, choice and
//! revote order re-checked, every voter's power recomputed by the same
//! strategy code from the bundled inputs (and those inputs compared with the
//! imported snapshot file, or re-read from a chain node with `--rpc`), and
//! the votes re-tallied. Problems name the vote, voter or block.

mod blocks;
mod case;
mod envelopes;
mod log;
mod parallel;
mod power;
mod report;
mod votes;

use std::collections::HashMap;

use serde_json::Value;
use votehub_strategies::StrategySpec;

use crate::chain::Chains;
use crate::format::bundle::{
    Body, Chunk, Entry, FrozenProposal, Root, BODY_FORMAT, BODY_FORMAT_V1, ROOT_FORMAT,
};
use crate::ipld::source::BlockSource;
use crate::ipld::Link;
use crate::protocol::signature::Address;
use crate::tally::outcome::{self, CountedVote, Placed};
use crate::tally::VotingType;

use blocks::{fetch, fetch_typed};
pub use log::{verify_log, LogReport};
use parallel::on_all_cores;
pub use report::Report;

/// Why a UnixFS file of a bundle (a balance snapshot, a published pool)
/// could not be read.
#[derive(Debug, thiserror::Error)]
enum FileError {
    #[error("{0}")]
    Fetch(String),
    #[error(transparent)]
    Dag(#[from] crate::ipld::DagError),
}

/// How to verify.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// A JSON-RPC node of the proposal's network: chain reads are re-read
    /// there at the snapshot block, contract-wallet signatures asked there.
    pub rpc: Option<String>,
    /// The relayer that must have signed the bundle.
    pub relayer: Option<Address>,
    /// A log head the caller trusts: the relayer is pinned by replaying the
    /// log from the bundle's head back to it.
    pub trusted_head: Option<String>,
    /// Threads for signature checks (0: one per core).
    pub threads: usize,
    /// Show a progress bar on stderr.
    pub progress: bool,
}

/// What a vote's own checks established.
struct Checked {
    voter: Address,
    timestamp: i64,
    choice: Value,
}

/// An alias message: the alias address and the account it speaks for.
struct AliasLink {
    account: Address,
    timestamp: i64,
}

/// What the per-vote checks share.
struct Context<'a> {
    source: &'a dyn BlockSource,
    proposal: FrozenProposal,
    /// Parsed once; an unknown type counts as `custom`, whose every ballot is invalid.
    voting_type: VotingType,
    aliases: HashMap<Address, AliasLink>,
    chains: Option<Chains>,
}

/// Verifies the bundle under `root` read from `source`.
pub fn verify(source: &dyn BlockSource, root: &str, options: &Options) -> Report {
    let mut report = Report {
        root: root.to_string(),
        ..Report::default()
    };
    if let Err(problem) = run(source, root, options, &mut report) {
        report.problems.push(problem);
    }
    report
}

/// Reads a typed block whose `format` field must be one of `formats`;
/// `other` names what the block is not when it is JSON of another format.
fn fetch_format<T: serde::de::DeserializeOwned>(
    source: &dyn BlockSource,
    cid: &str,
    what: &str,
    formats: &[&str],
    other: &str,
) -> Result<T, String> {
    let block: Value = fetch_typed(source, cid, what)?;
    if !block
        .get("format")
        .and_then(Value::as_str)
        .is_some_and(|format| formats.contains(&format))
    {
        return Err(format!("{cid} is not {other}"));
    }
    serde_json::from_value(block)
        .map_err(|err| format!("{what}: block {cid} cannot be read: {err}"))
}

fn run(
    source: &dyn BlockSource,
    root_cid: &str,
    options: &Options,
    report: &mut Report,
) -> Result<(), String> {
    let block: Value = fetch_typed(source, root_cid, "bundle root")?;
    if block.get("format").and_then(Value::as_str) == Some(crate::format::case::ROOT_FORMAT) {
        report.blocks += 1;
        let root = serde_json::from_value(block)
            .map_err(|err| format!("case bundle root {root_cid} cannot be read: {err}"))?;
        return case::run(source, root, options, report);
    }
    let root: Root = fetch_format(
        source,
        root_cid,
        "bundle root",
        &[ROOT_FORMAT],
        "an audit bundle root",
    )?;
    report.blocks += 1;
    let body_cid = root.bundle.cid.clone();
    let proposal_id = root.proposal.clone();
    report.proposal = proposal_id.clone();
    report.relayer = root.relayer.clone();
    envelopes::check_relayer(
        &root.signature,
        &crate::format::bundle::statement(&proposal_id, &body_cid),
        options,
        report,
    );

    let body: Body = fetch_format(
        source,
        &body_cid,
        "bundle body",
        &[BODY_FORMAT, BODY_FORMAT_V1],
        "an audit bundle body",
    )?;
    report.blocks += 1;
    let proposal = body.proposal.frozen.clone();
    if proposal.id != proposal_id || body.proposal.id != proposal_id {
        report.problems.push(format!(
            "the root names proposal {proposal_id} but the body holds {}",
            proposal.id
        ));
    }
    let chains = options
        .rpc
        .as_ref()
        .map(|url| Chains::new(HashMap::from([(proposal.network.clone(), url.clone())])));
    let (settings, hide_abstain) =
        envelopes::check_settings(source, &body, &proposal, chains.as_ref(), report);
    envelopes::check_proposal(
        source,
        &body,
        &proposal,
        settings.as_ref(),
        chains.as_ref(),
        report,
    );
    let aliases = envelopes::read_aliases(source, &body, chains.as_ref(), report);

    let mut clock = std::time::Instant::now();
    let mut lap = |report: &mut Report, phase: &'static str| {
        report.timings.push((phase, clock.elapsed()));
        clock = std::time::Instant::now();
    };
    // Vote entries: chunks read and parsed on every core, kept in order.
    let read_chunk = |index: usize, link: &Link| -> Result<Vec<Entry>, String> {
        let what = format!("vote chunk {index}");
        let cid = link.cid.as_str();
        let chunk: Chunk = serde_json::from_slice(&fetch(source, cid, &what)?)
            .map_err(|err| format!("{what} ({cid}): {err}"))?;
        Ok(chunk.votes)
    };
    let mut entries: Vec<Entry> = Vec::new();
    for chunk in on_all_cores(&body.votes.chunks, options.threads, read_chunk) {
        entries.extend(chunk?);
        report.blocks += 1;
    }
    report.votes = entries.len();
    report.counted = entries.iter().filter(|e| !e.superseded).count();
    report.superseded = report.votes - report.counted;
    for (field, claimed, actual) in [
        ("listed", body.votes.listed, report.votes),
        ("counted", body.votes.counted, report.counted),
    ] {
        if claimed != actual {
            report.problems.push(format!(
                "the bundle claims {claimed} {field} votes but its chunks hold {actual}"
            ));
        }
    }

    lap(report, "chunks");
    match &body.log {
        Some(extract) => log::check_extract(source, extract, &root, &body, &entries, report),
        None if body.format == BODY_FORMAT_V1 => report.notes.push(format!(
            "{BODY_FORMAT_V1} names its log head without the log: the votes' log positions are not checked (run verify-log on the head)"
        )),
        None => report
            .problems
            .push("the bundle has no log extract: its votes cannot be checked against the message log".into()),
    }
    if let Some(trusted) = &options.trusted_head {
        log::check_trusted(source, trusted, &root, &body, report);
    }
    lap(report, "log");
    let ctx = Context {
        source,
        voting_type: proposal.terms().voting_type,
        proposal,
        aliases,
        chains,
    };
    let specs: Vec<StrategySpec> = serde_json::from_value(ctx.proposal.strategies.clone())
        .map_err(|err| format!("the frozen strategies cannot be read: {err}"))?;
    let keys = &body.sources;
    // Signatures on every core; voting power and its sources beside them,
    // so no core idles while one of them runs.
    let (checked, (powers, side)) = std::thread::scope(|scope| {
        let side = scope.spawn(|| {
            let mut side = Report::default();
            let started = std::time::Instant::now();
            let extras = power::extra_inputs(&body);
            let powers =
                power::check_voting_power(&ctx, &specs, keys, &extras, &entries, &mut side);
            side.timings
                .push(("(beside) voting power", started.elapsed()));
            let started = std::time::Instant::now();
            power::check_sources(&ctx, keys, &extras, &entries, &mut side);
            side.timings.push(("(beside) sources", started.elapsed()));
            (powers, side)
        });
        let checked = votes::check_votes(&ctx, &entries, options, report);
        let side = side.join().unwrap_or_else(|_| {
            let mut failed = Report::default();
            failed.problems.push("the voting-power check failed".into());
            (vec![None; entries.len()], failed)
        });
        (checked, side)
    });
    report.problems.extend(side.problems);
    report.timings.extend(side.timings);
    report.notes.extend(side.notes);
    report.blocks += side.blocks;
    report.inputs += side.inputs;
    report.inputs_from_snapshots += side.inputs_from_snapshots;
    report.inputs_from_chain += side.inputs_from_chain;
    lap(report, "votes, voting power and sources");
    votes::check_order(&entries, &checked, report);

    // The recount, in the canonical counting order.
    let counted: Vec<Placed> = entries
        .iter()
        .zip(checked)
        .zip(powers)
        .filter(|((entry, _), _)| !entry.superseded)
        .filter_map(|((entry, checked), power)| {
            let (vp, vp_by_strategy) = power.unwrap_or_else(|| {
                (
                    entry.vp.unwrap_or_default(),
                    entry.vp_by_strategy.clone().unwrap_or_default(),
                )
            });
            let checked = checked?;
            Some(Placed {
                timestamp: checked.timestamp,
                id: entry.id.to_lowercase(),
                vote: CountedVote {
                    choice: checked.choice,
                    vp,
                    vp_by_strategy,
                },
            })
        })
        .collect();
    let counted = outcome::in_counting_order(counted);
    let recount = outcome::compute(&ctx.proposal.terms(), &counted, hide_abstain, i64::MAX, 0);
    let recount: Value = serde_json::from_str(&recount.to_json()).map_err(|err| err.to_string())?;
    compare_results(&body.result, &recount, report);
    report.result = Some(recount);
    lap(report, "tally");
    Ok(())
}

fn compare_results(bundled: &Value, recount: &Value, report: &mut Report) {
    let (Some(bundled), Some(recount)) = (bundled.as_object(), recount.as_object()) else {
        report.problems.push("the bundle has no result".into());
        return;
    };
    for (field, value) in recount {
        if field == "scores_state" {
            continue;
        }
        match bundled.get(field) {
            Some(claimed) if claimed == value => {}
            claimed => report.problems.push(format!(
                "result {field}: the bundle says {}, the recount gives {value}",
                claimed.map_or("nothing".into(), Value::to_string)
            )),
        }
    }
}
