//! The hub's output types, with the hub's defaults (`formatSpace`,
//! `formatProposal` and friends): a client reading hub.snapshot.org reads
//! the same shapes here. Fields votehub does not track answer the hub's
//! default; votehub's extras (`audit_cid`, a message's `log`) are extra
//! fields no Snapshot client asks for.

use std::borrow::Cow;

use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::{
    ComplexObject, Context, ContextSelectionSet, Name, Number, Object, OutputType, Positioned,
    Result, ScalarType, ServerResult, SimpleObject, Value as GqlValue,
};
use serde_json::{json, Value};
use tokio::sync::OnceCell;

use super::scalar::Any;
use super::{failed, reads};
use crate::clock::unix_now;
use crate::store::{
    AliasRow, FollowRow, LeaderboardRow, MessageRow, ProposalRow, SpaceCounts, SpaceRow,
    StatementRow, StoredResult, SubscriptionRow, UserCounts, UserRow, VoteRow,
};

/// The string at `key` of a JSON object, if it is one.
fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(String::from)
}

/// The strings of the list at `key` (missing or malformed: empty).
fn strings(value: &Value, key: &str) -> Vec<String> {
    value
        .get(key)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// A truthy JSON value, as the hub's `x || default` reads it.
fn truthy(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    })
}

/// A voting strategy, its `network` defaulting to the owner's.
#[derive(Debug, Clone, SimpleObject)]
pub struct Strategy {
    pub name: String,
    pub network: Option<String>,
    pub params: Option<Any>,
}

