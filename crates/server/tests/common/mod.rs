//! Shared helpers for the server's integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A built guest from `guests/dist/` (built by `scripts/build-guests.sh`; `npm test` builds them
/// first). Missing guests fail the test: they never skip it.
pub fn guest(name: &str) -> Vec<u8> {
    let path = root().join("guests/dist").join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run scripts/build-guests.sh first)",
            path.display()
        )
    })
}

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use gfx_trust::keyring::{KeyEntryDoc, KeyringDoc};
use gfx_trust::{Claims, SigningKey, TrustLevel};

/// The signing key of the test publisher.
pub fn publisher() -> SigningKey {
    SigningKey::from_secret_bytes(&[42; 32]).expect("a valid scalar")
}

/// A keyring trusting [`publisher`] up to enterprise-trusted.
pub fn keyring_json() -> String {
    let key = publisher();
    let doc = KeyringDoc {
        sequence: 1,
        keys: vec![KeyEntryDoc {
            key_id: None,
            algorithm: "ecdsa-p256-sha256".into(),
            public_key: Some(key.public_key().to_pem()),
            jwk: None,
            max_level: TrustLevel::EnterpriseTrusted,
            label: Some("test publisher".into()),
            not_before: None,
            not_after: None,
        }],
        ..KeyringDoc::default()
    };
    doc.to_json_pretty()
}

/// `bytes` signed by [`publisher`] at `level`.
pub fn signed(name: &str, level: TrustLevel) -> Vec<u8> {
    let claims = Claims {
        level,
        signer: "Test Publisher".into(),
        name: Some(name.into()),
        version: Some("1.0.0".into()),
        capabilities: vec![],
        issued_at: time::OffsetDateTime::now_utc() - time::Duration::hours(1),
        expires_at: None,
    };
    gfx_trust::sign::sign(&guest(name), &publisher(), claims, name).expect("signs")
}

/// The digest (`sha256:…`) of a guest.
pub fn digest(name: &str) -> String {
    let bytes = guest(name);
    let container = gfx_trust::container::Container::parse(&bytes).expect("a component");
    container.digest(&bytes).to_string()
}

static CHILDREN: Mutex<Vec<u32>> = Mutex::new(Vec::new());

extern "C" fn kill_children() {
    if let Ok(pids) = CHILDREN.lock() {
        for pid in pids.iter() {
            // SAFETY: kill(2) with a pid we spawned; no memory is touched.
            unsafe {
                libc::kill(*pid as libc::pid_t, libc::SIGKILL);
            }
        }
    }
}

/// A real `gfx-render-server` process on a loopback port, with its own temporary directory.
pub struct TestServer {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Keeps the keyring and components alive.
    pub dir: tempfile::TempDir,
    /// Captured stderr (logs).
    pub log: std::sync::Arc<Mutex<String>>,
}

impl TestServer {
    /// Starts the server with `components` (file name, bytes) and extra arguments.
    pub fn start(components: &[(&str, Vec<u8>)], extra: &[&str]) -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let keyring = dir.path().join("keyring.json");
        std::fs::write(&keyring, keyring_json()).expect("write keyring");
        let comps = dir.path().join("components");
        std::fs::create_dir(&comps).expect("mkdir");
        for (name, bytes) in components {
            std::fs::write(comps.join(name), bytes).expect("write component");
        }
        let cache = dir.path().join("mesa-cache");
        // One wasmtime compile cache for all test servers of this build: later servers start fast.
        let compiled = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wasmtime-cache");
        let mut child = Command::new(env!("CARGO_BIN_EXE_gfx-render-server"))
            .args(["--listen", "127.0.0.1:0", "--keyring"])
            .arg(&keyring)
            .arg("--components")
            .arg(&comps)
            .arg("--compile-cache")
            .arg(&compiled)
            .args(extra)
            .env("MESA_SHADER_CACHE_DIR", &cache)
            .env("RUST_LOG", "gfx_render_server=info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the server binary starts");
        {
            let mut pids = CHILDREN.lock().unwrap();
            if pids.is_empty() {
                // SAFETY: registering a plain extern "C" fn with atexit.
                unsafe {
                    libc::atexit(kill_children);
                }
            }
            pids.push(child.id());
        }
        let log = std::sync::Arc::new(Mutex::new(String::new()));
        {
            let mut stderr = child.stderr.take().expect("stderr");
            let log = log.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = stderr.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    log.lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            });
        }
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read stdout");
        let Some(addr) = line.trim().strip_prefix("gfx-render-server listening on ") else {
            let _ = child.kill();
            std::thread::sleep(Duration::from_millis(200));
            panic!("server did not start: {line:?}\n{}", log.lock().unwrap());
        };
        TestServer {
            child,
            base: addr.to_string(),
            dir,
            log,
        }
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A blocking HTTP client with a generous timeout.
pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("client")
}

/// Decodes a PNG/JPEG/WebP into RGBA.
pub fn decode(bytes: &[u8]) -> image::RgbaImage {
    image::load_from_memory(bytes).expect("an image").to_rgba8()
}

/// One server-sent event.
#[derive(Debug, Clone)]
pub struct Sse {
    /// `event:` field.
    pub event: String,
    /// `data:` field, parsed.
    pub data: serde_json::Value,
}

/// Reads server-sent events from a streaming response.
pub struct SseReader {
    lines: std::io::Lines<BufReader<reqwest::blocking::Response>>,
}

impl SseReader {
    /// Opens `url` as an event stream.
    pub fn open(url: &str) -> SseReader {
        let resp = reqwest::blocking::Client::builder()
            .timeout(None)
            .build()
            .expect("client")
            .get(url)
            .send()
            .expect("events request");
        assert_eq!(resp.status(), 200, "events status");
        SseReader {
            lines: BufReader::new(resp).lines(),
        }
    }

    /// The next event, or `None` when the stream ends.
    pub fn next(&mut self) -> Option<Sse> {
        let mut event = String::from("message");
        let mut data = String::new();
        loop {
            let line = self.lines.next()?.ok()?;
            if line.is_empty() {
                if data.is_empty() {
                    continue;
                }
                let data = serde_json::from_str(&data).expect("event data is JSON");
                return Some(Sse { event, data });
            }
            if let Some(v) = line.strip_prefix("event:") {
                event = v.trim().to_string();
            } else if let Some(v) = line.strip_prefix("data:") {
                data.push_str(v.trim_start());
            }
        }
    }

    /// The next `frame` event's decoded image (fails on `error`/`end`).
    pub fn next_frame(&mut self) -> (u64, image::RgbaImage) {
        use base64::Engine as _;
        let e = self.next().expect("the stream goes on");
        assert_eq!(e.event, "frame", "expected a frame, got {e:?}");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(e.data["data"].as_str().expect("data"))
            .expect("base64");
        (e.data["index"].as_u64().expect("index"), decode(&bytes))
    }
}
