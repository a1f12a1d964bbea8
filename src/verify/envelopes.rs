//! The signed messages a bundle rests on: the relayer's signature of the
//! root, the proposal and its updates, the space's settings and the alias
//! links. Frozen fields are compared with what was signed.

use std::collections::HashMap;

use serde_json::Value;

use super::blocks::fetch;
use super::{AliasLink, Options, Report};
use crate::chain::Chains;
use crate::format::bundle::{statement, Body, FrozenProposal, Root};
use crate::ipld::source::BlockSource;
use crate::ipld::Link;
use crate::protocol::envelope::Envelope;
use crate::protocol::settings::{frozen_strategies, hides_abstain};
use crate::protocol::signature::{self, Address};
use crate::protocol::typed_data::{self, Kind};

pub(super) fn check_relayer(
    root: &Root,
    proposal: &str,
    body_cid: &str,
    options: &Options,
    report: &mut Report,
) {
    let claimed = Address::parse_any(&report.relayer).ok();
    let signer = signature::personal_signer(&statement(proposal, body_cid), &root.signature).ok();
    match (signer, claimed) {
        (Some(signer), Some(claimed)) if signer == claimed => {
            report.signatures += 1;
            match options.relayer {
                Some(expected) if expected != signer => report.problems.push(format!(
                    "the bundle is signed by relayer {signer}, not by the expected {expected}"
                )),
                Some(_) => {}
                None => report.notes.push(format!(
                    "the relayer {signer} was not pinned (--relayer): the checks prove the bundle consistent, not who vouches for it; a forgery re-signed with any key would pass them, so compare {signer} with a relayer address you hold from elsewhere"
                )),
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
pub(super) fn check_envelope(
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

pub(super) fn check_proposal(
    source: &dyn BlockSource,
    body: &Body,
    proposal: &FrozenProposal,
    chains: Option<&Chains>,
    report: &mut Report,
) {
    let mut latest: Option<Value> = None;
    let mut first: Option<Value> = None;
    for (index, link) in body.proposal.envelopes.iter().enumerate() {
        let what = if index == 0 {
            "the signed proposal".to_string()
        } else {
            format!("proposal update {index}")
        };
        let checked = check_envelope(source, &link.cid, &what, &proposal.network, chains);
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
pub(super) fn check_settings(
    source: &dyn BlockSource,
    body: &Body,
    proposal: &FrozenProposal,
    chains: Option<&Chains>,
    report: &mut Report,
) -> bool {
    let read = |field: &str, link: &Option<Link>, report: &mut Report| -> Option<Value> {
        let what = format!("space settings ({field})");
        let checked = link
            .as_ref()
            .ok_or_else(|| format!("{what} is not a link"))
            .and_then(|link| check_envelope(source, &link.cid, &what, &proposal.network, chains));
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
    if let Some(settings) = read("settings", &body.space.settings, report) {
        let network = settings["network"].as_str().unwrap_or("1");
        if network != proposal.network {
            report.problems.push(format!(
                "the space's signed settings name network {network}, the bundle froze {}",
                proposal.network
            ));
        }
        if frozen_strategies(&settings, network) != proposal.strategies {
            report.problems.push(
                "the frozen strategies differ from the space's signed settings at the proposal's creation".into(),
            );
        }
    }
    read("settings_at_close", &body.space.settings_at_close, report)
        .is_some_and(|settings| hides_abstain(&settings))
}

pub(super) fn read_aliases(
    source: &dyn BlockSource,
    body: &Body,
    chains: Option<&Chains>,
    report: &mut Report,
) -> HashMap<Address, AliasLink> {
    let mut aliases = HashMap::new();
    let network = body.proposal.frozen.network.as_str();
    for link in &body.aliases {
        let checked = check_envelope(source, &link.cid, "alias message", network, chains);
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
