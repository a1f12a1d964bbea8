//! The court's pages: a space's court (roles, elections, pool, cases, the
//! volunteer and claim forms) and one case (its timeline, the jury, and the
//! task each participant has, signed in the browser by `court.js`).

use maud::{html, Markup};

use super::forms::connect;
use super::layout;
use crate::jury::case::Stage;
use crate::jury::seed::quicknet;
use crate::protocol::signature::Address;
use crate::reads::{CaseView, CourtView};
use crate::web::format;

/// A stage in words.
fn stage_words(stage: Stage) -> &'static str {
    match stage {
        Stage::Filed => "Waiting for an arbitrator",
        Stage::Accepted => "Waiting for the respondent",
        Stage::Impasse => "Impasse: the jury may be opened",
        Stage::Drawing => "Waiting for the committed randomness",
        Stage::Voting => "Jury voting",
        Stage::Ruled => "Ruled",
        Stage::Settled => "Settled",
    }
}

fn stage_badge(stage: Stage) -> Markup {
    let class = match stage {
        Stage::Ruled | Stage::Settled => "state-closed",
        Stage::Voting | Stage::Drawing | Stage::Impasse => "state-active",
        Stage::Filed | Stage::Accepted => "state-pending",
    };
    html! { span class=(format!("badge {class}")) { (stage_words(stage)) } }
}

