//! Snapshot's wire protocol, as pure functions: the envelope's shape, the
//! EIP-712 schemas and digests, signatures, the rules read from a space's
//! signed settings, and every refusal with Snapshot's exact text. No store,
//! no network, no runtime: the server and the offline verifier share it.

pub mod client;
pub mod envelope;
pub mod rejection;
pub mod settings;
pub mod signature;
pub mod typed_data;

/// How long an alias stays valid after registration, in seconds (Snapshot:
/// 30 days).
pub const ALIAS_VALIDITY: i64 = 60 * 60 * 24 * 30;
