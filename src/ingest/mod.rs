//! The whole ingest chain in one readable function, in the order of Snapshot's
//! sequencer: envelope → size → timestamp → domain → kind → space → alias →
//! signature → replay → kind rules → CID and receipt → durable write.

pub mod rules;

use std::sync::Arc;

use serde_json::Value;

use crate::chain::Chains;
use crate::clock::{unix_ms, unix_now};
use crate::ipld;
use crate::protocol::envelope::{Envelope, EnvelopeError};
use crate::protocol::rejection::Rejection;
use crate::protocol::signature::{self, Address, Signer};
use crate::protocol::typed_data::{self, Kind};
use crate::store::writer::{Apply, WriteError, Writer};
use crate::store::{Db, MessageRow, RowCache, RowView, Store, StoreError};
use rules::{Action, Limits, Stamp};

/// Accepted this far in the future, in seconds (Snapshot: 300).
pub const MAX_FUTURE: i64 = 300;
/// Accepted this far in the past, in seconds (Snapshot: six days).
pub const MAX_PAST: i64 = 60 * 60 * 24 * 6;

/// Kinds an alias may sign on behalf of its main account.
const ALIAS_KINDS: &[Kind] = &[
    Kind::Follow,
    Kind::Unfollow,
    Kind::Subscribe,
    Kind::Unsubscribe,
    Kind::Profile,
    Kind::Statement,
    Kind::Vote,
    Kind::VoteArray,
    Kind::VoteString,
    Kind::Proposal,
    Kind::UpdateProposal,
    Kind::DeleteProposal,
    Kind::FlagProposal,
];

/// Why a message was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// Refused under Snapshot's rules, with its exact text.
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// The store failed while checking the message.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The writer failed to store the message.
    #[error("{0}")]
    Write(String),
    /// A blocking task panicked or was cancelled.
    #[error("a blocking task failed: {0}")]
    Task(String),
}

impl From<WriteError> for IngestError {
    fn from(err: WriteError) -> Self {
        match err {
            WriteError::Refused(rejection) => IngestError::Rejected(rejection),
            other => IngestError::Write(other.to_string()),
        }
    }
}

/// What the client gets back for an accepted message.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Receipt {
    pub id: String,
    pub ipfs: String,
    pub relayer: RelayerReceipt,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct RelayerReceipt {
    pub address: String,
    pub receipt: String,
}

/// The ingest service: shared by every HTTP worker.
#[derive(Clone)]
pub struct Ingestor {
    store: Store,
    writer: Writer,
    relayer: Arc<Signer>,
    limits: Arc<Limits>,
    chains: Chains,
    rows: Arc<RowCache>,
}

impl Ingestor {
    pub fn new(store: Store, writer: Writer, relayer: Signer, limits: Limits) -> Self {
        Ingestor {
            store,
            writer,
            relayer: Arc::new(relayer),
            limits: Arc::new(limits),
            chains: Chains::default(),
            rows: Arc::default(),
        }
    }

    /// Checks contract-wallet signatures and reads voting power through these
    /// JSON-RPC endpoints, on their networks.
    pub fn with_chains(mut self, chains: Chains) -> Self {
        self.chains = chains;
        self
    }

    /// The JSON-RPC nodes, for the score API's voting power.
    pub fn chains(&self) -> &Chains {
        &self.chains
    }

    /// The relayer key, which also signs audit bundles and log heads.
    pub fn relayer(&self) -> &Arc<Signer> {
        &self.relayer
    }

