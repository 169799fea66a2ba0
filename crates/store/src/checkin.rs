//! Check-in at the door, uploaded attendance reports and the event report's reads.
//!
//! Check-in for the whole event (a meeting) marks `registration.checked_in_at/by` and its
//! guests' `checked_in_at`; check-in at one session of a series is the registrant's attendance
//! row for the session and a `guest_session_checkin` row per guest (migration 0019), so each
//! session has its own state. The attendance row goes through `ScopedTx::record_attendance`
//! like every other source. An attendance report waits as a blob named by an `attendance_upload` row (migration
//! 0015) between upload, preview and confirm.

use chapterhouse_core::{
    AttendanceImportId, BlobId, EventId, EventSessionId, InvoiceId, PersonId, RegistrationId,
    Timestamp, UserId,
};
use uuid::Uuid;

use crate::{Scoped, ScopedTx, StoreResult, exec, on};

/// A registration as the check-in page lists it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CheckinRow {
    #[sqlx(try_from = "Uuid")]
    pub id: RegistrationId,
    #[sqlx(try_from = "Uuid")]
    pub event_id: EventId,
    #[sqlx(try_from = "Uuid")]
    pub person_id: PersonId,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// `core::registration::RegStatus::as_str`.
    pub status: String,
    pub seats: i64,
    pub type_name: String,
    /// The type's guest policy: 'none', 'count', 'details'.
    pub guests: String,
    pub is_industry: bool,
    pub checked_in_at: Option<i64>,
    /// The display name of the account that checked them in.
    pub checked_in_by_name: Option<String>,
}

impl CheckinRow {
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
            .trim()
            .to_string()
    }
}

/// A guest of a registration, with their check-in.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct GuestCheckin {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub position: i64,
    pub checked_in_at: Option<i64>,
}

/// An uploaded attendance report waiting for its preview and confirm.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AttendanceUpload {
    #[sqlx(try_from = "Uuid")]
    pub blob_id: BlobId,
    #[sqlx(try_from = "Uuid")]
    pub event_id: EventId,
    pub file_name: String,
    pub created_at: i64,
    pub data: Vec<u8>,
}

/// A confirmed attendance import, for the import page's history.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AttendanceImportRow {
    #[sqlx(try_from = "Uuid")]
    pub id: AttendanceImportId,
    pub session_id: Option<Uuid>,
    /// '' for the whole event.
    pub session_title: String,
    pub filename: String,
    pub min_minutes: i64,
    pub rows_read: i64,
    pub people_matched: i64,
    pub created_at: i64,
    pub created_by_name: Option<String>,
}

/// What a confirmed import records about itself.
#[derive(Clone, Debug)]
pub struct NewAttendanceImport<'a> {
    pub event: EventId,
    pub session: Option<EventSessionId>,
    pub filename: &'a str,
    pub min_minutes: i64,
    pub rows_read: i64,
    pub people_matched: i64,
    pub created_by: Option<UserId>,
}

/// One line of one of the event's registration invoices, with what was paid on the invoice.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RevenueLine {
    #[sqlx(try_from = "Uuid")]
    pub invoice_id: InvoiceId,
    pub line_no: i64,
    pub amount_cents: i64,
    pub account_code: String,
    pub account_name: String,
    /// Payments less refunds on the whole invoice.
    pub paid_cents: i64,
}

macro_rules! checkin_select {
    ($rest:literal) => {
        concat!(
            "SELECT r.id, r.event_id, r.person_id, r.first_name, r.last_name, r.email, r.status, \
             r.seats, t.name AS type_name, t.guests, t.is_industry, r.checked_in_at, \
             bp.display_name AS checked_in_by_name \
             FROM registration r \
             JOIN registration_type t ON t.society_id = r.society_id \
               AND t.id = r.registration_type_id \
             LEFT JOIN account ba ON ba.society_id = r.society_id AND ba.id = r.checked_in_by \
             LEFT JOIN person bp ON bp.society_id = ba.society_id AND bp.id = ba.person_id ",
            $rest
        )
    };
}

