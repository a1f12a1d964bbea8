//! Read endpoints: service info, spaces, proposals, votes, messages, blocks.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{reply, AppState};
use crate::store::{StoreError, VoteOrder, VotePage};

/// Runs a read on a pooled connection off the async workers.
async fn read<T: Send + 'static>(
    state: &web::Data<AppState>,
    query: impl FnOnce(&crate::store::Db<'_>) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, HttpResponse> {
    let store = state.ingestor.store().clone();
    let result = web::block(move || {
        let reader = store.reader()?;
        query(&reader.db())
    })
    .await;
    match result {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(reply::rejection(&err.into())),
        Err(err) => Err(reply::rejection(&crate::rejection::Rejection::Internal(
            err.to_string(),
        ))),
    }
}

pub async fn info(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "name": "votehub",
        "version": env!("CARGO_PKG_VERSION"),
        "relayer": state.ingestor.relayer_address().to_string(),
    }))
}

pub async fn space(state: web::Data<AppState>, id: web::Path<String>) -> HttpResponse {
    let id = id.into_inner();
    match read(&state, move |db| Ok((db.space(&id)?, db.controller(&id)?))).await {
        Ok((Some(space), controller)) if !space.deleted => {
            let mut body = space.settings.clone();
            if let Value::Object(fields) = &mut body {
                fields.insert("id".into(), json!(space.id));
                fields.insert("ipfs".into(), json!(space.ipfs));
                fields.insert("controller".into(), json!(controller));
                fields.insert("created".into(), json!(space.created));
                fields.insert("updated".into(), json!(space.updated));
            }
            HttpResponse::Ok().json(body)
        }
        Ok(_) => reply::not_found("space"),
        Err(response) => response,
    }
}

/// `first` (≤ 1000, default 20) and `skip` (≤ 5000), the hub's limits.
#[derive(Deserialize)]
pub struct PageQuery {
    first: Option<i64>,
    skip: Option<i64>,
}

pub async fn proposals(
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<PageQuery>,
) -> HttpResponse {
    let (first, skip) = match check_page(query.first, query.skip) {
        Ok(page) => page,
        Err(message) => return reply::error(StatusCode::BAD_REQUEST, &message),
    };
    let id = id.into_inner();
    match read(&state, move |db| {
        Ok((
            db.space(&id)?.is_some_and(|s| !s.deleted),
            db.proposals(&id, first, skip)?,
        ))
    })
    .await
    {
        Ok((true, proposals)) => {
            let now = crate::ingest::unix_now();
            HttpResponse::Ok().json(
                proposals
                    .iter()
                    .map(|p| proposal_body(p, now))
                    .collect::<Vec<_>>(),
            )
        }
        Ok((false, _)) => reply::not_found("space"),
        Err(response) => response,
    }
}

/// A proposal with its computed `state`, as the hub shows it.
fn proposal_body(proposal: &crate::store::ProposalRow, now: i64) -> Value {
    let mut body = serde_json::to_value(proposal).unwrap_or_default();
    let phase = if now < proposal.start {
        "pending"
    } else if now <= proposal.end {
        "active"
    } else {
        "closed"
    };
    body["state"] = json!(phase);
    body
}

/// The hub's `first`/`skip` limits.
fn check_page(first: Option<i64>, skip: Option<i64>) -> Result<(u32, u32), String> {
    let first = first.unwrap_or(20);
    let skip = skip.unwrap_or(0);
    if first < 0 || skip < 0 {
        return Err("The `first` and `skip` arguments must not be negative".into());
    }
    if first > 1000 {
        return Err("The `first` argument must not be greater than 1000".into());
    }
    if skip > 5000 {
        return Err("The `skip` argument must not be greater than 5000".into());
    }
    Ok((first as u32, skip as u32))
}

pub async fn proposal(state: web::Data<AppState>, id: web::Path<String>) -> HttpResponse {
    let id = id.into_inner().to_lowercase();
    match read(&state, move |db| db.proposal(&id)).await {
        Ok(Some(proposal)) => {
            HttpResponse::Ok().json(proposal_body(&proposal, crate::ingest::unix_now()))
        }
        Ok(None) => reply::not_found("proposal"),
        Err(response) => response,
    }
}

/// The hub's paging conventions plus keyset bounds on `created`.
#[derive(Deserialize)]
pub struct VotesQuery {
    first: Option<i64>,
    skip: Option<i64>,
    #[serde(rename = "orderBy")]
    order_by: Option<String>,
    #[serde(rename = "orderDirection")]
    order_direction: Option<String>,
    created_gte: Option<i64>,
    created_lt: Option<i64>,
}

impl VotesQuery {
    fn page(&self) -> Result<VotePage, String> {
        let (first, skip) = check_page(self.first, self.skip)?;
        let order = match self.order_by.as_deref() {
            None | Some("created") => VoteOrder::Created,
            Some("vp") => VoteOrder::Vp,
            Some(other) => return Err(format!("orderBy `{other}` is not one of created, vp")),
        };
        let descending = match self.order_direction.as_deref() {
            None | Some("desc") => true,
            Some("asc") => false,
            Some(other) => return Err(format!("orderDirection `{other}` is not asc or desc")),
        };
        Ok(VotePage {
            first,
            skip,
            order,
            descending,
            created_gte: self.created_gte,
            created_lt: self.created_lt,
        })
    }
}

