//! Societies (tenants) and their host names. These tables are the deployment's, not a tenant's.

use chapterhouse_core::{SocietyId, Timestamp};
use uuid::Uuid;

use crate::{Store, StoreResult, Tx, conflict_on, exec, on};

/// A society as loaded from the database. It is `non_exhaustive`, so only the store can make
/// one, and so only the store can make a [`crate::Scoped`] handle.
#[derive(Clone, Debug, sqlx::FromRow)]
#[non_exhaustive]
pub struct Society {
    #[sqlx(try_from = "Uuid")]
    pub id: SocietyId,
    pub slug: String,
    pub name: String,
    pub short_name: String,
    pub time_zone: String,
    pub tagline: String,
    pub postal_address: String,
    pub phone: String,
    pub email: String,
    pub sender_address: String,
    pub primary_color: String,
    pub is_demo: bool,
    pub require_owner_mfa: bool,
    /// Filled from `society_host` after loading.
    #[sqlx(skip)]
    pub primary_host: String,
}

impl Society {
    /// Where links in mail and redirects point: always the configured primary host.
    pub fn base_url(&self, scheme: &str, port_suffix: &str) -> String {
        format!("{scheme}://{}{port_suffix}", self.primary_host)
    }
}

/// What a new society needs.
#[derive(Clone, Debug)]
pub struct NewSociety {
    pub slug: String,
    pub name: String,
    pub short_name: String,
    pub primary_host: String,
    pub time_zone: String,
    pub tagline: String,
    pub postal_address: String,
    pub phone: String,
    pub email: String,
    pub sender_address: String,
    pub primary_color: String,
    pub is_demo: bool,
}

/// A host lookup: the society and whether the host was its primary one (aliases redirect).
#[derive(Clone, Debug)]
pub struct HostMatch {
    pub society: Society,
    pub is_primary: bool,
}

#[derive(sqlx::FromRow)]
struct SocietyWithHost {
    #[sqlx(flatten)]
    society: Society,
    host: String,
}

impl Store {
    pub async fn society_by_host(&self, host: &str) -> StoreResult<Option<HostMatch>> {
        let row: Option<(Uuid, bool)> = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT society_id, is_primary FROM society_host WHERE host = $1"
        )
        .bind(host)
        .fetch_optional(c)
        .await)?;
        let Some((id, is_primary)) = row else {
            return Ok(None);
        };
        Ok(self
            .society_by_id(SocietyId(id))
            .await?
            .map(|society| HostMatch {
                society,
                is_primary,
            }))
    }

    pub async fn society_by_id(&self, id: SocietyId) -> StoreResult<Option<Society>> {
        const SQL: &str = "SELECT s.id, s.slug, s.name, s.short_name, s.time_zone, s.tagline, \
            s.postal_address, s.phone, s.email, s.sender_address, s.primary_color, s.is_demo, \
            s.require_owner_mfa, h.host FROM society s \
            JOIN society_host h ON h.society_id = s.id AND h.is_primary WHERE s.id = $1";
        let row: Option<SocietyWithHost> = on!(self.db.reader(), |c| sqlx::query_as(SQL)
            .bind(id.0)
            .fetch_optional(c)
            .await)?;
        Ok(row.map(|r| Society {
            primary_host: r.host,
            ..r.society
        }))
    }

    /// Every society, by name (the operator's list).
    pub async fn societies(&self) -> StoreResult<Vec<Society>> {
        const SQL: &str = "SELECT s.id, s.slug, s.name, s.short_name, s.time_zone, s.tagline, \
            s.postal_address, s.phone, s.email, s.sender_address, s.primary_color, s.is_demo, \
            s.require_owner_mfa, h.host FROM society s \
            JOIN society_host h ON h.society_id = s.id AND h.is_primary ORDER BY s.name";
        let rows: Vec<SocietyWithHost> =
            on!(self.db.reader(), |c| sqlx::query_as(SQL).fetch_all(c).await)?;
        Ok(rows
            .into_iter()
            .map(|r| Society {
                primary_host: r.host,
                ..r.society
            })
            .collect())
    }

    pub async fn society_by_slug(&self, slug: &str) -> StoreResult<Option<Society>> {
        let id: Option<Uuid> = on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT id FROM society WHERE slug = $1"
        )
        .bind(slug)
        .fetch_optional(c)
        .await)?;
        match id {
            Some(id) => self.society_by_id(SocietyId(id)).await,
            None => Ok(None),
        }
    }

    /// Host names of a society, primary first.
    pub async fn society_hosts(&self, id: SocietyId) -> StoreResult<Vec<(String, bool)>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT host, is_primary FROM society_host WHERE society_id = $1 \
             ORDER BY is_primary DESC, host"
        )
        .bind(id.0)
        .fetch_all(c)
        .await)?)
    }

    /// Begin a deployment-level transaction (creating societies).
    pub async fn begin(&self) -> StoreResult<Tx> {
        self.db.begin().await
    }

    /// Counts (all, demo) societies: `demo` refuses to write into a real deployment.
    pub async fn society_counts(&self) -> StoreResult<(i64, i64)> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN is_demo THEN 1 ELSE 0 END), 0) AS BIGINT) FROM society"
        )
        .fetch_one(c)
        .await)?)
    }
}

/// Create a society and its primary host, and hand back a transaction scoped to it so the first
/// owner and content are written atomically with it. This is the only way to get a scoped
/// transaction for a society that was not loaded from the database.
pub async fn create_society(
    mut tx: Tx,
    new: &NewSociety,
    now: Timestamp,
) -> StoreResult<crate::ScopedTx> {
    let society_id = insert_society(&mut tx, new, now).await?;
    Ok(crate::ScopedTx { tx, society_id })
}

/// Insert a society and its primary host inside `tx`.
pub async fn insert_society(
    tx: &mut Tx,
    new: &NewSociety,
    now: Timestamp,
) -> StoreResult<SocietyId> {
    let id = SocietyId::new();
    exec!(tx.conn(), |c| sqlx::query(
        "INSERT INTO society (id, slug, name, short_name, time_zone, tagline, postal_address, \
         phone, email, sender_address, primary_color, is_demo, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    )
    .bind(id.0)
    .bind(&new.slug)
    .bind(&new.name)
    .bind(&new.short_name)
    .bind(&new.time_zone)
    .bind(&new.tagline)
    .bind(&new.postal_address)
    .bind(&new.phone)
    .bind(&new.email)
    .bind(&new.sender_address)
    .bind(&new.primary_color)
    .bind(new.is_demo)
    .bind(now.0)
    .execute(c)
    .await)
    .map_err(conflict_on("slug"))?;
    add_host(tx, id, &new.primary_host, true).await?;
    Ok(id)
}

/// Add a host for a society; a host already used by any society is a conflict.
pub async fn add_host(
    tx: &mut Tx,
    society: SocietyId,
    host: &str,
    primary: bool,
) -> StoreResult<()> {
    exec!(tx.conn(), |c| sqlx::query(
        "INSERT INTO society_host (host, society_id, is_primary) VALUES ($1, $2, $3)"
    )
    .bind(host)
    .bind(society.0)
    .bind(primary)
    .execute(c)
    .await)
    .map_err(conflict_on("host"))?;
    Ok(())
}

impl crate::ScopedTx {
    /// Whether owners of this society must use two-step sign-in.
    pub async fn set_require_owner_mfa(&mut self, required: bool) -> StoreResult<()> {
        let society = self.society_id.0;
        crate::exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE society SET require_owner_mfa = $2 WHERE id = $1"
        )
        .bind(society)
        .bind(required)
        .execute(c)
        .await)?;
        Ok(())
    }
}
