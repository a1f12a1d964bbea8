//! The verifier's report: what was checked, and every problem found.

use serde_json::Value;

/// What was checked, and every mismatch found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub root: String,
    pub proposal: String,
    /// A case bundle's case id (then `proposal` stays empty).
    pub case: Option<String>,
    /// Case messages replayed.
    pub case_messages: usize,
    pub relayer: String,
    /// Whether the caller named the relayer that must have signed
    /// (otherwise the bundle is only shown consistent with itself).
    pub relayer_pinned: bool,
    pub blocks: usize,
    pub votes: usize,
    pub counted: usize,
    pub superseded: usize,
    pub signatures: usize,
    pub inputs: usize,
    pub inputs_from_snapshots: usize,
    pub inputs_from_chain: usize,
    /// Messages of the log extract replayed to the signed head.
    pub log_messages: usize,
    pub result: Option<Value>,
    pub problems: Vec<String>,
    pub notes: Vec<String>,
    /// Wall time of each phase, in order.
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

impl Report {
    /// True when nothing failed.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// A readable report: what was checked, then every problem.
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(out, "bundle   {}", self.root);
        match &self.case {
            Some(case) => {
                let _ = writeln!(out, "case     {case}");
                let _ = writeln!(out, "relayer  {}", self.relayer);
                let _ = writeln!(
                    out,
                    "checked  {} blocks, {} signatures, {} case messages replayed under the court's rules",
                    self.blocks, self.signatures, self.case_messages
                );
            }
            None => {
                let _ = writeln!(out, "proposal {}", self.proposal);
                let _ = writeln!(out, "relayer  {}", self.relayer);
            }
        }
        if self.case.is_none() {
            let _ = writeln!(
            out,
            "checked  {} blocks, {} signatures, {} votes ({} counted, {} superseded), {} voting-power inputs ({} against imported snapshots, {} against the chain)",
            self.blocks, self.signatures, self.votes, self.counted, self.superseded,
            self.inputs, self.inputs_from_snapshots, self.inputs_from_chain
        );
        }
        if self.log_messages > 0 {
            let _ = writeln!(
                out,
                "log      {} messages replayed to the signed head; every listed vote at its position",
                self.log_messages
            );
        }
        if let Some(result) = &self.result {
            let _ = writeln!(out, "result   {result}");
        }
        let timings: Vec<String> = self
            .timings
            .iter()
            .map(|(phase, time)| format!("{phase} {:.3} s", time.as_secs_f64()))
            .collect();
        if !timings.is_empty() {
            let _ = writeln!(out, "timings  {}", timings.join(", "));
        }
        for note in &self.notes {
            let _ = writeln!(out, "note     {note}");
        }
        if self.ok() && !self.relayer_pinned {
            let _ = writeln!(
                out,
                "OK, BUT THE RELAYER IS NOT PINNED: the outcome re-derives from the bundle, which is consistent with itself; who vouches for it is not established (pass --relayer or --trusted-head)"
            );
        } else if self.ok() {
            let _ = writeln!(out, "OK: the outcome re-derives from the bundle");
        } else {
            let _ = writeln!(out, "FAILED: {} problem(s)", self.problems.len());
            for problem in &self.problems {
                let _ = writeln!(out, "  - {problem}");
            }
        }
        out
    }
}
