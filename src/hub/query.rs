//! The hub's `Query` root: every field of Snapshot's hub, argument for
//! argument, with its defaults, orderings and limits.

use std::collections::BTreeMap;

use async_graphql::{Context, Object, Result};
use serde_json::{json, Value};
use votehub_strategies::StrategySpec;

use super::filters::{self, page, window, Limits, DEFAULT_LIMITS};
use super::inputs::{
    AliasWhere, FollowWhere, LeaderboardsWhere, MessageWhere, OrderDirection, ProposalWhere,
    RankingWhere, RolesWhere, SpaceWhere, StatementsWhere, SubscriptionWhere, UsersWhere,
    VoteWhere,
};
use super::objects::{
    Alias, ConfigOption, Follow, Item, Leaderboard, Message, Metrics, Network, Proposal, Ranking,
    Role, Space, Statement, StrategyItem, Subscription, User, Vote, Votes, Vp,
};
use super::scalar::Any;
use super::{failed, reads, HubError};
use crate::clock::unix_now;
use crate::protocol::signature::Address;
use crate::store::{Db, Filter, Page, SpaceCounts, SpaceRow, StoreError};

/// The live space `id`, if any.
pub async fn space_by_id(ctx: &Context<'_>, id: String) -> Result<Option<Space>> {
    let row = reads(ctx)
        .hub(move |db| Ok(db.space(&id)?.filter(|space| !space.deleted)))
        .await
        .map_err(failed)?;
    Ok(row.map(Space::new))
}

/// The live space `id`, or a space with no settings where a non-null
/// space is due (a follow of a space since deleted).
pub async fn space_or_stub(ctx: &Context<'_>, id: &str) -> Result<Space> {
    Ok(space_by_id(ctx, id.to_string()).await?.unwrap_or_else(|| {
        Space::new(SpaceRow {
            id: id.to_string(),
            settings: json!({}),
            ipfs: String::new(),
            created: 0,
            updated: 0,
            deleted: true,
        })
    }))
}

/// The live proposal `id`, if any.
pub async fn proposal_by_id(ctx: &Context<'_>, id: String) -> Result<Option<Proposal>> {
    let row = reads(ctx)
        .hub(move |db| Ok(db.proposal(&id)?))
        .await
        .map_err(failed)?;
    Ok(row.map(Proposal::new))
}

/// A checksummed address, or the hub's `Invalid address`.
fn address(text: &str) -> Result<String, HubError> {
    Address::parse_any(text)
        .map(|a| a.to_string())
        .map_err(|_| HubError::Public("Invalid address".into()))
}

/// Rows of one kind under a filter and page, on the read service.
macro_rules! list {
    ($ctx:expr, $method:ident, $filter:expr, $page:expr) => {{
        let (filter, page) = ($filter, $page);
        reads($ctx)
            .hub(move |db| Ok(db.$method(&filter, &page)?))
            .await
            .map_err(failed)?
    }};
}

const CREATED_ONLY: &[(&str, &str)] = &[("created", "created")];

/// A list the hub orders by `created` only (aliases, follows,
/// subscriptions, statements): the window checked, the filter built, rows
/// read and shown.
async fn by_created<R: Send + 'static, T: From<R>>(
    ctx: &Context<'_>,
    (first, skip): (i64, i64),
    filter: Result<Filter, HubError>,
    order_direction: Option<OrderDirection>,
    tie: &'static str,
    fetch: impl Fn(&Db<'_>, &Filter, &Page) -> Result<Vec<R>, StoreError> + Send + 'static,
) -> Result<Vec<Option<T>>> {
    let page = page(
        window(first, skip, &DEFAULT_LIMITS)?,
        None,
        order_direction,
        CREATED_ONLY,
        tie,
        false,
    );
    let filter = filter?;
    let rows = reads(ctx)
        .hub(move |db| Ok(fetch(db, &filter, &page)?))
        .await
        .map_err(failed)?;
    Ok(rows.into_iter().map(|row| Some(T::from(row))).collect())
}

pub struct Query;

