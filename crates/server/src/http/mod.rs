//! The HTTP API (axum). Handlers parse and check requests, then hand work to the render core;
//! every failure is an [`ApiError`] with a code.
//!
//! | route | module |
//! |---|---|
//! | `GET /healthz`, `GET /metrics` | here |
//! | `GET/POST /v1/components` | [`components`] |
//! | `GET /v1/components/{digest}/frame` | [`frames`] |
//! | `/v1/sessions…` | [`sessions`] (input parsing in [`input`]) |

pub mod components;
pub mod frames;
pub mod input;
pub mod sessions;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, Method, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use tokio::sync::Semaphore;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::registry::Registry;
use crate::render::RenderEngine;
use crate::sessions::Sessions;
use frames::FrameCache;

/// Largest JSON body (session requests, input batches).
pub const MAX_JSON_BODY: usize = 64 * 1024;

/// HTTP-level settings.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Bearer token for `POST /v1/components`; registration is off without one.
    pub token: Option<String>,
    /// Origins allowed by CORS.
    pub cors_origins: Vec<HeaderValue>,
    /// A frame must arrive this long after it was asked for.
    pub frame_timeout: Duration,
    /// Highest `frame=N` the frame endpoint renders.
    pub max_frame_index: u64,
    /// Largest component upload.
    pub max_component_bytes: usize,
    /// Longest a plain request may take.
    pub request_timeout: Duration,
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The render core.
    pub engine: Arc<RenderEngine>,
    /// Registered components.
    pub registry: Arc<Registry>,
    /// Live sessions.
    pub sessions: Arc<Sessions>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Frame endpoint cache.
    pub cache: Arc<FrameCache>,
    /// Bounds concurrent frame-endpoint renders.
    pub renders: Arc<Semaphore>,
    /// Settings.
    pub settings: Arc<HttpSettings>,
}

impl AppState {
    /// Counts a refusal and passes the error on.
    pub fn reject(&self, e: ApiError) -> ApiError {
        self.metrics.rejected(e.code);
        e
    }
}

/// The whole router; `www` is served as the fallback when given.
pub fn router(state: AppState, www: Option<&std::path::Path>) -> Router {
    let timeout = tower_http::timeout::TimeoutLayer::with_status_code(
        axum::http::StatusCode::REQUEST_TIMEOUT,
        state.settings.request_timeout,
    );
    // The upload handler enforces its own limit (and answers before reading an oversized body).
    let upload = Router::new()
        .route("/v1/components", post(components::register))
        .layer(DefaultBodyLimit::disable());
    let plain = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/v1/components", get(components::list))
        .route("/v1/components/{digest}", get(components::show))
        .route("/v1/components/{digest}/frame", get(frames::frame))
        .route("/v1/sessions", post(sessions::open))
        .route(
            "/v1/sessions/{id}",
            get(sessions::show).delete(sessions::close),
        )
        .route("/v1/sessions/{id}/input", post(sessions::input))
        .route("/v1/sessions/{id}/frame", get(sessions::frame))
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY))
        .merge(upload)
        .layer(timeout);
    // The event stream lives as long as the session: no request timeout.
    let streams = Router::new().route("/v1/sessions/{id}/events", get(sessions::events));

    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(state.settings.cors_origins.clone()))
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::IF_NONE_MATCH,
        ])
        .expose_headers([header::ETAG]);

    let mut app = plain.merge(streams).fallback(not_found).with_state(state);
    if let Some(dir) = www {
        app = app.fallback_service(ServeDir::new(dir));
    }
    app.layer(cors).layer(TraceLayer::new_for_http())
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    Json(serde_json::json!({
        "status": "ok",
        "components": state.registry.list().len(),
        "sessions": state.sessions.count(),
    }))
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.encode(),
    )
}

async fn not_found() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "not-found",
        "no such endpoint",
    )
}
