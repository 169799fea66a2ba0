//! Redirects from a society's old URLs, managed by staff.

use chapterhouse_core::RedirectId;
use chapterhouse_core::text::normalize_path;
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_store::{NewAudit, Scoped, StoreError};

use crate::{Actor, App, AppError, AppResult};

pub async fn add_redirect(
    app: &App,
    scoped: &Scoped,
    from: &str,
    to: &str,
    actor: &Actor,
) -> AppResult<RedirectId> {
    let mut errors = FieldErrors::new();
    let from_path = normalize_path(from);
    // The target may be a path on this site or a full https address elsewhere.
    let to = to.trim();
    let to_ok = normalize_path(to).is_some()
        || (to.starts_with("https://") && !to.contains(char::is_whitespace));
    errors.check(
        from_path.is_none(),
        "from_path",
        "Enter the old address as a path starting with /, like /about-us.html.",
    );
    errors.check(
        !to_ok,
        "to_path",
        "Enter a path on this site starting with /, or a full https:// address.",
    );
    errors.check(
        from_path.as_deref() == Some("/"),
        "from_path",
        "The home page cannot be redirected.",
    );
    if let Some(f) = &from_path {
        errors.check(
            Some(f.as_str()) == normalize_path(to).as_deref(),
            "to_path",
            "A redirect cannot point to itself.",
        );
    }
    errors.into_result()?;
    let from_path = from_path.unwrap_or_default();
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let id = match tx.insert_redirect(&from_path, to, now).await {
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::field(
                "from_path",
                "That old address already redirects somewhere. Delete that redirect first.",
            ));
        }
        other => other?,
    };
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "redirect.added",
            subject: &from_path,
            detail: to,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn delete_redirect(
    app: &App,
    scoped: &Scoped,
    id: RedirectId,
    actor: &Actor,
) -> AppResult<()> {
    let now = app.now();
    let mut tx = scoped.begin().await?;
    tx.delete_redirect(id).await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "redirect.deleted",
            subject: &id.to_string(),
            detail: "",
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
