//! Anonymous page views served from memory. A public page rendered for a visitor without a
//! session is kept for a couple of seconds, keyed by host and path, so a busy page costs no
//! database read and no render.
//!
//! - Stale while revalidate, single flight: once an entry is past its lifetime, exactly one
//!   request renders it again while concurrent requests are given the previous body (for at most
//!   `stale` beyond the lifetime; older than that it counts as missing). On a cold miss,
//!   concurrent requests for the same key wait for the one render rather than all rendering; if
//!   that render fails, panics or is not cacheable, each waiter renders for itself. A key whose
//!   render was not cacheable is remembered as such for the entry lifetime: requests for it
//!   meanwhile go straight to the handler without waiting on each other (those marks count
//!   towards the entry limit, so unknown paths cannot grow the map).
//! - Invalidation: any staff or operator POST on this node empties the whole cache; a successful
//!   POST that changes seat counts (registering, paying, cancelling, accepting an offer, a
//!   processor's webhook) empties that host's entries. Other nodes see a change within the
//!   lifetime. A render that started before an invalidation is not stored.
//! - The layer sits outside every other layer (request id, tracing, security headers, timeout,
//!   body limit, metrics), so a hit is a read lock, two hash lookups on borrowed strings and a
//!   response built from the stored body and headers (the security headers were stored with the
//!   page); it touches no database, no session store and no template. Hits are counted in the
//!   metrics; they carry no request id (nothing is logged for them).

use std::borrow::Cow;
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chapterhouse_core::text::normalize_host;
use tokio::sync::watch;
use tower::{Layer, Service, ServiceExt};

use crate::ctx::SESSION_COOKIE;
use crate::metrics::Metrics;

/// How long a stored page is served as fresh.
pub const TTL: Duration = Duration::from_secs(2);
/// How long past its lifetime a page may still be served while one request renders it again.
pub const STALE: Duration = Duration::from_secs(30);
const MAX_ENTRIES: usize = 5_000;
const MAX_PAGE_BYTES: usize = 512 * 1024;

/// Set by a handler on a response that any anonymous visitor may be given. Handlers set it only
/// for existing pages anyone may see (published pages, published or cancelled events) on a
/// society's primary host, so the keys are bounded by what exists.
#[derive(Clone, Copy)]
pub struct Cacheable;

struct Page {
    body: Bytes,
    headers: HeaderMap,
    stored: Instant,
}

impl Page {
    fn response(&self) -> Response {
        let mut response = Response::new(Body::from(self.body.clone()));
        *response.headers_mut() = self.headers.clone();
        response
    }
}

#[derive(Default)]
struct Slot {
    page: Option<Page>,
    /// While one request renders this key: its flight number, and a receiver that wakes when
    /// that request's `Fill` is dropped (stored, not cacheable, failed, panicked or cancelled).
    filling: Option<(u64, watch::Receiver<()>)>,
    /// The last render of this key was not cacheable: until then, requests for it go straight
    /// through (no single flight).
    not_cacheable_until: Option<Instant>,
}

impl Slot {
    fn known_not_cacheable(&self, now: Instant) -> bool {
        self.not_cacheable_until.is_some_and(|until| now < until)
    }
}

#[derive(Default)]
struct Inner {
    hosts: HashMap<Box<str>, HashMap<Box<str>, Slot>>,
    pages: usize,
    /// Slots marked `not_cacheable_until` (in force or not yet swept).
    marks: usize,
}

pub struct PageCache {
    inner: RwLock<Inner>,
    /// Bumped by every invalidation: a render that started before it is not stored.
    generation: AtomicU64,
    flights: AtomicU64,
    ttl: Duration,
    stale: Duration,
}

impl Default for PageCache {
    fn default() -> Self {
        PageCache::new(TTL, STALE)
    }
}

enum Lookup {
    Hit(Response),
    /// Another request is rendering this key and there is nothing fresh enough to serve.
    Wait(watch::Receiver<()>),
    /// This request renders the key (a cold miss, or the one refresh of a stale entry).
    Render(Fill),
    /// The key's page is known not to be cacheable: render without taking part in a flight.
    Pass,
}

