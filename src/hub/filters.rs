//! The hub's `where`, `orderBy` and limits, read as its resolvers read them
//! (`buildWhereQuery`, `checkLimits`): equality, `_not`, `_in` and
//! `_not_in` (an empty list matches nothing), comparisons whose value 0 is
//! ignored, addresses checksummed before matching.

use rusqlite::types::Value as Sql;

use super::inputs::{
    AliasWhere, FollowWhere, LeaderboardsWhere, MessageWhere, OrderDirection, ProposalWhere,
    SpaceWhere, StatementsWhere, SubscriptionWhere, UsersWhere, VoteWhere,
};
use super::HubError;
use crate::protocol::signature::Address;
use crate::store::{Cmp, Filter, Page};

/// The largest `first`, `skip` and `_in` list of a query.
pub struct Limits {
    pub first: i64,
    pub skip: i64,
    /// Items of an `_in` list…
    pub lists: usize,
    /// …but of `space_in`.
    pub space_in: usize,
}

pub const DEFAULT_LIMITS: Limits = Limits {
    first: 1000,
    skip: 5000,
    lists: 100,
    space_in: 100,
};

/// Checks `first` and `skip` as the hub does, with its error strings.
pub fn window(first: i64, skip: i64, limits: &Limits) -> Result<(u32, u32), HubError> {
    for (name, value, limit) in [("first", first, limits.first), ("skip", skip, limits.skip)] {
        if value > limit {
            return Err(HubError::Public(format!(
                "The `{name}` argument must not be greater than {limit}"
            )));
        }
        if value < 0 {
            return Err(HubError::Public(format!(
                "The `{name}` argument must be positive"
            )));
        }
    }
    Ok((first as u32, skip as u32))
}