pub async fn votes(
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<VotesQuery>,
) -> HttpResponse {
    let page = match query.page() {
        Ok(page) => page,
        Err(message) => return reply::error(StatusCode::BAD_REQUEST, &message),
    };
    let id = id.into_inner().to_lowercase();
    match read(&state, move |db| {
        Ok((db.proposal(&id)?.is_some(), db.votes(&id, &page)?))
    })
    .await
    {
        Ok((true, votes)) => HttpResponse::Ok().json(votes),
        Ok((false, _)) => reply::not_found("proposal"),
        Err(response) => response,
    }
}

pub async fn message(state: web::Data<AppState>, id: web::Path<String>) -> HttpResponse {
    let id = id.into_inner().to_lowercase();
    let found = read(&state, move |db| {
        let Some(message) = db.message(&id)? else {
            return Ok(None);
        };
        let block = db.block(&message.ipfs)?;
        Ok(Some((message, block)))
    })
    .await;
    match found {
        Ok(Some((message, block))) => {
            let mut body = serde_json::to_value(&message).unwrap_or_default();
            body["envelope"] = block
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                .unwrap_or(Value::Null);
            HttpResponse::Ok().json(body)
        }
        Ok(None) => reply::not_found("message"),
        Err(response) => response,
    }
}

/// The newest pinned head of the message log: `{cid, mci, log}`.
pub async fn log_head(state: web::Data<AppState>) -> HttpResponse {
    match read(&state, |db| db.last_log_head()).await {
        Ok(Some(head)) => {
            HttpResponse::Ok().json(json!({"cid": head.cid, "mci": head.mci, "log": head.log}))
        }
        Ok(None) => reply::not_found("log head"),
        Err(response) => response,
    }
}

/// A message's inclusion proof under the first pinned head that covers it
/// (`crate::log::Proof`); 404 until a head covers it (heads are pinned
/// periodically and at every proposal close).
pub async fn message_proof(state: web::Data<AppState>, id: web::Path<String>) -> HttpResponse {
    let id = id.into_inner().to_lowercase();
    match read(&state, move |db| crate::log::prove(db, &id)).await {
        Ok(Some(proof)) => HttpResponse::Ok().json(proof),
        Ok(None) => reply::not_found("message under a pinned log head"),
        Err(response) => response,
    }
}

/// The exact stored bytes of a block: JSON for a raw block (every stored
/// message is JSON), `application/vnd.ipld.raw` for other codecs or when
/// asked for, as a trustless gateway answers.
pub async fn block(
    state: web::Data<AppState>,
    request: HttpRequest,
    cid: web::Path<String>,
) -> HttpResponse {
    let cid = cid.into_inner();
    let Some(codec) = crate::blockstore::codec(&cid) else {
        return reply::error(StatusCode::BAD_REQUEST, "invalid CID");
    };
    let asks = |format: &str, media: &str| {
        request.query_string().split('&').any(|pair| pair == format)
            || request
                .headers()
                .get("accept")
                .and_then(|accept| accept.to_str().ok())
                .is_some_and(|accept| accept.contains(media))
    };
    if asks("format=car", "application/vnd.ipld.car") {
        return car(&state, cid).await;
    }
    let raw = !crate::blockstore::is_raw(codec) || asks("format=raw", "application/vnd.ipld.raw");
    let key = cid.clone();
    match read(&state, move |db| db.block(&key)).await {
        Ok(Some(bytes)) => {
            let content_type = if raw {
                "application/vnd.ipld.raw"
            } else {
                "application/json"
            };
            HttpResponse::Ok()
                .content_type(content_type)
                .insert_header(("X-Ipfs-Roots", cid.as_str()))
                .insert_header(("Cache-Control", "public, max-age=29030400, immutable"))
                .body(bytes)
        }
        Ok(None) => reply::not_found("block"),
        Err(response) => response,
    }
}

/// The whole DAG under `cid` as a CARv1, as a trustless gateway serves it.
async fn car(state: &web::Data<AppState>, cid: String) -> HttpResponse {
    let store = state.ingestor.store().clone();
    let root = cid.clone();
    let blocks = web::block(move || -> Result<_, crate::blockstore::BlockstoreError> {
        let reader = store.reader()?;
        let snapshot = reader.snapshot()?;
        crate::blockstore::dag(&crate::store::Db::new(&snapshot), &root)
    })
    .await;
    let blocks = match blocks {
        Ok(Ok(blocks)) => blocks,
        Ok(Err(crate::blockstore::BlockstoreError::Missing(missing))) if missing == cid => {
            return reply::not_found("block")
        }
        Ok(Err(err)) => {
            return reply::rejection(&crate::rejection::Rejection::Internal(err.to_string()))
        }
        Err(err) => {
            return reply::rejection(&crate::rejection::Rejection::Internal(err.to_string()))
        }
    };
    match crate::blockstore::car(&blocks).await {
        Ok(bytes) => HttpResponse::Ok()
            .content_type("application/vnd.ipld.car; version=1")
            .insert_header(("X-Ipfs-Roots", cid.as_str()))
            .insert_header(("Cache-Control", "public, max-age=29030400, immutable"))
            .body(bytes),
        Err(err) => reply::rejection(&crate::rejection::Rejection::Internal(err.to_string())),
    }
}
