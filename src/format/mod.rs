//! The formats votehub publishes as IPFS blocks, typed in one place: what the
//! server writes and what any verifier reads. Each type's documentation is
//! the format's specification (docs/audit-format.md walks through them); a change
//! to a field here is a change of format and bumps its version string.
//!
//! Blocks are canonical DAG-JSON ([`crate::ipld::dag_json`]): keys sorted
//! bytewise, no whitespace, links `{"/": CID}`.

pub mod bundle;
pub mod case;
pub mod log;
