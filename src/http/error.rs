//! The one error type of the HTTP handlers, answered in Snapshot's shape:
//! `{"error": "client_error" | "server_error", "error_description": ...}`.
//! Internal failures are logged here and never described to the client.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use crate::ingest::IngestError;
use crate::ipld::DagError;
use crate::protocol::rejection::Rejection;
use crate::reads::ReadError;
use crate::store::StoreError;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A refusal with Snapshot's exact text and status.
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// A malformed request outside Snapshot's refusals (paging, a CID).
    #[error("{0}")]
    BadRequest(String),
    /// A body over the configured limit.
    #[error("too large message")]
    TooLarge,
    /// A body not received within the configured time.
    #[error("the request body was not received in time")]
    BodyTimeout,
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Stored bytes that no longer match their CID: said plainly, since a
    /// client must not take them for the signed ones.
    #[error("stored block {0} is corrupt: its bytes do not hash to its CID")]
    Corrupt(String),
    /// Anything else: logged, answered as `internal error`.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<ReadError> for ApiError {
    fn from(err: ReadError) -> Self {
        match err {
            ReadError::NotFound(what) => ApiError::NotFound(what),
            ReadError::Store(
                StoreError::CorruptBlock(cid) | StoreError::Dag(DagError::Corrupt { cid }),
            ) => ApiError::Corrupt(cid),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<IngestError> for ApiError {
    fn from(err: IngestError) -> Self {
        match err {
            IngestError::Rejected(rejection) => ApiError::Rejected(rejection),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Rejected(rejection) => StatusCode::from_u16(rejection.status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Corrupt(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let description = match self {
            ApiError::Internal(detail) => {
                tracing::error!("internal error: {detail}");
                "internal error".to_string()
            }
            other => other.to_string(),
        };
        let kind = if status.is_server_error() {
            "server_error"
        } else {
            "client_error"
        };
        HttpResponse::build(status).json(json!({"error": kind, "error_description": description}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(err: ApiError) -> (u16, serde_json::Value) {
        let response = err.error_response();
        let status = response.status().as_u16();
        let body = actix_web::rt::System::new()
            .block_on(actix_web::body::to_bytes(response.into_body()))
            .unwrap();
        (status, serde_json::from_slice(&body).unwrap())
    }

    #[test]
    fn every_error_answers_in_snapshots_shape_and_internals_stay_inside() {
        let cases = [
            (
                ApiError::Rejected(Rejection::UnknownSpace),
                400,
                "client_error",
                "unknown space",
            ),
            (
                ApiError::Rejected(Rejection::TooManyRequests),
                429,
                "client_error",
                "too many requests, refer to https://docs.snapshot.org/tools/api/api-keys#limits",
            ),
            (
                ApiError::from(ReadError::NotFound("proposal")),
                404,
                "client_error",
                "proposal not found",
            ),
            (ApiError::TooLarge, 413, "client_error", "too large message"),
            (
                ApiError::from(IngestError::Write("disk I/O error at /var/lib".into())),
                500,
                "server_error",
                "internal error",
            ),
            (
                ApiError::from(IngestError::Rejected(Rejection::DuplicateMessage)),
                400,
                "client_error",
                "duplicate message",
            ),
        ];
        for (err, status, kind, description) in cases {
            let (got_status, body) = answer(err);
            assert_eq!(got_status, status, "{body}");
            assert_eq!(body["error"], kind);
            assert_eq!(body["error_description"], description);
        }
    }
}
