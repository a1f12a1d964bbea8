//! Server configuration: a TOML file, overridden by `VOTEHUB_*` variables and
//! flags (clap resolves those two; this module merges them over the file).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::ingest::rules::Limits;

/// Default ingest rate limit, requests per minute per IP (Snapshot's sequencer: 100).
pub const DEFAULT_RATE_LIMIT: u32 = 100;

/// What `votehub serve` runs with.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServeConfig {
    /// Address to listen on.
    pub listen: String,
    /// Ingest requests per minute per IP; 0 turns the limit off.
    pub rate_limit: u32,
    /// GET requests per minute per IP; 0 (the default) turns the limit off.
    pub read_rate_limit: u32,
    /// Reverse proxies (IP addresses) whose `Forwarded` / `X-Forwarded-For`
    /// headers name the client for the rate limits; ignored from any other peer.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Largest HTTP body accepted, in bytes (larger bodies get 413).
    pub max_body: usize,
    /// Milliseconds a client may take to send a request body (then 408).
    pub body_timeout_ms: u64,
    /// Milliseconds a client may take to send the head of the first request
    /// on a connection (then 408 and the connection is closed).
    pub header_timeout_ms: u64,
    /// Requests one client (IP, or the client a trusted proxy names) may
    /// have in flight at once, reply included (429 above it); 0 turns it off.
    pub max_requests_per_client: usize,
    /// HTTP worker threads (default: one per core).
    pub workers: usize,
    /// Most messages committed in one transaction.
    pub batch: usize,
    /// Protocol limits.
    pub limits: Limits,
    /// JSON-RPC endpoints by network id: strategies on these networks read the
    /// chain at the snapshot block (instead of imported snapshots), and
    /// contract-wallet signatures (EIP-1271, EIP-6492) are checked there.
    pub rpc: std::collections::HashMap<String, String>,
    /// Opt-in pinning of every stored block to Kubo (`[ipfs] api = "…"`).
    pub ipfs: crate::pinning::IpfsConfig,
    /// Audit bundles and log heads.
    pub audit: AuditConfig,
}

/// When results freeze, bundles are built and log heads pinned.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// Seconds after a proposal's end before its result is final and its
    /// bundle built (Snapshot: 60).
    pub finalize_delay: i64,
    /// Seconds between periodic log heads.
    pub log_head_interval: i64,
    /// Milliseconds between checks for closed proposals.
    pub tick_ms: u64,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            finalize_delay: crate::tally::outcome::FINALIZE_DELAY,
            log_head_interval: 60,
            tick_ms: 5_000,
        }
    }
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            listen: "127.0.0.1:3000".into(),
            rate_limit: DEFAULT_RATE_LIMIT,
            read_rate_limit: 0,
            trusted_proxies: Vec::new(),
            max_body: 1 << 20,
            body_timeout_ms: 10_000,
            header_timeout_ms: 5_000,
            max_requests_per_client: crate::http::DEFAULT_MAX_REQUESTS_PER_CLIENT,
            workers: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            batch: 512,
            limits: Limits::default(),
            rpc: std::collections::HashMap::new(),
            ipfs: crate::pinning::IpfsConfig::default(),
            audit: AuditConfig::default(),
        }
    }
}

impl ServeConfig {
    /// Reads a TOML file; missing keys keep their defaults.
    pub fn from_file(path: &Path) -> anyhow::Result<ServeConfig> {
        let text = std::fs::read_to_string(path)
            .map_err(|err| anyhow::anyhow!("{}: {err}", path.display()))?;
        toml::from_str(&text).map_err(|err| anyhow::anyhow!("{}: {err}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_values_and_defaults_merge() {
        let config: ServeConfig =
            toml::from_str("rate_limit = 5\n[limits]\nchoices = 50\n").unwrap();
        assert_eq!(config.rate_limit, 5);
        assert_eq!(config.limits.choices, 50);
        assert_eq!(config.limits.body_length, 10_000);
        assert_eq!(config.listen, "127.0.0.1:3000");
        assert_eq!(config.max_requests_per_client, 64);
        assert_eq!(config.header_timeout_ms, 5_000);
        let config: ServeConfig =
            toml::from_str("max_requests_per_client = 0\nheader_timeout_ms = 2000\n").unwrap();
        assert_eq!(
            (config.max_requests_per_client, config.header_timeout_ms),
            (0, 2_000)
        );
        assert!(toml::from_str::<ServeConfig>("unknown = 1").is_err());
    }

    #[test]
    fn the_ipfs_table_is_optional_and_checked() {
        assert_eq!(ServeConfig::default().ipfs.api, None);
        let config: ServeConfig =
            toml::from_str("[ipfs]\napi = \"http://127.0.0.1:5001\"\nretry_base_ms = 10\n")
                .unwrap();
        assert_eq!(config.ipfs.api.as_deref(), Some("http://127.0.0.1:5001"));
        assert_eq!(config.ipfs.retry_base_ms, 10);
        assert_eq!(config.ipfs.timeout_ms, 30_000);
        assert!(toml::from_str::<ServeConfig>("[ipfs]\nurl = \"x\"\n").is_err());
    }
}
