//! `votehub jury`: community juries.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::jury::draw::{draw as run_draw, hex_address, Pool};

/// `votehub jury draw`: the selected addresses in draw order, one per line.
pub(super) fn draw(
    pool: &Path,
    seed: &str,
    case_id: &str,
    seats: usize,
) -> anyhow::Result<ExitCode> {
    let seed = parse_seed(seed)?;
    let text =
        std::fs::read_to_string(pool).with_context(|| format!("reading {}", pool.display()))?;
    let parsed = Pool::from_csv(&text).with_context(|| format!("{}", pool.display()))?;
    let mut out = String::new();
    for address in run_draw(&parsed, &seed, case_id, seats) {
        out.push_str(&hex_address(&address));
        out.push('\n');
    }
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

/// `votehub jury case`: a case as it stands now, read from the store.
pub(super) fn show_case(
    data: &Path,
    space: &str,
    case_id: &str,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let store = super::data::open_store(data)?;
    let reader = store.reader()?;
    let now = crate::clock::unix_now();
    let case = crate::reads::case_reply(&reader.db(), space, case_id, now)?
        .with_context(|| format!("no case {case_id} in space {space}"))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&case)?);
        return Ok(ExitCode::SUCCESS);
    }
    let value = serde_json::to_value(&case)?;
    let text = |key: &str| match &value[key] {
        serde_json::Value::Null => "-".to_string(),
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let mut out = String::new();
    for (label, key) in [
        ("case", "id"),
        ("space", "space"),
        ("stage", "stage"),
        ("claimant", "claimant"),
        ("respondent", "respondent"),
        ("outcome", "outcome"),
        ("filed", "filed"),
        ("overdue", "overdue"),
        ("arbitrator", "arbitrator"),
        ("answer by", "answer_deadline"),
        ("closed", "closed"),
        ("bundle", "audit_cid"),
    ] {
        out.push_str(&format!("{label:<11}{}\n", text(key)));
    }
    if let Some(jury) = &case.jury {
        out.push_str(&format!(
            "jury       opened {}, pool of {} ({}), block {}, seed {}\n",
            jury.opened, jury.pool_size, jury.pool_hash, jury.block, jury.seed
        ));
    }
    if let Some(drawn) = &case.draw {
        let list = |addresses: &[crate::protocol::signature::Address]| {
            addresses
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push_str(&format!("jurors     {}\n", list(&drawn.jurors)));
        out.push_str(&format!("alternates {}\n", list(&drawn.alternates)));
    }
    for ballot in &case.ballots {
        out.push_str(&format!(
            "ballot     {} {}\n",
            ballot.juror,
            serde_json::to_string(&ballot.decision)?
        ));
    }
    if let Some(ruling) = &case.ruling {
        out.push_str(&format!("ruling     {}\n", serde_json::to_string(ruling)?));
    }
    if let Some(settled) = &case.settled {
        out.push_str(&format!("settled    {}\n", settled.terms));
    }
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

fn parse_seed(seed: &str) -> anyhow::Result<[u8; 32]> {
    let digits = seed
        .strip_prefix("0x")
        .filter(|digits| digits.len() == 64)
        .context("the seed must be 0x and 64 hex digits (32 bytes)")?;
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(digits, &mut bytes)
        .context("the seed must be 0x and 64 hex digits (32 bytes)")?;
    Ok(bytes)
}
