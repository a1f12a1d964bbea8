//! votehub's court kinds as typed values, read from a signed message's
//! fields (docs/court-messages.md). Everything a rule looks at is checked
//! here first: lengths, enumerations, CIDs, addresses.

use serde_json::{Map, Value};

use super::seed::SeedSource;
use super::settings::CourtSettings;
use crate::protocol::rejection::CourtRefusal;
use crate::protocol::signature::Address;
use crate::protocol::typed_data::{uint_value, Kind};

/// Longest outcome, terms, note or single statement, in characters.
pub const SHORT_TEXT: usize = 2_000;
/// Longest grounds, claim statement or counterclaim, in characters.
pub const LONG_TEXT: usize = 20_000;
/// Most evidence CIDs per claim or answer, and statements per case.
pub const MAX_ITEMS: usize = 20;

/// What the respondent does with an accepted claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response {
    /// Accepts the claimant's outcome: the case closes, settled.
    Settle,
    /// Disputes it, with a counterclaim.
    Counterclaim,
}

/// A juror's decision.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(tag = "decision", content = "outcome", rename_all = "lowercase")]
pub enum Decision {
    Claimant,
    Respondent,
    /// A partial outcome, in the juror's words: two jurors agree only on
    /// the same text.
    Partial(String),
}

/// A court message's own fields (`from`, `space`, `timestamp` aside).
#[derive(Debug, Clone, PartialEq)]
pub enum CourtMessage {
    Settings(CourtSettings),
    Volunteer,
    Withdraw,
    Election {
        proposal: String,
        role: String,
        seats: u32,
        term: u64,
    },
    Claim {
        respondent: Address,
        outcome: String,
        grounds: String,
        evidence: Vec<String>,
        statement: String,
    },
    Accept {
        case: String,
    },
    Answer {
        case: String,
        response: Response,
        counterclaim: String,
        evidence: Vec<String>,
        statement: String,
    },
    Settle {
        case: String,
        terms: String,
    },
    OpenJury {
        case: String,
        statements: Vec<String>,
        block: u64,
        pool: [u8; 32],
        seed: SeedSource,
    },
    Randomness {
        case: String,
        value: String,
    },
    Judgement {
        case: String,
        statement: u32,
        reasonable: bool,
        note: String,
    },
    Ballot {
        case: String,
        decision: Decision,
    },
}

impl CourtMessage {
    /// The typed message of a court `kind`; `None` for Snapshot's kinds.
    pub fn parse(kind: Kind, message: &Map<String, Value>) -> Option<Result<Self, CourtRefusal>> {
        let fields = Fields { kind, message };
        Some(match kind {
            Kind::CourtSettings => fields
                .text("settings", 10_000)
                .and_then(|text| CourtSettings::parse(&text))
                .map(CourtMessage::Settings),
            Kind::Volunteer => Ok(CourtMessage::Volunteer),
            Kind::Withdraw => Ok(CourtMessage::Withdraw),
            Kind::Election => fields.election(),
            Kind::Claim => fields.claim(),
            Kind::AcceptCase => fields.case().map(|case| CourtMessage::Accept { case }),
            Kind::Answer => fields.answer(),
            Kind::Settle => (|| {
                Ok(CourtMessage::Settle {
                    case: fields.case()?,
                    terms: fields.required("terms", SHORT_TEXT)?,
                })
            })(),
            Kind::OpenJury => fields.open_jury(),
            Kind::Randomness => (|| {
                Ok(CourtMessage::Randomness {
                    case: fields.case()?,
                    value: fields.required("value", 200)?,
                })
            })(),
            Kind::Judgement => fields.judgement(),
            Kind::Ballot => fields.ballot(),
            _ => return None,
        })
    }

    /// The kind this message is signed as.
    pub fn kind(&self) -> Kind {
        match self {
            CourtMessage::Settings(_) => Kind::CourtSettings,
            CourtMessage::Volunteer => Kind::Volunteer,
            CourtMessage::Withdraw => Kind::Withdraw,
            CourtMessage::Election { .. } => Kind::Election,
            CourtMessage::Claim { .. } => Kind::Claim,
            CourtMessage::Accept { .. } => Kind::AcceptCase,
            CourtMessage::Answer { .. } => Kind::Answer,
            CourtMessage::Settle { .. } => Kind::Settle,
            CourtMessage::OpenJury { .. } => Kind::OpenJury,
            CourtMessage::Randomness { .. } => Kind::Randomness,
            CourtMessage::Judgement { .. } => Kind::Judgement,
            CourtMessage::Ballot { .. } => Kind::Ballot,
        }
    }

    /// The case a message belongs to (a claim's case is its own id).
    pub fn case(&self) -> Option<&str> {
        match self {
            CourtMessage::Accept { case }
            | CourtMessage::Answer { case, .. }
            | CourtMessage::Settle { case, .. }
            | CourtMessage::OpenJury { case, .. }
            | CourtMessage::Randomness { case, .. }
            | CourtMessage::Judgement { case, .. }
            | CourtMessage::Ballot { case, .. } => Some(case),
            _ => None,
        }
    }
}

