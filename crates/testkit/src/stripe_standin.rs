//! A local stand-in for the parts of Stripe's API Chapterhouse uses, speaking Stripe's wire
//! format: Bearer secret-key auth (401 and an error object otherwise), form-encoded bodies with
//! bracket notation (unknown parameters refused as Stripe does), JSON objects in Stripe's shapes,
//! `Idempotency-Key` replays, `card_error`/`card_declined` with 402 for a declined off-session
//! charge, and events `{"id":"evt_…","object":"event","type":…,"data":{"object":…}}` signed
//! with a real `Stripe-Signature` header.
//!
//! Events are kept in order ([`StripeStandin::events`]); when a webhook target is set they are
//! also POSTed to it at once (as Stripe would), otherwise tests take them with
//! [`StripeStandin::take_undelivered`] and hand them to the webhook handler themselves.
//!
//! Test controls: complete a Checkout Session as a card or a US bank account (the bank payment
//! stays `processing` until [`StripeStandin::settle_bank_payment`] or
//! [`StripeStandin::fail_bank_payment`]), a card that declines off-session
//! ([`PayWith::DecliningCard`], or [`StripeStandin::decline_future_charges`] for a saved one), and
//! a hosted page `GET /checkout/{session}` whose real HTML form completes the session, sends
//! the webhooks and redirects to the session's `success_url`, for browser tests.

// Handlers here return a ready `Response` as their error, as axum handlers do; its size does
// not matter in a test server.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chapterhouse_core::stripe::signature_header;
use chapterhouse_core::time::SharedClock;
use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// How the payer completes a Checkout Session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayWith {
    /// Visa •••• 4242: paid at once.
    Card,
    /// Paid at once, but every later off-session charge on it is declined
    /// (like Stripe's `pm_card_chargeDeclined` test method).
    DecliningCard,
    /// STRIPE TEST BANK •••• 6789: `processing` until settled or failed.
    UsBankAccount,
}

/// One API request the stand-in received.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub idempotency_key: Option<String>,
    pub status: u16,
}

/// One event the stand-in generated.
#[derive(Clone, Debug)]
pub struct SentEvent {
    pub id: String,
    pub kind: String,
    /// The raw JSON body, exactly as signed.
    pub body: String,
    /// The `Stripe-Signature` header value.
    pub signature: String,
    /// The webhook target's answer, when there was a target.
    pub delivered_status: Option<u16>,
}

#[derive(Clone, Debug)]
struct WebhookTarget {
    addr: SocketAddr,
    host: String,
    path: String,
}

#[derive(Default)]
struct Objects {
    sessions: HashMap<String, Value>,
    intents: HashMap<String, Value>,
    setup_intents: HashMap<String, Value>,
    methods: HashMap<String, Value>,
    customers: HashMap<String, Value>,
    /// Refunds in the order made.
    refunds: Vec<Value>,
    declining: Vec<String>,
    /// Idempotency key → (params fingerprint, status, body).
    idempotency: HashMap<String, (String, u16, Value)>,
    requests: Vec<RecordedRequest>,
    events: Vec<SentEvent>,
    undelivered: Vec<SentEvent>,
    target: Option<WebhookTarget>,
    counter: u64,
}

struct Shared {
    secret_key: String,
    webhook_secret: String,
    clock: SharedClock,
    base_url: String,
    objects: Mutex<Objects>,
}

fn lock(m: &Mutex<Objects>) -> MutexGuard<'_, Objects> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn now(&self) -> i64 {
        self.clock.now().0.div_euclid(1_000_000)
    }

    fn new_id(&self, prefix: &str) -> String {
        let mut objects = lock(&self.objects);
        objects.counter += 1;
        let n = objects.counter;
        let random = uuid::Uuid::new_v4().simple().to_string();
        format!("{prefix}_{}{n:04}", &random[..20])
    }

    /// Build, sign and queue an event; returns it (not yet delivered).
    fn event(&self, kind: &str, object: &Value) -> SentEvent {
        let id = self.new_id("evt");
        // Written field by field so `id` comes first, as in Stripe's own bodies.
        let body = format!(
            "{{\"id\":{},\"object\":\"event\",\"api_version\":\"2024-06-20\",\"created\":{},\
             \"livemode\":false,\"pending_webhooks\":1,\"type\":{},\"data\":{{\"object\":{}}}}}",
            json!(id),
            self.now(),
            json!(kind),
            object
        );
        let signature = signature_header(&self.webhook_secret, self.now(), body.as_bytes());
        SentEvent {
            id,
            kind: kind.to_string(),
            body,
            signature,
            delivered_status: None,
        }
    }

    /// Send events in order: POST each to the target, or keep it for the test to take.
    async fn send(&self, events: Vec<SentEvent>) -> anyhow::Result<()> {
        for mut event in events {
            let target = lock(&self.objects).target.clone();
            match target {
                Some(target) => {
                    let status = post_webhook(&target, &event).await?;
                    event.delivered_status = Some(status);
                }
                None => lock(&self.objects).undelivered.push(event.clone()),
            }
            lock(&self.objects).events.push(event);
        }
        Ok(())
    }
}

/// A minimal HTTP/1.1 client: POST the event with its signature, read the status line.
async fn post_webhook(target: &WebhookTarget, event: &SentEvent) -> anyhow::Result<u16> {
    let mut stream = TcpStream::connect(target.addr).await?;
    let request = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: Stripe/1.0 (+https://stripe.com/docs/webhooks)\r\n\
         Content-Type: application/json; charset=utf-8\r\nStripe-Signature: {}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{}",
        target.path,
        target.host,
        event.signature,
        event.body.len(),
        event.body
    );
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let text = String::from_utf8_lossy(&response);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no HTTP status in the webhook answer: {text}"))?;
    Ok(status)
}

