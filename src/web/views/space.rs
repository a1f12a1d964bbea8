//! `/s/{space}`: a space's settings in words and its proposals, by state
//! and by title.

use maud::{html, Markup};
use serde::Deserialize;

use super::front::display_name;
use super::{layout, strategy_words, voting_type_name};
use crate::web::format;
use crate::web::queries::{ProposalSummary, Space};

/// Proposals per page of a space.
const PER_PAGE: i64 = 20;
/// The hub's largest `skip`.
const MAX_PAGE: i64 = 250;

/// Which proposals a space page lists (its query string).
#[derive(Debug, Default, Deserialize)]
pub struct SpaceFilter {
    #[serde(default)]
    pub state: StateFilter,
    #[serde(rename = "q")]
    pub search: Option<String>,
    pub page: Option<i64>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StateFilter {
    #[default]
    All,
    Active,
    Pending,
    Closed,
}

impl StateFilter {
    const ALL: [(StateFilter, &'static str); 4] = [
        (StateFilter::All, "All"),
        (StateFilter::Active, "Active"),
        (StateFilter::Pending, "Pending"),
        (StateFilter::Closed, "Closed"),
    ];

    /// The hub's `where.state`, `None` for all.
    pub fn as_query(self) -> Option<&'static str> {
        match self {
            StateFilter::All => None,
            StateFilter::Active => Some("active"),
            StateFilter::Pending => Some("pending"),
            StateFilter::Closed => Some("closed"),
        }
    }
}

impl SpaceFilter {
    pub fn page(&self) -> i64 {
        self.page.unwrap_or(1).clamp(1, MAX_PAGE)
    }

    pub fn skip(&self) -> i64 {
        (self.page() - 1) * PER_PAGE
    }