#[Object]
impl Query {
    /// Returns a single space by its ID (e.g. "ens.eth")
    async fn space(&self, ctx: &Context<'_>, id: String) -> Result<Option<Space>> {
        space_by_id(ctx, id).await
    }

    /// Returns a list of spaces with optional filtering, ordering, and pagination
    async fn spaces(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i64,
        #[graphql(default = 0)] skip: i64,
        #[graphql(name = "where")] filter: Option<SpaceWhere>,
        #[graphql(name = "orderBy")] order_by: Option<String>,
        #[graphql(name = "orderDirection")] order_direction: Option<OrderDirection>,
    ) -> Result<Vec<Option<Space>>> {
        let limits = Limits {
            skip: 100_000,
            ..DEFAULT_LIMITS
        };
        let window = window(first, skip, &limits)?;
        let filter_in = filter.unwrap_or_default();
        let controlled = match &filter_in.controller {
            None => None,
            Some(controller) => match Address::parse_any(controller) {
                Ok(controller) => {
                    let controller = controller.to_string();
                    Some(
                        reads(ctx)
                            .hub(move |db| Ok(db.spaces_controlled_by(&controller)?))
                            .await
                            .map_err(failed)?,
                    )
                }
                Err(_) => Some(Vec::new()),
            },
        };
        let filter = filters::spaces(&filter_in, controlled)?;
        let page = page(
            window,
            order_by.as_deref(),
            order_direction,
            &[
                ("created", "s.created"),
                ("updated", "s.updated"),
                ("id", "s.id"),
            ],
            "s.id",
            false,
        );
        let rows = list!(ctx, list_spaces, filter, page);
        Ok(rows.into_iter().map(|row| Some(Space::new(row))).collect())
    }

