//! `gfx-render-server`: renders signed wasi-gfx components headlessly and serves their frames.
//!
//! Layers, one module each, data flowing one way:
//!
//! - [`render`] runs one component (wasmtime + the published `wasi:webgpu` host on wgpu + our
//!   headless surface) under memory and CPU limits. It knows nothing of HTTP or trust.
//! - [`registry`] verifies (`gfx-trust`), decides (policy) and compiles components, once each.
//! - [`sessions`] keeps live sessions: a server clock ticks the guest, frames are broadcast.
//! - [`http`] is the API: it parses, checks policy limits, and hands work to the layers above.
//!   Every error is an [`error::ApiError`] with a code; [`metrics`] counts what happens.

pub mod error;
pub mod http;
pub mod metrics;
pub mod registry;
pub mod render;
pub mod sessions;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use gfx_trust::{Keyring, Policy};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use http::{AppState, HttpSettings};
use metrics::Metrics;
use registry::{DefaultLimits, Registry};
use render::RenderEngine;
use sessions::{SessionSettings, Sessions};

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Trusted keys.
    pub keyring: Keyring,
    /// Policy in force.
    pub policy: Policy,
    /// Components to register at start.
    pub components: Option<PathBuf>,
    /// Static directory served from the same origin.
    pub www: Option<PathBuf>,
    /// HTTP settings.
    pub http: HttpSettings,
    /// Session settings.
    pub sessions: SessionSettings,
    /// Limits for levels whose policy gives none.
    pub defaults: DefaultLimits,
    /// Concurrent frame-endpoint renders.
    pub max_renders: usize,
    /// Bytes of encoded frames kept by the frame cache.
    pub cache_bytes: usize,
    /// Where compiled components are cached across restarts.
    pub compile_cache: render::CompileCache,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The render core failed to initialise.
    #[error(transparent)]
    Render(#[from] render::RenderError),
    /// The components directory could not be read.
    #[error("cannot read the components directory {path}: {source}")]
    Components {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// Serving failed.
    #[error("server error: {0}")]
    Serve(std::io::Error),
}

/// A bound, ready server.
pub struct Server {
    listener: TcpListener,
    app: axum::Router,
    /// The address actually bound (useful with port 0).
    pub local_addr: SocketAddr,
}

impl Server {
    /// Builds the render core, registers the components directory, and binds the address.
    pub async fn bind(config: ServerConfig) -> Result<Server, StartError> {
        let cache = config.compile_cache.clone();
        let engine = Arc::new(
            tokio::task::spawn_blocking(move || RenderEngine::with_compile_cache(&cache))
                .await
                .map_err(|e| render::RenderError::Internal(format!("engine task: {e}")))??,
        );
        let metrics = Arc::new(Metrics::new());
        let registry = Arc::new(Registry::new(
            config.keyring,
            config.policy,
            config.defaults,
        ));
        if let Some(dir) = config.components.clone() {
            let (r, e) = (Arc::clone(&registry), Arc::clone(&engine));
            let d = dir.clone();
            let n = tokio::task::spawn_blocking(move || r.register_dir(&e, &d))
                .await
                .map_err(|e| render::RenderError::Internal(format!("registration task: {e}")))?
                .map_err(|source| StartError::Components {
                    path: dir.clone(),
                    source,
                })?;
            tracing::info!(dir = %dir.display(), count = n, "components registered");
        }
        let sessions = Sessions::new(config.sessions, Arc::clone(&metrics));
        tokio::spawn(Arc::clone(&sessions).reap_idle());
        let state = AppState {
            engine,
            registry,
            sessions,
            metrics,
            cache: Arc::new(http::frames::FrameCache::new(config.cache_bytes)),
            renders: Arc::new(Semaphore::new(config.max_renders.max(1))),
            settings: Arc::new(config.http),
        };
        let app = http::router(state, config.www.as_deref());
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| StartError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let local_addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })?;
        Ok(Server {
            listener,
            app,
            local_addr,
        })
    }

    /// Serves until `shutdown` resolves.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartError> {
        use axum::serve::ListenerExt as _;
        // Frames are many small SSE writes: without TCP_NODELAY they wait for the client's
        // delayed ACK and arrive in bursts ~40 ms apart (measured by bench --bin server).
        let listener = self.listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!("TCP_NODELAY not set: {e}");
            }
        });
        axum::serve(listener, self.app)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(StartError::Serve)
    }
}

/// Default limits when the policy gives a level none.
pub const DEFAULT_MEMORY: u64 = 256 << 20;
/// Default CPU limit per activation when the policy gives a level none.
pub const DEFAULT_CPU: Duration = Duration::from_secs(2);
