//! `/s/{space}/proposal/{id}`: the proposal, the vote form for its voting
//! type, the live results and votes (`live`, refreshed by `live.js`), and
//! its audit.

use maud::{html, Markup, PreEscaped};
use serde::Deserialize;
use serde_json::Value;

use super::{choice_words, layout, strategy_words, voting_type_name, voting_type_sentence};
use crate::web::queries::{Proposal, ProposalData};
use crate::web::{charts, format, markdown, VOTES_PER_PAGE};

/// The hub's largest `skip` for votes, in pages.
const MAX_PAGE: i64 = 5000 / VOTES_PER_PAGE + 1;
/// The longest reason Snapshot accepts.
const MAX_REASON: usize = 10_000;

/// How the votes list is sorted and which page it shows (the query string).
#[derive(Debug, Default, Deserialize)]
pub struct VotesView {
    #[serde(default)]
    pub order: VoteOrder,
    pub page: Option<i64>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VoteOrder {
    /// Largest voting power first.
    #[default]
    Vp,
    /// Newest first.
    Created,
}

impl VoteOrder {
    /// The hub's `orderBy`.
    pub fn field(self) -> &'static str {
        match self {
            VoteOrder::Vp => "vp",
            VoteOrder::Created => "created",
        }
    }
}

impl VotesView {
    pub fn page(&self) -> i64 {
        self.page.unwrap_or(1).clamp(1, MAX_PAGE)
    }

    pub fn skip(&self) -> i64 {
        (self.page() - 1) * VOTES_PER_PAGE
    }

    fn query(&self, order: VoteOrder, page: i64) -> String {
        let mut query = format!("?order={}", order.field());
        if page > 1 {
            query.push_str(&format!("&page={page}"));
        }
        query
    }
}

/// The log head a closed proposal's audit bundle is anchored to.
#[derive(Debug)]
pub struct AuditHead {
    pub head: String,
    pub mci: i64,
    pub relayer: String,
    pub format: String,
}

fn link(proposal: &Proposal) -> String {
    format!("/s/{}/proposal/{}", proposal.space.id, proposal.id)
}

pub fn render(
    data: &ProposalData,
    view: &VotesView,
    audit: Option<&AuditHead>,
    remote_images: bool,
) -> Markup {
    let p = &data.proposal;
    let now = crate::clock::unix_now();
    let space_name = if p.space.name.is_empty() {
        &p.space.id
    } else {
        &p.space.name
    };
    layout::page(
        &p.title,
        &["vote.js", "live.js", "audit.js"],
        html! {
            (layout::crumbs(&[
                ("Spaces", Some("/".into())),
                (space_name, Some(format!("/s/{}", p.space.id))),
                ("Proposal", None),
            ]))
            h1 { (p.title) }
            p class="byline" {
                (layout::state_badge(&p.state)) " "
                span class="badge type" { (voting_type_name(&p.kind)) } " "
                "by " (layout::address(&p.author)) " · "
                @match p.state.as_str() {
                    "pending" => { "voting opens " (format::relative(p.start, now)) },
                    "active" => { "voting ends " (format::relative(p.end, now)) },
                    _ => { "voting ended " (format::relative(p.end, now)) },
                }
            }
            div class="columns" {
                article class="main-col" {
                    section class="panel" aria-labelledby="body-heading" {
                        h2 id="body-heading" class="visually-hidden" { "Proposal" }
                        div class="markdown" { (PreEscaped(markdown::render(&p.body, remote_images))) }
                        @if p.discussion.starts_with("https://") || p.discussion.starts_with("http://") {
                            p { "Discussion: " a href=(p.discussion) rel="nofollow noopener" { (p.discussion) } }
                        }
                    }
                    (vote_panel(p))
                    section id="live" class="panel" aria-labelledby="results-heading"
                        data-live-src=(format!("{}/live{}", link(p), view.query(view.order, view.page()))) {
                        (live(data, view))
                    }
                    (audit_panel(data, audit))
                }
                aside class="side-col" { (facts(p, now)) }
            }
        },
    )
}

