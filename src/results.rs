//! A proposal's result: its votes counted under its voting type, the quorum
//! and the outcome. A pure function of the proposal, its space's
//! `hideAbstain`, its current votes and the clock (which only decides
//! `pending` or `final`): the same inputs give byte-identical JSON.

use serde::Serialize;
use serde_json::Value;

use crate::rejection::Rejection;
use crate::store::{writer::Writer, CountedVote, Db, ProposalRow, Store, StoredResult};
use crate::tally::{Ballot, VotingType};

/// The hub's result fields, plus the quorum and outcome where set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProposalResult {
    pub proposal: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub choices: Vec<String>,
    pub scores: Vec<f64>,
    pub scores_by_strategy: Vec<Vec<f64>>,
    pub scores_total: f64,
    /// `pending` while votes may still arrive, `final` once the proposal ended.
    pub scores_state: String,
    /// Number of counted voters (one current vote each).
    pub votes: usize,
    pub quorum: f64,
    #[serde(rename = "quorumType")]
    pub quorum_type: String,
    /// The power that counts toward the quorum.
    pub quorum_votes: f64,
    /// `passed` or `failed` when the proposal has a quorum or is `basic`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

/// Seconds after a proposal's end before its result is final (Snapshot's
/// `FINALIZE_SCORE_SECONDS_DELAY`): a vote accepted at the last second may
/// still be committing when the proposal ends.
pub const FINALIZE_DELAY: i64 = 60;

/// Counts `votes` (a proposal's current votes, any order) for `proposal`;
/// the result is `final` once `now` is past `end + finalize_delay`.
pub fn compute(
    proposal: &ProposalRow,
    votes: &[CountedVote],
    hide_abstain: bool,
    now: i64,
    finalize_delay: i64,
) -> ProposalResult {
    let n_strategies = proposal.strategies.as_array().map_or(0, Vec::len);
    let ballots: Vec<Ballot<'_>> = votes
        .iter()
        .map(|v| Ballot {
            choice: &v.choice,
            balance: v.vp,
            scores: &v.vp_by_strategy,
        })
        .collect();
    let voting_type = VotingType::parse(&proposal.kind).unwrap_or(VotingType::Custom);
    let tally = voting_type.tally(proposal.choices.len(), n_strategies, &ballots);
    let rejection = proposal.quorum_type == "rejection";
    let is_basic = voting_type == VotingType::Basic;
    let quorum_votes = if is_basic && rejection {
        tally.scores.get(1).copied().unwrap_or(0.0)
    } else if is_basic && hide_abstain {
        tally
            .scores
            .iter()
            .take(2)
            .fold(0.0, |sum, score| sum + score)
    } else {
        tally.scores_total
    };
    let outcome = (proposal.quorum > 0.0 || is_basic).then(|| {
        let passed = if rejection {
            // A rejection quorum fails the proposal only when enough power votes against.
            quorum_votes < proposal.quorum && (!is_basic || for_beats_against(&tally.scores))
        } else {
            quorum_votes >= proposal.quorum && (!is_basic || for_beats_against(&tally.scores))
        };
        if passed { "passed" } else { "failed" }.to_string()
    });
    ProposalResult {
        proposal: proposal.id.clone(),
        kind: proposal.kind.clone(),
        choices: proposal.choices.clone(),
        scores: tally.scores,
        scores_by_strategy: tally.scores_by_strategy,
        scores_total: tally.scores_total,
        scores_state: if now > proposal.end + finalize_delay {
            "final"
        } else {
            "pending"
        }
        .into(),
        votes: votes.len(),
        quorum: proposal.quorum,
        quorum_type: if proposal.quorum_type.is_empty() {
            "default".into()
        } else {
            proposal.quorum_type.clone()
        },
        quorum_votes,
        outcome,
    }
}

fn for_beats_against(scores: &[f64]) -> bool {
    scores.first().copied().unwrap_or(0.0) > scores.get(1).copied().unwrap_or(0.0)
}

/// The current result of a proposal as canonical JSON, or `None` for an
/// unknown proposal. A stored `final` result is returned as it is; a `pending`
/// one is reused while no vote changed; otherwise the votes are counted again
/// and the result stored (frozen once the proposal has ended and
/// `finalize_delay` seconds have passed).
pub async fn current(
    store: &Store,
    writer: Option<&Writer>,
    id: &str,
    now: i64,
    finalize_delay: i64,
) -> Result<Option<String>, Rejection> {
    let store = store.clone();
    let id = id.to_string();
    let counted = tokio::task::spawn_blocking(
        move || -> Result<Option<(String, StoredResult, bool)>, Rejection> {
            let reader = store.reader()?;
            let snapshot = reader.snapshot()?;
            let db = Db::new(&snapshot);
            let Some(proposal) = db.proposal(&id)? else {
                return Ok(None);
            };
            if let Some(stored) = db.result(&id)? {
                let fresh = stored.vote_changes == proposal.vote_changes
                    && now <= proposal.end + finalize_delay;
                if stored.state == "final" || fresh {
                    return Ok(Some((id, stored, false)));
                }
            }
            let hide_abstain = db
                .space(&proposal.space)?
                .is_some_and(|space| hides_abstain(&space.settings));
            let votes = db.counted_votes(&id)?;
            let result = compute(&proposal, &votes, hide_abstain, now, finalize_delay);
            let stored = StoredResult {
                vote_changes: proposal.vote_changes,
                state: result.scores_state.clone(),
                json: result.to_json(),
            };
            Ok(Some((id, stored, true)))
        },
    )
    .await
    .map_err(|err| Rejection::Internal(err.to_string()))??;
    let Some((id, stored, changed)) = counted else {
        return Ok(None);
    };
    if let (true, Some(writer)) = (changed, writer) {
        let to_store = stored.clone();
        writer
            .submit(Box::new(move |db| Ok(db.put_result(&id, &to_store, now)?)))
            .await?;
    }
    Ok(Some(stored.json))
}

