//! Cancelling registrations and events, and moving a registration to another type. The seat
//! counters are given back through `ScopedTx::release_seats` (registration's), in the same
//! transaction as the status change.

use chapterhouse_core::{EventId, RegistrationId, RegistrationTypeId, Timestamp};
use uuid::Uuid;

use crate::{Scoped, ScopedTx, StoreResult, exec, on};

/// Which of an event's registrations [`Scoped::event_registration_ids`] lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registrants {
    /// Held, offered or confirmed: those with a seat (and a calendar entry to update).
    SeatHolders,
    /// Seat holders and the waitlist.
    Live,
}

impl Scoped {
    /// The ids of an event's seat holders or live registrations, oldest first.
    pub async fn event_registration_ids(
        &self,
        event: EventId,
        which: Registrants,
    ) -> StoreResult<Vec<RegistrationId>> {
        let waitlist = which == Registrants::Live;
        let ids: Vec<Uuid> = on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT id FROM registration WHERE society_id = $1 AND event_id = $2 \
             AND (status IN ('held', 'confirmed', 'offered') OR ($3 AND status = 'waitlisted')) \
             ORDER BY created_at, id"
        )
        .bind(self.society.id.0)
        .bind(event.0)
        .bind(waitlist)
        .fetch_all(c)
        .await)?;
        Ok(ids.into_iter().map(RegistrationId).collect())
    }

    /// How many seat holders (held, offered or confirmed) and waitlisted registrations an
    /// event has, counted in one read (the staff cancel page).
    pub async fn live_counts(&self, event: EventId) -> StoreResult<(i64, i64)> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(CASE WHEN status IN ('held', 'confirmed', 'offered') \
               THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN status = 'waitlisted' THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM registration WHERE society_id = $1 AND event_id = $2"
        )
        .bind(self.society.id.0)
        .bind(event.0)
        .fetch_one(c)
        .await)?)
    }
}

impl ScopedTx {
    /// Cancel a registration that is still in `from`: status, when and why. False when it has
    /// moved on (someone else cancelled it, or it lapsed).
    pub async fn cancel_registration(
        &mut self,
        id: RegistrationId,
        from: &str,
        reason: &str,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| {
            sqlx::query(
            "UPDATE registration SET status = 'cancelled', cancelled_at = $4, cancel_reason = $5, \
             hold_expires_at = NULL, offer_expires_at = NULL, updated_at = $4 \
             WHERE society_id = $1 AND id = $2 AND status = $3"
        )
        .bind(society)
        .bind(id.0)
        .bind(from)
        .bind(now.0)
        .bind(reason)
        .execute(c)
        .await
        })?;
        Ok(n == 1)
    }

    /// Cancel a published event: status, when, why, and a higher calendar SEQUENCE, in one
    /// statement (which also locks the event row before any registration is touched). Returns the
    /// new sequence, or None when the event is not published.
    pub async fn cancel_event(
        &mut self,
        id: EventId,
        reason: &str,
        now: Timestamp,
    ) -> StoreResult<Option<i64>> {
        let society = self.society_id.0;
        Ok(on!(self.tx.conn(), |c| sqlx::query_scalar(
            "UPDATE event SET status = 'cancelled', cancelled_at = $3, cancel_reason = $4, \
             sequence = sequence + 1, updated_at = $3 \
             WHERE society_id = $1 AND id = $2 AND status = 'published' RETURNING sequence"
        )
        .bind(society)
        .bind(id.0)
        .bind(now.0)
        .bind(reason)
        .fetch_optional(c)
        .await)?)
    }

    /// Point a registration at another type of its event (the caller moves the seats). False
    /// when it is no longer in `from`.
    pub async fn set_registration_type(
        &mut self,
        id: RegistrationId,
        from: &str,
        to_type: RegistrationTypeId,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE registration SET registration_type_id = $4, updated_at = $5 \
             WHERE society_id = $1 AND id = $2 AND status = $3"
        )
        .bind(society)
        .bind(id.0)
        .bind(from)
        .bind(to_type.0)
        .bind(now.0)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }
}
