//! Stripe's webhooks: the only source of payment confirmation.
//!
//! 1. The `Stripe-Signature` must verify with the society's own signing secret (within five
//!    minutes); otherwise the request is logged in `webhook_rejection` and answered 400.
//! 2. An event id already in `webhook_event` is a replay: 200, nothing changes.
//! 3. The amount in the event must equal what we created the session or intent for; otherwise
//!    the event is logged as a rejection and nothing is recorded.
//! 4. The event id is written in the same transaction as the event's effects, first, so two
//!    deliveries at once act once. Money goes through billing, which records a provider
//!    reference once, before that transaction: a crash between the two leaves the event to be
//!    delivered again, and the second delivery finds the payment already there.

use chapterhouse_core::money::Cents;
use chapterhouse_core::stripe::{self as rules, TOLERANCE_SECONDS};
use chapterhouse_core::{ChargeAttemptId, MembershipId, PersonId, PracticeId};
use chapterhouse_store::{NewAudit, NewPaymentMethod, Scoped, ScopedTx, Society};
use serde::de::DeserializeOwned;

use super::api::{Charge, CheckoutSession, Event, PaymentIntent, PaymentMethod, SetupIntent};
use super::{StripeSettings, fail_and_notify, ledger, settings};
use crate::mail::{EmailJob, enqueue_email};
use crate::membership::today;
use crate::{Actor, App, AppError, AppResult};

/// How a webhook was answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WebhookResult {
    /// Missing or wrong signature (or payments not set up): 400; logged, nothing changed.
    BadSignature,
    /// This event id was acted on before: 200, nothing changed.
    Replay,
    /// Signed, but refused (amount mismatch, a session we never created…): 200 so Stripe stops
    /// sending it; logged for staff, nothing recorded.
    Refused(String),
    /// Acted on, or deliberately ignored: 200. The text is the outcome staff see.
    Processed(String),
}

impl WebhookResult {
    pub fn status_code(&self) -> u16 {
        match self {
            WebhookResult::BadSignature => 400,
            _ => 200,
        }
    }
}

/// The first few hundred characters of a body, printable only, for the rejection log.
fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(400)])
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(300)
        .collect()
}

/// At most this many rejections a minute are written per society: the endpoint is public, and a
/// flood of junk must not fill the database (the requests are still refused).
const REJECTIONS_PER_MINUTE: i64 = 60;

async fn log_rejection(app: &App, scoped: &Scoped, reason: &str, body: &[u8]) -> AppResult<()> {
    let recent = scoped
        .webhook_rejections_since(app.now().plus_seconds(-60))
        .await?;
    if recent >= REJECTIONS_PER_MINUTE {
        tracing::warn!(society = %scoped.society_id(), reason, "webhook rejected (not logged: too many this minute)");
        return Ok(());
    }
    let mut tx = scoped.begin().await?;
    tx.insert_webhook_rejection(reason, &excerpt(body), app.now())
        .await?;
    tx.commit().await?;
    tracing::warn!(society = %scoped.society_id(), reason, "webhook rejected");
    Ok(())
}

/// Verify, deduplicate and act on one webhook delivery for `society` (from the request's host).
pub async fn handle_webhook(
    app: &App,
    society: &Society,
    signature_header: &str,
    raw_body: &[u8],
) -> AppResult<WebhookResult> {
    let scoped = app.scoped(society);
    let Some(config) = settings(app, &scoped).await? else {
        log_rejection(
            app,
            &scoped,
            "payments are not set up for this society, so no signature can verify",
            raw_body,
        )
        .await?;
        return Ok(WebhookResult::BadSignature);
    };
    let now_unix = app.now().0.div_euclid(1_000_000);
    if let Err(error) = rules::verify(
        signature_header,
        raw_body,
        &config.webhook_secret,
        now_unix,
        TOLERANCE_SECONDS,
    ) {
        log_rejection(app, &scoped, &format!("bad signature: {error}"), raw_body).await?;
        return Ok(WebhookResult::BadSignature);
    }
    let event: Event = match serde_json::from_slice::<Event>(raw_body) {
        Ok(event) if event.object == "event" && !event.id.is_empty() => event,
        _ => {
            return refuse(app, &scoped, "signed, but not a Stripe event", raw_body).await;
        }
    };
    if scoped.webhook_event_seen(&event.id).await? {
        return Ok(WebhookResult::Replay);
    }
    let handler = Handler {
        app,
        scoped: &scoped,
        config: &config,
        event: &event,
        raw_body,
    };
    match event.kind.as_str() {
        "checkout.session.completed"
        | "checkout.session.async_payment_succeeded"
        | "checkout.session.async_payment_failed" => handler.checkout().await,
        "payment_intent.succeeded" | "payment_intent.payment_failed" => {
            handler.payment_intent().await
        }
        "charge.refunded" => handler.refunded().await,
        _ => {
            handler
                .finish(None, "ignored: not an event we act on")
                .await
        }
    }
}

