//! Cancellation pages: a registrant's confirmation page before cancelling (owner signed in, or
//! the signed link from the mail), staff cancelling a whole event with a reason, and staff
//! cancelling (refund or not) or moving one registration. Thin: each calls one use-case of
//! `app::cancellations`.

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect};
use chapterhouse_app::AppError;
use chapterhouse_app::cancellations::{self as usecases, CancelEventForm, StaffCancelForm};
use chapterhouse_core::cancellation::SelfCancel;
use chapterhouse_core::events::{EventStatus, when_words};
use chapterhouse_core::money::Cents;
use chapterhouse_core::registration::RegStatus;
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{RegistrationId, Timestamp};
use chapterhouse_store::{Event, Registration};
use serde::Deserialize;

use crate::ctx::{Chrome, Ctx, Form, Staff};
use crate::error::{WebError, WebResult};
use crate::staff_events::load_event;
use crate::views::{form_status, render};

fn parse_reg(id: &str) -> Result<RegistrationId, WebError> {
    id.trim().parse().map_err(|_| WebError::NotFound)
}

fn status_label(r: &Registration) -> &'static str {
    RegStatus::label_of(&r.status)
}

fn when_of(e: &Event) -> String {
    when_words(Timestamp(e.starts_at), Timestamp(e.ends_at), &e.time_zone)
}

// ---------------------------------------------------------------------------------------------
// The registrant.

#[derive(Template)]
#[template(path = "cancellations/own.html")]
pub struct OwnView {
    pub chrome: Chrome,
    pub event: String,
    pub when: String,
    pub type_name: String,
    pub status: String,
    pub allowed: bool,
    pub words: String,
    pub deadline: String,
    pub action: String,
    pub token: String,
    pub page: String,
    pub errors: FieldErrors,
}

#[derive(Deserialize, Default)]
pub struct TokenQuery {
    #[serde(default)]
    t: String,
}

async fn own_page(ctx: &Ctx, id: RegistrationId, token: &str, errors: FieldErrors) -> WebResult {
    let t = Some(token).filter(|t| !t.is_empty());
    let view = usecases::cancel_view(&ctx.app, &ctx.scoped, id, ctx.user.as_ref(), t).await?;
    let (allowed, deadline) = match view.decision {
        SelfCancel::Allowed { deadline, .. } => (
            errors.is_empty(),
            deadline
                .map(|d| d.display_in(&view.event.time_zone))
                .unwrap_or_default(),
        ),
        _ => (false, String::new()),
    };
    render(
        form_status(&errors),
        &OwnView {
            chrome: ctx.chrome(None).await?,
            event: view.event.title.clone(),
            when: when_of(&view.event),
            type_name: view.registration.type_name.clone(),
            status: status_label(&view.registration).into(),
            allowed,
            words: view.words.clone(),
            deadline,
            action: format!("/registrations/{id}/cancel"),
            token: token.to_string(),
            page: view.page.clone(),
            errors,
        },
    )
}

pub async fn own_form(ctx: Ctx, Path(id): Path<String>, Query(q): Query<TokenQuery>) -> WebResult {
    let id = parse_reg(&id)?;
    own_page(&ctx, id, &q.t, FieldErrors::new()).await
}

#[derive(Deserialize)]
pub struct TokenPost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    t: String,
}

