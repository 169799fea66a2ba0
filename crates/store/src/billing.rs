//! Invoices, payments, refunds and credit memos, their gapless numbers, and revenue accounts.
//!
//! Documents are written once and never updated or deleted: corrections are credit memos, money
//! back is a refund. Balances are computed from the documents (see `core::billing`). Numbers come
//! from `document_counter`, bumped inside the transaction that writes the document, so a
//! rolled-back document gives its number back and two writers never share one.

use chapterhouse_core::billing::{DocumentKind, InvoiceAmounts};
use chapterhouse_core::money::Cents;
use chapterhouse_core::{
    CreditMemoId, InvoiceId, MembershipId, PaymentId, PersonId, PracticeId, RefundId,
    RevenueAccountId, Timestamp, UserId,
};
use jiff::civil::Date;
use uuid::Uuid;

use crate::{Scoped, ScopedTx, StoreError, StoreResult, conflict_on, exec, on};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RevenueAccount {
    #[sqlx(try_from = "Uuid")]
    pub id: RevenueAccountId,
    pub code: String,
    pub name: String,
    pub archived: bool,
}

/// An invoice with the sums of what happened to it.
#[derive(Clone, Debug)]
pub struct Invoice {
    pub id: InvoiceId,
    pub number: i64,
    pub person: Option<PersonId>,
    pub practice: Option<PracticeId>,
    pub bill_to_name: String,
    pub bill_to_email: String,
    pub bill_to_address: String,
    pub po_number: String,
    pub issued_on: Date,
    pub due_on: Date,
    pub nondeductible: Cents,
    pub memo: String,
    pub purpose: String,
    pub membership: Option<MembershipId>,
    pub term_start: Option<Date>,
    pub term_end: Option<Date>,
    pub dedup_key: Option<String>,
    pub created_at: Timestamp,
    pub amounts: InvoiceAmounts,
    /// Set while the invoice is void (`amounts.voided` says the same for the arithmetic).
    pub void: Option<InvoiceVoid>,
}

/// Why and when an invoice was voided, and by whom (a staff member's name or a job's words).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceVoid {
    pub at: Timestamp,
    pub reason: String,
    pub by: String,
}

impl Invoice {
    pub fn display_number(&self) -> String {
        DocumentKind::Invoice.display(self.number)
    }
}

#[derive(Clone, Debug)]
pub struct InvoiceLine {
    pub line_no: i64,
    pub description: String,
    pub quantity: i64,
    pub unit: Cents,
    pub amount: Cents,
    pub revenue_account: RevenueAccountId,
    pub account_code: String,
    pub account_name: String,
    pub person: Option<PersonId>,
}

#[derive(Clone, Debug)]
pub struct Payment {
    pub id: PaymentId,
    pub number: i64,
    pub invoice: InvoiceId,
    pub invoice_number: i64,
    pub bill_to_name: String,
    pub received_on: Date,
    /// card, ach, check, bank_transfer, cash, other
    pub method: String,
    pub reference: String,
    pub provider_ref: Option<String>,
    pub amount: Cents,
    /// Refunds on this payment so far.
    pub refunded: Cents,
    pub created_at: Timestamp,
}

impl Payment {
    pub fn display_number(&self) -> String {
        DocumentKind::Payment.display(self.number)
    }

    /// What can still be refunded.
    pub fn refundable(&self) -> Cents {
        Cents(self.amount.0 - self.refunded.0)
    }
}

#[derive(Clone, Debug)]
pub struct Refund {
    pub id: RefundId,
    pub number: i64,
    pub payment: PaymentId,
    pub payment_number: i64,
    pub invoice_number: i64,
    pub bill_to_name: String,
    pub method: String,
    pub refunded_on: Date,
    pub amount: Cents,
    pub reason: String,
    pub provider_ref: Option<String>,
}

#[derive(Clone, Debug)]
pub struct CreditMemo {
    pub id: CreditMemoId,
    pub number: i64,
    pub invoice: InvoiceId,
    pub issued_on: Date,
    pub amount: Cents,
    pub reason: String,
}

/// Everything about one invoice.
#[derive(Clone, Debug)]
pub struct InvoiceDetail {
    pub invoice: Invoice,
    pub lines: Vec<InvoiceLine>,
    pub payments: Vec<Payment>,
    pub refunds: Vec<Refund>,
    pub credit_memos: Vec<CreditMemo>,
}

/// One invoice line with its invoice's heading, for the QuickBooks export.
#[derive(Clone, Debug)]
pub struct ExportLine {
    pub invoice_number: i64,
    pub bill_to_name: String,
    pub issued_on: Date,
    pub due_on: Date,
    pub account_name: String,
    pub description: String,
    pub quantity: i64,
    pub unit: Cents,
    pub amount: Cents,
}

/// A person staff can bill, for the new-invoice picker.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct BillablePerson {
    #[sqlx(try_from = "Uuid")]
    pub id: PersonId,
    pub display_name: String,
    pub email: String,
}

/// Who an invoice is addressed to, as copied onto it at issue.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BillToDetails {
    pub name: String,
    pub email: String,
    pub address: String,
    pub po_number: String,
}

/// A new invoice's row; the number comes from [`ScopedTx::next_document_number`].
#[derive(Clone, Debug)]
pub struct NewInvoiceRow {
    pub number: i64,
    pub person: Option<PersonId>,
    pub practice: Option<PracticeId>,
    pub bill_to: BillToDetails,
    pub issued_on: Date,
    pub due_on: Date,
    pub total: Cents,
    pub nondeductible: Cents,
    pub memo: String,
    pub purpose: String,
    pub membership: Option<MembershipId>,
    pub term_start: Option<Date>,
    pub term_end: Option<Date>,
    pub dedup_key: Option<String>,
    pub created_by: Option<UserId>,
}

#[derive(Clone, Debug)]
pub struct NewInvoiceLineRow {
    pub description: String,
    pub quantity: i64,
    pub unit: Cents,
    pub amount: Cents,
    pub revenue_account: RevenueAccountId,
    pub person: Option<PersonId>,
}

#[derive(Clone, Debug)]
pub struct NewPaymentRow {
    pub number: i64,
    pub invoice: InvoiceId,
    pub received_on: Date,
    pub method: &'static str,
    pub reference: String,
    pub provider_ref: Option<String>,
    pub amount: Cents,
    pub created_by: Option<UserId>,
}

#[derive(Clone, Debug)]
pub struct NewRefundRow {
    pub number: i64,
    pub payment: PaymentId,
    pub refunded_on: Date,
    pub amount: Cents,
    pub reason: String,
    pub provider_ref: Option<String>,
    pub created_by: Option<UserId>,
}

#[derive(Clone, Debug)]
pub struct NewCreditMemoRow {
    pub number: i64,
    pub invoice: InvoiceId,
    pub issued_on: Date,
    pub amount: Cents,
    pub reason: String,
    pub created_by: Option<UserId>,
}

/// What a dues invoice needs about a membership and its level.
#[derive(Clone, Debug)]
pub struct DuesBasis {
    pub membership: MembershipId,
    pub person: PersonId,
    pub level_id: chapterhouse_core::LevelId,
    pub level_name: String,
    pub fee: Cents,
    pub nondeductible_bp: i64,
    /// From `level_billing`; None: the dues default.
    pub revenue_account: Option<RevenueAccountId>,
}

/// What [`ScopedTx::insert_invoices`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InsertedInvoices {
    /// Every invoice and line, in order.
    Written(Vec<InvoiceId>),
    /// These dedup keys were already taken: roll back.
    KeysTaken(Vec<String>),
}

