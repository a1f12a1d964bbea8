//! The court's read replies (docs/court-messages.md, "Reads"): a space's
//! court, one case, and the pool a case's jury is or would be drawn from.

use serde::Serialize;

use super::{ReadError, Reads};
use crate::clock::unix_now;
use crate::court::{self, CourtError, ElectionState, EligibilityError};
use crate::jury::case::{Ballot, Case, Drawn, Judgement, Ruling, Seating, Settlement, Stage};
use crate::jury::messages::Response;
use crate::jury::roles::Holding;
use crate::jury::settings::CourtSettings;
use crate::protocol::rejection::CourtRefusal;
use crate::protocol::signature::Address;

/// The version every court reply carries in `format`.
pub const CASE_FORMAT: &str = "votehub-case/1";
pub const COURT_FORMAT: &str = "votehub-court/1";

impl From<CourtError> for ReadError {
    fn from(err: CourtError) -> Self {
        match err {
            CourtError::Store(err) => ReadError::Store(err),
            corrupt => ReadError::Task(corrupt.to_string()),
        }
    }
}

/// A space's court: settings, roles, elections, pool and cases.
#[derive(Debug, Serialize)]
pub struct CourtView {
    pub format: &'static str,
    pub space: String,
    pub now: i64,
    pub settings: CourtSettings,
    /// Every holding, current or lapsed, with the election behind it.
    pub roles: Vec<RoleView>,
    pub elections: Vec<ElectionState>,
    /// Volunteers serving now.
    pub pool: Vec<VolunteerView>,
    /// Newest first (at most 1,000).
    pub cases: Vec<CaseSummary>,
}

#[derive(Debug, Serialize)]
pub struct RoleView {
    #[serde(flatten)]
    pub holding: Holding,
    pub active: bool,
}

#[derive(Debug, Serialize)]
pub struct VolunteerView {
    pub address: Address,
    pub since: i64,
    pub until: i64,
}

#[derive(Debug, Serialize)]
pub struct CaseSummary {
    pub id: String,
    pub claimant: Address,
    pub respondent: Address,
    pub stage: Stage,
    pub filed: i64,
    pub overdue: bool,
}

/// One case as it stands at `now`.
#[derive(Debug, Serialize)]
pub struct CaseView {
    pub format: &'static str,
    pub id: String,
    pub space: String,
    pub now: i64,
    pub stage: Stage,
    pub claimant: Address,
    pub respondent: Address,
    pub outcome: String,
    pub filed: i64,
    /// The claim was not accepted within 36 hours of its receipt.
    pub overdue: bool,
    pub arbitrator: Option<Address>,
    pub accepted: Option<i64>,
    pub answer_deadline: Option<i64>,
    pub answer: Option<AnswerView>,
    pub settled: Option<Settlement>,
    pub jury: Option<JuryView>,
    pub draw: Option<Drawn>,
    pub seating: Option<Seating>,
    pub judgements: Vec<Judgement>,
    pub ballots: Vec<Ballot>,
    pub ruling: Option<Ruling>,
    pub closed: Option<i64>,
    /// The case bundle's root CID once the case closed and it was built
    /// (`votehub verify <cid>` re-derives the case from it).
    pub audit_cid: Option<String>,
    /// Every message of the case in receipt order.
    pub messages: Vec<MessageView>,
}

#[derive(Debug, Serialize)]
pub struct AnswerView {
    pub response: &'static str,
    pub at: i64,
    pub id: String,
}

#[derive(Debug, Serialize)]
pub struct JuryView {
    pub opened: i64,
    pub id: String,
    pub statements: Vec<String>,
    /// The eligibility block.
    pub block: u64,
    /// The committed randomness source.
    pub seed: String,
    pub pool_hash: String,
    pub pool_size: usize,
    pub alternates: u32,
    pub jury_period: i64,
}

#[derive(Debug, Serialize)]
pub struct MessageView {
    pub id: String,
    pub ipfs: String,
    pub kind: String,
    pub author: Address,
    pub timestamp: i64,
    pub received: i64,
}

/// A case's pool: published when its jury opened, else who is eligible now.
#[derive(Debug, Serialize)]
pub struct PoolView {
    pub published: bool,
    pub block: u64,
    /// SHA-256 of `csv`: what `open-jury` signs as `pool`.
    pub hash: String,
    pub size: usize,
    /// `address,weight` lines in canonical order (`votehub jury draw --pool`).
    pub csv: String,
}

fn case_view(space: &str, case: &Case, now: i64, audit_cid: Option<String>) -> CaseView {
    CaseView {
        format: CASE_FORMAT,
        id: case.id.clone(),
        space: space.into(),
        now,
        stage: case.stage(now),
        claimant: case.claimant,
        respondent: case.respondent,
        outcome: case.outcome.clone(),
        filed: case.filed,
        overdue: case.overdue(now),
        arbitrator: case.arbitrator(),
        accepted: case.accepted.map(|(_, at)| at),
        answer_deadline: case.answer_deadline(),
        answer: case.answer.as_ref().map(|answer| AnswerView {
            response: match answer.response {
                Response::Settle => "settle",
                Response::Counterclaim => "counterclaim",
            },
            at: answer.at,
            id: answer.id.clone(),
        }),
        settled: case.settled.clone(),
        jury: case.jury.as_ref().map(|jury| JuryView {
            opened: jury.opened,
            id: jury.id.clone(),
            statements: jury.statements.clone(),
            block: jury.block,
            seed: jury.seed.to_string(),
            pool_hash: format!("0x{}", hex::encode(jury.pool.hash())),
            pool_size: jury.pool.len(),
            alternates: jury.alternates,
            jury_period: jury.period,
        }),
        draw: case.drawn.clone(),
        seating: case.seating(now),
        judgements: case.judgements.clone(),
        ballots: case.ballots.clone(),
        ruling: case.ruling(now),
        closed: case.closed(now),
        audit_cid,
        messages: case
            .events
            .iter()
            .map(|event| MessageView {
                id: event.id.clone(),
                ipfs: event.ipfs.clone(),
                kind: event.message.kind().as_str().to_string(),
                author: event.author,
                timestamp: event.timestamp,
                received: event.received,
            })
            .collect(),
    }
}

