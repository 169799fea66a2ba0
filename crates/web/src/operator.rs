//! The operator's page: every society on the deployment, and creating a new one with its first
//! owner.

use axum::response::{IntoResponse, Redirect};
use chapterhouse_app::AppError;
use chapterhouse_app::societies::{self, NewSocietyForm};
use chapterhouse_core::validate::FieldErrors;
use serde::Deserialize;

use crate::ctx::{Ctx, Form};
use crate::error::WebResult;
use crate::views::*;

#[derive(Deserialize)]
pub struct SocietyPost {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: NewSocietyForm,
}

async fn view(ctx: &Ctx, errors: FieldErrors, form: NewSocietyForm) -> WebResult {
    render(
        form_status(&errors),
        &OperatorView {
            societies: ctx.app.store.societies().await?,
            chrome: ctx.chrome(None).await?,
            errors,
            form,
        },
    )
}

pub async fn societies(ctx: Ctx) -> WebResult {
    ctx.require_operator()?;
    view(
        &ctx,
        FieldErrors::new(),
        NewSocietyForm {
            time_zone: "America/New_York".into(),
            ..Default::default()
        },
    )
    .await
}

pub async fn create_society(ctx: Ctx, Form(post): Form<SocietyPost>) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    ctx.require_operator()?;
    match societies::create_society(&ctx.app, &post.form, &ctx.actor).await {
        Ok(_) => {
            ctx.state.hosts.clear();
            Ok(Redirect::to("/operator").into_response())
        }
        Err(AppError::Invalid(errors)) => view(&ctx, errors, post.form).await,
        Err(e) => Err(e.into()),
    }
}
