//! Importing a webinar's attendance from the Zoom report: upload, preview, confirm.
//!
//! The file is read by `chapterhouse_import::zoom` (rows merged per person, problems by line)
//! in the event's zone. Each attendee is matched to a person: by email (case-insensitive)
//! among the society's people, then by the email on one of the event's registrations, then, for
//! a row without an email, by a registrant's name. A series' attendance is per session, so a
//! session must be chosen; the minimum minutes default to three quarters of the session's (or
//! event's) length.
//!
//! Confirming writes an `attendance_import` row and one attendance row per matched person
//! (attended when minutes ≥ the minimum, source `import`) through the attendance store, and
//! removes the rows an earlier import of the same session wrote for people this file does not
//! name. A row recorded at the door or by staff is never overwritten. Uploads never confirmed
//! are deleted with the member-list uploads by the daily maintenance (`import::UPLOAD_KEPT_DAYS`).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chapterhouse_core::checkin::{NameMatch, default_min_minutes, match_name};
use chapterhouse_core::events::EventKind;
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{BlobId, EventId, EventSessionId, PersonId, Timestamp};
use chapterhouse_import::{Layout, ZoomReport, attended, read_report};
use chapterhouse_store::{
    AttendanceSource, Event, EventSession, NewAttendance, NewAttendanceImport, NewAudit, Scoped,
};
use jiff::tz::TimeZone;

use crate::{Actor, App, AppError, AppResult};

/// The largest report accepted (a 1,000-person webinar's report is about 300 KB).
pub const MAX_REPORT_BYTES: usize = 5 * 1024 * 1024;

/// The choices on the preview form, as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct ImportChoice {
    /// A session's id, or empty for the whole event.
    #[serde(default)]
    pub session: String,
    /// Whole minutes; empty for the default.
    #[serde(default)]
    pub min_minutes: String,
}

/// A report row matched to a person.
#[derive(Clone, Debug)]
pub struct MatchedRow {
    pub person: PersonId,
    pub name: String,
    pub email: String,
    pub minutes: i64,
    pub attended: bool,
    /// "email", "registration email" or "registrant's name".
    pub how: &'static str,
    /// Recorded at the door or by staff already: the import leaves their row alone.
    pub kept: bool,
}

/// A report row that matched nobody, and why.
#[derive(Clone, Debug)]
pub struct UnmatchedRow {
    pub name: String,
    pub email: String,
    pub minutes: i64,
    pub reason: &'static str,
}

/// What confirming would do.
#[derive(Clone, Debug)]
pub struct Preview {
    pub blob: BlobId,
    pub file_name: String,
    pub format: String,
    pub rows_read: usize,
    pub matched: Vec<MatchedRow>,
    pub unmatched: Vec<UnmatchedRow>,
    /// "Line 12: …" for every row the reader could not use.
    pub problems: Vec<String>,
    pub session: Option<EventSessionId>,
    pub min_minutes: i64,
    /// The session's (or event's) length in minutes, for the hint.
    pub length_minutes: i64,
    /// The choices' problems (a series without a session, minutes that are not a number).
    pub errors: FieldErrors,
}

impl Preview {
    pub fn attended(&self) -> usize {
        self.matched
            .iter()
            .filter(|m| m.attended && !m.kept)
            .count()
    }
}

/// What a confirmed import did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportDone {
    pub matched: usize,
    pub attended: usize,
    /// People with a row from the door or staff, left as they were.
    pub kept: usize,
    /// Rows of an earlier import of the same session removed (people not in this file).
    pub removed: u64,
}

fn zone_of(event: &Event) -> TimeZone {
    TimeZone::get(&event.time_zone).unwrap_or(TimeZone::UTC)
}

fn clean_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let printable: String = last.chars().filter(|c| !c.is_control()).collect();
    let trimmed = chapterhouse_core::text::truncate_chars(printable.trim(), 200);
    if trimmed.is_empty() {
        "attendance.csv".into()
    } else {
        trimmed
    }
}

/// Keep an uploaded Zoom report for its preview. A file that is empty, too large, or not a
/// Zoom participant or attendee report is refused at once (field `file`) with the reason.
pub async fn upload_report(
    app: &App,
    scoped: &Scoped,
    event: EventId,
    file_name: &str,
    data: &[u8],
    actor: &Actor,
) -> AppResult<BlobId> {
    let e = scoped.event(event).await?.ok_or(AppError::NotFound)?;
    if data.is_empty() {
        return Err(AppError::field(
            "file",
            "Choose the attendance report you downloaded from Zoom (a CSV file).",
        ));
    }
    if data.len() > MAX_REPORT_BYTES {
        return Err(AppError::field(
            "file",
            "The file is larger than 5 MB, which no Zoom attendance report is: check that this is the participants or attendee report.",
        ));
    }
    let report = read_report(data, &zone_of(&e));
    if report.layout == Layout::Unknown {
        let why = report
            .problems
            .first()
            .map(|p| p.kind.to_string())
            .unwrap_or_default();
        return Err(AppError::field(
            "file",
            &format!(
                "This is not a Zoom participant or attendee report. {why} In Zoom, open Reports, then Usage (meetings) or Webinar (attendee report), and export the CSV."
            ),
        ));
    }
    let name = clean_file_name(file_name);
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let blob = tx.insert_blob("text/csv", data, now).await?;
    tx.insert_attendance_upload(blob, event, &name, actor.account, now)
        .await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "attendance.report_uploaded",
            subject: &event.to_string(),
            detail: &format!("{name}: {} bytes", data.len()),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(blob)
}

