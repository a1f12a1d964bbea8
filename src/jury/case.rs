//! One case, replayed from its messages: claim, acceptance, answer,
//! settlements, the jury's opening, the randomness, the eyewitness
//! judgements and the ballots. A pure function of those messages and of
//! time, so the server, the verifier and anyone else derive the same stage,
//! seats and ruling. Rules about roles and chains (is the signer an
//! arbitrator? does the pool hash match? is the randomness genuine?) are
//! checked before a message is applied and recorded as its [`Facts`].

use std::collections::BTreeMap;
use std::sync::Arc;

use super::draw::{draw, Pool};
use super::messages::{CourtMessage, Decision, Response};
use super::seed::SeedSource;
use super::settings::{ACCEPT_WITHIN, ANSWER_WITHIN, JURORS, PANEL, SEED_LEAD};
use crate::protocol::rejection::CourtRefusal;
use crate::protocol::signature::Address;

/// One accepted court message of a case.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: String,
    pub ipfs: String,
    /// `message.from`.
    pub author: Address,
    /// The signed timestamp.
    pub timestamp: i64,
    /// When the server received it (seconds).
    pub received: i64,
    pub message: CourtMessage,
    pub facts: Facts,
}

impl Event {
    /// Both clocks before `deadline`: a late signer cannot backdate, a
    /// slow relay cannot stretch a deadline.
    fn before(&self, deadline: i64) -> bool {
        self.received < deadline && self.timestamp < deadline
    }
}

/// What was established outside the message when it was accepted.
#[derive(Debug, Clone, Default)]
pub enum Facts {
    #[default]
    None,
    /// `open-jury`: the eligible pool whose hash was signed, and the
    /// space's settings then.
    Jury {
        pool: Arc<Pool>,
        alternates: u32,
        jury_period: i64,
    },
    /// `randomness`: the verified 32-byte seed.
    Seed([u8; 32]),
}

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Waiting for an arbitrator.
    Filed,
    /// Waiting for the respondent's answer.
    Accepted,
    /// A counterclaim, or no answer in time: the arbitrator may open the jury.
    Impasse,
    /// Jury opened, waiting for the committed randomness.
    Drawing,
    /// Jurors drawn: panels judge, jurors vote.
    Voting,
    Ruled,
    Settled,
}

/// How a case was settled.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Settlement {
    /// The claimant's outcome (the respondent accepted it) or the terms
    /// both parties signed.
    pub terms: String,
    pub at: i64,
    /// The message that completed it.
    pub by: String,
}

/// The respondent's answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub response: Response,
    pub at: i64,
    pub id: String,
}

/// The jury phase as the arbitrator opened it.
#[derive(Debug, Clone)]
pub struct Jury {
    pub opened: i64,
    pub id: String,
    pub statements: Vec<String>,
    pub block: u64,
    pub pool: Arc<Pool>,
    pub seed: SeedSource,
    pub alternates: u32,
    pub period: i64,
}

/// The draw, once the randomness is known.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Drawn {
    pub at: i64,
    #[serde(serialize_with = "hex32")]
    pub seed: [u8; 32],
    pub jurors: Vec<Address>,
    pub alternates: Vec<Address>,
    /// One panel of eyewitnesses per statement.
    pub panels: Vec<Vec<Address>>,
}

fn hex32<S: serde::Serializer>(bytes: &[u8; 32], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&format_args!("0x{}", hex::encode(bytes)))
}

/// An eyewitness's judgement of one statement.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Judgement {
    pub statement: u32,
    pub panelist: Address,
    pub reasonable: bool,
    pub note: String,
    pub at: i64,
    pub id: String,
}

/// A juror's ballot.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Ballot {
    pub juror: Address,
    #[serde(flatten)]
    pub decision: Decision,
    pub at: i64,
    pub id: String,
}

/// Who held a seat when.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Tenure {
    pub holder: Address,
    pub from: i64,
    pub until: i64,
}

/// One of the three seats.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Seat {
    pub tenures: Vec<Tenure>,
    /// Index into the case's ballots.
    pub ballot: Option<usize>,
    /// No alternate was left when its holder missed the deadline.
    pub closed: bool,
}

/// The seats at some time.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Seating {
    pub seats: Vec<Seat>,
    /// Every seat voted or closed.
    pub complete: bool,
}

/// The jury's decision.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Ruling {
    /// Two jurors agree.
    pub majority: bool,
    /// The decision two jurors share; `None` when no two agree, in which
    /// case the claim is not upheld (the respondent's outcome stands).
    #[serde(flatten)]
    pub decision: Option<Decision>,
    pub at: i64,
}