impl PageCache {
    pub fn new(ttl: Duration, stale: Duration) -> PageCache {
        PageCache {
            inner: RwLock::default(),
            generation: AtomicU64::new(0),
            flights: AtomicU64::new(0),
            ttl,
            stale,
        }
    }

    /// What a slot offers a request arriving at `now`, if it can be answered without taking
    /// the slot over.
    fn offer(&self, slot: &Slot, now: Instant) -> Option<Lookup> {
        let age = slot
            .page
            .as_ref()
            .map(|p| now.saturating_duration_since(p.stored));
        match (&slot.page, age, &slot.filling) {
            (Some(page), Some(age), _) if age < self.ttl => Some(Lookup::Hit(page.response())),
            (Some(page), Some(age), Some(_)) if age < self.ttl + self.stale => {
                Some(Lookup::Hit(page.response()))
            }
            _ if slot.known_not_cacheable(now) => Some(Lookup::Pass),
            (_, _, Some((_, done))) => Some(Lookup::Wait(done.clone())),
            _ => None,
        }
    }

    fn lookup(self: &Arc<Self>, host: &str, path: &str) -> Lookup {
        let now = Instant::now();
        {
            let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(slot) = inner.hosts.get(host).and_then(|paths| paths.get(path))
                && let Some(found) = self.offer(slot, now)
            {
                return found;
            }
        }
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        let slot = inner
            .hosts
            .entry(host.into())
            .or_default()
            .entry(path.into())
            .or_default();
        if let Some(found) = self.offer(slot, now) {
            return found;
        }
        let flight = self.flights.fetch_add(1, Ordering::Relaxed);
        let (done, waiting) = watch::channel(());
        slot.filling = Some((flight, waiting));
        Lookup::Render(Fill {
            cache: self.clone(),
            host: host.into(),
            path: path.into(),
            flight,
            generation: self.generation.load(Ordering::Acquire),
            _done: done,
        })
    }

    /// A page still within its stale window (after waiting for another request's render).
    fn peek(&self, host: &str, path: &str) -> Option<Response> {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        let page = inner.hosts.get(host)?.get(path)?.page.as_ref()?;
        (page.stored.elapsed() < self.ttl + self.stale).then(|| page.response())
    }

    /// Forget every page (a staff or operator change).
    pub fn clear(&self) {
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::AcqRel);
        inner.hosts.clear();
        inner.pages = 0;
        inner.marks = 0;
    }

    /// Forget one host's pages (seat counts changed on that society's site).
    pub fn clear_host(&self, host: &str) {
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Some(paths) = inner.hosts.remove(host) {
            let gone = paths.values().filter(|s| s.page.is_some()).count();
            inner.pages -= gone;
            let marks = paths
                .values()
                .filter(|s| s.not_cacheable_until.is_some())
                .count();
            inner.marks -= marks;
        }
    }

    fn evict(&self, inner: &mut Inner) {
        let keep = self.ttl + self.stale;
        let now = Instant::now();
        let (mut pages, mut marks) = (0, 0);
        for paths in inner.hosts.values_mut() {
            paths.retain(|_, slot| {
                if slot
                    .page
                    .as_ref()
                    .is_some_and(|p| now.saturating_duration_since(p.stored) >= keep)
                {
                    slot.page = None;
                }
                if !slot.known_not_cacheable(now) {
                    slot.not_cacheable_until = None;
                }
                pages += usize::from(slot.page.is_some());
                marks += usize::from(slot.not_cacheable_until.is_some());
                slot.page.is_some() || slot.filling.is_some() || slot.not_cacheable_until.is_some()
            });
        }
        inner.hosts.retain(|_, paths| !paths.is_empty());
        inner.pages = pages;
        inner.marks = marks;
        if inner.pages + inner.marks >= MAX_ENTRIES {
            for paths in inner.hosts.values_mut() {
                paths.retain(|_, slot| {
                    slot.page = None;
                    slot.not_cacheable_until = None;
                    slot.filling.is_some()
                });
            }
            inner.hosts.retain(|_, paths| !paths.is_empty());
            inner.pages = 0;
            inner.marks = 0;
        }
    }
}

