//! The signed messages a bundle rests on: the relayer's signature of the
//! root, the proposal and its updates, the space's settings and the alias
//! links. Frozen fields are compared with what was signed.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::blocks::fetch;
use super::{AliasLink, Options, Report};
use crate::chain::Chains;
use crate::format::bundle::{Body, FrozenProposal};
use crate::ipld::source::BlockSource;
use crate::ipld::Link;
use crate::protocol::envelope::Envelope;
use crate::protocol::settings as protocol_settings;
use crate::protocol::signature::{self, Address};
use crate::protocol::typed_data::{self, Kind, Schema};

/// The root's relayer signature of `statement`, against the relayer it
/// claims (`report.relayer`) and the one the caller pinned.
pub(super) fn check_relayer(
    signature_hex: &str,
    statement: &str,
    options: &Options,
    report: &mut Report,
) {
    let claimed = Address::parse_any(&report.relayer).ok();
    let signer = signature::personal_signer(statement, signature_hex).ok();
    match (signer, claimed) {
        (Some(signer), Some(claimed)) if signer == claimed => {
            report.signatures += 1;
            match options.relayer {
                Some(expected) if expected != signer => report.problems.push(format!(
                    "the bundle is signed by relayer {signer}, not by the expected {expected}"
                )),
                Some(_) => report.relayer_pinned = true,
                None if options.trusted_head.is_some() => {}
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
/// Returns the envelope, its schema and its digest.
pub(super) fn check_envelope(
    source: &dyn BlockSource,
    cid: &str,
    what: &str,
    network: &str,
    chains: Option<&Chains>,
) -> Result<(Envelope, &'static Schema, String), String> {
    let bytes = fetch(source, cid, what)?;
    let (envelope, hash) =
        Envelope::parse_pinned(&bytes).map_err(|err| format!("{what} ({cid}): {err}"))?;
    let schema = typed_data::Domain::of(envelope.domain())
        .and_then(|domain| typed_data::lookup_in(domain, envelope.types()))
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
        Ok(recovered) if recovered == signer => Ok((envelope, schema, id)),
        recovered => match chains {
            Some(chains) => match chains.is_valid_signature(network, signer, &digest, &sig) {
                Ok(true) => Ok((envelope, schema, id)),
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

/// A signed message with the schema it was signed with, so that only signed
/// fields are read (legacy schemas leave some unsigned).
struct Signed {
    envelope: Envelope,
    schema: &'static Schema,
}

impl Signed {
    fn field(&self, name: &str) -> Option<&Value> {
        self.schema
            .field(name)
            .and(self.envelope.message().get(name))
    }

    fn text(&self, name: &str) -> String {
        self.field(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }
}

/// Re-derives every frozen field of the proposal from what was signed: the
/// proposal message, its updates, and the space's settings at creation
/// (`settings`, already checked); each field that differs is a problem.
pub(super) fn check_proposal(
    source: &dyn BlockSource,
    body: &Body,
    proposal: &FrozenProposal,
    settings: Option<&Value>,
    chains: Option<&Chains>,
    report: &mut Report,
) {
    let mut signed = Vec::new();
    for (index, link) in body.proposal.envelopes.iter().enumerate() {
        let what = if index == 0 {
            "the signed proposal".to_string()
        } else {
            format!("proposal update {index}")
        };
        match check_envelope(source, &link.cid, &what, &proposal.network, chains) {
            Ok((envelope, schema, id)) => {
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
                if schema.kind != expected || !names_it {
                    report.problems.push(format!(
                        "{what} is not a {} of proposal {}",
                        expected.as_str(),
                        proposal.id
                    ));
                    continue;
                }
                signed.push(Signed { envelope, schema });
            }
            Err(problem) => report.problems.push(problem),
        }
    }
    let (Some(first), Some(latest)) = (signed.first(), signed.last()) else {
        report
            .problems
            .push("the bundle has no signed proposal".into());
        return;
    };
    let mut expected = vec![
        ("id", json!(proposal.id)),
        ("author", json!(first.envelope.from().to_string())),
        ("created", json!(first.envelope.timestamp() as i64)),
        (
            "updated",
            json!((signed.len() > 1).then(|| latest.envelope.timestamp() as i64)),
        ),
        ("space", json!(first.text("space"))),
        (
            "start",
            first.field("start").cloned().unwrap_or(Value::Null),
        ),
        ("end", first.field("end").cloned().unwrap_or(Value::Null)),
        (
            "snapshot",
            first.field("snapshot").cloned().unwrap_or(Value::Null),
        ),
        ("app", json!(first.text("app"))),
        ("type", json!(latest.text("type"))),
        ("title", json!(latest.text("title"))),
        ("body", json!(latest.text("body"))),
        ("discussion", json!(latest.text("discussion"))),
        (
            "choices",
            latest.field("choices").cloned().unwrap_or(Value::Null),
        ),
        (
            "labels",
            latest.field("labels").cloned().unwrap_or_else(|| json!([])),
        ),
        (
            "plugins",
            match latest.text("plugins").as_str() {
                "" => json!({}),
                text => serde_json::from_str(text).unwrap_or(Value::Null),
            },
        ),
    ];
    match settings {
        Some(settings) => {
            let network = protocol_settings::network(settings);
            let (quorum, quorum_type) = protocol_settings::quorum(settings);
            let privacy = protocol_settings::privacy_for(settings, &latest.text("privacy"))
                .unwrap_or_else(|refusal| format!("(refused: {refusal})"));
            expected.extend([
                (
                    "strategies",
                    protocol_settings::frozen_strategies(settings, &network),
                ),
                ("network", json!(network)),
                ("symbol", json!(protocol_settings::symbol(settings))),
                ("validation", protocol_settings::vote_validation(settings)),
                ("quorum", json!(quorum)),
                ("quorumType", json!(quorum_type)),
                ("privacy", json!(privacy)),
            ]);
        }
        None => report.notes.push(
            "without the space's settings at creation, the frozen network, symbol, strategies, validation, quorum, quorum type and privacy are unverified".into(),
        ),
    }
    let frozen = serde_json::to_value(proposal).unwrap_or(Value::Null);
    for (field, derived) in expected {
        let stored = frozen.get(field).cloned().unwrap_or(Value::Null);
        if stored != derived {
            report.problems.push(format!(
                "the frozen proposal says {field} {stored}, the signed messages give {derived}"
            ));
        }
    }
}

/// The signed settings in force at the proposal's creation, and
/// `hideAbstain` of those in force at its close.
pub(super) fn check_settings(
    source: &dyn BlockSource,
    body: &Body,
    proposal: &FrozenProposal,
    chains: Option<&Chains>,
    report: &mut Report,
) -> (Option<Value>, bool) {
    let read = |field: &str, link: &Option<Link>, report: &mut Report| -> Option<Value> {
        let what = format!("space settings ({field})");
        let checked = link
            .as_ref()
            .ok_or_else(|| format!("{what} is not a link"))
            .and_then(|link| check_envelope(source, &link.cid, &what, &proposal.network, chains));
        match checked {
            Ok((envelope, schema, _)) if schema.kind == Kind::Settings => {
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
    let at_creation = read("settings", &body.space.settings, report);
    let hide_abstain = read("settings_at_close", &body.space.settings_at_close, report)
        .is_some_and(|settings| protocol_settings::hides_abstain(&settings));
    (at_creation, hide_abstain)
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
            Ok((envelope, schema, _)) if schema.kind == Kind::Alias => {
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
