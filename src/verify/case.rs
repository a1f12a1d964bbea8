//! `votehub verify` of a case bundle (`format::case`): every message's
//! signature, the case replayed under its rules from the signed messages
//! and the relayer's receipt times, the pool against the hash the
//! arbitrator signed, the randomness against drand's group key (or the
//! block hash against a node with `--rpc`), the draw, seats and ruling
//! re-derived and compared, and the arbitrator's role traced to the
//! election and its proposal's own audit bundle, verified in turn.

use std::collections::HashMap;

use serde_json::Value;

use super::blocks::fetch;
use super::envelopes::{check_envelope, check_relayer};
use super::{fetch_format, Options, Report};
use crate::chain::Chains;
use crate::format::case::{statement, CaseBody, CaseRoot, RoleProof, BODY_FORMAT};
use crate::jury::case::{Case, Event, Facts};
use crate::jury::draw::Pool;
use crate::jury::messages::CourtMessage;
use crate::jury::roles::{candidates, winners};
use crate::jury::seed::{self, SeedSource};
use crate::jury::settings::{CourtSettings, ARBITRATOR};
use crate::protocol::signature::Address;
use crate::protocol::typed_data::Kind;

pub(super) fn run(
    source: &dyn crate::ipld::source::BlockSource,
    root: CaseRoot,
    options: &Options,
    report: &mut Report,
) -> Result<(), String> {
    report.case = Some(root.case.clone());
    report.relayer = root.relayer.clone();
    let body_cid = root.bundle.cid.clone();
    check_relayer(
        &root.signature,
        &statement(&root.case, &body_cid),
        options,
        report,
    );
    let body: CaseBody = fetch_format(
        source,
        &body_cid,
        "case bundle body",
        &[BODY_FORMAT],
        "a case bundle body",
    )?;
    report.blocks += 1;
    if body.case != root.case || body.space != root.space {
        report.problems.push(format!(
            "the root names case {} of {} but the body holds case {} of {}",
            root.case, root.space, body.case, body.space
        ));
    }
    let network = body.jury.as_ref().map_or("1", |jury| jury.network.as_str());
    let chains = options
        .rpc
        .as_ref()
        .map(|url| Chains::new(HashMap::from([(network.to_string(), url.clone())])));
    let Some(case) = replay(source, &body, network, chains.as_ref(), report)? else {
        return Ok(());
    };
    let claimed_close = body.outcome.get("closed").and_then(Value::as_i64);
    match claimed_close.and_then(|closed| case.outcome(closed)) {
        Some(outcome) => {
            let derived = serde_json::to_value(&outcome).map_err(|err| err.to_string())?;
            for key in ["stage", "closed", "settled", "draw", "seating", "ruling"] {
                if derived.get(key) != body.outcome.get(key) {
                    report.problems.push(format!(
                        "the case's {key} does not re-derive: the bundle says {}, the messages give {}",
                        body.outcome.get(key).unwrap_or(&Value::Null),
                        derived.get(key).unwrap_or(&Value::Null)
                    ));
                }
            }
        }
        None => report.problems.push(format!(
            "the case is not closed at the bundle's close time {}",
            claimed_close.map_or("(none)".into(), |t| t.to_string())
        )),
    }
    if let Some(accepted) = case.accepted {
        check_role(source, &body, accepted, chains.as_ref(), options, report);
    }
    if options.trusted_head.is_some() {
        report.notes.push(
            "--trusted-head is not used for case bundles: pin the relayer with --relayer".into(),
        );
    }
    report.result = Some(body.outcome.clone());
    Ok(())
}