fn facts(p: &Proposal, now: i64) -> Markup {
    html! {
        section class="panel" aria-labelledby="facts-heading" {
            h2 id="facts-heading" { "Details" }
            dl class="facts" {
                dt { "Voting type" }
                dd { (voting_type_name(&p.kind)) p class="hint" { (voting_type_sentence(&p.kind)) } }
                dt { "Start" } dd { (layout::time(p.start)) }
                dt { "End" }
                dd {
                    (layout::time(p.end))
                    @if p.state == "active" { p class="hint" { "Time left: " (format::relative(p.end, now).trim_start_matches("in ")) } }
                }
                dt { "Snapshot block" } dd class="mono" { (p.snapshot) }
                dt { "Network" } dd { (p.network) }
                dt { "Voting power" }
                dd {
                    ul class="plain" {
                        @for strategy in p.strategies.iter().flatten() {
                            li { (strategy_words(strategy, &p.network)) }
                        }
                    }
                }
                dt { "Quorum" }
                dd { @if p.quorum > 0.0 { (format::power(p.quorum)) " " (p.symbol) } @else { "none" } }
                @if !p.privacy.is_empty() { dt { "Privacy" } dd { (p.privacy) } }
                dt { "Author" } dd { (layout::address(&p.author)) }
                dt { "Created" } dd { (layout::time(p.created)) }
                dt { "Signed message" }
                dd class="mono" { a href=(format!("/api/messages/{}", p.id)) { (format::short_hash(&p.id)) } }
                dt { "IPFS" }
                dd class="mono" { a href=(format!("/ipfs/{}", p.ipfs)) { (format::short_hash(&p.ipfs)) } }
            }
        }
    }
}

/// The form a voter signs: inputs for the proposal's voting type.
fn vote_panel(p: &Proposal) -> Markup {
    let names = p.choice_names();
    let strategies: Vec<Value> = p
        .strategies
        .iter()
        .flatten()
        .map(|s| serde_json::json!({"name": s.name, "network": s.network, "params": s.params}))
        .collect();
    html! {
        section class="panel" aria-labelledby="vote-heading" {
            h2 id="vote-heading" { "Your vote" }
            @match p.state.as_str() {
                "pending" => p class="notice" { "Voting opens " (layout::time(p.start)) "." },
                "closed" => p class="notice" { "Voting closed " (layout::time(p.end)) ". The result below is final once counted." },
                _ => {}
            }
            @if p.state == "active" {
                form id="vote-form" data-space=(p.space.id) data-proposal=(p.id) data-type=(p.kind)
                    data-network=(p.network) data-snapshot=(p.snapshot) data-symbol=(p.symbol)
                    data-state=(p.state) {
                    (super::json_script("proposal-strategies", &strategies))
                    p class="nojs notice" {
                        "Voting here needs JavaScript and a browser wallet. Without them, sign with "
                        code { "votehub sign vote" } " and post the envelope."
                    }
                    (choice_inputs(&p.kind, &names))
                    div class="field" {
                        label for="vote-reason" { "Reason (optional)" }
                        textarea id="vote-reason" name="reason" rows="3" maxlength=(MAX_REASON) {}
                    }
                    p data-needs-no-wallet {
                        button type="button" class="secondary" data-connect { "Connect wallet" }
                    }
                    p data-needs-wallet hidden {
                        "Voting as " span data-account {} " · voting power "
                        span id="vote-vp" { "…" }
                    }
                    button type="submit" class="primary" id="vote-submit" disabled { "Sign and vote" }
                    p id="vote-status" class="status" role="status" aria-live="polite" {}
                    div id="vote-receipt" hidden {
                        h3 { "Receipt" }
                        dl class="facts" {
                            dt { "Message id" } dd class="mono" data-receipt="id" {}
                            dt { "IPFS CID" } dd class="mono" { a data-receipt="ipfs" href="" {} }
                            dt { "Relayer" } dd class="mono" data-receipt="relayer" {}
                            dt { "Relayer receipt" } dd class="mono" data-receipt="receipt" {}
                            dt { "Inclusion proof" } dd data-receipt="proof" { "waiting for the next pinned log head…" }
                        }
                    }
                }
            }
        }
    }
}