/// An `orderBy` among `allowed` (`(name, column)`, the first the default)
/// and a direction (default descending).
pub fn page(
    (first, skip): (u32, u32),
    order_by: Option<&str>,
    direction: Option<OrderDirection>,
    allowed: &[(&str, &'static str)],
    tie: &'static str,
    tie_follows: bool,
) -> Page {
    let order_by = order_by
        .and_then(|name| allowed.iter().find(|(field, _)| *field == name))
        .unwrap_or(&allowed[0])
        .1;
    Page {
        first,
        skip,
        order_by,
        tie,
        descending: direction != Some(OrderDirection::Asc),
        tie_follows,
    }
}

/// Builds a [`Filter`] with the hub's per-operator rules.
struct Where<'a> {
    filter: Filter,
    limits: &'a Limits,
}

type List<T> = Option<Vec<Option<T>>>;

impl<'a> Where<'a> {
    fn new(limits: &'a Limits) -> Self {
        Where {
            filter: Filter::default(),
            limits,
        }
    }

    fn list<T: Clone>(&self, name: &str, values: &List<T>) -> Result<Option<Vec<T>>, HubError> {
        let Some(values) = values else {
            return Ok(None);
        };
        let limit = if name == "space_in" {
            self.limits.space_in
        } else {
            self.limits.lists
        };
        if values.len() > limit {
            return Err(HubError::Public(format!(
                "The `{name}` argument must not be greater than {limit}"
            )));
        }
        Ok(Some(values.iter().flatten().cloned().collect()))
    }

    /// `field`, `field_not`, `field_in`, `field_not_in` on a text column.
    fn text(
        &mut self,
        name: &str,
        column: &'static str,
        eq: &Option<String>,
        not: &Option<String>,
        one_of: &List<String>,
        none_of: &List<String>,
    ) -> Result<(), HubError> {
        if let Some(value) = eq {
            self.filter.eq(column, value.clone());
        }
        if let Some(value) = not {
            self.filter.ne(column, value.clone());
        }
        if let Some(values) = self.list(&format!("{name}_in"), one_of)? {
            self.filter.one_of(column, values);
        }
        if let Some(values) = self.list(&format!("{name}_not_in"), none_of)? {
            self.filter.none_of(column, values);
        }
        Ok(())
    }

    /// Like [`Where::text`] for an address column: values are checksummed,
    /// an invalid one is `Invalid addresses in <field>`.
    fn address(
        &mut self,
        name: &str,
        column: &'static str,
        eq: &Option<String>,
        not: &Option<String>,
        one_of: &List<String>,
        none_of: &List<String>,
    ) -> Result<(), HubError> {
        let checksum = |value: &String| {
            Address::parse_any(value)
                .map(|a| a.to_string())
                .map_err(|_| HubError::Public(format!("Invalid addresses in {name}")))
        };
        let one = |value: &Option<String>| value.as_ref().map(checksum).transpose();
        let many = |values: &List<String>| -> Result<List<String>, HubError> {
            values
                .as_ref()
                .map(|values| {
                    values
                        .iter()
                        .map(|v| v.as_ref().map(checksum).transpose())
                        .collect()
                })
                .transpose()
        };
        let (eq, not, one_of, none_of) = (one(eq)?, one(not)?, many(one_of)?, many(none_of)?);
        self.text(name, column, &eq, &not, &one_of, &none_of)
    }

    /// `field`, `field_in` and the comparisons on a numeric column; a
    /// comparison with 0 is ignored, as the hub ignores it.
    #[allow(clippy::too_many_arguments)]
    fn number<T: Copy + Into<Sql> + PartialEq + Default>(
        &mut self,
        name: &str,
        column: &'static str,
        eq: Option<T>,
        one_of: &List<T>,
        gt: Option<T>,
        gte: Option<T>,
        lt: Option<T>,
        lte: Option<T>,
    ) -> Result<(), HubError> {
        if let Some(value) = eq {
            self.filter.eq(column, value);
        }
        if let Some(values) = self.list(&format!("{name}_in"), one_of)? {
            self.filter.one_of(column, values);
        }
        for (cmp, value) in [
            (Cmp::Gt, gt),
            (Cmp::Gte, gte),
            (Cmp::Lt, lt),
            (Cmp::Lte, lte),
        ] {
            if let Some(value) = value.filter(|v| *v != T::default()) {
                self.filter.cmp(column, cmp, value);
            }
        }
        Ok(())
    }
}

/// The hub's `created` operators of a `where` (every `where` type has the
/// same six fields), on `column`.
macro_rules! created {
    ($f:expr, $column:literal, $w:expr) => {
        $f.number(
            "created",
            $column,
            $w.created,
            &$w.created_in,
            $w.created_gt,
            $w.created_gte,
            $w.created_lt,
            $w.created_lte,
        )
    };
}

pub fn spaces(w: &SpaceWhere, controlled: Option<Vec<String>>) -> Result<Filter, HubError> {
    let mut f = Where::new(&DEFAULT_LIMITS);
    f.text("id", "s.id", &w.id, &None, &w.id_in, &None)?;
    created!(f, "s.created", w)?;
    if let Some(strategy) = &w.strategy {
        f.filter.sql(
            "EXISTS (SELECT 1 FROM json_each(s.settings, '$.strategies') j WHERE json_extract(j.value, '$.name') = ?)",
            vec![Sql::Text(strategy.clone())],
        );
    }
    if let Some(plugin) = &w.plugin {
        f.filter.sql(
            "EXISTS (SELECT 1 FROM json_each(s.settings, '$.plugins') j WHERE j.key = ?)",
            vec![Sql::Text(plugin.clone())],
        );
    }
    if let Some(ids) = controlled {
        f.filter.one_of("s.id", ids);
    }
    // votehub verifies no space and sells no turbo.
    if w.verified == Some(true) || w.turbo == Some(true) {
        f.filter.sql("0", Vec::new());
    }
    if let Some(domain) = &w.domain {
        f.filter.sql(
            "COALESCE(json_extract(s.settings, '$.domain'), '') = ?",
            vec![Sql::Text(domain.clone())],
        );
    }
    if let Some(search) = w.search.as_deref().filter(|s| !s.is_empty()) {
        search_spaces(&mut f.filter, search);
    }
    Ok(f.filter)
}

/// A space whose id or name contains `text`.
pub fn search_spaces(filter: &mut Filter, text: &str) {
    let pattern = crate::store::like_pattern(text);
    filter.sql(
        "(s.id LIKE ? ESCAPE '\\' OR COALESCE(json_extract(s.settings, '$.name'), '') LIKE ? ESCAPE '\\')",
        vec![Sql::Text(pattern.clone()), Sql::Text(pattern)],
    );
}

pub fn proposals(w: &ProposalWhere, now: i64) -> Result<Filter, HubError> {
    let limits = Limits {
        space_in: 10_000,
        ..DEFAULT_LIMITS
    };
    let mut f = Where::new(&limits);
    f.text("id", "p.id", &w.id, &None, &w.id_in, &None)?;
    f.text("ipfs", "p.ipfs", &w.ipfs, &None, &w.ipfs_in, &None)?;
    f.text("space", "p.space", &w.space, &None, &w.space_in, &None)?;
    f.address("author", "p.author", &w.author, &None, &w.author_in, &None)?;
    f.text(
        "network",
        "p.network",
        &w.network,
        &None,
        &w.network_in,
        &None,
    )?;
    f.text("type", "p.type", &w.kind, &None, &w.kind_in, &None)?;
    f.text("app", "p.app", &w.app, &w.app_not, &w.app_in, &w.app_not_in)?;
    f.text(
        "scores_state",
        "p.scores_state",
        &w.scores_state,
        &None,
        &w.scores_state_in,
        &None,
    )?;
    for (name, column, eq, one_of, gt, gte, lt, lte) in [
        (
            "created",
            "p.created",
            w.created,
            &w.created_in,
            w.created_gt,
            w.created_gte,
            w.created_lt,
            w.created_lte,
        ),
        (
            "updated",
            "p.updated",
            w.updated,
            &w.updated_in,
            w.updated_gt,
            w.updated_gte,
            w.updated_lt,
            w.updated_lte,
        ),
        (
            "start",
            "p.start",
            w.start,
            &w.start_in,
            w.start_gt,
            w.start_gte,
            w.start_lt,
            w.start_lte,
        ),
        (
            "end", "p.end", w.end, &w.end_in, w.end_gt, w.end_gte, w.end_lt, w.end_lte,
        ),
        (
            "votes",
            "COALESCE(c.votes, 0)",
            w.votes,
            &None,
            w.votes_gt,
            w.votes_gte,
            w.votes_lt,
            w.votes_lte,
        ),
    ] {
        f.number(name, column, eq, one_of, gt, gte, lt, lte)?;
    }
    f.number(
        "scores_total_value",
        "0.0",
        w.scores_total_value,
        &w.scores_total_value_in,
        w.scores_total_value_gt,
        w.scores_total_value_gte,
        w.scores_total_value_lt,
        w.scores_total_value_lte,
    )?;
    match w.state.as_deref() {
        Some("pending") => f.filter.cmp("p.start", Cmp::Gt, now),
        Some("active") => {
            f.filter.cmp("p.start", Cmp::Lt, now);
            f.filter.cmp("p.end", Cmp::Gt, now);
        }
        Some("closed") => f.filter.cmp("p.end", Cmp::Lt, now),
        // `all` and anything else: no filter, as in the hub.
        _ => {}
    }
    if let Some(title) = w.title_contains.as_deref().filter(|t| !t.is_empty()) {
        f.filter.contains("p.title", title);
    }
    if let Some(text) = w.strategies_contains.as_deref().filter(|t| !t.is_empty()) {
        f.filter.contains("p.strategies", text);
    }
    if let Some(text) = w.plugins_contains.as_deref().filter(|t| !t.is_empty()) {
        f.filter.contains("p.plugins", text);
    }
    if let Some(name) = w.validation.as_deref().filter(|t| !t.is_empty()) {
        f.filter.sql(
            "json_extract(p.validation, '$.name') = ?",
            vec![Sql::Text(name.to_string())],
        );
    }
    if w.space_verified == Some(true) {
        f.filter.sql("0", Vec::new());
    }
    match w.flagged {
        Some(true) => f.filter.sql("p.flagged > 0", Vec::new()),
        Some(false) => f.filter.sql("p.flagged = 0", Vec::new()),
        None => {}
    }
    if let Some(labels) = f.list("labels_in", &w.labels_in)?.filter(|l| !l.is_empty()) {
        // Every listed label, as the hub's JSON_CONTAINS(labels, [..]).
        for label in labels {
            f.filter.sql(
                "EXISTS (SELECT 1 FROM json_each(p.labels) l WHERE l.value = ?)",
                vec![Sql::Text(label)],
            );
        }
    }
    Ok(f.filter)
}

pub fn votes(w: &VoteWhere) -> Result<Filter, HubError> {
    let mut f = Where::new(&DEFAULT_LIMITS);
    f.text("id", "v.id", &w.id, &None, &w.id_in, &None)?;
    f.text("ipfs", "v.ipfs", &w.ipfs, &None, &w.ipfs_in, &None)?;
    f.text("space", "v.space", &w.space, &None, &w.space_in, &None)?;
    f.address("voter", "v.voter", &w.voter, &None, &w.voter_in, &None)?;
    f.text(
        "proposal",
        "v.proposal",
        &w.proposal,
        &None,
        &w.proposal_in,
        &None,
    )?;
    f.text(
        "reason",
        "v.reason",
        &w.reason,
        &w.reason_not,
        &w.reason_in,
        &w.reason_not_in,
    )?;
    f.text("app", "v.app", &w.app, &w.app_not, &w.app_in, &w.app_not_in)?;
    f.text(
        "vp_state",
        "v.vp_state",
        &w.vp_state,
        &None,
        &w.vp_state_in,
        &None,
    )?;
    created!(f, "v.created", w)?;
    f.number(
        "vp", "v.vp", w.vp, &w.vp_in, w.vp_gt, w.vp_gte, w.vp_lt, w.vp_lte,
    )?;
    Ok(f.filter)
}

pub fn aliases(w: &AliasWhere) -> Result<Filter, HubError> {
    let mut f = Where::new(&DEFAULT_LIMITS);
    f.text("id", "a.id", &w.id, &None, &w.id_in, &None)?;
    f.text("ipfs", "a.ipfs", &w.ipfs, &None, &w.ipfs_in, &None)?;
    f.address(
        "address",
        "a.address",
        &w.address,
        &None,
        &w.address_in,
        &None,
    )?;
    f.address("alias", "a.alias", &w.alias, &None, &w.alias_in, &None)?;
    created!(f, "a.created", w)?;
    Ok(f.filter)
}

pub fn follows(w: &FollowWhere) -> Result<Filter, HubError> {
    let mut f = Where::new(&DEFAULT_LIMITS);
    f.text("id", "f.id", &w.id, &None, &w.id_in, &None)?;
    f.text("ipfs", "f.ipfs", &w.ipfs, &None, &w.ipfs_in, &None)?;
    f.address(
        "follower",
        "f.follower",
        &w.follower,
        &None,
        &w.follower_in,
        &None,
    )?;
    f.text("space", "f.space", &w.space, &None, &w.space_in, &None)?;
    f.text(
        "network",
        "f.network",
        &w.network,
        &None,
        &w.network_in,
        &None,
    )?;
    created!(f, "f.created", w)?;
    Ok(f.filter)
}

pub fn subscriptions(w: &SubscriptionWhere) -> Result<Filter, HubError> {
    let mut f = Where::new(&DEFAULT_LIMITS);
    f.text("id", "s.id", &w.id, &None, &w.id_in, &None)?;
    f.text("ipfs", "s.ipfs", &w.ipfs, &None, &w.ipfs_in, &None)?;
    f.address(
        "address",
        "s.address",
        &w.address,
        &None,
        &w.address_in,
        &None,
    )?;
    f.text("space", "s.space", &w.space, &None, &w.space_in, &None)?;
    created!(f, "s.created", w)?;
    Ok(f.filter)
}

pub fn users(w: &UsersWhere) -> Result<Filter, HubError> {
    let mut f = Where::new(&DEFAULT_LIMITS);
    f.address("id", "u.id", &w.id, &None, &w.id_in, &None)?;
    f.text("ipfs", "u.ipfs", &w.ipfs, &None, &w.ipfs_in, &None)?;
    created!(f, "u.created", w)?;
    Ok(f.filter)
}

pub fn statements(w: &StatementsWhere) -> Result<Filter, HubError> {
    let mut f = Where::new(&DEFAULT_LIMITS);
    f.text("id", "s.id", &w.id, &None, &w.id_in, &None)?;
    f.text("ipfs", "s.ipfs", &w.ipfs, &None, &w.ipfs_in, &None)?;
    f.text("space", "s.space", &w.space, &None, &w.space_in, &None)?;
    f.text("network", "s.network", &w.network, &None, &None, &None)?;
    f.address(
        "delegate",
        "s.delegate",
        &w.delegate,
        &None,
        &w.delegate_in,
        &None,
    )?;
    created!(f, "s.created", w)?;
    // Every statement votehub holds was signed to it: its source is none.
    if w.source.is_some() || w.source_in.as_ref().is_some_and(|s| !s.is_empty()) {
        f.filter.sql("0", Vec::new());
    }
    Ok(f.filter)
}

pub fn messages(w: &MessageWhere) -> Result<Filter, HubError> {
    let mut f = Where::new(&DEFAULT_LIMITS);
    f.text("id", "m.id", &w.id, &None, &w.id_in, &None)?;
    f.address(
        "address",
        "m.address",
        &w.address,
        &None,
        &w.address_in,
        &None,
    )?;
    f.text("space", "m.space", &w.space, &None, &w.space_in, &None)?;
    f.text("type", "m.type", &w.kind, &None, &w.kind_in, &None)?;
    f.number(
        "mci", "m.mci", w.mci, &w.mci_in, w.mci_gt, w.mci_gte, w.mci_lt, w.mci_lte,
    )?;
    f.number(
        "timestamp",
        "m.timestamp",
        w.timestamp,
        &w.timestamp_in,
        w.timestamp_gt,
        w.timestamp_gte,
        w.timestamp_lt,
        w.timestamp_lte,
    )?;
    Ok(f.filter)
}

pub fn leaderboards(w: &LeaderboardsWhere) -> Result<Filter, HubError> {
    let mut f = Where::new(&DEFAULT_LIMITS);
    f.text(
        "space",
        "l.space",
        &w.space,
        &w.space_not,
        &w.space_in,
        &w.space_not_in,
    )?;
    f.address(
        "user",
        "l.user",
        &w.user,
        &w.user_not,
        &w.user_in,
        &w.user_not_in,
    )?;
    for (name, column, eq, not, one_of, none_of, bounds) in [
        (
            "proposal_count",
            "l.proposal_count",
            w.proposal_count,
            w.proposal_count_not,
            &w.proposal_count_in,
            &w.proposal_count_not_in,
            [
                (Cmp::Gt, &w.proposal_count_gt),
                (Cmp::Gte, &w.proposal_count_gte),
                (Cmp::Lt, &w.proposal_count_lt),
                (Cmp::Lte, &w.proposal_count_lte),
            ],
        ),
        (
            "vote_count",
            "l.vote_count",
            w.vote_count,
            w.vote_count_not,
            &w.vote_count_in,
            &w.vote_count_not_in,
            [
                (Cmp::Gt, &w.vote_count_gt),
                (Cmp::Gte, &w.vote_count_gte),
                (Cmp::Lt, &w.vote_count_lt),
                (Cmp::Lte, &w.vote_count_lte),
            ],
        ),
    ] {
        if let Some(value) = eq {
            f.filter.eq(column, value);
        }
        if let Some(value) = not {
            f.filter.ne(column, value);
        }
        if let Some(values) = f.list(&format!("{name}_in"), one_of)? {
            f.filter.one_of(column, values);
        }
        if let Some(values) = f.list(&format!("{name}_not_in"), none_of)? {
            f.filter.none_of(column, values);
        }
        // The hub declares the comparisons as lists; the first value counts.
        for (cmp, values) in bounds {
            if let Some(value) = values
                .iter()
                .flatten()
                .flatten()
                .next()
                .filter(|v| **v != 0)
            {
                f.filter.cmp(column, cmp, *value);
            }
        }
    }
    Ok(f.filter)
}
