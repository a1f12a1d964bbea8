//! The message log: `votehub verify-log` replays it between pinned heads;
//! a bundle's log extract is replayed to its head and every vote found in it.

use std::collections::{HashMap, HashSet};

use crate::format::bundle::{Body, Entry, LogExtract, Root};
use crate::format::log::{
    head_statement, link, rotation_id, Head, Rotation, Segment, GENESIS, HEAD_FORMAT,
    HEAD_FORMAT_ROTATIONS, ROTATION_FORMAT,
};
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
    /// The newest head's relayer.
    pub relayer: String,
    /// The oldest head's relayer (the `since` head's, when given).
    pub first_relayer: String,
    /// Each change of relayer key walked, newest first, in words.
    pub rotations: Vec<String>,
    /// How many of them the old key did not sign.
    pub unattested: usize,
    pub problems: Vec<String>,
}

/// Replays the log from the head `head` back to `since` (an earlier head) or
/// to the first message: every head signed by its relayer, every change of
/// relayer recorded by a rotation in the log, every segment's links ending
/// at its head, every head chained to the one before.
pub fn verify_log(source: &dyn BlockSource, head: &str, since: Option<&str>) -> LogReport {
    let mut report = LogReport::default();
    // The relayer the next (older) head must be signed by.
    let mut expected: Option<Address> = None;
    let mut current = head.to_string();
    loop {
        if Some(current.as_str()) == since {
            if let Err(problem) = check_signed(source, &current, &mut expected, &mut report) {
                report.problems.push(problem);
            }
            return report;
        }
        match check_head(source, &current, &mut expected, &mut report) {
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
    // Format 1 has no rotations; format 2 lists at least one.
    let well_formed = match head.format.as_str() {
        HEAD_FORMAT => head.rotations.is_empty(),
        HEAD_FORMAT_ROTATIONS => !head.rotations.is_empty(),
        _ => false,
    };
    if !well_formed {
        return Err(format!("{cid} is not a log head"));
    }
    Ok(head)
}

/// Reads a head and checks its signature, by the relayer `expected` when one
/// is expected.
fn check_signed(
    source: &dyn BlockSource,
    cid: &str,
    expected: &mut Option<Address>,
    report: &mut LogReport,
) -> Result<(Head, Address), String> {
    let head = read_head(source, cid, "log head")?;
    let mci = head.mci;
    let signer = personal_signer(&head_statement(mci, &head.log), &head.signature).ok();
    let signer = match signer {
        Some(signer) if Address::parse_any(&head.relayer).ok() == Some(signer) => signer,
        _ => {
            return Err(format!(
                "log head {cid} (message {mci}): its signature is not the relayer's it names"
            ))
        }
    };
    match *expected {
        None => report.relayer = signer.to_string(),
        Some(expected) if expected == signer => {}
        Some(expected) => {
            return Err(format!(
                "log head {cid} (message {mci}) is signed by {signer}, but the heads after it by {expected}, and no rotation in the log links them"
            ))
        }
    }
    report.first_relayer = signer.to_string();
    *expected = Some(signer);
    Ok((head, signer))
}

/// Checks one head, its segments and its rotations; returns the previous
/// head's CID, after checking that it is the head this one claims to follow.
fn check_head(
    source: &dyn BlockSource,
    cid: &str,
    expected: &mut Option<Address>,
    report: &mut LogReport,
) -> Result<Option<String>, String> {
    let (head, signer) = check_signed(source, cid, expected, report)?;
    let mci = head.mci;
    let mut replayed = head.previous_log.clone();
    let mut last = head.previous_mci;
    let mut logged = HashSet::new();
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
            replayed = link(&replayed, id, message_cid);
            logged.insert(message_cid.clone());
            report.messages += 1;
        }
    }
    if last != mci || replayed != head.log {
        return Err(format!(
            "log head {cid}: its messages {}..{mci} do not replay to its link (a message was removed, changed or reordered)",
            head.previous_mci + 1
        ));
    }
    // Rotations, newest first: each hands the key from `previous` to `address`.
    let mut holder = signer;
    for rotation in head.rotations.iter().rev() {
        let what = format!("log head {cid}: rotation {}", rotation.cid);
        if !logged.contains(&rotation.cid) {
            return Err(format!("{what} is not among the head's messages"));
        }
        let rotation: Rotation = fetch_typed(source, &rotation.cid, &what)?;
        let statement = rotation.statement();
        let signed_by = |signature: &str| personal_signer(&statement, signature).ok();
        let (next, previous) = (
            Address::parse_any(&rotation.address).ok(),
            Address::parse_any(&rotation.previous).ok(),
        );
        if rotation.format != ROTATION_FORMAT
            || rotation.hash != rotation_id(&statement)
            || next != Some(holder)
            || signed_by(&rotation.signature) != next
        {
            return Err(format!(
                "{what} does not hand the key to {holder} under the new key's signature"
            ));
        }
        let Some(previous) = previous else {
            return Err(format!("{what} names no previous relayer"));
        };
        let attested = match &rotation.previous_signature {
            Some(signature) if signed_by(signature) == Some(previous) => true,
            Some(_) => {
                return Err(format!(
                    "{what}: the old key's signature is not {previous}'s"
                ))
            }
            None => false,
        };
        report.unattested += usize::from(!attested);
        report.rotations.push(format!(
            "after message {}: relayer {previous} -> {holder}, {}",
            rotation.after,
            if attested {
                "signed by both keys"
            } else {
                "NOT signed by the old key (it was lost): the operator's word alone"
            }
        ));
        holder = previous;
    }
    *expected = Some(holder);
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

/// Pins the relayer from a head the caller trusts: the heads from the
/// bundle's close head back to `trusted` must replay, every change of key
/// on the way be signed by the old key, and the key they lead to sign the
/// bundle.
pub(super) fn check_trusted(
    source: &dyn BlockSource,
    trusted: &str,
    root: &Root,
    body: &Body,
    report: &mut Report,
) {
    let Some((head, mci, log)) = body
        .log
        .as_ref()
        .map(|extract| (extract.head.clone(), extract.mci, extract.log.clone()))
        .or_else(|| {
            body.log_head
                .as_ref()
                .map(|named| (named.cid.clone(), named.mci, named.log.clone()))
        })
    else {
        report
            .problems
            .push("--trusted-head: the bundle names no log head".into());
        return;
    };
    let walked = verify_log(source, &head, Some(trusted));
    let mut problems: Vec<String> = walked
        .problems
        .iter()
        .map(|problem| format!("from the trusted head {trusted}: {problem}"))
        .collect();
    match read_head(source, &head, "the bundle's log head") {
        Ok(block) if block.mci == mci && block.log == log => {}
        Ok(_) => problems.push(format!(
            "the log head {head} is not at message {mci} with link {log} as the bundle says"
        )),
        Err(problem) => problems.push(problem),
    }
    if walked.unattested > 0 {
        problems.push(format!(
            "between the trusted head {trusted} and the bundle the relayer changed without the old key's signature: {}",
            walked.rotations.join("; ")
        ));
    }
    if problems.is_empty()
        && Address::parse_any(&walked.relayer).ok() != Address::parse_any(&root.relayer).ok()
    {
        problems.push(format!(
            "the log from the trusted head leads to relayer {}, but the bundle is signed by {}",
            walked.relayer, root.relayer
        ));
    }
    if !problems.is_empty() {
        report.problems.extend(problems);
        return;
    }
    report.relayer_pinned = true;
    report.notes.push(format!(
        "relayer pinned by the trusted head {trusted} ({}): {} heads and {} messages replayed to the bundle's log head{}",
        walked.first_relayer,
        walked.heads,
        walked.messages,
        if walked.rotations.is_empty() {
            String::new()
        } else {
            format!("; {}", walked.rotations.join("; "))
        }
    ));
}