/// An invoice found by its dedup key (the reminders name the renewal invoice).
#[derive(Clone, Debug)]
pub struct KeyedInvoice {
    pub id: InvoiceId,
    pub number: i64,
    pub dedup_key: String,
    pub total: Cents,
}

impl KeyedInvoice {
    pub fn display_number(&self) -> String {
        DocumentKind::Invoice.display(self.number)
    }
}

// ---- raw rows ----

/// The invoice columns with its sums; `i` is the invoice.
macro_rules! invoice_select {
    ($($rest:expr),+) => {
        concat!(
            "SELECT i.id, i.number, i.person_id, i.practice_id, i.bill_to_name, i.bill_to_email, \
             i.bill_to_address, i.po_number, i.issued_on, i.due_on, i.total_cents, \
             i.nondeductible_cents, i.memo, i.purpose, i.membership_id, i.term_start, i.term_end, \
             i.dedup_key, i.created_at, \
             (SELECT CAST(COALESCE(SUM(p.amount_cents), 0) AS BIGINT) FROM payment p \
               WHERE p.society_id = i.society_id AND p.invoice_id = i.id) AS paid_cents, \
             (SELECT CAST(COALESCE(SUM(r.amount_cents), 0) AS BIGINT) FROM refund r \
               JOIN payment p ON p.society_id = r.society_id AND p.id = r.payment_id \
               WHERE p.society_id = i.society_id AND p.invoice_id = i.id) AS refunded_cents, \
             (SELECT CAST(COALESCE(SUM(m.amount_cents), 0) AS BIGINT) FROM credit_memo m \
               WHERE m.society_id = i.society_id AND m.invoice_id = i.id) AS credited_cents, \
             (SELECT v.voided_at FROM invoice_void v WHERE v.society_id = i.society_id \
               AND v.invoice_id = i.id AND v.lifted_at IS NULL) AS voided_at, \
             (SELECT v.reason FROM invoice_void v WHERE v.society_id = i.society_id \
               AND v.invoice_id = i.id AND v.lifted_at IS NULL) AS void_reason, \
             (SELECT v.voided_by FROM invoice_void v WHERE v.society_id = i.society_id \
               AND v.invoice_id = i.id AND v.lifted_at IS NULL) AS voided_by \
             FROM invoice i ",
            $($rest),+
        )
    };
}

/// The payment columns with the invoice's number and bill-to, and the refunds so far.
macro_rules! payment_select {
    ($($rest:expr),+) => {
        concat!(
            "SELECT p.id, p.number, p.invoice_id, i.number AS invoice_number, i.bill_to_name, \
             p.received_on, p.method, p.reference, p.provider_ref, p.amount_cents, \
             (SELECT CAST(COALESCE(SUM(r.amount_cents), 0) AS BIGINT) FROM refund r \
               WHERE r.society_id = p.society_id AND r.payment_id = p.id) AS refunded_cents, \
             p.created_at \
             FROM payment p JOIN invoice i ON i.society_id = p.society_id AND i.id = p.invoice_id ",
            $($rest),+
        )
    };
}

/// The invoices (`i`) on a person's staff page: billed to person `$2` themselves, or to a
/// practice whose billing contact they are.
macro_rules! on_person_file {
    () => {
        "(i.person_id = $2 OR i.practice_id IN (SELECT pr.id FROM practice pr \
         WHERE pr.society_id = $1 AND pr.billing_contact_id = $2))"
    };
}

macro_rules! refund_select {
    ($($rest:expr),+) => {
        concat!(
            "SELECT r.id, r.number, r.payment_id, p.number AS payment_number, \
             i.number AS invoice_number, i.bill_to_name, p.method, r.refunded_on, r.amount_cents, \
             r.reason, r.provider_ref \
             FROM refund r \
             JOIN payment p ON p.society_id = r.society_id AND p.id = r.payment_id \
             JOIN invoice i ON i.society_id = p.society_id AND i.id = p.invoice_id ",
            $($rest),+
        )
    };
}

#[derive(sqlx::FromRow)]
struct InvoiceRaw {
    id: Uuid,
    number: i64,
    person_id: Option<Uuid>,
    practice_id: Option<Uuid>,
    bill_to_name: String,
    bill_to_email: String,
    bill_to_address: String,
    po_number: String,
    issued_on: String,
    due_on: String,
    total_cents: i64,
    nondeductible_cents: i64,
    memo: String,
    purpose: String,
    membership_id: Option<Uuid>,
    term_start: Option<String>,
    term_end: Option<String>,
    dedup_key: Option<String>,
    created_at: i64,
    paid_cents: i64,
    refunded_cents: i64,
    credited_cents: i64,
    voided_at: Option<i64>,
    void_reason: Option<String>,
    voided_by: Option<String>,
}

impl InvoiceRaw {
    fn into_invoice(self) -> StoreResult<Invoice> {
        Ok(Invoice {
            id: InvoiceId(self.id),
            number: self.number,
            person: self.person_id.map(PersonId),
            practice: self.practice_id.map(PracticeId),
            bill_to_name: self.bill_to_name,
            bill_to_email: self.bill_to_email,
            bill_to_address: self.bill_to_address,
            po_number: self.po_number,
            issued_on: date(&self.issued_on)?,
            due_on: date(&self.due_on)?,
            nondeductible: Cents(self.nondeductible_cents),
            memo: self.memo,
            purpose: self.purpose,
            membership: self.membership_id.map(MembershipId),
            term_start: self.term_start.as_deref().map(date).transpose()?,
            term_end: self.term_end.as_deref().map(date).transpose()?,
            dedup_key: self.dedup_key,
            created_at: Timestamp(self.created_at),
            amounts: InvoiceAmounts {
                total: Cents(self.total_cents),
                paid: Cents(self.paid_cents),
                refunded: Cents(self.refunded_cents),
                credited: Cents(self.credited_cents),
                voided: self.voided_at.is_some(),
            },
            void: self.voided_at.map(|at| InvoiceVoid {
                at: Timestamp(at),
                reason: self.void_reason.unwrap_or_default(),
                by: self.voided_by.unwrap_or_default(),
            }),
        })
    }
}

#[derive(sqlx::FromRow)]
struct LineRaw {
    line_no: i64,
    description: String,
    quantity: i64,
    unit_cents: i64,
    amount_cents: i64,
    revenue_account_id: Uuid,
    account_code: String,
    account_name: String,
    person_id: Option<Uuid>,
}

#[derive(sqlx::FromRow)]
struct PaymentRaw {
    id: Uuid,
    number: i64,
    invoice_id: Uuid,
    invoice_number: i64,
    bill_to_name: String,
    received_on: String,
    method: String,
    reference: String,
    provider_ref: Option<String>,
    amount_cents: i64,
    refunded_cents: i64,
    created_at: i64,
}

impl PaymentRaw {
    fn into_payment(self) -> StoreResult<Payment> {
        Ok(Payment {
            id: PaymentId(self.id),
            number: self.number,
            invoice: InvoiceId(self.invoice_id),
            invoice_number: self.invoice_number,
            bill_to_name: self.bill_to_name,
            received_on: date(&self.received_on)?,
            method: self.method,
            reference: self.reference,
            provider_ref: self.provider_ref,
            amount: Cents(self.amount_cents),
            refunded: Cents(self.refunded_cents),
            created_at: Timestamp(self.created_at),
        })
    }
}

