//! Billing use-cases: invoices (gapless numbers, bill-to copied at issue; one at a time or the
//! daily run's batches), payments (a fully paid dues invoice adds its term, a member's or a
//! practice's), refunds and credit memos, revenue accounts; the invoice and
//! receipt PDFs ([`pdf`]) and the QuickBooks Online exports ([`export`]).
//!
//! Every write runs in one transaction with an audit entry; mail is enqueued in it. Each document
//! kind's counter row is locked before anything is checked, so concurrent writers of that kind
//! queue up, numbers never repeat or skip, and a replayed `dedup_key` / `provider_ref` finds the
//! row the first writer committed instead of failing on the unique index.

pub mod export;
pub mod forms;
pub mod pdf;

use chapterhouse_core::billing::{
    self as rules, DocumentKind, credit_memo_problem, invoice_total, line_amount,
    nondeductible_share, payment_lifts_void, refund_problem, void_problem,
};
use chapterhouse_core::membership::{self, StatusInput, Term};
use chapterhouse_core::money::Cents;
use chapterhouse_core::practice::PracticeCharge;
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{
    CreditMemoId, InvoiceId, MembershipId, PaymentId, PersonId, PracticeId, RefundId,
    RevenueAccountId, Timestamp,
};
use chapterhouse_store::{
    BillToDetails, DuesBasis, InsertedInvoices, Invoice, NewAudit, NewCreditMemoRow,
    NewInvoiceLineRow, NewInvoiceRow, NewPaymentRow, NewRefundRow, Scoped, ScopedTx, StoreError,
};
pub use jiff::civil::Date;

use crate::mail::{EmailJob, enqueue_email};
use crate::membership::today;
use crate::{Actor, App, AppError, AppResult};

/// The revenue account dues go to when a level names none (created on first use).
pub const DUES_ACCOUNT_CODE: &str = "4000";
pub const DUES_ACCOUNT_NAME: &str = "Membership dues";

/// Invoice purposes as stored.
pub const PURPOSES: &[&str] = &[
    "dues",
    "practice_dues",
    "seat_proration",
    "registration",
    "other",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaymentMethodKind {
    Card,
    Ach,
    Check,
    BankTransfer,
    Cash,
    Other,
}

impl PaymentMethodKind {
    pub const ALL: [PaymentMethodKind; 6] = [
        PaymentMethodKind::Card,
        PaymentMethodKind::Ach,
        PaymentMethodKind::Check,
        PaymentMethodKind::BankTransfer,
        PaymentMethodKind::Cash,
        PaymentMethodKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethodKind::Card => "card",
            PaymentMethodKind::Ach => "ach",
            PaymentMethodKind::Check => "check",
            PaymentMethodKind::BankTransfer => "bank_transfer",
            PaymentMethodKind::Cash => "cash",
            PaymentMethodKind::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<PaymentMethodKind> {
        Self::ALL.into_iter().find(|m| m.as_str() == text)
    }

    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            PaymentMethodKind::Card => "Card",
            PaymentMethodKind::Ach => "Bank account (ACH)",
            PaymentMethodKind::Check => "Check",
            PaymentMethodKind::BankTransfer => "Bank transfer",
            PaymentMethodKind::Cash => "Cash",
            PaymentMethodKind::Other => "Other",
        }
    }
}

/// The label of a stored method ("check" → "Check").
pub fn method_label(stored: &str) -> &'static str {
    PaymentMethodKind::parse(stored)
        .map(PaymentMethodKind::label)
        .unwrap_or("Other")
}

