//! Level rules beyond the fee and period (migration 0003): seats, public join, who may apply,
//! the reminder schedule, automatic renewal, the non-deductible share, rates per profession,
//! allowed level changes and yearly transitions.

use chapterhouse_core::LevelId;
use uuid::Uuid;

use crate::{Level, LevelFields, Scoped, ScopedTx, StoreResult, conflict_on, exec, on};

/// The rule columns of `membership_level` (migration 0003), in [`LevelRules`]' order.
macro_rules! rule_columns {
    () => {
        "seat_limit, public_join, professions, reminder_days, auto_renew_allowed, nondeductible_bp"
    };
}
pub(crate) use rule_columns;

/// The rule columns of `membership_level` added in migration 0003.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct LevelRules {
    pub seat_limit: Option<i64>,
    pub public_join: bool,
    /// Comma-separated professions that may apply; empty: anyone.
    pub professions: String,
    /// Days relative to the term's end, e.g. `60,30,7,-7`.
    pub reminder_days: String,
    pub auto_renew_allowed: bool,
    pub nondeductible_bp: i64,
}

impl Default for LevelRules {
    fn default() -> Self {
        LevelRules {
            seat_limit: None,
            public_join: true,
            professions: String::new(),
            reminder_days: "60,30,7,-7".into(),
            auto_renew_allowed: true,
            nondeductible_bp: 0,
        }
    }
}

/// A level with its rules (what Join and renewal read).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LevelWithRules {
    #[sqlx(flatten)]
    pub level: Level,
    #[sqlx(flatten)]
    pub rules: LevelRules,
}

/// Members of `level` move to `to_level` on `month`/`day` each year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LevelTransition {
    pub level: LevelId,
    pub to_level: LevelId,
    pub month: i64,
    pub day: i64,
}

#[derive(sqlx::FromRow)]
struct TransitionRow {
    level_id: Uuid,
    to_level_id: Uuid,
    month: i64,
    day: i64,
}

impl From<TransitionRow> for LevelTransition {
    fn from(r: TransitionRow) -> Self {
        LevelTransition {
            level: LevelId(r.level_id),
            to_level: LevelId(r.to_level_id),
            month: r.month,
            day: r.day,
        }
    }
}

