//! Attendance: who attended an event, or one session of it. One row per (event, session or
//! none, person), whatever recorded it: check-in at the door (`checkin`), an imported webinar
//! report (`import`) or staff by hand (`staff`). Writing again for the same person and scope
//! replaces the row, so a repeated check-in or import changes nothing.
//!
//! `session_key` is the session's id as text, or '' for the event as a whole (see migration
//! 0013). A whole-event row counts for every session of the event: someone checked in at a
//! meeting attended its sessions.

use chapterhouse_core::{
    AttendanceId, AttendanceImportId, EventId, EventSessionId, PersonId, Timestamp,
};
use uuid::Uuid;

use crate::{Scoped, ScopedTx, StoreResult, on};

/// The `session_key` column's value: the session's id as text, or '' for the event as a whole
/// (migration 0013: NULLs are never equal in a unique index).
pub(crate) fn session_key(session: Option<EventSessionId>) -> String {
    session.map(|s| s.0.to_string()).unwrap_or_default()
}

/// Who recorded an attendance row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttendanceSource {
    CheckIn,
    Import,
    Staff,
}

impl AttendanceSource {
    pub fn as_str(self) -> &'static str {
        match self {
            AttendanceSource::CheckIn => "checkin",
            AttendanceSource::Import => "import",
            AttendanceSource::Staff => "staff",
        }
    }

    pub fn parse(text: &str) -> Option<AttendanceSource> {
        [
            AttendanceSource::CheckIn,
            AttendanceSource::Import,
            AttendanceSource::Staff,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// How staff pages name it.
    pub fn label(self) -> &'static str {
        match self {
            AttendanceSource::CheckIn => "Checked in",
            AttendanceSource::Import => "Imported report",
            AttendanceSource::Staff => "Marked by staff",
        }
    }
}

/// What to record for one person.
#[derive(Clone, Debug)]
pub struct NewAttendance {
    pub event: EventId,
    /// None: the event as a whole.
    pub session: Option<EventSessionId>,
    pub person: PersonId,
    /// The registration it came from, when there is one (a registration's id).
    pub registration: Option<Uuid>,
    pub minutes: i64,
    pub attended: bool,
    pub source: AttendanceSource,
    pub import: Option<AttendanceImportId>,
}

/// An attendance row with the person's name, for staff lists and exports.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Attendance {
    #[sqlx(try_from = "Uuid")]
    pub id: AttendanceId,
    #[sqlx(try_from = "Uuid")]
    pub event_id: EventId,
    pub session_id: Option<Uuid>,
    /// The session's title; '' for the whole event.
    pub session_title: String,
    #[sqlx(try_from = "Uuid")]
    pub person_id: PersonId,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub credentials: String,
    pub profession: String,
    pub minutes: i64,
    pub attended: bool,
    /// `AttendanceSource::as_str`.
    pub source: String,
    pub recorded_at: i64,
    /// Registered for the event with an industry or exhibitor type: never a learner.
    pub is_industry: bool,
}

impl Attendance {
    pub fn session(&self) -> Option<EventSessionId> {
        self.session_id.map(EventSessionId)
    }
}

/// Attendance rows `a` with the person, the session's title and whether the person registered
/// for the event as industry.
macro_rules! attendance_select {
    ($rest:literal) => {
        concat!(
            "SELECT a.id, a.event_id, a.session_id, COALESCE(s.title, '') AS session_title, \
             a.person_id, p.first_name, p.last_name, p.email, p.credentials, p.profession, \
             a.minutes, a.attended, a.source, a.recorded_at, \
             EXISTS (SELECT 1 FROM registration r JOIN registration_type t \
               ON t.society_id = r.society_id AND t.id = r.registration_type_id \
               WHERE r.society_id = a.society_id AND r.event_id = a.event_id \
               AND r.person_id = a.person_id AND t.is_industry \
               AND r.status NOT IN ('cancelled', 'expired')) AS is_industry \
             FROM attendance a \
             JOIN person p ON p.society_id = a.society_id AND p.id = a.person_id \
             LEFT JOIN event_session s ON s.society_id = a.society_id AND s.id = a.session_id ",
            $rest
        )
    };
}

