//! Files (logos, photos, attachments, generated PDFs) stored in the database, so nodes share
//! nothing but the database. Served only through handlers that check access.

use chapterhouse_core::{BlobId, Timestamp};
use sha2_free::hex_sha256;

use crate::{Scoped, ScopedTx, StoreResult, exec, on};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Blob {
    pub content_type: String,
    pub sha256: String,
    pub data: Vec<u8>,
}

/// Largest file accepted (10 MiB).
pub const MAX_BLOB_BYTES: usize = 10 * 1024 * 1024;

impl ScopedTx {
    pub async fn insert_blob(
        &mut self,
        content_type: &str,
        data: &[u8],
        now: Timestamp,
    ) -> StoreResult<BlobId> {
        let id = BlobId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO blob (society_id, id, sha256, content_type, size, data, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )
        .bind(society)
        .bind(id.0)
        .bind(hex_sha256(data))
        .bind(content_type)
        .bind(data.len() as i64)
        .bind(data)
        .bind(now.0)
        .execute(c)
        .await)?;
        Ok(id)
    }
}

impl Scoped {
    pub async fn blob(&self, id: BlobId) -> StoreResult<Option<Blob>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT content_type, sha256, data FROM blob WHERE society_id = $1 AND id = $2"
        )
        .bind(self.society.id.0)
        .bind(id.0)
        .fetch_optional(c)
        .await)?)
    }
}

mod sha2_free {
    /// The content hash, computed with the core crate's signing helpers' digest.
    pub fn hex_sha256(data: &[u8]) -> String {
        chapterhouse_core::signing::sha256_hex(data)
    }
}