#[derive(sqlx::FromRow)]
struct RefundRaw {
    id: Uuid,
    number: i64,
    payment_id: Uuid,
    payment_number: i64,
    invoice_number: i64,
    bill_to_name: String,
    method: String,
    refunded_on: String,
    amount_cents: i64,
    reason: String,
    provider_ref: Option<String>,
}

impl RefundRaw {
    fn into_refund(self) -> StoreResult<Refund> {
        Ok(Refund {
            id: RefundId(self.id),
            number: self.number,
            payment: PaymentId(self.payment_id),
            payment_number: self.payment_number,
            invoice_number: self.invoice_number,
            bill_to_name: self.bill_to_name,
            method: self.method,
            refunded_on: date(&self.refunded_on)?,
            amount: Cents(self.amount_cents),
            reason: self.reason,
            provider_ref: self.provider_ref,
        })
    }
}

#[derive(sqlx::FromRow)]
struct CreditMemoRaw {
    id: Uuid,
    number: i64,
    invoice_id: Uuid,
    issued_on: String,
    amount_cents: i64,
    reason: String,
}

#[derive(sqlx::FromRow)]
struct ExportRaw {
    invoice_number: i64,
    bill_to_name: String,
    issued_on: String,
    due_on: String,
    account_name: String,
    description: String,
    quantity: i64,
    unit_cents: i64,
    amount_cents: i64,
}

#[derive(sqlx::FromRow)]
struct PersonBillTo {
    display_name: String,
    first_name: String,
    last_name: String,
    email: String,
    line1: Option<String>,
    line2: Option<String>,
    city: Option<String>,
    state: Option<String>,
    postal_code: Option<String>,
}

#[derive(sqlx::FromRow)]
struct PracticeBillTo {
    name: String,
    line1: String,
    line2: String,
    city: String,
    state: String,
    postal_code: String,
    billing_email: String,
    po_number: String,
    contact_name: Option<String>,
    contact_first: Option<String>,
    contact_last: Option<String>,
    contact_email: Option<String>,
}

#[derive(sqlx::FromRow)]
struct DuesRaw {
    person_id: Uuid,
    level_id: Uuid,
    level_name: String,
    fee_cents: i64,
    nondeductible_bp: i64,
    revenue_account_id: Option<Uuid>,
}

fn date(text: &str) -> StoreResult<Date> {
    text.parse()
        .map_err(|e| StoreError::Config(format!("stored date {text:?} is not a date: {e}")))
}

/// `head` (ending in `IN (`) with `count` numbered placeholders from `$2` and the closing
/// parenthesis: only placeholders are added to the fixed text, and every key is bound.
fn dedup_key_sql(head: &str, count: usize) -> String {
    let mut sql = String::from(head);
    for n in 0..count {
        if n > 0 {
            sql.push_str(", ");
        }
        sql.push('$');
        sql.push_str(&(n + 2).to_string());
    }
    sql.push(')');
    sql
}

pub(crate) fn person_name(display: &str, first: &str, last: &str) -> String {
    let full = format!("{} {}", first.trim(), last.trim());
    let full = full.trim();
    if full.is_empty() {
        display.trim().to_string()
    } else {
        full.to_string()
    }
}

/// A postal address as lines: "1 Main St\nSuite 2\nSpringfield, IL 62701".
pub(crate) fn address_lines(
    line1: &str,
    line2: &str,
    city: &str,
    state: &str,
    postal: &str,
) -> String {
    let mut lines: Vec<String> = [line1, line2]
        .iter()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let state_zip = format!("{} {}", state.trim(), postal.trim());
    let state_zip = state_zip.trim();
    let last = match (city.trim(), state_zip) {
        ("", "") => String::new(),
        (c, "") => c.to_string(),
        ("", s) => s.to_string(),
        (c, s) => format!("{c}, {s}"),
    };
    if !last.is_empty() {
        lines.push(last);
    }
    lines.join("\n")
}

const LINES_SQL: &str = "SELECT l.line_no, l.description, l.quantity, l.unit_cents, \
     l.amount_cents, l.revenue_account_id, a.code AS account_code, a.name AS account_name, \
     l.person_id FROM invoice_line l \
     JOIN revenue_account a ON a.society_id = l.society_id AND a.id = l.revenue_account_id \
     WHERE l.society_id = $1 AND l.invoice_id = $2 ORDER BY l.line_no";