/// What a closed case came to, evaluated at its closing time: what a case
/// bundle records and a verifier re-derives.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Outcome {
    pub stage: Stage,
    pub closed: i64,
    pub settled: Option<Settlement>,
    pub draw: Option<Drawn>,
    pub seating: Option<Seating>,
    pub ruling: Option<Ruling>,
}

/// A case and everything that happened in it.
#[derive(Debug, Clone)]
pub struct Case {
    pub id: String,
    pub claimant: Address,
    pub respondent: Address,
    pub outcome: String,
    pub filed: i64,
    /// The arbitrator who accepted it, and when.
    pub accepted: Option<(Address, i64)>,
    pub answer: Option<Answer>,
    /// Each party's latest proposed settlement terms.
    pub offers: BTreeMap<Address, String>,
    pub settled: Option<Settlement>,
    pub jury: Option<Jury>,
    pub drawn: Option<Drawn>,
    pub judgements: Vec<Judgement>,
    pub ballots: Vec<Ballot>,
    /// Every message of the case in order, the claim first.
    pub events: Vec<Event>,
}

impl Case {
    /// A case from its claim.
    pub fn open(claim: Event) -> Result<Case, CourtRefusal> {
        let CourtMessage::Claim {
            respondent,
            outcome,
            ..
        } = &claim.message
        else {
            return Err(CourtRefusal::UnknownCase);
        };
        if *respondent == claim.author {
            return Err(CourtRefusal::SelfClaim);
        }
        Ok(Case {
            id: claim.id.clone(),
            claimant: claim.author,
            respondent: *respondent,
            outcome: outcome.clone(),
            filed: claim.received,
            accepted: None,
            answer: None,
            offers: BTreeMap::new(),
            settled: None,
            jury: None,
            drawn: None,
            judgements: Vec::new(),
            ballots: Vec::new(),
            events: vec![claim],
        })
    }

    /// Replays a case from its messages in receipt order, the claim first.
    pub fn replay(events: impl IntoIterator<Item = Event>) -> Result<Case, CourtRefusal> {
        let mut events = events.into_iter();
        let mut case = Case::open(events.next().ok_or(CourtRefusal::UnknownCase)?)?;
        for event in events {
            case.apply(event)?;
        }
        Ok(case)
    }

    pub fn is_party(&self, address: &Address) -> bool {
        *address == self.claimant || *address == self.respondent
    }

    /// The arbitrator running the case.
    pub fn arbitrator(&self) -> Option<Address> {
        self.accepted.map(|(arbitrator, _)| arbitrator)
    }

    /// The respondent answers before this.
    pub fn answer_deadline(&self) -> Option<i64> {
        self.accepted.map(|(_, at)| at + ANSWER_WITHIN)
    }

    /// Not accepted within 36 hours of the claim's receipt (by `now`, or
    /// accepted later than that).
    pub fn overdue(&self, now: i64) -> bool {
        let due = self.filed + ACCEPT_WITHIN;
        match self.accepted {
            Some((_, at)) => at >= due,
            None => now >= due,
        }
    }

    pub fn stage(&self, now: i64) -> Stage {
        if self.settled.is_some() {
            Stage::Settled
        } else if self.ruling(now).is_some() {
            Stage::Ruled
        } else if self.drawn.is_some() {
            Stage::Voting
        } else if self.jury.is_some() {
            Stage::Drawing
        } else if self.accepted.is_none() {
            Stage::Filed
        } else if self.impasse(now) {
            Stage::Impasse
        } else {
            Stage::Accepted
        }
    }

    fn impasse(&self, now: i64) -> bool {
        match &self.answer {
            Some(answer) => answer.response == Response::Counterclaim,
            None => self
                .answer_deadline()
                .is_some_and(|deadline| now >= deadline),
        }
    }

    /// The case's closing time and whether it is closed at `now`.
    pub fn closed(&self, now: i64) -> Option<i64> {
        self.settled
            .as_ref()
            .map(|settled| settled.at)
            .or_else(|| self.ruling(now).map(|ruling| ruling.at))
    }

    /// The outcome once closed by `now`, evaluated at the closing time.
    pub fn outcome(&self, now: i64) -> Option<Outcome> {
        let closed = self.closed(now)?;
        Some(Outcome {
            stage: self.stage(closed),
            closed,
            settled: self.settled.clone(),
            draw: self.drawn.clone(),
            seating: self.seating(closed),
            ruling: self.ruling(closed),
        })
    }

