//! Billing pages. Staff: invoices for a period with balances and QuickBooks exports, revenue
//! accounts, a new invoice, one invoice with its payments, credit memos and refunds (and the
//! forms to add them), PDFs. Members: their own invoices and payments (and those of practices
//! they manage), with PDFs; anything else is 404.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chapterhouse_app::AppError;
use chapterhouse_app::billing::forms::{
    CreditMemoForm, InvoiceForm, LineForm, PaymentForm, PeriodForm, RefundForm, STAFF_METHODS,
    rename_fields,
};
use chapterhouse_app::billing::{self, export, method_label, pdf};
use chapterhouse_app::membership::today;
use chapterhouse_core::billing::{DocumentKind, nondeductible_notice};
use chapterhouse_core::money::Cents;
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{InvoiceId, PaymentId, PersonId};
use chapterhouse_store::{BillablePerson, Invoice, InvoiceDetail, Payment, Refund, RevenueAccount};
use serde::Deserialize;

use crate::ctx::{Chrome, Ctx, Form, RequireRole, Staff};
use crate::error::{WebError, WebResult};
use crate::forms::parse_id;
use crate::views::{form_status, render};

// ---- rows as pages show them ----

pub struct InvoiceRow {
    pub id: String,
    pub number: String,
    pub issued_on: String,
    pub due_on: String,
    pub bill_to: String,
    pub total: String,
    pub paid: String,
    pub balance: String,
    pub state: String,
    pub overdue: bool,
    /// Something is still owed.
    pub open: bool,
}

pub(crate) fn invoice_row(invoice: &Invoice, today: billing::Date) -> InvoiceRow {
    let balance = invoice.amounts.balance();
    InvoiceRow {
        id: invoice.id.to_string(),
        number: invoice.display_number(),
        issued_on: invoice.issued_on.to_string(),
        due_on: invoice.due_on.to_string(),
        bill_to: invoice.bill_to_name.clone(),
        total: invoice.amounts.total.to_string(),
        paid: invoice.amounts.net_paid().to_string(),
        balance: balance.to_string(),
        state: invoice.amounts.state().label().to_string(),
        overdue: balance.0 > 0 && invoice.due_on < today,
        open: balance.0 > 0,
    }
}

pub struct PaymentRow {
    pub id: String,
    pub number: String,
    pub invoice_id: String,
    pub invoice_number: String,
    pub received_on: String,
    pub method: String,
    pub reference: String,
    pub amount: String,
    pub refunded: String,
    pub has_refunds: bool,
}

pub(crate) fn payment_row(payment: &Payment) -> PaymentRow {
    PaymentRow {
        id: payment.id.to_string(),
        number: payment.display_number(),
        invoice_id: payment.invoice.to_string(),
        invoice_number: DocumentKind::Invoice.display(payment.invoice_number),
        received_on: payment.received_on.to_string(),
        method: method_label(&payment.method).to_string(),
        reference: payment.reference.clone(),
        amount: payment.amount.to_string(),
        refunded: payment.refunded.to_string(),
        has_refunds: payment.refunded.0 > 0,
    }
}

