//! Raw SQL for tests that must set up rows no use-case on their branch writes yet (an invoice
//! for a merge test…) or check rows no read exposes. One SQL text for both backends, as in the
//! store; values are bound, never formatted in.

use chapterhouse_store::Db;
use uuid::Uuid;

#[derive(Clone, Debug)]
pub enum Value {
    Uuid(Uuid),
    Text(String),
    Int(i64),
    Null,
}

impl From<Uuid> for Value {
    fn from(v: Uuid) -> Self {
        Value::Uuid(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

macro_rules! bind_all {
    ($query:expr, $values:expr) => {{
        let mut q = $query;
        for value in $values {
            q = match value {
                Value::Uuid(v) => q.bind(*v),
                Value::Text(v) => q.bind(v.clone()),
                Value::Int(v) => q.bind(*v),
                Value::Null => q.bind(Option::<String>::None),
            };
        }
        q
    }};
}

/// Run a statement; returns the rows affected. Panics on error (it is a test).
pub async fn exec(db: &Db, sql: &'static str, values: &[Value]) -> u64 {
    match db {
        Db::Sqlite(s) => bind_all!(sqlx::query(sql), values)
            .execute(&s.writer)
            .await
            .map(|r| r.rows_affected()),
        Db::Postgres(p) => bind_all!(sqlx::query(sql), values)
            .execute(p)
            .await
            .map(|r| r.rows_affected()),
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A single integer (a `COUNT(*)`…).
pub async fn scalar(db: &Db, sql: &'static str, values: &[Value]) -> i64 {
    match db {
        Db::Sqlite(s) => {
            bind_all!(sqlx::query_scalar::<_, i64>(sql), values)
                .fetch_one(&s.writer)
                .await
        }
        Db::Postgres(p) => {
            bind_all!(sqlx::query_scalar::<_, i64>(sql), values)
                .fetch_one(p)
                .await
        }
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Rows of text columns (cast in the SQL where needed).
pub async fn texts(db: &Db, sql: &'static str, values: &[Value]) -> Vec<Vec<Option<String>>> {
    use sqlx::Row;
    match db {
        Db::Sqlite(s) => bind_all!(sqlx::query(sql), values)
            .fetch_all(&s.writer)
            .await
            .map(|rows| {
                rows.iter()
                    .map(|r| {
                        (0..r.len())
                            .map(|i| r.get::<Option<String>, _>(i))
                            .collect()
                    })
                    .collect()
            }),
        Db::Postgres(p) => bind_all!(sqlx::query(sql), values)
            .fetch_all(p)
            .await
            .map(|rows| {
                rows.iter()
                    .map(|r| {
                        (0..r.len())
                            .map(|i| r.get::<Option<String>, _>(i))
                            .collect()
                    })
                    .collect()
            }),
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}
