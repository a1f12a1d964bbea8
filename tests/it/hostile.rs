//! Hostile input never panics and never kills the server: every reply is a
//! Snapshot error (`400` or `413`, `{"error":"client_error","error_description":…}`)
//! and afterwards the server still answers and still accepts valid messages.

use serde_json::{json, Value};
use votehub::protocol::typed_data::Kind;

use super::helpers::*;

/// Descriptions the ingestor gives before any kind rule runs.
const INGEST_ERRORS: &[&str] = &[
    "wrong envelope format",
    "too large message",
    "wrong timestamp",
    "proposal cannot contain whitespace",
    "wrong domain",
    "wrong types",
    "Invalid space id",
    "unknown space",
    "signature validation failed",
];

/// Status 400 or 413 and exactly Snapshot's client error body.
#[track_caller]
fn assert_client_error(reply: &(u16, Value), what: &str) {
    assert!(
        matches!(reply.0, 400 | 413),
        "{what}: status {} {}",
        reply.0,
        reply.1
    );
    let body = reply
        .1
        .as_object()
        .unwrap_or_else(|| panic!("{what}: not a JSON object: {}", reply.1));
    assert_eq!(body.len(), 2, "{what}: {}", reply.1);
    assert_eq!(body["error"], json!("client_error"), "{what}");
    let description = body["error_description"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: {}", reply.1));
    assert!(
        INGEST_ERRORS.contains(&description),
        "{what}: unexpected {description:?}"
    );
}

#[track_caller]
fn assert_refused(reply: (u16, Value), status: u16, description: &str, what: &str) {
    assert_client_error(&reply, what);
    assert_eq!(reply.0, status, "{what}: {}", reply.1);
    assert_eq!(reply.1["error_description"], json!(description), "{what}");
}

/// The server is alive: `GET /` answers and a valid signed message is stored.
#[track_caller]
fn assert_still_serving(app: &TestApp) {
    let (status, info) = app.get("/");
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["name"], json!("votehub"));
    app.create_space("alive.eth", ticket_settings());
    app.accept(1, Kind::Follow, json!({"space": "alive.eth"}));
}

/// A valid vote envelope on an open proposal of the ticket space.
fn valid_vote(app: &TestApp) -> Value {
    app.ticket_space();
    let proposal = app.open_proposal("single-choice", 3);
    signed(
        1,
        Kind::Vote,
        json!({"space": SPACE, "proposal": proposal, "choice": 1}),
    )
}

#[test]
fn malformed_json() {
    let app = spawn_app();
    let bodies: &[&str] = &[
        "{",
        "}",
        "{\"address\":",
        "{\"address\":\"0x\" \"sig\":1}",
        "{'address': 1}",
        "{\"a\":1,}",
        "[1,2",
        "\"unterminated",
        "nul",
        "NaN",
        "Infinity",
        "1e400",
        "{\"timestamp\": 1e400}",
        "\u{feff}{}",
        "{\"a\":\"\\ud800\"}",
        "{\"a\":\"\\x41\"}",
        // valid JSON, but not an envelope object
        "null",
        "true",
        "42",
        "\"text\"",
        "[]",
        "{}",
    ];
    for body in bodies {
        assert_refused(app.post_raw(body), 400, "wrong envelope format", body);
    }
    assert_still_serving(&app);
}

#[test]
fn wrong_json_types_at_every_envelope_path() {
    let app = spawn_app();
    let good = valid_vote(&app);
    let mut paths = Vec::new();
    collect_paths(&good, String::new(), &mut paths);
    assert!(paths.len() > 40, "{paths:?}");
    let replacements = [
        json!(null),
        json!(true),
        json!(0),
        json!(-1),
        json!(1.5),
        json!(18446744073709551615u64),
        json!("x"),
        json!(""),
        json!([]),
        json!([null]),
        json!({}),
        json!({"x": null}),
    ];
    for path in &paths {
        for replacement in &replacements {
            if good.pointer(path) == Some(replacement) {
                continue;
            }
            let mut envelope = good.clone();
            if path.is_empty() {
                envelope = replacement.clone();
            } else {
                *envelope.pointer_mut(path).unwrap() = replacement.clone();
            }
            let what = format!("{path} = {replacement}");
            assert_client_error(&app.post(&envelope), &what);
        }
    }
    assert_eq!(app.post(&good).0, 200, "the untouched envelope is valid");
    assert_still_serving(&app);
}

