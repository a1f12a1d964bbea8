//! `settings` and `delete-space`: who controls a space and what its settings may hold.

use crate::ingest::IngestError;
use crate::store::writer::WriteError;
use serde_json::Value;

use super::{js_len, listed, short_str, Action, Context, Limits, Stamp};
use crate::protocol::rejection::Rejection;
use crate::protocol::signature::Address;
use crate::store::Db;
use crate::tally::VotingType;

/// Snapshot's hard cap on strategies, whatever the operator configures.
pub const MAX_STRATEGIES: usize = 10;

/// A validated settings message, authorised by the writer.
#[derive(Debug, Clone)]
pub struct SettingsChange {
    pub space: String,
    pub settings: Value,
    pub signer: Address,
}

pub(super) fn check_settings(ctx: &Context<'_>) -> Result<Action, IngestError> {
    let space = super::space_of(ctx)?;
    if js_len(&space) > 64 {
        return Err(Rejection::IdTooLong.into());
    }
    let settings: Value = ctx
        .signed_str("settings")
        .and_then(|text| serde_json::from_str(text).ok())
        .ok_or(Rejection::WrongSpaceFormat)?;
    validate_settings(&settings, &space, ctx.limits)?;
    Ok(Action::Settings(SettingsChange {
        space,
        settings,
        signer: ctx.signer,
    }))
}

pub(super) fn apply_settings(
    db: &Db<'_>,
    change: &SettingsChange,
    stamp: &Stamp<'_>,
) -> Result<(), WriteError> {
    let is_controller = db
        .controller(&change.space)?
        .is_some_and(|controller| controller.eq_ignore_ascii_case(&change.signer.to_string()));
    let existing = db.space(&change.space)?;
    if let Some(space) = &existing {
        if space.deleted && !is_controller {
            return Err(Rejection::SpaceDeleted.into());
        }
    }
    if !is_controller {
        let Some(space) = existing.filter(|space| !space.deleted) else {
            return Err(Rejection::NotAllowed.into());
        };
        if !listed(&space.settings, "admins", change.signer) {
            return Err(Rejection::NotAllowed.into());
        }
        if admin_set(&space.settings) != admin_set(&change.settings) {
            return Err(Rejection::NotAllowedChangeAdmins.into());
        }
    }
    Ok(db.upsert_space(&change.space, &change.settings, stamp.ipfs, stamp.now)?)
}

pub(super) fn check_delete(ctx: &Context<'_>) -> Result<Action, IngestError> {
    let space = super::space_of(ctx)?;
    match ctx.db.space(&space)? {
        Some(row) if !row.deleted => Ok(Action::DeleteSpace {
            space,
            actor: ctx.signer,
        }),
        _ => Err(Rejection::SpaceNotFound.into()),
    }
}

pub(super) fn apply_delete(
    db: &Db<'_>,
    space: &str,
    actor: Address,
    now: i64,
) -> Result<(), WriteError> {
    let is_controller = db
        .controller(space)?
        .is_some_and(|controller| controller.eq_ignore_ascii_case(&actor.to_string()));
    if !is_controller {
        return Err(Rejection::NotAllowed.into());
    }
    Ok(db.delete_space(space, now)?)
}

fn admin_set(settings: &Value) -> std::collections::BTreeSet<String> {
    settings
        .get("admins")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_lowercase)
                .collect()
        })
        .unwrap_or_default()
}

/// Top-level keys Snapshot's `space.json` allows (`additionalProperties: false`).
const KNOWN_KEYS: &[&str] = &[
    "name",
    "network",
    "symbol",
    "strategies",
    "admins",
    "moderators",
    "members",
    "filters",
    "validation",
    "voteValidation",
    "followValidation",
    "voting",
    "plugins",
    "delegationPortal",
    "parent",
    "children",
    "private",
    "about",
    "guidelines",
    "terms",
    "avatar",
    "cover",
    "website",
    "template",
    "location",
    "twitter",
    "github",
    "farcaster",
    "coingecko",
    "email",
    "skin",
    "domain",
    "discussions",
    "discourseCategory",
    "categories",
    "treasuries",
    "labels",
    "boost",
    "skinSettings",
];

const CATEGORIES: &[&str] = &[
    "protocol",
    "social",
    "investment",
    "grant",
    "service",
    "media",
    "creator",
    "collector",
    "ai-agent",
    "gaming",
    "wallet",
    "music",
    "layer-2",
    "defai",
    "defi",
    "rwa",
    "depin",
    "meme",
];

