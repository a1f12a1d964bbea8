//! The `votehub` command line: serve, register spaces, import balance
//! snapshots, sign messages with local keys.

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
    /// Sign a message with a local key and print the envelope to POST.
    #[command(
        after_help = "Examples:\n  votehub sign vote --dev-key 1 '{\"space\":\"btrst-demo.eth\",\"proposal\":\"0x…\",\"choice\":1}'\n  votehub sign vote-string --key 0x… '{\"space\":\"s.eth\",\"proposal\":\"0x…\",\"choice\":\"{\\\"1\\\":2}\"}'\n\nMissing fields get snapshot.js's defaults (from = the signer, timestamp = now)."
    )]
    Sign(SignArgs),
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
            }
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
        let state = crate::http::AppState::new(ingestor, config.rate_limit, config.max_body);
        crate::http::start(state, listener, config.workers)?.await?;
        anyhow::Ok(())
    })
}
