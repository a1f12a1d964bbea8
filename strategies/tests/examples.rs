//! Holds every strategy folder to the same contract, as Snapshot's
//! `test/strategies/unit/strategy.test.ts` does: each folder under `src/` that
//! has an `examples.json` is found at run time, and every example in it is
//! scored against the chain state it carries (`balances`, `eth`, `votes`) and
//! compared with its expected scores, exactly.
//!
//! `cargo test -p votehub-strategies` is the only command an author runs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jsonschema::Validator;
use primitive_types::U256;
use serde_json::Value;
use sha3::{Digest, Keccak256};
use votehub_strategies::{
    find, scores, BalanceSource, SourceError, StrategyError, StrategySpec, VotesMethod, REGISTRY,
};

fn strategies_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every folder under `src/` that holds an `examples.json`, sorted.
fn example_folders() -> Vec<PathBuf> {
    let dir = strategies_dir();
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()));
    let mut folders: Vec<PathBuf> = entries
        .map(|entry| {
            entry
                .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()))
                .path()
        })
        .filter(|path| path.is_dir() && path.join("examples.json").is_file())
        .collect();
    folders.sort();
    folders
}

fn folder_name(folder: &Path) -> String {
    folder
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Chain state at one network and block, as an example gives it:
/// `balances` (token -> holder -> base units), `eth` (holder -> wei) and
/// `votes` (token -> method name -> holder -> base units). Addresses match
/// case-insensitively; a missing token, method or `eth` (or another network or
/// block) is missing data, a missing holder has zero.
struct ExampleSource {
    network: String,
    block: u64,
    balances: HashMap<String, HashMap<String, U256>>,
    eth: Option<HashMap<String, U256>>,
    votes: HashMap<(String, String), HashMap<String, U256>>,
}

/// `holder -> amount`, amounts in base units as decimal strings.
fn parse_amounts(value: &Value, path: &str) -> Result<HashMap<String, U256>, String> {
    let holders = value
        .as_object()
        .ok_or_else(|| format!("`{path}` must be an object holder -> amount"))?;
    let mut amounts = HashMap::new();
    for (holder, amount) in holders {
        let parsed = amount
            .as_str()
            .and_then(|text| U256::from_dec_str(text).ok())
            .ok_or_else(|| format!("`{path}.{holder}` must be an integer in base units as a decimal string, not {amount}"))?;
        amounts.insert(holder.to_lowercase(), parsed);
    }
    Ok(amounts)
}

impl ExampleSource {
    fn new(network: &str, block: u64, balances: Option<&Value>) -> Result<Self, String> {
        let mut tokens = HashMap::new();
        if let Some(balances) = balances {
            let balances = balances
                .as_object()
                .ok_or("`balances` must be an object token -> holder -> amount")?;
            for (token, holders) in balances {
                tokens.insert(
                    token.to_lowercase(),
                    parse_amounts(holders, &format!("balances.{token}"))?,
                );
            }
        }
        Ok(Self {
            network: network.to_string(),
            block,
            balances: tokens,
            eth: None,
            votes: HashMap::new(),
        })
    }

    /// Everything an example carries: `balances`, `eth` and `votes`.
    fn from_example(network: &str, block: u64, example: &Value) -> Result<Self, String> {
        let mut source = Self::new(network, block, example.get("balances"))?;
        if let Some(eth) = example.get("eth") {
            source.eth = Some(parse_amounts(eth, "eth")?);
        }
        if let Some(votes) = example.get("votes") {
            let votes = votes
                .as_object()
                .ok_or("`votes` must be an object token -> method -> holder -> amount")?;
            for (token, methods) in votes {
                let methods = methods.as_object().ok_or_else(|| {
                    format!("`votes.{token}` must be an object method -> holder -> amount")
                })?;
                for (method, holders) in methods {
                    if VotesMethod::from_name(method).is_none() {
                        let names: Vec<&str> = VotesMethod::ALL.iter().map(|m| m.name()).collect();
                        return Err(format!(
                            "`votes.{token}.{method}`: the method must be one of {}",
                            names.join(", ")
                        ));
                    }
                    source.votes.insert(
                        (token.to_lowercase(), method.clone()),
                        parse_amounts(holders, &format!("votes.{token}.{method}"))?,
                    );
                }
            }
        }
        Ok(source)
    }

    fn here(&self, network: &str, block: u64) -> bool {
        network == self.network && block == self.block
    }
}

/// One amount per address, zero for a holder that is not listed.
fn lookup(holders: &HashMap<String, U256>, addresses: &[String]) -> Vec<U256> {
    addresses
        .iter()
        .map(|address| {
            holders
                .get(&address.to_lowercase())
                .copied()
                .unwrap_or_default()
        })
        .collect()
}

impl BalanceSource for ExampleSource {
    fn erc20_balances(
        &self,
        network: &str,
        token: &str,
        block: u64,
        addresses: &[String],
    ) -> Result<Vec<U256>, SourceError> {
        let holders = self
            .balances
            .get(&token.to_lowercase())
            .filter(|_| self.here(network, block))
            .ok_or_else(|| SourceError::MissingSnapshot {
                network: network.to_string(),
                token: token.to_string(),
                block,
            })?;
        Ok(lookup(holders, addresses))
    }

    fn eth_balances(
        &self,
        network: &str,
        block: u64,
        addresses: &[String],
    ) -> Result<Vec<U256>, SourceError> {
        let holders = self
            .eth
            .as_ref()
            .filter(|_| self.here(network, block))
            .ok_or_else(|| {
                SourceError::Failed(format!(
                    "the example has no `eth` balances on network {network} at block {block}"
                ))
            })?;
        Ok(lookup(holders, addresses))
    }

    fn token_votes(
        &self,
        network: &str,
        token: &str,
        block: u64,
        method: VotesMethod,
        addresses: &[String],
    ) -> Result<Vec<U256>, SourceError> {
        let holders = self
            .votes
            .get(&(token.to_lowercase(), method.name().to_string()))
            .filter(|_| self.here(network, block))
            .ok_or_else(|| {
                SourceError::Failed(format!(
                    "the example has no `votes.{token}.{}` on network {network} at block {block}",
                    method.name()
                ))
            })?;
        Ok(lookup(holders, addresses))
    }
}

#[test]
fn every_example_scores_as_expected() {
    let folders = example_folders();
    assert!(
        !folders.is_empty(),
        "no folder under {} has an examples.json",
        strategies_dir().display()
    );
    let mut failures = Vec::new();
    let mut checked = 0;
    for folder in &folders {
        let folder_name = folder_name(folder);
        for problem in check_folder_files(folder) {
            failures.push(format!("{folder_name}: {problem}"));
        }
        let examples = match read_json(&folder.join("examples.json")) {
            Ok(Value::Array(examples)) if !examples.is_empty() => examples,
            Ok(_) => {
                failures.push(format!(
                    "{folder_name}: examples.json must be a non-empty array of examples"
                ));
                continue;
            }
            Err(problem) => {
                failures.push(format!("{folder_name}: {problem}"));
                continue;
            }
        };
        // A schema.json that cannot be read is reported by check_folder_files.
        let validator = match read_json(&folder.join("schema.json"))
            .map(|schema| jsonschema::draft7::new(&schema))
        {
            Ok(Ok(validator)) => Some(validator),
            Ok(Err(error)) => {
                failures.push(format!(
                    "{folder_name}: schema.json{} is not valid draft-07: {error}",
                    error.instance_path()
                ));
                None
            }
            Err(_) => None,
        };
        for (index, example) in examples.iter().enumerate() {
            let label = example
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("(unnamed)");
            for problem in check_example(&folder_name, validator.as_ref(), example) {
                failures.push(format!(
                    "{folder_name}: example #{index} \"{label}\": {problem}"
                ));
            }
            checked += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} problem(s) in strategy examples:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    assert!(checked > 0, "no examples were checked");
}

#[test]
fn every_registered_strategy_has_a_folder() {
    for strategy in REGISTRY {
        let folder = strategies_dir().join(strategy.name().replace('-', "_"));
        for file in ["mod.rs", "README.md", "schema.json", "examples.json"] {
            assert!(
                folder.join(file).is_file(),
                "strategy '{}' is in REGISTRY but {} is missing",
                strategy.name(),
                folder.join(file).display()
            );
        }
    }
}

#[test]
fn erc20_balance_of_without_a_snapshot_fails() {
    let token = "0x6B175474E89094C44Da98b954EedeAC495271d0F";
    let spec = StrategySpec {
        name: "erc20-balance-of".into(),
        network: None,
        params: serde_json::json!({ "address": token, "decimals": 18 }),
    };
    let source = ExampleSource::new("1", 17_000_000, None).expect("empty source");
    let addresses = ["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".to_string()];
    let error = scores(&[spec], "1", 17_000_000, &source, &addresses)
        .expect_err("no snapshot was imported");
    assert_eq!(
        error,
        StrategyError::Source {
            strategy: "erc20-balance-of",
            block: 17_000_000,
            source: SourceError::MissingSnapshot {
                network: "1".into(),
                token: token.into(),
                block: 17_000_000
            },
        }
    );
}

#[test]
fn votes_strategies_read_the_documented_method() {
    let token = "0xC18360217D8F7Ab5e7c516566761Ea12Ce7F9D72";
    let voter = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    let addresses = [voter.to_string()];
    // 1 vote under each of `methods`.
    let source_with = |methods: &[VotesMethod]| {
        let votes: serde_json::Map<String, Value> = methods
            .iter()
            .map(|method| {
                (
                    method.name().to_string(),
                    serde_json::json!({ voter: "1000000000000000000" }),
                )
            })
            .collect();
        let example = serde_json::json!({ "votes": { token: votes } });
        ExampleSource::from_example("1", 17_000_000, &example).expect("valid votes")
    };
    let cases = [
        (
            serde_json::json!({ "name": "erc20-votes", "params": { "address": token } }),
            VotesMethod::GetPastVotes,
        ),
        (
            serde_json::json!({ "name": "comp-like-votes", "params": { "address": token } }),
            VotesMethod::GetCurrentVotes,
        ),
        (
            serde_json::json!({ "name": "comp-like-votes", "params": { "address": token, "method": "getPriorVotes" } }),
            VotesMethod::GetPriorVotes,
        ),
    ];
    for (spec, method) in cases {
        let spec: StrategySpec = serde_json::from_value(spec).expect("spec");
        let name = spec.name.clone();
        let specs = [spec];
        assert_eq!(
            scores(&specs, "1", 17_000_000, &source_with(&[method]), &addresses),
            Ok(vec![vec![1.0]]),
            "{name} should read {}",
            method.name()
        );
        let others: Vec<VotesMethod> = VotesMethod::ALL
            .into_iter()
            .filter(|other| *other != method)
            .collect();
        let error = scores(&specs, "1", 17_000_000, &source_with(&others), &addresses)
            .expect_err("the method it reads is missing");
        assert!(
            matches!(&error, StrategyError::Source { source: SourceError::Failed(message), .. } if message.contains(&format!(".{}`", method.name()))),
            "{name} should read only {}: {error}",
            method.name()
        );
    }
}

#[test]
fn comp_like_votes_rejects_other_methods() {
    let spec = StrategySpec {
        name: "comp-like-votes".into(),
        network: None,
        params: serde_json::json!({ "address": "0xc00e94Cb662C3520282E6f5717214004A7f26888", "method": "getVotes" }),
    };
    let source = ExampleSource::new("1", 17_000_000, None).expect("empty source");
    let addresses = ["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".to_string()];
    assert_eq!(
        scores(&[spec], "1", 17_000_000, &source, &addresses),
        Err(StrategyError::Params {
            strategy: "comp-like-votes",
            reason: "method must be \"getCurrentVotes\" or \"getPriorVotes\"".into()
        })
    );
}

#[test]
fn eth_balance_without_eth_balances_fails() {
    let spec = StrategySpec {
        name: "eth-balance".into(),
        network: None,
        params: serde_json::json!({}),
    };
    let source = ExampleSource::new("1", 17_000_000, None).expect("empty source");
    let addresses = ["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".to_string()];
    assert_eq!(
        scores(&[spec], "1", 17_000_000, &source, &addresses),
        Err(StrategyError::Source {
            strategy: "eth-balance",
            block: 17_000_000,
            source: SourceError::Failed(
                "the example has no `eth` balances on network 1 at block 17000000".into()
            ),
        })
    );
}

#[test]
fn is_checksummed_follows_eip55() {
    assert!(is_checksummed("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
    assert!(is_checksummed("0x6B175474E89094C44Da98b954EedeAC495271d0F"));
    assert!(!is_checksummed(
        "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
    ));
    assert!(!is_checksummed(
        "0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    ));
    assert!(!is_checksummed("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb9226"));
}

fn read_json(path: &Path) -> Result<Value, String> {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text =
        std::fs::read_to_string(path).map_err(|error| format!("cannot read {name}: {error}"))?;
    serde_json::from_str(&text).map_err(|error| format!("{name} is not valid JSON: {error}"))
}

/// The folder's `README.md` and `schema.json`.
fn check_folder_files(folder: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    if !folder.join("mod.rs").is_file() {
        problems.push("mod.rs is missing".to_string());
    }
    match std::fs::read_to_string(folder.join("README.md")) {
        Ok(text) if !text.trim().is_empty() => {}
        Ok(_) => problems.push("README.md is empty".to_string()),
        Err(error) => problems.push(format!("README.md is missing: {error}")),
    }
    match read_json(&folder.join("schema.json")) {
        Ok(schema) => {
            if schema.get("type") != Some(&Value::from("object")) {
                problems.push("schema.json must have \"type\": \"object\"".to_string());
            }
            if schema.get("$schema")
                != Some(&Value::from("http://json-schema.org/draft-07/schema#"))
            {
                problems.push("schema.json must declare \"$schema\": \"http://json-schema.org/draft-07/schema#\"".to_string());
            }
            arrays_declare_items(&schema, "schema.json", &mut problems);
        }
        Err(problem) => problems.push(problem),
    }
    problems
}

/// Snapshot's rule: every `"type": "array"` in a schema declares `items`.
fn arrays_declare_items(schema: &Value, path: &str, problems: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            if map.get("type") == Some(&Value::from("array")) && !map.contains_key("items") {
                problems.push(format!("{path}: an array must declare `items`"));
            }
            for (key, value) in map {
                arrays_declare_items(value, &format!("{path}/{key}"), problems);
            }
        }
        Value::Array(values) => {
            for (index, value) in values.iter().enumerate() {
                arrays_declare_items(value, &format!("{path}/{index}"), problems);
            }
        }
        _ => {}
    }
}

/// Everything wrong with one example.
fn check_example(folder_name: &str, validator: Option<&Validator>, example: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for key in example
        .as_object()
        .map(|map| map.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        if ![
            "name",
            "strategy",
            "network",
            "addresses",
            "snapshot",
            "balances",
            "eth",
            "votes",
            "expected",
        ]
        .contains(&key.as_str())
        {
            problems.push(format!("unknown key `{key}`"));
        }
    }
    let spec: StrategySpec = match example.get("strategy").cloned().map(serde_json::from_value) {
        Some(Ok(spec)) => spec,
        Some(Err(error)) => {
            return vec![format!(
                "`strategy` must be {{name, network?, params}}: {error}"
            )]
        }
        None => return vec!["`strategy` is missing".to_string()],
    };

    // The name.
    if spec.name.is_empty()
        || !spec
            .name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        problems.push(format!(
            "strategy name '{}' must be lowercase [a-z0-9-]",
            spec.name
        ));
    }
    let folder_as_name = folder_name.replace('_', "-");
    if spec.name != folder_as_name {
        problems.push(format!(
            "strategy name '{}' must equal the folder name as '{folder_as_name}'",
            spec.name
        ));
    }
    if find(&spec.name).is_none() {
        problems.push(format!(
            "strategy '{}' is not in REGISTRY (src/lib.rs)",
            spec.name
        ));
        return problems;
    }

    // The params against schema.json.
    if let Some(validator) = validator {
        for error in validator.iter_errors(&spec.params) {
            problems.push(format!(
                "params{} does not fit schema.json: {error}",
                error.instance_path()
            ));
        }
    }

    // Network, snapshot, addresses.
    let Some(network) = example.get("network").and_then(Value::as_str) else {
        problems.push("`network` must be a chain id string such as \"1\"".to_string());
        return problems;
    };
    let Some(snapshot) = example
        .get("snapshot")
        .and_then(Value::as_u64)
        .filter(|block| *block > 0)
    else {
        problems.push("`snapshot` must be a past block number".to_string());
        return problems;
    };
    let addresses: Vec<String> = match example.get("addresses").and_then(Value::as_array) {
        Some(list) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        None => {
            problems.push("`addresses` must be an array".to_string());
            return problems;
        }
    };
    if !(3..=20).contains(&addresses.len()) {
        problems.push(format!(
            "{} addresses; an example has 3 to 20",
            addresses.len()
        ));
    }
    for address in &addresses {
        if !is_checksummed(address) {
            problems.push(format!("address {address} is not a checksummed address"));
        }
    }
    let mut unique = addresses
        .iter()
        .map(|a| a.to_lowercase())
        .collect::<Vec<_>>();
    unique.sort();
    unique.dedup();
    if unique.len() != addresses.len() {
        problems.push("`addresses` lists an address twice".to_string());
    }

    // Expected scores: one number per address, no more.
    let Some(expected) = example.get("expected").and_then(Value::as_object) else {
        problems.push("`expected` must be an object address -> score".to_string());
        return problems;
    };
    let expected_scores: Vec<Option<f64>> = addresses
        .iter()
        .map(|address| expected.get(address).and_then(Value::as_f64))
        .collect();
    for (address, score) in addresses.iter().zip(&expected_scores) {
        if score.is_none() {
            problems.push(format!("`expected` has no number for {address}"));
        }
    }
    for key in expected.keys() {
        if !addresses.contains(key) {
            problems.push(format!(
                "`expected` names {key}, which is not in `addresses`"
            ));
        }
    }

    // Score the batch.
    let effective_network = spec.network.clone().unwrap_or_else(|| network.to_string());
    let source = match ExampleSource::from_example(&effective_network, snapshot, example) {
        Ok(source) => source,
        Err(problem) => {
            problems.push(problem);
            return problems;
        }
    };
    let specs = [spec];
    let batch = match scores(&specs, network, snapshot, &source, &addresses) {
        Ok(mut per_strategy) if per_strategy.len() == 1 => per_strategy.remove(0),
        Ok(per_strategy) => {
            problems.push(format!(
                "scores returned {} vectors for 1 strategy",
                per_strategy.len()
            ));
            return problems;
        }
        Err(error) => {
            problems.push(format!("scoring failed: {error}"));
            return problems;
        }
    };
    if batch.len() != addresses.len() {
        problems.push(format!(
            "{} scores for {} addresses",
            batch.len(),
            addresses.len()
        ));
        return problems;
    }
    for ((address, score), expected) in addresses.iter().zip(&batch).zip(&expected_scores) {
        if !score.is_finite() || *score < 0.0 {
            problems.push(format!(
                "{address}: score {score:?} is not a finite non-negative number"
            ));
        }
        // Exact: the same bits, so 0.30000000000000004 is not 0.3.
        if let Some(expected) = expected.filter(|expected| expected.to_bits() != score.to_bits()) {
            problems.push(format!("{address}: score {score:?}, expected {expected:?}"));
        }
    }
    if !batch.iter().any(|score| *score > 0.0) {
        problems.push("no score is positive; at least one address must have power".to_string());
    }

    // A voter's power must not depend on the other addresses in the batch.
    for (address, in_batch) in addresses.iter().zip(&batch) {
        match scores(
            &specs,
            network,
            snapshot,
            &source,
            std::slice::from_ref(address),
        ) {
            Ok(alone) if alone.len() == 1 && alone[0].len() == 1 => {
                if alone[0][0].to_bits() != in_batch.to_bits() {
                    problems.push(format!(
                        "{address}: scored alone {:?}, in the batch {in_batch:?}",
                        alone[0][0]
                    ));
                }
            }
            Ok(alone) => problems.push(format!("{address}: scored alone returned {alone:?}")),
            Err(error) => problems.push(format!("{address}: scoring alone failed: {error}")),
        }
    }
    problems
}

/// `^0x[a-fA-F0-9]{40}$`.
fn is_address(text: &str) -> bool {
    text.len() == 42 && text.starts_with("0x") && text[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// EIP-55: a hex letter is upper case exactly when the matching nibble of
/// keccak256(lowercase hex) is 8 or more.
fn is_checksummed(address: &str) -> bool {
    if !is_address(address) {
        return false;
    }
    let hex_digits = &address[2..];
    let hash = Keccak256::digest(hex_digits.to_ascii_lowercase().as_bytes());
    hex_digits.bytes().enumerate().all(|(index, digit)| {
        let nibble = if index % 2 == 0 {
            hash[index / 2] >> 4
        } else {
            hash[index / 2] & 0x0f
        };
        match digit {
            b'a'..=b'f' => nibble < 8,
            b'A'..=b'F' => nibble >= 8,
            _ => true,
        }
    })
}

/// Every strategy's folder documents are compiled in (`registry!`), and its
/// schema and examples are JSON.
#[test]
fn every_strategy_carries_its_folder_documents() {
    for strategy in REGISTRY {
        let documents = votehub_strategies::documents(strategy.name())
            .unwrap_or_else(|| panic!("no documents for {}", strategy.name()));
        assert!(
            documents.about.contains(strategy.name()),
            "{}",
            strategy.name()
        );
        assert!(serde_json::from_str::<Value>(documents.schema).is_ok_and(|s| s.is_object()));
        assert!(serde_json::from_str::<Value>(documents.examples).is_ok_and(|e| e.is_array()));
    }
    assert!(votehub_strategies::documents("no-such-strategy").is_none());
}
