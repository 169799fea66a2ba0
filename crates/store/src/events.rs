//! Events, their sessions, registration types (with the levels a type is limited to) and
//! registration questions. Registrations themselves, and the seat counters' increments, belong
//! to registration; here the counters are only read, for "seats left".
//!
//! Times: `starts_local`/`ends_local` are the local date-time text staff entered
//! ('YYYY-MM-DDTHH:MM') in `time_zone`; `starts_at`/`ends_at` are the UTC instants derived from
//! them (by `core::events::to_instant`), used for sorting, lists and calendars.

use chapterhouse_core::{
    EventId, EventSessionId, LevelId, RegistrationQuestionId, RegistrationTypeId, Timestamp,
};
use uuid::Uuid;

use crate::{Scoped, ScopedTx, StoreResult, conflict_on, exec, on};

/// An event with what lists show about it: its sessions, and the seats its public types
/// (those not complimentary) have left.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Event {
    #[sqlx(try_from = "Uuid")]
    pub id: EventId,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub description_md: String,
    pub description_html: String,
    pub kind: String,
    pub status: String,
    pub members_only: bool,
    pub time_zone: String,
    pub starts_local: String,
    pub ends_local: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub location_name: String,
    pub location_address: String,
    pub online_url: String,
    /// None: no event-wide limit.
    pub capacity: Option<i64>,
    /// Seats held, offered or confirmed (itself plus guests).
    pub taken: i64,
    pub hold_minutes: i64,
    pub offer_hours: i64,
    /// iCalendar SEQUENCE.
    pub sequence: i64,
    pub cancelled_at: Option<i64>,
    pub cancel_reason: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub sessions: i64,
    /// Registration types the public can see (not complimentary).
    pub public_types: i64,
    /// Of those, the ones without a cap of their own.
    pub uncapped_types: i64,
    /// Seats the capped public types have left, summed.
    pub types_left: i64,
}

/// What staff enter for an event (validated and converted by `app::events`).
#[derive(Clone, Debug)]
pub struct EventFields {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub description_md: String,
    pub description_html: String,
    pub kind: String,
    pub members_only: bool,
    pub time_zone: String,
    pub starts_local: String,
    pub ends_local: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub location_name: String,
    pub location_address: String,
    pub online_url: String,
    pub capacity: Option<i64>,
}

/// Which events a list includes besides published public ones.
#[derive(Clone, Copy, Debug, Default)]
pub struct Listing {
    /// Members-only events (for members and staff).
    pub members_only: bool,
    /// Cancelled events (calendar feeds list them, so subscribers' entries are withdrawn).
    pub cancelled: bool,
}

