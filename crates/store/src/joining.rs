//! What joining and renewing read beyond the other modules: a level with its joining rules
//! (public, professions, automatic renewal, the lobbying share), the levels Join offers (to
//! individuals and to practices), the revenue account a level's dues go to, a practice by its
//! exact name or its NPI, and where a hosted payment page for an invoice stands.

use chapterhouse_core::{InvoiceId, LevelId, PracticeId, RevenueAccountId};
use uuid::Uuid;

use crate::levels::rule_columns;
use crate::{LevelWithRules, Scoped, ScopedTx, StoreResult, on};

/// A level's columns with its rules, then `$rest` (sqlx wants one `&'static str`).
macro_rules! level_with_rules_select {
    ($rest:literal) => {
        concat!(
            "SELECT id, name, description, for_practices, fee_cents, period_months, fixed_month, \
             fixed_day, grace_days, approval_required, prorate, sort_order, archived, ",
            rule_columns!(),
            " FROM membership_level ",
            $rest
        )
    };
}

impl Scoped {
    /// The levels the public Join page offers: public, not archived, not for practices.
    pub async fn join_levels(&self) -> StoreResult<Vec<LevelWithRules>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            level_with_rules_select!(
                "WHERE society_id = $1 AND public_join AND NOT archived AND NOT for_practices \
             ORDER BY sort_order, fee_cents DESC, name"
            )
        )
        .bind(self.society.id.0)
        .fetch_all(c)
        .await)?)
    }

    /// The levels a practice may join online: public, not archived, for practices.
    pub async fn join_practice_levels(&self) -> StoreResult<Vec<LevelWithRules>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            level_with_rules_select!(
                "WHERE society_id = $1 AND public_join AND NOT archived AND for_practices \
             ORDER BY sort_order, fee_cents DESC, name"
            )
        )
        .bind(self.society.id.0)
        .fetch_all(c)
        .await)?)
    }

    /// Whether the public Join page offers any level (for the site's Join links).
    pub async fn offers_join(&self) -> StoreResult<bool> {
        let n: i64 = on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT COUNT(*) FROM membership_level WHERE society_id = $1 AND public_join \
             AND NOT archived AND NOT for_practices"
        )
        .bind(self.society.id.0)
        .fetch_one(c)
        .await)?;
        Ok(n > 0)
    }

    /// One level with its rules, whether or not Join offers it.
    pub async fn join_level(&self, id: LevelId) -> StoreResult<Option<LevelWithRules>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            level_with_rules_select!("WHERE society_id = $1 AND id = $2")
        )
        .bind(self.society.id.0)
        .bind(id.0)
        .fetch_optional(c)
        .await)?)
    }

    /// The revenue account a level's dues are booked to (None: the dues default).
    pub async fn level_revenue_account(
        &self,
        level: LevelId,
    ) -> StoreResult<Option<RevenueAccountId>> {
        let id: Option<Uuid> = on!(self.db.reader(), |c| {
            sqlx::query_scalar(
            "SELECT revenue_account_id FROM level_billing WHERE society_id = $1 AND level_id = $2"
        )
        .bind(self.society.id.0)
        .bind(level.0)
        .fetch_optional(c)
        .await
        })?;
        Ok(id.map(RevenueAccountId))
    }

    /// The practice whose name is exactly `name`, ignoring case and surrounding spaces.
    pub async fn practice_named(&self, name: &str) -> StoreResult<Option<PracticeId>> {
        let id: Option<Uuid> = on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT id FROM practice WHERE society_id = $1 AND LOWER(name) = LOWER($2) \
             ORDER BY created_at LIMIT 1"
        )
        .bind(self.society.id.0)
        .bind(name.trim())
        .fetch_optional(c)
        .await)?;
        Ok(id.map(PracticeId))
    }

    /// A practice with this (normalised, ten-digit) NPI, if any.
    pub async fn practice_by_npi(&self, npi: &str) -> StoreResult<Option<PracticeId>> {
        let id: Option<Uuid> = on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT id FROM practice WHERE society_id = $1 AND npi = $2 \
             ORDER BY created_at LIMIT 1"
        )
        .bind(self.society.id.0)
        .bind(npi)
        .fetch_optional(c)
        .await)?;
        Ok(id.map(PracticeId))
    }

    /// Where the newest hosted payment page for an invoice stands: "open", "processing",
    /// "paid" or "failed"; None when none was started.
    pub async fn latest_checkout_status(&self, invoice: InvoiceId) -> StoreResult<Option<String>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT status FROM checkout_session WHERE society_id = $1 AND invoice_id = $2 \
             ORDER BY created_at DESC, provider_session_id DESC LIMIT 1"
        )
        .bind(self.society.id.0)
        .bind(invoice.0)
        .fetch_optional(c)
        .await)?)
    }
}

impl ScopedTx {
    /// The person an account belongs to, read through the transaction (so a person inserted in
    /// it is found).
    pub async fn person_of_account(
        &mut self,
        account: chapterhouse_core::UserId,
    ) -> StoreResult<Option<chapterhouse_core::PersonId>> {
        let society = self.society_id.0;
        let id: Option<Uuid> = on!(self.tx.conn(), |c| sqlx::query_scalar(
            "SELECT person_id FROM account WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(account.0)
        .fetch_optional(c)
        .await)?;
        Ok(id.map(chapterhouse_core::PersonId))
    }
}
