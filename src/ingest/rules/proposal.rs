//! `proposal`, `update-proposal`, `delete-proposal`, `flag-proposal`.

use crate::ingest::IngestError;
use serde_json::{json, Value};

use super::{js_len, listed, schema_len, Action, Context};
use crate::power;
use crate::protocol::rejection::Rejection;
use crate::protocol::settings;
use crate::store::{ProposalRow, SpaceRow};
use crate::tally::outcome::ScoresState;
use crate::tally::VotingType;

/// The editable part of a proposal message, schema-checked.
struct Payload {
    title: String,
    body: String,
    discussion: String,
    choices: Vec<String>,
    labels: Vec<String>,
    kind: VotingType,
    plugins: Value,
    privacy: String,
}

fn payload(ctx: &Context<'_>) -> Result<Payload, IngestError> {
    let bad = || Rejection::WrongProposalFormat;
    let title = ctx
        .signed_str("title")
        .filter(|t| (1..=256).contains(&schema_len(t)))
        .ok_or_else(bad)?;
    let body = ctx.signed_str("body").ok_or_else(bad)?;
    let discussion = match ctx.signed("discussion") {
        None => "",
        Some(value) => value
            .as_str()
            .filter(|d| schema_len(d) <= 256 && is_url(d))
            .ok_or_else(bad)?,
    };
    let choices = strings(ctx.signed("choices")).ok_or_else(bad)?;
    if choices.is_empty() || choices.iter().any(|c| !(1..=256).contains(&schema_len(c))) {
        return Err(bad().into());
    }
    let labels = match ctx.signed("labels") {
        None => Vec::new(),
        Some(value) => strings(Some(value)).ok_or_else(bad)?,
    };
    let mut unique = std::collections::HashSet::new();
    if labels.len() > 10
        || labels.iter().any(|l| {
            !(1..=8).contains(&l.len())
                || !l.bytes().all(|b| b.is_ascii_alphanumeric())
                || !unique.insert(l)
        })
    {
        return Err(bad().into());
    }
    let kind = ctx
        .signed_str("type")
        .and_then(VotingType::parse)
        .ok_or_else(bad)?;
    let plugins = match ctx.signed_str("plugins") {
        None | Some("") => json!({}),
        Some(text) => serde_json::from_str::<Value>(text)
            .ok()
            .filter(Value::is_object)
            .ok_or_else(bad)?,
    };
    let privacy = match ctx.signed("privacy") {
        None => "",
        Some(value) => value
            .as_str()
            .filter(|p| matches!(*p, "" | "shutter"))
            .ok_or_else(bad)?,
    };
    Ok(Payload {
        title: title.into(),
        body: body.into(),
        discussion: discussion.into(),
        choices,
        labels: labels.into_iter().collect(),
        kind,
        plugins,
        privacy: privacy.into(),
    })
}

fn strings(value: Option<&Value>) -> Option<Vec<String>> {
    value?
        .as_array()?
        .iter()
        .map(|item| item.as_str().map(String::from))
        .collect()
}

fn is_url(text: &str) -> bool {
    text.is_empty()
        || ["http://", "https://", "ipfs://", "ipns://", "snapshot://"]
            .iter()
            .any(|p| text.starts_with(p))
}

fn live_space(ctx: &Context<'_>) -> Result<SpaceRow, IngestError> {
    let space = super::space_of(ctx)?;
    match ctx.db.space(&space)? {
        Some(row) if !row.deleted => Ok(row),
        _ => Err(Rejection::InvalidSpaceSettings("unknown space".into()).into()),
    }
}

fn voting(space: &SpaceRow, key: &str) -> Option<Value> {
    settings::voting(&space.settings, key).cloned()
}

fn is_author_role(space: &SpaceRow, ctx: &Context<'_>) -> bool {
    ["members", "admins", "moderators"]
        .iter()
        .any(|list| listed(&space.settings, list, ctx.from))
}

