//! Is a verified message allowed now? One file per family of kinds.
//!
//! Each kind is checked in two halves. `check` runs before the message is
//! queued, on a read connection: schema, space and proposal rules, voting
//! power. It yields an [`Action`]. `Action::apply` runs inside the writer's
//! transaction and re-checks only what concurrent messages could change
//! (duplicates, revote order, alias and follow state, space ownership), then
//! writes the derived rows. Neither half writes SQL itself: `store` does.

mod court;
mod proposal;
mod social;
mod space;
mod vote;

use crate::ingest::IngestError;
use crate::store::writer::WriteError;
use serde_json::{Map, Value};

use crate::protocol::rejection::Rejection;
use crate::protocol::signature::Address;
use crate::protocol::typed_data::{Kind, Schema};
use crate::store::{Db, ProposalRow, VoteRow};

pub use space::validate_settings;

/// Operator-set limits with Snapshot's documented defaults.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Proposal body length (Snapshot: 10,000; turbo 40,000).
    pub body_length: usize,
    /// Choices per proposal (Snapshot: 20; turbo 1,000).
    pub choices: usize,
    /// Strategies per space (Snapshot: 8; never more than 10).
    pub strategies: usize,
    /// Spaces one user may follow (Snapshot docs: 25).
    pub follows: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_length: 10_000,
            choices: 20,
            strategies: 8,
            follows: 25,
        }
    }
}

/// Everything `check` may look at for one message.
pub(crate) struct Context<'a> {
    pub db: &'a Db<'a>,
    /// Spaces and proposals read by earlier messages (`store::RowCache`).
    pub rows: &'a crate::store::RowView<'a>,
    /// JSON-RPC nodes: voting power on their networks is read from the chain.
    pub chains: &'a crate::chain::Chains,
    pub limits: &'a Limits,
    /// Server time, seconds.
    pub now: i64,
    /// The message id (EIP-712 digest, `0x` hex).
    pub id: &'a str,
    pub ipfs: &'a str,
    pub schema: &'static Schema,
    /// The signed (or, for legacy schemas, sent) message.
    pub message: &'a Map<String, Value>,
    /// The envelope `address`: who signed.
    pub signer: Address,
    /// `message.from`: on whose behalf (differs from `signer` for aliases).
    pub from: Address,
    pub timestamp: i64,
}

impl Context<'_> {
    /// A message field, but only if the schema signs it: legacy schemas leave
    /// some fields unsigned, and unsigned input is never trusted.
    pub(crate) fn signed(&self, field: &str) -> Option<&Value> {
        self.schema.field(field).and(self.message.get(field))
    }

    pub(crate) fn signed_str(&self, field: &str) -> Option<&str> {
        self.signed(field).and_then(Value::as_str)
    }
}

/// The derived change a message makes, ready for the writer.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    Settings(space::SettingsChange),
    DeleteSpace { space: String, actor: Address },
    Proposal(Box<ProposalRow>),
    UpdateProposal(Box<ProposalRow>),
    DeleteProposal { proposal: String },
    FlagProposal { proposal: String },
    Vote(Box<VoteRow>),
    Alias { address: Address, alias: Address },
    Follow { space: String, network: String },
    Unfollow { space: String, network: String },
    Subscribe { space: String },
    Unsubscribe { space: String },
    Profile { profile: Value },
    Statement(social::StatementRow),
    Court(Box<court::CourtWrite>),
}

/// Runs the read-side rules of a verified message.
pub(crate) fn check(ctx: &Context<'_>) -> Result<Action, IngestError> {
    match ctx.schema.kind {
        Kind::Settings => space::check_settings(ctx),
        Kind::DeleteSpace => space::check_delete(ctx),
        Kind::Proposal => proposal::check_create(ctx),
        Kind::UpdateProposal => proposal::check_update(ctx),
        Kind::DeleteProposal => proposal::check_delete(ctx),
        Kind::FlagProposal => proposal::check_flag(ctx),
        Kind::Vote | Kind::VoteArray | Kind::VoteString => vote::check(ctx),
        Kind::Alias => social::check_alias(ctx),
        Kind::Follow => social::check_follow(ctx),
        Kind::Unfollow => social::check_unfollow(ctx),
        Kind::Subscribe => Ok(Action::Subscribe {
            space: space_of(ctx)?,
        }),
        Kind::Unsubscribe => Ok(Action::Unsubscribe {
            space: space_of(ctx)?,
        }),
        Kind::Profile => social::check_profile(ctx),
        Kind::Statement => social::check_statement(ctx),
        _ => court::check(ctx),
    }
}