#[derive(Clone, Debug)]
pub struct NewPayment {
    pub invoice: InvoiceId,
    pub amount: Cents,
    pub method: PaymentMethodKind,
    /// Check number or other reference people see.
    pub reference: String,
    /// The processor's payment id: one provider payment is recorded once.
    pub provider_ref: Option<String>,
    pub received_on: Date,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BillTo {
    Person(PersonId),
    Practice(PracticeId),
}

#[derive(Clone, Debug)]
pub struct NewLine {
    pub description: String,
    pub quantity: i64,
    pub unit: Cents,
    /// None: the dues default account (4000 Membership dues).
    pub revenue_account: Option<RevenueAccountId>,
    /// For a practice's invoice: the clinician this line covers.
    pub person: Option<PersonId>,
}

#[derive(Clone, Debug)]
pub struct NewInvoice {
    pub bill_to: BillTo,
    pub lines: Vec<NewLine>,
    pub due_on: Date,
    /// Empty: a practice's own PO number, if it has one.
    pub po_number: String,
    pub memo: String,
    /// One of [`PURPOSES`]: dues, practice_dues, seat_proration, other.
    pub purpose: &'static str,
    /// For dues: paying the invoice in full adds this term to this membership.
    pub dues_term: Option<(MembershipId, Term)>,
    /// A key already used returns the invoice issued with it.
    pub dedup_key: Option<String>,
    /// The share of dues not deductible because of lobbying (IRC 6033(e)), printed on it.
    pub nondeductible: Cents,
}

const MAX_LINES: usize = 200;
/// $100,000,000: more is a typo.
const MAX_UNIT: i64 = 10_000_000_000;
const MAX_QUANTITY: i64 = 100_000;

/// Check an invoice's own fields; each problem names its field (`description_1`, `unit_2`, …
/// for lines, counted from 1).
fn validate_invoice(invoice: &NewInvoice, today: Date) -> Result<Cents, FieldErrors> {
    let mut errors = FieldErrors::new();
    errors.check(
        invoice.lines.is_empty(),
        "lines",
        "Add at least one line to the invoice.",
    );
    errors.check(
        invoice.lines.len() > MAX_LINES,
        "lines",
        "An invoice can have at most 200 lines.",
    );
    let mut amounts = Vec::new();
    for (i, line) in invoice.lines.iter().enumerate() {
        let n = i + 1;
        let description = line.description.trim();
        if description.is_empty() {
            errors.add(
                &format!("description_{n}"),
                "Describe what this line is for.",
            );
        } else if description.chars().count() > 300 {
            errors.add(
                &format!("description_{n}"),
                "Keep the description under 300 characters.",
            );
        }
        if !(1..=MAX_QUANTITY).contains(&line.quantity) {
            errors.add(
                &format!("quantity_{n}"),
                "Enter a whole number from 1 to 100,000.",
            );
        }
        if !(0..=MAX_UNIT).contains(&line.unit.0) {
            errors.add(
                &format!("unit_{n}"),
                "Enter a price of zero or more, like 350 or 350.00.",
            );
        }
        match line_amount(line.quantity, line.unit) {
            Some(amount) => amounts.push(amount),
            None => errors.add(&format!("unit_{n}"), "This line's amount is too large."),
        }
    }
    let total = invoice_total(amounts).unwrap_or(Cents(i64::MAX));
    errors.check(
        total.0 > MAX_UNIT * 10,
        "lines",
        "The invoice total is too large.",
    );
    errors.check(
        invoice.due_on < today,
        "due_on",
        "The due date cannot be before the invoice date.",
    );
    errors.check(
        invoice.po_number.chars().count() > 100,
        "po_number",
        "Keep the PO number under 100 characters.",
    );
    errors.check(
        invoice.memo.chars().count() > 2000,
        "memo",
        "Keep the memo under 2,000 characters.",
    );
    errors.check(
        !PURPOSES.contains(&invoice.purpose),
        "purpose",
        "Choose what the invoice is for.",
    );
    errors.check(
        invoice.nondeductible.0 < 0 || invoice.nondeductible > total,
        "nondeductible",
        "The non-deductible share must be between zero and the invoice total.",
    );
    if let Some((_, term)) = &invoice.dues_term {
        errors.check(
            term.end.is_some_and(|end| end < term.start),
            "term",
            "The term must end after it starts.",
        );
    }
    errors.into_result()?;
    Ok(total)
}

async fn bill_to_details(tx: &mut ScopedTx, bill_to: BillTo) -> AppResult<BillToDetails> {
    let details = match bill_to {
        BillTo::Person(person) => tx.person_bill_to(person).await?,
        BillTo::Practice(practice) => tx.practice_bill_to(practice).await?,
    };
    details.ok_or_else(|| AppError::field("bill_to", "Choose who the invoice is for."))
}

/// Issues an invoice (gapless number). A dedup_key already used returns Ok(the existing id).
pub async fn issue_invoice(
    app: &App,
    scoped: &Scoped,
    actor: &Actor,
    invoice: NewInvoice,
) -> AppResult<InvoiceId> {
    let today = today(app, scoped);
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let id = issue_invoice_in(&mut tx, now, actor, invoice, today).await?;
    tx.commit().await?;
    Ok(id)
}

/// Same, inside a caller's transaction (for the daily run and joins that write other rows too).
/// `today` is the issue date (the society's local date). Nothing is written when it fails, so
/// the caller's transaction stays usable.
pub async fn issue_invoice_in(
    tx: &mut ScopedTx,
    now: Timestamp,
    actor: &Actor,
    invoice: NewInvoice,
    today: Date,
) -> AppResult<InvoiceId> {
    Ok(issue_in(tx, now, actor, invoice, None, today).await?.0)
}

/// A practice's dues invoice (see [`practice_dues_invoice`]) inside the caller's transaction:
/// paying it in full adds `term` to the practice. Returns the invoice and whether it is new
/// (false: its dedup key found the one issued before).
pub(crate) async fn issue_practice_dues_in(
    tx: &mut ScopedTx,
    now: Timestamp,
    actor: &Actor,
    invoice: NewInvoice,
    term: Term,
    today: Date,
) -> AppResult<(InvoiceId, bool)> {
    if !matches!(invoice.bill_to, BillTo::Practice(_)) {
        return Err(AppError::Internal(anyhow::anyhow!(
            "a practice term on an invoice not billed to a practice"
        )));
    }
    issue_in(tx, now, actor, invoice, Some(term), today).await
}

/// Which revenue accounts invoice lines may use (present and not archived), each read from the
/// store once however many lines name it.
#[derive(Default)]
struct UsableAccounts(std::collections::HashMap<RevenueAccountId, bool>);

impl UsableAccounts {
    async fn check(&mut self, tx: &mut ScopedTx, account: RevenueAccountId) -> AppResult<bool> {
        if let Some(usable) = self.0.get(&account) {
            return Ok(*usable);
        }
        let usable = tx
            .revenue_account(account)
            .await?
            .is_some_and(|a| !a.archived);
        self.0.insert(account, usable);
        Ok(usable)
    }
}

async fn issue_in(
    tx: &mut ScopedTx,
    now: Timestamp,
    actor: &Actor,
    invoice: NewInvoice,
    practice_term: Option<Term>,
    today: Date,
) -> AppResult<(InvoiceId, bool)> {
    // Taken first: a concurrent writer with the same dedup key waits here, then finds ours.
    tx.lock_document_counter(DocumentKind::Invoice).await?;
    if let Some(key) = &invoice.dedup_key
        && let Some(existing) = tx.invoice_by_dedup_key(key).await?
    {
        return Ok((existing, false));
    }
    let total = validate_invoice(&invoice, today)?;
    let mut bill_to = bill_to_details(tx, invoice.bill_to).await?;
    if !invoice.po_number.trim().is_empty() {
        bill_to.po_number = invoice.po_number.trim().to_string();
    }
    let mut errors = FieldErrors::new();
    // A practice's invoice has a line per seat, mostly on one account: each is read once.
    let mut usable_accounts = UsableAccounts::default();
    for (i, line) in invoice.lines.iter().enumerate() {
        if let Some(account) = line.revenue_account {
            let usable = usable_accounts.check(tx, account).await?;
            errors.check(
                !usable,
                &format!("account_{}", i + 1),
                "Choose a revenue account.",
            );
        }
    }
    if let Some((membership, _)) = &invoice.dues_term {
        let exists = tx.dues_membership_level(*membership).await?.is_some();
        errors.check(!exists, "membership", "Choose a membership to renew.");
    }
    errors.into_result()?;

    let mut default_account = None;
    let lines = line_rows(tx, &invoice, &mut default_account, now).await?;
    let number = tx.next_document_number(DocumentKind::Invoice).await?;
    let display = DocumentKind::Invoice.display(number);
    let detail = format!("{total} to {}", bill_to.name);
    let row = invoice_row(
        &invoice,
        number,
        bill_to,
        total,
        practice_term,
        actor,
        today,
    );
    let id = tx.insert_invoice(&row, &lines, now).await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "invoice.issued",
            subject: &display,
            detail: &detail,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    Ok((id, true))
}

/// The stored lines of an invoice: a line without an account goes to the dues default (created
/// on first use and remembered in `default_account`).
async fn line_rows(
    tx: &mut ScopedTx,
    invoice: &NewInvoice,
    default_account: &mut Option<RevenueAccountId>,
    now: Timestamp,
) -> AppResult<Vec<NewInvoiceLineRow>> {
    let mut lines = Vec::with_capacity(invoice.lines.len());
    for line in &invoice.lines {
        let account = match (line.revenue_account, *default_account) {
            (Some(account), _) | (None, Some(account)) => account,
            (None, None) => {
                let account = tx
                    .ensure_revenue_account(DUES_ACCOUNT_CODE, DUES_ACCOUNT_NAME, now)
                    .await?;
                *default_account = Some(account);
                account
            }
        };
        lines.push(NewInvoiceLineRow {
            description: line.description.trim().to_string(),
            quantity: line.quantity,
            unit: line.unit,
            amount: line_amount(line.quantity, line.unit).unwrap_or(Cents::ZERO),
            revenue_account: account,
            person: line.person,
        });
    }
    Ok(lines)
}

fn invoice_row(
    invoice: &NewInvoice,
    number: i64,
    bill_to: BillToDetails,
    total: Cents,
    practice_term: Option<Term>,
    actor: &Actor,
    today: Date,
) -> NewInvoiceRow {
    let (person, practice) = match invoice.bill_to {
        BillTo::Person(p) => (Some(p), None),
        BillTo::Practice(p) => (None, Some(p)),
    };
    let term = invoice.dues_term.map(|(_, t)| t).or(practice_term);
    NewInvoiceRow {
        number,
        person,
        practice,
        bill_to,
        issued_on: today,
        due_on: invoice.due_on,
        total,
        nondeductible: invoice.nondeductible,
        memo: invoice.memo.trim().to_string(),
        purpose: invoice.purpose.to_string(),
        membership: invoice.dues_term.map(|(m, _)| m),
        term_start: term.map(|t| t.start),
        term_end: term.and_then(|t| t.end),
        dedup_key: invoice.dedup_key.clone(),
        created_by: actor.account,
    }
}

/// An invoice whose bill-to the caller already read (the daily run reads every member's in one
/// query).
#[derive(Clone, Debug)]
pub struct PreparedInvoice {
    pub invoice: NewInvoice,
    pub bill_to: BillToDetails,
}

/// What [`issue_invoices_in`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IssuedBatch {
    /// The invoices issued (all that passed validation), in order.
    Issued(Vec<InvoiceId>),
    /// These dedup keys were taken meanwhile (a renewal issued by the portal, or a concurrent
    /// run): the invoices written leave holes in the numbers, so the caller rolls the
    /// transaction back and issues the batch again without them.
    KeysTaken(Vec<String>),
}