fn format_words(report: &ZoomReport) -> String {
    let layout = match report.layout {
        Layout::Participants => "Zoom meeting participants export",
        Layout::AttendeeReport => "Zoom webinar attendee report",
        Layout::Unknown => "Unknown layout",
    };
    let encoding = if report.windows_1252 {
        "Windows-1252".to_string()
    } else {
        report.encoding.label().to_string()
    };
    format!("{layout}, {encoding}")
}

/// The length in minutes of the session, or of the event.
fn length_of(event: &Event, session: Option<&EventSession>) -> i64 {
    match session {
        Some(s) => Timestamp(s.ends_at).seconds_since(Timestamp(s.starts_at)) / 60,
        None => Timestamp(event.ends_at).seconds_since(Timestamp(event.starts_at)) / 60,
    }
}

/// Read the choices: the session (required for a series, and one of the event's) and the
/// minimum minutes (default three quarters of the length).
fn choose(
    event: &Event,
    sessions: &[EventSession],
    choice: &ImportChoice,
    errors: &mut FieldErrors,
) -> (Option<EventSessionId>, i64, i64) {
    let raw = choice.session.trim();
    let session = if raw.is_empty() {
        None
    } else {
        match raw
            .parse::<EventSessionId>()
            .ok()
            .and_then(|id| sessions.iter().find(|s| s.id == id))
        {
            Some(s) => Some(s),
            None => {
                errors.add("session", "Choose one of the event's sessions.");
                None
            }
        }
    };
    if session.is_none()
        && raw.is_empty()
        && EventKind::parse(&event.kind) == Some(EventKind::Series)
    {
        errors.add(
            "session",
            "Choose the session this report is for: a series counts attendance per session.",
        );
    }
    let length = length_of(event, session);
    let typed = choice.min_minutes.trim();
    let min = if typed.is_empty() {
        default_min_minutes(length)
    } else {
        match typed.parse::<i64>() {
            Ok(n) if (0..=24 * 60).contains(&n) => n,
            _ => {
                errors.add(
                    "min_minutes",
                    "Enter the minimum as whole minutes, like 45 (0 counts everyone who joined).",
                );
                default_min_minutes(length)
            }
        }
    };
    (session.map(|s| s.id), min, length)
}

/// What confirming the uploaded report would record, with the choices' problems.
pub async fn preview(
    _app: &App,
    scoped: &Scoped,
    event: EventId,
    blob: BlobId,
    choice: &ImportChoice,
) -> AppResult<Preview> {
    let e = scoped.event(event).await?.ok_or(AppError::NotFound)?;
    preview_of(scoped, &e, blob, choice).await
}

