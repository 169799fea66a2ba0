//! Attendance marked by staff by hand (the staff attendance page). Check-in at the door and
//! imported webinar reports write through the same store call,
//! `ScopedTx::record_attendance`, inside their own transactions.

use chapterhouse_core::{EventId, EventSessionId, PersonId};
use chapterhouse_store::{AttendanceSource, NewAttendance, NewAudit, Scoped};

use crate::{Actor, App, AppError, AppResult};

/// Mark `person` as attended (or not) for the event, or for one of its sessions. Replaces any
/// row already recorded for that person and scope, keeping its minutes.
pub async fn mark_attendance(
    app: &App,
    scoped: &Scoped,
    event: EventId,
    session: Option<EventSessionId>,
    person: PersonId,
    attended: bool,
    actor: &Actor,
) -> AppResult<()> {
    let found = scoped.event(event).await?.ok_or(AppError::NotFound)?;
    if let Some(session) = session {
        scoped
            .event_session(event, session)
            .await?
            .ok_or(AppError::NotFound)?;
    }
    let profile = scoped.profile(person).await?.ok_or(AppError::NotFound)?;
    let existing = scoped
        .person_attendance(event, person)
        .await?
        .into_iter()
        .find(|a| a.session() == session);
    let now = app.now();
    let mut tx = scoped.begin().await?;
    tx.record_attendance(
        &NewAttendance {
            event,
            session,
            person,
            registration: None,
            minutes: existing.map(|a| a.minutes).unwrap_or(0),
            attended,
            source: AttendanceSource::Staff,
            import: None,
        },
        now,
    )
    .await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: if attended {
                "attendance.marked"
            } else {
                "attendance.unmarked"
            },
            subject: &person.to_string(),
            detail: &format!("{}: {}", found.title, profile.email),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
