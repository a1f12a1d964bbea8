//! A proposal's current result, kept in the store: counted
//! (`crate::tally::outcome`) when votes changed, frozen once final.

use crate::protocol::settings::hides_abstain;
use crate::store::writer::{WriteError, Writer};
use crate::store::{Db, ProposalRow, Store, StoreError, StoredResult};
use crate::tally::outcome::{compute, ScoresState};

/// Above this many counted votes, a pending result is recounted at most
/// every [`RECOUNT_INTERVAL`] seconds: a million-vote proposal under load
/// would otherwise be recounted by every read (the votes change between
/// any two reads). Small proposals are always exact.
pub const LARGE_PROPOSAL: i64 = 10_000;
/// Seconds a large proposal's pending result is served before a recount.
pub const RECOUNT_INTERVAL: i64 = 10;

/// Whether a count over a proposal's votes (its result, its vote timeline),
/// made at `computed` when the proposal had `kept_changes` vote changes, may
/// still be served at `now`: no vote changed since, or the proposal is large,
/// still open, and the count younger than [`RECOUNT_INTERVAL`].
pub fn kept_count_serves(
    proposal: &ProposalRow,
    kept_changes: i64,
    computed: i64,
    now: i64,
) -> bool {
    kept_changes == proposal.vote_changes
        || (proposal.votes > LARGE_PROPOSAL
            && now - computed < RECOUNT_INTERVAL
            && now <= proposal.end)
}

/// Why a result could not be given.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("a counting task failed: {0}")]
    Task(String),
}

/// The current result of a proposal (its canonical JSON and state), or
/// `None` for an unknown proposal. A stored `final` result is returned as it is; a `pending`
/// one is reused while no vote changed (or, for a proposal above
/// [`LARGE_PROPOSAL`] votes, for [`RECOUNT_INTERVAL`] seconds); otherwise the
/// votes are counted again and the result stored (frozen once the proposal
/// has ended and `finalize_delay` seconds have passed).
pub async fn current(
    store: &Store,
    writer: Option<&Writer>,
    id: &str,
    now: i64,
    finalize_delay: i64,
) -> Result<Option<StoredResult>, ResultsError> {
    let store = store.clone();
    let id = id.to_string();
    let counted = tokio::task::spawn_blocking(
        move || -> Result<Option<(String, StoredResult, bool)>, ResultsError> {
            let reader = store.reader()?;
            let snapshot = reader.snapshot()?;
            let db = Db::new(&snapshot);
            let Some(proposal) = db.proposal(&id)? else {
                return Ok(None);
            };
            if let Some(stored) = db.result(&id)? {
                let fresh = kept_count_serves(&proposal, stored.vote_changes, stored.computed, now)
                    && now <= proposal.end + finalize_delay;
                if stored.state == ScoresState::Final || fresh {
                    return Ok(Some((id, stored, false)));
                }
            }
            let hide_abstain = db
                .space(&proposal.space)?
                .is_some_and(|space| hides_abstain(&space.settings));
            let votes = db.counted_votes(&id)?;
            let result = compute(&proposal.terms(), &votes, hide_abstain, now, finalize_delay);
            let stored = StoredResult {
                vote_changes: proposal.vote_changes,
                computed: now,
                state: result.scores_state,
                json: result.to_json(),
            };
            Ok(Some((id, stored, true)))
        },
    )
    .await
    .map_err(|err| ResultsError::Task(err.to_string()))??;
    let Some((id, stored, changed)) = counted else {
        return Ok(None);
    };
    if let (true, Some(writer)) = (changed, writer) {
        let to_store = stored.clone();
        writer
            .submit(Box::new(move |db| Ok(db.put_result(&id, &to_store, now)?)))
            .await?;
    }
    Ok(Some(stored))
}
