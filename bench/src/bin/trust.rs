//! Native benchmarks of the trust core (`gfx-trust`).
//!
//! ```text
//! cargo run --release -p gfx-bench --bin trust [-- --write BENCHMARKS.md] [--quick]
//! ```
//!
//! Builds synthetic components of 1, 10 and 50 MiB, signs each, then times,
//! with warm-up runs first and the median / p10 / p90 over many runs:
//!
//! * full verification ([`gfx_trust::verify`]): structure walk, digest,
//!   signature and statement checks;
//! * the digest alone ([`Container::parse`] + [`Container::digest`]);
//! * the streaming [`Digester`] fed 64 KiB chunks (what the browser does
//!   while downloading);
//! * raw SHA-256 of the same bytes (the `sha2` crate, via [`Digest::of`]) as
//!   the baseline, and `sha256sum` of the 50 MiB file when available;
//! * signing ([`gfx_trust::sign::sign`]) per size, next to the cost of
//!   copying the file into a new buffer (which signing must do);
//! * the fixed per-signature cost: verifying and signing a tiny component.
//!
//! It prints a Markdown report; `--write PATH` also replaces the section
//! `## Trust core (native)` of that Markdown file (created if missing; a
//! relative PATH is taken from the workspace root). Nothing here asserts on
//! time: the numbers are reported, never judged.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use gfx_trust::container::{Container, COMPONENT_PREAMBLE};
use gfx_trust::digest::Digester;
use gfx_trust::keyring::{KeyEntryDoc, KeyringDoc, ALGORITHM};
use gfx_trust::{leb, Claims, Digest, Keyring, SigningKey, TrustLevel};
use time::OffsetDateTime;

const MIB: usize = 1 << 20;
/// Chunk size fed to the streaming digester.
const STREAM_CHUNK: usize = 64 * 1024;
/// Heading of the section this tool owns in BENCHMARKS.md.
const SECTION_HEADING: &str = "## Trust core (native)";

// ---------------------------------------------------------------------------
// Synthetic components.
// ---------------------------------------------------------------------------

/// Deterministic filler (xorshift64): incompressible, reproducible bytes.
fn fill(out: &mut Vec<u8>, len: usize, state: &mut u64) {
    out.reserve(len);
    let mut left = len;
    while left > 0 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        let bytes = state.to_le_bytes();
        let take = left.min(8);
        out.extend_from_slice(&bytes[..take]);
        left -= take;
    }
}

/// Encoded length of the minimal LEB128 of `v`.
fn leb_len(v: usize) -> usize {
    let mut out = Vec::new();
    leb::write_u32(&mut out, v as u32);
    out.len()
}

/// Appends a section with `id` whose total size (id + size + content) is
/// exactly `total` bytes, filled with pseudo-random content.
fn push_section(file: &mut Vec<u8>, id: u8, total: usize, state: &mut u64) {
    let content = (1..=5)
        .map(|n| total.saturating_sub(1 + n))
        .find(|&c| 1 + leb_len(c) + c == total)
        .unwrap_or_else(|| panic!("no minimal LEB128 section of exactly {total} bytes"));
    file.push(id);
    leb::write_u32(file, content as u32);
    fill(file, content, state);
}

/// An unsigned component of exactly `size` bytes: the component preamble, a
/// small custom section (`bench`), then opaque core-module sections (id 1)
/// of 1 MiB each, the last one taking up the remainder. The trust core does
/// not look inside sections, so their content is pseudo-random bytes.
fn component_of_size(size: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15 ^ size as u64;
    let mut file = Vec::with_capacity(size + 4096);
    file.extend_from_slice(&COMPONENT_PREAMBLE);
    let name = b"bench";
    let meta = b"synthetic component for gfx-bench";
    file.push(0);
    leb::write_u32(&mut file, (1 + name.len() + meta.len()) as u32);
    leb::write_u32(&mut file, name.len() as u32);
    file.extend_from_slice(name);
    file.extend_from_slice(meta);
    while file.len() < size {
        let remaining = size - file.len();
        // Keep the last section at least 1 KiB so it is always encodable.
        let total = if remaining >= MIB + 1024 {
            MIB
        } else {
            remaining
        };
        push_section(&mut file, 1, total, &mut state);
    }
    assert_eq!(file.len(), size);
    file
}

/// A tiny component: preamble plus one small opaque section.
fn tiny_component() -> Vec<u8> {
    let mut file = COMPONENT_PREAMBLE.to_vec();
    file.extend_from_slice(&[0x07, 0x03, 0x01, 0x02, 0x03]);
    file
}