/// One case as it stands at `now`, from a read snapshot (also `votehub jury case`).
pub fn case_reply(
    db: &crate::store::Db<'_>,
    space: &str,
    id: &str,
    now: i64,
) -> Result<Option<CaseView>, ReadError> {
    let Some(case) = court::case(db, space, &id.to_lowercase())? else {
        return Ok(None);
    };
    let audit_cid = db.case_bundle(&case.id)?;
    Ok(Some(case_view(space, &case, now, audit_cid)))
}

impl Reads {
    pub async fn court(&self, space: String) -> Result<CourtView, ReadError> {
        let now = unix_now();
        self.run(move |db| {
            if db.space(&space)?.is_none_or(|row| row.deleted) {
                return Err(ReadError::NotFound("space"));
            }
            let roles = court::role_holdings(db, &space, now)?
                .into_iter()
                .map(|holding| RoleView {
                    active: holding.since <= now && now < holding.until,
                    holding,
                })
                .collect();
            let pool = court::volunteers(db, &space)?
                .at(now)
                .map(|(address, term)| VolunteerView {
                    address,
                    since: term.since,
                    until: term.until,
                })
                .collect();
            let mut cases = Vec::new();
            for claim in court::claims(db, &space, 1000)? {
                if let Some(case) = court::case(db, &space, &claim.id)? {
                    cases.push(CaseSummary {
                        id: case.id.clone(),
                        claimant: case.claimant,
                        respondent: case.respondent,
                        stage: case.stage(now),
                        filed: case.filed,
                        overdue: case.overdue(now),
                    });
                }
            }
            Ok(CourtView {
                format: COURT_FORMAT,
                settings: court::settings(db, &space)?,
                elections: court::elections(db, &space, now)?,
                space,
                now,
                roles,
                pool,
                cases,
            })
        })
        .await
    }

    /// Who holds `role` in `space` now (the case page shows the
    /// acceptance task to them).
    pub async fn role_holders(
        &self,
        space: String,
        role: &'static str,
    ) -> Result<Vec<Address>, ReadError> {
        let now = unix_now();
        self.run(move |db| {
            Ok(court::role_holdings(db, &space, now)?
                .into_iter()
                .filter(|holding| holding.holds(role, &holding.holder, now))
                .map(|holding| holding.holder)
                .collect())
        })
        .await
    }

    pub async fn case(&self, space: String, id: String) -> Result<CaseView, ReadError> {
        let now = unix_now();
        self.run(move |db| case_reply(db, &space, &id, now)?.ok_or(ReadError::NotFound("case")))
            .await
    }

    /// The published pool of an opened jury, or the pool eligible now with
    /// holdings at `block` (what the arbitrator signs when opening it).
    pub async fn case_pool(
        &self,
        space: String,
        id: String,
        block: Option<u64>,
    ) -> Result<Result<PoolView, CourtRefusal>, ReadError> {
        let now = unix_now();
        let chains = self.chains.clone();
        self.run(move |db| {
            let case =
                court::case(db, &space, &id.to_lowercase())?.ok_or(ReadError::NotFound("case"))?;
            let (published, block, pool) = match &case.jury {
                Some(jury) => (true, jury.block, jury.pool.clone()),
                None => {
                    let weighted = court::settings(db, &space)?.weighting
                        == crate::jury::settings::Weighting::Holdings;
                    let block = match block {
                        Some(block) => block,
                        None if weighted => {
                            return Ok(Err(CourtRefusal::Holdings(
                                "holdings are read at the eligibility block: give ?block=N".into(),
                            )))
                        }
                        None => 0,
                    };
                    let space_settings = db
                        .space(&space)?
                        .map(|row| row.settings.clone())
                        .unwrap_or_default();
                    let pool = court::eligible_pool(
                        db,
                        &space,
                        &case,
                        case.arbitrator(),
                        now,
                        |members| {
                            crate::power::whole_tokens(db, &chains, &space_settings, block, members)
                        },
                    );
                    match pool {
                        Ok(pool) => (false, block, std::sync::Arc::new(pool)),
                        Err(EligibilityError::Refused(refusal)) => return Ok(Err(refusal)),
                        Err(EligibilityError::Court(err)) => return Err(err.into()),
                    }
                }
            };
            Ok(Ok(PoolView {
                published,
                block,
                hash: format!("0x{}", hex::encode(pool.hash())),
                size: pool.len(),
                csv: pool.to_csv(),
            }))
        })
        .await
    }
}
