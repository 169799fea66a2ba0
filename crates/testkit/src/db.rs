//! A fresh, migrated database for each test.
//!
//! By default a SQLite file in a temporary directory. When `CHAPTERHOUSE_TEST_DATABASE_URL` names
//! a PostgreSQL server (e.g. `postgres://postgres@127.0.0.1:5432/postgres`), migrations run once
//! into a template database and each test gets `CREATE DATABASE … TEMPLATE` of it, which is
//! much faster than migrating every time.

use chapterhouse_store::{Db, DbOptions, migrate};
use sqlx::{Connection, Executor, PgConnection};

pub const PG_ENV: &str = "CHAPTERHOUSE_TEST_DATABASE_URL";

pub struct TestDb {
    pub db: Db,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub fn is_postgres(&self) -> bool {
        matches!(self.db, Db::Postgres(_))
    }
}

/// Which backend the suite runs on, for test names and messages.
pub fn backend_name() -> &'static str {
    if std::env::var(PG_ENV).is_ok_and(|v| !v.is_empty()) {
        "postgres"
    } else {
        "sqlite"
    }
}

pub async fn test_db() -> TestDb {
    match std::env::var(PG_ENV) {
        Ok(url) if !url.is_empty() => postgres_db(&url).await,
        _ => sqlite_db().await,
    }
}

async fn sqlite_db() -> TestDb {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let db = Db::connect(&url, &DbOptions::default())
        .await
        .expect("open SQLite");
    migrate::run(&db, 0).await.expect("migrate SQLite");
    TestDb {
        db,
        url,
        _dir: Some(dir),
    }
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let root = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    format!("{root}/{name}{query}")
}

/// The template's name changes whenever the migrations do, so a stale template is never used.
fn template_name() -> String {
    let mut hash: u64 = 0xcbf29ce484222325;
    for m in migrate::POSTGRES {
        for b in m.sql.bytes() {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x100000001b3);
        }
    }
    format!("chapterhouse_tpl_{hash:016x}")
}

async fn postgres_db(admin_url: &str) -> TestDb {
    let template = template_name();
    let mut admin = PgConnection::connect(admin_url)
        .await
        .expect("connect to the PostgreSQL test server");
    // Several test binaries may start at once: one builds the template, the others wait.
    admin
        .execute("SELECT pg_advisory_lock(4242)")
        .await
        .expect("advisory lock");
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&template)
        .fetch_optional(&mut admin)
        .await
        .expect("look up template");
    if exists.is_none() {
        let building = format!("{template}_building");
        admin
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {building}"
            )))
            .await
            .expect("drop half-built template");
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {building}")))
            .await
            .expect("create template");
        let db = Db::connect(
            &with_database(admin_url, &building),
            &DbOptions {
                max_connections: 1,
                ..Default::default()
            },
        )
        .await
        .expect("open template");
        migrate::run(&db, 0).await.expect("migrate template");
        db.close().await;
        admin
            .execute(sqlx::AssertSqlSafe(format!(
                "ALTER DATABASE {building} RENAME TO {template}"
            )))
            .await
            .expect("publish template");
    }
    admin
        .execute("SELECT pg_advisory_unlock(4242)")
        .await
        .expect("unlock");
    let name = format!("chtest_{}", uuid::Uuid::now_v7().simple());
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE {name} TEMPLATE {template}"
        )))
        .await
        .expect("create test database from template");
    admin.close().await.ok();
    let url = with_database(admin_url, &name);
    let db = Db::connect(
        &url,
        &DbOptions {
            max_connections: 4,
            ..Default::default()
        },
    )
    .await
    .expect("open test database");
    TestDb {
        db,
        url,
        _dir: None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_swaps() {
        assert_eq!(
            super::with_database("postgres://u@h:5432/postgres?sslmode=disable", "x"),
            "postgres://u@h:5432/x?sslmode=disable"
        );
        assert_eq!(
            super::with_database("postgres://u@h/db", "y"),
            "postgres://u@h/y"
        );
    }
}