fn strategies(list: Option<&Value>, network: &str) -> Vec<Option<Strategy>> {
    list.and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|item| {
                    Some(Strategy {
                        name: text(item, "name").unwrap_or_default(),
                        network: Some(
                            truthy(item.get("network"))
                                .map(|n| n.as_str().map_or(n.to_string(), String::from))
                                .unwrap_or_else(|| network.to_string()),
                        ),
                        params: item.get("params").cloned().map(Any),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Debug, Clone, SimpleObject)]
pub struct Validation {
    pub name: String,
    pub params: Option<Any>,
}

impl Validation {
    fn any() -> Validation {
        Validation {
            name: "any".into(),
            params: Some(Any(json!({}))),
        }
    }

    /// A stored `{name, params}`, or `any` when empty.
    fn from_value(value: Option<&Value>) -> Validation {
        match value.and_then(|v| v.get("name")).and_then(Value::as_str) {
            Some(name) if !name.is_empty() => Validation {
                name: name.to_string(),
                params: Some(Any(value
                    .and_then(|v| v.get("params"))
                    .cloned()
                    .unwrap_or_else(|| json!({})))),
            },
            _ => Validation::any(),
        }
    }
}

#[derive(Debug, Clone, SimpleObject)]
#[graphql(rename_fields = "camelCase")]
pub struct SpaceFilters {
    pub min_score: Option<f64>,
    pub only_members: Option<bool>,
}

#[derive(Debug, Clone, SimpleObject)]
#[graphql(rename_fields = "camelCase")]
pub struct SpaceVoting {
    pub delay: Option<i64>,
    pub period: Option<i64>,
    #[graphql(name = "type")]
    pub kind: Option<String>,
    pub quorum: Option<f64>,
    pub quorum_type: String,
    pub blind: Option<bool>,
    pub hide_abstain: Option<bool>,
    pub privacy: Option<String>,
    pub aliased: Option<bool>,
}

#[derive(Debug, Clone, SimpleObject)]
#[graphql(rename_fields = "camelCase")]
pub struct DelegationPortal {
    pub delegation_type: String,
    pub delegation_contract: String,
    pub delegation_network: String,
    pub delegation_api: String,
}

#[derive(Debug, Clone, SimpleObject)]
pub struct Treasury {
    pub name: Option<String>,
    pub address: Option<String>,
    pub network: Option<String>,
}

#[derive(Debug, Clone, SimpleObject)]
pub struct Label {
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub color: Option<String>,
}

#[derive(Debug, Clone, SimpleObject)]
#[graphql(rename_fields = "camelCase")]
pub struct BoostSettings {
    pub enabled: Option<bool>,
    pub bribe_enabled: Option<bool>,
}

/// Skins are a turbo feature votehub does not sell: every colour is unset.
#[derive(Debug, Clone, Default, SimpleObject)]
#[graphql(rename_fields = "snake_case")]
pub struct SkinSettings {
    pub bg_color: Option<String>,
    pub link_color: Option<String>,
    pub text_color: Option<String>,
    pub content_color: Option<String>,
    pub border_color: Option<String>,
    pub heading_color: Option<String>,
    pub header_color: Option<String>,
    pub primary_color: Option<String>,
    pub theme: Option<String>,
    pub logo: Option<String>,
}

/// A space: its accepted settings, read with the hub's defaults.
pub struct Space {
    row: SpaceRow,
    counts: OnceCell<SpaceCounts>,
    rank: Option<f64>,
}

impl Space {
    pub fn new(row: SpaceRow) -> Space {
        Space {
            row,
            counts: OnceCell::new(),
            rank: None,
        }
    }

    /// A space placed in the ranking, its counters already read.
    pub fn ranked(row: SpaceRow, counts: SpaceCounts, rank: usize) -> Space {
        Space {
            row,
            counts: OnceCell::new_with(Some(counts)),
            rank: Some(rank as f64),
        }
    }

    fn setting(&self, key: &str) -> Option<&Value> {
        self.row.settings.get(key)
    }

    fn text(&self, key: &str) -> Option<String> {
        text(&self.row.settings, key)
    }

    fn network(&self) -> String {
        self.text("network").unwrap_or_else(|| "1".into())
    }

    async fn counts(&self, ctx: &Context<'_>) -> Result<&SpaceCounts> {
        self.counts
            .get_or_try_init(|| async {
                let id = self.row.id.clone();
                reads(ctx)
                    .hub(move |db| Ok(db.space_counts(&id, unix_now())?))
                    .await
                    .map_err(failed)
            })
            .await
    }

    fn voting_settings(&self) -> &Value {
        self.setting("voting").unwrap_or(&Value::Null)
    }

    fn filter_settings(&self) -> &Value {
        self.setting("filters").unwrap_or(&Value::Null)
    }
}

#[Object]
impl Space {
    async fn id(&self) -> &str {
        &self.row.id
    }
    async fn name(&self) -> String {
        self.text("name")
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| self.row.id.clone())
    }
    async fn private(&self) -> bool {
        truthy(self.setting("private")).is_some()
    }
    async fn about(&self) -> String {
        self.text("about").unwrap_or_default()
    }
    async fn avatar(&self) -> String {
        self.text("avatar").unwrap_or_default()
    }
    async fn cover(&self) -> Option<String> {
        self.text("cover")
    }
    async fn terms(&self) -> Option<String> {
        self.text("terms")
    }
    async fn location(&self) -> Option<String> {
        self.text("location")
    }
    async fn website(&self) -> Option<String> {
        self.text("website")
    }
    async fn twitter(&self) -> Option<String> {
        self.text("twitter")
    }
    async fn github(&self) -> Option<String> {
        self.text("github")
    }
    async fn farcaster(&self) -> Option<String> {
        self.text("farcaster")
    }
    async fn coingecko(&self) -> Option<String> {
        self.text("coingecko")
    }
    async fn email(&self) -> Option<String> {
        self.text("email")
    }
    async fn discussions(&self) -> Option<String> {
        self.text("discussions")
    }
    #[graphql(name = "discourseCategory")]
    async fn discourse_category(&self) -> Option<i64> {
        self.setting("discourseCategory").and_then(Value::as_i64)
    }
    #[graphql(name = "network")]
    async fn network_field(&self) -> String {
        self.network()
    }
    async fn symbol(&self) -> Option<String> {
        self.text("symbol")
    }
    async fn skin(&self) -> Option<String> {
        self.text("skin")
    }
    #[graphql(name = "skinSettings")]
    async fn skin_settings(&self) -> SkinSettings {
        SkinSettings::default()
    }
    async fn domain(&self) -> String {
        self.text("domain").unwrap_or_default()
    }
    async fn strategies(&self) -> Vec<Option<Strategy>> {
        strategies(self.setting("strategies"), &self.network())
    }
    async fn admins(&self) -> Vec<String> {
        strings(&self.row.settings, "admins")
    }
    async fn members(&self) -> Vec<String> {
        strings(&self.row.settings, "members")
    }
    async fn moderators(&self) -> Vec<String> {
        strings(&self.row.settings, "moderators")
    }
    async fn filters(&self) -> SpaceFilters {
        let filters = self.filter_settings();
        SpaceFilters {
            min_score: Some(
                filters
                    .get("minScore")
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0),
            ),
            only_members: Some(truthy(filters.get("onlyMembers")).is_some()),
        }
    }
    async fn plugins(&self) -> Any {
        Any(self
            .setting("plugins")
            .filter(|p| p.is_object())
            .cloned()
            .unwrap_or_else(|| json!({})))
    }
    async fn voting(&self) -> SpaceVoting {
        let voting = self.voting_settings();
        let positive = |key: &str| truthy(voting.get(key)).and_then(Value::as_i64);
        SpaceVoting {
            delay: positive("delay"),
            period: positive("period"),
            kind: truthy(voting.get("type")).and_then(|t| t.as_str().map(String::from)),
            quorum: truthy(voting.get("quorum")).and_then(Value::as_f64),
            quorum_type: truthy(voting.get("quorumType"))
                .and_then(|t| t.as_str().map(String::from))
                .unwrap_or_else(|| "default".into()),
            blind: Some(truthy(voting.get("blind")).is_some()),
            hide_abstain: Some(truthy(voting.get("hideAbstain")).is_some()),
            privacy: Some(text(voting, "privacy").unwrap_or_default()),
            aliased: Some(truthy(voting.get("aliased")).is_some()),
        }
    }
    async fn categories(&self) -> Vec<String> {
        strings(&self.row.settings, "categories")
    }
    async fn validation(&self) -> Validation {
        let min_score = self
            .filter_settings()
            .get("minScore")
            .and_then(Value::as_f64);
        match (self.setting("validation"), min_score) {
            (None | Some(Value::Null), Some(min_score)) if min_score > 0.0 => Validation {
                name: "basic".into(),
                params: Some(Any(json!({
                    "minScore": min_score,
                    "strategies": strategies(self.setting("strategies"), &self.network())
                        .into_iter()
                        .flatten()
                        .map(|s| json!({"name": s.name, "network": s.network, "params": s.params.map(|p| p.0)}))
                        .collect::<Vec<_>>(),
                }))),
            },
            (validation, _) => Validation::from_value(validation),
        }
    }
    #[graphql(name = "voteValidation")]
    async fn vote_validation(&self) -> Validation {
        Validation::from_value(self.setting("voteValidation"))
    }
    #[graphql(name = "delegationPortal")]
    async fn delegation_portal(&self) -> Option<DelegationPortal> {
        let portal = self.setting("delegationPortal").filter(|p| p.is_object())?;
        Some(DelegationPortal {
            delegation_type: text(portal, "delegationType").unwrap_or_default(),
            delegation_contract: text(portal, "delegationContract").unwrap_or_default(),
            delegation_network: text(portal, "delegationNetwork").unwrap_or_else(|| "1".into()),
            delegation_api: text(portal, "delegationApi").unwrap_or_default(),
        })
    }
    async fn treasuries(&self) -> Vec<Treasury> {
        self.setting("treasuries")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .map(|t| Treasury {
                        name: text(t, "name"),
                        address: text(t, "address"),
                        network: text(t, "network"),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    async fn labels(&self) -> Vec<Label> {
        self.setting("labels")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .map(|l| Label {
                        id: text(l, "id"),
                        name: text(l, "name"),
                        description: Some(text(l, "description").unwrap_or_default()),
                        color: text(l, "color"),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    #[graphql(name = "activeProposals")]
    async fn active_proposals(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(self.counts(ctx).await?.active_proposals)
    }
    #[graphql(name = "proposalsCount")]
    async fn proposals_count(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(self.counts(ctx).await?.proposals)
    }
    #[graphql(name = "proposalsCount1d")]
    async fn proposals_count_1d(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(self.counts(ctx).await?.proposals_1d)
    }
    #[graphql(name = "proposalsCount7d")]
    async fn proposals_count_7d(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(self.counts(ctx).await?.proposals_7d)
    }
    #[graphql(name = "proposalsCount30d")]
    async fn proposals_count_30d(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(self.counts(ctx).await?.proposals_30d)
    }
    #[graphql(name = "followersCount")]
    async fn followers_count(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(self.counts(ctx).await?.followers)
    }
    #[graphql(name = "followersCount7d")]
    async fn followers_count_7d(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(self.counts(ctx).await?.followers_7d)
    }
    #[graphql(name = "votesCount")]
    async fn votes_count(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(self.counts(ctx).await?.votes)
    }
    #[graphql(name = "votesCount7d")]
    async fn votes_count_7d(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(self.counts(ctx).await?.votes_7d)
    }
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Space>> {
        let Some(parent) = self.text("parent").filter(|p| !p.is_empty()) else {
            return Ok(None);
        };
        super::query::space_by_id(ctx, parent).await
    }
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<Space>> {
        let mut children = Vec::new();
        for child in strings(&self.row.settings, "children") {
            children.extend(super::query::space_by_id(ctx, child).await?);
        }
        Ok(children)
    }
    async fn guidelines(&self) -> Option<String> {
        self.text("guidelines")
    }
    async fn template(&self) -> Option<String> {
        self.text("template")
    }
    async fn verified(&self) -> bool {
        false
    }
    async fn flagged(&self) -> bool {
        false
    }
    #[graphql(name = "flagCode")]
    async fn flag_code(&self) -> i64 {
        0
    }
    async fn hibernated(&self) -> bool {
        false
    }
    async fn turbo(&self) -> bool {
        false
    }
    #[graphql(name = "turboExpiration")]
    async fn turbo_expiration(&self) -> i64 {
        0
    }
    /// The place in `ranking` (only spaces read through it have one).
    async fn rank(&self) -> Option<f64> {
        self.rank
    }
    async fn boost(&self) -> BoostSettings {
        let boost = self.setting("boost");
        BoostSettings {
            enabled: Some(
                boost
                    .and_then(|b| b.get("enabled"))
                    .and_then(Value::as_bool)
                    .unwrap_or(true),
            ),
            bribe_enabled: Some(
                boost
                    .and_then(|b| b.get("bribeEnabled"))
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            ),
        }
    }
    async fn created(&self) -> i64 {
        self.row.created
    }
    /// votehub: the settings message's CID.
    async fn ipfs(&self) -> &str {
        &self.row.ipfs
    }
    /// votehub: when the settings last changed.
    async fn updated(&self) -> i64 {
        self.row.updated
    }
}

/// A proposal: the stored row, its phase now, its current result on demand.
pub struct Proposal {
    row: ProposalRow,
    result: OnceCell<Option<(StoredResult, Value)>>,
}

impl Proposal {
    pub fn new(row: ProposalRow) -> Proposal {
        Proposal {
            row,
            result: OnceCell::new(),
        }
    }

    async fn result(&self, ctx: &Context<'_>) -> Result<Option<&(StoredResult, Value)>> {
        let result = self
            .result
            .get_or_try_init(|| async {
                let stored = reads(ctx)
                    .current_result(&self.row.id)
                    .await
                    .map_err(failed)?;
                Ok::<_, async_graphql::Error>(stored.map(|stored| {
                    let json = serde_json::from_str(&stored.json).unwrap_or(Value::Null);
                    (stored, json)
                }))
            })
            .await?;
        Ok(result.as_ref())
    }

    async fn result_field(&self, ctx: &Context<'_>, field: &str) -> Result<Option<Value>> {
        Ok(self
            .result(ctx)
            .await?
            .and_then(|(_, json)| json.get(field).cloned()))
    }
}

#[Object(rename_fields = "snake_case")]
impl Proposal {
    async fn id(&self) -> &str {
        &self.row.id
    }
    async fn ipfs(&self) -> &str {
        &self.row.ipfs
    }
    async fn author(&self) -> &str {
        &self.row.author
    }
    async fn created(&self) -> i64 {
        self.row.created
    }
    async fn updated(&self) -> Option<i64> {
        self.row.updated
    }
    async fn space(&self, ctx: &Context<'_>) -> Result<Option<Space>> {
        super::query::space_by_id(ctx, self.row.space.clone()).await
    }
    async fn network(&self) -> &str {
        &self.row.network
    }
    async fn symbol(&self) -> &str {
        &self.row.symbol
    }
    #[graphql(name = "type")]
    async fn kind(&self) -> &str {
        self.row.kind.as_str()
    }
    async fn strategies(&self) -> Vec<Option<Strategy>> {
        strategies(Some(&self.row.strategies), &self.row.network)
    }
    async fn validation(&self) -> Validation {
        Validation::from_value(Some(&self.row.validation))
    }
    async fn plugins(&self) -> Any {
        Any(self.row.plugins.clone())
    }
    async fn title(&self) -> &str {
        &self.row.title
    }
    async fn body(&self) -> &str {
        &self.row.body
    }
    async fn discussion(&self) -> &str {
        &self.row.discussion
    }
    async fn choices(&self) -> Vec<Option<String>> {
        self.row.choices.iter().cloned().map(Some).collect()
    }
    async fn labels(&self) -> Vec<Option<String>> {
        self.row.labels.iter().cloned().map(Some).collect()
    }
    async fn start(&self) -> i64 {
        self.row.start
    }
    async fn end(&self) -> i64 {
        self.row.end
    }
    async fn quorum(&self) -> f64 {
        self.row.quorum
    }
    #[graphql(name = "quorumType")]
    async fn quorum_type(&self) -> String {
        if self.row.quorum_type.is_empty() {
            "default".into()
        } else {
            self.row.quorum_type.clone()
        }
    }
    async fn privacy(&self) -> &str {
        &self.row.privacy
    }
    async fn snapshot(&self) -> i64 {
        self.row.snapshot
    }
    /// `pending` until `start`, `active` until `end`, then `closed`, as the
    /// hub computes it when read.
    async fn state(&self) -> &'static str {
        let now = unix_now();
        if now > self.row.end {
            "closed"
        } else if now > self.row.start {
            "active"
        } else {
            "pending"
        }
    }
    async fn link(&self) -> String {
        format!(
            "https://snapshot.box/#/s:{}/proposal/{}",
            self.row.space, self.row.id
        )
    }
    async fn app(&self) -> &str {
        &self.row.app
    }
    async fn scores(&self, ctx: &Context<'_>) -> Result<Vec<Option<f64>>> {
        Ok(self
            .result_field(ctx, "scores")
            .await?
            .and_then(|s| s.as_array().cloned())
            .map(|s| s.iter().map(Value::as_f64).collect())
            .unwrap_or_default())
    }
    async fn scores_by_strategy(&self, ctx: &Context<'_>) -> Result<Any> {
        Ok(Any(self
            .result_field(ctx, "scores_by_strategy")
            .await?
            .unwrap_or_else(|| json!([]))))
    }
    async fn scores_state(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(match self.result(ctx).await? {
            Some((stored, _)) => stored.state.as_str().to_string(),
            None => self.row.scores_state.as_str().to_string(),
        })
    }
    async fn scores_total(&self, ctx: &Context<'_>) -> Result<f64> {
        Ok(self
            .result_field(ctx, "scores_total")
            .await?
            .and_then(|t| t.as_f64())
            .unwrap_or(0.0))
    }
    async fn scores_updated(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(self
            .result(ctx)
            .await?
            .map_or(self.row.created, |(stored, _)| stored.computed))
    }
    /// votehub prices nothing: no token values.
    async fn scores_total_value(&self) -> f64 {
        0.0
    }
    async fn vp_value_by_strategy(&self) -> Any {
        Any(json!([]))
    }
    async fn votes(&self) -> i64 {
        self.row.votes
    }
    async fn flagged(&self) -> bool {
        self.row.flagged
    }
    #[graphql(name = "flagCode")]
    async fn flag_code(&self) -> i64 {
        i64::from(self.row.flagged)
    }
    /// votehub: the root CID of the proposal's audit bundle, once closed.
    async fn audit_cid(&self) -> Option<&str> {
        self.row.audit_cid.as_deref()
    }
    /// votehub: current votes by when they were cast, in `points` equal
    /// spans from the proposal's start to its end.
    async fn vote_timeline(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 48)] points: i64,
    ) -> Result<Vec<TimelinePoint>> {
        if !(1..=500).contains(&points) {
            return Err(async_graphql::Error::new(
                "The `points` argument must be between 1 and 500",
            ));
        }
        let spans = reads(ctx)
            .vote_timeline(&self.row, points)
            .await
            .map_err(failed)?;
        Ok(spans
            .iter()
            .map(|&(time, votes, vp)| TimelinePoint { time, votes, vp })
            .collect())
    }
}

/// votehub: the votes cast in one span of a proposal's voting period.
#[derive(SimpleObject)]
pub struct TimelinePoint {
    /// The span's start, unix seconds.
    time: i64,
    votes: i64,
    vp: f64,
}

/// A voter's current vote.
pub struct Vote(pub VoteRow);

#[Object(rename_fields = "snake_case")]
impl Vote {
    async fn id(&self) -> &str {
        &self.0.id
    }
    async fn ipfs(&self) -> &str {
        &self.0.ipfs
    }
    async fn voter(&self) -> &str {
        &self.0.voter
    }
    async fn created(&self) -> i64 {
        self.0.created
    }
    async fn space(&self, ctx: &Context<'_>) -> Result<Space> {
        super::query::space_by_id(ctx, self.0.space.clone())
            .await?
            .ok_or_else(|| "space not found".into())
    }
    async fn proposal(&self, ctx: &Context<'_>) -> Result<Option<Proposal>> {
        super::query::proposal_by_id(ctx, self.0.proposal.clone()).await
    }
    async fn choice(&self) -> Any {
        Any(self.0.choice.clone())
    }
    async fn metadata(&self) -> Any {
        Any(self.0.metadata.clone())
    }
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    async fn app(&self) -> &str {
        &self.0.app
    }
    async fn vp(&self) -> f64 {
        self.0.vp
    }
    async fn vp_by_strategy(&self) -> Vec<Option<f64>> {
        self.0.vp_by_strategy.iter().copied().map(Some).collect()
    }
    async fn vp_state(&self) -> &str {
        &self.0.vp_state
    }
    async fn vp_value(&self) -> f64 {
        0.0
    }
}

/// A page of votes. Pages of up to a thousand votes are the hub's largest
/// replies, and async-graphql resolves every field of every object as a
/// future of its own (most of a page's cost). When a page asks only for a
/// vote's own scalars, as every client's votes page does, they are written
/// straight from the rows, in selection order and with the values the
/// resolvers above give; anything else (a nested space or proposal,
/// fragments, directives) goes the general way.
pub struct Votes(pub Vec<Option<Vote>>);

/// One selected scalar of a vote.
#[derive(Clone, Copy)]
enum VoteScalar {
    Id,
    Ipfs,
    Voter,
    Created,
    Choice,
    Metadata,
    Reason,
    App,
    Vp,
    VpByStrategy,
    VpState,
    VpValue,
    Typename,
}

impl VoteScalar {
    fn named(name: &str) -> Option<VoteScalar> {
        Some(match name {
            "id" => VoteScalar::Id,
            "ipfs" => VoteScalar::Ipfs,
            "voter" => VoteScalar::Voter,
            "created" => VoteScalar::Created,
            "choice" => VoteScalar::Choice,
            "metadata" => VoteScalar::Metadata,
            "reason" => VoteScalar::Reason,
            "app" => VoteScalar::App,
            "vp" => VoteScalar::Vp,
            "vp_by_strategy" => VoteScalar::VpByStrategy,
            "vp_state" => VoteScalar::VpState,
            "vp_value" => VoteScalar::VpValue,
            "__typename" => VoteScalar::Typename,
            _ => return None,
        })
    }

    fn of(self, vote: &VoteRow) -> GqlValue {
        let float = |x: f64| Number::from_f64(x).map_or(GqlValue::Null, GqlValue::Number);
        match self {
            VoteScalar::Id => GqlValue::String(vote.id.clone()),
            VoteScalar::Ipfs => GqlValue::String(vote.ipfs.clone()),
            VoteScalar::Voter => GqlValue::String(vote.voter.clone()),
            VoteScalar::Created => GqlValue::Number(vote.created.into()),
            VoteScalar::Choice => Any(vote.choice.clone()).to_value(),
            VoteScalar::Metadata => Any(vote.metadata.clone()).to_value(),
            VoteScalar::Reason => GqlValue::String(vote.reason.clone()),
            VoteScalar::App => GqlValue::String(vote.app.clone()),
            VoteScalar::Vp => float(vote.vp),
            VoteScalar::VpByStrategy => {
                GqlValue::List(vote.vp_by_strategy.iter().copied().map(float).collect())
            }
            VoteScalar::VpState => GqlValue::String(vote.vp_state.clone()),
            VoteScalar::VpValue => float(0.0),
            VoteScalar::Typename => GqlValue::String("Vote".into()),
        }
    }
}

/// The response keys and scalars of a selection made only of a vote's own
/// scalars, without arguments or directives; `None` for anything else.
fn plain_scalars(set: &SelectionSet) -> Option<Vec<(Name, VoteScalar)>> {
    let mut fields: Vec<(Name, VoteScalar)> = Vec::with_capacity(set.items.len());
    for item in &set.items {
        let Selection::Field(field) = &item.node else {
            return None;
        };
        let field = &field.node;
        if !field.arguments.is_empty() || !field.directives.is_empty() {
            return None;
        }
        let scalar = VoteScalar::named(field.name.node.as_str())?;
        let key = field.alias.as_ref().unwrap_or(&field.name).node.clone();
        if !fields.iter().any(|(k, _)| *k == key) {
            fields.push((key, scalar));
        }
    }
    Some(fields)
}

impl OutputType for Votes {
    fn type_name() -> Cow<'static, str> {
        <Vec<Option<Vote>> as OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<Option<Vote>> as OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Vec<Option<Vote>> as OutputType>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<GqlValue> {
        let Some(fields) = plain_scalars(&ctx.item.node) else {
            return self.0.resolve(ctx, field).await;
        };
        Ok(GqlValue::List(
            self.0
                .iter()
                .map(|vote| match vote {
                    Some(Vote(row)) => GqlValue::Object(
                        fields
                            .iter()
                            .map(|(key, scalar)| (key.clone(), scalar.of(row)))
                            .collect(),
                    ),
                    None => GqlValue::Null,
                })
                .collect(),
        ))
    }
}

#[derive(SimpleObject)]
pub struct Alias {
    pub id: String,
    pub ipfs: Option<String>,
    pub address: String,
    pub alias: String,
    pub created: i64,
}

impl From<AliasRow> for Alias {
    fn from(row: AliasRow) -> Alias {
        Alias {
            id: row.id,
            ipfs: Some(row.ipfs),
            address: row.address,
            alias: row.alias,
            created: row.created,
        }
    }
}

#[derive(SimpleObject)]
pub struct Role {
    pub space: Option<String>,
    pub permissions: Vec<String>,
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Follow {
    pub id: String,
    pub ipfs: Option<String>,
    pub follower: String,
    #[graphql(skip)]
    pub space_id: String,
    pub network: String,
    pub created: i64,
}

#[ComplexObject]
impl Follow {
    async fn space(&self, ctx: &Context<'_>) -> Result<Space> {
        super::query::space_or_stub(ctx, &self.space_id).await
    }
}

impl From<FollowRow> for Follow {
    fn from(row: FollowRow) -> Follow {
        Follow {
            id: row.id,
            ipfs: Some(row.ipfs),
            follower: row.follower,
            space_id: row.space,
            network: row.network,
            created: row.created,
        }
    }
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Subscription {
    pub id: String,
    pub ipfs: Option<String>,
    pub address: String,
    #[graphql(skip)]
    pub space_id: String,
    pub created: i64,
}

#[ComplexObject]
impl Subscription {
    async fn space(&self, ctx: &Context<'_>) -> Result<Space> {
        super::query::space_or_stub(ctx, &self.space_id).await
    }
}

impl From<SubscriptionRow> for Subscription {
    fn from(row: SubscriptionRow) -> Subscription {
        Subscription {
            id: row.id,
            ipfs: Some(row.ipfs),
            address: row.address,
            space_id: row.space,
            created: row.created,
        }
    }
}

/// A profile: the signed fields, or a stub `{id}` for an address that never
/// signed one (snapshot.box expects an object for any valid address).
pub struct User {
    pub id: String,
    pub row: Option<UserRow>,
    pub counts: OnceCell<UserCounts>,
}

impl User {
    pub fn stub(id: String) -> User {
        User {
            id,
            row: None,
            counts: OnceCell::new(),
        }
    }

    fn profile(&self, key: &str) -> Option<String> {
        self.row.as_ref().and_then(|row| text(&row.profile, key))
    }

    async fn counts(&self, ctx: &Context<'_>) -> Result<&UserCounts> {
        self.counts
            .get_or_try_init(|| async {
                let id = self.id.clone();
                reads(ctx)
                    .hub(move |db| Ok(db.user_counts(&id)?))
                    .await
                    .map_err(failed)
            })
            .await
    }
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> User {
        User {
            id: row.id.clone(),
            row: Some(row),
            counts: OnceCell::new(),
        }
    }
}

#[Object]
impl User {
    async fn id(&self) -> &str {
        &self.id
    }
    async fn ipfs(&self) -> Option<&str> {
        self.row.as_ref().map(|row| row.ipfs.as_str())
    }
    async fn name(&self) -> Option<String> {
        self.profile("name")
    }
    async fn about(&self) -> Option<String> {
        self.profile("about")
    }
    async fn avatar(&self) -> Option<String> {
        self.profile("avatar")
    }
    async fn cover(&self) -> Option<String> {
        self.profile("cover")
    }
    async fn github(&self) -> Option<String> {
        self.profile("github")
    }
    async fn twitter(&self) -> Option<String> {
        self.profile("twitter")
    }
    async fn lens(&self) -> Option<String> {
        self.profile("lens")
    }
    async fn farcaster(&self) -> Option<String> {
        self.profile("farcaster")
    }
    async fn created(&self) -> Option<i64> {
        self.row.as_ref().map(|row| row.created)
    }
    #[graphql(name = "votesCount")]
    async fn votes_count(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(self.counts(ctx).await?.votes)
    }
    #[graphql(name = "proposalsCount")]
    async fn proposals_count(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(self.counts(ctx).await?.proposals)
    }
    #[graphql(name = "lastVote")]
    async fn last_vote(&self, ctx: &Context<'_>) -> Result<Option<i64>> {
        Ok(self.counts(ctx).await?.last_vote)
    }
}

#[derive(SimpleObject)]
pub struct Statement {
    pub id: String,
    pub ipfs: String,
    pub space: String,
    pub network: Option<String>,
    pub about: Option<String>,
    pub delegate: Option<String>,
    pub statement: Option<String>,
    pub discourse: Option<String>,
    pub status: Option<String>,
    pub source: Option<String>,
    pub created: i64,
    pub updated: i64,
}

impl From<StatementRow> for Statement {
    fn from(row: StatementRow) -> Statement {
        Statement {
            id: row.id,
            ipfs: row.ipfs,
            space: row.space,
            network: Some(row.network),
            about: Some(row.about),
            delegate: Some(row.delegate),
            statement: Some(row.statement),
            discourse: Some(row.discourse),
            status: Some(row.status),
            source: None,
            created: row.created,
            updated: row.updated,
        }
    }
}

#[derive(SimpleObject)]
#[graphql(rename_fields = "camelCase")]
pub struct Item {
    pub id: String,
    pub spaces_count: Option<i64>,
}

#[derive(SimpleObject)]
#[graphql(rename_fields = "camelCase")]
pub struct StrategyItem {
    pub id: String,
    pub name: Option<String>,
    pub author: Option<String>,
    pub version: Option<String>,
    pub schema: Option<Any>,
    pub examples: Option<Vec<Option<Any>>>,
    pub about: Option<String>,
    pub spaces_count: Option<i64>,
    pub verified_spaces_count: Option<i64>,
    #[graphql(name = "override")]
    pub overrides: Option<bool>,
    pub disabled: Option<bool>,
}

#[derive(SimpleObject)]
#[graphql(rename_fields = "camelCase")]
pub struct Network {
    pub id: String,
    pub name: String,
    pub premium: Option<bool>,
    pub spaces_count: Option<i64>,
}

#[derive(SimpleObject)]
#[graphql(name = "Option")]
pub struct ConfigOption {
    pub name: Option<String>,
    pub value: Option<String>,
}

#[derive(SimpleObject)]
#[graphql(rename_fields = "snake_case")]
pub struct Vp {
    pub vp: Option<f64>,
    pub vp_by_strategy: Option<Vec<Option<f64>>>,
    pub vp_state: Option<String>,
}

#[derive(SimpleObject)]
#[graphql(rename_fields = "camelCase")]
pub struct Leaderboard {
    pub space: Option<String>,
    pub user: Option<String>,
    pub proposals_count: Option<i64>,
    pub votes_count: Option<i64>,
    pub last_vote: Option<i64>,
    pub vp_value: Option<f64>,
}

impl From<LeaderboardRow> for Leaderboard {
    fn from(row: LeaderboardRow) -> Leaderboard {
        Leaderboard {
            space: Some(row.space),
            user: Some(row.user),
            proposals_count: Some(row.proposal_count),
            votes_count: Some(row.vote_count),
            last_vote: row.last_vote,
            vp_value: Some(0.0),
        }
    }
}

#[derive(SimpleObject)]
pub struct Metrics {
    pub total: Option<i64>,
    pub categories: Option<Any>,
}

#[derive(SimpleObject)]
#[graphql(name = "RankingObject")]
pub struct Ranking {
    pub items: Vec<Space>,
    pub metrics: Metrics,
}

/// A stored message, with votehub's log link and receipt time as extras.
#[derive(SimpleObject)]
pub struct Message {
    pub mci: Option<i64>,
    pub id: Option<String>,
    pub ipfs: Option<String>,
    pub address: Option<String>,
    pub version: Option<String>,
    pub timestamp: Option<i64>,
    pub space: Option<String>,
    #[graphql(name = "type")]
    pub kind: Option<String>,
    pub sig: Option<String>,
    pub receipt: Option<String>,
    /// votehub: the message's link in the hash-chained log.
    pub log: Option<String>,
    /// votehub: when it was accepted, unix milliseconds.
    pub received: Option<i64>,
}

impl From<MessageRow> for Message {
    fn from(row: MessageRow) -> Message {
        Message {
            mci: Some(row.mci),
            id: Some(row.id),
            ipfs: Some(row.ipfs),
            address: Some(row.address),
            version: Some(row.version),
            timestamp: Some(row.timestamp),
            space: row.space,
            kind: Some(row.kind),
            sig: Some(row.sig),
            receipt: Some(row.receipt),
            log: Some(row.log),
            received: Some(row.received),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;
    use async_graphql::parser::types::DocumentOperations;

    /// The selection under the first root field of `query`.
    fn selection(query: &str) -> SelectionSet {
        let document = parse_query(query).unwrap();
        let DocumentOperations::Single(operation) = document.operations else {
            panic!("one operation")
        };
        let Selection::Field(root) = &operation.node.selection_set.node.items[0].node else {
            panic!("a field")
        };
        root.node.selection_set.node.clone()
    }

    #[test]
    fn only_a_votes_own_scalars_take_the_fast_path() {
        let plain = plain_scalars(&selection("{ votes { ipfs v: voter vp ipfs __typename } }"))
            .expect("scalars only");
        let keys: Vec<&str> = plain.iter().map(|(key, _)| key.as_str()).collect();
        assert_eq!(
            keys,
            ["ipfs", "v", "vp", "__typename"],
            "a repeated key once"
        );
        for general in [
            "{ votes { id space { id } } }",
            "{ votes { id @skip(if: false) } }",
            "{ votes { ... on Vote { id } } }",
            "{ votes { ...f } } fragment f on Vote { id }",
            "{ votes { id unknown } }",
        ] {
            assert!(plain_scalars(&selection(general)).is_none(), "{general}");
        }
    }
}