impl Scoped {
    /// An event's registrations for the door: every status (so staff see why someone cannot
    /// be checked in), filtered by a name or email fragment, by name. At most `limit`.
    pub async fn checkin_rows(
        &self,
        event: EventId,
        search: &str,
        limit: i64,
    ) -> StoreResult<Vec<CheckinRow>> {
        let search = format!("%{}%", search.trim().to_lowercase());
        Ok(on!(self.db.reader(), |c| sqlx::query_as(checkin_select!(
            "WHERE r.society_id = $1 AND r.event_id = $2 \
             AND (LOWER(r.first_name || ' ' || r.last_name) LIKE $3 \
               OR LOWER(r.last_name || ' ' || r.first_name) LIKE $3 OR r.email LIKE $3) \
             ORDER BY CASE r.status WHEN 'confirmed' THEN 0 ELSE 1 END, LOWER(r.last_name), \
             LOWER(r.first_name), r.created_at LIMIT $4"
        ))
        .bind(self.society.id.0)
        .bind(event.0)
        .bind(&search)
        .bind(limit)
        .fetch_all(c)
        .await)?)
    }

    pub async fn checkin_row(&self, id: RegistrationId) -> StoreResult<Option<CheckinRow>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(checkin_select!(
            "WHERE r.society_id = $1 AND r.id = $2"
        ))
        .bind(self.society.id.0)
        .bind(id.0)
        .fetch_optional(c)
        .await)?)
    }

    /// (checked in, confirmed) registrations of an event, for the page's head count. `session`
    /// None: checked in for the whole event (`registration.checked_in_at`); a session of a
    /// series: those whose attendance row for that session says they attended (the door's,
    /// an import's or staff's, as the list shows them).
    pub async fn checkin_counts(
        &self,
        event: EventId,
        session: Option<EventSessionId>,
    ) -> StoreResult<(i64, i64)> {
        let row: (i64, i64) = match session {
            None => on!(self.db.reader(), |c| {
                sqlx::query_as(
                    "SELECT CAST(COALESCE(SUM(CASE WHEN checked_in_at IS NOT NULL THEN 1 ELSE 0 \
                     END), 0) AS BIGINT), COUNT(*) FROM registration \
                     WHERE society_id = $1 AND event_id = $2 AND status = 'confirmed'",
                )
                .bind(self.society.id.0)
                .bind(event.0)
                .fetch_one(c)
                .await
            })?,
            Some(s) => on!(self.db.reader(), |c| {
                sqlx::query_as(
                    "SELECT CAST(COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM attendance a \
                       WHERE a.society_id = r.society_id AND a.event_id = r.event_id \
                       AND a.session_key = $3 AND a.person_id = r.person_id AND a.attended) \
                     THEN 1 ELSE 0 END), 0) AS BIGINT), COUNT(*) FROM registration r \
                     WHERE r.society_id = $1 AND r.event_id = $2 AND r.status = 'confirmed'",
                )
                .bind(self.society.id.0)
                .bind(event.0)
                .bind(crate::attendance::session_key(Some(s)))
                .fetch_one(c)
                .await
            })?,
        };
        Ok(row)
    }

    /// A registration's guests with their check-in: for the whole event (`session` None) or
    /// for one session of a series.
    pub async fn checkin_guests(
        &self,
        id: RegistrationId,
        session: Option<EventSessionId>,
    ) -> StoreResult<Vec<GuestCheckin>> {
        Ok(match session {
            None => on!(self.db.reader(), |c| sqlx::query_as(
                "SELECT id, name, email, position, checked_in_at FROM registration_guest \
                 WHERE society_id = $1 AND registration_id = $2 ORDER BY position"
            )
            .bind(self.society.id.0)
            .bind(id.0)
            .fetch_all(c)
            .await)?,
            Some(s) => on!(self.db.reader(), |c| sqlx::query_as(
                "SELECT g.id, g.name, g.email, g.position, gs.checked_in_at \
                 FROM registration_guest g \
                 LEFT JOIN guest_session_checkin gs ON gs.society_id = g.society_id \
                   AND gs.guest_id = g.id AND gs.session_id = $3 \
                 WHERE g.society_id = $1 AND g.registration_id = $2 ORDER BY g.position"
            )
            .bind(self.society.id.0)
            .bind(id.0)
            .bind(s.0)
            .fetch_all(c)
            .await)?,
        })
    }

    /// An uploaded attendance report of this event (never another kind of blob).
    pub async fn attendance_upload(
        &self,
        event: EventId,
        blob: BlobId,
    ) -> StoreResult<Option<AttendanceUpload>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT u.blob_id, u.event_id, u.file_name, u.created_at, b.data \
             FROM attendance_upload u \
             JOIN blob b ON b.society_id = u.society_id AND b.id = u.blob_id \
             WHERE u.society_id = $1 AND u.event_id = $2 AND u.blob_id = $3"
        )
        .bind(self.society.id.0)
        .bind(event.0)
        .bind(blob.0)
        .fetch_optional(c)
        .await)?)
    }

    /// The event's confirmed imports, newest first.
    pub async fn attendance_imports(
        &self,
        event: EventId,
    ) -> StoreResult<Vec<AttendanceImportRow>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT i.id, i.session_id, COALESCE(s.title, '') AS session_title, i.filename, \
             i.min_minutes, i.rows_read, i.people_matched, i.created_at, \
             p.display_name AS created_by_name FROM attendance_import i \
             LEFT JOIN event_session s ON s.society_id = i.society_id AND s.id = i.session_id \
             LEFT JOIN account a ON a.society_id = i.society_id AND a.id = i.created_by \
             LEFT JOIN person p ON p.society_id = a.society_id AND p.id = a.person_id \
             WHERE i.society_id = $1 AND i.event_id = $2 \
             ORDER BY i.created_at DESC, i.id DESC"
        )
        .bind(self.society.id.0)
        .bind(event.0)
        .fetch_all(c)
        .await)?)
    }

    /// Every line of the invoices the event's registrations were issued, with the invoice's
    /// payments less refunds, by invoice and line.
    pub async fn event_revenue_lines(&self, event: EventId) -> StoreResult<Vec<RevenueLine>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT l.invoice_id, l.line_no, l.amount_cents, ra.code AS account_code, \
             ra.name AS account_name, \
             CAST(COALESCE((SELECT SUM(p.amount_cents) FROM payment p \
               WHERE p.society_id = l.society_id AND p.invoice_id = l.invoice_id), 0) \
             - COALESCE((SELECT SUM(f.amount_cents) FROM refund f JOIN payment p \
               ON p.society_id = f.society_id AND p.id = f.payment_id \
               WHERE f.society_id = l.society_id AND p.invoice_id = l.invoice_id), 0) AS BIGINT) \
             AS paid_cents \
             FROM invoice_line l \
             JOIN revenue_account ra ON ra.society_id = l.society_id \
               AND ra.id = l.revenue_account_id \
             WHERE l.society_id = $1 AND l.invoice_id IN (SELECT r.invoice_id FROM registration r \
               WHERE r.society_id = $1 AND r.event_id = $2 AND r.invoice_id IS NOT NULL) \
             ORDER BY l.invoice_id, l.line_no"
        )
        .bind(self.society.id.0)
        .bind(event.0)
        .fetch_all(c)
        .await)?)
    }
}

