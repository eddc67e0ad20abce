//! Headless Chromium for the end-to-end tests: starts chromedriver on 127.0.0.1 at a free
//! port, opens a WebDriver session with a fresh profile, and offers the checks every page test
//! wants (page errors, browser console errors, screenshots).
//!
//! A missing browser, driver or `dist/` is a test failure with a message that says what to do,
//! never a skip.
//!
//! ```no_run
//! # async fn demo() {
//! use ioasid_tests::{browser::Browser, dist_dir, static_server::StaticServer};
//! let site = StaticServer::start(dist_dir()).unwrap();
//! let browser = Browser::launch().await;
//! browser.goto(&site.url("/")).await.unwrap();
//! browser.save_screenshot("demo").await;
//! browser.assert_no_errors().await;
//! browser.close().await;
//! # }
//! ```

use std::fs;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::ops::Deref;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};

/// Chromium's flags for every test: headless, and no traffic to outside hosts.
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
];

/// The browser window size for tests and screenshots.
pub const WINDOW_SIZE: (u32, u32) = (1280, 800);

/// How long to wait for chromedriver to listen.
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(30);

/// The Chromium binary: `$CHROMIUM`, else Debian's `/usr/bin/chromium`.
pub fn chromium_path() -> PathBuf {
    env_path("CHROMIUM", "/usr/bin/chromium")
}

/// The chromedriver binary: `$CHROMEDRIVER`, else Debian's `/usr/bin/chromedriver`.
pub fn chromedriver_path() -> PathBuf {
    env_path("CHROMEDRIVER", "/usr/bin/chromedriver")
}

fn env_path(var: &str, default: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => PathBuf::from(default),
    }
}

/// `dist/` (see [`crate::dist_dir`]), checked to hold a built site; panics with what to do
/// when it does not.
pub fn require_dist() -> PathBuf {
    let dist = crate::dist_dir();
    assert!(
        dist.join("index.html").is_file(),
        "FAILED: no built site at {}; build it first with `trunk build --release` \
         (scripts/test and scripts/build do)",
        dist.display()
    );
    dist
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port on 127.0.0.1")
}