/// `voting.hideAbstain` of a space's settings.
pub fn hides_abstain(settings: &Value) -> bool {
    settings
        .pointer("/voting/hideAbstain")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

impl ProposalResult {
    /// The canonical JSON: fixed field order, shortest round-trip numbers.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn proposal(kind: &str, choices: &[&str], quorum: f64, quorum_type: &str) -> ProposalRow {
        ProposalRow {
            id: "0xp".into(),
            ipfs: String::new(),
            author: String::new(),
            created: 0,
            updated: None,
            space: "s".into(),
            network: "1".into(),
            symbol: String::new(),
            kind: kind.into(),
            strategies: json!([{"name": "ticket"}]),
            validation: json!({}),
            plugins: json!({}),
            title: String::new(),
            body: String::new(),
            discussion: String::new(),
            choices: choices.iter().map(|c| c.to_string()).collect(),
            labels: vec![],
            start: 0,
            end: 100,
            snapshot: 1,
            quorum,
            quorum_type: quorum_type.into(),
            privacy: String::new(),
            app: String::new(),
            flagged: false,
            votes: 0,
            scores_state: "pending".into(),
            vote_changes: 0,
            audit_cid: None,
        }
    }

    fn vote(_voter: &str, choice: Value, vp: f64) -> CountedVote {
        CountedVote {
            choice,
            vp,
            vp_by_strategy: vec![vp],
        }
    }

    #[test]
    fn basic_with_quorum_and_abstain() {
        let p = proposal("basic", &["For", "Against", "Abstain"], 10.0, "");
        let votes = vec![
            vote("a", json!(1), 6.0),
            vote("b", json!(2), 2.0),
            vote("c", json!(3), 3.0),
        ];
        let counted = compute(&p, &votes, false, 50, 0);
        assert_eq!(counted.scores, vec![6.0, 2.0, 3.0]);
        assert_eq!(counted.scores_state, "pending");
        assert_eq!(counted.quorum_votes, 11.0);
        assert_eq!(counted.outcome.as_deref(), Some("passed"));
        let hidden = compute(&p, &votes, true, 150, 0);
        assert_eq!(hidden.quorum_votes, 8.0);
        assert_eq!(hidden.outcome.as_deref(), Some("failed"));
        assert_eq!(hidden.scores_state, "final");
        // Within the finalize delay after the end, the result stays pending.
        assert_eq!(
            compute(&p, &votes, true, 150, FINALIZE_DELAY).scores_state,
            "pending"
        );
        assert_eq!(
            compute(&p, &votes, true, 100 + FINALIZE_DELAY + 1, FINALIZE_DELAY).scores_state,
            "final"
        );
    }

    #[test]
    fn rejection_quorum_counts_against_only() {
        let p = proposal("basic", &["For", "Against", "Abstain"], 5.0, "rejection");
        let passing = compute(
            &p,
            &[vote("a", json!(1), 6.0), vote("b", json!(2), 4.0)],
            false,
            150,
            0,
        );
        assert_eq!(passing.quorum_votes, 4.0);
        assert_eq!(passing.outcome.as_deref(), Some("passed"));
        let rejected = compute(
            &p,
            &[vote("a", json!(1), 6.0), vote("b", json!(2), 5.0)],
            false,
            150,
            0,
        );
        assert_eq!(rejected.outcome.as_deref(), Some("failed"));
    }

    #[test]
    fn no_quorum_no_outcome_for_single_choice() {
        let p = proposal("single-choice", &["A", "B"], 0.0, "");
        let counted = compute(&p, &[vote("a", json!(2), 1.0)], false, 50, 0);
        assert_eq!(counted.outcome, None);
        assert_eq!(counted.quorum_type, "default");
    }

    #[test]
    fn same_inputs_same_bytes_in_any_order() {
        let p = proposal("approval", &["A", "B", "C"], 2.0, "");
        let votes = vec![
            vote("a", json!([1, 2]), 1.5),
            vote("b", json!([3]), 2.25),
            vote("c", json!([]), 1.0),
        ];
        let mut reversed = votes.clone();
        reversed.reverse();
        assert_eq!(
            compute(&p, &votes, false, 50, 0).to_json(),
            compute(&p, &reversed, false, 50, 0).to_json()
        );
    }
}
