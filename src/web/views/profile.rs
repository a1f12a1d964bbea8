//! `/u/{address}`: the votes an address cast, the proposals it wrote and
//! its aliases.

use maud::{html, Markup};

use super::{choice_words, layout};
use crate::web::format;
use crate::web::queries::Profile;

pub fn render(address: &str, profile: &Profile) -> Markup {
    let short = format::short_address(address);
    layout::page(
        &short,
        &[],
        html! {
            (layout::crumbs(&[("Spaces", Some("/".into())), (&short, None)]))
            h1 { (short) }
            p class="mono lede" { (address) }
            section class="panel" aria-labelledby="votes-heading" {
                h2 id="votes-heading" { "Votes cast (" (profile.votes.len()) ")" }
                @if profile.votes.is_empty() { p class="muted" { "No votes yet." } }
                @else {
                    div class="table-wrap" {
                        table class="votes" aria-labelledby="votes-heading" {
                            thead { tr {
                                th scope="col" { "Proposal" } th scope="col" { "Choice" }
                                th scope="col" class="num" { "Voting power" } th scope="col" { "When" }
                            } }
                            tbody {
                                @for vote in &profile.votes {
                                    tr {
                                        @match &vote.proposal {
                                            Some(p) => {
                                                td { a href=(format!("/s/{}/proposal/{}", p.space.id, p.id)) { (p.title) } }
                                                td {
                                                    @let names: Vec<&str> = p.choices.iter().map(|c| c.as_deref().unwrap_or("")).collect();
                                                    (choice_words(&p.kind, &vote.choice, &names))
                                                }
                                            },
                                            None => { td class="muted" { "(a deleted proposal)" } td {} },
                                        }
                                        td class="num" { (format::power(vote.vp)) }
                                        td { (layout::time(vote.created)) " " a class="mono" href=(format!("/api/messages/{}", vote.id)) { "message" } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section class="panel" aria-labelledby="proposals-heading" {
                h2 id="proposals-heading" { "Proposals authored (" (profile.proposals.len()) ")" }
                @if profile.proposals.is_empty() { p class="muted" { "None." } }
                ul class="cards" {
                    @for p in &profile.proposals {
                        li class="card" {
                            h3 {
                                @match &p.space {
                                    Some(space) => a href=(format!("/s/{}/proposal/{}", space.id, p.id)) { (p.title) },
                                    None => (p.title),
                                }
                            }
                            p { (layout::state_badge(&p.state)) " " span class="muted" { (p.votes) " votes" } }
                        }
                    }
                }
            }
            section class="panel" aria-labelledby="aliases-heading" {
                h2 id="aliases-heading" { "Aliases" }
                p class="hint" { "Addresses this one lets sign some messages in its name." }
                @if profile.aliases.is_empty() { p class="muted" { "None." } }
                ul class="plain" {
                    @for alias in &profile.aliases {
                        li { (layout::address(&alias.alias)) " since " (layout::time(alias.created)) }
                    }
                }
            }
        },
    )
}