/// Issue many invoices in the caller's transaction with a few statements per few hundred: the
/// daily run's renewal invoices. The batch takes a block of consecutive numbers in one update
/// (locking the counter until the transaction ends, so numbers stay gapless), then writes the
/// invoices, their lines and their audit entries with multi-row inserts. A dedup key repeated
/// in the batch is issued once; a key already used by a stored invoice is found by the unique
/// index itself (no lookup beforehand, so a batch costs the same however many invoices the
/// society has) and answered with [`IssuedBatch::KeysTaken`]. An invoice that fails validation
/// is skipped and logged (one bad level does not stop the others).
pub async fn issue_invoices_in(
    tx: &mut ScopedTx,
    now: Timestamp,
    actor: &Actor,
    prepared: Vec<PreparedInvoice>,
    today: Date,
) -> AppResult<IssuedBatch> {
    let mut seen = std::collections::HashSet::new();
    let mut usable_accounts = UsableAccounts::default();
    let mut default_account = None;
    let mut rows = Vec::with_capacity(prepared.len());
    for PreparedInvoice { invoice, bill_to } in prepared {
        if let Some(key) = &invoice.dedup_key
            && !seen.insert(key.clone())
        {
            continue;
        }
        let total = match validate_invoice(&invoice, today) {
            Ok(total) => total,
            Err(errors) => {
                tracing::warn!(?errors, to = %bill_to.name, "invoice not issued");
                continue;
            }
        };
        let mut accounts_ok = true;
        for account in invoice.lines.iter().filter_map(|l| l.revenue_account) {
            accounts_ok &= usable_accounts.check(tx, account).await?;
        }
        if !accounts_ok {
            tracing::warn!(to = %bill_to.name, "invoice not issued: its revenue account is archived");
            continue;
        }
        let lines = line_rows(tx, &invoice, &mut default_account, now).await?;
        rows.push((invoice, bill_to, total, lines));
    }
    if rows.is_empty() {
        return Ok(IssuedBatch::Issued(Vec::new()));
    }
    let count = rows.len() as i64;
    let last = tx
        .take_document_numbers(DocumentKind::Invoice, count)
        .await?;
    let first = last - count + 1;
    let mut audits = Vec::with_capacity(rows.len());
    let mut stored = Vec::with_capacity(rows.len());
    for (n, (invoice, bill_to, total, lines)) in rows.into_iter().enumerate() {
        let number = first + n as i64;
        audits.push((
            DocumentKind::Invoice.display(number),
            format!("{total} to {}", bill_to.name),
        ));
        stored.push((
            invoice_row(&invoice, number, bill_to, total, None, actor, today),
            lines,
        ));
    }
    let ids = match tx.insert_invoices(&stored, now).await? {
        InsertedInvoices::Written(ids) => ids,
        InsertedInvoices::KeysTaken(keys) => return Ok(IssuedBatch::KeysTaken(keys)),
    };
    let entries: Vec<NewAudit> = audits
        .iter()
        .map(|(subject, detail)| NewAudit {
            actor: actor.account,
            action: "invoice.issued",
            subject,
            detail,
            ip: &actor.ip,
        })
        .collect();
    tx.audit_many(&entries, now).await?;
    Ok(IssuedBatch::Issued(ids))
}

