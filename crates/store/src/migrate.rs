//! Embedded migrations, one list per backend. A landed migration is never edited: add a new one.
//! Each runs in its own transaction and is recorded in `schema_migration`; PostgreSQL nodes
//! starting together serialise on an advisory lock, SQLite on its single writer.

use sqlx::Executor;

use crate::StoreError;
use crate::db::{Backend, Db};

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

macro_rules! migrations {
    ($dir:literal: $($version:literal $name:literal),* $(,)?) => {
        &[$(Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("../migrations/", $dir, "/", $name, ".sql")),
        }),*]
    };
}

pub static SQLITE: &[Migration] = migrations!("sqlite":
    1 "0001_foundation", 2 "0002_membership", 3 "0003_members_billing",
    6 "0006_import_uploads", 7 "0007_practices_run", 8 "0008_stripe", 9 "0009_person_records",
    13 "0013_events", 14 "0014_spk", 15 "0015_chk", 16 "0016_perf", 17 "0017_fix",
    18 "0018_gaps", 19 "0019_checkin", 20 "0020_mlist",
);
pub static POSTGRES: &[Migration] = migrations!("postgres":
    1 "0001_foundation", 2 "0002_membership", 3 "0003_members_billing",
    6 "0006_import_uploads", 7 "0007_practices_run", 8 "0008_stripe", 9 "0009_person_records",
    13 "0013_events", 14 "0014_spk", 15 "0015_chk", 16 "0016_perf", 17 "0017_fix",
    18 "0018_gaps", 19 "0019_checkin", 20 "0020_mlist",
);

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migration (
    version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

/// Apply every pending migration; returns how many ran.
pub async fn run(db: &Db, now_micros: i64) -> Result<usize, StoreError> {
    let list = match db {
        Db::Sqlite(_) => SQLITE,
        Db::Postgres(_) => POSTGRES,
    };
    let mut tx = db.begin().await?;
    if tx.is_postgres() {
        crate::exec!(tx.conn(), |c| sqlx::query(
            "SELECT pg_advisory_xact_lock(7262011)"
        )
        .execute(c)
        .await)?;
    }
    crate::exec!(tx.conn(), |c| sqlx::query(CREATE_TABLE).execute(c).await)?;
    let applied: Vec<i64> = crate::on!(tx.conn(), |c| sqlx::query_scalar(
        "SELECT version FROM schema_migration ORDER BY version"
    )
    .fetch_all(c)
    .await)?;
    let mut ran = 0;
    for migration in list.iter().filter(|m| !applied.contains(&m.version)) {
        match tx.conn() {
            Backend::Sqlite(c) => c.execute(sqlx::raw_sql(migration.sql)).await.map(|_| ()),
            Backend::Postgres(c) => c.execute(sqlx::raw_sql(migration.sql)).await.map(|_| ()),
        }
        .map_err(|e| StoreError::Config(format!("migration {} failed: {e}", migration.name)))?;
        crate::exec!(tx.conn(), |c| sqlx::query(
            "INSERT INTO schema_migration (version, name, applied_at) VALUES ($1, $2, $3)"
        )
        .bind(migration.version)
        .bind(migration.name)
        .bind(now_micros)
        .execute(c)
        .await)?;
        ran += 1;
    }
    if let Some(newest) = applied.last()
        && *newest > list.last().map(|m| m.version).unwrap_or(0)
    {
        return Err(StoreError::Config(format!(
            "the database is at migration {newest}, newer than this binary knows: upgrade the binary"
        )));
    }
    tx.commit().await?;
    Ok(ran)
}
