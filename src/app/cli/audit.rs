//! The audit family: build a bundle, verify a bundle or the log, prove a
//! message's place in the log, export a DAG as a CAR.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

use super::data::{open_store, open_store_for_writing};
use super::{SourceArgs, VerifyArgs};
use crate::clock::unix_now;
use crate::ingest::Ingestor;
use crate::ipld::source::{BlockSource, Blocks};
use crate::protocol::signature::Address;
use crate::store::writer::Writer;

/// `votehub audit`: builds (if not built yet) a closed proposal's bundle.
pub(super) fn audit(data: &Path, proposal: &str) -> anyhow::Result<ExitCode> {
    let store = open_store_for_writing(data)?;
    let relayer = crate::app::relayer_key::load_or_create(data)?;
    crate::app::relayer_key::check_identity(&store, &relayer, false)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let writer = Writer::spawn(&store, 64)?;
    let ingestor = Ingestor::new(store, writer, relayer, Default::default());
    let closer = crate::audit::closer::Closer::new(&ingestor, Default::default());
    let root = runtime
        .block_on(closer.close(&proposal.to_lowercase()))?
        .with_context(|| format!("no proposal {proposal}"))?;
    println!("{root}");
    Ok(ExitCode::SUCCESS)
}

/// `votehub verify`: exit code 1 on any problem.
pub(super) fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let source = open_source(&args.source, &args.cid)?;
    let relayer = args
        .relayer
        .as_deref()
        .map(Address::parse_any)
        .transpose()
        .map_err(|err| anyhow::anyhow!("--relayer: {err}"))?;
    let options = crate::verify::Options {
        rpc: args.rpc,
        relayer,
        trusted_head: args.trusted_head,
        threads: args.threads,
        progress: !args.quiet,
    };
    let report = crate::verify::verify(source.as_ref(), &args.cid, &options);
    print!("{}", report.render());
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `votehub verify-log`: exit code 1 on any problem.
pub(super) fn verify_log(
    head: &str,
    since: Option<&str>,
    source: &SourceArgs,
) -> anyhow::Result<ExitCode> {
    let source = open_source(source, head)?;
    let report = crate::verify::verify_log(source.as_ref(), head, since);
    println!(
        "log head {head}: {} heads, {} messages ({}..{}), relayer {}",
        report.heads, report.messages, report.first_mci, report.last_mci, report.relayer
    );
    for rotation in &report.rotations {
        println!("  rotation {rotation}");
    }
    if !report.problems.is_empty() {
        for problem in &report.problems {
            println!("  - {problem}");
        }
        println!("FAILED");
        return Ok(ExitCode::FAILURE);
    }
    println!("OK: every message up to the head is in the log, in order");
    Ok(ExitCode::SUCCESS)
}

/// `votehub prove`: pins a head first when none covers the message yet.
pub(super) fn prove(data: &Path, id: &str) -> anyhow::Result<ExitCode> {
    let id = id.to_lowercase();
    let store = open_store(data)?;
    let proof = crate::message_log::prove(&store.reader()?.db(), &id)?;
    let proof = match proof {
        Some(proof) => proof,
        None => {
            let store = open_store_for_writing(data)?;
            let relayer = crate::app::relayer_key::load_or_create(data)?;
            crate::app::relayer_key::check_identity(&store, &relayer, false)?;
            store.write_once(|db| crate::message_log::pin_head(db, &relayer, unix_now()))?;
            crate::message_log::prove(&store.reader()?.db(), &id)?
                .with_context(|| format!("no message {id}"))?
        }
    };
    anyhow::ensure!(proof.holds(), "the stored log does not replay to its head");
    println!("{}", serde_json::to_string_pretty(&proof)?);
    Ok(ExitCode::SUCCESS)
}

/// `votehub export-car`: the DAG is read and written one block at a time,
/// so a bundle of any size is exported in bounded memory.
pub(super) fn export_car(data: &Path, cid: &str, output: &Path) -> anyhow::Result<ExitCode> {
    let store = open_store(data)?;
    let reader = store.reader()?;
    let db = reader.db();
    let root = cid::Cid::try_from(cid).with_context(|| format!("{cid} is not a CID"))?;
    let mut walk = crate::ipld::DagWalk::new(root);
    // The root is read before the file is made: a missing one leaves none.
    let first = db.dag_step(&mut walk)?;
    let mut file = std::io::BufWriter::new(
        std::fs::File::create(output).with_context(|| format!("creating {}", output.display()))?,
    );
    let write = || -> anyhow::Result<(usize, usize)> {
        let mut frame = crate::ipld::car_header(&[root])?;
        let (mut blocks, mut bytes) = (0, 0);
        let mut next = first;
        while let Some((cid, block)) = next {
            crate::ipld::car_section(&mut frame, &cid, &block);
            file.write_all(&frame)?;
            (blocks, bytes) = (blocks + 1, bytes + frame.len());
            frame.clear();
            next = db.dag_step(&mut walk)?;
        }
        file.flush()?;
        Ok((blocks, bytes))
    };
    let (blocks, bytes) = write().map_err(|err| {
        // A cut-short CAR is not left behind as if it were whole.
        if output.metadata().is_ok_and(|meta| meta.is_file()) {
            let _ = std::fs::remove_file(output);
        }
        err.context(format!("writing {}", output.display()))
    })?;
    println!(
        "wrote {blocks} blocks ({bytes} bytes) of {cid} to {}",
        output.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The block source a verify command names.
fn open_source(args: &SourceArgs, root: &str) -> anyhow::Result<Box<dyn BlockSource>> {
    if let Some(gateway) = &args.gateway {
        return Ok(Box::new(crate::ipfs::GatewayBlocks::new(gateway, root)?));
    }
    if let Some(car) = &args.car {
        return Ok(Box::new(Blocks::from_car_file(car)?));
    }
    if let Some(api) = &args.ipfs_api {
        return Ok(Box::new(crate::ipfs::KuboBlocks::new(api)?));
    }
    anyhow::bail!("give --gateway, --car or --ipfs-api")
}