fn choice_inputs(kind: &str, names: &[&str]) -> Markup {
    html! {
        @match kind {
            "approval" => fieldset {
                legend { "Approve any number of choices" }
                @for (i, name) in names.iter().enumerate() {
                    label class="choice" { input type="checkbox" name="choice" value=(i + 1); " " (name) }
                }
            },
            "ranked-choice" | "copeland" => fieldset {
                legend { "Rank the choices, most preferred first" }
                p class="hint" { "Use the arrow buttons, or Alt + Arrow Up / Down on a choice." }
                ol class="rank" aria-label="Your ranking" {
                    @for (i, name) in names.iter().enumerate() {
                        li data-choice=(i + 1) tabindex="0" {
                            span class="rank-name" { (name) }
                            button type="button" class="secondary" data-move="up" aria-label=(format!("Move {name} up")) { "↑" }
                            button type="button" class="secondary" data-move="down" aria-label=(format!("Move {name} down")) { "↓" }
                        }
                    }
                }
            },
            "quadratic" | "weighted" => fieldset {
                legend { "Spread your voting power" }
                p class="hint" { "Give each choice a share; what counts is each share's part of the whole." }
                div class="shares" {
                    @for (i, name) in names.iter().enumerate() {
                        div class="share" {
                            label for=(format!("share-{}", i + 1)) { (name) }
                            input id=(format!("share-{}", i + 1)) type="number" name="share" data-choice=(i + 1)
                                min="0" step="1" value="0" inputmode="numeric";
                            output data-percent-for=(i + 1) for=(format!("share-{}", i + 1)) { "0%" }
                        }
                    }
                }
            },
            _ => fieldset {
                legend { "Pick one choice" }
                @for (i, name) in names.iter().enumerate() {
                    label class="choice" { input type="radio" name="choice" value=(i + 1); " " (name) }
                }
            },
        }
    }
}