pub async fn own_cancel(
    ctx: Ctx,
    Path(id): Path<String>,
    Form(post): Form<TokenPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let id = parse_reg(&id)?;
    let token = Some(post.t.as_str()).filter(|t| !t.is_empty());
    match usecases::cancel_own(
        &ctx.app,
        &ctx.scoped,
        id,
        ctx.user.as_ref(),
        token,
        &ctx.actor,
    )
    .await
    {
        Ok(_) => {
            let page = if post.t.is_empty() {
                format!("/registrations/{id}")
            } else {
                format!("/registrations/{id}?t={}", post.t)
            };
            Ok(Redirect::to(&page).into_response())
        }
        Err(AppError::Invalid(errors)) => own_page(&ctx, id, &post.t, errors).await,
        Err(other) => Err(other.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Staff: the event.

#[derive(Template)]
#[template(path = "cancellations/event.html")]
pub struct EventView {
    pub chrome: Chrome,
    pub id: String,
    pub title: String,
    pub when: String,
    pub published: bool,
    pub cancelled: bool,
    pub cancel_reason: String,
    pub seat_holders: i64,
    pub waitlisted: i64,
    pub reason: String,
    pub errors: FieldErrors,
}

async fn event_page(ctx: &Ctx, e: &Event, reason: String, errors: FieldErrors) -> WebResult {
    let (seat_holders, waitlisted) = ctx.scoped.live_counts(e.id).await?;
    render(
        form_status(&errors),
        &EventView {
            chrome: ctx.chrome(None).await?,
            id: e.id.to_string(),
            title: e.title.clone(),
            when: when_of(e),
            published: e.status == EventStatus::Published.as_str(),
            cancelled: e.status == EventStatus::Cancelled.as_str(),
            cancel_reason: e.cancel_reason.clone(),
            seat_holders,
            waitlisted,
            reason,
            errors,
        },
    )
}

pub async fn event_form(Staff { ctx, .. }: Staff, Path(id): Path<String>) -> WebResult {
    let e = load_event(&ctx, &id).await?;
    event_page(&ctx, &e, String::new(), FieldErrors::new()).await
}

#[derive(Deserialize)]
pub struct ReasonPost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

pub async fn event_cancel(
    Staff { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<ReasonPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let e = load_event(&ctx, &id).await?;
    let form = CancelEventForm {
        reason: post.reason.clone(),
    };
    match usecases::cancel_event(&ctx.app, &ctx.scoped, e.id, &form, &ctx.actor).await {
        Ok(()) => Ok(Redirect::to(&format!("/staff/events/{}/cancel", e.id)).into_response()),
        Err(AppError::Invalid(errors)) => event_page(&ctx, &e, post.reason, errors).await,
        Err(other) => Err(other.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Staff: one registration.

#[derive(Template)]
#[template(path = "cancellations/staff.html")]
pub struct StaffView {
    pub chrome: Chrome,
    pub id: String,
    pub name: String,
    pub email: String,
    pub event: String,
    pub event_id: String,
    pub type_name: String,
    pub status: String,
    pub live: bool,
    pub paid: String,
    pub any_paid: bool,
    pub owed: String,
    pub types: Vec<(String, String)>,
    pub to_type: String,
    pub refund: bool,
    pub reason: String,
    pub errors: FieldErrors,
}

struct StaffInput {
    to_type: String,
    refund: bool,
    reason: String,
}

async fn staff_page(
    ctx: &Ctx,
    reg: &Registration,
    input: StaffInput,
    errors: FieldErrors,
) -> WebResult {
    let paid = usecases::paid_for(&ctx.scoped, reg).await?;
    let types = ctx
        .scoped
        .registration_types(reg.event_id)
        .await?
        .into_iter()
        .filter(|t| t.id != reg.registration_type_id)
        .map(|t| {
            let seats = match t.cap {
                Some(cap) => format!("{} of {cap} taken", t.taken),
                None => format!("{} taken", t.taken),
            };
            (t.id.to_string(), format!("{} ({seats})", t.name))
        })
        .collect();
    render(
        form_status(&errors),
        &StaffView {
            chrome: ctx.chrome(None).await?,
            id: reg.id.to_string(),
            name: reg.name(),
            email: reg.email.clone(),
            event: reg.event_title.clone(),
            event_id: reg.event_id.to_string(),
            type_name: reg.type_name.clone(),
            status: status_label(reg).into(),
            live: RegStatus::parse(&reg.status).is_some_and(RegStatus::is_live),
            paid: paid.net_paid.to_string(),
            any_paid: paid.net_paid > Cents::ZERO,
            owed: if paid.owed > Cents::ZERO {
                paid.owed.to_string()
            } else {
                String::new()
            },
            types,
            to_type: input.to_type,
            refund: input.refund,
            reason: input.reason,
            errors,
        },
    )
}

async fn staff_reg(ctx: &Ctx, id: &str) -> Result<Registration, WebError> {
    let id = parse_reg(id)?;
    ctx.scoped.registration(id).await?.ok_or(WebError::NotFound)
}

pub async fn staff_form(Staff { ctx, .. }: Staff, Path(id): Path<String>) -> WebResult {
    let reg = staff_reg(&ctx, &id).await?;
    let input = StaffInput {
        to_type: String::new(),
        refund: true,
        reason: String::new(),
    };
    staff_page(&ctx, &reg, input, FieldErrors::new()).await
}

#[derive(Deserialize)]
pub struct StaffCancelPost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    refund: String,
    #[serde(default)]
    reason: String,
}

pub async fn staff_cancel(
    Staff { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<StaffCancelPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let reg = staff_reg(&ctx, &id).await?;
    let form = StaffCancelForm {
        refund: post.refund.clone(),
        reason: post.reason.clone(),
    };
    match usecases::staff_cancel(&ctx.app, &ctx.scoped, reg.id, &form, &ctx.actor).await {
        Ok(_) => Ok(Redirect::to(&format!("/staff/registrations/{}", reg.id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let input = StaffInput {
                to_type: String::new(),
                refund: !post.refund.is_empty(),
                reason: post.reason,
            };
            staff_page(&ctx, &reg, input, errors).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
pub struct MovePost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    to_type: String,
}

pub async fn staff_move(
    Staff { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<MovePost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let reg = staff_reg(&ctx, &id).await?;
    match usecases::staff_move(&ctx.app, &ctx.scoped, reg.id, &post.to_type, &ctx.actor).await {
        Ok(()) => Ok(Redirect::to(&format!("/staff/registrations/{}", reg.id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let input = StaffInput {
                to_type: post.to_type,
                refund: true,
                reason: String::new(),
            };
            staff_page(&ctx, &reg, input, errors).await
        }
        Err(other) => Err(other.into()),
    }
}

/// The registrant's page link to cancel, kept here so the registration pages need one line.
pub fn cancel_href(reg: &Registration, token: &str) -> String {
    if !RegStatus::parse(&reg.status).is_some_and(RegStatus::is_live) {
        return String::new();
    }
    if token.is_empty() {
        format!("/registrations/{}/cancel", reg.id)
    } else {
        format!("/registrations/{}/cancel?t={token}", reg.id)
    }
}