async fn refuse(app: &App, scoped: &Scoped, reason: &str, body: &[u8]) -> AppResult<WebhookResult> {
    log_rejection(app, scoped, reason, body).await?;
    Ok(WebhookResult::Refused(reason.to_string()))
}

struct Handler<'a> {
    app: &'a App,
    scoped: &'a Scoped,
    config: &'a StripeSettings,
    event: &'a Event,
    raw_body: &'a [u8],
}

/// A saved method to keep, and whose it is.
struct MethodToSave {
    person: Option<PersonId>,
    practice: Option<PracticeId>,
    membership: Option<MembershipId>,
    customer: String,
    method: PaymentMethod,
}

impl MethodToSave {
    fn label(&self) -> String {
        match (&self.method.card, &self.method.us_bank_account) {
            (Some(card), _) => rules::card_label(&card.brand, &card.last4),
            (None, Some(bank)) => {
                rules::bank_label(bank.bank_name.as_deref().unwrap_or(""), &bank.last4)
            }
            (None, None) => format!("Saved {}", self.method.kind.replace('_', " ")),
        }
    }

    fn kind(&self) -> &'static str {
        if self.method.kind == "us_bank_account" {
            "us_bank_account"
        } else {
            "card"
        }
    }
}

/// "paid $400.00 on invoice INV-000001; saved Visa •••• 4242 for automatic renewal".
fn with_saved(outcome: String, to_save: &Option<MethodToSave>) -> String {
    match to_save {
        Some(save) => format!("{outcome}; saved {} for automatic renewal", save.label()),
        None => outcome,
    }
}

