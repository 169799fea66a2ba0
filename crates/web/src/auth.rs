//! Sign-in (password, emailed link, MFA), sign-out, password reset, email verification and
//! accepting invitations. Sessions are created only here, at sign-in.

use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chapterhouse_app::AppError;
use chapterhouse_app::accounts::{self, SignedIn};
use chapterhouse_core::validate::FieldErrors;
use serde::Deserialize;

use crate::ctx::{Ctx, Form, safe_next};
use crate::error::{WebError, WebResult};
use crate::forms::{CsrfOnly, EmailForm, NewPasswordForm};
use crate::views::*;

#[derive(Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    notice: String,
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

async fn sign_in_page(ctx: &Ctx, errors: FieldErrors, email: String, next: String) -> WebResult {
    sign_in_page_with(ctx, errors, email, next, None).await
}

async fn sign_in_page_with(
    ctx: &Ctx,
    errors: FieldErrors,
    email: String,
    next: String,
    notice: Option<String>,
) -> WebResult {
    let chrome = ctx.chrome(notice).await?;
    render(
        form_status(&errors),
        &SignInView {
            chrome,
            errors,
            email,
            next,
        },
    )
}

/// After a successful sign-in: set the cookie and go on (to the MFA step when one is owed).
fn signed_in(ctx: &Ctx, signed: SignedIn, next: &str) -> Response {
    let next = safe_next(next);
    let target = if signed.mfa_pending {
        let encoded: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
        format!("/sign-in/mfa?next={encoded}")
    } else if next == "/"
        && signed
            .account
            .role()
            .satisfies(chapterhouse_core::Role::Staff)
    {
        "/staff".to_string()
    } else {
        next
    };
    (
        [(
            header::SET_COOKIE,
            ctx.session_cookie(&signed.session_token),
        )],
        Redirect::to(&target),
    )
        .into_response()
}

pub async fn sign_in_form(ctx: Ctx, Query(q): Query<NextQuery>) -> WebResult {
    if ctx.user.is_some() {
        return Ok(Redirect::to(&safe_next(&q.next)).into_response());
    }
    let notice = (q.notice == "password-reset")
        .then(|| "Your new password is saved. Sign in with it.".to_string());
    sign_in_page_with(&ctx, FieldErrors::new(), String::new(), q.next, notice).await
}

