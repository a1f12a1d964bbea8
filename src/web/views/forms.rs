//! The forms that sign a new proposal and a space's settings: rendered here,
//! signed and posted by `propose.js` and `settings.js` as snapshot.js would.

use maud::{html, Markup};
use serde_json::Value;

use super::front::display_name;
use super::{layout, strategy_words, voting_type_name, VOTING_TYPES};
use crate::web::queries::Space;

/// The choices a new proposal's form starts with.
const DEFAULT_CHOICES: &[&str] = &["For", "Against", "Abstain"];

pub(super) fn connect() -> Markup {
    html! {
        p data-needs-no-wallet {
            button type="button" class="secondary" data-connect { "Connect wallet" }
        }
        p data-needs-wallet hidden { "Signing as " span data-account {} }
    }
}

pub fn new_proposal(space: &Space, snapshot: Option<u64>) -> Markup {
    let name = display_name(&space.name, &space.id);
    let strategies: Vec<Value> = space
        .strategies
        .iter()
        .flatten()
        .map(|s| serde_json::json!({"name": s.name, "network": s.network, "params": s.params}))
        .collect();
    let fixed_type = space.voting.kind.as_deref().filter(|k| !k.is_empty());
    layout::page(
        &format!("New proposal in {name}"),
        &["propose.js"],
        html! {
            (layout::crumbs(&[
                ("Spaces", Some("/".into())),
                (name, Some(format!("/s/{}", space.id))),
                ("New proposal", None),
            ]))
            h1 { "New proposal" }
            p class="lede" {
                "Your wallet signs the proposal as a Snapshot " code { "proposal" } " message. "
                "votehub refuses it with the reason if your address may not propose here."
            }
            form id="propose-form" class="form-grid" data-space=(space.id) data-network=(space.network)
                data-default-snapshot=(snapshot.map(|s| s.to_string()).unwrap_or_default()) {
                (super::json_script("space-strategies", &strategies))
                p class="nojs notice" { "Publishing needs JavaScript and a browser wallet." }
                div class="field" {
                    label for="p-title" { "Title" }
                    input id="p-title" name="title" required maxlength="256";
                }
                div class="field" {
                    label for="p-body" { "Body (Markdown)" }
                    textarea id="p-body" name="body" rows="10" {}
                    p { button type="button" class="secondary" id="p-preview-button" { "Preview" } }
                    div id="p-preview" class="markdown preview" aria-live="polite" {}
                }
                div class="field" {
                    label for="p-discussion" { "Discussion link (optional)" }
                    input id="p-discussion" name="discussion" type="url" placeholder="https://";
                }
                div class="field" {
                    label for="p-type" { "Voting type" }
                    select id="p-type" name="type" {
                        @for kind in VOTING_TYPES {
                            @if fixed_type.is_none_or(|fixed| fixed == *kind) {
                                option value=(kind) selected[fixed_type == Some(*kind)] { (voting_type_name(kind)) }
                            }
                        }
                    }
                    @if fixed_type.is_some() { p class="hint" { "This space fixes the voting type." } }
                }
                fieldset class="field" {
                    legend { "Choices" }
                    ol id="p-choices" {
                        @for (i, choice) in DEFAULT_CHOICES.iter().enumerate() {
                            li {
                                label class="visually-hidden" for=(format!("p-choice-{}", i + 1)) { "Choice " (i + 1) }
                                input id=(format!("p-choice-{}", i + 1)) name="choice" value=(choice);
                                button type="button" class="secondary" data-remove-choice aria-label=(format!("Remove choice {}", i + 1)) { "Remove" }
                            }
                        }
                    }
                    button type="button" class="secondary" id="p-add-choice" { "Add a choice" }
                }
                div class="field" {
                    label for="p-start" { "Start (your local time)" }
                    input id="p-start" name="start" type="datetime-local" required;
                }
                div class="field" {
                    label for="p-end" { "End (your local time)" }
                    input id="p-end" name="end" type="datetime-local" required;
                }
                div class="field" {
                    label for="p-snapshot" { "Snapshot block" }
                    input id="p-snapshot" name="snapshot" type="number" min="0" step="1" required
                        value=(snapshot.map(|s| s.to_string()).unwrap_or_default());
                    p class="hint" {
                        @match snapshot {
                            Some(_) => "Voting power is read at this block: the latest one the node or the imported snapshots know.",
                            None => "No node and no imported snapshot know a block of this network yet: enter one.",
                        }
                    }
                }
                div class="field" {
                    p class="hint" {
                        "Voting power: "
                        @for (i, strategy) in space.strategies.iter().flatten().enumerate() {
                            @if i > 0 { "; " }
                            (strategy_words(strategy, &space.network))
                        }
                    }
                }
                (connect())
                button type="submit" class="primary" id="p-submit" disabled { "Sign and publish" }
                p id="p-status" class="status" role="status" aria-live="polite" {}
            }
        },
    )
}

