//! The web app in a real headless Chromium (Debian's `chromium`, which
//! `.ci/run` installs; `VOTEHUB_CHROMIUM` names another binary), driven over
//! the DevTools protocol. The page gets an injected EIP-1193 provider whose
//! `eth_signTypedData_v4` requests this test answers, signing with a
//! development key, so the page's own code builds, signs and posts every
//! message. Screenshots of the main pages (desktop and a 390 px phone) are
//! written to `target/tmp/screenshots/`.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use headless_chrome::browser::tab::ModifierKey;
use headless_chrome::protocol::cdp::{Emulation, Page};
use headless_chrome::{Browser, LaunchOptions, Tab};
use serde_json::{json, Value};
use votehub::protocol::signature::Address;
use votehub::protocol::typed_data::{Domain, Kind};

use crate::helpers::{address, key, now, proposal_message, spawn_app, TestApp};

const SPACE: &str = "browser.eth";
const TOKEN: &str = "0x799ebfABE77a6E34311eeEe9825190B9ECe32824";
const BLOCK: u64 = 100;
/// BTRST at block 100, 18 decimals: keys 0–4 hold some, key 5 none.
const BALANCES: &str = "address,balance
0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266,1500000000000000000000
0x70997970C51812dc3A010C7d01b50e0d17dc79C8,1234567890123456789012
0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC,250500000000000000000
0x90F79bf6EB2c4f870365E785982E1f101E93b906,42000000000000000000
0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65,7000000000000000001
";

/// The injected wallet: accounts, and signature requests queued for the
/// test (`window.__vh`). CSP violations are recorded in `window.__csp`.
const PROVIDER: &str = r#"
(() => {
  const account = "ACCOUNT";
  const pending = new Map();
  let seq = 0;
  window.__vh = { requests: [],
    resolve(id, sig) { pending.get(id).resolve(sig); },
    reject(id, code, message) { const e = new Error(message); e.code = code; pending.get(id).reject(e); } };
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
  window.ethereum = {
    isVotehubTest: true,
    async request({ method, params }) {
      switch (method) {
        // Like a real wallet: no account until the page asks to connect.
        case 'eth_requestAccounts': window.__vh.connected = true; return [account];
        case 'eth_accounts': return window.__vh.connected ? [account] : [];
        case 'eth_chainId': return '0x1';
        case 'eth_signTypedData_v4':
          return new Promise((resolve, reject) => {
            const id = ++seq;
            pending.set(id, { resolve, reject });
            window.__vh.requests.push({ id, params, done: false });
          });
        default: { const e = new Error('unsupported ' + method); e.code = 4200; throw e; }
      }
    },
    on() {}, removeListener() {},
  };
})();
"#;

fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("VOTEHUB_CHROMIUM") {
        return path.into();
    }
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|path| path.exists())
    .unwrap_or_else(|| {
        panic!(
            "no Chromium found for the web app's browser tests: install Debian's \
                 chromium (`apt-get install chromium`, as .ci/run does) or set \
                 VOTEHUB_CHROMIUM to a Chrome or Chromium binary"
        )
    })
}

fn launch() -> Browser {
    let options = LaunchOptions::default_builder()
        .path(Some(chromium()))
        .headless(true)
        .sandbox(false)
        .window_size(Some((1280, 900)))
        .idle_browser_timeout(Duration::from_secs(600))
        .args(vec![
            OsStr::new("--disable-gpu"),
            OsStr::new("--disable-dev-shm-usage"),
            OsStr::new("--no-first-run"),
            OsStr::new("--lang=en-US"),
        ])
        .build()
        .unwrap();
    Browser::new(options).unwrap()
}

/// A tab whose wallet holds dev key `signer`.
fn tab(browser: &Browser, signer: usize) -> Arc<Tab> {
    let tab = browser.new_tab().unwrap();
    tab.set_default_timeout(Duration::from_secs(20));
    tab.call_method(Page::AddScriptToEvaluateOnNewDocument {
        source: PROVIDER.replace("ACCOUNT", &address(signer).to_lowercase()),
        world_name: None,
        include_command_line_api: None,
        run_immediately: None,
    })
    .unwrap();
    tab
}

fn open(tab: &Tab, url: &str) {
    // Only the foreground tab is painted and gets input events.
    tab.activate().unwrap();
    tab.navigate_to(url)
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    tab.wait_for_element("footer.site").unwrap();
}

fn eval(tab: &Tab, js: &str) -> Value {
    tab.evaluate(js, true)
        .unwrap_or_else(|err| panic!("{js}: {err}"))
        .value
        .unwrap_or(Value::Null)
}

