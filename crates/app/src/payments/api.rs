//! A small client for the parts of Stripe's API we use, over reqwest (rustls): form-encoded
//! requests with bracket notation, Bearer secret-key auth, an `Idempotency-Key` on every create,
//! and Stripe's JSON objects and error bodies read into the few fields we need.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Duration;

use serde::Deserialize;

/// The API version whose object shapes this module reads.
pub const STRIPE_VERSION: &str = "2024-06-20";

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("Chapterhouse/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("an HTTP client with default TLS settings builds")
    })
}

/// What went wrong talking to the processor.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Stripe answered with an error object (a decline is `card_error`, status 402).
    #[error("Stripe refused the request ({status} {kind}): {message}")]
    Stripe {
        status: u16,
        kind: String,
        code: Option<String>,
        message: String,
        /// For a declined PaymentIntent: the intent as it now stands.
        payment_intent: Option<Box<PaymentIntent>>,
    },
    /// No answer, or one we could not read: the outcome is unknown.
    #[error("could not reach Stripe: {0}")]
    Network(String),
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorObject,
}

#[derive(Deserialize)]
struct ErrorObject {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    payment_intent: Option<Box<PaymentIntent>>,
}

/// Either an id or the expanded object, as Stripe sends expandable fields.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Expandable<T> {
    Id(String),
    Object(Box<T>),
}

impl<T: HasId> Expandable<T> {
    pub fn id(&self) -> &str {
        match self {
            Expandable::Id(id) => id,
            Expandable::Object(object) => object.id(),
        }
    }

    pub fn object(&self) -> Option<&T> {
        match self {
            Expandable::Id(_) => None,
            Expandable::Object(object) => Some(object),
        }
    }
}

pub trait HasId {
    fn id(&self) -> &str;
}

#[derive(Clone, Debug, Deserialize)]
pub struct CheckoutSession {
    pub id: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub mode: String,
    #[serde(default)]
    pub amount_total: Option<i64>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub payment_status: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub payment_intent: Option<Expandable<PaymentIntent>>,
    #[serde(default)]
    pub setup_intent: Option<Expandable<SetupIntent>>,
    #[serde(default)]
    pub customer: Option<String>,
    #[serde(default)]
    pub client_reference_id: Option<String>,
    #[serde(default)]
    pub metadata: HashMap<String, String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct PaymentIntent {
    pub id: String,
    #[serde(default)]
    pub amount: i64,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub customer: Option<String>,
    #[serde(default)]
    pub payment_method: Option<Expandable<PaymentMethod>>,
    #[serde(default)]
    pub payment_method_types: Vec<String>,
    #[serde(default)]
    pub last_payment_error: Option<LastPaymentError>,
    #[serde(default)]
    pub metadata: HashMap<String, String>,
}

impl HasId for PaymentIntent {
    fn id(&self) -> &str {
        &self.id
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct SetupIntent {
    pub id: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub customer: Option<String>,
    #[serde(default)]
    pub payment_method: Option<Expandable<PaymentMethod>>,
}

impl HasId for SetupIntent {
    fn id(&self) -> &str {
        &self.id
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct LastPaymentError {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub decline_code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct PaymentMethod {
    pub id: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub customer: Option<String>,
    #[serde(default)]
    pub card: Option<CardDetails>,
    #[serde(default)]
    pub us_bank_account: Option<BankDetails>,
}

impl HasId for PaymentMethod {
    fn id(&self) -> &str {
        &self.id
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct CardDetails {
    #[serde(default)]
    pub brand: String,
    #[serde(default)]
    pub last4: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct BankDetails {
    #[serde(default)]
    pub bank_name: Option<String>,
    #[serde(default)]
    pub last4: String,
}

/// A charge, as `charge.refunded` carries it.
#[derive(Clone, Debug, Deserialize)]
pub struct Charge {
    pub id: String,
    #[serde(default)]
    pub amount: i64,
    #[serde(default)]
    pub amount_refunded: i64,
    #[serde(default)]
    pub payment_intent: Option<String>,
}

/// A webhook event: `{"id":"evt_…","object":"event","type":…,"created":…,"data":{"object":…}}`.
#[derive(Clone, Debug, Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(default)]
    pub object: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub created: i64,
    pub data: EventData,
}

#[derive(Clone, Debug, Deserialize)]
pub struct EventData {
    pub object: serde_json::Value,
}

/// One society's API credentials.
pub struct StripeApi {
    pub base: String,
    pub secret_key: String,
}

impl StripeApi {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base.trim_end_matches('/'))
    }

    async fn read<T: serde::de::DeserializeOwned>(
        response: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<T, ApiError> {
        let response = response.map_err(|e| ApiError::Network(e.to_string()))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| ApiError::Network(e.to_string()))?;
        if status.is_success() {
            return serde_json::from_slice(&body)
                .map_err(|e| ApiError::Network(format!("unreadable answer from Stripe: {e}")));
        }
        match serde_json::from_slice::<ErrorBody>(&body) {
            Ok(ErrorBody { error }) => Err(ApiError::Stripe {
                status: status.as_u16(),
                kind: error.kind,
                code: error.code,
                message: error.message.unwrap_or_else(|| "no message".to_string()),
                payment_intent: error.payment_intent,
            }),
            // A proxy's error page or a 5xx without Stripe's body: the outcome is unknown.
            Err(_) => Err(ApiError::Network(format!("HTTP {status} from Stripe"))),
        }
    }

    /// POST form fields (`key[sub]=value` bracket notation is written by the caller).
    pub async fn post<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        fields: &[(String, String)],
        idempotency_key: Option<&str>,
    ) -> Result<T, ApiError> {
        let mut request = client()
            .post(self.url(path))
            .bearer_auth(&self.secret_key)
            .header("Stripe-Version", STRIPE_VERSION)
            .form(fields);
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        Self::read(request.send().await).await
    }

    pub async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, ApiError> {
        let request = client()
            .get(self.url(path))
            .bearer_auth(&self.secret_key)
            .header("Stripe-Version", STRIPE_VERSION)
            .query(query);
        Self::read(request.send().await).await
    }
}

/// Build form fields from `(key, value)` pairs.
pub fn fields<const N: usize>(pairs: [(&str, String); N]) -> Vec<(String, String)> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}