    /// Checks `event` against the case at its receipt time and records it.
    pub fn apply(&mut self, event: Event) -> Result<(), CourtRefusal> {
        let at = event.received;
        if event.message.case() != Some(self.id.as_str()) {
            return Err(CourtRefusal::UnknownCase);
        }
        if self.closed(at).is_some() {
            return Err(CourtRefusal::CaseClosed);
        }
        match (&event.message, &event.facts) {
            (CourtMessage::Accept { .. }, _) => {
                if self.accepted.is_some() {
                    return Err(CourtRefusal::AlreadyAccepted);
                }
                if self.is_party(&event.author) {
                    return Err(CourtRefusal::PartyArbitrator);
                }
                self.accepted = Some((event.author, at));
            }
            (
                CourtMessage::Answer {
                    response,
                    counterclaim: _,
                    ..
                },
                _,
            ) => {
                let deadline = self.answer_deadline().ok_or(CourtRefusal::NotAccepted)?;
                if event.author != self.respondent {
                    return Err(CourtRefusal::NotRespondent);
                }
                if self.answer.is_some() {
                    return Err(CourtRefusal::AlreadyAnswered);
                }
                if self.jury.is_some() || !event.before(deadline) {
                    return Err(CourtRefusal::AnswerLate);
                }
                if *response == Response::Settle {
                    self.settled = Some(Settlement {
                        terms: self.outcome.clone(),
                        at,
                        by: event.id.clone(),
                    });
                }
                self.answer = Some(Answer {
                    response: *response,
                    at,
                    id: event.id.clone(),
                });
            }
            (CourtMessage::Settle { terms, .. }, _) => {
                if !self.is_party(&event.author) {
                    return Err(CourtRefusal::NotParty);
                }
                self.offers.insert(event.author, terms.clone());
                let agreed = self.offers.get(&self.claimant) == self.offers.get(&self.respondent);
                if agreed {
                    self.settled = Some(Settlement {
                        terms: terms.clone(),
                        at,
                        by: event.id.clone(),
                    });
                }
            }
            (
                CourtMessage::OpenJury {
                    statements,
                    block,
                    pool: signed_pool,
                    seed,
                    ..
                },
                Facts::Jury {
                    pool,
                    alternates,
                    jury_period,
                },
            ) => {
                if self.arbitrator() != Some(event.author) {
                    return Err(CourtRefusal::NotCaseArbitrator);
                }
                if self.jury.is_some() {
                    return Err(CourtRefusal::JuryOpened);
                }
                if !self.impasse(at) {
                    return Err(CourtRefusal::NoImpasse);
                }
                if let SeedSource::Drand { round } = seed {
                    let due = super::seed::quicknet::round_time(*round);
                    if due < at.max(event.timestamp) + SEED_LEAD {
                        return Err(CourtRefusal::SeedNotFuture(format!(
                            "quicknet round {round} is due at {due}, less than {SEED_LEAD} s after the jury opens"
                        )));
                    }
                }
                if pool.hash() != *signed_pool {
                    return Err(CourtRefusal::PoolMismatch(format!(
                        "0x{}",
                        hex::encode(pool.hash())
                    )));
                }
                let need = JURORS + if statements.is_empty() { 0 } else { PANEL };
                if pool.len() < need {
                    return Err(CourtRefusal::PoolTooSmall {
                        have: pool.len(),
                        need,
                    });
                }
                for party in [self.claimant, self.respondent, event.author] {
                    if pool.contains(party.as_bytes()) {
                        return Err(CourtRefusal::PoolMismatch(format!(
                            "the pool must leave out {party}"
                        )));
                    }
                }
                self.jury = Some(Jury {
                    opened: at,
                    id: event.id.clone(),
                    statements: statements.clone(),
                    block: *block,
                    pool: Arc::clone(pool),
                    seed: *seed,
                    alternates: *alternates,
                    period: *jury_period,
                });
            }
            (CourtMessage::Randomness { .. }, Facts::Seed(seed)) => {
                let jury = self.jury.as_ref().ok_or(CourtRefusal::JuryNotOpened)?;
                if self.drawn.is_some() {
                    return Err(CourtRefusal::RandomnessGiven);
                }
                self.drawn = Some(draw_case(&self.id, jury, seed, at));
            }
            (
                CourtMessage::Judgement {
                    statement,
                    reasonable,
                    note,
                    ..
                },
                _,
            ) => {
                let drawn = self.drawn.as_ref().ok_or(CourtRefusal::NotDrawn)?;
                let panel = drawn
                    .panels
                    .get(*statement as usize)
                    .ok_or(CourtRefusal::UnknownStatement)?;
                if !panel.contains(&event.author) {
                    return Err(CourtRefusal::NotPanelist);
                }
                if self
                    .judgements
                    .iter()
                    .any(|j| j.statement == *statement && j.panelist == event.author)
                {
                    return Err(CourtRefusal::AlreadyJudged);
                }
                self.judgements.push(Judgement {
                    statement: *statement,
                    panelist: event.author,
                    reasonable: *reasonable,
                    note: note.clone(),
                    at,
                    id: event.id.clone(),
                });
            }
            (CourtMessage::Ballot { decision, .. }, _) => {
                let seating = self.seating(at).ok_or(CourtRefusal::NotDrawn)?;
                let seat = seating
                    .seats
                    .iter()
                    .find(|seat| {
                        !seat.closed
                            && seat.tenures.last().is_some_and(|tenure| {
                                tenure.holder == event.author
                                    && tenure.from <= at
                                    && event.before(tenure.until)
                            })
                    })
                    .ok_or(CourtRefusal::NotJuror)?;
                if seat.ballot.is_some() {
                    return Err(CourtRefusal::AlreadyBallot);
                }
                self.ballots.push(Ballot {
                    juror: event.author,
                    decision: decision.clone(),
                    at,
                    id: event.id.clone(),
                });
            }
            (CourtMessage::Claim { .. }, _) => return Err(CourtRefusal::CaseClosed),
            _ => return Err(CourtRefusal::UnknownCase),
        }
        self.events.push(event);
        Ok(())
    }

