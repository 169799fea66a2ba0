//! Staff pages: the dashboard, content pages, redirects, the team, failed jobs and the audit log.

use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use chapterhouse_app::accounts::CurrentUser;
use chapterhouse_app::pages::{self, PageForm};
use chapterhouse_app::{AppError, accounts, redirects};
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{JobId, PageId, RedirectId, Role, Timestamp};
use serde::Deserialize;

use crate::ctx::{Admin, Ctx, Form, RequireRole, Staff};
use crate::error::{WebError, WebResult};
use crate::forms::CsrfOnly;
use crate::forms::parse_id;
use crate::views::*;

#[derive(Deserialize)]
pub struct PagePost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(flatten)]
    form: PageForm,
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ConfirmQuery {
    #[serde(default)]
    confirm: String,
}

#[derive(Deserialize)]
pub struct PreviewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    body: String,
}

#[derive(Deserialize)]
pub struct RedirectForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    from_path: String,
    #[serde(default)]
    to_path: String,
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

/// Ids in paths that don't parse are simply pages that don't exist.
pub async fn dashboard(RequireRole { ctx, user, .. }: Staff) -> WebResult {
    let user = &user;
    ok(&DashboardView {
        name: user.account.display_name.clone(),
        page_count: ctx.scoped.pages().await?.len(),
        redirect_count: ctx.scoped.redirects().await?.len(),
        failed_jobs: ctx.scoped.failed_jobs().await?.len(),
        chrome: ctx.chrome(None).await?,
    })
}

pub async fn pages(RequireRole { ctx, .. }: Staff) -> WebResult {
    ok(&PagesView {
        pages: ctx.scoped.pages().await?,
        chrome: ctx.chrome(None).await?,
    })
}

