//! Check-in at the door, phone first: `/staff/events/{id}/checkin` (search by name with a GET
//! form, one big "Check in" button per registration, per-guest buttons when guests have
//! details, an undo) and `/checkin/{token}`, the signed link in the confirmation email's QR
//! code: staff of the society get the same one-tap card; anyone else a plain page saying this is
//! the check-in pass, naming nobody but by first name. No JavaScript anywhere.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use chapterhouse_app::AppError;
use chapterhouse_app::checkin::{self, CheckedIn};
use chapterhouse_app::registrations::verify_checkin_link;
use chapterhouse_core::checkin::{checked_in_words, refusal};
use chapterhouse_core::events::{self as rules, GuestPolicy};
use chapterhouse_core::registration::RegStatus;
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{EventSessionId, PersonId, RegistrationId, Role, Timestamp};
use chapterhouse_store::{Attendance, CheckinRow, Event};
use serde::Deserialize;

use crate::ctx::{Chrome, Ctx, Form, RequireRole, Staff};
use crate::error::{WebError, WebResult};
use crate::forms::parse_id;
use crate::staff_events::load_event;
use crate::views::{form_status, render};

/// Registrations listed at most (search narrows it).
const LIST_LIMIT: i64 = 100;

pub struct GuestCard {
    pub id: String,
    pub name: String,
    pub checked_in: String,
}

/// One registration on the door's list.
pub struct Card {
    pub id: String,
    pub name: String,
    pub type_name: String,
    pub email: String,
    pub status: String,
    /// Empty when they can be checked in; else why not.
    pub why_not: String,
    /// "Checked in at 8:14 am by Olive Owner", or empty.
    pub checked_in: String,
    /// Check-in wrote it, so it can be undone.
    pub can_undo: bool,
    pub guests_count: i64,
    /// Named guests with their own buttons.
    pub guests: Vec<GuestCard>,
    pub is_industry: bool,
}

pub struct SessionOption {
    pub id: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "staff/events/checkin.html")]
pub struct CheckinView {
    pub chrome: Chrome,
    pub event_id: String,
    pub title: String,
    pub when: String,
    pub q: String,
    pub per_session: bool,
    pub session: String,
    pub session_title: String,
    pub sessions: Vec<SessionOption>,
    pub cards: Vec<Card>,
    pub checked_in: i64,
    pub confirmed: i64,
    pub truncated: bool,
    pub errors: FieldErrors,
    /// The registration the message is about, to mark its card.
    pub focus: String,
    /// Empty: the buttons come back to this list (the card is shared with the QR page).
    pub pass: String,
}