/// Checks a settings object against Snapshot's space schema and settings rules.
pub fn validate_settings(
    settings: &Value,
    space_id: &str,
    limits: &Limits,
) -> Result<(), Rejection> {
    let bad = Rejection::WrongSpaceFormat;
    let object = settings.as_object().ok_or(bad.clone())?;
    if object.keys().any(|key| !KNOWN_KEYS.contains(&key.as_str())) {
        return Err(bad);
    }
    short_str(object.get("name"), 32)
        .filter(|name| !name.is_empty())
        .ok_or(bad.clone())?;
    short_str(object.get("network"), 32)
        .filter(|network| !network.is_empty())
        .ok_or(bad.clone())?;
    check_strategies(object.get("strategies"), limits)?;
    for list in ["admins", "moderators", "members"] {
        if let Some(value) = object.get(list) {
            address_list(value, 100).ok_or(bad.clone())?;
        }
    }
    for (key, max) in [
        ("symbol", 16),
        ("about", 160),
        ("guidelines", 256),
        ("terms", 256),
        ("avatar", 256),
        ("cover", 256),
        ("website", 256),
        ("template", 1024),
        ("location", 24),
        ("twitter", 15),
        ("github", 39),
        ("farcaster", 17),
        ("coingecko", 32),
        ("email", 32),
        ("skin", 32),
        ("domain", 64),
        ("discussions", 256),
        ("parent", 64),
    ] {
        if let Some(value) = object.get(key) {
            short_str(Some(value), max).ok_or(bad.clone())?;
        }
    }
    for key in ["private"] {
        if object.get(key).is_some_and(|value| !value.is_boolean()) {
            return Err(bad);
        }
    }
    if let Some(category) = object.get("discourseCategory") {
        category.as_u64().filter(|c| *c >= 1).ok_or(bad.clone())?;
    }
    if let Some(categories) = object.get("categories") {
        let items = categories
            .as_array()
            .filter(|items| items.len() <= 2)
            .ok_or(bad.clone())?;
        if !items
            .iter()
            .all(|item| item.as_str().is_some_and(|c| CATEGORIES.contains(&c)))
        {
            return Err(bad);
        }
    }
    if object.get("parent").and_then(Value::as_str) == Some(space_id) {
        return Err(Rejection::OwnParent);
    }
    if let Some(children) = object.get("children") {
        let items = children
            .as_array()
            .filter(|items| items.len() <= 16)
            .ok_or(bad.clone())?;
        if items.iter().any(|child| !child.is_string()) {
            return Err(bad);
        }
        if items.iter().any(|child| child.as_str() == Some(space_id)) {
            return Err(Rejection::OwnChild);
        }
    }
    if let Some(filters) = object.get("filters") {
        let filters = filters.as_object().ok_or(bad.clone())?;
        if filters
            .get("minScore")
            .is_some_and(|m| !m.as_f64().is_some_and(|m| m >= 0.0))
            || filters.get("onlyMembers").is_some_and(|o| !o.is_boolean())
        {
            return Err(bad);
        }
    }
    for (key, max) in [
        ("validation", 64),
        ("voteValidation", 32),
        ("followValidation", 32),
    ] {
        if let Some(validation) = object.get(key) {
            let validation = validation.as_object().ok_or(bad.clone())?;
            short_str(validation.get("name"), max).ok_or(bad.clone())?;
            if validation.get("params").is_some_and(|p| !p.is_object()) {
                return Err(bad);
            }
        }
    }
    if let Some(voting) = object.get("voting") {
        check_voting(voting).ok_or(bad.clone())?;
    }
    if object.get("plugins").is_some_and(|p| !p.is_object()) {
        return Err(bad);
    }
    if let Some(labels) = object.get("labels") {
        check_labels(labels)?;
    }
    Ok(())
}

fn check_strategies(strategies: Option<&Value>, limits: &Limits) -> Result<(), Rejection> {
    let bad = Rejection::WrongSpaceFormat;
    let items = strategies
        .and_then(Value::as_array)
        .filter(|items| !items.is_empty())
        .ok_or(bad.clone())?;
    let limit = limits.strategies.min(MAX_STRATEGIES);
    if items.len() > limit {
        return Err(Rejection::MaxStrategies(limit));
    }
    for (index, item) in items.iter().enumerate() {
        let strategy = item.as_object().ok_or(bad.clone())?;
        if strategy
            .keys()
            .any(|key| !matches!(key.as_str(), "name" | "network" | "params"))
        {
            return Err(bad);
        }
        let name = short_str(strategy.get("name"), 64).ok_or(bad.clone())?;
        if strategy
            .get("network")
            .is_some_and(|n| n.as_str().is_none_or(str::is_empty))
        {
            return Err(bad);
        }
        if strategy.get("params").is_some_and(|p| !p.is_object()) {
            return Err(bad);
        }
        if items[..index].contains(item) {
            return Err(bad);
        }
        if votehub_strategies::find(name).is_none() {
            return Err(Rejection::UnknownStrategy(name.to_string()));
        }
    }
    Ok(())
}

