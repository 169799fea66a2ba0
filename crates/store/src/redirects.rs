//! Redirects from a society's old URLs (kept when it moves from another platform).

use chapterhouse_core::{RedirectId, Timestamp};
use uuid::Uuid;

use crate::{Scoped, ScopedTx, StoreResult, conflict_on, exec, on};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Redirect {
    #[sqlx(try_from = "Uuid")]
    pub id: RedirectId,
    pub from_path: String,
    pub to_path: String,
}

impl Scoped {
    pub async fn redirect_for(&self, from_path: &str) -> StoreResult<Option<String>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT to_path FROM redirect WHERE society_id = $1 AND from_path = $2"
        )
        .bind(self.society.id.0)
        .bind(from_path)
        .fetch_optional(c)
        .await)?)
    }

    pub async fn redirects(&self) -> StoreResult<Vec<Redirect>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT id, from_path, to_path FROM redirect WHERE society_id = $1 ORDER BY from_path"
        )
        .bind(self.society.id.0)
        .fetch_all(c)
        .await)?)
    }
}

impl ScopedTx {
    pub async fn insert_redirect(
        &mut self,
        from: &str,
        to: &str,
        now: Timestamp,
    ) -> StoreResult<RedirectId> {
        let id = RedirectId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO redirect (society_id, id, from_path, to_path, created_at) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(society)
        .bind(id.0)
        .bind(from)
        .bind(to)
        .bind(now.0)
        .execute(c)
        .await)
        .map_err(conflict_on("from_path"))?;
        Ok(id)
    }

    pub async fn delete_redirect(&mut self, id: RedirectId) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "DELETE FROM redirect WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(id.0)
        .execute(c)
        .await)?;
        Ok(())
    }
}