pub async fn sign_in(ctx: Ctx, Form(form): Form<SignInForm>) -> WebResult {
    ctx.check_csrf(&form.csrf)?;
    match accounts::sign_in_with_password(
        &ctx.app,
        &ctx.scoped,
        &form.email,
        &form.password,
        &ctx.actor,
    )
    .await
    {
        Ok(signed) => Ok(signed_in(&ctx, signed, &form.next)),
        Err(AppError::Invalid(errors)) => sign_in_page(&ctx, errors, form.email, form.next).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn request_link(ctx: Ctx, Form(form): Form<EmailForm>) -> WebResult {
    ctx.check_csrf(&form.csrf)?;
    match accounts::request_sign_in_link(&ctx.app, &ctx.scoped, &form.email, &ctx.actor).await {
        Ok(()) => message(
            &ctx,
            "Check your email",
            &format!("If {} has an account here, we've sent it a sign-in link. It works once, within 20 minutes.", form.email.trim()),
        )
        .await,
        Err(AppError::Invalid(errors)) => sign_in_page(&ctx, errors, form.email, String::new()).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn message(ctx: &Ctx, heading: &str, text: &str) -> WebResult {
    ok(&MessageView {
        chrome: ctx.chrome(None).await?,
        heading: heading.into(),
        message: text.into(),
        link_href: String::new(),
        link_text: String::new(),
    })
}

/// Links open a page with a button rather than acting on GET: mail scanners that fetch links
/// must not use up a single-use link.
async fn confirm_page(
    ctx: &Ctx,
    heading: &str,
    text: &str,
    action: String,
    button: &str,
) -> WebResult {
    ok(&ConfirmLinkView {
        chrome: ctx.chrome(None).await?,
        heading: heading.into(),
        message: text.into(),
        action,
        button: button.into(),
    })
}

pub async fn link_confirm(ctx: Ctx, Path(token): Path<String>) -> WebResult {
    confirm_page(
        &ctx,
        "Sign in",
        &format!("Continue to sign in to {}.", ctx.society().name),
        format!("/sign-in/link/{token}"),
        "Sign in",
    )
    .await
}

pub async fn link_sign_in(
    ctx: Ctx,
    Path(token): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> WebResult {
    ctx.check_csrf(&form.csrf)?;
    match accounts::sign_in_with_link(&ctx.app, &ctx.scoped, &token, &ctx.actor).await {
        Ok(signed) => Ok(signed_in(&ctx, signed, "/")),
        Err(AppError::Invalid(errors)) => {
            sign_in_page(&ctx, errors, String::new(), String::new()).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn mfa_form(ctx: Ctx, Query(q): Query<NextQuery>) -> WebResult {
    if ctx.pending_mfa.is_none() {
        return Ok(Redirect::to("/sign-in").into_response());
    }
    ok(&MfaView {
        chrome: ctx.chrome(None).await?,
        errors: FieldErrors::new(),
        action: "/sign-in/mfa".into(),
        next: q.next,
    })
}

pub async fn mfa(ctx: Ctx, Form(form): Form<CodeForm>) -> WebResult {
    ctx.check_csrf(&form.csrf)?;
    let Some(user) = ctx.pending_mfa.clone() else {
        return Ok(Redirect::to("/sign-in").into_response());
    };
    match accounts::verify_mfa(&ctx.app, &ctx.scoped, &user, &form.code, &ctx.actor).await {
        Ok(()) => {
            let next = safe_next(&form.next);
            let target = if next == "/" && user.role().satisfies(chapterhouse_core::Role::Staff) {
                "/staff".to_string()
            } else {
                next
            };
            Ok(Redirect::to(&target).into_response())
        }
        Err(AppError::Invalid(errors)) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &MfaView {
                chrome: ctx.chrome(None).await?,
                errors,
                action: "/sign-in/mfa".into(),
                next: form.next,
            },
        ),
        Err(e) => Err(e.into()),
    }
}

pub async fn sign_out(ctx: Ctx, Form(form): Form<CsrfOnly>) -> WebResult {
    ctx.check_csrf(&form.csrf)?;
    if let Some(user) = ctx.user.as_ref().or(ctx.pending_mfa.as_ref()) {
        accounts::sign_out(&ctx.app, &ctx.scoped, user, &ctx.actor).await?;
    }
    Ok((
        [(header::SET_COOKIE, ctx.clear_session_cookie())],
        Redirect::to("/"),
    )
        .into_response())
}

fn email_form_view(
    chrome: crate::ctx::Chrome,
    errors: FieldErrors,
    email: String,
) -> EmailFormView {
    EmailFormView {
        chrome,
        errors,
        heading: "Reset your password".into(),
        intro: "Enter your email address and we'll send you a link to choose a new password."
            .into(),
        action: "/password-reset".into(),
        button: "Send reset link".into(),
        email,
    }
}

pub async fn reset_request_form(ctx: Ctx) -> WebResult {
    ok(&email_form_view(
        ctx.chrome(None).await?,
        FieldErrors::new(),
        String::new(),
    ))
}

pub async fn reset_request(ctx: Ctx, Form(form): Form<EmailForm>) -> WebResult {
    ctx.check_csrf(&form.csrf)?;
    match accounts::request_password_reset(&ctx.app, &ctx.scoped, &form.email, &ctx.actor).await {
        Ok(()) => message(&ctx, "Check your email", &format!("If {} has an account here, we've sent it a link to choose a new password. It works once, within an hour.", form.email.trim())).await,
        Err(AppError::Invalid(errors)) => {
            render(StatusCode::UNPROCESSABLE_ENTITY, &email_form_view(ctx.chrome(None).await?, errors, form.email))
        }
        Err(e) => Err(e.into()),
    }
}

/// A page where someone chooses a new password from an emailed link.
struct NewPasswordPage {
    path: &'static str,
    heading: &'static str,
    button: &'static str,
}

const RESET_PAGE: NewPasswordPage = NewPasswordPage {
    path: "/password-reset/",
    heading: "Choose a new password",
    button: "Save new password",
};

const INVITATION_PAGE: NewPasswordPage = NewPasswordPage {
    path: "/invitations/",
    heading: "Accept your invitation",
    button: "Create my account",
};

/// Show the page, with 422 when it carries errors.
async fn new_password_page(
    ctx: &Ctx,
    page: &NewPasswordPage,
    token: &str,
    errors: FieldErrors,
) -> WebResult {
    render(
        form_status(&errors),
        &PasswordFormView {
            chrome: ctx.chrome(None).await?,
            errors,
            heading: page.heading.into(),
            intro: "Choose a password you don't use anywhere else.".into(),
            action: format!("{}{token}", page.path),
            button: page.button.into(),
        },
    )
}

pub async fn reset_form(ctx: Ctx, Path(token): Path<String>) -> WebResult {
    new_password_page(&ctx, &RESET_PAGE, &token, FieldErrors::new()).await
}

pub async fn reset(
    ctx: Ctx,
    Path(token): Path<String>,
    Form(form): Form<NewPasswordForm>,
) -> WebResult {
    ctx.check_csrf(&form.csrf)?;
    match accounts::reset_password(
        &ctx.app,
        &ctx.scoped,
        &token,
        &form.new_password,
        &form.confirm_password,
        &ctx.actor,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to("/sign-in?notice=password-reset").into_response()),
        Err(AppError::Invalid(errors)) => {
            new_password_page(&ctx, &RESET_PAGE, &token, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn verify_confirm(ctx: Ctx, Path(token): Path<String>) -> WebResult {
    confirm_page(
        &ctx,
        "Confirm your email address",
        "Press the button to confirm this email address is yours.",
        format!("/verify-email/{token}"),
        "Confirm email address",
    )
    .await
}

pub async fn verify(ctx: Ctx, Path(token): Path<String>, Form(form): Form<CsrfOnly>) -> WebResult {
    ctx.check_csrf(&form.csrf)?;
    match accounts::verify_email(&ctx.app, &ctx.scoped, &token, &ctx.actor).await {
        Ok(()) => {
            message(
                &ctx,
                "Email address confirmed",
                "Thank you: your email address is confirmed.",
            )
            .await
        }
        Err(AppError::Invalid(_)) => render(
            StatusCode::GONE,
            &MessageView {
                chrome: ctx.chrome(None).await?,
                heading: "This link no longer works".into(),
                message: accounts::BAD_LINK.into(),
                link_href: "/account".into(),
                link_text: "Go to your account".into(),
            },
        ),
        Err(e) => Err(e.into()),
    }
}

pub async fn invitation_form(ctx: Ctx, Path(token): Path<String>) -> WebResult {
    new_password_page(&ctx, &INVITATION_PAGE, &token, FieldErrors::new()).await
}

pub async fn accept_invitation(
    ctx: Ctx,
    Path(token): Path<String>,
    Form(form): Form<NewPasswordForm>,
) -> WebResult {
    ctx.check_csrf(&form.csrf)?;
    match accounts::accept_invitation(
        &ctx.app,
        &ctx.scoped,
        &token,
        &form.new_password,
        &form.confirm_password,
        &ctx.actor,
    )
    .await
    {
        Ok(signed) => Ok(signed_in(&ctx, signed, "/")),
        Err(AppError::Invalid(errors)) => {
            new_password_page(&ctx, &INVITATION_PAGE, &token, errors).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}
