//! Peak memory of `votehub serve` while it answers `GET /ipfs/{cid}?format=car`
//! for a large DAG: first `--readers` clients downloading the CAR at once,
//! then, on a fresh server, `--stalled` clients that send the request and
//! never read the reply. It drives a `votehub` binary as a child process (this
//! build's, or `--bin PATH`, e.g. a build of an older commit) and reads the
//! child's `VmHWM` (peak resident memory) from `/proc/PID/status`.
//!
//! Run: `cargo bench --bench car_memory -- --mib 20 [--readers 16] [--stalled 48] [--bin PATH]`

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use votehub::protocol::signature::Address;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn number(name: &str, default: usize) -> usize {
    arg(name).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A `key:   value kB` line of `/proc/PID/status`, in KiB.
fn status_kib(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|line| line.starts_with(key))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

struct Server {
    child: Child,
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(bin: &str, data: &Path) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let address = format!("127.0.0.1:{port}");
    let child = Command::new(bin)
        .arg("--data")
        .arg(data)
        .args(["serve", "--listen", &address, "--rate-limit", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(&address).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Server { child, address }
}

fn request(address: &str, cid: &str) -> TcpStream {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET /ipfs/{cid}?format=car HTTP/1.1\r\nHost: votehub\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    stream
}

fn main() {
    let bin = arg("--bin").unwrap_or_else(|| env!("CARGO_BIN_EXE_votehub").to_string());
    let size = number("--mib", 20) << 20;
    let readers = number("--readers", 16);
    let stalled = number("--stalled", 48);
    let dir = tempfile::tempdir().unwrap();

    // A balance file of `--mib` MiB: stored as a UnixFS DAG of 256 KiB leaves.
    let mut csv = String::from("address,balance\n");
    let mut i = 0u64;
    while csv.len() < size {
        i += 1;
        let mut bytes = [0u8; 20];
        bytes[12..].copy_from_slice(&i.to_be_bytes());
        csv.push_str(&format!(
            "{},{}\n",
            Address::from_bytes(bytes),
            i * 1_000_000_007
        ));
    }
    let file = dir.path().join("balances.csv");
    std::fs::write(&file, &csv).unwrap();
    let data = dir.path().join("data");
    let out = Command::new(&bin)
        .arg("--data")
        .arg(&data)
        .args([
            "snapshot",
            "import",
            "--network",
            "1",
            "--token",
            "0x799ebfABE77a6E34311eeEe9825190B9ECe32824",
            "--block",
            "7",
        ])
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "import: {stdout}");
    let cid = stdout
        .rsplit_once("(file ")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(cid, _)| cid.to_string())
        .expect("the import names the file's CID");
    println!("binary {bin}");
    println!("DAG    {cid}: {} bytes of CSV", csv.len());

    // Readers: each downloads the whole CAR.
    let server = serve(&bin, &data);
    let pid = server.child.id();
    let idle = status_kib(pid, "VmHWM:");
    let started = Instant::now();
    let sizes: Vec<usize> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..readers)
            .map(|_| {
                let (address, cid) = (&server.address, &cid);
                scope.spawn(move || {
                    let mut reply = Vec::new();
                    request(address, cid).read_to_end(&mut reply).unwrap();
                    reply.len()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let elapsed = started.elapsed();
    assert!(
        sizes.iter().all(|n| *n > csv.len()),
        "every reader got the whole CAR: {sizes:?}"
    );
    let read_peak = status_kib(pid, "VmHWM:");
    drop(server);

    // Stalled: each sends the request and reads nothing. Waits until the
    // server's memory stops growing (or 60 s), then reads its peak.
    let server = serve(&bin, &data);
    let pid = server.child.id();
    let idle_stalled = status_kib(pid, "VmHWM:");
    let clients: Vec<TcpStream> = (0..stalled)
        .map(|_| request(&server.address, &cid))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    let (mut last, mut steady_since) = (0, Instant::now());
    while Instant::now() < deadline && steady_since.elapsed() < Duration::from_secs(3) {
        std::thread::sleep(Duration::from_millis(200));
        let rss = status_kib(pid, "VmRSS:");
        if rss != last {
            (last, steady_since) = (rss, Instant::now());
        }
    }
    let stalled_peak = status_kib(pid, "VmHWM:");
    drop(clients);
    drop(server);

    println!(
        "| {readers} clients reading the CAR | {} | {} | {:.2} s |",
        mib(idle),
        mib(read_peak),
        elapsed.as_secs_f64()
    );
    println!(
        "| {stalled} clients never reading | {} | {} | |",
        mib(idle_stalled),
        mib(stalled_peak)
    );
}