pub fn settings(space_id: &str, settings: &Value) -> Markup {
    let text = |key: &str| settings[key].as_str().unwrap_or_default().to_string();
    let lines = |key: &str| {
        settings[key]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default()
    };
    let voting = &settings["voting"];
    let number = |key: &str| {
        voting[key]
            .as_f64()
            .map(|n| n.to_string())
            .unwrap_or_default()
    };
    let voting_type = voting["type"].as_str().unwrap_or_default();
    let strategies = serde_json::to_string_pretty(&settings["strategies"]).unwrap_or_default();
    let name = text("name");
    let title = display_name(&name, space_id);
    layout::page(
        &format!("Settings of {title}"),
        &["settings.js"],
        html! {
            (layout::crumbs(&[
                ("Spaces", Some("/".into())),
                (title, Some(format!("/s/{space_id}"))),
                ("Settings", None),
            ]))
            h1 { "Space settings" }
            p class="lede" {
                "Your wallet signs the new settings as a Snapshot " code { "settings" } " message. "
                "Only the space's controller and its admins may change them."
            }
            form id="settings-form" class="form-grid" data-space=(space_id) {
                (super::json_script("space-settings", settings))
                p class="nojs notice" { "Saving needs JavaScript and a browser wallet." }
                div class="field" { label for="s-name" { "Name" } input id="s-name" name="name" value=(name); }
                div class="field" { label for="s-about" { "About" } textarea id="s-about" name="about" rows="3" { (text("about")) } }
                div class="field" { label for="s-symbol" { "Token symbol" } input id="s-symbol" name="symbol" value=(text("symbol")); }
                div class="field" { label for="s-network" { "Network id" } input id="s-network" name="network" value=(text("network")); }
                div class="field" { label for="s-admins" { "Admins (one address per line)" } textarea id="s-admins" rows="3" { (lines("admins")) } }
                div class="field" { label for="s-moderators" { "Moderators (one address per line)" } textarea id="s-moderators" rows="3" { (lines("moderators")) } }
                div class="field" { label for="s-members" { "Members (one address per line)" } textarea id="s-members" rows="3" { (lines("members")) } }
                div class="field" {
                    label for="s-voting-type" { "Voting type" }
                    select id="s-voting-type" {
                        option value="" selected[voting_type.is_empty()] { "Any, chosen per proposal" }
                        @for kind in VOTING_TYPES {
                            option value=(kind) selected[voting_type == *kind] { (voting_type_name(kind)) }
                        }
                    }
                }
                div class="field" { label for="s-voting-delay" { "Voting delay (seconds)" } input id="s-voting-delay" type="number" min="0" step="1" value=(number("delay")); }
                div class="field" { label for="s-voting-period" { "Voting period (seconds, 0 = per proposal)" } input id="s-voting-period" type="number" min="0" step="1" value=(number("period")); }
                div class="field" { label for="s-voting-quorum" { "Quorum (voting power, 0 = none)" } input id="s-voting-quorum" type="number" min="0" step="any" value=(number("quorum")); }
                div class="field" {
                    label for="s-strategies" { "Strategies (JSON)" }
                    textarea id="s-strategies" class="mono" rows="10" { (strategies) }
                }
                (connect())
                button type="submit" class="primary" id="s-submit" disabled { "Sign and save" }
                p id="s-status" class="status" role="status" aria-live="polite" {}
            }
        },
    )
}
