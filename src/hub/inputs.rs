//! The hub's `where` inputs, field for field as its schema declares them
//! (including its oddities, such as list-typed `proposal_count_gt`).

use async_graphql::{Enum, InputObject};

/// `orderDirection`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(rename_items = "lowercase")]
pub enum OrderDirection {
    Asc,
    Desc,
}

type Strings = Option<Vec<Option<String>>>;
type Ints = Option<Vec<Option<i64>>>;
type Floats = Option<Vec<Option<f64>>>;

#[derive(Debug, Clone, Default, InputObject)]
#[graphql(rename_fields = "snake_case")]
pub struct SpaceWhere {
    pub id: Option<String>,
    pub id_in: Strings,
    pub created: Option<i64>,
    pub created_in: Ints,
    pub created_gt: Option<i64>,
    pub created_gte: Option<i64>,
    pub created_lt: Option<i64>,
    pub created_lte: Option<i64>,
    pub strategy: Option<String>,
    pub plugin: Option<String>,
    pub controller: Option<String>,
    pub verified: Option<bool>,
    pub turbo: Option<bool>,
    pub domain: Option<String>,
    pub search: Option<String>,
}

#[derive(Debug, Clone, Default, InputObject)]
#[graphql(rename_fields = "snake_case")]
pub struct RankingWhere {
    pub search: Option<String>,
    pub category: Option<String>,
    pub network: Option<String>,
    pub strategy: Option<String>,
    pub plugin: Option<String>,
}

#[derive(Debug, Clone, Default, InputObject)]
#[graphql(rename_fields = "snake_case")]
pub struct MessageWhere {
    pub id: Option<String>,
    pub id_in: Strings,
    pub mci: Option<i64>,
    pub mci_in: Ints,
    pub mci_gt: Option<i64>,
    pub mci_gte: Option<i64>,
    pub mci_lt: Option<i64>,
    pub mci_lte: Option<i64>,
    pub address: Option<String>,
    pub address_in: Strings,
    pub timestamp: Option<i64>,
    pub timestamp_in: Ints,
    pub timestamp_gt: Option<i64>,
    pub timestamp_gte: Option<i64>,
    pub timestamp_lt: Option<i64>,
    pub timestamp_lte: Option<i64>,
    pub space: Option<String>,
    pub space_in: Strings,
    #[graphql(name = "type")]
    pub kind: Option<String>,
    #[graphql(name = "type_in")]
    pub kind_in: Strings,
}

#[derive(Debug, Clone, Default, InputObject)]
#[graphql(rename_fields = "snake_case")]
pub struct ProposalWhere {
    pub id: Option<String>,
    pub id_in: Strings,
    pub ipfs: Option<String>,
    pub ipfs_in: Strings,
    pub space: Option<String>,
    pub space_in: Strings,
    pub author: Option<String>,
    pub author_in: Strings,
    pub network: Option<String>,
    pub network_in: Strings,
    pub title_contains: Option<String>,
    pub strategies_contains: Option<String>,
    pub plugins_contains: Option<String>,
    pub validation: Option<String>,
    #[graphql(name = "type")]
    pub kind: Option<String>,
    #[graphql(name = "type_in")]
    pub kind_in: Strings,
    pub app: Option<String>,
    pub app_not: Option<String>,
    pub app_in: Strings,
    pub app_not_in: Strings,
    pub created: Option<i64>,
    pub created_in: Ints,
    pub created_gt: Option<i64>,
    pub created_gte: Option<i64>,
    pub created_lt: Option<i64>,
    pub created_lte: Option<i64>,
    pub updated: Option<i64>,
    pub updated_in: Ints,
    pub updated_gt: Option<i64>,
    pub updated_gte: Option<i64>,
    pub updated_lt: Option<i64>,
    pub updated_lte: Option<i64>,
    pub start: Option<i64>,
    pub start_in: Ints,
    pub start_gt: Option<i64>,
    pub start_gte: Option<i64>,
    pub start_lt: Option<i64>,
    pub start_lte: Option<i64>,
    pub end: Option<i64>,
    pub end_in: Ints,
    pub end_gt: Option<i64>,
    pub end_gte: Option<i64>,
    pub end_lt: Option<i64>,
    pub end_lte: Option<i64>,
    pub scores_state: Option<String>,
    pub scores_state_in: Strings,
    pub labels_in: Strings,
    pub state: Option<String>,
    pub space_verified: Option<bool>,
    pub flagged: Option<bool>,
    pub votes: Option<i64>,
    pub votes_gt: Option<i64>,
    pub votes_gte: Option<i64>,
    pub votes_lt: Option<i64>,
    pub votes_lte: Option<i64>,
    pub scores_total_value: Option<f64>,
    pub scores_total_value_in: Floats,
    pub scores_total_value_gt: Option<f64>,
    pub scores_total_value_gte: Option<f64>,
    pub scores_total_value_lt: Option<f64>,
    pub scores_total_value_lte: Option<f64>,
}

