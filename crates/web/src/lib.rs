//! HTTP: axum routers for the public site, accounts, staff, operator and operations endpoints.
//! Handlers are thin: extract, call one use-case, map the result to a page.

mod account;
mod applications;
mod assets;
mod attendance_import;
mod auth;
mod billing;
mod body_limit;
mod cache;
mod cancellations;
mod checkin;
mod committees;
mod ctx;
mod custom_fields;
mod directory;
mod education;
mod error;
mod event_report;
mod events;
mod forms;
mod importexport;
mod join;
mod join_practice;
mod level_rules;
mod members;
mod metrics;
mod operator;
mod ops;
mod payments;
mod portal;
mod practices;
mod registrations;
mod routes;
mod site;
mod speakers;
mod staff;
mod staff_events;
mod staff_people;
mod views;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use chapterhouse_app::App;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use ctx::SESSION_COOKIE;
pub use metrics::Metrics;
pub use routes::{RouteInfo, route_table};

/// Settings the web layer needs beyond the app's.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Cookies marked `Secure` and HSTS sent: set when the site is served over HTTPS.
    pub https: bool,
    pub max_body_bytes: usize,
    /// Behind a reverse proxy: take the client address from `X-Forwarded-For`.
    pub trust_forwarded_for: bool,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            https: false,
            max_body_bytes: 1024 * 1024,
            trust_forwarded_for: false,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: Arc<WebConfig>,
    pub metrics: Arc<Metrics>,
    pub hosts: Arc<ctx::HostCache>,
    pub pages: Arc<cache::PageCache>,
    /// False until start-up work (migrations, index builds) is done: `/readyz` says so.
    pub ready: Arc<AtomicBool>,
}

impl AppState {
    pub fn new(app: App, config: WebConfig) -> AppState {
        AppState {
            app,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            hosts: Arc::new(ctx::HostCache::default()),
            pages: Arc::new(cache::PageCache::default()),
            ready: Arc::new(AtomicBool::new(true)),
        }
    }
}

pub(crate) const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// The whole application: routes, security headers, body limit, request ids, metrics, tracing,
/// and the anonymous page cache around them all.
pub fn router(state: AppState) -> Router {
    let x_request_id = HeaderName::from_static("x-request-id");
    let mut router = routes::build(state.clone())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ));
    if state.config.https {
        router = router.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ));
    }
    router
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
                let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
            }),
        )
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
        // Outermost, so a cache hit runs none of the layers above (see `cache`).
        .layer(cache::CacheLayer::new(
            state.pages.clone(),
            state.metrics.clone(),
        ))
}