    /// Returns a ranked list of spaces with aggregated metrics
    async fn ranking(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i64,
        #[graphql(default = 0)] skip: i64,
        #[graphql(name = "where")] filter: Option<RankingWhere>,
    ) -> Result<Option<Ranking>> {
        let limits = Limits {
            first: 20,
            skip: 100_000,
            ..DEFAULT_LIMITS
        };
        let (first, skip) = window(first, skip, &limits)?;
        let w = filter.unwrap_or_default();
        let mut filter = filters::spaces(
            &SpaceWhere {
                strategy: w.strategy.clone(),
                plugin: w.plugin.clone(),
                search: w.search.clone(),
                ..SpaceWhere::default()
            },
            None,
        )?;
        if let Some(network) = w.network.as_deref().filter(|n| !n.is_empty()) {
            filter.sql(
                "json_extract(s.settings, '$.network') = ?",
                vec![rusqlite::types::Value::Text(network.to_string())],
            );
        }
        // Ranked by the hub's popularity: proposals, votes and followers,
        // recent ones weighing more, spaces with active proposals first;
        // private spaces are not ranked.
        filter.sql(
            "COALESCE(json_extract(s.settings, '$.private'), 0) IN (0, 'false')",
            Vec::new(),
        );
        let all = page((u32::MAX, 0), None, None, &[("id", "s.id")], "s.id", false);
        let now = unix_now();
        let spaces = reads(ctx)
            .hub(move |db| {
                db.list_spaces(&filter, &all)?
                    .into_iter()
                    .map(|row| {
                        let counts = db.space_counts(&row.id, now)?;
                        Ok((row, counts))
                    })
                    .collect::<Result<Vec<_>, crate::store::StoreError>>()
                    .map_err(Into::into)
            })
            .await
            .map_err(failed)?;
        let mut ranked: Vec<(f64, SpaceRow, SpaceCounts)> = spaces
            .into_iter()
            .map(|(row, counts)| (popularity(&counts), row, counts))
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
        let category = w.category.filter(|c| !c.is_empty() && c != "all");
        let mut categories: BTreeMap<String, i64> = BTreeMap::new();
        let mut matching = Vec::new();
        for (rank, (_, row, counts)) in ranked.into_iter().enumerate() {
            let listed: Vec<String> = row
                .settings
                .get("categories")
                .and_then(Value::as_array)
                .map(|c| {
                    c.iter()
                        .filter_map(|c| c.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            for c in &listed {
                *categories.entry(c.clone()).or_default() += 1;
            }
            if category
                .as_ref()
                .is_none_or(|wanted| listed.contains(wanted))
            {
                matching.push(Space::ranked(row, counts, rank + 1));
            }
        }
        let total = matching.len() as i64;
        let items = matching
            .into_iter()
            .skip(skip as usize)
            .take(first as usize)
            .collect();
        Ok(Some(Ranking {
            items,
            metrics: Metrics {
                total: Some(total),
                categories: Some(Any(json!(categories))),
            },
        }))
    }

    /// Returns a single proposal by its ID
    async fn proposal(&self, ctx: &Context<'_>, id: String) -> Result<Option<Proposal>> {
        proposal_by_id(ctx, id).await
    }

    /// votehub: a space's community court, as `GET /api/court/{space}`
    /// gives it (`votehub-court/1`, docs/court-messages.md); null for an
    /// unknown space.
    async fn court(&self, ctx: &Context<'_>, space: String) -> Result<Option<Any>> {
        match reads(ctx).court(space).await {
            Ok(view) => Ok(Some(Any(serde_json::to_value(view)?))),
            Err(crate::reads::ReadError::NotFound(_)) => Ok(None),
            Err(err) => Err(failed(err)),
        }
    }

    /// votehub: one case of a space's court, as
    /// `GET /api/court/{space}/cases/{id}` gives it (`votehub-case/1`);
    /// null for an unknown case.
    async fn case(&self, ctx: &Context<'_>, space: String, id: String) -> Result<Option<Any>> {
        match reads(ctx).case(space, id).await {
            Ok(view) => Ok(Some(Any(serde_json::to_value(view)?))),
            Err(crate::reads::ReadError::NotFound(_)) => Ok(None),
            Err(err) => Err(failed(err)),
        }
    }

    /// Returns a list of proposals with optional filtering, ordering, and pagination
    async fn proposals(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i64,
        #[graphql(default = 0)] skip: i64,
        #[graphql(name = "where")] filter: Option<ProposalWhere>,
        #[graphql(name = "orderBy")] order_by: Option<String>,
        #[graphql(name = "orderDirection")] order_direction: Option<OrderDirection>,
    ) -> Result<Vec<Option<Proposal>>> {
        let window = window(first, skip, &DEFAULT_LIMITS)?;
        let filter = filters::proposals(&filter.unwrap_or_default(), unix_now())?;
        let page = page(
            window,
            order_by.as_deref(),
            order_direction,
            &[
                ("created", "p.created"),
                ("updated", "p.updated"),
                ("start", "p.start"),
                ("end", "p.end"),
                ("votes", "COALESCE(c.votes, 0)"),
                ("scores_total_value", "p.created"),
            ],
            "p.id",
            false,
        );
        let rows = list!(ctx, list_proposals, filter, page);
        Ok(rows
            .into_iter()
            .map(|row| Some(Proposal::new(row)))
            .collect())
    }

    /// Returns a single vote by its ID
    async fn vote(&self, ctx: &Context<'_>, id: String) -> Result<Option<Vote>> {
        let mut filter = Filter::default();
        filter.eq("v.id", id);
        let one = page(
            (1, 0),
            None,
            None,
            &[("created", "v.created")],
            "v.id",
            false,
        );
        Ok(list!(ctx, list_votes, filter, one)
            .into_iter()
            .next()
            .map(Vote))
    }

    /// Returns a list of votes with optional filtering, ordering, and pagination
    async fn votes(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i64,
        #[graphql(default = 0)] skip: i64,
        #[graphql(name = "where")] filter: Option<VoteWhere>,
        #[graphql(name = "orderBy")] order_by: Option<String>,
        #[graphql(name = "orderDirection")] order_direction: Option<OrderDirection>,
    ) -> Result<Votes> {
        let window = window(first, skip, &DEFAULT_LIMITS)?;
        let filter = filters::votes(&filter.unwrap_or_default())?;
        let page = page(
            window,
            order_by.as_deref(),
            order_direction,
            &[("created", "v.created"), ("vp", "v.vp")],
            "v.id",
            true,
        );
        let rows = list!(ctx, list_votes, filter, page);
        Ok(Votes(rows.into_iter().map(|row| Some(Vote(row))).collect()))
    }

    /// Returns a list of address aliases with optional filtering, ordering, and pagination
    async fn aliases(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i64,
        #[graphql(default = 0)] skip: i64,
        #[graphql(name = "where")] filter: Option<AliasWhere>,
        // Only `created` orders these lists; any other value falls back to it.
        #[graphql(name = "orderBy")] _order_by: Option<String>,
        #[graphql(name = "orderDirection")] order_direction: Option<OrderDirection>,
    ) -> Result<Vec<Option<Alias>>> {
        by_created(
            ctx,
            (first, skip),
            filters::aliases(&filter.unwrap_or_default()),
            order_direction,
            "id",
            |db, filter, page| db.list_aliases(filter, page),
        )
        .await
    }

    /// Returns the roles and permissions for a given address
    async fn roles(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "where")] filter: RolesWhere,
    ) -> Result<Vec<Option<Role>>> {
        let who = Address::parse_any(&filter.address)
            .map_err(|_| HubError::Public("Invalid address".into()))?;
        let everything = page((u32::MAX, 0), None, None, &[("id", "s.id")], "s.id", false);
        let spaces = list!(ctx, list_spaces, Filter::default(), everything);
        let holds = |space: &SpaceRow, key: &str| {
            space
                .settings
                .get(key)
                .and_then(Value::as_array)
                .is_some_and(|list| {
                    list.iter()
                        .filter_map(Value::as_str)
                        .any(|a| Address::parse_any(a).ok() == Some(who))
                })
        };
        Ok(spaces
            .iter()
            .filter_map(|space| {
                let permissions: Vec<String> = [
                    ("admins", "admin"),
                    ("moderators", "moderator"),
                    ("members", "author"),
                ]
                .into_iter()
                .filter(|(key, _)| holds(space, key))
                .map(|(_, permission)| permission.to_string())
                .collect();
                (!permissions.is_empty()).then(|| {
                    Some(Role {
                        space: Some(space.id.clone()),
                        permissions,
                    })
                })
            })
            .collect())
    }

    /// Returns a list of space followers with optional filtering, ordering, and pagination
    async fn follows(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i64,
        #[graphql(default = 0)] skip: i64,
        #[graphql(name = "where")] filter: Option<FollowWhere>,
        // Only `created` orders these lists; any other value falls back to it.
        #[graphql(name = "orderBy")] _order_by: Option<String>,
        #[graphql(name = "orderDirection")] order_direction: Option<OrderDirection>,
    ) -> Result<Vec<Option<Follow>>> {
        by_created(
            ctx,
            (first, skip),
            filters::follows(&filter.unwrap_or_default()),
            order_direction,
            "f.id",
            |db, filter, page| db.list_follows(filter, page),
        )
        .await
    }

    /// Returns a list of proposal subscriptions with optional filtering, ordering, and pagination
    async fn subscriptions(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i64,
        #[graphql(default = 0)] skip: i64,
        #[graphql(name = "where")] filter: Option<SubscriptionWhere>,
        // Only `created` orders these lists; any other value falls back to it.
        #[graphql(name = "orderBy")] _order_by: Option<String>,
        #[graphql(name = "orderDirection")] order_direction: Option<OrderDirection>,
    ) -> Result<Vec<Option<Subscription>>> {
        by_created(
            ctx,
            (first, skip),
            filters::subscriptions(&filter.unwrap_or_default()),
            order_direction,
            "s.id",
            |db, filter, page| db.list_subscriptions(filter, page),
        )
        .await
    }

    /// Returns a list of users with optional filtering, ordering, and pagination
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i64,
        #[graphql(default = 0)] skip: i64,
        #[graphql(name = "where")] filter: Option<UsersWhere>,
        #[graphql(name = "orderBy")] order_by: Option<String>,
        #[graphql(name = "orderDirection")] order_direction: Option<OrderDirection>,
    ) -> Result<Vec<Option<User>>> {
        let window = window(first, skip, &DEFAULT_LIMITS)?;
        let w = filter.unwrap_or_default();
        let filter = filters::users(&w)?;
        let page = page(
            window,
            order_by.as_deref(),
            order_direction,
            CREATED_ONLY,
            "u.id",
            false,
        );
        let mut users: Vec<User> = list!(ctx, list_users, filter, page)
            .into_iter()
            .map(User::from)
            .collect();
        // Asked-for addresses without a profile are padded with stubs.
        for id in w.id_in.iter().flatten().flatten() {
            let id = address(id)?;
            if users.len() < window.0 as usize && !users.iter().any(|u| u.id == id) {
                users.push(User::stub(id));
            }
        }
        Ok(users.into_iter().map(Some).collect())
    }