/// The case replayed from its signed messages; `None` (with a problem
/// reported) at the first message that does not check out.
fn replay(
    source: &dyn crate::ipld::source::BlockSource,
    body: &CaseBody,
    network: &str,
    chains: Option<&Chains>,
    report: &mut Report,
) -> Result<Option<Case>, String> {
    let mut case: Option<Case> = None;
    for (index, entry) in body.messages.iter().enumerate() {
        let cid = entry.envelope.cid.as_str();
        let checked = check_envelope(source, cid, "case message", network, chains);
        let (envelope, schema, id) = match checked {
            Ok(checked) => checked,
            Err(problem) => {
                report.problems.push(problem);
                return Ok(None);
            }
        };
        report.blocks += 1;
        report.signatures += 1;
        report.case_messages += 1;
        let message = match CourtMessage::parse(schema.kind, envelope.message()) {
            Some(Ok(message)) => message,
            Some(Err(err)) => {
                report.problems.push(format!("case message {id}: {err}"));
                return Ok(None);
            }
            None => {
                report.problems.push(format!(
                    "case message {id} is a {} message, not one of the court's",
                    schema.kind.as_str()
                ));
                return Ok(None);
            }
        };
        let author = envelope.from();
        if author != envelope.address()
            || envelope.message_str("space") != Some(body.space.as_str())
        {
            report.problems.push(format!(
                "case message {id} is signed by {} for {author} in space {:?}",
                envelope.address(),
                envelope.message_str("space")
            ));
            return Ok(None);
        }
        let facts = match facts(source, body, case.as_ref(), &message, chains, report)? {
            Some(facts) => facts,
            None => return Ok(None),
        };
        let event = Event {
            id: id.clone(),
            ipfs: cid.to_string(),
            author,
            timestamp: envelope.timestamp() as i64,
            received: entry.received,
            message,
            facts,
        };
        let applied = match case.as_mut() {
            None if index == 0 && schema.kind == Kind::Claim => Case::open(event).map(|c| {
                case = Some(c);
            }),
            None => Err(crate::protocol::rejection::CourtRefusal::UnknownCase),
            Some(case) => case.apply(event),
        };
        if let Err(refusal) = applied {
            report.problems.push(format!(
                "case message {id} ({}) breaks the case's rules: {refusal}",
                schema.kind.as_str()
            ));
            return Ok(None);
        }
    }
    if case.as_ref().is_some_and(|c| c.id != body.case) {
        report.problems.push(format!(
            "the first message is claim {}, not the bundle's case {}",
            case.as_ref().map_or("", |c| c.id.as_str()),
            body.case
        ));
        return Ok(None);
    }
    Ok(case)
}

/// What the server established when it accepted `message`, re-established
/// from the bundle: the published pool, the verified randomness.
fn facts(
    source: &dyn crate::ipld::source::BlockSource,
    body: &CaseBody,
    case: Option<&Case>,
    message: &CourtMessage,
    chains: Option<&Chains>,
    report: &mut Report,
) -> Result<Option<Facts>, String> {
    match message {
        CourtMessage::OpenJury { .. } => {
            let Some(jury) = &body.jury else {
                report
                    .problems
                    .push("the jury was opened but the bundle holds no pool".into());
                return Ok(None);
            };
            let csv = cid::Cid::try_from(jury.pool.cid.as_str())
                .map_err(|err| format!("the published pool {}: {err}", jury.pool.cid))
                .and_then(|root| {
                    crate::ipld::unixfs_read(&root, |block| {
                        report.blocks += 1;
                        fetch(source, &block.to_string(), "the published pool")
                            .map(|bytes| bytes.into_owned())
                            .map_err(super::FileError::Fetch)
                    })
                    .map_err(|err| err.to_string())
                })?;
            let pool = std::str::from_utf8(&csv)
                .map_err(|err| err.to_string())
                .and_then(|text| Pool::from_csv(text).map_err(|err| err.to_string()));
            let settings: Result<CourtSettings, String> =
                serde_json::from_value(jury.settings.clone()).map_err(|err| err.to_string());
            match (pool, settings) {
                (Ok(pool), Ok(settings)) => Ok(Some(Facts::Jury {
                    pool: std::sync::Arc::new(pool),
                    alternates: settings.alternates,
                    jury_period: settings.jury_period(),
                })),
                (pool, settings) => {
                    report.problems.push(format!(
                        "the jury's published inputs cannot be read: {}",
                        pool.err().or(settings.err()).unwrap_or_default()
                    ));
                    Ok(None)
                }
            }
        }
        CourtMessage::Randomness { value, .. } => {
            let Some(jury) = case.and_then(|case| case.jury.as_ref()) else {
                return Ok(Some(Facts::None));
            };
            match jury.seed {
                SeedSource::Drand { round } => match seed::drand_randomness(round, value) {
                    Ok(seed) => Ok(Some(Facts::Seed(seed))),
                    Err(err) => {
                        report.problems.push(format!("the randomness: {err}"));
                        Ok(None)
                    }
                },
                SeedSource::Block { number } => {
                    let Some(hash) = seed::block_hash(value) else {
                        report
                            .problems
                            .push(format!("the randomness {value} is not a block hash"));
                        return Ok(None);
                    };
                    let network = body.jury.as_ref().map_or("1", |j| j.network.as_str());
                    match chains.map(|chains| chains.block_hash(network, number)) {
                        Some(Ok(Some(real))) if real == hash => {}
                        Some(Ok(other)) => report.problems.push(format!(
                            "block {number} of network {network} has hash {}, not the randomness {value}",
                            other.map_or("(none yet)".into(), |h| format!("0x{}", hex::encode(h)))
                        )),
                        Some(Err(err)) => report
                            .problems
                            .push(format!("block {number} cannot be read: {err}")),
                        None => report.notes.push(format!(
                            "the seed is block {number}'s hash as the randomness message gives it; pass --rpc (a node of network {network}) to check it against the chain"
                        )),
                    }
                    Ok(Some(Facts::Seed(hash)))
                }
            }
        }
        _ => Ok(Some(Facts::None)),
    }
}

