//! The audit log: who did what, when, from where. Append-only.

use chapterhouse_core::{AuditId, Timestamp, UserId};

use crate::{Scoped, ScopedTx, StoreResult, exec, on};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuditEntry {
    pub at: i64,
    pub actor_name: Option<String>,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub ip: String,
}

#[derive(Clone, Debug, Default)]
pub struct NewAudit<'a> {
    pub actor: Option<UserId>,
    pub action: &'a str,
    pub subject: &'a str,
    pub detail: &'a str,
    pub ip: &'a str,
}

impl ScopedTx {
    pub async fn audit(&mut self, entry: NewAudit<'_>, now: Timestamp) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| {
            sqlx::query(
            "INSERT INTO audit_log (society_id, id, at, actor_account_id, action, subject, detail, ip) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        )
        .bind(society)
        .bind(AuditId::new().0)
        .bind(now.0)
        .bind(entry.actor.map(|a| a.0))
        .bind(entry.action)
        .bind(entry.subject)
        .bind(entry.detail)
        .bind(entry.ip)
        .execute(c)
        .await
        })?;
        Ok(())
    }

    /// Record many entries with one statement per few hundred (the daily run's batches).
    pub async fn audit_many(
        &mut self,
        entries: &[NewAudit<'_>],
        now: Timestamp,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        let numbered = self.tx.is_postgres();
        for chunk in entries.chunks(crate::import::batch_rows(8)) {
            let sql = crate::import::values_sql(
                "INSERT INTO audit_log (society_id, id, at, actor_account_id, action, subject, \
                 detail, ip)",
                8,
                chunk.len(),
                "",
                numbered,
            );
            exec!(self.tx.conn(), |c| {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for entry in chunk {
                    q = q
                        .bind(society)
                        .bind(AuditId::new().0)
                        .bind(now.0)
                        .bind(entry.actor.map(|a| a.0))
                        .bind(entry.action)
                        .bind(entry.subject)
                        .bind(entry.detail)
                        .bind(entry.ip);
                }
                q.execute(c).await
            })?;
        }
        Ok(())
    }
}

impl Scoped {
    /// The newest entries first.
    pub async fn audit_entries(&self, limit: i64) -> StoreResult<Vec<AuditEntry>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT l.at, p.display_name AS actor_name, l.action, l.subject, l.detail, l.ip \
             FROM audit_log l \
             LEFT JOIN account a ON a.society_id = l.society_id AND a.id = l.actor_account_id \
             LEFT JOIN person p ON p.society_id = a.society_id AND p.id = a.person_id \
             WHERE l.society_id = $1 ORDER BY l.at DESC, l.id DESC LIMIT $2"
        )
        .bind(self.society.id.0)
        .bind(limit)
        .fetch_all(c)
        .await)?)
    }
}
