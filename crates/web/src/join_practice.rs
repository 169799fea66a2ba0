//! A practice joins as a group: `/join/practice` (the form, its review of the first invoice, and
//! more clinician rows without JavaScript) and `/join/practice/thanks`. The form posts one of
//! three actions: `more` re-shows it with more blank rows, `review` shows the invoice it would
//! issue, and `join` joins (only at the total the page showed).

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use chapterhouse_app::AppError;
use chapterhouse_app::join::ACCOUNT_EXISTS;
use chapterhouse_app::join_practice::{
    self, ClinicianRow, PracticeJoinForm, PracticeJoinOutcome, PracticeLevel, Review,
};
use chapterhouse_core::joining::PayBy;
use chapterhouse_core::people::{Profession, long_date};
use chapterhouse_core::validate::FieldErrors;
use serde::Deserialize;

use crate::ctx::{Chrome, Ctx, Form};
use crate::error::WebResult;
use crate::join::{ThanksView, pay_options, thanks_words};
use crate::payments::allow_checkout_redirect;
use crate::views::{form_status, ok, render};

/// A practice level as a choice on the page.
pub struct PracticeLevelChoice {
    pub id: String,
    pub name: String,
    pub description: String,
    /// "Physician: $350.00", "Fellow in training: free".
    pub rates: Vec<String>,
    pub details: Vec<String>,
}

fn level_choice(level: &PracticeLevel) -> PracticeLevelChoice {
    let rates = level
        .rate_list()
        .into_iter()
        .map(|(profession, rate)| {
            if rate.0 <= 0 {
                format!("{}: free", profession.label())
            } else {
                format!("{}: {rate}", profession.label())
            }
        })
        .collect();
    let term = &level.first_term;
    let mut details = Vec::new();
    if level.prorates() {
        details.push(format!(
            "The first term runs {}: each rate is charged for the whole months left.",
            term_range(term)
        ));
    } else if term.end.is_some() {
        details.push(format!(
            "The first term runs {}, for everyone in the practice.",
            term_range(term)
        ));
    }
    details.push(format!("Renews: {}.", level.renews));
    if let Some(limit) = level.seat_limit {
        details.push(format!(
            "Covers up to {limit} clinician{}.",
            if limit == 1 { "" } else { "s" }
        ));
    }
    if level.level().approval_required {
        details.push(
            "Needs approval: the society's staff review each application before membership begins."
                .into(),
        );
    }
    PracticeLevelChoice {
        id: level.level().id.to_string(),
        name: level.name().to_string(),
        description: level.level().description.clone(),
        rates,
        details,
    }
}

fn term_range(term: &chapterhouse_core::membership::Term) -> String {
    match term.end {
        Some(end) => format!("{} to {}", long_date(term.start), long_date(end)),
        None => format!("from {}, with no end", long_date(term.start)),
    }
}

/// One line of the invoice shown before joining.
pub struct ReviewLine {
    pub who: String,
    pub profession: String,
    pub rate: String,
    pub amount: String,
}

/// The first invoice as the page shows it.
pub struct ReviewView {
    pub level: String,
    pub term: String,
    pub lines: Vec<ReviewLine>,
    pub total: String,
    pub bill_to: String,
    pub po_number: String,
    pub approval_required: bool,
    pub free: bool,
}

fn review_view(review: &Review) -> ReviewView {
    ReviewView {
        level: review.level_name.clone(),
        term: term_range(&review.term),
        lines: review
            .charges
            .iter()
            .map(|c| ReviewLine {
                who: c.name.clone(),
                profession: c.profession.label().to_string(),
                rate: if c.rate.0 <= 0 {
                    "Free".into()
                } else {
                    c.rate.to_string()
                },
                amount: match c.months {
                    Some(m) => format!("{} ({m} month{})", c.amount, if m == 1 { "" } else { "s" }),
                    None => c.amount.to_string(),
                },
            })
            .collect(),
        total: review.total.to_string(),
        bill_to: format!("{} ({})", review.bill_to.name, review.bill_to.email),
        po_number: review.po_number.clone(),
        approval_required: review.approval_required,
        free: review.is_free(),
    }
}

