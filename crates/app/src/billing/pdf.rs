//! Invoice and receipt PDFs, drawn with the shared helpers in [`crate::pdf`] (base-14
//! Helvetica, US Letter; long invoices continue on further pages).

use chapterhouse_core::billing::{DocumentKind, nondeductible_notice};
use chapterhouse_core::money::Cents;
use chapterhouse_store::{Invoice, InvoiceDetail, Payment, Refund, Society};

pub use crate::pdf::us_long_date;
use crate::pdf::{Doc, MARGIN, PAGE_WIDTH, wrap};

/// A label and an amount on one line, right-aligned at the right margin.
fn total_line(doc: &mut Doc, label: &str, amount: &str, bold: bool) {
    doc.need(15.0);
    doc.put_right(PAGE_WIDTH - MARGIN - 110.0, label, 10.0, bold);
    doc.put_right(PAGE_WIDTH - MARGIN, amount, 10.0, bold);
    doc.y -= 15.0;
}

/// The society's letterhead on the left and the document's kind and number on the right.
fn letterhead(doc: &mut Doc, society: &Society, kind: &str, number: &str) {
    let top = doc.y;
    doc.put_right(PAGE_WIDTH - MARGIN, kind, 20.0, true);
    doc.y -= 18.0;
    doc.put_right(PAGE_WIDTH - MARGIN, number, 11.0, false);
    doc.y = top;
    doc.line(MARGIN, &society.name, 14.0, true);
    for line in society
        .postal_address
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        doc.line(MARGIN, line.trim(), 9.0, false);
    }
    let contact: Vec<&str> = [society.email.as_str(), society.phone.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    if !contact.is_empty() {
        doc.line(MARGIN, &contact.join("  •  "), 9.0, false);
    }
    doc.gap(14.0);
}

/// Label/value pairs in two columns.
fn facts(doc: &mut Doc, rows: &[(&str, String)]) {
    for (label, value) in rows {
        doc.need(14.0);
        doc.put(MARGIN, label, 10.0, true);
        doc.put(MARGIN + 110.0, value, 10.0, false);
        doc.y -= 14.0;
    }
}

fn bill_to(doc: &mut Doc, heading: &str, invoice: &Invoice) {
    doc.line(MARGIN, heading, 10.0, true);
    doc.line(MARGIN, &invoice.bill_to_name, 10.0, false);
    for line in invoice
        .bill_to_address
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        doc.line(MARGIN, line.trim(), 10.0, false);
    }
    if !invoice.bill_to_email.is_empty() {
        doc.line(MARGIN, &invoice.bill_to_email, 10.0, false);
    }
}

fn notice_6033e(doc: &mut Doc, invoice: &Invoice) {
    if invoice.nondeductible.0 > 0 {
        doc.gap(10.0);
        doc.paragraph(
            MARGIN,
            PAGE_WIDTH - 2.0 * MARGIN,
            &nondeductible_notice(invoice.nondeductible),
            9.0,
        );
    }
}

/// The invoice as a PDF: letterhead, number and dates, bill-to and PO, lines, total, paid,
/// credits and balance due, the 6033(e) notice when there is a non-deductible share.
pub fn invoice_pdf(society: &Society, detail: &InvoiceDetail) -> Vec<u8> {
    let invoice = &detail.invoice;
    let number = invoice.display_number();
    let mut doc = Doc::new(&format!("Invoice {number}"));
    let title = if invoice.void.is_some() {
        "INVOICE - VOID"
    } else {
        "INVOICE"
    };
    letterhead(&mut doc, society, title, &number);
    if let Some(void) = &invoice.void {
        doc.line(MARGIN, "VOID: nothing is owed on this invoice.", 14.0, true);
        doc.paragraph(
            MARGIN,
            PAGE_WIDTH - 2.0 * MARGIN,
            &format!(
                "Voided on {}. {}",
                us_long_date(void.at.local_date(&society.time_zone)),
                void.reason
            ),
            9.0,
        );
        doc.gap(8.0);
    }
    let mut rows = vec![
        ("Invoice number", number.clone()),
        ("Invoice date", us_long_date(invoice.issued_on)),
        ("Due date", us_long_date(invoice.due_on)),
    ];
    if !invoice.po_number.is_empty() {
        rows.push(("PO number", invoice.po_number.clone()));
    }
    facts(&mut doc, &rows);
    doc.gap(10.0);
    bill_to(&mut doc, "Bill to", invoice);
    doc.gap(16.0);

    // Lines: description | quantity | unit price | amount.
    let right = PAGE_WIDTH - MARGIN;
    let qty_right = right - 200.0;
    let unit_right = right - 95.0;
    let description_width = qty_right - 40.0 - MARGIN;
    doc.need(16.0);
    doc.put(MARGIN, "Description", 10.0, true);
    doc.put_right(qty_right, "Qty", 10.0, true);
    doc.put_right(unit_right, "Unit price", 10.0, true);
    doc.put_right(right, "Amount", 10.0, true);
    doc.y -= 8.0;
    doc.rule();
    for line in &detail.lines {
        let wrapped = wrap(&line.description, 10.0, description_width);
        doc.need(14.0 * wrapped.len() as f32);
        doc.put_right(qty_right, &line.quantity.to_string(), 10.0, false);
        doc.put_right(unit_right, &line.unit.to_string(), 10.0, false);
        doc.put_right(right, &line.amount.to_string(), 10.0, false);
        for text in wrapped {
            doc.line(MARGIN, &text, 10.0, false);
        }
        doc.gap(2.0);
    }
    doc.rule();
    let amounts = invoice.amounts;
    total_line(&mut doc, "Total", &amounts.total.to_string(), true);
    total_line(&mut doc, "Paid", &amounts.net_paid().to_string(), false);
    if amounts.credited.0 > 0 {
        total_line(&mut doc, "Credits", &amounts.credited.to_string(), false);
    }
    let balance = amounts.balance();
    if amounts.voided {
        total_line(
            &mut doc,
            "Balance due (void)",
            &Cents(balance.0.max(0)).to_string(),
            true,
        );
    } else if balance.0 < 0 {
        total_line(&mut doc, "Overpaid", &Cents(-balance.0).to_string(), true);
    } else {
        total_line(&mut doc, "Balance due", &balance.to_string(), true);
    }
    notice_6033e(&mut doc, invoice);
    if !invoice.memo.is_empty() {
        doc.gap(10.0);
        doc.paragraph(MARGIN, PAGE_WIDTH - 2.0 * MARGIN, &invoice.memo, 9.0);
    }
    if !detail.payments.is_empty() {
        doc.gap(12.0);
        doc.line(MARGIN, "Payments received", 10.0, true);
        for payment in &detail.payments {
            let text = format!(
                "{}  {}  {}  {}",
                us_long_date(payment.received_on),
                payment.display_number(),
                crate::billing::method_label(&payment.method),
                payment.amount
            );
            doc.line(MARGIN, &text, 9.0, false);
        }
    }
    doc.gap(12.0);
    let ask = if amounts.voided {
        format!("Invoice {number} was cancelled.")
    } else {
        format!("Please quote {number} with your payment.")
    };
    doc.paragraph(
        MARGIN,
        PAGE_WIDTH - 2.0 * MARGIN,
        &format!(
            "{ask} Questions: {}.",
            if society.email.is_empty() {
                society.name.as_str()
            } else {
                society.email.as_str()
            }
        ),
        9.0,
    );
    doc.finish()
}