    /// Returns a list of delegate statements with optional filtering, ordering, and pagination
    async fn statements(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i64,
        #[graphql(default = 0)] skip: i64,
        #[graphql(name = "where")] filter: Option<StatementsWhere>,
        // Only `created` orders these lists; any other value falls back to it.
        #[graphql(name = "orderBy")] _order_by: Option<String>,
        #[graphql(name = "orderDirection")] order_direction: Option<OrderDirection>,
    ) -> Result<Vec<Option<Statement>>> {
        by_created(
            ctx,
            (first, skip),
            filters::statements(&filter.unwrap_or_default()),
            order_direction,
            "s.id",
            |db, filter, page| db.list_statements(filter, page),
        )
        .await
    }

    /// Returns a single user by their address
    async fn user(&self, ctx: &Context<'_>, id: String) -> Result<Option<User>> {
        let id = address(&id)?;
        let mut filter = Filter::default();
        filter.eq("u.id", id.clone());
        let one = page((1, 0), None, None, CREATED_ONLY, "u.id", false);
        let row = list!(ctx, list_users, filter, one).into_iter().next();
        Ok(Some(row.map_or_else(|| User::stub(id), User::from)))
    }

    /// Returns a single delegate statement by its ID
    async fn statement(&self, ctx: &Context<'_>, id: String) -> Result<Option<Statement>> {
        let mut filter = Filter::default();
        filter.eq("s.id", id);
        let one = page((1, 0), None, None, CREATED_ONLY, "s.id", false);
        Ok(list!(ctx, list_statements, filter, one)
            .into_iter()
            .next()
            .map(Statement::from))
    }