fn pdf_response(bytes: Vec<u8>, file_name: &str) -> Response {
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("inline; filename=\"{file_name}.pdf\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

fn csv_response(text: String, file_name: &str) -> Response {
    let mut response = (StatusCode::OK, text).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}.csv\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

// ---- staff: invoices for a period ----

#[derive(Template)]
#[template(path = "staff/billing/index.html")]
pub struct BillingView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub period: PeriodForm,
    pub rows: Vec<InvoiceRow>,
    pub total: String,
    pub outstanding: String,
    /// `from=…&to=…` for the export links, when the period is valid.
    pub export_query: Option<String>,
}

pub async fn index(RequireRole { ctx, .. }: Staff, Query(q): Query<PeriodForm>) -> WebResult {
    let today = today(&ctx.app, &ctx.scoped);
    let period = q.with_defaults(today);
    let (errors, rows, total, outstanding, export_query) = match period.parse() {
        Ok((from, to)) => {
            let invoices = ctx.scoped.invoices_issued_between(from, to).await?;
            // A void invoice was not, in the end, invoiced (the export leaves it out too).
            let total: i64 = invoices
                .iter()
                .filter(|i| !i.amounts.voided)
                .map(|i| i.amounts.total.0)
                .sum();
            let outstanding: i64 = invoices.iter().map(|i| i.amounts.balance().0.max(0)).sum();
            let query = form_urlencoded::Serializer::new(String::new())
                .append_pair("from", &from.to_string())
                .append_pair("to", &to.to_string())
                .finish();
            (
                FieldErrors::new(),
                invoices.iter().map(|i| invoice_row(i, today)).collect(),
                Cents(total),
                Cents(outstanding),
                Some(query),
            )
        }
        Err(errors) => (errors, Vec::new(), Cents::ZERO, Cents::ZERO, None),
    };
    render(
        form_status(&errors),
        &BillingView {
            chrome: ctx.chrome(None).await?,
            errors,
            period,
            rows,
            total: total.to_string(),
            outstanding: outstanding.to_string(),
            export_query,
        },
    )
}

async fn export_period(
    ctx: &Ctx,
    q: &PeriodForm,
) -> Result<(billing::Date, billing::Date), WebError> {
    let today = today(&ctx.app, &ctx.scoped);
    q.with_defaults(today).parse().map_err(|errors| {
        WebError::BadRequest(
            errors
                .0
                .into_iter()
                .map(|(_, m)| m)
                .collect::<Vec<_>>()
                .join(" "),
        )
    })
}

pub async fn invoices_csv(
    RequireRole { ctx, .. }: Staff,
    Query(q): Query<PeriodForm>,
) -> WebResult {
    let (from, to) = export_period(&ctx, &q).await?;
    let text = export::invoices_csv(&ctx.scoped, from, to).await?;
    Ok(csv_response(text, &format!("invoices-{from}-to-{to}")))
}

pub async fn payments_csv(
    RequireRole { ctx, .. }: Staff,
    Query(q): Query<PeriodForm>,
) -> WebResult {
    let (from, to) = export_period(&ctx, &q).await?;
    let text = export::payments_csv(&ctx.scoped, from, to).await?;
    Ok(csv_response(text, &format!("payments-{from}-to-{to}")))
}

// ---- staff: revenue accounts ----

#[derive(Template)]
#[template(path = "staff/billing/accounts.html")]
pub struct AccountsView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub accounts: Vec<RevenueAccount>,
    pub code: String,
    /// Not `name`: the form macro's own parameter is called that.
    pub account_name: String,
}

#[derive(Deserialize)]
pub struct AccountPost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
}

async fn accounts_view(
    ctx: &Ctx,
    errors: FieldErrors,
    code: String,
    name: String,
    notice: Option<String>,
) -> WebResult {
    render(
        form_status(&errors),
        &AccountsView {
            chrome: ctx.chrome(notice).await?,
            errors,
            accounts: ctx.scoped.revenue_accounts().await?,
            code,
            account_name: name,
        },
    )
}

pub async fn accounts(RequireRole { ctx, .. }: Staff) -> WebResult {
    accounts_view(&ctx, FieldErrors::new(), String::new(), String::new(), None).await
}