/// The right to render one key. Dropping it (whatever happened to the render) ends the flight
/// and wakes the requests waiting for it.
struct Fill {
    cache: Arc<PageCache>,
    host: Box<str>,
    path: Box<str>,
    flight: u64,
    generation: u64,
    _done: watch::Sender<()>,
}

impl Fill {
    fn with_slot(&self, inner: &mut Inner, f: impl FnOnce(&mut Slot) -> isize) {
        let delta = match inner
            .hosts
            .get_mut(&*self.host)
            .and_then(|paths| paths.get_mut(&*self.path))
        {
            Some(slot)
                if slot
                    .filling
                    .as_ref()
                    .is_some_and(|(id, _)| *id == self.flight) =>
            {
                f(slot)
            }
            _ => 0,
        };
        inner.pages = inner.pages.saturating_add_signed(delta);
    }

    fn store(self, body: Bytes, headers: HeaderMap) {
        let cache = self.cache.clone();
        let mut inner = cache.inner.write().unwrap_or_else(PoisonError::into_inner);
        if cache.generation.load(Ordering::Acquire) != self.generation {
            return;
        }
        if inner.pages + inner.marks >= MAX_ENTRIES {
            cache.evict(&mut inner);
        }
        let mut unmarked = false;
        self.with_slot(&mut inner, |slot| {
            unmarked = slot.not_cacheable_until.take().is_some();
            let added = isize::from(slot.page.is_none());
            slot.page = Some(Page {
                body,
                headers,
                stored: Instant::now(),
            });
            added
        });
        if unmarked {
            inner.marks -= 1;
        }
    }

    /// The page is no longer one to cache (gone, moved, an error, a page for one visitor): drop
    /// the stale copy, and let requests for the key go straight through for the entry lifetime
    /// (when there is room for the mark).
    fn forget(self) {
        let cache = self.cache.clone();
        let mut inner = cache.inner.write().unwrap_or_else(PoisonError::into_inner);
        if inner.pages + inner.marks >= MAX_ENTRIES {
            cache.evict(&mut inner);
        }
        let room = inner.pages + inner.marks < MAX_ENTRIES;
        let until = Instant::now() + cache.ttl;
        let mut marked = false;
        self.with_slot(&mut inner, |slot| {
            if room {
                marked = slot.not_cacheable_until.replace(until).is_none();
            }
            -isize::from(slot.page.take().is_some())
        });
        if marked {
            inner.marks += 1;
        }
    }
}

impl Drop for Fill {
    fn drop(&mut self) {
        let mut inner = self
            .cache
            .inner
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let Some(paths) = inner.hosts.get_mut(&*self.host) else {
            return;
        };
        if let Some(slot) = paths.get_mut(&*self.path)
            && slot
                .filling
                .as_ref()
                .is_some_and(|(id, _)| *id == self.flight)
        {
            slot.filling = None;
            if slot.page.is_none() && slot.not_cacheable_until.is_none() {
                paths.remove(&*self.path);
                if paths.is_empty() {
                    inner.hosts.remove(&*self.host);
                }
            }
        }
        // `_done` is dropped after this, waking the waiters, who find the flight over.
    }
}

/// The request's host as a cache key: normalised like `Ctx::host`, without allocating when the
/// header is already in normal form (lowercase, no trailing dot, at most a port to strip).
fn host_key(headers: &HeaderMap) -> Cow<'_, str> {
    let raw = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let plain = |s: &str| {
        !s.is_empty()
            && !s.ends_with('.')
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    };
    match raw.split_once(':') {
        None if plain(raw) => Cow::Borrowed(raw),
        Some((name, port))
            if plain(name) && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Cow::Borrowed(name)
        }
        _ => Cow::Owned(normalize_host(raw)),
    }
}

fn has_session(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|pair| {
            pair.trim()
                .split_once('=')
                .is_some_and(|(k, _)| k == SESSION_COOKIE)
        })
}

