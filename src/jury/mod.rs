//! The community's dispute resolution (docs: ../shared braintrust-governance
//! §4 and §6.5). So far: the jury draw, which anyone can re-run from its
//! published inputs alone.

pub mod draw;