// ---------------------------------------------------------------------------
// Keys, claims, keyring.
// ---------------------------------------------------------------------------

fn signing_key() -> SigningKey {
    SigningKey::from_secret_bytes(&[7; 32]).expect("constant scalar is a valid key")
}

fn unix(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(seconds).expect("constant time is in range")
}

/// Verification time: 2026-06-01T00:00:00Z.
fn now() -> OffsetDateTime {
    unix(1_780_272_000)
}

fn claims() -> Claims {
    Claims {
        level: TrustLevel::PublisherSigned,
        signer: "Bench Graphics".into(),
        name: Some("bench".into()),
        version: Some("1.0.0".into()),
        capabilities: vec!["gpu".into(), "surface".into()],
        issued_at: unix(1_767_225_600),
        expires_at: None,
    }
}

fn keyring(key: &SigningKey) -> Keyring {
    let doc = KeyringDoc {
        keys: vec![KeyEntryDoc {
            key_id: Some(key.public_key().id().to_string()),
            algorithm: ALGORITHM.into(),
            public_key: Some(key.public_key().to_pem()),
            jwk: None,
            max_level: TrustLevel::EnterpriseTrusted,
            label: Some("bench key".into()),
            not_before: None,
            not_after: None,
        }],
        ..KeyringDoc::default()
    };
    Keyring::from_doc(&doc).expect("constant keyring is valid")
}

fn sign(file: &[u8], key: &SigningKey) -> Vec<u8> {
    gfx_trust::sign::sign(file, key, claims(), "bench.wasm").expect("synthetic file is signable")
}

// ---------------------------------------------------------------------------
// Timing.
// ---------------------------------------------------------------------------

/// Warm-up and measured run counts.
#[derive(Clone, Copy)]
struct Runs {
    warmup: usize,
    measured: usize,
}

/// Summary of the measured runs of one benchmark.
#[derive(Clone, Copy, Debug)]
struct Stats {
    runs: usize,
    median: Duration,
    p10: Duration,
    p90: Duration,
}

/// Nearest-rank percentile of sorted samples.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn measure(runs: Runs, mut f: impl FnMut()) -> Stats {
    for _ in 0..runs.warmup {
        f();
    }
    let mut samples: Vec<Duration> = (0..runs.measured)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    samples.sort();
    Stats {
        runs: samples.len(),
        median: percentile(&samples, 50.0),
        p10: percentile(&samples, 10.0),
        p90: percentile(&samples, 90.0),
    }
}

fn mib_per_s(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / MIB as f64 / d.as_secs_f64()
}

fn fmt_duration(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1_000.0 {
        format!("{us:.1} µs")
    } else {
        format!("{:.2} ms", us / 1_000.0)
    }
}

// ---------------------------------------------------------------------------
// The benchmarks.
// ---------------------------------------------------------------------------

/// One row of the results table.
struct Row {
    operation: &'static str,
    /// Bytes processed per run, when a throughput makes sense.
    bytes: Option<usize>,
    size_label: String,
    stats: Stats,
}

impl Row {
    fn throughput(&self) -> Option<f64> {
        self.bytes.map(|b| mib_per_s(b, self.stats.median))
    }
}

struct Results {
    rows: Vec<Row>,
    /// (`sha256sum` stats, file size) for the 50 MiB file, when available.
    sha256sum: Option<(Stats, usize)>,
}

impl Results {
    fn find(&self, operation: &str, size_label: &str) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.operation == operation && r.size_label == size_label)
    }
}

const VERIFY: &str = "verify (full)";
const DIGEST: &str = "digest (parse + SHA-256)";
const STREAM: &str = "streaming Digester, 64 KiB chunks";
const RAW: &str = "raw SHA-256 (sha2 crate)";
const SIGN: &str = "sign";
const COPY: &str = "copy into a new buffer (baseline)";
const VERIFY_TINY: &str = "verify, tiny component";
const SIGN_TINY: &str = "sign, tiny component";

fn runs_for(size_mib: usize, quick: bool) -> Runs {
    let (warmup, measured) = match size_mib {
        0..=1 => (5, 201),
        2..=10 => (3, 51),
        _ => (2, 21),
    };
    if quick {
        Runs {
            warmup: 1,
            measured: (measured / 10).max(3),
        }
    } else {
        Runs { warmup, measured }
    }
}