impl Scoped {
    pub async fn revenue_accounts(&self) -> StoreResult<Vec<RevenueAccount>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT id, code, name, archived FROM revenue_account WHERE society_id = $1 \
             ORDER BY archived, code"
        )
        .bind(self.society.id.0)
        .fetch_all(c)
        .await)?)
    }

    /// An invoice with its sums, or None (also for another society's id).
    pub async fn invoice(&self, id: InvoiceId) -> StoreResult<Option<Invoice>> {
        let raw: Option<InvoiceRaw> = on!(self.db.reader(), |c| sqlx::query_as(invoice_select!(
            "WHERE i.society_id = $1 AND i.id = $2"
        ))
        .bind(self.society.id.0)
        .bind(id.0)
        .fetch_optional(c)
        .await)?;
        raw.map(InvoiceRaw::into_invoice).transpose()
    }

    /// An invoice with its lines, payments, refunds and credit memos.
    pub async fn invoice_detail(&self, id: InvoiceId) -> StoreResult<Option<InvoiceDetail>> {
        let Some(invoice) = self.invoice(id).await? else {
            return Ok(None);
        };
        let society = self.society.id.0;
        let lines: Vec<LineRaw> = on!(self.db.reader(), |c| sqlx::query_as(LINES_SQL)
            .bind(society)
            .bind(id.0)
            .fetch_all(c)
            .await)?;
        let payments: Vec<PaymentRaw> = on!(self.db.reader(), |c| sqlx::query_as(
            payment_select!("WHERE p.society_id = $1 AND p.invoice_id = $2 ORDER BY p.number")
        )
        .bind(society)
        .bind(id.0)
        .fetch_all(c)
        .await)?;
        let refunds: Vec<RefundRaw> = on!(self.db.reader(), |c| sqlx::query_as(refund_select!(
            "WHERE r.society_id = $1 AND p.invoice_id = $2 ORDER BY r.number"
        ))
        .bind(society)
        .bind(id.0)
        .fetch_all(c)
        .await)?;
        let memos: Vec<CreditMemoRaw> = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT id, number, invoice_id, issued_on, amount_cents, reason FROM credit_memo \
             WHERE society_id = $1 AND invoice_id = $2 ORDER BY number"
        )
        .bind(society)
        .bind(id.0)
        .fetch_all(c)
        .await)?;
        Ok(Some(InvoiceDetail {
            invoice,
            lines: lines
                .into_iter()
                .map(|l| InvoiceLine {
                    line_no: l.line_no,
                    description: l.description,
                    quantity: l.quantity,
                    unit: Cents(l.unit_cents),
                    amount: Cents(l.amount_cents),
                    revenue_account: RevenueAccountId(l.revenue_account_id),
                    account_code: l.account_code,
                    account_name: l.account_name,
                    person: l.person_id.map(PersonId),
                })
                .collect(),
            payments: payments
                .into_iter()
                .map(PaymentRaw::into_payment)
                .collect::<StoreResult<_>>()?,
            refunds: refunds
                .into_iter()
                .map(RefundRaw::into_refund)
                .collect::<StoreResult<_>>()?,
            credit_memos: memos
                .into_iter()
                .map(|m| {
                    Ok(CreditMemo {
                        id: CreditMemoId(m.id),
                        number: m.number,
                        invoice: InvoiceId(m.invoice_id),
                        issued_on: date(&m.issued_on)?,
                        amount: Cents(m.amount_cents),
                        reason: m.reason,
                    })
                })
                .collect::<StoreResult<_>>()?,
        }))
    }

    /// Invoices billed to a person themselves, newest first.
    pub async fn invoices_for_person(&self, person: PersonId) -> StoreResult<Vec<Invoice>> {
        let raw: Vec<InvoiceRaw> = on!(self.db.reader(), |c| sqlx::query_as(invoice_select!(
            "WHERE i.society_id = $1 AND i.person_id = $2 ORDER BY i.number DESC"
        ))
        .bind(self.society.id.0)
        .bind(person.0)
        .fetch_all(c)
        .await)?;
        raw.into_iter().map(InvoiceRaw::into_invoice).collect()
    }

    /// Invoices billed to a practice, newest first.
    pub async fn invoices_for_practice(&self, practice: PracticeId) -> StoreResult<Vec<Invoice>> {
        let raw: Vec<InvoiceRaw> = on!(self.db.reader(), |c| sqlx::query_as(invoice_select!(
            "WHERE i.society_id = $1 AND i.practice_id = $2 ORDER BY i.number DESC"
        ))
        .bind(self.society.id.0)
        .bind(practice.0)
        .fetch_all(c)
        .await)?;
        raw.into_iter().map(InvoiceRaw::into_invoice).collect()
    }

    /// What a signed-in person may see: invoices billed to them, and to the practices they manage
    /// or are the billing contact of.
    pub async fn invoices_visible_to(&self, person: PersonId) -> StoreResult<Vec<Invoice>> {
        let raw: Vec<InvoiceRaw> = on!(self.db.reader(), |c| sqlx::query_as(invoice_select!(
            "WHERE i.society_id = $1 AND (i.person_id = $2 OR i.practice_id IN \
             (SELECT k.practice_id FROM practice_link k WHERE k.society_id = $1 \
              AND k.person_id = $2 AND k.is_manager) OR i.practice_id IN \
             (SELECT pr.id FROM practice pr WHERE pr.society_id = $1 \
              AND pr.billing_contact_id = $2)) ORDER BY i.number DESC"
        ))
        .bind(self.society.id.0)
        .bind(person.0)
        .fetch_all(c)
        .await)?;
        raw.into_iter().map(InvoiceRaw::into_invoice).collect()
    }

    /// Payments on the invoices [`Scoped::invoices_visible_to`] returns, newest first.
    pub async fn payments_visible_to(&self, person: PersonId) -> StoreResult<Vec<Payment>> {
        let raw: Vec<PaymentRaw> = on!(self.db.reader(), |c| sqlx::query_as(payment_select!(
            "WHERE p.society_id = $1 AND (i.person_id = $2 OR i.practice_id IN \
             (SELECT k.practice_id FROM practice_link k WHERE k.society_id = $1 \
              AND k.person_id = $2 AND k.is_manager) OR i.practice_id IN \
             (SELECT pr.id FROM practice pr WHERE pr.society_id = $1 \
              AND pr.billing_contact_id = $2)) ORDER BY p.number DESC"
        ))
        .bind(self.society.id.0)
        .bind(person.0)
        .fetch_all(c)
        .await)?;
        raw.into_iter().map(PaymentRaw::into_payment).collect()
    }

    /// The invoices on a person's staff page, newest first: billed to them, and to the
    /// practices whose billing contact they are (`Invoice::practice` tells which).
    pub async fn person_file_invoices(&self, person: PersonId) -> StoreResult<Vec<Invoice>> {
        let raw: Vec<InvoiceRaw> = on!(self.db.reader(), |c| sqlx::query_as(invoice_select!(
            "WHERE i.society_id = $1 AND ",
            on_person_file!(),
            " ORDER BY i.number DESC"
        ))
        .bind(self.society.id.0)
        .bind(person.0)
        .fetch_all(c)
        .await)?;
        raw.into_iter().map(InvoiceRaw::into_invoice).collect()
    }

    /// Payments on the invoices [`Scoped::person_file_invoices`] returns, newest first.
    pub async fn person_file_payments(&self, person: PersonId) -> StoreResult<Vec<Payment>> {
        let raw: Vec<PaymentRaw> = on!(self.db.reader(), |c| sqlx::query_as(payment_select!(
            "WHERE p.society_id = $1 AND ",
            on_person_file!(),
            " ORDER BY p.number DESC"
        ))
        .bind(self.society.id.0)
        .bind(person.0)
        .fetch_all(c)
        .await)?;
        raw.into_iter().map(PaymentRaw::into_payment).collect()
    }

    /// Refunds of the payments [`Scoped::person_file_payments`] returns, in number order.
    pub async fn person_file_refunds(&self, person: PersonId) -> StoreResult<Vec<Refund>> {
        let raw: Vec<RefundRaw> = on!(self.db.reader(), |c| sqlx::query_as(refund_select!(
            "WHERE r.society_id = $1 AND ",
            on_person_file!(),
            " ORDER BY r.number"
        ))
        .bind(self.society.id.0)
        .bind(person.0)
        .fetch_all(c)
        .await)?;
        raw.into_iter().map(RefundRaw::into_refund).collect()
    }

    /// Whether `person` may see `invoice` (billed to them, or to a practice they manage or are
    /// the billing contact of).
    pub async fn invoice_visible_to(
        &self,
        invoice: InvoiceId,
        person: PersonId,
    ) -> StoreResult<bool> {
        let n: i64 = on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT COUNT(*) FROM invoice i WHERE i.society_id = $1 AND i.id = $2 \
             AND (i.person_id = $3 OR i.practice_id IN \
             (SELECT k.practice_id FROM practice_link k WHERE k.society_id = $1 \
              AND k.person_id = $3 AND k.is_manager) OR i.practice_id IN \
             (SELECT pr.id FROM practice pr WHERE pr.society_id = $1 \
              AND pr.billing_contact_id = $3))"
        )
        .bind(self.society.id.0)
        .bind(invoice.0)
        .bind(person.0)
        .fetch_one(c)
        .await)?;
        Ok(n > 0)
    }

    /// Invoices issued from `from` to `to` (inclusive), in number order.
    pub async fn invoices_issued_between(&self, from: Date, to: Date) -> StoreResult<Vec<Invoice>> {
        let raw: Vec<InvoiceRaw> = on!(self.db.reader(), |c| sqlx::query_as(invoice_select!(
            "WHERE i.society_id = $1 AND i.issued_on >= $2 AND i.issued_on <= $3 \
             ORDER BY i.number"
        ))
        .bind(self.society.id.0)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(c)
        .await)?;
        raw.into_iter().map(InvoiceRaw::into_invoice).collect()
    }

    /// Every line of the invoices issued from `from` to `to`, for the accounting export; a void
    /// invoice is left out (nothing is owed on it).
    pub async fn invoice_lines_issued_between(
        &self,
        from: Date,
        to: Date,
    ) -> StoreResult<Vec<ExportLine>> {
        let raw: Vec<ExportRaw> = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT i.number AS invoice_number, i.bill_to_name, i.issued_on, i.due_on, \
             a.name AS account_name, l.description, l.quantity, l.unit_cents, l.amount_cents \
             FROM invoice_line l \
             JOIN invoice i ON i.society_id = l.society_id AND i.id = l.invoice_id \
             JOIN revenue_account a ON a.society_id = l.society_id AND a.id = l.revenue_account_id \
             WHERE l.society_id = $1 AND i.issued_on >= $2 AND i.issued_on <= $3 \
             AND NOT EXISTS (SELECT 1 FROM invoice_void v WHERE v.society_id = i.society_id \
               AND v.invoice_id = i.id AND v.lifted_at IS NULL) \
             ORDER BY i.number, l.line_no"
        )
        .bind(self.society.id.0)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(c)
        .await)?;
        raw.into_iter()
            .map(|r| {
                Ok(ExportLine {
                    invoice_number: r.invoice_number,
                    bill_to_name: r.bill_to_name,
                    issued_on: date(&r.issued_on)?,
                    due_on: date(&r.due_on)?,
                    account_name: r.account_name,
                    description: r.description,
                    quantity: r.quantity,
                    unit: Cents(r.unit_cents),
                    amount: Cents(r.amount_cents),
                })
            })
            .collect()
    }

    pub async fn payment(&self, id: PaymentId) -> StoreResult<Option<Payment>> {
        let raw: Option<PaymentRaw> = on!(self.db.reader(), |c| sqlx::query_as(payment_select!(
            "WHERE p.society_id = $1 AND p.id = $2"
        ))
        .bind(self.society.id.0)
        .bind(id.0)
        .fetch_optional(c)
        .await)?;
        raw.map(PaymentRaw::into_payment).transpose()
    }

    /// Payments received from `from` to `to` (inclusive), in number order.
    pub async fn payments_received_between(
        &self,
        from: Date,
        to: Date,
    ) -> StoreResult<Vec<Payment>> {
        let raw: Vec<PaymentRaw> = on!(self.db.reader(), |c| sqlx::query_as(payment_select!(
            "WHERE p.society_id = $1 AND p.received_on >= $2 AND p.received_on <= $3 \
             ORDER BY p.number"
        ))
        .bind(self.society.id.0)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(c)
        .await)?;
        raw.into_iter().map(PaymentRaw::into_payment).collect()
    }

    /// Refunds made from `from` to `to` (inclusive), in number order.
    pub async fn refunds_made_between(&self, from: Date, to: Date) -> StoreResult<Vec<Refund>> {
        let raw: Vec<RefundRaw> = on!(self.db.reader(), |c| sqlx::query_as(refund_select!(
            "WHERE r.society_id = $1 AND r.refunded_on >= $2 AND r.refunded_on <= $3 \
             ORDER BY r.number"
        ))
        .bind(self.society.id.0)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(c)
        .await)?;
        raw.into_iter().map(RefundRaw::into_refund).collect()
    }

    /// People whose name or email contains `search` (case-insensitive), by name.
    /// The invoice issued with `dedup_key`, if any (read outside a transaction, for pages).
    pub async fn invoice_by_dedup_key(&self, key: &str) -> StoreResult<Option<InvoiceId>> {
        let id: Option<Uuid> = on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT id FROM invoice WHERE society_id = $1 AND dedup_key = $2"
        )
        .bind(self.society.id.0)
        .bind(key)
        .fetch_optional(c)
        .await)?;
        Ok(id.map(InvoiceId))
    }

    /// The invoices carrying any of `keys`, by key (a statement per 500 keys).
    pub async fn invoices_by_dedup_keys(
        &self,
        keys: &[String],
    ) -> StoreResult<std::collections::HashMap<String, KeyedInvoice>> {
        let mut found = std::collections::HashMap::new();
        for chunk in keys.chunks(500) {
            let sql = dedup_key_sql(
                "SELECT id, number, dedup_key, total_cents FROM invoice \
                 WHERE society_id = $1 AND dedup_key IN (",
                chunk.len(),
            );
            let rows: Vec<(Uuid, i64, String, i64)> = on!(self.db.reader(), |c| {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(self.society.id.0);
                for key in chunk {
                    q = q.bind(key);
                }
                q.fetch_all(c).await
            })?;
            for (id, number, key, total) in rows {
                found.insert(
                    key.clone(),
                    KeyedInvoice {
                        id: InvoiceId(id),
                        number,
                        dedup_key: key,
                        total: Cents(total),
                    },
                );
            }
        }
        Ok(found)
    }

    pub async fn billable_people(
        &self,
        search: &str,
        limit: i64,
    ) -> StoreResult<Vec<BillablePerson>> {
        let pattern = format!("%{}%", search.trim().to_lowercase());
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT id, display_name, email FROM person WHERE society_id = $1 \
             AND (LOWER(display_name) LIKE $2 OR email LIKE $2) \
             ORDER BY display_name, email LIMIT $3"
        )
        .bind(self.society.id.0)
        .bind(&pattern)
        .bind(limit)
        .fetch_all(c)
        .await)?)
    }

    pub async fn billable_person(&self, id: PersonId) -> StoreResult<Option<BillablePerson>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT id, display_name, email FROM person WHERE society_id = $1 AND id = $2"
        )
        .bind(self.society.id.0)
        .bind(id.0)
        .fetch_optional(c)
        .await)?)
    }

    /// The membership and level a dues invoice is for.
    pub async fn dues_basis(&self, membership: MembershipId) -> StoreResult<Option<DuesBasis>> {
        let raw: Option<DuesRaw> = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT m.person_id, m.level_id, l.name AS level_name, l.fee_cents, \
             l.nondeductible_bp, b.revenue_account_id \
             FROM membership m \
             JOIN membership_level l ON l.society_id = m.society_id AND l.id = m.level_id \
             LEFT JOIN level_billing b ON b.society_id = m.society_id AND b.level_id = m.level_id \
             WHERE m.society_id = $1 AND m.id = $2"
        )
        .bind(self.society.id.0)
        .bind(membership.0)
        .fetch_optional(c)
        .await)?;
        Ok(raw.map(|r| DuesBasis {
            membership,
            person: PersonId(r.person_id),
            level_id: chapterhouse_core::LevelId(r.level_id),
            level_name: r.level_name,
            fee: Cents(r.fee_cents),
            nondeductible_bp: r.nondeductible_bp,
            revenue_account: r.revenue_account_id.map(RevenueAccountId),
        }))
    }
}

