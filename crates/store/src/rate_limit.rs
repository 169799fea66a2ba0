//! Fixed-window counters for sign-in attempts, shared by every node through the database.

use crate::{Scoped, StoreResult, exec, on};

impl Scoped {
    /// Count one hit in `bucket` for the window starting at `window_start` and return the hits so
    /// far. Buckets are prefixed with the society id, so societies never share a limit.
    pub async fn hit_rate_limit(&self, bucket: &str, window_start: i64) -> StoreResult<i64> {
        let key = format!("{}:{bucket}", self.society.id);
        let mut tx = self.db.begin().await?;
        let hits: i64 = on!(tx.conn(), |c| sqlx::query_scalar(
            "INSERT INTO rate_limit (bucket, window_start, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit.hits + 1 \
             RETURNING hits"
        )
        .bind(&key)
        .bind(window_start)
        .fetch_one(c)
        .await)?;
        // Old windows are worthless; dropping them here keeps the table tiny without a job.
        exec!(tx.conn(), |c| sqlx::query(
            "DELETE FROM rate_limit WHERE bucket = $1 AND window_start < $2"
        )
        .bind(&key)
        .bind(window_start)
        .execute(c)
        .await)?;
        tx.commit().await?;
        Ok(hits)
    }
}
