//! Content pages: staff write Markdown through a toolbar; visitors get sanitised HTML.

use chapterhouse_core::PageId;
use chapterhouse_core::markdown;
use chapterhouse_core::text::{is_valid_slug, slugify};
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_store::{NewAudit, PageFields, Scoped, StoreError};

use crate::{Actor, App, AppError, AppResult};

/// Paths the site itself uses: a page may not take them.
const RESERVED: &[&str] = &[
    "staff",
    "operator",
    "sign-in",
    "sign-out",
    "account",
    "api",
    "assets",
    "healthz",
    "readyz",
    "metrics",
    "password-reset",
    "verify-email",
    "invitations",
    "files",
    "events",
    "join",
    "directory",
];

/// What the page form posts.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct PageForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub menu_label: String,
    #[serde(default)]
    pub menu_order: String,
    #[serde(default)]
    pub published: Option<String>,
    /// The version the form was loaded at, as text: forms carry strings (and serde's flatten
    /// cannot parse numbers from them).
    #[serde(default)]
    pub version: String,
}

pub const MAX_BODY_CHARS: usize = 100_000;

impl PageForm {
    /// Validate and render. `existing_slug` is the page's current slug ("home" may keep its own).
    pub fn to_fields(&self, existing_slug: Option<&str>) -> Result<PageFields, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = self.title.trim();
        errors.check(title.is_empty(), "title", "Give the page a title.");
        errors.check(
            title.chars().count() > 200,
            "title",
            "Keep the title under 200 characters.",
        );
        let slug = if self.slug.trim().is_empty() {
            slugify(title)
        } else {
            self.slug.trim().to_lowercase()
        };
        let keeps_own = existing_slug == Some(slug.as_str());
        if !is_valid_slug(&slug) {
            errors.add(
                "slug",
                "Use lowercase letters, digits and hyphens, like \"annual-meeting\".",
            );
        } else if RESERVED.contains(&slug.as_str()) && !keeps_own {
            errors.add(
                "slug",
                "That address is used by the site itself. Choose another.",
            );
        }
        errors.check(
            self.body.chars().count() > MAX_BODY_CHARS,
            "body",
            "The page is too long: keep it under 100,000 characters.",
        );
        let menu_order = if self.menu_order.trim().is_empty() {
            0
        } else {
            match self.menu_order.trim().parse::<i64>() {
                Ok(n) if (0..=1000).contains(&n) => n,
                _ => {
                    errors.add("menu_order", "Enter a whole number from 0 to 1000.");
                    0
                }
            }
        };
        errors.check(
            self.summary.chars().count() > 300,
            "summary",
            "Keep the summary under 300 characters.",
        );
        errors.into_result()?;
        let menu_label = Some(self.menu_label.trim().to_string()).filter(|l| !l.is_empty());
        Ok(PageFields {
            slug,
            title: title.to_string(),
            summary: self.summary.trim().to_string(),
            body_html: markdown::render(&self.body),
            body_markdown: self.body.clone(),
            menu_label,
            menu_order,
            published: self.published.is_some(),
        })
    }
}

fn slug_taken() -> AppError {
    AppError::field(
        "slug",
        "Another page already uses that address. Choose another.",
    )
}

pub async fn create_page(
    app: &App,
    scoped: &Scoped,
    form: &PageForm,
    actor: &Actor,
) -> AppResult<PageId> {
    let fields = form.to_fields(None)?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let id = match tx.insert_page(&fields, actor.account, now).await {
        Err(StoreError::Conflict(_)) => return Err(slug_taken()),
        other => other?,
    };
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "page.created",
            subject: &fields.slug,
            detail: &fields.title,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Save a page. Refused as `Stale` when someone saved it after the form was loaded.
pub async fn save_page(
    app: &App,
    scoped: &Scoped,
    id: PageId,
    form: &PageForm,
    actor: &Actor,
) -> AppResult<()> {
    let existing = scoped.page_by_id(id).await?.ok_or(AppError::NotFound)?;
    let fields = form.to_fields(Some(&existing.slug))?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let version: i64 = form.version.trim().parse().map_err(|_| AppError::Stale)?;
    match tx
        .update_page(id, version, &fields, actor.account, now)
        .await
    {
        Err(StoreError::Conflict(_)) => return Err(slug_taken()),
        other => other?,
    }
    // The old address keeps working.
    if existing.slug != fields.slug && existing.slug != "home" {
        let from = format!("/{}", existing.slug);
        let to = format!("/{}", fields.slug);
        match tx.insert_redirect(&from, &to, now).await {
            Ok(_) | Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "page.saved",
            subject: &fields.slug,
            detail: &fields.title,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_page(app: &App, scoped: &Scoped, id: PageId, actor: &Actor) -> AppResult<()> {
    let page = scoped.page_by_id(id).await?.ok_or(AppError::NotFound)?;
    if page.slug == "home" {
        return Err(AppError::field("slug", "The home page cannot be deleted."));
    }
    let now = app.now();
    let mut tx = scoped.begin().await?;
    tx.delete_page(id).await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "page.deleted",
            subject: &page.slug,
            detail: &page.title,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The live preview: the same rendering and sanitising as a saved page.
pub fn preview(body: &str) -> String {
    markdown::render(&chapterhouse_core::text::truncate_chars(
        body,
        MAX_BODY_CHARS,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(title: &str, slug: &str) -> PageForm {
        PageForm {
            title: title.into(),
            slug: slug.into(),
            body: "Hello **there**".into(),
            published: Some("on".into()),
            ..Default::default()
        }
    }

    #[test]
    fn slug_defaults_from_title_and_reserved_paths_are_refused() {
        let fields = form("Annual Meeting 2027", "").to_fields(None).unwrap();
        assert_eq!(fields.slug, "annual-meeting-2027");
        assert!(fields.body_html.contains("<strong>there</strong>"));
        let err = form("Staff", "staff").to_fields(None).unwrap_err();
        assert!(err.get("slug").unwrap().contains("used by the site"));
        assert!(form("Home", "home").to_fields(Some("home")).is_ok());
        assert!(
            form("", "Bad Slug")
                .to_fields(None)
                .unwrap_err()
                .get("title")
                .is_some()
        );
    }

    #[test]
    fn menu_order_must_be_a_number() {
        let mut f = form("About", "about");
        f.menu_order = "first".into();
        assert_eq!(
            f.to_fields(None).unwrap_err().get("menu_order"),
            Some("Enter a whole number from 0 to 1000.")
        );
    }
}
