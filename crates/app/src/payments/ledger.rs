//! Where a verified processor payment meets the ledger: billing records it (once per provider
//! reference), which for a fully paid dues invoice adds the term and stores the new status, and
//! mails the receipt.

use chapterhouse_core::money::Cents;
use chapterhouse_core::{InvoiceId, PaymentId};
use chapterhouse_store::Scoped;
use jiff::civil::Date;

use crate::billing::{self, NewPayment, PaymentMethodKind};
use crate::{Actor, App, AppResult};

/// Record money Stripe confirmed (through a verified webhook) against an invoice. Idempotent on
/// `provider_ref` (the PaymentIntent id): a second call with the same reference changes nothing
/// and returns the payment recorded the first time.
#[allow(clippy::too_many_arguments)]
pub async fn record_verified_payment(
    app: &App,
    scoped: &Scoped,
    invoice: InvoiceId,
    amount: Cents,
    ach: bool,
    provider_ref: &str,
    received_on: Date,
    actor: &Actor,
) -> AppResult<PaymentId> {
    let payment = billing::record_payment(
        app,
        scoped,
        actor,
        NewPayment {
            invoice,
            amount,
            method: if ach {
                PaymentMethodKind::Ach
            } else {
                PaymentMethodKind::Card
            },
            reference: provider_ref.to_string(),
            provider_ref: Some(provider_ref.to_string()),
            received_on,
        },
    )
    .await?;
    // A registration paid for after its hold lapsed, with no seat left: refund it (once; also
    // when this is a redelivery after a crash between the two steps).
    crate::registrations::settle_late_payment(app, scoped, invoice, payment).await?;
    Ok(payment)
}
