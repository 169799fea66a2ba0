//! Sessions (created at sign-in only), single-use sign-in/reset/verification tokens, and staff
//! invitations. Only hashes of bearer secrets are stored.

use chapterhouse_core::{InvitationId, Role, Timestamp, UserId};
use uuid::Uuid;

use crate::{Scoped, ScopedTx, StoreError, StoreResult, exec, on};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub id_hash: String,
    #[sqlx(try_from = "Uuid")]
    pub account_id: UserId,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub authenticated_at: i64,
    pub mfa_pending: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenPurpose {
    SignIn,
    PasswordReset,
    VerifyEmail,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::SignIn => "sign_in",
            TokenPurpose::PasswordReset => "password_reset",
            TokenPurpose::VerifyEmail => "verify_email",
        }
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Invitation {
    #[sqlx(try_from = "Uuid")]
    pub id: InvitationId,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub created_at: i64,
}

impl Invitation {
    pub fn role(&self) -> Role {
        self.role.parse().unwrap_or(Role::Member)
    }
}

impl Scoped {
    /// A session of this society; a session id from another society's host finds nothing.
    pub async fn session(&self, id_hash: &str) -> StoreResult<Option<SessionRow>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT id_hash, account_id, created_at, last_seen_at, expires_at, authenticated_at, \
             mfa_pending FROM session WHERE society_id = $1 AND id_hash = $2"
        )
        .bind(self.society.id.0)
        .bind(id_hash)
        .fetch_optional(c)
        .await)?)
    }

    pub async fn invitation_by_token(&self, token_hash: &str) -> StoreResult<Option<Invitation>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT id, email, display_name, role, expires_at, accepted_at, created_at \
             FROM invitation WHERE society_id = $1 AND token_hash = $2"
        )
        .bind(self.society.id.0)
        .bind(token_hash)
        .fetch_optional(c)
        .await)?)
    }

    pub async fn pending_invitations(&self, now: Timestamp) -> StoreResult<Vec<Invitation>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT id, email, display_name, role, expires_at, accepted_at, created_at \
             FROM invitation WHERE society_id = $1 AND accepted_at IS NULL AND expires_at > $2 \
             ORDER BY created_at DESC"
        )
        .bind(self.society.id.0)
        .bind(now.0)
        .fetch_all(c)
        .await)?)
    }
}

impl ScopedTx {
    pub async fn insert_session(
        &mut self,
        id_hash: &str,
        account: UserId,
        now: Timestamp,
        expires: Timestamp,
        mfa_pending: bool,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO session (id_hash, society_id, account_id, created_at, last_seen_at, \
             expires_at, authenticated_at, mfa_pending) VALUES ($1, $2, $3, $4, $4, $5, $4, $6)"
        )
        .bind(id_hash)
        .bind(society)
        .bind(account.0)
        .bind(now.0)
        .bind(expires.0)
        .bind(mfa_pending)
        .execute(c)
        .await)?;
        Ok(())
    }

    /// Drop expired sessions and used or expired tokens (the daily maintenance job).
    pub async fn prune_expired(&mut self, now: Timestamp) -> StoreResult<u64> {
        let society = self.society_id.0;
        let sessions = exec!(self.tx.conn(), |c| sqlx::query(
            "DELETE FROM session WHERE society_id = $1 AND expires_at < $2"
        )
        .bind(society)
        .bind(now.0)
        .execute(c)
        .await)?;
        let tokens = exec!(self.tx.conn(), |c| {
            sqlx::query(
            "DELETE FROM login_token WHERE society_id = $1 AND (expires_at < $2 OR used_at IS NOT NULL)"
        )
        .bind(society)
        .bind(now.0)
        .execute(c)
        .await
        })?;
        Ok(sessions + tokens)
    }

    pub async fn delete_session(&mut self, id_hash: &str) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "DELETE FROM session WHERE society_id = $1 AND id_hash = $2"
        )
        .bind(society)
        .bind(id_hash)
        .execute(c)
        .await)?;
        Ok(())
    }

    /// Sign out everywhere else (after a password change), keeping `keep`.
    pub async fn delete_other_sessions(
        &mut self,
        account: UserId,
        keep: Option<&str>,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "DELETE FROM session WHERE society_id = $1 AND account_id = $2 AND id_hash <> $3"
        )
        .bind(society)
        .bind(account.0)
        .bind(keep.unwrap_or(""))
        .execute(c)
        .await)?;
        Ok(())
    }

    /// Mark fresh authentication (re-authentication before sensitive changes, or MFA passed).
    pub async fn touch_session_auth(&mut self, id_hash: &str, now: Timestamp) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE session SET authenticated_at = $3, mfa_pending = FALSE \
             WHERE society_id = $1 AND id_hash = $2"
        )
        .bind(society)
        .bind(id_hash)
        .bind(now.0)
        .execute(c)
        .await)?;
        Ok(())
    }

    pub async fn touch_session_seen(&mut self, id_hash: &str, now: Timestamp) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE session SET last_seen_at = $3 WHERE society_id = $1 AND id_hash = $2"
        )
        .bind(society)
        .bind(id_hash)
        .bind(now.0)
        .execute(c)
        .await)?;
        Ok(())
    }

    pub async fn insert_login_token(
        &mut self,
        token_hash: &str,
        account: UserId,
        purpose: TokenPurpose,
        now: Timestamp,
        expires: Timestamp,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| {
            sqlx::query(
            "INSERT INTO login_token (token_hash, society_id, account_id, purpose, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(token_hash)
        .bind(society)
        .bind(account.0)
        .bind(purpose.as_str())
        .bind(expires.0)
        .bind(now.0)
        .execute(c)
        .await
        })?;
        Ok(())
    }

    /// Use a single-use token: marks it used and returns its account, only if it is of this
    /// society and purpose, unused and unexpired. A second use finds nothing.
    pub async fn consume_login_token(
        &mut self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: Timestamp,
    ) -> StoreResult<Option<UserId>> {
        let society = self.society_id.0;
        let row: Option<Uuid> = on!(self.tx.conn(), |c| sqlx::query_scalar(
            "UPDATE login_token SET used_at = $4 WHERE society_id = $1 AND token_hash = $2 \
             AND purpose = $3 AND used_at IS NULL AND expires_at > $4 RETURNING account_id"
        )
        .bind(society)
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(now.0)
        .fetch_optional(c)
        .await)?;
        Ok(row.map(UserId))
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_invitation(
        &mut self,
        email: &str,
        display_name: &str,
        role: Role,
        token_hash: &str,
        invited_by: UserId,
        now: Timestamp,
        expires: Timestamp,
    ) -> StoreResult<InvitationId> {
        let id = InvitationId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO invitation (society_id, id, email, display_name, role, token_hash, \
             invited_by, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        )
        .bind(society)
        .bind(id.0)
        .bind(email)
        .bind(display_name)
        .bind(role.as_str())
        .bind(token_hash)
        .bind(invited_by.0)
        .bind(expires.0)
        .bind(now.0)
        .execute(c)
        .await)?;
        Ok(id)
    }

    /// Accept an invitation once; a second acceptance finds nothing.
    pub async fn accept_invitation(&mut self, id: InvitationId, now: Timestamp) -> StoreResult<()> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE invitation SET accepted_at = $3 WHERE society_id = $1 AND id = $2 \
             AND accepted_at IS NULL AND expires_at > $3"
        )
        .bind(society)
        .bind(id.0)
        .bind(now.0)
        .execute(c)
        .await)?;
        if n == 1 {
            Ok(())
        } else {
            Err(StoreError::Stale)
        }
    }
}