/// The part of the page that follows votes as they arrive: results, turnout,
/// power over time and the votes list.
pub fn live(data: &ProposalData, view: &VotesView) -> Markup {
    let p = &data.proposal;
    let names = p.choice_names();
    let scores: Vec<f64> = p.scores.iter().map(|s| s.unwrap_or(0.0)).collect();
    let by_strategy: Vec<Vec<f64>> =
        serde_json::from_value(p.scores_by_strategy.clone()).unwrap_or_default();
    let strategies: Vec<String> = p
        .strategies
        .iter()
        .flatten()
        .map(|s| strategy_words(s, &p.network))
        .collect();
    let now = crate::clock::unix_now();
    let to = p.end.min(now).max(p.start + 1);
    let state_words = if p.scores_state == "final" {
        "final"
    } else {
        "counting"
    };
    html! {
        h2 id="results-heading" {
            "Results " span class=(format!("badge scores-{}", p.scores_state)) { (state_words) }
        }
        p class="muted" {
            (format::count(p.votes, "vote")) " · " (format::power(p.scores_total)) " " (p.symbol) " in total"
        }
        (charts::bars("results-chart", "Score per choice", &names, &scores, &p.symbol))
        div class="table-wrap" {
            table class="scores" {
                caption class="visually-hidden" { "Score per choice" @if strategies.len() > 1 { " and per strategy" } }
                thead {
                    tr {
                        th scope="col" { "Choice" }
                        th scope="col" class="num" { "Score" }
                        th scope="col" class="num" { "Share" }
                        @if strategies.len() > 1 {
                            @for strategy in &strategies { th scope="col" class="num" { (strategy) } }
                        }
                    }
                }
                tbody {
                    @for (i, name) in names.iter().enumerate() {
                        tr {
                            th scope="row" { (name) }
                            td class="num" { (format::power(scores.get(i).copied().unwrap_or(0.0))) }
                            td class="num" { (format::percent(scores.get(i).copied().unwrap_or(0.0), p.scores_total)) }
                            @if strategies.len() > 1 {
                                @for s in 0..strategies.len() {
                                    td class="num" { (format::power(by_strategy.get(i).and_then(|row| row.get(s)).copied().unwrap_or(0.0))) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if p.quorum > 0.0 {
            h3 { "Turnout against quorum" }
            (charts::quorum(p.scores_total, p.quorum, &p.symbol))
            p class="muted" {
                @if p.scores_total >= p.quorum { "Quorum reached: " } @else { "Quorum not reached: " }
                (format::power(p.scores_total)) " of " (format::power(p.quorum)) " " (p.symbol)
                " (" (format::percent(p.scores_total, p.quorum)) ")"
            }
        }
        h3 { "Voting power over time" }
        (charts::timeline(&p.vote_timeline, p.start, p.end.max(p.start + 1), to, &p.symbol))
        (votes_table(data, view))
    }
}

fn votes_table(data: &ProposalData, view: &VotesView) -> Markup {
    let p = &data.proposal;
    let names = p.choice_names();
    let sort = |order: VoteOrder, label: &str| {
        html! {
            @if view.order == order {
                a href=(view.query(order, 1)) aria-current="true" { (label) " ↓" }
            } @else {
                a href=(view.query(order, 1)) { (label) }
            }
        }
    };
    html! {
        h3 id="votes-heading" { "Votes" }
        @if data.votes.is_empty() && view.page() == 1 {
            p class="muted" { "No votes yet." }
        } @else {
            div class="table-wrap" {
                table class="votes" aria-labelledby="votes-heading" {
                    thead {
                        tr {
                            th scope="col" { "Voter" }
                            th scope="col" { "Choice" }
                            th scope="col" class="num" { (sort(VoteOrder::Vp, "Voting power")) }
                            th scope="col" { (sort(VoteOrder::Created, "When")) }
                            th scope="col" { "Reason" }
                            th scope="col" { "Signed message" }
                        }
                    }
                    tbody {
                        @for vote in &data.votes {
                            tr {
                                td { (layout::address(&vote.voter)) }
                                td class="choice" { (choice_words(&p.kind, &vote.choice, &names)) }
                                td class="num" { (format::power(vote.vp)) " " (p.symbol) }
                                td { (layout::time(vote.created)) }
                                td class="reason" { (vote.reason) }
                                td class="mono" {
                                    a href=(format!("/api/messages/{}", vote.id)) { "message" } " · "
                                    a href=(format!("/ipfs/{}", vote.ipfs)) { "IPFS" }
                                }
                            }
                        }
                    }
                }
            }
            nav class="pager" aria-label="Votes pages" {
                @if view.page() > 1 {
                    a rel="prev" href=(view.query(view.order, view.page() - 1)) { "← Previous" }
                }
                span { "Page " (view.page()) " of " (((p.votes + VOTES_PER_PAGE - 1) / VOTES_PER_PAGE).clamp(1, MAX_PAGE)) }
                @if (view.page() * VOTES_PER_PAGE) < p.votes && view.page() < MAX_PAGE {
                    a rel="next" href=(view.query(view.order, view.page() + 1)) { "Next →" }
                }
            }
        }
    }
}

fn audit_panel(data: &ProposalData, audit: Option<&AuditHead>) -> Markup {
    let p = &data.proposal;
    html! {
        section id="audit" class="panel" aria-labelledby="audit-heading" {
            h2 id="audit-heading" { "Audit" }
            @match (&p.audit_cid, audit) {
                (Some(cid), head) => {
                    p {
                        "When voting closed, votehub pinned an audit bundle: every signed vote, the "
                        "inputs of every voting power and the result, signed by the relayer. Anyone "
                        "can re-derive the outcome from it."
                    }
                    dl class="facts" {
                        dt { "Audit bundle" } dd class="mono" { a href=(format!("/ipfs/{cid}")) { (cid) } }
                        dt { "Download" }
                        dd {
                            a href=(format!("/ipfs/{cid}?format=car")) download=(format!("audit-{}.car", format::short_hash(cid).replace('…', "-"))) {
                                "the bundle as a CAR file"
                            }
                        }
                        @if let Some(head) = head {
                            dt { "Anchored to log head" }
                            dd class="mono" { a href=(format!("/ipfs/{}", head.head)) { (head.head) } " (message " (head.mci) ")" }
                            dt { "Format" } dd class="mono" { (head.format) }
                        }
                    }
                    @let command = match head {
                        Some(head) => format!("votehub verify {cid} --car audit.car --relayer {}", head.relayer),
                        None => format!("votehub verify {cid} --car audit.car"),
                    };
                    p { "Check it yourself, offline, with the CAR file saved as " code { "audit.car" } ":" }
                    pre class="command" { code { (command) } }
                    p {
                        button type="button" class="secondary" data-copy=(command) { "Copy the command" } " "
                        span data-copy-result role="status" {}
                    }
                },
                (None, _) => {
                    p class="muted" {
                        "The audit bundle is pinned when voting closes. Until then, each signed "
                        "message can be checked on its own."
                    }
                },
            }
            h3 { "Check the signed messages in this browser" }
            p class="hint" { "Fetches the bytes served for each message and hashes them with Web Crypto against its CID." }
            ul class="cid-checks" {
                li data-cid=(p.ipfs) {
                    span { "Proposal " span class="mono" { (format::short_hash(&p.ipfs)) } } " "
                    button type="button" class="secondary" data-check-cid { "Check these bytes" } " "
                    span data-check-result role="status" {}
                }
                @for vote in &data.votes {
                    li data-cid=(vote.ipfs) {
                        span { "Vote by " (format::short_address(&vote.voter)) " " span class="mono" { (format::short_hash(&vote.ipfs)) } } " "
                        button type="button" class="secondary" data-check-cid { "Check these bytes" } " "
                        span data-check-result role="status" {}
                    }
                }
            }
        }
    }
}
