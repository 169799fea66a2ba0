//! Registrations: the rows, their guests and answers, and the seat counters.
//!
//! Seats: a registration that holds seats (held, offered, confirmed) has added its `seats` to
//! `event.taken` and `registration_type.taken`. [`ScopedTx::take_seats`] updates the event row
//! first and the type row second, always in that order, each with a conditional
//! `UPDATE … SET taken = taken + n WHERE … AND (cap IS NULL OR taken + n <= cap)`; the first
//! update locks the event row (PostgreSQL) so concurrent registrations for one event queue there
//! rather than deadlock, and SQLite's single writer serialises them anyway.

use chapterhouse_core::{
    EventId, InvoiceId, PersonId, RegistrationId, RegistrationQuestionId, RegistrationTypeId,
    RevenueAccountId, Timestamp,
};
use uuid::Uuid;

use crate::{RegistrationType, Scoped, ScopedTx, StoreError, StoreResult, exec, on};

/// A registration with the names lists show beside it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Registration {
    #[sqlx(try_from = "Uuid")]
    pub id: RegistrationId,
    #[sqlx(try_from = "Uuid")]
    pub event_id: EventId,
    #[sqlx(try_from = "Uuid")]
    pub registration_type_id: RegistrationTypeId,
    #[sqlx(try_from = "Uuid")]
    pub person_id: PersonId,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// `core::registration::RegStatus::as_str`.
    pub status: String,
    pub seats: i64,
    pub price_cents: i64,
    pub member_price: bool,
    pub invoice_id: Option<Uuid>,
    pub hold_expires_at: Option<i64>,
    pub waitlisted_at: Option<i64>,
    pub offer_expires_at: Option<i64>,
    pub checked_in_at: Option<i64>,
    pub cancelled_at: Option<i64>,
    pub cancel_reason: String,
    pub submit_key: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub type_name: String,
    pub event_title: String,
    pub event_slug: String,
    pub event_starts_at: i64,
}

impl Registration {
    pub fn invoice(&self) -> Option<InvoiceId> {
        self.invoice_id.map(InvoiceId)
    }

    pub fn name(&self) -> String {
        full_name(&self.first_name, &self.last_name)
    }
}

/// One line of an event's staff registrant list (the staff page, the registrant CSV, the
/// attendance import's names): the registration's own columns only. The event is the caller's
/// (read once), and so are the type names ([`Scoped::registration_types`]), so no row repeats
/// them: at 2,000 rows SQLite's per-row and per-column decoding is most of the list's time.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Registrant {
    #[sqlx(try_from = "Uuid")]
    pub id: RegistrationId,
    #[sqlx(try_from = "Uuid")]
    pub registration_type_id: RegistrationTypeId,
    #[sqlx(try_from = "Uuid")]
    pub person_id: PersonId,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// `core::registration::RegStatus::as_str`.
    pub status: String,
    pub seats: i64,
    pub price_cents: i64,
    pub member_price: bool,
    pub created_at: i64,
}

impl Registrant {
    pub fn name(&self) -> String {
        full_name(&self.first_name, &self.last_name)
    }

    /// The name of its type among the event's `types` (empty if not there).
    pub fn type_name<'a>(&self, types: &'a [RegistrationType]) -> &'a str {
        types
            .iter()
            .find(|t| t.id == self.registration_type_id)
            .map_or("", |t| t.name.as_str())
    }
}

fn full_name(first: &str, last: &str) -> String {
    format!("{first} {last}").trim().to_string()
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RegistrationGuest {
    pub name: String,
    pub email: String,
    pub position: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RegistrationAnswer {
    #[sqlx(try_from = "Uuid")]
    pub question_id: RegistrationQuestionId,
    pub label: String,
    pub value: String,
}

/// Per type and status: how many registrations and seats.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RegistrationCount {
    #[sqlx(try_from = "Uuid")]
    pub registration_type_id: RegistrationTypeId,
    pub status: String,
    pub registrations: i64,
    pub seats: i64,
}

/// A new registration row.
#[derive(Clone, Debug)]
pub struct NewRegistration<'a> {
    pub event: EventId,
    pub registration_type: RegistrationTypeId,
    pub person: PersonId,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub email: &'a str,
    pub status: &'a str,
    pub seats: i64,
    pub price_cents: i64,
    pub member_price: bool,
    pub hold_expires_at: Option<Timestamp>,
    pub submit_key: Option<&'a str>,
}

