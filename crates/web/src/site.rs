//! The public site: home, content pages, old-URL redirects, and the 404 page.

use axum::extract::Path;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use chapterhouse_core::markdown::plain_summary;
use chapterhouse_core::text::normalize_path;
use chapterhouse_store::Page;

use crate::ctx::Ctx;
use crate::error::{WebError, WebResult};
use crate::views::{PageView, ok, render};

/// How many upcoming events the home page lists.
const HOME_EVENTS: i64 = 3;

async fn show(ctx: &Ctx, page: Page) -> WebResult {
    // Drafts are visible to staff only (so they can check them before publishing).
    if !page.published
        && !ctx
            .user
            .as_ref()
            .is_some_and(|u| u.role().satisfies(chapterhouse_core::Role::Staff))
    {
        return Err(WebError::NotFound);
    }
    let description = if page.summary.is_empty() {
        plain_summary(&page.body_markdown, 160)
    } else {
        page.summary.clone()
    };
    let is_home = page.slug == "home";
    let events = if is_home {
        crate::events::upcoming_cards(ctx, HOME_EVENTS).await?
    } else {
        Vec::new()
    };
    let response = ok(&PageView {
        chrome: ctx.chrome(None).await?,
        page,
        is_home,
        description,
        events,
    })?;
    Ok(ctx.cacheable_for_anonymous(response))
}

pub async fn home(ctx: Ctx) -> WebResult {
    match ctx.scoped.page_by_slug("home").await? {
        Some(page) => show(&ctx, page).await,
        None => Err(WebError::NotFound),
    }
}

pub async fn page(ctx: Ctx, Path(slug): Path<String>) -> WebResult {
    if slug == "home" {
        return Ok(Redirect::permanent("/").into_response());
    }
    if let Some(page) = ctx.scoped.page_by_slug(&slug).await? {
        return show(&ctx, page).await;
    }
    not_found_or_redirect(&ctx, ctx.uri.clone()).await
}

async fn not_found_or_redirect(ctx: &Ctx, uri: Uri) -> WebResult {
    if let Some(path) = normalize_path(uri.path())
        && let Some(target) = ctx.scoped.redirect_for(&path).await?
    {
        return Ok(Redirect::permanent(&target).into_response());
    }
    let chrome = ctx.chrome(None).await?;
    render(
        StatusCode::NOT_FOUND,
        &crate::views::MessageView {
            chrome,
            heading: "Page not found".into(),
            message: "We couldn't find that page. It may have moved: try the menu above or the home page.".into(),
            link_href: "/".into(),
            link_text: "Go to the home page".into(),
        },
    )
}

/// Anything no route matched: an old URL staff redirected, or a branded 404.
pub async fn fallback(ctx: Result<Ctx, Response>, uri: Uri) -> Response {
    match ctx {
        Ok(ctx) => not_found_or_redirect(&ctx, uri)
            .await
            .unwrap_or_else(IntoResponse::into_response),
        // Unknown host, or an alias host's redirect.
        Err(response) => response,
    }
}
