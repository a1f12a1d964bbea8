//! The `votehub` command line: the clap types here, one file per family of
//! commands, one function per command. [`run`] returns the exit code.

mod audit;
mod data;
mod ipfs;
mod jury;
mod results;
mod serve;
mod sign;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

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
    /// Replace the relayer key (the server stopped): the change enters the message log signed by
    /// the old and the new key, so auditors can follow the chain of relayer keys.
    RotateRelayer,
    /// Community juries.
    #[command(subcommand)]
    Jury(JuryCommand),
    /// Check that the store still holds what was acknowledged: every block against its CID, the
    /// message log's links, every message and vote row against its signed block, the pin outbox,
    /// SQLite's own check. Read-only; works whether or not the server runs. Exits 1 on any problem.
    #[command(after_help = "Examples:\n  votehub check\n  votehub check --recent 1000")]
    Check {
        /// Only the last N messages (their blocks and links), as the server checks at start.
        #[arg(long, value_name = "N")]
        recent: Option<usize>,
    },
}

#[derive(Debug, Subcommand)]
pub enum JuryCommand {
    /// Re-run a jury draw from its published inputs alone (braintrust-governance §6.5): prints
    /// the selected addresses in draw order, one per line, and nothing else; more seats than jurors
    /// gives the alternates after them.
    #[command(
        after_help = "Example:\n  votehub jury draw --pool pool.csv --seed 0x52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971 --case case-42 --seats 3"
    )]
    Draw {
        /// CSV with the header `address,weight`, weights as whole numbers (all 1 for a uniform
        /// draw); the order of the lines does not matter.
        #[arg(long, value_name = "POOL.csv")]
        pool: PathBuf,
        /// The 32-byte seed, as 0x and 64 hex digits (a drand round's randomness, a block hash).
        #[arg(long)]
        seed: String,
        /// The case id, exactly as published.
        #[arg(long = "case", value_name = "CASE ID")]
        case_id: String,
        /// How many to draw.
        #[arg(long)]
        seats: usize,
    },
    /// Show a case from the store: its stage, parties, arbitrator, deadlines, jury, ballots,
    /// ruling and bundle. Works whether or not the server runs.
    #[command(after_help = "Example:\n  votehub jury case --space btrst-demo.eth 0x9e9a…3886")]
    Case {
        /// The case's space.
        #[arg(long)]
        space: String,
        /// The case id (its claim's message id).
        #[arg(value_name = "CASE ID")]
        case_id: String,
        /// Print the case as the HTTP API gives it (`votehub-case/1` JSON).
        #[arg(long)]
        json: bool,
    },
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
    /// Serve even if the start-up check (the last 1,000 messages' blocks and log links) fails.
    #[arg(long)]
    pub skip_start_check: bool,
    /// Serve under the relayer key in the data directory even though the stored messages were
    /// receipted by another one (the old key was lost or replaced).
    #[arg(long)]
    pub accept_new_relayer: bool,
    /// Let proposal bodies on the web app show images from other sites (off by default: a remote
    /// image tells its host who read the proposal; without this flag such images become links).
    #[arg(long)]
    pub remote_images: bool,
    /// Run the server's clock this many seconds ahead of the system's (tests and drills: watch
    /// the court's deadlines and terms pass). Never in production.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 0,
        allow_hyphen_values = true
    )]
    pub clock_offset: i64,
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
    /// Pin the relayer from a log head you hold from elsewhere (the log's first head, or any you
    /// pinned earlier): the log is replayed from the bundle's head back to it, following key
    /// rotations. Needs a source that serves log heads (--gateway or --ipfs-api).
    #[arg(long, value_name = "CID")]
    pub trusted_head: Option<String>,
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
    /// Message kind: Snapshot's (vote, vote-array, vote-string, proposal, settings, alias, follow, …) or the court's, signed under votehub's own domain (volunteer, claim, accept-case, answer, settle, open-jury, randomness, judgement, ballot, election, court-settings, withdraw; docs/court-messages.md)
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

/// Runs a parsed command line; errors are printed, as `error: …`.
pub fn run(cli: Cli) -> ExitCode {
    let data = cli.data.path.as_path();
    let outcome = match cli.command {
        Command::Serve(args) => serve::serve(data, args),
        Command::Space(SpaceCommand::Register { space, controller }) => {
            data::register_space(data, &space, &controller)
        }
        Command::Snapshot(SnapshotCommand::Import {
            network,
            token,
            block,
            file,
        }) => data::import_snapshot(data, &network, &token, block, &file),
        Command::ExportCar { cid, output } => audit::export_car(data, &cid, &output),
        Command::Tally { proposal, json } => results::tally(data, &proposal, json),
        Command::Audit { proposal } => audit::audit(data, &proposal),
        Command::Verify(args) => audit::verify(args),
        Command::VerifyLog {
            head,
            since,
            source,
        } => audit::verify_log(&head, since.as_deref(), &source),
        Command::Prove { id } => audit::prove(data, &id),
        Command::Sign(args) => sign::sign(args),
        Command::Ipfs(IpfsCommand::Status { json }) => ipfs::status(data, json),
        Command::Check { recent } => data::check(data, recent),
        Command::Jury(JuryCommand::Draw {
            pool,
            seed,
            case_id,
            seats,
        }) => jury::draw(&pool, &seed, &case_id, seats),
        Command::Jury(JuryCommand::Case {
            space,
            case_id,
            json,
        }) => jury::show_case(data, &space, &case_id, json),
        Command::RotateRelayer => data::rotate_relayer(data),
    };
    outcome.unwrap_or_else(|err| {
        eprintln!("error: {err:#}");
        ExitCode::FAILURE
    })
}
