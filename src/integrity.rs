//! `votehub check`: is what the store holds still what was acknowledged?
//! Every block against its CID, the message log's chain of links, every
//! message and vote row against the signed block it came from, the pin
//! outbox against the blocks, and SQLite's own check. Read-only. The quick
//! form (the last messages only) runs at every start of the server.

use serde_json::Value;

use crate::format::log::{link, GENESIS};
use crate::protocol::signature::Address;
use crate::store::{Db, LoggedMessage, StoreError, VoteRow};

/// How much to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Everything.
    Full,
    /// The last `n` messages: their blocks and links (the start-up check).
    Recent(usize),
}

/// What was checked and every problem found.
#[derive(Debug, Clone, Default)]
pub struct IntegrityReport {
    pub blocks: usize,
    pub messages: usize,
    pub votes: usize,
    pub problems: Vec<String>,
}

impl IntegrityReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// What was checked, then every problem.
    pub fn render(&self) -> String {
        let mut out = format!(
            "checked  {} blocks, {} messages, {} votes\n",
            self.blocks, self.messages, self.votes
        );
        if self.ok() {
            out.push_str("OK: every block, link and row matches what was signed\n");
        } else {
            out.push_str(&format!("FAILED: {} problem(s)\n", self.problems.len()));
            for problem in &self.problems {
                out.push_str(&format!("  - {problem}\n"));
            }
        }
        out
    }
}

/// Checks the store through `db` (one read snapshot keeps it consistent).
pub fn check(db: &Db<'_>, scope: Scope) -> Result<IntegrityReport, StoreError> {
    let mut report = IntegrityReport::default();
    let after = match scope {
        Scope::Full => 0,
        Scope::Recent(n) => db.last_log()?.map_or(0, |(mci, _)| (mci - n as i64).max(0)),
    };
    // The full scan counts blocks itself; the quick one counts those it read.
    check_messages(db, after, scope != Scope::Full, &mut report)?;
    if scope == Scope::Full {
        let verdict = db.integrity_check()?;
        if verdict != "ok" {
            report.problems.push(format!("SQLite: {verdict}"));
        }
        check_blocks(db, &mut report)?;
        check_votes(db, &mut report)?;
        for (mci, cid) in db.messages_without_block()? {
            report
                .problems
                .push(format!("message {mci}: its block {cid} is not stored"));
        }
        for cid in db.blocks_without_pin_job()? {
            report
                .problems
                .push(format!("block {cid} has no pin job in the outbox"));
        }
    }
    Ok(report)
}

/// The log's links from message `after + 1` on, and each message against its block.
fn check_messages(
    db: &Db<'_>,
    after: i64,
    count_blocks: bool,
    report: &mut IntegrityReport,
) -> Result<(), StoreError> {
    let mut previous = if after == 0 {
        GENESIS.to_string()
    } else {
        db.log_before(after + 1)?
            .unwrap_or_else(|| GENESIS.to_string())
    };
    in_pages(
        after,
        |position| db.messages_page(position),
        |message| message.mci,
        |message| {
            let LoggedMessage {
                mci,
                id,
                cid,
                address,
                log,
            } = message;
            report.messages += 1;
            if link(&previous, &id, &cid) != log {
                report.problems.push(format!(
                    "message {mci} ({id}): its log link does not follow from the one before (a message was changed, removed or reordered)"
                ));
            }
            previous = log;
            match pinned(db, &cid) {
                Ok(Some(block)) => {
                    report.blocks += usize::from(count_blocks);
                    let hash = block.get("hash").and_then(Value::as_str).unwrap_or("");
                    let signer = block
                        .get("address")
                        .and_then(Value::as_str)
                        .and_then(|a| Address::parse_any(a).ok());
                    if !hash.eq_ignore_ascii_case(&id)
                        || signer != Address::parse_any(&address).ok()
                    {
                        report.problems.push(format!(
                            "message {mci} ({id}): its row does not match its signed block {cid}"
                        ));
                    }
                }
                Ok(None) => {}
                Err(problem) => report.problems.push(format!("message {mci}: {problem}")),
            }
        },
    )
}

