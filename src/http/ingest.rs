//! `POST /` and `POST /api/msg`: one envelope in, Snapshot's reply out.

use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use super::error::ApiError;
use super::AppState;
use crate::protocol::rejection::Rejection;

pub async fn post(
    state: web::Data<AppState>,
    request: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    if let (Some(limiter), Some(peer)) = (&state.limiter, request.peer_addr()) {
        if limiter.check_key(&peer.ip()).is_err() {
            return Err(Rejection::TooManyRequests.into());
        }
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| Rejection::WrongEnvelopeFormat)?;
        if body.len() + chunk.len() > state.max_body {
            return Err(ApiError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    if let Some(request) = json_rpc(&body) {
        return Ok(super::scores::rpc(state, request).await);
    }
    let receipt = state.ingestor.accept(&body).await?;
    Ok(HttpResponse::Ok().json(receipt))
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