fn run_benchmarks(sizes_mib: &[usize], quick: bool) -> Results {
    let key = signing_key();
    let ring = keyring(&key);
    let now = now();
    let mut rows = Vec::new();
    let mut sha256sum = None;

    for &size_mib in sizes_mib {
        let label = format!("{size_mib} MiB");
        let runs = runs_for(size_mib, quick);
        let plain = component_of_size(size_mib * MIB);
        let signed = sign(&plain, &key);
        let verdict = gfx_trust::verify(&signed, &ring, now);
        assert!(
            verdict.verified,
            "benchmark component does not verify: {verdict:?}"
        );
        eprintln!("{label}: {} bytes signed", signed.len());

        let mut push = |operation, stats| {
            rows.push(Row {
                operation,
                bytes: Some(signed.len()),
                size_label: label.clone(),
                stats,
            })
        };
        push(
            VERIFY,
            measure(runs, || {
                black_box(gfx_trust::verify(black_box(&signed), &ring, now));
            }),
        );
        push(
            DIGEST,
            measure(runs, || {
                let bytes = black_box(&signed[..]);
                if let Ok(c) = Container::parse(bytes) {
                    black_box(c.digest(bytes));
                }
            }),
        );
        push(
            STREAM,
            measure(runs, || {
                let mut d = Digester::new();
                for chunk in black_box(&signed[..]).chunks(STREAM_CHUNK) {
                    d.update(chunk);
                }
                black_box(d.finish().ok());
            }),
        );
        push(
            RAW,
            measure(runs, || {
                black_box(Digest::of(black_box(&signed[..])));
            }),
        );
        rows.push(Row {
            operation: SIGN,
            bytes: Some(plain.len()),
            size_label: label.clone(),
            stats: measure(runs, || {
                black_box(sign(black_box(&plain), &key));
            }),
        });

        // What sign() pays on top of hashing: writing the signed file into a
        // freshly allocated buffer (page faults included).
        rows.push(Row {
            operation: COPY,
            bytes: Some(plain.len()),
            size_label: label.clone(),
            stats: measure(runs, || {
                black_box(black_box(&plain[..]).to_vec());
            }),
        });

        if size_mib == *sizes_mib.iter().max().unwrap_or(&0) {
            sha256sum = measure_sha256sum(&plain, runs);
        }
    }

    let tiny = tiny_component();
    let tiny_signed = sign(&tiny, &key);
    let runs = Runs {
        warmup: 20,
        measured: if quick { 101 } else { 1001 },
    };
    rows.push(Row {
        operation: VERIFY_TINY,
        bytes: None,
        size_label: format!("{} B", tiny_signed.len()),
        stats: measure(runs, || {
            black_box(gfx_trust::verify(black_box(&tiny_signed), &ring, now));
        }),
    });
    rows.push(Row {
        operation: SIGN_TINY,
        bytes: None,
        size_label: format!("{} B", tiny.len()),
        stats: measure(runs, || {
            black_box(sign(black_box(&tiny), &key));
        }),
    });
    Results { rows, sha256sum }
}

/// Times `sha256sum FILE` (process start included) on a temporary copy of
/// `bytes`, after one untimed run to warm the page cache. `None` when the
/// tool is missing or disagrees with the sha2 crate.
fn measure_sha256sum(bytes: &[u8], runs: Runs) -> Option<(Stats, usize)> {
    let path = std::env::temp_dir().join(format!("gfx-bench-{}.bin", std::process::id()));
    std::fs::write(&path, bytes).ok()?;
    let run = || -> Option<String> {
        let out = Command::new("sha256sum").arg(&path).output().ok()?;
        let text = String::from_utf8(out.stdout).ok()?;
        out.status
            .success()
            .then(|| text.split_whitespace().next().unwrap_or("").to_owned())
    };
    let expected = Digest::of(bytes).hex();
    let result = match run() {
        Some(hex) if hex == expected => {
            let stats = measure(
                Runs {
                    warmup: 1,
                    measured: runs.measured.min(11),
                },
                || {
                    black_box(run());
                },
            );
            Some((stats, bytes.len()))
        }
        Some(hex) => {
            eprintln!("sha256sum disagrees with sha2 ({hex} != {expected}); skipped");
            None
        }
        None => {
            eprintln!("sha256sum not available; skipped");
            None
        }
    };
    let _ = std::fs::remove_file(&path);
    result
}

// ---------------------------------------------------------------------------
// Report.
// ---------------------------------------------------------------------------

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn cpu_has_sha_extensions() -> Option<bool> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let flags = info.lines().find(|l| l.starts_with("flags"))?;
    Some(flags.split_whitespace().any(|f| f == "sha_ni"))
}

fn nproc() -> String {
    Command::new("nproc")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .or_else(|| {
            std::thread::available_parallelism()
                .ok()
                .map(|n| n.to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "unknown".into())
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}×", a / b),
        _ => "n/a".into(),
    }
}

