//! Embedded static assets, and the per-society brand stylesheet (a style sheet rather than inline
//! styles, so the CSP can forbid inline styles).

use axum::http::header;
use axum::response::IntoResponse;

use crate::ctx::Tenant;

const SITE_CSS: &str = include_str!("../assets/site.css");
const EDITOR_JS: &str = include_str!("../assets/editor.js");

pub async fn site_css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        SITE_CSS,
    )
}

pub async fn editor_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        EDITOR_JS,
    )
}

/// Only a well-formed hex colour reaches the style sheet.
fn safe_color(color: &str) -> &str {
    let ok = color.len() == 7
        && color.starts_with('#')
        && color[1..].chars().all(|c| c.is_ascii_hexdigit());
    if ok { color } else { "#1d4e89" }
}

pub async fn brand_css(tenant: Tenant) -> impl IntoResponse {
    let css = format!(
        ":root {{ --brand: {}; }}\n",
        safe_color(&tenant.society.primary_color)
    );
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        css,
    )
}