fn who(addresses: &[Address]) -> String {
    addresses
        .iter()
        .map(|a| a.to_lower_hex())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A form that signs one court message; `fields` are its inputs.
fn signed(kind: &str, space: &str, id: &str, submit: &str, fields: Markup) -> Markup {
    html! {
        form class="form-grid" data-court=(kind) data-space=(space) id=(format!("{kind}-form")) {
            p class="nojs notice" { "Signing needs JavaScript and a browser wallet." }
            (fields)
            (connect())
            button type="submit" class="primary" disabled { (submit) }
            p id=(format!("{id}-status")) class="status" role="status" aria-live="polite" {}
        }
    }
}

/// `/s/{space}/court`.
pub fn court(view: &CourtView) -> Markup {
    let space = view.space.as_str();
    let now = view.now;
    layout::page(
        &format!("Court of {space}"),
        &["court.js"],
        html! {
            (layout::crumbs(&[
                ("Spaces", Some("/".into())),
                (space, Some(format!("/s/{space}"))),
                ("Court", None),
            ]))
            h1 { "Court" }
            p class="lede" {
                "Disputes between members are decided by three jurors drawn at random from the volunteers, "
                "with the randomness committed to before it exists, so anyone can re-run the draw. "
                "Every step is a message its author signs."
            }
            h2 { "Roles" }
            @if view.roles.is_empty() {
                p class="muted" { "No one holds a role yet: roles are given by elections (a proposal marked as electing a role)." }
            } @else {
                div class="table-wrap" { table class="votes" {
                    thead { tr { th { "Role" } th { "Holder" } th { "Since" } th { "Until" } th { "Elected by" } } }
                    tbody {
                        @for role in &view.roles {
                            tr class=[(!role.active).then_some("muted")] {
                                td { (role.holding.role) @if !role.active { " (lapsed)" } }
                                td { (layout::address(&role.holding.holder.to_string())) }
                                td { (layout::time(role.holding.since)) }
                                td { (layout::time(role.holding.until)) }
                                td { a href=(format!("/s/{space}/proposal/{}", role.holding.proposal)) { "proposal " (format::short_hash(&role.holding.proposal)) } }
                            }
                        }
                    }
                }
                }
            }
            @let open: Vec<_> = view.elections.iter().filter(|e| e.winners.is_none()).collect();
            @if !open.is_empty() {
                h3 { "Open elections" }
                ul {
                    @for election in open {
                        li {
                            a href=(format!("/s/{space}/proposal/{}", election.election.proposal)) {
                                (election.election.seats) " × " (election.election.role)
                            }
                            " for " (format::duration(election.election.term)) ", closes " (layout::time(election.election.closes))
                        }
                    }
                }
            }
            h2 { "Juror pool" }
            p {
                (format::count(view.pool.len() as i64, "volunteer")) " serving. "
                "Draws are " @match view.settings.weighting {
                    crate::jury::settings::Weighting::Uniform => "uniform: every eligible volunteer has the same chance",
                    crate::jury::settings::Weighting::Holdings => "weighted by token holdings at the published block",
                }
                @if view.settings.minimum > 0 { ", from " (view.settings.minimum) " whole tokens" }
                ". A volunteer serves one year from acceptance."
            }
            @if !view.pool.is_empty() {
                details {
                    summary { "Volunteers" }
                    ul class="plain" {
                        @for member in &view.pool {
                            li { (layout::address(&member.address.to_string())) " until " (layout::time(member.until)) }
                        }
                    }
                }
            }
            (signed("volunteer", space, "volunteer", "Volunteer for a year", html! {}))
            h2 { "Cases" }
            @if view.cases.is_empty() {
                p class="muted" { "No cases." }
            } @else {
                div class="table-wrap" { table class="votes" {
                    thead { tr { th { "Case" } th { "Claimant" } th { "Respondent" } th { "Stage" } th { "Filed" } } }
                    tbody {
                        @for case in &view.cases {
                            tr {
                                td { a href=(format!("/s/{space}/case/{}", case.id)) { (format::short_hash(&case.id)) } }
                                td { (layout::address(&case.claimant.to_string())) }
                                td { (layout::address(&case.respondent.to_string())) }
                                td { (stage_badge(case.stage)) @if case.overdue { " " span class="badge state-pending" { "overdue" } } }
                                td { (layout::time(case.filed)) " (" (format::relative(case.filed, now)) ")" }
                            }
                        }
                    }
                }
                }
            }
            h2 { "File a claim" }
            p { "What you sign here becomes public: the respondent, the outcome you ask for, your grounds, your statement and the CIDs of your evidence (never the files)." }
            (signed("claim", space, "claim", "Sign and file the claim", html! {
                div class="field" { label for="c-respondent" { "Respondent (address)" } input id="c-respondent" name="respondent" required; }
                div class="field" { label for="c-outcome" { "The outcome you ask for" } input id="c-outcome" name="outcome" required; }
                div class="field" { label for="c-grounds" { "Grounds" } textarea id="c-grounds" name="grounds" rows="4" required {} }
                div class="field" { label for="c-evidence" { "Evidence CIDs (one per line)" } textarea id="c-evidence" name="evidence" data-list="lines" rows="2" class="mono" {} }
                div class="field" { label for="c-statement" { "Statement" } textarea id="c-statement" name="statement" rows="3" {} }
            }))
        },
    )
}

/// `/s/{space}/case/{id}`.
pub fn case(view: &CaseView, arbitrators: &[Address]) -> Markup {
    let space = view.space.as_str();
    let id = view.id.as_str();
    let now = view.now;
    let closed = view.closed.is_some();
    let hidden_case = html! { input type="hidden" name="case" value=(id); };
    let parties = [view.claimant, view.respondent];
    layout::page(
        &format!("Case {}", format::short_hash(id)),
        &["court.js"],
        html! {
            (layout::crumbs(&[
                ("Spaces", Some("/".into())),
                (space, Some(format!("/s/{space}"))),
                ("Court", Some(format!("/s/{space}/court"))),
                ("Case", None),
            ]))
            h1 { "Case " span class="mono" { (format::short_hash(id)) } }
            p { (stage_badge(view.stage)) @if view.overdue { " " span class="badge state-pending" { "accepted late (over 36 hours)" } } }
            dl class="facts" {
                dt { "Claimant" } dd { (layout::address(&view.claimant.to_string())) }
                dt { "Respondent" } dd { (layout::address(&view.respondent.to_string())) }
                dt { "Outcome asked" } dd { (view.outcome) }
                dt { "Filed" } dd { (layout::time(view.filed)) }
                dt { "Arbitrator" } dd { @match view.arbitrator { Some(a) => (layout::address(&a.to_string())), None => "none yet" } }
                @if let Some(deadline) = view.answer_deadline {
                    @if view.answer.is_none() && !closed {
                        dt { "Answer due" } dd { (layout::time(deadline)) " (" (format::relative(deadline, now)) ")" }
                    }
                }
                @if let Some(settled) = &view.settled { dt { "Settled on" } dd { (settled.terms) } }
                @if let Some(ruling) = &view.ruling {
                    dt { "Ruling" } dd {
                        @match &ruling.decision {
                            Some(crate::jury::messages::Decision::Claimant) => "for the claimant",
                            Some(crate::jury::messages::Decision::Respondent) => "for the respondent",
                            Some(crate::jury::messages::Decision::Partial(text)) => { "partial: " (text) },
                            None => "no two jurors agreed: the claim is not upheld",
                        }
                        " (" (layout::time(ruling.at)) ")"
                    }
                }
                @if let Some(cid) = &view.audit_cid {
                    dt { "Case bundle" } dd { a href=(format!("/ipfs/{cid}")) class="mono" { (cid) } }
                }
            }
            @if let Some(cid) = &view.audit_cid {
                p { "Anyone can re-derive this case, the draw included, from the bundle alone:" }
                pre { code { "votehub verify " (cid) " --gateway <this server's URL>" } }
            }
            @if let Some(jury) = &view.jury {
                h2 { "Jury" }
                dl class="facts" {
                    dt { "Eligible pool" } dd { (jury.pool_size) " volunteers at block " (jury.block) ", hash " span class="mono" { (format::short_hash(&jury.pool_hash)) } " · " a href=(format!("/api/court/{space}/cases/{id}/pool")) { "published pool" } }
                    dt { "Randomness" } dd { code { (jury.seed) } }
                }
                @if !jury.statements.is_empty() {
                    h3 { "Statements for the eyewitnesses" }
                    ol start="0" {
                        @for (index, statement) in jury.statements.iter().enumerate() {
                            li {
                                (statement)
                                @let judged: Vec<_> = view.judgements.iter().filter(|j| j.statement as usize == index).collect();
                                @if !judged.is_empty() {
                                    ul {
                                        @for j in judged {
                                            li { (layout::address(&j.panelist.to_string())) ": " strong { @if j.reasonable { "reasonable" } @else { "unreasonable" } } @if !j.note.is_empty() { " – " (j.note) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(draw) = &view.draw {
                p { "Drawn " (layout::time(draw.at)) " with seed " span class="mono" { (format::short_hash(&format!("0x{}", hex::encode(draw.seed)))) } ". Re-run it with "
                    code { "votehub jury draw --pool pool.csv --seed 0x" (hex::encode(draw.seed)) " --case " (id) " --seats " (draw.jurors.len() + draw.alternates.len()) } "." }
                @if let Some(seating) = &view.seating {
                    div class="table-wrap" { table class="votes" {
                        thead { tr { th { "Seat" } th { "Juror" } th { "Vote by" } th { "Ballot" } } }
                        tbody {
                            @for (index, seat) in seating.seats.iter().enumerate() {
                                @let tenure = seat.tenures.last();
                                tr {
                                    td { (index + 1) }
                                    td { @if let Some(t) = tenure { (layout::address(&t.holder.to_string())) } @if seat.tenures.len() > 1 { " (alternate)" } }
                                    td { @if let Some(t) = tenure { (layout::time(t.until)) } }
                                    td {
                                        @match seat.ballot.and_then(|b| view.ballots.get(b)) {
                                            Some(ballot) => @match &ballot.decision {
                                                crate::jury::messages::Decision::Claimant => "claimant",
                                                crate::jury::messages::Decision::Respondent => "respondent",
                                                crate::jury::messages::Decision::Partial(text) => { "partial: " (text) },
                                            },
                                            None => @if seat.closed { "no alternate left" } @else { "–" },
                                        }
                                    }
                                }
                            }
                        }
                    }
                    }
                }
            }
            @if !closed {
                (tasks(view, arbitrators, &hidden_case, &parties))
            }
            h2 { "Timeline" }
            ol class="timeline" {
                @for message in &view.messages {
                    li {
                        (layout::time(message.received)) " · " strong { (message.kind) } " by " (layout::address(&message.author.to_string()))
                        " · " a href=(format!("/api/messages/{}", message.id)) { "signed message" }
                        " · " a href=(format!("/ipfs/{}", message.ipfs)) class="mono" { (format::short_hash(&message.ipfs)) }
                    }
                }
            }
        },
    )
}

/// The forms for whoever has something to do now, each shown only to them.
fn tasks(
    view: &CaseView,
    arbitrators: &[Address],
    hidden_case: &Markup,
    parties: &[Address],
) -> Markup {
    let space = view.space.as_str();
    let now = view.now;
    let seated: Vec<Address> = view
        .seating
        .iter()
        .flat_map(|seating| &seating.seats)
        .filter(|seat| seat.ballot.is_none() && !seat.closed)
        .filter_map(|seat| seat.tenures.last())
        .filter(|t| t.from <= now && now < t.until)
        .map(|t| t.holder)
        .collect();
    html! {
        h2 class="visually-hidden" { "Your tasks" }
        div data-needs-no-wallet {
            p { "Parties, the arbitrator, jurors and eyewitnesses: connect your wallet to see what you can sign in this case." }
        }
        (connect())
        @if view.stage == Stage::Filed {
            section data-task-for=(who(arbitrators)) hidden {
                h2 { "Your task: accept the case" }
                (signed("accept-case", space, "accept", "Accept this case", html! { (hidden_case) }))
            }
        }
        @if view.stage == Stage::Accepted && view.answer.is_none() {
            section data-task-for=(view.respondent.to_lower_hex()) hidden {
                h2 { "Your task: answer the claim" }
                (signed("answer", space, "answer", "Sign the answer", html! {
                    (hidden_case)
                    fieldset {
                        legend { "Your answer" }
                        label { input type="radio" name="response" value="settle"; " Accept the claimant's outcome (the case closes)" }
                        label { input type="radio" name="response" value="counterclaim" checked; " Dispute it with a counterclaim" }
                    }
                    div class="field" { label for="a-counterclaim" { "Counterclaim" } textarea id="a-counterclaim" name="counterclaim" rows="3" {} }
                    div class="field" { label for="a-evidence" { "Evidence CIDs (one per line)" } textarea id="a-evidence" name="evidence" data-list="lines" rows="2" class="mono" {} }
                    div class="field" { label for="a-statement" { "Statement" } textarea id="a-statement" name="statement" rows="3" {} }
                }))
            }
        }
        @if view.settled.is_none() {
            section data-task-for=(who(parties)) hidden {
                h2 { "Settle" }
                p { "The case closes when both parties sign the same terms." }
                (signed("settle", space, "settle", "Sign these terms", html! {
                    (hidden_case)
                    div class="field" { label for="s-terms" { "Terms" } input id="s-terms" name="terms" required; }
                }))
            }
        }
        @if let (Stage::Impasse, Some(arbitrator)) = (view.stage, view.arbitrator) {
            section data-task-for=(arbitrator.to_lower_hex()) hidden {
                h2 { "Your task: open the jury" }
                p { "The pool is every volunteer serving now, without the parties and you; your signature covers its hash. "
                    "Commit to randomness that does not exist yet." }
                (signed("open-jury", space, "open", "Publish the pool and commit", html! {
                    (hidden_case)
                    div class="field" { label for="o-statements" { "Subjective statements for eyewitness panels (one per line)" } textarea id="o-statements" name="statements" data-list="lines" rows="3" {} }
                    div class="field" { label for="o-block" { "Eligibility block" } input id="o-block" name="block" data-uint value="0"; }
                    div class="field" { label for="o-seed" { "Randomness source" } input id="o-seed" name="seed" class="mono" value=(format!("drand-quicknet:{}", quicknet::round_at(now) + 200)); }
                }))
            }
        }
        @if view.stage == Stage::Drawing {
            section data-task-for="*" hidden {
                h2 { "Reveal the randomness" }
                @if let Some(jury) = &view.jury {
                    p { "Once " code { (jury.seed) } " exists, anyone may submit it: a drand round's signature (hex), or the block's hash. The server checks it before drawing." }
                    @if let Ok(crate::jury::seed::SeedSource::Drand { round }) = crate::jury::seed::SeedSource::parse(&jury.seed) {
                        p { "The round is due " (layout::time(quicknet::round_time(round))) "; drand publishes its signature at "
                            code { "https://api.drand.sh/" (quicknet::CHAIN_HASH) "/public/" (round) } "." }
                    }
                }
                (signed("randomness", space, "randomness", "Submit the randomness", html! {
                    (hidden_case)
                    div class="field" { label for="r-value" { "Round signature or block hash" } input id="r-value" name="value" class="mono" required; }
                }))
            }
        }
        @if let (Some(draw), Some(jury)) = (&view.draw, &view.jury) {
            @for (index, panel) in draw.panels.iter().enumerate() {
                @let waiting: Vec<Address> = panel.iter().copied().filter(|p| !view.judgements.iter().any(|j| j.statement as usize == index && j.panelist == *p)).collect();
                section data-task-for=(who(&waiting)) hidden {
                    h2 { "Your task: judge statement " (index) }
                    blockquote { (jury.statements.get(index).map(String::as_str).unwrap_or_default()) }
                    (signed("judgement", space, &format!("judge-{index}"), "Sign your judgement", html! {
                        (hidden_case)
                        input type="hidden" name="statement" data-uint value=(index);
                        fieldset {
                            legend { "This statement is" }
                            label { input type="radio" name="judgement" value="reasonable" checked; " reasonable" }
                            label { input type="radio" name="judgement" value="unreasonable"; " unreasonable" }
                        }
                        div class="field" { label for=(format!("j-note-{index}")) { "Note (optional)" } input id=(format!("j-note-{index}")) name="note"; }
                    }))
                }
            }
        }
        @if !seated.is_empty() {
            section data-task-for=(who(&seated)) hidden {
                h2 { "Your task: vote as a juror" }
                (signed("ballot", space, "ballot", "Sign your ballot", html! {
                    (hidden_case)
                    fieldset {
                        legend { "Your decision" }
                        label { input type="radio" name="decision" value="claimant" checked; " The claimant's outcome" }
                        label { input type="radio" name="decision" value="respondent"; " The respondent's position" }
                        label { input type="radio" name="decision" value="partial"; " A partial outcome:" }
                    }
                    div class="field" { label for="b-outcome" { "Partial outcome (only for a partial decision)" } input id="b-outcome" name="outcome"; }
                }))
            }
        }
    }
}
