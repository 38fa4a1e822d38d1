//! `GET /v1/components`, `GET /v1/components/{digest}`, `POST /v1/components` (bearer token).

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use sha2::{Digest as _, Sha256};

use super::AppState;
use crate::error::ApiError;

/// Lists registered components.
pub async fn list(State(state): State<AppState>) -> impl IntoResponse {
    Json(serde_json::json!({ "components": state.registry.list() }))
}

/// One component: the listing entry plus its decision and imports.
pub async fn show(
    State(state): State<AppState>,
    Path(digest): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let r = state
        .registry
        .get(&digest)
        .ok_or_else(|| state.reject(ApiError::unknown_component(&digest)))?;
    Ok(Json(serde_json::json!({
        "component": r.summary(),
        "decision": r.decision,
        "imports": r.facts.imports,
        "limits": { "memory": r.limits.memory, "cpuMs": r.limits.cpu.as_millis() as u64 },
    })))
}

/// Registers an uploaded component (the body is the `.wasm`).
///
/// A declared `Content-Length` over the limit is refused before any of the body is read; a body
/// without one is read up to the limit and refused past it.
pub async fn register(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<impl IntoResponse, ApiError> {
    authorize(&state, &headers).map_err(|e| state.reject(e))?;
    let limit = state.settings.max_component_bytes;
    let too_large = || {
        state.reject(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            format!("components are limited to {limit} bytes"),
        ))
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let body = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| too_large())?;
    let engine = state.engine.clone();
    let registry = state.registry.clone();
    let entry = tokio::task::spawn_blocking(move || registry.register(&engine, &body))
        .await
        .map_err(|e| ApiError::internal(format!("registration task: {e}")))?
        .map_err(|e| state.reject(e))?;
    tracing::info!(digest = %entry.digest, level = %entry.decision.level, "registered by upload");
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "component": entry.summary() })),
    ))
}

fn authorize(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(token) = state.settings.token.as_deref() else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "registration-disabled",
            "this server takes no uploads (start it with --token to allow them)",
        ));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Compare digests, not the strings, so timing says nothing about the token.
    if Sha256::digest(given.as_bytes()) != Sha256::digest(token.as_bytes()) {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid `Authorization: Bearer <token>` header is required",
        ));
    }
    Ok(())
}
