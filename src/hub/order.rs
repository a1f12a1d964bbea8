//! Replies in the order of the query: GraphQL asks that each object's
//! fields come in the order they were selected, and async-graphql inserts
//! them as they resolve (async-graphql#612), so the same query could answer
//! with its keys in another order from one run to the next. The reply is
//! put back in selection order here, which also makes it deterministic.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::Value;

/// Reorders every object under `value` as the selection sets `sets` (all
/// the sets that select into it, fragments included) ask.
pub fn reorder(value: &mut Value, sets: &[&SelectionSet], document: &ExecutableDocument) {
    match value {
        Value::Object(fields) => reorder_object(fields, &keys(sets, document), document),
        // A list's items answer the same selection: its keys are read once.
        Value::List(items) => {
            let mut keys_once = None;
            for item in items {
                match item {
                    Value::Object(fields) => reorder_object(
                        fields,
                        keys_once.get_or_insert_with(|| keys(sets, document)),
                        document,
                    ),
                    other => reorder(other, sets, document),
                }
            }
        }
        _ => {}
    }
}

type Fields = async_graphql::indexmap::IndexMap<async_graphql::Name, Value>;

fn reorder_object(fields: &mut Fields, keys: &[Key<'_>], document: &ExecutableDocument) {
    let in_order = fields.len() == keys.len()
        && fields
            .keys()
            .zip(keys)
            .all(|(name, (key, _))| name.as_str() == key);
    if in_order {
        for (field, (_, subsets)) in fields.values_mut().zip(keys) {
            reorder(field, subsets, document);
        }
        return;
    }
    let mut ordered = Fields::with_capacity(fields.len());
    for (key, subsets) in keys {
        if let Some((name, mut field)) = fields.shift_remove_entry(key.as_str()) {
            reorder(&mut field, subsets, document);
            ordered.insert(name, field);
        }
    }
    // Anything not found in the selection keeps its place at the end.
    ordered.extend(fields.drain(..));
    *fields = ordered;
}

/// A response key and the sets that select under it.
type Key<'a> = (String, Vec<&'a SelectionSet>);

/// The response keys of `sets` in selection order, each with the sets that
/// select under it.
fn keys<'a>(sets: &[&'a SelectionSet], document: &'a ExecutableDocument) -> Vec<Key<'a>> {
    let mut keys: Vec<Key<'a>> = Vec::new();
    let mut pending: Vec<&'a Selection> = sets
        .iter()
        .rev()
        .flat_map(|set| set.items.iter().rev().map(|item| &item.node))
        .collect();
    while let Some(selection) = pending.pop() {
        let nested = match selection {
            Selection::Field(field) => {
                let key = field
                    .node
                    .alias
                    .as_ref()
                    .unwrap_or(&field.node.name)
                    .node
                    .to_string();
                let subset = &field.node.selection_set.node;
                match keys.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, subsets)) => subsets.push(subset),
                    None => keys.push((key, vec![subset])),
                }
                continue;
            }
            Selection::InlineFragment(fragment) => &fragment.node.selection_set.node,
            Selection::FragmentSpread(spread) => {
                match document.fragments.get(&spread.node.fragment_name.node) {
                    Some(fragment) => &fragment.node.selection_set.node,
                    None => continue,
                }
            }
        };
        pending.extend(nested.items.iter().rev().map(|item| &item.node));
    }
    keys
}