/// "November 21, 2026".
fn long_date(date: Date) -> String {
    date.strftime("%B %-d, %Y").to_string()
}

/// The dues invoice for `term` of the membership in `basis`, for `amount`, issued `today`: one
/// line on the level's revenue account, the level's non-deductible share, due at the term's
/// start (or today, if that has passed).
pub fn dues_invoice(
    basis: &DuesBasis,
    term: Term,
    amount: Cents,
    dedup_key: Option<String>,
    today: Date,
) -> NewInvoice {
    let period = match term.end {
        Some(end) => format!("{} to {}", long_date(term.start), long_date(end)),
        None => format!("from {}", long_date(term.start)),
    };
    NewInvoice {
        bill_to: BillTo::Person(basis.person),
        lines: vec![NewLine {
            description: format!("{} membership dues, {period}", basis.level_name),
            quantity: 1,
            unit: amount,
            revenue_account: basis.revenue_account,
            person: Some(basis.person),
        }],
        due_on: term.start.max(today),
        po_number: String::new(),
        memo: String::new(),
        purpose: "dues",
        dues_term: Some((basis.membership, term)),
        dedup_key,
        nondeductible: nondeductible_share(amount, basis.nondeductible_bp),
    }
}

/// A practice's dues invoice for `term`: one line per seat at its profession's rate for the
/// term (fellows at no charge), then a prorated line for each colleague added during the
/// current term (`pending`, through `current_end`), booked to the practice level's revenue
/// account, with the level's non-deductible share. The practice's billing contact and PO number
/// are copied onto it at issue. Due at the term's start (or today, if that has passed).
#[allow(clippy::too_many_arguments)]
pub fn practice_dues_invoice(
    practice: PracticeId,
    level_name: &str,
    annual: &[PracticeCharge],
    pending: &[PracticeCharge],
    current_end: Option<Date>,
    term: Term,
    revenue_account: Option<RevenueAccountId>,
    nondeductible_bp: i64,
    dedup_key: Option<String>,
    today: Date,
) -> NewInvoice {
    let period = match term.end {
        Some(end) => format!("{} to {}", long_date(term.start), long_date(end)),
        None => format!("from {}", long_date(term.start)),
    };
    let mut lines: Vec<NewLine> = annual
        .iter()
        .map(|c| NewLine {
            description: format!("{}: {level_name} dues, {period}", c.description()),
            quantity: 1,
            unit: c.amount,
            revenue_account,
            person: Some(c.person),
        })
        .collect();
    lines.extend(pending.iter().map(|c| {
        let through = current_end
            .map(|end| format!(" through {}", long_date(end)))
            .unwrap_or_default();
        NewLine {
            description: format!(
                "{} of {}: added during the current term{through}",
                c.description(),
                c.rate
            ),
            quantity: 1,
            unit: c.amount,
            revenue_account,
            person: Some(c.person),
        }
    }));
    let total = Cents(lines.iter().map(|l| l.unit.0).sum());
    NewInvoice {
        bill_to: BillTo::Practice(practice),
        lines,
        due_on: term.start.max(today),
        po_number: String::new(),
        memo: String::new(),
        purpose: "practice_dues",
        dues_term: None,
        dedup_key,
        nondeductible: nondeductible_share(total, nondeductible_bp),
    }
}