pub async fn create_account(
    RequireRole { ctx, .. }: Staff,
    Form(post): Form<AccountPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    match billing::create_revenue_account(&ctx.app, &ctx.scoped, &ctx.actor, &post.code, &post.name)
        .await
    {
        Ok(_) => {
            let notice = format!("Account {} {} added.", post.code.trim(), post.name.trim());
            accounts_view(
                &ctx,
                FieldErrors::new(),
                String::new(),
                String::new(),
                Some(notice),
            )
            .await
        }
        Err(AppError::Invalid(errors)) => {
            accounts_view(&ctx, errors, post.code, post.name, None).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---- staff: a new invoice ----

#[derive(Template)]
#[template(path = "staff/billing/invoice_new.html")]
pub struct InvoiceNewView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub person: Option<BillablePerson>,
    pub q: String,
    pub matches: Vec<BillablePerson>,
    pub searched: bool,
    pub form: InvoiceForm,
    /// (value, label); the first is the dues default.
    pub accounts: Vec<(String, String)>,
}

impl InvoiceNewView {
    /// (1-based number, the line) for the template.
    pub fn numbered_lines(&self) -> Vec<(usize, &LineForm)> {
        self.form
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| (i + 1, l))
            .collect()
    }

    pub fn error_for(&self, field: &str, n: &usize) -> Option<&str> {
        self.errors.get(&format!("{field}_{n}"))
    }
}

#[derive(Deserialize, Default)]
pub struct NewInvoiceQuery {
    #[serde(default)]
    person: String,
    #[serde(default)]
    q: String,
}

async fn invoice_new_view(
    ctx: &Ctx,
    errors: FieldErrors,
    form: InvoiceForm,
    q: String,
) -> WebResult {
    let person = match form.person.parse::<PersonId>() {
        Ok(id) => ctx.scoped.billable_person(id).await?,
        Err(_) => None,
    };
    let searched = !q.trim().is_empty();
    let matches = if searched {
        ctx.scoped.billable_people(&q, 50).await?
    } else {
        Vec::new()
    };
    let mut accounts = vec![(
        String::new(),
        format!(
            "{} {} (default)",
            billing::DUES_ACCOUNT_CODE,
            billing::DUES_ACCOUNT_NAME
        ),
    )];
    accounts.extend(
        ctx.scoped
            .revenue_accounts()
            .await?
            .into_iter()
            .filter(|a| !a.archived && a.code != billing::DUES_ACCOUNT_CODE)
            .map(|a| (a.id.to_string(), format!("{} {}", a.code, a.name))),
    );
    render(
        form_status(&errors),
        &InvoiceNewView {
            chrome: ctx.chrome(None).await?,
            errors,
            person,
            q,
            matches,
            searched,
            form,
            accounts,
        },
    )
}

pub async fn new_invoice_form(
    RequireRole { ctx, .. }: Staff,
    Query(q): Query<NewInvoiceQuery>,
) -> WebResult {
    let today = today(&ctx.app, &ctx.scoped);
    let form = InvoiceForm::blank(q.person.trim(), today);
    invoice_new_view(&ctx, FieldErrors::new(), form, q.q).await
}

pub async fn create_invoice(
    RequireRole { ctx, .. }: Staff,
    Form(fields): Form<HashMap<String, String>>,
) -> WebResult {
    ctx.check_csrf(fields.get("csrf").map(String::as_str).unwrap_or(""))?;
    let form = InvoiceForm::from_fields(&fields);
    let invoice = match form.parse() {
        Ok(invoice) => invoice,
        Err(errors) => return invoice_new_view(&ctx, errors, form, String::new()).await,
    };
    match billing::issue_invoice(&ctx.app, &ctx.scoped, &ctx.actor, invoice).await {
        Ok(id) => Ok(Redirect::to(&format!("/staff/invoices/{id}?issued=1")).into_response()),
        Err(AppError::Invalid(errors)) => invoice_new_view(&ctx, errors, form, String::new()).await,
        Err(e) => Err(e.into()),
    }
}

// ---- staff: one invoice ----

pub struct LineRow {
    pub description: String,
    pub account: String,
    pub quantity: i64,
    pub unit: String,
    pub amount: String,
}

pub struct RefundRow {
    pub number: String,
    pub payment_number: String,
    pub refunded_on: String,
    pub amount: String,
    pub reason: String,
}

pub(crate) fn refund_row(refund: &Refund) -> RefundRow {
    RefundRow {
        number: DocumentKind::Refund.display(refund.number),
        payment_number: DocumentKind::Payment.display(refund.payment_number),
        refunded_on: refund.refunded_on.to_string(),
        amount: refund.amount.to_string(),
        reason: refund.reason.clone(),
    }
}

pub struct CreditMemoRow {
    pub number: String,
    pub issued_on: String,
    pub amount: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "staff/billing/invoice.html")]