/// The running stand-in. Dropping it stops the server.
pub struct StripeStandin {
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl Drop for StripeStandin {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl StripeStandin {
    /// Start on 127.0.0.1 with a free port. Webhooks are signed with `webhook_secret` at the
    /// time `clock` says, so they verify against an app on the same clock.
    pub async fn start(
        secret_key: &str,
        webhook_secret: &str,
        clock: SharedClock,
    ) -> anyhow::Result<StripeStandin> {
        Self::start_on(
            SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            secret_key,
            webhook_secret,
            clock,
        )
        .await
    }

    /// Start on a chosen address (the `stripe-standin` binary for browser tests).
    pub async fn start_on(
        listen: SocketAddr,
        secret_key: &str,
        webhook_secret: &str,
        clock: SharedClock,
    ) -> anyhow::Result<StripeStandin> {
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            secret_key: secret_key.to_string(),
            webhook_secret: webhook_secret.to_string(),
            clock,
            base_url: format!("http://{addr}"),
            objects: Mutex::new(Objects::default()),
        });
        let router = Router::new()
            .route("/v1/checkout/sessions", post(create_session))
            .route("/v1/checkout/sessions/{id}", get(get_session))
            .route("/v1/payment_intents", post(create_intent))
            .route("/v1/payment_intents/{id}", get(get_intent))
            .route("/v1/setup_intents/{id}", get(get_setup_intent))
            .route("/v1/customers", post(create_customer))
            .route("/v1/refunds", post(create_refund))
            .route("/v1/payment_methods/{id}/detach", post(detach_method))
            .route("/checkout/{id}", get(hosted_page))
            .route("/checkout/{id}/pay", post(hosted_pay))
            .fallback(unknown_route)
            .with_state(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.ok();
        });
        Ok(StripeStandin { shared, server })
    }

    /// Where the API lives: put this in the society's `api_base`.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// POST every later event to `http://{addr}{path}` with this `Host` header.
    pub fn set_webhook_target(&self, addr: SocketAddr, host: &str, path: &str) {
        lock(&self.shared.objects).target = Some(WebhookTarget {
            addr,
            host: host.to_string(),
            path: path.to_string(),
        });
    }

    /// Every API request so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.objects).requests.clone()
    }

    /// How many API requests had this method and path.
    pub fn count(&self, method: &str, path: &str) -> usize {
        lock(&self.shared.objects)
            .requests
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .count()
    }

    /// Every event generated so far, oldest first.
    pub fn events(&self) -> Vec<SentEvent> {
        lock(&self.shared.objects).events.clone()
    }

    /// Events not POSTed anywhere (no target set), oldest first; taking them empties the list.
    pub fn take_undelivered(&self) -> Vec<SentEvent> {
        std::mem::take(&mut lock(&self.shared.objects).undelivered)
    }

    /// A `Stripe-Signature` for any body, with the stand-in's secret and clock.
    pub fn sign(&self, body: &str) -> String {
        signature_header(
            &self.shared.webhook_secret,
            self.shared.now(),
            body.as_bytes(),
        )
    }

    pub fn session(&self, id: &str) -> Option<Value> {
        lock(&self.shared.objects).sessions.get(id).cloned()
    }

    /// The newest Checkout Session created.
    pub fn last_session(&self) -> Option<Value> {
        let objects = lock(&self.shared.objects);
        objects
            .sessions
            .values()
            .max_by_key(|s| s["x_seq"].as_u64().unwrap_or(0))
            .cloned()
    }

    pub fn payment_intent(&self, id: &str) -> Option<Value> {
        lock(&self.shared.objects).intents.get(id).cloned()
    }

    /// Every refund made so far, oldest first.
    pub fn refunds(&self) -> Vec<Value> {
        lock(&self.shared.objects).refunds.clone()
    }

    /// The cents refunded on a PaymentIntent so far.
    pub fn refunded(&self, intent_id: &str) -> i64 {
        lock(&self.shared.objects)
            .refunds
            .iter()
            .filter(|r| r["payment_intent"].as_str() == Some(intent_id))
            .filter_map(|r| r["amount"].as_i64())
            .sum()
    }

    /// Every later off-session charge on this saved method is declined.
    pub fn decline_future_charges(&self, payment_method: &str) {
        lock(&self.shared.objects)
            .declining
            .push(payment_method.to_string());
    }

    /// The payer completes the session's hosted page; the webhooks are sent (and delivered, when
    /// a target is set) before this returns.
    pub async fn complete_session(&self, session_id: &str, with: PayWith) -> anyhow::Result<()> {
        let events = complete(&self.shared, session_id, with)?;
        self.shared.send(events).await
    }

    /// The bank payment of a session paid by US bank account arrives.
    pub async fn settle_bank_payment(&self, session_id: &str) -> anyhow::Result<()> {
        let events = settle(&self.shared, session_id, true)?;
        self.shared.send(events).await
    }

    /// The bank returns the payment of a session paid by US bank account.
    pub async fn fail_bank_payment(&self, session_id: &str) -> anyhow::Result<()> {
        let events = settle(&self.shared, session_id, false)?;
        self.shared.send(events).await
    }

    /// An off-session bank (ACH) charge settles: `payment_intent.succeeded` is sent.
    pub async fn settle_payment_intent(&self, intent_id: &str) -> anyhow::Result<()> {
        let event = {
            let mut objects = lock(&self.shared.objects);
            let intent = objects
                .intents
                .get_mut(intent_id)
                .ok_or_else(|| anyhow::anyhow!("no payment intent {intent_id}"))?;
            intent["status"] = json!("succeeded");
            intent["amount_received"] = intent["amount"].clone();
            intent.clone()
        };
        let event = self.shared.event("payment_intent.succeeded", &event);
        self.shared.send(vec![event]).await
    }
}