/// What a POST to `path` invalidates once it succeeded.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Invalidate {
    Nothing,
    /// Seat counts may have changed on this host's society.
    Host,
    /// Staff or operator changed content.
    All,
}

fn invalidation_for(path: &str) -> Invalidate {
    if path.starts_with("/staff/") || path.starts_with("/operator/") {
        Invalidate::All
    } else if path.starts_with("/events/")
        || path.starts_with("/registrations/")
        || path.starts_with("/webhooks/")
    {
        Invalidate::Host
    } else {
        Invalidate::Nothing
    }
}

fn cacheable(response: &Response) -> bool {
    response.status() == StatusCode::OK
        && response.extensions().get::<Cacheable>().is_some()
        && !response.headers().contains_key(header::SET_COOKIE)
}

/// The cache as a tower layer, applied outside every other layer (see the module comment).
#[derive(Clone)]
pub struct CacheLayer {
    pages: Arc<PageCache>,
    metrics: Arc<Metrics>,
}

impl CacheLayer {
    pub fn new(pages: Arc<PageCache>, metrics: Arc<Metrics>) -> CacheLayer {
        CacheLayer { pages, metrics }
    }
}

impl<S> Layer<S> for CacheLayer {
    type Service = CacheService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        CacheService {
            inner,
            pages: self.pages.clone(),
            metrics: self.metrics.clone(),
        }
    }
}

#[derive(Clone)]
pub struct CacheService<S> {
    inner: S,
    pages: Arc<PageCache>,
    metrics: Arc<Metrics>,
}

/// A hit answers at once; anything else runs the inner service.
pub enum CacheFuture {
    Hit(Option<Response>),
    Inner(Pin<Box<dyn Future<Output = Response> + Send>>),
}

impl Future for CacheFuture {
    type Output = Result<Response, Infallible>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            CacheFuture::Hit(response) => Poll::Ready(Ok(response
                .take()
                .unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response()))),
            CacheFuture::Inner(future) => future.as_mut().poll(cx).map(Ok),
        }
    }
}

impl<S> Service<Request> for CacheService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = CacheFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let started = Instant::now();
        // The ready inner service runs this request; a fresh clone waits for the next one.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let method = request.method();
        if *method == Method::POST {
            let invalidate = invalidation_for(request.uri().path());
            if invalidate == Invalidate::Nothing {
                return CacheFuture::Inner(Box::pin(run(inner, request)));
            }
            let host = host_key(request.headers()).into_owned();
            let pages = self.pages.clone();
            return CacheFuture::Inner(Box::pin(async move {
                let response = run(inner, request).await;
                match invalidate {
                    Invalidate::All => pages.clear(),
                    Invalidate::Host
                        if response.status().is_success() || response.status().is_redirection() =>
                    {
                        pages.clear_host(&host)
                    }
                    _ => {}
                }
                response
            }));
        }
        if *method != Method::GET || has_session(request.headers()) {
            return CacheFuture::Inner(Box::pin(run(inner, request)));
        }
        // The page handlers ignore query strings, so the key does too: `/?x=1` cannot fill the
        // cache.
        let host = host_key(request.headers());
        let lookup = self.pages.lookup(&host, request.uri().path());
        let lookup = match lookup {
            Lookup::Hit(response) => {
                let route = request.extensions().get::<MatchedPath>();
                self.metrics.record(
                    "GET",
                    route.map_or("fallback", MatchedPath::as_str),
                    200,
                    started.elapsed().as_secs_f64(),
                );
                return CacheFuture::Hit(Some(response));
            }
            other => other,
        };
        let host = host.into_owned();
        let pages = self.pages.clone();
        CacheFuture::Inner(Box::pin(async move {
            match lookup {
                Lookup::Hit(response) => response,
                Lookup::Pass => run(inner, request).await,
                Lookup::Wait(mut done) => {
                    // Resolves when the rendering request's `Fill` is dropped, however it ended.
                    let _ = done.changed().await;
                    match pages.peek(&host, request.uri().path()) {
                        Some(response) => response,
                        None => run(inner, request).await,
                    }
                }
                Lookup::Render(fill) => {
                    let response = run(inner, request).await;
                    if !cacheable(&response) {
                        fill.forget();
                        return response;
                    }
                    let (parts, body) = response.into_parts();
                    match to_bytes(body, MAX_PAGE_BYTES).await {
                        Ok(bytes) => {
                            let mut headers = parts.headers.clone();
                            headers.remove("x-request-id");
                            fill.store(bytes.clone(), headers);
                            Response::from_parts(parts, Body::from(bytes))
                        }
                        Err(_) => crate::error::WebError::Internal(anyhow::anyhow!(
                            "page too large to cache"
                        ))
                        .into_response(),
                    }
                }
            }
        }))
    }
}

