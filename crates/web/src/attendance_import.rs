//! Staff pages for importing a webinar's or series session's attendance from the Zoom report:
//! upload (with the session and minimum minutes), preview (matched people, unmatched rows with
//! the reason, problems by line; the choices can be changed with a GET form), confirm.

use askama::Template;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use chapterhouse_app::AppError;
use chapterhouse_app::attendance_import::{self, ImportChoice, MAX_REPORT_BYTES, Preview};
use chapterhouse_core::events::{self as rules, EventKind};
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{BlobId, EventId, Timestamp};
use chapterhouse_store::Event;
use serde::Deserialize;

use crate::ctx::{Chrome, Ctx, Form, RequireRole, Staff};
use crate::error::{WebError, WebResult};
use crate::staff_events::load_event;
use crate::views::{form_status, render};

pub struct ImportRowView {
    pub when: String,
    pub session: String,
    pub filename: String,
    pub min_minutes: i64,
    pub rows_read: i64,
    pub people_matched: i64,
    pub by: String,
}

#[derive(Template)]
#[template(path = "staff/events/attendance_import.html")]
pub struct UploadView {
    pub chrome: Chrome,
    pub event_id: String,
    pub title: String,
    pub is_series: bool,
    /// (id, label); the first is "" for the whole event unless a series.
    pub sessions: Vec<(String, String)>,
    pub choice: ImportChoice,
    pub errors: FieldErrors,
    pub imports: Vec<ImportRowView>,
    pub max_upload: String,
}

fn session_options(
    ctx_zone: &str,
    event: &Event,
    sessions: &[chapterhouse_store::EventSession],
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if EventKind::parse(&event.kind) == Some(EventKind::Series) {
        out.push((String::new(), "Choose a session".to_string()));
    } else {
        out.push((String::new(), "The whole event".to_string()));
    }
    for s in sessions {
        out.push((
            s.id.to_string(),
            format!(
                "{} — {}",
                rules::short_date(Timestamp(s.starts_at).local_date(ctx_zone)),
                s.title
            ),
        ));
    }
    out
}

async fn upload_page(
    ctx: &Ctx,
    event: &Event,
    choice: ImportChoice,
    errors: FieldErrors,
    notice: Option<String>,
) -> WebResult {
    let sessions = ctx.scoped.event_sessions(event.id).await?;
    let zone = event.time_zone.clone();
    let imports = ctx
        .scoped
        .attendance_imports(event.id)
        .await?
        .into_iter()
        .map(|i| ImportRowView {
            when: Timestamp(i.created_at).display_in(&zone),
            session: if i.session_title.is_empty() {
                "Whole event".into()
            } else {
                i.session_title
            },
            filename: i.filename,
            min_minutes: i.min_minutes,
            rows_read: i.rows_read,
            people_matched: i.people_matched,
            by: i.created_by_name.unwrap_or_default(),
        })
        .collect();
    render(
        form_status(&errors),
        &UploadView {
            chrome: ctx.chrome(notice).await?,
            event_id: event.id.to_string(),
            title: event.title.clone(),
            is_series: EventKind::parse(&event.kind) == Some(EventKind::Series),
            sessions: session_options(&zone, event, &sessions),
            choice,
            errors,
            imports,
            max_upload: format!("{} MB", MAX_REPORT_BYTES / (1024 * 1024)),
        },
    )
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
    #[serde(default)]
    matched: String,
    #[serde(default)]
    attended: String,
    #[serde(default)]
    kept: String,
    #[serde(default)]
    removed: String,
}

pub async fn upload_form(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> WebResult {
    let event = load_event(&ctx, &id).await?;
    let notice = match q.done.as_str() {
        "imported" => Some(format!(
            "Attendance imported: {} people matched, {} attended. {} recorded at the door or by staff were left as they were; {} rows of an earlier import of this session were removed.",
            q.matched, q.attended, q.kept, q.removed
        )),
        "gone" => Some(
            "That report is no longer waiting: it was imported already, or uploaded more than a week ago.".into(),
        ),
        _ => None,
    };
    upload_page(
        &ctx,
        &event,
        ImportChoice::default(),
        FieldErrors::new(),
        notice,
    )
    .await
}

fn unreadable_upload(error: MultipartError) -> WebError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        WebError::BadRequest(
            "The file is larger than this site accepts. A Zoom attendance report is much smaller: check that you chose the right file.".into(),
        )
    } else {
        WebError::BadRequest("The upload could not be read. Reload the page and try again.".into())
    }
}

fn preview_href(event: EventId, blob: BlobId, choice: &ImportChoice) -> String {
    let q: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("session", &choice.session)
        .append_pair("min_minutes", &choice.min_minutes)
        .finish();
    format!("/staff/events/{event}/attendance/import/{blob}?{q}")
}

