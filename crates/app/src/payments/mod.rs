//! Card and US bank account (ACH) payments through each society's own Stripe account.
//!
//! - Settings: the publishable key, the secret key and the webhook signing secret, the two secrets
//!   encrypted at rest ([`crate::secrets`]) and never shown again after saving (`sk_test_…1234`).
//! - Checkout: [`start_checkout`] creates a hosted Checkout Session for an invoice (card or bank
//!   account, optionally saving the method for automatic renewal) and returns its URL.
//! - Automatic renewal: [`charge_off_session`] charges a saved method once per attempt number
//!   (two runs at once make one charge); a decline schedules the next try
//!   ([`chapterhouse_core::stripe::RETRY_DAYS`]) and emails the payer for a new method.
//! - Confirmation comes only from webhooks whose `Stripe-Signature` verifies ([`handle_webhook`]);
//!   each event id is acted on once, and money is recorded through billing.

pub mod api;
mod ledger;
mod refunds;
mod webhook;

use chapterhouse_core::money::Cents;
use chapterhouse_core::stripe::{self as rules, Mode};
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{InvoiceId, PaymentMethodId, PersonId, Role, Timestamp};
use chapterhouse_store::{
    ChargeAttemptRow, Invoice, NewAudit, NewChargeAttempt, PaymentMethodRow, Scoped, ScopedTx,
};
use jiff::civil::Date;
use serde::Deserialize;

use crate::accounts::CurrentUser;
use crate::mail::{EmailJob, enqueue_email};
use crate::membership::today;
use crate::{Actor, App, AppError, AppResult};

use api::{ApiError, CheckoutSession, PaymentIntent, StripeApi};

pub use ledger::record_verified_payment;
pub use refunds::refund_to_payer;
pub use webhook::{WebhookResult, handle_webhook};

/// Associated-data names of the two encrypted fields.
const SECRET_KEY_FIELD: &str = "payment_settings.secret_key";
const WEBHOOK_SECRET_FIELD: &str = "payment_settings.webhook_secret";
pub const DEFAULT_API_BASE: &str = "https://api.stripe.com";
/// A pending charge with no answer from Stripe for this long is sent again (same idempotency
/// key, so Stripe answers with the first result rather than charging twice).
const STALE_PENDING_SECONDS: i64 = 3600;

/// A society's decrypted processor settings. Never logged, never rendered.
#[derive(Clone)]
pub struct StripeSettings {
    pub publishable_key: String,
    pub secret_key: String,
    pub webhook_secret: String,
    pub api_base: String,
}

impl std::fmt::Debug for StripeSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeSettings")
            .field("publishable_key", &self.publishable_key)
            .field("api_base", &self.api_base)
            .finish_non_exhaustive()
    }
}

impl StripeSettings {
    fn api(&self) -> StripeApi {
        StripeApi {
            base: self.api_base.clone(),
            secret_key: self.secret_key.clone(),
        }
    }
}

/// What staff see of the saved settings.
#[derive(Clone, Debug)]
pub struct SettingsSummary {
    pub publishable_key: String,
    pub secret_key: String,
    pub webhook_secret: String,
    pub test_mode: bool,
    pub updated_at: i64,
}

/// The society's settings, decrypted; `None` when payments are not set up.
pub async fn settings(app: &App, scoped: &Scoped) -> AppResult<Option<StripeSettings>> {
    let Some(row) = scoped.payment_settings().await? else {
        return Ok(None);
    };
    let society = scoped.society_id();
    let open = |field, sealed: &[u8]| {
        app.secrets
            .open(society, field, sealed)
            .map_err(|e| AppError::Internal(e.into()))
    };
    Ok(Some(StripeSettings {
        secret_key: open(SECRET_KEY_FIELD, &row.secret_key_enc)?,
        webhook_secret: open(WEBHOOK_SECRET_FIELD, &row.webhook_secret_enc)?,
        publishable_key: row.publishable_key,
        api_base: row.api_base,
    }))
}

