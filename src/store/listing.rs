//! Lists of rows as the hub's GraphQL asks for them: a [`Filter`] of column
//! conditions and a [`Page`] (order, `first`, `skip`), turned into one SQL
//! statement with bound parameters. Column names are `&'static str` chosen
//! by the caller's code, never taken from a request.

use rusqlite::types::Value as Sql;
use rusqlite::{params_from_iter, Row};
use serde::Serialize;
use serde_json::Value;

use super::db::json_column;
use super::messages::message_from_row;
use super::proposals::proposal_from_row;
use super::spaces::space_from_row;
use super::votes::{vote_from_row, VOTE_COLUMNS};
use super::{Db, MessageRow, ProposalRow, SpaceRow, StoreError, VoteRow};

/// A comparison of a numeric column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Cmp {
    fn sql(self) -> &'static str {
        match self {
            Cmp::Gt => ">",
            Cmp::Gte => ">=",
            Cmp::Lt => "<",
            Cmp::Lte => "<=",
        }
    }
}

/// Conditions joined by `AND`.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    clauses: Vec<String>,
    params: Vec<Sql>,
}

impl Filter {
    fn push(&mut self, clause: String, params: impl IntoIterator<Item = Sql>) {
        self.clauses.push(clause);
        self.params.extend(params);
    }

    pub fn eq(&mut self, column: &'static str, value: impl Into<Sql>) {
        self.push(format!("{column} = ?"), [value.into()]);
    }

    pub fn ne(&mut self, column: &'static str, value: impl Into<Sql>) {
        self.push(format!("{column} != ?"), [value.into()]);
    }

    /// `column IN (…)`; an empty list matches nothing, as in the hub.
    pub fn one_of<T: Into<Sql>>(&mut self, column: &'static str, values: Vec<T>) {
        if values.is_empty() {
            self.clauses.push("0".into());
            return;
        }
        let marks = vec!["?"; values.len()].join(", ");
        self.push(
            format!("{column} IN ({marks})"),
            values.into_iter().map(Into::into),
        );
    }

    /// `column NOT IN (…)`; an empty list matches nothing, as in the hub.
    pub fn none_of<T: Into<Sql>>(&mut self, column: &'static str, values: Vec<T>) {
        if values.is_empty() {
            self.clauses.push("0".into());
            return;
        }
        let marks = vec!["?"; values.len()].join(", ");
        self.push(
            format!("{column} NOT IN ({marks})"),
            values.into_iter().map(Into::into),
        );
    }

    pub fn cmp(&mut self, column: &'static str, cmp: Cmp, value: impl Into<Sql>) {
        self.push(format!("{column} {} ?", cmp.sql()), [value.into()]);
    }

    /// `column` contains `text`, ASCII case-insensitively (SQLite's `LIKE`).
    pub fn contains(&mut self, column: &'static str, text: &str) {
        self.push(
            format!("{column} LIKE ? ESCAPE '\\'"),
            [Sql::Text(like_pattern(text))],
        );
    }

    /// A condition written by the caller's code, with its parameters.
    pub fn sql(&mut self, clause: &'static str, params: Vec<Sql>) {
        self.push(clause.to_string(), params);
    }

    fn where_clause(&self, always: &str) -> String {
        let mut all = vec![always.to_string()];
        all.extend(self.clauses.iter().cloned());
        format!("WHERE {}", all.join(" AND "))
    }
}

/// The `LIKE … ESCAPE '\\'` pattern of "contains `text`".
pub fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Order and window of a list.
#[derive(Debug, Clone)]
pub struct Page {
    pub first: u32,
    pub skip: u32,
    /// The column to sort by, then the column that breaks ties.
    pub order_by: &'static str,
    pub tie: &'static str,
    pub descending: bool,
    /// Whether ties follow `descending` too (else they are ascending).
    pub tie_follows: bool,
}

impl Page {
    fn sql(&self) -> String {
        let direction = |descending: bool| if descending { "DESC" } else { "ASC" };
        format!(
            "ORDER BY {} {}, {} {} LIMIT {} OFFSET {}",
            self.order_by,
            direction(self.descending),
            self.tie,
            direction(self.descending && self.tie_follows),
            self.first,
            self.skip
        )
    }
}

