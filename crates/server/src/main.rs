//! `gfx-render-server` — renders signed wasi-gfx WebAssembly components headlessly (wasmtime +
//! wgpu; Mesa's lavapipe where there is no GPU) and serves their frames over HTTP.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use axum::http::HeaderValue;
use clap::Parser;
use gfx_render_server::http::HttpSettings;
use gfx_render_server::registry::DefaultLimits;
use gfx_render_server::render::CompileCache;
use gfx_render_server::sessions::SessionSettings;
use gfx_render_server::{Server, ServerConfig};
use gfx_trust::policy::{ByteSize, Millis};
use gfx_trust::{Keyring, Policy};

/// Render server for signed wasi-gfx components.
///
/// Every `*.wasm` in --components is verified against --keyring and registered at start (unsigned
/// or invalid components as `untrusted`, with the reason logged). Frames are rendered per the
/// policy of each component's effective trust level: resolution, fps, formats, and a complexity
/// gate for server-only levels.
///
/// Endpoints: GET /healthz · GET /metrics · GET|POST /v1/components ·
/// GET /v1/components/{digest}/frame?width=&height=&frame=N&format=png|jpeg|webp ·
/// POST /v1/sessions · GET /v1/sessions/{id}/events (SSE) · POST /v1/sessions/{id}/input ·
/// GET /v1/sessions/{id}/frame · DELETE /v1/sessions/{id}
///
/// Logs go to stderr; set RUST_LOG (e.g. RUST_LOG=gfx_render_server=debug) to change the level.
#[derive(Debug, Parser)]
#[command(version, max_term_width = 100)]
struct Cli {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Keyring JSON (the format `gfx-sign keyring` writes).
    #[arg(long, value_name = "KEYRING.json")]
    keyring: PathBuf,
    /// Directory whose `*.wasm` components are registered at start.
    #[arg(long, value_name = "DIR")]
    components: Option<PathBuf>,
    /// Policy (JSON or YAML) replacing the embedded default.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Static directory served from the same origin (e.g. the demo page).
    #[arg(long, value_name = "DIR")]
    www: Option<PathBuf>,
    /// Origin allowed by CORS (repeatable), e.g. https://example.com.
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    cors_origins: Vec<String>,
    /// Bearer token that allows `POST /v1/components`; uploads are refused without one.
    #[arg(long, env = "GFX_RENDER_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Most live sessions at once.
    #[arg(long, default_value_t = 32)]
    max_sessions: usize,
    /// Most frame-endpoint renders at once.
    #[arg(long, default_value_t = 4)]
    max_renders: usize,
    /// A session with no viewer and no input for this long ends.
    #[arg(long, default_value = "60s", value_parser = parse_millis)]
    idle_timeout: Millis,
    /// A guest must present each frame within this long.
    #[arg(long, default_value = "20s", value_parser = parse_millis)]
    frame_timeout: Millis,
    /// Longest plain request (not event streams).
    #[arg(long, default_value = "120s", value_parser = parse_millis)]
    request_timeout: Millis,
    /// Memory limit for guests of levels whose policy sets none.
    #[arg(long, default_value = "256MiB", value_parser = parse_bytes)]
    memory_limit: ByteSize,
    /// CPU limit per activation for guests of levels whose policy sets none.
    #[arg(long, default_value = "2s", value_parser = parse_millis)]
    cpu_limit: Millis,
    /// Highest frame index the frame endpoint renders.
    #[arg(long, default_value_t = 3600)]
    max_frame_index: u64,
    /// Directory for compiled components, kept across restarts (default: wasmtime's cache
    /// directory under ~/.cache).
    #[arg(long, value_name = "DIR", conflicts_with = "no_compile_cache")]
    compile_cache: Option<PathBuf>,
    /// Compile every component at every start instead.
    #[arg(long)]
    no_compile_cache: bool,
    /// Bytes of encoded frames the frame cache keeps.
    #[arg(long, default_value = "64MiB", value_parser = parse_bytes)]
    cache: ByteSize,
}

fn parse_millis(s: &str) -> Result<Millis, String> {
    s.parse()
}

fn parse_bytes(s: &str) -> Result<ByteSize, String> {
    s.parse()
}

fn config(cli: Cli) -> Result<ServerConfig, String> {
    let keyring_bytes = std::fs::read(&cli.keyring)
        .map_err(|e| format!("cannot read the keyring {}: {e}", cli.keyring.display()))?;
    let keyring = Keyring::from_json(&keyring_bytes)
        .map_err(|e| format!("invalid keyring {}: {e}", cli.keyring.display()))?;
    let policy = match &cli.policy {
        None => Policy::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the policy {}: {e}", path.display()))?;
            Policy::parse(&text).map_err(|e| format!("invalid policy {}: {e}", path.display()))?
        }
    };
    let cors_origins = cli
        .cors_origins
        .iter()
        .map(|o| HeaderValue::from_str(o).map_err(|_| format!("invalid --cors-origin {o:?}")))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(dir) = cli.www.as_ref().filter(|d| !d.is_dir()) {
        return Err(format!("--www {} is not a directory", dir.display()));
    }
    let max_component_bytes = usize::try_from(policy.complexity.max_component_bytes.0)
        .unwrap_or(usize::MAX)
        .saturating_add(1 << 20);
    let ms = |m: Millis| Duration::from_millis(m.0);
    Ok(ServerConfig {
        listen: cli.listen,
        keyring,
        policy,
        components: cli.components,
        www: cli.www,
        http: HttpSettings {
            token: cli.token.filter(|t| !t.is_empty()),
            cors_origins,
            frame_timeout: ms(cli.frame_timeout),
            max_frame_index: cli.max_frame_index,
            max_component_bytes,
            request_timeout: ms(cli.request_timeout),
        },
        sessions: SessionSettings {
            max_sessions: cli.max_sessions,
            idle_timeout: ms(cli.idle_timeout),
            frame_timeout: ms(cli.frame_timeout),
        },
        defaults: DefaultLimits {
            memory: cli.memory_limit.0,
            cpu: ms(cli.cpu_limit),
        },
        max_renders: cli.max_renders,
        cache_bytes: usize::try_from(cli.cache.0).unwrap_or(usize::MAX),
        compile_cache: match (cli.no_compile_cache, cli.compile_cache) {
            (true, _) => CompileCache::Off,
            (false, Some(dir)) => CompileCache::Dir(dir),
            (false, None) => CompileCache::Default,
        },
    })
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                "gfx_render_server=info,tower_http=warn,wgpu_core=warn,wgpu_hal=warn".into()
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = match config(cli) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("gfx-render-server: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("gfx-render-server: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let server = Server::bind(config).await?;
        // Scripts wait for this line (stdout) to know the server is up.
        println!(
            "gfx-render-server listening on http://{}",
            server.local_addr
        );
        server.serve(shutdown_signal()).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gfx-render-server: {e}");
            ExitCode::FAILURE
        }
    }
}
