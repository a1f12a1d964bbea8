//! `/graphql`: Snapshot's hub GraphQL API (`crate::hub`). POST takes the
//! JSON request body; GET takes `?query=` for tools, and gives a browser
//! that opens the endpoint without a query the GraphiQL page.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::AppState;
use crate::hub::{Hub, HubReply};

/// A reply shared by every request that waited for it (`hub::runner`),
/// sent without copying its body for each.
struct Shared(Arc<HubReply>);

impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        self.0.body.as_bytes()
    }
}

fn reply(reply: Arc<HubReply>) -> HttpResponse {
    HttpResponse::build(
        actix_web::http::StatusCode::from_u16(reply.status)
            .unwrap_or(actix_web::http::StatusCode::OK),
    )
    .content_type("application/json")
    .body(web::Bytes::from_owner(Shared(reply)))
}

pub async fn post(state: web::Data<AppState>, mut payload: web::Payload) -> HttpResponse {
    match super::ingest::read_body(&state, &mut payload).await {
        Ok(body) => reply(state.hub.post(&body).await),
        Err(err) => {
            let status = actix_web::ResponseError::status_code(&err);
            let mut refused = crate::hub::error_reply(err.to_string());
            refused.status = status.as_u16();
            reply(Arc::new(refused))
        }
    }
}

pub async fn get(state: web::Data<AppState>, request: HttpRequest) -> HttpResponse {
    let query = request.query_string();
    let wants_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html && !query.split('&').any(|pair| pair.starts_with("query=")) {
        return HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(Hub::graphiql("/graphql"));
    }
    reply(state.hub.get(query).await)
}
