//! The GraphQL documents the app sends to the hub, and the typed shapes of
//! their answers. Only fields a page shows are asked for.

use serde::Deserialize;
use serde_json::{json, Value};

use super::views::proposal::VotesView;
use super::views::space::SpaceFilter;
use super::{WebError, VOTES_PER_PAGE};
use crate::hub::Hub;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpaceSummary {
    pub id: String,
    pub name: String,
    pub about: String,
    pub network: String,
    pub symbol: Option<String>,
    pub proposals_count: i64,
    pub active_proposals: i64,
    pub votes_count: i64,
}

#[derive(Debug, Deserialize)]
pub struct Strategy {
    pub name: String,
    pub network: Option<String>,
    #[serde(default)]
    pub params: Value,
}

#[derive(Debug, Deserialize)]
pub struct Validation {
    pub name: String,
    #[serde(default)]
    pub params: Value,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Filters {
    pub min_score: Option<f64>,
    pub only_members: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Voting {
    pub delay: Option<i64>,
    pub period: Option<i64>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub quorum: Option<f64>,
    pub privacy: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Space {
    pub id: String,
    pub name: String,
    pub about: String,
    pub network: String,
    pub symbol: Option<String>,
    pub website: Option<String>,
    pub terms: Option<String>,
    pub admins: Vec<String>,
    pub moderators: Vec<String>,
    pub members: Vec<String>,
    pub strategies: Vec<Option<Strategy>>,
    pub filters: Filters,
    pub validation: Validation,
    pub vote_validation: Validation,
    pub voting: Voting,
    pub proposals_count: i64,
    pub votes_count: i64,
}

#[derive(Debug, Deserialize)]
pub struct SpaceRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct ProposalSummary {
    pub id: String,
    pub title: String,
    pub state: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub start: i64,
    pub end: i64,
    pub author: String,
    pub votes: i64,
    pub scores_total: f64,
    pub space: Option<SpaceRef>,
}

#[derive(Debug, Deserialize)]
pub struct Proposal {
    pub id: String,
    pub ipfs: String,
    pub title: String,
    pub body: String,
    pub discussion: String,
    pub choices: Vec<Option<String>>,
    #[serde(rename = "type")]
    pub kind: String,
    pub start: i64,
    pub end: i64,
    pub snapshot: i64,
    pub state: String,
    pub author: String,
    pub created: i64,
    pub network: String,
    pub symbol: String,
    pub quorum: f64,
    pub privacy: String,
    pub strategies: Vec<Option<Strategy>>,
    pub space: SpaceRef,
    pub scores: Vec<Option<f64>>,
    pub scores_by_strategy: Value,
    pub scores_total: f64,
    pub scores_state: String,
    pub votes: i64,
    pub audit_cid: Option<String>,
    pub vote_timeline: Vec<TimelinePoint>,
}

impl Proposal {
    /// The choices' names (a missing one is empty).
    pub fn choice_names(&self) -> Vec<&str> {
        self.choices
            .iter()
            .map(|choice| choice.as_deref().unwrap_or(""))
            .collect()
    }
}

#[derive(Debug, Deserialize)]
pub struct TimelinePoint {
    pub time: i64,
    pub votes: i64,
    pub vp: f64,
}

#[derive(Debug, Deserialize)]
pub struct Vote {
    pub id: String,
    pub ipfs: String,
    pub voter: String,
    pub created: i64,
    pub choice: Value,
    pub reason: String,
    pub vp: f64,
}

/// What a proposal page shows.
#[derive(Debug)]
pub struct ProposalData {
    pub proposal: Proposal,
    pub votes: Vec<Vote>,
}

#[derive(Debug, Deserialize)]
pub struct ProposalRef {
    pub id: String,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub choices: Vec<Option<String>>,
    pub space: SpaceRef,
}

#[derive(Debug, Deserialize)]
pub struct VoteCast {
    pub id: String,
    pub created: i64,
    pub choice: Value,
    pub vp: f64,
    pub proposal: Option<ProposalRef>,
}

#[derive(Debug, Deserialize)]
pub struct Alias {
    pub alias: String,
    pub created: i64,
}

/// What a profile page shows.
#[derive(Debug, Deserialize)]
pub struct Profile {
    pub votes: Vec<VoteCast>,
    pub proposals: Vec<ProposalSummary>,
    pub aliases: Vec<Alias>,
}

const SPACES: &str = "query Spaces {
  spaces(first: 1000, orderBy: \"created\", orderDirection: asc) {
    id name about network symbol proposalsCount activeProposals votesCount
  }
}";

const SPACE: &str = "query Space($id: String!, $state: String, $title: String, $skip: Int) {
  space(id: $id) {
    id name about network symbol website terms admins moderators members
    strategies { name network params }
    filters { minScore onlyMembers }
    validation { name params }
    voteValidation { name params }
    voting { delay period type quorum privacy }
    proposalsCount votesCount
  }
  proposals(first: 20, skip: $skip, where: {space: $id, state: $state, title_contains: $title},
            orderBy: \"created\", orderDirection: desc) {
    id title state type start end author votes scores_total space { id name }
  }
}";

const PROPOSAL: &str = "query Proposal($id: String!, $first: Int, $skip: Int, $orderBy: String, $orderDirection: OrderDirection) {
  proposal(id: $id) {
    id ipfs title body discussion choices type start end snapshot state author created
    network symbol quorum privacy
    strategies { name network params }
    space { id name }
    scores scores_by_strategy scores_total scores_state votes audit_cid
    vote_timeline(points: 48) { time votes vp }
  }
  votes(first: $first, skip: $skip, where: {proposal: $id}, orderBy: $orderBy, orderDirection: $orderDirection) {
    id ipfs voter created choice reason vp
  }
}";