fn error(status: StatusCode, kind: &str, code: Option<&str>, message: &str) -> Response {
    let mut error = json!({ "type": kind, "message": message });
    if let Some(code) = code {
        error["code"] = json!(code);
    }
    (status, axum::Json(json!({ "error": error }))).into_response()
}

fn record(shared: &Shared, method: &str, path: &str, headers: &HeaderMap, status: u16) {
    lock(&shared.objects).requests.push(RecordedRequest {
        method: method.to_string(),
        path: path.to_string(),
        idempotency_key: headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        status,
    });
}

/// Bearer auth as Stripe checks it: 401 with an `invalid_request_error` otherwise.
fn authorise(shared: &Shared, headers: &HeaderMap) -> Result<(), Response> {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match given {
        Some(key) if key == shared.secret_key => Ok(()),
        Some(key) => Err(error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            None,
            &format!(
                "Invalid API Key provided: {}",
                chapterhouse_core::stripe::masked(key)
            ),
        )),
        None => Err(error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            None,
            "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth.",
        )),
    }
}

/// Form fields in order, bracket notation kept in the keys.
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(body: &[u8]) -> Params {
        Params(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `prefix[key]=value` pairs as a JSON object (metadata).
    fn map(&self, prefix: &str) -> Value {
        let mut out = Map::new();
        for (k, v) in &self.0 {
            if let Some(rest) = k.strip_prefix(prefix).and_then(|r| r.strip_prefix('['))
                && let Some(key) = rest.strip_suffix(']')
                && !key.contains('[')
            {
                out.insert(key.to_string(), json!(v));
            }
        }
        Value::Object(out)
    }

    /// `prefix[0]=a&prefix[1]=b` (or `prefix[]=`) as a list.
    fn list(&self, prefix: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| {
                k.strip_prefix(prefix)
                    .and_then(|r| r.strip_prefix('['))
                    .and_then(|r| r.strip_suffix(']'))
                    .is_some_and(|i| i.is_empty() || i.chars().all(|c| c.is_ascii_digit()))
            })
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Stripe refuses parameters it does not know; so do we, naming the first one.
    fn check_known(&self, known: &[&str]) -> Result<(), Response> {
        for (key, _) in &self.0 {
            // `line_items[0][price_data]` and `metadata[anything]` match `line_items[N][price_data]`
            // and `metadata[*]`.
            let shape: String = {
                let mut out = String::new();
                let mut rest = key.as_str();
                while let Some(open) = rest.find('[') {
                    out.push_str(&rest[..open]);
                    let Some(close) = rest[open..].find(']') else {
                        break;
                    };
                    let inner = &rest[open + 1..open + close];
                    out.push('[');
                    out.push_str(
                        if inner.is_empty() || inner.chars().all(|c| c.is_ascii_digit()) {
                            "N"
                        } else {
                            inner
                        },
                    );
                    out.push(']');
                    rest = &rest[open + close + 1..];
                }
                out.push_str(rest);
                out
            };
            let matches = known.iter().any(|k| {
                *k == shape
                    || k.strip_suffix("[*]").is_some_and(|p| {
                        shape.starts_with(&format!("{p}[")) && shape.ends_with(']')
                    })
            });
            if !matches {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request_error",
                    Some("parameter_unknown"),
                    &format!("Received unknown parameter: {key}"),
                ));
            }
        }
        Ok(())
    }

    fn fingerprint(&self) -> String {
        let mut pairs = self.0.clone();
        pairs.sort();
        format!("{pairs:?}")
    }
}

fn missing(param: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        Some("parameter_missing"),
        &format!("Missing required param: {param}."),
    )
}

/// Replay a stored answer for a repeated idempotency key (refusing different parameters).
fn idempotent_replay(
    shared: &Shared,
    headers: &HeaderMap,
    params: &Params,
) -> Option<Result<(u16, Value), Response>> {
    let key = headers.get("idempotency-key")?.to_str().ok()?;
    let objects = lock(&shared.objects);
    let (fingerprint, status, body) = objects.idempotency.get(key)?;
    if *fingerprint != params.fingerprint() {
        return Some(Err(error(
            StatusCode::BAD_REQUEST,
            "idempotency_error",
            None,
            "Keys for idempotent requests can only be used with the same parameters they were first used with.",
        )));
    }
    Some(Ok((*status, body.clone())))
}

fn remember(shared: &Shared, headers: &HeaderMap, params: &Params, status: u16, body: &Value) {
    if let Some(key) = headers.get("idempotency-key").and_then(|v| v.to_str().ok()) {
        lock(&shared.objects).idempotency.insert(
            key.to_string(),
            (params.fingerprint(), status, body.clone()),
        );
    }
}

fn json_response(status: u16, body: Value) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
        axum::Json(body),
    )
        .into_response()
}

async fn unknown_route(headers: HeaderMap, uri: axum::http::Uri) -> Response {
    let _ = headers;
    error(
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        None,
        &format!("Unrecognized request URL ({}).", uri.path()),
    )
}

const SESSION_PARAMS: &[&str] = &[
    "mode",
    "payment_method_types[N]",
    "line_items[N][quantity]",
    "line_items[N][price_data][currency]",
    "line_items[N][price_data][unit_amount]",
    "line_items[N][price_data][product_data][name]",
    "client_reference_id",
    "customer",
    "customer_email",
    "customer_creation",
    "currency",
    "metadata[*]",
    "payment_intent_data[metadata][*]",
    "payment_intent_data[setup_future_usage]",
    "success_url",
    "cancel_url",
    "expires_at",
];