impl ScopedTx {
    /// The next number of a kind of document: gapless per society and kind. The counter row
    /// stays locked until this transaction ends, so concurrent writers queue behind it (on
    /// PostgreSQL) or behind the single writer (on SQLite), and a rollback gives the number back.
    pub async fn next_document_number(&mut self, kind: DocumentKind) -> StoreResult<i64> {
        let society = self.society_id.0;
        Ok(on!(self.tx.conn(), |c| sqlx::query_scalar(
            "INSERT INTO document_counter (society_id, kind, last_number) VALUES ($1, $2, 1) \
             ON CONFLICT (society_id, kind) DO UPDATE \
             SET last_number = document_counter.last_number + 1 \
             RETURNING last_number"
        )
        .bind(society)
        .bind(kind.as_str())
        .fetch_one(c)
        .await)?)
    }

    /// Take `count` numbers at once (a batch of documents): returns the last; the batch uses the
    /// `count` numbers ending with it. Gapless and locked like [`Self::next_document_number`].
    pub async fn take_document_numbers(
        &mut self,
        kind: DocumentKind,
        count: i64,
    ) -> StoreResult<i64> {
        let society = self.society_id.0;
        Ok(on!(self.tx.conn(), |c| sqlx::query_scalar(
            "INSERT INTO document_counter (society_id, kind, last_number) VALUES ($1, $2, $3) \
             ON CONFLICT (society_id, kind) DO UPDATE \
             SET last_number = document_counter.last_number + $3 \
             RETURNING last_number"
        )
        .bind(society)
        .bind(kind.as_str())
        .bind(count)
        .fetch_one(c)
        .await)?)
    }