fn check_voting(voting: &Value) -> Option<()> {
    let voting = voting.as_object()?;
    let in_range = |key: &str, max: u64| {
        voting
            .get(key)
            .is_none_or(|v| v.is_null() || v.as_u64().is_some_and(|v| v <= max))
    };
    let boolean = |key: &str| {
        voting
            .get(key)
            .is_none_or(|v| v.is_null() || v.is_boolean())
    };
    let ok = in_range("delay", 2_592_000)
        && in_range("period", 31_622_400)
        && voting.get("type").is_none_or(|t| {
            t.is_null()
                || t.as_str()
                    .is_some_and(|t| t.is_empty() || VotingType::parse(t).is_some())
        })
        && voting
            .get("quorum")
            .is_none_or(|q| q.is_null() || q.as_f64().is_some_and(|q| q >= 0.0))
        && voting.get("quorumType").is_none_or(|q| {
            q.is_null() || matches!(q.as_str(), Some("rejection" | "default" | ""))
        })
        && voting
            .get("privacy")
            .is_none_or(|p| p.is_null() || matches!(p.as_str(), Some("" | "shutter" | "any")))
        && boolean("blind")
        && boolean("hideAbstain")
        && boolean("aliased");
    ok.then_some(())
}

fn check_labels(labels: &Value) -> Result<(), Rejection> {
    let bad = Rejection::WrongSpaceFormat;
    let items = labels
        .as_array()
        .filter(|items| items.len() <= 10)
        .ok_or(bad.clone())?;
    let mut ids = std::collections::HashSet::new();
    let mut names = std::collections::HashSet::new();
    for label in items {
        let id = short_str(label.get("id"), 8)
            .filter(|id| !id.is_empty())
            .ok_or(bad.clone())?;
        let name = short_str(label.get("name"), 32)
            .filter(|name| !name.is_empty())
            .ok_or(bad.clone())?;
        if !ids.insert(id.to_lowercase()) {
            return Err(Rejection::DuplicateLabelId);
        }
        if !names.insert(name.to_lowercase()) {
            return Err(Rejection::DuplicateLabelName);
        }
    }
    Ok(())
}

fn address_list(value: &Value, max: usize) -> Option<()> {
    let items = value.as_array().filter(|items| items.len() <= max)?;
    let mut seen = std::collections::HashSet::new();
    for item in items {
        let address = Address::parse_any(item.as_str()?).ok()?;
        if !seen.insert(address) {
            return None;
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Value {
        json!({"name": "Demo", "network": "1", "strategies": [{"name": "ticket", "params": {}}]})
    }

    fn check(settings: Value) -> Result<(), Rejection> {
        validate_settings(&settings, "demo.eth", &Limits::default())
    }

    #[test]
    fn minimal_settings_pass() {
        assert_eq!(check(base()), Ok(()));
    }

    #[test]
    fn schema_violations() {
        for mutate in [
            |v: &mut Value| v["extra"] = json!(1),
            |v: &mut Value| v["name"] = json!(""),
            |v: &mut Value| v["name"] = json!("x".repeat(33)),
            |v: &mut Value| v["strategies"] = json!([]),
            |v: &mut Value| v["admins"] = json!(["0x12"]),
            |v: &mut Value| v["voting"] = json!({"delay": -1}),
            |v: &mut Value| v["voting"] = json!({"type": "nope"}),
            |v: &mut Value| v["symbol"] = json!("X".repeat(17)),
        ] {
            let mut settings = base();
            mutate(&mut settings);
            assert_eq!(check(settings), Err(Rejection::WrongSpaceFormat));
        }
    }

    #[test]
    fn named_errors() {
        let mut settings = base();
        settings["strategies"] = json!((0..9)
            .map(|i| json!({"name": "ticket", "params": {"value": i}}))
            .collect::<Vec<_>>());
        assert_eq!(check(settings), Err(Rejection::MaxStrategies(8)));
        let mut settings = base();
        settings["strategies"] = json!([{"name": "no-such"}]);
        assert_eq!(
            check(settings),
            Err(Rejection::UnknownStrategy("no-such".into()))
        );
        let mut settings = base();
        settings["parent"] = json!("demo.eth");
        assert_eq!(check(settings), Err(Rejection::OwnParent));
        let mut settings = base();
        settings["children"] = json!(["demo.eth"]);
        assert_eq!(check(settings), Err(Rejection::OwnChild));
        let mut settings = base();
        settings["labels"] = json!([{"id": "a", "name": "A"}, {"id": "A", "name": "B"}]);
        assert_eq!(check(settings), Err(Rejection::DuplicateLabelId));
        let mut settings = base();
        settings["labels"] = json!([{"id": "a", "name": "A"}, {"id": "b", "name": "a"}]);
        assert_eq!(check(settings), Err(Rejection::DuplicateLabelName));
    }

    #[test]
    fn operator_limit_never_exceeds_ten() {
        let limits = Limits {
            strategies: 50,
            ..Limits::default()
        };
        let mut settings = base();
        settings["strategies"] = json!((0..11)
            .map(|i| json!({"name": "ticket", "params": {"value": i}}))
            .collect::<Vec<_>>());
        assert_eq!(
            validate_settings(&settings, "x", &limits),
            Err(Rejection::MaxStrategies(10))
        );
    }
}