impl Scoped {
    /// Every attendance row of an event (whole event first, then by session), by name.
    pub async fn event_attendance(&self, event: EventId) -> StoreResult<Vec<Attendance>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            attendance_select!(
                "WHERE a.society_id = $1 AND a.event_id = $2 \
             ORDER BY COALESCE(s.starts_at, 0), a.session_key, lower(p.last_name), \
             lower(p.first_name), p.email"
            )
        )
        .bind(self.society.id.0)
        .bind(event.0)
        .fetch_all(c)
        .await)?)
    }

    /// Who attended one session of an event (`None`: the event as a whole): those rows alone,
    /// for the check-in list of a series.
    pub async fn attended_rows(
        &self,
        event: EventId,
        session: Option<EventSessionId>,
    ) -> StoreResult<Vec<Attendance>> {
        let key = session_key(session);
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            attendance_select!(
                "WHERE a.society_id = $1 AND a.event_id = $2 AND a.session_key = $3 \
             AND a.attended"
            )
        )
        .bind(self.society.id.0)
        .bind(event.0)
        .bind(&key)
        .fetch_all(c)
        .await)?)
    }

    /// A person's attendance rows for an event.
    pub async fn person_attendance(
        &self,
        event: EventId,
        person: PersonId,
    ) -> StoreResult<Vec<Attendance>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            attendance_select!(
                "WHERE a.society_id = $1 AND a.event_id = $2 AND a.person_id = $3 \
             ORDER BY COALESCE(s.starts_at, 0), a.session_key"
            )
        )
        .bind(self.society.id.0)
        .bind(event.0)
        .bind(person.0)
        .fetch_all(c)
        .await)?)
    }

    /// Whether `person` attended the event (`session` None: any row of the event marked
    /// attended) or one session of it (that session's row, or a whole-event row).
    pub async fn attended(
        &self,
        event: EventId,
        session: Option<EventSessionId>,
        person: PersonId,
    ) -> StoreResult<bool> {
        let key = session.map(|s| s.0.to_string());
        let n: i64 = on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT COUNT(*) FROM attendance WHERE society_id = $1 AND event_id = $2 \
             AND person_id = $3 AND attended \
             AND ($4 IS NULL OR session_key = '' OR session_key = $4)"
        )
        .bind(self.society.id.0)
        .bind(event.0)
        .bind(person.0)
        .bind(key)
        .fetch_one(c)
        .await)?;
        Ok(n > 0)
    }
}

impl ScopedTx {
    /// Record (or replace) one person's attendance of an event or session. Returns the row's
    /// id, which stays the same when an existing row is replaced.
    pub async fn record_attendance(
        &mut self,
        a: &NewAttendance,
        now: Timestamp,
    ) -> StoreResult<AttendanceId> {
        let society = self.society_id.0;
        let key = session_key(a.session);
        let id: Uuid = on!(self.tx.conn(), |c| {
            sqlx::query_scalar(
            "INSERT INTO attendance (society_id, id, event_id, session_id, session_key, person_id, \
             registration_id, minutes, attended, source, import_id, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (society_id, event_id, session_key, person_id) DO UPDATE SET \
             registration_id = COALESCE(excluded.registration_id, attendance.registration_id), \
             minutes = excluded.minutes, attended = excluded.attended, source = excluded.source, \
             import_id = excluded.import_id, recorded_at = excluded.recorded_at \
             RETURNING id"
        )
        .bind(society)
        .bind(AttendanceId::new().0)
        .bind(a.event.0)
        .bind(a.session.map(|s| s.0))
        .bind(key)
        .bind(a.person.0)
        .bind(a.registration)
        .bind(a.minutes.max(0))
        .bind(a.attended)
        .bind(a.source.as_str())
        .bind(a.import.map(|i| i.0))
        .bind(now.0)
        .fetch_one(c)
        .await
        })?;
        Ok(AttendanceId(id))
    }
}
