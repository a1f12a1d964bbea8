//! A fake Kubo daemon: the RPC subset of the team notes (§6) over real HTTP
//! on 127.0.0.1 (`add`, `block/put`, `pin/add`, `block/get`, `cat`,
//! `version`), with CIDs computed as Kubo computes them (§7), and modes that
//! misbehave: failing (500 with Kubo's error JSON), stalling (never answers),
//! answering a wrong CID, and down (nothing listens) until `up`.

use std::collections::{HashMap, HashSet};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use cid::multibase::Base;
use cid::Cid;
use multihash_codetable::{Code, MultihashDigest};
use serde_json::json;

/// How the daemon answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Healthy,
    /// Healthy, but CIDs printed in base58btc (`z…`) instead of base32.
    Base58,
    /// Every call: 500 `{"Message", "Code", "Type": "error"}`.
    Failing,
    /// Every call hangs far beyond any client timeout.
    Stalling,
    /// `block/put` and `add` name the bytes with a CID of other bytes.
    WrongCid,
}

#[derive(Default)]
struct State {
    mode: Mutex<Option<Mode>>,
    blocks: Mutex<HashMap<String, Vec<u8>>>,
    pins: Mutex<HashSet<String>>,
    /// Every call: path (without `/api/v0`) and raw query string.
    calls: Mutex<Vec<(String, String)>>,
}

/// A fake daemon on its own port and thread; stops when dropped.
pub struct FakeKubo {
    pub url: String,
    port: u16,
    state: Arc<State>,
    server: Mutex<Option<actix_web::dev::ServerHandle>>,
}

impl FakeKubo {
    /// A daemon answering in `mode` from now on.
    pub fn start(mode: Mode) -> FakeKubo {
        let kubo = FakeKubo::down();
        kubo.set_mode(mode);
        kubo.up();
        kubo
    }

    /// A daemon whose port nothing listens on yet: connections are refused.
    pub fn down() -> FakeKubo {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        FakeKubo {
            url: format!("http://127.0.0.1:{port}"),
            port,
            state: Arc::new(State::default()),
            server: Mutex::new(None),
        }
    }

    /// Starts listening (healthy unless a mode was set).
    pub fn up(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).unwrap();
        let state = Arc::clone(&self.state);
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(web::Data::from(Arc::clone(&state)))
                        // Kubo takes blocks up to 2 MiB (actix's default is 256 KiB).
                        .app_data(web::PayloadConfig::new(4 << 20))
                        .default_service(web::to(answer))
                })
                .workers(1)
                .disable_signals()
                .listen(listener)
                .unwrap()
                .run();
                sender.send(server.handle()).unwrap();
                let _ = server.await;
            })
        });
        *self.server.lock().unwrap() = Some(receiver.recv().unwrap());
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.state.mode.lock().unwrap() = Some(mode);
    }

    /// The bytes held under `cid` if the daemon has the block and pins it.
    pub fn pinned(&self, cid: &str) -> Option<Vec<u8>> {
        let key = normal(cid)?;
        if !self.state.pins.lock().unwrap().contains(&key) {
            return None;
        }
        self.state.blocks.lock().unwrap().get(&key).cloned()
    }

    /// How many blocks the daemon holds.
    pub fn block_count(&self) -> usize {
        self.state.blocks.lock().unwrap().len()
    }

    /// The query strings of every call to `path` (e.g. `/block/put`).
    pub fn queries(&self, path: &str) -> Vec<String> {
        self.state
            .calls
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, q)| q.clone())
            .collect()
    }
}

impl Drop for FakeKubo {
    fn drop(&mut self) {
        if let Some(handle) = self.server.lock().unwrap().take() {
            std::thread::spawn(move || actix_web::rt::System::new().block_on(handle.stop(false)));
        }
    }
}

/// A CID in Kubo's CIDv1 base32 text, the key of the fake's maps.
fn normal(text: &str) -> Option<String> {
    Cid::try_from(text).ok().map(|cid| cid.to_string())
}

fn error(message: &str) -> HttpResponse {
    HttpResponse::InternalServerError()
        .json(json!({"Message": message, "Code": 0, "Type": "error"}))
}

fn codec(name: &str) -> Option<u64> {
    match name {
        "raw" => Some(0x55),
        "dag-pb" => Some(0x70),
        "dag-cbor" => Some(0x71),
        "dag-json" => Some(0x0129),
        _ => None,
    }
}

