//! A tiny static file server for the browser tests: serves one directory on 127.0.0.1 at an
//! ephemeral port from a background thread, and records every request it answers.
//!
//! It understands just enough HTTP/1.1 for a browser loading a static site: `GET` and `HEAD`,
//! one request per connection (`Connection: close`), no range requests. Paths that would leave
//! the served directory are refused.

use std::fs;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

const TEXT_PLAIN: &str = "text/plain; charset=utf-8";

/// One request the server answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Served {
    /// The request method, e.g. `GET`.
    pub method: String,
    /// The request target as sent, e.g. `/index.html?x=1`.
    pub target: String,
    /// The status code sent back.
    pub status: u16,
}

/// A running server. It stops when dropped.
pub struct StaticServer {
    addr: SocketAddr,
    root: PathBuf,
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<Served>>>,
    thread: Option<JoinHandle<()>>,
}

impl StaticServer {
    /// Serves `root` on 127.0.0.1 at a free port.
    pub fn start(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        let root = root.canonicalize().map_err(|e| {
            io::Error::new(e.kind(), format!("cannot serve {}: {e}", root.display()))
        })?;
        if !root.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("cannot serve {}: not a directory", root.display()),
            ));
        }
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (root, stop, log) = (root.clone(), stop.clone(), log.clone());
            thread::Builder::new()
                .name(format!("static-server-{}", addr.port()))
                .spawn(move || accept_loop(listener, root, stop, log))?
        };
        Ok(Self {
            addr,
            root,
            stop,
            log,
            thread: Some(thread),
        })
    }

    /// The address the server listens on (always 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The directory being served.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The absolute URL of `path` on this server; `path` should start with `/`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Every request answered so far, in order.
    pub fn served(&self) -> Vec<Served> {
        self.log.lock().map(|log| log.clone()).unwrap_or_default()
    }

    /// The requests answered with a status other than 200.
    pub fn failures(&self) -> Vec<Served> {
        self.served()
            .into_iter()
            .filter(|s| s.status != 200)
            .collect()
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn accept_loop(
    listener: TcpListener,
    root: PathBuf,
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<Served>>>,
) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let (root, log) = (root.clone(), log.clone());
        // A thread per connection: browsers open several at once.
        let _ = thread::Builder::new()
            .name("static-server-conn".into())
            .spawn(move || handle(stream, &root, &log));
    }
}

fn handle(mut stream: TcpStream, root: &Path, log: &Mutex<Vec<Served>>) -> Option<()> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    stream
        .set_write_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    if request_line.is_empty() {
        return None; // The wake-up connection from Drop, or a client that gave up.
    }
    // Read and ignore the headers, up to a limit.
    let mut header_bytes = 0usize;
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).ok()?;
        header_bytes += n;
        if n == 0 || line == "\r\n" || line == "\n" || header_bytes > 64 * 1024 {
            break;
        }
    }

    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let (status, content_type, body) = respond(&method, &target, root);
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Error",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let head_only = method == "HEAD";
    // Recorded before answering, so a client that has its answer also finds it in the log.
    if let Ok(mut log) = log.lock() {
        log.push(Served {
            method,
            target,
            status,
        });
    }
    let _ = stream.write_all(head.as_bytes());
    if !head_only {
        let _ = stream.write_all(&body);
    }
    let _ = stream.flush();
    Some(())
}

fn respond(method: &str, target: &str, root: &Path) -> (u16, &'static str, Vec<u8>) {
    if method != "GET" && method != "HEAD" {
        return (405, TEXT_PLAIN, b"method not allowed\n".to_vec());
    }
    let Some(path) = resolve(root, target) else {
        return (400, TEXT_PLAIN, b"bad request\n".to_vec());
    };
    let path = if path.is_dir() {
        path.join("index.html")
    } else {
        path
    };
    match fs::read(&path) {
        Ok(body) => (200, content_type(&path), body),
        Err(_) => (404, TEXT_PLAIN, b"not found\n".to_vec()),
    }
}