/// The arbitrator held the role when accepting: the election message (in
/// this space, for this role and term), and the election proposal's own
/// bundle, verified, for that proposal, ending when the role began, and
/// naming the arbitrator among its winners.
fn check_role(
    source: &dyn crate::ipld::source::BlockSource,
    body: &CaseBody,
    (arbitrator, accepted): (Address, i64),
    chains: Option<&Chains>,
    options: &Options,
    report: &mut Report,
) {
    let proof: Option<&RoleProof> = body.roles.iter().find(|proof| {
        proof.role == ARBITRATOR
            && Address::parse_any(&proof.holder).is_ok_and(|holder| holder == arbitrator)
            && proof.since <= accepted
            && accepted < proof.until
    });
    let Some(proof) = proof else {
        report.problems.push(format!(
            "no role proof shows {arbitrator} holding the arbitrator role when accepting the case"
        ));
        return;
    };
    let network = body.jury.as_ref().map_or("1", |jury| jury.network.as_str());
    let election = match check_envelope(
        source,
        &proof.election.cid,
        "election message",
        network,
        chains,
    ) {
        Ok((envelope, schema, _)) if schema.kind == Kind::Election => envelope,
        Ok(_) => {
            report
                .problems
                .push("the role's election link is not an election message".into());
            return;
        }
        Err(problem) => {
            report.problems.push(problem);
            return;
        }
    };
    report.blocks += 1;
    report.signatures += 1;
    let Some(Ok(CourtMessage::Election {
        proposal,
        role,
        seats,
        term,
    })) = CourtMessage::parse(Kind::Election, election.message())
    else {
        report
            .problems
            .push("the election message cannot be read".into());
        return;
    };
    if election.message_str("space") != Some(body.space.as_str())
        || proposal != proof.proposal
        || role != proof.role
        || i64::try_from(term).ok() != Some(proof.until - proof.since)
    {
        report.problems.push(format!(
            "the role proof ({} of proposal {} in {}, {} s) is not what the election message signed ({role} of proposal {proposal} in {:?}, {term} s)",
            proof.role, proof.proposal, body.space, proof.until - proof.since, election.message_str("space")
        ));
        return;
    }
    let Some(audit) = &proof.audit else {
        report.notes.push(format!(
            "the election proposal {proposal}'s audit bundle was not built when the case closed: its winners are not re-derived here"
        ));
        return;
    };
    // The bundle must be the election proposal's, ending when the role began.
    let frozen = fetch_format::<crate::format::bundle::Root>(
        source,
        &audit.cid,
        "the election's bundle root",
        &[crate::format::bundle::ROOT_FORMAT],
        "an audit bundle root",
    )
    .and_then(|root| {
        fetch_format::<crate::format::bundle::Body>(
            source,
            &root.bundle.cid,
            "the election's bundle body",
            &[
                crate::format::bundle::BODY_FORMAT,
                crate::format::bundle::BODY_FORMAT_V1,
            ],
            "an audit bundle body",
        )
    });
    match frozen {
        Ok(election_body) => {
            let frozen = &election_body.proposal.frozen;
            if frozen.id != proposal || frozen.space != body.space || frozen.end != proof.since {
                report.problems.push(format!(
                    "the election's bundle is of proposal {} in {} ending {}, not of proposal {proposal} in {} ending when the role began ({})",
                    frozen.id, frozen.space, frozen.end, body.space, proof.since
                ));
                return;
            }
        }
        Err(problem) => {
            report.problems.push(problem);
            return;
        }
    }
    let inner = Options {
        progress: false,
        ..options.clone()
    };
    let election_report = super::verify(source, &audit.cid, &inner);
    report.blocks += election_report.blocks;
    report.signatures += election_report.signatures;
    if !election_report.ok() {
        for problem in election_report.problems {
            report
                .problems
                .push(format!("the election's bundle: {problem}"));
        }
        return;
    }
    let result = election_report.result.unwrap_or_default();
    let choices: Vec<&str> = result["choices"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|choice| choice.as_str().unwrap_or_default())
        .collect();
    let scores: Vec<f64> = result["scores"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_f64)
        .collect();
    if !winners(&candidates(&choices), &scores, seats).contains(&arbitrator) {
        report.problems.push(format!(
            "{arbitrator} is not among the winners of election proposal {proposal}"
        ));
    }
}
