//! `POST /` and `POST /api/msg`: one envelope in, Snapshot's reply out.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use super::{reply, AppState};
use crate::rejection::Rejection;

pub async fn post(
    state: web::Data<AppState>,
    request: HttpRequest,
    mut payload: web::Payload,
) -> HttpResponse {
    if let (Some(limiter), Some(peer)) = (&state.limiter, request.peer_addr()) {
        if limiter.check_key(&peer.ip()).is_err() {
            return reply::rejection(&Rejection::TooManyRequests);
        }
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return reply::error(StatusCode::BAD_REQUEST, "wrong envelope format");
        };
        if body.len() + chunk.len() > state.max_body {
            return reply::error(
                StatusCode::PAYLOAD_TOO_LARGE,
                &Rejection::TooLargeMessage.to_string(),
            );
        }
        body.extend_from_slice(&chunk);
    }
    if let Some(request) = json_rpc(&body) {
        return super::scores::rpc(state, request).await;
    }
    match state.ingestor.accept(&body).await {
        Ok(receipt) => HttpResponse::Ok().json(receipt),
        Err(rejection) => reply::rejection(&rejection),
    }
}

/// A JSON-RPC request (`{"jsonrpc", "method", …}`) rather than an envelope,
/// whose schema allows neither key. Bodies without the word are not re-parsed.
fn json_rpc(body: &[u8]) -> Option<serde_json::Value> {
    if !body.windows(9).any(|window| window == b"\"jsonrpc\"") {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value.get("method").is_some().then_some(value)
}