pub async fn settings_summary(app: &App, scoped: &Scoped) -> AppResult<Option<SettingsSummary>> {
    let updated_at = match scoped.payment_settings().await? {
        Some(row) => row.updated_at,
        None => return Ok(None),
    };
    Ok(settings(app, scoped).await?.map(|s| SettingsSummary {
        test_mode: rules::mode_of_secret(&s.secret_key) == Some(Mode::Test),
        secret_key: rules::masked(&s.secret_key),
        webhook_secret: rules::masked(&s.webhook_secret),
        publishable_key: s.publishable_key,
        updated_at,
    }))
}

/// The settings form. Blank secrets keep the saved ones.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    pub publishable_key: String,
    #[serde(default)]
    pub secret_key: String,
    #[serde(default)]
    pub webhook_secret: String,
}

/// Save the society's Stripe keys (admins only). `api_base` is where the API lives: `None`
/// keeps the saved one (Stripe's own for a new society); tests and the operator point it at
/// a stand-in.
pub async fn save_settings(
    app: &App,
    scoped: &Scoped,
    user: &CurrentUser,
    form: &SettingsForm,
    api_base: Option<&str>,
    actor: &Actor,
) -> AppResult<()> {
    if !user.role().satisfies(Role::Admin) {
        return Err(AppError::Forbidden);
    }
    configure(app, scoped, form, api_base, actor).await
}