#[derive(Template)]
#[template(path = "join/practice.html")]
pub struct PracticeJoinView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub account_exists: bool,
    pub exists_message: &'static str,
    pub form: PracticeJoinForm,
    pub levels: Vec<PracticeLevelChoice>,
    pub professions: Vec<(String, String)>,
    pub pay: Vec<(String, String)>,
    pub online_payment: bool,
    pub review: Option<ReviewView>,
    /// The total (cents) the review shows, posted back with Join.
    pub seen_total: String,
    pub signed_in: bool,
}

impl PracticeJoinView {
    /// The clinician rows, numbered from 1.
    pub fn rows(&self) -> Vec<(usize, &ClinicianRow)> {
        self.form
            .clinicians
            .iter()
            .enumerate()
            .map(|(i, r)| (i + 1, r))
            .collect()
    }

    pub fn error_for(&self, field: &str, n: &usize) -> Option<&str> {
        self.errors.get(&join_practice::row_key(*n, field))
    }

    pub fn more_rows_possible(&self) -> bool {
        self.form.clinicians.len() < join_practice::MAX_ROWS
    }
}

async fn practice_view(
    ctx: &Ctx,
    form: PracticeJoinForm,
    errors: FieldErrors,
    account_exists: bool,
    review: Option<&Review>,
) -> WebResult {
    let page = join_practice::join_page(&ctx.app, &ctx.scoped).await?;
    let status = if account_exists {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        form_status(&errors)
    };
    let origin = if page.online_payment {
        chapterhouse_app::payments::checkout_origin(&ctx.app, &ctx.scoped).await?
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
        &PracticeJoinView {
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
            seen_total: review.map(|r| r.total.0.to_string()).unwrap_or_default(),
            review: review.map(review_view),
            signed_in: ctx.user.is_some(),
            form,
        },
    )?;
    Ok(allow_checkout_redirect(response, origin.as_deref()))
}

pub async fn practice_form(ctx: Ctx) -> WebResult {
    practice_view(
        &ctx,
        PracticeJoinForm::blank(),
        FieldErrors::new(),
        false,
        None,
    )
    .await
}

fn value<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

pub async fn practice_post(ctx: Ctx, Form(pairs): Form<Vec<(String, String)>>) -> WebResult {
    ctx.check_csrf(value(&pairs, "csrf"))?;
    if ctx.user.is_some() {
        return Ok(Redirect::to("/join/practice").into_response());
    }
    let mut form = PracticeJoinForm::from_pairs(&pairs);
    match value(&pairs, "action") {
        "more" => {
            form.add_rows();
            practice_view(&ctx, form, FieldErrors::new(), false, None).await
        }
        "join" => match join_practice::apply(&ctx.app, &ctx.scoped, &form, &ctx.actor).await {
            Ok(PracticeJoinOutcome::Joined(joined)) => Ok(Redirect::to(
                joined
                    .checkout_url
                    .as_deref()
                    .unwrap_or(&joined.thanks_path),
            )
            .into_response()),
            Ok(PracticeJoinOutcome::AccountExists) => {
                practice_view(&ctx, form, FieldErrors::new(), true, None).await
            }
            Err(AppError::Invalid(errors)) => {
                // A changed total shows the invoice as it now stands.
                let review = join_practice::review(&ctx.app, &ctx.scoped, &form)
                    .await
                    .ok();
                practice_view(&ctx, form, errors, false, review.as_ref()).await
            }
            Err(e) => Err(e.into()),
        },
        _ => match join_practice::review(&ctx.app, &ctx.scoped, &form).await {
            Ok(review) => practice_view(&ctx, form, FieldErrors::new(), false, Some(&review)).await,
            Err(AppError::Invalid(errors)) => practice_view(&ctx, form, errors, false, None).await,
            Err(e) => Err(e.into()),
        },
    }
}

#[derive(Deserialize, Default)]
pub struct PracticeThanksQuery {
    #[serde(default)]
    p: String,
    #[serde(default)]
    t: String,
    #[serde(default)]
    left: Option<String>,
}

pub async fn practice_thanks(ctx: Ctx, Query(q): Query<PracticeThanksQuery>) -> WebResult {
    let thanks = join_practice::thanks(&ctx.app, &ctx.scoped, &q.p, &q.t, q.left.is_some()).await?;
    let (heading, paragraphs) = thanks_words(&thanks, &ctx.society().name);
    let refresh = (thanks.after == chapterhouse_core::joining::AfterJoin::ConfirmingPayment
        && !thanks.left_unpaid)
        .then(|| {
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