async fn edit_view(
    ctx: &Ctx,
    id: Option<PageId>,
    form: PageForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> WebResult {
    let preview_html = pages::preview(&form.body);
    let public_path = if form.slug == "home" {
        "/".to_string()
    } else {
        format!("/{}", form.slug)
    };
    let status = form_status(&errors);
    render(
        status,
        &PageEditView {
            chrome: ctx.chrome(notice).await?,
            errors,
            is_new: id.is_none(),
            action: id
                .map(|id| format!("/staff/pages/{id}"))
                .unwrap_or_else(|| "/staff/pages/new".into()),
            public_path,
            preview_html,
            form,
        },
    )
}

pub async fn new_page_form(RequireRole { ctx, .. }: Staff) -> WebResult {
    edit_view(
        &ctx,
        None,
        PageForm {
            published: Some("on".into()),
            ..Default::default()
        },
        FieldErrors::new(),
        None,
    )
    .await
}

pub async fn create_page(RequireRole { ctx, .. }: Staff, Form(post): Form<PagePost>) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    if post.action == "preview" {
        return edit_view(&ctx, None, post.form, FieldErrors::new(), None).await;
    }
    match pages::create_page(&ctx.app, &ctx.scoped, &post.form, &ctx.actor).await {
        Ok(id) => Ok(Redirect::to(&format!("/staff/pages/{id}?saved=1")).into_response()),
        Err(AppError::Invalid(errors)) => edit_view(&ctx, None, post.form, errors, None).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_page_form(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> WebResult {
    let id: PageId = parse_id(&id)?;
    let page = ctx.scoped.page_by_id(id).await?.ok_or(WebError::NotFound)?;
    let form = PageForm {
        title: page.title,
        slug: page.slug,
        summary: page.summary,
        body: page.body_markdown,
        menu_label: page.menu_label.unwrap_or_default(),
        menu_order: page.menu_order.to_string(),
        published: page.published.then(|| "on".into()),
        version: page.version.to_string(),
    };
    let notice = q.saved.map(|_| "Page saved.".to_string());
    edit_view(&ctx, Some(id), form, FieldErrors::new(), notice).await
}

pub async fn save_page(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<PagePost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let id: PageId = parse_id(&id)?;
    if post.action == "preview" {
        return edit_view(&ctx, Some(id), post.form, FieldErrors::new(), None).await;
    }
    match pages::save_page(&ctx.app, &ctx.scoped, id, &post.form, &ctx.actor).await {
        Ok(()) => Ok(Redirect::to(&format!("/staff/pages/{id}?saved=1")).into_response()),
        Err(AppError::Invalid(errors)) => edit_view(&ctx, Some(id), post.form, errors, None).await,
        Err(AppError::Stale) => {
            // Keep what they typed; tell them to compare with the newer version.
            let mut errors = FieldErrors::new();
            errors.add("body", "Someone else saved this page while you were editing. Your text is kept below: copy what you need, reload the page, and apply your changes to the newer version.");
            edit_view(&ctx, Some(id), post.form, errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete_page(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Query(q): Query<ConfirmQuery>,
    Form(form): Form<CsrfOnly>,
) -> WebResult {
    ctx.check_csrf(&form.csrf)?;
    let id: PageId = parse_id(&id)?;
    if q.confirm != "yes" {
        // Deleting cannot be undone: ask once more, on a page of its own.
        let page = ctx.scoped.page_by_id(id).await?.ok_or(WebError::NotFound)?;
        return ok(&crate::views::ConfirmLinkView {
            chrome: ctx.chrome(None).await?,
            heading: format!("Delete “{}”?", page.title),
            message: format!(
                "The page at /{} will be gone for visitors. This cannot be undone.",
                page.slug
            ),
            action: format!("/staff/pages/{id}/delete?confirm=yes"),
            button: "Yes, delete this page".into(),
        });
    }
    match pages::delete_page(&ctx.app, &ctx.scoped, id, &ctx.actor).await {
        Ok(()) => Ok(Redirect::to("/staff/pages").into_response()),
        Err(AppError::Invalid(errors)) => Err(WebError::BadRequest(errors.to_string())),
        Err(e) => Err(e.into()),
    }
}

/// The live preview's fragment: the same sanitiser as a saved page.
pub async fn preview(RequireRole { ctx, .. }: Staff, Form(form): Form<PreviewForm>) -> WebResult {
    ctx.check_csrf(&form.csrf)?;
    Ok((
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        pages::preview(&form.body),
    )
        .into_response())
}

async fn redirects_view(
    ctx: &Ctx,
    errors: FieldErrors,
    from_path: String,
    to_path: String,
) -> WebResult {
    render(
        form_status(&errors),
        &RedirectsView {
            redirects: ctx.scoped.redirects().await?,
            chrome: ctx.chrome(None).await?,
            errors,
            from_path,
            to_path,
        },
    )
}

pub async fn redirects(RequireRole { ctx, .. }: Staff) -> WebResult {
    redirects_view(&ctx, FieldErrors::new(), String::new(), String::new()).await
}

pub async fn add_redirect(
    RequireRole { ctx, .. }: Staff,
    Form(form): Form<RedirectForm>,
) -> WebResult {
    ctx.check_csrf(&form.csrf)?;
    match redirects::add_redirect(
        &ctx.app,
        &ctx.scoped,
        &form.from_path,
        &form.to_path,
        &ctx.actor,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/staff/redirects").into_response()),
        Err(AppError::Invalid(errors)) => {
            redirects_view(&ctx, errors, form.from_path, form.to_path).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete_redirect(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> WebResult {
    ctx.check_csrf(&form.csrf)?;
    let id: RedirectId = parse_id(&id)?;
    redirects::delete_redirect(&ctx.app, &ctx.scoped, id, &ctx.actor).await?;
    Ok(Redirect::to("/staff/redirects").into_response())
}

async fn team_view(
    ctx: &Ctx,
    user: &CurrentUser,
    errors: FieldErrors,
    display_name: String,
    email: String,
    role: String,
) -> WebResult {
    let roles = Role::ALL
        .into_iter()
        .filter(|r| *r != Role::Member && user.role().may_grant(*r))
        .map(|r| (r.as_str().to_string(), r.label().to_string()))
        .collect::<Vec<_>>();
    render(
        form_status(&errors),
        &TeamView {
            accounts: ctx.scoped.staff_accounts().await?,
            invitations: ctx.scoped.pending_invitations(ctx.now()).await?,
            can_invite: user.role().satisfies(Role::Admin),
            is_owner: user.role() == Role::Owner,
            owner_mfa_required: ctx.society().require_owner_mfa,
            roles,
            chrome: ctx.chrome(None).await?,
            errors,
            display_name,
            email,
            role,
        },
    )
}

pub async fn team(RequireRole { ctx, user, .. }: Staff) -> WebResult {
    team_view(
        &ctx,
        &user,
        FieldErrors::new(),
        String::new(),
        String::new(),
        "staff".into(),
    )
    .await
}

pub async fn invite(
    RequireRole { ctx, user, .. }: Admin,
    Form(form): Form<InviteForm>,
) -> WebResult {
    ctx.check_csrf(&form.csrf)?;
    let user = &user;
    let Ok(role) = form.role.parse::<Role>() else {
        let mut errors = FieldErrors::new();
        errors.add("role", "Choose a role from the list.");
        return team_view(&ctx, user, errors, form.display_name, form.email, form.role).await;
    };
    match accounts::invite(
        &ctx.app,
        &ctx.scoped,
        user,
        &form.email,
        &form.display_name,
        role,
        &ctx.actor,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to("/staff/team").into_response()),
        Err(AppError::Invalid(errors)) => {
            team_view(&ctx, user, errors, form.display_name, form.email, form.role).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct OwnerMfaForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    require_owner_mfa: Option<String>,
}

pub async fn owner_mfa_rule(
    RequireRole { ctx, user, .. }: Admin,
    Form(form): Form<OwnerMfaForm>,
) -> WebResult {
    ctx.check_csrf(&form.csrf)?;
    match accounts::set_owner_mfa_rule(
        &ctx.app,
        &ctx.scoped,
        &user,
        form.require_owner_mfa.is_some(),
        &ctx.actor,
    )
    .await
    {
        Ok(()) => {
            // The society row is cached per host for a few seconds; drop it so the rule applies now.
            ctx.state.hosts.clear();
            Ok(Redirect::to("/staff/team").into_response())
        }
        Err(AppError::Invalid(errors)) => {
            team_view(
                &ctx,
                &user,
                errors,
                String::new(),
                String::new(),
                "staff".into(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn failed_jobs(RequireRole { ctx, .. }: Staff) -> WebResult {
    ok(&JobsView {
        jobs: ctx.scoped.failed_jobs().await?,
        chrome: ctx.chrome(None).await?,
    })
}

pub async fn retry_job(
    RequireRole { ctx, .. }: Admin,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> WebResult {
    ctx.check_csrf(&form.csrf)?;
    let id: JobId = parse_id(&id)?;
    if !ctx.scoped.retry_job(id, ctx.now()).await? {
        return Err(WebError::NotFound);
    }
    Ok(Redirect::to("/staff/jobs").into_response())
}

pub async fn audit(RequireRole { ctx, .. }: Admin) -> WebResult {
    let zone = ctx.society().time_zone.clone();
    let entries = ctx
        .scoped
        .audit_entries(200)
        .await?
        .into_iter()
        .map(|e| {
            (
                Timestamp(e.at).display_in(&zone),
                e.actor_name.unwrap_or_else(|| "—".into()),
                e.action,
                e.subject,
                e.ip,
            )
        })
        .collect();
    render(
        StatusCode::OK,
        &AuditView {
            entries,
            chrome: ctx.chrome(None).await?,
        },
    )
}
