//! Money back to the payer: a payment that came through Stripe is refunded through Stripe's
//! refund API first, then recorded in the ledger ([`crate::billing::refund_payment`]); any other
//! payment (check, transfer, cash) is recorded for the office to pay back by the same means.
//!
//! One `key` per refund makes it safe to repeat: it is the Stripe `Idempotency-Key` (a repeated
//! request gets the first refund back rather than a second one) and the ledger refund's
//! reference (a repeat finds the recorded refund and does nothing).

use chapterhouse_core::billing::refund_problem;
use chapterhouse_core::money::Cents;
use chapterhouse_core::{PaymentId, RefundId};
use chapterhouse_store::Scoped;
use serde::Deserialize;

use super::api::{self, ApiError, CheckoutSession};
use crate::{Actor, App, AppError, AppResult, billing};

#[derive(Deserialize)]
struct StripeRefund {
    id: String,
    #[serde(default)]
    status: String,
}

/// Refund `amount` of `payment` once per `key` (see the module's notes). Returns the ledger's
/// refund.
pub async fn refund_to_payer(
    app: &App,
    scoped: &Scoped,
    actor: &Actor,
    payment: PaymentId,
    amount: Cents,
    reason: String,
    key: &str,
) -> AppResult<RefundId> {
    let mut tx = scoped.begin().await?;
    let recorded = tx.refund_by_provider_ref(key).await?;
    drop(tx);
    if let Some(existing) = recorded {
        return Ok(existing);
    }
    let paid = scoped.payment(payment).await?.ok_or(AppError::NotFound)?;
    if let Some(problem) = refund_problem(amount, paid.refundable()) {
        return Err(AppError::field("amount", &problem));
    }
    let provider_ref = paid.provider_ref.clone().unwrap_or_default();
    if provider_ref.starts_with("pi_") || provider_ref.starts_with("cs_") {
        let settings = super::settings(app, scoped).await?.ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "a Stripe payment cannot be refunded: payments are no longer set up"
            ))
        })?;
        let stripe = settings.api();
        let intent = if provider_ref.starts_with("cs_") {
            let session: CheckoutSession = stripe
                .get(&format!("/v1/checkout/sessions/{provider_ref}"), &[])
                .await
                .map_err(stripe_error)?;
            session
                .payment_intent
                .map(|i| i.id().to_string())
                .ok_or_else(|| {
                    AppError::Internal(anyhow::anyhow!(
                        "Checkout Session {provider_ref} has no payment to refund"
                    ))
                })?
        } else {
            provider_ref.clone()
        };
        let society = scoped.society();
        let refund: StripeRefund = stripe
            .post(
                "/v1/refunds",
                &api::fields([
                    ("payment_intent", intent),
                    ("amount", amount.0.to_string()),
                    ("metadata[society]", society.id.to_string()),
                    ("metadata[payment]", payment.to_string()),
                ]),
                Some(key),
            )
            .await
            .map_err(stripe_error)?;
        if refund.status == "failed" || refund.status == "canceled" {
            return Err(AppError::Internal(anyhow::anyhow!(
                "Stripe refund {} ended {}",
                refund.id,
                refund.status
            )));
        }
    }
    billing::refund_payment(
        app,
        scoped,
        actor,
        payment,
        amount,
        reason,
        Some(key.into()),
    )
    .await
}

fn stripe_error(e: ApiError) -> AppError {
    AppError::Internal(anyhow::anyhow!("Stripe refund: {e}"))
}