/// A dues invoice for one membership's term at its level's fee (or a given prorated amount),
/// booked to the level's revenue account (level_billing, else the dues default), with the
/// level's non-deductible share.
pub async fn issue_dues_invoice(
    app: &App,
    scoped: &Scoped,
    actor: &Actor,
    membership: MembershipId,
    term: Term,
    amount: Option<Cents>,
    dedup_key: Option<String>,
) -> AppResult<InvoiceId> {
    let basis = scoped
        .dues_basis(membership)
        .await?
        .ok_or(AppError::NotFound)?;
    let amount = amount.unwrap_or(basis.fee);
    if amount.0 < 0 {
        return Err(AppError::field(
            "amount",
            "Enter an amount of zero or more.",
        ));
    }
    let today = today(app, scoped);
    let invoice = dues_invoice(&basis, term, amount, dedup_key, today);
    issue_invoice(app, scoped, actor, invoice).await
}

/// Records a payment; a provider_ref already recorded returns Ok(the existing PaymentId) and
/// changes nothing. When the invoice becomes fully paid and it is a dues invoice (membership_id
/// with term_start/term_end), adds that term (idempotent on the unique start) and stores the
/// recomputed membership status, all in the same transaction; a practice's dues invoice adds the
/// practice's term the same way and moves its seats' statuses with it. Then enqueues a receipt
/// email to the invoice's bill_to_email.
pub async fn record_payment(
    app: &App,
    scoped: &Scoped,
    actor: &Actor,
    payment: NewPayment,
) -> AppResult<PaymentId> {
    record(app, scoped, actor, payment, None).await
}

