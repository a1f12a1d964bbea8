//! Audit bundles (`votehub-audit-root/1`, `votehub-audit-bundle/2`):
//! everything needed to re-derive a closed proposal's outcome from IPFS
//! alone. A bundle is a DAG of DAG-JSON blocks:
//!
//! ```text
//! Root ──bundle──▶ Body ──proposal.envelopes──▶ signed proposal (+ updates), raw blocks
//!                       ──space.settings[_at_close]──▶ settings messages, raw blocks
//!                       ──sources[].source.snapshot──▶ imported balance file (UnixFS)
//!                       ──aliases──▶ alias messages, raw blocks
//!                       ──votes.chunks──▶ Chunk ──votes[].envelope──▶ vote messages, raw blocks
//!                       ──log.segments──▶ Segment (the message log from the proposal to the close)
//! ```
//!
//! Vote and proposal envelopes are the raw blocks pinned at acceptance. The
//! root carries the relayer's EIP-191 signature of [`statement`], so a
//! verifier learns who vouches for the body.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ipld::Link;
use crate::tally::outcome::Terms;
use crate::tally::VotingType;

/// `format` of a bundle's root block.
pub const ROOT_FORMAT: &str = "votehub-audit-root/1";
/// `format` of a bundle's body block.
pub const BODY_FORMAT: &str = "votehub-audit-bundle/2";
/// The first body format: the log head named, without the log extract.
/// Still read, so bundles published under it stay verifiable.
pub const BODY_FORMAT_V1: &str = "votehub-audit-bundle/1";
/// Largest vote chunk, in bytes (the sum of its entries' JSON lengths plus
/// one each): far below Kubo's 1 MiB block limit.
pub const CHUNK_BYTES: usize = 512 * 1024;

/// The text the relayer signs for a bundle body.
pub fn statement(proposal: &str, body_cid: &str) -> String {
    format!("votehub audit bundle of proposal {proposal}: {body_cid}")
}

/// The root block: who vouches for which body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Root {
    /// Always [`ROOT_FORMAT`].
    pub format: String,
    /// The body block.
    pub bundle: Link,
    /// The proposal id (`0x` digest of its signed message).
    pub proposal: String,
    /// The relayer's address, EIP-55.
    pub relayer: String,
    /// The relayer's `personal_sign` of [`statement`]`(proposal, body CID)`.
    pub signature: String,
}

/// The body block: the proposal, its space's settings, the voting-power
/// sources, the votes and the result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Body {
    /// Always [`BODY_FORMAT`].
    pub format: String,
    /// The version of votehub that built the bundle.
    pub votehub: String,
    pub proposal: BundledProposal,
    pub space: BundledSpace,
    /// The proposal's snapshot block.
    pub snapshot: u64,
    /// Every kind of balance read the strategies made; entries of
    /// [`Entry::inputs`] and [`ExtraInput`] point here by index.
    pub sources: Vec<Source>,
    /// Values read for addresses that are not voters (delegations and the
    /// like): `[strategy index, source index, address, value]`.
    pub extra_inputs: Vec<ExtraInput>,
    /// Alias messages that signed listed votes on behalf of their voters.
    pub aliases: Vec<Link>,
    pub votes: VoteList,
    /// The final result as votehub computed it (`tally::outcome`'s JSON).
    pub result: Value,
    /// Where the proposal's messages sit in the message log (format 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<LogExtract>,
    /// Format 1 only: the log head pinned at close, named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_head: Option<HeadRef>,
}

/// The proposal: its signed envelopes and the fields votehub froze from them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundledProposal {
    pub id: String,
    /// The signed proposal message, then each accepted update, in order.
    pub envelopes: Vec<Link>,
    pub frozen: FrozenProposal,
}

/// A proposal as votehub stored it at close: the signed fields (after the
/// last update) and the space rules frozen at creation (`network`, `symbol`,
/// `strategies`, `validation`, `quorum`, `quorumType`, `privacy`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrozenProposal {
    pub id: String,
    pub author: String,
    pub created: i64,
    pub updated: Option<i64>,
    pub space: String,
    pub network: String,
    pub symbol: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub strategies: Value,
    pub validation: Value,
    pub plugins: Value,
    pub title: String,
    pub body: String,
    pub discussion: String,
    pub choices: Vec<String>,
    pub labels: Vec<String>,
    pub start: i64,
    pub end: i64,
    pub snapshot: i64,
    pub quorum: f64,
    #[serde(rename = "quorumType")]
    pub quorum_type: String,
    pub privacy: String,
    pub app: String,
}

