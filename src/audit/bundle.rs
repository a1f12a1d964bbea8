//! Building a closed proposal's audit bundle from the store.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use serde_json::Value;
use votehub_strategies::StrategySpec;

use super::AuditError;
use crate::chain::Chains;
use crate::format::bundle::{
    statement, Body, BundledProposal, BundledSpace, Chunk, Entry, ExtraInput, FrozenProposal,
    LogExtract, Origin, ReadKey, Root, Source, VoteList, BODY_FORMAT, CHUNK_BYTES, ROOT_FORMAT,
};
use crate::format::log::{Head, GENESIS};
use crate::ipld::{dag_json, Link};
use crate::power::inputs::Recorder;
use crate::power::Balances;
use crate::protocol::signature::{Address, Signer};
use crate::store::{Db, LogHead, ProposalRow, VoteMessage, VoteOrder, VotePage, VoteRow};

/// A bundle ready to store: its blocks, root last.
#[derive(Debug, Clone)]
pub struct Built {
    pub root: String,
    pub blocks: Vec<(String, Vec<u8>)>,
    /// Vote messages listed (counted and superseded).
    pub votes: usize,
    pub counted: usize,
}

/// The bundle of `proposal_id` with its final `result` (canonical JSON) and
/// the log head pinned at close, which must cover every message of the
/// proposal. Reads only: the caller stores the blocks.
pub fn build(
    db: &Db<'_>,
    chains: &Chains,
    relayer: &Signer,
    proposal_id: &str,
    result: &str,
    log_head: &LogHead,
) -> Result<Built, AuditError> {
    let proposal = db
        .proposal(proposal_id)?
        .ok_or_else(|| AuditError::UnknownProposal(proposal_id.to_string()))?;
    let result: Value = serde_json::from_str(result)?;
    let mut blocks = Vec::new();

    let counted: HashMap<String, VoteRow> = db
        .votes(
            &proposal.id,
            &VotePage {
                first: u32::MAX,
                skip: 0,
                order: VoteOrder::Created,
                descending: false,
                created_gte: None,
                created_lt: None,
            },
        )?
        .into_iter()
        .map(|vote| (vote.id.clone(), vote))
        .collect();
    // Every accepted vote message of this proposal, in acceptance order.
    let mut listed = Vec::new();
    for message in db.vote_messages(&proposal.space, proposal.start, proposal.end)? {
        let voter = match counted.get(&message.id) {
            Some(vote) => vote.voter.clone(),
            None => match superseded_voter(db, &message.ipfs, &proposal.id)? {
                Some(voter) => voter,
                None => continue,
            },
        };
        listed.push((message, voter));
    }

    // Voting power, re-read per strategy through a recorder.
    let specs: Vec<StrategySpec> = serde_json::from_value(proposal.strategies.clone())
        .map_err(|err| AuditError::Strategies(err.to_string()))?;
    let snapshot = u64::try_from(proposal.snapshot).unwrap_or(0);
    let voters: Vec<String> = {
        let mut voters: Vec<String> = counted.values().map(|v| v.voter.clone()).collect();
        voters.sort();
        voters
    };
    let voter_set: std::collections::HashSet<&str> = voters.iter().map(String::as_str).collect();
    let balances = Balances::new(db, chains);
    let recorder = Recorder::new(&balances);
    let mut sources: BTreeMap<ReadKey, usize> = BTreeMap::new();
    // voter -> per strategy -> [source index, value]
    let mut inputs: HashMap<String, Vec<Vec<(usize, String)>>> = HashMap::new();
    let mut extra: Vec<ExtraInput> = Vec::new();
    for (index, spec) in specs.iter().enumerate() {
        votehub_strategies::scores(
            std::slice::from_ref(spec),
            &proposal.network,
            snapshot,
            &recorder,
            &voters,
        )
        .map_err(|err| AuditError::VotingPower(err.to_string()))?;
        for (key, values) in recorder.take() {
            let next = sources.len();
            let source = *sources.entry(key).or_insert(next);
            for (address, value) in values {
                let input = (source, value.to_string());
                match inputs.get_mut(&address) {
                    Some(per_strategy) => per_strategy[index].push(input),
                    None if voter_set.contains(address.as_str()) => {
                        let mut per_strategy = vec![Vec::new(); specs.len()];
                        per_strategy[index].push(input);
                        inputs.insert(address, per_strategy);
                    }
                    None => extra.push((index, source, address, value.to_string())),
                }
            }
        }
    }
    let mut source_list: Vec<Option<Source>> = vec![None; sources.len()];
    for (key, index) in &sources {
        let imported = match (key.call.as_str(), &key.token) {
            ("erc20_balances", Some(token)) if !chains.has(&key.network) => {
                db.balance_import(&key.network, token, key.block)?
            }
            _ => None,
        };
        source_list[*index] = Some(Source {
            key: key.clone(),
            source: match imported {
                Some(cid) => Origin::Snapshot(Link::to(&cid)),
                None => Origin::Chain,
            },
        });
    }
    let source_list: Vec<Source> = source_list.into_iter().flatten().collect();

    // Aliases that signed listed votes.
    let mut aliases = BTreeSet::new();
    for (message, voter) in &listed {
        if !message.address.eq_ignore_ascii_case(voter) {
            if let Some(cid) = db.alias_message(&message.address)? {
                aliases.insert(cid);
            }
        }
    }

    // Vote entries, packed into chunks of at most CHUNK_BYTES.
    let mut chunks = Vec::new();
    let mut chunk: Vec<Entry> = Vec::new();
    let mut chunk_bytes = 0;
    for (message, voter) in &listed {
        let vote = counted.get(&message.id);
        let entry = Entry {
            envelope: Link::to(&message.ipfs),
            id: message.id.clone(),
            voter: voter.clone(),
            mci: message.mci,
            log: message.log.clone(),
            received: message.received,
            superseded: vote.is_none(),
            vp: vote.map(|vote| vote.vp),
            vp_by_strategy: vote.map(|vote| vote.vp_by_strategy.clone()),
            inputs: vote.map(|vote| {
                inputs
                    .get(&vote.voter)
                    .cloned()
                    .unwrap_or_else(|| vec![Vec::new(); specs.len()])
            }),
        };
        let size = serde_json::to_string(&entry)?.len() + 1;
        if !chunk.is_empty() && chunk_bytes + size > CHUNK_BYTES {
            let full = Chunk {
                votes: std::mem::take(&mut chunk),
            };
            chunks.push(Link::to(&store_block(&mut blocks, &full)?));
            chunk_bytes = 0;
        }
        chunk_bytes += size;
        chunk.push(entry);
    }
    if !chunk.is_empty() {
        chunks.push(Link::to(&store_block(
            &mut blocks,
            &Chunk { votes: chunk },
        )?));
    }

    let proposal_envelopes = proposal_envelopes(db, &proposal.space, &proposal.id, &proposal.ipfs)?;
    let settings = db
        .messages_of_kind(&proposal.space, "settings", Some(&proposal.id))?
        .pop()
        .map(|(_, cid)| Link::to(&cid));
    let settings_at_close = db
        .space(&proposal.space)?
        .map(|space| Link::to(&space.ipfs));
    let mut body = Body {
        format: BODY_FORMAT.to_string(),
        votehub: env!("CARGO_PKG_VERSION").to_string(),
        proposal: BundledProposal {
            id: proposal.id.clone(),
            envelopes: proposal_envelopes.iter().map(|cid| Link::to(cid)).collect(),
            frozen: frozen(&proposal),
        },
        space: BundledSpace {
            id: proposal.space.clone(),
            settings,
            settings_at_close,
        },
        snapshot,
        sources: source_list,
        extra_inputs: extra,
        aliases: aliases.iter().map(|cid| Link::to(cid)).collect(),
        votes: VoteList {
            listed: listed.len(),
            counted: counted.len(),
            chunks,
        },
        result,
        log: None,
        log_head: None,
    };
    body.log = Some(log_extract(
        db,
        &mut blocks,
        &proposal.id,
        &listed,
        log_head,
    )?);
    let body_cid = store_block(&mut blocks, &body)?;
    let root = Root {
        format: ROOT_FORMAT.to_string(),
        bundle: Link::to(&body_cid),
        proposal: proposal.id.clone(),
        relayer: relayer.address().to_string(),
        signature: relayer.personal_sign(&statement(&proposal.id, &body_cid)),
    };
    let root_cid = store_block(&mut blocks, &root)?;
    Ok(Built {
        root: root_cid,
        blocks,
        votes: listed.len(),
        counted: counted.len(),
    })
}