/// Maps a request target to a file under `root`, or `None` when it is malformed or would
/// leave `root`.
fn resolve(root: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next()?;
    if !path.starts_with('/') {
        return None;
    }
    let decoded = percent_decode(path)?;
    let mut out = root.to_path_buf();
    for component in Path::new(&decoded).components() {
        match component {
            Component::RootDir | Component::CurDir => {}
            Component::Normal(part) => out.push(part),
            Component::ParentDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let decoded = String::from_utf8(out).ok()?;
    if decoded.contains('\0') {
        return None;
    }
    Some(decoded)
}

/// The `Content-Type` for a file, by extension. `.wasm` must be `application/wasm` for
/// streaming compilation.
pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" => TEXT_PLAIN,
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::sync::atomic::AtomicUsize;

    fn temp_site() -> PathBuf {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "ioasid-static-server-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("sub dir")).unwrap();
        fs::write(dir.join("index.html"), "<h1>home</h1>").unwrap();
        fs::write(dir.join("app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
        fs::write(dir.join("sub dir").join("a.css"), "body{}").unwrap();
        dir
    }

    /// Sends one raw request; returns (status, head, body).
    fn get(server: &StaticServer, request: &str) -> (u16, String, Vec<u8>) {
        let mut stream = TcpStream::connect(server.addr()).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let split = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a complete response head");
        let head = String::from_utf8(response[..split].to_vec()).unwrap();
        let body = response[split + 4..].to_vec();
        let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
        (status, head, body)
    }

    #[test]
    fn serves_index_files_types_and_records_requests() {
        let site = temp_site();
        let server = StaticServer::start(&site).unwrap();
        assert_eq!(server.addr().ip(), Ipv4Addr::LOCALHOST);

        let (status, head, body) = get(&server, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(status, 200);
        assert!(
            head.contains("Content-Type: text/html; charset=utf-8"),
            "{head}"
        );
        assert_eq!(body, b"<h1>home</h1>");

        let (status, head, body) = get(&server, "GET /app_bg.wasm?v=1 HTTP/1.1\r\n\r\n");
        assert_eq!(status, 200);
        assert!(head.contains("Content-Type: application/wasm"), "{head}");
        assert_eq!(body, b"\0asm\x01\0\0\0");

        let (status, _, body) = get(&server, "GET /sub%20dir/a.css HTTP/1.1\r\n\r\n");
        assert_eq!(status, 200);
        assert_eq!(body, b"body{}");

        let (status, head, body) = get(&server, "HEAD /index.html HTTP/1.1\r\n\r\n");
        assert_eq!(status, 200);
        assert!(head.contains("Content-Length: 13"), "{head}");
        assert!(body.is_empty());

        let served = server.served();
        assert_eq!(served.len(), 4);
        assert_eq!(served[1].target, "/app_bg.wasm?v=1");
        assert!(server.failures().is_empty());
        drop(server);
        fs::remove_dir_all(site).unwrap();
    }

    #[test]
    fn refuses_missing_files_escapes_and_other_methods() {
        let site = temp_site();
        let server = StaticServer::start(&site).unwrap();
        assert_eq!(get(&server, "GET /nope.js HTTP/1.1\r\n\r\n").0, 404);
        assert_eq!(get(&server, "GET /../etc/passwd HTTP/1.1\r\n\r\n").0, 400);
        assert_eq!(
            get(&server, "GET /%2e%2e/etc/passwd HTTP/1.1\r\n\r\n").0,
            400
        );
        assert_eq!(get(&server, "GET /%zz HTTP/1.1\r\n\r\n").0, 400);
        assert_eq!(get(&server, "GET relative HTTP/1.1\r\n\r\n").0, 400);
        assert_eq!(get(&server, "POST / HTTP/1.1\r\n\r\n").0, 405);
        let statuses: Vec<u16> = server.failures().iter().map(|s| s.status).collect();
        assert_eq!(statuses, [404, 400, 400, 400, 400, 405]);
        drop(server);
        fs::remove_dir_all(site).unwrap();
    }

    #[test]
    fn start_fails_on_a_missing_directory() {
        let missing = std::env::temp_dir().join("ioasid-static-server-does-not-exist");
        let err = StaticServer::start(missing).err().expect("an error");
        assert!(err.to_string().contains("cannot serve"), "{err}");
    }
}
