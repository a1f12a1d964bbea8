//! `votehub serve`: the server on its embedded defaults, or as configured.

use std::net::TcpListener;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

use super::data::{check_store, lock_data_dir, open_store_for_writing};
use super::ServeArgs;
use crate::app::config::ServeConfig;
use crate::ingest::Ingestor;
use crate::integrity::Scope;
use crate::store::writer::Writer;

/// Messages whose blocks and links are checked at every start.
const START_CHECK_MESSAGES: usize = 1_000;

/// `votehub serve`: flags over the configuration file over the defaults.
pub(super) fn serve(data: &Path, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut config = match &args.config {
        Some(path) => ServeConfig::from_file(path)?,
        None => ServeConfig::default(),
    };
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if let Some(rate_limit) = args.rate_limit {
        config.rate_limit = rate_limit;
    }
    for pair in &args.rpc {
        let (network, url) = pair
            .split_once('=')
            .with_context(|| format!("--rpc {pair}: expected NETWORK=URL"))?;
        config.rpc.insert(network.to_string(), url.to_string());
    }
    if let Some(url) = args.ipfs_api {
        config.ipfs.api = Some(url);
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "votehub=info,actix_web=warn".into()),
        )
        .init();
    let store = open_store_for_writing(data)?;
    let _lock = lock_data_dir(data, "starting another server on it")?;
    crate::app::relayer_key::finish_interrupted_rotation(data, &store)?;
    if !args.skip_start_check {
        let report = check_store(&store, Scope::Recent(START_CHECK_MESSAGES))?;
        anyhow::ensure!(
            report.ok(),
            "the store failed its start-up check:\n{}run `votehub check` for the full report; restore the data directory from a backup, or pass --skip-start-check to serve anyway",
            report.render()
        );
    }
    let relayer = crate::app::relayer_key::load_or_create(data)?;
    crate::app::relayer_key::check_identity(&store, &relayer, args.accept_new_relayer)?;
    let writer = Writer::spawn(&store, config.batch)?;
    if !config.rpc.is_empty() {
        let mut networks: Vec<&String> = config.rpc.keys().collect();
        networks.sort();
        tracing::info!(
            ?networks,
            "voting power on these networks is read from their JSON-RPC node"
        );
    }
    if args.clock_offset != 0 {
        crate::clock::set_offset(args.clock_offset);
        tracing::warn!(
            seconds = args.clock_offset,
            "the server's clock runs ahead of the system's (--clock-offset)"
        );
    }
    let ingestor = Ingestor::new(store, writer, relayer, config.limits.clone())
        .with_chains(crate::chain::Chains::new(config.rpc.clone()));
    let listener =
        TcpListener::bind(&config.listen).with_context(|| format!("binding {}", config.listen))?;
    crate::http::run(async move {
        crate::pinning::spawn(&config.ipfs, ingestor.store(), ingestor.writer())?;
        if args.demo {
            match crate::app::demo::load(&ingestor).await? {
                Some(proposal) => {
                    tracing::info!(%proposal, "demo space btrst-demo.eth loaded with an open proposal")
                }
                None => tracing::info!("demo space already present"),
            }
        }
        tracing::info!(
            listen = %listener.local_addr()?,
            relayer = %ingestor.relayer_address(),
            rate_limit = config.rate_limit,
            "votehub serving"
        );
        let schedule = crate::audit::closer::Schedule {
            tick: std::time::Duration::from_millis(config.audit.tick_ms.max(10)),
            head_interval: config.audit.log_head_interval,
            finalize_delay: config.audit.finalize_delay,
        };
        tokio::spawn(crate::audit::closer::Closer::new(&ingestor, schedule).run());
        let reads = crate::reads::Reads::new(
            ingestor.store().clone(),
            ingestor.writer().clone(),
            ingestor.chains().clone(),
            config.audit.finalize_delay,
        );
        let state = crate::http::AppState::new(ingestor, reads, config.rate_limit, config.max_body)
            .with_body_timeout(std::time::Duration::from_millis(config.body_timeout_ms))
            .with_header_timeout(std::time::Duration::from_millis(config.header_timeout_ms))
            .with_max_requests_per_client(config.max_requests_per_client)
            .with_read_rate_limit(config.read_rate_limit)
            .with_trusted_proxies(config.trusted_proxies.clone())
            .with_remote_images(args.remote_images);
        crate::http::start(state, listener, config.workers)?.await?;
        anyhow::Ok(ExitCode::SUCCESS)
    })
}