const PROFILE: &str = "query Profile($id: String!) {
  votes(first: 100, where: {voter: $id}, orderBy: \"created\", orderDirection: desc) {
    id created choice vp proposal { id title type choices space { id name } }
  }
  proposals(first: 100, where: {author: $id}, orderBy: \"created\", orderDirection: desc) {
    id title state type start end author votes scores_total space { id name }
  }
  aliases(first: 100, where: {address: $id}) { alias created }
}";

/// Variables for a query, without `null`s (the hub's defaults then apply).
fn variables(pairs: &[(&str, Value)]) -> Value {
    let mut out = json!({});
    for (name, value) in pairs {
        if !value.is_null() {
            out[*name] = value.clone();
        }
    }
    out
}

fn parse<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, WebError> {
    serde_json::from_value(value)
        .map_err(|err| WebError::Hub(crate::hub::HubError::Public(err.to_string())))
}

pub async fn spaces(hub: &Hub) -> Result<Vec<SpaceSummary>, WebError> {
    let mut data = hub.query(SPACES, json!({})).await?;
    parse(data["spaces"].take())
}

pub async fn space(
    hub: &Hub,
    id: &str,
    filter: &SpaceFilter,
) -> Result<(Option<Space>, Vec<ProposalSummary>), WebError> {
    let vars = variables(&[
        ("id", json!(id)),
        ("state", json!(filter.state.as_query())),
        (
            "title",
            json!(filter.search.as_deref().filter(|q| !q.is_empty())),
        ),
        ("skip", json!(filter.skip())),
    ]);
    let mut data = hub.query(SPACE, vars).await?;
    Ok((
        parse(data["space"].take())?,
        parse(data["proposals"].take())?,
    ))
}

pub async fn proposal(
    hub: &Hub,
    id: &str,
    view: &VotesView,
) -> Result<Option<ProposalData>, WebError> {
    let vars = variables(&[
        ("id", json!(id)),
        ("first", json!(VOTES_PER_PAGE)),
        ("skip", json!(view.skip())),
        ("orderBy", json!(view.order.field())),
        ("orderDirection", json!("desc")),
    ]);
    let mut data = hub.query(PROPOSAL, vars).await?;
    let Some(proposal) = parse::<Option<Proposal>>(data["proposal"].take())? else {
        return Ok(None);
    };
    Ok(Some(ProposalData {
        proposal,
        votes: parse(data["votes"].take())?,
    }))
}

pub async fn profile(hub: &Hub, address: &str) -> Result<Profile, WebError> {
    let data = hub.query(PROFILE, json!({"id": address})).await?;
    parse(data)
}
