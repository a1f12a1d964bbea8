//! Building a closed case's bundle (`format::case`) from the store.

use serde_json::Value;

use super::AuditError;
use crate::court;
use crate::format::case::{
    statement, BundledJury, CaseBody, CaseMessage, CaseRoot, RoleProof, BODY_FORMAT, ROOT_FORMAT,
};
use crate::ipld::{dag_json, Link};
use crate::jury::settings::ARBITRATOR;
use crate::protocol::signature::Signer;
use crate::store::Db;

/// A case bundle ready to store: its blocks, root last.
#[derive(Debug, Clone)]
pub struct BuiltCase {
    pub root: String,
    pub blocks: Vec<(String, Vec<u8>)>,
}

/// The bundle of a case closed by `now`; `None` while it is open.
pub fn build(
    db: &Db<'_>,
    relayer: &Signer,
    space: &str,
    case_id: &str,
    now: i64,
) -> Result<Option<BuiltCase>, AuditError> {
    let case = court::case(db, space, case_id)
        .map_err(|err| AuditError::Task(err.to_string()))?
        .ok_or_else(|| AuditError::UnknownProposal(case_id.to_string()))?;
    let Some(outcome) = case.outcome(now) else {
        return Ok(None);
    };
    let rows = db.court_events(space, case_id)?;
    let messages = rows
        .iter()
        .map(|row| CaseMessage {
            envelope: Link::to(&row.ipfs),
            received: row.received,
        })
        .collect();
    let jury = match &case.jury {
        Some(jury) => {
            let opened = rows
                .iter()
                .find(|row| row.id == jury.id)
                .ok_or_else(|| AuditError::MissingBlock(jury.id.clone()))?;
            let facts: Value = serde_json::from_str(&opened.facts)?;
            let pool = facts
                .get("pool")
                .and_then(Value::as_str)
                .ok_or_else(|| AuditError::MissingBlock(format!("pool of {}", jury.id)))?;
            // The settings and network recorded when the jury opened; the
            // settings message then in force, for provenance.
            let settings = facts.get("settings").cloned().unwrap_or_else(|| {
                serde_json::to_value(crate::jury::settings::CourtSettings::default())
                    .unwrap_or_default()
            });
            let network = facts
                .get("network")
                .and_then(Value::as_str)
                .unwrap_or("1")
                .to_string();
            let settings_row = db
                .court_events(space, court::SETTINGS)?
                .into_iter()
                .rfind(|row| row.received <= jury.opened);
            Some(BundledJury {
                network,
                pool: Link::to(pool),
                settings,
                settings_message: settings_row.map(|row| Link::to(&row.ipfs)),
            })
        }
        None => None,
    };
    let mut roles = Vec::new();
    if let Some((arbitrator, accepted)) = case.accepted {
        let holdings = court::role_holdings(db, space, now)
            .map_err(|err| AuditError::Task(err.to_string()))?;
        for holding in holdings
            .into_iter()
            .filter(|h| h.holds(ARBITRATOR, &arbitrator, accepted))
        {
            let election = db
                .message(&holding.election)?
                .ok_or_else(|| AuditError::MissingBlock(holding.election.clone()))?;
            let audit = db
                .proposal(&holding.proposal)?
                .and_then(|proposal| proposal.audit_cid)
                .map(|cid| Link::to(&cid));
            roles.push(RoleProof {
                role: holding.role,
                holder: holding.holder.to_string(),
                since: holding.since,
                until: holding.until,
                election: Link::to(&election.ipfs),
                proposal: holding.proposal,
                audit,
            });
        }
    }
    let body = CaseBody {
        format: BODY_FORMAT.into(),
        votehub: env!("CARGO_PKG_VERSION").into(),
        case: case.id.clone(),
        space: space.into(),
        messages,
        jury,
        roles,
        outcome: serde_json::to_value(&outcome)?,
    };
    let (body_cid, body_bytes) = dag_json(&body)?;
    let root = CaseRoot {
        format: ROOT_FORMAT.into(),
        bundle: Link::to(&body_cid),
        case: case.id.clone(),
        space: space.into(),
        relayer: relayer.address().to_string(),
        signature: relayer.personal_sign(&statement(&case.id, &body_cid)),
    };
    let (root_cid, root_bytes) = dag_json(&root)?;
    Ok(Some(BuiltCase {
        root: root_cid.clone(),
        blocks: vec![(body_cid, body_bytes), (root_cid, root_bytes)],
    }))
}
