//! The web app (`crate::web`) over HTTP: its pages, the live part of a
//! proposal page, the Markdown preview and the assets, every HTML reply
//! under the app's Content-Security-Policy.

use actix_web::http::header;
use actix_web::{guard, web, HttpResponse};

use super::AppState;
use crate::web::{Page, SpaceFilter, VotesView};

/// Whether a `GET /` comes from a browser (it asks for HTML); anything else
/// gets the service's JSON, as before the app existed.
pub fn wants_html(ctx: &guard::GuardContext<'_>) -> bool {
    ctx.head()
        .headers()
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

fn html(state: &AppState, page: Page) -> HttpResponse {
    HttpResponse::build(
        actix_web::http::StatusCode::from_u16(page.status)
            .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR),
    )
    .content_type("text/html; charset=utf-8")
    .insert_header((
        header::CONTENT_SECURITY_POLICY,
        state.pages.content_security_policy(),
    ))
    .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
    .insert_header((header::REFERRER_POLICY, "same-origin"))
    .insert_header((header::CACHE_CONTROL, "no-cache"))
    .insert_header((header::VARY, "Accept"))
    .body(page.html)
}

pub async fn front(state: web::Data<AppState>) -> HttpResponse {
    html(&state, state.pages.front().await)
}

pub async fn space(
    state: web::Data<AppState>,
    id: web::Path<String>,
    filter: web::Query<SpaceFilter>,
) -> HttpResponse {
    html(&state, state.pages.space(&id, filter.into_inner()).await)
}

pub async fn proposal(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    view: web::Query<VotesView>,
) -> HttpResponse {
    proposal_part(state, path, view, false).await
}

/// The live part of a proposal page, which `live.js` polls.
pub async fn live(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    view: web::Query<VotesView>,
) -> HttpResponse {
    proposal_part(state, path, view, true).await
}

async fn proposal_part(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    view: web::Query<VotesView>,
    live: bool,
) -> HttpResponse {
    let (space, id) = path.into_inner();
    let pages = &state.pages;
    let page = if live {
        pages.live(&space, &id, view.into_inner()).await
    } else {
        pages.proposal(&space, &id, view.into_inner()).await
    };
    html(&state, page)
}

pub async fn new_proposal(state: web::Data<AppState>, space: web::Path<String>) -> HttpResponse {
    html(&state, state.pages.new_proposal(&space).await)
}

pub async fn settings(state: web::Data<AppState>, space: web::Path<String>) -> HttpResponse {
    html(&state, state.pages.settings(&space).await)
}

pub async fn court(state: web::Data<AppState>, space: web::Path<String>) -> HttpResponse {
    html(&state, state.pages.court(&space).await)
}

pub async fn case(state: web::Data<AppState>, path: web::Path<(String, String)>) -> HttpResponse {
    let (space, id) = path.into_inner();
    html(&state, state.pages.case(&space, &id).await)
}

pub async fn profile(state: web::Data<AppState>, address: web::Path<String>) -> HttpResponse {
    html(&state, state.pages.profile(&address).await)
}

/// `POST /app/preview`: a proposal body (Markdown, the request body) as the
/// proposal page will show it.
pub async fn preview(state: web::Data<AppState>, mut payload: web::Payload) -> HttpResponse {
    match super::ingest::read_body(&state, &mut payload).await {
        Ok(body) => html(
            &state,
            Page {
                status: 200,
                html: state.pages.preview(&String::from_utf8_lossy(&body)),
            },
        ),
        Err(err) => actix_web::ResponseError::error_response(&err),
    }
}

/// `GET /app/{file}`: the stylesheet and the ES modules.
pub async fn asset(state: web::Data<AppState>, name: web::Path<String>) -> HttpResponse {
    match crate::web::asset(&name) {
        Some((content_type, bytes)) => HttpResponse::Ok()
            .content_type(content_type)
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
            .body(bytes),
        None => html(&state, state.pages.not_found()),
    }
}
