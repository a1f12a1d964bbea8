//! Elected roles: an election is a proposal marked as electing `seats`
//! holders of a role for a term. When the proposal ends, the choices with
//! the highest scores (each choice an address; ties to the lower choice
//! index; a choice with no score never wins) hold the role from the end
//! for the term, and lose it by themselves when the term is over.

use crate::protocol::signature::Address;

/// One election, as the `election` message and its proposal say.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Election {
    /// The `election` message id.
    pub id: String,
    pub proposal: String,
    pub role: String,
    pub seats: u32,
    /// Seconds the winners hold the role.
    pub term: i64,
    /// The proposal's end: when the winners take the role.
    pub closes: i64,
}

/// A role held, and the election that gave it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Holding {
    pub role: String,
    pub holder: Address,
    pub since: i64,
    pub until: i64,
    /// The `election` message id and the proposal it marked.
    pub election: String,
    pub proposal: String,
}

impl Holding {
    pub fn holds(&self, role: &str, holder: &Address, time: i64) -> bool {
        self.role == role && self.holder == *holder && self.since <= time && time < self.until
    }
}

/// The winners of a closed election: the `seats` best-scored choices that
/// are addresses (`choices` as the proposal lists them, so that each score
/// stays with its choice; a choice that is not an address never wins).
pub fn winners(choices: &[Option<Address>], scores: &[f64], seats: u32) -> Vec<Address> {
    let mut ranked: Vec<(Address, f64)> = scores
        .iter()
        .zip(choices)
        .filter_map(|(score, choice)| choice.map(|address| (address, *score)))
        .filter(|(_, score)| *score > 0.0)
        .collect();
    // Stable: equal scores keep choice order.
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    ranked
        .into_iter()
        .take(seats as usize)
        .map(|(address, _)| address)
        .collect()
}

/// A proposal's choices as election candidates.
pub fn candidates<S: AsRef<str>>(choices: &[S]) -> Vec<Option<Address>> {
    choices
        .iter()
        .map(|choice| Address::parse_any(choice.as_ref()).ok())
        .collect()
}

/// The holdings an election gives its winners.
pub fn holdings(election: &Election, winners: &[Address]) -> Vec<Holding> {
    winners
        .iter()
        .map(|holder| Holding {
            role: election.role.clone(),
            holder: *holder,
            since: election.closes,
            until: election.closes.saturating_add(election.term),
            election: election.id.clone(),
            proposal: election.proposal.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(n: u8) -> Address {
        Address::from_bytes([n; 20])
    }

    #[test]
    fn winners_are_the_best_scores_ties_to_the_first_choice() {
        let choices = [address(1), address(2), address(3), address(4)].map(Some);
        assert_eq!(
            winners(&choices, &[5.0, 9.0, 5.0, 0.0], 2),
            vec![address(2), address(1)]
        );
        assert_eq!(
            winners(&choices, &[0.0, 1.0, 0.0, 0.0], 3),
            vec![address(2)],
            "no score, no seat"
        );
        // A choice that is not an address keeps its place and never wins.
        let mixed = candidates(&[
            address(1).to_string(),
            "Nobody".into(),
            address(3).to_string(),
        ]);
        assert_eq!(mixed[1], None);
        assert_eq!(winners(&mixed, &[1.0, 9.0, 5.0], 1), vec![address(3)]);
    }

    #[test]
    fn a_holding_lapses_by_itself() {
        let election = Election {
            id: "0xe".into(),
            proposal: "0xp".into(),
            role: "arbitrator".into(),
            seats: 1,
            term: 100,
            closes: 1_000,
        };
        let holding = &holdings(&election, &[address(7)])[0];
        assert!(!holding.holds("arbitrator", &address(7), 999));
        assert!(holding.holds("arbitrator", &address(7), 1_000));
        assert!(holding.holds("arbitrator", &address(7), 1_099));
        assert!(!holding.holds("arbitrator", &address(7), 1_100));
        assert!(!holding.holds("juror", &address(7), 1_050));
    }
}
