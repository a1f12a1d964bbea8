//! The message log: `votehub verify-log` replays it between pinned heads;
//! a bundle's log extract is replayed to its head and every vote found in it.

use std::collections::{HashMap, HashSet};

use crate::format::bundle::{Body, Entry, LogExtract, Root};
use crate::format::log::{head_statement, link, Head, Segment, GENESIS, HEAD_FORMAT};
use crate::ipld::source::BlockSource;
use crate::protocol::signature::{personal_signer, Address};

use super::blocks::fetch_typed;
use super::Report;

/// Checks a bundle's log extract: the head's statement signed by the
/// bundle's relayer, the segments replaying from `previous_log` to the
/// head's link, and every listed vote and proposal envelope in them at the
/// position, with the id and link, that the bundle claims.
pub(super) fn check_extract(
    source: &dyn BlockSource,
    extract: &LogExtract,
    root: &Root,
    body: &Body,
    entries: &[Entry],
    report: &mut Report,
) {
    let head = &extract.head;
    let signer = personal_signer(
        &head_statement(extract.mci, &extract.log),
        &extract.signature,
    )
    .ok();
    if signer.is_none() || signer != Address::parse_any(&extract.relayer).ok() {
        report.problems.push(format!(
            "log head {head}: its signature is not the relayer's it names ({})",
            extract.relayer
        ));
        return;
    }
    if signer != Address::parse_any(&root.relayer).ok() {
        report.problems.push(format!(
            "log head {head} is signed by {}, the bundle by {}",
            extract.relayer, root.relayer
        ));
        return;
    }
    report.signatures += 1;
    // mci -> (id, CID, link after it)
    let mut positions: HashMap<i64, (String, String, String)> = HashMap::new();
    let mut expected = extract.previous_log.clone();
    let mut last: Option<i64> = None;
    for (index, segment) in extract.segments.iter().enumerate() {
        let what = format!("log extract segment {index}");
        let segment: Segment = match fetch_typed(source, &segment.cid, &what) {
            Ok(segment) => segment,
            Err(problem) => {
                report.problems.push(problem);
                return;
            }
        };
        report.blocks += 1;
        for (mci, id, cid) in segment.entries {
            let in_order = match last {
                None => mci == extract.from,
                Some(last) => mci > last,
            };
            if !in_order {
                report.problems.push(format!(
                    "{what}: message {mci} ({id}) is out of order in the log extract"
                ));
                return;
            }
            last = Some(mci);
            expected = link(&expected, &id, &cid);
            positions.insert(mci, (id, cid, expected.clone()));
        }
    }
    if last.unwrap_or(extract.from - 1) != extract.mci || expected != extract.log {
        report.problems.push(format!(
            "the log extract (messages {}..={}) does not replay to the link of head {head}: a message was removed, changed or reordered",
            extract.from, extract.mci
        ));
        return;
    }
    report.log_messages = positions.len();
    for (index, entry) in entries.iter().enumerate() {
        let what = format!("vote {index} ({})", entry.id);
        match positions.get(&entry.mci) {
            Some((id, cid, log))
                if id.eq_ignore_ascii_case(&entry.id)
                    && *cid == entry.envelope.cid
                    && *log == entry.log => {}
            Some((id, cid, _)) => report.problems.push(format!(
                "{what}: the log holds message {id} ({cid}) at position {}, with another link",
                entry.mci
            )),
            None => report.problems.push(format!(
                "{what}: position {} is not in the log extract {}..={}",
                entry.mci, extract.from, extract.mci
            )),
        }
    }
    let logged: HashSet<&str> = positions.values().map(|(_, cid, _)| cid.as_str()).collect();
    for envelope in &body.proposal.envelopes {
        if !logged.contains(envelope.cid.as_str()) {
            report.problems.push(format!(
                "proposal envelope {} is not in the log extract",
                envelope.cid
            ));
        }
    }
}

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