pub struct InvoicePageView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub id: String,
    pub number: String,
    pub state: String,
    pub issued_on: String,
    pub due_on: String,
    pub bill_to_name: String,
    pub bill_to_email: String,
    pub bill_to_address: String,
    pub po_number: String,
    pub purpose: String,
    pub term: Option<String>,
    pub memo: String,
    pub person_id: Option<String>,
    pub lines: Vec<LineRow>,
    pub total: String,
    pub paid: String,
    pub credited: String,
    pub has_credits: bool,
    pub balance: String,
    pub balance_cents: i64,
    pub notice_6033e: Option<String>,
    pub payments: Vec<PaymentRow>,
    pub refunds: Vec<RefundRow>,
    pub credit_memos: Vec<CreditMemoRow>,
    pub payment_form: PaymentForm,
    pub credit_form: CreditMemoForm,
    pub refund_form: RefundForm,
    pub methods: Vec<(String, String)>,
    /// Payments with something left to refund: (id, label).
    pub refundable: Vec<(String, String)>,
    /// "Voided on … by …. Reason: …" while the invoice is void.
    pub void: Option<String>,
    /// Nothing paid and not void: the void form is offered.
    pub can_void: bool,
    pub void_reason: String,
}

#[derive(Deserialize, Default)]
pub struct IssuedQuery {
    #[serde(default)]
    issued: Option<String>,
    #[serde(default)]
    done: String,
}

struct InvoiceForms {
    payment: PaymentForm,
    credit: CreditMemoForm,
    refund: RefundForm,
    void_reason: String,
}