async fn create_session(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let response = create_session_inner(&shared, &headers, &body);
    record(
        &shared,
        "POST",
        "/v1/checkout/sessions",
        &headers,
        response.status().as_u16(),
    );
    response
}

fn create_session_inner(shared: &Arc<Shared>, headers: &HeaderMap, body: &[u8]) -> Response {
    if let Err(response) = authorise(shared, headers) {
        return response;
    }
    let params = Params::parse(body);
    if let Err(response) = params.check_known(SESSION_PARAMS) {
        return response;
    }
    let mode = params.get("mode").unwrap_or("");
    if !matches!(mode, "payment" | "setup") {
        return missing("mode");
    }
    let Some(success_url) = params.get("success_url") else {
        return missing("success_url");
    };
    if mode == "setup" && params.get("customer_creation").is_some() {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            None,
            "`customer_creation` can only be used in `payment` mode.",
        );
    }
    let (amount, currency) = if mode == "payment" {
        let Some(amount) = params
            .get("line_items[0][price_data][unit_amount]")
            .and_then(|a| a.parse::<i64>().ok())
        else {
            return missing("line_items[0][price_data][unit_amount]");
        };
        let quantity = params
            .get("line_items[0][quantity]")
            .and_then(|q| q.parse::<i64>().ok())
            .unwrap_or(1);
        let currency = params
            .get("line_items[0][price_data][currency]")
            .unwrap_or("usd");
        (Some(amount * quantity), Some(currency.to_string()))
    } else {
        (None, params.get("currency").map(str::to_string))
    };
    // As Stripe: 30 minutes to 24 hours from now, by default 24 hours.
    let created = shared.now();
    let expires_at = match params.get("expires_at") {
        None => created + 24 * 3600,
        Some(raw) => match raw.parse::<i64>() {
            Ok(at) if (created + 30 * 60..=created + 24 * 3600).contains(&at) => at,
            _ => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request_error",
                    None,
                    "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.",
                );
            }
        },
    };
    let id = shared.new_id("cs_test");
    let seq = lock(&shared.objects).counter;
    let session = json!({
        "id": id,
        "object": "checkout.session",
        "mode": mode,
        "url": format!("{}/checkout/{id}", shared.base_url),
        "amount_total": amount,
        "amount_subtotal": amount,
        "currency": currency,
        "payment_status": if mode == "setup" { "no_payment_required" } else { "unpaid" },
        "status": "open",
        "payment_intent": null,
        "setup_intent": null,
        "customer": params.get("customer"),
        "customer_email": params.get("customer_email"),
        "customer_creation": params.get("customer_creation"),
        "client_reference_id": params.get("client_reference_id"),
        "metadata": params.map("metadata"),
        "payment_method_types": params.list("payment_method_types"),
        "success_url": success_url,
        "cancel_url": params.get("cancel_url"),
        "livemode": false,
        "created": created,
        "expires_at": expires_at,
        "x_product_name": params.get("line_items[0][price_data][product_data][name]"),
        "x_intent_metadata": params.map("payment_intent_data[metadata]"),
        "x_setup_future_usage": params.get("payment_intent_data[setup_future_usage]"),
        "x_seq": seq,
    });
    lock(&shared.objects)
        .sessions
        .insert(id.clone(), session.clone());
    json_response(200, public(&session))
}

