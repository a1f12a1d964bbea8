//! Rejections as Snapshot's error replies.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde_json::json;

use crate::rejection::Rejection;

/// `{"error": "client_error" | "server_error", "error_description": ...}`.
pub fn rejection(rejection: &Rejection) -> HttpResponse {
    let status =
        StatusCode::from_u16(rejection.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let description = match rejection {
        Rejection::Internal(detail) => {
            tracing::error!("internal error: {detail}");
            "internal error".to_string()
        }
        other => other.to_string(),
    };
    error(status, &description)
}

/// An error body with Snapshot's shape.
pub fn error(status: StatusCode, description: &str) -> HttpResponse {
    let kind = if status.is_server_error() {
        "server_error"
    } else {
        "client_error"
    };
    HttpResponse::build(status).json(json!({"error": kind, "error_description": description}))
}

pub fn not_found(what: &str) -> HttpResponse {
    error(StatusCode::NOT_FOUND, &format!("{what} not found"))
}
