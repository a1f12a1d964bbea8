//! `votehub verify-log`: replays the message log between pinned heads.

use crate::format::log::{head_statement, link, Head, Segment, GENESIS, HEAD_FORMAT};
use crate::ipld::source::BlockSource;
use crate::protocol::signature::{personal_signer, Address};

use super::blocks::fetch_typed;

/// What [`verify_log`] established.
#[derive(Debug, Clone, Default)]
pub struct LogReport {
    pub heads: usize,
    pub messages: usize,
    pub first_mci: i64,
    pub last_mci: i64,
    pub relayer: String,
    pub problems: Vec<String>,
}

/// Replays the log from the head `head` back to `since` (an earlier head) or
/// to the first message: every head signed by the same relayer, every
/// segment's links ending at its head, every head chained to the one before.
pub fn verify_log(source: &dyn BlockSource, head: &str, since: Option<&str>) -> LogReport {
    let mut report = LogReport::default();
    let mut relayer: Option<Address> = None;
    let mut current = head.to_string();
    loop {
        if Some(current.as_str()) == since {
            return report;
        }
        match check_head(source, &current, &mut relayer, &mut report) {
            Ok(Some(previous)) => current = previous,
            Ok(None) => {
                if let Some(since) = since {
                    report
                        .problems
                        .push(format!("{since} is not an earlier head of this log"));
                }
                return report;
            }
            Err(problem) => {
                report.problems.push(problem);
                return report;
            }
        }
    }
}

/// Reads a block as a log head, refusing any other block.
fn read_head(source: &dyn BlockSource, cid: &str, what: &str) -> Result<Head, String> {
    let head: Head = fetch_typed(source, cid, what)?;
    if head.format != HEAD_FORMAT {
        return Err(format!("{cid} is not a log head"));
    }
    Ok(head)
}

/// Checks one head and its segments; returns the previous head's CID, after
/// checking that it is the head this one claims to follow.
fn check_head(
    source: &dyn BlockSource,
    cid: &str,
    relayer: &mut Option<Address>,
    report: &mut LogReport,
) -> Result<Option<String>, String> {
    let head = read_head(source, cid, "log head")?;
    let mci = head.mci;
    let signer = personal_signer(&head_statement(mci, &head.log), &head.signature).ok();
    let claimed = Address::parse_any(&head.relayer).ok();
    match (signer, claimed, *relayer) {
        (Some(s), Some(c), None) if s == c => {
            *relayer = Some(s);
            report.relayer = s.to_string();
        }
        (Some(s), Some(c), Some(r)) if s == c && s == r => {}
        _ => {
            return Err(format!(
                "log head {cid} (message {mci}): its signature is not the relayer's"
            ))
        }
    }
    let mut expected = head.previous_log.clone();
    let mut last = head.previous_mci;
    for (index, segment) in head.segments.iter().enumerate() {
        let what = format!("log head {cid} segment {index}");
        let segment: Segment = fetch_typed(source, &segment.cid, &what)?;
        for (entry_mci, id, message_cid) in &segment.entries {
            if *entry_mci <= last {
                return Err(format!(
                    "{what}: message {entry_mci} ({id}) is out of order after {last}"
                ));
            }
            last = *entry_mci;
            expected = link(&expected, id, message_cid);
            report.messages += 1;
        }
    }
    if last != mci || expected != head.log {
        return Err(format!(
            "log head {cid}: its messages {}..{mci} do not replay to its link (a message was removed, changed or reordered)",
            head.previous_mci + 1
        ));
    }
    report.heads += 1;
    report.last_mci = report.last_mci.max(mci);
    report.first_mci = head.previous_mci + 1;
    let Some(previous) = &head.previous else {
        if head.previous_mci != 0 || head.previous_log != GENESIS {
            return Err(format!(
                "log head {cid}: it claims to follow message {} but links no earlier head",
                head.previous_mci
            ));
        }
        return Ok(None);
    };
    let before = read_head(source, &previous.cid, "previous log head")?;
    if before.mci != head.previous_mci || before.log != head.previous_log {
        return Err(format!(
            "log head {cid}: the previous head {} is not at message {} with link {}",
            previous.cid, head.previous_mci, head.previous_log
        ));
    }
    Ok(Some(previous.cid.clone()))
}