/// The object without the stand-in's own bookkeeping fields (`x_…`).
fn public(object: &Value) -> Value {
    match object {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !k.starts_with("x_"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

async fn get_session(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let response = match authorise(&shared, &headers) {
        Err(response) => response,
        Ok(()) => match lock(&shared.objects).sessions.get(&id) {
            Some(session) => json_response(200, public(session)),
            None => no_such("checkout.session", &id),
        },
    };
    record(
        &shared,
        "GET",
        "/v1/checkout/sessions/{id}",
        &headers,
        response.status().as_u16(),
    );
    response
}

fn no_such(kind: &str, id: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        Some("resource_missing"),
        &format!("No such {kind}: '{id}'"),
    )
}

#[derive(serde::Deserialize, Default)]
struct ExpandQuery {
    #[serde(rename = "expand[]", default)]
    expand: Option<String>,
}

fn expanded(objects: &Objects, mut object: Value, expand: &Option<String>) -> Value {
    if expand.as_deref() == Some("payment_method")
        && let Some(pm) = object["payment_method"].as_str()
        && let Some(method) = objects.methods.get(pm)
    {
        object["payment_method"] = public(method);
    }
    public(&object)
}

async fn get_intent(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<ExpandQuery>,
) -> Response {
    let response = match authorise(&shared, &headers) {
        Err(response) => response,
        Ok(()) => {
            let objects = lock(&shared.objects);
            match objects.intents.get(&id) {
                Some(intent) => json_response(200, expanded(&objects, intent.clone(), &q.expand)),
                None => no_such("payment_intent", &id),
            }
        }
    };
    record(
        &shared,
        "GET",
        "/v1/payment_intents/{id}",
        &headers,
        response.status().as_u16(),
    );
    response
}

async fn get_setup_intent(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<ExpandQuery>,
) -> Response {
    let response = match authorise(&shared, &headers) {
        Err(response) => response,
        Ok(()) => {
            let objects = lock(&shared.objects);
            match objects.setup_intents.get(&id) {
                Some(intent) => json_response(200, expanded(&objects, intent.clone(), &q.expand)),
                None => no_such("setup_intent", &id),
            }
        }
    };
    record(
        &shared,
        "GET",
        "/v1/setup_intents/{id}",
        &headers,
        response.status().as_u16(),
    );
    response
}

async fn create_customer(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let response = (|| {
        authorise(&shared, &headers)?;
        let params = Params::parse(&body);
        params.check_known(&["email", "name", "metadata[*]"])?;
        if let Some(replay) = idempotent_replay(&shared, &headers, &params) {
            return replay.map(|(status, body)| json_response(status, body));
        }
        let customer = new_customer(&shared, params.get("email"), params.get("name"));
        remember(&shared, &headers, &params, 200, &customer);
        Ok(json_response(200, customer))
    })()
    .unwrap_or_else(|response| response);
    record(
        &shared,
        "POST",
        "/v1/customers",
        &headers,
        response.status().as_u16(),
    );
    response
}

fn new_customer(shared: &Shared, email: Option<&str>, name: Option<&str>) -> Value {
    let id = shared.new_id("cus");
    let customer = json!({
        "id": id, "object": "customer", "email": email, "name": name,
        "created": shared.now(), "livemode": false,
    });
    lock(&shared.objects).customers.insert(id, customer.clone());
    customer
}

async fn detach_method(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let response = match authorise(&shared, &headers) {
        Err(response) => response,
        Ok(()) => {
            let mut objects = lock(&shared.objects);
            match objects.methods.get_mut(&id) {
                Some(method) => {
                    method["customer"] = Value::Null;
                    json_response(200, public(method))
                }
                None => no_such("PaymentMethod", &id),
            }
        }
    };
    record(
        &shared,
        "POST",
        "/v1/payment_methods/{id}/detach",
        &headers,
        response.status().as_u16(),
    );
    response
}

const REFUND_PARAMS: &[&str] = &["payment_intent", "amount", "reason", "metadata[*]"];

async fn create_refund(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let response = match create_refund_inner(&shared, &headers, &body) {
        Ok(response) | Err(response) => response,
    };
    record(
        &shared,
        "POST",
        "/v1/refunds",
        &headers,
        response.status().as_u16(),
    );
    response
}

/// A refund of (part of) a succeeded PaymentIntent: at most what was received and not yet
/// refunded, as Stripe checks.
fn create_refund_inner(
    shared: &Arc<Shared>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, Response> {
    authorise(shared, headers)?;
    let params = Params::parse(body);
    params.check_known(REFUND_PARAMS)?;
    if let Some(replay) = idempotent_replay(shared, headers, &params) {
        return replay.map(|(status, body)| json_response(status, body));
    }
    let intent_id = params
        .get("payment_intent")
        .ok_or_else(|| missing("payment_intent"))?;
    let id = shared.new_id("re");
    let mut objects = lock(&shared.objects);
    let intent = objects
        .intents
        .get(intent_id)
        .ok_or_else(|| no_such("payment_intent", intent_id))?;
    let received = intent["amount_received"].as_i64().unwrap_or(0);
    let currency = intent["currency"].clone();
    let already: i64 = objects
        .refunds
        .iter()
        .filter(|r| r["payment_intent"].as_str() == Some(intent_id))
        .filter_map(|r| r["amount"].as_i64())
        .sum();
    let left = received - already;
    if left <= 0 {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            Some("charge_already_refunded"),
            &format!("Charge for PaymentIntent {intent_id} has already been refunded."),
        ));
    }
    let amount = match params.get("amount") {
        None => left,
        Some(a) => a
            .parse::<i64>()
            .ok()
            .filter(|a| *a > 0)
            .ok_or_else(|| missing("amount"))?,
    };
    if amount > left {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            Some("amount_too_large"),
            &format!(
                "Refund amount ({amount}) is greater than unrefunded amount on charge ({left})."
            ),
        ));
    }
    let refund = json!({
        "id": id,
        "object": "refund",
        "amount": amount,
        "currency": currency,
        "payment_intent": intent_id,
        "reason": params.get("reason"),
        "metadata": params.map("metadata"),
        "status": "succeeded",
        "created": shared.now(),
    });
    objects.refunds.push(refund.clone());
    drop(objects);
    remember(shared, headers, &params, 200, &refund);
    Ok(json_response(200, refund))
}

const INTENT_PARAMS: &[&str] = &[
    "amount",
    "currency",
    "customer",
    "payment_method",
    "payment_method_types[N]",
    "off_session",
    "confirm",
    "description",
    "metadata[*]",
];

async fn create_intent(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (response, events) = match create_intent_inner(&shared, &headers, &body) {
        Ok(done) => done,
        Err(response) => (response, Vec::new()),
    };
    record(
        &shared,
        "POST",
        "/v1/payment_intents",
        &headers,
        response.status().as_u16(),
    );
    // Stripe answers first and sends the event moments later. Without a target the events are
    // queued at once, so a test can take them as soon as the request returns.
    let has_target = lock(&shared.objects).target.is_some();
    if !has_target {
        let mut objects = lock(&shared.objects);
        objects.undelivered.extend(events.iter().cloned());
        objects.events.extend(events);
    } else if !events.is_empty() {
        let background = Arc::clone(&shared);
        tokio::spawn(async move {
            if let Err(e) = background.send(events).await {
                eprintln!("stripe stand-in: webhook delivery failed: {e}");
            }
        });
    }
    response
}