    /// Returns all available space skins
    async fn skins(&self, ctx: &Context<'_>) -> Result<Vec<Option<Item>>> {
        usage(ctx, "skin").await
    }

    /// Returns all supported networks
    async fn networks(&self, ctx: &Context<'_>) -> Result<Vec<Option<Network>>> {
        Ok(usage(ctx, "network")
            .await?
            .into_iter()
            .flatten()
            .map(|item| {
                Some(Network {
                    name: item.id.clone(),
                    id: item.id,
                    premium: Some(false),
                    spaces_count: item.spaces_count,
                })
            })
            .collect())
    }

    /// Returns all available proposal validations
    async fn validations(&self, ctx: &Context<'_>) -> Result<Vec<Option<Item>>> {
        let used: BTreeMap<String, i64> = usage(ctx, "validation")
            .await?
            .into_iter()
            .flatten()
            .map(|item| (item.id, item.spaces_count.unwrap_or(0)))
            .collect();
        // The validations votehub enforces.
        Ok(["any", "basic"]
            .into_iter()
            .map(|id| {
                Some(Item {
                    id: id.to_string(),
                    spaces_count: Some(used.get(id).copied().unwrap_or(0)),
                })
            })
            .collect())
    }

    /// Returns all available plugins
    async fn plugins(&self, ctx: &Context<'_>) -> Result<Vec<Option<Item>>> {
        usage(ctx, "plugin").await
    }

