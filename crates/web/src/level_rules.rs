//! The level edit page: the fee and period, and the level's rules (seats, public join, who may
//! apply, reminders, automatic renewal, the non-deductible share, rates per profession, allowed
//! changes and a yearly transition).

use askama::Template;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect};
use chapterhouse_app::AppError;
use chapterhouse_app::levels::{self, LevelEditForm};
use chapterhouse_app::membership::PERIODS;
use chapterhouse_core::LevelId;
use chapterhouse_core::level_rules::Profession;
use chapterhouse_core::validate::FieldErrors;

use crate::ctx::{Chrome, Ctx, Form, RequireRole, Staff};
use crate::error::{WebError, WebResult};
use crate::views::{form_status, render};

#[derive(Template)]
#[template(path = "staff/level_edit.html")]
pub struct LevelEditView {
    pub chrome: Chrome,
    pub id: String,
    pub errors: FieldErrors,
    pub form: LevelEditForm,
    pub periods: Vec<(String, String)>,
    pub professions: Vec<(String, String)>,
    /// The society's other levels: (id, name).
    pub others: Vec<(String, String)>,
    /// (field name, label, value) of each profession's rate input.
    pub rate_fields: Vec<(String, String, String)>,
}

async fn view(ctx: &Ctx, id: LevelId, errors: FieldErrors, form: LevelEditForm) -> WebResult {
    let others = ctx
        .scoped
        .levels()
        .await?
        .into_iter()
        .filter(|l| l.id != id && !l.archived)
        .map(|l| (l.id.to_string(), l.name))
        .collect();
    render(
        form_status(&errors),
        &LevelEditView {
            chrome: ctx.chrome(None).await?,
            id: id.to_string(),
            errors,
            periods: PERIODS
                .iter()
                .map(|(v, l)| (v.to_string(), l.to_string()))
                .collect(),
            professions: Profession::ALL
                .iter()
                .map(|p| (p.as_str().to_string(), p.label().to_string()))
                .collect(),
            rate_fields: Profession::ALL
                .iter()
                .map(|p| {
                    (
                        format!("rate_{}", p.as_str()),
                        format!("{} rate (US dollars)", p.label()),
                        form.rate(p.as_str()).to_string(),
                    )
                })
                .collect(),
            others,
            form,
        },
    )
}

pub async fn edit_form(RequireRole { ctx, .. }: Staff, Path(id): Path<String>) -> WebResult {
    let id: LevelId = id.parse().map_err(|_| WebError::NotFound)?;
    let form = levels::edit_form(&ctx.scoped, id)
        .await?
        .ok_or(WebError::NotFound)?;
    view(&ctx, id, FieldErrors::new(), form).await
}

pub async fn save(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> WebResult {
    ctx.check_csrf(crate::forms::csrf_of(&pairs))?;
    let id: LevelId = id.parse().map_err(|_| WebError::NotFound)?;
    let form = LevelEditForm::from_pairs(&pairs);
    match levels::update_level(&ctx.app, &ctx.scoped, id, &form, &ctx.actor).await {
        Ok(()) => Ok(Redirect::to("/staff/levels").into_response()),
        Err(AppError::Invalid(errors)) => view(&ctx, id, errors, form).await,
        Err(e) => Err(e.into()),
    }
}