/// A staff list's filter.
#[derive(Clone, Debug, Default)]
pub struct RegistrationFilter {
    /// Part of a name or email, any case.
    pub search: String,
    /// A status, or empty for all.
    pub status: String,
}

macro_rules! reg_select {
    ($rest:literal) => {
        concat!(
            "SELECT r.id, r.event_id, r.registration_type_id, r.person_id, r.first_name, \
             r.last_name, r.email, r.status, r.seats, r.price_cents, r.member_price, \
             r.invoice_id, r.hold_expires_at, r.waitlisted_at, r.offer_expires_at, \
             r.checked_in_at, r.cancelled_at, r.cancel_reason, r.submit_key, r.created_at, \
             r.updated_at, t.name AS type_name, e.title AS event_title, e.slug AS event_slug, \
             e.starts_at AS event_starts_at \
             FROM registration r \
             JOIN registration_type t ON t.society_id = r.society_id \
               AND t.id = r.registration_type_id \
             JOIN event e ON e.society_id = r.society_id AND e.id = r.event_id ",
            $rest
        )
    };
}

impl Scoped {
    pub async fn registration(&self, id: RegistrationId) -> StoreResult<Option<Registration>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(reg_select!(
            "WHERE r.society_id = $1 AND r.id = $2"
        ))
        .bind(self.society.id.0)
        .bind(id.0)
        .fetch_optional(c)
        .await)?)
    }

    pub async fn registration_by_submit_key(&self, key: &str) -> StoreResult<Option<Registration>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(reg_select!(
            "WHERE r.society_id = $1 AND r.submit_key = $2"
        ))
        .bind(self.society.id.0)
        .bind(key)
        .fetch_optional(c)
        .await)?)
    }

    /// The person's live registration for the event, if any.
    pub async fn live_registration(
        &self,
        event: EventId,
        person: PersonId,
    ) -> StoreResult<Option<Registration>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(reg_select!(
            "WHERE r.society_id = $1 AND r.event_id = $2 AND r.person_id = $3 \
             AND r.status IN ('held', 'confirmed', 'waitlisted', 'offered')"
        ))
        .bind(self.society.id.0)
        .bind(event.0)
        .bind(person.0)
        .fetch_optional(c)
        .await)?)
    }

    /// A person's registrations, the latest event first.
    pub async fn registrations_of_person(
        &self,
        person: PersonId,
    ) -> StoreResult<Vec<Registration>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(reg_select!(
            "WHERE r.society_id = $1 AND r.person_id = $2 \
             ORDER BY e.starts_at DESC, r.created_at DESC"
        ))
        .bind(self.society.id.0)
        .bind(person.0)
        .fetch_all(c)
        .await)?)
    }

    /// An event's registrant list for staff: filtered by status and a name or email fragment,
    /// by last name (index `registration_event_name` gives that order without a sort on SQLite;
    /// PostgreSQL reads the event's rows through it and sorts the 2,000 in memory). The narrow
    /// [`Registrant`] row, from the registration table alone.
    pub async fn event_registrations(
        &self,
        event: EventId,
        filter: &RegistrationFilter,
    ) -> StoreResult<Vec<Registrant>> {
        let search = format!("%{}%", filter.search.trim().to_lowercase());
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT r.id, r.registration_type_id, r.person_id, r.first_name, r.last_name, \
             r.email, r.status, r.seats, r.price_cents, r.member_price, r.created_at \
             FROM registration r \
             WHERE r.society_id = $1 AND r.event_id = $2 \
             AND ($3 = '' OR r.status = $3) \
             AND ($4 = '%%' OR LOWER(r.first_name || ' ' || r.last_name) LIKE $4 \
               OR r.email LIKE $4) \
             ORDER BY LOWER(r.last_name), LOWER(r.first_name), r.created_at"
        )
        .bind(self.society.id.0)
        .bind(event.0)
        .bind(&filter.status)
        .bind(&search)
        .fetch_all(c)
        .await)?)
    }

    /// Registrations and seats per type and status.
    pub async fn registration_counts(&self, event: EventId) -> StoreResult<Vec<RegistrationCount>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT registration_type_id, status, COUNT(*) AS registrations, \
             CAST(COALESCE(SUM(seats), 0) AS BIGINT) AS seats FROM registration \
             WHERE society_id = $1 AND event_id = $2 GROUP BY registration_type_id, status"
        )
        .bind(self.society.id.0)
        .bind(event.0)
        .fetch_all(c)
        .await)?)
    }

    pub async fn registration_guests(
        &self,
        id: RegistrationId,
    ) -> StoreResult<Vec<RegistrationGuest>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT name, email, position FROM registration_guest \
             WHERE society_id = $1 AND registration_id = $2 ORDER BY position"
        )
        .bind(self.society.id.0)
        .bind(id.0)
        .fetch_all(c)
        .await)?)
    }

    /// Every guest of an event's registrations, by registration and position (one read for
    /// lists that show the guests of many registrations).
    pub async fn event_guests(
        &self,
        event: EventId,
    ) -> StoreResult<Vec<(RegistrationId, RegistrationGuest)>> {
        let rows: Vec<(Uuid, String, String, i64)> = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT g.registration_id, g.name, g.email, g.position FROM registration_guest g \
             JOIN registration r ON r.society_id = g.society_id AND r.id = g.registration_id \
             WHERE g.society_id = $1 AND r.event_id = $2 ORDER BY g.registration_id, g.position"
        )
        .bind(self.society.id.0)
        .bind(event.0)
        .fetch_all(c)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(id, name, email, position)| {
                (
                    RegistrationId(id),
                    RegistrationGuest {
                        name,
                        email,
                        position,
                    },
                )
            })
            .collect())
    }

    pub async fn registration_answers(
        &self,
        id: RegistrationId,
    ) -> StoreResult<Vec<RegistrationAnswer>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT a.question_id, q.label, a.value FROM registration_answer a \
             JOIN registration_question q ON q.society_id = a.society_id AND q.id = a.question_id \
             WHERE a.society_id = $1 AND a.registration_id = $2 ORDER BY q.position, q.label"
        )
        .bind(self.society.id.0)
        .bind(id.0)
        .fetch_all(c)
        .await)?)
    }

    /// The seats the live holding registrations of an event take, summed (tests compare it
    /// with the counters).
    pub async fn seats_held(&self, event: EventId) -> StoreResult<i64> {
        Ok(on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(seats), 0) AS BIGINT) FROM registration \
             WHERE society_id = $1 AND event_id = $2 \
             AND status IN ('held', 'confirmed', 'offered')"
        )
        .bind(self.society.id.0)
        .bind(event.0)
        .fetch_one(c)
        .await)?)
    }
}