    /// The seats at `now`: the drawn jurors from the draw, and for each
    /// seat whose holder did not vote within a jury period, the next
    /// alternate for the next period; a seat with no alternate left closes.
    pub fn seating(&self, now: i64) -> Option<Seating> {
        let (jury, drawn) = (self.jury.as_ref()?, self.drawn.as_ref()?);
        let period = jury.period.max(1);
        let mut seats: Vec<Seat> = drawn
            .jurors
            .iter()
            .map(|juror| Seat {
                tenures: vec![Tenure {
                    holder: *juror,
                    from: drawn.at,
                    until: drawn.at + period,
                }],
                ballot: None,
                closed: false,
            })
            .collect();
        let mut alternates = drawn.alternates.iter();
        loop {
            for seat in seats.iter_mut().filter(|s| s.ballot.is_none() && !s.closed) {
                let Some(tenure) = seat.tenures.last() else {
                    continue;
                };
                seat.ballot = self.ballots.iter().position(|ballot| {
                    ballot.juror == tenure.holder
                        && tenure.from <= ballot.at
                        && ballot.at < tenure.until
                        && ballot.at <= now
                });
            }
            let open: Vec<usize> = (0..seats.len())
                .filter(|&i| seats[i].ballot.is_none() && !seats[i].closed)
                .collect();
            let Some(end) = open
                .iter()
                .filter_map(|&i| seats[i].tenures.last().map(|t| t.until))
                .min()
            else {
                return Some(Seating {
                    seats,
                    complete: true,
                });
            };
            if now < end {
                return Some(Seating {
                    seats,
                    complete: false,
                });
            }
            for i in open {
                let seat = &mut seats[i];
                if seat.tenures.last().is_some_and(|t| t.until != end) {
                    continue;
                }
                match alternates.next() {
                    Some(alternate) => seat.tenures.push(Tenure {
                        holder: *alternate,
                        from: end,
                        until: end + period,
                    }),
                    None => seat.closed = true,
                }
            }
        }
    }

    /// The ruling at `now`, once two seated jurors agree or every seat has
    /// voted or closed.
    pub fn ruling(&self, now: i64) -> Option<Ruling> {
        let seating = self.seating(now)?;
        let cast: Vec<&Ballot> = seating
            .seats
            .iter()
            .filter_map(|seat| seat.ballot.map(|index| &self.ballots[index]))
            .collect();
        let mut counts: BTreeMap<&Decision, usize> = BTreeMap::new();
        for ballot in &cast {
            *counts.entry(&ballot.decision).or_default() += 1;
        }
        let last_ballot = cast.iter().map(|ballot| ballot.at).max();
        if let Some((decision, _)) = counts.iter().find(|(_, n)| **n >= 2) {
            // The moment the second agreeing ballot arrived.
            let mut agreeing: Vec<i64> = cast
                .iter()
                .filter(|ballot| ballot.decision == **decision)
                .map(|ballot| ballot.at)
                .collect();
            agreeing.sort_unstable();
            return Some(Ruling {
                majority: true,
                decision: Some((*decision).clone()),
                at: agreeing[1],
            });
        }
        if !seating.complete {
            return None;
        }
        let closed_at = seating
            .seats
            .iter()
            .filter(|seat| seat.closed)
            .filter_map(|seat| seat.tenures.last().map(|t| t.until))
            .max();
        Some(Ruling {
            majority: false,
            decision: None,
            at: last_ballot.max(closed_at).unwrap_or(now),
        })
    }
}

