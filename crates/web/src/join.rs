//! Joining and paying: the public Join page and the page after it, renewing from the portal, and
//! "Pay now" for an open invoice. Pages whose form goes on to the hosted payment page allow its
//! origin in `form-action` (`payments::allow_checkout_redirect`).

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use chapterhouse_app::AppError;
use chapterhouse_app::join::{self, ACCOUNT_EXISTS, JoinForm, JoinLevel, JoinOutcome, Thanks};
use chapterhouse_app::payments;
use chapterhouse_app::renewals::{self, RenewForm, RenewOutcome, Renewal, RenewalPage};
use chapterhouse_core::joining::{AfterJoin, PayBy, Quote};
use chapterhouse_core::people::{Profession, long_date};
use chapterhouse_core::validate::FieldErrors;
use serde::Deserialize;

use crate::ctx::{Chrome, Ctx, Form};
use crate::error::{WebError, WebResult};
use crate::forms::CsrfOnly;
use crate::payments::allow_checkout_redirect;
use crate::views::{MessageView, form_status, ok, render};

/// "21 November 2026 to 31 December 2026".
pub(crate) fn term_words(quote: &Quote) -> String {
    match quote.term.end {
        Some(end) => format!("{} to {}", long_date(quote.term.start), long_date(end)),
        None => format!("from {}, with no end", long_date(quote.term.start)),
    }
}

/// A level as a choice on the Join page.
pub struct LevelChoice {
    pub id: String,
    pub name: String,
    pub price: String,
    pub details: Vec<String>,
    pub description: String,
}

fn level_choice(level: &JoinLevel) -> LevelChoice {
    let quote = level.quote;
    let price = if quote.is_free() {
        "Free".to_string()
    } else if quote.is_prorated() {
        format!("{} now (prorated)", quote.amount)
    } else {
        quote.amount.to_string()
    };
    let mut details = Vec::new();
    if quote.is_prorated() {
        details.push(format!(
            "{} for your first term, {}: the whole months left of the full fee of {}.",
            quote.amount,
            term_words(&quote),
            quote.full_fee
        ));
    } else if !quote.is_free() {
        details.push(format!("Your first term: {}.", term_words(&quote)));
    }
    details.push(format!("Renews: {}.", level.renews));
    if let Some(who) = &level.open_to {
        details.push(format!("For: {who}."));
    }
    if level.approval_required() {
        details.push(
            "Needs approval: the society's staff review each application before membership begins."
                .into(),
        );
    }
    LevelChoice {
        id: level.id().to_string(),
        name: level.name().to_string(),
        price,
        details,
        description: level.level.description.clone(),
    }
}

pub(crate) fn pay_options(choices: &[PayBy]) -> Vec<(String, String)> {
    choices
        .iter()
        .map(|p| (p.as_str().to_string(), p.label().to_string()))
        .collect()
}

#[derive(Template)]
#[template(path = "join/form.html")]
pub struct JoinView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub account_exists: bool,
    pub exists_message: &'static str,
    pub form: JoinForm,
    pub levels: Vec<LevelChoice>,
    pub professions: Vec<(String, String)>,
    pub pay: Vec<(String, String)>,
    pub online_payment: bool,
    pub any_auto_renew: bool,
    pub signed_in: bool,
    pub practice_join: bool,
}

#[derive(Deserialize)]
pub struct JoinPost {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: JoinForm,
}

async fn join_view(
    ctx: &Ctx,
    form: JoinForm,
    errors: FieldErrors,
    account_exists: bool,
) -> WebResult {
    let page = join::join_page(&ctx.app, &ctx.scoped).await?;
    let status = if account_exists {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        form_status(&errors)
    };
    let origin = if page.online_payment {
        payments::checkout_origin(&ctx.app, &ctx.scoped).await?
    } else {
        None
    };
    let mut form = form;
    // A password is never sent back to the browser.
    form.password.clear();
    if form.pay.is_empty() && !page.online_payment {
        form.pay = PayBy::Invoice.as_str().into();
    }
    let response = render(
        status,
        &JoinView {
            chrome: ctx.chrome(None).await?,
            errors,
            account_exists,
            exists_message: ACCOUNT_EXISTS,
            levels: page.levels.iter().map(level_choice).collect(),
            professions: Profession::ALL
                .into_iter()
                .map(|p| (p.as_str().to_string(), p.label().to_string()))
                .collect(),
            pay: pay_options(&page.pay_choices()),
            online_payment: page.online_payment,
            any_auto_renew: page.levels.iter().any(|l| l.rules.auto_renew_allowed),
            signed_in: ctx.user.is_some(),
            practice_join: page.practice_join,
            form,
        },
    )?;
    Ok(allow_checkout_redirect(response, origin.as_deref()))
}

pub async fn join_form(ctx: Ctx) -> WebResult {
    join_view(&ctx, JoinForm::default(), FieldErrors::new(), false).await
}

