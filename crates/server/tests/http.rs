//! The render server over HTTP on loopback: a real `gfx-render-server` process, real guests,
//! real lavapipe.

mod common;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::{SseReader, TestServer, client, decode, digest, guest, signed};
use gfx_trust::TrustLevel;
use serde_json::{Value, json};

const TOKEN: &str = "test-token-0123456789";

fn server() -> &'static TestServer {
    static SERVER: OnceLock<TestServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        let level = TrustLevel::CommunityVerified;
        let mut tampered = signed("triangle", level);
        // Any appended section changes the digest: the signature no longer matches.
        tampered.extend_from_slice(&[0, 4, 3, b'x', b'y', b'z']);
        TestServer::start(
            &[
                ("animated-clear.wasm", guest("animated-clear")),
                ("triangle.wasm", signed("triangle", level)),
                ("input-echo.wasm", signed("input-echo", level)),
                ("cpu-gradient.wasm", guest("cpu-gradient")),
                ("hostile-spin.wasm", signed("hostile-spin", level)),
                (
                    "hostile-spin-in-start.wasm",
                    signed("hostile-spin-in-start", level),
                ),
                (
                    "hostile-memory-bomb.wasm",
                    signed("hostile-memory-bomb", level),
                ),
                ("tampered.wasm", tampered),
                (
                    "garbage.wasm",
                    b"\0asm\x0d\0\x01\0this is not a component".to_vec(),
                ),
            ],
            &[
                "--token",
                TOKEN,
                // Generous: the tests run in parallel on 2 cores with 20 concurrent sessions and
                // spinning guests; a guest's first activation (adapter, device, shaders on
                // lavapipe) must not be mistaken for a runaway. The hostile guests still end.
                "--cpu-limit",
                "4s",
                "--memory-limit",
                "64MiB",
                "--frame-timeout",
                "30s",
                "--max-frame-index",
                "100",
                "--cors-origin",
                "http://allowed.example",
            ],
        )
    })
}

fn frame_url(name: &str, w: u32, h: u32, n: u64, format: &str) -> String {
    server().url(&format!(
        "/v1/components/{}/frame?width={w}&height={h}&frame={n}&format={format}",
        digest(name)
    ))
}

fn get(url: &str) -> reqwest::blocking::Response {
    client().get(url).send().expect("request")
}

fn error_code(resp: reqwest::blocking::Response) -> (u16, String) {
    let status = resp.status().as_u16();
    let body: Value = resp.json().expect("a JSON error body");
    let code = body["error"]["code"]
        .as_str()
        .expect("error.code")
        .to_string();
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    (status, code)
}

/// Sends raw bytes to the server and returns the status and the body of its answer.
fn raw_request(request: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let addr = server().base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).to_string();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP status in {answer:?}"));
    (status, answer)
}

fn animated_clear_colour(n: u64) -> [u8; 4] {
    let s = (16 * n % 256) as u8;
    [s, 64, 255 - s, 255]
}

fn healthy() {
    let resp = get(&server().url("/healthz"));
    assert_eq!(resp.status(), 200, "the server keeps serving");
}

#[test]
fn components_are_listed_with_their_verified_level_and_reason() {
    let body: Value = get(&server().url("/v1/components")).json().unwrap();
    let list = body["components"].as_array().unwrap();
    let find = |d: &str| list.iter().find(|c| c["digest"] == d).cloned();
    let tri = find(&digest("triangle")).expect("triangle registered");
    assert_eq!(tri["level"], "community-verified");
    assert_eq!(tri["verification"], "verified");
    assert_eq!(tri["name"], "triangle");
    let clear = find(&digest("animated-clear")).expect("animated-clear registered");
    assert_eq!(clear["level"], "untrusted");
    assert_eq!(clear["verification"], "unsigned");
    // The tampered copy is registered, as untrusted, under its own digest.
    let tampered: Vec<_> = list
        .iter()
        .filter(|c| c["verification"] == "signature-invalid")
        .collect();
    assert_eq!(tampered.len(), 1, "{list:?}");
    // Garbage is not registered at all (uploads by other tests may add one more).
    assert!((8..=9).contains(&list.len()), "{list:?}");
}

