//! `alias`, `follow`, `unfollow`, `profile`, `statement`: per-user records.

use crate::ingest::IngestError;
use crate::store::writer::WriteError;
use serde_json::Value;

use super::{short_str, Action, Context, Stamp};
use crate::protocol::rejection::Rejection;
use crate::protocol::signature::Address;
use crate::store::Db;

/// Networks a follow may name (Snapshot mainnet's list).
const FOLLOW_NETWORKS: &[&str] = &["s", "eth", "arb1", "oeth", "sn", "base", "mnt", "ape"];

/// A delegate statement, validated.
#[derive(Debug, Clone)]
pub struct StatementRow {
    pub space: String,
    pub network: String,
    pub about: String,
    pub statement: String,
    pub discourse: String,
    pub status: String,
}

pub(super) fn check_alias(ctx: &Context<'_>) -> Result<Action, IngestError> {
    let alias = ctx
        .signed_str("alias")
        .and_then(|text| Address::parse_checksummed(text).ok())
        .ok_or(Rejection::WrongAliasFormat)?;
    if alias == ctx.signer {
        return Err(Rejection::AliasSameAsAddress.into());
    }
    Ok(Action::Alias {
        address: ctx.from,
        alias,
    })
}

pub(super) fn apply_alias(
    db: &Db<'_>,
    address: Address,
    alias: Address,
    stamp: &Stamp<'_>,
) -> Result<(), WriteError> {
    if let Some((linked, _)) = db.alias(&alias.to_string())? {
        if linked != address.to_string() {
            return Err(Rejection::AliasLinkedElsewhere.into());
        }
    }
    Ok(db.put_alias(
        &address.to_string(),
        &alias.to_string(),
        stamp.timestamp,
        stamp.id,
        stamp.ipfs,
    )?)
}

fn follow_target(ctx: &Context<'_>) -> Result<(String, String), IngestError> {
    let space = super::space_of(ctx)?;
    let network = ctx
        .signed_str("network")
        .filter(|n| !n.is_empty())
        .unwrap_or("s")
        .to_string();
    if !FOLLOW_NETWORKS.contains(&network.as_str()) {
        return Err(Rejection::NetworkNotAllowed(network).into());
    }
    Ok((space, network))
}

pub(super) fn check_follow(ctx: &Context<'_>) -> Result<Action, IngestError> {
    let (space, network) = follow_target(ctx)?;
    Ok(Action::Follow { space, network })
}

pub(super) fn check_unfollow(ctx: &Context<'_>) -> Result<Action, IngestError> {
    let (space, network) = follow_target(ctx)?;
    Ok(Action::Unfollow { space, network })
}

pub(super) fn check_profile(ctx: &Context<'_>) -> Result<Action, IngestError> {
    let bad = Rejection::WrongProfileFormat;
    let profile: Value = ctx
        .signed_str("profile")
        .and_then(|text| serde_json::from_str(text).ok())
        .ok_or(bad.clone())?;
    let fields = profile.as_object().ok_or(bad.clone())?;
    const LIMITS: &[(&str, usize)] = &[
        ("name", 32),
        ("about", 256),
        ("avatar", 256),
        ("cover", 256),
        ("twitter", 15),
        ("github", 39),
        ("lens", 26),
        ("farcaster", 17),
    ];
    for (key, value) in fields {
        let max = LIMITS
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, max)| *max)
            .ok_or(bad.clone())?;
        short_str(Some(value), max).ok_or(bad.clone())?;
    }
    Ok(Action::Profile { profile })
}

pub(super) fn check_statement(ctx: &Context<'_>) -> Result<Action, IngestError> {
    let bad = Rejection::WrongStatementFormat;
    let field = |key: &str, max: usize| -> Result<String, Rejection> {
        match ctx.signed(key) {
            None => Ok(String::new()),
            Some(value) => short_str(Some(value), max)
                .map(String::from)
                .ok_or(bad.clone()),
        }
    };
    let network = match ctx.signed_str("network") {
        None | Some("") => "s".to_string(),
        Some(network) if FOLLOW_NETWORKS.contains(&network) => network.to_string(),
        Some(network) if network.len() <= 24 => {
            return Err(Rejection::NetworkNotAllowed(network.into()).into())
        }
        Some(_) => return Err(bad.into()),
    };
    let status = match ctx.signed_str("status") {
        None => "ACTIVE".to_string(),
        Some(status @ ("ACTIVE" | "INACTIVE")) => status.to_string(),
        Some(_) => return Err(bad.into()),
    };
    Ok(Action::Statement(StatementRow {
        space: super::space_of(ctx)?,
        network,
        about: field("about", 140)?,
        statement: field("statement", 10_000)?,
        discourse: field("discourse", 30)?,
        status,
    }))
}

pub(super) fn apply_statement(
    db: &Db<'_>,
    row: &StatementRow,
    stamp: &Stamp<'_>,
) -> Result<(), WriteError> {
    Ok(db.put_statement(
        stamp.id,
        stamp.ipfs,
        &stamp.from.to_string(),
        &row.space,
        &row.network,
        [&row.about, &row.statement, &row.discourse, &row.status],
        stamp.timestamp,
    )?)
}
