//! The `votehub` program: the command line (`cli`), its configuration file,
//! the demo data and the relayer key. The only place that prints, exits or
//! uses `anyhow`.

pub mod cli;
pub mod config;
pub mod demo;
pub mod relayer_key;
