//! People (anyone the society knows) and accounts (people who can sign in). Most members never
//! sign in, so a person needs no account.

use chapterhouse_core::{Role, Timestamp, UserId};
use uuid::Uuid;

use crate::{Scoped, ScopedTx, StoreError, StoreResult, conflict_on, exec, on};

/// An account joined with its person: what sign-in and the staff pages need.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Account {
    #[sqlx(try_from = "Uuid")]
    pub id: UserId,
    pub person_id: Uuid,
    pub email: String,
    pub display_name: String,
    #[sqlx(try_from = "String")]
    pub role: RoleColumn,
    pub is_operator: bool,
    pub password_hash: Option<String>,
    pub email_verified_at: Option<i64>,
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    pub disabled_at: Option<i64>,
    pub created_at: i64,
}

/// The role as stored; a separate type so sqlx can decode it with `try_from`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoleColumn(pub Role);

impl TryFrom<String> for RoleColumn {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse().map(RoleColumn)
    }
}

impl Account {
    pub fn role(&self) -> Role {
        self.role.0
    }

    pub fn has_mfa(&self) -> bool {
        self.totp_secret.is_some()
    }
}

#[derive(Clone, Debug)]
pub struct NewAccount {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub is_operator: bool,
    pub password_hash: Option<String>,
    pub email_verified: bool,
}

impl Scoped {
    pub async fn account_by_email(&self, email: &str) -> StoreResult<Option<Account>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT a.id, a.person_id, p.email, p.display_name, a.role, a.is_operator, \
             a.password_hash, a.email_verified_at, a.totp_secret, a.totp_last_step, \
             a.disabled_at, a.created_at \
             FROM account a JOIN person p ON p.society_id = a.society_id AND p.id = a.person_id \
             WHERE a.society_id = $1 AND p.email = $2"
        )
        .bind(self.society.id.0)
        .bind(email)
        .fetch_optional(c)
        .await)?)
    }

    pub async fn account_by_id(&self, id: UserId) -> StoreResult<Option<Account>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT a.id, a.person_id, p.email, p.display_name, a.role, a.is_operator, \
             a.password_hash, a.email_verified_at, a.totp_secret, a.totp_last_step, \
             a.disabled_at, a.created_at \
             FROM account a JOIN person p ON p.society_id = a.society_id AND p.id = a.person_id \
             WHERE a.society_id = $1 AND a.id = $2"
        )
        .bind(self.society.id.0)
        .bind(id.0)
        .fetch_optional(c)
        .await)?)
    }

    /// Accounts with a staff-side role, for the staff team page.
    pub async fn staff_accounts(&self) -> StoreResult<Vec<Account>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT a.id, a.person_id, p.email, p.display_name, a.role, a.is_operator, \
             a.password_hash, a.email_verified_at, a.totp_secret, a.totp_last_step, \
             a.disabled_at, a.created_at \
             FROM account a JOIN person p ON p.society_id = a.society_id AND p.id = a.person_id \
             WHERE a.society_id = $1 AND a.role <> 'member' ORDER BY p.display_name"
        )
        .bind(self.society.id.0)
        .fetch_all(c)
        .await)?)
    }
}

impl ScopedTx {
    /// Create a person and their account. A taken email is `Conflict("email")`.
    pub async fn insert_account(
        &mut self,
        new: &NewAccount,
        now: Timestamp,
    ) -> StoreResult<UserId> {
        let person_id = Uuid::now_v7();
        let id = UserId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO person (society_id, id, email, display_name, created_at) \
             VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(society)
        .bind(person_id)
        .bind(&new.email)
        .bind(&new.display_name)
        .bind(now.0)
        .execute(c)
        .await)
        .map_err(conflict_on("email"))?;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO account (society_id, id, person_id, role, is_operator, password_hash, \
             email_verified_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        )
        .bind(society)
        .bind(id.0)
        .bind(person_id)
        .bind(new.role.as_str())
        .bind(new.is_operator)
        .bind(&new.password_hash)
        .bind(new.email_verified.then_some(now.0))
        .bind(now.0)
        .execute(c)
        .await)?;
        Ok(id)
    }

    pub async fn set_password_hash(&mut self, id: UserId, hash: &str) -> StoreResult<()> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE account SET password_hash = $3 WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(id.0)
        .bind(hash)
        .execute(c)
        .await)?;
        if n == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    pub async fn set_email(&mut self, id: UserId, email: &str) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE person SET email = $3 WHERE society_id = $1 AND id = \
             (SELECT person_id FROM account WHERE society_id = $1 AND id = $2)"
        )
        .bind(society)
        .bind(id.0)
        .bind(email)
        .execute(c)
        .await)
        .map_err(conflict_on("email"))?;
        // A changed address is unverified until its owner follows the link sent to it.
        exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE account SET email_verified_at = NULL WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(id.0)
        .execute(c)
        .await)?;
        Ok(())
    }

    pub async fn mark_email_verified(&mut self, id: UserId, now: Timestamp) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE account SET email_verified_at = COALESCE(email_verified_at, $3) \
             WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(id.0)
        .bind(now.0)
        .execute(c)
        .await)?;
        Ok(())
    }

    pub async fn set_totp(
        &mut self,
        id: UserId,
        secret: Option<&str>,
        last_step: Option<i64>,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| {
            sqlx::query(
            "UPDATE account SET totp_secret = $3, totp_last_step = $4 WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(id.0)
        .bind(secret)
        .bind(last_step)
        .execute(c)
        .await
        })?;
        Ok(())
    }

    /// Record the TOTP step just used, only if it is newer than the last: a replayed code within
    /// its 30 seconds loses this race and is refused.
    pub async fn advance_totp_step(&mut self, id: UserId, step: i64) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE account SET totp_last_step = $3 WHERE society_id = $1 AND id = $2 \
             AND (totp_last_step IS NULL OR totp_last_step < $3)"
        )
        .bind(society)
        .bind(id.0)
        .bind(step)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    pub async fn set_role(&mut self, id: UserId, role: chapterhouse_core::Role) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE account SET role = $3 WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(id.0)
        .bind(role.as_str())
        .execute(c)
        .await)?;
        Ok(())
    }
}
