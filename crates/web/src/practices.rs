//! Practices: staff pages (list, new, a practice with its terms, people and seats), the
//! practice manager's page (`/account/practice`) for adding and removing colleagues, and the
//! practice's renewal for its billing contact or a manager (`/account/renew?practice=…`, routed
//! here from `join`).

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect};
use chapterhouse_app::AppError;
use chapterhouse_app::payments;
use chapterhouse_app::practices::{self, ColleagueForm, PracticeForm};
use chapterhouse_app::renewals::{self, PracticeRenewal, RenewForm, RenewOutcome};
use chapterhouse_core::level_rules::Profession;
use chapterhouse_core::people::long_date;
use chapterhouse_core::practice::{PracticeCharge, total};
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{MembershipId, PersonId, PracticeId};
use chapterhouse_store::{Practice, PracticePerson};
use serde::Deserialize;

use crate::ctx::{Chrome, Ctx, Form, RequireRole, Staff};
use crate::error::{WebError, WebResult};
use crate::forms::parse_id;
use crate::payments::allow_checkout_redirect;
use crate::views::{MessageView, form_status, ok, render};

fn professions() -> Vec<(String, String)> {
    Profession::ALL
        .iter()
        .map(|p| (p.as_str().to_string(), p.label().to_string()))
        .collect()
}

fn status_label(status: &str) -> String {
    let mut chars = status.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A row of the staff practices list.
pub struct PracticeListRow {
    pub id: String,
    pub name: String,
    pub level: String,
    pub status: String,
    pub seats: String,
    pub term_end: String,
}

#[derive(Template)]
#[template(path = "staff/practices.html")]
pub struct PracticesView {
    pub chrome: Chrome,
    pub rows: Vec<PracticeListRow>,
}

#[derive(Template)]
#[template(path = "staff/practice_new.html")]
pub struct PracticeNewView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub form: PracticeForm,
    pub levels: Vec<(String, String)>,
}

/// Someone linked to the practice, as the pages show them.
pub struct PersonRow {
    pub person_id: String,
    pub membership_id: String,
    pub name: String,
    pub email: String,
    pub profession: String,
    pub credentials: String,
    pub is_manager: bool,
    pub has_seat: bool,
    pub seat_added_on: String,
    pub status: String,
}

impl From<&PracticePerson> for PersonRow {
    fn from(p: &PracticePerson) -> Self {
        PersonRow {
            person_id: p.person_id.to_string(),
            membership_id: p.membership().map(|m| m.to_string()).unwrap_or_default(),
            name: p.display_name.clone(),
            email: p.email.clone(),
            profession: Profession::from_stored(&p.profession).label().to_string(),
            credentials: p.credentials.clone(),
            is_manager: p.is_manager,
            has_seat: p.has_seat(),
            seat_added_on: p.seat_added_on.clone().unwrap_or_default(),
            status: p
                .membership_status
                .as_deref()
                .map(status_label)
                .unwrap_or_else(|| "No membership".into()),
        }
    }
}

fn charge_lines(charges: &[PracticeCharge]) -> Vec<(String, String)> {
    charges
        .iter()
        .map(|c| (c.description(), c.amount.to_string()))
        .collect()
}

#[derive(Template)]
#[template(path = "staff/practice.html")]
pub struct PracticeView {
    pub chrome: Chrome,
    pub id: String,
    pub name: String,
    pub status: String,
    pub status_since: String,
    pub errors: FieldErrors,
    pub form: PracticeForm,
    pub levels: Vec<(String, String)>,
    pub terms: Vec<(String, String)>,
    pub paid_through: String,
    pub people: Vec<PersonRow>,
    pub seats: String,
    pub annual: Vec<(String, String)>,
    pub annual_total: String,
    pub pending: Vec<(String, String)>,
    pub colleague_errors: FieldErrors,
    pub colleague: ColleagueForm,
    pub professions: Vec<(String, String)>,
}

#[derive(Deserialize)]
pub struct PracticePost {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: PracticeForm,
}

#[derive(Deserialize)]
pub struct ColleaguePost {
    #[serde(default)]
    csrf: String,
    /// The practice, on the manager's page (they may manage more than one).
    #[serde(default)]
    practice: String,
    #[serde(flatten)]
    form: ColleagueForm,
}

#[derive(Deserialize)]
pub struct TermPost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    paid_through: String,
}

