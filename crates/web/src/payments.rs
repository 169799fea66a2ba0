//! Card and bank payments: Stripe's webhook endpoint (signed, no session, no CSRF), the staff
//! pages for the society's Stripe keys and the webhook log, and the member's saved card or bank
//! account.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chapterhouse_app::AppError;
use chapterhouse_app::payments::{self, SettingsForm, SettingsSummary};
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{MembershipId, PaymentMethodId, PersonId, Timestamp};
use chapterhouse_store::{PaymentMethodRow, WebhookEventRow, WebhookRejectionRow};
use serde::Deserialize;

use crate::AppState;
use crate::ctx::{Admin, Chrome, Ctx, Form, RequireRole, Staff, Tenant};
use crate::error::{WebError, WebResult};
use crate::forms::CsrfOnly;
use crate::views::{form_status, ok, render};

/// A page whose form is answered with a redirect to the hosted payment page must allow that
/// origin in `form-action`, or the browser stops the redirect. Sets the page's own policy (the
/// default one is only added where a response has none).
pub fn allow_checkout_redirect(mut response: Response, checkout_origin: Option<&str>) -> Response {
    let Some(origin) = checkout_origin.filter(|o| {
        o.chars()
            .all(|c| c.is_ascii_alphanumeric() || ":/.-".contains(c))
    }) else {
        return response;
    };
    let policy = crate::CSP.replace(
        "form-action 'self'",
        &format!("form-action 'self' {origin}"),
    );
    if let Ok(value) = header::HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// The events to select when adding the endpoint in Stripe's dashboard.
pub const WEBHOOK_EVENTS: &[&str] = &[
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "charge.refunded",
];

/// `POST /webhooks/stripe`: the society comes from the Host header; the raw body is verified
/// against its signing secret. 400 for a bad signature (logged for staff), 200 otherwise, 500
/// when something failed on our side (Stripe then delivers it again).
pub async fn stripe_webhook(
    tenant: Tenant,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match payments::handle_webhook(&state.app, &tenant.society, signature, &body).await {
        Ok(result) => {
            let status = StatusCode::from_u16(result.status_code()).unwrap_or(StatusCode::OK);
            let text = match result {
                payments::WebhookResult::BadSignature => "signature did not verify".to_string(),
                payments::WebhookResult::Replay => "already processed".to_string(),
                payments::WebhookResult::Refused(reason) => format!("refused: {reason}"),
                payments::WebhookResult::Processed(outcome) => outcome,
            };
            (
                status,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                text,
            )
                .into_response()
        }
        Err(error) => {
            let reference = uuid::Uuid::now_v7().simple().to_string();
            tracing::error!(%reference, error = ?error, "webhook failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                format!("internal error {reference}"),
            )
                .into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "staff/payment_settings.html")]
struct SettingsView {
    chrome: Chrome,
    errors: FieldErrors,
    saved: Option<SettingsSummary>,
    updated: String,
    /// The publishable key shortened like the secrets (the full one is long and not needed).
    publishable: String,
    form: SettingsForm,
    webhook_url: String,
    events: &'static [&'static str],
}

#[derive(Deserialize)]
pub struct SettingsPost {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: SettingsForm,
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

async fn settings_view(
    ctx: &Ctx,
    errors: FieldErrors,
    form: SettingsForm,
    notice: Option<String>,
) -> WebResult {
    let saved = payments::settings_summary(&ctx.app, &ctx.scoped).await?;
    let zone = ctx.society().time_zone.clone();
    render(
        form_status(&errors),
        &SettingsView {
            updated: saved
                .as_ref()
                .map(|s| Timestamp(s.updated_at).display_in(&zone))
                .unwrap_or_default(),
            publishable: saved
                .as_ref()
                .map(|s| chapterhouse_core::stripe::masked(&s.publishable_key))
                .unwrap_or_default(),
            saved,
            chrome: ctx.chrome(notice).await?,
            errors,
            form,
            webhook_url: format!("{}/webhooks/stripe", ctx.app.links.base_url(ctx.society())),
            events: WEBHOOK_EVENTS,
        },
    )
}

pub async fn settings_form(
    RequireRole { ctx, .. }: Admin,
    Query(q): Query<SavedQuery>,
) -> WebResult {
    let notice = q.saved.map(|_| {
        "Saved. The secret key and signing secret are stored encrypted and are not shown again."
            .to_string()
    });
    // The publishable key is not secret: offer it again, so changing a secret needs no retyping.
    let form = SettingsForm {
        publishable_key: payments::settings_summary(&ctx.app, &ctx.scoped)
            .await?
            .map(|s| s.publishable_key)
            .unwrap_or_default(),
        ..Default::default()
    };
    settings_view(&ctx, FieldErrors::new(), form, notice).await
}

pub async fn save_settings(
    RequireRole { ctx, user, .. }: Admin,
    Form(post): Form<SettingsPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    match payments::save_settings(&ctx.app, &ctx.scoped, &user, &post.form, None, &ctx.actor).await
    {
        Ok(()) => Ok(Redirect::to("/staff/settings/payments?saved=1").into_response()),
        Err(AppError::Invalid(errors)) => settings_view(&ctx, errors, post.form, None).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "staff/webhooks.html")]
struct WebhooksView {
    chrome: Chrome,
    rejections: Vec<(String, WebhookRejectionRow)>,
    events: Vec<(String, WebhookEventRow)>,
}

pub async fn webhook_log(RequireRole { ctx, .. }: Staff) -> WebResult {
    let zone = ctx.society().time_zone.clone();
    let when = |at: i64| Timestamp(at).display_in(&zone);
    ok(&WebhooksView {
        rejections: ctx
            .scoped
            .recent_webhook_rejections(100)
            .await?
            .into_iter()
            .map(|r| (when(r.received_at), r))
            .collect(),
        events: ctx
            .scoped
            .recent_webhook_events(100)
            .await?
            .into_iter()
            .map(|e| (when(e.received_at), e))
            .collect(),
        chrome: ctx.chrome(None).await?,
    })
}

#[derive(Template)]
#[template(path = "account/payment_method.html")]
struct PaymentMethodView {
    chrome: Chrome,
    methods: Vec<(String, PaymentMethodRow)>,
    /// None: automatic renewal is off (or no membership); Some(label) on, with that method.
    auto_renewal: Option<String>,
    can_add: bool,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct AddedQuery {
    #[serde(default)]
    added: Option<String>,
    #[serde(default)]
    removed: Option<String>,
}

async fn payment_method_view(
    ctx: &Ctx,
    notice: Option<String>,
    error: Option<String>,
) -> WebResult {
    let user = ctx.require_user()?;
    let zone = ctx.society().time_zone.clone();
    let methods = payments::methods_of(&ctx.scoped, user).await?;
    let membership: Option<MembershipId> = ctx
        .scoped
        .membership_of_person(PersonId(user.account.person_id))
        .await?;
    let auto_renewal = match membership {
        Some(id) => match ctx.scoped.auto_renewal(id).await? {
            Some(Some(method)) => Some(
                methods
                    .iter()
                    .find(|m| m.id == method)
                    .map(|m| format!("On, charging {}.", m.label))
                    .unwrap_or_else(|| "On.".into()),
            ),
            Some(None) => Some(
                "On, but with no saved card or bank account: we will email you an invoice to renew instead. Add one below to renew automatically."
                    .into(),
            ),
            None => None,
        },
        None => None,
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let origin = payments::checkout_origin(&ctx.app, &ctx.scoped).await?;
    let response = render(
        status,
        &PaymentMethodView {
            methods: methods
                .into_iter()
                .map(|m| {
                    (
                        Timestamp(m.created_at)
                            .local_date(&zone)
                            .strftime("%-d %B %Y")
                            .to_string(),
                        m,
                    )
                })
                .collect(),
            auto_renewal,
            can_add: origin.is_some(),
            chrome: ctx.chrome(notice).await?,
            error,
        },
    )?;
    Ok(allow_checkout_redirect(response, origin.as_deref()))
}

pub async fn payment_method(ctx: Ctx, Query(q): Query<AddedQuery>) -> WebResult {
    let notice = if q.added.is_some() {
        Some("Thank you. Your card or bank account appears here as soon as Stripe confirms it, usually within a minute.".to_string())
    } else {
        q.removed.map(|_| "Removed.".to_string())
    };
    payment_method_view(&ctx, notice, None).await
}

pub async fn add_payment_method(ctx: Ctx, Form(form): Form<CsrfOnly>) -> WebResult {
    ctx.check_csrf(&form.csrf)?;
    let user = ctx.require_user()?;
    let base = ctx.app.links.base_url(ctx.society());
    match payments::start_method_setup(
        &ctx.app,
        &ctx.scoped,
        user,
        &format!("{base}/account/payment-method?added=1"),
        &format!("{base}/account/payment-method"),
    )
    .await
    {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        Err(AppError::Invalid(errors)) => {
            payment_method_view(
                &ctx,
                None,
                Some(
                    errors
                        .0
                        .into_iter()
                        .map(|(_, m)| m)
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn remove_payment_method(
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> WebResult {
    ctx.check_csrf(&form.csrf)?;
    let user = ctx.require_user()?;
    let id: PaymentMethodId = id.parse().map_err(|_| WebError::NotFound)?;
    payments::remove_method(&ctx.app, &ctx.scoped, user, id, &ctx.actor).await?;
    Ok(Redirect::to("/account/payment-method?removed=1").into_response())
}