struct Fields<'a> {
    kind: Kind,
    message: &'a Map<String, Value>,
}

impl Fields<'_> {
    fn wrong(&self, reason: impl Into<String>) -> CourtRefusal {
        CourtRefusal::Format(self.kind.as_str(), reason.into())
    }

    /// A string field of at most `max` characters (may be empty).
    fn text(&self, name: &str, max: usize) -> Result<String, CourtRefusal> {
        let text = self
            .message
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| self.wrong(format!("{name} must be a string")))?;
        if text.chars().count() > max {
            return Err(self.wrong(format!("{name} is longer than {max} characters")));
        }
        Ok(text.to_string())
    }

    fn required(&self, name: &str, max: usize) -> Result<String, CourtRefusal> {
        let text = self.text(name, max)?;
        if text.trim().is_empty() {
            return Err(self.wrong(format!("{name} is empty")));
        }
        Ok(text)
    }

    fn uint(&self, name: &str) -> Result<u64, CourtRefusal> {
        self.message
            .get(name)
            .and_then(uint_value)
            .ok_or_else(|| self.wrong(format!("{name} must be a whole number")))
    }

    /// A case id: the claim's message id, `0x` and 64 lowercase hex digits.
    fn case(&self) -> Result<String, CourtRefusal> {
        let case = self.text("case", 66)?.to_ascii_lowercase();
        let valid = case.len() == 66
            && case.starts_with("0x")
            && case[2..].bytes().all(|b| b.is_ascii_hexdigit());
        if !valid {
            return Err(self.wrong("case must be a claim id (0x and 64 hex digits)"));
        }
        Ok(case)
    }

    /// A list of at most [`MAX_ITEMS`] strings, each checked by `item`.
    fn list(
        &self,
        name: &str,
        item: impl Fn(&str) -> Result<(), String>,
    ) -> Result<Vec<String>, CourtRefusal> {
        let items = self
            .message
            .get(name)
            .and_then(Value::as_array)
            .ok_or_else(|| self.wrong(format!("{name} must be a list of strings")))?;
        if items.len() > MAX_ITEMS {
            return Err(self.wrong(format!("{name} has more than {MAX_ITEMS} items")));
        }
        items
            .iter()
            .map(|value| {
                let text = value
                    .as_str()
                    .ok_or_else(|| self.wrong(format!("{name} must be a list of strings")))?;
                item(text).map_err(|reason| self.wrong(format!("{name}: {reason}")))?;
                Ok(text.to_string())
            })
            .collect()
    }

    /// Evidence: CIDs (v0 or v1), each once.
    fn evidence(&self) -> Result<Vec<String>, CourtRefusal> {
        let evidence = self.list("evidence", |text| {
            cid::Cid::try_from(text)
                .map(|_| ())
                .map_err(|_| format!("{text} is not a CID"))
        })?;
        let mut seen = std::collections::BTreeSet::new();
        if let Some(twice) = evidence.iter().find(|cid| !seen.insert(cid.as_str())) {
            return Err(self.wrong(format!("evidence lists {twice} twice")));
        }
        Ok(evidence)
    }

    fn election(&self) -> Result<CourtMessage, CourtRefusal> {
        let seats = self.uint("seats")?;
        Ok(CourtMessage::Election {
            proposal: self.required("proposal", 100)?,
            role: self.required("role", 32)?,
            seats: u32::try_from(seats).map_err(|_| self.wrong("seats too large"))?,
            term: self.uint("term")?,
        })
    }

    fn claim(&self) -> Result<CourtMessage, CourtRefusal> {
        let respondent = self
            .message
            .get("respondent")
            .and_then(Value::as_str)
            .and_then(|text| Address::parse_any(text).ok())
            .ok_or_else(|| self.wrong("respondent must be an address"))?;
        Ok(CourtMessage::Claim {
            respondent,
            outcome: self.required("outcome", SHORT_TEXT)?,
            grounds: self.required("grounds", LONG_TEXT)?,
            evidence: self.evidence()?,
            statement: self.text("statement", LONG_TEXT)?,
        })
    }

    fn answer(&self) -> Result<CourtMessage, CourtRefusal> {
        let response = match self.text("response", 20)?.as_str() {
            "settle" => Response::Settle,
            "counterclaim" => Response::Counterclaim,
            _ => return Err(self.wrong("response must be settle or counterclaim")),
        };
        let counterclaim = self.text("counterclaim", LONG_TEXT)?;
        if response == Response::Counterclaim && counterclaim.trim().is_empty() {
            return Err(self.wrong("a counterclaim response needs its counterclaim"));
        }
        Ok(CourtMessage::Answer {
            case: self.case()?,
            response,
            counterclaim,
            evidence: self.evidence()?,
            statement: self.text("statement", LONG_TEXT)?,
        })
    }

    fn open_jury(&self) -> Result<CourtMessage, CourtRefusal> {
        let statements = self.list("statements", |text| {
            if text.trim().is_empty() {
                Err("a statement is empty".into())
            } else if text.chars().count() > SHORT_TEXT {
                Err(format!(
                    "a statement is longer than {SHORT_TEXT} characters"
                ))
            } else {
                Ok(())
            }
        })?;
        let pool_hex = self.text("pool", 66)?;
        let mut pool = [0u8; 32];
        pool_hex
            .strip_prefix("0x")
            .and_then(|hex| hex::decode_to_slice(hex, &mut pool).ok())
            .ok_or_else(|| self.wrong("pool must be 0x and 64 hex digits"))?;
        let seed = SeedSource::parse(&self.text("seed", 100)?)
            .map_err(|reason| self.wrong(format!("seed: {reason}")))?;
        Ok(CourtMessage::OpenJury {
            case: self.case()?,
            statements,
            block: self.uint("block")?,
            pool,
            seed,
        })
    }

    fn judgement(&self) -> Result<CourtMessage, CourtRefusal> {
        let reasonable = match self.text("judgement", 20)?.as_str() {
            "reasonable" => true,
            "unreasonable" => false,
            _ => return Err(self.wrong("judgement must be reasonable or unreasonable")),
        };
        let statement = self.uint("statement")?;
        Ok(CourtMessage::Judgement {
            case: self.case()?,
            statement: u32::try_from(statement).map_err(|_| self.wrong("statement too large"))?,
            reasonable,
            note: self.text("note", SHORT_TEXT)?,
        })
    }

    fn ballot(&self) -> Result<CourtMessage, CourtRefusal> {
        let outcome = self.text("outcome", SHORT_TEXT)?;
        let decision = match self.text("decision", 20)?.as_str() {
            "claimant" | "respondent" if !outcome.is_empty() => {
                return Err(self.wrong("only a partial decision states an outcome"))
            }
            "claimant" => Decision::Claimant,
            "respondent" => Decision::Respondent,
            "partial" if outcome.trim().is_empty() => {
                return Err(self.wrong("a partial decision states its outcome"))
            }
            "partial" => Decision::Partial(outcome),
            _ => return Err(self.wrong("decision must be claimant, respondent or partial")),
        };
        Ok(CourtMessage::Ballot {
            case: self.case()?,
            decision,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(kind: Kind, message: Value) -> Result<CourtMessage, CourtRefusal> {
        CourtMessage::parse(kind, message.as_object().unwrap()).unwrap()
    }

    const CASE: &str = "0x1111111111111111111111111111111111111111111111111111111111111111";

    #[test]
    fn snapshot_kinds_are_not_court_messages() {
        assert!(CourtMessage::parse(Kind::Vote, &Map::new()).is_none());
    }

    #[test]
    fn a_claim_checks_its_evidence_and_texts() {
        let claim = |evidence: Value, outcome: &str| {
            parse(
                Kind::Claim,
                json!({"respondent": "0x0000000000000000000000000000000000000002",
                    "outcome": outcome, "grounds": "late", "evidence": evidence, "statement": ""}),
            )
        };
        let cid = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
        assert!(claim(json!([cid]), "refund").is_ok());
        for (evidence, outcome, reason) in [
            (json!(["not-a-cid"]), "refund", "not a CID"),
            (json!([cid, cid]), "refund", "twice"),
            (json!([cid]), " ", "outcome is empty"),
            (json!("x"), "refund", "list of strings"),
        ] {
            let err = claim(evidence, outcome).unwrap_err().to_string();
            assert!(err.contains(reason), "{err}");
            assert!(err.starts_with("wrong claim format: "), "{err}");
        }
    }

    #[test]
    fn ballots_state_an_outcome_only_when_partial() {
        let ballot = |decision: &str, outcome: &str| {
            parse(
                Kind::Ballot,
                json!({"case": CASE, "decision": decision, "outcome": outcome}),
            )
        };
        assert_eq!(
            ballot("partial", "half").unwrap(),
            CourtMessage::Ballot {
                case: CASE.into(),
                decision: Decision::Partial("half".into())
            }
        );
        assert!(ballot("claimant", "").is_ok());
        assert!(ballot("claimant", "half").is_err());
        assert!(ballot("partial", "").is_err());
        assert!(ballot("abstain", "").is_err());
        let short_case = parse(
            Kind::Ballot,
            json!({"case": "0x12", "decision": "claimant", "outcome": ""}),
        );
        assert!(short_case.unwrap_err().to_string().contains("claim id"));
    }

    #[test]
    fn open_jury_reads_pool_and_seed() {
        let open = |seed: &str| {
            parse(
                Kind::OpenJury,
                json!({"case": CASE, "statements": ["the code was poor"], "block": "17",
                    "pool": format!("0x{}", "ab".repeat(32)), "seed": seed}),
            )
        };
        match open("drand-quicknet:1000").unwrap() {
            CourtMessage::OpenJury {
                block, pool, seed, ..
            } => {
                assert_eq!(block, 17);
                assert_eq!(pool, [0xab; 32]);
                assert_eq!(seed, SeedSource::Drand { round: 1000 });
            }
            other => panic!("{other:?}"),
        }
        assert!(open("coin-flip").is_err());
    }
}