impl FrozenProposal {
    /// What counting needs of the proposal.
    pub fn terms(&self) -> Terms<'_> {
        Terms {
            id: &self.id,
            kind: &self.kind,
            voting_type: VotingType::parse(&self.kind).unwrap_or(VotingType::Custom),
            choices: &self.choices,
            strategies: self.strategies.as_array().map_or(0, Vec::len),
            quorum: self.quorum,
            quorum_type: &self.quorum_type,
            end: self.end,
        }
    }
}

/// The space's settings messages that governed the proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundledSpace {
    pub id: String,
    /// The settings message in force when the proposal was created.
    pub settings: Option<Link>,
    /// The settings message in force at close.
    pub settings_at_close: Option<Link>,
}

/// One kind of balance read at one block: a strategy's question to its
/// balance source, and where the answers can be re-checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ReadKey {
    /// `erc20_balances`, `eth_balances` or `token_votes`.
    pub call: String,
    pub network: String,
    /// Token contract, checksummed (none for native balances).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The votes method (`getPriorVotes`...) of a `token_votes` read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    pub block: u64,
}

/// A [`ReadKey`] and where its values came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    #[serde(flatten)]
    pub key: ReadKey,
    pub source: Origin,
}

/// Where a source's values came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// An imported balance file (`{"snapshot": →file}`), re-checkable offline.
    Snapshot(Link),
    /// A chain node (`"chain"`), re-checkable with `--rpc`.
    Chain,
}

/// `[strategy index, source index, address, value]`: a value read for an
/// address that is not a counted voter. Values are decimal base units.
pub type ExtraInput = (usize, usize, String, String);

/// How many vote messages the bundle lists and where they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteList {
    /// Entries in all chunks (counted and superseded).
    pub listed: usize,
    /// Entries not superseded: one per voter.
    pub counted: usize,
    pub chunks: Vec<Link>,
}

/// The message log from the proposal's first message to the head pinned at
/// close, with that head's signed statement: replaying `previous_log`
/// through the segments' entries must give `log`, and every listed vote must
/// sit in them at its `mci` with its id, CID and `log` link.
///
/// The head is named by CID, not linked: a head links the one before it, so
/// a link would pull the whole log's history into every bundle's DAG and CAR.
/// Its signature covers only `(mci, log)`, copied here, so the extract is
/// checkable from the bundle alone; the head block itself stays a
/// cross-reference for `verify-log`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogExtract {
    /// The head pinned at close (a `votehub-log-head/1` block).
    pub head: String,
    /// The head's last message and its link.
    pub mci: i64,
    pub log: String,
    /// The head's relayer (EIP-55) and its `personal_sign` of
    /// `crate::format::log::head_statement(mci, log)`.
    pub relayer: String,
    pub signature: String,
    /// The first message in the extract, and the link before it.
    pub from: i64,
    pub previous_log: String,
    /// Messages `from..=mci` (`crate::format::log::Segment` blocks).
    pub segments: Vec<Link>,
}

/// Format 1: the log head pinned at close.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadRef {
    pub cid: String,
    pub mci: i64,
    pub log: String,
}

/// A block of vote entries, in acceptance order across chunks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    pub votes: Vec<Entry>,
}

/// One accepted vote message of the proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The vote message as pinned at acceptance (raw block).
    pub envelope: Link,
    /// Its id (EIP-712 digest).
    pub id: String,
    /// The voter it counts for (the alias's account for an alias vote).
    pub voter: String,
    /// Its position in the message log, and its log link.
    pub mci: i64,
    pub log: String,
    /// When votehub accepted it, Unix milliseconds.
    pub received: i64,
    /// True when a later vote of the same voter replaced it.
    pub superseded: bool,
    /// Counted votes only: the voter's power, in total and per strategy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vp: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vp_by_strategy: Option<Vec<f64>>,
    /// Counted votes only: per strategy, the `[source index, value]` reads
    /// that gave the power.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Vec<Vec<(usize, String)>>>,
}
