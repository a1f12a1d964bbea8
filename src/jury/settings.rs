//! A space's court settings: signed by a space admin as a `court-settings`
//! message; a space that never signed one uses [`CourtSettings::default`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::protocol::rejection::CourtRefusal;

/// A volunteer serves in the juror pool this long from acceptance: one year.
pub const VOLUNTEER_TERM: i64 = 365 * 24 * 3600;
/// An accepted claim is overdue after this long without an arbitrator: 36 h.
pub const ACCEPT_WITHIN: i64 = 36 * 3600;
/// The respondent answers within this long of acceptance: 10 days.
pub const ANSWER_WITHIN: i64 = 10 * 24 * 3600;
/// A drand round committed to must come at least this long after the jury
/// opens (seconds): no one, the arbitrator included, can know it in time.
pub const SEED_LEAD: i64 = 60;
/// A block committed to must be at least this many blocks past the latest.
pub const SEED_BLOCKS: u64 = 5;
/// Jurors per case.
pub const JURORS: usize = 3;
/// Eyewitnesses per statement.
pub const PANEL: usize = 3;
/// The role that runs cases.
pub const ARBITRATOR: &str = "arbitrator";
/// The arbitrator's default term: six months, as 182 days.
pub const ARBITRATOR_TERM_DAYS: u32 = 182;

/// How the draw weighs volunteers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weighting {
    /// Every eligible volunteer has weight 1.
    #[default]
    Uniform,
    /// Weight = whole tokens of voting power under the space's strategies
    /// at the eligibility block.
    Holdings,
}

/// A role the space elects, and how long a winner holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    pub term_days: u32,
}

impl Role {
    pub fn term_seconds(&self) -> u64 {
        u64::from(self.term_days) * 24 * 3600
    }
}

/// What a space decides about its court.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CourtSettings {
    pub weighting: Weighting,
    /// Whole tokens a volunteer must hold at the eligibility block to be
    /// drawn (0: any volunteer; with uniform weighting too).
    pub minimum: u64,
    /// Ordered alternates drawn after the jurors.
    pub alternates: u32,
    /// Days each seated juror has to vote before an alternate takes the seat.
    pub jury_days: u32,
    /// Elected roles by name; `arbitrator` is always there.
    pub roles: BTreeMap<String, Role>,
}

impl Default for CourtSettings {
    fn default() -> Self {
        CourtSettings {
            weighting: Weighting::Uniform,
            minimum: 0,
            alternates: 3,
            jury_days: 7,
            roles: BTreeMap::from([(
                ARBITRATOR.to_string(),
                Role {
                    term_days: ARBITRATOR_TERM_DAYS,
                },
            )]),
        }
    }
}

impl CourtSettings {
    /// Parses and checks signed settings text.
    pub fn parse(text: &str) -> Result<CourtSettings, CourtRefusal> {
        let settings: CourtSettings =
            serde_json::from_str(text).map_err(|err| CourtRefusal::Settings(err.to_string()))?;
        let bad = |reason: &str| Err(CourtRefusal::Settings(reason.into()));
        if settings.alternates > 20 {
            return bad("alternates must be at most 20");
        }
        if !(1..=60).contains(&settings.jury_days) {
            return bad("jury_days must be between 1 and 60");
        }
        if !settings.roles.contains_key(ARBITRATOR) {
            return bad("roles must define arbitrator");
        }
        for (name, role) in &settings.roles {
            let valid_name = !name.is_empty()
                && name.len() <= 32
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !valid_name {
                return bad("role names are 1 to 32 of a-z, 0-9 and -");
            }
            if !(1..=3660).contains(&role.term_days) {
                return bad("a role's term_days must be between 1 and 3660");
            }
        }
        Ok(settings)
    }

    /// Seconds each seated juror has to vote.
    pub fn jury_period(&self) -> i64 {
        i64::from(self.jury_days) * 24 * 3600
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_what_is_left_out() {
        let settings = CourtSettings::parse(r#"{"weighting":"holdings","minimum":500}"#).unwrap();
        assert_eq!(settings.weighting, Weighting::Holdings);
        assert_eq!(settings.minimum, 500);
        assert_eq!(settings.alternates, 3);
        assert_eq!(settings.roles[ARBITRATOR].term_seconds(), 182 * 86400);
    }

    #[test]
    fn bad_settings_are_refused_with_the_reason() {
        for (text, reason) in [
            (r#"{"weighting":"random"}"#, "unknown variant"),
            (r#"{"jury_days":0}"#, "jury_days"),
            (r#"{"roles":{"jurist":{"term_days":30}}}"#, "arbitrator"),
            (
                r#"{"roles":{"arbitrator":{"term_days":30},"Big Role":{"term_days":1}}}"#,
                "role names",
            ),
            (r#"{"appeals":true}"#, "unknown field"),
        ] {
            let err = CourtSettings::parse(text).unwrap_err().to_string();
            assert!(err.contains(reason), "{text}: {err}");
        }
    }
}