/// What the writer needs besides the action.
pub(crate) struct Stamp<'a> {
    pub id: &'a str,
    pub ipfs: &'a str,
    pub from: Address,
    pub timestamp: i64,
    pub now: i64,
    pub limits: &'a Limits,
}

impl Action {
    /// Re-checks what may have changed since `check` and writes the rows.
    /// Whether writing this changes a space or a proposal row, which votes
    /// read through `store::RowCache`.
    pub(crate) fn changes_spaces_or_proposals(&self) -> bool {
        matches!(
            self,
            Action::Settings(_)
                | Action::DeleteSpace { .. }
                | Action::Proposal(_)
                | Action::UpdateProposal(_)
                | Action::DeleteProposal { .. }
                | Action::FlagProposal { .. }
        )
    }

    pub(crate) fn apply(&self, db: &Db<'_>, stamp: &Stamp<'_>) -> Result<(), WriteError> {
        let from = stamp.from.to_string();
        match self {
            Action::Settings(change) => space::apply_settings(db, change, stamp),
            Action::DeleteSpace { space, actor } => {
                space::apply_delete(db, space, *actor, stamp.now)
            }
            Action::Proposal(row) => Ok(db.insert_proposal(row)?),
            Action::UpdateProposal(row) => Ok(db.update_proposal(row)?),
            Action::DeleteProposal { proposal } => Ok(db.delete_proposal(proposal)?),
            Action::FlagProposal { proposal } => Ok(db.flag_proposal(proposal)?),
            Action::Vote(row) => vote::apply(db, row),
            Action::Alias { address, alias } => social::apply_alias(db, *address, *alias, stamp),
            Action::Follow { space, network } => {
                if db.follows(&from, space, network)? {
                    return Err(Rejection::AlreadyFollowing.into());
                }
                if db.follow_count(&from)? >= stamp.limits.follows {
                    return Err(Rejection::FollowLimit(stamp.limits.follows).into());
                }
                Ok(db.put_follow(stamp.id, stamp.ipfs, &from, space, network, stamp.timestamp)?)
            }
            Action::Unfollow { space, network } => {
                if !db.follows(&from, space, network)? {
                    return Err(Rejection::NotFollowing.into());
                }
                Ok(db.delete_follow(&from, space, network)?)
            }
            Action::Subscribe { space } => {
                Ok(db.put_subscription(stamp.id, stamp.ipfs, &from, space, stamp.timestamp)?)
            }
            Action::Unsubscribe { space } => Ok(db.delete_subscription(&from, space)?),
            Action::Profile { profile } => {
                Ok(db.put_profile(&from, stamp.ipfs, profile, stamp.timestamp)?)
            }
            Action::Statement(row) => social::apply_statement(db, row, stamp),
            Action::Court(write) => court::apply(db, write, stamp),
        }
    }
}

/// `message.space`, which every kind but alias and profile carries.
fn space_of(ctx: &Context<'_>) -> Result<String, IngestError> {
    ctx.message
        .get("space")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or(Rejection::WrongEnvelopeFormat.into())
}

/// Case-insensitive membership of an address in a settings list.
fn listed(settings: &Value, list: &str, address: Address) -> bool {
    settings
        .get(list)
        .and_then(Value::as_array)
        .is_some_and(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .any(|item| item.eq_ignore_ascii_case(&address.to_string()))
        })
}

/// A string within a JSON-schema `maxLength` (Snapshot validates with ajv,
/// which counts code points).
fn short_str(value: Option<&Value>, max: usize) -> Option<&str> {
    value
        .and_then(Value::as_str)
        .filter(|text| schema_len(text) <= max)
}

/// Length as ajv's `maxLength` counts it: code points.
fn schema_len(text: &str) -> usize {
    text.chars().count()
}

/// JavaScript's `String.length` (UTF-16 units), which Snapshot's hand-written
/// checks use (metadata, proposal body, space id).
fn js_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}