/// The log from the proposal's message (or its first listed vote, if
/// earlier) to `head`, as segment blocks added to `blocks`.
fn log_extract(
    db: &Db<'_>,
    blocks: &mut Vec<(String, Vec<u8>)>,
    proposal: &str,
    listed: &[(VoteMessage, String)],
    head: &LogHead,
) -> Result<LogExtract, AuditError> {
    let signed: Head = serde_json::from_slice(
        &db.block(&head.cid)?
            .ok_or_else(|| AuditError::MissingBlock(head.cid.clone()))?,
    )?;
    let first = db
        .message_position(proposal)?
        .map(|(mci, _, _)| mci)
        .into_iter()
        .chain(listed.iter().map(|(message, _)| message.mci))
        .min()
        .unwrap_or(head.mci + 1);
    let mut segments = Vec::new();
    for segment in crate::message_log::segments_between(db, first - 1, head.mci)? {
        segments.push(Link::to(&store_block(blocks, &segment)?));
    }
    Ok(LogExtract {
        head: head.cid.clone(),
        mci: head.mci,
        log: head.log.clone(),
        relayer: signed.relayer,
        signature: signed.signature,
        from: first,
        previous_log: db.log_before(first)?.unwrap_or_else(|| GENESIS.to_string()),
        segments,
    })
}

