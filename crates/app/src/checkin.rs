//! Check-in at the door: staff find a registrant (by name on the event's check-in page, or by
//! opening the QR link of their confirmation email) and check them in with one tap.
//!
//! A meeting's check-in counts for the whole event: one transaction sets
//! `registration.checked_in_at/by`, the guests' `checked_in_at`, and records attendance
//! (source `checkin`) for the event. A series' (a tumor board: one registration, many sessions)
//! is for one session (the one on today's date by default), and everything about it is per
//! session: the registrant's state is their attendance row for the session, the guests' their
//! `guest_session_checkin` rows, and undo at one session leaves the others; the registration's
//! own `checked_in_at` is not used. Attendance goes through the attendance store, the same call
//! staff marking and imports use, so credit claims see it either way. Tapping again changes
//! nothing; only a confirmed registration can be checked in.

use chapterhouse_core::checkin::refusal;
use chapterhouse_core::events::EventKind;
use chapterhouse_core::registration::RegStatus;
use chapterhouse_core::{EventId, EventSessionId, RegistrationId, Timestamp};
use chapterhouse_store::{
    AttendanceSource, Event, EventSession, NewAttendance, NewAudit, Registration, Scoped,
};
use uuid::Uuid;

use crate::{Actor, App, AppError, AppResult};

/// Whether attendance at this event is counted per session (a series) rather than for the
/// whole event.
pub fn per_session(event: &Event) -> bool {
    EventKind::parse(&event.kind) == Some(EventKind::Series)
}

/// The session a series' check-in is for when staff have not chosen: the one on `now`'s local
/// date, else the next to start, else the last. None for other kinds of event, or a series
/// without sessions.
pub fn default_session(
    event: &Event,
    sessions: &[EventSession],
    now: Timestamp,
) -> Option<EventSessionId> {
    if !per_session(event) || sessions.is_empty() {
        return None;
    }
    let today = now.local_date(&event.time_zone);
    if let Some(s) = sessions
        .iter()
        .find(|s| Timestamp(s.starts_at).local_date(&event.time_zone) == today)
    {
        return Some(s.id);
    }
    if let Some(s) = sessions
        .iter()
        .filter(|s| s.starts_at >= now.0)
        .min_by_key(|s| s.starts_at)
    {
        return Some(s.id);
    }
    sessions.iter().max_by_key(|s| s.starts_at).map(|s| s.id)
}

/// What a tap did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckedIn {
    /// Checked in now (the registrant, guests not yet in, or attendance for this session).
    Now,
    /// Nothing changed: they were already checked in.
    Already,
}

struct Loaded {
    event: Event,
    reg: Registration,
    session: Option<EventSessionId>,
}

async fn load(
    app: &App,
    scoped: &Scoped,
    event: EventId,
    registration: RegistrationId,
    session: Option<EventSessionId>,
) -> AppResult<Loaded> {
    let e = scoped.event(event).await?.ok_or(AppError::NotFound)?;
    let reg = scoped
        .registration(registration)
        .await?
        .filter(|r| r.event_id == event)
        .ok_or(AppError::NotFound)?;
    let session = if per_session(&e) {
        match session {
            Some(s) => {
                scoped
                    .event_session(event, s)
                    .await?
                    .ok_or(AppError::NotFound)?;
                Some(s)
            }
            None => default_session(&e, &scoped.event_sessions(event).await?, app.now()),
        }
    } else {
        None
    };
    Ok(Loaded {
        event: e,
        reg,
        session,
    })
}

fn refuse(reg: &Registration) -> AppResult<()> {
    let status = RegStatus::parse(&reg.status).unwrap_or(RegStatus::Cancelled);
    match refusal(status) {
        None => Ok(()),
        Some(why) => Err(AppError::field("checkin", why)),
    }
}