async fn invoice_page(
    ctx: &Ctx,
    detail: InvoiceDetail,
    errors: FieldErrors,
    forms: Option<InvoiceForms>,
    notice: Option<String>,
) -> WebResult {
    let today = today(&ctx.app, &ctx.scoped);
    let invoice = &detail.invoice;
    let balance = invoice.amounts.balance();
    let forms = forms.unwrap_or_else(|| InvoiceForms {
        payment: PaymentForm {
            amount: if balance.0 > 0 {
                chapterhouse_core::billing::decimal(balance)
            } else {
                String::new()
            },
            method: "check".into(),
            received_on: today.to_string(),
            ..Default::default()
        },
        credit: CreditMemoForm::default(),
        refund: RefundForm::default(),
        void_reason: String::new(),
    });
    let term = match (invoice.term_start, invoice.term_end) {
        (Some(start), Some(end)) => Some(format!("{start} to {end}")),
        (Some(start), None) => Some(format!("from {start}, no end")),
        _ => None,
    };
    let view = InvoicePageView {
        chrome: ctx.chrome(notice).await?,
        id: invoice.id.to_string(),
        number: invoice.display_number(),
        state: invoice.amounts.state().label().to_string(),
        issued_on: invoice.issued_on.to_string(),
        due_on: invoice.due_on.to_string(),
        bill_to_name: invoice.bill_to_name.clone(),
        bill_to_email: invoice.bill_to_email.clone(),
        bill_to_address: invoice.bill_to_address.clone(),
        po_number: invoice.po_number.clone(),
        purpose: invoice.purpose.replace('_', " "),
        term,
        memo: invoice.memo.clone(),
        person_id: invoice.person.map(|p| p.to_string()),
        lines: detail
            .lines
            .iter()
            .map(|l| LineRow {
                description: l.description.clone(),
                account: format!("{} {}", l.account_code, l.account_name),
                quantity: l.quantity,
                unit: l.unit.to_string(),
                amount: l.amount.to_string(),
            })
            .collect(),
        total: invoice.amounts.total.to_string(),
        paid: invoice.amounts.net_paid().to_string(),
        credited: invoice.amounts.credited.to_string(),
        has_credits: invoice.amounts.credited.0 > 0,
        balance: balance.to_string(),
        balance_cents: balance.0,
        notice_6033e: (invoice.nondeductible.0 > 0)
            .then(|| nondeductible_notice(invoice.nondeductible)),
        payments: detail.payments.iter().map(payment_row).collect(),
        refunds: detail.refunds.iter().map(refund_row).collect(),
        credit_memos: detail
            .credit_memos
            .iter()
            .map(|m| CreditMemoRow {
                number: DocumentKind::CreditMemo.display(m.number),
                issued_on: m.issued_on.to_string(),
                amount: m.amount.to_string(),
                reason: m.reason.clone(),
            })
            .collect(),
        payment_form: forms.payment,
        credit_form: forms.credit,
        refund_form: forms.refund,
        methods: STAFF_METHODS
            .iter()
            .map(|m| (m.as_str().to_string(), m.label().to_string()))
            .collect(),
        refundable: detail
            .payments
            .iter()
            .filter(|p| p.refundable().0 > 0)
            .map(|p| {
                (
                    p.id.to_string(),
                    format!(
                        "{} — {} {} ({} refundable)",
                        p.display_number(),
                        method_label(&p.method),
                        p.received_on,
                        p.refundable()
                    ),
                )
            })
            .collect(),
        void: invoice.void.as_ref().map(|v| {
            format!(
                "Voided on {} by {}. Reason: {}",
                v.at.display_in(&ctx.scoped.society().time_zone),
                v.by,
                v.reason
            )
        }),
        can_void: chapterhouse_core::billing::void_problem(&invoice.amounts).is_none(),
        void_reason: forms.void_reason,
        errors,
    };
    render(form_status(&view.errors), &view)
}

async fn load_detail(ctx: &Ctx, id: &str) -> Result<InvoiceDetail, WebError> {
    let id: InvoiceId = parse_id(id)?;
    ctx.scoped
        .invoice_detail(id)
        .await?
        .ok_or(WebError::NotFound)
}

pub async fn invoice(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Query(q): Query<IssuedQuery>,
) -> WebResult {
    let detail = load_detail(&ctx, &id).await?;
    let notice = match (q.issued.is_some(), q.done.as_str()) {
        (true, _) => Some(format!(
            "Invoice {} issued.",
            detail.invoice.display_number()
        )),
        (_, "payment") => Some("Payment recorded.".to_string()),
        (_, "credit") => Some("Credit memo issued.".to_string()),
        (_, "refund") => Some("Refund recorded.".to_string()),
        (_, "void") => Some("Invoice voided: nothing is owed on it.".to_string()),
        _ => None,
    };
    invoice_page(&ctx, detail, FieldErrors::new(), None, notice).await
}

#[derive(Deserialize)]
pub struct PaymentPost {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: PaymentForm,
}