fn truthy(value: &Value) -> bool {
    !matches!(value, Value::Null | Value::Bool(false))
        && value.as_str() != Some("")
        && value.as_f64() != Some(0.0)
}

/// Waits until `js` is truthy; on timeout names `what` and the page's status lines.
fn wait_for(tab: &Tab, js: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !truthy(&eval(tab, js)) {
        if Instant::now() > deadline {
            let status = eval(
                tab,
                "[...document.querySelectorAll('[role=status]')].map(e => e.textContent).join(' | ')",
            );
            panic!("timed out waiting for {what}; status: {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn click(tab: &Tab, selector: &str) {
    tab.wait_for_element(selector)
        .unwrap_or_else(|err| panic!("{selector}: {err}"))
        .click()
        .unwrap();
}

fn text(tab: &Tab, selector: &str) -> String {
    eval(
        tab,
        &format!("document.querySelector({selector:?})?.textContent ?? ''"),
    )
    .as_str()
    .unwrap_or_default()
    .trim()
    .to_string()
}

/// Replaces a field's value, with the `input` and `change` events typing
/// would fire.
fn fill(tab: &Tab, selector: &str, value: &str) {
    click(tab, selector);
    eval(
        tab,
        &format!(
            "(() => {{ const e = document.querySelector({selector:?}); e.value = {value:?}; \
             e.dispatchEvent(new Event('input', {{bubbles: true}})); \
             e.dispatchEvent(new Event('change', {{bubbles: true}})); }})()"
        ),
    );
}

/// Answers the page's next signature request with dev key `signer`, as a
/// wallet would; returns the typed data it was asked to sign.
fn sign_next(tab: &Tab, signer: usize) -> Value {
    wait_for(
        tab,
        "window.__vh.requests.some(r => !r.done)",
        "a signature request",
    );
    let request = eval(
        tab,
        "(() => { const r = window.__vh.requests.find(r => !r.done); r.done = true; return JSON.stringify(r); })()",
    );
    let request: Value = serde_json::from_str(request.as_str().unwrap()).unwrap();
    assert_eq!(request["params"][0], json!(address(signer).to_lowercase()));
    let typed: Value = serde_json::from_str(request["params"][1].as_str().unwrap()).unwrap();
    // The court's kinds go under votehub's domain, with types byte-identical
    // to the server's schema (looked up by their hash, as ingest does).
    let types = typed["types"].as_object().unwrap();
    let court = votehub::protocol::typed_data::lookup_in(Domain::Votehub, types).is_some();
    let domain = if court {
        json!({"name": "votehub", "version": "1"})
    } else {
        json!({"name": "snapshot", "version": "0.1.4"})
    };
    assert_eq!(typed["domain"], domain, "{typed}");
    let digest = votehub::protocol::typed_data::digest_any(&typed).unwrap();
    let sig = format!("0x{}", hex::encode(key(signer).sign_prehash(&digest)));
    eval(
        tab,
        &format!("window.__vh.resolve({}, '{sig}')", request["id"]),
    );
    typed
}

/// Connects the wallet, submits the form with the `submit` button once it
/// is enabled, and signs as dev key `signer`: the typed data signed.
fn connect_and_submit(tab: &Tab, submit: &str, signer: usize) -> Value {
    click(tab, "[data-connect]");
    wait_for(
        tab,
        &format!("!document.querySelector({submit:?}).disabled"),
        "the submit button",
    );
    click(tab, submit);
    sign_next(tab, signer)
}

/// No CSP violation and no request to another origin on the open page.
fn assert_clean(tab: &Tab, origin: &str) {
    assert_eq!(eval(tab, "JSON.stringify(window.__csp)"), json!("[]"));
    let foreign = eval(
        tab,
        &format!(
            "JSON.stringify(performance.getEntriesByType('resource').map(e => e.name).filter(u => !u.startsWith({origin:?}) && !u.startsWith('data:')))"
        ),
    );
    assert_eq!(foreign, json!("[]"), "requests to other origins");
}

/// The viewport: `width` × `height` CSS pixels, as a phone when `mobile`.
fn viewport(tab: &Tab, width: u32, height: u32, mobile: bool) {
    tab.call_method(Emulation::SetDeviceMetricsOverride {
        width,
        height,
        device_scale_factor: 1.0,
        mobile,
        scale: None,
        screen_width: None,
        screen_height: None,
        position_x: None,
        position_y: None,
        dont_set_visible_size: None,
        screen_orientation: None,
        viewport: None,
        display_feature: None,
        device_posture: None,
    })
    .unwrap();
}

/// The colour scheme the page is shown in.
fn scheme(tab: &Tab, scheme: &str) {
    tab.call_method(Emulation::SetEmulatedMedia {
        media: None,
        features: Some(vec![Emulation::MediaFeature {
            name: "prefers-color-scheme".into(),
            value: scheme.into(),
        }]),
    })
    .unwrap();
}

/// Saves the open page, whole, at 1280 px and as a 390 px wide phone, and
/// at 1280 px in the dark scheme.
fn screenshots(tab: &Tab, name: &str) {
    // A background tab is not painted: a capture of it would wait.
    tab.activate().unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    for (label, width, mobile, colours) in [
        ("desktop", 1280, false, "light"),
        ("phone", 390, true, "light"),
        ("dark", 1280, false, "dark"),
    ] {
        scheme(tab, colours);
        viewport(tab, width, 900, mobile);
        let height = eval(tab, "document.documentElement.scrollHeight")
            .as_f64()
            .unwrap_or(900.0);
        viewport(tab, width, (height as u32).clamp(600, 6000), mobile);
        let png = tab
            .capture_screenshot(Page::CaptureScreenshotFormatOption::Png, None, None, true)
            .unwrap();
        std::fs::write(dir.join(format!("{name}-{label}.png")), png).unwrap();
    }
    scheme(tab, "light");
    viewport(tab, 1280, 900, false);
}

/// A space weighted by imported BTRST balances, with a quorum.
fn btrst_space(app: &TestApp) {
    app.db(|db| {
        votehub::power::import_snapshot(
            db,
            "1",
            Address::parse_any(TOKEN).unwrap(),
            BLOCK,
            BALANCES.as_bytes(),
            now(),
        )
        .unwrap();
    });
    app.create_space(
        SPACE,
        json!({
            "name": "Browser test space",
            "about": "Votes cast from a real browser.",
            "network": "1",
            "symbol": "BTRST",
            "strategies": [{"name": "erc20-balance-of", "params": {"address": TOKEN, "symbol": "BTRST", "decimals": 18}}],
            "admins": [address(0)],
            "moderators": [],
            "members": [],
            "voting": {"quorum": 1000},
        }),
    );
}

fn proposal(app: &TestApp, kind: &str, choices: &[&str], end_in: i64) -> String {
    let choices: Vec<String> = choices.iter().map(|c| c.to_string()).collect();
    let mut message = proposal_message(SPACE, kind, &choices);
    message["title"] = json!(format!("A {kind} poll"));
    message["body"] = json!(format!(
        "## Why\n\nA **{kind}** poll, with <script>alert(1)</script> in its body."
    ));
    message["snapshot"] = json!(BLOCK);
    message["end"] = json!(now() + end_in);
    app.accept(0, Kind::Proposal, message)
}

fn graphql(app: &TestApp, query: &str) -> Value {
    let (status, reply) = app.post_to("/graphql", &json!({"query": query}));
    assert_eq!(status, 200, "{reply}");
    assert!(reply.get("errors").is_none(), "{reply}");
    reply["data"].clone()
}

/// What snapshot.js's Client712 would send for the same messages
/// (`tools/snapshot-js/client712.mjs`, installing snapshot.js there when
/// it is missing).
fn client712(cases: &Value) -> Vec<Value> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/snapshot-js");
    if !dir.join("node_modules/@snapshot-labs/snapshot.js").exists() {
        let status = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .status()
            .expect("npm must be installed for the snapshot.js comparison");
        assert!(status.success(), "npm ci --prefix tools/snapshot-js failed");
    }
    let mut child = std::process::Command::new("node")
        .arg(dir.join("client712.mjs"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("node must be installed for the snapshot.js comparison");
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), cases.to_string().as_bytes()).unwrap();
    drop(child.stdin.take());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "client712.mjs failed");
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The message a caller would hand Client712 for what the page signed.
fn client712_case(typed: &Value) -> Value {
    let message = &typed["message"];
    let kind = match typed["primaryType"].as_str() {
        Some("Vote") => "vote",
        Some("Proposal") => "proposal",
        _ => "settings",
    };
    let mut given = message.clone();
    if kind == "vote" {
        let choice = &message["choice"];
        // Client712 stringifies quadratic and weighted choices itself.
        if let Some(text) = choice.as_str() {
            given["choice"] = serde_json::from_str(text).unwrap();
            given["type"] = json!("weighted");
        } else if choice.is_array() {
            given["type"] = json!("approval");
        }
    }
    json!({"kind": kind, "address": message["from"], "message": given})
}

/// A voter votes in every voting type from the proposal page: sees their
/// power, chooses with the type's inputs (ranked-choice by buttons and by
/// keyboard), signs in the wallet, gets the receipt, and the live results
/// follow without a reload; a revote replaces the vote. Every envelope the
/// page signed is the one snapshot.js's Client712 would sign.
#[test]
fn a_voter_votes_in_every_voting_type_and_the_results_follow_live() {
    let app = spawn_app();
    btrst_space(&app);
    let browser = launch();
    let tab = tab(&browser, 1);
    let four = ["Alpha", "Beta", "Gamma", "Delta"];
    let mut signed = Vec::new();

    // (type, choices, what the voter does, the choice the server stores)
    type Act = fn(&Tab);
    let cases: [(&str, &[&str], Act, Value); 7] = [
        (
            "single-choice",
            &four,
            |t| click(t, "input[name=choice][value='3']"),
            json!(3),
        ),
        (
            "basic",
            &["For", "Against", "Abstain"],
            |t| click(t, "input[name=choice][value='1']"),
            json!(1),
        ),
        (
            "approval",
            &four,
            |t| {
                click(t, "input[name=choice][value='2']");
                click(t, "input[name=choice][value='4']");
            },
            json!([2, 4]),
        ),
        (
            "ranked-choice",
            &four,
            |t| {
                // Delta to the top with its button, then Gamma up by keyboard.
                for _ in 0..3 {
                    click(t, "li[data-choice='4'] button[data-move=up]");
                }
                t.wait_for_element("li[data-choice='3']")
                    .unwrap()
                    .focus()
                    .unwrap();
                t.press_key_with_modifiers("ArrowUp", Some(&[ModifierKey::Alt]))
                    .unwrap();
            },
            json!([4, 1, 3, 2]),
        ),
        (
            "quadratic",
            &four,
            |t| {
                fill(t, "#share-1", "3");
                fill(t, "#share-2", "1");
            },
            json!({"1": 3, "2": 1}),
        ),
        (
            "weighted",
            &four,
            |t| {
                fill(t, "#share-2", "1");
                fill(t, "#share-4", "1");
            },
            json!({"2": 1, "4": 1}),
        ),
        (
            "copeland",
            &["A", "B", "C"],
            |t| {
                click(t, "li[data-choice='3'] button[data-move=up]");
            },
            json!([1, 3, 2]),
        ),
    ];
    for (kind, choices, act, stored) in cases {
        let id = proposal(&app, kind, choices, 3600);
        let url = format!("{}/s/{SPACE}/proposal/{id}", app.url);
        open(&tab, &url);
        assert_eq!(text(&tab, "#vote-submit"), "Sign and vote", "{kind}");
        click(&tab, "[data-connect]");
        wait_for(
            &tab,
            "document.querySelector('#vote-vp').textContent.includes('BTRST')",
            "voting power",
        );
        assert_eq!(text(&tab, "#vote-vp"), "1,234.5679 BTRST", "{kind}");
        // The header links the connected voter to their own profile.
        assert_eq!(
            eval(
                &tab,
                "document.querySelector('[data-profile-link]:not([hidden])')?.getAttribute('href')"
            ),
            json!(format!("/u/{}", address(1)))
        );
        act(&tab);
        if kind == "quadratic" {
            assert_eq!(text(&tab, "output[data-percent-for='1']"), "75.0%");
        }
        fill(&tab, "#vote-reason", &format!("My {kind} vote"));
        click(&tab, "#vote-submit");
        signed.push(sign_next(&tab, 1));
        wait_for(
            &tab,
            "!document.querySelector('#vote-receipt').hidden",
            "the receipt",
        );
        let vote_id = eval(&tab, "document.body.dataset.lastVote");
        let cid = text(&tab, "[data-receipt=ipfs]");
        assert_eq!(app.get_bytes(&format!("/ipfs/{cid}")).0, 200);
        assert!(text(&tab, "[data-receipt=receipt]").starts_with("0x"));

        // The server holds the vote as the page chose it.
        let data = graphql(
            &app,
            &format!("{{ vote(id: {vote_id}) {{ choice reason vp voter }} }}"),
        );
        assert_eq!(data["vote"]["choice"], stored, "{kind}");
        assert_eq!(data["vote"]["reason"], json!(format!("My {kind} vote")));
        assert_eq!(data["vote"]["voter"], json!(address(1)));
        // The live results follow without a reload.
        wait_for(
            &tab,
            "document.querySelector('#live').textContent.includes('1 vote ·') && document.querySelector('#live table.votes') !== null",
            "the live results",
        );
        let lead = eval(&tab, "Number(document.querySelector('#results-chart rect.bar.lead')?.getAttribute('width') ?? 0)");
        assert!(lead.as_f64().unwrap() > 0.0, "{kind}: no leading bar");
        assert_clean(&tab, &app.url);
        if kind == "single-choice" {
            // Once a log head covers the vote, the receipt shows its proof.
            app.block_on(app.closer.pin_head()).unwrap();
            wait_for(
                &tab,
                "document.querySelector('[data-receipt=proof]').textContent.includes('Included')",
                "the inclusion proof",
            );
            // The proposal's own bytes, hashed in the browser against its CID.
            click(&tab, ".cid-checks li:first-child [data-check-cid]");
            wait_for(
                &tab,
                "document.querySelector('.cid-checks li:first-child [data-check-result]').textContent.includes('✓')",
                "the in-browser CID check",
            );
            screenshots(&tab, "proposal");
            // A revote while the proposal is active replaces the vote.
            std::thread::sleep(Duration::from_millis(1100));
            click(&tab, "input[name=choice][value='2']");
            click(&tab, "#vote-submit");
            signed.push(sign_next(&tab, 1));
            wait_for(&tab, &format!("document.body.dataset.lastVote && document.body.dataset.lastVote !== {vote_id}"), "the revote");
            let data = graphql(&app, &format!("{{ votes(where: {{proposal: \"{id}\"}}) {{ choice }} proposal(id: \"{id}\") {{ scores }} }}"));
            assert_eq!(data["votes"], json!([{"choice": 2}]));
            assert_eq!(
                data["proposal"]["scores"][1].as_f64().unwrap().round(),
                1235.0
            );
            wait_for(
                &tab,
                "document.querySelector('#live tbody').textContent.includes('Beta')",
                "the revote in the live list",
            );
        }
    }

    // Each envelope is the one snapshot.js would sign: the same digest and
    // the same message, key for key.
    let cases: Vec<Value> = signed.iter().map(client712_case).collect();
    let expected = client712(&json!(cases));
    for (typed, snapshot_js) in signed.iter().zip(&expected) {
        let digest = votehub::protocol::typed_data::digest_any(typed).unwrap();
        assert_eq!(
            json!(format!("0x{}", hex::encode(digest))),
            snapshot_js["digest"]
        );
        let body: Value = serde_json::from_str(snapshot_js["body"].as_str().unwrap()).unwrap();
        assert_eq!(
            typed["message"].to_string(),
            body["data"]["message"].to_string(),
            "message key order and values"
        );
        assert_eq!(body["address"], json!(address(1)));
    }
}

/// Refusals are shown in Snapshot's words: an address without power at the
/// snapshot, and a proposal that closed while its page was open.
#[test]
fn refused_votes_show_the_reason() {
    let app = spawn_app();
    btrst_space(&app);
    let browser = launch();

    let open_one = proposal(&app, "single-choice", &["Yes", "No"], 3600);
    let tab5 = tab(&browser, 5);
    open(&tab5, &format!("{}/s/{SPACE}/proposal/{open_one}", app.url));
    click(&tab5, "[data-connect]");
    wait_for(
        &tab5,
        "document.querySelector('#vote-vp').textContent.includes('BTRST')",
        "voting power",
    );
    assert_eq!(text(&tab5, "#vote-vp"), "0 BTRST");
    assert!(text(&tab5, "#vote-status").contains("no voting power"));
    click(&tab5, "input[name=choice][value='1']");
    click(&tab5, "#vote-submit");
    sign_next(&tab5, 5);
    wait_for(
        &tab5,
        "document.querySelector('#vote-status').classList.contains('error')",
        "the refusal",
    );
    assert!(
        text(&tab5, "#vote-status").contains("no voting power"),
        "{}",
        text(&tab5, "#vote-status")
    );
    assert!(
        eval(&tab5, "document.querySelector('#vote-receipt').hidden")
            .as_bool()
            .unwrap()
    );

    let closing = proposal(&app, "single-choice", &["Yes", "No"], 3);
    let tab1 = tab(&browser, 1);
    open(&tab1, &format!("{}/s/{SPACE}/proposal/{closing}", app.url));
    click(&tab1, "[data-connect]");
    wait_for(
        &tab1,
        "document.querySelector('#vote-vp').textContent.includes('BTRST')",
        "voting power",
    );
    click(&tab1, "input[name=choice][value='2']");
    std::thread::sleep(Duration::from_secs(4));
    click(&tab1, "#vote-submit");
    sign_next(&tab1, 1);
    wait_for(
        &tab1,
        "document.querySelector('#vote-status').classList.contains('error')",
        "the refusal",
    );
    assert!(
        text(&tab1, "#vote-status").contains("not in voting window"),
        "{}",
        text(&tab1, "#vote-status")
    );
    // Reloaded, a closed proposal offers no form.
    open(&tab1, &format!("{}/s/{SPACE}/proposal/{closing}", app.url));
    assert!(eval(&tab1, "document.querySelector('#vote-form') === null")
        .as_bool()
        .unwrap());
    assert!(text(&tab1, "#vote-heading + p").contains("Voting closed"));
    let votes = graphql(
        &app,
        &format!("{{ proposal(id: \"{closing}\") {{ votes }} }}"),
    );
    assert_eq!(votes["proposal"]["votes"], json!(0));

    // Closed and bundled: the audit section gives the bundle, its CAR, the
    // command that re-checks it and the log head it is anchored to.
    let root = app
        .block_on(app.closer.close(&closing))
        .unwrap()
        .expect("the proposal exists");
    open(&tab1, &format!("{}/s/{SPACE}/proposal/{closing}", app.url));
    assert!(text(&tab1, "#audit").contains(&root));
    let car = eval(
        &tab1,
        "document.querySelector('#audit a[download]').getAttribute('href')",
    );
    assert_eq!(car, json!(format!("/ipfs/{root}?format=car")));
    let (status, content_type, _) = app.get_bytes(car.as_str().unwrap());
    assert_eq!(status, 200);
    assert!(
        content_type.starts_with("application/vnd.ipld.car"),
        "{content_type}"
    );
    let command = text(&tab1, "#audit pre.command");
    assert!(
        command.starts_with(&format!(
            "votehub verify {root} --car audit.car --relayer 0x"
        )),
        "{command}"
    );
    assert!(text(&tab1, "#audit").contains("Anchored to log head"));
    click(&tab1, ".cid-checks li:first-child [data-check-cid]");
    wait_for(
        &tab1,
        "document.querySelector('.cid-checks [data-check-result]').textContent.includes('✓')",
        "the in-browser CID check",
    );
    screenshots(&tab1, "closed-proposal");
}

/// An author creates a proposal from the form (previewing its body), and
/// the space's admin edits its settings; a stranger's edit is refused.
#[test]
fn a_proposal_is_created_and_the_space_edited_from_the_browser() {
    let app = spawn_app();
    btrst_space(&app);
    proposal(&app, "single-choice", &["Yes", "No"], 3600);
    let browser = launch();
    let tab = tab(&browser, 0);

    open(&tab, &app.url);
    assert!(text(&tab, ".cards").contains("Browser test space"));
    assert_clean(&tab, &app.url);
    screenshots(&tab, "front");
    open(&tab, &format!("{}/s/{SPACE}", app.url));
    screenshots(&tab, "space");

    open(&tab, &format!("{}/s/{SPACE}/new", app.url));
    assert_eq!(
        eval(&tab, "document.querySelector('#p-snapshot').value"),
        json!(BLOCK.to_string())
    );
    fill(&tab, "#p-title", "Fund the design library");
    fill(&tab, "#p-body", "# The plan\n\nBuild it **together**.");
    click(&tab, "#p-preview-button");
    wait_for(
        &tab,
        "document.querySelector('#p-preview h1')?.textContent === 'The plan'",
        "the preview",
    );
    eval(&tab, "(() => { const s = document.querySelector('#p-type'); s.value = 'approval'; s.dispatchEvent(new Event('change', {bubbles: true})); })()");
    // Start in a minute, end in a week, in the browser's local time.
    eval(&tab, "(() => { const f = (d) => new Date(d - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16); \
        const now = Date.now(); \
        document.querySelector('#p-start').value = f(new Date(now + 120000)); \
        document.querySelector('#p-end').value = f(new Date(now + 7 * 86400000)); })()");
    click(&tab, "#p-add-choice");
    let last = "#p-choices li:last-child input";
    fill(&tab, last, "Later");
    screenshots(&tab, "new-proposal");
    let typed = connect_and_submit(&tab, "#p-submit", 0);
    assert_eq!(typed["primaryType"], json!("Proposal"));
    wait_for(
        &tab,
        "location.pathname.includes('/proposal/0x')",
        "the new proposal's page",
    );
    tab.wait_until_navigated().unwrap();
    tab.wait_for_element("footer.site").unwrap();
    let id = tab.get_url().rsplit('/').next().unwrap().to_string();
    let data = graphql(
        &app,
        &format!("{{ proposal(id: \"{id}\") {{ title type choices snapshot state body }} }}"),
    );
    assert_eq!(data["proposal"]["title"], json!("Fund the design library"));
    assert_eq!(data["proposal"]["type"], json!("approval"));
    assert_eq!(
        data["proposal"]["choices"],
        json!(["For", "Against", "Abstain", "Later"])
    );
    assert_eq!(data["proposal"]["snapshot"], json!(BLOCK));
    assert_eq!(data["proposal"]["state"], json!("pending"));
    assert!(text(&tab, "h1").contains("Fund the design library"));
    // Exactly what snapshot.js would sign for the same proposal.
    let expected = client712(&json!([client712_case(&typed)]));
    let digest = votehub::protocol::typed_data::digest_any(&typed).unwrap();
    assert_eq!(
        json!(format!("0x{}", hex::encode(digest))),
        expected[0]["digest"]
    );

    open(&tab, &format!("{}/s/{SPACE}/settings", app.url));
    fill(&tab, "#s-name", "Renamed space");
    fill(&tab, "#s-members", &address(3));
    screenshots(&tab, "settings");
    let typed = connect_and_submit(&tab, "#s-submit", 0);
    assert_eq!(typed["primaryType"], json!("Space"));
    wait_for(
        &tab,
        "document.querySelector('#s-status').textContent.includes('Settings saved')",
        "the saved settings",
    );
    let data = graphql(&app, &format!("{{ space(id: \"{SPACE}\") {{ name members strategies {{ name }} voting {{ quorum }} }} }}"));
    assert_eq!(data["space"]["name"], json!("Renamed space"));
    assert_eq!(data["space"]["members"], json!([address(3)]));
    assert_eq!(
        data["space"]["strategies"],
        json!([{"name": "erc20-balance-of"}])
    );
    assert_eq!(data["space"]["voting"]["quorum"], json!(1000.0));

    let stranger = self::tab(&browser, 3);
    open(&stranger, &format!("{}/s/{SPACE}/settings", app.url));
    fill(&stranger, "#s-name", "Taken over");
    connect_and_submit(&stranger, "#s-submit", 3);
    wait_for(
        &stranger,
        "document.querySelector('#s-status').classList.contains('error')",
        "the refusal",
    );
    assert!(
        text(&stranger, "#s-status").contains("not allowed"),
        "{}",
        text(&stranger, "#s-status")
    );
    let data = graphql(&app, &format!("{{ space(id: \"{SPACE}\") {{ name }} }}"));
    assert_eq!(data["space"]["name"], json!("Renamed space"));
    stranger.close(false).unwrap();

    open(&tab, &format!("{}/u/{}", app.url, address(0)));
    assert!(text(&tab, "#proposals-heading").contains("(2)"));
    screenshots(&tab, "profile");
}

/// The court from the browser: a volunteer joins, a claim is filed, the
/// elected arbitrator accepts it, the respondent answers with a
/// counterclaim, the arbitrator publishes the pool and commits to a drand
/// round; each step is the page's own form, signed under votehub's domain.
#[test]
fn a_case_is_filed_answered_and_sent_to_a_jury_from_the_browser() {
    let app = spawn_app();
    let space = "court-browser.eth";
    app.create_space(
        space,
        json!({"name": "Court space", "network": "1", "symbol": "T",
            "strategies": [{"name": "ticket", "params": {}}],
            "admins": [address(0)], "moderators": [], "members": []}),
    );
    // Dev key 3 is elected arbitrator; the election closes in two seconds.
    let mut election = proposal_message(space, "single-choice", &[address(3), address(4)]);
    election["end"] = json!(now() + 2);
    let proposal = app.accept(0, Kind::Proposal, election);
    app.accept(
        0,
        Kind::Election,
        json!({"space": space, "proposal": proposal, "role": "arbitrator", "seats": 1, "term": 182 * 86_400}),
    );
    app.accept(
        5,
        Kind::Vote,
        json!({"space": space, "proposal": proposal, "choice": 1}),
    );
    for volunteer in [0, 5] {
        app.accept(volunteer, Kind::Volunteer, json!({"space": space}));
    }
    let browser = launch();
    let court_url = format!("{}/s/{space}/court", app.url);

    // Dev key 4 volunteers from the court page.
    let volunteer = tab(&browser, 4);
    open(&volunteer, &court_url);
    let typed = connect_and_submit(&volunteer, "#volunteer-form button[type=submit]", 4);
    assert_eq!(typed["primaryType"], json!("Volunteer"));
    wait_for(
        &volunteer,
        "document.querySelector('#volunteer-status').textContent.includes('recorded')",
        "the volunteer receipt",
    );

    // Dev key 1 files a claim against dev key 2.
    let claimant = tab(&browser, 1);
    open(&claimant, &court_url);
    fill(&claimant, "#c-respondent", &address(2));
    fill(&claimant, "#c-outcome", "Refund 500 BTRST");
    fill(&claimant, "#c-grounds", "The milestone was not delivered.");
    fill(
        &claimant,
        "#c-evidence",
        "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
    );
    let typed = connect_and_submit(&claimant, "#claim-form button[type=submit]", 1);
    assert_eq!(typed["primaryType"], json!("Claim"));
    assert_eq!(
        typed["message"]["evidence"],
        json!(["bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"])
    );
    wait_for(
        &claimant,
        "document.querySelector('#claim-status').textContent.includes('recorded')",
        "the claim receipt",
    );
    let (_, court) = app.get(&format!("/api/court/{space}"));
    let case = court["cases"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(court["pool"].as_array().unwrap().len(), 3);
    let case_url = format!("{}/s/{space}/case/{case}", app.url);

    // The arbitrator accepts once the election has closed.
    while now() <= court["now"].as_i64().unwrap() + 3 {
        std::thread::sleep(Duration::from_millis(200));
    }
    let arbitrator = tab(&browser, 3);
    open(&arbitrator, &case_url);
    let typed = connect_and_submit(&arbitrator, "#accept-case-form button[type=submit]", 3);
    assert_eq!(typed["message"]["case"], json!(case));
    wait_for(
        &arbitrator,
        "document.querySelector('#accept-status').textContent.includes('recorded')",
        "the acceptance",
    );

    // The respondent sees the answer task (the claimant does not) and counters.
    open(&claimant, &case_url);
    click(&claimant, "[data-connect]");
    wait_for(
        &claimant,
        "document.querySelector('[data-account]').textContent",
        "the account",
    );
    assert_eq!(
        eval(
            &claimant,
            "document.querySelector('#answer-form').closest('section').hidden"
        ),
        json!(true)
    );
    let respondent = tab(&browser, 2);
    open(&respondent, &case_url);
    click(&respondent, "[data-connect]");
    wait_for(
        &respondent,
        "!document.querySelector('#answer-form').closest('section').hidden",
        "the answer task",
    );
    fill(
        &respondent,
        "#a-counterclaim",
        "Delivered on time; the scope changed.",
    );
    screenshots(&respondent, "case-answer");
    let submit = "#answer-form button[type=submit]";
    wait_for(
        &respondent,
        &format!("!document.querySelector({submit:?}).disabled"),
        "the submit button",
    );
    click(&respondent, submit);
    let typed = sign_next(&respondent, 2);
    assert_eq!(typed["message"]["response"], json!("counterclaim"));
    wait_for(
        &respondent,
        "document.querySelector('#answer-status').textContent.includes('recorded')",
        "the answer",
    );
    let (_, view) = app.get(&format!("/api/court/{space}/cases/{case}"));
    assert_eq!(view["stage"], json!("impasse"));

    // The arbitrator opens the jury: the page fetches the pool and signs its hash.
    open(&arbitrator, &case_url);
    let typed = connect_and_submit(&arbitrator, "#open-jury-form button[type=submit]", 3);
    let (_, pool) = app.get(&format!("/api/court/{space}/cases/{case}/pool?block=0"));
    assert_eq!(typed["message"]["pool"], pool["hash"]);
    assert!(typed["message"]["seed"]
        .as_str()
        .unwrap()
        .starts_with("drand-quicknet:"));
    wait_for(
        &arbitrator,
        "document.querySelector('#open-status').textContent.includes('recorded')",
        "the jury opening",
    );
    open(&arbitrator, &case_url);
    assert!(text(&arbitrator, "main").contains("Waiting for the committed randomness"));
    assert_clean(&arbitrator, &app.url);
    screenshots(&arbitrator, "case");
    open(&arbitrator, &court_url);
    screenshots(&arbitrator, "court");
}