pub(super) fn check_create(ctx: &Context<'_>) -> Result<Action, IngestError> {
    let space = live_space(ctx)?;
    let payload = payload(ctx)?;
    let bad = || Rejection::WrongProposalFormat;
    let time = |field: &str| {
        ctx.signed(field)
            .and_then(Value::as_u64)
            .filter(|t| (1_000_000_000..=2_000_000_000).contains(t))
            .map(|t| t as i64)
    };
    let (start, end) = (time("start").ok_or_else(bad)?, time("end").ok_or_else(bad)?);
    let snapshot = ctx
        .signed("snapshot")
        .and_then(Value::as_u64)
        .ok_or_else(bad)?;
    let app = ctx.signed_str("app").unwrap_or("");
    if schema_len(app) > 24 {
        return Err(bad().into());
    }
    if end <= ctx.now {
        return Err(Rejection::EndNotInFuture.into());
    }
    if payload.kind == VotingType::Basic && !(2..=3).contains(&payload.choices.len()) {
        return Err(Rejection::WrongBasicChoices.into());
    }
    if let Some(delay) = voting(&space, "delay")
        .and_then(|d| d.as_i64())
        .filter(|d| *d > 0)
    {
        if start != ctx.timestamp + delay {
            return Err(Rejection::InvalidVotingDelay.into());
        }
    }
    if let Some(period) = voting(&space, "period")
        .and_then(|p| p.as_i64())
        .filter(|p| *p > 0)
    {
        if end - start != period {
            return Err(Rejection::InvalidVotingPeriod.into());
        }
    }
    if let Some(kind) = voting(&space, "type")
        .and_then(|t| t.as_str().map(String::from))
        .filter(|t| !t.is_empty())
    {
        if kind != payload.kind.as_str() {
            return Err(Rejection::InvalidVotingType.into());
        }
    }
    let privacy = settings::privacy_for(&space.settings, &payload.privacy)?;
    let member = is_author_role(&space, ctx);
    let filters = space.settings.get("filters");
    if filters
        .and_then(|f| f.get("onlyMembers"))
        .and_then(Value::as_bool)
        == Some(true)
        && !member
    {
        return Err(Rejection::OnlyAuthors.into());
    }
    if !member {
        check_proposal_validation(ctx, &space, snapshot)?;
    }
    if js_len(&payload.body) > ctx.limits.body_length {
        return Err(Rejection::BodyTooLong(ctx.limits.body_length).into());
    }
    if payload.choices.len() > ctx.limits.choices {
        return Err(Rejection::TooManyChoices(ctx.limits.choices).into());
    }
    let network = settings::network(&space.settings);
    let (quorum, quorum_type) = settings::quorum(&space.settings);
    Ok(Action::Proposal(Box::new(ProposalRow {
        id: ctx.id.to_string(),
        ipfs: ctx.ipfs.to_string(),
        author: ctx.from.to_string(),
        created: ctx.timestamp,
        updated: None,
        space: space.id.clone(),
        strategies: settings::frozen_strategies(&space.settings, &network),
        network,
        symbol: settings::symbol(&space.settings),
        kind: payload.kind,
        validation: settings::vote_validation(&space.settings),
        plugins: payload.plugins,
        title: payload.title,
        body: payload.body,
        discussion: payload.discussion,
        choices: payload.choices,
        labels: payload.labels,
        start,
        end,
        snapshot: i64::try_from(snapshot).map_err(|_| bad())?,
        quorum,
        quorum_type,
        privacy,
        app: app.to_string(),
        flagged: false,
        votes: 0,
        scores_state: ScoresState::Pending,
        vote_changes: 0,
        audit_cid: None,
    })))
}

