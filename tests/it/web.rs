//! The web app's pages over plain HTTP: what a browser and a JSON client
//! each get at `/`, the Content-Security-Policy and what it forbids, safe
//! Markdown, every voting type's inputs, errors, and the page budget.

use serde_json::{json, Value};
use votehub::protocol::typed_data::Kind;

use crate::helpers::{address, proposal_message, spawn_app, TestApp, SPACE};

/// A GET as a browser sends it.
fn page(app: &TestApp, path: &str) -> (u16, ureq::http::HeaderMap, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .get(format!("{}{path}", app.url))
        .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .call()
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (
        status,
        headers,
        response.body_mut().read_to_string().unwrap(),
    )
}

fn proposal(app: &TestApp, kind: &str, body: &str) -> String {
    let choices: Vec<String> = ["One", "Two", "Three"]
        .iter()
        .map(|c| c.to_string())
        .collect();
    let mut message = proposal_message(SPACE, kind, &choices);
    message["body"] = json!(body);
    app.accept(0, Kind::Proposal, message)
}

/// Every `<script>` loads a same-origin module or holds inert JSON; no
/// element carries a `style` or an event-handler attribute.
fn assert_no_inline_code(html: &str) {
    for script in html.split("<script").skip(1) {
        let tag = &script[..script.find('>').unwrap()];
        assert!(
            tag.contains(r#"type="module" src="/app/"#)
                || tag.contains(r#"type="application/json""#),
            "inline script: <script{tag}>"
        );
    }
    assert!(!html.contains(" style="), "a style attribute");
    assert!(
        !html.contains(" onclick=") && !html.contains(" onload="),
        "an event handler"
    );
}

#[test]
fn a_browser_gets_the_app_and_a_json_client_the_service_info() {
    let app = spawn_app();
    let (status, info) = app.get("/");
    assert_eq!(status, 200);
    assert_eq!(info["name"], json!("votehub"));
    let (status, headers, html) = page(&app, "/");
    assert_eq!(status, 200);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(headers["vary"].to_str().unwrap().contains("Accept"));
    let csp = headers["content-security-policy"].to_str().unwrap();
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{csp}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
    assert!(html.contains("No spaces yet"), "{html}");
    assert_no_inline_code(&html);
    // POST / is still Snapshot's ingest endpoint.
    assert_eq!(app.post_raw("{}").0, 400);
}

#[test]
fn pages_show_spaces_proposals_and_profiles() {
    let app = spawn_app();
    app.ticket_space();
    let id = proposal(&app, "single-choice", "Plain body");
    let vote = app.accept(
        1,
        Kind::Vote,
        json!({"space": SPACE, "proposal": id, "choice": 2, "reason": "Two <b>is</b> best"}),
    );
    let (_, _, front) = page(&app, "/");
    assert!(
        front.contains(r#"<a href="/s/test.eth">Test space</a>"#),
        "{front}"
    );
    assert!(front.contains("1 proposal · 1 vote"), "{front}");

    let (status, _, space) = page(&app, "/s/test.eth");
    assert_eq!(status, 200);
    assert!(space.contains(&format!("/s/test.eth/proposal/{id}")));
    assert!(
        space.contains("One vote per address"),
        "strategy in words: {space}"
    );
    let (_, _, closed) = page(&app, "/s/test.eth?state=closed");
    assert!(!closed.contains(&id) && closed.contains("No proposals here."));
    let (_, _, found) = page(&app, "/s/test.eth?q=test+proposal");
    assert!(found.contains(&id));
    let (_, _, missing) = page(&app, "/s/test.eth?q=nothing-like-it");
    assert!(!missing.contains(&id));

    let (status, _, html) = page(&app, &format!("/s/test.eth/proposal/{id}"));
    assert_eq!(status, 200);
    assert_no_inline_code(&html);
    assert!(
        html.contains("Each voter picks one choice"),
        "type in one sentence"
    );
    assert!(
        html.contains("Two &lt;b&gt;is&lt;/b&gt; best"),
        "reason escaped"
    );
    assert!(html.contains(&format!("/api/messages/{vote}")));
    assert!(html.contains(r#"<figure class="chart bars""#));
    assert!(html.contains("1 vote · 1 TICKET in total"), "{html}");
    // The live fragment is the live section's content.
    let (status, _, live) = page(&app, &format!("/s/test.eth/proposal/{id}/live?order=vp"));
    assert_eq!(status, 200);
    assert!(html.contains(&live), "the page holds the fragment");
    assert!(!live.contains("<html"));

    let (status, _, profile) = page(&app, &format!("/u/{}", address(1)));
    assert_eq!(status, 200);
    assert!(
        profile.contains("Votes cast (1)") && profile.contains("Two"),
        "{profile}"
    );
}

#[test]
fn every_voting_type_gets_its_inputs() {
    let app = spawn_app();
    app.ticket_space();
    for (kind, marker) in [
        ("single-choice", r#"type="radio" name="choice" value="3""#),
        ("basic", r#"type="radio" name="choice" value="3""#),
        ("approval", r#"type="checkbox" name="choice" value="3""#),
        ("ranked-choice", r#"<li data-choice="3" tabindex="0">"#),
        ("copeland", r#"<li data-choice="3" tabindex="0">"#),
        ("quadratic", r#"name="share" data-choice="3""#),
        ("weighted", r#"name="share" data-choice="3""#),
    ] {
        let id = proposal(&app, kind, "x");
        let (_, _, html) = page(&app, &format!("/s/test.eth/proposal/{id}"));
        assert!(html.contains(marker), "{kind}: {marker}");
        assert!(html.contains(&format!(r#"data-type="{kind}""#)), "{kind}");
    }
}

#[test]
fn proposal_bodies_cannot_run_code_or_load_remote_content() {
    let app = spawn_app();
    app.ticket_space();
    let id = proposal(
        &app,
        "single-choice",
        "# Plan\n\n<script>alert(1)</script> <iframe src=\"https://evil.example\"></iframe>\n\n[click](javascript:alert(1)) ![tracker](https://evil.example/t.png)",
    );
    let (_, _, html) = page(&app, &format!("/s/test.eth/proposal/{id}"));
    let body = &html[html.find(r#"<div class="markdown">"#).unwrap()..];
    let body = &body[..body.find("</div>").unwrap()];
    assert!(body.contains("<h1>Plan</h1>"), "{body}");
    assert!(
        body.contains("&lt;script&gt;") && !body.contains("<script"),
        "{body}"
    );
    assert!(
        !body.contains("<iframe") && !body.contains("javascript:"),
        "{body}"
    );
    assert!(!body.contains("<img"), "{body}");
    assert!(
        body.contains(r#"[image: <a href="https://evil.example/t.png">tracker</a>]"#),
        "{body}"
    );
    // The preview renders the same way.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let preview = agent
        .post(format!("{}/app/preview", app.url))
        .header("Content-Type", "text/plain")
        .send("**bold** <script>x</script>")
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert_eq!(
        preview,
        "<p><strong>bold</strong> &lt;script&gt;x&lt;/script&gt;</p>\n"
    );
}

#[test]
fn unknown_pages_and_assets_are_404_pages() {
    let app = spawn_app();
    app.ticket_space();
    let id = proposal(&app, "single-choice", "x");
    for path in [
        "/s/nope.eth".to_string(),
        "/s/nope.eth/proposal/0x00".to_string(),
        format!("/s/other.eth/proposal/{id}"),
        "/s/nope.eth/settings".to_string(),
        "/app/nope.js".to_string(),
    ] {
        let (status, headers, html) = page(&app, &path);
        assert_eq!(status, 404, "{path}");
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        assert!(html.contains("Not found"), "{path}");
    }
}

/// A proposal page with everything it loads (stylesheet, modules and the
/// modules they import) stays under 150 KB, all from this origin.
#[test]
fn a_proposal_page_and_its_assets_stay_under_150_kb() {
    let app = spawn_app();
    app.ticket_space();
    let id = proposal(&app, "ranked-choice", &"A long body line.\n\n".repeat(200));
    for voter in 1..6 {
        app.accept(
            voter,
            Kind::VoteArray,
            json!({"space": SPACE, "proposal": id, "choice": [1, 2, 3]}),
        );
    }
    let (_, _, html) = page(&app, &format!("/s/test.eth/proposal/{id}"));
    let mut total = html.len();
    let mut pending: Vec<String> = html
        .split(['"', '\''])
        .filter(|part| {
            part.starts_with("/app/") && (part.ends_with(".js") || part.ends_with(".css"))
        })
        .map(String::from)
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    while let Some(asset) = pending.pop() {
        if !seen.insert(asset.clone()) {
            continue;
        }
        let (status, content_type, bytes) = app.get_bytes(&asset);
        assert_eq!(status, 200, "{asset}");
        assert!(content_type.starts_with("text/"), "{asset}: {content_type}");
        total += bytes.len();
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            !text.contains("http://") && !text.contains("https://"),
            "{asset} names another origin"
        );
        assert!(
            !text.contains("eval(") && !text.contains("new Function"),
            "{asset}"
        );
        for import in text
            .split(['"', '\''])
            .filter(|p| p.starts_with("./") && p.ends_with(".js"))
        {
            pending.push(format!("/app/{}", &import[2..]));
        }
    }
    assert!(
        seen.contains("/app/wallet.js") && seen.contains("/app/keccak.js"),
        "{seen:?}"
    );
    assert!(total < 150 * 1024, "{total} bytes");
}

#[test]
fn the_new_proposal_form_defaults_to_the_latest_imported_snapshot() {
    let app = spawn_app();
    app.ticket_space();
    let (_, _, html) = page(&app, "/s/test.eth/new");
    assert!(html.contains(r#"id="p-snapshot""#));
    assert!(html.contains("No node and no imported snapshot"), "{html}");
    app.db(|db| {
        votehub::power::import_snapshot(
            db,
            "1",
            votehub::protocol::signature::Address::parse_any(&address(0)).unwrap(),
            4242,
            b"address,balance\n0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266,1\n",
            crate::helpers::now(),
        )
        .unwrap();
    });
    let (_, _, html) = page(&app, "/s/test.eth/new");
    assert!(html.contains(r#"value="4242""#), "{html}");
    let (_, _, settings) = page(&app, "/s/test.eth/settings");
    let json_start = settings
        .find(r#"<script type="application/json" id="space-settings">"#)
        .unwrap();
    let json = &settings[json_start..];
    let json = &json[json.find('>').unwrap() + 1..json.find("</script>").unwrap()];
    let parsed: Value = serde_json::from_str(json).unwrap();
    assert_eq!(parsed["name"], json!("Test space"));
    assert!(parsed.get("ipfs").is_none() && parsed.get("controller").is_none());
}

/// With `--remote-images`, proposal bodies show images from other sites and
/// the policy lets the browser load them (over HTTPS only).
#[test]
fn remote_images_are_shown_only_when_the_operator_allows_them() {
    let app = crate::helpers::spawn_app_with_http(0, |state| state.with_remote_images(true));
    app.ticket_space();
    let id = proposal(&app, "single-choice", "![chart](https://example.org/c.png)");
    let (_, headers, html) = page(&app, &format!("/s/test.eth/proposal/{id}"));
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("img-src 'self' data: https:;"), "{csp}");
    assert!(html.contains(r#"<img src="https://example.org/c.png" alt="chart""#));
}

/// The hub's `vote_timeline` extra: votes summed per span of the voting
/// period, counted again once the votes change, and its `points` bounded.
#[test]
fn the_vote_timeline_follows_votes_and_bounds_its_points() {
    let app = spawn_app();
    app.ticket_space();
    let id = proposal(&app, "single-choice", "x");
    let timeline = |points: i64| {
        app.post_to(
            "/graphql",
            &json!({"query": format!("{{ proposal(id: \"{id}\") {{ vote_timeline(points: {points}) {{ time votes vp }} }} }}")}),
        )
        .1
    };
    assert_eq!(timeline(10)["data"]["proposal"]["vote_timeline"], json!([]));
    app.accept(
        1,
        Kind::Vote,
        json!({"space": SPACE, "proposal": id, "choice": 1}),
    );
    let spans = timeline(10);
    let spans = spans["data"]["proposal"]["vote_timeline"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(spans.len(), 1);
    assert_eq!(
        (spans[0]["votes"].clone(), spans[0]["vp"].clone()),
        (json!(1), json!(1.0))
    );
    app.accept(
        2,
        Kind::Vote,
        json!({"space": SPACE, "proposal": id, "choice": 2}),
    );
    let total: i64 = timeline(10)["data"]["proposal"]["vote_timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|span| span["votes"].as_i64().unwrap())
        .sum();
    assert_eq!(
        total, 2,
        "the kept count was served after the votes changed"
    );
    for points in [0, 501] {
        assert_eq!(
            timeline(points)["errors"][0]["message"],
            json!("The `points` argument must be between 1 and 500")
        );
    }
}
