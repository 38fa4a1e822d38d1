//! `GET /v1/components/{digest}/frame`: the (N+1)-th frame a component presents, deterministic,
//! content-addressed and cached.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gfx_trust::policy::ImageFormat;
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use super::AppState;
use crate::error::ApiError;
use crate::render::RunSpec;
use crate::render::frame::media_type;

/// How long a frame request waits for a free renderer before giving up.
const QUEUE_WAIT: Duration = Duration::from_secs(30);

/// Query of the frame endpoint.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameQuery {
    /// Canvas width.
    pub width: u32,
    /// Canvas height.
    pub height: u32,
    /// Which presented frame (0 = first).
    #[serde(default)]
    pub frame: u64,
    /// `png` (default), `jpeg` or `webp`.
    #[serde(default)]
    pub format: Option<String>,
}

/// Parses a format name.
pub fn parse_format(name: Option<&str>) -> Result<ImageFormat, ApiError> {
    match name.unwrap_or("png") {
        "png" => Ok(ImageFormat::Png),
        "jpeg" | "jpg" => Ok(ImageFormat::Jpeg),
        "webp" => Ok(ImageFormat::Webp),
        other => Err(ApiError::bad_request(
            "unknown-format",
            format!("unknown format {other:?}; use png, jpeg or webp"),
        )),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    digest: String,
    width: u32,
    height: u32,
    frame: u64,
    format: ImageFormat,
}

/// An encoded frame and its entity tag.
pub struct Cached {
    bytes: Arc<Vec<u8>>,
    etag: HeaderValue,
    format: ImageFormat,
}

/// Frames already rendered, bounded by total bytes (oldest out first).
pub struct FrameCache {
    capacity: usize,
    inner: Mutex<CacheInner>,
}

#[derive(Default)]
struct CacheInner {
    map: HashMap<Key, Arc<Cached>>,
    order: VecDeque<Key>,
    bytes: usize,
}

impl FrameCache {
    /// A cache holding at most `capacity` bytes of encoded frames.
    pub fn new(capacity: usize) -> Self {
        FrameCache {
            capacity,
            inner: Mutex::new(CacheInner::default()),
        }
    }

    fn get(&self, key: &Key) -> Option<Arc<Cached>> {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .map
            .get(key)
            .cloned()
    }

    fn put(&self, key: Key, value: Arc<Cached>) {
        let size = value.bytes.len();
        if size > self.capacity {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.map.contains_key(&key) {
            return;
        }
        while inner.bytes + size > self.capacity {
            let Some(old) = inner.order.pop_front() else {
                break;
            };
            if let Some(v) = inner.map.remove(&old) {
                inner.bytes -= v.bytes.len();
            }
        }
        inner.bytes += size;
        inner.order.push_back(key.clone());
        inner.map.insert(key, value);
    }
}

fn respond(cached: &Cached, headers: &HeaderMap) -> Response {
    let common = [
        (header::ETAG, cached.etag.clone()),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        ),
    ];
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == cached.etag || t.trim() == "*")
        });
    if matches {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (
        StatusCode::OK,
        common,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(media_type(cached.format)),
        )],
        cached.bytes.as_ref().clone(),
    )
        .into_response()
}

/// The handler.
pub async fn frame(
    State(state): State<AppState>,
    Path(digest): Path<String>,
    query: Result<Query<FrameQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Query(q) =
        query.map_err(|e| state.reject(ApiError::bad_request("bad-query", e.body_text())))?;
    let format = parse_format(q.format.as_deref()).map_err(|e| state.reject(e))?;
    let component = state
        .registry
        .get(&digest)
        .ok_or_else(|| state.reject(ApiError::unknown_component(&digest)))?;
    component
        .check(q.width, q.height, None, format)
        .map_err(|e| state.reject(e))?;
    if q.frame > state.settings.max_frame_index {
        return Err(state.reject(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "frame-limit",
            format!(
                "frame {} is beyond this server's limit of {}",
                q.frame, state.settings.max_frame_index
            ),
        )));
    }

    let key = Key {
        digest: component.digest.clone(),
        width: q.width,
        height: q.height,
        frame: q.frame,
        format,
    };
    if let Some(hit) = state.cache.get(&key) {
        state.metrics.cache_hit();
        return Ok(respond(&hit, &headers));
    }

    let _permit = tokio::time::timeout(QUEUE_WAIT, state.renders.acquire())
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| {
            state.reject(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "every renderer is busy; try again later",
            ))
        })?;
    let started = Instant::now();
    let mut run = state.engine.spawn(
        &component.component,
        RunSpec {
            width: q.width,
            height: q.height,
            limits: component.limits,
            label: format!(
                "frame {}",
                &component.digest[7..15.min(component.digest.len())]
            ),
        },
    )?;
    let frame = match run.nth_frame(q.frame, state.settings.frame_timeout).await {
        Ok(f) => f,
        Err(e) => {
            state.metrics.guest_failed(e.code());
            tracing::warn!(digest = %component.digest, code = e.code(), "frame render failed: {e}");
            return Err(e.into());
        }
    };
    drop(run);
    let bytes = tokio::task::spawn_blocking(move || frame.encode(format))
        .await
        .map_err(|e| ApiError::internal(format!("encoder task: {e}")))?
        .map_err(|e| ApiError::internal(e.to_string()))?;
    state.metrics.frame("frame", started.elapsed());
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&bytes)[..16]));
    let cached = Arc::new(Cached {
        bytes: Arc::new(bytes),
        etag: HeaderValue::from_str(&etag).map_err(|e| ApiError::internal(e.to_string()))?,
        format,
    });
    state.cache.put(key, Arc::clone(&cached));
    Ok(respond(&cached, &headers))
}
