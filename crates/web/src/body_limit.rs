//! Request body limits, declared per route. Every request may send the configured limit
//! (`WebConfig::max_body_bytes`, 1 MB by default); an upload route declares the largest file it
//! takes where it is registered (`routes::Routes::post_upload`), and its requests may send that
//! file plus [`FORM_ALLOWANCE`] for the rest of the form. The middleware finds the route by
//! axum's `MatchedPath`, so the limit lives in one place: the constant the route is registered
//! with is the one its page shows.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use chapterhouse_core::validate::{file_too_large, size_words};
use http_body_util::BodyExt;

use crate::error::error_page;

/// Room for the form fields and multipart framing around an uploaded file.
pub const FORM_ALLOWANCE: usize = 256 * 1024;

/// How much of a refused body is read and dropped before answering, so the browser, still
/// sending, gets the page instead of a connection reset. Past this the connection is closed.
const DRAIN_CAP: usize = 64 * 1024 * 1024;

/// The largest file per upload route pattern, and the limit for every other request.
#[derive(Debug)]
pub struct BodyLimits {
    pub default: usize,
    pub uploads: HashMap<&'static str, usize>,
}

impl BodyLimits {
    /// `(request limit, file limit)` for a route: an upload's file limit, or `None` for a
    /// form (the request limit is then the configured one).
    fn for_route(&self, route: Option<&str>) -> (usize, Option<usize>) {
        match route.and_then(|r| self.uploads.get(r)) {
            Some(&file) => (self.default.max(file + FORM_ALLOWANCE), Some(file)),
            None => (self.default, None),
        }
    }
}

/// The 413 page: for an upload, the file's size against the route's limit in words; for
/// anything else, the request's.
pub fn too_large(size: Option<u64>, request_limit: usize, file_limit: Option<usize>) -> Response {
    let message = match (size, file_limit) {
        (Some(size), Some(file)) => format!(
            "{} Make the file smaller, or split it, and upload it again.",
            file_too_large(size, file as u64)
        ),
        (None, Some(file)) => format!(
            "The file is larger than the limit of {}. Make the file smaller, or split it, and upload it again.",
            size_words(file as u64)
        ),
        (Some(size), None) => format!(
            "What you sent is {}; the limit is {}. Shorten it and try again.",
            size_words(size),
            size_words(request_limit as u64)
        ),
        (None, None) => format!(
            "What you sent is larger than the limit of {}. Shorten it and try again.",
            size_words(request_limit as u64)
        ),
    };
    let heading = if file_limit.is_some() {
        "The file is too large"
    } else {
        "Too much to send"
    };
    error_page(
        StatusCode::PAYLOAD_TOO_LARGE,
        heading,
        &message,
        String::new(),
        true,
    )
}

/// A declared length over the route's limit is answered at once with the 413 page (after
/// reading and dropping what the client sends, up to [`DRAIN_CAP`], unless it waits for
/// `100 Continue`); a body that grows past it without a declared length fails its extractor
/// with 413.
pub async fn limit(
    State(limits): State<Arc<BodyLimits>>,
    request: Request,
    next: Next,
) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let (limit, file) = limits.for_route(route.as_ref().map(MatchedPath::as_str));
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(size) = declared.filter(|&n| n > limit as u64) {
        let waits_for_continue = request
            .headers()
            .get(header::EXPECT)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
        if !waits_for_continue {
            drain(request.into_body()).await;
        }
        // The form's fields are a few hundred bytes of the request: the file is what it says.
        let size = match file {
            Some(_) => size.saturating_sub(1024),
            None => size,
        };
        return too_large(Some(size), limit, file);
    }
    let request = request.map(|body| Body::new(http_body_util::Limited::new(body, limit)));
    next.run(request).await
}

async fn drain(mut body: Body) {
    let mut read = 0usize;
    while read <= DRAIN_CAP {
        match body.frame().await {
            Some(Ok(frame)) => read += frame.data_ref().map_or(0, |d| d.len()),
            _ => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_get_their_file_limit_and_forms_the_default() {
        let limits = BodyLimits {
            default: 1024 * 1024,
            uploads: HashMap::from([("/up/{id}", 5 * 1024 * 1024)]),
        };
        assert_eq!(
            limits.for_route(Some("/up/{id}")),
            (5 * 1024 * 1024 + FORM_ALLOWANCE, Some(5 * 1024 * 1024))
        );
        assert_eq!(limits.for_route(Some("/sign-in")), (1024 * 1024, None));
        assert_eq!(limits.for_route(None), (1024 * 1024, None));
    }
}