impl Listing {
    /// The status listed besides 'published' (`status IN ('published', $n)`, which an index
    /// can serve, unlike an OR).
    fn extra_status(self) -> &'static str {
        if self.cancelled {
            "cancelled"
        } else {
            "published"
        }
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EventSession {
    #[sqlx(try_from = "Uuid")]
    pub id: EventSessionId,
    #[sqlx(try_from = "Uuid")]
    pub event_id: EventId,
    pub title: String,
    pub description: String,
    pub starts_local: String,
    pub ends_local: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub room: String,
    pub position: i64,
}

#[derive(Clone, Debug)]
pub struct SessionFields {
    pub title: String,
    pub description: String,
    pub starts_local: String,
    pub ends_local: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub room: String,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RegistrationType {
    #[sqlx(try_from = "Uuid")]
    pub id: RegistrationTypeId,
    #[sqlx(try_from = "Uuid")]
    pub event_id: EventId,
    pub name: String,
    pub description: String,
    pub price_cents: i64,
    pub member_price_cents: Option<i64>,
    /// 'anyone', 'members', 'levels'.
    pub audience: String,
    pub opens_at: Option<i64>,
    pub closes_at: Option<i64>,
    pub access_code: Option<String>,
    pub cap: Option<i64>,
    pub taken: i64,
    /// 'none', 'count', 'details'.
    pub guests: String,
    pub max_guests: i64,
    pub complimentary: bool,
    pub is_industry: bool,
    /// 'none', 'refund', 'credit'.
    pub cancel_policy: String,
    pub cancel_until_hours: i64,
    pub position: i64,
    pub created_at: i64,
    /// For audience 'levels': the levels it is open to.
    #[sqlx(skip)]
    pub levels: Vec<LevelId>,
}

#[derive(Clone, Debug, Default)]
pub struct RegistrationTypeFields {
    pub name: String,
    pub description: String,
    pub price_cents: i64,
    pub member_price_cents: Option<i64>,
    pub audience: String,
    pub levels: Vec<LevelId>,
    pub opens_at: Option<Timestamp>,
    pub closes_at: Option<Timestamp>,
    pub access_code: Option<String>,
    pub cap: Option<i64>,
    pub guests: String,
    pub max_guests: i64,
    pub complimentary: bool,
    pub is_industry: bool,
    pub cancel_policy: String,
    pub cancel_until_hours: i64,
    /// None: after the others.
    pub position: Option<i64>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RegistrationQuestion {
    #[sqlx(try_from = "Uuid")]
    pub id: RegistrationQuestionId,
    /// None: asked of every type.
    pub registration_type_id: Option<Uuid>,
    pub label: String,
    /// 'text', 'choice', 'checkbox'.
    pub kind: String,
    /// For 'choice': one option per line.
    pub choices: String,
    pub required: bool,
    pub position: i64,
}

impl RegistrationQuestion {
    pub fn type_id(&self) -> Option<RegistrationTypeId> {
        self.registration_type_id.map(RegistrationTypeId)
    }
}

#[derive(Clone, Debug)]
pub struct QuestionFields {
    pub registration_type: Option<RegistrationTypeId>,
    pub label: String,
    pub kind: String,
    pub choices: String,
    pub required: bool,
}

/// Why a delete did not happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removal {
    Removed,
    NotFound,
    /// Records depend on it (registrations, attendance, answers, credit claims).
    InUse,
}

/// The event columns with the counts lists show; `e` is the event. With `from`, `e` is whatever
/// that names: the lists pass a derived table that picks the page (WHERE, ORDER BY, LIMIT) from
/// the event table alone, so the four correlated counts run for the rows shown only.
macro_rules! event_select {
    ($rest:literal) => {
        event_select!(from "event e ", $rest)
    };
    (from $from:literal, $rest:literal) => {
        concat!(
            "SELECT e.id, e.slug, e.title, e.summary, e.description_md, e.description_html, \
             e.kind, e.status, e.members_only, e.time_zone, e.starts_local, e.ends_local, \
             e.starts_at, e.ends_at, e.location_name, e.location_address, e.online_url, \
             e.capacity, e.taken, e.hold_minutes, e.offer_hours, e.sequence, e.cancelled_at, \
             e.cancel_reason, e.created_at, e.updated_at, \
             (SELECT COUNT(*) FROM event_session s \
               WHERE s.society_id = e.society_id AND s.event_id = e.id) AS sessions, \
             (SELECT COUNT(*) FROM registration_type t WHERE t.society_id = e.society_id \
               AND t.event_id = e.id AND NOT t.complimentary) AS public_types, \
             (SELECT COUNT(*) FROM registration_type t WHERE t.society_id = e.society_id \
               AND t.event_id = e.id AND NOT t.complimentary AND t.cap IS NULL) AS uncapped_types, \
             (SELECT CAST(COALESCE(SUM(CASE WHEN t.cap > t.taken THEN t.cap - t.taken ELSE 0 END), 0) \
               AS BIGINT) FROM registration_type t WHERE t.society_id = e.society_id \
               AND t.event_id = e.id AND NOT t.complimentary AND t.cap IS NOT NULL) AS types_left \
             FROM ",
            $from,
            $rest
        )
    };
}

macro_rules! type_select {
    ($rest:literal) => {
        concat!(
            "SELECT id, event_id, name, description, price_cents, member_price_cents, audience, \
             opens_at, closes_at, access_code, cap, taken, guests, max_guests, complimentary, \
             is_industry, cancel_policy, cancel_until_hours, position, created_at \
             FROM registration_type ",
            $rest
        )
    };
}

impl Scoped {
    pub async fn event(&self, id: EventId) -> StoreResult<Option<Event>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(event_select!(
            "WHERE e.society_id = $1 AND e.id = $2"
        ))
        .bind(self.society.id.0)
        .bind(id.0)
        .fetch_optional(c)
        .await)?)
    }

    pub async fn event_by_slug(&self, slug: &str) -> StoreResult<Option<Event>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(event_select!(
            "WHERE e.society_id = $1 AND e.slug = $2"
        ))
        .bind(self.society.id.0)
        .bind(slug)
        .fetch_optional(c)
        .await)?)
    }

    /// Published events that have not ended by `now`, soonest first.
    pub async fn events_upcoming(
        &self,
        now: Timestamp,
        limit: i64,
        listing: Listing,
    ) -> StoreResult<Vec<Event>> {
        Ok(on!(self.db.reader(), |c| {
            sqlx::query_as(event_select!(
                from "(SELECT * FROM event \
                 WHERE society_id = $1 AND status IN ('published', $4) AND ends_at > $2 \
                 AND ($5 OR NOT members_only) ORDER BY starts_at, title LIMIT $3) AS e ",
                "ORDER BY e.starts_at, e.title"
            ))
            .bind(self.society.id.0)
            .bind(now.0)
            .bind(limit)
            .bind(listing.extra_status())
            .bind(listing.members_only)
            .fetch_all(c)
            .await
        })?)
    }

    /// Published events that ended by `now`, the most recent first.
    pub async fn events_past(
        &self,
        now: Timestamp,
        limit: i64,
        listing: Listing,
    ) -> StoreResult<Vec<Event>> {
        Ok(on!(self.db.reader(), |c| {
            sqlx::query_as(event_select!(
                from "(SELECT * FROM event \
                 WHERE society_id = $1 AND status IN ('published', $4) AND ends_at <= $2 \
                 AND ($5 OR NOT members_only) ORDER BY starts_at DESC, title LIMIT $3) AS e ",
                "ORDER BY e.starts_at DESC, e.title"
            ))
            .bind(self.society.id.0)
            .bind(now.0)
            .bind(limit)
            .bind(listing.extra_status())
            .bind(listing.members_only)
            .fetch_all(c)
            .await
        })?)
    }

    /// Every event, for staff: the newest start first.
    pub async fn staff_events(&self) -> StoreResult<Vec<Event>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(event_select!(
            "WHERE e.society_id = $1 ORDER BY e.starts_at DESC, e.title"
        ))
        .bind(self.society.id.0)
        .fetch_all(c)
        .await)?)
    }

    /// Whether any event is published and not over (the site menu links to the events page then).
    pub async fn has_upcoming_events(&self, now: Timestamp) -> StoreResult<bool> {
        let n: i64 = on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM event WHERE society_id = $1 \
             AND status = 'published' AND ends_at > $2 LIMIT 1) AS found"
        )
        .bind(self.society.id.0)
        .bind(now.0)
        .fetch_one(c)
        .await)?;
        Ok(n > 0)
    }

    /// An event's sessions in time order.
    pub async fn event_sessions(&self, event: EventId) -> StoreResult<Vec<EventSession>> {
        Ok(on!(self.db.reader(), |c| {
            sqlx::query_as(
            "SELECT id, event_id, title, description, starts_local, ends_local, starts_at, ends_at, \
             room, position FROM event_session WHERE society_id = $1 AND event_id = $2 \
             ORDER BY starts_at, position, title"
        )
        .bind(self.society.id.0)
        .bind(event.0)
        .fetch_all(c)
        .await
        })?)
    }

    pub async fn event_session(
        &self,
        event: EventId,
        id: EventSessionId,
    ) -> StoreResult<Option<EventSession>> {
        Ok(on!(self.db.reader(), |c| {
            sqlx::query_as(
            "SELECT id, event_id, title, description, starts_local, ends_local, starts_at, ends_at, \
             room, position FROM event_session WHERE society_id = $1 AND event_id = $2 AND id = $3"
        )
        .bind(self.society.id.0)
        .bind(event.0)
        .bind(id.0)
        .fetch_optional(c)
        .await
        })?)
    }

    /// An event's registration types in their order, each with its levels.
    pub async fn registration_types(&self, event: EventId) -> StoreResult<Vec<RegistrationType>> {
        let mut types: Vec<RegistrationType> =
            on!(self.db.reader(), |c| sqlx::query_as(type_select!(
                "WHERE society_id = $1 AND event_id = $2 ORDER BY position, created_at, name"
            ))
            .bind(self.society.id.0)
            .bind(event.0)
            .fetch_all(c)
            .await)?;
        let links: Vec<(Uuid, Uuid)> = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT l.registration_type_id, l.level_id FROM registration_type_level l \
             JOIN registration_type t ON t.society_id = l.society_id \
               AND t.id = l.registration_type_id \
             WHERE l.society_id = $1 AND t.event_id = $2"
        )
        .bind(self.society.id.0)
        .bind(event.0)
        .fetch_all(c)
        .await)?;
        for t in &mut types {
            t.levels = links
                .iter()
                .filter(|(ty, _)| *ty == t.id.0)
                .map(|(_, level)| LevelId(*level))
                .collect();
        }
        Ok(types)
    }

    pub async fn registration_type(
        &self,
        event: EventId,
        id: RegistrationTypeId,
    ) -> StoreResult<Option<RegistrationType>> {
        Ok(self
            .registration_types(event)
            .await?
            .into_iter()
            .find(|t| t.id == id))
    }

    /// An event's questions in their order.
    pub async fn registration_questions(
        &self,
        event: EventId,
    ) -> StoreResult<Vec<RegistrationQuestion>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT id, registration_type_id, label, kind, choices, required, position \
             FROM registration_question WHERE society_id = $1 AND event_id = $2 \
             ORDER BY position, label"
        )
        .bind(self.society.id.0)
        .bind(event.0)
        .fetch_all(c)
        .await)?)
    }
}

