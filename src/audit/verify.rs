//! `votehub verify`: re-derives a bundle's outcome from its blocks alone.
//!
//! Every block is checked against its CID, every envelope's digest and
//! signature recomputed (on all cores), every vote's window, choice and
//! revote order re-checked, every voter's power recomputed by the same
//! strategy code from the bundled inputs (and those inputs compared with the
//! imported snapshot file, or re-read from a chain node with `--rpc`), and
//! the votes re-tallied. Problems name the vote, voter or block.

use std::collections::HashMap;

use cid::Cid;
use primitive_types::U256;
use serde::Deserialize;
use serde_json::Value;
use votehub_strategies::{StrategySpec, VotesMethod};

use super::inputs::{address_key, Bundled, ReadKey};
use super::source::{fetch, fetch_json, BlockSource};
use super::{statement, BODY_FORMAT, ROOT_FORMAT};
use crate::blockstore::{self, link_target, Link};
use crate::chain::Chains;
use crate::envelope::Envelope;
use crate::signature::{self, Address};
use crate::store::{CountedVote, ProposalRow};
use crate::tally::VotingType;
use crate::typed_data::{self, Kind};

/// How to verify.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// A JSON-RPC node of the proposal's network: chain reads are re-read
    /// there at the snapshot block, contract-wallet signatures asked there.
    pub rpc: Option<String>,
    /// The relayer that must have signed the bundle.
    pub relayer: Option<Address>,
    /// Threads for signature checks (0: one per core).
    pub threads: usize,
    /// Show a progress bar on stderr.
    pub progress: bool,
}

/// What was checked, and every mismatch found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub root: String,
    pub proposal: String,
    pub relayer: String,
    pub blocks: usize,
    pub votes: usize,
    pub counted: usize,
    pub superseded: usize,
    pub signatures: usize,
    pub inputs: usize,
    pub inputs_from_snapshots: usize,
    pub inputs_from_chain: usize,
    pub result: Option<Value>,
    pub problems: Vec<String>,
    pub notes: Vec<String>,
    /// Wall time of each phase, in order.
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

impl Report {
    /// True when nothing failed.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// A readable report: what was checked, then every problem.
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(out, "bundle   {}", self.root);
        let _ = writeln!(out, "proposal {}", self.proposal);
        let _ = writeln!(out, "relayer  {}", self.relayer);
        let _ = writeln!(
            out,
            "checked  {} blocks, {} signatures, {} votes ({} counted, {} superseded), {} voting-power inputs ({} against imported snapshots, {} against the chain)",
            self.blocks, self.signatures, self.votes, self.counted, self.superseded,
            self.inputs, self.inputs_from_snapshots, self.inputs_from_chain
        );
        if let Some(result) = &self.result {
            let _ = writeln!(out, "result   {result}");
        }
        let timings: Vec<String> = self
            .timings
            .iter()
            .map(|(phase, time)| format!("{phase} {:.3} s", time.as_secs_f64()))
            .collect();
        if !timings.is_empty() {
            let _ = writeln!(out, "timings  {}", timings.join(", "));
        }
        for note in &self.notes {
            let _ = writeln!(out, "note     {note}");
        }
        if self.ok() {
            let _ = writeln!(out, "OK: the outcome re-derives from the bundle");
        } else {
            let _ = writeln!(out, "FAILED: {} problem(s)", self.problems.len());
            for problem in &self.problems {
                let _ = writeln!(out, "  - {problem}");
            }
        }
        out
    }
}

/// A block of vote entries.
#[derive(Debug, Deserialize)]
struct Chunk {
    votes: Vec<Entry>,
}