impl ScopedTx {
    /// Take `seats` from the event's and then the type's counter, each only if its limit
    /// allows. Returns false (and leaves both unchanged) when either is full.
    pub async fn take_seats(
        &mut self,
        event: EventId,
        ty: RegistrationTypeId,
        seats: i64,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let got_event = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE event SET taken = taken + $3, updated_at = updated_at \
             WHERE society_id = $1 AND id = $2 AND (capacity IS NULL OR taken + $3 <= capacity)"
        )
        .bind(society)
        .bind(event.0)
        .bind(seats)
        .execute(c)
        .await)?;
        if got_event != 1 {
            return Ok(false);
        }
        if !self.take_type_seats(event, ty, seats).await? {
            // Only the event's counter was changed; give it back.
            self.release_event_seats(event, seats).await?;
            return Ok(false);
        }
        Ok(true)
    }

    async fn release_event_seats(&mut self, event: EventId, seats: i64) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE event SET taken = CASE WHEN taken >= $3 THEN taken - $3 ELSE 0 END \
             WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(event.0)
        .bind(seats)
        .execute(c)
        .await)?;
        Ok(())
    }

    /// Give back the seats a registration held: the event row first, then the type row.
    pub async fn release_seats(
        &mut self,
        event: EventId,
        ty: RegistrationTypeId,
        seats: i64,
    ) -> StoreResult<()> {
        self.release_event_seats(event, seats).await?;
        self.release_type_seats(ty, seats).await
    }

    /// Give back seats on one type only (a move between types of one event keeps the event's
    /// count).
    pub async fn release_type_seats(
        &mut self,
        ty: RegistrationTypeId,
        seats: i64,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE registration_type SET taken = CASE WHEN taken >= $3 THEN taken - $3 ELSE 0 END \
             WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(ty.0)
        .bind(seats)
        .execute(c)
        .await)?;
        Ok(())
    }

    /// Take seats on one type only, if its cap allows. False (and nothing changed) when full.
    pub async fn take_type_seats(
        &mut self,
        event: EventId,
        ty: RegistrationTypeId,
        seats: i64,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE registration_type SET taken = taken + $4 \
             WHERE society_id = $1 AND id = $2 AND event_id = $3 \
             AND (cap IS NULL OR taken + $4 <= cap)"
        )
        .bind(society)
        .bind(ty.0)
        .bind(event.0)
        .bind(seats)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    /// Insert a registration. The one-live-per-person index or a used submit key is
    /// `Conflict("registration")`; on PostgreSQL the transaction is then unusable, so callers
    /// drop it and read what is there.
    pub async fn insert_registration(
        &mut self,
        r: &NewRegistration<'_>,
        now: Timestamp,
    ) -> StoreResult<RegistrationId> {
        let id = RegistrationId::new();
        let society = self.society_id.0;
        let waitlisted_at = (r.status == "waitlisted").then_some(now.0);
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO registration (society_id, id, event_id, registration_type_id, person_id, \
             first_name, last_name, email, status, seats, price_cents, member_price, \
             hold_expires_at, waitlisted_at, submit_key, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)"
        )
        .bind(society)
        .bind(id.0)
        .bind(r.event.0)
        .bind(r.registration_type.0)
        .bind(r.person.0)
        .bind(r.first_name)
        .bind(r.last_name)
        .bind(r.email)
        .bind(r.status)
        .bind(r.seats)
        .bind(r.price_cents)
        .bind(r.member_price)
        .bind(r.hold_expires_at.map(|t| t.0))
        .bind(waitlisted_at)
        .bind(r.submit_key)
        .bind(now.0)
        .execute(c)
        .await)
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict("registration".into()),
            other => other,
        })?;
        Ok(id)
    }

    pub async fn insert_registration_guest(
        &mut self,
        registration: RegistrationId,
        name: &str,
        email: &str,
        position: i64,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| {
            sqlx::query(
            "INSERT INTO registration_guest (society_id, id, registration_id, name, email, position) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(society)
        .bind(Uuid::now_v7())
        .bind(registration.0)
        .bind(name)
        .bind(email)
        .bind(position)
        .execute(c)
        .await
        })?;
        Ok(())
    }

    pub async fn insert_registration_answer(
        &mut self,
        registration: RegistrationId,
        question: RegistrationQuestionId,
        value: &str,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO registration_answer (society_id, registration_id, question_id, value) \
             VALUES ($1, $2, $3, $4)"
        )
        .bind(society)
        .bind(registration.0)
        .bind(question.0)
        .bind(value)
        .execute(c)
        .await)?;
        Ok(())
    }

    /// A registration read inside the transaction.
    pub async fn registration_in(
        &mut self,
        id: RegistrationId,
    ) -> StoreResult<Option<Registration>> {
        let society = self.society_id.0;
        Ok(on!(self.tx.conn(), |c| sqlx::query_as(reg_select!(
            "WHERE r.society_id = $1 AND r.id = $2"
        ))
        .bind(society)
        .bind(id.0)
        .fetch_optional(c)
        .await)?)
    }

    /// The registration an invoice was issued for.
    pub async fn registration_of_invoice(
        &mut self,
        invoice: InvoiceId,
    ) -> StoreResult<Option<Registration>> {
        let society = self.society_id.0;
        Ok(on!(self.tx.conn(), |c| sqlx::query_as(reg_select!(
            "WHERE r.society_id = $1 AND r.invoice_id = $2 ORDER BY r.created_at DESC LIMIT 1"
        ))
        .bind(society)
        .bind(invoice.0)
        .fetch_optional(c)
        .await)?)
    }

    /// The oldest waitlisted registrations of an event.
    pub async fn waitlisted_in(
        &mut self,
        event: EventId,
        limit: i64,
    ) -> StoreResult<Vec<Registration>> {
        let society = self.society_id.0;
        Ok(on!(self.tx.conn(), |c| sqlx::query_as(reg_select!(
            "WHERE r.society_id = $1 AND r.event_id = $2 AND r.status = 'waitlisted' \
             ORDER BY r.waitlisted_at, r.created_at LIMIT $3"
        ))
        .bind(society)
        .bind(event.0)
        .bind(limit)
        .fetch_all(c)
        .await)?)
    }

    /// Move a registration from `from` to `to`, setting the hold and offer expiries (None
    /// clears them). Returns false when it was no longer in `from` (someone else moved it).
    pub async fn move_registration(
        &mut self,
        id: RegistrationId,
        from: &str,
        to: &str,
        hold_expires_at: Option<Timestamp>,
        offer_expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE registration SET status = $4, hold_expires_at = $5, offer_expires_at = $6, \
             updated_at = $7 WHERE society_id = $1 AND id = $2 AND status = $3"
        )
        .bind(society)
        .bind(id.0)
        .bind(from)
        .bind(to)
        .bind(hold_expires_at.map(|t| t.0))
        .bind(offer_expires_at.map(|t| t.0))
        .bind(now.0)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    /// Keep a note on a registration (why it expired, that it was refunded).
    pub async fn set_registration_note(
        &mut self,
        id: RegistrationId,
        note: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE registration SET cancel_reason = $3, updated_at = $4 \
             WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(id.0)
        .bind(note)
        .bind(now.0)
        .execute(c)
        .await)?;
        Ok(())
    }

    pub async fn set_registration_invoice(
        &mut self,
        id: RegistrationId,
        invoice: InvoiceId,
        now: Timestamp,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE registration SET invoice_id = $3, updated_at = $4 \
             WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(id.0)
        .bind(invoice.0)
        .bind(now.0)
        .execute(c)
        .await)?;
        Ok(())
    }

    /// A new person's names and profession (registration creates people who are not members).
    pub async fn set_person_names(
        &mut self,
        person: PersonId,
        first_name: &str,
        last_name: &str,
        profession: &str,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE person SET first_name = $3, last_name = $4, profession = $5 \
             WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(person.0)
        .bind(first_name)
        .bind(last_name)
        .bind(profession)
        .execute(c)
        .await)?;
        Ok(())
    }

    /// The event's revenue account, read inside the transaction.
    pub async fn event_revenue_account_in(
        &mut self,
        event: EventId,
    ) -> StoreResult<Option<RevenueAccountId>> {
        let society = self.society_id.0;
        let id: Option<Option<Uuid>> = on!(self.tx.conn(), |c| sqlx::query_scalar(
            "SELECT revenue_account_id FROM event WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(event.0)
        .fetch_optional(c)
        .await)?;
        Ok(id.flatten().map(RevenueAccountId))
    }
}