#[derive(Debug, Clone, Default, InputObject)]
#[graphql(rename_fields = "snake_case")]
pub struct VoteWhere {
    pub id: Option<String>,
    pub id_in: Strings,
    pub ipfs: Option<String>,
    pub ipfs_in: Strings,
    pub space: Option<String>,
    pub space_in: Strings,
    pub voter: Option<String>,
    pub voter_in: Strings,
    pub proposal: Option<String>,
    pub proposal_in: Strings,
    pub reason: Option<String>,
    pub reason_not: Option<String>,
    pub reason_in: Strings,
    pub reason_not_in: Strings,
    pub app: Option<String>,
    pub app_not: Option<String>,
    pub app_in: Strings,
    pub app_not_in: Strings,
    pub created: Option<i64>,
    pub created_in: Ints,
    pub created_gt: Option<i64>,
    pub created_gte: Option<i64>,
    pub created_lt: Option<i64>,
    pub created_lte: Option<i64>,
    pub vp: Option<f64>,
    pub vp_in: Floats,
    pub vp_gt: Option<f64>,
    pub vp_gte: Option<f64>,
    pub vp_lt: Option<f64>,
    pub vp_lte: Option<f64>,
    pub vp_state: Option<String>,
    pub vp_state_in: Strings,
}

#[derive(Debug, Clone, Default, InputObject)]
#[graphql(rename_fields = "snake_case")]
pub struct AliasWhere {
    pub id: Option<String>,
    pub id_in: Strings,
    pub ipfs: Option<String>,
    pub ipfs_in: Strings,
    pub address: Option<String>,
    pub address_in: Strings,
    pub alias: Option<String>,
    pub alias_in: Strings,
    pub created: Option<i64>,
    pub created_in: Ints,
    pub created_gt: Option<i64>,
    pub created_gte: Option<i64>,
    pub created_lt: Option<i64>,
    pub created_lte: Option<i64>,
}

#[derive(Debug, Clone, InputObject)]
#[graphql(rename_fields = "snake_case")]
pub struct RolesWhere {
    pub address: String,
}

#[derive(Debug, Clone, Default, InputObject)]
#[graphql(rename_fields = "snake_case")]
pub struct FollowWhere {
    pub id: Option<String>,
    pub id_in: Strings,
    pub ipfs: Option<String>,
    pub ipfs_in: Strings,
    pub follower: Option<String>,
    pub follower_in: Strings,
    pub space: Option<String>,
    pub space_in: Strings,
    pub network: Option<String>,
    pub network_in: Strings,
    pub created: Option<i64>,
    pub created_in: Ints,
    pub created_gt: Option<i64>,
    pub created_gte: Option<i64>,
    pub created_lt: Option<i64>,
    pub created_lte: Option<i64>,
}

#[derive(Debug, Clone, Default, InputObject)]
#[graphql(rename_fields = "snake_case")]
pub struct SubscriptionWhere {
    pub id: Option<String>,
    pub id_in: Strings,
    pub ipfs: Option<String>,
    pub ipfs_in: Strings,
    pub address: Option<String>,
    pub address_in: Strings,
    pub space: Option<String>,
    pub space_in: Strings,
    pub created: Option<i64>,
    pub created_in: Ints,
    pub created_gt: Option<i64>,
    pub created_gte: Option<i64>,
    pub created_lt: Option<i64>,
    pub created_lte: Option<i64>,
}

#[derive(Debug, Clone, Default, InputObject)]
#[graphql(rename_fields = "snake_case")]
pub struct UsersWhere {
    pub id: Option<String>,
    pub id_in: Strings,
    pub ipfs: Option<String>,
    pub ipfs_in: Strings,
    pub created: Option<i64>,
    pub created_in: Ints,
    pub created_gt: Option<i64>,
    pub created_gte: Option<i64>,
    pub created_lt: Option<i64>,
    pub created_lte: Option<i64>,
}

#[derive(Debug, Clone, Default, InputObject)]
#[graphql(rename_fields = "snake_case")]
pub struct StatementsWhere {
    pub id: Option<String>,
    pub id_in: Strings,
    pub ipfs: Option<String>,
    pub ipfs_in: Strings,
    pub space: Option<String>,
    pub space_in: Strings,
    pub network: Option<String>,
    pub delegate: Option<String>,
    pub delegate_in: Strings,
    pub created: Option<i64>,
    pub created_in: Ints,
    pub created_gt: Option<i64>,
    pub created_gte: Option<i64>,
    pub created_lt: Option<i64>,
    pub created_lte: Option<i64>,
    pub source: Option<String>,
    pub source_in: Strings,
}

#[derive(Debug, Clone, Default, InputObject)]
#[graphql(rename_fields = "snake_case")]
pub struct LeaderboardsWhere {
    pub space: Option<String>,
    pub space_in: Strings,
    pub space_not: Option<String>,
    pub space_not_in: Strings,
    pub user: Option<String>,
    pub user_in: Strings,
    pub user_not: Option<String>,
    pub user_not_in: Strings,
    pub proposal_count: Option<i64>,
    pub proposal_count_in: Ints,
    pub proposal_count_not: Option<i64>,
    pub proposal_count_not_in: Ints,
    pub proposal_count_gt: Ints,
    pub proposal_count_gte: Ints,
    pub proposal_count_lt: Ints,
    pub proposal_count_lte: Ints,
    pub vote_count: Option<i64>,
    pub vote_count_in: Ints,
    pub vote_count_not: Option<i64>,
    pub vote_count_not_in: Ints,
    pub vote_count_gt: Ints,
    pub vote_count_gte: Ints,
    pub vote_count_lt: Ints,
    pub vote_count_lte: Ints,
}
