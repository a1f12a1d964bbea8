//! The HTTP surface. Handlers parse at the door, call a service (`Ingestor`
//! for writes, `Reads` for everything else) and return `Result`; errors
//! become Snapshot's error replies in one place (`error::ApiError`).

mod client;
mod error;
mod graphql;
mod ingest;
mod pages;
mod read;
mod scores;

use std::net::{IpAddr, TcpListener};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{guard, web, App, HttpResponse, HttpServer};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::hub::Hub;
use crate::ingest::Ingestor;
use crate::reads::Reads;

pub use error::ApiError;

/// Shared state of every worker: the two services and the door's limits.
#[derive(Clone)]
pub struct AppState {
    ingestor: Ingestor,
    reads: Reads,
    hub: Hub,
    pages: crate::web::Pages,
    limiter: Option<Arc<DefaultKeyedRateLimiter<IpAddr>>>,
    read_limiter: Option<Arc<DefaultKeyedRateLimiter<IpAddr>>>,
    trusted_proxies: Arc<Vec<IpAddr>>,
    max_body: usize,
    body_timeout: Duration,
    header_timeout: Duration,
    max_requests_per_client: usize,
    in_flight: Arc<client::InFlight>,
}

/// A per-minute limit keyed by client address; `None` for 0 (no limit).
fn per_minute(limit: u32) -> Option<Arc<DefaultKeyedRateLimiter<IpAddr>>> {
    NonZeroU32::new(limit).map(|n| Arc::new(RateLimiter::keyed(Quota::per_minute(n))))
}

/// How long a client may take to send a request body.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a client may take to send a request's head (actix's default,
/// set explicitly so an upgrade cannot change it unnoticed).
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// Requests one client may have in flight at once.
pub const DEFAULT_MAX_REQUESTS_PER_CLIENT: usize = 64;

impl AppState {
    /// `rate_limit` is ingest requests per minute per IP; 0 turns limiting off.
    pub fn new(ingestor: Ingestor, reads: Reads, rate_limit: u32, max_body: usize) -> Self {
        let hub = Hub::new(reads.clone());
        AppState {
            ingestor,
            pages: crate::web::Pages::new(hub.clone(), reads.clone()),
            hub,
            reads,
            limiter: per_minute(rate_limit),
            read_limiter: None,
            trusted_proxies: Arc::default(),
            max_body,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            max_requests_per_client: DEFAULT_MAX_REQUESTS_PER_CLIENT,
            in_flight: Arc::default(),
        }
    }

    /// GET requests per minute per client; 0 (the default) is no limit.
    pub fn with_read_rate_limit(mut self, limit: u32) -> Self {
        self.read_limiter = per_minute(limit);
        self
    }

    /// Whether proposal bodies on the web app may show remote images.
    pub fn with_remote_images(mut self, allow: bool) -> Self {
        self.pages = self.pages.with_remote_images(allow);
        self
    }

    /// Reverse proxies whose `Forwarded`/`X-Forwarded-For` name the client.
    pub fn with_trusted_proxies(mut self, proxies: Vec<IpAddr>) -> Self {
        self.trusted_proxies = Arc::new(proxies);
        self
    }

    /// How long a client may take to send a request body (then 408).
    pub fn with_body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// How long a client may take to send the head of its first request on
    /// a connection (then 408 and the connection is closed).
    pub fn with_header_timeout(mut self, timeout: Duration) -> Self {
        self.header_timeout = timeout;
        self
    }

    /// Requests one client may have in flight, from its head to the last
    /// byte of the reply (429 above it); 0 turns the cap off.
    pub fn with_max_requests_per_client(mut self, max: usize) -> Self {
        self.max_requests_per_client = max;
        self
    }
}