    /// Returns all available voting strategies
    async fn strategies(&self, ctx: &Context<'_>) -> Result<Vec<Option<StrategyItem>>> {
        let used: BTreeMap<String, i64> = usage(ctx, "strategy")
            .await?
            .into_iter()
            .flatten()
            .map(|item| (item.id, item.spaces_count.unwrap_or(0)))
            .collect();
        Ok(votehub_strategies::REGISTRY
            .iter()
            .map(|strategy| Some(strategy_item(strategy.name(), &used)))
            .collect())
    }

    /// Returns a single voting strategy by its ID
    async fn strategy(&self, ctx: &Context<'_>, id: String) -> Result<Option<StrategyItem>> {
        if votehub_strategies::find(&id).is_none() {
            return Ok(None);
        }
        let used: BTreeMap<String, i64> = usage(ctx, "strategy")
            .await?
            .into_iter()
            .flatten()
            .map(|item| (item.id, item.spaces_count.unwrap_or(0)))
            .collect();
        Ok(Some(strategy_item(&id, &used)))
    }

    /// Calculates the voting power for a voter in a space, optionally for a specific proposal
    async fn vp(
        &self,
        ctx: &Context<'_>,
        voter: String,
        space: String,
        proposal: Option<String>,
    ) -> Result<Option<Vp>> {
        let voter =
            Address::parse_any(&voter).map_err(|_| HubError::Public("invalid address".into()))?;
        let (strategies, network, block) = match proposal.filter(|p| !p.is_empty()) {
            Some(id) => {
                let proposal = reads(ctx)
                    .hub(move |db| Ok(db.proposal(&id)?))
                    .await
                    .map_err(failed)?
                    .ok_or_else(|| HubError::Public("proposal not found".into()))?;
                (
                    proposal.strategies,
                    proposal.network,
                    u64::try_from(proposal.snapshot).unwrap_or(0),
                )
            }
            None => {
                let (space, block) = reads(ctx)
                    .hub(move |db| {
                        let space = db.space(&space)?.filter(|s| !s.deleted);
                        let network = space
                            .as_ref()
                            .and_then(|s| s.settings.get("network").and_then(Value::as_str))
                            .unwrap_or("1")
                            .to_string();
                        Ok((space, db.latest_imported_block(&network)?))
                    })
                    .await
                    .map_err(failed)?;
                let space = space.ok_or_else(|| HubError::Public("space not found".into()))?;
                let network = text_or(&space.settings, "network", "1");
                let block = block.ok_or_else(|| {
                    HubError::Public(format!(
                        "no balance snapshot imported on network {network}: ask with a proposal"
                    ))
                })?;
                (
                    space
                        .settings
                        .get("strategies")
                        .cloned()
                        .unwrap_or(json!([])),
                    network,
                    block,
                )
            }
        };
        let specs: Vec<StrategySpec> = serde_json::from_value(strategies)
            .map_err(|_| HubError::Public("invalid strategies".into()))?;
        let per_strategy = reads(ctx)
            .scores(specs, network, block, vec![voter])
            .await
            .map_err(failed)?;
        let vp_by_strategy: Vec<f64> = per_strategy
            .iter()
            .map(|v| v.first().copied().unwrap_or(0.0))
            .collect();
        Ok(Some(Vp {
            vp: Some(vp_by_strategy.iter().fold(0.0, |sum, v| sum + v)),
            vp_by_strategy: Some(vp_by_strategy.into_iter().map(Some).collect()),
            vp_state: Some("final".into()),
        }))
    }

