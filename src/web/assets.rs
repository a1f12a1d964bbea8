//! The app's stylesheet and ES modules, compiled into the binary so the app
//! works with no network and no build step.

/// `(name, content type, bytes)` of every asset served under `/app/`.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("assets/app.css"),
    ),
    ("keccak.js", JS, include_bytes!("assets/keccak.js")),
    ("wallet.js", JS, include_bytes!("assets/wallet.js")),
    ("vote.js", JS, include_bytes!("assets/vote.js")),
    ("live.js", JS, include_bytes!("assets/live.js")),
    ("propose.js", JS, include_bytes!("assets/propose.js")),
    ("settings.js", JS, include_bytes!("assets/settings.js")),
    ("audit.js", JS, include_bytes!("assets/audit.js")),
    ("court.js", JS, include_bytes!("assets/court.js")),
];

const JS: &str = "text/javascript; charset=utf-8";

/// An asset's content type and bytes.
pub fn asset(name: &str) -> Option<(&'static str, &'static [u8])> {
    ASSETS
        .iter()
        .find(|(known, _, _)| *known == name)
        .map(|(_, content_type, bytes)| (*content_type, *bytes))
}