fn report(results: &Results, sizes_mib: &[usize], command: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{SECTION_HEADING}\n");
    let _ = writeln!(
        s,
        "Written by `bench/src/bin/trust.rs` (see `bench/README.md`); re-run it to refresh.\n"
    );
    let sha = match cpu_has_sha_extensions() {
        Some(true) => " (SHA extensions: yes)",
        Some(false) => " (SHA extensions: no)",
        None => "",
    };
    let _ = writeln!(s, "- Date (UTC): {}", utc_now());
    let _ = writeln!(s, "- Command: `{command}`");
    let _ = writeln!(
        s,
        "- Machine: {} CPUs (`nproc`), {}{sha}",
        nproc(),
        cpu_model()
    );
    let _ = writeln!(
        s,
        "- Compiler: {}, release profile (LTO, 1 codegen unit)",
        env!("GFX_BENCH_RUSTC_VERSION")
    );
    let _ = writeln!(
        s,
        "- Inputs: component preamble + a small custom section + opaque 1 MiB core-module sections \
         (pseudo-random bytes), signed once (one ECDSA P-256 signature, publisher-signed); \
         sizes are of the unsigned file (the signature section adds ~1 KiB). \
         1 MiB = 1,048,576 bytes; throughput = bytes / median time."
    );
    let _ = writeln!(
        s,
        "- Each benchmark: warm-up runs, then N timed runs; median, p10 and p90 of the run times.\n"
    );
    let _ = writeln!(
        s,
        "| Operation | Size | Runs | Median | p10 | p90 | Throughput (median) |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|---:|---:|");
    for r in &results.rows {
        let tp = r
            .throughput()
            .map(|t| format!("{t:.0} MiB/s"))
            .unwrap_or_else(|| "–".into());
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.operation,
            r.size_label,
            r.stats.runs,
            fmt_duration(r.stats.median),
            fmt_duration(r.stats.p10),
            fmt_duration(r.stats.p90),
            tp
        );
    }
    if let Some((stats, bytes)) = &results.sha256sum {
        let _ = writeln!(
            s,
            "| `sha256sum` (coreutils, process start included) | {} MiB | {} | {} | {} | {} | {:.0} MiB/s |",
            bytes / MIB,
            stats.runs,
            fmt_duration(stats.median),
            fmt_duration(stats.p10),
            fmt_duration(stats.p90),
            mib_per_s(*bytes, stats.median)
        );
    }

    let _ = writeln!(s, "\nRatios (of median throughputs):\n");
    let _ = writeln!(
        s,
        "| Size | verify ÷ raw SHA-256 | digest ÷ raw SHA-256 | streaming ÷ raw SHA-256 | sign ÷ raw SHA-256 |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|");
    for &size in sizes_mib {
        let label = format!("{size} MiB");
        let tp = |op: &str| results.find(op, &label).and_then(Row::throughput);
        let raw = tp(RAW);
        let _ = writeln!(
            s,
            "| {label} | {} | {} | {} | {} |",
            ratio(tp(VERIFY), raw),
            ratio(tp(DIGEST), raw),
            ratio(tp(STREAM), raw),
            ratio(tp(SIGN), raw),
        );
    }
    let _ = writeln!(s);
    if let (Some((stats, bytes)), Some(max)) = (&results.sha256sum, sizes_mib.iter().max()) {
        let raw = results
            .find(RAW, &format!("{max} MiB"))
            .and_then(Row::throughput);
        let _ = writeln!(
            s,
            "- sha2 crate ÷ `sha256sum` on the same {} MiB file: {}",
            bytes / MIB,
            ratio(raw, Some(mib_per_s(*bytes, stats.median)))
        );
    }
    if let (Some(tiny), Some(one)) = (
        results.rows.iter().find(|r| r.operation == VERIFY_TINY),
        results.find(VERIFY, &format!("{} MiB", sizes_mib[0])),
    ) {
        let _ = writeln!(
            s,
            "- Fixed cost of verifying (tiny component, ECDSA P-256 + JSON): {} median, {:.0}% of verifying {}",
            fmt_duration(tiny.stats.median),
            100.0 * tiny.stats.median.as_secs_f64() / one.stats.median.as_secs_f64(),
            one.size_label
        );
    }
    let _ = writeln!(
        s,
        "- `sign` writes the signed file into a fresh buffer: compare the copy row. Buffers above \
         glibc's 32 MiB mmap threshold are new mappings each time, so their page faults are paid \
         on every run."
    );
    s
}

