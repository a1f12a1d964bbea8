//! Snapshot's hub GraphQL read API (`/graphql`): the hub's schema, types,
//! `where` inputs, defaults, orderings, limits and error strings, over the
//! read service, so that a client written for hub.snapshot.org (its web
//! UIs, bots, the MCP server) reads votehub unchanged. The HTTP layer hands
//! requests in as bytes and gets JSON back; only this module names
//! async-graphql.

mod filters;
mod inputs;
mod objects;
mod order;
mod query;
mod runner;
mod scalar;
mod variables;

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, Selection};
use async_graphql::{Context, EmptyMutation, EmptySubscription, Request, Schema, ServerError};

use std::sync::Arc;

use serde_json::Value;

use crate::reads::{ReadError, Reads};

type HubSchema = Schema<query::Query, EmptyMutation, EmptySubscription>;

/// The hub's `depthLimit(5)` counts a root field as depth 0; async-graphql
/// counts it as 1.
const MAX_DEPTH: usize = 6;
/// The hub's `queryCountLimit(5, 5)`: operations per document, and root
/// fields per operation.
const MAX_OPERATIONS: usize = 5;
const MAX_ROOT_FIELDS: usize = 5;

/// A refusal in the hub's words (`Invalid address`, a limit exceeded),
/// shown to the client as it is.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("{0}")]
    Public(String),
}

/// A read that failed: what the client may know, or the hub's `request
/// failed` for an internal failure (logged here, never shown).
fn failed(err: ReadError) -> async_graphql::Error {
    match err {
        ReadError::NotFound(what) => async_graphql::Error::new(format!("{what} not found")),
        ReadError::Strategy(err) => async_graphql::Error::new(err.to_string()),
        err => {
            tracing::error!(%err, "hub query failed");
            async_graphql::Error::new("request failed")
        }
    }
}

/// The read service a resolver runs on.
fn reads<'a>(ctx: &Context<'a>) -> &'a Reads {
    ctx.data_unchecked::<Reads>()
}

/// A reply: HTTP status and JSON body.
#[derive(Debug, Clone)]
pub struct HubReply {
    pub status: u16,
    pub body: String,
}

/// The hub's GraphQL endpoint.
#[derive(Clone)]
pub struct Hub {
    schema: HubSchema,
    /// The same schema without the depth limit, for introspection queries
    /// (tools send the standard one, 8 levels deep).
    introspection: HubSchema,
    runner: Arc<runner::Runner>,
}

impl Hub {
    pub fn new(reads: Reads) -> Hub {
        let build =
            || Schema::build(query::Query, EmptyMutation, EmptySubscription).data(reads.clone());
        Hub {
            schema: build().limit_depth(MAX_DEPTH).finish(),
            introspection: build().finish(),
            runner: Arc::default(),
        }
    }

    /// The schema in SDL, for comparing with the hub's.
    pub fn sdl(&self) -> String {
        self.schema.sdl()
    }

    /// A `POST /graphql` body: `{query, variables, operationName}` (Apollo,
    /// snapshot.js's `{query}`, the MCP server's `{query, variables}`).
    /// Runs on the read threads, shared with identical requests (see
    /// `runner`).
    pub async fn post(&self, body: &[u8]) -> Arc<HubReply> {
        const POST: &[u8] = b"POST ";
        let hub = self.clone();
        let key: Arc<[u8]> = [POST, body].concat().into();
        let request = Arc::clone(&key);
        self.runner
            .run(key, move || {
                let (hub, request) = (hub.clone(), Arc::clone(&request));
                async move {
                    match serde_json::from_slice::<Request>(&request[POST.len()..]) {
                        Ok(request) => hub.execute(request).await,
                        Err(err) => {
                            error_reply(format!("the body is not a GraphQL request: {err}"))
                        }
                    }
                }
            })
            .await
    }

