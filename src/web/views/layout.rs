//! The page shell: head, header, footer, and the modules a page loads.

use maud::{html, Markup, DOCTYPE};

/// A whole page: `title`, the ES modules it needs (`/app/<name>`), its main.
pub fn page(title: &str, modules: &[&str], main: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (title) " · votehub" }
                // No favicon request: the page makes none it does not need.
                link rel="icon" href="data:,";
                link rel="stylesheet" href="/app/app.css";
                @for module in modules {
                    script type="module" src=(format!("/app/{module}")) {}
                }
            }
            body {
                a class="skip" href="#main" { "Skip to content" }
                header class="site" {
                    nav aria-label="Site" {
                        a class="brand" href="/" { "votehub" }
                        a href="/" data-profile-link hidden { "Your profile" }
                        a href="/graphql" { "GraphQL" }
                    }
                }
                main id="main" class="page" { (main) }
                footer class="site" {
                    p class="muted" {
                        "votehub " (env!("CARGO_PKG_VERSION"))
                        " · every vote is a signed message, pinned under its CID, and re-checkable with "
                        code { "votehub verify" }
                    }
                }
            }
        }
    }
}

/// Breadcrumbs: `(label, link)` pairs, the last one the current page.
pub fn crumbs(trail: &[(&str, Option<String>)]) -> Markup {
    html! {
        nav class="crumbs" aria-label="Breadcrumb" {
            ol {
                @for (label, link) in trail {
                    @match link {
                        Some(link) => li { a href=(link) { (label) } },
                        None => li aria-current="page" { (label) },
                    }
                }
            }
        }
    }
}

/// A proposal state's badge.
pub fn state_badge(state: &str) -> Markup {
    let label = match state {
        "active" => "Active",
        "pending" => "Pending",
        "closed" => "Closed",
        other => other,
    };
    html! { span class=(format!("badge state-{state}")) { (label) } }
}

/// A link to an address's profile, shortened, the whole address in its title.
pub fn address(address: &str) -> Markup {
    html! {
        a class="address" href=(format!("/u/{address}")) title=(address) {
            (super::format::short_address(address))
        }
    }
}

/// A `<time>` in UTC words with ISO 8601 for machines.
pub fn time(unix: i64) -> Markup {
    html! { time datetime=(super::format::iso(unix)) { (super::format::date(unix)) } }
}
