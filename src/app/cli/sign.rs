//! `votehub sign`: a message signed with a local key, as snapshot.js would.

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context as _;
use serde_json::{Map, Value};

use super::SignArgs;
use crate::clock::unix_now;
use crate::protocol::signature::Signer;
use crate::protocol::typed_data::Kind;

/// `votehub sign`: prints the envelope to POST.
pub(super) fn sign(args: SignArgs) -> anyhow::Result<ExitCode> {
    let signer = match (&args.key, args.dev_key) {
        (Some(key), _) => Signer::from_hex(key).map_err(|err| anyhow::anyhow!("--key: {err}"))?,
        (None, Some(index)) => crate::app::demo::dev_key(index)?,
        (None, None) => anyhow::bail!("give --key or --dev-key"),
    };
    let kind = Kind::parse(&args.kind).with_context(|| format!("unknown kind {}", args.kind))?;
    let text = if args.message == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        text
    } else {
        args.message
    };
    let message: Map<String, Value> =
        serde_json::from_str(&text).context("the message must be a JSON object")?;
    let envelope = crate::protocol::client::sign(&signer, kind, message, unix_now())?;
    println!("{envelope}");
    Ok(ExitCode::SUCCESS)
}