#[test]
fn animated_clear_frame_n_has_the_guest_formula_colour() {
    for n in [0u64, 1, 5, 17] {
        let resp = get(&frame_url("animated-clear", 96, 64, n, "png"));
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "image/png");
        let img = decode(&resp.bytes().unwrap());
        assert_eq!(img.dimensions(), (96, 64));
        for (x, y) in [(0, 0), (95, 63), (48, 32)] {
            assert_eq!(
                img.get_pixel(x, y).0,
                animated_clear_colour(n),
                "frame {n} ({x},{y})"
            );
        }
    }
}

#[test]
fn triangle_centre_is_red_and_corners_grey_in_every_format() {
    for format in ["png", "webp"] {
        let img = decode(
            &get(&frame_url("triangle", 200, 100, 0, format))
                .bytes()
                .unwrap(),
        );
        assert_eq!(img.get_pixel(100, 50).0, [255, 0, 0, 255], "{format}");
        for (x, y) in [(0, 0), (199, 0), (0, 99), (199, 99)] {
            assert_eq!(
                img.get_pixel(x, y).0,
                [26, 26, 26, 255],
                "{format} ({x},{y})"
            );
        }
    }
    // JPEG is lossy: close, not exact.
    let img = decode(
        &get(&frame_url("triangle", 200, 100, 0, "jpeg"))
            .bytes()
            .unwrap(),
    );
    let close = |a: [u8; 4], b: [u8; 4]| a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 8);
    assert!(close(img.get_pixel(100, 50).0, [255, 0, 0, 255]));
    assert!(close(img.get_pixel(2, 2).0, [26, 26, 26, 255]));
}

#[test]
fn a_frame_buffer_component_renders_over_http() {
    let img = decode(
        &get(&frame_url("cpu-gradient", 64, 32, 2, "png"))
            .bytes()
            .unwrap(),
    );
    assert_eq!(img.get_pixel(10, 20).0, [10, 20, 32, 255]);
    assert_eq!(img.get_pixel(63, 0).0, [63, 0, 32, 255]);
}

