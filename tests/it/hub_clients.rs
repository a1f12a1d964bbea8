//! What Snapshot's own clients send the hub, run against votehub: every
//! document of the team's reference set (`../shared/hub/queries`, other
//! repositories' files, read in place and never copied here) must answer
//! without errors. The reference set sits beside the project on a
//! developer's machine, not in a clean clone, so this test says so and
//! passes where it is absent; `tests/it/graphql.rs` holds the project's own
//! conformance queries and the SDL check.

use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use super::graphql::populated;
use super::helpers::{address, SPACE};

fn reference(path: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/hub")
        .join(path);
    dir.exists().then_some(dir)
}

/// Values for the variables the clients declare, by name, as INDEX.md
/// describes them (`id` depends on the root field it feeds).
fn value_for(name: &str, root: &str, proposal: &str) -> Option<Value> {
    let voter = address(1);
    Some(match name {
        "id" => match root {
            "space" => json!(SPACE),
            "proposal" => json!(proposal),
            "user" => json!(voter),
            "strategy" => json!("ticket"),
            _ => json!(SPACE),
        },
        "first" => json!(20),
        "skip" => json!(0),
        "orderBy" => json!("created"),
        "orderDirection" => json!("desc"),
        "space" => json!(SPACE),
        "space_in" | "spaceIds" => json!([SPACE]),
        "address" | "voter" | "follower" | "alias" => json!(voter),
        // A bare string for a list, as the v1 UI sends `follower_in`.
        "follower_in" => json!(voter),
        "user_in" | "addresses" | "author_in" | "delegate_in" | "id_in" => json!([voter]),
        "proposals" => json!([proposal]),
        "state" => json!("all"),
        "created_gt" | "created_gte" | "start_gte" => json!(0),
        "title_contains" | "reason_not" => json!(""),
        "space_verified" | "flagged" => json!(false),
        "search" => json!("test"),
        "network" => json!("1"),
        "category" => json!("all"),
        "where" => match root {
            "votes" => json!({"proposal": proposal}),
            "spaces" => json!({"id_in": [SPACE]}),
            "proposals" => json!({"space_in": [SPACE]}),
            "aliases" => json!({"address": voter}),
            "statements" => json!({"space": SPACE}),
            "leaderboards" => json!({"space": SPACE}),
            _ => json!({}),
        },
        _ => return None,
    })
}

#[test]
fn every_document_snapshots_clients_send_answers_without_errors() {
    let Some(queries) = reference("queries") else {
        eprintln!("../shared/hub/queries is absent: the clients' documents are not checked here");
        return;
    };
    let (app, proposal, _) = populated();
    let mut files = Vec::new();
    for dir in ["ui", "mcp"] {
        for entry in std::fs::read_dir(queries.join(dir)).unwrap() {
            files.push(entry.unwrap().path());
        }
    }
    files.sort();
    assert!(files.len() >= 40, "{} documents", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let query = std::fs::read_to_string(file).unwrap();
        let document = async_graphql::parser::parse_query(&query).unwrap();
        let (operation, root) = {
            let (name, op) = document.operations.iter().next().unwrap();
            let root = op
                .node
                .selection_set
                .node
                .items
                .iter()
                .find_map(|item| match &item.node {
                    async_graphql::parser::types::Selection::Field(f) => {
                        Some(f.node.name.node.to_string())
                    }
                    _ => None,
                })
                .unwrap_or_default();
            let variables: Vec<String> = op
                .node
                .variable_definitions
                .iter()
                .map(|v| v.node.name.node.to_string())
                .collect();
            ((name.map(|n| n.to_string()), variables), root)
        };
        let (operation_name, declared) = operation;
        let mut variables = Map::new();
        for name in declared {
            if let Some(value) = value_for(&name, &root, &proposal) {
                variables.insert(name, value);
            }
        }
        // Apollo-style: operationName, variables, query.
        let body = json!({"operationName": operation_name, "variables": variables, "query": query});
        let (status, reply) = app.post_to("/graphql", &body);
        let label = file.file_name().unwrap().to_string_lossy().to_string();
        if status != 200 || reply.get("errors").is_some() {
            failures.push(format!("{label}: {status} {reply}"));
            continue;
        }
        // A single object the client asks for by id exists in the fixture.
        if let Some(data) = reply["data"].as_object() {
            for (field, value) in data {
                if ["space", "proposal", "user"].contains(&field.as_str()) && value.is_null() {
                    failures.push(format!("{label}: {field} is null"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