fn create_intent_inner(
    shared: &Arc<Shared>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Response, Vec<SentEvent>), Response> {
    authorise(shared, headers)?;
    let params = Params::parse(body);
    params.check_known(INTENT_PARAMS)?;
    if let Some(replay) = idempotent_replay(shared, headers, &params) {
        return replay.map(|(status, body)| (json_response(status, body), Vec::new()));
    }
    let amount = params
        .get("amount")
        .and_then(|a| a.parse::<i64>().ok())
        .filter(|a| *a >= 50)
        .ok_or_else(|| missing("amount"))?;
    let currency = params.get("currency").ok_or_else(|| missing("currency"))?;
    let method_id = params
        .get("payment_method")
        .ok_or_else(|| missing("payment_method"))?;
    let customer = params.get("customer").ok_or_else(|| missing("customer"))?;
    let (kind, declines) = {
        let objects = lock(&shared.objects);
        let method = objects
            .methods
            .get(method_id)
            .ok_or_else(|| no_such("PaymentMethod", method_id))?;
        if method["customer"].as_str() != Some(customer) {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                None,
                &format!(
                    "The provided PaymentMethod {method_id} was previously used without being attached to a Customer, or was detached from one."
                ),
            ));
        }
        (
            method["type"].as_str().unwrap_or("card").to_string(),
            objects.declining.iter().any(|d| d == method_id),
        )
    };
    let types = params.list("payment_method_types");
    if !types.is_empty() && !types.contains(&kind) {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            None,
            &format!("The PaymentMethod provided ({kind}) is not allowed for this PaymentIntent."),
        ));
    }
    let id = shared.new_id("pi");
    let mut intent = json!({
        "id": id,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": 0,
        "currency": currency,
        "customer": customer,
        "payment_method": method_id,
        "payment_method_types": [kind],
        "description": params.get("description"),
        "metadata": params.map("metadata"),
        "status": "processing",
        "last_payment_error": null,
        "created": shared.now(),
        "livemode": false,
    });
    let (status, body, event) = if declines {
        intent["status"] = json!("requires_payment_method");
        let last = json!({
            "type": "card_error", "code": "card_declined", "decline_code": "generic_decline",
            "message": "Your card was declined.", "payment_method": { "id": method_id },
        });
        intent["last_payment_error"] = last.clone();
        let mut body = last;
        body["payment_intent"] = intent.clone();
        body["doc_url"] = json!("https://stripe.com/docs/error-codes/card-declined");
        (
            402,
            json!({ "error": body }),
            shared.event("payment_intent.payment_failed", &intent),
        )
    } else if kind == "us_bank_account" {
        (
            200,
            intent.clone(),
            shared.event("payment_intent.processing", &intent),
        )
    } else {
        intent["status"] = json!("succeeded");
        intent["amount_received"] = json!(amount);
        (
            200,
            intent.clone(),
            shared.event("payment_intent.succeeded", &intent),
        )
    };
    lock(&shared.objects).intents.insert(id, intent);
    remember(shared, headers, &params, status, &body);
    Ok((json_response(status, body), vec![event]))
}

fn new_method(shared: &Shared, with: PayWith, customer: Option<&str>) -> Value {
    let id = match with {
        PayWith::DecliningCard => shared.new_id("pm_card_chargeDeclined"),
        _ => shared.new_id("pm"),
    };
    let mut method = json!({
        "id": id, "object": "payment_method", "customer": customer,
        "created": shared.now(), "livemode": false,
    });
    if with == PayWith::UsBankAccount {
        method["type"] = json!("us_bank_account");
        method["us_bank_account"] = json!({
            "bank_name": "STRIPE TEST BANK", "last4": "6789", "account_type": "checking",
            "routing_number": "110000000",
        });
    } else {
        method["type"] = json!("card");
        let last4 = if with == PayWith::DecliningCard {
            "0341"
        } else {
            "4242"
        };
        method["card"] = json!({
            "brand": "visa", "last4": last4, "exp_month": 12, "exp_year": 2034, "funding": "credit",
        });
    }
    let mut objects = lock(&shared.objects);
    if with == PayWith::DecliningCard {
        objects.declining.push(id.clone());
    }
    objects.methods.insert(id, method.clone());
    method
}

/// The payer finishes the hosted page.
fn complete(shared: &Shared, session_id: &str, with: PayWith) -> anyhow::Result<Vec<SentEvent>> {
    let session = lock(&shared.objects)
        .sessions
        .get(session_id)
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("no checkout session {session_id}"))?;
    anyhow::ensure!(
        session["status"] == "open",
        "checkout session {session_id} is {}",
        session["status"]
    );
    let kind = if with == PayWith::UsBankAccount {
        "us_bank_account"
    } else {
        "card"
    };
    anyhow::ensure!(
        session["payment_method_types"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t == kind)),
        "checkout session {session_id} does not offer {kind}"
    );
    let saving = session["mode"] == "setup"
        || session["customer_creation"] == "always"
        || session["x_setup_future_usage"] == "off_session";
    let customer = match session["customer"].as_str() {
        Some(customer) => Some(customer.to_string()),
        None if saving => Some(
            new_customer(shared, session["customer_email"].as_str(), None)["id"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        ),
        None => None,
    };
    let attached = if saving { customer.as_deref() } else { None };
    let method = new_method(shared, with, attached);
    let method_id = method["id"].as_str().unwrap_or_default().to_string();
    let mut session = session;
    session["status"] = json!("complete");
    session["customer"] = json!(customer);
    let mut events = Vec::new();
    if session["mode"] == "setup" {
        let seti = shared.new_id("seti");
        let intent = json!({
            "id": seti, "object": "setup_intent", "status": "succeeded", "customer": customer,
            "payment_method": method_id, "usage": "off_session", "created": shared.now(),
            "livemode": false,
        });
        lock(&shared.objects)
            .setup_intents
            .insert(seti.clone(), intent);
        session["setup_intent"] = json!(seti);
        events.push(shared.event("checkout.session.completed", &public(&session)));
    } else {
        let pi = shared.new_id("pi");
        let amount = session["amount_total"].clone();
        let bank = with == PayWith::UsBankAccount;
        let intent = json!({
            "id": pi, "object": "payment_intent", "amount": amount,
            "amount_received": if bank { json!(0) } else { amount.clone() },
            "currency": session["currency"], "customer": customer,
            "payment_method": method_id, "payment_method_types": [kind],
            "metadata": session["x_intent_metadata"],
            "setup_future_usage": session["x_setup_future_usage"],
            "status": if bank { "processing" } else { "succeeded" },
            "last_payment_error": null, "created": shared.now(), "livemode": false,
        });
        lock(&shared.objects)
            .intents
            .insert(pi.clone(), intent.clone());
        session["payment_intent"] = json!(pi);
        session["payment_status"] = json!(if bank { "unpaid" } else { "paid" });
        if bank {
            events.push(shared.event("payment_intent.processing", &intent));
        } else {
            events.push(shared.event("payment_intent.succeeded", &intent));
        }
        events.push(shared.event("checkout.session.completed", &public(&session)));
    }
    lock(&shared.objects)
        .sessions
        .insert(session_id.to_string(), session);
    Ok(events)
}

