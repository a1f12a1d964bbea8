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
    if let Some(limiter) = &state.limiter {
        let client = super::client::client_ip(&request, &state.trusted_proxies);
        if client.is_some_and(|client| limiter.check_key(&client).is_err()) {
            return Err(Rejection::TooManyRequests.into());
        }
    }
    let body = read_body(&state, &mut payload).await?;
    if let Some(request) = json_rpc(&body) {
        return Ok(super::scores::rpc(state, request).await);
    }
    let receipt = state.ingestor.accept(&body).await?;
    Ok(HttpResponse::Ok().json(receipt))
}

/// The whole body, at most `max_body` bytes, received within `body_timeout`:
/// a client that stalls mid-body is answered 408 and its connection freed.
pub(super) async fn read_body(
    state: &AppState,
    payload: &mut web::Payload,
) -> Result<web::BytesMut, ApiError> {
    let receive = async {
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|_| Rejection::WrongEnvelopeFormat)?;
            if body.len() + chunk.len() > state.max_body {
                return Err(ApiError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    };
    tokio::time::timeout(state.body_timeout, receive)
        .await
        .map_err(|_| ApiError::BodyTimeout)?
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
