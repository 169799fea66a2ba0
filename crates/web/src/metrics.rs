//! Prometheus text metrics: requests by route and status, a latency histogram, and the job
//! queue (read from the database when scraped).

use std::collections::BTreeMap;
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

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    buckets: [AtomicU64; 12],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Metrics {
    pub fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        if let Ok(mut map) = self.requests.lock() {
            *map.entry((method.to_string(), route.to_string(), status))
                .or_default() += 1;
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
            for ((method, route, status), n) in map.iter() {
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
    let method = request.method().to_string();
    // The route pattern, not the raw path, so ids do not explode the label set.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "fallback".into());
    let response = next.run(request).await;
    state.metrics.record(
        &method,
        &route,
        response.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    response
}