    /// Returns a list of signed messages (envelopes) with optional filtering, ordering, and pagination
    async fn messages(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i64,
        #[graphql(default = 0)] skip: i64,
        #[graphql(name = "where")] filter: Option<MessageWhere>,
        #[graphql(name = "orderBy")] order_by: Option<String>,
        #[graphql(name = "orderDirection")] order_direction: Option<OrderDirection>,
    ) -> Result<Vec<Option<Message>>> {
        let window = window(first, skip, &DEFAULT_LIMITS)?;
        let filter = filters::messages(&filter.unwrap_or_default())?;
        // `timestamp` when unset; any other unknown value falls back to `mci`.
        let order = match order_by.as_deref() {
            None | Some("timestamp") => "timestamp",
            Some(_) => "mci",
        };
        let page = page(
            window,
            Some(order),
            order_direction,
            &[("timestamp", "m.timestamp"), ("mci", "m.mci")],
            "m.mci",
            true,
        );
        let rows = list!(ctx, list_messages, filter, page);
        Ok(rows.into_iter().map(|row| Some(row.into())).collect())
    }

    /// Returns leaderboard entries for spaces with optional filtering, ordering, and pagination
    async fn leaderboards(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i64,
        #[graphql(default = 0)] skip: i64,
        #[graphql(name = "where")] filter: Option<LeaderboardsWhere>,
        #[graphql(name = "orderBy")] order_by: Option<String>,
        #[graphql(name = "orderDirection")] order_direction: Option<OrderDirection>,
    ) -> Result<Vec<Option<Leaderboard>>> {
        let window = window(first, skip, &DEFAULT_LIMITS)?;
        let filter = filters::leaderboards(&filter.unwrap_or_default())?;
        let page = page(
            window,
            order_by.as_deref(),
            order_direction,
            &[
                ("vote_count", "l.vote_count"),
                ("proposal_count", "l.proposal_count"),
                ("last_vote", "l.last_vote"),
                ("user", "l.user"),
                // votehub prices nothing: every vp_value is 0.
                ("vp_value", "l.vote_count"),
            ],
            "l.user",
            false,
        );
        let rows = list!(ctx, list_leaderboards, filter, page);
        Ok(rows.into_iter().map(|row| Some(row.into())).collect())
    }

    /// Returns all available configuration options
    async fn options(&self) -> Vec<Option<ConfigOption>> {
        Vec::new()
    }
}

/// The hub's popularity of a space (votehub verifies no space and sells no
/// turbo, so only active proposals lift one).
fn popularity(counts: &SpaceCounts) -> f64 {
    let active = if counts.active_proposals > 0 {
        1e10
    } else {
        0.0
    };
    counts.proposals as f64 / 20.0
        + counts.proposals_7d as f64
        + counts.votes as f64 / 40.0
        + counts.votes_7d as f64
        + counts.followers as f64 / 80.0
        + counts.followers_7d as f64
        + active
}

fn text_or(value: &Value, key: &str, default: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or(default)
        .to_string()
}

/// Items of the spaces' settings with the number of spaces using each.
async fn usage(ctx: &Context<'_>, item: &'static str) -> Result<Vec<Option<Item>>> {
    let used = reads(ctx)
        .hub(move |db| Ok(db.settings_usage(item)?))
        .await
        .map_err(failed)?;
    Ok(used
        .into_iter()
        .map(|(id, count)| {
            Some(Item {
                id,
                spaces_count: Some(count),
            })
        })
        .collect())
}

/// A strategy as the hub lists it, its documents read from its folder.
fn strategy_item(name: &str, used: &BTreeMap<String, i64>) -> StrategyItem {
    let documents = votehub_strategies::documents(name);
    let json = |text: Option<&str>| text.and_then(|t| serde_json::from_str::<Value>(t).ok());
    StrategyItem {
        id: name.to_string(),
        name: Some(name.to_string()),
        author: None,
        version: Some(env!("CARGO_PKG_VERSION").to_string()),
        schema: json(documents.map(|d| d.schema)).map(Any),
        examples: Some(
            json(documents.map(|d| d.examples))
                .and_then(|e| e.as_array().cloned())
                .unwrap_or_default()
                .into_iter()
                .map(|example| Some(Any(example)))
                .collect(),
        ),
        about: documents.map(|d| d.about.to_string()),
        spaces_count: Some(used.get(name).copied().unwrap_or(0)),
        verified_spaces_count: Some(0),
        overrides: Some(false),
        disabled: Some(false),
    }
}
