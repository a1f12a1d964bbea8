//! A proposal's result: its votes counted under its voting type, plus the
//! quorum and the outcome. A pure function of the proposal's terms, its
//! space's `hideAbstain`, its current votes and the clock (which only decides
//! `pending` or `final`): the same inputs give byte-identical JSON.

use serde::Serialize;
use serde_json::Value;

use super::{Ballot, VotingType};

/// What counting needs of a vote.
#[derive(Debug, Clone)]
pub struct CountedVote {
    pub choice: Value,
    pub vp: f64,
    pub vp_by_strategy: Vec<f64>,
}

/// A counted vote with its place in the canonical counting order.
#[derive(Debug, Clone)]
pub struct Placed {
    /// The signed `timestamp` of the vote message.
    pub timestamp: i64,
    /// The message id (`0x` + 64 lowercase hex).
    pub id: String,
    pub vote: CountedVote,
}

/// Puts votes in the canonical counting order: by signed timestamp, then by
/// id (bytewise), both ascending. Float sums run in input order, so every
/// count of a proposal (the store's `counted_votes`, which sorts the same way
/// in SQL, and the verifier) must feed its votes in this order for results to
/// agree to the bit.
pub fn in_counting_order(mut votes: Vec<Placed>) -> Vec<CountedVote> {
    votes.sort_by(|a, b| (a.timestamp, a.id.as_str()).cmp(&(b.timestamp, b.id.as_str())));
    votes.into_iter().map(|placed| placed.vote).collect()
}

/// What a result needs of its proposal.
#[derive(Debug, Clone, Copy)]
pub struct Terms<'a> {
    pub id: &'a str,
    /// The proposal's `type` as signed (shown in the result as is).
    pub kind: &'a str,
    /// `kind` parsed once; an unknown type counts as `custom`.
    pub voting_type: VotingType,
    pub choices: &'a [String],
    /// Number of strategies.
    pub strategies: usize,
    pub quorum: f64,
    pub quorum_type: &'a str,
    pub end: i64,
}

/// Whether votes may still change a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScoresState {
    /// Votes may still arrive (or the finalize delay has not passed).
    Pending,
    /// Frozen: the proposal ended more than the finalize delay ago.
    Final,
}

impl ScoresState {
    /// The wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            ScoresState::Pending => "pending",
            ScoresState::Final => "final",
        }
    }

    /// Parses a stored name; anything else is `pending` (recounted).
    pub fn parse(text: &str) -> ScoresState {
        if text == "final" {
            ScoresState::Final
        } else {
            ScoresState::Pending
        }
    }
}

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
    pub scores_state: ScoresState,
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
    proposal: &Terms<'_>,
    votes: &[CountedVote],
    hide_abstain: bool,
    now: i64,
    finalize_delay: i64,
) -> ProposalResult {
    let ballots: Vec<Ballot<'_>> = votes
        .iter()
        .map(|v| Ballot {
            choice: &v.choice,
            balance: v.vp,
            scores: &v.vp_by_strategy,
        })
        .collect();
    let voting_type = proposal.voting_type;
    let tally = voting_type.tally(proposal.choices.len(), proposal.strategies, &ballots);
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
        proposal: proposal.id.to_string(),
        kind: proposal.kind.to_string(),
        choices: proposal.choices.to_vec(),
        scores: tally.scores,
        scores_by_strategy: tally.scores_by_strategy,
        scores_total: tally.scores_total,
        scores_state: if now > proposal.end + finalize_delay {
            ScoresState::Final
        } else {
            ScoresState::Pending
        },
        votes: votes.len(),
        quorum: proposal.quorum,
        quorum_type: if proposal.quorum_type.is_empty() {
            "default".into()
        } else {
            proposal.quorum_type.to_string()
        },
        quorum_votes,
        outcome,
    }
}

fn for_beats_against(scores: &[f64]) -> bool {
    scores.first().copied().unwrap_or(0.0) > scores.get(1).copied().unwrap_or(0.0)
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

    fn proposal<'a>(
        kind: &'a str,
        choices: &'a [String],
        quorum: f64,
        quorum_type: &'a str,
    ) -> Terms<'a> {
        Terms {
            id: "0xp",
            kind,
            voting_type: VotingType::parse(kind).unwrap_or(VotingType::Custom),
            choices,
            strategies: 1,
            quorum,
            quorum_type,
            end: 100,
        }
    }

    fn names(choices: &[&str]) -> Vec<String> {
        choices.iter().map(|c| c.to_string()).collect()
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
        let choices = names(&["For", "Against", "Abstain"]);
        let p = proposal("basic", &choices, 10.0, "");
        let votes = vec![
            vote("a", json!(1), 6.0),
            vote("b", json!(2), 2.0),
            vote("c", json!(3), 3.0),
        ];
        let counted = compute(&p, &votes, false, 50, 0);
        assert_eq!(counted.scores, vec![6.0, 2.0, 3.0]);
        assert_eq!(counted.scores_state, ScoresState::Pending);
        assert_eq!(counted.quorum_votes, 11.0);
        assert_eq!(counted.outcome.as_deref(), Some("passed"));
        let hidden = compute(&p, &votes, true, 150, 0);
        assert_eq!(hidden.quorum_votes, 8.0);
        assert_eq!(hidden.outcome.as_deref(), Some("failed"));
        assert_eq!(hidden.scores_state, ScoresState::Final);
        // Within the finalize delay after the end, the result stays pending.
        assert_eq!(
            compute(&p, &votes, true, 150, FINALIZE_DELAY).scores_state,
            ScoresState::Pending
        );
        assert_eq!(
            compute(&p, &votes, true, 100 + FINALIZE_DELAY + 1, FINALIZE_DELAY).scores_state,
            ScoresState::Final
        );
    }

    #[test]
    fn rejection_quorum_counts_against_only() {
        let choices = names(&["For", "Against", "Abstain"]);
        let p = proposal("basic", &choices, 5.0, "rejection");
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
        let choices = names(&["A", "B"]);
        let p = proposal("single-choice", &choices, 0.0, "");
        let counted = compute(&p, &[vote("a", json!(2), 1.0)], false, 50, 0);
        assert_eq!(counted.outcome, None);
        assert_eq!(counted.quorum_type, "default");
    }

    #[test]
    fn same_inputs_same_bytes_in_any_order() {
        let choices = names(&["A", "B", "C"]);
        let p = proposal("approval", &choices, 2.0, "");
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

    #[test]
    fn the_counting_order_is_signed_time_then_id_whatever_the_input_order() {
        let placed = |timestamp: i64, id: &str, vp: f64| Placed {
            timestamp,
            id: id.to_string(),
            vote: vote(id, json!(1), vp),
        };
        let ordered = in_counting_order(vec![
            placed(20, "0x01", 3.0),
            placed(10, "0xff", 2.0),
            placed(10, "0x0a", 1.0),
        ]);
        let powers: Vec<f64> = ordered.iter().map(|v| v.vp).collect();
        assert_eq!(powers, [1.0, 2.0, 3.0]);
    }
}