/// Check a registrant in, with every guest not yet in, and record their attendance (for the
/// event, or for `session` of a series: None picks [`default_session`]). A second tap changes
/// nothing. Refused with the reason (field `checkin`) unless the registration is confirmed.
pub async fn check_in(
    app: &App,
    scoped: &Scoped,
    event: EventId,
    registration: RegistrationId,
    session: Option<EventSessionId>,
    actor: &Actor,
) -> AppResult<CheckedIn> {
    let Loaded {
        event: e,
        reg,
        session,
    } = load(app, scoped, event, registration, session).await?;
    refuse(&reg)?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    // Read again under the transaction: a cancellation in between wins.
    match tx.checkin_state_in(reg.id).await? {
        Some((status, _)) if status == RegStatus::Confirmed.as_str() => {}
        Some((status, _)) => {
            let why = refusal(RegStatus::parse(&status).unwrap_or(RegStatus::Cancelled))
                .unwrap_or("The registration cannot be checked in.");
            return Err(AppError::field("checkin", why));
        }
        None => return Err(AppError::NotFound),
    }
    // A series' session: the registrant's check-in is the attendance row below alone.
    let registrant = match session {
        None => tx.mark_checked_in(reg.id, actor.account, now).await?,
        Some(_) => false,
    };
    let guests = tx
        .mark_guests_checked_in(reg.id, None, session, now)
        .await?;
    let existing = tx.attendance_row_in(event, session, reg.person_id).await?;
    // A row from staff or an earlier tap already saying they attended stays as it is; an
    // imported one becomes the door's (keeping its minutes), so a later import leaves it.
    let attendance = match &existing {
        Some((source, _, true)) if source != AttendanceSource::Import.as_str() => false,
        _ => {
            tx.record_attendance(
                &NewAttendance {
                    event,
                    session,
                    person: reg.person_id,
                    registration: Some(reg.id.0),
                    minutes: existing.as_ref().map(|(_, m, _)| *m).unwrap_or(0),
                    attended: true,
                    source: AttendanceSource::CheckIn,
                    import: None,
                },
                now,
            )
            .await?;
            true
        }
    };
    if !(registrant || guests > 0 || attendance) {
        return Ok(CheckedIn::Already);
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "registration.checked_in",
            subject: &reg.id.to_string(),
            detail: &format!(
                "{}: {} <{}>{}",
                e.title,
                reg.name(),
                reg.email,
                if guests > 0 {
                    format!(", {guests} guest(s)")
                } else {
                    String::new()
                }
            ),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(CheckedIn::Now)
}

/// Check in one named guest of a confirmed registration (the registrant need not be in), for
/// the event, or for `session` of a series (None picks [`default_session`]).
pub async fn check_in_guest(
    app: &App,
    scoped: &Scoped,
    event: EventId,
    registration: RegistrationId,
    guest: Uuid,
    session: Option<EventSessionId>,
    actor: &Actor,
) -> AppResult<CheckedIn> {
    let Loaded {
        event: e,
        reg,
        session,
    } = load(app, scoped, event, registration, session).await?;
    refuse(&reg)?;
    let found = scoped
        .checkin_guests(reg.id, session)
        .await?
        .into_iter()
        .find(|g| g.id == guest)
        .ok_or(AppError::NotFound)?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    if tx
        .mark_guests_checked_in(reg.id, Some(guest), session, now)
        .await?
        == 0
    {
        return Ok(CheckedIn::Already);
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "registration.guest_checked_in",
            subject: &reg.id.to_string(),
            detail: &format!("{}: {} (guest of {})", e.title, found.name, reg.name()),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(CheckedIn::Now)
}

/// Undo a check-in (a wrong tap): the registrant's and the guests', and the attendance row
/// check-in wrote, for the event or for `session` of a series (other sessions keep theirs; a
/// row imported or marked by staff stays). Returns whether anything changed.
pub async fn undo_check_in(
    app: &App,
    scoped: &Scoped,
    event: EventId,
    registration: RegistrationId,
    session: Option<EventSessionId>,
    actor: &Actor,
) -> AppResult<bool> {
    let Loaded {
        event: e,
        reg,
        session,
    } = load(app, scoped, event, registration, session).await?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let cleared = tx.clear_checked_in(reg.id, session, now).await?;
    let removed = tx
        .delete_checkin_attendance(event, session, reg.person_id)
        .await?;
    if !(cleared || removed) {
        return Ok(false);
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "registration.check_in_undone",
            subject: &reg.id.to_string(),
            detail: &format!("{}: {} <{}>", e.title, reg.name(), reg.email),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
