//! `/`: the spaces on this votehub.

use maud::{html, Markup};

use super::layout;
use crate::web::format;
use crate::web::queries::SpaceSummary;

pub fn render(spaces: &[SpaceSummary]) -> Markup {
    layout::page(
        "Spaces",
        &[],
        html! {
            h1 { "Spaces on this votehub" }
            p class="lede" {
                "Communities decide here by polls. Open a space, read a proposal, and vote by "
                "signing with your wallet: your vote is checked, stored under its own CID and "
                "counted in the open."
            }
            @if spaces.is_empty() {
                p class="notice" {
                    "No spaces yet. Start the server with " code { "votehub serve --demo" }
                    " for a demo space, or register one with " code { "votehub space register" } "."
                }
            }
            ul class="cards" {
                @for space in spaces {
                    li class="card" {
                        h2 { a href=(format!("/s/{}", space.id)) { (display_name(&space.name, &space.id)) } }
                        p class="muted mono" { (space.id) }
                        @if !space.about.is_empty() { p { (space.about) } }
                        p class="muted" {
                            (space.active_proposals) " active · "
                            (format::count(space.proposals_count, "proposal")) " · "
                            (format::count(space.votes_count, "vote"))
                            @if let Some(symbol) = &space.symbol { " · " (symbol) }
                            " · network " (space.network)
                        }
                    }
                }
            }
        },
    )
}

/// A space's name, or its id when it has none.
pub fn display_name<'a>(name: &'a str, id: &'a str) -> &'a str {
    if name.trim().is_empty() {
        id
    } else {
        name
    }
}