/// Runs `each` over every row `fetch` pages out after `start`; `position`
/// gives the key the next page starts after.
fn in_pages<T>(
    start: i64,
    fetch: impl Fn(i64) -> Result<Vec<T>, StoreError>,
    position: impl Fn(&T) -> i64,
    mut each: impl FnMut(T),
) -> Result<(), StoreError> {
    let mut after = start;
    loop {
        let page = fetch(after)?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = position(last);
        page.into_iter().for_each(&mut each);
    }
}

/// Every stored block against its CID.
fn check_blocks(db: &Db<'_>, report: &mut IntegrityReport) -> Result<(), StoreError> {
    in_pages(
        0,
        |position| db.blocks_page(position),
        |block| block.0,
        |(_, cid, bytes)| {
            report.blocks += 1;
            let intact = cid::Cid::try_from(cid.as_str())
                .is_ok_and(|parsed| crate::ipld::matches(&parsed, &bytes));
            if !intact {
                report
                    .problems
                    .push(format!("block {cid} does not hash to its CID"));
            }
        },
    )
}

/// Every current vote against the signed vote message it came from.
fn check_votes(db: &Db<'_>, report: &mut IntegrityReport) -> Result<(), StoreError> {
    in_pages(
        0,
        |position| db.votes_page(position),
        |vote| vote.0,
        |(_, vote)| {
            report.votes += 1;
            match pinned(db, &vote.ipfs) {
                Ok(Some(block)) => {
                    if let Some(field) = vote_differs(&vote, &block) {
                        report.problems.push(format!(
                            "vote {} of {} on {}: its {field} is not the signed one (block {})",
                            vote.id, vote.voter, vote.proposal, vote.ipfs
                        ));
                    }
                }
                Ok(None) => report.problems.push(format!(
                    "vote {}: its block {} is not stored",
                    vote.id, vote.ipfs
                )),
                Err(problem) => report.problems.push(format!("vote {}: {problem}", vote.id)),
            }
        },
    )
}

/// The first field of a vote row that its signed message does not give.
fn vote_differs(vote: &VoteRow, block: &Value) -> Option<&'static str> {
    let message = &block["data"]["message"];
    let signer = message
        .get("from")
        .or_else(|| block.get("address"))
        .and_then(Value::as_str)
        .and_then(|a| Address::parse_any(a).ok());
    let signed_choice = match (&message["choice"], &vote.choice) {
        // vote-string: the choice is signed as JSON text.
        (Value::String(text), stored) if !stored.is_string() => {
            serde_json::from_str(text).unwrap_or(Value::Null)
        }
        (signed, _) => signed.clone(),
    };
    if !block["hash"]
        .as_str()
        .is_some_and(|hash| hash.eq_ignore_ascii_case(&vote.id))
    {
        Some("id")
    } else if signer.is_none() || signer != Address::parse_any(&vote.voter).ok() {
        Some("voter")
    } else if !message["proposal"]
        .as_str()
        .is_some_and(|p| p.eq_ignore_ascii_case(&vote.proposal))
    {
        Some("proposal")
    } else if signed_choice != vote.choice {
        Some("choice")
    } else if message["timestamp"].as_f64().map(|t| t as i64) != Some(vote.created) {
        Some("time")
    } else {
        None
    }
}

/// A stored message's pinned JSON; a corrupt or unreadable block is a problem.
fn pinned(db: &Db<'_>, cid: &str) -> Result<Option<Value>, String> {
    match db.block(cid) {
        Ok(Some(bytes)) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|err| format!("block {cid} is not JSON: {err}")),
        Ok(None) => Ok(None),
        Err(StoreError::CorruptBlock(cid)) => Err(format!("block {cid} does not hash to its CID")),
        Err(err) => Err(err.to_string()),
    }
}