/// What a space's page shows beside its settings.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SpaceCounts {
    pub proposals: i64,
    pub active_proposals: i64,
    pub proposals_1d: i64,
    pub proposals_7d: i64,
    pub proposals_30d: i64,
    pub votes: i64,
    /// Votes cast in the last 7 days.
    pub votes_7d: i64,
    pub followers: i64,
    pub followers_7d: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AliasRow {
    pub id: String,
    pub ipfs: String,
    pub address: String,
    pub alias: String,
    pub created: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FollowRow {
    pub id: String,
    pub ipfs: String,
    pub follower: String,
    pub space: String,
    pub network: String,
    pub created: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubscriptionRow {
    pub id: String,
    pub ipfs: String,
    pub address: String,
    pub space: String,
    pub created: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct UserRow {
    pub id: String,
    pub ipfs: String,
    /// The signed profile JSON (`name`, `about`, `avatar`…).
    pub profile: Value,
    pub created: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatementRow {
    pub id: String,
    pub ipfs: String,
    pub delegate: String,
    pub space: String,
    pub network: String,
    pub about: String,
    pub statement: String,
    pub discourse: String,
    pub status: String,
    pub created: i64,
    pub updated: i64,
}

/// A user's activity in a space.
#[derive(Debug, Clone, Serialize)]
pub struct LeaderboardRow {
    pub space: String,
    pub user: String,
    pub proposal_count: i64,
    pub vote_count: i64,
    pub last_vote: Option<i64>,
}

/// A user's activity across spaces.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UserCounts {
    pub votes: i64,
    pub proposals: i64,
    pub last_vote: Option<i64>,
}

/// The statement of [`Db::list_votes`].
fn votes_sql(filter: &Filter, page: &Page) -> String {
    format!(
        "SELECT {VOTE_COLUMNS} FROM votes v {} {}",
        filter.where_clause(
            "EXISTS (SELECT 1 FROM proposals p WHERE p.id = v.proposal AND p.deleted = 0)"
        ),
        page.sql()
    )
}

impl Db<'_> {
    fn list<T>(
        &self,
        select: &str,
        always: &str,
        filter: &Filter,
        page: &Page,
        map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let sql = format!("{select} {} {}", filter.where_clause(always), page.sql());
        self.rows(&sql, filter, map)
    }

    fn rows<T>(
        &self,
        sql: &str,
        filter: &Filter,
        map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let mut statement = self.conn.prepare_cached(sql)?;
        let rows = statement
            .query_map(params_from_iter(filter.params.iter()), map)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Live spaces (`s`).
    pub fn list_spaces(&self, filter: &Filter, page: &Page) -> Result<Vec<SpaceRow>, StoreError> {
        self.list(
            "SELECT s.* FROM spaces s",
            "s.deleted = 0",
            filter,
            page,
            space_from_row,
        )
    }

    /// Live proposals of live spaces (`p`, with counters).
    pub fn list_proposals(
        &self,
        filter: &Filter,
        page: &Page,
    ) -> Result<Vec<ProposalRow>, StoreError> {
        self.list(
            "SELECT p.*, COALESCE(c.votes, 0) AS votes, COALESCE(c.vote_changes, 0) AS vote_changes
             FROM proposals p LEFT JOIN proposal_counts c ON c.proposal = p.id",
            "p.deleted = 0 AND EXISTS (SELECT 1 FROM spaces s WHERE s.id = p.space AND s.deleted = 0)",
            filter,
            page,
            proposal_from_row,
        )
    }

    /// Current votes on live proposals (`v`).
    pub fn list_votes(&self, filter: &Filter, page: &Page) -> Result<Vec<VoteRow>, StoreError> {
        self.rows(&votes_sql(filter, page), filter, vote_from_row)
    }

    pub fn list_aliases(&self, filter: &Filter, page: &Page) -> Result<Vec<AliasRow>, StoreError> {
        self.list("SELECT * FROM aliases a", "1", filter, page, |row| {
            Ok(AliasRow {
                id: row.get("id")?,
                ipfs: row.get("ipfs")?,
                address: row.get("address")?,
                alias: row.get("alias")?,
                created: row.get("created")?,
            })
        })
    }

    pub fn list_follows(&self, filter: &Filter, page: &Page) -> Result<Vec<FollowRow>, StoreError> {
        self.list("SELECT * FROM follows f", "1", filter, page, |row| {
            Ok(FollowRow {
                id: row.get("id")?,
                ipfs: row.get("ipfs")?,
                follower: row.get("follower")?,
                space: row.get("space")?,
                network: row.get("network")?,
                created: row.get("created")?,
            })
        })
    }

    pub fn list_subscriptions(
        &self,
        filter: &Filter,
        page: &Page,
    ) -> Result<Vec<SubscriptionRow>, StoreError> {
        self.list("SELECT * FROM subscriptions s", "1", filter, page, |row| {
            Ok(SubscriptionRow {
                id: row.get("id")?,
                ipfs: row.get("ipfs")?,
                address: row.get("address")?,
                space: row.get("space")?,
                created: row.get("created")?,
            })
        })
    }

    pub fn list_users(&self, filter: &Filter, page: &Page) -> Result<Vec<UserRow>, StoreError> {
        self.list("SELECT * FROM users u", "1", filter, page, |row| {
            Ok(UserRow {
                id: row.get("id")?,
                ipfs: row.get("ipfs")?,
                profile: json_column(row, "profile")?,
                created: row.get("created")?,
            })
        })
    }

    pub fn list_statements(
        &self,
        filter: &Filter,
        page: &Page,
    ) -> Result<Vec<StatementRow>, StoreError> {
        self.list("SELECT * FROM statements s", "1", filter, page, |row| {
            Ok(StatementRow {
                id: row.get("id")?,
                ipfs: row.get("ipfs")?,
                delegate: row.get("delegate")?,
                space: row.get("space")?,
                network: row.get("network")?,
                about: row.get("about")?,
                statement: row.get("statement")?,
                discourse: row.get("discourse")?,
                status: row.get("status")?,
                created: row.get("created")?,
                updated: row.get("updated")?,
            })
        })
    }

    pub fn list_messages(
        &self,
        filter: &Filter,
        page: &Page,
    ) -> Result<Vec<MessageRow>, StoreError> {
        self.list(
            "SELECT * FROM messages m",
            "1",
            filter,
            page,
            message_from_row,
        )
    }

    /// Per space and user: proposals authored, votes cast, the last vote
    /// (`l`, columns `space`, `user`, `proposal_count`, `vote_count`,
    /// `last_vote`).
    pub fn list_leaderboards(
        &self,
        filter: &Filter,
        page: &Page,
    ) -> Result<Vec<LeaderboardRow>, StoreError> {
        self.list(
            "SELECT * FROM (
               SELECT space, user, SUM(proposal_count) AS proposal_count, SUM(vote_count) AS vote_count,
                 MAX(last_vote) AS last_vote
               FROM (
                 SELECT space, voter AS user, 0 AS proposal_count, COUNT(*) AS vote_count, MAX(created) AS last_vote
                 FROM votes GROUP BY space, voter
                 UNION ALL
                 SELECT space, author, COUNT(*), 0, NULL FROM proposals WHERE deleted = 0 GROUP BY space, author
               ) GROUP BY space, user
             ) l",
            "1",
            filter,
            page,
            |row| {
                Ok(LeaderboardRow {
                    space: row.get("space")?,
                    user: row.get("user")?,
                    proposal_count: row.get("proposal_count")?,
                    vote_count: row.get("vote_count")?,
                    last_vote: row.get("last_vote")?,
                })
            },
        )
    }

    /// The spaces `controller` controls.
    pub fn spaces_controlled_by(&self, controller: &str) -> Result<Vec<String>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT space FROM space_controllers WHERE controller = ?1")?;
        let rows = statement
            .query_map([controller], |row| row.get(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The newest block at which balances were imported on `network`.
    pub fn latest_imported_block(&self, network: &str) -> Result<Option<u64>, StoreError> {
        let block: Option<i64> = self
            .conn
            .prepare_cached("SELECT MAX(block) FROM balance_imports WHERE network = ?1")?
            .query_row([network], |row| row.get(0))?;
        Ok(block.and_then(|b| u64::try_from(b).ok()))
    }

    /// A space's counters at `now` (unix seconds).
    pub fn space_counts(&self, space: &str, now: i64) -> Result<SpaceCounts, StoreError> {
        let day = 86_400;
        Ok(self
            .conn
            .prepare_cached(
                "SELECT
               COUNT(*),
               COALESCE(SUM(p.start < ?2 AND p.end > ?2 AND p.flagged = 0), 0),
               COALESCE(SUM(p.created > ?2 - ?3), 0),
               COALESCE(SUM(p.created > ?2 - 7 * ?3), 0),
               COALESCE(SUM(p.created > ?2 - 30 * ?3), 0),
               COALESCE(SUM(c.votes), 0),
               (SELECT COUNT(*) FROM votes v WHERE v.space = ?1 AND v.created > ?2 - 7 * ?3),
               (SELECT COUNT(*) FROM follows f WHERE f.space = ?1),
               (SELECT COUNT(*) FROM follows f WHERE f.space = ?1 AND f.created > ?2 - 7 * ?3)
             FROM proposals p LEFT JOIN proposal_counts c ON c.proposal = p.id
             WHERE p.space = ?1 AND p.deleted = 0",
            )?
            .query_row(rusqlite::params![space, now, day], |row| {
                Ok(SpaceCounts {
                    proposals: row.get(0)?,
                    active_proposals: row.get(1)?,
                    proposals_1d: row.get(2)?,
                    proposals_7d: row.get(3)?,
                    proposals_30d: row.get(4)?,
                    votes: row.get(5)?,
                    votes_7d: row.get(6)?,
                    followers: row.get(7)?,
                    followers_7d: row.get(8)?,
                })
            })?)
    }

    /// A user's votes, proposals and last vote across spaces.
    pub fn user_counts(&self, user: &str) -> Result<UserCounts, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT
               (SELECT COUNT(*) FROM votes WHERE voter = ?1),
               (SELECT COUNT(*) FROM proposals WHERE author = ?1 AND deleted = 0),
               (SELECT MAX(created) FROM votes WHERE voter = ?1)",
            )?
            .query_row([user], |row| {
                Ok(UserCounts {
                    votes: row.get(0)?,
                    proposals: row.get(1)?,
                    last_vote: row.get(2)?,
                })
            })?)
    }

    /// How many live spaces use each value `item` gives of their settings
    /// (a strategy name, a plugin, a network, a skin, a validation).
    pub fn settings_usage(&self, item: &'static str) -> Result<Vec<(String, i64)>, StoreError> {
        let sql = match item {
            "strategy" => {
                "SELECT json_extract(j.value, '$.name') AS v, COUNT(DISTINCT s.id) FROM spaces s,
                   json_each(s.settings, '$.strategies') j WHERE s.deleted = 0 AND v IS NOT NULL GROUP BY v"
            }
            "plugin" => {
                "SELECT j.key AS v, COUNT(DISTINCT s.id) FROM spaces s, json_each(s.settings, '$.plugins') j
                 WHERE s.deleted = 0 GROUP BY v"
            }
            "network" => {
                "SELECT json_extract(s.settings, '$.network') AS v, COUNT(*) FROM spaces s
                 WHERE s.deleted = 0 AND v IS NOT NULL GROUP BY v"
            }
            "skin" => {
                "SELECT json_extract(s.settings, '$.skin') AS v, COUNT(*) FROM spaces s
                 WHERE s.deleted = 0 AND v IS NOT NULL AND v != '' GROUP BY v"
            }
            _ => {
                "SELECT json_extract(s.settings, '$.validation.name') AS v, COUNT(*) FROM spaces s
                 WHERE s.deleted = 0 AND v IS NOT NULL GROUP BY v"
            }
        };
        let mut statement = self.conn.prepare_cached(sql)?;
        let rows = statement
            .query_map([], |row| {
                let value: rusqlite::types::Value = row.get(0)?;
                let text = match value {
                    Sql::Text(text) => text,
                    Sql::Integer(n) => n.to_string(),
                    Sql::Real(x) => x.to_string(),
                    _ => String::new(),
                };
                Ok((text, row.get(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_bind_every_value_and_empty_lists_match_nothing() {
        let mut filter = Filter::default();
        filter.eq("v.space", "a.eth".to_string());
        filter.one_of::<String>("v.voter", vec![]);
        filter.none_of::<String>("v.app", vec![]);
        filter.cmp("v.created", Cmp::Gte, 5);
        filter.contains("p.title", "50%_off\\");
        assert_eq!(
            filter.where_clause("1"),
            "WHERE 1 AND v.space = ? AND 0 AND 0 AND v.created >= ? AND p.title LIKE ? ESCAPE '\\'"
        );
        assert_eq!(filter.params.len(), 3);
        assert_eq!(filter.params[2], Sql::Text("%50\\%\\_off\\\\%".to_string()));
        let page = Page {
            first: 20,
            skip: 40,
            order_by: "v.vp",
            tie: "v.id",
            descending: true,
            tie_follows: false,
        };
        assert_eq!(
            page.sql(),
            "ORDER BY v.vp DESC, v.id ASC LIMIT 20 OFFSET 40"
        );
    }

    /// Every Snapshot client's votes page (a proposal's votes with power,
    /// by power) reads `votes_by_vp` alone, never a table row: under ingest
    /// each table row cost a page read.
    #[test]
    fn the_votes_page_reads_the_index_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("votehub.sqlite")).unwrap();
        let conn = store.write_connection().unwrap();
        let mut filter = Filter::default();
        filter.eq("v.proposal", "0xabc".to_string());
        filter.cmp("v.vp", Cmp::Gt, 0.0);
        let page = Page {
            first: 1000,
            skip: 0,
            order_by: "v.vp",
            tie: "v.id",
            descending: true,
            tie_follows: false,
        };
        let mut statement = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {}", votes_sql(&filter, &page)))
            .unwrap();
        let plan: Vec<String> = statement
            .query_map(params_from_iter(filter.params.iter()), |row| row.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let plan = plan.join("\n");
        assert!(plan.contains("COVERING INDEX votes_by_vp"), "{plan}");
    }
}