fn collect_paths(value: &Value, path: String, out: &mut Vec<String>) {
    out.push(path.clone());
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                collect_paths(
                    child,
                    format!("{path}/{}", key.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                collect_paths(child, format!("{path}/{index}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn bytes32_with_33_and_2_bytes() {
    let app = spawn_app();
    let donor = valid_vote(&app);
    for proposal in [
        format!("0x{}", "ab".repeat(33)),
        "0xabcd".to_string(),
        "0x".to_string(),
        format!("0x{}", "zz".repeat(32)),
        "ab".repeat(32),
    ] {
        let envelope = legacy_vote(&proposal, json!(1), &donor["sig"]);
        assert_refused(
            app.post(&envelope),
            400,
            "signature validation failed",
            &proposal,
        );
    }
    assert_still_serving(&app);
}

#[test]
fn out_of_range_integers() {
    let app = spawn_app();
    let good = valid_vote(&app);
    let choices = [
        json!(1u64 << 40),
        json!(1u64 << 32),
        json!(-1),
        json!(1.5),
        json!("1e3"),
        json!("0x10"),
        json!(u64::MAX),
        json!("99999999999999999999999999999"),
    ];
    for choice in choices {
        let mut envelope = good.clone();
        envelope["data"]["message"]["choice"] = choice.clone();
        assert_refused(
            app.post(&envelope),
            400,
            "signature validation failed",
            &choice.to_string(),
        );
        // The legacy schema with a `bytes32` proposal, too.
        let legacy = legacy_vote(
            &format!("0x{}", "ab".repeat(32)),
            choice.clone(),
            &good["sig"],
        );
        assert_refused(
            app.post(&legacy),
            400,
            "signature validation failed",
            &choice.to_string(),
        );
    }
    // vote-array with an element out of uint32.
    let proposal = app.open_proposal("approval", 3);
    let mut array = signed(
        1,
        Kind::VoteArray,
        json!({"space": SPACE, "proposal": proposal, "choice": [1]}),
    );
    array["data"]["message"]["choice"] = json!([1, 1u64 << 40]);
    assert_refused(
        app.post(&array),
        400,
        "signature validation failed",
        "uint32[] element 2^40",
    );
    assert_still_serving(&app);
}

#[test]
fn huge_timestamps() {
    let app = spawn_app();
    let good = valid_vote(&app);
    let cases = [
        (
            r#""99999999999999999999999999999999""#,
            "wrong envelope format",
        ),
        (r#""1700000000""#, "wrong envelope format"),
        ("18446744073709551615", "wrong timestamp"),
        ("1e300", "wrong timestamp"),
        ("-1e300", "wrong timestamp"),
        ("1e400", "wrong envelope format"),
    ];
    for (timestamp, description) in cases {
        let body = good.to_string().replacen(
            &format!("\"timestamp\":{}", good["data"]["message"]["timestamp"]),
            &format!("\"timestamp\":{timestamp}"),
            1,
        );
        assert_ne!(body, good.to_string());
        assert_refused(app.post_raw(&body), 400, description, timestamp);
    }
    // A signed uint64 other than the timestamp, as a huge decimal string.
    let mut proposal = signed(
        0,
        Kind::Proposal,
        proposal_message(SPACE, "single-choice", &["A".into(), "B".into()]),
    );
    proposal["data"]["message"]["snapshot"] = json!("99999999999999999999999999999");
    assert_refused(
        app.post(&proposal),
        400,
        "signature validation failed",
        "snapshot as huge text",
    );
    assert_still_serving(&app);
}

#[test]
fn deeply_nested_json() {
    let app = spawn_app();
    let good = valid_vote(&app);
    let depth = 100_000;
    let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    assert_refused(
        app.post_raw(&arrays),
        400,
        "wrong envelope format",
        "nested arrays",
    );
    let objects = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
    assert!(objects.len() < 1 << 20);
    assert_refused(
        app.post_raw(&objects),
        400,
        "wrong envelope format",
        "nested objects",
    );
    // Unclosed nesting.
    assert_refused(
        app.post_raw("[".repeat(depth)),
        400,
        "wrong envelope format",
        "unclosed",
    );
    // Nesting inside an otherwise valid envelope.
    let inner = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let body = good
        .to_string()
        .replacen("\"choice\":1", &format!("\"choice\":{inner}"), 1);
    assert_refused(
        app.post_raw(&body),
        400,
        "wrong envelope format",
        "nested choice",
    );
    assert_still_serving(&app);
}

#[test]
fn deeply_nested_json_inside_signed_strings() {
    let app = spawn_app();
    app.ticket_space();
    let proposal = app.open_proposal("quadratic", 3);
    let choice = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    let reply = app.send(
        1,
        Kind::VoteString,
        json!({"space": SPACE, "proposal": proposal, "choice": choice}),
    );
    assert_rejected(reply, 400, "invalid choice");
    let profile = format!("{}{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    let reply = app.send(1, Kind::Profile, json!({"profile": profile}));
    assert_rejected(reply, 400, "wrong profile format");
    app.db(|db| db.set_controller("deep.eth", &address(0), now()).unwrap());
    let settings = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    let reply = app.send(
        0,
        Kind::Settings,
        json!({"space": "deep.eth", "settings": settings}),
    );
    assert_rejected(reply, 400, "wrong space format");
    // Deep but legal metadata is read as `{}`, never trusted.
    let metadata = format!("{}{}", "[".repeat(500), "]".repeat(500));
    app.accept(
        2,
        Kind::VoteString,
        json!({"space": SPACE, "proposal": proposal, "choice": "{\"1\":1}", "metadata": metadata}),
    );
    assert_still_serving(&app);
}

#[test]
fn oversize_body() {
    let app = spawn_app();
    let two_mib = 2 << 20;
    let padded = format!("{{\"address\":\"{}\"}}", "a".repeat(two_mib));
    assert_refused(
        app.post_raw(&padded),
        413,
        "too large message",
        "2 MiB JSON",
    );
    assert_refused(
        app.post_raw(vec![b'x'; two_mib]),
        413,
        "too large message",
        "2 MiB garbage",
    );
    assert_refused(
        app.post_raw(vec![b' '; (1 << 20) + 1]),
        413,
        "too large message",
        "1 MiB + 1 of blanks",
    );
    assert_still_serving(&app);
}

#[test]
fn malformed_signatures() {
    let app = spawn_app();
    let good = valid_vote(&app);
    let sig = hex::decode(good["sig"].as_str().unwrap().trim_start_matches("0x")).unwrap();
    assert_eq!(sig.len(), 65);
    // 64 bytes (r ‖ s) whose EIP-2098 parity bit is the wrong one, so no
    // reading of it recovers the signer.
    let mut compact = sig[..64].to_vec();
    if sig[64] == 27 {
        compact[32] |= 0x80;
    }
    let with_v = |v: u8| {
        let mut bytes = sig.clone();
        bytes[64] = v;
        format!("0x{}", hex::encode(bytes))
    };
    let cases = [
        format!("0x{}", "zz".repeat(65)),
        format!("0x{}", &good["sig"].as_str().unwrap()[3..]),
        good["sig"].as_str().unwrap()[2..].to_string(),
        "0x".to_string(),
        String::new(),
        "0x0".to_string(),
        format!("0x{}", hex::encode(&compact)),
        format!("0x{}00", hex::encode(&sig)),
        format!("0x{}", hex::encode(&sig[..64])) + "1b1b",
        with_v(29),
        with_v(26),
        with_v(255),
        format!("0x{}", "00".repeat(65)),
        format!("0x{}", "ff".repeat(65)),
    ];
    for case in cases {
        let mut envelope = good.clone();
        envelope["sig"] = json!(case);
        assert_refused(
            app.post(&envelope),
            400,
            "signature validation failed",
            &case,
        );
    }
    assert_eq!(app.post(&good).0, 200);
    assert_still_serving(&app);
}

#[test]
fn lowercase_and_malformed_addresses() {
    let app = spawn_app();
    let good = valid_vote(&app);
    let lower = address(1).to_lowercase();
    let upper = format!("0x{}", address(1)[2..].to_uppercase());
    let cases: Vec<(&str, Value)> = vec![
        ("/address", json!(lower)),
        ("/address", json!(upper)),
        ("/address", json!(address(1)[..41].to_string())),
        ("/address", json!(format!("{}00", address(1)))),
        ("/address", json!(address(1).replacen("0x", "0X", 1))),
        ("/data/message/from", json!(lower)),
        ("/data/message/from", json!(upper)),
        (
            "/data/message/from",
            json!(address(1).trim_start_matches("0x")),
        ),
    ];
    for (path, value) in cases {
        let mut envelope = good.clone();
        *envelope.pointer_mut(path).unwrap() = value.clone();
        assert_refused(
            app.post(&envelope),
            400,
            "wrong envelope format",
            &format!("{path} = {value}"),
        );
    }
    // Both lowercase, re-signed: still refused (EIP-55 is part of the schema).
    let mut both = good.clone();
    both["address"] = json!(lower);
    both["data"]["message"]["from"] = json!(lower);
    assert_refused(
        app.post(&resign(1, &both)),
        400,
        "wrong envelope format",
        "both lowercase",
    );
    assert_still_serving(&app);
}

#[test]
fn empty_and_non_utf8_bodies() {
    let app = spawn_app();
    let good = valid_vote(&app);
    assert_refused(app.post_raw(b""), 400, "wrong envelope format", "empty");
    assert_refused(
        app.post_raw(b"   \n\t "),
        400,
        "wrong envelope format",
        "blank",
    );
    assert_refused(
        app.post_raw(b"\xff\xfe\xfd"),
        400,
        "wrong envelope format",
        "binary",
    );
    assert_refused(app.post_raw(b"\x00"), 400, "wrong envelope format", "NUL");
    // A valid envelope with one invalid UTF-8 sequence inside a string.
    let text = good.to_string();
    let at = text.find("\"reason\":\"").unwrap() + "\"reason\":\"".len();
    let mut bytes = text.as_bytes().to_vec();
    bytes.splice(at..at, [0xc3, 0x28]);
    assert_refused(
        app.post_raw(&bytes),
        400,
        "wrong envelope format",
        "invalid UTF-8 in reason",
    );
    let mut truncated = text.as_bytes().to_vec();
    truncated.splice(at..at, [0xf0, 0x9f]);
    assert_refused(
        app.post_raw(&truncated),
        400,
        "wrong envelope format",
        "truncated UTF-8",
    );
    assert_still_serving(&app);
}

/// Clients that stop sending mid-body do not hold the server: each is
/// answered 408 in Snapshot's shape once the body timeout passes (2 s in the
/// test server), and everyone else is served meanwhile.
#[test]
fn clients_that_stall_mid_body_get_408_and_others_are_served() {
    use std::io::{Read, Write};
    let app = spawn_app();
    let address = app.url.trim_start_matches("http://").to_string();
    let started = std::time::Instant::now();
    let mut stalled: Vec<std::net::TcpStream> = (0..20)
        .map(|_| {
            let mut stream = std::net::TcpStream::connect(&address).unwrap();
            stream
                .write_all(b"POST / HTTP/1.1\r\nHost: votehub\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"address\":")
                .unwrap();
            stream
        })
        .collect();
    assert_eq!(app.get("/").0, 200, "served while 20 bodies stall");
    for stream in &mut stalled {
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .unwrap();
        let mut reply = Vec::new();
        let mut buffer = [0u8; 4096];
        while !String::from_utf8_lossy(&reply).contains("error_description") {
            match stream.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => reply.extend_from_slice(&buffer[..n]),
            }
        }
        let reply = String::from_utf8_lossy(&reply);
        assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
        assert!(
            reply.contains("\"error_description\":\"the request body was not received in time\""),
            "{reply}"
        );
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
}

/// Reads have a limit of their own when configured, answered like the
/// ingest limit; writes are not counted against it.
#[test]
fn reads_have_their_own_rate_limit() {
    let app = spawn_app_with_http(0, |state| state.with_read_rate_limit(3));
    for _ in 0..3 {
        assert_eq!(app.get("/").0, 200);
    }
    let (status, body) = app.get("/api/log/head");
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"], "client_error");
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .starts_with("too many requests"));
    // Writes keep their own (here: no) limit.
    assert_eq!(app.post_raw("{}").0, 400);
}

/// Behind a trusted proxy each client has its own bucket; from anyone else
/// the forwarding headers are ignored, so nobody picks a fresh bucket.
#[test]
fn forwarding_headers_count_only_from_trusted_proxies() {
    let post_as = |app: &TestApp, client: &str| -> u16 {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        agent
            .post(&app.url)
            .header("Content-Type", "application/json")
            .header("X-Forwarded-For", client)
            .send("{}")
            .unwrap()
            .status()
            .as_u16()
    };
    let proxied = spawn_app_with_http(1, |state| {
        state.with_trusted_proxies(vec!["127.0.0.1".parse().unwrap()])
    });
    assert_eq!(post_as(&proxied, "203.0.113.7"), 400);
    assert_eq!(post_as(&proxied, "203.0.113.7"), 429);
    assert_eq!(post_as(&proxied, "203.0.113.8"), 400);

    let direct = spawn_app_with_http(1, |state| state);
    assert_eq!(post_as(&direct, "203.0.113.7"), 400);
    assert_eq!(post_as(&direct, "203.0.113.8"), 429);
}

/// A connection from the trusted proxy (127.0.0.1) for `client` that sends
/// a POST head and the first bytes of a 1,000-byte body, then stalls.
fn stalled_post(app: &TestApp, client: &str) -> std::net::TcpStream {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(app.url.trim_start_matches("http://")).unwrap();
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: votehub\r\nX-Forwarded-For: {client}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"address\":"
    )
    .unwrap();
    stream
}

/// Sends the rest of a stalled body: the request is then answered (400,
/// the body is no envelope) unless it was refused already.
fn finish_body(stream: &mut std::net::TcpStream) {
    use std::io::Write;
    let _ = stream.write_all(&[b' '; 1000 - 11]);
}

/// The status and body of the reply on `stream`, read until it is complete
/// (or the connection ends); `None` if nothing came within `wait`.
fn reply(stream: &mut std::net::TcpStream, wait: std::time::Duration) -> Option<(u16, String)> {
    use std::io::Read;
    stream.set_read_timeout(Some(wait)).unwrap();
    let mut reply = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => reply.extend_from_slice(&buffer[..n]),
            Err(_) if reply.is_empty() => return None,
            Err(_) => break,
        }
        let text = String::from_utf8_lossy(&reply);
        if text.contains("\r\n\r\n") && (text.ends_with('}') || text.contains("content-length: 0"))
        {
            break;
        }
    }
    let text = String::from_utf8_lossy(&reply).into_owned();
    let status = text.get(9..12)?.parse().ok()?;
    Some((status, text))
}

/// Waits (at most 30 s) for the first of `streams` to be answered; returns
/// its index and reply.
fn first_reply(streams: &mut [std::net::TcpStream]) -> (usize, (u16, String)) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        for (index, stream) in streams.iter_mut().enumerate() {
            if let Some(reply) = reply(stream, std::time::Duration::from_millis(20)) {
                return (index, reply);
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no request was answered"
        );
    }
}

#[track_caller]
fn assert_too_many_requests((status, text): &(u16, String)) {
    assert_eq!(*status, 429, "{text}");
    let body: Value = serde_json::from_str(&text[text.find("\r\n\r\n").unwrap() + 4..]).unwrap();
    assert_eq!(body["error"], "client_error");
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .starts_with("too many requests"));
}

