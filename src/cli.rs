//! The `votehub` command line: serve, register spaces, import balance
//! snapshots, sign messages with local keys, show the IPFS pin outbox.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use serde_json::{Map, Value};

use crate::config::ServeConfig;
use crate::ingest::{unix_now, Ingestor};
use crate::signature::{Address, Signer};
use crate::store::{writer::Writer, Db, Store};
use crate::typed_data::Kind;

/// votehub: a self-hostable server for Snapshot-compatible signed votes.
#[derive(Debug, Parser)]
#[command(
    name = "votehub",
    version,
    after_help = "Example:\n  votehub serve --demo\n  votehub sign vote --dev-key 1 '{\"space\":\"btrst-demo.eth\",\"proposal\":\"0x…\",\"choice\":1}' \\\n    | curl -s -H 'Content-Type: application/json' -d @- http://127.0.0.1:3000/"
)]
pub struct Cli {
    #[command(flatten)]
    pub data: DataDir,
    #[command(subcommand)]
    pub command: Command,
}

/// The data directory (database, blockstore, relayer key).
#[derive(Debug, Args)]
pub struct DataDir {
    /// Data directory.
    #[arg(
        long = "data",
        env = "VOTEHUB_DATA",
        default_value = "./votehub-data",
        global = true
    )]
    pub path: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server.
    #[command(
        after_help = "Example:\n  votehub serve --listen 127.0.0.1:3000 --rate-limit 100 --demo"
    )]
    Serve(ServeArgs),
    /// Manage spaces.
    #[command(subcommand)]
    Space(SpaceCommand),
    /// Manage imported balance snapshots.
    #[command(subcommand)]
    Snapshot(SnapshotCommand),
    /// Write the DAG under a CID as a CARv1 file (`ipfs dag import` reads it).
    #[command(after_help = "Example:\n  votehub export-car bafybei… -o snapshot.car")]
    ExportCar {
        /// The root CID.
        cid: String,
        /// The file to write.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Count a proposal's votes and print its result.
    #[command(
        after_help = "Examples:\n  votehub tally 0x4fb0…7071\n  votehub tally 0x4fb0…7071 --json"
    )]
    Tally {
        /// The proposal id.
        proposal: String,
        /// Print the canonical JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Build (if not built yet) and print a closed proposal's audit bundle CID.
    #[command(
        after_help = "Example:\n  votehub audit 0x4fb0…7071\n\nThe server builds every bundle by itself when a result turns final; this command does it\nfor a data directory whose server is stopped."
    )]
    Audit {
        /// The proposal id.
        proposal: String,
    },
    /// Re-derive a proposal's outcome from its audit bundle: every block, signature, vote rule,
    /// voting power and count. Exits 1 on any mismatch.
    #[command(
        after_help = "Examples:\n  votehub verify bafyrei… --gateway http://127.0.0.1:3000\n  votehub verify bafyrei… --car bundle.car --relayer 0x… --rpc http://127.0.0.1:8545\n  votehub verify bafyrei… --ipfs-api http://127.0.0.1:5001"
    )]
    Verify(VerifyArgs),
    /// Prove that no acknowledged message was removed or reordered up to a pinned log head.
    #[command(
        after_help = "Examples:\n  votehub verify-log baguqee… --gateway http://127.0.0.1:3000\n  votehub verify-log baguqee…new --since baguqee…old --car log.car"
    )]
    VerifyLog {
        /// The newest log head.
        head: String,
        /// Stop at this earlier head (default: the first message).
        #[arg(long)]
        since: Option<String>,
        #[command(flatten)]
        source: SourceArgs,
    },
    /// Print the inclusion proof of a message under a pinned log head (pins one if needed).
    #[command(after_help = "Example:\n  votehub prove 0x1f2e…9a8b > proof.json")]
    Prove {
        /// The message id (the `id` of its receipt).
        id: String,
    },
    /// Sign a message with a local key and print the envelope to POST.
    #[command(
        after_help = "Examples:\n  votehub sign vote --dev-key 1 '{\"space\":\"btrst-demo.eth\",\"proposal\":\"0x…\",\"choice\":1}'\n  votehub sign vote-string --key 0x… '{\"space\":\"s.eth\",\"proposal\":\"0x…\",\"choice\":\"{\\\"1\\\":2}\"}'\n\nMissing fields get snapshot.js's defaults (from = the signer, timestamp = now)."
    )]
    Sign(SignArgs),
    /// The IPFS (Kubo) pin outbox.
    #[command(subcommand)]
    Ipfs(IpfsCommand),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on [default: 127.0.0.1:3000].
    #[arg(long, env = "VOTEHUB_LISTEN")]
    pub listen: Option<String>,
    /// TOML configuration file; flags override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Ingest requests per minute per IP, 0 = unlimited [default: 100].
    #[arg(long)]
    pub rate_limit: Option<u32>,
    /// Load the demo space, its balances and an open proposal (fixtures/demo).
    #[arg(long)]
    pub demo: bool,
    /// A JSON-RPC node for a network, as NETWORK=URL; repeatable. Strategies on that network read
    /// balances and votes from it at the snapshot block, and contract wallets (EIP-1271, EIP-6492) sign.
    #[arg(long, value_name = "NETWORK=URL")]
    pub rpc: Vec<String>,
    /// Kubo's RPC API: every stored block is also added and pinned there, from a durable outbox
    /// (`votehub ipfs status`). Without it blocks stay queued.
    #[arg(long, env = "VOTEHUB_IPFS_API", value_name = "URL")]
    pub ipfs_api: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum IpfsCommand {
    /// Show the pin outbox: blocks per state, the oldest pending one, the next retry, every mismatch.
    #[command(
        after_help = "Examples:\n  votehub ipfs status\n  votehub ipfs status --json\n\nWorks whether or not the server runs."
    )]
    Status {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Where blocks are read from: exactly one source.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct SourceArgs {
    /// A trustless gateway (any votehub server, or an IPFS gateway serving `?format=car`).
    #[arg(long, value_name = "URL")]
    pub gateway: Option<String>,
    /// A CARv1 file (`votehub export-car`, `ipfs dag export`).
    #[arg(long, value_name = "FILE")]
    pub car: Option<PathBuf>,
    /// A Kubo node's RPC API.
    #[arg(long, value_name = "URL")]
    pub ipfs_api: Option<String>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The bundle's root CID (`audit_cid` of the proposal).
    pub cid: String,
    #[command(flatten)]
    pub source: SourceArgs,
    /// A JSON-RPC node of the proposal's network: re-read chain inputs at the snapshot block and
    /// check contract-wallet signatures.
    #[arg(long, value_name = "URL")]
    pub rpc: Option<String>,
    /// Require the bundle to be signed by this relayer address.
    #[arg(long)]
    pub relayer: Option<String>,
    /// Threads for signature checks [default: one per core].
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum SpaceCommand {
    /// Record which address controls a space id (the stand-in for ENS).
    #[command(
        after_help = "Example:\n  votehub space register btrst-demo.eth --controller 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    )]
    Register {
        /// The space id, e.g. `community.eth`.
        space: String,
        /// The controller's address.
        #[arg(long)]
        controller: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Import token balances at a block: a CSV with header `address,balance`, or JSON (`{"0x…": "123"}` or `[{"address", "balance"}]`); integer base units.
    #[command(
        after_help = "Example:\n  votehub snapshot import --network 1 --token 0x799ebfABE77a6E34311eeEe9825190B9ECe32824 --block 21000000 balances.csv"
    )]
    Import {
        /// Chain id, e.g. 1.
        #[arg(long)]
        network: String,
        /// Token contract address.
        #[arg(long)]
        token: String,
        /// Block number the balances were read at.
        #[arg(long)]
        block: u64,
        /// The CSV or JSON file (`-` for standard input).
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// Message kind: vote, vote-array, vote-string, proposal, settings, alias, follow, …
    pub kind: String,
    /// The message fields as JSON (`-` for standard input).
    pub message: String,
    /// A secret key as 0x hex.
    #[arg(long, conflicts_with = "dev_key")]
    pub key: Option<String>,
    /// One of the well-known development keys in fixtures/demo/dev-keys.json (0–5).
    #[arg(long)]
    pub dev_key: Option<usize>,
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(&cli.data.path, args),
        Command::Space(SpaceCommand::Register { space, controller }) => {
            let controller = Address::parse_any(&controller)
                .map_err(|err| anyhow::anyhow!("--controller: {err}"))?;
            let store = open_store(&cli.data.path)?;
            let conn = store.write_connection()?;
            Db::new(&conn).set_controller(&space, &controller.to_string(), unix_now())?;
            println!("space {space} is controlled by {controller}");
            Ok(())
        }
        Command::Snapshot(SnapshotCommand::Import {
            network,
            token,
            block,
            file,
        }) => {
            let token =
                Address::parse_any(&token).map_err(|err| anyhow::anyhow!("--token: {err}"))?;
            let bytes = read_input(&file)?;
            let store = open_store(&cli.data.path)?;
            let mut conn = store.write_connection()?;
            let tx = conn.transaction()?;
            let (holders, cid) =
                crate::balances::import(&Db::new(&tx), &network, token, block, &bytes, unix_now())?;
            tx.commit()?;
            println!("imported {holders} balances of {token} on network {network} at block {block} (file {cid})");
            Ok(())
        }
        Command::ExportCar { cid, output } => {
            let store = open_store(&cli.data.path)?;
            let reader = store.reader()?;
            let blocks = crate::blockstore::dag(&reader.db(), &cid)?;
            let runtime = tokio::runtime::Builder::new_current_thread().build()?;
            let car = runtime.block_on(crate::blockstore::car(&blocks))?;
            std::fs::write(&output, &car)
                .with_context(|| format!("writing {}", output.display()))?;
            println!(
                "wrote {} blocks ({} bytes) of {cid} to {}",
                blocks.len(),
                car.len(),
                output.display()
            );
            Ok(())
        }
        Command::Tally { proposal, json } => {
            let store = open_store(&cli.data.path)?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let result = runtime
                .block_on(crate::results::current(
                    &store,
                    None,
                    &proposal.to_lowercase(),
                    unix_now(),
                    crate::results::FINALIZE_DELAY,
                ))?
                .with_context(|| format!("no proposal {proposal}"))?;
            if json {
                println!("{result}");
            } else {
                print!("{}", table(&serde_json::from_str(&result)?));
                let audit = store.reader()?.db().proposal(&proposal.to_lowercase())?;
                match audit.and_then(|p| p.audit_cid) {
                    Some(cid) => println!("audit bundle {cid} (votehub verify {cid} --gateway …)"),
                    None => println!("audit bundle: built when the result is final"),
                }
            }
            Ok(())
        }
        Command::Audit { proposal } => {
            let (ingestor, runtime) = offline_ingestor(&cli.data.path)?;
            let closer = crate::audit::closer::Closer::new(&ingestor, Default::default());
            let root = runtime
                .block_on(closer.close(&proposal.to_lowercase()))?
                .with_context(|| format!("no proposal {proposal}"))?;
            println!("{root}");
            Ok(())
        }
        Command::Verify(args) => {
            let source = open_source(&args.source, &args.cid)?;
            let relayer = args
                .relayer
                .as_deref()
                .map(Address::parse_any)
                .transpose()
                .map_err(|err| anyhow::anyhow!("--relayer: {err}"))?;
            let options = crate::audit::verify::Options {
                rpc: args.rpc,
                relayer,
                threads: args.threads,
                progress: !args.quiet,
            };
            let report = crate::audit::verify::verify(source.as_ref(), &args.cid, &options);
            print!("{}", report.render());
            if !report.ok() {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::VerifyLog {
            head,
            since,
            source,
        } => {
            let source = open_source(&source, &head)?;
            let report = crate::log::verify_log(source.as_ref(), &head, since.as_deref());
            println!(
                "log head {head}: {} heads, {} messages ({}..{}), relayer {}",
                report.heads, report.messages, report.first_mci, report.last_mci, report.relayer
            );
            if !report.problems.is_empty() {
                for problem in &report.problems {
                    println!("  - {problem}");
                }
                println!("FAILED");
                std::process::exit(1);
            }
            println!("OK: every message up to the head is in the log, in order");
            Ok(())
        }
        Command::Prove { id } => {
            let id = id.to_lowercase();
            let store = open_store(&cli.data.path)?;
            let proof = {
                let reader = store.reader()?;
                crate::log::prove(&reader.db(), &id)?
            };
            let proof = match proof {
                Some(proof) => proof,
                None => {
                    // No pinned head covers it yet: pin one now.
                    let relayer = crate::relayer::load_or_create(&cli.data.path)?;
                    let mut conn = store.write_connection()?;
                    let tx = conn.transaction()?;
                    crate::log::pin_head(&Db::new(&tx), &relayer, unix_now())?;
                    tx.commit()?;
                    let reader = store.reader()?;
                    crate::log::prove(&reader.db(), &id)?
                        .with_context(|| format!("no message {id}"))?
                }
            };
            anyhow::ensure!(proof.holds(), "the stored log does not replay to its head");
            println!("{}", serde_json::to_string_pretty(&proof)?);
            Ok(())
        }
        Command::Sign(args) => {
            let signer = match (&args.key, args.dev_key) {
                (Some(key), _) => {
                    Signer::from_hex(key).map_err(|err| anyhow::anyhow!("--key: {err}"))?
                }
                (None, Some(index)) => crate::demo::dev_key(index)?,
                (None, None) => anyhow::bail!("give --key or --dev-key"),
            };
            let kind =
                Kind::parse(&args.kind).with_context(|| format!("unknown kind {}", args.kind))?;
            let text = if args.message == "-" {
                let mut text = String::new();
                std::io::stdin().read_to_string(&mut text)?;
                text
            } else {
                args.message
            };
            let message: Map<String, Value> =
                serde_json::from_str(&text).context("the message must be a JSON object")?;
            let envelope = crate::client::sign(&signer, kind, message, unix_now())?;
            println!("{envelope}");
            Ok(())
        }
        Command::Ipfs(IpfsCommand::Status { json }) => {
            let store = open_store(&cli.data.path)?;
            let status = store.reader()?.db().pin_status()?;
            print!(
                "{}",
                crate::pinning::report(&status, crate::store::unix_ms(), json)
            );
            Ok(())
        }
    }
}

/// A result as a readable table.
fn table(result: &Value) -> String {
    use std::fmt::Write;
    let number = |value: &Value| value.as_f64().unwrap_or(0.0);
    let total = number(&result["scores_total"]);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "proposal {} ({}), {}",
        result["proposal"].as_str().unwrap_or(""),
        result["type"].as_str().unwrap_or(""),
        result["scores_state"].as_str().unwrap_or("")
    );
    let _ = writeln!(out, "{:<32} {:>20} {:>8}", "choice", "score", "share");
    let choices = result["choices"].as_array().cloned().unwrap_or_default();
    for (choice, score) in choices
        .iter()
        .zip(result["scores"].as_array().cloned().unwrap_or_default())
    {
        let score = number(&score);
        let share = if total > 0.0 {
            score / total * 100.0
        } else {
            0.0
        };
        let _ = writeln!(
            out,
            "{:<32} {:>20} {:>7.2}%",
            choice.as_str().unwrap_or(""),
            score,
            share
        );
    }
    let _ = writeln!(
        out,
        "{:<32} {:>20} ({} votes)",
        "total", total, result["votes"]
    );
    if number(&result["quorum"]) > 0.0 || result.get("outcome").is_some() {
        let _ = writeln!(
            out,
            "quorum {} ({}): {} counted, {}",
            number(&result["quorum"]),
            result["quorumType"].as_str().unwrap_or(""),
            number(&result["quorum_votes"]),
            result["outcome"].as_str().unwrap_or("")
        );
    }
    out
}

/// The block source a verify command names.
fn open_source(
    args: &SourceArgs,
    root: &str,
) -> anyhow::Result<Box<dyn crate::audit::source::BlockSource>> {
    use crate::audit::source::Blocks;
    if let Some(gateway) = &args.gateway {
        return Ok(Box::new(Blocks::from_gateway(gateway, root)?));
    }
    if let Some(car) = &args.car {
        return Ok(Box::new(Blocks::from_car_file(car)?));
    }
    if let Some(api) = &args.ipfs_api {
        return Ok(Box::new(crate::audit::source::KuboBlocks::new(api)?));
    }
    anyhow::bail!("give --gateway, --car or --ipfs-api")
}

/// The ingest service over a data directory, for commands that write like
/// the server does while it is stopped.
fn offline_ingestor(data: &Path) -> anyhow::Result<(Ingestor, tokio::runtime::Runtime)> {
    let store = open_store(data)?;
    let relayer = crate::relayer::load_or_create(data)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let writer = Writer::spawn(&store, 64)?;
    Ok((
        Ingestor::new(store, writer, relayer, Default::default()),
        runtime,
    ))
}

fn read_input(path: &Path) -> anyhow::Result<Vec<u8>> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes)?;
        return Ok(bytes);
    }
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