/// A directory under the system temp dir, removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates a new, empty directory whose name starts with `prefix`.
    pub fn new(prefix: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "{prefix}-{}-{nanos}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        Self(path)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A chromedriver process listening on 127.0.0.1. Dropping it ends chromedriver and every
/// process it started (it runs in a process group of its own).
#[derive(Debug)]
pub struct ChromeDriver {
    child: Child,
    addr: SocketAddr,
    log_path: PathBuf,
}

impl ChromeDriver {
    /// Starts chromedriver at a free port and waits until it listens.
    pub fn start() -> Self {
        let binary = chromedriver_path();
        assert!(
            binary.is_file(),
            "FAILED: chromedriver not found at {}; install Debian's chromium-driver \
             (scripts/test does) or set CHROMEDRIVER",
            binary.display()
        );
        let port = free_port();
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let log_dir = crate::workspace_root().join("target").join("test-logs");
        let _ = fs::create_dir_all(&log_dir);
        let log_path = log_dir.join(format!("chromedriver-{port}.log"));
        let child = Command::new(&binary)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log_path.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("FAILED: cannot start {}: {e}", binary.display()));
        let mut driver = Self {
            child,
            addr,
            log_path,
        };
        driver.wait_until_listening();
        driver
    }

    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + DRIVER_START_TIMEOUT;
        loop {
            if TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "FAILED: chromedriver exited at start ({status}); its log:\n{}",
                    fs::read_to_string(&self.log_path).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "FAILED: chromedriver did not listen on {} within {:?}",
                self.addr,
                DRIVER_START_TIMEOUT
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The WebDriver URL, e.g. `http://127.0.0.1:9515/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// chromedriver's own log file (under `target/test-logs/`).
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let pgid = self.child.id() as libc::pid_t;
        // SAFETY: killpg only sends a signal to the process group we created for chromedriver.
        unsafe {
            libc::killpg(pgid, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // SAFETY: as above; anything left in the group is ended for good.
        unsafe {
            libc::killpg(pgid, libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

/// A headless Chromium session with a fresh profile. Derefs to [`fantoccini::Client`].
/// Call [`Browser::close`] at the end of a test; dropping it also ends the browser.
pub struct Browser {
    client: Client,
    // Dropped after the client: first the driver and its browser, then the profile.
    driver: ChromeDriver,
    profile: TempDir,
}

impl Deref for Browser {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with [`CHROMIUM_FLAGS`], a fresh
    /// `--user-data-dir` and the browser console log enabled.
    pub async fn launch() -> Self {
        Self::launch_excluding(&[]).await
    }

    /// [`Self::launch`], with chromedriver's own default switches named in `exclude` left
    /// off Chromium's command line (e.g. `allow-file-access-from-files`, so that a page
    /// opened from a file meets the browser's usual refusal).
    pub async fn launch_excluding(exclude: &[&str]) -> Self {
        let chromium = chromium_path();
        assert!(
            chromium.is_file(),
            "FAILED: Chromium not found at {}; install Debian's chromium (scripts/test does) \
             or set CHROMIUM",
            chromium.display()
        );
        let driver = ChromeDriver::start();
        let profile = TempDir::new("ioasid-chromium-profile");
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.push(format!("--window-size={},{}", WINDOW_SIZE.0, WINDOW_SIZE.1));
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium.display().to_string(),
                "args": args,
                "excludeSwitches": exclude,
            },
            "goog:loggingPrefs": { "browser": "ALL" },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!("capabilities are a JSON object")
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&driver.url())
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "FAILED: cannot open a Chromium session through chromedriver: {e}\n\
                     chromedriver log ({}):\n{}",
                    driver.log_path().display(),
                    tail(
                        &fs::read_to_string(driver.log_path()).unwrap_or_default(),
                        40
                    )
                )
            });
        Self {
            client,
            driver,
            profile,
        }
    }

    /// The WebDriver client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The browser's fresh profile directory.
    pub fn profile_dir(&self) -> &Path {
        self.profile.path()
    }

    /// chromedriver's log file.
    pub fn driver_log(&self) -> &Path {
        self.driver.log_path()
    }

    /// Ends the WebDriver session (which quits Chromium), then chromedriver.
    pub async fn close(self) {
        let Self {
            client,
            driver,
            profile,
        } = self;
        if let Err(e) = client.close().await {
            eprintln!("warning: closing the browser session failed: {e}");
        }
        drop(driver);
        drop(profile);
    }

    /// Saves a PNG screenshot of the viewport to `target/screenshots/<name>.png` and returns
    /// its path.
    pub async fn save_screenshot(&self, name: &str) -> PathBuf {
        let png = self
            .client
            .screenshot()
            .await
            .unwrap_or_else(|e| panic!("FAILED: taking screenshot {name}: {e}"));
        let dir = crate::screenshot_dir();
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let path = dir.join(format!("{name}.png"));
        fs::write(&path, png).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        eprintln!("screenshot: {}", path.display());
        path
    }

    /// The errors the page recorded in `window.__errors` (index.html's start-up guard
    /// collects uncaught errors, unhandled rejections, failed loads and `console.error`).
    /// Panics when the page has no such list, i.e. the guard did not run.
    pub async fn page_errors(&self) -> Vec<String> {
        let value = self
            .client
            .execute(
                "return Array.isArray(window.__errors) ? window.__errors : null;",
                vec![],
            )
            .await
            .unwrap_or_else(|e| panic!("FAILED: reading window.__errors: {e}"));
        let list = value
            .as_array()
            .unwrap_or_else(|| panic!("FAILED: the page has no window.__errors list: {value}"));
        list.iter()
            .map(|v| {
                v.as_str()
                    .map(String::from)
                    .unwrap_or_else(|| v.to_string())
            })
            .collect()
    }

    /// The entries of the browser's console log since the last call (chromedriver hands each
    /// entry out once).
    pub async fn console_log(&self) -> Vec<LogEntry> {
        let value = self
            .client
            .issue_cmd(ChromedriverPost {
                path: "se/log",
                body: json!({"type": "browser"}),
            })
            .await
            .unwrap_or_else(|e| panic!("FAILED: reading the browser console log: {e}"));
        let entries = value
            .as_array()
            .unwrap_or_else(|| panic!("FAILED: unexpected browser log: {value}"));
        entries
            .iter()
            .map(|e| LogEntry {
                level: e["level"].as_str().unwrap_or("").to_string(),
                source: e["source"].as_str().unwrap_or("").to_string(),
                message: e["message"].as_str().unwrap_or("").to_string(),
            })
            .collect()
    }

    /// Runs one Chrome DevTools protocol command (through chromedriver), for what WebDriver
    /// cannot do.
    pub async fn devtools(&self, cmd: &str, params: Value) -> Value {
        self.client
            .issue_cmd(ChromedriverPost {
                path: "goog/cdp/execute",
                body: json!({"cmd": cmd, "params": params}),
            })
            .await
            .unwrap_or_else(|e| panic!("FAILED: DevTools command {cmd} {params}: {e}"))
    }

    /// Makes the page see the operating system's colour scheme as `scheme` (`"light"` or
    /// `"dark"`), as when a user flips the OS setting: CSS media queries and
    /// `matchMedia` listeners follow at once.
    pub async fn emulate_color_scheme(&self, scheme: &str) {
        let features = json!([{"name": "prefers-color-scheme", "value": scheme}]);
        self.devtools(
            "Emulation.setEmulatedMedia",
            json!({ "features": features }),
        )
        .await;
    }

    /// Saves the page's downloads into `dir` without asking.
    pub async fn allow_downloads(&self, dir: &Path) {
        let path = dir.to_string_lossy();
        self.devtools(
            "Browser.setDownloadBehavior",
            json!({"behavior": "allow", "downloadPath": path}),
        )
        .await;
    }

    /// Panics listing every page error and every SEVERE console log entry, if there are any.
    /// Drains the console log (see [`Browser::console_log`]).
    pub async fn assert_no_errors(&self) {
        let mut problems: Vec<String> = self
            .page_errors()
            .await
            .into_iter()
            .map(|e| format!("page: {e}"))
            .collect();
        problems.extend(
            self.console_log()
                .await
                .into_iter()
                .filter(LogEntry::is_error)
                .map(|e| format!("console ({}): {}", e.source, e.message)),
        );
        assert!(
            problems.is_empty(),
            "FAILED: the page reported errors:\n  {}",
            problems.join("\n  ")
        );
    }
}

/// One entry of the browser console log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    /// `SEVERE`, `WARNING`, `INFO`, `DEBUG`...
    pub level: String,
    /// Where it came from: `console-api`, `javascript`, `network`...
    pub source: String,
    /// The text.
    pub message: String,
}

impl LogEntry {
    /// Whether this entry is an error.
    pub fn is_error(&self) -> bool {
        self.level == "SEVERE"
    }
}

/// A chromedriver command outside the W3C protocol, which fantoccini has no method for:
/// `POST /session/{id}/{path}` with a JSON body. Used for the browser console log
/// (`se/log`) and the Chrome DevTools protocol (`goog/cdp/execute`).
#[derive(Debug)]
struct ChromedriverPost {
    path: &'static str,
    body: Value,
}

impl WebDriverCompatibleCommand for ChromedriverPost {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.to_string()))
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
