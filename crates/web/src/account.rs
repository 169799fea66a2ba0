//! The signed-in person's own account: details, password, email, two-step sign-in. Changes to
//! email, password and MFA need a password given within the last ten minutes.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use chapterhouse_app::AppError;
use chapterhouse_app::accounts::{self, CurrentUser};
use chapterhouse_core::totp;
use chapterhouse_core::validate::FieldErrors;
use serde::Deserialize;

use crate::ctx::{Ctx, Form, safe_next};
use crate::error::{WebError, WebResult};
use crate::forms::{CsrfOnly, EmailForm, NewPasswordForm, NextQuery};
use crate::views::*;

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
pub struct MfaForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    proof: String,
    #[serde(default)]
    code: String,
}

/// The user, freshly authenticated; otherwise a detour through the password check.
fn recent_user<'a>(ctx: &'a Ctx, back: &str) -> Result<&'a CurrentUser, WebError> {
    let user = ctx.require_user()?;
    if !user.recently_authenticated(ctx.now()) {
        let encoded: String = form_urlencoded::byte_serialize(back.as_bytes()).collect();
        return Err(WebError::Redirect(format!(
            "/account/confirm?next={encoded}"
        )));
    }
    Ok(user)
}

pub async fn settings(ctx: Ctx) -> WebResult {
    let user = ctx.require_user()?;
    ok(&AccountView {
        account: user.account.clone(),
        role_label: user.role().label().into(),
        recent: user.recently_authenticated(ctx.now()),
        chrome: ctx.chrome(None).await?,
    })
}

pub async fn confirm_form(ctx: Ctx, Query(q): Query<NextQuery>) -> WebResult {
    ctx.require_user()?;
    ok(&ConfirmView {
        chrome: ctx.chrome(None).await?,
        errors: FieldErrors::new(),
        next: q.next,
    })
}

pub async fn confirm(ctx: Ctx, Form(form): Form<PasswordForm>) -> WebResult {
    ctx.check_csrf(&form.csrf)?;
    let user = ctx.require_user()?;
    match accounts::reauthenticate(&ctx.app, &ctx.scoped, user, &form.password, &ctx.actor).await {
        Ok(()) => Ok(Redirect::to(&safe_next(&form.next)).into_response()),
        Err(AppError::Invalid(errors)) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ConfirmView {
                chrome: ctx.chrome(None).await?,
                errors,
                next: form.next,
            },
        ),
        Err(e) => Err(e.into()),
    }
}

fn password_view(chrome: crate::ctx::Chrome, errors: FieldErrors) -> PasswordFormView {
    PasswordFormView {
        chrome,
        errors,
        heading: "Change your password".into(),
        intro: "Your other signed-in devices will be signed out.".into(),
        action: "/account/password".into(),
        button: "Change password".into(),
    }
}

pub async fn password_form(ctx: Ctx) -> WebResult {
    recent_user(&ctx, "/account/password")?;
    ok(&password_view(ctx.chrome(None).await?, FieldErrors::new()))
}

pub async fn password(ctx: Ctx, Form(form): Form<NewPasswordForm>) -> WebResult {
    ctx.check_csrf(&form.csrf)?;
    let user = recent_user(&ctx, "/account/password")?;
    match accounts::change_password(
        &ctx.app,
        &ctx.scoped,
        user,
        &form.new_password,
        &form.confirm_password,
        &ctx.actor,
    )
    .await
    {
        Ok(()) => {
            crate::auth::message(&ctx, "Password changed", "Your new password is saved.").await
        }
        Err(AppError::Invalid(errors)) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &password_view(ctx.chrome(None).await?, errors),
        ),
        Err(e) => Err(e.into()),
    }
}

fn email_view(chrome: crate::ctx::Chrome, errors: FieldErrors, email: String) -> EmailFormView {
    EmailFormView {
        chrome,
        errors,
        heading: "Change your email address".into(),
        intro: "We'll send a confirmation link to the new address, and a notice to the old one."
            .into(),
        action: "/account/email".into(),
        button: "Change email address".into(),
        email,
    }
}

pub async fn email_form(ctx: Ctx) -> WebResult {
    let user = recent_user(&ctx, "/account/email")?;
    let email = user.account.email.clone();
    ok(&email_view(
        ctx.chrome(None).await?,
        FieldErrors::new(),
        email,
    ))
}

pub async fn email(ctx: Ctx, Form(form): Form<EmailForm>) -> WebResult {
    ctx.check_csrf(&form.csrf)?;
    let user = recent_user(&ctx, "/account/email")?;
    match accounts::change_email(&ctx.app, &ctx.scoped, user, &form.email, &ctx.actor).await {
        Ok(()) => {
            crate::auth::message(
                &ctx,
                "Email address changed",
                "Check your new address for a confirmation link.",
            )
            .await
        }
        Err(AppError::Invalid(errors)) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &email_view(ctx.chrome(None).await?, errors, form.email),
        ),
        Err(e) => Err(e.into()),
    }
}

async fn mfa_page(ctx: &Ctx, user: &CurrentUser, errors: FieldErrors) -> WebResult {
    let (secret, proof) = accounts::new_totp_setup(&ctx.app, user);
    let uri = totp::provisioning_uri(&ctx.society().short_name, &user.account.email, &secret);
    render(
        form_status(&errors),
        &MfaSetupView {
            chrome: ctx.chrome(None).await?,
            errors,
            enabled: user.account.has_mfa(),
            required: accounts::must_set_up_mfa(&ctx.scoped, user),
            secret,
            proof,
            uri,
        },
    )
}

pub async fn mfa_form(ctx: Ctx) -> WebResult {
    let user = recent_user(&ctx, "/account/mfa")?;
    mfa_page(&ctx, user, FieldErrors::new()).await
}

pub async fn mfa_enable(ctx: Ctx, Form(form): Form<MfaForm>) -> WebResult {
    ctx.check_csrf(&form.csrf)?;
    let user = recent_user(&ctx, "/account/mfa")?;
    match accounts::enable_totp(
        &ctx.app,
        &ctx.scoped,
        user,
        &form.secret,
        &form.proof,
        &form.code,
        &ctx.actor,
    )
    .await
    {
        Ok(()) => {
            crate::auth::message(
                &ctx,
                "Two-step sign-in is on",
                "From now on we'll ask for a code from your app after your password.",
            )
            .await
        }
        Err(AppError::Invalid(errors)) => mfa_page(&ctx, user, errors).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn mfa_disable(ctx: Ctx, Form(form): Form<CsrfOnly>) -> WebResult {
    ctx.check_csrf(&form.csrf)?;
    let user = recent_user(&ctx, "/account/mfa")?;
    match accounts::disable_totp(&ctx.app, &ctx.scoped, user, &ctx.actor).await {
        Ok(()) => {
            crate::auth::message(
                &ctx,
                "Two-step sign-in is off",
                "We'll no longer ask for a code after your password.",
            )
            .await
        }
        Err(AppError::Invalid(errors)) => mfa_page(&ctx, user, errors).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn resend_verification(ctx: Ctx, Form(form): Form<CsrfOnly>) -> WebResult {
    ctx.check_csrf(&form.csrf)?;
    let user = ctx.require_user()?;
    accounts::send_verification(&ctx.app, &ctx.scoped, user).await?;
    crate::auth::message(
        &ctx,
        "Confirmation email sent",
        "Check your inbox for the link.",
    )
    .await
}