/// The frozen copy of a stored proposal: its signed fields and frozen
/// rules, without the bookkeeping that changes after close.
fn frozen(proposal: &ProposalRow) -> FrozenProposal {
    let p = proposal.clone();
    FrozenProposal {
        id: p.id,
        author: p.author,
        created: p.created,
        updated: p.updated,
        space: p.space,
        network: p.network,
        symbol: p.symbol,
        kind: p.kind.as_str().to_string(),
        strategies: p.strategies,
        validation: p.validation,
        plugins: p.plugins,
        title: p.title,
        body: p.body,
        discussion: p.discussion,
        choices: p.choices,
        labels: p.labels,
        start: p.start,
        end: p.end,
        snapshot: p.snapshot,
        quorum: p.quorum,
        quorum_type: p.quorum_type,
        privacy: p.privacy,
        app: p.app,
    }
}

/// Adds a typed block to `blocks`; returns its CID.
fn store_block<T: Serialize>(
    blocks: &mut Vec<(String, Vec<u8>)>,
    block: &T,
) -> Result<String, AuditError> {
    let (cid, bytes) = dag_json(block)?;
    blocks.push((cid.clone(), bytes));
    Ok(cid)
}

/// The voter of a stored vote message on `proposal`, or `None` if it voted
/// on another proposal of the space.
fn superseded_voter(db: &Db<'_>, cid: &str, proposal: &str) -> Result<Option<String>, AuditError> {
    let pinned = stored_message(db, cid)?;
    let message = &pinned["data"]["message"];
    if !message["proposal"]
        .as_str()
        .is_some_and(|p| p.eq_ignore_ascii_case(proposal))
    {
        return Ok(None);
    }
    let from = message["from"]
        .as_str()
        .or_else(|| pinned["address"].as_str())
        .and_then(|a| Address::parse_any(a).ok())
        .ok_or_else(|| AuditError::MissingBlock(format!("{cid} (no voter)")))?;
    Ok(Some(from.to_string()))
}

/// The proposal message and its accepted updates, in acceptance order.
fn proposal_envelopes(
    db: &Db<'_>,
    space: &str,
    proposal: &str,
    ipfs: &str,
) -> Result<Vec<String>, AuditError> {
    let mut envelopes = vec![ipfs.to_string()];
    for (_, cid) in db.messages_of_kind(space, "update-proposal", None)? {
        if stored_message(db, &cid)?["data"]["message"]["proposal"]
            .as_str()
            .is_some_and(|p| p.eq_ignore_ascii_case(proposal))
        {
            envelopes.push(cid);
        }
    }
    Ok(envelopes)
}

/// The pinned JSON of a stored message.
fn stored_message(db: &Db<'_>, cid: &str) -> Result<Value, AuditError> {
    let bytes = db
        .block(cid)?
        .ok_or_else(|| AuditError::MissingBlock(cid.to_string()))?;
    Ok(serde_json::from_slice(&bytes)?)
}