/// Registers every route. Extractor failures (a query string or path that
/// does not parse) answer in Snapshot's error shape like everything else.
pub fn routes(config: &mut web::ServiceConfig) {
    config
        .app_data(web::QueryConfig::default().error_handler(|err, _| {
            ApiError::BadRequest(format!("invalid query string: {err}")).into()
        }))
        .app_data(
            web::PathConfig::default().error_handler(|err, _| {
                ApiError::BadRequest(format!("invalid path: {err}")).into()
            }),
        )
        .route(
            "/",
            web::get()
                .guard(guard::fn_guard(pages::wants_html))
                .to(pages::front),
        )
        .route("/", web::get().to(read::info))
        .route("/", web::post().to(ingest::post))
        .route("/api/msg", web::post().to(ingest::post))
        .route("/api/spaces/{id}", web::get().to(read::space))
        .route("/api/spaces/{id}/proposals", web::get().to(read::proposals))
        .route("/api/proposals/{id}", web::get().to(read::proposal))
        .route("/api/proposals/{id}/votes", web::get().to(read::votes))
        .route(
            "/api/proposals/{id}/scores",
            web::get().to(scores::proposal_scores),
        )
        .route("/api/scores", web::post().to(scores::post_scores))
        .route("/api/scores/{id}", web::get().to(scores::refresh))
        .route("/api/messages/{id}", web::get().to(read::message))
        .route(
            "/api/messages/{id}/proof",
            web::get().to(read::message_proof),
        )
        .route("/api/log/head", web::get().to(read::log_head))
        .route("/api/court/{space}", web::get().to(read::court))
        .route("/api/court/{space}/cases/{case}", web::get().to(read::case))
        .route(
            "/api/court/{space}/cases/{case}/pool",
            web::get().to(read::case_pool),
        )
        .route("/ipfs/{cid}", web::get().to(read::block))
        .route("/graphql", web::post().to(graphql::post))
        .route("/graphql", web::get().to(graphql::get))
        .route("/s/{space}", web::get().to(pages::space))
        .route("/s/{space}/new", web::get().to(pages::new_proposal))
        .route("/s/{space}/settings", web::get().to(pages::settings))
        .route("/s/{space}/court", web::get().to(pages::court))
        .route("/s/{space}/case/{id}", web::get().to(pages::case))
        .route("/s/{space}/proposal/{id}", web::get().to(pages::proposal))
        .route("/s/{space}/proposal/{id}/live", web::get().to(pages::live))
        .route("/u/{address}", web::get().to(pages::profile))
        .route("/app/preview", web::post().to(pages::preview))
        .route("/app/{file}", web::get().to(pages::asset));
}

/// Any other path or method: a 404 in Snapshot's shape.
async fn no_route() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound("route"))
}

/// Any origin may read and write, as Snapshot's hub and sequencer allow:
/// browser apps are served from other origins than the hub.
fn cors() -> actix_cors::Cors {
    actix_cors::Cors::default()
        .allow_any_origin()
        .send_wildcard()
        .allow_any_method()
        .allow_any_header()
        .max_age(86_400)
}

/// Runs `work` on the runtime the server needs (actix's `System`: a tokio
/// runtime on which `tokio::spawn` works too), until it ends.
pub fn run<F: std::future::Future>(work: F) -> F::Output {
    actix_web::rt::System::new().block_on(work)
}

/// Starts the server on a bound listener and returns its handle.
pub fn start(
    state: AppState,
    listener: TcpListener,
    workers: usize,
) -> std::io::Result<actix_web::dev::Server> {
    let header_timeout = state.header_timeout;
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .configure(routes)
            .default_service(web::to(no_route))
            .wrap(actix_web::middleware::from_fn(client::limit_reads))
            // A request counts from its head, refused or not.
            .wrap(actix_web::middleware::from_fn(client::limit_in_flight))
            // Outermost: every reply, refusals included, carries CORS headers.
            .wrap(cors())
    })
    .client_request_timeout(header_timeout)
    .workers(workers.max(1))
    .listen(listener)?
    .run();
    Ok(server)
}
