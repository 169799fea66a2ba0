//! Prometheus text metrics: requests by route and status, a latency histogram, and the job
//! queue (read from the database when scraped).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

type CountsByMethodStatus = HashMap<(&'static str, u16), u64>;

#[derive(Default)]
pub struct Metrics {
    /// route → (method, status) → count. Keyed by route first so a hit allocates nothing.
    requests: Mutex<HashMap<String, CountsByMethodStatus>>,
    buckets: [AtomicU64; 12],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Metrics {
    pub fn record(&self, method: &'static str, route: &str, status: u16, seconds: f64) {
        if let Ok(mut map) = self.requests.lock() {
            let by_route = match map.get_mut(route) {
                Some(by_route) => by_route,
                None => map.entry(route.to_string()).or_default(),
            };
            *by_route.entry((method, status)).or_default() += 1;
        }
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }

    pub fn render(&self, queued: i64, failed: i64) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP chapterhouse_http_requests_total HTTP requests by route and status.\n",
        );
        out.push_str("# TYPE chapterhouse_http_requests_total counter\n");
        if let Ok(map) = self.requests.lock() {
            let mut rows: Vec<_> = map
                .iter()
                .flat_map(|(route, counts)| {
                    counts
                        .iter()
                        .map(move |((method, status), n)| (route, *method, *status, *n))
                })
                .collect();
            rows.sort();
            for (route, method, status, n) in rows {
                out.push_str(&format!(
                    "chapterhouse_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}\n",
                    route.replace('\\', "\\\\").replace('"', "\\\"")
                ));
            }
        }
        out.push_str("# HELP chapterhouse_http_request_duration_seconds Request latency.\n");
        out.push_str("# TYPE chapterhouse_http_request_duration_seconds histogram\n");
        for (i, bound) in BUCKETS.iter().enumerate() {
            out.push_str(&format!(
                "chapterhouse_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {}\n",
                self.buckets[i].load(Ordering::Relaxed)
            ));
        }
        let count = self.count.load(Ordering::Relaxed);
        out.push_str(&format!(
            "chapterhouse_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}\n"
        ));
        out.push_str(&format!(
            "chapterhouse_http_request_duration_seconds_sum {}\n",
            self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        ));
        out.push_str(&format!(
            "chapterhouse_http_request_duration_seconds_count {count}\n"
        ));
        out.push_str("# HELP chapterhouse_jobs_queued Jobs waiting to run.\n# TYPE chapterhouse_jobs_queued gauge\n");
        out.push_str(&format!("chapterhouse_jobs_queued {queued}\n"));
        out.push_str("# HELP chapterhouse_jobs_failed Jobs that failed after all retries.\n# TYPE chapterhouse_jobs_failed gauge\n");
        out.push_str(&format!("chapterhouse_jobs_failed {failed}\n"));
        out
    }
}

pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = method_label(request.method());
    // The route pattern, not the raw path, so ids do not explode the label set.
    // MatchedPath is an Arc inside: cloning it allocates nothing.
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    state.metrics.record(
        method,
        route.as_ref().map_or("fallback", MatchedPath::as_str),
        response.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    response
}

/// Standard methods by name; anything else as "OTHER", so the label set stays small.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}
