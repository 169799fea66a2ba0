//! Staff pages for membership: levels, the members list, adding a member, recording a renewal.

use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect};
use chapterhouse_app::AppError;
use chapterhouse_app::member_list::{MemberQuery, member_page};
use chapterhouse_app::membership::{self, LevelForm, MemberForm};
use chapterhouse_core::MembershipId;
use chapterhouse_core::membership::Status;
use chapterhouse_core::money::Cents;
use chapterhouse_core::validate::FieldErrors;
use serde::Deserialize;

use crate::ctx::{Ctx, Form, RequireRole, Staff};
use crate::error::{WebError, WebResult};
use crate::views::*;

#[derive(Deserialize)]
pub struct LevelPost {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: LevelForm,
}

#[derive(Deserialize)]
pub struct MemberPost {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: MemberForm,
}

async fn levels_view(ctx: &Ctx, errors: FieldErrors, form: LevelForm) -> WebResult {
    let levels = ctx
        .scoped
        .levels()
        .await?
        .iter()
        .map(|l| LevelRow {
            id: l.id.to_string(),
            name: l.name.clone(),
            fee: Cents(l.fee_cents).to_string(),
            renews: membership::describe_renewal(l),
            grace_days: l.grace_days,
            approval_required: l.approval_required,
            for_practices: l.for_practices,
        })
        .collect();
    let periods = membership::PERIODS
        .iter()
        .map(|(v, l)| (v.to_string(), l.to_string()))
        .collect();
    render(
        form_status(&errors),
        &LevelsView {
            chrome: ctx.chrome(None).await?,
            errors,
            levels,
            form,
            periods,
        },
    )
}

pub async fn levels(RequireRole { ctx, .. }: Staff) -> WebResult {
    let form = LevelForm {
        period: "1-year".into(),
        grace_days: "30".into(),
        ..Default::default()
    };
    levels_view(&ctx, FieldErrors::new(), form).await
}

pub async fn create_level(
    RequireRole { ctx, .. }: Staff,
    Form(post): Form<LevelPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    match membership::create_level(&ctx.app, &ctx.scoped, &post.form, &ctx.actor).await {
        Ok(_) => Ok(Redirect::to("/staff/levels").into_response()),
        Err(AppError::Invalid(errors)) => levels_view(&ctx, errors, post.form).await,
        Err(e) => Err(e.into()),
    }
}

const STATUSES: [Status; 6] = [
    Status::Active,
    Status::Grace,
    Status::Pending,
    Status::Lapsed,
    Status::Suspended,
    Status::Cancelled,
];

pub async fn members(RequireRole { ctx, .. }: Staff, Query(q): Query<MemberQuery>) -> WebResult {
    let today = membership::today(&ctx.app, &ctx.scoped);
    let page = member_page(&ctx.scoped, &q, today).await?;
    let statuses = STATUSES
        .iter()
        .map(|s| (s.as_str().to_string(), capitalise(s.as_str())))
        .collect();
    let choices = ctx.scoped.member_filter_choices().await?;
    ok(&MembersView {
        chrome: ctx.chrome(None).await?,
        page,
        statuses,
        levels: ctx
            .scoped
            .levels()
            .await?
            .into_iter()
            .map(|l| (l.id.to_string(), l.name))
            .collect(),
        practices: choices
            .practices
            .into_iter()
            .map(|(id, name)| (id.to_string(), name))
            .collect(),
        committees: choices
            .committees
            .into_iter()
            .map(|(id, name)| (id.to_string(), name))
            .collect(),
        specialties: choices.specialties,
        states: choices.states,
        query: q,
    })
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

async fn new_member_view(
    ctx: &Ctx,
    errors: FieldErrors,
    form: MemberForm,
    notice: Option<String>,
) -> WebResult {
    let levels = ctx
        .scoped
        .levels()
        .await?
        .into_iter()
        .filter(|l| !l.archived)
        .map(|l| {
            (
                l.id.to_string(),
                format!("{} ({})", l.name, Cents(l.fee_cents)),
            )
        })
        .collect();
    render(
        form_status(&errors),
        &MemberNewView {
            chrome: ctx.chrome(notice).await?,
            errors,
            form,
            levels,
        },
    )
}

pub async fn new_member_form(RequireRole { ctx, .. }: Staff) -> WebResult {
    new_member_view(
        &ctx,
        FieldErrors::new(),
        MemberForm {
            paid: Some("on".into()),
            ..Default::default()
        },
        None,
    )
    .await
}

pub async fn add_member(RequireRole { ctx, .. }: Staff, Form(post): Form<MemberPost>) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    match membership::add_member(&ctx.app, &ctx.scoped, &post.form, &ctx.actor).await {
        Ok(added) => {
            let through = added
                .first_term
                .end
                .map(|d| format!(" through {d}"))
                .unwrap_or_default();
            let notice = format!(
                "{} added as {}{through}. First term: {}.",
                post.form.display_name.trim(),
                added.status.as_str(),
                added.first_term_fee
            );
            new_member_view(
                &ctx,
                FieldErrors::new(),
                MemberForm {
                    paid: Some("on".into()),
                    ..Default::default()
                },
                Some(notice),
            )
            .await
        }
        Err(AppError::Invalid(errors)) => new_member_view(&ctx, errors, post.form, None).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct RenewPost {
    #[serde(default)]
    csrf: String,
    /// The paid-through date shown when the button was pressed.
    #[serde(default)]
    paid_through: String,
}

pub async fn renew(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(form): Form<RenewPost>,
) -> WebResult {
    ctx.check_csrf(&form.csrf)?;
    let id: MembershipId = id.parse().map_err(|_| WebError::NotFound)?;
    match membership::renew(&ctx.app, &ctx.scoped, id, &form.paid_through, &ctx.actor).await {
        Ok(_) => Ok(Redirect::to("/staff/members").into_response()),
        Err(AppError::Invalid(errors)) => Err(WebError::BadRequest(errors.to_string())),
        Err(e) => Err(e.into()),
    }
}
