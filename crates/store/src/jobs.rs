//! The job queue. A worker claims jobs in one short transaction (setting `locked_until`), runs
//! them outside any transaction, and records the outcome in a second short transaction. A job
//! whose worker died is claimed again once its lock expires.

use chapterhouse_core::{JobId, SocietyId, Timestamp};
use uuid::Uuid;

use crate::db::{Backend, Conn};
use crate::{Scoped, ScopedTx, Store, StoreResult, exec, on};

#[derive(Clone, Debug)]
pub struct NewJob<'a> {
    pub kind: &'a str,
    /// JSON text; the job's handler owns its shape.
    pub payload: String,
    pub run_at: Timestamp,
    /// Enqueuing a second job with the same key does nothing (idempotent scheduling).
    pub dedup_key: Option<String>,
    pub max_attempts: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ClaimedJob {
    #[sqlx(try_from = "Uuid")]
    pub id: JobId,
    pub society_id: Option<Uuid>,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
    pub max_attempts: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FailedJob {
    #[sqlx(try_from = "Uuid")]
    pub id: JobId,
    pub kind: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub finished_at: Option<i64>,
    pub created_at: i64,
}

async fn insert_job(
    conn: Conn<'_>,
    society: Option<SocietyId>,
    job: &NewJob<'_>,
    now: Timestamp,
) -> StoreResult<bool> {
    let n = exec!(conn, |c| {
        sqlx::query(
        "INSERT INTO job (id, society_id, kind, payload, run_at, max_attempts, dedup_key, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedup_key) DO NOTHING"
    )
    .bind(JobId::new().0)
    .bind(society.map(|s| s.0))
    .bind(job.kind)
    .bind(&job.payload)
    .bind(job.run_at.0)
    .bind(job.max_attempts)
    .bind(&job.dedup_key)
    .bind(now.0)
    .execute(c)
    .await
    })?;
    Ok(n == 1)
}

impl ScopedTx {
    /// Enqueue a side effect in the use-case's own transaction: it happens if and only if the
    /// use-case commits. Returns false when the dedup key was already used.
    pub async fn enqueue(&mut self, job: &NewJob<'_>, now: Timestamp) -> StoreResult<bool> {
        let society = self.society_id;
        insert_job(self.tx.conn(), Some(society), job, now).await
    }

    /// [`Self::enqueue`] for many jobs, with one statement per few thousand (the daily run's
    /// reminders). A job whose dedup key was already used is left out.
    pub async fn enqueue_many(&mut self, jobs: &[NewJob<'_>], now: Timestamp) -> StoreResult<()> {
        let society = self.society_id.0;
        let numbered = self.tx.is_postgres();
        for chunk in jobs.chunks(crate::import::batch_rows(8)) {
            let sql = crate::import::values_sql(
                "INSERT INTO job (id, society_id, kind, payload, run_at, max_attempts, dedup_key, \
                 created_at)",
                8,
                chunk.len(),
                " ON CONFLICT (dedup_key) DO NOTHING",
                numbered,
            );
            exec!(self.tx.conn(), |c| {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for job in chunk {
                    q = q
                        .bind(JobId::new().0)
                        .bind(society)
                        .bind(job.kind)
                        .bind(&job.payload)
                        .bind(job.run_at.0)
                        .bind(job.max_attempts)
                        .bind(&job.dedup_key)
                        .bind(now.0);
                }
                q.execute(c).await
            })?;
        }
        Ok(())
    }
}

impl Store {
    /// Enqueue outside a use-case (the recurring scheduler).
    pub async fn enqueue(
        &self,
        society: Option<SocietyId>,
        job: &NewJob<'_>,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let mut tx = self.db.begin().await?;
        let inserted = insert_job(tx.conn(), society, job, now).await?;
        tx.commit().await?;
        Ok(inserted)
    }

    /// Claim up to `limit` due jobs for `worker` until `lock_until`.
    pub async fn claim_jobs(
        &self,
        worker: &str,
        now: Timestamp,
        lock_until: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<ClaimedJob>> {
        let mut tx = self.db.begin().await?;
        let jobs: Vec<ClaimedJob> = match tx.conn() {
            // SQLite has one writer and BEGIN IMMEDIATE: no other claimer can interleave.
            Backend::Sqlite(c) => {
                sqlx::query_as(
                    "UPDATE job SET locked_until = $1, locked_by = $2, attempts = attempts + 1 \
                 WHERE id IN (SELECT id FROM job WHERE state = 'queued' AND run_at <= $3 \
                 AND (locked_until IS NULL OR locked_until < $3) ORDER BY run_at LIMIT $4) \
                 RETURNING id, society_id, kind, payload, attempts, max_attempts",
                )
                .bind(lock_until.0)
                .bind(worker)
                .bind(now.0)
                .bind(limit)
                .fetch_all(c)
                .await?
            }
            Backend::Postgres(c) => {
                sqlx::query_as(
                    "UPDATE job SET locked_until = $1, locked_by = $2, attempts = attempts + 1 \
                 WHERE id IN (SELECT id FROM job WHERE state = 'queued' AND run_at <= $3 \
                 AND (locked_until IS NULL OR locked_until < $3) ORDER BY run_at LIMIT $4 \
                 FOR UPDATE SKIP LOCKED) \
                 RETURNING id, society_id, kind, payload, attempts, max_attempts",
                )
                .bind(lock_until.0)
                .bind(worker)
                .bind(now.0)
                .bind(limit)
                .fetch_all(c)
                .await?
            }
        };
        tx.commit().await?;
        Ok(jobs)
    }

    pub async fn complete_job(&self, id: JobId, now: Timestamp) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        exec!(tx.conn(), |c| {
            sqlx::query(
            "UPDATE job SET state = 'done', finished_at = $2, locked_until = NULL, last_error = NULL \
             WHERE id = $1"
        )
        .bind(id.0)
        .bind(now.0)
        .execute(c)
        .await
        })?;
        tx.commit().await
    }

    /// Record a failure: retried at `retry_at`, or marked failed when none is given.
    pub async fn fail_job(
        &self,
        id: JobId,
        error: &str,
        now: Timestamp,
        retry_at: Option<Timestamp>,
    ) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        match retry_at {
            Some(at) => exec!(tx.conn(), |c| {
                sqlx::query(
                "UPDATE job SET run_at = $2, locked_until = NULL, locked_by = NULL, last_error = $3 \
                 WHERE id = $1"
            )
            .bind(id.0)
            .bind(at.0)
            .bind(error)
            .execute(c)
            .await
            })?,
            None => exec!(tx.conn(), |c| sqlx::query(
                "UPDATE job SET state = 'failed', finished_at = $2, locked_until = NULL, \
                 locked_by = NULL, last_error = $3 WHERE id = $1"
            )
            .bind(id.0)
            .bind(now.0)
            .bind(error)
            .execute(c)
            .await)?,
        };
        tx.commit().await
    }

    /// On graceful shutdown: give back claimed jobs at once instead of waiting for their locks.
    pub async fn release_jobs(&self, worker: &str) -> StoreResult<u64> {
        let mut tx = self.db.begin().await?;
        let n = exec!(tx.conn(), |c| sqlx::query(
            "UPDATE job SET locked_until = NULL, locked_by = NULL, attempts = attempts - 1 \
             WHERE locked_by = $1 AND state = 'queued' AND locked_until IS NOT NULL"
        )
        .bind(worker)
        .execute(c)
        .await)?;
        tx.commit().await?;
        Ok(n)
    }

    /// (queued, failed) counts, for `/metrics`.
    pub async fn job_counts(&self) -> StoreResult<(i64, i64)> {
        Ok(on!(self.db.reader(), |c| {
            sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(CASE WHEN state = 'queued' THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END), 0) AS BIGINT) FROM job"
        )
        .fetch_one(c)
        .await
        })?)
    }

    /// Jobs of a kind (tests and diagnostics).
    pub async fn jobs_of_kind(&self, kind: &str) -> StoreResult<Vec<(String, String, i64)>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT payload, state, attempts FROM job WHERE kind = $1 ORDER BY created_at"
        )
        .bind(kind)
        .fetch_all(c)
        .await)?)
    }
}

impl Scoped {
    pub async fn failed_jobs(&self) -> StoreResult<Vec<FailedJob>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT id, kind, attempts, last_error, finished_at, created_at FROM job \
             WHERE society_id = $1 AND state = 'failed' ORDER BY finished_at DESC LIMIT 200"
        )
        .bind(self.society.id.0)
        .fetch_all(c)
        .await)?)
    }

    /// Queue a failed job again from its first attempt. Only this society's failed jobs.
    pub async fn retry_job(&self, id: JobId, now: Timestamp) -> StoreResult<bool> {
        let mut tx = self.db.begin().await?;
        let n = exec!(tx.conn(), |c| {
            sqlx::query(
            "UPDATE job SET state = 'queued', attempts = 0, run_at = $3, finished_at = NULL, \
             locked_until = NULL, locked_by = NULL WHERE society_id = $1 AND id = $2 AND state = 'failed'"
        )
        .bind(self.society.id.0)
        .bind(id.0)
        .bind(now.0)
        .execute(c)
        .await
        })?;
        tx.commit().await?;
        Ok(n == 1)
    }
}