async fn answer(request: HttpRequest, body: web::Bytes, state: web::Data<State>) -> HttpResponse {
    let Some(path) = request.path().strip_prefix("/api/v0") else {
        return HttpResponse::NotFound().body("404 page not found");
    };
    let path = path.to_string();
    if request.method() != actix_web::http::Method::POST {
        return HttpResponse::MethodNotAllowed().finish();
    }
    state
        .calls
        .lock()
        .unwrap()
        .push((path.clone(), request.query_string().to_string()));
    let mode = state.mode.lock().unwrap().unwrap_or(Mode::Healthy);
    match mode {
        Mode::Failing => return error("fake daemon failure"),
        Mode::Stalling => {
            actix_web::rt::time::sleep(Duration::from_secs(3600)).await;
            return error("stalled");
        }
        _ => {}
    }
    let query: HashMap<String, String> =
        match web::Query::<HashMap<String, String>>::from_query(request.query_string()) {
            Ok(query) => query.into_inner(),
            Err(err) => return HttpResponse::BadRequest().body(err.to_string()),
        };
    let flag = |name: &str, default: bool| {
        query
            .get(name)
            .map(|value| value == "true")
            .unwrap_or(default)
    };
    let print = |cid: &Cid| match mode {
        Mode::Base58 => cid.to_string_of_base(Base::Base58Btc).unwrap(),
        _ => cid.to_string(),
    };
    let arg = query.get("arg").and_then(|arg| normal(arg));
    match path.as_str() {
        "/block/put" => {
            let Some((_, data)) = file_part(&request, &body) else {
                return error("file argument 'data' is required");
            };
            let Some(codec) = codec(query.get("cid-codec").map_or("raw", String::as_str)) else {
                return error("unknown cid-codec");
            };
            if query.get("mhtype").is_some_and(|h| h != "sha2-256") {
                return error("this fake hashes with sha2-256 only");
            }
            let cid = Cid::new_v1(codec, Code::Sha2_256.digest(&data));
            let named = match mode {
                Mode::WrongCid => Cid::new_v1(codec, Code::Sha2_256.digest(&[&data[..], b"?"].concat())),
                _ => cid,
            };
            let size = data.len();
            state.blocks.lock().unwrap().insert(cid.to_string(), data);
            if flag("pin", false) {
                state.pins.lock().unwrap().insert(cid.to_string());
            }
            HttpResponse::Ok().json(json!({"Key": print(&named), "Size": size}))
        }
        "/add" => {
            let Some((name, data)) = file_part(&request, &body) else {
                return error("no file given");
            };
            if query.get("cid-version").map(String::as_str) != Some("1") {
                return error("this fake adds with cid-version=1 only");
            }
            let blocks = votehub::ipld::unixfs_blocks(&data);
            let size: usize = blocks.iter().map(|(_, block)| block.len()).sum();
            let root = blocks
                .last()
                .map(|(cid, _)| cid.clone())
                .unwrap_or_else(|| votehub::ipld::raw_cid(&data));
            state.blocks.lock().unwrap().extend(blocks);
            if flag("pin", true) {
                state.pins.lock().unwrap().insert(root.clone());
            }
            let Ok(mut root) = Cid::try_from(root.as_str()) else {
                return error("bad root");
            };
            if mode == Mode::WrongCid {
                root = Cid::new_v1(0x55, Code::Sha2_256.digest(b"not the file"));
            }
            let line = json!({"Name": name, "Hash": print(&root), "Size": size.to_string()});
            HttpResponse::Ok()
                .content_type("application/json")
                .body(format!("{line}\n"))
        }
        "/pin/add" => match arg {
            Some(cid) if state.blocks.lock().unwrap().contains_key(&cid) => {
                state.pins.lock().unwrap().insert(cid.clone());
                HttpResponse::Ok().json(json!({"Pins": [cid]}))
            }
            _ => error("block was not found locally (offline)"),
        },
        "/block/get" => match arg.and_then(|cid| state.blocks.lock().unwrap().get(&cid).cloned()) {
            Some(bytes) => HttpResponse::Ok()
                .content_type("application/octet-stream")
                .body(bytes),
            None => error("block was not found locally (offline)"),
        },
        "/cat" => match arg.and_then(|cid| file_bytes(&state, &cid)) {
            Some(bytes) => HttpResponse::Ok().content_type("text/plain").body(bytes),
            None => error("no such file"),
        },
        "/version" => HttpResponse::Ok().json(json!({
            "Version": "0.42.0-fake", "Commit": "", "Repo": "16", "System": "amd64/linux", "Golang": "go1.24"
        })),
        _ => HttpResponse::NotFound().body("404 page not found"),
    }
}

/// The file a UnixFS DAG holds: its raw leaves in link order.
fn file_bytes(state: &State, root: &str) -> Option<Vec<u8>> {
    let blocks = state.blocks.lock().unwrap();
    let mut out = Vec::new();
    let mut pending = vec![Cid::try_from(root).ok()?];
    while let Some(cid) = pending.pop() {
        let bytes = blocks.get(&cid.to_string())?;
        match cid.codec() {
            0x55 => out.extend_from_slice(bytes),
            0x70 => {
                let mut links = Vec::new();
                ipld_dagpb::links(bytes, &mut links).ok()?;
                pending.extend(links.into_iter().rev());
            }
            _ => return None,
        }
    }
    Some(out)
}

/// The first part of a `multipart/form-data` body: its filename (or field
/// name) and its bytes.
fn file_part(request: &HttpRequest, body: &[u8]) -> Option<(String, Vec<u8>)> {
    let content_type = request.headers().get("content-type")?.to_str().ok()?;
    let boundary = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))?
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let start = find(body, delimiter.as_bytes())? + delimiter.len();
    let headers_end = start + find(&body[start..], b"\r\n\r\n")?;
    let headers = String::from_utf8_lossy(&body[start..headers_end]).to_string();
    let content = headers_end + 4;
    let end = content + find(&body[content..], format!("\r\n{delimiter}").as_bytes())?;
    let name = ["filename=\"", "name=\""].iter().find_map(|key| {
        let from = headers.find(key)? + key.len();
        headers[from..].split('"').next().map(str::to_string)
    })?;
    Some((name, body[content..end].to_vec()))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
