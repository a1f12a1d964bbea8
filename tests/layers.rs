//! The dependency layers of `src/`, enforced: every module may use only the
//! modules of lower layers (and its own submodules), and the lower layers may
//! not use the crates that would tie them to a database, a web framework or a
//! runtime. The table below is the architecture (docs/ARCHITECTURE.md draws
//! it); a new module must be placed in it before this test passes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// `(module path, layer)`: the longest matching prefix places a module.
const LAYERS: &[(&str, u8)] = &[
    // Pure: no IO beyond the clock, no store, no runtime.
    ("clock", 0),
    ("protocol", 0),
    ("tally", 0),
    ("ipld", 1),
    // The community court, pure: messages, cases, the draw, drand.
    ("jury", 1),
    ("format", 2),
    ("power::inputs", 3),
    ("power::snapshot_file", 3),
    // Clients of other services.
    ("chain", 4),
    ("ipfs", 4),
    // The offline verifier: pure code and clients only.
    ("verify", 5),
    // SQLite.
    ("store", 6),
    // Services over the store.
    ("message_log", 7),
    ("power", 7),
    ("results", 7),
    ("pinning", 7),
    ("integrity", 7),
    // The court over the store: cases, pools, roles.
    ("court", 7),
    ("ingest", 8),
    ("audit", 9),
    ("reads", 10),
    ("hub", 11),
    // The web app's pages, over the hub.
    ("web", 12),
    // Edges.
    ("http", 13),
    ("app", 14),
];

/// Crates a layer may not name, by the highest layer the ban applies to.
const BANNED: &[(&str, u8)] = &[
    ("rusqlite", 5),
    ("r2d2", 5),
    ("r2d2_sqlite", 5),
    ("tokio", 3),
    ("ureq", 3),
    ("ipfs_api_backend_hyper", 3),
];

/// Crates that only one module may name: the web framework stays in `http`,
/// the edges' conveniences in `app`.
const ONLY_IN: &[(&str, &str)] = &[
    ("actix_web", "http"),
    ("actix_cors", "http"),
    ("async_graphql", "hub"),
    ("async_graphql_value", "hub"),
    ("governor", "http"),
    ("maud", "web"),
    ("pulldown_cmark", "web"),
    ("ipfs_api_backend_hyper", "ipfs"),
    ("anyhow", "app"),
    ("clap", "app"),
];

/// The layer and top-level module of a module path.
fn place(module: &str) -> Option<(u8, &'static str)> {
    LAYERS
        .iter()
        .filter(|(prefix, _)| module == *prefix || module.starts_with(&format!("{prefix}::")))
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(prefix, layer)| (*layer, *prefix))
}

fn top(module: &str) -> &str {
    module.split("::").next().unwrap_or(module)
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file under `src/` (`power/inputs.rs` → `power::inputs`).
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts.join("::")
}

/// The code of a file without its unit tests and comments.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    text.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every module path the code names through `crate::` or `super::`, with the
/// items of grouped imports (`use crate::{a::b, c}`) expanded one level.
fn references(module: &str, code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    // `super` is the parent module (`power/inputs.rs` → `power`; `power/mod.rs` → the root).
    let own: Vec<&str> = module.split("::").collect();
    let parent = own[..own.len().saturating_sub(1)].join("::");
    let path_chars = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
    for (root, base) in [("crate::", String::new()), ("super::", parent)] {
        let mut rest = code;
        while let Some(at) = rest.find(root) {
            let before = rest[..at].chars().last();
            rest = &rest[at + root.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let path: String = rest.chars().take_while(|c| path_chars(*c)).collect();
            let path = path.trim_end_matches(':');
            let joined = |tail: &str| {
                if base.is_empty() {
                    tail.to_string()
                } else if tail.is_empty() {
                    base.clone()
                } else {
                    format!("{base}::{tail}")
                }
            };
            if rest[path.len()..].starts_with("::{") || (path.is_empty() && rest.starts_with('{')) {
                // A group: name each member.
                let open = rest.find('{').unwrap();
                let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
                for item in rest[open + 1..close].split(',') {
                    let item: String = item.trim().chars().take_while(|c| path_chars(*c)).collect();
                    if !item.is_empty() && item != "self" {
                        let prefix = if path.is_empty() {
                            item
                        } else {
                            format!("{path}::{item}")
                        };
                        found.insert(joined(&prefix));
                    }
                }
            }
            if !path.is_empty() {
                found.insert(joined(path));
            }
        }
    }
    found
}

#[test]
fn every_module_uses_only_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    let mut problems = Vec::new();
    for file in &files {
        let module = module_of(&src, file);
        if module == "lib" || module == "main" {
            continue;
        }
        let Some((layer, _)) = place(&module) else {
            problems.push(format!("{module}: not placed in LAYERS"));
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        let code = code(&text);
        for target in references(&module, &code) {
            // Items of the crate root or of this module's own subtree are fine.
            let Some((target_layer, _)) = place(&target) else {
                continue;
            };
            let inside = target == module || target.starts_with(&format!("{module}::"));
            let same_top = top(&target) == top(&module);
            let allowed = inside || target_layer < layer || (same_top && target_layer <= layer);
            if !allowed {
                problems.push(format!(
                    "{module} (layer {layer}) uses {target} (layer {target_layer})"
                ));
            }
        }
        let names = |krate: &str| {
            code.contains(&format!("{krate}::")) || code.contains(&format!("use {krate};"))
        };
        for (krate, up_to) in BANNED {
            if layer <= *up_to && names(krate) {
                problems.push(format!("{module} (layer {layer}) uses the crate {krate}"));
            }
        }
        for (krate, owner) in ONLY_IN {
            if top(&module) != *owner && names(krate) {
                problems.push(format!(
                    "{module} uses the crate {krate}, which only {owner} may"
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "layer violations:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_checker_sees_every_kind_of_path() {
    let code = "use crate::store::{Db, writer::Writer};\nuse super::inputs::Bundled;\nlet x = crate::http::start();\nuse crate::{ingest::rules, tally};";
    let found = references("power::snapshot_file", code);
    for expected in [
        "store",
        "store::Db",
        "store::writer::Writer",
        "power::inputs::Bundled",
        "http::start",
        "ingest::rules",
        "tally",
    ] {
        assert!(found.contains(expected), "{expected} in {found:?}");
    }
    assert_eq!(
        place("power::snapshot_file"),
        Some((3, "power::snapshot_file"))
    );
    assert_eq!(place("power::import"), Some((7, "power")));
    assert_eq!(place("verify::votes"), Some((5, "verify")));
}
