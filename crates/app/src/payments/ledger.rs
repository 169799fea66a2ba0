//! Where a verified processor payment meets the ledger: billing records it (once per provider
//! reference), which for a fully paid dues invoice adds the term and stores the new status.

use chapterhouse_core::money::Cents;
use chapterhouse_core::{InvoiceId, PaymentId};
use chapterhouse_store::Scoped;
use jiff::civil::Date;

use crate::{Actor, App, AppError, AppResult};

/// Record money Stripe confirmed (through a verified webhook) against an invoice. Idempotent on
/// `provider_ref`: a second call with the same reference changes nothing.
#[allow(clippy::too_many_arguments)]
pub async fn record_verified_payment(
    _app: &App,
    _scoped: &Scoped,
    _invoice: InvoiceId,
    _amount: Cents,
    _ach: bool,
    _provider_ref: &str,
    _received_on: Date,
    _actor: &Actor,
) -> AppResult<PaymentId> {
    Err(AppError::Internal(anyhow::anyhow!(
        "billing::record_payment is not merged yet"
    )))
}
