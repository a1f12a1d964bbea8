//! The juror pool: who volunteered, since when and until when, replayed
//! from the space's `volunteer` and `withdraw` messages in receipt order.

use std::collections::BTreeMap;

use super::settings::VOLUNTEER_TERM;
use crate::protocol::signature::Address;

/// One volunteer's current term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Term {
    pub since: i64,
    pub until: i64,
}

/// What a pool message did, in receipt order.
#[derive(Debug, Clone, Copy)]
pub enum Change {
    /// Volunteered (or renewed) at this receipt time.
    Volunteer(Address, i64),
    /// Withdrew at this receipt time.
    Withdraw(Address, i64),
}

/// Volunteers and their latest terms, after `changes`.
#[derive(Debug, Default, Clone)]
pub struct Volunteers {
    terms: BTreeMap<Address, Term>,
}

impl Volunteers {
    pub fn replay(changes: impl IntoIterator<Item = Change>) -> Volunteers {
        let mut volunteers = Volunteers::default();
        for change in changes {
            volunteers.apply(change);
        }
        volunteers
    }

    /// A volunteer serves one year from acceptance; volunteering again
    /// renews from then; withdrawing ends the term at once.
    pub fn apply(&mut self, change: Change) {
        match change {
            Change::Volunteer(address, at) => {
                let term = self.terms.entry(address).or_insert(Term {
                    since: at,
                    until: at,
                });
                // A renewal while serving extends the term; after a lapse
                // or a withdrawal it starts a new one.
                if at >= term.until {
                    term.since = at;
                }
                term.until = at + VOLUNTEER_TERM;
            }
            Change::Withdraw(address, at) => {
                if let Some(term) = self.terms.get_mut(&address) {
                    term.until = term.until.min(at);
                }
            }
        }
    }

    /// The term of `address` if it serves at `time`.
    pub fn serving(&self, address: &Address, time: i64) -> Option<Term> {
        self.terms
            .get(address)
            .copied()
            .filter(|term| term.since <= time && time < term.until)
    }

    /// Everyone serving at `time`, ascending by address.
    pub fn at(&self, time: i64) -> impl Iterator<Item = (Address, Term)> + '_ {
        self.terms
            .iter()
            .filter(move |(_, term)| term.since <= time && time < term.until)
            .map(|(address, term)| (*address, *term))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(n: u8) -> Address {
        Address::from_bytes([n; 20])
    }

    #[test]
    fn a_term_lasts_a_year_renews_and_ends_on_withdrawal() {
        let volunteers = Volunteers::replay([
            Change::Volunteer(address(1), 100),
            Change::Volunteer(address(2), 200),
            Change::Withdraw(address(2), 300),
            Change::Volunteer(address(2), 350),
            Change::Volunteer(address(3), 400),
            Change::Volunteer(address(3), 500),
        ]);
        assert!(volunteers.serving(&address(1), 99).is_none());
        assert!(volunteers.serving(&address(1), 100).is_some());
        assert!(volunteers
            .serving(&address(1), 100 + VOLUNTEER_TERM - 1)
            .is_some());
        assert!(volunteers
            .serving(&address(1), 100 + VOLUNTEER_TERM)
            .is_none());
        let before = Volunteers::replay([
            Change::Volunteer(address(2), 200),
            Change::Withdraw(address(2), 300),
        ]);
        assert!(before.serving(&address(2), 299).is_some());
        assert!(before.serving(&address(2), 300).is_none());
        assert_eq!(
            volunteers.serving(&address(2), 350).unwrap().since,
            350,
            "a new term"
        );
        assert_eq!(
            volunteers.serving(&address(3), 600),
            Some(Term {
                since: 400,
                until: 500 + VOLUNTEER_TERM
            })
        );
        let at: Vec<Address> = volunteers.at(450).map(|(a, _)| a).collect();
        assert_eq!(at, vec![address(1), address(2), address(3)]);
    }
}