#[derive(Deserialize)]
pub struct ManagerPost {
    #[serde(default)]
    csrf: String,
    /// "yes" to make a manager, anything else to stop.
    #[serde(default)]
    manager: String,
}

#[derive(Deserialize)]
pub struct PracticeOnlyPost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    practice: String,
}

async fn practice_levels(ctx: &Ctx) -> WebResult<Vec<(String, String)>> {
    Ok(ctx
        .scoped
        .levels()
        .await?
        .into_iter()
        .filter(|l| l.for_practices && !l.archived)
        .map(|l| (l.id.to_string(), l.name))
        .collect())
}

fn seats_text(used: usize, limit: Option<i64>) -> String {
    match limit {
        Some(limit) => format!("{used} of {limit} seats used"),
        None => format!("{used} seats (no limit)"),
    }
}

pub async fn list(RequireRole { ctx, .. }: Staff) -> WebResult {
    let rows = ctx
        .scoped
        .practices()
        .await?
        .into_iter()
        .map(|p| PracticeListRow {
            id: p.id.to_string(),
            name: p.name,
            level: p.level_name.unwrap_or_else(|| "—".into()),
            status: status_label(&p.status),
            seats: match p.seat_limit {
                Some(limit) => format!("{} of {limit}", p.seats),
                None => p.seats.to_string(),
            },
            term_end: p.term_end.unwrap_or_else(|| "—".into()),
        })
        .collect();
    ok(&PracticesView {
        chrome: ctx.chrome(None).await?,
        rows,
    })
}

async fn new_view(ctx: &Ctx, errors: FieldErrors, form: PracticeForm) -> WebResult {
    render(
        form_status(&errors),
        &PracticeNewView {
            levels: practice_levels(ctx).await?,
            chrome: ctx.chrome(None).await?,
            errors,
            form,
        },
    )
}

pub async fn new_form(RequireRole { ctx, .. }: Staff) -> WebResult {
    new_view(&ctx, FieldErrors::new(), PracticeForm::default()).await
}

pub async fn create(RequireRole { ctx, .. }: Staff, Form(post): Form<PracticePost>) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    match practices::create_practice(&ctx.app, &ctx.scoped, &post.form, &ctx.actor).await {
        Ok(id) => Ok(Redirect::to(&format!("/staff/practices/{id}")).into_response()),
        Err(AppError::Invalid(errors)) => new_view(&ctx, errors, post.form).await,
        Err(e) => Err(e.into()),
    }
}

/// What the practice page shows besides its forms.
struct Shown {
    practice: Practice,
}

async fn load(ctx: &Ctx, id: PracticeId) -> WebResult<Shown> {
    let practice = ctx.scoped.practice(id).await?.ok_or(WebError::NotFound)?;
    Ok(Shown { practice })
}

#[allow(clippy::too_many_arguments)]
async fn practice_view(
    ctx: &Ctx,
    shown: Shown,
    errors: FieldErrors,
    form: Option<PracticeForm>,
    colleague_errors: FieldErrors,
    colleague: ColleagueForm,
    notice: Option<String>,
) -> WebResult {
    let p = shown.practice;
    let form = match form {
        Some(form) => form,
        None => PracticeForm::from_practice(&ctx.scoped, &p).await?,
    };
    let terms = ctx.scoped.practice_terms(p.id).await?;
    let paid_through = terms
        .iter()
        .max_by_key(|t| t.start)
        .and_then(|t| t.end)
        .map(|d| d.to_string())
        .unwrap_or_default();
    let people: Vec<PersonRow> = ctx
        .scoped
        .practice_people(p.id)
        .await?
        .iter()
        .map(PersonRow::from)
        .collect();
    let limit = match p.level() {
        Some(level) => ctx
            .scoped
            .level_rules(level)
            .await?
            .and_then(|r| r.seat_limit),
        None => None,
    };
    let annual = practices::annual_charges(&ctx.scoped, p.id).await?;
    let pending = practices::pending_charges(&ctx.app, &ctx.scoped, p.id).await?;
    let status = if errors.is_empty() && colleague_errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status,
        &PracticeView {
            chrome: ctx.chrome(notice).await?,
            id: p.id.to_string(),
            name: p.name.clone(),
            status: status_label(&p.status),
            status_since: p.status_since.clone().unwrap_or_default(),
            errors,
            form,
            levels: practice_levels(ctx).await?,
            terms: terms
                .iter()
                .rev()
                .map(|t| {
                    (
                        t.start.to_string(),
                        t.end.map(|d| d.to_string()).unwrap_or_else(|| "—".into()),
                    )
                })
                .collect(),
            paid_through,
            seats: seats_text(people.iter().filter(|p| p.has_seat).count(), limit),
            people,
            annual_total: total(&annual).to_string(),
            annual: charge_lines(&annual),
            pending: charge_lines(&pending),
            colleague_errors,
            colleague,
            professions: professions(),
        },
    )
}

