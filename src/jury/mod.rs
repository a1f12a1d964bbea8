//! The community court (docs/court-messages.md; braintrust-governance §4,
//! §6.4, §6.5), pure: the messages as types, the space's court settings,
//! the juror pool, elected roles, a case's replay (stage, deadlines, seats,
//! ruling), the randomness and the draw anyone can re-run. No storage, no
//! network: the `court` service feeds these from the store and the chain.

pub mod case;
pub mod draw;
pub mod messages;
pub mod pool;
pub mod roles;
pub mod seed;
pub mod settings;
