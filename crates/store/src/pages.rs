//! Content pages staff edit. The sanitised HTML is stored at save time, so a page view is one
//! indexed read and never a write.

use chapterhouse_core::{PageId, Timestamp, UserId};
use uuid::Uuid;

use crate::{Scoped, ScopedTx, StoreError, StoreResult, conflict_on, exec, on};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Page {
    #[sqlx(try_from = "Uuid")]
    pub id: PageId,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub body_markdown: String,
    pub body_html: String,
    pub menu_label: Option<String>,
    pub menu_order: i64,
    pub published: bool,
    pub version: i64,
    pub updated_at: i64,
}

/// A navigation entry.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MenuItem {
    pub slug: String,
    pub menu_label: String,
}

#[derive(Clone, Debug)]
pub struct PageFields {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub body_markdown: String,
    pub body_html: String,
    pub menu_label: Option<String>,
    pub menu_order: i64,
    pub published: bool,
}

impl Scoped {
    pub async fn page_by_slug(&self, slug: &str) -> StoreResult<Option<Page>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT id, slug, title, summary, body_markdown, body_html, menu_label, menu_order, \
             published, version, updated_at FROM page WHERE society_id = $1 AND slug = $2"
        )
        .bind(self.society.id.0)
        .bind(slug)
        .fetch_optional(c)
        .await)?)
    }

    pub async fn page_by_id(&self, id: PageId) -> StoreResult<Option<Page>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT id, slug, title, summary, body_markdown, body_html, menu_label, menu_order, \
             published, version, updated_at FROM page WHERE society_id = $1 AND id = $2"
        )
        .bind(self.society.id.0)
        .bind(id.0)
        .fetch_optional(c)
        .await)?)
    }

    pub async fn pages(&self) -> StoreResult<Vec<Page>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT id, slug, title, summary, body_markdown, body_html, menu_label, menu_order, \
             published, version, updated_at FROM page WHERE society_id = $1 \
             ORDER BY menu_label IS NULL, menu_order, title"
        )
        .bind(self.society.id.0)
        .fetch_all(c)
        .await)?)
    }

    /// Published pages with a menu label, in menu order.
    pub async fn menu(&self) -> StoreResult<Vec<MenuItem>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT slug, menu_label FROM page WHERE society_id = $1 AND published \
             AND menu_label IS NOT NULL ORDER BY menu_order, title"
        )
        .bind(self.society.id.0)
        .fetch_all(c)
        .await)?)
    }
}

impl ScopedTx {
    pub async fn insert_page(
        &mut self,
        fields: &PageFields,
        actor: Option<UserId>,
        now: Timestamp,
    ) -> StoreResult<PageId> {
        let id = PageId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO page (society_id, id, slug, title, summary, body_markdown, body_html, \
             menu_label, menu_order, published, version, created_at, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11, $12)"
        )
        .bind(society)
        .bind(id.0)
        .bind(&fields.slug)
        .bind(&fields.title)
        .bind(&fields.summary)
        .bind(&fields.body_markdown)
        .bind(&fields.body_html)
        .bind(&fields.menu_label)
        .bind(fields.menu_order)
        .bind(fields.published)
        .bind(now.0)
        .bind(actor.map(|a| a.0))
        .execute(c)
        .await)
        .map_err(conflict_on("slug"))?;
        Ok(id)
    }

    /// Save a page only if nobody saved it since `expected_version` was read: two staff editing
    /// at once never silently overwrite each other.
    pub async fn update_page(
        &mut self,
        id: PageId,
        expected_version: i64,
        fields: &PageFields,
        actor: Option<UserId>,
        now: Timestamp,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE page SET slug = $4, title = $5, summary = $6, body_markdown = $7, \
             body_html = $8, menu_label = $9, menu_order = $10, published = $11, \
             version = version + 1, updated_at = $12, updated_by = $13 \
             WHERE society_id = $1 AND id = $2 AND version = $3"
        )
        .bind(society)
        .bind(id.0)
        .bind(expected_version)
        .bind(&fields.slug)
        .bind(&fields.title)
        .bind(&fields.summary)
        .bind(&fields.body_markdown)
        .bind(&fields.body_html)
        .bind(&fields.menu_label)
        .bind(fields.menu_order)
        .bind(fields.published)
        .bind(now.0)
        .bind(actor.map(|a| a.0))
        .execute(c)
        .await)
        .map_err(conflict_on("slug"))?;
        if n == 1 {
            Ok(())
        } else {
            Err(StoreError::Stale)
        }
    }

    pub async fn delete_page(&mut self, id: PageId) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "DELETE FROM page WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(id.0)
        .execute(c)
        .await)?;
        Ok(())
    }
}
