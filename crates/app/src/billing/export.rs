//! Accounting exports for a period, as CSV files QuickBooks Online imports: invoices issued
//! (one row per line, the revenue account as product/service) and payments received (refunds
//! as negative rows). Both start with the UTF-8 byte-order mark for Excel, and text cells are
//! neutralised against formula injection.

use chapterhouse_core::billing::{
    DocumentKind, PAYMENTS_HEADER, PaymentExportRow, QBO_INVOICE_HEADER, QboInvoiceLine,
};
use chapterhouse_core::money::Cents;
use chapterhouse_store::Scoped;
use jiff::civil::Date;

use crate::AppResult;
use crate::export::csv_text;

/// Invoices issued from `from` to `to` (inclusive) in QuickBooks Online's invoice import format.
pub async fn invoices_csv(scoped: &Scoped, from: Date, to: Date) -> AppResult<String> {
    let lines = scoped.invoice_lines_issued_between(from, to).await?;
    let rows = lines
        .iter()
        .map(|l| {
            QboInvoiceLine {
                invoice_number: l.invoice_number,
                customer: &l.bill_to_name,
                issued_on: l.issued_on,
                due_on: l.due_on,
                item: &l.account_name,
                description: &l.description,
                quantity: l.quantity,
                unit: l.unit,
                amount: l.amount,
            }
            .cells()
        })
        .collect::<Vec<_>>();
    Ok(csv_text(QBO_INVOICE_HEADER, rows, true))
}

/// Payments received and refunds made from `from` to `to` (inclusive), by date then number.
pub async fn payments_csv(scoped: &Scoped, from: Date, to: Date) -> AppResult<String> {
    let payments = scoped.payments_received_between(from, to).await?;
    let refunds = scoped.refunds_made_between(from, to).await?;
    let mut rows: Vec<(Date, u8, i64, [String; 8])> = Vec::new();
    for p in &payments {
        let row = PaymentExportRow {
            kind: DocumentKind::Payment,
            number: p.number,
            customer: &p.bill_to_name,
            on: p.received_on,
            invoice_number: p.invoice_number,
            method: &p.method,
            reference: &p.reference,
            amount: p.amount,
            memo: "",
        };
        rows.push((p.received_on, 0, p.number, row.cells()));
    }
    for r in &refunds {
        let memo = format!(
            "Refund of {}: {}",
            DocumentKind::Payment.display(r.payment_number),
            r.reason
        );
        let row = PaymentExportRow {
            kind: DocumentKind::Refund,
            number: r.number,
            customer: &r.bill_to_name,
            on: r.refunded_on,
            invoice_number: r.invoice_number,
            method: &r.method,
            reference: r.provider_ref.as_deref().unwrap_or(""),
            amount: Cents(-r.amount.0),
            memo: &memo,
        };
        rows.push((r.refunded_on, 1, r.number, row.cells()));
    }
    rows.sort_by_key(|a| (a.0, a.1, a.2));
    Ok(csv_text(
        PAYMENTS_HEADER,
        rows.into_iter().map(|(_, _, _, cells)| cells),
        true,
    ))
}