    pub fn relayer_address(&self) -> Address {
        self.relayer.address()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn writer(&self) -> &Writer {
        &self.writer
    }

    /// Verifies, checks and durably stores one envelope.
    pub async fn accept(&self, body: &[u8]) -> Result<Receipt, IngestError> {
        let now = unix_now();
        let (envelope, schema) = Self::shape(body, now)?;
        let prepared = match self.prepared(envelope, schema, now).await {
            // Readers see a group before its fsync: a duplicate is only
            // reported once the copy it rests on is on disk.
            Err(IngestError::Rejected(Rejection::DuplicateMessage)) => {
                self.writer.durable().await?;
                return Err(Rejection::DuplicateMessage.into());
            }
            prepared => prepared?,
        };
        let receipt = prepared.receipt.clone();
        let limits = Arc::clone(&self.limits);
        // A vote's job checks (duplicate, proposal, revote order) before its
        // first write, so it may run without a savepoint (`rules::vote::apply`).
        let checks_first = matches!(prepared.action, Action::Vote(_));
        let changes_rows = prepared.action.changes_spaces_or_proposals();
        let job: Apply = Box::new(move |db| {
            let Prepared {
                message,
                pinned,
                action,
                from,
                ..
            } = prepared;
            if db.message_exists(&message.id)? {
                return Err(Rejection::DuplicateMessage.into());
            }
            let stamp = Stamp {
                id: &message.id,
                ipfs: &message.ipfs,
                from,
                timestamp: message.timestamp,
                now,
                limits: &limits,
            };
            action.apply(db, &stamp)?;
            db.put_block(&message.ipfs, &pinned)?;
            db.insert_message(&message)?;
            Ok(())
        });
        if checks_first {
            self.writer.submit_checked(job).await?;
        } else if changes_rows {
            // Cached rows are dropped the moment the change is visible.
            let rows = Arc::clone(&self.rows);
            self.writer
                .submit_then(job, Box::new(move || rows.invalidate()))
                .await?;
        } else {
            self.writer.submit(job).await?;
        }
        Ok(receipt)
    }

    /// Verification, rules, CID and receipt: everything before the writer.
    async fn prepared(
        &self,
        envelope: Envelope,
        schema: &'static typed_data::Schema,
        now: i64,
    ) -> Result<Prepared, IngestError> {
        if self.chains.is_configured() {
            let verified =
                match self.read(|db, rows| self.verify(envelope, schema, now, db, rows))? {
                    Signature::Ecdsa(verified) => verified,
                    Signature::Contract(verified, network) => {
                        self.check_contract(verified, network).await?
                    }
                };
            // Voting power may be read from a chain node: off the async workers.
            let this = self.clone();
            tokio::task::spawn_blocking(move || {
                this.read(|db, rows| this.prepare(verified, now, db, rows))
            })
            .await
            .map_err(|err| IngestError::Task(err.to_string()))?
        } else {
            // ECDSA only: every step reads the same snapshot.
            self.read(
                |db, rows| match self.verify(envelope, schema, now, db, rows)? {
                    Signature::Ecdsa(verified) => self.prepare(verified, now, db, rows),
                    Signature::Contract(..) => Err(Rejection::SignatureValidationFailed.into()),
                },
            )
        }
    }

    /// `steps` over one read snapshot of the store, and the cached rows as
    /// of a moment before that snapshot began.
    fn read<T>(
        &self,
        steps: impl FnOnce(&Db<'_>, &RowView<'_>) -> Result<T, IngestError>,
    ) -> Result<T, IngestError> {
        let rows = self.rows.view();
        let reader = self.store.ingest_reader()?;
        let snapshot = reader.snapshot()?;
        steps(&Db::new(&snapshot), &rows)
    }

    /// The steps that need no store: shape, size, time, domain, kind, space id.
    fn shape(body: &[u8], now: i64) -> Result<(Envelope, &'static typed_data::Schema), Rejection> {
        let envelope = Envelope::parse(body).map_err(|err| match err {
            EnvelopeError::Format(_) => Rejection::WrongEnvelopeFormat,
            EnvelopeError::Starknet => Rejection::WrongTypes,
            EnvelopeError::TooLarge(_) => Rejection::TooLargeMessage,
        })?;
        envelope
            .check_size()
            .map_err(|_| Rejection::TooLargeMessage)?;
        let timestamp = envelope.timestamp();
        if timestamp > (now + MAX_FUTURE) as f64 || timestamp < (now - MAX_PAST) as f64 {
            return Err(Rejection::WrongTimestamp);
        }
        if envelope
            .message_str("proposal")
            .is_some_and(|p| p.contains(' '))
        {
            return Err(Rejection::ProposalWhitespace);
        }
        // A Snapshot kind under votehub's domain (or the reverse) is `wrong types`.
        let domain = typed_data::Domain::of(envelope.domain()).ok_or(Rejection::WrongDomain)?;
        let schema =
            typed_data::lookup_in(domain, envelope.types()).ok_or(Rejection::WrongTypes)?;
        if let Some(space) = envelope.message_str("space") {
            if (!space.contains(':') || space.starts_with("s:")) && !valid_space_id(space) {
                return Err(Rejection::InvalidSpaceId);
            }
        }
        Ok((envelope, schema))
    }

    /// The steps up to the signature that read the store: space, alias, then
    /// the signature itself.
    fn verify(
        &self,
        envelope: Envelope,
        schema: &'static typed_data::Schema,
        now: i64,
        db: &Db<'_>,
        rows: &RowView<'_>,
    ) -> Result<Signature, IngestError> {
        let kind = schema.kind;
        let space = envelope.message_str("space");
        let space_row = match space {
            Some(space) => rows.space(db, space)?.filter(|row| !row.deleted),
            None => None,
        };
        if space_row.is_none()
            && !matches!(
                kind,
                Kind::Settings | Kind::Alias | Kind::Profile | Kind::DeleteSpace
            )
        {
            return Err(Rejection::UnknownSpace.into());
        }
        let signer = envelope.address();
        let from = envelope.from();
        if signer != from {
            if !ALIAS_KINDS.contains(&kind) {
                return Err(Rejection::AliasNotAllowed(kind.as_str()).into());
            }
            let linked = db
                .alias(&signer.to_string())?
                .is_some_and(|(address, created)| {
                    address == from.to_string() && created > now - crate::protocol::ALIAS_VALIDITY
                });
            if !linked {
                return Err(Rejection::WrongAlias.into());
            }
        }
        let digest =
            typed_data::digest(schema, envelope.domain(), envelope.message()).map_err(|err| {
                tracing::debug!("typed data refused: {err}");
                Rejection::SignatureValidationFailed
            })?;
        let verified = Verified {
            envelope,
            schema,
            digest,
        };
        let recovered = signature::decode_hex_sig(verified.envelope.sig())
            .and_then(|sig| signature::recover(&digest, &sig));
        if recovered.is_ok_and(|address| address == signer) {
            return Ok(Signature::Ecdsa(verified));
        }
        // The space's network decides where a contract wallet is asked (Snapshot: default "1").
        let network = space_row
            .and_then(|row| {
                row.settings
                    .get("network")
                    .and_then(Value::as_str)
                    .map(String::from)
            })
            .unwrap_or_else(|| "1".into());
        if self.chains.has(&network) {
            return Ok(Signature::Contract(verified, network));
        }
        Err(Rejection::SignatureValidationFailed.into())
    }

    /// EIP-6492 or EIP-1271 through the network's JSON-RPC node, off the async workers.
    async fn check_contract(
        &self,
        verified: Verified,
        network: String,
    ) -> Result<Verified, IngestError> {
        let chains = self.chains.clone();
        let wallet = verified.envelope.address();
        let digest = verified.digest;
        let sig = signature::decode_hex_sig(verified.envelope.sig())
            .map_err(|_| Rejection::SignatureValidationFailed)?;
        let answer = tokio::task::spawn_blocking(move || {
            chains.is_valid_signature(&network, wallet, &digest, &sig)
        })
        .await
        .map_err(|err| IngestError::Task(err.to_string()))?;
        match answer {
            Ok(true) => Ok(verified),
            Ok(false) => Err(Rejection::SignatureValidationFailed.into()),
            Err(err) => {
                tracing::warn!(%wallet, "contract signature check failed: {err}");
                Err(Rejection::SignatureValidationFailed.into())
            }
        }
    }

    /// Steps after the signature: replay, kind rules, CID and receipt.
    fn prepare(
        &self,
        verified: Verified,
        now: i64,
        db: &Db<'_>,
        rows: &RowView<'_>,
    ) -> Result<Prepared, IngestError> {
        let Verified {
            envelope,
            schema,
            digest,
        } = verified;
        let kind = schema.kind;
        let domain = envelope.domain();
        let space = envelope.message_str("space");
        let signer = envelope.address();
        let from = envelope.from();
        let timestamp = envelope.timestamp();
        let id = format!("0x{}", hex::encode(digest));
        if db.message_exists(&id)? {
            return Err(Rejection::DuplicateMessage.into());
        }
        let pinned = envelope.pinned_json(&id);
        let ipfs = ipld::raw_cid(&pinned);
        let timestamp = timestamp as i64;
        let ctx = rules::Context {
            db,
            rows,
            chains: &self.chains,
            limits: &self.limits,
            now,
            id: &id,
            ipfs: &ipfs,
            schema,
            message: envelope.message(),
            signer,
            from,
            timestamp,
        };
        let action = rules::check(&ctx)?;
        let receipt_sig = self.relayer.personal_sign(envelope.sig());
        let receipt = Receipt {
            id: id.clone(),
            ipfs: ipfs.clone(),
            relayer: RelayerReceipt {
                address: self.relayer.address().to_string(),
                receipt: receipt_sig.clone(),
            },
        };
        let message = MessageRow {
            mci: 0,
            id,
            ipfs,
            address: signer.to_string(),
            version: domain
                .get("version")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            timestamp,
            space: space.map(str::to_string),
            kind: if kind.is_vote() {
                "vote".into()
            } else {
                kind.as_str().into()
            },
            sig: envelope.sig().to_string(),
            receipt: receipt_sig,
            received: unix_ms(),
            log: String::new(),
        };
        Ok(Prepared {
            message,
            pinned,
            action,
            from,
            receipt,
        })
    }
}

/// A message that passed every read-side rule, waiting for the writer.
struct Prepared {
    message: MessageRow,
    pinned: Vec<u8>,
    action: rules::Action,
    from: Address,
    receipt: Receipt,
}

/// A message whose signature checked out, and its digest (the message id).
struct Verified {
    envelope: Envelope,
    schema: &'static typed_data::Schema,
    digest: [u8; 32],
}

/// How far the signature check got without a chain node.
enum Signature {
    /// Recovered to the envelope `address`.
    Ecdsa(Verified),
    /// Not an ECDSA signature of `address`; its contract is asked on this network.
    Contract(Verified, String),
}

/// Snapshot requires an ENS-normalised id (its own lowercase form). votehub
/// checks the ASCII subset of that rule: lowercase letters, digits, `-`, `.`,
/// `_`, and non-ASCII characters that have no lowercase form of their own.
fn valid_space_id(space: &str) -> bool {
    let id = space.strip_prefix("s:").unwrap_or(space);
    !id.is_empty()
        && id.to_lowercase() == id
        && !id.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn space_ids() {
        assert!(valid_space_id("btrst.eth"));
        assert!(valid_space_id("s:demo"));
        assert!(!valid_space_id("Btrst.eth"));
        assert!(!valid_space_id(""));
    }
}