pub async fn join(ctx: Ctx, Form(post): Form<JoinPost>) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    if ctx.user.is_some() {
        return Ok(Redirect::to("/account/membership").into_response());
    }
    match join::apply(&ctx.app, &ctx.scoped, &post.form, &ctx.actor).await {
        Ok(JoinOutcome::Joined(joined)) => Ok(Redirect::to(
            joined
                .checkout_url
                .as_deref()
                .unwrap_or(&joined.thanks_path),
        )
        .into_response()),
        Ok(JoinOutcome::AccountExists) => {
            join_view(&ctx, post.form, FieldErrors::new(), true).await
        }
        Err(AppError::Invalid(errors)) => join_view(&ctx, post.form, errors, false).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "join/thanks.html")]
pub struct ThanksView {
    pub chrome: Chrome,
    pub heading: String,
    pub paragraphs: Vec<String>,
    /// "Check again" (this page) while a payment is being confirmed.
    pub refresh: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ThanksQuery {
    #[serde(default)]
    m: String,
    #[serde(default)]
    t: String,
    #[serde(default)]
    left: Option<String>,
}

/// What happens once the dues are in.
fn begins(thanks: &Thanks) -> String {
    if thanks.application_pending {
        format!(
            "the society's staff review your application for the {} level, and your membership begins when they approve it.",
            thanks.level_name
        )
    } else {
        format!("your {} membership begins.", thanks.level_name)
    }
}

/// What the page after joining says, in plain words. Payment is claimed only once confirmed.
pub(crate) fn thanks_words(thanks: &Thanks, society: &str) -> (String, Vec<String>) {
    let invoice = thanks.invoice_number.clone().unwrap_or_default();
    let amount = thanks.amount.map(|a| a.to_string()).unwrap_or_default();
    let level = &thanks.level_name;
    let confirm = "We've also emailed you a link to confirm your email address. After that you can sign in with your password, or with a link we email you, to see your membership, invoices and receipts.".to_string();
    if thanks.left_unpaid {
        return (
            "Your payment wasn't completed".into(),
            vec![
                format!("You left the payment page before paying, so nothing was charged. Your application is saved, with invoice {invoice} for {amount}."),
                "To pay it, sign in and choose Pay now on your invoices page, or send a check with the invoice number on it.".into(),
                confirm,
            ],
        );
    }
    match thanks.after {
        AfterJoin::Member => (
            format!("Welcome to {society}"),
            vec![
                format!("Your {level} membership is active."),
                if thanks.invoice_number.is_some() {
                    format!("Your payment of {amount} is received; we've emailed your receipt.")
                } else {
                    "There is nothing to pay.".into()
                },
                confirm,
            ],
        ),
        AfterJoin::PaidAwaitingApproval => (
            "Thank you: your payment is received".into(),
            vec![
                format!("Your payment of {amount} for invoice {invoice} is received, and we've emailed your receipt."),
                format!("The society's staff review each application for the {level} level. We'll email you when they have decided; your membership begins then."),
                confirm,
            ],
        ),
        AfterJoin::AwaitingApproval => (
            "Your application is received".into(),
            vec![
                format!("The society's staff review each application for the {level} level. We'll email you when they have decided."),
                confirm,
            ],
        ),
        AfterJoin::ConfirmingPayment => (
            "We're confirming your payment…".into(),
            vec![
                format!("Your application is saved. We're waiting for the card processor to confirm your payment of {amount} for invoice {invoice}; this usually takes less than a minute."),
                "We'll email your receipt as soon as the payment is confirmed. You don't need to pay again.".into(),
                confirm,
            ],
        ),
        AfterJoin::BankPaymentOnItsWay => (
            "Your bank payment is on its way".into(),
            vec![
                format!("Bank (ACH) payments take up to four business days to arrive. We'll email your receipt for {amount} when it does; {}", begins(thanks)),
                confirm,
            ],
        ),
        AfterJoin::PaymentFailed => (
            "Your payment didn't go through".into(),
            vec![
                format!("The bank returned your payment, so invoice {invoice} for {amount} is still open. Nothing else has changed."),
                "Sign in and choose Pay now on your invoices page to pay by card or another account, or send a check with the invoice number on it.".into(),
                confirm,
            ],
        ),
        AfterJoin::InvoiceEmailed => (
            format!(
                "We've emailed invoice {invoice} to {}",
                thanks.invoice_to.as_deref().unwrap_or("you")
            ),
            vec![
                format!(
                    "Invoice {invoice} for {amount} is on its way to {}. You can pay it online when signed in, or by check.",
                    thanks.invoice_to.as_deref().unwrap_or("your inbox")
                ),
                format!("Once it is paid, {}", begins(thanks)),
                confirm,
            ],
        ),
    }
}

pub async fn thanks(ctx: Ctx, Query(q): Query<ThanksQuery>) -> WebResult {
    let thanks = join::thanks(&ctx.app, &ctx.scoped, &q.m, &q.t, q.left.is_some()).await?;
    let (heading, paragraphs) = thanks_words(&thanks, &ctx.society().name);
    let refresh =
        (thanks.after == AfterJoin::ConfirmingPayment && !thanks.left_unpaid).then(|| {
            ctx.uri
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default()
        });
    ok(&ThanksView {
        chrome: ctx.chrome(None).await?,
        heading,
        paragraphs,
        refresh,
    })
}

// ---- renewing ----

#[derive(Template)]
#[template(path = "account/renew.html")]
pub struct RenewView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub page: Option<RenewalFacts>,
    pub not_now: String,
    pub pay: Vec<(String, String)>,
    pub chosen_pay: String,
    pub auto_renew: bool,
}