/// How the door sees one registration, for a series' chosen session or the whole event.
/// `attended`: for a series, the registrant's attendance row for that session, if they attended;
/// the guests are shown checked in for that `session` (None: the whole event).
async fn card(
    ctx: &Ctx,
    event: &Event,
    session: Option<EventSessionId>,
    attended: Option<&Attendance>,
    r: CheckinRow,
) -> Result<Card, WebError> {
    let now = ctx.now();
    let zone = &event.time_zone;
    let status = RegStatus::parse(&r.status).unwrap_or(RegStatus::Cancelled);
    let (checked_in, can_undo) = if checkin::per_session(event) {
        match attended {
            Some(a) if a.source == "checkin" => (
                checked_in_words(Timestamp(a.recorded_at), None, zone, now),
                true,
            ),
            Some(a) => (
                format!(
                    "Attended this session ({})",
                    chapterhouse_store::AttendanceSource::parse(&a.source)
                        .map(|s| s.label().to_lowercase())
                        .unwrap_or_default()
                ),
                false,
            ),
            None => (String::new(), false),
        }
    } else {
        match r.checked_in_at {
            Some(at) => (
                checked_in_words(Timestamp(at), r.checked_in_by_name.as_deref(), zone, now),
                true,
            ),
            None => (String::new(), false),
        }
    };
    let guests = if GuestPolicy::parse(&r.guests) == Some(GuestPolicy::Details) && r.seats > 1 {
        ctx.scoped
            .checkin_guests(r.id, session)
            .await?
            .into_iter()
            .map(|g| GuestCard {
                id: g.id.to_string(),
                name: if g.name.is_empty() {
                    format!("Guest {}", g.position + 1)
                } else {
                    g.name
                },
                checked_in: g
                    .checked_in_at
                    .map(|at| checked_in_words(Timestamp(at), None, zone, now))
                    .unwrap_or_default(),
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Card {
        id: r.id.to_string(),
        name: r.name(),
        type_name: r.type_name.clone(),
        email: r.email.clone(),
        status: status.label().to_string(),
        why_not: refusal(status).unwrap_or("").to_string(),
        checked_in,
        can_undo,
        guests_count: r.seats - 1,
        guests,
        is_industry: r.is_industry,
    })
}

#[derive(Deserialize, Default)]
pub struct CheckinQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    session: String,
    #[serde(default)]
    done: String,
    #[serde(default)]
    r: String,
}

struct PageState {
    q: String,
    session: String,
    notice: Option<String>,
    errors: FieldErrors,
    focus: String,
}

fn chosen_session(
    ctx: &Ctx,
    event: &Event,
    sessions: &[chapterhouse_store::EventSession],
    raw: &str,
) -> Option<EventSessionId> {
    if !checkin::per_session(event) {
        return None;
    }
    raw.parse::<EventSessionId>()
        .ok()
        .filter(|id| sessions.iter().any(|s| s.id == *id))
        .or_else(|| checkin::default_session(event, sessions, ctx.now()))
}

async fn checkin_page(ctx: &Ctx, event: Event, state: PageState) -> WebResult {
    let sessions = ctx.scoped.event_sessions(event.id).await?;
    let session = chosen_session(ctx, &event, &sessions, &state.session);
    let rows = ctx
        .scoped
        .checkin_rows(event.id, &state.q, LIST_LIMIT + 1)
        .await?;
    let truncated = rows.len() as i64 > LIST_LIMIT;
    // A series: who attended the chosen session, read once for the whole list.
    let attended: HashMap<PersonId, Attendance> = if checkin::per_session(&event) {
        ctx.scoped
            .attended_rows(event.id, session)
            .await?
            .into_iter()
            .map(|a| (a.person_id, a))
            .collect()
    } else {
        HashMap::new()
    };
    let mut cards = Vec::new();
    for r in rows.into_iter().take(LIST_LIMIT as usize) {
        let a = attended.get(&r.person_id);
        cards.push(card(ctx, &event, session, a, r).await?);
    }
    let (checked_in, confirmed) = ctx.scoped.checkin_counts(event.id, session).await?;
    let zone = event.time_zone.clone();
    let session_title = session
        .and_then(|id| sessions.iter().find(|s| s.id == id))
        .map(|s| s.title.clone())
        .unwrap_or_default();
    render(
        form_status(&state.errors),
        &CheckinView {
            chrome: ctx.chrome(state.notice).await?,
            event_id: event.id.to_string(),
            when: rules::when_words(Timestamp(event.starts_at), Timestamp(event.ends_at), &zone),
            title: event.title.clone(),
            q: state.q,
            per_session: checkin::per_session(&event),
            session: session.map(|s| s.to_string()).unwrap_or_default(),
            session_title,
            sessions: sessions
                .iter()
                .map(|s| SessionOption {
                    id: s.id.to_string(),
                    label: format!(
                        "{} — {}",
                        rules::short_date(Timestamp(s.starts_at).local_date(&zone)),
                        s.title
                    ),
                    selected: Some(s.id) == session,
                })
                .collect(),
            cards,
            checked_in,
            confirmed,
            truncated,
            errors: state.errors,
            focus: state.focus,
            pass: String::new(),
        },
    )
}

fn notice_for(done: &str) -> Option<String> {
    Some(
        match done {
            "in" => "Checked in.",
            "already" => "Already checked in: nothing changed.",
            "guest" => "Guest checked in.",
            "undone" => "Check-in undone.",
            _ => return None,
        }
        .to_string(),
    )
}

pub async fn page(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Query(q): Query<CheckinQuery>,
) -> WebResult {
    let event = load_event(&ctx, &id).await?;
    let notice = notice_for(&q.done);
    checkin_page(
        &ctx,
        event,
        PageState {
            q: q.q,
            session: q.session,
            notice,
            errors: FieldErrors::new(),
            focus: q.r,
        },
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct CheckinPost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    session: String,
    /// The QR link's token, when the tap came from that page: go back there.
    #[serde(default)]
    pass: String,
}

fn back(event: &Event, post: &CheckinPost, done: &str, reg: RegistrationId) -> WebResult {
    let to = if post.pass.is_empty() {
        let q: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &post.q)
            .append_pair("session", &post.session)
            .append_pair("done", done)
            .append_pair("r", &reg.to_string())
            .finish();
        format!("/staff/events/{}/checkin?{q}#r-{reg}", event.id)
    } else {
        let token: String = form_urlencoded::byte_serialize(post.pass.as_bytes()).collect();
        format!("/checkin/{token}?done={done}")
    };
    Ok(Redirect::to(&to).into_response())
}

async fn refused(
    ctx: &Ctx,
    event: Event,
    post: CheckinPost,
    reg: RegistrationId,
    errors: FieldErrors,
) -> WebResult {
    if !post.pass.is_empty() {
        return pass_page(ctx, &post.pass, errors, None).await;
    }
    checkin_page(
        ctx,
        event,
        PageState {
            q: post.q,
            session: post.session,
            notice: None,
            errors,
            focus: reg.to_string(),
        },
    )
    .await
}

fn session_of(raw: &str) -> Option<EventSessionId> {
    raw.parse().ok()
}

pub async fn check_in(
    RequireRole { ctx, .. }: Staff,
    Path((id, registration)): Path<(String, String)>,
    Form(post): Form<CheckinPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let event = load_event(&ctx, &id).await?;
    let reg: RegistrationId = parse_id(&registration)?;
    match checkin::check_in(
        &ctx.app,
        &ctx.scoped,
        event.id,
        reg,
        session_of(&post.session),
        &ctx.actor,
    )
    .await
    {
        Ok(CheckedIn::Now) => back(&event, &post, "in", reg),
        Ok(CheckedIn::Already) => back(&event, &post, "already", reg),
        Err(AppError::Invalid(errors)) => refused(&ctx, event, post, reg, errors).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn check_in_guest(
    RequireRole { ctx, .. }: Staff,
    Path((id, registration, guest)): Path<(String, String, String)>,
    Form(post): Form<CheckinPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let event = load_event(&ctx, &id).await?;
    let reg: RegistrationId = parse_id(&registration)?;
    let guest: uuid::Uuid = parse_id(&guest)?;
    match checkin::check_in_guest(
        &ctx.app,
        &ctx.scoped,
        event.id,
        reg,
        guest,
        session_of(&post.session),
        &ctx.actor,
    )
    .await
    {
        Ok(CheckedIn::Now) => back(&event, &post, "guest", reg),
        Ok(CheckedIn::Already) => back(&event, &post, "already", reg),
        Err(AppError::Invalid(errors)) => refused(&ctx, event, post, reg, errors).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn undo(
    RequireRole { ctx, .. }: Staff,
    Path((id, registration)): Path<(String, String)>,
    Form(post): Form<CheckinPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let event = load_event(&ctx, &id).await?;
    let reg: RegistrationId = parse_id(&registration)?;
    checkin::undo_check_in(
        &ctx.app,
        &ctx.scoped,
        event.id,
        reg,
        session_of(&post.session),
        &ctx.actor,
    )
    .await?;
    back(&event, &post, "undone", reg)
}

// ---------------------------------------------------------------------------------------------
// The QR link.

#[derive(Template)]
#[template(path = "events/checkin_pass.html")]
pub struct PassView {
    pub chrome: Chrome,
    pub event_title: String,
    pub when: String,
    pub first_name: String,
    /// Signed-in staff: the card with its buttons.
    pub card: Option<Card>,
    pub event_id: String,
    pub session: String,
    pub session_title: String,
    pub errors: FieldErrors,
    pub sign_in_href: String,
    /// For the shared card: no search to come back to; the buttons come back here.
    pub q: String,
    pub pass: String,
    pub focus: String,
}

#[derive(Template)]
#[template(path = "events/checkin_invalid.html")]
pub struct InvalidPassView {
    pub chrome: Chrome,
}

async fn pass_page(
    ctx: &Ctx,
    token: &str,
    errors: FieldErrors,
    notice: Option<String>,
) -> WebResult {
    let found = match verify_checkin_link(&ctx.app, &ctx.scoped, token) {
        Some(id) => ctx.scoped.checkin_row(id).await?,
        None => None,
    };
    let Some(row) = found else {
        return render(
            StatusCode::NOT_FOUND,
            &InvalidPassView {
                chrome: ctx.chrome(None).await?,
            },
        );
    };
    let event = ctx
        .scoped
        .event(row.event_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let is_staff = ctx
        .user
        .as_ref()
        .is_some_and(|u| u.role().satisfies(Role::Staff));
    let sessions = ctx.scoped.event_sessions(event.id).await?;
    let session = chosen_session(ctx, &event, &sessions, "");
    let session_title = session
        .and_then(|id| sessions.iter().find(|s| s.id == id))
        .map(|s| s.title.clone())
        .unwrap_or_default();
    let first_name = row.first_name.clone();
    let card = if is_staff {
        let attended = if checkin::per_session(&event) {
            ctx.scoped
                .person_attendance(event.id, row.person_id)
                .await?
                .into_iter()
                .find(|a| a.session() == session && a.attended)
        } else {
            None
        };
        Some(card(ctx, &event, session, attended.as_ref(), row).await?)
    } else {
        None
    };
    let path = format!("/checkin/{token}");
    let next: String = form_urlencoded::byte_serialize(path.as_bytes()).collect();
    render(
        form_status(&errors),
        &PassView {
            chrome: ctx.chrome(if is_staff { notice } else { None }).await?,
            when: rules::when_words(
                Timestamp(event.starts_at),
                Timestamp(event.ends_at),
                &event.time_zone,
            ),
            event_title: event.title.clone(),
            first_name,
            card,
            event_id: event.id.to_string(),
            session: session.map(|s| s.to_string()).unwrap_or_default(),
            session_title,
            errors,
            sign_in_href: format!("/sign-in?next={next}"),
            q: String::new(),
            pass: token.to_string(),
            focus: String::new(),
        },
    )
}

#[derive(Deserialize, Default)]
pub struct PassQuery {
    #[serde(default)]
    done: String,
}

pub async fn pass(ctx: Ctx, Path(token): Path<String>, Query(q): Query<PassQuery>) -> WebResult {
    pass_page(&ctx, &token, FieldErrors::new(), notice_for(&q.done)).await
}