/// `multipart/form-data` with `csrf`, `session`, `min_minutes` and `file`; the CSRF token is
/// checked before anything is stored.
pub async fn upload(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> WebResult {
    let event = load_event(&ctx, &id).await?;
    let mut multipart = multipart.map_err(|_| {
        WebError::BadRequest("The upload could not be read. Reload the page and try again.".into())
    })?;
    let mut csrf = String::new();
    let mut file_name = String::new();
    let mut data = Vec::new();
    let mut choice = ImportChoice::default();
    while let Some(field) = multipart.next_field().await.map_err(unreadable_upload)? {
        match field.name() {
            Some("csrf") => csrf = field.text().await.map_err(unreadable_upload)?,
            Some("session") => choice.session = field.text().await.map_err(unreadable_upload)?,
            Some("min_minutes") => {
                choice.min_minutes = field.text().await.map_err(unreadable_upload)?
            }
            Some("file") => {
                file_name = field.file_name().unwrap_or("").to_string();
                data = field.bytes().await.map_err(unreadable_upload)?.to_vec();
            }
            _ => {}
        }
    }
    ctx.check_csrf(&csrf)?;
    match attendance_import::upload_report(
        &ctx.app,
        &ctx.scoped,
        event.id,
        &file_name,
        &data,
        &ctx.actor,
    )
    .await
    {
        Ok(blob) => Ok(Redirect::to(&preview_href(event.id, blob, &choice)).into_response()),
        Err(AppError::Invalid(errors)) => upload_page(&ctx, &event, choice, errors, None).await,
        Err(e) => Err(e.into()),
    }
}

pub struct MatchedView {
    pub name: String,
    pub email: String,
    pub minutes: i64,
    pub outcome: String,
    pub how: String,
}

pub struct UnmatchedView {
    pub name: String,
    pub email: String,
    pub minutes: i64,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "staff/events/attendance_preview.html")]
pub struct PreviewView {
    pub chrome: Chrome,
    pub event_id: String,
    pub title: String,
    pub when: String,
    pub blob: String,
    pub file_name: String,
    pub format: String,
    pub rows_read: usize,
    pub sessions: Vec<(String, String)>,
    pub choice: ImportChoice,
    pub length_minutes: i64,
    pub matched: Vec<MatchedView>,
    pub unmatched: Vec<UnmatchedView>,
    pub problems: Vec<String>,
    pub attended: usize,
    pub errors: FieldErrors,
}

async fn preview_page(
    ctx: &Ctx,
    event: &Event,
    p: Preview,
    typed: &ImportChoice,
    status: Option<StatusCode>,
) -> WebResult {
    let sessions = ctx.scoped.event_sessions(event.id).await?;
    let zone = event.time_zone.clone();
    let status = status.unwrap_or_else(|| form_status(&p.errors));
    // The choices as read, or as typed when they have a problem (so the input is kept).
    let choice = if p.errors.is_empty() {
        ImportChoice {
            session: p.session.map(|s| s.to_string()).unwrap_or_default(),
            min_minutes: p.min_minutes.to_string(),
        }
    } else {
        typed.clone()
    };
    let attended = p.attended();
    render(
        status,
        &PreviewView {
            chrome: ctx.chrome(None).await?,
            event_id: event.id.to_string(),
            title: event.title.clone(),
            when: rules::when_words(Timestamp(event.starts_at), Timestamp(event.ends_at), &zone),
            blob: p.blob.to_string(),
            file_name: p.file_name,
            format: p.format,
            rows_read: p.rows_read,
            sessions: session_options(&zone, event, &sessions),
            choice,
            length_minutes: p.length_minutes,
            matched: p
                .matched
                .into_iter()
                .map(|m| MatchedView {
                    outcome: if m.kept {
                        "Kept: recorded at the door or by staff".into()
                    } else if m.attended {
                        "Attended".into()
                    } else {
                        "Too short: not attended".into()
                    },
                    how: m.how.to_string(),
                    name: m.name,
                    email: m.email,
                    minutes: m.minutes,
                })
                .collect(),
            unmatched: p
                .unmatched
                .into_iter()
                .map(|u| UnmatchedView {
                    name: u.name,
                    email: u.email,
                    minutes: u.minutes,
                    reason: u.reason.to_string(),
                })
                .collect(),
            problems: p.problems,
            attended,
            errors: p.errors,
        },
    )
}

pub async fn preview(
    RequireRole { ctx, .. }: Staff,
    Path((id, blob)): Path<(String, String)>,
    Query(choice): Query<ImportChoice>,
) -> WebResult {
    let event = load_event(&ctx, &id).await?;
    let blob: BlobId = blob.parse().map_err(|_| WebError::NotFound)?;
    let p = attendance_import::preview(&ctx.app, &ctx.scoped, event.id, blob, &choice).await?;
    preview_page(&ctx, &event, p, &choice, None).await
}

#[derive(Deserialize)]
pub struct ConfirmPost {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    choice: ImportChoice,
}

pub async fn confirm(
    RequireRole { ctx, .. }: Staff,
    Path((id, blob)): Path<(String, String)>,
    Form(post): Form<ConfirmPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let event = load_event(&ctx, &id).await?;
    let blob: BlobId = blob.parse().map_err(|_| WebError::NotFound)?;
    match attendance_import::confirm_or_preview(
        &ctx.app,
        &ctx.scoped,
        event.id,
        blob,
        &post.choice,
        &ctx.actor,
    )
    .await
    {
        Ok(Ok(done)) => {
            let q: String = form_urlencoded::Serializer::new(String::new())
                .append_pair("done", "imported")
                .append_pair("matched", &done.matched.to_string())
                .append_pair("attended", &done.attended.to_string())
                .append_pair("kept", &done.kept.to_string())
                .append_pair("removed", &done.removed.to_string())
                .finish();
            Ok(
                Redirect::to(&format!("/staff/events/{}/attendance/import?{q}", event.id))
                    .into_response(),
            )
        }
        Ok(Err(p)) => {
            preview_page(
                &ctx,
                &event,
                *p,
                &post.choice,
                Some(StatusCode::UNPROCESSABLE_ENTITY),
            )
            .await
        }
        Err(AppError::NotFound) if ctx.scoped.event(event.id).await?.is_some() => Ok(Redirect::to(
            &format!("/staff/events/{}/attendance/import?done=gone", event.id),
        )
        .into_response()),
        Err(e) => Err(e.into()),
    }
}