/// The renewal as the page shows it.
pub struct RenewalFacts {
    pub membership: String,
    pub heading: String,
    pub member: String,
    pub level: String,
    pub term: String,
    pub term_start: String,
    pub price: String,
    pub prorated: bool,
    pub offer_auto_renew: bool,
}

fn facts(page: &RenewalPage) -> RenewalFacts {
    RenewalFacts {
        membership: page.membership.to_string(),
        heading: if page.own {
            "Renew your membership".into()
        } else {
            format!("Renew {}'s membership", page.member_name)
        },
        member: if page.own {
            String::new()
        } else {
            page.member_name.clone()
        },
        level: page.level_name.clone(),
        term: term_words(&page.quote),
        term_start: page.quote.term.start.to_string(),
        price: page.quote.amount.to_string(),
        prorated: page.quote.is_prorated(),
        offer_auto_renew: page.offer_auto_renew(),
    }
}

#[derive(Deserialize, Default)]
pub struct RenewQuery {
    #[serde(default)]
    membership: String,
    /// A practice's renewal (its billing contact or a manager): `crate::practices`.
    #[serde(default)]
    practice: String,
}

#[derive(Deserialize)]
pub struct RenewPost {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: RenewForm,
}

async fn renew_view(ctx: &Ctx, form: RenewForm, errors: FieldErrors) -> WebResult {
    let user = ctx.require_user()?;
    let renewal = renewals::renewal(&ctx.app, &ctx.scoped, user, &form.membership).await?;
    let (page, not_now, pay) = match &renewal {
        Renewal::Ready(page) => (Some(facts(page)), String::new(), page.pay_choices()),
        Renewal::NotNow(reason) => (None, reason.clone(), Vec::new()),
    };
    let online = pay.iter().any(|p| p.is_online());
    let origin = if online {
        payments::checkout_origin(&ctx.app, &ctx.scoped).await?
    } else {
        None
    };
    let chosen_pay = if form.pay.is_empty() {
        pay.first()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default()
    } else {
        form.pay.clone()
    };
    let response = render(
        form_status(&errors),
        &RenewView {
            chrome: ctx.chrome(None).await?,
            errors,
            page,
            not_now,
            pay: pay_options(&pay),
            chosen_pay,
            auto_renew: form.auto_renew.is_some(),
        },
    )?;
    Ok(allow_checkout_redirect(response, origin.as_deref()))
}

pub async fn renew_form(ctx: Ctx, Query(q): Query<RenewQuery>) -> WebResult {
    ctx.require_user()?;
    if !q.practice.trim().is_empty() {
        return crate::practices::portal_renew_form(&ctx, &q.practice).await;
    }
    let form = RenewForm {
        membership: q.membership,
        ..Default::default()
    };
    renew_view(&ctx, form, FieldErrors::new()).await
}

pub async fn renew(ctx: Ctx, Form(post): Form<RenewPost>) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let user = ctx.require_user()?;
    if !post.form.practice.trim().is_empty() {
        return crate::practices::portal_renew(&ctx, post.form).await;
    }
    match renewals::renew(&ctx.app, &ctx.scoped, user, &post.form, &ctx.actor).await {
        Ok(RenewOutcome::Checkout(url)) => Ok(Redirect::to(&url).into_response()),
        Ok(RenewOutcome::InvoiceEmailed { number }) => ok(&MessageView {
            chrome: ctx.chrome(None).await?,
            heading: format!("We've emailed invoice {number} to you"),
            message: format!(
                "Invoice {number} for the renewal is on its way. Pay it online from your invoices page, or by check with the invoice number on it. The new term is added as soon as it is paid."
            ),
            link_href: "/account/invoices".into(),
            link_text: "Your invoices".into(),
        }),
        Err(AppError::Invalid(errors)) => {
            let mut form = post.form;
            if errors.get("term_start").is_some() {
                form.pay.clear();
            }
            renew_view(&ctx, form, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---- paying an open invoice ----

pub async fn pay_invoice(
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> WebResult {
    ctx.check_csrf(&form.csrf)?;
    let user = ctx.require_user()?;
    match renewals::pay_invoice(&ctx.app, &ctx.scoped, user, &id).await {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        Err(AppError::Invalid(errors)) => {
            let message = errors
                .0
                .into_iter()
                .map(|(_, m)| m)
                .collect::<Vec<_>>()
                .join(" ");
            crate::billing::my_invoices_page(&ctx, None, Some(message)).await
        }
        Err(AppError::NotFound) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// What `/account/invoices` says after coming back from the hosted payment page.
pub fn paying_notice(paying: bool) -> Option<String> {
    paying.then(|| {
        "Thank you. We're confirming your payment with the card processor; the invoice shows as paid, and your receipt is emailed, as soon as it is confirmed (bank payments take a few days)."
            .to_string()
    })
}
