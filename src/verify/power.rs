//! Voting power: every counted voter's power recomputed from the bundled
//! inputs by the same strategy code, and every input compared with where it
//! came from (the imported snapshot file, or the chain with `--rpc`).

use std::collections::HashMap;

use cid::Cid;
use primitive_types::U256;
use votehub_strategies::{StrategySpec, VotesMethod};

use super::blocks::fetch;
use super::{Context, Report};
use crate::chain::Chains;
use crate::format::bundle::{Body, Entry, Origin, ReadKey, Source};
use crate::ipld::source::BlockSource;
use crate::power::inputs::{address_key, Bundled};
use crate::protocol::signature::Address;

/// The bundle's extra inputs (reads of addresses that are not voters):
/// `(source, address, value)`.
pub(super) fn extra_inputs(body: &Body) -> Vec<(usize, String, String)> {
    body.extra_inputs
        .iter()
        .map(|(_, source, address, value)| (*source, address.clone(), value.clone()))
        .collect()
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
pub(super) fn check_voting_power(
    ctx: &Context<'_>,
    specs: &[StrategySpec],
    keys: &[Source],
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
            (Some(source), Ok(value)) => inputs.insert(&source.key, address, value),
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
    let proposal = &ctx.proposal;
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
        let claimed_by_strategy = entry.vp_by_strategy.as_deref().unwrap_or_default();
        let claimed = entry.vp.unwrap_or_default();
        if recomputed != claimed_by_strategy {
            report.problems.push(format!(
                "voter {}: the bundle says voting power {:?} by strategy, the inputs give {:?}",
                entry.voter, claimed_by_strategy, recomputed
            ));
        } else if vp != claimed {
            report.problems.push(format!(
                "voter {}: the bundle says voting power {}, the inputs give {vp}",
                entry.voter, claimed
            ));
        }
        powers[position] = Some((vp, recomputed));
    }
    powers
}

/// Compares every input with where it came from: the imported snapshot file,
/// or (with `--rpc`) the chain at the snapshot block.
pub(super) fn check_sources(
    ctx: &Context<'_>,
    keys: &[Source],
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
    for (
        Source {
            key,
            source: origin,
        },
        values,
    ) in keys.iter().zip(&used)
    {
        if values.is_empty() {
            continue;
        }
        let what = format!(
            "{} of {} at block {}",
            key.call,
            key.token.as_deref().unwrap_or("the native coin"),
            key.block
        );
        let (truth, from) = if let Origin::Snapshot(file) = origin {
            let rows = snapshot_file(ctx.source, &file.cid, report);
            if rows.is_ok() {
                report.inputs_from_snapshots += values.len();
            }
            (rows, "the imported snapshot")
        } else if let Some(chains) = &ctx.chains {
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
    root: &str,
    report: &mut Report,
) -> Result<HashMap<[u8; 20], U256>, String> {
    let root_cid = Cid::try_from(root).map_err(|err| format!("snapshot file {root}: {err}"))?;
    let bytes = crate::ipld::unixfs_read(&root_cid, |cid| {
        report.blocks += 1;
        fetch(source, &cid.to_string(), "snapshot file")
            .map(|bytes| bytes.into_owned())
            .map_err(super::FileError::Fetch)
    })
    .map_err(|err| err.to_string())?;
    let rows = crate::power::snapshot_file::parse(&bytes)
        .map_err(|err| format!("snapshot file {root}: {err}"))?;
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