async fn preview_of(
    scoped: &Scoped,
    e: &Event,
    blob: BlobId,
    choice: &ImportChoice,
) -> AppResult<Preview> {
    let event = e.id;
    let upload = scoped
        .attendance_upload(event, blob)
        .await?
        .ok_or(AppError::NotFound)?;
    let sessions = scoped.event_sessions(event).await?;
    let mut errors = FieldErrors::new();
    let (session, min_minutes, length_minutes) = choose(e, &sessions, choice, &mut errors);
    let report = read_report(upload.data.as_slice(), &zone_of(e));

    // Registrants who still count (not cancelled or lapsed), for the second and third tries.
    let regs: Vec<_> = scoped
        .event_registrations(event, &Default::default())
        .await?
        .into_iter()
        .filter(|r| !matches!(r.status.as_str(), "cancelled" | "expired"))
        .collect();
    let names: Vec<(PersonId, String)> = regs.iter().map(|r| (r.person_id, r.name())).collect();
    // Rows recorded at the door or by staff for this scope.
    let key = session.map(|s| s.0);
    let manual: HashSet<PersonId> = scoped
        .event_attendance(event)
        .await?
        .into_iter()
        .filter(|a| a.session_id == key && a.source != AttendanceSource::Import.as_str())
        .map(|a| a.person_id)
        .collect();

    // The society's people with the report's email addresses, in one read.
    let emails: Vec<String> = report
        .attendees
        .iter()
        .filter_map(|a| a.email.clone())
        .filter(|e| !e.is_empty())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let people: HashMap<String, PersonId> = scoped
        .people_by_emails(&emails)
        .await?
        .into_iter()
        .collect();

    let mut by_person: BTreeMap<PersonId, MatchedRow> = BTreeMap::new();
    let mut order: Vec<PersonId> = Vec::new();
    let mut unmatched = Vec::new();
    for a in &report.attendees {
        let email = a.email.clone().unwrap_or_default();
        let found = if !email.is_empty() {
            if let Some(p) = people.get(&email) {
                Ok((*p, "email"))
            } else if let Some(r) = regs.iter().find(|r| r.email.eq_ignore_ascii_case(&email)) {
                Ok((r.person_id, "registration email"))
            } else {
                Err("No one in the society has this email address, and no registrant used it.")
            }
        } else {
            match match_name(&a.name, &names) {
                NameMatch::One(p) => Ok((p, "registrant's name")),
                NameMatch::None => {
                    Err("No email address in the report, and no registrant has this name.")
                }
                NameMatch::Several => Err(
                    "No email address in the report, and more than one registrant has this name.",
                ),
            }
        };
        match found {
            Ok((person, how)) => {
                let row = MatchedRow {
                    person,
                    name: a.name.clone(),
                    email: email.clone(),
                    minutes: a.minutes,
                    attended: attended(a.minutes, min_minutes),
                    how,
                    kept: manual.contains(&person),
                };
                match by_person.get_mut(&person) {
                    // Two report entries for one person (an emailed row and a phone-in by
                    // name): the longer one counts.
                    Some(existing) if existing.minutes >= row.minutes => {}
                    Some(existing) => *existing = row,
                    None => {
                        order.push(person);
                        by_person.insert(person, row);
                    }
                }
            }
            Err(reason) => unmatched.push(UnmatchedRow {
                name: a.name.clone(),
                email,
                minutes: a.minutes,
                reason,
            }),
        }
    }
    let matched = order
        .into_iter()
        .filter_map(|p| by_person.remove(&p))
        .collect();
    Ok(Preview {
        blob,
        file_name: upload.file_name,
        format: format_words(&report),
        rows_read: report.rows_read,
        matched,
        unmatched,
        problems: report.problems.iter().map(|p| p.to_string()).collect(),
        session,
        min_minutes,
        length_minutes,
        errors,
    })
}

/// Record the uploaded report's attendance (see the module's words) and delete the upload.
/// The choices' problems are `Invalid` (see [`confirm_or_preview`] for the preview with them).
pub async fn confirm(
    app: &App,
    scoped: &Scoped,
    event: EventId,
    blob: BlobId,
    choice: &ImportChoice,
    actor: &Actor,
) -> AppResult<ImportDone> {
    confirm_or_preview(app, scoped, event, blob, choice, actor)
        .await?
        .map_err(|p| AppError::Invalid(p.errors))
}

/// [`confirm`], or, when the choices have problems, the preview that names them (read once,
/// for the page to show again).
pub async fn confirm_or_preview(
    app: &App,
    scoped: &Scoped,
    event: EventId,
    blob: BlobId,
    choice: &ImportChoice,
    actor: &Actor,
) -> AppResult<Result<ImportDone, Box<Preview>>> {
    let e = scoped.event(event).await?.ok_or(AppError::NotFound)?;
    let p = preview_of(scoped, &e, blob, choice).await?;
    if !p.errors.is_empty() {
        return Ok(Err(Box::new(p)));
    }
    let now = app.now();
    let mut tx = scoped.begin().await?;
    // Read again under the transaction: a check-in since the preview is kept too.
    let manual: HashSet<PersonId> = tx
        .manual_attendance_people(event, p.session)
        .await?
        .into_iter()
        .collect();
    let import = tx
        .insert_attendance_import(
            &NewAttendanceImport {
                event,
                session: p.session,
                filename: &p.file_name,
                min_minutes: p.min_minutes,
                rows_read: p.rows_read as i64,
                people_matched: p.matched.len() as i64,
                created_by: actor.account,
            },
            now,
        )
        .await?;
    let mut done = ImportDone {
        matched: p.matched.len(),
        attended: 0,
        kept: 0,
        removed: 0,
    };
    for m in &p.matched {
        if manual.contains(&m.person) {
            done.kept += 1;
            continue;
        }
        tx.record_attendance(
            &NewAttendance {
                event,
                session: p.session,
                person: m.person,
                registration: None,
                minutes: m.minutes,
                attended: m.attended,
                source: AttendanceSource::Import,
                import: Some(import),
            },
            now,
        )
        .await?;
        if m.attended {
            done.attended += 1;
        }
    }
    done.removed = tx
        .delete_imported_attendance(event, p.session, import)
        .await?;
    tx.delete_attendance_upload(event, blob).await?;
    let session_title = match p.session {
        Some(s) => scoped
            .event_session(event, s)
            .await?
            .map(|s| s.title)
            .unwrap_or_default(),
        None => "whole event".into(),
    };
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "attendance.imported",
            subject: &event.to_string(),
            detail: &format!(
                "{} ({session_title}): {}, {} rows, {} matched, {} attended (≥ {} min), {} kept, {} earlier rows removed",
                e.title,
                p.file_name,
                p.rows_read,
                done.matched,
                done.attended,
                p.min_minutes,
                done.kept,
                done.removed
            ),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(done))
}
