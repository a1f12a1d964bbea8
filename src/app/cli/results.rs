//! `votehub tally`: a proposal's result, as a table or its canonical JSON.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use serde_json::Value;

use super::data::open_store;
use crate::clock::unix_now;

/// `votehub tally`.
pub(super) fn tally(data: &Path, proposal: &str, json: bool) -> anyhow::Result<ExitCode> {
    let proposal = proposal.to_lowercase();
    let store = open_store(data)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = runtime
        .block_on(crate::results::current(
            &store,
            None,
            &proposal,
            unix_now(),
            crate::tally::outcome::FINALIZE_DELAY,
        ))?
        .with_context(|| format!("no proposal {proposal}"))?
        .json;
    if json {
        println!("{result}");
    } else {
        print!("{}", table(&serde_json::from_str(&result)?));
        let audit = store.reader()?.db().proposal(&proposal)?;
        match audit.and_then(|p| p.audit_cid) {
            Some(cid) => println!("audit bundle {cid} (votehub verify {cid} --gateway …)"),
            None => println!("audit bundle: built when the result is final"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A result as a readable table.
fn table(result: &Value) -> String {
    use std::fmt::Write;
    let number = |value: &Value| value.as_f64().unwrap_or(0.0);
    let total = number(&result["scores_total"]);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "proposal {} ({}), {}",
        result["proposal"].as_str().unwrap_or(""),
        result["type"].as_str().unwrap_or(""),
        result["scores_state"].as_str().unwrap_or("")
    );
    let _ = writeln!(out, "{:<32} {:>20} {:>8}", "choice", "score", "share");
    let choices = result["choices"].as_array().cloned().unwrap_or_default();
    for (choice, score) in choices
        .iter()
        .zip(result["scores"].as_array().cloned().unwrap_or_default())
    {
        let score = number(&score);
        let share = if total > 0.0 {
            score / total * 100.0
        } else {
            0.0
        };
        let _ = writeln!(
            out,
            "{:<32} {:>20} {:>7.2}%",
            choice.as_str().unwrap_or(""),
            score,
            share
        );
    }
    let _ = writeln!(
        out,
        "{:<32} {:>20} ({} votes)",
        "total", total, result["votes"]
    );
    if number(&result["quorum"]) > 0.0 || result.get("outcome").is_some() {
        let _ = writeln!(
            out,
            "quorum {} ({}): {} counted, {}",
            number(&result["quorum"]),
            result["quorumType"].as_str().unwrap_or(""),
            number(&result["quorum_votes"]),
            result["outcome"].as_str().unwrap_or("")
        );
    }
    out
}