/// Proposal validation for non-members: `any`, or `basic` with a `minScore`
/// that the author's voting power must reach. votehub reads power at the
/// proposal's snapshot block (Snapshot reads `latest`), since balances come
/// from imported snapshots.
fn check_proposal_validation(
    ctx: &Context<'_>,
    space: &SpaceRow,
    snapshot: u64,
) -> Result<(), IngestError> {
    let space_settings = &space.settings;
    let validation = space_settings.get("validation");
    let name = validation
        .and_then(|v| v.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("basic");
    let min_score = validation
        .and_then(|v| v.get("params"))
        .and_then(|p| p.get("minScore"))
        .or_else(|| {
            space_settings
                .get("filters")
                .and_then(|f| f.get("minScore"))
        })
        .and_then(Value::as_f64)
        .filter(|m| *m > 0.0);
    match (name, min_score) {
        ("any", _) | ("basic", None) => Ok(()),
        ("basic", Some(min_score)) => {
            let network = settings::network(space_settings);
            let strategies = validation
                .and_then(|v| v.get("params"))
                .and_then(|p| p.get("strategies"))
                .cloned()
                .unwrap_or_else(|| settings::frozen_strategies(space_settings, &network));
            let power = power::voting_power(
                ctx.db,
                ctx.chains,
                &strategies,
                &network,
                snapshot,
                ctx.from,
            )
            .map_err(|_| Rejection::FailedToCheckValidation)?;
            if power.vp >= min_score {
                Ok(())
            } else {
                Err(Rejection::ValidationFailed.into())
            }
        }
        _ => Err(Rejection::FailedToCheckValidation.into()),
    }
}

fn existing(ctx: &Context<'_>) -> Result<ProposalRow, IngestError> {
    let id = ctx
        .signed_str("proposal")
        .ok_or(Rejection::WrongProposalFormat)?;
    let space = super::space_of(ctx)?;
    ctx.db
        .proposal(&id.to_lowercase())?
        .filter(|p| p.space == space)
        .ok_or(Rejection::UnknownProposal.into())
}

pub(super) fn check_update(ctx: &Context<'_>) -> Result<Action, IngestError> {
    let payload = payload(ctx)?;
    let mut proposal = existing(ctx)?;
    let space = live_space(ctx)?;
    if proposal.start < ctx.now {
        return Err(Rejection::ProposalAlreadyStarted.into());
    }
    super::court::check_not_election(ctx.db, &proposal.space, &proposal.id)?;
    if proposal.author != ctx.from.to_string() {
        return Err(Rejection::NotTheAuthor.into());
    }
    if payload.kind == VotingType::Basic && !(2..=3).contains(&payload.choices.len()) {
        return Err(Rejection::WrongChoicesForType(payload.kind.as_str().into()).into());
    }
    let privacy = settings::privacy_for(&space.settings, &payload.privacy)?;
    if let Some(kind) = voting(&space, "type")
        .and_then(|t| t.as_str().map(String::from))
        .filter(|t| !t.is_empty())
    {
        if kind != payload.kind.as_str() {
            return Err(Rejection::SpaceVotingTypeMismatch.into());
        }
    }
    if js_len(&payload.body) > ctx.limits.body_length {
        return Err(Rejection::BodyTooLong(ctx.limits.body_length).into());
    }
    if payload.choices.len() > ctx.limits.choices {
        return Err(Rejection::TooManyChoices(ctx.limits.choices).into());
    }
    proposal.ipfs = ctx.ipfs.to_string();
    proposal.updated = Some(ctx.timestamp);
    proposal.kind = payload.kind;
    proposal.title = payload.title;
    proposal.body = payload.body;
    proposal.discussion = payload.discussion;
    proposal.choices = payload.choices;
    proposal.labels = payload.labels;
    proposal.plugins = payload.plugins;
    proposal.privacy = privacy;
    Ok(Action::UpdateProposal(Box::new(proposal)))
}

pub(super) fn check_delete(ctx: &Context<'_>) -> Result<Action, IngestError> {
    let proposal = existing(ctx)?;
    let space = live_space(ctx)?;
    let moderator = listed(&space.settings, "admins", ctx.from)
        || listed(&space.settings, "moderators", ctx.from);
    if !moderator && !proposal.author.eq_ignore_ascii_case(&ctx.from.to_string()) {
        return Err(Rejection::NotAuthorizedToArchive.into());
    }
    super::court::check_not_election(ctx.db, &proposal.space, &proposal.id)?;
    Ok(Action::DeleteProposal {
        proposal: proposal.id,
    })
}

pub(super) fn check_flag(ctx: &Context<'_>) -> Result<Action, IngestError> {
    let proposal = existing(ctx)?;
    let space = live_space(ctx)?;
    if !(listed(&space.settings, "admins", ctx.from)
        || listed(&space.settings, "moderators", ctx.from))
    {
        return Err(Rejection::NotAuthorizedToFlag.into());
    }
    if proposal.flagged {
        return Err(Rejection::ProposalAlreadyFlagged.into());
    }
    Ok(Action::FlagProposal {
        proposal: proposal.id,
    })
}
