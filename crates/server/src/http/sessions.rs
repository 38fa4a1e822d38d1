//! `POST /v1/sessions`, `GET /v1/sessions/{id}/events` (SSE), `POST /v1/sessions/{id}/input`,
//! `GET /v1/sessions/{id}/frame`, `GET`/`DELETE /v1/sessions/{id}`.

use std::convert::Infallible;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use futures::Stream;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use super::AppState;
use super::frames::parse_format;
use super::input::parse_body;
use crate::error::ApiError;
use crate::sessions::{Session, SessionEvent};

/// Body of `POST /v1/sessions`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenRequest {
    /// Component digest.
    pub digest: String,
    /// Canvas width.
    pub width: u32,
    /// Canvas height.
    pub height: u32,
    /// `png` (default), `jpeg` or `webp`.
    #[serde(default)]
    pub format: Option<String>,
    /// Frames per second (default: the level's maximum, at most 30).
    #[serde(default)]
    pub fps: Option<u32>,
}

fn describe(s: &Session) -> serde_json::Value {
    let id = &s.id;
    serde_json::json!({
        "id": id,
        "events": format!("/v1/sessions/{id}/events"),
        "input": format!("/v1/sessions/{id}/input"),
        "frame": format!("/v1/sessions/{id}/frame"),
        "digest": s.component.digest,
        "level": s.component.decision.level,
        "format": s.format.as_str(),
        "fps": s.fps,
        "frames": s.frame_count(),
    })
}

/// Opens a session.
pub async fn open(
    State(state): State<AppState>,
    body: Result<Json<OpenRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) =
        body.map_err(|e| state.reject(ApiError::from_rejection(e.status(), e.body_text())))?;
    let format = parse_format(req.format.as_deref()).map_err(|e| state.reject(e))?;
    let component = state
        .registry
        .get(&req.digest)
        .ok_or_else(|| state.reject(ApiError::unknown_component(&req.digest)))?;
    let max_fps = component.decision.server_limits.max_fps;
    let fps = req.fps.unwrap_or(max_fps.min(30));
    component
        .check(req.width, req.height, Some(fps), format)
        .map_err(|e| state.reject(e))?;
    let session = state
        .sessions
        .open(&state.engine, component, req.width, req.height, format, fps)
        .map_err(|e| state.reject(e))?;
    tracing::info!(session = %session.id, digest = %session.component.digest, width = req.width, height = req.height, fps, "session opened");
    let location = HeaderValue::from_str(&format!("/v1/sessions/{}", session.id))
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(describe(&session)),
    )
        .into_response())
}

/// Describes a live session.
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let s = state.sessions.get(&id).map_err(|e| state.reject(e))?;
    Ok(Json(describe(&s)))
}

/// Ends a session.
pub async fn close(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let s = state.sessions.get(&id).map_err(|e| state.reject(e))?;
    s.stop("stopped");
    Ok(StatusCode::NO_CONTENT)
}

/// The latest frame of a session.
pub async fn frame(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let s = state.sessions.get(&id).map_err(|e| state.reject(e))?;
    let Some(f) = s.latest() else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no-frame-yet",
            "the session has not presented a frame yet",
        ));
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(f.mime)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        f.bytes.as_ref().clone(),
    )
        .into_response())
}

/// Forwards input events.
pub async fn input(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let s = state.sessions.get(&id).map_err(|e| state.reject(e))?;
    let body =
        body.map_err(|e| state.reject(ApiError::from_rejection(e.status(), e.body_text())))?;
    let events = parse_body(&body).map_err(|e| state.reject(e))?;
    let limits = &s.component;
    let inputs = events
        .into_iter()
        .map(|e| e.into_input(|w, h| limits.check(w, h, None, s.format)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| state.reject(e))?;
    let n = inputs.len();
    s.input(inputs).map_err(|e| state.reject(e))?;
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "accepted": n })),
    ))
}

fn to_sse(event: &SessionEvent) -> Event {
    match event {
        SessionEvent::Frame(f) => {
            let data = serde_json::json!({
                "index": f.index,
                "width": f.width,
                "height": f.height,
                "mime": f.mime,
                "data": base64::engine::general_purpose::STANDARD.encode(f.bytes.as_ref()),
            });
            Event::default()
                .event("frame")
                .id(f.index.to_string())
                .data(data.to_string())
        }
        SessionEvent::Ended {
            code,
            message,
            error,
        } => Event::default()
            .event(if *error { "error" } else { "end" })
            .data(serde_json::json!({ "code": code, "message": message }).to_string()),
    }
}

/// The session's event stream: `frame` events, then `end` or `error`.
pub async fn events(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let s = state.sessions.get(&id).map_err(|e| state.reject(e))?;
    let (first, rx) = s.subscribe();
    let stream = futures::stream::unfold(
        (first.into_iter(), rx, false),
        |(mut first, mut rx, done)| async move {
            if done {
                return None;
            }
            let event = match first.next() {
                Some(e) => e,
                None => loop {
                    match rx.recv().await {
                        Ok(e) => break e,
                        // A slow reader skips frames rather than holding the session back.
                        Err(RecvError::Lagged(_)) => continue,
                        Err(RecvError::Closed) => return None,
                    }
                },
            };
            let last = matches!(event, SessionEvent::Ended { .. });
            Some((Ok(to_sse(&event)), (first, rx, last)))
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