/// A receipt for one payment: who paid, how much, how and when, for which invoice, what was
/// refunded of it and when (`refunds`: the invoice's refunds; those of other payments are left
/// out), and what is still due on it.
pub fn receipt_pdf(
    society: &Society,
    payment: &Payment,
    invoice: &Invoice,
    refunds: &[Refund],
) -> Vec<u8> {
    let refunds: Vec<&Refund> = refunds.iter().filter(|r| r.payment == payment.id).collect();
    let last_refund = refunds.iter().map(|r| r.refunded_on).max();
    let number = payment.display_number();
    let mut doc = Doc::new(&format!("Receipt {number}"));
    letterhead(&mut doc, society, "RECEIPT", &number);
    let mut rows = vec![
        ("Receipt number", number.clone()),
        ("Date received", us_long_date(payment.received_on)),
        ("Amount", payment.amount.to_string()),
        (
            "Paid by",
            if payment.reference.is_empty() {
                crate::billing::method_label(&payment.method).to_string()
            } else {
                format!(
                    "{} ({})",
                    crate::billing::method_label(&payment.method),
                    payment.reference
                )
            },
        ),
        ("For invoice", DocumentKind::Invoice.display(invoice.number)),
        ("Invoice total", invoice.amounts.total.to_string()),
    ];
    if payment.refunded.0 > 0 {
        rows.push((
            "Refunded",
            match last_refund {
                Some(on) => format!("{} on {}", payment.refunded, us_long_date(on)),
                None => payment.refunded.to_string(),
            },
        ));
    }
    let balance = invoice.amounts.balance();
    rows.push((
        "Balance due",
        if balance.0 < 0 {
            format!("{} overpaid", Cents(-balance.0))
        } else {
            balance.to_string()
        },
    ));
    facts(&mut doc, &rows);
    doc.gap(10.0);
    bill_to(&mut doc, "Received from", invoice);
    notice_6033e(&mut doc, invoice);
    doc.gap(12.0);
    if payment.refunded.0 > 0 && payment.refundable().0 <= 0 {
        // Refunded in full (a late payment for a registration that found no seat, say): the
        // receipt says so, with why, rather than reading as a payment that settled the invoice.
        let why: Vec<&str> = refunds
            .iter()
            .map(|r| r.reason.trim())
            .filter(|r| !r.is_empty())
            .collect();
        doc.paragraph(
            MARGIN,
            PAGE_WIDTH - 2.0 * MARGIN,
            &format!(
                "This payment was refunded in full ({}{}).{} Nothing is owed on it.",
                payment.refunded,
                last_refund
                    .map(|on| format!(" on {}", us_long_date(on)))
                    .unwrap_or_default(),
                if why.is_empty() {
                    String::new()
                } else {
                    format!(" {}", why.join(" "))
                },
            ),
            9.0,
        );
    } else {
        doc.paragraph(
            MARGIN,
            PAGE_WIDTH - 2.0 * MARGIN,
            &format!("Thank you. {} acknowledges this payment.", society.name),
            9.0,
        );
    }
    doc.finish()
}