/// One vote entry of a chunk.
#[derive(Debug, Clone, Deserialize)]
struct Entry {
    envelope: Link,
    id: String,
    voter: String,
    mci: i64,
    received: i64,
    superseded: bool,
    #[serde(default)]
    vp: f64,
    #[serde(default)]
    vp_by_strategy: Vec<f64>,
    #[serde(default)]
    inputs: Vec<Vec<(usize, String)>>,
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

/// Context shared by the per-vote checks.
struct Bundle<'a> {
    source: &'a dyn BlockSource,
    proposal: ProposalRow,
    voting_type: Option<VotingType>,
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

fn linked<'v>(value: &'v Value, what: &str) -> Result<&'v str, String> {
    link_target(value).ok_or_else(|| format!("{what} is not a link"))
}

fn run(
    source: &dyn BlockSource,
    root_cid: &str,
    options: &Options,
    report: &mut Report,
) -> Result<(), String> {
    let root = fetch_json(source, root_cid, "bundle root")?;
    report.blocks += 1;
    if root["format"] != ROOT_FORMAT {
        return Err(format!("{root_cid} is not an audit bundle root"));
    }
    let body_cid = linked(&root["bundle"], "root.bundle")?.to_string();
    let proposal_id = root["proposal"].as_str().unwrap_or_default().to_string();
    report.proposal = proposal_id.clone();
    report.relayer = root["relayer"].as_str().unwrap_or_default().to_string();
    check_relayer(&root, &proposal_id, &body_cid, options, report);

    let body = fetch_json(source, &body_cid, "bundle body")?;
    report.blocks += 1;
    if body["format"] != BODY_FORMAT {
        return Err(format!("{body_cid} is not an audit bundle body"));
    }
    let proposal: ProposalRow = serde_json::from_value(body["proposal"]["frozen"].clone())
        .map_err(|err| format!("the frozen proposal cannot be read: {err}"))?;
    if proposal.id != proposal_id || body["proposal"]["id"] != proposal_id.as_str() {
        report.problems.push(format!(
            "the root names proposal {proposal_id} but the body holds {}",
            proposal.id
        ));
    }
    let chains = options
        .rpc
        .as_ref()
        .map(|url| Chains::new(HashMap::from([(proposal.network.clone(), url.clone())])));
    check_proposal(source, &body, &proposal, chains.as_ref(), report);
    let hide_abstain = check_settings(source, &body, &proposal, chains.as_ref(), report);
    let aliases = read_aliases(source, &body, chains.as_ref(), report);

    let mut clock = std::time::Instant::now();
    let mut lap = |report: &mut Report, phase: &'static str| {
        report.timings.push((phase, clock.elapsed()));
        clock = std::time::Instant::now();
    };
    // Vote entries: chunks read and parsed on every core, kept in order.
    let links: &[Value] = body["votes"]["chunks"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let read_chunk = |index: usize, chunk: &Value| -> Result<Vec<Entry>, String> {
        let what = format!("vote chunk {index}");
        let cid = linked(chunk, &what)?;
        let chunk: Chunk = serde_json::from_slice(&fetch(source, cid, &what)?)
            .map_err(|err| format!("{what} ({cid}): {err}"))?;
        Ok(chunk.votes)
    };
    let mut entries: Vec<Entry> = Vec::new();
    for chunk in on_all_cores(links, options.threads, read_chunk) {
        entries.extend(chunk?);
        report.blocks += 1;
    }
    report.votes = entries.len();
    report.counted = entries.iter().filter(|e| !e.superseded).count();
    report.superseded = report.votes - report.counted;
    for (field, actual) in [("listed", report.votes), ("counted", report.counted)] {
        if body["votes"][field].as_u64() != Some(actual as u64) {
            report.problems.push(format!(
                "the bundle claims {} {field} votes but its chunks hold {actual}",
                body["votes"][field]
            ));
        }
    }

    lap(report, "chunks");
    let bundle = Bundle {
        source,
        voting_type: VotingType::parse(&proposal.kind),
        proposal,
        aliases,
        chains,
    };
    let specs: Vec<StrategySpec> = serde_json::from_value(bundle.proposal.strategies.clone())
        .map_err(|err| format!("the frozen strategies cannot be read: {err}"))?;
    let keys: Vec<(ReadKey, Value)> = body["sources"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|source| {
            serde_json::from_value::<ReadKey>(source.clone())
                .map(|key| (key, source["source"].clone()))
                .map_err(|err| format!("voting-power source {source}: {err}"))
        })
        .collect::<Result<_, _>>()?;
    // Signatures on every core; voting power and its sources beside them,
    // so no core idles while one of them runs.
    let (checked, (powers, side)) = std::thread::scope(|scope| {
        let side = scope.spawn(|| {
            let mut side = Report::default();
            let started = std::time::Instant::now();
            let extras = extra_inputs(&body, &mut side);
            let powers = check_voting_power(&bundle, &specs, &keys, &extras, &entries, &mut side);
            side.timings
                .push(("(beside) voting power", started.elapsed()));
            let started = std::time::Instant::now();
            check_sources(&bundle, &keys, &extras, &entries, &mut side);
            side.timings.push(("(beside) sources", started.elapsed()));
            (powers, side)
        });
        let checked = check_votes(&bundle, &entries, options, report);
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
    check_order(&entries, &checked, report);

    // The recount.
    let counted: Vec<CountedVote> = entries
        .iter()
        .zip(checked)
        .zip(powers)
        .filter(|((entry, _), _)| !entry.superseded)
        .filter_map(|((entry, checked), power)| {
            let (vp, vp_by_strategy) =
                power.unwrap_or_else(|| (entry.vp, entry.vp_by_strategy.clone()));
            Some(CountedVote {
                choice: checked?.choice,
                vp,
                vp_by_strategy,
            })
        })
        .collect();
    let recount = crate::results::compute(&bundle.proposal, &counted, hide_abstain, i64::MAX, 0);
    let recount: Value = serde_json::from_str(&recount.to_json()).map_err(|err| err.to_string())?;
    compare_results(&body["result"], &recount, report);
    report.result = Some(recount);
    lap(report, "tally");
    Ok(())
}

fn check_relayer(
    root: &Value,
    proposal: &str,
    body_cid: &str,
    options: &Options,
    report: &mut Report,
) {
    let claimed = Address::parse_any(&report.relayer).ok();
    let signer = root["signature"]
        .as_str()
        .and_then(|sig| signature::personal_signer(&statement(proposal, body_cid), sig).ok());
    match (signer, claimed) {
        (Some(signer), Some(claimed)) if signer == claimed => {
            report.signatures += 1;
            if let Some(expected) = options.relayer {
                if expected != signer {
                    report.problems.push(format!(
                        "the bundle is signed by relayer {signer}, not by the expected {expected}"
                    ));
                }
            }
        }
        (signer, _) => report.problems.push(format!(
            "the relayer signature does not cover this bundle: it recovers to {}, the root claims {}",
            signer.map_or("nothing".to_string(), |s| s.to_string()),
            report.relayer
        )),
    }
}

/// A stored message re-checked: digest equals its hash, signature its signer.
/// Returns the envelope, its kind and its digest.
fn check_envelope(
    source: &dyn BlockSource,
    cid: &str,
    what: &str,
    network: &str,
    chains: Option<&Chains>,
) -> Result<(Envelope, Kind, String), String> {
    let bytes = fetch(source, cid, what)?;
    let (envelope, hash) =
        Envelope::parse_pinned(&bytes).map_err(|err| format!("{what} ({cid}): {err}"))?;
    let schema = typed_data::lookup(envelope.types())
        .ok_or_else(|| format!("{what} ({cid}): unknown message types"))?;
    let digest = typed_data::digest(schema, envelope.domain(), envelope.message())
        .map_err(|err| format!("{what} ({cid}): {err}"))?;
    let id = format!("0x{}", hex::encode(digest));
    if !id.eq_ignore_ascii_case(&hash) {
        return Err(format!(
            "{what} ({cid}): its EIP-712 digest is {id}, not the stored hash {hash}"
        ));
    }
    let sig = signature::decode_hex_sig(envelope.sig())
        .map_err(|err| format!("{what} ({cid}): {err}"))?;
    let signer = envelope.address();
    match signature::recover(&digest, &sig) {
        Ok(recovered) if recovered == signer => Ok((envelope, schema.kind, id)),
        recovered => match chains {
            Some(chains) => match chains.is_valid_signature(network, signer, &digest, &sig) {
                Ok(true) => Ok((envelope, schema.kind, id)),
                Ok(false) => Err(format!(
                    "{what} {id}: the signature is not {signer}'s (neither ECDSA nor its contract wallet accepts it)"
                )),
                Err(err) => Err(format!("{what} {id}: contract signature check failed: {err}")),
            },
            None => Err(format!(
                "{what} {id}: the signature recovers to {}, not {signer}; if {signer} is a contract wallet, pass --rpc to check it",
                recovered.map_or("nothing".into(), |a| a.to_string())
            )),
        },
    }
}

fn check_proposal(
    source: &dyn BlockSource,
    body: &Value,
    proposal: &ProposalRow,
    chains: Option<&Chains>,
    report: &mut Report,
) {
    let envelopes = body["proposal"]["envelopes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut latest: Option<Value> = None;
    let mut first: Option<Value> = None;
    for (index, link) in envelopes.iter().enumerate() {
        let what = if index == 0 {
            "the signed proposal".to_string()
        } else {
            format!("proposal update {index}")
        };
        let checked = linked(link, &what)
            .and_then(|cid| check_envelope(source, cid, &what, &proposal.network, chains));
        match checked {
            Ok((envelope, kind, id)) => {
                report.blocks += 1;
                report.signatures += 1;
                let expected = if index == 0 {
                    Kind::Proposal
                } else {
                    Kind::UpdateProposal
                };
                let names_it = index == 0 && id == proposal.id
                    || envelope
                        .message_str("proposal")
                        .is_some_and(|p| p.eq_ignore_ascii_case(&proposal.id));
                if kind != expected || !names_it {
                    report.problems.push(format!(
                        "{what} is not a {} of proposal {}",
                        expected.as_str(),
                        proposal.id
                    ));
                    continue;
                }
                let message = Value::Object(envelope.message().clone());
                if index == 0 {
                    first = Some(message.clone());
                }
                latest = Some(message);
            }
            Err(problem) => report.problems.push(problem),
        }
    }
    let (Some(first), Some(latest)) = (first, latest) else {
        report
            .problems
            .push("the bundle has no signed proposal".into());
        return;
    };
    let differs = |field: &str, signed: Value, frozen: Value| {
        (signed != frozen).then(|| {
            format!("the signed proposal says {field} {signed}, the bundle froze {frozen}")
        })
    };
    let problems = [
        differs("start", first["start"].clone(), proposal.start.into()),
        differs("end", first["end"].clone(), proposal.end.into()),
        differs(
            "snapshot",
            first["snapshot"].clone(),
            proposal.snapshot.into(),
        ),
        differs(
            "choices",
            latest["choices"].clone(),
            serde_json::json!(proposal.choices),
        ),
        differs(
            "title",
            latest["title"].clone(),
            proposal.title.clone().into(),
        ),
    ];
    report.problems.extend(problems.into_iter().flatten());
}

/// Checks the settings in force at creation against the frozen strategies;
/// returns `hideAbstain` of the settings in force at close.
fn check_settings(
    source: &dyn BlockSource,
    body: &Value,
    proposal: &ProposalRow,
    chains: Option<&Chains>,
    report: &mut Report,
) -> bool {
    let read = |field: &str, report: &mut Report| -> Option<Value> {
        let what = format!("space settings ({field})");
        let checked = linked(&body["space"][field], &what)
            .and_then(|cid| check_envelope(source, cid, &what, &proposal.network, chains));
        match checked {
            Ok((envelope, Kind::Settings, _)) => {
                report.blocks += 1;
                report.signatures += 1;
                let settings = envelope
                    .message_str("settings")
                    .and_then(|text| serde_json::from_str::<Value>(text).ok());
                if settings.is_none() {
                    report
                        .problems
                        .push(format!("{what}: the signed settings are not JSON"));
                }
                settings
            }
            Ok(_) => {
                report
                    .problems
                    .push(format!("{what} is not a settings message"));
                None
            }
            Err(problem) => {
                report.problems.push(problem);
                None
            }
        }
    };
    if let Some(settings) = read("settings", report) {
        let network = settings["network"].as_str().unwrap_or("1");
        if network != proposal.network {
            report.problems.push(format!(
                "the space's signed settings name network {network}, the bundle froze {}",
                proposal.network
            ));
        }
        if crate::rules::frozen_strategies(&settings, network) != proposal.strategies {
            report.problems.push(
                "the frozen strategies differ from the space's signed settings at the proposal's creation".into(),
            );
        }
    }
    read("settings_at_close", report)
        .is_some_and(|settings| crate::results::hides_abstain(&settings))
}

fn read_aliases(
    source: &dyn BlockSource,
    body: &Value,
    chains: Option<&Chains>,
    report: &mut Report,
) -> HashMap<Address, AliasLink> {
    let mut aliases = HashMap::new();
    let network = body["proposal"]["frozen"]["network"]
        .as_str()
        .unwrap_or("1");
    for link in body["aliases"].as_array().cloned().unwrap_or_default() {
        let checked = linked(&link, "alias")
            .and_then(|cid| check_envelope(source, cid, "alias message", network, chains));
        match checked {
            Ok((envelope, Kind::Alias, _)) => {
                report.blocks += 1;
                report.signatures += 1;
                if let Some(alias) = envelope
                    .message_str("alias")
                    .and_then(|a| Address::parse_any(a).ok())
                {
                    aliases.insert(
                        alias,
                        AliasLink {
                            account: envelope.from(),
                            timestamp: envelope.timestamp() as i64,
                        },
                    );
                }
            }
            Ok(_) => report
                .problems
                .push("an alias link is not an alias message".into()),
            Err(problem) => report.problems.push(problem),
        }
    }
    aliases
}

/// `work` over `items` on `threads` threads (0: one per core), results in order.
fn on_all_cores<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    work: impl Fn(usize, &T) -> R + Sync,
) -> Vec<R> {
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    };
    let per_thread = items.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let work = &work;
        let handles: Vec<_> = items
            .chunks(per_thread)
            .enumerate()
            .map(|(part, slice)| {
                scope.spawn(move || {
                    slice
                        .iter()
                        .enumerate()
                        .map(|(offset, item)| work(part * per_thread + offset, item))
                        .collect::<Vec<R>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().unwrap_or_default())
            .collect()
    })
}

/// Each vote's own checks, on all cores.
fn check_votes(
    bundle: &Bundle<'_>,
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
        let outcome = check_vote(bundle, index, entry);
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

fn check_vote(bundle: &Bundle<'_>, index: usize, entry: &Entry) -> Result<Checked, String> {
    let what = format!("vote {index} ({})", entry.id);
    let proposal = &bundle.proposal;
    let cid = entry.envelope.cid.as_str();
    let (envelope, kind, id) = check_envelope(
        bundle.source,
        cid,
        &what,
        &proposal.network,
        bundle.chains.as_ref(),
    )?;
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
        let linked = bundle.aliases.get(&signer).is_some_and(|alias| {
            alias.account == voter
                && alias.timestamp > entry.received / 1000 - crate::ingest::ALIAS_VALIDITY
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
    let valid = bundle
        .voting_type
        .is_some_and(|t| t.is_valid_choice(&choice, proposal.choices.len()));
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
fn check_order(entries: &[Entry], checked: &[Option<Checked>], report: &mut Report) {
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

/// The bundle's extra inputs (reads of addresses that are not voters):
/// `(source, address, value)`.
fn extra_inputs(body: &Value, report: &mut Report) -> Vec<(usize, String, String)> {
    let mut extras = Vec::new();
    for extra in body["extra_inputs"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        match (extra[1].as_u64(), extra[2].as_str(), extra[3].as_str()) {
            (Some(source), Some(address), Some(value)) => {
                extras.push((source as usize, address.to_string(), value.to_string()));
            }
            _ => report
                .problems
                .push(format!("extra input {extra} cannot be read")),
        }
    }
    extras
}

/// Every bundled input as `(source, address, value)`: the counted votes'
/// inputs, then the extra ones.
fn all_inputs<'e>(
    entries: &'e [Entry],
    extras: &'e [(usize, String, String)],
) -> impl Iterator<Item = (usize, &'e str, &'e str)> {
    entries
        .iter()
        .filter(|entry| !entry.superseded)
        .flat_map(|entry| {
            entry
                .inputs
                .iter()
                .flatten()
                .map(|(source, value)| (*source, entry.voter.as_str(), value.as_str()))
        })
        .chain(
            extras
                .iter()
                .map(|(source, address, value)| (*source, address.as_str(), value.as_str())),
        )
}

/// Recomputes each counted voter's power from the bundled inputs with the
/// proposal's strategies; returns `(vp, vp_by_strategy)` per entry (`None`
/// for superseded votes).
fn check_voting_power(
    bundle: &Bundle<'_>,
    specs: &[StrategySpec],
    keys: &[(ReadKey, Value)],
    extras: &[(usize, String, String)],
    entries: &[Entry],
    report: &mut Report,
) -> Vec<Option<(f64, Vec<f64>)>> {
    let mut inputs = Bundled::default();
    let counted: Vec<(usize, &Entry)> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.superseded)
        .collect();
    let bundled = all_inputs(entries, extras);
    for (source, address, value) in bundled {
        let added = match (keys.get(source), U256::from_dec_str(value)) {
            (Some((key, _)), Ok(value)) => inputs.insert(key, address, value),
            _ => false,
        };
        if added {
            report.inputs += 1;
        } else {
            report.problems.push(format!(
                "voter {address}: input ({source}, {value}) names no source, no address or no integer"
            ));
        }
    }
    let voters: Vec<String> = counted.iter().map(|(_, e)| e.voter.clone()).collect();
    let proposal = &bundle.proposal;
    let snapshot = u64::try_from(proposal.snapshot).unwrap_or(0);
    let mut by_strategy = vec![vec![0.0; specs.len()]; voters.len()];
    for (index, spec) in specs.iter().enumerate() {
        match votehub_strategies::scores(
            std::slice::from_ref(spec),
            &proposal.network,
            snapshot,
            &inputs,
            &voters,
        ) {
            Ok(scores) => {
                for (voter, score) in scores.into_iter().flatten().enumerate() {
                    by_strategy[voter][index] = score;
                }
            }
            Err(err) => report.problems.push(format!(
                "strategy {index} ({}) cannot be re-run from the bundled inputs: {err}",
                spec.name
            )),
        }
    }
    let mut powers = vec![None; entries.len()];
    for ((position, entry), recomputed) in counted.into_iter().zip(by_strategy) {
        let vp = recomputed.iter().fold(0.0, |sum, value| sum + value);
        if recomputed != entry.vp_by_strategy {
            report.problems.push(format!(
                "voter {}: the bundle says voting power {:?} by strategy, the inputs give {:?}",
                entry.voter, entry.vp_by_strategy, recomputed
            ));
        } else if vp != entry.vp {
            report.problems.push(format!(
                "voter {}: the bundle says voting power {}, the inputs give {vp}",
                entry.voter, entry.vp
            ));
        }
        powers[position] = Some((vp, recomputed));
    }
    powers
}

/// Compares every input with where it came from: the imported snapshot file,
/// or (with `--rpc`) the chain at the snapshot block.
fn check_sources(
    bundle: &Bundle<'_>,
    keys: &[(ReadKey, Value)],
    extras: &[(usize, String, String)],
    entries: &[Entry],
    report: &mut Report,
) {
    // Per source: (address, bundled value).
    let mut used: Vec<Vec<(&str, &str)>> = vec![Vec::new(); keys.len()];
    let bundled = all_inputs(entries, extras);
    for (source, address, value) in bundled {
        if let Some(values) = used.get_mut(source) {
            values.push((address, value));
        }
    }
    let mut unchecked = 0;
    for ((key, origin), values) in keys.iter().zip(&used) {
        if values.is_empty() {
            continue;
        }
        let what = format!(
            "{} of {} at block {}",
            key.call,
            key.token.as_deref().unwrap_or("the native coin"),
            key.block
        );
        let (truth, from) = if let Some(file) = origin.get("snapshot") {
            let rows = snapshot_file(bundle.source, file, report);
            if rows.is_ok() {
                report.inputs_from_snapshots += values.len();
            }
            (rows, "the imported snapshot")
        } else if let Some(chains) = &bundle.chains {
            let rows = chain_values(chains, key, values);
            if rows.is_ok() {
                report.inputs_from_chain += values.len();
            }
            (rows, "the chain")
        } else {
            unchecked += values.len();
            continue;
        };
        let truth = match truth {
            Ok(truth) => truth,
            Err(problem) => {
                report.problems.push(format!("{what}: {problem}"));
                continue;
            }
        };
        for (address, bundled) in values {
            let actual = address_key(address)
                .and_then(|key| truth.get(&key))
                .copied()
                .unwrap_or_default();
            if U256::from_dec_str(bundled).ok() != Some(actual) {
                report.problems.push(format!(
                    "voter {address}: the bundled {what} is {bundled}, {from} says {actual}"
                ));
            }
        }
    }
    if unchecked > 0 {
        report.notes.push(format!(
            "{unchecked} voting-power inputs were read from a chain node by the server; pass --rpc URL to re-read them"
        ));
    }
}

/// The rows of an imported snapshot file stored as a UnixFS DAG.
fn snapshot_file(
    source: &dyn BlockSource,
    link: &Value,
    report: &mut Report,
) -> Result<HashMap<[u8; 20], U256>, String> {
    let root = linked(link, "snapshot file")?;
    let mut bytes = Vec::new();
    let mut pending =
        vec![Cid::try_from(root).map_err(|err| format!("snapshot file {root}: {err}"))?];
    while let Some(cid) = pending.pop() {
        let block = fetch(source, &cid.to_string(), "snapshot file")?;
        report.blocks += 1;
        let links = blockstore::links(&cid, &block).map_err(|err| err.to_string())?;
        if links.is_empty() {
            bytes.extend_from_slice(&block);
        }
        pending.extend(links.into_iter().rev());
    }
    let rows =
        crate::balances::parse(&bytes).map_err(|err| format!("snapshot file {root}: {err}"))?;
    Ok(rows
        .into_iter()
        .map(|(address, balance)| (*address.as_bytes(), balance))
        .collect())
}

fn chain_values(
    chains: &Chains,
    key: &ReadKey,
    values: &[(&str, &str)],
) -> Result<HashMap<[u8; 20], U256>, String> {
    let holders: Vec<Address> = values
        .iter()
        .map(|(a, _)| Address::parse_any(a).map_err(|err| format!("address {a}: {err}")))
        .collect::<Result<_, _>>()?;
    let token = || {
        key.token
            .as_deref()
            .and_then(|t| Address::parse_any(t).ok())
            .ok_or_else(|| "no token".to_string())
    };
    let read = match key.call.as_str() {
        "erc20_balances" => chains.erc20_balances(&key.network, token()?, key.block, &holders),
        "eth_balances" => chains.eth_balances(&key.network, key.block, &holders),
        "token_votes" => {
            let method = key
                .method
                .as_deref()
                .and_then(VotesMethod::from_name)
                .ok_or_else(|| "unknown votes method".to_string())?;
            chains.token_votes(&key.network, token()?, key.block, method, &holders)
        }
        other => return Err(format!("unknown read {other}")),
    }
    .map_err(|err| err.to_string())?;
    Ok(holders.iter().map(|a| *a.as_bytes()).zip(read).collect())
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