    /// A query from inside votehub (the web app reads what integrators
    /// read): its `data`, or the errors' messages joined.
    pub async fn query(&self, document: &str, variables: Value) -> Result<Value, HubError> {
        let body = serde_json::json!({"query": document, "variables": variables});
        let reply = self.post(body.to_string().as_bytes()).await;
        let mut reply: Value = serde_json::from_str(&reply.body)
            .map_err(|err| HubError::Public(format!("unreadable reply: {err}")))?;
        let errors: Vec<&str> = reply["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|error| error["message"].as_str())
            .collect();
        if !errors.is_empty() {
            return Err(HubError::Public(errors.join("; ")));
        }
        Ok(reply["data"].take())
    }

    /// A `GET /graphql?query=…&variables=…&operationName=…`, run as a POST.
    pub async fn get(&self, query_string: &str) -> Arc<HubReply> {
        let (hub, owned) = (self.clone(), Arc::<str>::from(query_string));
        let key: Arc<[u8]> = [b"GET ".as_slice(), query_string.as_bytes()]
            .concat()
            .into();
        self.runner
            .run(key, move || {
                let (hub, query_string) = (hub.clone(), Arc::clone(&owned));
                async move {
                    match async_graphql::http::parse_query_string(&query_string) {
                        Ok(request) => hub.execute(request).await,
                        Err(err) => {
                            error_reply(format!("the query string is not a GraphQL request: {err}"))
                        }
                    }
                }
            })
            .await
    }

    async fn execute(&self, mut request: Request) -> HubReply {
        if request.query.trim().is_empty() {
            return error_reply("Must provide query string.".into());
        }
        let operation_name = request.operation_name.clone();
        let mut parsed = None;
        let introspection = match async_graphql::parser::parse_query(&request.query) {
            Ok(mut document) => {
                let operations = match &document.operations {
                    DocumentOperations::Single(_) => 1,
                    DocumentOperations::Multiple(ops) => ops.len(),
                };
                if operations > MAX_OPERATIONS {
                    return error_reply(format!(
                        "Query count limit of {MAX_OPERATIONS} exceeded, found {operations} operations."
                    ));
                }
                let roots = root_fields(&document, request.operation_name.as_deref());
                if roots.len() > MAX_ROOT_FIELDS {
                    return error_reply(format!(
                        "Query count limit of {MAX_ROOT_FIELDS} exceeded, found {}.",
                        roots.len()
                    ));
                }
                let introspection =
                    !roots.is_empty() && roots.iter().all(|name| name.starts_with("__"));
                variables::omit_unsent(&mut document, &request.variables);
                parsed = Some(document.clone());
                request.set_parsed_query(document);
                introspection
            }
            // Let the schema report the syntax error in its own words.
            Err(_) => false,
        };
        let schema = if introspection {
            &self.introspection
        } else {
            &self.schema
        };
        let mut response = schema.execute(request).await;
        if let Some(document) = &parsed {
            if let Some(operation) = selected(document, operation_name.as_deref()) {
                order::reorder(
                    &mut response.data,
                    &[&operation.node.selection_set.node],
                    document,
                );
            }
        }
        HubReply {
            status: 200,
            body: serde_json::to_string(&response).unwrap_or_else(|_| "{}".into()),
        }
    }

    /// GraphiQL, for a browser that opens the endpoint.
    pub fn graphiql(endpoint: &str) -> String {
        async_graphql::http::GraphiQLSource::build()
            .endpoint(endpoint)
            .title("votehub GraphQL")
            .finish()
    }
}

/// A request-level error in GraphQL's shape (`{errors: [{message}]}`).
pub fn error_reply(message: String) -> HubReply {
    let response = async_graphql::Response::from_errors(vec![ServerError::new(message, None)]);
    HubReply {
        status: 400,
        body: serde_json::to_string(&response).unwrap_or_else(|_| "{}".into()),
    }
}

/// The root field names (`__typename` aside) of the operation a request runs.
/// The operation a request runs: the only one, or the one it names.
fn selected<'a>(
    document: &'a ExecutableDocument,
    operation: Option<&str>,
) -> Option<&'a async_graphql::Positioned<async_graphql::parser::types::OperationDefinition>> {
    match (&document.operations, operation) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) => ops.values().next(),
    }
}

fn root_fields<'a>(document: &'a ExecutableDocument, operation: Option<&str>) -> Vec<String> {
    let Some(operation) = selected(document, operation) else {
        return Vec::new();
    };
    let mut names = Vec::new();
    let items = |set: &'a async_graphql::Positioned<async_graphql::parser::types::SelectionSet>| {
        set.node.items.iter().map(|item| &item.node)
    };
    let mut pending: Vec<&Selection> = items(&operation.node.selection_set).collect();
    while let Some(selection) = pending.pop() {
        match selection {
            Selection::Field(field) => {
                let name = field.node.name.node.as_str();
                if name != "__typename" {
                    names.push(name.to_string());
                }
            }
            Selection::InlineFragment(fragment) => {
                pending.extend(items(&fragment.node.selection_set))
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                    pending.extend(items(&fragment.node.selection_set));
                }
            }
        }
    }
    names
}
