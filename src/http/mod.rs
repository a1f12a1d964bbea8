//! The HTTP surface: the only module that knows actix. Handlers parse at the
//! door, call the domain, and map its errors once (see `reply`).

mod ingest;
mod read;
mod reply;
mod scores;

use std::net::{IpAddr, TcpListener};
use std::num::NonZeroU32;
use std::sync::Arc;

use actix_web::{web, App, HttpServer};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::ingest::Ingestor;

/// Shared state of every worker.
#[derive(Clone)]
pub struct AppState {
    pub ingestor: Ingestor,
    limiter: Option<Arc<DefaultKeyedRateLimiter<IpAddr>>>,
    max_body: usize,
    finalize_delay: i64,
}

impl AppState {
    /// `rate_limit` is ingest requests per minute per IP; 0 turns limiting off.
    pub fn new(ingestor: Ingestor, rate_limit: u32, max_body: usize) -> Self {
        let limiter =
            NonZeroU32::new(rate_limit).map(|n| Arc::new(RateLimiter::keyed(Quota::per_minute(n))));
        AppState {
            ingestor,
            limiter,
            max_body,
            finalize_delay: crate::results::FINALIZE_DELAY,
        }
    }

    /// Seconds after a proposal's end before its result is frozen.
    pub fn with_finalize_delay(mut self, seconds: i64) -> Self {
        self.finalize_delay = seconds;
        self
    }
}

/// Registers every route.
pub fn routes(config: &mut web::ServiceConfig) {
    config
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
        .route("/api/messages/{id}", web::get().to(read::message))
        .route(
            "/api/messages/{id}/proof",
            web::get().to(read::message_proof),
        )
        .route("/api/log/head", web::get().to(read::log_head))
        .route("/ipfs/{cid}", web::get().to(read::block));
}

/// Starts the server on a bound listener and returns its handle.
pub fn start(
    state: AppState,
    listener: TcpListener,
    workers: usize,
) -> std::io::Result<actix_web::dev::Server> {
    let data = web::Data::new(state);
    let server = HttpServer::new(move || App::new().app_data(data.clone()).configure(routes))
        .workers(workers.max(1))
        .listen(listener)?
        .run();
    Ok(server)
}