impl ScopedTx {
    /// A new draft. A taken slug is `Conflict("slug")`.
    pub async fn insert_event(&mut self, f: &EventFields, now: Timestamp) -> StoreResult<EventId> {
        let id = EventId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO event (society_id, id, slug, title, summary, description_md, \
             description_html, kind, status, members_only, time_zone, starts_local, ends_local, \
             starts_at, ends_at, location_name, location_address, online_url, capacity, \
             created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9, $10, $11, $12, $13, $14, $15, \
             $16, $17, $18, $19, $19)"
        )
        .bind(society)
        .bind(id.0)
        .bind(&f.slug)
        .bind(&f.title)
        .bind(&f.summary)
        .bind(&f.description_md)
        .bind(&f.description_html)
        .bind(&f.kind)
        .bind(f.members_only)
        .bind(&f.time_zone)
        .bind(&f.starts_local)
        .bind(&f.ends_local)
        .bind(f.starts_at.0)
        .bind(f.ends_at.0)
        .bind(&f.location_name)
        .bind(&f.location_address)
        .bind(&f.online_url)
        .bind(f.capacity)
        .bind(now.0)
        .execute(c)
        .await)
        .map_err(conflict_on("slug"))?;
        Ok(id)
    }

    /// Save an event's fields. When the event is published (or cancelled) and its time or
    /// place changes, its calendar SEQUENCE goes up by one in the same statement, so calendars
    /// that already hold it replace their copy. Returns the new sequence, or None when there is
    /// no such event.
    pub async fn update_event(
        &mut self,
        id: EventId,
        f: &EventFields,
        now: Timestamp,
    ) -> StoreResult<Option<i64>> {
        let society = self.society_id.0;
        on!(self.tx.conn(), |c| sqlx::query_scalar(
            "UPDATE event SET sequence = sequence + CASE WHEN status <> 'draft' AND \
               (starts_local <> $11 OR ends_local <> $12 OR time_zone <> $10 \
                OR location_name <> $15 OR location_address <> $16 OR online_url <> $17) \
               THEN 1 ELSE 0 END, \
             slug = $3, title = $4, summary = $5, description_md = $6, description_html = $7, \
             kind = $8, members_only = $9, time_zone = $10, starts_local = $11, ends_local = $12, \
             starts_at = $13, ends_at = $14, location_name = $15, location_address = $16, \
             online_url = $17, capacity = $18, updated_at = $19 \
             WHERE society_id = $1 AND id = $2 RETURNING sequence"
        )
        .bind(society)
        .bind(id.0)
        .bind(&f.slug)
        .bind(&f.title)
        .bind(&f.summary)
        .bind(&f.description_md)
        .bind(&f.description_html)
        .bind(&f.kind)
        .bind(f.members_only)
        .bind(&f.time_zone)
        .bind(&f.starts_local)
        .bind(&f.ends_local)
        .bind(f.starts_at.0)
        .bind(f.ends_at.0)
        .bind(&f.location_name)
        .bind(&f.location_address)
        .bind(&f.online_url)
        .bind(f.capacity)
        .bind(now.0)
        .fetch_optional(c)
        .await)
        .map_err(conflict_on("slug"))
    }

    /// Publish a draft. False when there is no such draft.
    pub async fn publish_event(&mut self, id: EventId, now: Timestamp) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE event SET status = 'published', updated_at = $3 \
             WHERE society_id = $1 AND id = $2 AND status = 'draft'"
        )
        .bind(society)
        .bind(id.0)
        .bind(now.0)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    /// Take a published event back to draft, only while nobody holds a seat. False otherwise.
    pub async fn unpublish_event(&mut self, id: EventId, now: Timestamp) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE event SET status = 'draft', updated_at = $3 \
             WHERE society_id = $1 AND id = $2 AND status = 'published' AND taken = 0 \
             AND NOT EXISTS (SELECT 1 FROM registration r WHERE r.society_id = event.society_id \
               AND r.event_id = event.id)"
        )
        .bind(society)
        .bind(id.0)
        .bind(now.0)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    pub async fn insert_event_session(
        &mut self,
        event: EventId,
        f: &SessionFields,
    ) -> StoreResult<EventSessionId> {
        let id = EventSessionId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO event_session (society_id, id, event_id, title, description, \
             starts_local, ends_local, starts_at, ends_at, room, position) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
             (SELECT COALESCE(MAX(position), 0) + 1 FROM event_session \
               WHERE society_id = $1 AND event_id = $3))"
        )
        .bind(society)
        .bind(id.0)
        .bind(event.0)
        .bind(&f.title)
        .bind(&f.description)
        .bind(&f.starts_local)
        .bind(&f.ends_local)
        .bind(f.starts_at.0)
        .bind(f.ends_at.0)
        .bind(&f.room)
        .execute(c)
        .await)?;
        Ok(id)
    }

    /// False when the session is not the event's.
    pub async fn update_event_session(
        &mut self,
        event: EventId,
        id: EventSessionId,
        f: &SessionFields,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE event_session SET title = $4, description = $5, starts_local = $6, \
             ends_local = $7, starts_at = $8, ends_at = $9, room = $10 \
             WHERE society_id = $1 AND event_id = $2 AND id = $3"
        )
        .bind(society)
        .bind(event.0)
        .bind(id.0)
        .bind(&f.title)
        .bind(&f.description)
        .bind(&f.starts_local)
        .bind(&f.ends_local)
        .bind(f.starts_at.0)
        .bind(f.ends_at.0)
        .bind(&f.room)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    /// Remove a session nobody's attendance or credit refers to.
    pub async fn delete_event_session(
        &mut self,
        event: EventId,
        id: EventSessionId,
    ) -> StoreResult<Removal> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "DELETE FROM event_session WHERE society_id = $1 AND event_id = $2 AND id = $3 \
             AND NOT EXISTS (SELECT 1 FROM attendance a WHERE a.society_id = $1 \
               AND a.session_id = $3) \
             AND NOT EXISTS (SELECT 1 FROM credit_claim k WHERE k.society_id = $1 \
               AND k.session_id = $3) \
             AND NOT EXISTS (SELECT 1 FROM activity_credit k WHERE k.society_id = $1 \
               AND k.session_id = $3)"
        )
        .bind(society)
        .bind(event.0)
        .bind(id.0)
        .execute(c)
        .await)?;
        if n == 1 {
            return Ok(Removal::Removed);
        }
        let found: i64 = on!(self.tx.conn(), |c| {
            sqlx::query_scalar(
            "SELECT COUNT(*) FROM event_session WHERE society_id = $1 AND event_id = $2 AND id = $3"
        )
        .bind(society)
        .bind(event.0)
        .bind(id.0)
        .fetch_one(c)
        .await
        })?;
        Ok(if found > 0 {
            Removal::InUse
        } else {
            Removal::NotFound
        })
    }

    pub async fn insert_registration_type(
        &mut self,
        event: EventId,
        f: &RegistrationTypeFields,
        now: Timestamp,
    ) -> StoreResult<RegistrationTypeId> {
        let id = RegistrationTypeId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO registration_type (society_id, id, event_id, name, description, \
             price_cents, member_price_cents, audience, opens_at, closes_at, access_code, cap, \
             guests, max_guests, complimentary, is_industry, cancel_policy, cancel_until_hours, \
             position, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
             $18, COALESCE($19, (SELECT COALESCE(MAX(position), 0) + 1 FROM registration_type \
               WHERE society_id = $1 AND event_id = $3)), $20)"
        )
        .bind(society)
        .bind(id.0)
        .bind(event.0)
        .bind(&f.name)
        .bind(&f.description)
        .bind(f.price_cents)
        .bind(f.member_price_cents)
        .bind(&f.audience)
        .bind(f.opens_at.map(|t| t.0))
        .bind(f.closes_at.map(|t| t.0))
        .bind(&f.access_code)
        .bind(f.cap)
        .bind(&f.guests)
        .bind(f.max_guests)
        .bind(f.complimentary)
        .bind(f.is_industry)
        .bind(&f.cancel_policy)
        .bind(f.cancel_until_hours)
        .bind(f.position)
        .bind(now.0)
        .execute(c)
        .await)?;
        self.set_type_levels(id, &f.levels).await?;
        Ok(id)
    }

    /// Save a type's terms. A cap below the seats already taken is refused by the table's
    /// check, so callers compare first. False when the type is not the event's.
    pub async fn update_registration_type(
        &mut self,
        event: EventId,
        id: RegistrationTypeId,
        f: &RegistrationTypeFields,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE registration_type SET name = $4, description = $5, price_cents = $6, \
             member_price_cents = $7, audience = $8, opens_at = $9, closes_at = $10, \
             access_code = $11, cap = $12, guests = $13, max_guests = $14, complimentary = $15, \
             is_industry = $16, cancel_policy = $17, cancel_until_hours = $18, \
             position = COALESCE($19, position) \
             WHERE society_id = $1 AND event_id = $2 AND id = $3"
        )
        .bind(society)
        .bind(event.0)
        .bind(id.0)
        .bind(&f.name)
        .bind(&f.description)
        .bind(f.price_cents)
        .bind(f.member_price_cents)
        .bind(&f.audience)
        .bind(f.opens_at.map(|t| t.0))
        .bind(f.closes_at.map(|t| t.0))
        .bind(&f.access_code)
        .bind(f.cap)
        .bind(&f.guests)
        .bind(f.max_guests)
        .bind(f.complimentary)
        .bind(f.is_industry)
        .bind(&f.cancel_policy)
        .bind(f.cancel_until_hours)
        .bind(f.position)
        .execute(c)
        .await)?;
        if n == 1 {
            self.set_type_levels(id, &f.levels).await?;
        }
        Ok(n == 1)
    }

    async fn set_type_levels(
        &mut self,
        id: RegistrationTypeId,
        levels: &[LevelId],
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| {
            sqlx::query(
            "DELETE FROM registration_type_level WHERE society_id = $1 AND registration_type_id = $2"
        )
        .bind(society)
        .bind(id.0)
        .execute(c)
        .await
        })?;
        for level in levels {
            exec!(self.tx.conn(), |c| sqlx::query(
                "INSERT INTO registration_type_level (society_id, registration_type_id, level_id) \
                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
            )
            .bind(society)
            .bind(id.0)
            .bind(level.0)
            .execute(c)
            .await)?;
        }
        Ok(())
    }

    /// Remove a type nobody has registered with.
    pub async fn delete_registration_type(
        &mut self,
        event: EventId,
        id: RegistrationTypeId,
    ) -> StoreResult<Removal> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "DELETE FROM registration_type WHERE society_id = $1 AND event_id = $2 AND id = $3 \
             AND taken = 0 AND NOT EXISTS (SELECT 1 FROM registration r \
               WHERE r.society_id = $1 AND r.registration_type_id = $3)"
        )
        .bind(society)
        .bind(event.0)
        .bind(id.0)
        .execute(c)
        .await)?;
        if n == 1 {
            return Ok(Removal::Removed);
        }
        let found: i64 = on!(self.tx.conn(), |c| {
            sqlx::query_scalar(
            "SELECT COUNT(*) FROM registration_type WHERE society_id = $1 AND event_id = $2 AND id = $3"
        )
        .bind(society)
        .bind(event.0)
        .bind(id.0)
        .fetch_one(c)
        .await
        })?;
        Ok(if found > 0 {
            Removal::InUse
        } else {
            Removal::NotFound
        })
    }

    pub async fn insert_question(
        &mut self,
        event: EventId,
        f: &QuestionFields,
    ) -> StoreResult<RegistrationQuestionId> {
        let id = RegistrationQuestionId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO registration_question (society_id, id, event_id, registration_type_id, \
             label, kind, choices, required, position) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
             (SELECT COALESCE(MAX(position), 0) + 1 FROM registration_question \
               WHERE society_id = $1 AND event_id = $3))"
        )
        .bind(society)
        .bind(id.0)
        .bind(event.0)
        .bind(f.registration_type.map(|t| t.0))
        .bind(&f.label)
        .bind(&f.kind)
        .bind(&f.choices)
        .bind(f.required)
        .execute(c)
        .await)?;
        Ok(id)
    }

    /// Remove a question nobody has answered.
    pub async fn delete_question(
        &mut self,
        event: EventId,
        id: RegistrationQuestionId,
    ) -> StoreResult<Removal> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| {
            sqlx::query(
            "DELETE FROM registration_question WHERE society_id = $1 AND event_id = $2 AND id = $3 \
             AND NOT EXISTS (SELECT 1 FROM registration_answer a WHERE a.society_id = $1 \
               AND a.question_id = $3)"
        )
        .bind(society)
        .bind(event.0)
        .bind(id.0)
        .execute(c)
        .await
        })?;
        if n == 1 {
            return Ok(Removal::Removed);
        }
        let found: i64 = on!(self.tx.conn(), |c| {
            sqlx::query_scalar(
            "SELECT COUNT(*) FROM registration_question WHERE society_id = $1 AND event_id = $2 AND id = $3"
        )
        .bind(society)
        .bind(event.0)
        .bind(id.0)
        .fetch_one(c)
        .await
        })?;
        Ok(if found > 0 {
            Removal::InUse
        } else {
            Removal::NotFound
        })
    }
}

impl ScopedTx {
    /// An event read inside the transaction (use-cases that already hold a connection must not
    /// wait for a second one).
    pub async fn event_in(&mut self, id: EventId) -> StoreResult<Option<Event>> {
        let society = self.society_id.0;
        Ok(on!(self.tx.conn(), |c| sqlx::query_as(event_select!(
            "WHERE e.society_id = $1 AND e.id = $2"
        ))
        .bind(society)
        .bind(id.0)
        .fetch_optional(c)
        .await)?)
    }
}