pub async fn record_payment(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<PaymentPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let detail = load_detail(&ctx, &id).await?;
    let invoice_id = detail.invoice.id;
    let forms = |payment: PaymentForm| InvoiceForms {
        payment,
        credit: CreditMemoForm::default(),
        refund: RefundForm::default(),
        void_reason: String::new(),
    };
    let (payment, seen) = match post.form.parse(invoice_id) {
        Ok(parsed) => parsed,
        Err(errors) => {
            return invoice_page(&ctx, detail, errors, Some(forms(post.form)), None).await;
        }
    };
    match billing::record_staff_payment(&ctx.app, &ctx.scoped, &ctx.actor, payment, seen).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/staff/invoices/{invoice_id}?done=payment")).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            invoice_page(&ctx, detail, errors, Some(forms(post.form)), None).await
        }
        Err(AppError::Stale) => {
            let mut errors = FieldErrors::new();
            errors.add(
                "amount",
                "The balance of this invoice changed after you opened the form (the payment may already have been recorded), so nothing was recorded. Check the payments below before entering it again.",
            );
            // Show the invoice as it is now.
            let detail = load_detail(&ctx, &id).await?;
            invoice_page(&ctx, detail, errors, Some(forms(post.form)), None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct CreditPost {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: CreditMemoForm,
}

pub async fn issue_credit_memo(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<CreditPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let detail = load_detail(&ctx, &id).await?;
    let invoice_id = detail.invoice.id;
    let forms = |credit: CreditMemoForm| {
        Some(InvoiceForms {
            payment: PaymentForm::default(),
            credit,
            refund: RefundForm::default(),
            void_reason: String::new(),
        })
    };
    let amount = match post.form.parse() {
        Ok(amount) => amount,
        Err(errors) => return invoice_page(&ctx, detail, errors, forms(post.form), None).await,
    };
    match billing::issue_credit_memo(
        &ctx.app,
        &ctx.scoped,
        &ctx.actor,
        invoice_id,
        amount,
        post.form.credit_reason.clone(),
    )
    .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/staff/invoices/{invoice_id}?done=credit")).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let errors = rename_fields(errors, &[("reason", "credit_reason")]);
            invoice_page(&ctx, detail, errors, forms(post.form), None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct RefundPost {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: RefundForm,
}

pub async fn refund(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<RefundPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let detail = load_detail(&ctx, &id).await?;
    let invoice_id = detail.invoice.id;
    let forms = |refund: RefundForm| {
        Some(InvoiceForms {
            payment: PaymentForm::default(),
            credit: CreditMemoForm::default(),
            refund,
            void_reason: String::new(),
        })
    };
    let (payment, amount) = match post.form.parse() {
        Ok(parsed) => parsed,
        Err(errors) => return invoice_page(&ctx, detail, errors, forms(post.form), None).await,
    };
    // Only this invoice's payments can be refunded from its page.
    if !detail.payments.iter().any(|p| p.id == payment) {
        let mut errors = FieldErrors::new();
        errors.add("refund_payment", "Choose the payment to refund.");
        return invoice_page(&ctx, detail, errors, forms(post.form), None).await;
    }
    match billing::refund_payment(
        &ctx.app,
        &ctx.scoped,
        &ctx.actor,
        payment,
        amount,
        post.form.refund_reason.clone(),
        None,
    )
    .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/staff/invoices/{invoice_id}?done=refund")).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let errors = rename_fields(
                errors,
                &[("amount", "refund_amount"), ("reason", "refund_reason")],
            );
            invoice_page(&ctx, detail, errors, forms(post.form), None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct VoidPost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    void_reason: String,
}

/// Staff void an unpaid invoice, with a reason (422 with the reason kept, or the refusal in
/// words when a payment is recorded).
pub async fn void(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<VoidPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let detail = load_detail(&ctx, &id).await?;
    let invoice_id = detail.invoice.id;
    let by = ctx
        .user
        .as_ref()
        .map(|u| u.account.display_name.clone())
        .unwrap_or_default();
    match billing::void_invoice(
        &ctx.app,
        &ctx.scoped,
        &ctx.actor,
        &by,
        invoice_id,
        &post.void_reason,
    )
    .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("/staff/invoices/{invoice_id}?done=void")).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let forms = InvoiceForms {
                payment: PaymentForm::default(),
                credit: CreditMemoForm::default(),
                refund: RefundForm::default(),
                void_reason: post.void_reason,
            };
            invoice_page(&ctx, detail, errors, Some(forms), None).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn invoice_pdf(RequireRole { ctx, .. }: Staff, Path(id): Path<String>) -> WebResult {
    let detail = load_detail(&ctx, &id).await?;
    let name = detail.invoice.display_number();
    Ok(pdf_response(
        pdf::invoice_pdf(ctx.society(), &detail),
        &name,
    ))
}

async fn receipt(ctx: &Ctx, id: PaymentId) -> WebResult {
    let payment = ctx.scoped.payment(id).await?.ok_or(WebError::NotFound)?;
    let detail = ctx
        .scoped
        .invoice_detail(payment.invoice)
        .await?
        .ok_or(WebError::NotFound)?;
    let name = payment.display_number();
    Ok(pdf_response(
        pdf::receipt_pdf(ctx.society(), &payment, &detail.invoice, &detail.refunds),
        &name,
    ))
}

pub async fn receipt_pdf(RequireRole { ctx, .. }: Staff, Path(id): Path<String>) -> WebResult {
    let id: PaymentId = parse_id(&id)?;
    receipt(&ctx, id).await
}

// ---- members: their own invoices ----

#[derive(Template)]
#[template(path = "account/invoices.html")]
pub struct MyInvoicesView {
    pub chrome: Chrome,
    pub invoices: Vec<InvoiceRow>,
    pub payments: Vec<PaymentRow>,
    /// Card and bank payments are set up: open invoices get a "Pay now" button.
    pub can_pay: bool,
    pub error: Option<String>,
}

fn signed_in_person(ctx: &Ctx) -> Result<PersonId, WebError> {
    let user = ctx.require_user()?;
    Ok(PersonId(user.account.person_id))
}

#[derive(Deserialize, Default)]
pub struct MyInvoicesQuery {
    /// Back from the hosted payment page.
    #[serde(default)]
    paying: Option<String>,
}

pub async fn my_invoices(ctx: Ctx, Query(q): Query<MyInvoicesQuery>) -> WebResult {
    my_invoices_page(&ctx, crate::join::paying_notice(q.paying.is_some()), None).await
}

/// The member's invoices page, with a notice or (422) a problem with paying.
pub(crate) async fn my_invoices_page(
    ctx: &Ctx,
    notice: Option<String>,
    error: Option<String>,
) -> WebResult {
    let person = signed_in_person(ctx)?;
    let today = today(&ctx.app, &ctx.scoped);
    let invoices = ctx.scoped.invoices_visible_to(person).await?;
    let payments = ctx.scoped.payments_visible_to(person).await?;
    let origin = chapterhouse_app::payments::checkout_origin(&ctx.app, &ctx.scoped).await?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let response = render(
        status,
        &MyInvoicesView {
            chrome: ctx.chrome(notice).await?,
            invoices: invoices.iter().map(|i| invoice_row(i, today)).collect(),
            payments: payments.iter().map(payment_row).collect(),
            can_pay: origin.is_some(),
            error,
        },
    )?;
    Ok(crate::payments::allow_checkout_redirect(
        response,
        origin.as_deref(),
    ))
}

pub async fn my_invoice_pdf(ctx: Ctx, Path(id): Path<String>) -> WebResult {
    let person = signed_in_person(&ctx)?;
    let id: InvoiceId = parse_id(&id)?;
    if !ctx.scoped.invoice_visible_to(id, person).await? {
        return Err(WebError::NotFound);
    }
    let detail = ctx
        .scoped
        .invoice_detail(id)
        .await?
        .ok_or(WebError::NotFound)?;
    let name = detail.invoice.display_number();
    Ok(pdf_response(
        pdf::invoice_pdf(ctx.society(), &detail),
        &name,
    ))
}

pub async fn my_receipt_pdf(ctx: Ctx, Path(id): Path<String>) -> WebResult {
    let person = signed_in_person(&ctx)?;
    let id: PaymentId = parse_id(&id)?;
    let payment = ctx.scoped.payment(id).await?.ok_or(WebError::NotFound)?;
    if !ctx
        .scoped
        .invoice_visible_to(payment.invoice, person)
        .await?
    {
        return Err(WebError::NotFound);
    }
    receipt(&ctx, id).await
}
