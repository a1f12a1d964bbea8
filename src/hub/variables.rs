//! Variables as Snapshot's clients send them. They declare nullable
//! variables (`$first: Int`) for arguments typed `first: Int! = 20` and then
//! omit them; GraphQL then treats the argument as absent, so its default
//! applies. async-graphql would pass `null` instead and refuse it, so an
//! argument given only by a variable that was neither sent nor has a default
//! is taken out of the document before it runs (and the variable's
//! definition with it, once nothing else uses it).

use std::collections::HashSet;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};
use async_graphql::{Name, Variables};
use async_graphql_value::Value;

/// Drops the arguments that only an unsent variable gives.
pub fn omit_unsent(document: &mut ExecutableDocument, sent: &Variables) {
    let mut unsent: HashSet<Name> = HashSet::new();
    let operations: Vec<_> = match &document.operations {
        DocumentOperations::Single(op) => vec![op],
        DocumentOperations::Multiple(ops) => ops.values().collect(),
    };
    for operation in operations {
        for definition in &operation.node.variable_definitions {
            let name = &definition.node.name.node;
            if definition.node.default_value.is_none() && !sent.contains_key(name) {
                unsent.insert(name.clone());
            }
        }
    }
    if unsent.is_empty() {
        return;
    }
    let mut sets: Vec<&mut SelectionSet> = Vec::new();
    match &mut document.operations {
        DocumentOperations::Single(op) => sets.push(&mut op.node.selection_set.node),
        DocumentOperations::Multiple(ops) => {
            sets.extend(ops.values_mut().map(|op| &mut op.node.selection_set.node))
        }
    }
    sets.extend(
        document
            .fragments
            .values_mut()
            .map(|fragment| &mut fragment.node.selection_set.node),
    );
    let mut used: HashSet<Name> = HashSet::new();
    for set in sets {
        strip(set, &unsent, &mut used);
    }
    let keep = |definitions: &mut Vec<_>| {
        definitions.retain(
            |definition: &async_graphql::Positioned<
                async_graphql::parser::types::VariableDefinition,
            >| {
                let name = &definition.node.name.node;
                !unsent.contains(name) || used.contains(name)
            },
        )
    };
    match &mut document.operations {
        DocumentOperations::Single(op) => keep(&mut op.node.variable_definitions),
        DocumentOperations::Multiple(ops) => ops
            .values_mut()
            .for_each(|op| keep(&mut op.node.variable_definitions)),
    }
}

/// Removes `unsent` variable arguments under `set`; records every variable
/// still referenced.
fn strip(set: &mut SelectionSet, unsent: &HashSet<Name>, used: &mut HashSet<Name>) {
    for item in &mut set.items {
        match &mut item.node {
            Selection::Field(field) => {
                field.node.arguments.retain(|(_, value)| {
                    !matches!(&value.node, Value::Variable(name) if unsent.contains(name))
                });
                for (_, value) in &field.node.arguments {
                    referenced(&value.node, used);
                }
                strip(&mut field.node.selection_set.node, unsent, used);
            }
            Selection::InlineFragment(fragment) => {
                strip(&mut fragment.node.selection_set.node, unsent, used)
            }
            Selection::FragmentSpread(_) => {}
        }
    }
}

fn referenced(value: &Value, used: &mut HashSet<Name>) {
    match value {
        Value::Variable(name) => {
            used.insert(name.clone());
        }
        Value::List(items) => items.iter().for_each(|item| referenced(item, used)),
        Value::Object(fields) => fields.values().for_each(|item| referenced(item, used)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(query: &str, sent: serde_json::Value) -> String {
        let mut document = async_graphql::parser::parse_query(query).unwrap();
        omit_unsent(&mut document, &Variables::from_json(sent));
        format!("{document:?}")
    }

    #[test]
    fn only_arguments_of_unsent_variables_without_defaults_go() {
        let query = "query Q($first: Int, $skip: Int = 0, $id: String) { votes(first: $first, skip: $skip, where: {proposal: $id}) { id } }";
        let kept = run(query, serde_json::json!({"first": 5, "id": "0x1"}));
        assert!(kept.contains("\"first\""), "{kept}");
        let dropped = run(query, serde_json::json!({}));
        // `first` goes with its definition; `skip` has a default; `$id` is
        // still used inside `where`.
        assert!(!dropped.contains("name: Name(\"first\")"), "{dropped}");
        assert!(dropped.contains("\"skip\""), "{dropped}");
        assert!(dropped.contains("\"id\""), "{dropped}");
    }
}