fn settle(shared: &Shared, session_id: &str, succeeded: bool) -> anyhow::Result<Vec<SentEvent>> {
    let mut objects = lock(&shared.objects);
    let session = objects
        .sessions
        .get(session_id)
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("no checkout session {session_id}"))?;
    let pi = session["payment_intent"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("session {session_id} has no payment yet"))?
        .to_string();
    let intent = objects
        .intents
        .get_mut(&pi)
        .ok_or_else(|| anyhow::anyhow!("no payment intent {pi}"))?;
    anyhow::ensure!(intent["status"] == "processing", "{pi} is not processing");
    if succeeded {
        intent["status"] = json!("succeeded");
        intent["amount_received"] = intent["amount"].clone();
    } else {
        intent["status"] = json!("requires_payment_method");
        intent["last_payment_error"] = json!({
            "type": "card_error", "code": "payment_method_provider_decline",
            "message": "The customer's bank account could not be debited (insufficient funds).",
        });
    }
    let intent = intent.clone();
    let mut session = session;
    session["payment_status"] = json!(if succeeded { "paid" } else { "unpaid" });
    objects
        .sessions
        .insert(session_id.to_string(), session.clone());
    drop(objects);
    Ok(if succeeded {
        vec![
            shared.event("payment_intent.succeeded", &intent),
            shared.event(
                "checkout.session.async_payment_succeeded",
                &public(&session),
            ),
        ]
    } else {
        vec![
            shared.event("payment_intent.payment_failed", &intent),
            shared.event("checkout.session.async_payment_failed", &public(&session)),
        ]
    })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The hosted Checkout page: a real form, no script, usable at 360 px.
async fn hosted_page(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let Some(session) = lock(&shared.objects).sessions.get(&id).cloned() else {
        return (
            StatusCode::NOT_FOUND,
            Html("<!doctype html><title>Not found</title><p>No such session.</p>"),
        )
            .into_response();
    };
    let amount = session["amount_total"]
        .as_i64()
        .map(|a| format!("${}.{:02}", a / 100, a % 100));
    let what = session["x_product_name"]
        .as_str()
        .unwrap_or("Add a payment method");
    let heading = match &amount {
        Some(amount) => format!("Pay {amount}"),
        None => "Save a card or bank account".to_string(),
    };
    let cancel = session["cancel_url"].as_str().unwrap_or("/");
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{heading} · Stripe test stand-in</title></head><body><main>\
         <h1>{heading}</h1><p>{}</p>\
         <form method=\"post\" action=\"/checkout/{id}/pay\"><fieldset><legend>Pay with</legend>\
         <p><input type=\"radio\" id=\"with-card\" name=\"with\" value=\"card\" checked>\
         <label for=\"with-card\">Card (Visa •••• 4242)</label></p>\
         <p><input type=\"radio\" id=\"with-bank\" name=\"with\" value=\"us_bank_account\">\
         <label for=\"with-bank\">US bank account (STRIPE TEST BANK •••• 6789)</label></p>\
         </fieldset><button type=\"submit\">{}</button></form>\
         <p><a href=\"{}\">Cancel and go back</a></p></main></body></html>",
        escape(what),
        if amount.is_some() { "Pay" } else { "Save" },
        escape(cancel),
    );
    Html(html).into_response()
}

#[derive(serde::Deserialize)]
struct PayForm {
    #[serde(default)]
    with: String,
}