async fn run<S>(inner: S, request: Request) -> Response
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    match inner.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use axum::Router;
    use axum::routing::{get, post};

    use super::*;

    /// A router whose `/page` counts its renders (each takes `delay`), behind the cache.
    fn app(cache: &Arc<PageCache>, renders: &Arc<AtomicUsize>, delay: Duration) -> Router {
        let counter = renders.clone();
        let page = move || {
            let counter = counter.clone();
            async move {
                let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::time::sleep(delay).await;
                let mut response = format!("render {n}").into_response();
                response.extensions_mut().insert(Cacheable);
                response
            }
        };
        let failing = move || async move {
            tokio::time::sleep(delay).await;
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        };
        Router::new()
            .route("/page", get(page))
            .route("/failing", get(failing))
            .route("/staff/save", post(|| async { "saved" }))
            .route("/events/x/register", post(|| async { "registered" }))
            .layer(CacheLayer::new(cache.clone(), Arc::new(Metrics::default())))
    }

    fn get_req(path: &str, host: &str) -> Request {
        Request::builder()
            .uri(path)
            .header(header::HOST, host)
            .body(Body::empty())
            .unwrap()
    }

    async fn body_of(router: &Router, request: Request) -> String {
        let response = router.clone().oneshot(request).await.unwrap();
        let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    async fn concurrent(router: &Router, path: &str, n: usize) -> Vec<String> {
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let router = router.clone();
                let path = path.to_string();
                tokio::spawn(async move { body_of(&router, get_req(&path, "a.test")).await })
            })
            .collect();
        let mut bodies = Vec::new();
        for task in tasks {
            bodies.push(task.await.unwrap());
        }
        bodies
    }

    #[tokio::test]
    async fn a_cold_miss_renders_once_for_concurrent_visitors() {
        let cache = Arc::new(PageCache::new(Duration::from_secs(60), STALE));
        let renders = Arc::new(AtomicUsize::new(0));
        let router = app(&cache, &renders, Duration::from_millis(100));
        let bodies = concurrent(&router, "/page", 20).await;
        assert_eq!(
            renders.load(Ordering::SeqCst),
            1,
            "one render for twenty visitors"
        );
        assert!(bodies.iter().all(|b| b == "render 1"), "{bodies:?}");
        // A query string is the same page.
        assert_eq!(
            body_of(&router, get_req("/page?x=1", "a.test")).await,
            "render 1"
        );
        // Another host is another entry; the same host with a port or in capitals is not.
        assert_eq!(
            body_of(&router, get_req("/page", "b.test")).await,
            "render 2"
        );
        assert_eq!(
            body_of(&router, get_req("/page", "A.Test:8080")).await,
            "render 1"
        );
    }

    #[tokio::test]
    async fn a_stale_page_is_served_while_one_request_renders_it_again() {
        let cache = Arc::new(PageCache::new(Duration::from_millis(50), STALE));
        let renders = Arc::new(AtomicUsize::new(0));
        let router = app(&cache, &renders, Duration::from_millis(200));
        assert_eq!(
            body_of(&router, get_req("/page", "a.test")).await,
            "render 1"
        );
        tokio::time::sleep(Duration::from_millis(80)).await;
        // Past its lifetime: the first request renders; the others get the old page at once.
        let refresher = {
            let router = router.clone();
            tokio::spawn(async move { body_of(&router, get_req("/page", "a.test")).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        let started = Instant::now();
        let bodies = concurrent(&router, "/page", 10).await;
        assert!(
            started.elapsed() < Duration::from_millis(150),
            "served without waiting"
        );
        assert!(bodies.iter().all(|b| b == "render 1"), "{bodies:?}");
        assert_eq!(refresher.await.unwrap(), "render 2");
        assert_eq!(renders.load(Ordering::SeqCst), 2);
        assert_eq!(
            body_of(&router, get_req("/page", "a.test")).await,
            "render 2"
        );
    }

    #[tokio::test]
    async fn too_stale_a_page_is_a_miss() {
        let cache = Arc::new(PageCache::new(
            Duration::from_millis(20),
            Duration::from_millis(20),
        ));
        let renders = Arc::new(AtomicUsize::new(0));
        let router = app(&cache, &renders, Duration::from_millis(100));
        assert_eq!(
            body_of(&router, get_req("/page", "a.test")).await,
            "render 1"
        );
        tokio::time::sleep(Duration::from_millis(60)).await;
        let bodies = concurrent(&router, "/page", 5).await;
        assert!(bodies.iter().all(|b| b == "render 2"), "{bodies:?}");
        assert_eq!(renders.load(Ordering::SeqCst), 2, "still one render");
    }

    #[tokio::test]
    async fn waiters_render_for_themselves_when_the_render_is_not_cacheable() {
        let cache = Arc::new(PageCache::default());
        let renders = Arc::new(AtomicUsize::new(0));
        let router = app(&cache, &renders, Duration::from_millis(50));
        let tasks: Vec<_> = (0..5)
            .map(|_| {
                let router = router.clone();
                tokio::spawn(async move {
                    router
                        .oneshot(get_req("/failing", "a.test"))
                        .await
                        .unwrap()
                        .status()
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap(), StatusCode::INTERNAL_SERVER_ERROR);
        }
        let inner = cache.inner.read().unwrap();
        assert_eq!(
            inner.pages, 0,
            "nothing kept for a page that is not cacheable"
        );
        assert!(
            inner
                .hosts
                .values()
                .flat_map(|paths| paths.values())
                .all(|slot| slot.page.is_none() && slot.filling.is_none())
        );
    }

    /// A router whose `/personal` page (200, but not marked cacheable: say, one that depends on
    /// the visitor) takes `delay` and counts how many of its renders run at the same time.
    fn personal(cache: &Arc<PageCache>, delay: Duration) -> (Router, Arc<AtomicUsize>) {
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let (r, m) = (running.clone(), most.clone());
        let page = move || {
            let (running, most) = (r.clone(), m.clone());
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(delay).await;
                running.fetch_sub(1, Ordering::SeqCst);
                "for you".into_response()
            }
        };
        let router = Router::new()
            .route("/personal", get(page))
            .layer(CacheLayer::new(cache.clone(), Arc::new(Metrics::default())));
        (router, most)
    }

    #[tokio::test]
    async fn once_a_page_is_known_not_cacheable_concurrent_visitors_do_not_wait_on_each_other() {
        let cache = Arc::new(PageCache::new(Duration::from_secs(60), STALE));
        let delay = Duration::from_millis(200);
        let (router, most) = personal(&cache, delay);
        // The first visit finds out the page is not one to cache.
        assert_eq!(
            body_of(&router, get_req("/personal", "a.test")).await,
            "for you"
        );
        // Eight at once now all render together.
        let bodies = concurrent(&router, "/personal", 8).await;
        assert!(bodies.iter().all(|b| b == "for you"), "{bodies:?}");
        assert_eq!(
            most.load(Ordering::SeqCst),
            8,
            "every visitor rendered at once, none waited for another"
        );
        // The mark counts towards the entries and goes with an invalidation.
        assert_eq!(cache.inner.read().unwrap().marks, 1);
        cache.clear_host("a.test");
        assert_eq!(cache.inner.read().unwrap().marks, 0);
    }

    #[tokio::test]
    async fn the_not_cacheable_mark_lasts_the_entry_lifetime_then_single_flight_resumes() {
        let cache = Arc::new(PageCache::new(Duration::from_millis(100), STALE));
        let delay = Duration::from_millis(150);
        let (router, most) = personal(&cache, delay);
        body_of(&router, get_req("/personal", "a.test")).await;
        tokio::time::sleep(Duration::from_millis(120)).await;
        // The mark has lapsed: the page might be cacheable again, so one request finds out
        // while the others wait for it (then render for themselves, all at once).
        let bodies = concurrent(&router, "/personal", 4).await;
        assert!(bodies.iter().all(|b| b == "for you"), "{bodies:?}");
        assert_eq!(
            most.load(Ordering::SeqCst),
            3,
            "one, then the three waiters"
        );
        assert_eq!(cache.inner.read().unwrap().marks, 1);
    }

    #[tokio::test]
    async fn a_dropped_render_wakes_its_waiters() {
        let cache = Arc::new(PageCache::default());
        let renders = Arc::new(AtomicUsize::new(0));
        let router = app(&cache, &renders, Duration::from_millis(300));
        // The first visitor gives up (the connection closes) in the middle of the render.
        let first = {
            let router = router.clone();
            tokio::spawn(async move { body_of(&router, get_req("/page", "a.test")).await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let second = {
            let router = router.clone();
            tokio::spawn(async move { body_of(&router, get_req("/page", "a.test")).await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        first.abort();
        let body = tokio::time::timeout(Duration::from_secs(2), second)
            .await
            .expect("the waiter did not hang")
            .unwrap();
        assert_eq!(body, "render 2", "the waiter rendered for itself");
    }

    #[tokio::test]
    async fn staff_posts_clear_everything_and_registrations_clear_their_host() {
        let cache = Arc::new(PageCache::new(Duration::from_secs(60), STALE));
        let renders = Arc::new(AtomicUsize::new(0));
        let router = app(&cache, &renders, Duration::ZERO);
        let post_req = |path: &str, host: &str| {
            Request::builder()
                .method(Method::POST)
                .uri(path)
                .header(header::HOST, host)
                .body(Body::empty())
                .unwrap()
        };
        assert_eq!(
            body_of(&router, get_req("/page", "a.test")).await,
            "render 1"
        );
        assert_eq!(
            body_of(&router, get_req("/page", "b.test")).await,
            "render 2"
        );
        assert_eq!(
            body_of(&router, get_req("/page", "a.test")).await,
            "render 1"
        );

        body_of(&router, post_req("/events/x/register", "a.test")).await;
        assert_eq!(
            body_of(&router, get_req("/page", "a.test")).await,
            "render 3"
        );
        assert_eq!(
            body_of(&router, get_req("/page", "b.test")).await,
            "render 2",
            "another society's pages stay"
        );

        body_of(&router, post_req("/staff/save", "b.test")).await;
        assert_eq!(
            body_of(&router, get_req("/page", "a.test")).await,
            "render 4"
        );
        assert_eq!(
            body_of(&router, get_req("/page", "b.test")).await,
            "render 5"
        );

        // Signed-in visitors are never served from, nor stored in, the cache.
        let signed_in = Request::builder()
            .uri("/page")
            .header(header::HOST, "a.test")
            .header(header::COOKIE, format!("x=1; {SESSION_COOKIE}=abc"))
            .body(Body::empty())
            .unwrap();
        assert_eq!(body_of(&router, signed_in).await, "render 6");
        assert_eq!(
            body_of(&router, get_req("/page", "a.test")).await,
            "render 4"
        );
    }

    #[test]
    fn host_keys_are_normalised_without_allocating_when_already_normal() {
        let key = |raw: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::HOST, raw.parse().unwrap());
            let key = host_key(&headers);
            (matches!(key, Cow::Borrowed(_)), key.into_owned())
        };
        assert_eq!(key("localhost:18080"), (true, "localhost".into()));
        assert_eq!(key("gsco.test"), (true, "gsco.test".into()));
        assert_eq!(key("GSCO.test."), (false, "gsco.test".into()));
        assert_eq!(key("[::1]:8080").1, normalize_host("[::1]:8080"));
    }
}