/// Staff record a check, bank transfer or cash payment from the invoice page. `seen_balance` is
/// the balance the form showed: if the invoice's balance has changed since (the same form sent
/// twice), nothing is recorded and the answer is [`AppError::Stale`]. More than the balance due
/// is refused.
pub async fn record_staff_payment(
    app: &App,
    scoped: &Scoped,
    actor: &Actor,
    payment: NewPayment,
    seen_balance: Cents,
) -> AppResult<PaymentId> {
    record(app, scoped, actor, payment, Some(seen_balance)).await
}

async fn record(
    app: &App,
    scoped: &Scoped,
    actor: &Actor,
    payment: NewPayment,
    seen_balance: Option<Cents>,
) -> AppResult<PaymentId> {
    let today = today(app, scoped);
    let mut errors = FieldErrors::new();
    errors.check(
        payment.amount.0 <= 0,
        "amount",
        "Enter an amount more than zero, like 350.00.",
    );
    errors.check(
        payment.reference.chars().count() > 200,
        "reference",
        "Keep the reference under 200 characters.",
    );
    errors.check(
        payment.received_on > today,
        "received_on",
        "The date received cannot be in the future.",
    );
    errors.into_result()?;
    let provider_ref = payment
        .provider_ref
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());

    let now = app.now();
    let mut tx = scoped.begin().await?;
    tx.lock_document_counter(DocumentKind::Payment).await?;
    if let Some(provider_ref) = provider_ref
        && let Some(existing) = tx.payment_by_provider_ref(provider_ref).await?
    {
        return Ok(existing);
    }
    let invoice = tx
        .invoice(payment.invoice)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = invoice.amounts.balance();
    if let Some(seen) = seen_balance {
        if invoice.amounts.voided {
            return Err(AppError::field(
                "amount",
                "This invoice is void: nothing is owed on it.",
            ));
        }
        if seen != before {
            return Err(AppError::Stale);
        }
        if payment.amount > before {
            return Err(AppError::field(
                "amount",
                &format!("This is more than the balance due, {before}."),
            ));
        }
    }
    let number = tx.next_document_number(DocumentKind::Payment).await?;
    let id = tx
        .insert_payment(
            &NewPaymentRow {
                number,
                invoice: invoice.id,
                received_on: payment.received_on,
                method: payment.method.as_str(),
                reference: payment.reference.trim().to_string(),
                provider_ref: provider_ref.map(str::to_string),
                amount: payment.amount,
                created_by: actor.account,
            },
            now,
        )
        .await?;
    let after = Cents(before.0 - payment.amount.0);
    // What the payment settles is measured against the documents, so a late payment on a
    // voided invoice still buys its term or seat (and then lifts the void).
    let owed_before = invoice.amounts.document_balance();
    let owed_after = Cents(owed_before.0 - payment.amount.0);

    if owed_before.0 > 0
        && owed_after.0 <= 0
        && let Some(start) = invoice.term_start
    {
        let term = Term {
            start,
            end: invoice.term_end,
        };
        match (invoice.membership, invoice.practice) {
            (Some(membership), _) => {
                add_paid_term(&mut tx, membership, term, today, now).await?;
            }
            // A practice's dues: its term, and every seat's status with it.
            (None, Some(practice)) if invoice.purpose == "practice_dues" => {
                crate::practices::add_paid_term_in(&mut tx, scoped, practice, term, today, now)
                    .await?;
            }
            _ => {}
        }
    }
    // An event registration waiting on this invoice is confirmed in this same transaction.
    let mut no_seat = false;
    if owed_before.0 > 0 && owed_after.0 <= 0 && invoice.purpose == "registration" {
        let outcome =
            crate::registrations::invoice_paid_in(app, scoped, &mut tx, invoice.id, now).await?;
        no_seat = matches!(outcome, crate::registrations::PaidOutcome::NoSeat(_));
    }
    let amounts_after = rules::InvoiceAmounts {
        paid: Cents(invoice.amounts.paid.0 + payment.amount.0),
        ..invoice.amounts
    };
    if payment_lifts_void(&amounts_after, no_seat) && tx.lift_invoice_void(invoice.id, now).await? {
        tx.audit(
            NewAudit {
                actor: actor.account,
                action: "invoice.void_lifted",
                subject: &invoice.display_number(),
                detail: "paid in full after it was voided",
                ip: &actor.ip,
            },
            now,
        )
        .await?;
    }

    let display = DocumentKind::Payment.display(number);
    let invoice_display = invoice.display_number();
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "payment.recorded",
            subject: &display,
            detail: &format!(
                "{} on {invoice_display} by {}",
                payment.amount,
                payment.method.label().to_lowercase()
            ),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    if !invoice.bill_to_email.is_empty() {
        let society = scoped.society();
        let base = app.links.base_url(society);
        // A payment for a registration that found no seat is refunded right after this
        // transaction (`registrations::settle_late_payment`, dated today): not paid in full.
        let balance_line =
            rules::receipt_balance_words(after, no_seat.then_some((payment.amount, today)));
        enqueue_email(
            &mut tx,
            &EmailJob {
                to: invoice.bill_to_email.clone(),
                subject: format!("Receipt for your payment to {}", society.name),
                text: format!(
                    "Hello {},\n\nThank you. We received your payment of {} on {} for invoice \
                     {invoice_display} (receipt {display}). {balance_line}\n\nYou can download \
                     the receipt and the invoice when signed in:\n{base}/account/invoices\n",
                    invoice.bill_to_name,
                    payment.amount,
                    long_date(payment.received_on),
                ),
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Add the term a paid dues invoice buys (once: a term with that start already there is kept)
/// and store the membership's recomputed status.
async fn add_paid_term(
    tx: &mut ScopedTx,
    membership: MembershipId,
    term: Term,
    today: Date,
    now: Timestamp,
) -> AppResult<()> {
    let Some(level) = tx.dues_membership_level(membership).await? else {
        return Ok(());
    };
    tx.insert_paid_term(membership, level, &term, now).await?;
    // Read through the transaction: it sees the term just added, and a writer holding a
    // connection never waits for a second one.
    let Some(state) = tx.dues_membership_state(membership).await? else {
        return Ok(());
    };
    let status = membership::status(&StatusInput {
        today,
        terms: &state.terms,
        application: state.application,
        cancelled_on: state.cancelled_on,
        suspended: state.suspended,
        override_status: state.override_status,
        practice_status: None,
        grace_days: state.grace_days,
    });
    tx.set_membership_status(membership, status, today).await?;
    Ok(())
}

fn check_reason(reason: &str) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    errors.check(
        reason.trim().is_empty(),
        "reason",
        "Say why, in a few words (it is kept with the document).",
    );
    errors.check(
        reason.chars().count() > 500,
        "reason",
        "Keep the reason under 500 characters.",
    );
    errors.into_result()
}

/// Refund (part of) a payment: at most what is left of it after earlier refunds. A
/// `provider_ref` already recorded returns the existing refund and changes nothing.
pub async fn refund_payment(
    app: &App,
    scoped: &Scoped,
    actor: &Actor,
    payment: PaymentId,
    amount: Cents,
    reason: String,
    provider_ref: Option<String>,
) -> AppResult<RefundId> {
    check_reason(&reason)?;
    let provider_ref = provider_ref
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    let today = today(app, scoped);
    let now = app.now();
    let mut tx = scoped.begin().await?;
    tx.lock_document_counter(DocumentKind::Refund).await?;
    if let Some(provider_ref) = &provider_ref
        && let Some(existing) = tx.refund_by_provider_ref(provider_ref).await?
    {
        return Ok(existing);
    }
    let paid = tx.payment(payment).await?.ok_or(AppError::NotFound)?;
    if let Some(problem) = refund_problem(amount, paid.refundable()) {
        return Err(AppError::field("amount", &problem));
    }
    let number = tx.next_document_number(DocumentKind::Refund).await?;
    let id = tx
        .insert_refund(
            &NewRefundRow {
                number,
                payment,
                refunded_on: today,
                amount,
                reason: reason.trim().to_string(),
                provider_ref,
                created_by: actor.account,
            },
            now,
        )
        .await?;
    let display = DocumentKind::Refund.display(number);
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "refund.issued",
            subject: &display,
            detail: &format!("{amount} of {}: {}", paid.display_number(), reason.trim()),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    if let Some(invoice) = tx.invoice(paid.invoice).await?
        && !invoice.bill_to_email.is_empty()
    {
        enqueue_email(
            &mut tx,
            &EmailJob {
                to: invoice.bill_to_email.clone(),
                subject: format!("Refund from {}", scoped.society().name),
                text: format!(
                    "Hello {},\n\nWe have refunded {amount} of your payment {} for invoice {} \
                     (refund {display}). Depending on how you paid, it may take a few days to \
                     reach you.\n",
                    invoice.bill_to_name,
                    paid.display_number(),
                    invoice.display_number(),
                ),
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Reduce what is owed on an invoice (a correction or a waiver): at most its balance.
pub async fn issue_credit_memo(
    app: &App,
    scoped: &Scoped,
    actor: &Actor,
    invoice: InvoiceId,
    amount: Cents,
    reason: String,
) -> AppResult<CreditMemoId> {
    check_reason(&reason)?;
    let today = today(app, scoped);
    let now = app.now();
    let mut tx = scoped.begin().await?;
    tx.lock_document_counter(DocumentKind::CreditMemo).await?;
    let found = tx.invoice(invoice).await?.ok_or(AppError::NotFound)?;
    if let Some(problem) = credit_memo_problem(amount, found.amounts.balance()) {
        return Err(AppError::field("credit_amount", &problem));
    }
    let id = credit_memo_in(&mut tx, &found, amount, reason.trim(), today, actor, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// A credit memo on `invoice` written and audited inside the caller's transaction, with no
/// check of the amount: staff's are at most the balance ([`issue_credit_memo`]); a
/// cancellation's may exceed what is owed, the invoice then carrying the registrant's credit.
pub async fn credit_memo_in(
    tx: &mut ScopedTx,
    invoice: &Invoice,
    amount: Cents,
    reason: &str,
    issued_on: Date,
    actor: &Actor,
    now: Timestamp,
) -> AppResult<CreditMemoId> {
    tx.lock_document_counter(DocumentKind::CreditMemo).await?;
    let number = tx.next_document_number(DocumentKind::CreditMemo).await?;
    let id = tx
        .insert_credit_memo(
            &NewCreditMemoRow {
                number,
                invoice: invoice.id,
                issued_on,
                amount,
                reason: reason.to_string(),
                created_by: actor.account,
            },
            now,
        )
        .await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "credit_memo.issued",
            subject: &DocumentKind::CreditMemo.display(number),
            detail: &format!("{amount} on {}: {reason}", invoice.display_number()),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    Ok(id)
}

/// Void an unpaid invoice inside the caller's transaction: nothing is owed on it any more
/// (balances, lists, exports and the pay pages all read it as void). `by` is who did it in
/// words (a staff member's name, or the job). Refused in words when any payment is recorded;
/// a void invoice is left as it is (returns false).
pub async fn void_invoice_in(
    tx: &mut ScopedTx,
    actor: &Actor,
    invoice: InvoiceId,
    reason: &str,
    by: &str,
    now: Timestamp,
) -> AppResult<bool> {
    let found = tx.invoice(invoice).await?.ok_or(AppError::NotFound)?;
    if found.amounts.voided {
        return Ok(false);
    }
    if let Some(problem) = void_problem(&found.amounts) {
        return Err(AppError::field("void_reason", problem));
    }
    if !tx.void_invoice(invoice, reason.trim(), by, now).await? {
        return Ok(false);
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "invoice.voided",
            subject: &found.display_number(),
            detail: &format!("{} by {by}: {}", found.amounts.total, reason.trim()),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    Ok(true)
}

/// Staff void an unpaid invoice from its page, with a reason.
pub async fn void_invoice(
    app: &App,
    scoped: &Scoped,
    actor: &Actor,
    by: &str,
    invoice: InvoiceId,
    reason: &str,
) -> AppResult<()> {
    check_reason(reason)
        .map_err(|e| AppError::Invalid(forms::rename_fields(e, &[("reason", "void_reason")])))?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    if !void_invoice_in(&mut tx, actor, invoice, reason, by, now).await? {
        return Err(AppError::field(
            "void_reason",
            "This invoice is already void.",
        ));
    }
    tx.commit().await?;
    Ok(())
}

/// Staff add a revenue account (code and name, as in the society's chart of accounts).
pub async fn create_revenue_account(
    app: &App,
    scoped: &Scoped,
    actor: &Actor,
    code: &str,
    name: &str,
) -> AppResult<RevenueAccountId> {
    let code = code.trim();
    let name = name.trim();
    let mut errors = FieldErrors::new();
    errors.check(
        code.is_empty(),
        "code",
        "Enter the account's code, like 4000.",
    );
    errors.check(
        code.chars().count() > 20,
        "code",
        "Keep the code under 20 characters.",
    );
    errors.check(
        name.is_empty(),
        "name",
        "Enter the account's name, like Membership dues.",
    );
    errors.check(
        name.chars().count() > 100,
        "name",
        "Keep the name under 100 characters.",
    );
    errors.into_result()?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let id = match tx.insert_revenue_account(code, name, now).await {
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::field(
                "code",
                "Another account already has that code.",
            ));
        }
        other => other?,
    };
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "revenue_account.created",
            subject: code,
            detail: name,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Where an invoice stands, for pages.
pub fn invoice_state(invoice: &chapterhouse_store::Invoice) -> rules::InvoiceState {
    invoice.amounts.state()
}