fn open_store(data: &Path) -> anyhow::Result<Store> {
    std::fs::create_dir_all(data).with_context(|| format!("creating {}", data.display()))?;
    Ok(Store::open(&data.join("votehub.sqlite"))?)
}

fn serve(data: &Path, args: ServeArgs) -> anyhow::Result<()> {
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
    let store = open_store(data)?;
    let relayer = crate::relayer::load_or_create(data)?;
    let writer = Writer::spawn(&store, config.batch)?;
    if !config.rpc.is_empty() {
        let mut networks: Vec<&String> = config.rpc.keys().collect();
        networks.sort();
        tracing::info!(
            ?networks,
            "voting power on these networks is read from their JSON-RPC node"
        );
    }
    let ingestor = Ingestor::new(store, writer, relayer, config.limits.clone())
        .with_chains(crate::chain::Chains::new(config.rpc.clone()));
    let listener =
        TcpListener::bind(&config.listen).with_context(|| format!("binding {}", config.listen))?;
    actix_web::rt::System::new().block_on(async move {
        crate::pinning::spawn(&config.ipfs, ingestor.store(), ingestor.writer())?;
        if args.demo {
            match crate::demo::load(&ingestor).await? {
                Some(proposal) => tracing::info!(%proposal, "demo space btrst-demo.eth loaded with an open proposal"),
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
        actix_web::rt::spawn(crate::audit::closer::Closer::new(&ingestor, schedule).run());
        let state = crate::http::AppState::new(ingestor, config.rate_limit, config.max_body)
            .with_finalize_delay(config.audit.finalize_delay);
        crate::http::start(state, listener, config.workers)?.await?;
        anyhow::Ok(())
    })
}
