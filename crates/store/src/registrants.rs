//! An event's registrant list as staff see it (and the `events_scale` benchmark measures it):
//! filtered by status and a name or email fragment, sorted by last name. The registration
//! branch's `event_registrations` runs the same statement; when both are in, this one goes.

use chapterhouse_core::{EventId, PersonId};
use uuid::Uuid;

use crate::{Scoped, StoreResult, on};

/// What the list can be narrowed to.
#[derive(Clone, Debug, Default)]
pub struct RegistrantFilter {
    /// Part of a name or email, any case; empty for everyone.
    pub search: String,
    /// A status ('confirmed', 'waitlisted', …), or empty for all.
    pub status: String,
}

/// One row of the list.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Registrant {
    pub id: Uuid,
    #[sqlx(try_from = "Uuid")]
    pub person_id: PersonId,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub status: String,
    pub seats: i64,
    pub price_cents: i64,
    pub member_price: bool,
    pub checked_in_at: Option<i64>,
    pub created_at: i64,
    pub type_name: String,
}

impl Scoped {
    /// An event's registrations, by last name, then first name.
    pub async fn list_registrants(
        &self,
        event: EventId,
        filter: &RegistrantFilter,
    ) -> StoreResult<Vec<Registrant>> {
        let search = format!("%{}%", filter.search.trim().to_lowercase());
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT r.id, r.person_id, r.first_name, r.last_name, r.email, r.status, r.seats, \
             r.price_cents, r.member_price, r.checked_in_at, r.created_at, t.name AS type_name \
             FROM registration r \
             JOIN registration_type t ON t.society_id = r.society_id \
               AND t.id = r.registration_type_id \
             WHERE r.society_id = $1 AND r.event_id = $2 \
             AND ($3 = '' OR r.status = $3) \
             AND (LOWER(r.first_name || ' ' || r.last_name) LIKE $4 OR r.email LIKE $4) \
             ORDER BY LOWER(r.last_name), LOWER(r.first_name), r.created_at"
        )
        .bind(self.society.id.0)
        .bind(event.0)
        .bind(&filter.status)
        .bind(&search)
        .fetch_all(c)
        .await)?)
    }
}