/// Draws already made, by a digest of everything they depend on (the
/// pool's hash, the seed, the case id, the alternates asked, the number of
/// statements): a case is replayed for each of its messages, and a draw over
/// a million volunteers copies the pool three times. A pure function's
/// memo, so it is right for any store.
static DRAWS: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<[u8; 32], Drawn>>> =
    std::sync::LazyLock::new(Default::default);
/// Draws kept; the memo is emptied when full.
const DRAWS_KEPT: usize = 256;

/// Jurors and alternates from the pool in draw order, then for each
/// statement a panel from the pool without them, drawn under the case id
/// followed by `/statement/<index>`.
fn draw_case(case: &str, jury: &Jury, seed: &[u8; 32], at: i64) -> Drawn {
    use sha2::{Digest, Sha256};
    let key: [u8; 32] = Sha256::new()
        .chain_update(jury.pool.hash())
        .chain_update(seed)
        .chain_update(jury.alternates.to_be_bytes())
        .chain_update((jury.statements.len() as u64).to_be_bytes())
        .chain_update(case.as_bytes())
        .finalize()
        .into();
    let memo = |draws: &mut std::collections::HashMap<[u8; 32], Drawn>| {
        draws.get(&key).map(|drawn| Drawn {
            at,
            ..drawn.clone()
        })
    };
    let lock = || {
        DRAWS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    if let Some(drawn) = memo(&mut lock()) {
        return drawn;
    }
    let drawn = draw_fresh(case, jury, seed, at);
    let mut draws = lock();
    if draws.len() >= DRAWS_KEPT {
        draws.clear();
    }
    draws.insert(key, drawn.clone());
    drawn
}

fn draw_fresh(case: &str, jury: &Jury, seed: &[u8; 32], at: i64) -> Drawn {
    let panel_reserve = if jury.statements.is_empty() { 0 } else { PANEL };
    let alternates =
        (jury.alternates as usize).min(jury.pool.len().saturating_sub(JURORS + panel_reserve));
    let order = draw(&jury.pool, seed, case, JURORS + alternates);
    let rest = jury.pool.without(&order);
    let panels = (0..jury.statements.len())
        .map(|index| {
            draw(&rest, seed, &format!("{case}/statement/{index}"), PANEL)
                .into_iter()
                .map(Address::from_bytes)
                .collect()
        })
        .collect();
    let mut order = order.into_iter().map(Address::from_bytes);
    let jurors = order.by_ref().take(JURORS).collect();
    Drawn {
        at,
        seed: *seed,
        jurors,
        alternates: order.collect(),
        panels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jury::messages::Response;
    use crate::jury::settings::{ACCEPT_WITHIN, ANSWER_WITHIN};
    use primitive_types::U256;

    const CASE: &str = "0x00000000000000000000000000000000000000000000000000000000000000c1";
    const DAY: i64 = 24 * 3600;
    const WEEK: i64 = 7 * DAY;

    fn a(n: u8) -> Address {
        Address::from_bytes([n; 20])
    }

    fn event(n: usize, author: Address, at: i64, message: CourtMessage, facts: Facts) -> Event {
        Event {
            id: if n == 0 {
                CASE.into()
            } else {
                format!("0xe{n}")
            },
            ipfs: format!("cid{n}"),
            author,
            timestamp: at,
            received: at,
            message,
            facts,
        }
    }

    fn claim() -> Event {
        event(
            0,
            a(1),
            1_000,
            CourtMessage::Claim {
                respondent: a(2),
                outcome: "refund 500".into(),
                grounds: "work not delivered".into(),
                evidence: vec![],
                statement: String::new(),
            },
            Facts::None,
        )
    }

    fn accept(at: i64) -> Event {
        event(
            1,
            a(9),
            at,
            CourtMessage::Accept { case: CASE.into() },
            Facts::None,
        )
    }

    fn answer(at: i64, response: Response) -> Event {
        event(
            2,
            a(2),
            at,
            CourtMessage::Answer {
                case: CASE.into(),
                response,
                counterclaim: "delivered on time".into(),
                evidence: vec![],
                statement: String::new(),
            },
            Facts::None,
        )
    }

    /// Volunteers 20..20+n, uniform.
    fn pool(n: u8) -> Pool {
        Pool::new((20..20 + n).map(|i| (a(i), U256::one()))).unwrap()
    }

    fn open_jury(at: i64, pool: Pool, statements: usize) -> Event {
        event(
            3,
            a(9),
            at,
            CourtMessage::OpenJury {
                case: CASE.into(),
                statements: (0..statements).map(|i| format!("statement {i}")).collect(),
                block: 10,
                pool: pool.hash(),
                seed: SeedSource::Block { number: 11 },
            },
            Facts::Jury {
                pool: Arc::new(pool),
                alternates: 3,
                jury_period: WEEK,
            },
        )
    }

    fn randomness(at: i64) -> Event {
        event(
            4,
            a(1),
            at,
            CourtMessage::Randomness {
                case: CASE.into(),
                value: "0x".into(),
            },
            Facts::Seed([7; 32]),
        )
    }

    fn ballot(n: usize, juror: Address, at: i64, decision: Decision) -> Event {
        event(
            n,
            juror,
            at,
            CourtMessage::Ballot {
                case: CASE.into(),
                decision,
            },
            Facts::None,
        )
    }

    /// A case drawn at `drawn` from 12 volunteers, with one statement.
    fn drawn_case(drawn: i64) -> Case {
        let mut case = Case::replay([
            claim(),
            accept(2_000),
            answer(3_000, Response::Counterclaim),
        ])
        .unwrap();
        case.apply(open_jury(4_000, pool(12), 1)).unwrap();
        case.apply(randomness(drawn)).unwrap();
        case
    }

    #[test]
    fn settled_early_when_the_respondent_accepts() {
        let case = Case::replay([claim(), accept(2_000), answer(3_000, Response::Settle)]).unwrap();
        assert_eq!(case.stage(3_000), Stage::Settled);
        assert_eq!(case.settled.as_ref().unwrap().terms, "refund 500");
        let mut closed = case.clone();
        assert_eq!(
            closed.apply(randomness(4_000)).unwrap_err(),
            CourtRefusal::CaseClosed
        );
    }

    #[test]
    fn settled_when_both_parties_sign_the_same_terms() {
        let settle = |n, who, terms: &str| {
            event(
                n,
                who,
                5_000 + n as i64,
                CourtMessage::Settle {
                    case: CASE.into(),
                    terms: terms.into(),
                },
                Facts::None,
            )
        };
        let mut case = Case::replay([claim(), accept(2_000)]).unwrap();
        case.apply(settle(5, a(1), "refund 300")).unwrap();
        case.apply(settle(6, a(2), "refund 200")).unwrap();
        assert!(case.settled.is_none(), "different terms settle nothing");
        case.apply(settle(7, a(1), "refund 200")).unwrap();
        assert_eq!(case.stage(6_000), Stage::Settled);
        assert_eq!(
            case.clone().apply(settle(8, a(9), "x")).unwrap_err(),
            CourtRefusal::CaseClosed
        );
        let mut open = Case::replay([claim()]).unwrap();
        assert_eq!(
            open.apply(settle(9, a(9), "x")).unwrap_err(),
            CourtRefusal::NotParty
        );
    }

    #[test]
    fn acceptance_after_36_hours_is_flagged_overdue() {
        let mut case = Case::replay([claim()]).unwrap();
        assert!(!case.overdue(1_000 + ACCEPT_WITHIN - 1));
        assert!(case.overdue(1_000 + ACCEPT_WITHIN));
        case.apply(accept(1_000 + ACCEPT_WITHIN + 5)).unwrap();
        assert!(case.overdue(i64::MAX));
        let on_time = Case::replay([claim(), accept(2_000)]).unwrap();
        assert!(!on_time.overdue(1_000_000));
        let mut party = Case::replay([claim()]).unwrap();
        let mut by_party = accept(2_000);
        by_party.author = a(2);
        assert_eq!(
            party.apply(by_party).unwrap_err(),
            CourtRefusal::PartyArbitrator
        );
    }

    #[test]
    fn the_answer_deadline_holds_for_both_clocks() {
        let deadline = 2_000 + ANSWER_WITHIN;
        let case = Case::replay([claim(), accept(2_000)]).unwrap();
        assert_eq!(case.stage(deadline - 1), Stage::Accepted);
        assert_eq!(case.stage(deadline), Stage::Impasse);
        // Received in time, signed after the deadline.
        let mut late_signed = answer(deadline - 100, Response::Counterclaim);
        late_signed.timestamp = deadline + 100;
        assert_eq!(
            case.clone().apply(late_signed).unwrap_err(),
            CourtRefusal::AnswerLate
        );
        // Signed in time, received after it.
        let mut late_received = answer(deadline - 100, Response::Counterclaim);
        late_received.received = deadline;
        assert_eq!(
            case.clone().apply(late_received).unwrap_err(),
            CourtRefusal::AnswerLate
        );
        let mut not_respondent = answer(3_000, Response::Counterclaim);
        not_respondent.author = a(1);
        assert_eq!(
            case.clone().apply(not_respondent).unwrap_err(),
            CourtRefusal::NotRespondent
        );
        // No answer by the deadline: the arbitrator may open the jury.
        let mut silent = case.clone();
        assert_eq!(
            silent
                .clone()
                .apply(open_jury(deadline - 1, pool(9), 1))
                .unwrap_err(),
            CourtRefusal::NoImpasse
        );
        silent.apply(open_jury(deadline, pool(9), 1)).unwrap();
        assert_eq!(silent.stage(deadline), Stage::Drawing);
    }

    #[test]
    fn the_jury_opens_only_on_a_matching_pool_without_the_parties() {
        let case = Case::replay([
            claim(),
            accept(2_000),
            answer(3_000, Response::Counterclaim),
        ])
        .unwrap();
        let mut wrong_hash = open_jury(4_000, pool(9), 1);
        if let CourtMessage::OpenJury { pool, .. } = &mut wrong_hash.message {
            pool[0] ^= 1;
        }
        assert!(matches!(
            case.clone().apply(wrong_hash).unwrap_err(),
            CourtRefusal::PoolMismatch(_)
        ));
        assert_eq!(
            case.clone()
                .apply(open_jury(4_000, pool(5), 1))
                .unwrap_err(),
            CourtRefusal::PoolTooSmall { have: 5, need: 6 }
        );
        let with_party = Pool::new((1..10).map(|i| (a(i), U256::one()))).unwrap();
        assert!(matches!(
            case.clone().apply(open_jury(4_000, with_party, 0)).unwrap_err(),
            CourtRefusal::PoolMismatch(text) if text.contains("leave out")
        ));
        let mut not_arbitrator = open_jury(4_000, pool(9), 1);
        not_arbitrator.author = a(8);
        assert_eq!(
            case.clone().apply(not_arbitrator).unwrap_err(),
            CourtRefusal::NotCaseArbitrator
        );
    }

    #[test]
    fn a_drand_round_must_come_a_minute_after_the_opening() {
        use crate::jury::seed::quicknet;
        let opened = quicknet::round_time(1_000);
        let case = Case::replay([
            claim(),
            accept(2_000),
            answer(3_000, Response::Counterclaim),
        ])
        .unwrap();
        let with_round = |round: u64| {
            let mut open = open_jury(opened, pool(9), 1);
            if let CourtMessage::OpenJury { seed, .. } = &mut open.message {
                *seed = SeedSource::Drand { round };
            }
            open
        };
        // 19 rounds of 3 s: 57 s ahead.
        assert!(matches!(
            case.clone().apply(with_round(1_019)).unwrap_err(),
            CourtRefusal::SeedNotFuture(text) if text.contains("less than 60 s")
        ));
        case.clone().apply(with_round(1_020)).unwrap();
        // The signed timestamp counts too.
        let mut late_signed = with_round(1_020);
        late_signed.timestamp = opened + 10;
        assert!(case.clone().apply(late_signed).is_err());
    }

    #[test]
    fn the_draw_is_the_published_procedure_and_panels_leave_jurors_out() {
        let case = drawn_case(10_000);
        let drawn = case.drawn.as_ref().unwrap();
        let order: Vec<Address> = draw(&pool(12), &[7; 32], CASE, 6)
            .into_iter()
            .map(Address::from_bytes)
            .collect();
        assert_eq!(drawn.jurors, order[..3]);
        assert_eq!(
            drawn.alternates,
            order[3..],
            "three alternates, in draw order"
        );
        let rest = pool(12).without(&order.iter().map(|a| *a.as_bytes()).collect::<Vec<_>>());
        let panel: Vec<Address> = draw(&rest, &[7; 32], &format!("{CASE}/statement/0"), 3)
            .into_iter()
            .map(Address::from_bytes)
            .collect();
        assert_eq!(drawn.panels, vec![panel.clone()]);
        assert!(panel.iter().all(|p| !order.contains(p)));
        assert_eq!(case.stage(10_000), Stage::Voting);
        let judge = |n, who, statement| {
            event(
                n,
                who,
                11_000,
                CourtMessage::Judgement {
                    case: CASE.into(),
                    statement,
                    reasonable: true,
                    note: String::new(),
                },
                Facts::None,
            )
        };
        let mut judged = case.clone();
        judged.apply(judge(10, panel[0], 0)).unwrap();
        assert_eq!(
            judged.apply(judge(11, panel[0], 0)).unwrap_err(),
            CourtRefusal::AlreadyJudged
        );
        assert_eq!(
            judged.apply(judge(12, order[0], 0)).unwrap_err(),
            CourtRefusal::NotPanelist
        );
        assert_eq!(
            judged.apply(judge(13, panel[1], 1)).unwrap_err(),
            CourtRefusal::UnknownStatement
        );
    }

    #[test]
    fn two_agreeing_jurors_decide() {
        let mut case = drawn_case(10_000);
        let jurors = case.drawn.as_ref().unwrap().jurors.clone();
        case.apply(ballot(
            10,
            jurors[0],
            11_000,
            Decision::Partial("refund 250".into()),
        ))
        .unwrap();
        assert_eq!(
            case.clone()
                .apply(ballot(11, jurors[0], 11_500, Decision::Claimant))
                .unwrap_err(),
            CourtRefusal::AlreadyBallot
        );
        case.apply(ballot(11, jurors[1], 12_000, Decision::Claimant))
            .unwrap();
        assert!(case.ruling(12_000).is_none());
        case.apply(ballot(
            12,
            jurors[2],
            13_000,
            Decision::Partial("refund 250".into()),
        ))
        .unwrap();
        assert_eq!(
            case.ruling(13_000),
            Some(Ruling {
                majority: true,
                decision: Some(Decision::Partial("refund 250".into())),
                at: 13_000
            })
        );
        assert_eq!(case.stage(13_000), Stage::Ruled);
        let outsider = ballot(13, a(20), 13_500, Decision::Claimant);
        assert_eq!(case.apply(outsider).unwrap_err(), CourtRefusal::CaseClosed);
    }

    #[test]
    fn three_different_answers_leave_the_claim_not_upheld() {
        let mut case = drawn_case(10_000);
        let jurors = case.drawn.as_ref().unwrap().jurors.clone();
        case.apply(ballot(10, jurors[0], 11_000, Decision::Claimant))
            .unwrap();
        case.apply(ballot(11, jurors[1], 12_000, Decision::Respondent))
            .unwrap();
        case.apply(ballot(
            12,
            jurors[2],
            13_000,
            Decision::Partial("half".into()),
        ))
        .unwrap();
        assert_eq!(
            case.ruling(13_000),
            Some(Ruling {
                majority: false,
                decision: None,
                at: 13_000
            })
        );
    }

    #[test]
    fn an_absent_juror_is_replaced_by_the_next_alternate() {
        let t0 = 10_000;
        let mut case = drawn_case(t0);
        let drawn = case.drawn.clone().unwrap();
        case.apply(ballot(10, drawn.jurors[0], t0 + 10, Decision::Claimant))
            .unwrap();
        // The absent jurors 1 and 2 cannot vote once their week is over.
        assert_eq!(
            case.clone()
                .apply(ballot(11, drawn.jurors[1], t0 + WEEK, Decision::Claimant))
                .unwrap_err(),
            CourtRefusal::NotJuror
        );
        // An alternate cannot vote before the seat is theirs.
        assert_eq!(
            case.clone()
                .apply(ballot(11, drawn.alternates[0], t0 + 20, Decision::Claimant))
                .unwrap_err(),
            CourtRefusal::NotJuror
        );
        let seating = case.seating(t0 + WEEK).unwrap();
        assert_eq!(seating.seats[1].tenures[1].holder, drawn.alternates[0]);
        assert_eq!(seating.seats[2].tenures[1].holder, drawn.alternates[1]);
        case.apply(ballot(
            11,
            drawn.alternates[1],
            t0 + WEEK + 5,
            Decision::Respondent,
        ))
        .unwrap();
        // Alternate 0 is absent too: alternate 2 takes seat 1 in week three.
        let seating = case.seating(t0 + 2 * WEEK).unwrap();
        assert_eq!(seating.seats[1].tenures[2].holder, drawn.alternates[2]);
        case.apply(ballot(
            12,
            drawn.alternates[2],
            t0 + 2 * WEEK + 1,
            Decision::Claimant,
        ))
        .unwrap();
        assert_eq!(
            case.ruling(t0 + 2 * WEEK + 1).unwrap().decision,
            Some(Decision::Claimant)
        );
        // A seat with no alternate left closes; the case rules on what it has.
        let mut empty = drawn_case(t0);
        let jurors = empty.drawn.as_ref().unwrap().jurors.clone();
        empty
            .apply(ballot(10, jurors[0], t0 + 1, Decision::Claimant))
            .unwrap();
        // Week 2: alternates 0 and 1; week 3: alternate 2 for seat 1, seat 2
        // closed; then seat 1 closes too.
        assert!(empty.ruling(t0 + 3 * WEEK - 1).is_none());
        let ruling = empty.ruling(t0 + 3 * WEEK).unwrap();
        assert_eq!(ruling.decision, None);
        assert_eq!(ruling.at, t0 + 3 * WEEK);
        let seating = empty.seating(t0 + 3 * WEEK).unwrap();
        assert!(seating.complete && seating.seats[1].closed && seating.seats[2].closed);
    }
}