async fn hosted_pay(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<PayForm>,
) -> Response {
    let with = if form.with == "us_bank_account" {
        PayWith::UsBankAccount
    } else {
        PayWith::Card
    };
    let events = match complete(&shared, &id, with) {
        Ok(events) => events,
        Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    };
    if let Err(e) = shared.send(events).await {
        return (
            StatusCode::BAD_GATEWAY,
            format!("webhook delivery failed: {e}"),
        )
            .into_response();
    }
    let success = lock(&shared.objects).sessions[&id]["success_url"]
        .as_str()
        .unwrap_or("/")
        .replace("{CHECKOUT_SESSION_ID}", &id);
    Redirect::to(&success).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chapterhouse_core::time::FixedClock;

    const SK: &str = "sk_test_standin";
    const WH: &str = "whsec_standin";

    /// A raw HTTP/1.1 request; returns status, headers and body.
    async fn http(
        base: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, String, String) {
        let addr = base.trim_start_matches("http://");
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let mut request =
            format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
        for (k, v) in headers {
            request.push_str(&format!("{k}: {v}\r\n"));
        }
        request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.unwrap();
        let text = String::from_utf8_lossy(&response).to_string();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
        (status, head.to_string(), body.to_string())
    }

    const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

    async fn standin() -> StripeStandin {
        let clock = FixedClock::at_rfc3339("2026-11-21T15:00:00Z");
        StripeStandin::start(SK, WH, clock).await.unwrap()
    }

    #[tokio::test]
    async fn refuses_missing_or_wrong_keys_and_unknown_parameters_as_stripe_does() {
        let s = standin().await;
        let (status, _, body) = http(
            s.base_url(),
            "POST",
            "/v1/checkout/sessions",
            &[FORM],
            "mode=payment",
        )
        .await;
        assert_eq!(status, 401);
        assert!(body.contains("\"type\":\"invalid_request_error\""));
        let (status, _, body) = http(
            s.base_url(),
            "POST",
            "/v1/checkout/sessions",
            &[FORM, ("Authorization", "Bearer sk_test_wrongkey1234")],
            "mode=payment",
        )
        .await;
        assert_eq!(status, 401);
        assert!(body.contains("Invalid API Key provided: sk_test_…1234"));
        let auth = ("Authorization", "Bearer sk_test_standin");
        let (status, _, body) = http(
            s.base_url(),
            "POST",
            "/v1/checkout/sessions",
            &[FORM, auth],
            "mode=payment&line_items[0][price_data][unit_amont]=5&success_url=x",
        )
        .await;
        assert_eq!(status, 400);
        assert!(body.contains("parameter_unknown"));
        assert!(body.contains("line_items[0][price_data][unit_amont]"));
        let (status, _, _) = http(s.base_url(), "GET", "/v1/nothing", &[auth], "").await;
        assert_eq!(status, 404);
        assert_eq!(s.count("POST", "/v1/checkout/sessions"), 3);
    }

    #[tokio::test]
    async fn the_hosted_page_pays_sends_signed_webhooks_and_returns_to_the_site() {
        let s = standin().await;
        let auth = ("Authorization", "Bearer sk_test_standin");
        let (status, _, body) = http(
            s.base_url(),
            "POST",
            "/v1/checkout/sessions",
            &[FORM, auth],
            "mode=payment&payment_method_types[0]=card&payment_method_types[1]=us_bank_account\
             &line_items[0][quantity]=1&line_items[0][price_data][currency]=usd\
             &line_items[0][price_data][unit_amount]=40000\
             &line_items[0][price_data][product_data][name]=Dues%20%3Cb%3E\
             &metadata[invoice]=inv1&success_url=https%3A%2F%2Fsite.test%2Fdone%3Fs%3D%7BCHECKOUT_SESSION_ID%7D\
             &cancel_url=https%3A%2F%2Fsite.test%2F",
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let session: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(session["object"], "checkout.session");
        assert_eq!(session["amount_total"], 40000);
        assert_eq!(session["payment_status"], "unpaid");
        assert_eq!(session["metadata"]["invoice"], "inv1");
        assert!(session.get("x_seq").is_none(), "bookkeeping stays private");
        let id = session["id"].as_str().unwrap();
        let path = format!("/checkout/{id}");
        let (status, _, page) = http(s.base_url(), "GET", &path, &[], "").await;
        assert_eq!(status, 200);
        assert!(page.contains("Pay $400.00") && page.contains("Dues &lt;b&gt;"));
        assert!(page.contains(&format!("action=\"/checkout/{id}/pay\"")));
        let (status, head, _) = http(
            s.base_url(),
            "POST",
            &format!("{path}/pay"),
            &[FORM],
            "with=card",
        )
        .await;
        assert_eq!(status, 303);
        assert!(
            head.contains(&format!("location: https://site.test/done?s={id}")),
            "{head}"
        );
        let events = s.take_undelivered();
        let kinds: Vec<_> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            ["payment_intent.succeeded", "checkout.session.completed"]
        );
        for event in &events {
            assert!(event.body.starts_with("{\"id\":\"evt_"));
            let t = chapterhouse_core::stripe::verify(
                &event.signature,
                event.body.as_bytes(),
                WH,
                1_795_273_200,
                300,
            );
            assert!(t.is_ok(), "{t:?}");
        }
        // Paying twice is refused.
        let (status, _, _) = http(
            s.base_url(),
            "POST",
            &format!("{path}/pay"),
            &[FORM],
            "with=card",
        )
        .await;
        assert_eq!(status, 400);
    }

    #[tokio::test]
    async fn idempotency_keys_replay_the_first_answer_and_refuse_other_parameters() {
        let s = standin().await;
        let customer = new_customer(&s.shared, Some("a@b.test"), None);
        let cus = customer["id"].as_str().unwrap().to_string();
        let pm = new_method(&s.shared, PayWith::DecliningCard, Some(&cus));
        let pm = pm["id"].as_str().unwrap().to_string();
        let auth = ("Authorization", "Bearer sk_test_standin");
        let body = format!(
            "amount=40000&currency=usd&customer={cus}&payment_method={pm}&off_session=true&confirm=true"
        );
        let key = ("Idempotency-Key", "charge-1");
        let (status, _, first) = http(
            s.base_url(),
            "POST",
            "/v1/payment_intents",
            &[FORM, auth, key],
            &body,
        )
        .await;
        assert_eq!(status, 402);
        assert!(
            first.contains("\"code\":\"card_declined\"")
                && first.contains("\"type\":\"card_error\"")
        );
        let (status, _, second) = http(
            s.base_url(),
            "POST",
            "/v1/payment_intents",
            &[FORM, auth, key],
            &body,
        )
        .await;
        assert_eq!((status, &second), (402, &first));
        let (status, _, other) = http(
            s.base_url(),
            "POST",
            "/v1/payment_intents",
            &[FORM, auth, key],
            &body.replace("40000", "100"),
        )
        .await;
        assert_eq!(status, 400);
        assert!(other.contains("idempotency_error"));
        // One decline, one event.
        let events = s.take_undelivered();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].kind, "payment_intent.payment_failed");
    }
}