/// One client may have `max_requests_per_client` requests in flight: with
/// three bodies stalled, its fourth request is refused at once with 429 in
/// Snapshot's shape, while other clients are served; once the stalled ones
/// time out (408) the client is served again.
#[test]
fn one_client_may_hold_only_max_requests_per_client() {
    let app = spawn_app_with_http(0, |state| {
        state
            .with_trusted_proxies(vec!["127.0.0.1".parse().unwrap()])
            .with_max_requests_per_client(3)
    });
    let mut stalled: Vec<_> = (0..4).map(|_| stalled_post(&app, "203.0.113.7")).collect();
    let get_as = |client: &str| {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent()
            .get(&app.url)
            .header("X-Forwarded-For", client)
            .call()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(get_as("203.0.113.8"), 200, "another client is served");
    assert_eq!(app.get("/").0, 200, "so is the proxy itself");

    let mut statuses: Vec<u16> = stalled
        .iter_mut()
        .map(|stream| {
            let reply = reply(stream, std::time::Duration::from_secs(20)).unwrap();
            if reply.0 == 429 {
                assert_too_many_requests(&reply);
            }
            reply.0
        })
        .collect();
    statuses.sort();
    assert_eq!(statuses, [408, 408, 408, 429]);

    // The three timed-out requests gave their places back (the count is
    // given back as each reply ends, so allow it a moment).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while get_as("203.0.113.7") == 429 {
        assert!(
            std::time::Instant::now() < deadline,
            "the client stays refused"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Requests dropped mid-body by their client give their places back, all of
/// them: afterwards the client again holds its whole cap at once.
#[test]
fn requests_dropped_mid_body_give_their_places_back() {
    let app = spawn_app_with_http(0, |state| {
        state
            .with_trusted_proxies(vec!["127.0.0.1".parse().unwrap()])
            .with_max_requests_per_client(2)
            .with_body_timeout(std::time::Duration::from_secs(600))
    });
    let client = "203.0.113.7";
    let mut stalled: Vec<_> = (0..3).map(|_| stalled_post(&app, client)).collect();
    let (refused, answer) = first_reply(&mut stalled);
    assert_too_many_requests(&answer);
    stalled.remove(refused);
    // Two in flight; their client goes away mid-body.
    drop(stalled);

    // A round: three stalled requests, one refused once two are in flight,
    // and the other two, finished, are answered rather than refused. With a
    // place lost to a dropped request, no round would ever pass.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let mut round: Vec<_> = (0..3).map(|_| stalled_post(&app, client)).collect();
        let (refused, answer) = first_reply(&mut round);
        round.remove(refused);
        let mut statuses = Vec::new();
        for stream in &mut round {
            finish_body(stream);
            statuses.push(reply(stream, std::time::Duration::from_secs(20)).unwrap().0);
        }
        if answer.0 == 429 && statuses == [400, 400] {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "places were not given back: {} then {statuses:?}",
            answer.0
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// A client that stalls in the middle of a request's head is answered 408
/// and disconnected after `header_timeout` (1 s here, set explicitly rather
/// than left to actix's 5 s default, which the bound below excludes).
#[test]
fn a_request_head_that_stalls_gets_408() {
    use std::io::Write;
    let app = spawn_app_with_http(0, |state| {
        state.with_header_timeout(std::time::Duration::from_secs(1))
    });
    let started = std::time::Instant::now();
    let mut stream = std::net::TcpStream::connect(app.url.trim_start_matches("http://")).unwrap();
    stream
        .write_all(b"POST / HTTP/1.1\r\nHost: votehub\r\nContent-")
        .unwrap();
    let (status, text) = reply(&mut stream, std::time::Duration::from_secs(20)).unwrap();
    assert_eq!(status, 408, "{text}");
    assert!(started.elapsed() < std::time::Duration::from_secs(4));
    // Others are still served. actix checks the head timer before it reads,
    // so a fresh connection whose worker was starved for the whole timeout
    // (seen once in CI, with 0.5 s and the suite running on two cores) is
    // itself answered 408: one such answer is retried, never two.
    let status = match app.get("/").0 {
        408 => app.get("/").0,
        status => status,
    };
    assert_eq!(status, 200);
}

/// A request counts until its reply's last byte: a CAR download its client
/// does not read keeps its place, and gives it back once read to the end.
#[test]
fn an_unread_car_download_keeps_its_place_until_read() {
    use std::io::{Read, Write};
    let app = spawn_app_with_http(0, |state| {
        state
            .with_trusted_proxies(vec!["127.0.0.1".parse().unwrap()])
            .with_max_requests_per_client(1)
    });
    // Far more than the kernel buffers on loopback: the reply cannot end
    // while its client does not read.
    let root = app.store_dag(16);
    let mut download = std::net::TcpStream::connect(app.url.trim_start_matches("http://")).unwrap();
    write!(
        download,
        "GET /ipfs/{root}?format=car HTTP/1.1\r\nHost: votehub\r\nX-Forwarded-For: 203.0.113.7\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut head = [0u8; 12];
    download.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    let get_as = |client: &str| {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent()
            .get(&app.url)
            .header("X-Forwarded-For", client)
            .call()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(get_as("203.0.113.7"), 429);
    assert_eq!(get_as("203.0.113.8"), 200);

    let mut rest = Vec::new();
    download.read_to_end(&mut rest).unwrap();
    assert!(rest.len() > 16 << 20);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while get_as("203.0.113.7") == 429 {
        assert!(
            std::time::Instant::now() < deadline,
            "the client stays refused"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// A soak of a few seconds: slow clients (bodies that stall until the body
/// timeout, then again), greedy clients (CAR downloads read slowly, and
/// downloads never read, more than the per-client cap allows) and normal
/// clients (proposal reads and votes) at once against one server. Every
/// normal request succeeds. Their latency is printed; the only bound on it
/// is a liveness bound (p99 under 2 s, some 40 times the debug build's
/// figure in BENCHMARKS.md), not a performance figure.
#[test]
fn normal_clients_are_served_beside_slow_and_greedy_ones() {
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    const SOAK: Duration = Duration::from_secs(4);
    let app = spawn_app_with_http(0, |state| {
        state
            .with_trusted_proxies(vec!["127.0.0.1".parse().unwrap()])
            .with_max_requests_per_client(16)
    });
    app.ticket_space();
    let proposal = app.open_proposal("single-choice", 3);
    let root = app.store_dag(8);
    let address = app.url.trim_start_matches("http://").to_string();
    let stop = AtomicBool::new(false);
    let get_car = |client: &str| {
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        write!(
            stream,
            "GET /ipfs/{root}?format=car HTTP/1.1\r\nHost: votehub\r\nX-Forwarded-For: {client}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        stream
    };

    let latencies: Vec<Duration> = std::thread::scope(|scope| {
        // Slow: 8 bodies that stall, each answered 408 after 2 s, then again.
        for _ in 0..8 {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let mut stream = stalled_post(&app, "198.51.100.1");
                    let _ = reply(&mut stream, Duration::from_secs(20));
                }
            });
        }
        // Greedy: 8 downloads read 16 KiB per 10 ms, and 24 never read.
        for _ in 0..8 {
            scope.spawn(|| {
                let mut piece = vec![0u8; 16 << 10];
                while !stop.load(Ordering::Relaxed) {
                    let mut stream = get_car("198.51.100.2");
                    while !stop.load(Ordering::Relaxed)
                        && matches!(stream.read(&mut piece), Ok(n) if n > 0)
                    {
                        std::thread::sleep(Duration::from_millis(10));
                    }
                }
            });
        }
        let unread: Vec<_> = (0..24).map(|_| get_car("198.51.100.2")).collect();
        // Normal: 4 clients, each reading the proposal and voting with a
        // fresh key in turn, timing every request.
        let normal: Vec<_> = (0..4)
            .map(|i| {
                let (app, proposal) = (&app, &proposal);
                scope.spawn(move || {
                    let agent: ureq::Agent = ureq::Agent::config_builder()
                        .http_status_as_error(false)
                        .build()
                        .into();
                    let client = format!("203.0.113.{i}");
                    let mut times = Vec::new();
                    let started = Instant::now();
                    while started.elapsed() < SOAK {
                        let voter = votehub::protocol::signature::Signer::generate();
                        let message = serde_json::from_value(
                            json!({"space": SPACE, "proposal": proposal, "choice": 1}),
                        )
                        .unwrap();
                        let vote =
                            votehub::protocol::client::sign(&voter, Kind::Vote, message, now())
                                .unwrap()
                                .to_string();
                        let sent = Instant::now();
                        let mut response = agent
                            .get(format!("{}/api/proposals/{proposal}", app.url))
                            .header("X-Forwarded-For", &client)
                            .call()
                            .unwrap();
                        let body = response.body_mut().read_to_string().unwrap();
                        assert_eq!(response.status(), 200, "{body}");
                        times.push(sent.elapsed());
                        let sent = Instant::now();
                        let mut response = agent
                            .post(&app.url)
                            .header("X-Forwarded-For", &client)
                            .header("Content-Type", "application/json")
                            .send(&vote)
                            .unwrap();
                        let body = response.body_mut().read_to_string().unwrap();
                        assert_eq!(response.status(), 200, "{body}");
                        times.push(sent.elapsed());
                    }
                    times
                })
            })
            .collect();
        let times: Vec<Duration> = normal
            .into_iter()
            .flat_map(|handle| handle.join().unwrap())
            .collect();
        stop.store(true, Ordering::Relaxed);
        drop(unread);
        times
    });

    let mut sorted = latencies.clone();
    sorted.sort();
    let at = |q: f64| sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)];
    println!(
        "soak: {} normal requests in {SOAK:?}, all served; p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        sorted.len(),
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        sorted[sorted.len() - 1].as_secs_f64() * 1e3,
    );
    assert!(sorted.len() >= 8, "{} requests", sorted.len());
    assert!(
        at(0.99) < Duration::from_secs(2),
        "liveness: p99 {:?}",
        at(0.99)
    );
    assert_still_serving(&app);
}
