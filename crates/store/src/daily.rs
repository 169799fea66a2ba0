//! Reads for the membership daily run that are not about one membership: who is in a reminder
//! window and who a yearly transition moves. Each is one query for the whole society.

use chapterhouse_core::{LevelId, MembershipId};
use jiff::civil::Date;
use uuid::Uuid;

use crate::{Scoped, StoreResult, on};

/// A membership whose latest term ends inside the reminder window and that may be reminded:
/// active, in grace or lapsed; not cancelled, suspended or overridden by staff; not paid for by
/// a practice; its term has an end.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MemberReminderCandidate {
    #[sqlx(try_from = "Uuid")]
    pub membership_id: MembershipId,
    pub email: String,
    pub display_name: String,
    #[sqlx(try_from = "Uuid")]
    pub level_id: LevelId,
    pub level_name: String,
    pub fee_cents: i64,
    pub reminder_days: String,
    pub end_on: String,
}

/// A member of a level with a yearly transition.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TransitionCandidate {
    #[sqlx(try_from = "Uuid")]
    pub membership_id: MembershipId,
    pub joined_on: String,
    pub email: String,
}

impl Scoped {
    /// Memberships whose latest term ends after `after` and on or before `through`, that may
    /// be sent a dues reminder.
    pub async fn member_reminder_candidates(
        &self,
        after: Date,
        through: Date,
    ) -> StoreResult<Vec<MemberReminderCandidate>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT m.id AS membership_id, p.email, p.display_name, l.id AS level_id, \
             l.name AS level_name, l.fee_cents, l.reminder_days, t.end_on \
             FROM membership_term t \
             JOIN membership m ON m.society_id = t.society_id AND m.id = t.membership_id \
             JOIN person p ON p.society_id = m.society_id AND p.id = m.person_id \
             JOIN membership_level l ON l.society_id = m.society_id AND l.id = m.level_id \
             WHERE t.society_id = $1 AND t.end_on > $2 AND t.end_on <= $3 \
               AND m.status IN ('active', 'grace', 'lapsed') AND m.override_status IS NULL \
               AND NOT m.suspended AND m.cancelled_on IS NULL AND l.reminder_days <> '' \
               AND NOT EXISTS (SELECT 1 FROM membership_term t2 \
                 WHERE t2.society_id = t.society_id AND t2.membership_id = t.membership_id \
                   AND (t2.end_on IS NULL OR t2.end_on > t.end_on)) \
               AND NOT EXISTS (SELECT 1 FROM membership_seat s \
                 WHERE s.society_id = m.society_id AND s.membership_id = m.id)"
        )
        .bind(self.society.id.0)
        .bind(after.to_string())
        .bind(through.to_string())
        .fetch_all(c)
        .await)?)
    }

    /// Members of `level` a transition may move (everyone not cancelled).
    pub async fn transition_candidates(
        &self,
        level: LevelId,
    ) -> StoreResult<Vec<TransitionCandidate>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT m.id AS membership_id, m.joined_on, p.email FROM membership m \
             JOIN person p ON p.society_id = m.society_id AND p.id = m.person_id \
             WHERE m.society_id = $1 AND m.level_id = $2 AND m.status <> 'cancelled'"
        )
        .bind(self.society.id.0)
        .bind(level.0)
        .fetch_all(c)
        .await)?)
    }
}

impl crate::Store {
    /// Refresh the query planners' statistics (`ANALYZE`: about a third of a second for 100,000
    /// members on SQLite), so filtered lists start from their most selective filter and the
    /// daily run's joins are planned for the tables' real sizes. PostgreSQL's autovacuum does
    /// this too, but only some time after a large import. Run by the daily maintenance job.
    pub async fn refresh_planner_statistics(&self) -> StoreResult<()> {
        let mut tx = self.db().begin().await?;
        crate::exec!(tx.conn(), |c| sqlx::query("ANALYZE").execute(c).await)?;
        tx.commit().await?;
        Ok(())
    }
}