impl Scoped {
    pub async fn level_rules(&self, id: LevelId) -> StoreResult<Option<LevelRules>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(concat!(
            "SELECT ",
            rule_columns!(),
            " FROM membership_level WHERE society_id = $1 AND id = $2"
        ))
        .bind(self.society.id.0)
        .bind(id.0)
        .fetch_optional(c)
        .await)?)
    }

    /// Rates per profession for a level: (profession, cents).
    pub async fn level_rates(&self, id: LevelId) -> StoreResult<Vec<(String, i64)>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT profession, fee_cents FROM level_rate \
             WHERE society_id = $1 AND level_id = $2 ORDER BY profession"
        )
        .bind(self.society.id.0)
        .bind(id.0)
        .fetch_all(c)
        .await)?)
    }

    /// The levels a member of `from` may change to from the portal.
    pub async fn level_changes(&self, from: LevelId) -> StoreResult<Vec<LevelId>> {
        let ids: Vec<Uuid> = on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT to_level_id FROM level_change WHERE society_id = $1 AND from_level_id = $2"
        )
        .bind(self.society.id.0)
        .bind(from.0)
        .fetch_all(c)
        .await)?;
        Ok(ids.into_iter().map(LevelId).collect())
    }

    pub async fn level_transition(&self, id: LevelId) -> StoreResult<Option<LevelTransition>> {
        let row: Option<TransitionRow> = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT level_id, to_level_id, month, day FROM level_transition \
             WHERE society_id = $1 AND level_id = $2"
        )
        .bind(self.society.id.0)
        .bind(id.0)
        .fetch_optional(c)
        .await)?;
        Ok(row.map(Into::into))
    }

    /// Every level's reminder schedule (the daily run's window).
    pub async fn level_rules_all(&self) -> StoreResult<Vec<(LevelId, String)>> {
        let rows: Vec<(Uuid, String)> = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT id, reminder_days FROM membership_level WHERE society_id = $1"
        )
        .bind(self.society.id.0)
        .fetch_all(c)
        .await)?;
        Ok(rows.into_iter().map(|(id, d)| (LevelId(id), d)).collect())
    }

    /// Every transition of the society (the daily run).
    pub async fn level_transitions(&self) -> StoreResult<Vec<LevelTransition>> {
        let rows: Vec<TransitionRow> = on!(self.db.reader(), |c| {
            sqlx::query_as(
            "SELECT level_id, to_level_id, month, day FROM level_transition WHERE society_id = $1"
        )
        .bind(self.society.id.0)
        .fetch_all(c)
        .await
        })?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

impl ScopedTx {
    /// Change a level's name, fee, period and the other 0002 columns. `Conflict("name")` when
    /// another level has the name.
    pub async fn update_level(&mut self, id: LevelId, fields: &LevelFields) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE membership_level SET name = $3, description = $4, for_practices = $5, \
             fee_cents = $6, period_months = $7, fixed_month = $8, fixed_day = $9, \
             grace_days = $10, approval_required = $11, prorate = $12 \
             WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(id.0)
        .bind(&fields.name)
        .bind(&fields.description)
        .bind(fields.for_practices)
        .bind(fields.fee_cents)
        .bind(fields.period_months)
        .bind(fields.fixed_month)
        .bind(fields.fixed_day)
        .bind(fields.grace_days)
        .bind(fields.approval_required)
        .bind(fields.prorate)
        .execute(c)
        .await)
        .map_err(conflict_on("name"))?;
        Ok(n == 1)
    }

    /// Set a level's rules; false when the level is not this society's.
    pub async fn set_level_rules(&mut self, id: LevelId, rules: &LevelRules) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE membership_level SET seat_limit = $3, public_join = $4, professions = $5, \
             reminder_days = $6, auto_renew_allowed = $7, nondeductible_bp = $8 \
             WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(id.0)
        .bind(rules.seat_limit)
        .bind(rules.public_join)
        .bind(&rules.professions)
        .bind(&rules.reminder_days)
        .bind(rules.auto_renew_allowed)
        .bind(rules.nondeductible_bp)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    /// Replace a level's rates per profession.
    pub async fn set_level_rates(
        &mut self,
        id: LevelId,
        rates: &[(String, i64)],
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "DELETE FROM level_rate WHERE society_id = $1 AND level_id = $2"
        )
        .bind(society)
        .bind(id.0)
        .execute(c)
        .await)?;
        for (profession, cents) in rates {
            exec!(self.tx.conn(), |c| sqlx::query(
                "INSERT INTO level_rate (society_id, level_id, profession, fee_cents) \
                 VALUES ($1, $2, $3, $4)"
            )
            .bind(society)
            .bind(id.0)
            .bind(profession)
            .bind(cents)
            .execute(c)
            .await)?;
        }
        Ok(())
    }

    /// Replace the levels a member of `from` may change to.
    pub async fn set_level_changes(&mut self, from: LevelId, to: &[LevelId]) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "DELETE FROM level_change WHERE society_id = $1 AND from_level_id = $2"
        )
        .bind(society)
        .bind(from.0)
        .execute(c)
        .await)?;
        for target in to {
            exec!(self.tx.conn(), |c| sqlx::query(
                "INSERT INTO level_change (society_id, from_level_id, to_level_id) \
                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
            )
            .bind(society)
            .bind(from.0)
            .bind(target.0)
            .execute(c)
            .await)?;
        }
        Ok(())
    }

    /// Set (or with None, remove) the level's yearly transition.
    pub async fn set_level_transition(
        &mut self,
        id: LevelId,
        transition: Option<(LevelId, i64, i64)>,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "DELETE FROM level_transition WHERE society_id = $1 AND level_id = $2"
        )
        .bind(society)
        .bind(id.0)
        .execute(c)
        .await)?;
        if let Some((to, month, day)) = transition {
            exec!(self.tx.conn(), |c| sqlx::query(
                "INSERT INTO level_transition (society_id, level_id, to_level_id, month, day) \
                 VALUES ($1, $2, $3, $4, $5)"
            )
            .bind(society)
            .bind(id.0)
            .bind(to.0)
            .bind(month)
            .bind(day)
            .execute(c)
            .await)?;
        }
        Ok(())
    }
}