/// Replaces the section starting at [`SECTION_HEADING`] (up to the next
/// `## ` heading) in `doc`, or appends it.
fn replace_section(doc: &str, section: &str) -> String {
    let section = section.trim_end();
    let mut out = String::new();
    let mut lines = doc.lines().peekable();
    let mut replaced = false;
    while let Some(line) = lines.next() {
        if line.trim_end() == SECTION_HEADING && !replaced {
            out.push_str(section);
            out.push_str("\n\n");
            while lines.peek().is_some_and(|l| !l.starts_with("## ")) {
                lines.next();
            }
            replaced = true;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !replaced {
        if !out.is_empty() && !out.ends_with("\n\n") {
            out.push('\n');
        }
        out.push_str(section);
        out.push('\n');
    }
    out.trim_end().to_owned() + "\n"
}

const NEW_FILE_HEADER: &str = "# Benchmarks\n\n\
Measured results for wasi-gfx-loader. Each section names the tool that wrote it; \
re-run that tool to refresh the section.\n";

fn write_report(path: &Path, section: &str) -> std::io::Result<()> {
    let doc = match std::fs::read_to_string(path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => NEW_FILE_HEADER.to_owned(),
        Err(e) => return Err(e),
    };
    std::fs::write(path, replace_section(&doc, section))
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn main() {
    let mut write: Option<PathBuf> = None;
    let mut quick = false;
    let mut args = std::env::args().skip(1);
    let mut shown_args = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--write" => {
                let Some(p) = args.next() else {
                    eprintln!("--write needs a path");
                    std::process::exit(2);
                };
                shown_args.push(format!("--write {p}"));
                let p = PathBuf::from(p);
                write = Some(if p.is_absolute() {
                    p
                } else {
                    workspace_root().join(p)
                });
            }
            "--quick" => {
                quick = true;
                shown_args.push(arg);
            }
            "-h" | "--help" => {
                println!(
                    "usage: trust [--write BENCHMARKS.md] [--quick]\n\n\
                     --write PATH  replace the `{SECTION_HEADING}` section of PATH \
                     (relative to the workspace root)\n\
                     --quick       few runs, for a smoke test (numbers are noisy)"
                );
                return;
            }
            other => {
                eprintln!("unknown argument `{other}` (try --help)");
                std::process::exit(2);
            }
        }
    }
    let mut command = "cargo run --release -p gfx-bench --bin trust".to_owned();
    if !shown_args.is_empty() {
        command.push_str(" -- ");
        command.push_str(&shown_args.join(" "));
    }
    if cfg!(debug_assertions) {
        eprintln!("warning: debug build; run with --release for meaningful numbers");
    }

    let sizes = [1, 10, 50];
    let results = run_benchmarks(&sizes, quick);
    let section = report(&results, &sizes, &command);
    println!("{section}");
    if let Some(path) = write {
        match write_report(&path, &section) {
            Ok(()) => eprintln!("wrote section `{SECTION_HEADING}` to {}", path.display()),
            Err(e) => {
                eprintln!("cannot write {}: {e}", path.display());
                std::process::exit(1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_components_have_the_exact_size_and_valid_structure() {
        for size in [MIB, 3 * MIB + 12_345, 130, 129 + MIB] {
            let file = component_of_size(size);
            assert_eq!(file.len(), size);
            let c = Container::parse(&file).expect("valid structure");
            assert!(c.signature_payload.is_none());
        }
    }

    #[test]
    fn signed_synthetic_component_verifies() {
        let key = signing_key();
        let signed = sign(&component_of_size(MIB), &key);
        assert!(gfx_trust::verify(&signed, &keyring(&key), now()).verified);
    }

    #[test]
    fn section_is_replaced_in_place_or_appended() {
        let section = format!("{SECTION_HEADING}\n\nnew\n");
        let doc = format!("# B\n\n## Other\n\nkeep\n\n{SECTION_HEADING}\n\nold\n### sub\nold\n\n## Later\n\nkeep too\n");
        let out = replace_section(&doc, &section);
        assert_eq!(
            out,
            format!(
                "# B\n\n## Other\n\nkeep\n\n{SECTION_HEADING}\n\nnew\n\n## Later\n\nkeep too\n"
            )
        );
        assert_eq!(replace_section(&out, &section), out, "idempotent");
        let appended = replace_section(NEW_FILE_HEADER, &section);
        assert!(appended.starts_with(NEW_FILE_HEADER));
        assert!(appended.ends_with("new\n"));
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let s: Vec<Duration> = (1..=10).map(Duration::from_millis).collect();
        assert_eq!(percentile(&s, 50.0), Duration::from_millis(5));
        assert_eq!(percentile(&s, 10.0), Duration::from_millis(1));
        assert_eq!(percentile(&s, 90.0), Duration::from_millis(9));
    }
}