fn staff_colleague_defaults() -> ColleagueForm {
    ColleagueForm {
        profession: "physician".into(),
        ..Default::default()
    }
}

pub async fn show(RequireRole { ctx, .. }: Staff, Path(id): Path<String>) -> WebResult {
    let shown = load(&ctx, parse_id(&id)?).await?;
    practice_view(
        &ctx,
        shown,
        FieldErrors::new(),
        None,
        FieldErrors::new(),
        staff_colleague_defaults(),
        None,
    )
    .await
}

pub async fn save(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<PracticePost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let id: PracticeId = parse_id(&id)?;
    let shown = load(&ctx, id).await?;
    match practices::update_practice(&ctx.app, &ctx.scoped, id, &post.form, &ctx.actor).await {
        Ok(()) => {
            let shown = load(&ctx, id).await?;
            practice_view(
                &ctx,
                shown,
                FieldErrors::new(),
                None,
                FieldErrors::new(),
                staff_colleague_defaults(),
                Some("Practice saved.".into()),
            )
            .await
        }
        Err(AppError::Invalid(errors)) => {
            practice_view(
                &ctx,
                shown,
                errors,
                Some(post.form),
                FieldErrors::new(),
                staff_colleague_defaults(),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn renew(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<TermPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let id: PracticeId = parse_id(&id)?;
    match practices::record_term(&ctx.app, &ctx.scoped, id, &post.paid_through, &ctx.actor).await {
        Ok(_) => Ok(Redirect::to(&format!("/staff/practices/{id}")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let shown = load(&ctx, id).await?;
            practice_view(
                &ctx,
                shown,
                errors,
                None,
                FieldErrors::new(),
                staff_colleague_defaults(),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn add_colleague(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<ColleaguePost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let id: PracticeId = parse_id(&id)?;
    let shown = load(&ctx, id).await?;
    match practices::add_colleague(&ctx.app, &ctx.scoped, id, &post.form, &ctx.actor).await {
        Ok(added) => {
            let shown = load(&ctx, id).await?;
            practice_view(
                &ctx,
                shown,
                FieldErrors::new(),
                None,
                FieldErrors::new(),
                staff_colleague_defaults(),
                Some(added.message()),
            )
            .await
        }
        Err(AppError::Invalid(errors)) => {
            practice_view(
                &ctx,
                shown,
                FieldErrors::new(),
                None,
                errors,
                post.form,
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn remove_colleague(
    RequireRole { ctx, .. }: Staff,
    Path((id, membership)): Path<(String, String)>,
    Form(post): Form<PracticeOnlyPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let id: PracticeId = parse_id(&id)?;
    let membership: MembershipId = parse_id(&membership)?;
    practices::remove_colleague(&ctx.app, &ctx.scoped, id, membership, &ctx.actor).await?;
    Ok(Redirect::to(&format!("/staff/practices/{id}")).into_response())
}

pub async fn set_manager(
    RequireRole { ctx, .. }: Staff,
    Path((id, person)): Path<(String, String)>,
    Form(post): Form<ManagerPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let id: PracticeId = parse_id(&id)?;
    let person: PersonId = parse_id(&person)?;
    practices::set_manager(
        &ctx.app,
        &ctx.scoped,
        id,
        person,
        post.manager == "yes",
        &ctx.actor,
    )
    .await?;
    Ok(Redirect::to(&format!("/staff/practices/{id}")).into_response())
}

// The practice manager's page.

#[derive(Template)]
#[template(path = "account/practice.html")]
pub struct PortalView {
    pub chrome: Chrome,
    pub managed: Vec<(String, String)>,
    pub id: String,
    pub name: String,
    pub status: String,
    pub paid_through: String,
    pub seats: String,
    pub people: Vec<PersonRow>,
    pub own_membership: String,
    pub pending_total: String,
    pub colleague_errors: FieldErrors,
    pub colleague: ColleagueForm,
    pub professions: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
pub struct PortalQuery {
    #[serde(default)]
    practice: String,
}

/// The practice the signed-in manager is looking at: the one asked for, if they manage it, else
/// their first. Anyone who manages none is refused.
async fn managed(
    ctx: &Ctx,
    asked: &str,
) -> WebResult<(PersonId, Vec<(PracticeId, String)>, PracticeId)> {
    let user = ctx.require_user()?;
    let person = PersonId(user.account.person_id);
    let managed = ctx.scoped.managed_practices(person).await?;
    let chosen = asked
        .parse::<PracticeId>()
        .ok()
        .filter(|id| managed.iter().any(|(m, _)| m == id))
        .or_else(|| managed.first().map(|(id, _)| *id))
        .ok_or(WebError::Forbidden)?;
    Ok((person, managed, chosen))
}

async fn portal_view(
    ctx: &Ctx,
    person: PersonId,
    managed: Vec<(PracticeId, String)>,
    id: PracticeId,
    colleague_errors: FieldErrors,
    colleague: ColleagueForm,
    notice: Option<String>,
) -> WebResult {
    let p = ctx.scoped.practice(id).await?.ok_or(WebError::NotFound)?;
    let people: Vec<PersonRow> = ctx
        .scoped
        .practice_people(id)
        .await?
        .iter()
        .filter(|p| p.has_seat())
        .map(PersonRow::from)
        .collect();
    let limit = match p.level() {
        Some(level) => ctx
            .scoped
            .level_rules(level)
            .await?
            .and_then(|r| r.seat_limit),
        None => None,
    };
    let paid_through = ctx
        .scoped
        .practice_terms(id)
        .await?
        .iter()
        .max_by_key(|t| t.start)
        .and_then(|t| t.end)
        .map(|d| d.to_string())
        .unwrap_or_default();
    let pending = practices::pending_charges(&ctx.app, &ctx.scoped, id).await?;
    let own = ctx.scoped.person_membership(person).await?;
    render(
        form_status(&colleague_errors),
        &PortalView {
            chrome: ctx.chrome(notice).await?,
            managed: managed
                .into_iter()
                .map(|(id, name)| (id.to_string(), name))
                .collect(),
            id: id.to_string(),
            name: p.name.clone(),
            status: status_label(&p.status),
            paid_through,
            seats: seats_text(people.len(), limit),
            people,
            own_membership: own.map(|m| m.to_string()).unwrap_or_default(),
            pending_total: if pending.is_empty() {
                String::new()
            } else {
                total(&pending).to_string()
            },
            colleague_errors,
            colleague,
            professions: professions(),
        },
    )
}

fn portal_defaults() -> ColleagueForm {
    ColleagueForm {
        profession: "physician".into(),
        ..Default::default()
    }
}

pub async fn portal(ctx: Ctx, Query(q): Query<PortalQuery>) -> WebResult {
    let (person, managed, id) = managed(&ctx, &q.practice).await?;
    portal_view(
        &ctx,
        person,
        managed,
        id,
        FieldErrors::new(),
        portal_defaults(),
        None,
    )
    .await
}

pub async fn portal_add(ctx: Ctx, Form(post): Form<ColleaguePost>) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let (person, managed, id) = managed(&ctx, &post.practice).await?;
    // Managers add seats only; the staff-only choices are ignored.
    let form = ColleagueForm {
        no_seat: None,
        manager: None,
        ..post.form
    };
    match practices::add_colleague_as_manager(&ctx.app, &ctx.scoped, person, id, &form, &ctx.actor)
        .await
    {
        Ok(added) => {
            portal_view(
                &ctx,
                person,
                managed,
                id,
                FieldErrors::new(),
                portal_defaults(),
                Some(added.message()),
            )
            .await
        }
        Err(AppError::Invalid(errors)) => {
            portal_view(&ctx, person, managed, id, errors, form, None).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn portal_remove(
    ctx: Ctx,
    Path(membership): Path<String>,
    Form(post): Form<PracticeOnlyPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let (person, managed, id) = managed(&ctx, &post.practice).await?;
    let membership: MembershipId = parse_id(&membership)?;
    match practices::remove_colleague_as_manager(
        &ctx.app,
        &ctx.scoped,
        person,
        id,
        membership,
        &ctx.actor,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/account/practice?practice={id}")).into_response()),
        Err(AppError::Invalid(errors)) => {
            portal_view(&ctx, person, managed, id, errors, portal_defaults(), None).await
        }
        Err(e) => Err(e.into()),
    }
}

// The practice's renewal, for its billing contact or a manager.

#[derive(Template)]
#[template(path = "account/renew_practice.html")]
pub struct RenewPracticeView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub page: Option<RenewPracticeFacts>,
    pub not_now: String,
    pub pay: Vec<(String, String)>,
    pub chosen_pay: String,
}

/// The practice's renewal as the page shows it.
pub struct RenewPracticeFacts {
    pub practice: String,
    pub name: String,
    pub level: String,
    pub paid_through: String,
    pub term: String,
    pub term_start: String,
    pub invoice_id: String,
    pub invoice_number: String,
    pub po_number: String,
    pub lines: Vec<(String, String)>,
    pub total: String,
    pub balance: String,
    pub partly_paid: bool,
    pub paid: bool,
    pub check_payable_to: String,
    pub check_address: String,
}

fn renew_facts(ctx: &Ctx, page: &renewals::PracticeRenewalPage) -> RenewPracticeFacts {
    let society = ctx.scoped.society();
    RenewPracticeFacts {
        practice: page.practice.to_string(),
        name: page.name.clone(),
        level: page.level_name.clone(),
        paid_through: page.paid_through.map(long_date).unwrap_or_default(),
        term: match page.term.end {
            Some(end) => format!("{} to {}", long_date(page.term.start), long_date(end)),
            None => format!("from {}", long_date(page.term.start)),
        },
        term_start: page.term.start.to_string(),
        invoice_id: page
            .invoice
            .as_ref()
            .map(|d| d.invoice.id.to_string())
            .unwrap_or_default(),
        invoice_number: page.invoice_number().unwrap_or_default(),
        po_number: page.po_number.clone(),
        lines: page
            .lines
            .iter()
            .map(|(d, a)| (d.clone(), a.to_string()))
            .collect(),
        total: page.total.to_string(),
        balance: page.balance.to_string(),
        partly_paid: page.balance != page.total,
        paid: page.balance.0 <= 0,
        check_payable_to: society.name.clone(),
        check_address: society.postal_address.trim().to_string(),
    }
}

async fn portal_renew_view(ctx: &Ctx, form: RenewForm, errors: FieldErrors) -> WebResult {
    let user = ctx.require_user()?;
    let renewal = renewals::practice_renewal(&ctx.app, &ctx.scoped, user, &form.practice).await?;
    let (page, not_now, pay) = match &renewal {
        PracticeRenewal::Ready(page) => (
            Some(renew_facts(ctx, page)),
            String::new(),
            page.pay_choices(),
        ),
        PracticeRenewal::NotNow(reason) => (None, reason.clone(), Vec::new()),
    };
    let origin = if pay.iter().any(|p| p.is_online()) {
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
        &RenewPracticeView {
            chrome: ctx.chrome(None).await?,
            errors,
            page,
            not_now,
            pay: crate::join::pay_options(&pay),
            chosen_pay,
        },
    )?;
    Ok(allow_checkout_redirect(response, origin.as_deref()))
}

/// `GET /account/renew?practice=…`: anyone but the practice's billing contact and managers gets
/// the not-found page.
pub async fn portal_renew_form(ctx: &Ctx, practice: &str) -> WebResult {
    let form = RenewForm {
        practice: practice.to_string(),
        ..Default::default()
    };
    portal_renew_view(ctx, form, FieldErrors::new()).await
}

/// `POST /account/renew` naming a practice (CSRF already checked).
pub async fn portal_renew(ctx: &Ctx, form: RenewForm) -> WebResult {
    let user = ctx.require_user()?;
    match renewals::renew_practice(&ctx.app, &ctx.scoped, user, &form, &ctx.actor).await {
        Ok(RenewOutcome::Checkout(url)) => Ok(Redirect::to(&url).into_response()),
        Ok(RenewOutcome::InvoiceEmailed { number }) => ok(&MessageView {
            chrome: ctx.chrome(None).await?,
            heading: format!("We've emailed invoice {number}"),
            message: format!(
                "Invoice {number} for the practice's renewal is on its way to the practice's billing contact. Pay it online from the invoices page, or by check with the invoice number on it. The new term is added for every colleague as soon as it is paid."
            ),
            link_href: "/account/invoices".into(),
            link_text: "Invoices".into(),
        }),
        Err(AppError::Invalid(errors)) => {
            let mut form = form;
            if errors.get("term_start").is_some() {
                form.pay.clear();
            }
            portal_renew_view(ctx, form, errors).await
        }
        Err(e) => Err(e.into()),
    }
}
