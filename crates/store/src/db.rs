//! The database handle: one enum over a SQLite pair of pools (one writer, many readers) and a
//! PostgreSQL pool, chosen once from the URL. Queries are written once; [`on!`] expands the match
//! so each arm is type-checked against its own backend.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{PgConnection, SqliteConnection};

use crate::StoreError;

/// One value per backend: the shape of every handle the store hands out.
pub enum Backend<S, P> {
    Sqlite(S),
    Postgres(P),
}

/// Expand `$body` once per backend with `$conn` bound to that backend's executor.
#[macro_export]
macro_rules! on {
    ($exec:expr, |$conn:ident| $body:expr) => {
        match $exec {
            $crate::db::Backend::Sqlite($conn) => $body,
            $crate::db::Backend::Postgres($conn) => $body,
        }
    };
}

/// Like [`on!`] for statements run for their effect: yields the number of rows affected.
#[macro_export]
macro_rules! exec {
    ($exec:expr, |$conn:ident| $body:expr) => {
        match $exec {
            $crate::db::Backend::Sqlite($conn) => $body.map(|r| r.rows_affected()),
            $crate::db::Backend::Postgres($conn) => $body.map(|r| r.rows_affected()),
        }
    };
}

#[derive(Clone)]
pub struct SqliteDb {
    /// Exactly one connection: SQLite allows one writer, and queuing here rather than in
    /// `busy_timeout` keeps writers fair and errors rare.
    pub writer: SqlitePool,
    pub reader: SqlitePool,
}

#[derive(Clone)]
pub enum Db {
    Sqlite(SqliteDb),
    Postgres(PgPool),
}

pub type Reader<'a> = Backend<&'a SqlitePool, &'a PgPool>;
pub type Conn<'a> = Backend<&'a mut SqliteConnection, &'a mut PgConnection>;

/// A write transaction. SQLite transactions begin with `BEGIN IMMEDIATE` so the write lock is
/// taken up front and two writers never deadlock upgrading from a read lock.
pub struct Tx(
    Backend<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Transaction<'static, sqlx::Postgres>>,
);

impl Tx {
    pub fn conn(&mut self) -> Conn<'_> {
        match &mut self.0 {
            Backend::Sqlite(tx) => Backend::Sqlite(&mut **tx),
            Backend::Postgres(tx) => Backend::Postgres(&mut **tx),
        }
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        match self.0 {
            Backend::Sqlite(tx) => tx.commit().await?,
            Backend::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.0, Backend::Postgres(_))
    }
}

/// Pool sizes and timeouts; the defaults suit one small machine.
#[derive(Clone, Debug)]
pub struct DbOptions {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

impl Db {
    /// Open the database a URL names: `sqlite://path/to/file.db` (created when missing) or
    /// `postgres://…`. Anything else is refused with a message saying what is accepted.
    pub async fn connect(url: &str, options: &DbOptions) -> Result<Db, StoreError> {
        let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or("");
        match scheme {
            "sqlite" => Self::connect_sqlite(url, options).await,
            "postgres" | "postgresql" => {
                let connect = PgConnectOptions::from_str(url)
                    .map_err(|e| StoreError::Config(format!("invalid PostgreSQL URL: {e}")))?;
                let pool = PgPoolOptions::new()
                    .max_connections(options.max_connections)
                    .acquire_timeout(options.acquire_timeout)
                    .connect_with(connect)
                    .await
                    .map_err(|e| {
                        StoreError::Config(format!("cannot reach the PostgreSQL server: {e}"))
                    })?;
                Ok(Db::Postgres(pool))
            }
            _ => Err(StoreError::Config(format!(
                "unsupported database URL scheme {scheme:?}: use sqlite://FILE or postgres://USER@HOST/DB"
            ))),
        }
    }

    async fn connect_sqlite(url: &str, options: &DbOptions) -> Result<Db, StoreError> {
        let base = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Config(format!("invalid SQLite URL: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        if let Some(parent) = Path::new(base.get_filename()).parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Config(format!(
                    "cannot create the data directory {}: {e}",
                    parent.display()
                ))
            })?;
        }
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(base.clone())
            .await
            .map_err(|e| StoreError::Config(format!("cannot open the SQLite database: {e}")))?;
        let reader = SqlitePoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(base.read_only(true))
            .await
            .map_err(|e| StoreError::Config(format!("cannot open the SQLite database: {e}")))?;
        Ok(Db::Sqlite(SqliteDb { writer, reader }))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    pub fn reader(&self) -> Reader<'_> {
        match self {
            Db::Sqlite(db) => Backend::Sqlite(&db.reader),
            Db::Postgres(pool) => Backend::Postgres(pool),
        }
    }

    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(Tx(match self {
            Db::Sqlite(db) => Backend::Sqlite(db.writer.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(pool) => Backend::Postgres(pool.begin().await?),
        }))
    }

    /// A cheap round trip, for `/readyz`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        exec!(self.reader(), |c| sqlx::query("SELECT 1").execute(c).await)?;
        Ok(())
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(db) => {
                db.reader.close().await;
                db.writer.close().await;
            }
            Db::Postgres(pool) => pool.close().await,
        }
    }
}