impl ScopedTx {
    /// A registration's check-in state read inside the transaction: (status, checked_in_at).
    pub async fn checkin_state_in(
        &mut self,
        id: RegistrationId,
    ) -> StoreResult<Option<(String, Option<i64>)>> {
        let society = self.society_id.0;
        Ok(on!(self.tx.conn(), |c| sqlx::query_as(
            "SELECT status, checked_in_at FROM registration WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(id.0)
        .fetch_optional(c)
        .await)?)
    }

    /// Mark a confirmed registration checked in, once: false when it already was (or is not
    /// confirmed), leaving the first time and person in place.
    pub async fn mark_checked_in(
        &mut self,
        id: RegistrationId,
        by: Option<UserId>,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE registration SET checked_in_at = $3, checked_in_by = $4, updated_at = $3 \
             WHERE society_id = $1 AND id = $2 AND status = 'confirmed' \
             AND checked_in_at IS NULL"
        )
        .bind(society)
        .bind(id.0)
        .bind(now.0)
        .bind(by.map(|u| u.0))
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    /// Mark a registration's guests checked in (all, or the one with `guest`'s id), each once:
    /// for the whole event (`session` None) or for one session of a series. Returns how many
    /// changed.
    pub async fn mark_guests_checked_in(
        &mut self,
        id: RegistrationId,
        guest: Option<Uuid>,
        session: Option<EventSessionId>,
        now: Timestamp,
    ) -> StoreResult<u64> {
        let society = self.society_id.0;
        Ok(match session {
            None => exec!(self.tx.conn(), |c| sqlx::query(
                "UPDATE registration_guest SET checked_in_at = $4 \
                 WHERE society_id = $1 AND registration_id = $2 AND checked_in_at IS NULL \
                 AND ($3 IS NULL OR id = $3)"
            )
            .bind(society)
            .bind(id.0)
            .bind(guest)
            .bind(now.0)
            .execute(c)
            .await)?,
            Some(s) => exec!(self.tx.conn(), |c| sqlx::query(
                "INSERT INTO guest_session_checkin (society_id, guest_id, registration_id, \
                 session_id, checked_in_at) \
                 SELECT g.society_id, g.id, g.registration_id, $4, $5 FROM registration_guest g \
                 WHERE g.society_id = $1 AND g.registration_id = $2 AND ($3 IS NULL OR g.id = $3) \
                 ON CONFLICT (society_id, guest_id, session_id) DO NOTHING"
            )
            .bind(society)
            .bind(id.0)
            .bind(guest)
            .bind(s.0)
            .bind(now.0)
            .execute(c)
            .await)?,
        })
    }

    /// Undo a check-in: the registration's and its guests' for the whole event (`session`
    /// None), or the guests' for one session of a series (the registrant's is their attendance
    /// row, see `delete_checkin_attendance`), leaving other sessions alone. Returns whether
    /// anything changed.
    pub async fn clear_checked_in(
        &mut self,
        id: RegistrationId,
        session: Option<EventSessionId>,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        if let Some(s) = session {
            let g = exec!(self.tx.conn(), |c| sqlx::query(
                "DELETE FROM guest_session_checkin \
                 WHERE society_id = $1 AND registration_id = $2 AND session_id = $3"
            )
            .bind(society)
            .bind(id.0)
            .bind(s.0)
            .execute(c)
            .await)?;
            return Ok(g > 0);
        }
        let n = exec!(self.tx.conn(), |c| {
            sqlx::query(
            "UPDATE registration SET checked_in_at = NULL, checked_in_by = NULL, updated_at = $3 \
             WHERE society_id = $1 AND id = $2 AND checked_in_at IS NOT NULL"
        )
        .bind(society)
        .bind(id.0)
        .bind(now.0)
        .execute(c)
        .await
        })?;
        let g = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE registration_guest SET checked_in_at = NULL \
             WHERE society_id = $1 AND registration_id = $2 AND checked_in_at IS NOT NULL"
        )
        .bind(society)
        .bind(id.0)
        .execute(c)
        .await)?;
        Ok(n + g > 0)
    }

    /// A person's attendance row for the event (`session` None: the whole event), read inside
    /// the transaction: (source, minutes, attended).
    pub async fn attendance_row_in(
        &mut self,
        event: EventId,
        session: Option<EventSessionId>,
        person: PersonId,
    ) -> StoreResult<Option<(String, i64, bool)>> {
        let society = self.society_id.0;
        let key = crate::attendance::session_key(session);
        Ok(on!(self.tx.conn(), |c| sqlx::query_as(
            "SELECT source, minutes, attended FROM attendance WHERE society_id = $1 \
             AND event_id = $2 AND session_key = $3 AND person_id = $4"
        )
        .bind(society)
        .bind(event.0)
        .bind(key)
        .bind(person.0)
        .fetch_optional(c)
        .await)?)
    }

    /// Delete a person's attendance row for the event or session, only if check-in wrote it.
    pub async fn delete_checkin_attendance(
        &mut self,
        event: EventId,
        session: Option<EventSessionId>,
        person: PersonId,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let key = crate::attendance::session_key(session);
        let n = exec!(self.tx.conn(), |c| {
            sqlx::query(
            "DELETE FROM attendance WHERE society_id = $1 AND event_id = $2 AND session_key = $3 \
             AND person_id = $4 AND source = 'checkin'"
        )
        .bind(society)
        .bind(event.0)
        .bind(key)
        .bind(person.0)
        .execute(c)
        .await
        })?;
        Ok(n == 1)
    }

    /// The people whose attendance of the event or session was recorded by hand or at the door
    /// (an import never overwrites those).
    pub async fn manual_attendance_people(
        &mut self,
        event: EventId,
        session: Option<EventSessionId>,
    ) -> StoreResult<Vec<PersonId>> {
        let society = self.society_id.0;
        let key = crate::attendance::session_key(session);
        let ids: Vec<Uuid> = on!(self.tx.conn(), |c| sqlx::query_scalar(
            "SELECT person_id FROM attendance WHERE society_id = $1 AND event_id = $2 \
             AND session_key = $3 AND source <> 'import'"
        )
        .bind(society)
        .bind(event.0)
        .bind(key)
        .fetch_all(c)
        .await)?;
        Ok(ids.into_iter().map(PersonId).collect())
    }

    /// Delete the event's or session's imported attendance rows that `keep` did not write
    /// (an earlier import of the same session). Returns how many.
    pub async fn delete_imported_attendance(
        &mut self,
        event: EventId,
        session: Option<EventSessionId>,
        keep: AttendanceImportId,
    ) -> StoreResult<u64> {
        let society = self.society_id.0;
        let key = crate::attendance::session_key(session);
        Ok(exec!(self.tx.conn(), |c| sqlx::query(
            "DELETE FROM attendance WHERE society_id = $1 AND event_id = $2 AND session_key = $3 \
             AND source = 'import' AND (import_id IS NULL OR import_id <> $4)"
        )
        .bind(society)
        .bind(event.0)
        .bind(key)
        .bind(keep.0)
        .execute(c)
        .await)?)
    }

    pub async fn insert_attendance_import(
        &mut self,
        i: &NewAttendanceImport<'_>,
        now: Timestamp,
    ) -> StoreResult<AttendanceImportId> {
        let id = AttendanceImportId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO attendance_import (society_id, id, event_id, session_id, filename, \
             min_minutes, rows_read, people_matched, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        )
        .bind(society)
        .bind(id.0)
        .bind(i.event.0)
        .bind(i.session.map(|s| s.0))
        .bind(i.filename)
        .bind(i.min_minutes)
        .bind(i.rows_read)
        .bind(i.people_matched)
        .bind(now.0)
        .bind(i.created_by.map(|u| u.0))
        .execute(c)
        .await)?;
        Ok(id)
    }

    pub async fn insert_attendance_upload(
        &mut self,
        blob: BlobId,
        event: EventId,
        file_name: &str,
        created_by: Option<UserId>,
        now: Timestamp,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO attendance_upload (society_id, blob_id, event_id, file_name, created_at, \
             created_by) VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(society)
        .bind(blob.0)
        .bind(event.0)
        .bind(file_name)
        .bind(now.0)
        .bind(created_by.map(|u| u.0))
        .execute(c)
        .await)?;
        Ok(())
    }

    /// Delete an uploaded attendance report of the event (its blob, and with it the upload
    /// row). False when there is no such upload.
    pub async fn delete_attendance_upload(
        &mut self,
        event: EventId,
        blob: BlobId,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "DELETE FROM blob WHERE society_id = $1 AND id = $3 AND id IN \
             (SELECT u.blob_id FROM attendance_upload u WHERE u.society_id = $1 \
              AND u.event_id = $2)"
        )
        .bind(society)
        .bind(event.0)
        .bind(blob.0)
        .execute(c)
        .await)?;
        Ok(n > 0)
    }

    /// Delete attendance reports uploaded before `before` and never confirmed.
    pub async fn delete_attendance_uploads_before(
        &mut self,
        before: Timestamp,
    ) -> StoreResult<u64> {
        let society = self.society_id.0;
        Ok(exec!(self.tx.conn(), |c| sqlx::query(
            "DELETE FROM blob WHERE society_id = $1 AND id IN \
             (SELECT u.blob_id FROM attendance_upload u WHERE u.society_id = $1 \
              AND u.created_at < $2)"
        )
        .bind(society)
        .bind(before.0)
        .execute(c)
        .await)?)
    }
}