    /// Lock a kind's counter row until this transaction ends, without taking a number: checks
    /// for an already-recorded document (dedup key, provider reference) made after this see
    /// every competing writer's committed rows, so the check and the insert cannot race.
    pub async fn lock_document_counter(&mut self, kind: DocumentKind) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO document_counter (society_id, kind, last_number) VALUES ($1, $2, 0) \
             ON CONFLICT (society_id, kind) DO UPDATE \
             SET last_number = document_counter.last_number"
        )
        .bind(society)
        .bind(kind.as_str())
        .execute(c)
        .await)?;
        Ok(())
    }

    /// A new revenue account; a taken code is `Conflict("code")`.
    pub async fn insert_revenue_account(
        &mut self,
        code: &str,
        name: &str,
        now: Timestamp,
    ) -> StoreResult<RevenueAccountId> {
        let id = RevenueAccountId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO revenue_account (society_id, id, code, name, created_at) \
             VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(society)
        .bind(id.0)
        .bind(code)
        .bind(name)
        .bind(now.0)
        .execute(c)
        .await)
        .map_err(conflict_on("code"))?;
        Ok(id)
    }

    /// The account with `code`, created with `name` when there is none.
    pub async fn ensure_revenue_account(
        &mut self,
        code: &str,
        name: &str,
        now: Timestamp,
    ) -> StoreResult<RevenueAccountId> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO revenue_account (society_id, id, code, name, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (society_id, code) DO NOTHING"
        )
        .bind(society)
        .bind(RevenueAccountId::new().0)
        .bind(code)
        .bind(name)
        .bind(now.0)
        .execute(c)
        .await)?;
        let id: Uuid = on!(self.tx.conn(), |c| sqlx::query_scalar(
            "SELECT id FROM revenue_account WHERE society_id = $1 AND code = $2"
        )
        .bind(society)
        .bind(code)
        .fetch_one(c)
        .await)?;
        Ok(RevenueAccountId(id))
    }

    /// A revenue account of this society, read inside the transaction.
    pub async fn revenue_account(
        &mut self,
        id: RevenueAccountId,
    ) -> StoreResult<Option<RevenueAccount>> {
        let society = self.society_id.0;
        Ok(on!(self.tx.conn(), |c| sqlx::query_as(
            "SELECT id, code, name, archived FROM revenue_account \
             WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(id.0)
        .fetch_optional(c)
        .await)?)
    }

    /// The invoice already issued with `dedup_key`, if any.
    pub async fn invoice_by_dedup_key(&mut self, key: &str) -> StoreResult<Option<InvoiceId>> {
        let society = self.society_id.0;
        let id: Option<Uuid> = on!(self.tx.conn(), |c| sqlx::query_scalar(
            "SELECT id FROM invoice WHERE society_id = $1 AND dedup_key = $2"
        )
        .bind(society)
        .bind(key)
        .fetch_optional(c)
        .await)?;
        Ok(id.map(InvoiceId))
    }

    /// A person's name, email and postal address (practice address, else home) for an invoice.
    pub async fn person_bill_to(&mut self, person: PersonId) -> StoreResult<Option<BillToDetails>> {
        let society = self.society_id.0;
        let row: Option<PersonBillTo> = on!(self.tx.conn(), |c| {
            sqlx::query_as(
            "SELECT p.display_name, p.first_name, p.last_name, p.email, a.line1, a.line2, a.city, \
             a.state, a.postal_code FROM person p \
             LEFT JOIN person_address a ON a.society_id = p.society_id AND a.person_id = p.id \
               AND a.kind = (SELECT MAX(x.kind) FROM person_address x \
                 WHERE x.society_id = p.society_id AND x.person_id = p.id) \
             WHERE p.society_id = $1 AND p.id = $2"
        )
        .bind(society)
        .bind(person.0)
        .fetch_optional(c)
        .await
        })?;
        // MAX(kind) picks 'practice' over 'home': invoices go to the work address when known.
        Ok(row.map(|r| BillToDetails {
            name: person_name(&r.display_name, &r.first_name, &r.last_name),
            email: r.email,
            address: address_lines(
                r.line1.as_deref().unwrap_or(""),
                r.line2.as_deref().unwrap_or(""),
                r.city.as_deref().unwrap_or(""),
                r.state.as_deref().unwrap_or(""),
                r.postal_code.as_deref().unwrap_or(""),
            ),
            po_number: String::new(),
        }))
    }

    /// A practice's invoice heading: its name, its billing contact (falling back to its key
    /// contact) as the addressee and email, its address and PO number.
    pub async fn practice_bill_to(
        &mut self,
        practice: PracticeId,
    ) -> StoreResult<Option<BillToDetails>> {
        let society = self.society_id.0;
        let row: Option<PracticeBillTo> = on!(self.tx.conn(), |c| sqlx::query_as(
            "SELECT pr.name, pr.line1, pr.line2, pr.city, pr.state, pr.postal_code, \
             pr.billing_email, pr.po_number, c.display_name AS contact_name, \
             c.first_name AS contact_first, c.last_name AS contact_last, c.email AS contact_email \
             FROM practice pr \
             LEFT JOIN person c ON c.society_id = pr.society_id \
               AND c.id = COALESCE(pr.billing_contact_id, pr.key_contact_id) \
             WHERE pr.society_id = $1 AND pr.id = $2"
        )
        .bind(society)
        .bind(practice.0)
        .fetch_optional(c)
        .await)?;
        Ok(row.map(|r| {
            let contact = r.contact_name.as_deref().map(|display| {
                person_name(
                    display,
                    r.contact_first.as_deref().unwrap_or(""),
                    r.contact_last.as_deref().unwrap_or(""),
                )
            });
            let mut address = String::new();
            if let Some(contact) = contact.filter(|c| !c.is_empty()) {
                address.push_str(&format!("Attn: {contact}"));
            }
            let postal = address_lines(&r.line1, &r.line2, &r.city, &r.state, &r.postal_code);
            if !postal.is_empty() {
                if !address.is_empty() {
                    address.push('\n');
                }
                address.push_str(&postal);
            }
            let email = if r.billing_email.trim().is_empty() {
                r.contact_email.unwrap_or_default()
            } else {
                r.billing_email.trim().to_string()
            };
            BillToDetails {
                name: r.name,
                email,
                address,
                po_number: r.po_number,
            }
        }))
    }

    pub async fn insert_invoice(
        &mut self,
        row: &NewInvoiceRow,
        lines: &[NewInvoiceLineRow],
        now: Timestamp,
    ) -> StoreResult<InvoiceId> {
        let id = InvoiceId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO invoice (society_id, id, number, person_id, practice_id, bill_to_name, \
             bill_to_email, bill_to_address, po_number, issued_on, due_on, total_cents, \
             nondeductible_cents, memo, purpose, membership_id, term_start, term_end, dedup_key, \
             created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
             $18, $19, $20, $21)"
        )
        .bind(society)
        .bind(id.0)
        .bind(row.number)
        .bind(row.person.map(|p| p.0))
        .bind(row.practice.map(|p| p.0))
        .bind(&row.bill_to.name)
        .bind(&row.bill_to.email)
        .bind(&row.bill_to.address)
        .bind(&row.bill_to.po_number)
        .bind(row.issued_on.to_string())
        .bind(row.due_on.to_string())
        .bind(row.total.0)
        .bind(row.nondeductible.0)
        .bind(&row.memo)
        .bind(&row.purpose)
        .bind(row.membership.map(|m| m.0))
        .bind(row.term_start.map(|d| d.to_string()))
        .bind(row.term_end.map(|d| d.to_string()))
        .bind(&row.dedup_key)
        .bind(now.0)
        .bind(row.created_by.map(|u| u.0))
        .execute(c)
        .await)
        .map_err(conflict_on("invoice"))?;
        let numbered: Vec<(InvoiceId, i64, &NewInvoiceLineRow)> = lines
            .iter()
            .enumerate()
            .map(|(n, line)| (id, n as i64 + 1, line))
            .collect();
        self.insert_invoice_lines(&numbered).await?;
        Ok(id)
    }

    /// Many invoices and their lines in a few multi-row statements (the daily run's renewal
    /// invoices), unless a dedup key is already taken: an invoice whose key another carries
    /// (issued meanwhile by the portal or a concurrent run) is not written, no line is written
    /// and the taken keys come back as [`InsertedInvoices::KeysTaken`]. The invoices written
    /// then leave holes in the numbers the caller took, so the caller must roll the transaction
    /// back (and may retry without those keys). No lookup of the keys beforehand: the unique
    /// index is the check, so a batch costs the same however many invoices the society has.
    pub async fn insert_invoices(
        &mut self,
        invoices: &[(NewInvoiceRow, Vec<NewInvoiceLineRow>)],
        now: Timestamp,
    ) -> StoreResult<InsertedInvoices> {
        let society = self.society_id.0;
        let numbered = self.tx.is_postgres();
        let ids: Vec<InvoiceId> = invoices.iter().map(|_| InvoiceId::new()).collect();
        let rows: Vec<(InvoiceId, &NewInvoiceRow)> = ids
            .iter()
            .copied()
            .zip(invoices.iter().map(|(r, _)| r))
            .collect();
        let mut taken = Vec::new();
        for chunk in rows.chunks(crate::import::batch_rows(21)) {
            let sql = crate::import::values_sql(
                "INSERT INTO invoice (society_id, id, number, person_id, practice_id, \
                 bill_to_name, bill_to_email, bill_to_address, po_number, issued_on, due_on, \
                 total_cents, nondeductible_cents, memo, purpose, membership_id, term_start, \
                 term_end, dedup_key, created_at, created_by)",
                21,
                chunk.len(),
                " ON CONFLICT (society_id, dedup_key) DO NOTHING RETURNING id",
                numbered,
            );
            let written: Vec<Uuid> = on!(self.tx.conn(), |c| {
                let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql));
                for (id, row) in chunk {
                    q = q
                        .bind(society)
                        .bind(id.0)
                        .bind(row.number)
                        .bind(row.person.map(|p| p.0))
                        .bind(row.practice.map(|p| p.0))
                        .bind(&row.bill_to.name)
                        .bind(&row.bill_to.email)
                        .bind(&row.bill_to.address)
                        .bind(&row.bill_to.po_number)
                        .bind(row.issued_on.to_string())
                        .bind(row.due_on.to_string())
                        .bind(row.total.0)
                        .bind(row.nondeductible.0)
                        .bind(&row.memo)
                        .bind(&row.purpose)
                        .bind(row.membership.map(|m| m.0))
                        .bind(row.term_start.map(|d| d.to_string()))
                        .bind(row.term_end.map(|d| d.to_string()))
                        .bind(&row.dedup_key)
                        .bind(now.0)
                        .bind(row.created_by.map(|u| u.0));
                }
                q.fetch_all(c).await
            })
            .map_err(conflict_on("invoice"))?;
            if written.len() < chunk.len() {
                let written: std::collections::HashSet<Uuid> = written.into_iter().collect();
                taken.extend(
                    chunk
                        .iter()
                        .filter(|(id, _)| !written.contains(&id.0))
                        .filter_map(|(_, row)| row.dedup_key.clone()),
                );
            }
        }
        if !taken.is_empty() {
            return Ok(InsertedInvoices::KeysTaken(taken));
        }
        let lines: Vec<(InvoiceId, i64, &NewInvoiceLineRow)> = ids
            .iter()
            .zip(invoices.iter())
            .flat_map(|(id, (_, lines))| {
                lines
                    .iter()
                    .enumerate()
                    .map(move |(n, line)| (*id, n as i64 + 1, line))
            })
            .collect();
        self.insert_invoice_lines(&lines).await?;
        Ok(InsertedInvoices::Written(ids))
    }

    /// Invoice lines (invoice, line number, line) with one statement per few thousand.
    async fn insert_invoice_lines(
        &mut self,
        lines: &[(InvoiceId, i64, &NewInvoiceLineRow)],
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        let numbered = self.tx.is_postgres();
        for chunk in lines.chunks(crate::import::batch_rows(9)) {
            let sql = crate::import::values_sql(
                "INSERT INTO invoice_line (society_id, invoice_id, line_no, description, \
                 quantity, unit_cents, amount_cents, revenue_account_id, person_id)",
                9,
                chunk.len(),
                "",
                numbered,
            );
            exec!(self.tx.conn(), |c| {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (id, line_no, line) in chunk {
                    q = q
                        .bind(society)
                        .bind(id.0)
                        .bind(*line_no)
                        .bind(&line.description)
                        .bind(line.quantity)
                        .bind(line.unit.0)
                        .bind(line.amount.0)
                        .bind(line.revenue_account.0)
                        .bind(line.person.map(|p| p.0));
                }
                q.execute(c).await
            })?;
        }
        Ok(())
    }

    /// An invoice with its sums, read inside the transaction (so it counts this transaction's
    /// own payments).
    pub async fn invoice(&mut self, id: InvoiceId) -> StoreResult<Option<Invoice>> {
        let society = self.society_id.0;
        let raw: Option<InvoiceRaw> = on!(self.tx.conn(), |c| sqlx::query_as(invoice_select!(
            "WHERE i.society_id = $1 AND i.id = $2"
        ))
        .bind(society)
        .bind(id.0)
        .fetch_optional(c)
        .await)?;
        raw.map(InvoiceRaw::into_invoice).transpose()
    }

    /// Void an invoice (once: a second void of the same invoice changes nothing and returns
    /// false). The caller checks `core::billing::void_problem` on amounts read in this
    /// transaction.
    pub async fn void_invoice(
        &mut self,
        id: InvoiceId,
        reason: &str,
        by: &str,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let done = exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO invoice_void (society_id, invoice_id, voided_at, reason, voided_by) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (society_id, invoice_id) DO NOTHING"
        )
        .bind(society)
        .bind(id.0)
        .bind(now.0)
        .bind(reason)
        .bind(by)
        .execute(c)
        .await)?;
        Ok(done == 1)
    }

    /// Lift a void: the invoice is owed (or, paid, simply paid) again. The row stays with its
    /// `lifted_at`, so the history keeps that it was void.
    pub async fn lift_invoice_void(&mut self, id: InvoiceId, now: Timestamp) -> StoreResult<bool> {
        let society = self.society_id.0;
        let done = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE invoice_void SET lifted_at = $3 \
             WHERE society_id = $1 AND invoice_id = $2 AND lifted_at IS NULL"
        )
        .bind(society)
        .bind(id.0)
        .bind(now.0)
        .execute(c)
        .await)?;
        Ok(done == 1)
    }

    pub async fn payment_by_provider_ref(
        &mut self,
        provider_ref: &str,
    ) -> StoreResult<Option<PaymentId>> {
        let society = self.society_id.0;
        let id: Option<Uuid> = on!(self.tx.conn(), |c| sqlx::query_scalar(
            "SELECT id FROM payment WHERE society_id = $1 AND provider_ref = $2"
        )
        .bind(society)
        .bind(provider_ref)
        .fetch_optional(c)
        .await)?;
        Ok(id.map(PaymentId))
    }

    pub async fn insert_payment(
        &mut self,
        row: &NewPaymentRow,
        now: Timestamp,
    ) -> StoreResult<PaymentId> {
        let id = PaymentId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO payment (society_id, id, number, invoice_id, received_on, method, \
             reference, provider_ref, amount_cents, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        )
        .bind(society)
        .bind(id.0)
        .bind(row.number)
        .bind(row.invoice.0)
        .bind(row.received_on.to_string())
        .bind(row.method)
        .bind(&row.reference)
        .bind(&row.provider_ref)
        .bind(row.amount.0)
        .bind(now.0)
        .bind(row.created_by.map(|u| u.0))
        .execute(c)
        .await)
        .map_err(conflict_on("payment"))?;
        Ok(id)
    }

    /// A payment with its refunds so far, read inside the transaction.
    pub async fn payment(&mut self, id: PaymentId) -> StoreResult<Option<Payment>> {
        let society = self.society_id.0;
        let raw: Option<PaymentRaw> = on!(self.tx.conn(), |c| sqlx::query_as(payment_select!(
            "WHERE p.society_id = $1 AND p.id = $2"
        ))
        .bind(society)
        .bind(id.0)
        .fetch_optional(c)
        .await)?;
        raw.map(PaymentRaw::into_payment).transpose()
    }

    pub async fn refund_by_provider_ref(
        &mut self,
        provider_ref: &str,
    ) -> StoreResult<Option<RefundId>> {
        let society = self.society_id.0;
        let id: Option<Uuid> = on!(self.tx.conn(), |c| sqlx::query_scalar(
            "SELECT id FROM refund WHERE society_id = $1 AND provider_ref = $2"
        )
        .bind(society)
        .bind(provider_ref)
        .fetch_optional(c)
        .await)?;
        Ok(id.map(RefundId))
    }

    pub async fn insert_refund(
        &mut self,
        row: &NewRefundRow,
        now: Timestamp,
    ) -> StoreResult<RefundId> {
        let id = RefundId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO refund (society_id, id, number, payment_id, refunded_on, amount_cents, \
             reason, provider_ref, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        )
        .bind(society)
        .bind(id.0)
        .bind(row.number)
        .bind(row.payment.0)
        .bind(row.refunded_on.to_string())
        .bind(row.amount.0)
        .bind(&row.reason)
        .bind(&row.provider_ref)
        .bind(now.0)
        .bind(row.created_by.map(|u| u.0))
        .execute(c)
        .await)
        .map_err(conflict_on("refund"))?;
        Ok(id)
    }

    pub async fn insert_credit_memo(
        &mut self,
        row: &NewCreditMemoRow,
        now: Timestamp,
    ) -> StoreResult<CreditMemoId> {
        let id = CreditMemoId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO credit_memo (society_id, id, number, invoice_id, issued_on, \
             amount_cents, reason, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        )
        .bind(society)
        .bind(id.0)
        .bind(row.number)
        .bind(row.invoice.0)
        .bind(row.issued_on.to_string())
        .bind(row.amount.0)
        .bind(&row.reason)
        .bind(now.0)
        .bind(row.created_by.map(|u| u.0))
        .execute(c)
        .await)
        .map_err(conflict_on("credit_memo"))?;
        Ok(id)
    }

    /// The level a membership is on now, read inside the transaction (for the term a paid
    /// dues invoice adds).
    pub async fn dues_membership_level(
        &mut self,
        membership: MembershipId,
    ) -> StoreResult<Option<chapterhouse_core::LevelId>> {
        let society = self.society_id.0;
        let id: Option<Uuid> = on!(self.tx.conn(), |c| sqlx::query_scalar(
            "SELECT level_id FROM membership WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(membership.0)
        .fetch_optional(c)
        .await)?;
        Ok(id.map(chapterhouse_core::LevelId))
    }

    /// Add the term a paid dues invoice buys. A term with that start already there (a renewal
    /// recorded another way, a replay) is kept and nothing is added; returns whether it was new.
    pub async fn insert_paid_term(
        &mut self,
        membership: MembershipId,
        level: chapterhouse_core::LevelId,
        term: &chapterhouse_core::membership::Term,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO membership_term (society_id, id, membership_id, level_id, start_on, \
             end_on, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (society_id, membership_id, start_on) DO NOTHING"
        )
        .bind(society)
        .bind(chapterhouse_core::TermId::new().0)
        .bind(membership.0)
        .bind(level.0)
        .bind(term.start.to_string())
        .bind(term.end.map(|d| d.to_string()))
        .bind(now.0)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    /// A membership with its terms, read inside the transaction (so it includes a term this
    /// transaction added, and needs no second connection while the transaction holds one).
    pub async fn dues_membership_state(
        &mut self,
        membership: MembershipId,
    ) -> StoreResult<Option<crate::MembershipState>> {
        use chapterhouse_core::membership::{Application, Status, Term};
        let society = self.society_id.0;
        let row: Option<MembershipRaw> = on!(self.tx.conn(), |c| sqlx::query_as(
            "SELECT m.status, m.application, m.cancelled_on, m.suspended, m.override_status, \
             l.grace_days, (SELECT p.status FROM membership_seat s \
               JOIN practice p ON p.society_id = s.society_id AND p.id = s.practice_id \
               WHERE s.society_id = m.society_id AND s.membership_id = m.id) AS practice_status \
             FROM membership m \
             JOIN membership_level l ON l.society_id = m.society_id AND l.id = m.level_id \
             WHERE m.society_id = $1 AND m.id = $2"
        )
        .bind(society)
        .bind(membership.0)
        .fetch_optional(c)
        .await)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let terms: Vec<(String, Option<String>)> = on!(self.tx.conn(), |c| sqlx::query_as(
            "SELECT start_on, end_on FROM membership_term \
             WHERE society_id = $1 AND membership_id = $2"
        )
        .bind(society)
        .bind(membership.0)
        .fetch_all(c)
        .await)?;
        let application = match row.application.as_deref() {
            Some("pending") => Some(Application::Pending),
            Some("approved") => Some(Application::Approved),
            Some("rejected") => Some(Application::Rejected),
            _ => None,
        };
        Ok(Some(crate::MembershipState {
            id: membership,
            status: crate::parse_status(&row.status).unwrap_or(Status::Pending),
            application,
            cancelled_on: row.cancelled_on.as_deref().map(date).transpose()?,
            suspended: row.suspended,
            override_status: row.override_status.as_deref().and_then(crate::parse_status),
            practice_status: row.practice_status.as_deref().and_then(crate::parse_status),
            grace_days: u16::try_from(row.grace_days).unwrap_or(u16::MAX),
            terms: terms
                .into_iter()
                .map(|(start, end)| {
                    Ok(Term {
                        start: date(&start)?,
                        end: end.as_deref().map(date).transpose()?,
                    })
                })
                .collect::<StoreResult<_>>()?,
        }))
    }
}

#[derive(sqlx::FromRow)]
struct MembershipRaw {
    status: String,
    application: Option<String>,
    cancelled_on: Option<String>,
    suspended: bool,
    override_status: Option<String>,
    grace_days: i64,
    practice_status: Option<String>,
}