    /// This filter's link with another state or page.
    fn link(&self, space: &str, state: StateFilter, page: i64) -> String {
        let mut query = Vec::new();
        if let Some(state) = state.as_query() {
            query.push(format!("state={state}"));
        }
        if let Some(q) = self.search.as_deref().filter(|q| !q.is_empty()) {
            query.push(format!("q={}", url_encode(q)));
        }
        if page > 1 {
            query.push(format!("page={page}"));
        }
        if query.is_empty() {
            format!("/s/{space}")
        } else {
            format!("/s/{space}?{}", query.join("&"))
        }
    }
}

/// A query-string value, percent-encoded.
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

pub fn render(space: &Space, proposals: &[ProposalSummary], filter: &SpaceFilter) -> Markup {
    let name = display_name(&space.name, &space.id);
    let now = crate::clock::unix_now();
    layout::page(
        name,
        &[],
        html! {
            (layout::crumbs(&[("Spaces", Some("/".into())), (name, None)]))
            h1 { (name) }
            @if !space.about.is_empty() { p class="lede" { (space.about) } }
            div class="columns" {
                article class="main-col" {
                    section class="panel" aria-labelledby="proposals-heading" {
                        h2 id="proposals-heading" { "Proposals" }
                        p { a class="button primary" href=(format!("/s/{}/new", space.id)) { "New proposal" } }
                        nav class="tabs" aria-label="Proposals by state" {
                            @for (state, label) in StateFilter::ALL {
                                @if state == filter.state {
                                    a href=(filter.link(&space.id, state, 1)) aria-current="page" { (label) }
                                } @else {
                                    a href=(filter.link(&space.id, state, 1)) { (label) }
                                }
                            }
                        }
                        form class="search" role="search" method="get" action=(format!("/s/{}", space.id)) {
                            @if let Some(state) = filter.state.as_query() {
                                input type="hidden" name="state" value=(state);
                            }
                            label for="q" { "Search titles" }
                            input id="q" name="q" type="search" value=(filter.search.as_deref().unwrap_or(""));
                            button type="submit" class="secondary" { "Search" }
                        }
                        @if proposals.is_empty() {
                            p class="muted" { "No proposals here." }
                        }
                        ul class="cards" {
                            @for proposal in proposals {
                                li class="card" {
                                    h3 { a href=(format!("/s/{}/proposal/{}", space.id, proposal.id)) { (proposal.title) } }
                                    p {
                                        (layout::state_badge(&proposal.state)) " "
                                        span class="badge type" { (voting_type_name(&proposal.kind)) }
                                    }
                                    p class="muted" {
                                        "by " (layout::address(&proposal.author)) " · "
                                        (format::count(proposal.votes, "vote")) " · "
                                        (format::power(proposal.scores_total)) " " (space.symbol.as_deref().unwrap_or("")) " · "
                                        @match proposal.state.as_str() {
                                            "pending" => { "starts " (format::relative(proposal.start, now)) },
                                            "active" => { "ends " (format::relative(proposal.end, now)) },
                                            _ => { "ended " (format::relative(proposal.end, now)) },
                                        }
                                    }
                                }
                            }
                        }
                        nav class="pager" aria-label="Proposal pages" {
                            @if filter.page() > 1 {
                                a rel="prev" href=(filter.link(&space.id, filter.state, filter.page() - 1)) { "← Newer" }
                            }
                            span { "Page " (filter.page()) }
                            @if proposals.len() as i64 == PER_PAGE && filter.page() < MAX_PAGE {
                                a rel="next" href=(filter.link(&space.id, filter.state, filter.page() + 1)) { "Older →" }
                            }
                        }
                    }
                }
                aside class="side-col" {
                    (about(space))
                }
            }
        },
    )
}

fn people(list: &[String]) -> Markup {
    html! {
        @if list.is_empty() { span class="muted" { "none" } }
        @else {
            ul class="plain" { @for who in list { li { (layout::address(who)) } } }
        }
    }
}

fn about(space: &Space) -> Markup {
    let voting = &space.voting;
    html! {
        section class="panel" aria-labelledby="about-heading" {
            h2 id="about-heading" { "About this space" }
            dl class="facts" {
                dt { "Space id" } dd class="mono" { (space.id) }
                dt { "Network" } dd { (space.network) }
                @if let Some(symbol) = &space.symbol { dt { "Token" } dd { (symbol) } }
                dt { "Voting power" }
                dd {
                    ul class="plain" {
                        @for strategy in space.strategies.iter().flatten() {
                            li { (strategy_words(strategy, &space.network)) }
                        }
                    }
                }
                dt { "Voting type" }
                dd { (voting.kind.as_deref().filter(|k| !k.is_empty()).map_or("Any, chosen per proposal", voting_type_name)) }
                dt { "Voting delay" } dd { (format::duration(voting.delay.unwrap_or(0))) }
                dt { "Voting period" }
                dd { (voting.period.filter(|p| *p > 0).map_or("chosen per proposal".into(), format::duration)) }
                dt { "Quorum" }
                dd {
                    @match voting.quorum.filter(|q| *q > 0.0) {
                        Some(quorum) => { (format::power(quorum)) " " (space.symbol.as_deref().unwrap_or("")) },
                        None => "none",
                    }
                }
                @if let Some(privacy) = voting.privacy.as_deref().filter(|p| !p.is_empty()) {
                    dt { "Privacy" } dd { (privacy) }
                }
                dt { "Who may propose" } dd { (validation_words(space)) }
                dt { "Who may vote" }
                dd {
                    @if space.vote_validation.name == "any" { "Anyone with voting power" }
                    @else { "Addresses passing " code { (space.vote_validation.name) } }
                }
                dt { "Admins" } dd { (people(&space.admins)) }
                dt { "Moderators" } dd { (people(&space.moderators)) }
                dt { "Members" } dd { (people(&space.members)) }
                dt { "Activity" } dd { (format::count(space.proposals_count, "proposal")) ", " (format::count(space.votes_count, "vote")) }
                @if let Some(website) = space.website.as_deref().filter(|w| web_link(w)) {
                    dt { "Website" } dd { a href=(website) rel="nofollow noopener" { (website) } }
                }
                @if let Some(terms) = space.terms.as_deref().filter(|t| web_link(t)) {
                    dt { "Terms" } dd { a href=(terms) rel="nofollow noopener" { (terms) } }
                }
            }
            p { a href=(format!("/s/{}/settings", space.id)) { "Edit settings" } " (controller and admins)" }
            p { a href=(format!("/s/{}/court", space.id)) { "Court" } ": disputes, juries and elected roles" }
        }
    }
}

/// Links a space's settings give are shown only when they lead to the web.
fn web_link(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

fn validation_words(space: &Space) -> String {
    let only_members = space.filters.only_members.unwrap_or(false);
    let base = match space.validation.name.as_str() {
        "basic" => {
            let min = space.validation.params["minScore"]
                .as_f64()
                .or(space.filters.min_score)
                .unwrap_or(0.0);
            format!(
                "Addresses with at least {} {} of voting power",
                format::power(min),
                space.symbol.as_deref().unwrap_or("")
            )
        }
        "any" => "Anyone".to_string(),
        other => format!("Addresses passing the {other} validation"),
    };
    if only_members {
        "Admins, moderators and members only".to_string()
    } else {
        base
    }
}
