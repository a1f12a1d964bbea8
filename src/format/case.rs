//! Case bundles (`votehub-case-root/1`, `votehub-case-bundle/1`):
//! everything needed to re-derive a closed case from IPFS alone.
//!
//! ```text
//! CaseRoot ──bundle──▶ CaseBody ──messages[].envelope──▶ every signed message of the case, raw blocks
//!                               ──jury.pool──▶ the eligible pool as published (CSV, raw block)
//!                               ──jury.settings──▶ the court-settings message then in force
//!                               ──roles[].election──▶ the election message that made the arbitrator
//!                               ──roles[].audit──▶ the election proposal's audit bundle root
//! ```
//!
//! The root carries the relayer's EIP-191 signature of [`statement`]; the
//! body's `received` times are the relayer's word, everything else is
//! re-derived: signatures, the case's rules and deadlines, the pool's hash,
//! the randomness, the draw, the seats and the ruling.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ipld::Link;

/// `format` of a case bundle's root block.
pub const ROOT_FORMAT: &str = "votehub-case-root/1";
/// `format` of a case bundle's body block.
pub const BODY_FORMAT: &str = "votehub-case-bundle/1";

/// The text the relayer signs for a case bundle body.
pub fn statement(case: &str, body_cid: &str) -> String {
    format!("votehub case bundle of case {case}: {body_cid}")
}

/// The root block: who vouches for which body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseRoot {
    /// Always [`ROOT_FORMAT`].
    pub format: String,
    pub bundle: Link,
    /// The case id: the claim's message id.
    pub case: String,
    pub space: String,
    /// The relayer's address, EIP-55.
    pub relayer: String,
    /// The relayer's `personal_sign` of [`statement`]`(case, body CID)`.
    pub signature: String,
}

/// The body block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseBody {
    /// Always [`BODY_FORMAT`].
    pub format: String,
    /// The version of votehub that built the bundle.
    pub votehub: String,
    pub case: String,
    pub space: String,
    /// Every message of the case, the claim first, in receipt order.
    pub messages: Vec<CaseMessage>,
    /// The jury phase's published inputs, if the jury was opened.
    pub jury: Option<BundledJury>,
    /// The role the arbitrator held when accepting, and its proof.
    pub roles: Vec<RoleProof>,
    /// The case as votehub derived it at close (the `stage`, `settled`,
    /// `draw`, `seating`, `ruling` and `closed` of the case reply).
    pub outcome: Value,
}

/// One signed message and when the relayer received it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseMessage {
    /// The raw block pinned at acceptance.
    pub envelope: Link,
    /// Server receipt time, Unix seconds.
    pub received: i64,
}

/// What the jury was drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundledJury {
    /// The pool as published: `address,weight` CSV in canonical order; its
    /// SHA-256 is the `pool` the `open-jury` message signed.
    pub pool: Link,
    /// The space's court settings when the jury opened.
    pub settings: Value,
    /// The `court-settings` message they come from (`None`: the defaults).
    pub settings_message: Option<Link>,
    /// The space's network: where a `block:` seed's hash is read.
    pub network: String,
}

/// An arbitrator's role at acceptance, and the election that gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleProof {
    pub role: String,
    pub holder: String,
    pub since: i64,
    pub until: i64,
    /// The signed `election` message.
    pub election: Link,
    /// The election's proposal id.
    pub proposal: String,
    /// The election proposal's audit bundle: its votes and result, which
    /// name the winners. `None` if it was not built yet.
    pub audit: Option<Link>,
}
