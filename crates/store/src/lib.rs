//! Storage: the only crate that writes SQL. One SQL text serves SQLite and PostgreSQL (see
//! `docs/ARCHITECTURE.md`, "Storage rules").
//!
//! Tenant-owned rows are reachable only through [`Scoped`] (reads) and [`ScopedTx`] (writes),
//! which bind the society id into every statement themselves. A `Scoped` handle can only be made
//! from a [`Society`] the store loaded, and a `Society` cannot be built outside this crate.

pub mod db;
pub mod migrate;

mod accounts;
mod attendance;
mod audit;
mod billing;
mod blobs;
mod cancellations;
mod checkin;
mod committees;
mod custom_fields;
mod daily;
mod education;
mod events;
mod faculty;
mod generate;
mod import;
mod jobs;
mod joining;
mod levels;
mod member_list;
mod membership;
mod pages;
mod payments;
mod people;
mod practices;
mod rate_limit;
mod records;
mod redirects;
mod registrations;
mod sessions;
mod society;

pub use accounts::*;
pub use attendance::*;
pub use audit::*;
pub use billing::*;
pub use blobs::*;
pub use cancellations::*;
pub use checkin::*;
pub use committees::*;
pub use custom_fields::*;
pub use daily::*;
pub use db::{Db, DbOptions, Tx};
pub use education::*;
pub use events::*;
pub use faculty::*;
pub use generate::*;
pub use import::*;
pub use jobs::*;
pub use levels::*;
pub use member_list::*;
pub use membership::*;
pub use pages::*;
pub use payments::*;
pub use people::*;
pub use practices::*;
pub use records::*;
pub use redirects::*;
pub use registrations::*;
pub use sessions::*;
pub use society::*;

use chapterhouse_core::SocietyId;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Start-up problems: bad URL, unreachable server, failed migration.
    #[error("{0}")]
    Config(String),
    /// A unique constraint refused the write; the string names the constraint's subject.
    #[error("already exists: {0}")]
    Conflict(String),
    /// A row someone else changed since it was read (optimistic concurrency).
    #[error("changed by someone else")]
    Stale,
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Sql(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &error
            && db.is_unique_violation()
        {
            return StoreError::Conflict(db.constraint().unwrap_or(db.message()).to_string());
        }
        StoreError::Sql(error)
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Map a unique-constraint refusal to `Conflict(what)`, naming the field a person can change.
pub(crate) fn conflict_on(what: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| match StoreError::from(e) {
        StoreError::Conflict(_) => StoreError::Conflict(what.into()),
        other => other,
    }
}

/// The deployment-wide handle: society lookup, operator work, migrations, the job queue.
#[derive(Clone)]
pub struct Store {
    db: Db,
}

impl Store {
    pub fn new(db: Db) -> Store {
        Store { db }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The handle for one society. Requires a [`Society`] the store itself loaded.
    pub fn scoped(&self, society: &Society) -> Scoped {
        Scoped {
            db: self.db.clone(),
            society: society.clone(),
        }
    }
}

/// A handle bound to one society: every query it runs carries that society's id.
#[derive(Clone)]
pub struct Scoped {
    db: Db,
    society: Society,
}

impl Scoped {
    pub fn society(&self) -> &Society {
        &self.society
    }

    pub fn society_id(&self) -> SocietyId {
        self.society.id
    }

    /// Begin the one write transaction of a use-case.
    pub async fn begin(&self) -> StoreResult<ScopedTx> {
        Ok(ScopedTx {
            tx: self.db.begin().await?,
            society_id: self.society.id,
        })
    }
}

/// A write transaction bound to one society.
pub struct ScopedTx {
    tx: Tx,
    society_id: SocietyId,
}

impl ScopedTx {
    pub async fn commit(self) -> StoreResult<()> {
        self.tx.commit().await
    }

    pub fn society_id(&self) -> SocietyId {
        self.society_id
    }
}