impl Handler<'_> {
    fn object<T: DeserializeOwned>(&self) -> Result<T, String> {
        serde_json::from_value(self.event.data.object.clone()).map_err(|e| {
            format!(
                "{} carried an object we could not read: {e}",
                self.event.kind
            )
        })
    }

    async fn refuse(&self, reason: &str) -> AppResult<WebhookResult> {
        refuse(self.app, self.scoped, reason, self.raw_body).await
    }

    /// Start the event's transaction with the event id; `None` when it was taken meanwhile.
    async fn begin(&self, outcome: &str) -> AppResult<Option<ScopedTx>> {
        let mut tx = self.scoped.begin().await?;
        if !tx
            .insert_webhook_event(&self.event.id, &self.event.kind, outcome, self.app.now())
            .await?
        {
            return Ok(None);
        }
        Ok(Some(tx))
    }

    /// Record the event (and audit it) in `tx`, or in a transaction of its own.
    async fn finish(&self, tx: Option<ScopedTx>, outcome: &str) -> AppResult<WebhookResult> {
        let mut tx = match tx {
            Some(tx) => tx,
            None => match self.begin(outcome).await? {
                Some(tx) => tx,
                None => return Ok(WebhookResult::Replay),
            },
        };
        tx.audit(
            NewAudit {
                actor: None,
                action: "payments.webhook",
                subject: &format!("{} {}", self.event.kind, self.event.id),
                detail: outcome,
                ip: "",
            },
            self.app.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(WebhookResult::Processed(outcome.to_string()))
    }

    async fn fetch<T: DeserializeOwned>(&self, path: &str) -> AppResult<T> {
        self.config
            .api()
            .get(path, &[("expand[]", "payment_method")])
            .await
            .map_err(|e| AppError::Internal(e.into()))
    }

    async fn save_method(&self, tx: &mut ScopedTx, save: &MethodToSave) -> AppResult<()> {
        let label = save.label();
        let id = tx
            .upsert_payment_method(
                &NewPaymentMethod {
                    person: save.person,
                    practice: save.practice,
                    provider_customer_id: &save.customer,
                    provider_method_id: &save.method.id,
                    kind: save.kind(),
                    label: &label,
                },
                self.app.now(),
            )
            .await?;
        if let Some(membership) = save.membership {
            tx.set_auto_renewal(membership, Some(id), self.app.now())
                .await?;
        }
        Ok(())
    }

    async fn checkout(&self) -> AppResult<WebhookResult> {
        let session: CheckoutSession = match self.object() {
            Ok(session) => session,
            Err(reason) => return self.refuse(&reason).await,
        };
        if let Some(society) = session.metadata.get("society")
            && *society != self.scoped.society_id().to_string()
        {
            return self
                .refuse(&format!(
                    "checkout session {} belongs to another society",
                    session.id
                ))
                .await;
        }
        if session.mode == "setup" {
            return self.setup_completed(session).await;
        }
        let Some(row) = self.scoped.checkout_session(&session.id).await? else {
            return self
                .refuse(&format!(
                    "checkout session {} was not started on this site",
                    session.id
                ))
                .await;
        };
        let currency = session.currency.as_deref().unwrap_or("");
        if session.amount_total != Some(row.amount_cents) || !currency.eq_ignore_ascii_case("usd") {
            return self
                .refuse(&format!(
                    "amount mismatch: checkout session {} reports {} {currency}, but it was created for {} usd",
                    session.id,
                    session
                        .amount_total
                        .map(|a| a.to_string())
                        .unwrap_or_else(|| "no amount".into()),
                    row.amount_cents
                ))
                .await;
        }
        let Some(due) = self.scoped.invoice(row.invoice_id).await? else {
            return self.refuse("the session's invoice no longer exists").await;
        };
        let intent = match &session.payment_intent {
            Some(pi) => Some(
                self.fetch::<PaymentIntent>(&format!("/v1/payment_intents/{}", pi.id()))
                    .await?,
            ),
            None => None,
        };
        if let Some(intent) = &intent
            && intent.amount != row.amount_cents
        {
            return self
                .refuse(&format!(
                    "amount mismatch: payment {} is for {}, but the session was created for {}",
                    intent.id, intent.amount, row.amount_cents
                ))
                .await;
        }
        let payment_ref = intent
            .as_ref()
            .map(|i| i.id.clone())
            .unwrap_or_else(|| session.id.clone());
        let method = intent
            .as_ref()
            .and_then(|i| i.payment_method.as_ref())
            .and_then(|m| m.object())
            .cloned();
        let ach = method
            .as_ref()
            .map(|m| m.kind == "us_bank_account")
            .or_else(|| {
                intent.as_ref().map(|i| {
                    i.payment_method_types.first().map(String::as_str) == Some("us_bank_account")
                })
            })
            .unwrap_or(false);
        let to_save = match (row.save_method, method) {
            (true, Some(method)) => {
                let customer = session
                    .customer
                    .clone()
                    .or_else(|| intent.as_ref().and_then(|i| i.customer.clone()))
                    .or_else(|| method.customer.clone());
                customer.map(|customer| MethodToSave {
                    person: due.person,
                    practice: due.practice,
                    membership: due.membership,
                    customer,
                    method,
                })
            }
            _ => None,
        };
        let paid = session.payment_status == "paid";
        let now = self.app.now();
        match self.event.kind.as_str() {
            "checkout.session.completed" | "checkout.session.async_payment_succeeded" if paid => {
                let today = today(self.app, self.scoped);
                ledger::record_verified_payment(
                    self.app,
                    self.scoped,
                    row.invoice_id,
                    Cents(row.amount_cents),
                    ach,
                    &payment_ref,
                    today,
                    &Actor::default(),
                )
                .await?;
                let outcome = with_saved(
                    format!(
                        "paid {} on invoice {}",
                        Cents(row.amount_cents),
                        due.display_number()
                    ),
                    &to_save,
                );
                let Some(mut tx) = self.begin(&outcome).await? else {
                    return Ok(WebhookResult::Replay);
                };
                tx.set_checkout_session_status(
                    &session.id,
                    ["open", "processing"],
                    "paid",
                    Some(&payment_ref),
                    now,
                )
                .await?;
                if let Some(save) = &to_save {
                    self.save_method(&mut tx, save).await?;
                }
                self.finish(Some(tx), &outcome).await
            }
            "checkout.session.completed" => {
                // A bank payment: Stripe confirms it days later with async_payment_succeeded.
                let outcome = with_saved(
                    format!(
                        "bank payment of {} on invoice {} is processing",
                        Cents(row.amount_cents),
                        due.display_number()
                    ),
                    &to_save,
                );
                let Some(mut tx) = self.begin(&outcome).await? else {
                    return Ok(WebhookResult::Replay);
                };
                tx.set_checkout_session_status(
                    &session.id,
                    ["open", "open"],
                    "processing",
                    Some(&payment_ref),
                    now,
                )
                .await?;
                if let Some(save) = &to_save {
                    self.save_method(&mut tx, save).await?;
                }
                self.finish(Some(tx), &outcome).await
            }
            "checkout.session.async_payment_failed" => {
                let outcome = format!(
                    "bank payment of {} on invoice {} failed",
                    Cents(row.amount_cents),
                    due.display_number()
                );
                let Some(mut tx) = self.begin(&outcome).await? else {
                    return Ok(WebhookResult::Replay);
                };
                let moved = tx
                    .set_checkout_session_status(
                        &session.id,
                        ["open", "processing"],
                        "failed",
                        Some(&payment_ref),
                        now,
                    )
                    .await?;
                if moved && !due.bill_to_email.is_empty() {
                    let society = self.scoped.society();
                    let base = self.app.links.base_url(society);
                    enqueue_email(
                        &mut tx,
                        &EmailJob {
                            to: due.bill_to_email.clone(),
                            subject: format!(
                                "{}: your bank payment did not go through",
                                society.short_name
                            ),
                            text: format!(
                                "Hello,\n\nYour bank payment of {} for invoice {} was returned \
                                 by the bank, so the invoice is still open.\n\nYou can pay it \
                                 by card or another account after signing in here:\n\
                                 {base}/account/membership\n",
                                Cents(row.amount_cents),
                                due.display_number()
                            ),
                        },
                        now,
                    )
                    .await?;
                }
                self.finish(Some(tx), &outcome).await
            }
            _ => {
                self.refuse(&format!(
                    "{} for session {} says payment_status {:?}, not paid",
                    self.event.kind, session.id, session.payment_status
                ))
                .await
            }
        }
    }

    async fn setup_completed(&self, session: CheckoutSession) -> AppResult<WebhookResult> {
        let Some(row) = self.scoped.setup_session(&session.id).await? else {
            return self
                .refuse(&format!(
                    "setup session {} was not started on this site",
                    session.id
                ))
                .await;
        };
        let Some(setup) = &session.setup_intent else {
            return self.refuse("a setup session without a setup intent").await;
        };
        let intent: SetupIntent = self
            .fetch(&format!("/v1/setup_intents/{}", setup.id()))
            .await?;
        let method = intent
            .payment_method
            .as_ref()
            .and_then(|m| m.object())
            .cloned();
        let customer = session
            .customer
            .clone()
            .or_else(|| intent.customer.clone())
            .or_else(|| method.as_ref().and_then(|m| m.customer.clone()));
        let (Some(method), Some(customer)) = (method, customer) else {
            return self
                .refuse("the setup intent has no payment method or customer")
                .await;
        };
        let save = MethodToSave {
            person: Some(row.person_id),
            practice: None,
            membership: row.membership_id.map(MembershipId),
            customer,
            method,
        };
        let outcome = format!("saved {} for automatic renewal", save.label());
        let Some(mut tx) = self.begin(&outcome).await? else {
            return Ok(WebhookResult::Replay);
        };
        tx.complete_setup_session(&session.id, self.app.now())
            .await?;
        self.save_method(&mut tx, &save).await?;
        self.finish(Some(tx), &outcome).await
    }

    async fn payment_intent(&self) -> AppResult<WebhookResult> {
        let intent: PaymentIntent = match self.object() {
            Ok(intent) => intent,
            Err(reason) => return self.refuse(&reason).await,
        };
        let mut attempt = self
            .scoped
            .charge_attempt_by_provider_ref(&intent.id)
            .await?;
        if attempt.is_none()
            && let Some(id) = intent
                .metadata
                .get("charge_attempt")
                .and_then(|id| id.parse::<ChargeAttemptId>().ok())
        {
            // The webhook can arrive before our own request has stored the reference.
            attempt = self
                .scoped
                .charge_attempt(id)
                .await?
                .filter(|a| a.provider_ref.as_deref().is_none_or(|r| r == intent.id));
        }
        let Some(attempt) = attempt else {
            // Checkout's own payment intents come here too; the session's events record those.
            return self
                .finish(None, "ignored: not an automatic-renewal charge")
                .await;
        };
        if attempt.amount_cents != Some(intent.amount)
            || !intent.currency.eq_ignore_ascii_case("usd")
        {
            return self
                .refuse(&format!(
                    "amount mismatch: payment {} reports {} {}, but the charge was made for {} usd",
                    intent.id,
                    intent.amount,
                    intent.currency,
                    attempt.amount_cents.unwrap_or(0)
                ))
                .await;
        }
        let Some(due) = self.scoped.invoice(attempt.invoice_id).await? else {
            return self.refuse("the charge's invoice no longer exists").await;
        };
        if self.event.kind == "payment_intent.succeeded" {
            if attempt.outcome == "failed" {
                return self
                    .refuse(&format!(
                        "payment {} succeeded after it was reported declined; check it in Stripe's dashboard",
                        intent.id
                    ))
                    .await;
            }
            let ach =
                intent.payment_method_types.first().map(String::as_str) == Some("us_bank_account");
            ledger::record_verified_payment(
                self.app,
                self.scoped,
                attempt.invoice_id,
                Cents(intent.amount),
                ach,
                &intent.id,
                today(self.app, self.scoped),
                &Actor::default(),
            )
            .await?;
            let outcome = format!(
                "automatic renewal charge of {} on invoice {} succeeded",
                Cents(intent.amount),
                due.display_number()
            );
            let Some(mut tx) = self.begin(&outcome).await? else {
                return Ok(WebhookResult::Replay);
            };
            tx.set_charge_provider_ref(attempt.id, &intent.id).await?;
            tx.succeed_charge_attempt(attempt.id).await?;
            self.finish(Some(tx), &outcome).await
        } else {
            let message = intent
                .last_payment_error
                .as_ref()
                .and_then(|e| e.message.clone())
                .unwrap_or_else(|| "The payment was declined.".to_string());
            let outcome = format!(
                "automatic renewal charge on invoice {} failed: {message}",
                due.display_number()
            );
            let Some(mut tx) = self.begin(&outcome).await? else {
                return Ok(WebhookResult::Replay);
            };
            tx.set_charge_provider_ref(attempt.id, &intent.id).await?;
            let label = match &attempt.provider_method_id {
                Some(pm) => self
                    .scoped
                    .payment_method_by_provider(pm)
                    .await?
                    .map(|m| m.label)
                    .unwrap_or_default(),
                None => String::new(),
            };
            fail_and_notify(
                self.app,
                self.scoped,
                &mut tx,
                &attempt,
                &due,
                &label,
                &message,
            )
            .await?;
            self.finish(Some(tx), &outcome).await
        }
    }

    async fn refunded(&self) -> AppResult<WebhookResult> {
        let charge: Charge = match self.object() {
            Ok(charge) => charge,
            Err(reason) => return self.refuse(&reason).await,
        };
        let outcome = format!(
            "noted: {} of charge {} refunded in Stripe (record the refund on the invoice if staff have not)",
            Cents(charge.amount_refunded),
            charge.id
        );
        self.finish(None, &outcome).await
    }
}