#[test]
fn a_frame_is_byte_identical_immutable_and_has_an_etag() {
    let url = frame_url("animated-clear", 64, 64, 3, "png");
    let a = get(&url);
    assert_eq!(a.status(), 200);
    let etag = a.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(
        a.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let a = a.bytes().unwrap();
    let b = get(&url);
    assert_eq!(b.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(b.bytes().unwrap(), a);
    let not_modified = client()
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .unwrap();
    assert_eq!(not_modified.status(), 304);
    // Frame 19 has frame 3's colour (the cycle is 16 frames) and is rendered separately, not
    // served from the cache: the bytes are the same all the same.
    let c = get(&frame_url("animated-clear", 64, 64, 19, "png"));
    assert_eq!(c.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(c.bytes().unwrap(), a);
}

#[test]
fn requests_beyond_the_level_limits_are_refused_with_the_limit_named() {
    // untrusted: 1920x1080, png/jpeg, 10 fps.
    let (status, code) = error_code(get(&frame_url("animated-clear", 1921, 1080, 0, "png")));
    assert_eq!((status, code.as_str()), (422, "resolution-limit"));
    let (status, code) = error_code(get(&frame_url("animated-clear", 64, 64, 0, "webp")));
    assert_eq!((status, code.as_str()), (422, "format-not-allowed"));
    let (status, code) = error_code(get(&frame_url("animated-clear", 0, 64, 0, "png")));
    assert_eq!((status, code.as_str()), (422, "resolution-limit"));
    let (status, code) = error_code(get(&frame_url("animated-clear", 64, 64, 101, "png")));
    assert_eq!((status, code.as_str()), (422, "frame-limit"));
    let (status, code) = error_code(get(&frame_url("animated-clear", 64, 64, 0, "gif")));
    assert_eq!((status, code.as_str()), (400, "unknown-format"));
    let resp = client()
        .post(server().url("/v1/sessions"))
        .json(&json!({"digest": digest("animated-clear"), "width": 64, "height": 64, "fps": 11}))
        .send()
        .unwrap();
    assert_eq!(error_code(resp), (422, "fps-limit".into()));
    // community-verified allows webp and 3840x2160.
    assert_eq!(get(&frame_url("triangle", 64, 64, 0, "webp")).status(), 200);
    let (status, code) = error_code(get(&frame_url("triangle", 3841, 64, 0, "png")));
    assert_eq!((status, code.as_str()), (422, "resolution-limit"));
}

#[test]
fn untrusted_components_beyond_the_complexity_gate_need_review() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.json");
    let mut doc: Value =
        serde_json::from_str(include_str!("../../trust/policy/default.json")).unwrap();
    doc["complexity"]["maxComponentBytes"] = json!("1KiB");
    std::fs::write(&policy, doc.to_string()).unwrap();
    let strict = TestServer::start(
        &[("animated-clear.wasm", guest("animated-clear"))],
        &["--policy", policy.to_str().unwrap()],
    );
    let url = strict.url(&format!(
        "/v1/components/{}/frame?width=64&height=64",
        digest("animated-clear")
    ));
    let (status, code) = error_code(get(&url));
    assert_eq!((status, code.as_str()), (403, "needs-review"));
    let listed: Value = get(&strict.url("/v1/components")).json().unwrap();
    assert_eq!(listed["components"][0]["renderable"], false);
}

#[test]
fn malformed_requests_get_a_json_error_with_a_code() {
    let cases: Vec<(reqwest::blocking::RequestBuilder, u16, &str)> = vec![
        (
            client().get(server().url("/v1/components/sha256:00/frame?width=1&height=1")),
            404,
            "unknown-component",
        ),
        (
            client().get(format!(
                "{}/v1/components/{}/frame?width=x&height=1",
                server().base,
                digest("triangle")
            )),
            400,
            "bad-query",
        ),
        (
            client().get(format!(
                "{}/v1/components/{}/frame?height=1",
                server().base,
                digest("triangle")
            )),
            400,
            "bad-query",
        ),
        (
            client().get(format!(
                "{}/v1/components/{}/frame?width=1&height=1&evil=1",
                server().base,
                digest("triangle")
            )),
            400,
            "bad-query",
        ),
        (
            client()
                .post(server().url("/v1/sessions"))
                .body("{not json"),
            400,
            "bad-request",
        ),
        (
            client()
                .post(server().url("/v1/sessions"))
                .json(&json!({"digest": "x", "width": 1, "height": 1, "extra": 1})),
            400,
            "bad-request",
        ),
        (
            client()
                .post(server().url("/v1/sessions"))
                .json(&json!({"digest": "sha256:00", "width": 1, "height": 1})),
            404,
            "unknown-component",
        ),
        (
            client()
                .post(server().url("/v1/sessions/nope/input"))
                .json(&json!({"type": "pointer-move", "x": 1, "y": 1})),
            404,
            "unknown-session",
        ),
        (
            client().get(server().url("/v1/sessions/nope/events")),
            404,
            "unknown-session",
        ),
        (
            client().delete(server().url("/v1/sessions/nope")),
            404,
            "unknown-session",
        ),
        (
            client().get(server().url("/no/such/thing")),
            404,
            "not-found",
        ),
        (
            client()
                .post(server().url("/v1/sessions"))
                .header("content-type", "application/json")
                .body(vec![b' '; 200 * 1024]),
            413,
            "too-large",
        ),
        (
            client()
                .post(server().url("/v1/sessions"))
                .body(r#"{"digest":"x","width":1,"height":1}"#),
            400,
            "bad-request",
        ),
        (
            client()
                .post(format!("{}/v1/sessions/x/input", server().base))
                .body(vec![b' '; 200 * 1024]),
            404,
            "unknown-session",
        ),
    ];
    for (req, status, code) in cases {
        let (s, c) = error_code(req.send().unwrap());
        assert_eq!((s, c.as_str()), (status, code));
    }
    healthy();
}

#[test]
fn uploads_need_the_token_and_garbage_is_refused() {
    let url = server().url("/v1/components");
    let (s, c) = error_code(client().post(&url).body(guest("triangle")).send().unwrap());
    assert_eq!((s, c.as_str()), (401, "unauthorized"));
    let (s, c) = error_code(
        client()
            .post(&url)
            .bearer_auth("wrong")
            .body(guest("triangle"))
            .send()
            .unwrap(),
    );
    assert_eq!((s, c.as_str()), (401, "unauthorized"));
    for garbage in [
        Vec::new(),
        b"hello".to_vec(),
        b"\0asm\x01\0\0\0".to_vec(), // a core module, not a component
        b"\0asm\x0d\0\x01\0\xff\xff\xff\xff\x0f".to_vec(), // truncated section
        (0..100_000u32).map(|i| (i * 7919 % 251) as u8).collect(),
    ] {
        let (s, c) = error_code(
            client()
                .post(&url)
                .bearer_auth(TOKEN)
                .body(garbage)
                .send()
                .unwrap(),
        );
        assert_eq!((s, c.as_str()), (400, "component-invalid"));
    }
    // An oversized upload is refused from its Content-Length, before the body is read: send only
    // the headers over a raw socket (a client still writing 40 MiB would race the server's reply).
    let (status, body) = raw_request(&format!(
        "POST /v1/components HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/wasm\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        40u64 << 20
    ));
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("\"too-large\""), "{body}");
    // A real component uploads and renders: an unsigned triangle with an extra custom section
    // (so a digest of its own; registering never touches the components other tests use).
    let mut copy = guest("triangle");
    copy.extend_from_slice(&[0, 7, 6, b'u', b'p', b'l', b'o', b'a', b'd']);
    let resp = client()
        .post(&url)
        .bearer_auth(TOKEN)
        .body(copy)
        .send()
        .unwrap();
    assert_eq!(resp.status(), 201);
    let body: Value = resp.json().unwrap();
    assert_eq!(body["component"]["level"], "untrusted");
    assert_eq!(body["component"]["verification"], "unsigned");
    let d = body["component"]["digest"].as_str().unwrap();
    let img = decode(
        &get(&server().url(&format!("/v1/components/{d}/frame?width=40&height=40")))
            .bytes()
            .unwrap(),
    );
    assert_eq!(img.get_pixel(20, 20).0, [255, 0, 0, 255]);
    healthy();
}

fn open_session(name: &str, w: u32, h: u32, fps: u32) -> Value {
    let resp = client()
        .post(server().url("/v1/sessions"))
        .json(&json!({"digest": digest(name), "width": w, "height": h, "fps": fps}))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 201, "{:?}", resp.text());
    resp.json().unwrap()
}

#[test]
fn a_session_streams_frames_and_ends_on_delete() {
    let s = open_session("triangle", 80, 60, 30);
    let id = s["id"].as_str().unwrap();
    let mut events = SseReader::open(&server().url(&format!("/v1/sessions/{id}/events")));
    let mut last = None;
    for _ in 0..5 {
        let (index, img) = events.next_frame();
        assert_eq!(img.dimensions(), (80, 60));
        assert_eq!(img.get_pixel(40, 30).0, [255, 0, 0, 255]);
        assert!(last.is_none_or(|l| index > l));
        last = Some(index);
    }
    let latest = get(&server().url(&format!("/v1/sessions/{id}/frame")));
    assert_eq!(latest.status(), 200);
    assert_eq!(
        decode(&latest.bytes().unwrap()).get_pixel(0, 0).0,
        [26, 26, 26, 255]
    );
    let del = client()
        .delete(server().url(&format!("/v1/sessions/{id}")))
        .send()
        .unwrap();
    assert_eq!(del.status(), 204);
    let end = loop {
        let e = events.next().expect("an end event");
        if e.event != "frame" {
            break e;
        }
    };
    assert_eq!(end.event, "end");
    assert_eq!(end.data["code"], "stopped");
    let deadline = Instant::now() + Duration::from_secs(5);
    while get(&server().url(&format!("/v1/sessions/{id}"))).status() != 404 {
        assert!(
            Instant::now() < deadline,
            "the session is gone after DELETE"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn input_reaches_the_guest() {
    let s = open_session("input-echo", 64, 64, 30);
    let id = s["id"].as_str().unwrap();
    let input = server().url(&format!("/v1/sessions/{id}/input"));
    let mut events = SseReader::open(&server().url(&format!("/v1/sessions/{id}/events")));
    let (_, first) = events.next_frame();
    assert_eq!(
        first.get_pixel(20, 20).0,
        [26, 26, 26, 255],
        "no marker before input"
    );
    let resp = client()
        .post(&input)
        .json(&json!([{"type": "pointer-move", "x": 20.0, "y": 20.0}, {"type": "key-down", "key": "KeyA", "text": "a"}]))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 202);
    // Both events reach the guest; a frame may be rendered between the two (under load the
    // pointer's marker can show one frame before the key's colour), so wait for the final state.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, img) = events.next_frame();
        if img.get_pixel(20, 20).0 == [255, 255, 255, 255]
            && img.get_pixel(50, 50).0 != [26, 26, 26, 255]
        {
            assert_eq!(
                img.get_pixel(50, 50).0,
                [0, 0, 160, 255],
                "one key-down: palette[1]"
            );
            assert_eq!(
                img.get_pixel(11, 11).0,
                [0, 0, 160, 255],
                "outside the 16x16 marker"
            );
            break;
        }
        assert!(Instant::now() < deadline, "input never showed up");
    }
    let (s, c) = error_code(
        client()
            .post(&input)
            .json(&json!({"type": "key-down", "key": "no-such-key"}))
            .send()
            .unwrap(),
    );
    assert_eq!((s, c.as_str()), (400, "bad-input"));
    let (s, c) = error_code(
        client()
            .post(&input)
            .json(&json!({"type": "resize", "width": 5000, "height": 10}))
            .send()
            .unwrap(),
    );
    assert_eq!((s, c.as_str()), (422, "resolution-limit"));
    let (s, c) = error_code(
        client()
            .post(&input)
            .body(vec![b' '; 200 * 1024])
            .send()
            .unwrap(),
    );
    assert_eq!((s, c.as_str()), (413, "too-large"));
    let (s, c) = error_code(client().post(&input).body("[1, 2]").send().unwrap());
    assert_eq!((s, c.as_str()), (400, "bad-input"));
    // A resize reaches the canvas: frames come back at the new size.
    let resp = client()
        .post(&input)
        .json(&json!({"type": "resize", "width": 32, "height": 48}))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 202);
    let deadline = Instant::now() + Duration::from_secs(20);
    while events.next_frame().1.dimensions() != (32, 48) {
        assert!(Instant::now() < deadline, "resize never showed up");
    }
    client()
        .delete(server().url(&format!("/v1/sessions/{id}")))
        .send()
        .unwrap();
}

#[test]
fn hostile_guests_end_only_their_own_session() {
    let good = open_session("triangle", 32, 32, 30);
    let mut good_events = SseReader::open(&server().url(&format!(
        "/v1/sessions/{}/events",
        good["id"].as_str().unwrap()
    )));
    good_events.next_frame();
    for (name, code, frames_first) in [
        ("hostile-spin", "cpu-limit", 5),
        ("hostile-spin-in-start", "cpu-limit", 0),
        ("hostile-memory-bomb", "memory-limit", 0),
    ] {
        let s = open_session(name, 32, 32, 30);
        let mut events = SseReader::open(&server().url(&format!(
            "/v1/sessions/{}/events",
            s["id"].as_str().unwrap()
        )));
        let mut frames = 0;
        let end = loop {
            let e = events.next().expect("an error event");
            if e.event != "frame" {
                break e;
            }
            frames += 1;
        };
        assert_eq!(end.event, "error", "{name}: {end:?}");
        assert_eq!(end.data["code"], code, "{name}: {end:?}");
        assert!(
            frames >= frames_first.min(1) && frames <= frames_first,
            "{name}: {frames} frames"
        );
        // The good session kept going.
        let (_, img) = good_events.next_frame();
        assert_eq!(img.get_pixel(16, 16).0, [255, 0, 0, 255]);
    }
    // The frame endpoint reports the same limits for a single request.
    let (status, code) = error_code(get(&frame_url("hostile-spin", 32, 32, 6, "png")));
    assert_eq!((status, code.as_str()), (422, "cpu-limit"));
    let (status, code) = error_code(get(&frame_url("hostile-memory-bomb", 32, 32, 0, "png")));
    assert_eq!((status, code.as_str()), (422, "memory-limit"));
    healthy();
    client()
        .delete(server().url(&format!("/v1/sessions/{}", good["id"].as_str().unwrap())))
        .send()
        .unwrap();
}

#[test]
fn twenty_concurrent_sessions_deliver_fifty_frames_each() {
    let threads: Vec<_> = (0..20)
        .map(|i| {
            std::thread::spawn(move || {
                let name = if i % 2 == 0 {
                    "triangle"
                } else {
                    "animated-clear"
                };
                let fps = if name == "triangle" { 30 } else { 10 };
                let s = open_session(name, 64, 64, fps);
                let id = s["id"].as_str().unwrap().to_string();
                let mut events =
                    SseReader::open(&server().url(&format!("/v1/sessions/{id}/events")));
                let mut count = 0;
                while count < 50 {
                    let (_, img) = events.next_frame();
                    if name == "triangle" {
                        assert_eq!(img.get_pixel(32, 32).0, [255, 0, 0, 255]);
                    }
                    count += 1;
                }
                client()
                    .delete(server().url(&format!("/v1/sessions/{id}")))
                    .send()
                    .unwrap();
                count
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().expect("no session failed"), 50);
    }
    healthy();
}

#[test]
fn metrics_count_frames_sessions_and_rejections() {
    get(&frame_url("triangle", 16, 16, 0, "png"));
    get(&frame_url("animated-clear", 1921, 1, 0, "png"));
    let text = get(&server().url("/metrics")).text().unwrap();
    for needle in [
        "gfx_frames_rendered_total{kind=\"frame\"}",
        "gfx_render_latency_seconds_bucket",
        "gfx_sessions_active",
        "gfx_rejections_total{code=\"resolution-limit\"}",
    ] {
        assert!(text.contains(needle), "{needle} missing from\n{text}");
    }
}

#[test]
fn cors_allows_only_the_listed_origins() {
    let url = server().url("/v1/components");
    let ok = client()
        .get(&url)
        .header("origin", "http://allowed.example")
        .send()
        .unwrap();
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "http://allowed.example"
    );
    let other = client()
        .get(&url)
        .header("origin", "http://evil.example")
        .send()
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[test]
fn idle_sessions_time_out_and_free_their_slot() {
    let quick = TestServer::start(
        &[(
            "triangle.wasm",
            signed("triangle", TrustLevel::CommunityVerified),
        )],
        &["--idle-timeout", "1s", "--max-sessions", "1"],
    );
    let open = || {
        client()
            .post(quick.url("/v1/sessions"))
            .json(&json!({"digest": digest("triangle"), "width": 16, "height": 16}))
            .send()
            .unwrap()
    };
    let resp = open();
    assert_eq!(resp.status(), 201);
    let id = resp.json::<Value>().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(error_code(open()), (429, "too-many-sessions".into()));
    let deadline = Instant::now() + Duration::from_secs(10);
    while get(&quick.url(&format!("/v1/sessions/{id}"))).status() != 404 {
        assert!(Instant::now() < deadline, "the idle session never ended");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(open().status(), 201, "the slot is free again");
}
