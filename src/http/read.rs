//! Read endpoints: service info, spaces, proposals, votes, messages, the log
//! and blocks. Each handler parses at the door and asks `crate::reads`.

use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;

use super::error::ApiError;
use super::AppState;
use crate::store::{VoteOrder, VotePage};

type Reply = Result<HttpResponse, ApiError>;

/// Immutable content: cached for a year by any client or proxy.
const IMMUTABLE: (&str, &str) = ("Cache-Control", "public, max-age=29030400, immutable");

pub async fn info(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "name": "votehub",
        "version": env!("CARGO_PKG_VERSION"),
        "relayer": state.ingestor.relayer_address().to_string(),
    }))
}

pub async fn space(state: web::Data<AppState>, id: web::Path<String>) -> Reply {
    Ok(HttpResponse::Ok().json(state.reads.space(id.into_inner()).await?))
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
) -> Reply {
    let (first, skip) = check_page(query.first, query.skip)?;
    let proposals = state.reads.proposals(id.into_inner(), first, skip).await?;
    Ok(HttpResponse::Ok().json(proposals))
}

/// The hub's `first`/`skip` limits.
fn check_page(first: Option<i64>, skip: Option<i64>) -> Result<(u32, u32), ApiError> {
    let first = first.unwrap_or(20);
    let skip = skip.unwrap_or(0);
    if first < 0 || skip < 0 {
        return Err(ApiError::BadRequest(
            "The `first` and `skip` arguments must not be negative".into(),
        ));
    }
    if first > 1000 {
        return Err(ApiError::BadRequest(
            "The `first` argument must not be greater than 1000".into(),
        ));
    }
    if skip > 5000 {
        return Err(ApiError::BadRequest(
            "The `skip` argument must not be greater than 5000".into(),
        ));
    }
    Ok((first as u32, skip as u32))
}

pub async fn proposal(state: web::Data<AppState>, id: web::Path<String>) -> Reply {
    let id = id.into_inner().to_lowercase();
    Ok(HttpResponse::Ok().json(state.reads.proposal(id).await?))
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
    fn page(&self) -> Result<VotePage, ApiError> {
        let (first, skip) = check_page(self.first, self.skip)?;
        let order = match self.order_by.as_deref() {
            None | Some("created") => VoteOrder::Created,
            Some("vp") => VoteOrder::Vp,
            Some(other) => {
                return Err(ApiError::BadRequest(format!(
                    "orderBy `{other}` is not one of created, vp"
                )))
            }
        };
        let descending = match self.order_direction.as_deref() {
            None | Some("desc") => true,
            Some("asc") => false,
            Some(other) => {
                return Err(ApiError::BadRequest(format!(
                    "orderDirection `{other}` is not asc or desc"
                )))
            }
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
) -> Reply {
    let page = query.page()?;
    let id = id.into_inner().to_lowercase();
    Ok(HttpResponse::Ok().json(state.reads.votes(id, page).await?))
}

pub async fn message(state: web::Data<AppState>, id: web::Path<String>) -> Reply {
    let id = id.into_inner().to_lowercase();
    Ok(HttpResponse::Ok().json(state.reads.message(id).await?))
}

/// The newest pinned head of the message log: `{cid, mci, log}`.
pub async fn log_head(state: web::Data<AppState>) -> Reply {
    let head = state.reads.log_head().await?;
    Ok(HttpResponse::Ok().json(json!({"cid": head.cid, "mci": head.mci, "log": head.log})))
}

/// A message's inclusion proof under the first pinned head that covers it
/// (`crate::format::log::Proof`); 404 until a head covers it (heads are pinned
/// periodically and at every proposal close).
pub async fn message_proof(state: web::Data<AppState>, id: web::Path<String>) -> Reply {
    let id = id.into_inner().to_lowercase();
    Ok(HttpResponse::Ok().json(state.reads.proof(id).await?))
}

/// The exact stored bytes of a block: JSON for a raw block (every stored
/// message is JSON), `application/vnd.ipld.raw` for other codecs or when
/// asked for, as a trustless gateway answers; the whole DAG as a CARv1 when
/// asked for `format=car`, streamed as the client reads it.
pub async fn block(
    state: web::Data<AppState>,
    request: HttpRequest,
    cid: web::Path<String>,
) -> Reply {
    let cid = cid.into_inner();
    let codec =
        crate::ipld::codec(&cid).ok_or_else(|| ApiError::BadRequest("invalid CID".into()))?;
    let asks = |format: &str, media: &str| {
        request.query_string().split('&').any(|pair| pair == format)
            || request
                .headers()
                .get("accept")
                .and_then(|accept| accept.to_str().ok())
                .is_some_and(|accept| accept.contains(media))
    };
    if asks("format=car", "application/vnd.ipld.car") {
        let chunks = state.reads.car(cid.clone()).await?;
        let root = cid.clone();
        // The status is sent: a failure now can only cut the body short, so
        // it is logged here, where the root is known.
        let body = chunks.flat_map(move |chunk| {
            let pieces = match chunk {
                Ok(bytes) => pieces(web::Bytes::from(bytes)).map(Ok).collect(),
                Err(err) => {
                    tracing::error!(%root, "the CAR stream was cut short: {err}");
                    vec![Err(err)]
                }
            };
            futures_util::stream::iter(pieces)
        });
        return Ok(HttpResponse::Ok()
            .content_type("application/vnd.ipld.car; version=1")
            .insert_header(("X-Ipfs-Roots", cid.as_str()))
            .insert_header(IMMUTABLE)
            .streaming(body));
    }
    let raw = !crate::ipld::is_raw(codec) || asks("format=raw", "application/vnd.ipld.raw");
    let bytes = state.reads.block(cid.clone()).await?;
    let content_type = if raw {
        "application/vnd.ipld.raw"
    } else {
        "application/json"
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("X-Ipfs-Roots", cid.as_str()))
        .insert_header(IMMUTABLE)
        .body(bytes))
}

/// actix copies each piece of a streamed body into the connection's write
/// buffer and takes the next once that buffer is under 32 KiB: pieces of
/// that size keep the buffer of a client that stops reading at about 64 KiB
/// instead of a whole CAR step. The pieces share the step's allocation.
const PIECE: usize = 32 << 10;

fn pieces(bytes: web::Bytes) -> impl Iterator<Item = web::Bytes> {
    (0..bytes.len())
        .step_by(PIECE)
        .map(move |at| bytes.slice(at..bytes.len().min(at + PIECE)))
}

/// `GET /api/court/{space}`: settings, roles, elections, pool, cases.
pub async fn court(state: web::Data<AppState>, space: web::Path<String>) -> Reply {
    Ok(HttpResponse::Ok().json(state.reads.court(space.into_inner()).await?))
}

/// `GET /api/court/{space}/cases/{case}`: one case as it stands now.
pub async fn case(state: web::Data<AppState>, path: web::Path<(String, String)>) -> Reply {
    let (space, case) = path.into_inner();
    Ok(HttpResponse::Ok().json(state.reads.case(space, case).await?))
}

#[derive(Deserialize)]
pub struct PoolQuery {
    block: Option<u64>,
}

/// `GET /api/court/{space}/cases/{case}/pool[?block=N]`: the published
/// pool, or the one an `open-jury` signed now would have to name.
pub async fn case_pool(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<PoolQuery>,
) -> Reply {
    let (space, case) = path.into_inner();
    match state.reads.case_pool(space, case, query.block).await? {
        Ok(pool) => Ok(HttpResponse::Ok().json(pool)),
        Err(refusal) => Err(crate::protocol::rejection::Rejection::Court(refusal).into()),
    }
}