/// [`save_settings`] for the deployment's operator (the `admin payments` command): no signed-in
/// admin, and `api_base` may point at a local stand-in (https, or http on this machine).
pub async fn configure(
    app: &App,
    scoped: &Scoped,
    form: &SettingsForm,
    api_base: Option<&str>,
    actor: &Actor,
) -> AppResult<()> {
    if let Some(base) = api_base {
        check_api_base(base)?;
    }
    let saved = settings(app, scoped).await?;
    let publishable = form.publishable_key.trim();
    let secret = Some(form.secret_key.trim()).filter(|s| !s.is_empty());
    let webhook_secret = Some(form.webhook_secret.trim()).filter(|s| !s.is_empty());
    let saved_mode = saved
        .as_ref()
        .and_then(|s| rules::mode_of_secret(&s.secret_key));
    let errors: FieldErrors = rules::check_keys(publishable, secret, webhook_secret, saved_mode);
    errors.into_result()?;
    let (Some(secret), Some(webhook_secret)) = (
        secret.or(saved.as_ref().map(|s| s.secret_key.as_str())),
        webhook_secret.or(saved.as_ref().map(|s| s.webhook_secret.as_str())),
    ) else {
        return Err(AppError::field("secret_key", "Paste the secret key."));
    };
    let api_base = api_base
        .map(|b| b.trim().trim_end_matches('/').to_string())
        .or_else(|| saved.as_ref().map(|s| s.api_base.clone()))
        .unwrap_or_else(|| DEFAULT_API_BASE.to_string());
    let society = scoped.society_id();
    let now = app.now();
    let mut tx = scoped.begin().await?;
    tx.upsert_payment_settings(
        publishable,
        &app.secrets.seal(society, SECRET_KEY_FIELD, secret),
        &app.secrets
            .seal(society, WEBHOOK_SECRET_FIELD, webhook_secret),
        &api_base,
        now,
    )
    .await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "payments.settings_saved",
            subject: publishable,
            detail: &rules::masked(secret),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Send the society's Stripe API calls to `api_base` instead of Stripe (a local stand-in for
/// tests and demonstrations). For operators and tests only: no page offers it, since the secret
/// key goes wherever this points.
pub async fn point_api_at(
    app: &App,
    scoped: &Scoped,
    api_base: &str,
    actor: &Actor,
) -> AppResult<()> {
    let api_base = api_base.trim().trim_end_matches('/');
    check_api_base(api_base)?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    if !tx.set_payment_api_base(api_base).await? {
        return Err(AppError::field("api_base", "Save the Stripe keys first."));
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "payments.api_base_changed",
            subject: api_base,
            detail: "",
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn check_api_base(api_base: &str) -> AppResult<()> {
    let api_base = api_base.trim();
    if api_base.starts_with("https://")
        || api_base.starts_with("http://127.0.0.1:")
        || api_base.starts_with("http://localhost:")
    {
        Ok(())
    } else {
        Err(AppError::field(
            "api_base",
            "Use an https:// address, or http:// on this machine (127.0.0.1 or localhost).",
        ))
    }
}

/// The origin of the hosted payment pages the payer is sent to (Stripe's Checkout, or a local
/// stand-in's), for the `form-action` of pages whose form redirects there. `None` without
/// settings.
pub async fn checkout_origin(app: &App, scoped: &Scoped) -> AppResult<Option<String>> {
    let Some(config) = settings(app, scoped).await? else {
        return Ok(None);
    };
    if config.api_base.trim_end_matches('/') == DEFAULT_API_BASE {
        return Ok(Some("https://checkout.stripe.com".into()));
    }
    let base = config.api_base.trim_end_matches('/');
    let origin = match base.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://{}", rest.split('/').next().unwrap_or("")),
        None => return Ok(None),
    };
    Ok(Some(origin))
}

async fn require_settings(app: &App, scoped: &Scoped) -> AppResult<StripeSettings> {
    settings(app, scoped).await?.ok_or_else(|| {
        AppError::field(
            "payment",
            "Card and bank payments are not set up for this society yet. Please pay by check, or contact the office.",
        )
    })
}

fn unreachable_processor(error: ApiError) -> AppError {
    tracing::warn!(%error, "Stripe request failed");
    AppError::field(
        "payment",
        "We could not reach the card processor just now. Nothing was charged; please try again in a minute.",
    )
}

/// Start paying `amount` of an invoice on Stripe's hosted Checkout page (card or US bank
/// account). With `save_method` the card or account is kept for automatic renewal. Returns the
/// URL to send the payer to. The payment is recorded only when Stripe's signed webhook says it
/// was paid.
#[allow(clippy::too_many_arguments)]
pub async fn start_checkout(
    app: &App,
    scoped: &Scoped,
    invoice: InvoiceId,
    amount: Cents,
    customer_email: &str,
    save_method: bool,
    success_url: &str,
    cancel_url: &str,
) -> AppResult<String> {
    start_checkout_offering(
        app,
        scoped,
        invoice,
        amount,
        customer_email,
        save_method,
        &["card", "us_bank_account"],
        None,
        success_url,
        cancel_url,
    )
    .await
}

/// [`start_checkout`] offering only the given payment method types ("card",
/// "us_bank_account"), for a payer who already chose how to pay.
#[allow(clippy::too_many_arguments)]
pub async fn start_checkout_offering(
    app: &App,
    scoped: &Scoped,
    invoice: InvoiceId,
    amount: Cents,
    customer_email: &str,
    save_method: bool,
    method_types: &[&str],
    expires_at: Option<Timestamp>,
    success_url: &str,
    cancel_url: &str,
) -> AppResult<String> {
    let due = scoped.invoice(invoice).await?.ok_or(AppError::NotFound)?;
    if amount.0 <= 0 || amount.0 > due.amounts.balance().0 {
        return Err(AppError::field(
            "amount",
            &format!(
                "Enter an amount between $0.01 and the {} still owed.",
                Cents(due.amounts.balance().0.max(0))
            ),
        ));
    }
    let config = require_settings(app, scoped).await?;
    let society = scoped.society();
    let mut form = api::fields([
        ("mode", "payment".into()),
        ("line_items[0][quantity]", "1".into()),
        ("line_items[0][price_data][currency]", "usd".into()),
        (
            "line_items[0][price_data][unit_amount]",
            amount.0.to_string(),
        ),
        (
            "line_items[0][price_data][product_data][name]",
            format!("{} invoice {}", society.short_name, due.display_number()),
        ),
        ("client_reference_id", invoice.to_string()),
        ("metadata[society]", society.id.to_string()),
        ("metadata[invoice]", invoice.to_string()),
        (
            "payment_intent_data[metadata][society]",
            society.id.to_string(),
        ),
        (
            "payment_intent_data[metadata][invoice]",
            invoice.to_string(),
        ),
        ("success_url", success_url.to_string()),
        ("cancel_url", cancel_url.to_string()),
    ]);
    let offered: Vec<&str> = method_types
        .iter()
        .copied()
        .filter(|t| matches!(*t, "card" | "us_bank_account"))
        .collect();
    let offered = if offered.is_empty() {
        vec!["card", "us_bank_account"]
    } else {
        offered
    };
    for (i, kind) in offered.into_iter().enumerate() {
        form.push((format!("payment_method_types[{i}]"), kind.to_string()));
    }
    if !customer_email.trim().is_empty() {
        form.push(("customer_email".into(), customer_email.trim().to_string()));
    }
    if let Some(until) = expires_at {
        let expiry = chapterhouse_core::stripe::checkout_expiry(
            app.now().0.div_euclid(1_000_000),
            until.0.div_euclid(1_000_000),
        );
        form.push(("expires_at".into(), expiry.to_string()));
    }
    if save_method {
        form.extend(api::fields([
            ("customer_creation", "always".into()),
            (
                "payment_intent_data[setup_future_usage]",
                "off_session".into(),
            ),
        ]));
    }
    let session: CheckoutSession = config
        .api()
        .post("/v1/checkout/sessions", &form, None)
        .await
        .map_err(unreachable_processor)?;
    let url = session
        .url
        .clone()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("checkout session without a URL")))?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    tx.insert_checkout_session(&session.id, invoice, amount.0, save_method, now)
        .await?;
    tx.audit(
        NewAudit {
            actor: None,
            action: "payments.checkout_started",
            subject: &format!("invoice {}", due.display_number()),
            detail: &format!("{} {}", amount, session.id),
            ip: "",
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(url)
}

/// What an automatic-renewal charge came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChargeOutcome {
    /// Stripe accepted the charge; the payment is recorded when its webhook arrives.
    Succeeded,
    /// A bank (ACH) payment on its way, or another run is making this attempt right now.
    Pending,
    /// Declined. `next_attempt_on` is the retry, if the schedule has one left.
    Failed {
        message: String,
        next_attempt_on: Option<Date>,
    },
    /// Nothing is owed on the invoice.
    NothingDue,
}

/// Charge a saved method for what an invoice still owes, off-session. One charge per attempt:
/// the attempt row is claimed before Stripe is called (a second run at the same time finds it
/// and charges nothing), and the request carries an idempotency key made of the society, the
/// invoice and the attempt number. After a decline the next attempt waits for the retry date.
pub async fn charge_off_session(
    app: &App,
    scoped: &Scoped,
    invoice: InvoiceId,
    payment_method: PaymentMethodId,
) -> AppResult<ChargeOutcome> {
    let due = scoped.invoice(invoice).await?.ok_or(AppError::NotFound)?;
    let method = scoped
        .payment_method(payment_method)
        .await?
        .ok_or(AppError::NotFound)?;
    let today = today(app, scoped);
    let now = app.now();
    let attempts = scoped.charge_attempts(invoice).await?;
    let (attempt, attempt_no) = match attempts.last() {
        Some(last) if last.outcome == "succeeded" => return Ok(ChargeOutcome::Succeeded),
        Some(last)
            if last.outcome == "pending"
                && last.provider_ref.is_none()
                && now.seconds_since(chapterhouse_core::Timestamp(last.created_at))
                    > STALE_PENDING_SECONDS =>
        {
            // No answer was recorded for this attempt: ask again with the same key.
            (Some(last.clone()), last.attempt_no)
        }
        Some(last) if last.outcome == "pending" => return Ok(ChargeOutcome::Pending),
        Some(last) => match last
            .next_attempt_on
            .as_deref()
            .and_then(|d| d.parse::<Date>().ok())
        {
            Some(next) if next <= today => (None, last.attempt_no + 1),
            next => {
                return Ok(ChargeOutcome::Failed {
                    message: last.failure_message.clone(),
                    next_attempt_on: next,
                });
            }
        },
        None => (None, 1),
    };
    if due.amounts.balance().0 <= 0 {
        return Ok(ChargeOutcome::NothingDue);
    }
    let config = require_settings(app, scoped).await?;
    let attempt = match attempt {
        Some(attempt) => attempt,
        None => {
            let mut tx = scoped.begin().await?;
            let claimed = tx
                .insert_charge_attempt(
                    &NewChargeAttempt {
                        invoice,
                        attempt_no,
                        attempted_on: today,
                        amount_cents: due.amounts.balance().0,
                        provider_method_id: &method.provider_method_id,
                    },
                    now,
                )
                .await?;
            let Some(id) = claimed else {
                // Another run claimed this attempt first: it makes the charge.
                return Ok(ChargeOutcome::Pending);
            };
            tx.commit().await?;
            scoped.charge_attempt(id).await?.ok_or(AppError::NotFound)?
        }
    };
    let amount = attempt.amount_cents.unwrap_or(due.amounts.balance().0);
    let society = scoped.society();
    let form = api::fields([
        ("amount", amount.to_string()),
        ("currency", "usd".into()),
        ("customer", method.provider_customer_id.clone()),
        ("payment_method", method.provider_method_id.clone()),
        ("payment_method_types[0]", method.kind.clone()),
        ("off_session", "true".into()),
        ("confirm", "true".into()),
        (
            "description",
            format!("{} invoice {}", society.short_name, due.display_number()),
        ),
        ("metadata[society]", society.id.to_string()),
        ("metadata[invoice]", invoice.to_string()),
        ("metadata[charge_attempt]", attempt.id.to_string()),
    ]);
    let key = format!(
        "chapterhouse-{}-{}-{}",
        society.id, invoice, attempt.attempt_no
    );
    let result: Result<PaymentIntent, ApiError> = config
        .api()
        .post("/v1/payment_intents", &form, Some(&key))
        .await;
    match result {
        Ok(intent) => {
            let mut tx = scoped.begin().await?;
            tx.set_charge_provider_ref(attempt.id, &intent.id).await?;
            let outcome = match intent.status.as_str() {
                "succeeded" => ChargeOutcome::Succeeded,
                "processing" => ChargeOutcome::Pending,
                _ => {
                    let message = "The bank asked for the payer to confirm this payment, which cannot happen while they are away.";
                    let next = fail_and_notify(
                        app,
                        scoped,
                        &mut tx,
                        &attempt,
                        &due,
                        &method.label,
                        message,
                    )
                    .await?;
                    ChargeOutcome::Failed {
                        message: message.to_string(),
                        next_attempt_on: next,
                    }
                }
            };
            tx.commit().await?;
            Ok(outcome)
        }
        Err(ApiError::Stripe {
            message,
            payment_intent,
            status,
            ..
        }) if status == 402 || payment_intent.is_some() => {
            let mut tx = scoped.begin().await?;
            if let Some(intent) = &payment_intent {
                tx.set_charge_provider_ref(attempt.id, &intent.id).await?;
            }
            let next = fail_and_notify(
                app,
                scoped,
                &mut tx,
                &attempt,
                &due,
                &method.label,
                &message,
            )
            .await?;
            tx.commit().await?;
            Ok(ChargeOutcome::Failed {
                message,
                next_attempt_on: next,
            })
        }
        Err(error) => {
            // Unknown outcome (network) or a request Stripe refused outright: the attempt stays
            // pending without a reference and is asked again, with the same key, after an hour.
            tracing::warn!(%error, invoice = %invoice, "automatic renewal charge not confirmed");
            Err(AppError::Internal(error.into()))
        }
    }
}

/// Mark a pending attempt failed, schedule the next one, and (only if it was still pending, so
/// a repeated report mails nothing) email the payer asking for a new payment method.
pub(crate) async fn fail_and_notify(
    app: &App,
    scoped: &Scoped,
    tx: &mut ScopedTx,
    attempt: &ChargeAttemptRow,
    due: &Invoice,
    method_label: &str,
    message: &str,
) -> AppResult<Option<Date>> {
    let attempts = scoped.charge_attempts(attempt.invoice_id).await?;
    let first_on = attempts
        .first()
        .and_then(|a| a.attempted_on.parse::<Date>().ok())
        .unwrap_or_else(|| today(app, scoped));
    let next = rules::next_attempt_on(first_on, attempt.attempt_no);
    if !tx.fail_charge_attempt(attempt.id, message, next).await? {
        return Ok(next);
    }
    let now = app.now();
    if !due.bill_to_email.is_empty() {
        let email = charge_failed_email(
            app,
            scoped,
            due,
            attempt.amount_cents.unwrap_or(due.amounts.balance().0),
            method_label,
            message,
            next,
        );
        enqueue_email(tx, &email, now).await?;
    }
    tx.audit(
        NewAudit {
            actor: None,
            action: "payments.charge_failed",
            subject: &format!("invoice {}", due.display_number()),
            detail: &format!("attempt {}: {message}", attempt.attempt_no),
            ip: "",
        },
        now,
    )
    .await?;
    Ok(next)
}

fn charge_failed_email(
    app: &App,
    scoped: &Scoped,
    due: &Invoice,
    amount_cents: i64,
    method_label: &str,
    message: &str,
    next: Option<Date>,
) -> EmailJob {
    let society = scoped.society();
    let base = app.links.base_url(society);
    let method = if method_label.is_empty() {
        "your saved payment method".to_string()
    } else {
        method_label.to_string()
    };
    let retry = match next {
        Some(date) => format!("We will try again on {}. ", date.strftime("%A %-d %B %Y")),
        None => {
            "We will not try this card or account again; the invoice stays open until it is paid. "
                .to_string()
        }
    };
    let greeting = if due.bill_to_name.trim().is_empty() {
        "Hello,".to_string()
    } else {
        format!("Dear {},", due.bill_to_name.trim())
    };
    EmailJob {
        to: due.bill_to_email.clone(),
        subject: format!(
            "{}: your automatic renewal payment did not go through",
            society.short_name
        ),
        text: format!(
            "{greeting}\n\nWe tried to charge {method} {} for invoice {} (your {} membership \
             renewal), and the payment was declined.\nThe card issuer or bank said: {message}\n\n\
             {retry}To use a different card or bank account, sign in and choose a new payment \
             method here:\n{base}/account/membership\n\nIf you have questions, reply to this \
             email.\n",
            Cents(amount_cents),
            due.display_number(),
            society.name,
        ),
    }
}

/// The daily run's retry step: every invoice whose last automatic charge failed and whose retry
/// date has come is charged again on the membership's current saved method (the payer may have
/// chosen a new one since). Invoices whose membership no longer has a method are left for the
/// emailed invoice. Returns each invoice tried and its outcome.
pub async fn retry_due_charges(
    app: &App,
    scoped: &Scoped,
) -> AppResult<Vec<(InvoiceId, ChargeOutcome)>> {
    let today = today(app, scoped);
    let mut out = Vec::new();
    for attempt in scoped.charge_retries_due(today).await? {
        let Some(due) = scoped.invoice(attempt.invoice_id).await? else {
            continue;
        };
        let Some(membership) = due.membership else {
            continue;
        };
        let Some(Some(method)) = scoped.auto_renewal(membership).await? else {
            continue;
        };
        // One invoice's trouble (no answer from Stripe, keys removed) does not stop the others.
        match charge_off_session(app, scoped, attempt.invoice_id, method).await {
            Ok(outcome) => out.push((attempt.invoice_id, outcome)),
            Err(error) => {
                tracing::warn!(?error, invoice = %attempt.invoice_id, "automatic renewal retry not made");
            }
        }
    }
    Ok(out)
}

/// The saved methods of the signed-in person.
pub async fn methods_of(scoped: &Scoped, user: &CurrentUser) -> AppResult<Vec<PaymentMethodRow>> {
    Ok(scoped
        .payment_methods_of_person(PersonId(user.account.person_id))
        .await?)
}

/// Remove one of the signed-in person's saved methods. Automatic renewal stays on without a
/// method (the next renewal is invoiced by email) until they add another. The method is also
/// detached at Stripe, best effort: a failure there is logged, and the method is gone here.
pub async fn remove_method(
    app: &App,
    scoped: &Scoped,
    user: &CurrentUser,
    id: PaymentMethodId,
    actor: &Actor,
) -> AppResult<()> {
    let person = PersonId(user.account.person_id);
    let method = scoped
        .payment_method(id)
        .await?
        .filter(|m| m.person_id == Some(person.0))
        .ok_or(AppError::NotFound)?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    if !tx.delete_payment_method(id, person).await? {
        return Err(AppError::NotFound);
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "payments.method_removed",
            subject: &method.label,
            detail: &method.provider_method_id,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    if let Some(config) = settings(app, scoped).await? {
        let detached: Result<serde_json::Value, ApiError> = config
            .api()
            .post(
                &format!("/v1/payment_methods/{}/detach", method.provider_method_id),
                &[],
                None,
            )
            .await;
        if let Err(error) = detached {
            tracing::warn!(%error, "could not detach a removed payment method at Stripe");
        }
    }
    Ok(())
}

/// Start adding a card or bank account without paying (a setup-mode Checkout Session). When it
/// completes, the method is saved and automatic renewal of the person's membership uses it.
pub async fn start_method_setup(
    app: &App,
    scoped: &Scoped,
    user: &CurrentUser,
    success_url: &str,
    cancel_url: &str,
) -> AppResult<String> {
    let config = require_settings(app, scoped).await?;
    let person = PersonId(user.account.person_id);
    let existing = scoped.payment_methods_of_person(person).await?;
    let api = config.api();
    let customer = match existing.first() {
        Some(method) => method.provider_customer_id.clone(),
        None => {
            #[derive(Deserialize)]
            struct Customer {
                id: String,
            }
            let created: Customer = api
                .post(
                    "/v1/customers",
                    &api::fields([
                        ("email", user.account.email.clone()),
                        ("name", user.account.display_name.clone()),
                        ("metadata[society]", scoped.society_id().to_string()),
                        ("metadata[person]", person.to_string()),
                    ]),
                    Some(&format!(
                        "chapterhouse-customer-{}-{person}",
                        scoped.society_id()
                    )),
                )
                .await
                .map_err(unreachable_processor)?;
            created.id
        }
    };
    let session: CheckoutSession = api
        .post(
            "/v1/checkout/sessions",
            &api::fields([
                ("mode", "setup".into()),
                ("payment_method_types[0]", "card".into()),
                ("payment_method_types[1]", "us_bank_account".into()),
                ("currency", "usd".into()),
                ("customer", customer),
                ("client_reference_id", person.to_string()),
                ("metadata[society]", scoped.society_id().to_string()),
                ("metadata[person]", person.to_string()),
                ("success_url", success_url.to_string()),
                ("cancel_url", cancel_url.to_string()),
            ]),
            None,
        )
        .await
        .map_err(unreachable_processor)?;
    let url = session
        .url
        .clone()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("setup session without a URL")))?;
    let membership = scoped.membership_of_person(person).await?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    tx.insert_setup_session(&session.id, person, membership, now)
        .await?;
    tx.commit().await?;
    Ok(url)
}
