//! Anonymous page views served from memory. A public page rendered for a visitor without a
//! session is kept for a couple of seconds, keyed by host and path, so a busy home page costs no
//! database read. Any staff or operator POST on this node empties the cache at once; other nodes
//! see a change within the time-to-live.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use chapterhouse_core::text::normalize_host;

use crate::AppState;
use crate::ctx::{SESSION_COOKIE, cookie};

const TTL: Duration = Duration::from_secs(2);
const MAX_ENTRIES: usize = 5_000;
const MAX_PAGE_BYTES: usize = 512 * 1024;

/// Set by a handler on a response that any anonymous visitor may be given. Handlers set it only
/// for existing, published pages on a society's primary host, so the keys are bounded by the
/// pages that exist.
#[derive(Clone, Copy)]
pub struct Cacheable;

#[derive(Default)]
pub struct PageCache {
    entries: RwLock<HashMap<String, (Instant, axum::body::Bytes)>>,
}

impl PageCache {
    fn get(&self, key: &str) -> Option<axum::body::Bytes> {
        let entries = self.entries.read().ok()?;
        let (at, body) = entries.get(key)?;
        (at.elapsed() < TTL).then(|| body.clone())
    }

    fn put(&self, key: String, body: axum::body::Bytes) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= MAX_ENTRIES {
                entries.retain(|_, (at, _)| at.elapsed() < TTL);
                if entries.len() >= MAX_ENTRIES {
                    entries.clear();
                }
            }
            entries.insert(key, (Instant::now(), body));
        }
    }

    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.write() {
            entries.clear();
        }
    }
}

pub async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let changes_content = request.method() == Method::POST
        && (path.starts_with("/staff/") || path.starts_with("/operator/"));
    if changes_content {
        let response = next.run(request).await;
        state.pages.clear();
        return response;
    }
    if request.method() != Method::GET || cookie(request.headers(), SESSION_COOKIE).is_some() {
        return next.run(request).await;
    }
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(normalize_host)
        .unwrap_or_default();
    // The page handlers ignore query strings, so the key does too: `/?x=1` cannot fill the cache.
    let key = format!("{host}{}", request.uri().path());
    if let Some(body) = state.pages.get(&key) {
        return Html(body).into_response();
    }
    let response = next.run(request).await;
    if response.extensions().get::<Cacheable>().is_none() || !response.status().is_success() {
        return response;
    }
    let (parts, body) = response.into_parts();
    match to_bytes(body, MAX_PAGE_BYTES).await {
        Ok(bytes) => {
            state.pages.put(key, bytes.clone());
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(_) => crate::error::WebError::Internal(anyhow::anyhow!("page too large to cache"))
            .into_response(),
    }
}
