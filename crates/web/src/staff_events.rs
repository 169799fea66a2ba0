//! Staff pages for events: the list, a new event, and each event's page with its details,
//! publish/unpublish, sessions, registration types and questions, each with its own small form
//! (a session's and a type's full edit forms are pages of their own). Several forms share the
//! event's page, so each keeps its own errors and its ids carry a prefix.

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect};
use chapterhouse_app::AppError;
use chapterhouse_app::events::{self, EventForm, QuestionForm, SessionForm, TypeForm};
use chapterhouse_core::events::{
    self as rules, Audience, CancelPolicy, EventKind, EventStatus, GuestPolicy, QuestionKind,
};
use chapterhouse_core::money::Cents;
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{
    EventId, EventSessionId, RegistrationQuestionId, RegistrationTypeId, Timestamp, markdown,
};
use chapterhouse_store::Event;
use serde::Deserialize;

use crate::ctx::{Chrome, Ctx, Form, RequireRole, Staff};
use crate::error::{WebError, WebResult};
use crate::forms::CsrfOnly;
use crate::forms::csrf_of;
use crate::forms::parse_id;
use crate::views::{form_status, render};

fn options<T: Copy>(
    all: &[T],
    value: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|k| (value(*k).to_string(), label(*k).to_string()))
        .collect()
}

fn hint_time(zone: &str) -> String {
    format!("In {zone} time, like 2026-11-21 18:00.")
}

// ---------------------------------------------------------------------------------------------
// The list.

pub struct StaffRow {
    pub id: String,
    pub title: String,
    pub when: String,
    pub status: String,
    pub registrations: String,
    pub sessions: i64,
    pub types: i64,
    pub members_only: bool,
}

#[derive(Template)]
#[template(path = "staff/events/list.html")]
pub struct ListView {
    pub chrome: Chrome,
    pub rows: Vec<StaffRow>,
}

fn seats_taken(taken: i64, cap: Option<i64>) -> String {
    match cap {
        Some(cap) => format!("{taken} of {cap}"),
        None => taken.to_string(),
    }
}

pub async fn list(RequireRole { ctx, .. }: Staff) -> WebResult {
    let rows = ctx
        .scoped
        .staff_events()
        .await?
        .into_iter()
        .map(|e| StaffRow {
            id: e.id.to_string(),
            when: rules::when_words(Timestamp(e.starts_at), Timestamp(e.ends_at), &e.time_zone),
            status: EventStatus::parse(&e.status)
                .map(|s| s.label())
                .unwrap_or("Draft")
                .to_string(),
            registrations: seats_taken(e.taken, e.capacity),
            sessions: e.sessions,
            types: e.public_types,
            members_only: e.members_only,
            title: e.title,
        })
        .collect();
    render(
        axum::http::StatusCode::OK,
        &ListView {
            chrome: ctx.chrome(None).await?,
            rows,
        },
    )
}

// ---------------------------------------------------------------------------------------------
// The event's page.

pub struct SessionRow {
    pub id: String,
    pub when: String,
    pub title: String,
    pub room: String,
}

pub struct TypeRow {
    pub id: String,
    pub name: String,
    pub price: String,
    pub member_price: String,
    pub audience: String,
    pub seats: String,
    pub notes: String,
}

pub struct QuestionRow {
    pub id: String,
    pub label: String,
    pub kind: String,
    pub required: bool,
    pub asked_of: String,
}

#[derive(Template)]
#[template(path = "staff/events/edit.html")]
pub struct EditView {
    pub chrome: Chrome,
    pub is_new: bool,
    pub id: String,
    pub action: String,
    pub public_href: String,
    pub status: String,
    pub status_label: String,
    pub taken: i64,
    pub sequence: i64,
    pub zone: String,
    pub hint_time: String,
    pub kinds: Vec<(String, String)>,
    pub errors: FieldErrors,
    pub form: EventForm,
    pub preview_html: String,
    pub sessions: Vec<SessionRow>,
    pub sp: &'static str,
    pub session_errors: FieldErrors,
    pub session_form: SessionForm,
    pub types: Vec<TypeRow>,
    pub tp: &'static str,
    pub type_errors: FieldErrors,
    pub type_form: TypeForm,
    pub levels: Vec<(String, String)>,
    pub audiences: Vec<(String, String)>,
    pub guest_policies: Vec<(String, String)>,
    pub cancel_policies: Vec<(String, String)>,
    pub questions: Vec<QuestionRow>,
    pub qp: &'static str,
    pub question_errors: FieldErrors,
    pub question_form: QuestionForm,
    pub question_kinds: Vec<(String, String)>,
    pub question_types: Vec<(String, String)>,
    /// Faculty whose disclosure learners cannot see yet: (faculty id, "Name (role)", what is
    /// outstanding).
    pub missing_disclosures: Vec<(String, String, String)>,
    /// Whether the event has started (disclosures were due before).
    pub started: bool,
}

/// What the event's page shows besides the stored event: the forms as typed and their errors.
#[derive(Default)]
struct PageState {
    notice: Option<String>,
    errors: FieldErrors,
    form: Option<EventForm>,
    session_errors: FieldErrors,
    session_form: SessionForm,
    type_errors: FieldErrors,
    type_form: Option<TypeForm>,
    question_errors: FieldErrors,
    question_form: QuestionForm,
}

async fn level_options(ctx: &Ctx) -> Result<Vec<(String, String)>, WebError> {
    Ok(ctx
        .scoped
        .levels()
        .await?
        .into_iter()
        .filter(|l| !l.archived)
        .map(|l| (l.id.to_string(), l.name))
        .collect())
}

fn kind_options() -> Vec<(String, String)> {
    options(&EventKind::ALL, EventKind::as_str, EventKind::label)
}

fn audience_label(
    audience: &str,
    levels: &[(String, String)],
    ids: &[chapterhouse_core::LevelId],
) -> String {
    match Audience::parse(audience) {
        Some(Audience::Levels) => {
            let names: Vec<&str> = levels
                .iter()
                .filter(|(id, _)| ids.iter().any(|l| l.to_string() == *id))
                .map(|(_, name)| name.as_str())
                .collect();
            format!("Levels: {}", names.join(", "))
        }
        Some(Audience::Members) => "Members".into(),
        _ => "Anyone".into(),
    }
}

async fn event_page(ctx: &Ctx, event: Event, state: PageState) -> WebResult {
    let id = event.id;
    let zone = event.time_zone.clone();
    let levels = level_options(ctx).await?;
    let several_days = rules::local_of(Timestamp(event.starts_at), &zone).date()
        != rules::local_of(Timestamp(event.ends_at), &zone).date();
    let sessions = ctx
        .scoped
        .event_sessions(id)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            id: s.id.to_string(),
            when: rules::session_words(
                Timestamp(s.starts_at),
                Timestamp(s.ends_at),
                &zone,
                several_days,
            ),
            title: s.title,
            room: s.room,
        })
        .collect();
    let stored_types = ctx.scoped.registration_types(id).await?;
    let types = stored_types
        .iter()
        .map(|t| {
            let mut notes = Vec::new();
            if t.complimentary {
                notes.push("complimentary".to_string());
            }
            if t.is_industry {
                notes.push("industry".to_string());
            }
            if t.access_code.is_some() {
                notes.push("code".to_string());
            }
            if t.guests != "none" {
                notes.push(format!("up to {} guests", t.max_guests));
            }
            if let Some(at) = t.opens_at {
                let local = rules::local_of(Timestamp(at), &zone);
                notes.push(format!("opens {}", rules::short_date(local.date())));
            }
            if let Some(at) = t.closes_at {
                let local = rules::local_of(Timestamp(at), &zone);
                notes.push(format!("closes {}", rules::short_date(local.date())));
            }
            TypeRow {
                id: t.id.to_string(),
                name: t.name.clone(),
                price: Cents(t.price_cents).to_string(),
                member_price: t
                    .member_price_cents
                    .map(|m| Cents(m).to_string())
                    .unwrap_or_else(|| "same".into()),
                audience: audience_label(&t.audience, &levels, &t.levels),
                seats: seats_taken(t.taken, t.cap),
                notes: notes.join(", "),
            }
        })
        .collect();
    let question_types: Vec<(String, String)> =
        std::iter::once((String::new(), "Everyone".to_string()))
            .chain(
                stored_types
                    .iter()
                    .map(|t| (t.id.to_string(), format!("Only {}", t.name))),
            )
            .collect();
    let questions = ctx
        .scoped
        .registration_questions(id)
        .await?
        .into_iter()
        .map(|q| QuestionRow {
            id: q.id.to_string(),
            kind: QuestionKind::parse(&q.kind)
                .map(|k| k.label())
                .unwrap_or("Text answer")
                .to_string(),
            required: q.required,
            asked_of: match q.type_id() {
                None => "everyone".into(),
                Some(t) => stored_types
                    .iter()
                    .find(|s| s.id == t)
                    .map(|s| format!("only {}", s.name))
                    .unwrap_or_default(),
            },
            label: q.label,
        })
        .collect();
    let missing_disclosures = chapterhouse_app::faculty::missing_disclosures(&ctx.scoped, id)
        .await?
        .into_iter()
        .map(|e| {
            (
                e.faculty.id.to_string(),
                format!("{} ({})", e.name, e.role.label().to_lowercase()),
                e.progress.status_words().to_lowercase(),
            )
        })
        .collect();
    let started = ctx.app.now().0 >= event.starts_at;
    let form = state.form.unwrap_or_else(|| EventForm::from_event(&event));
    let status = EventStatus::parse(&event.status).unwrap_or(EventStatus::Draft);
    let errors_empty = state.errors.is_empty()
        && state.session_errors.is_empty()
        && state.type_errors.is_empty()
        && state.question_errors.is_empty();
    // The status code reflects any form's problems.
    let status_code = if errors_empty {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status_code,
        &EditView {
            chrome: ctx.chrome(state.notice).await?,
            is_new: false,
            id: id.to_string(),
            action: format!("/staff/events/{id}"),
            public_href: format!("/events/{}", event.slug),
            status: status.as_str().to_string(),
            status_label: status.label().to_string(),
            taken: event.taken,
            sequence: event.sequence,
            hint_time: hint_time(&zone),
            zone,
            kinds: kind_options(),
            errors: state.errors,
            preview_html: markdown::render(&form.description),
            form,
            sessions,
            sp: "s-",
            session_errors: state.session_errors,
            session_form: state.session_form,
            types,
            tp: "t-",
            type_errors: state.type_errors,
            type_form: state.type_form.unwrap_or_else(TypeForm::new_type),
            levels,
            audiences: options(&Audience::ALL, Audience::as_str, Audience::label),
            guest_policies: options(&GuestPolicy::ALL, GuestPolicy::as_str, GuestPolicy::label),
            cancel_policies: options(
                &CancelPolicy::ALL,
                CancelPolicy::as_str,
                CancelPolicy::label,
            ),
            questions,
            qp: "q-",
            question_errors: state.question_errors,
            question_form: QuestionForm {
                kind: if state.question_form.kind.is_empty() {
                    QuestionKind::Text.as_str().into()
                } else {
                    state.question_form.kind.clone()
                },
                ..state.question_form
            },
            question_kinds: options(
                &QuestionKind::ALL,
                QuestionKind::as_str,
                QuestionKind::label,
            ),
            question_types,
            missing_disclosures,
            started,
        },
    )
}

/// The society's event named by a path segment (staff pages); an id that does not parse or is
/// not the society's is a 404.
pub(crate) async fn load_event(ctx: &Ctx, raw: &str) -> Result<Event, WebError> {
    let id: EventId = parse_id(raw)?;
    ctx.scoped.event(id).await?.ok_or(WebError::NotFound)
}

async fn new_page(ctx: &Ctx, errors: FieldErrors, form: EventForm) -> WebResult {
    let zone = ctx.society().time_zone.clone();
    render(
        form_status(&errors),
        &EditView {
            chrome: ctx.chrome(None).await?,
            is_new: true,
            id: String::new(),
            action: "/staff/events/new".into(),
            public_href: String::new(),
            status: "draft".into(),
            status_label: "Draft".into(),
            taken: 0,
            sequence: 0,
            hint_time: hint_time(&zone),
            zone,
            kinds: kind_options(),
            errors,
            preview_html: markdown::render(&form.description),
            form,
            sessions: Vec::new(),
            sp: "s-",
            session_errors: FieldErrors::new(),
            session_form: SessionForm::default(),
            types: Vec::new(),
            tp: "t-",
            type_errors: FieldErrors::new(),
            type_form: TypeForm::new_type(),
            levels: Vec::new(),
            audiences: Vec::new(),
            guest_policies: Vec::new(),
            cancel_policies: Vec::new(),
            questions: Vec::new(),
            qp: "q-",
            question_errors: FieldErrors::new(),
            question_form: QuestionForm::default(),
            question_kinds: Vec::new(),
            question_types: Vec::new(),
            missing_disclosures: Vec::new(),
            started: false,
        },
    )
}

pub async fn new_form(RequireRole { ctx, .. }: Staff) -> WebResult {
    new_page(
        &ctx,
        FieldErrors::new(),
        EventForm {
            kind: EventKind::Meeting.as_str().into(),
            ..Default::default()
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct EventPost {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: EventForm,
}

pub async fn create(RequireRole { ctx, .. }: Staff, Form(post): Form<EventPost>) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    match events::create_event(&ctx.app, &ctx.scoped, &post.form, &ctx.actor).await {
        Ok(id) => Ok(Redirect::to(&format!("/staff/events/{id}?done=created")).into_response()),
        Err(AppError::Invalid(errors)) => new_page(&ctx, errors, post.form).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

fn notice_for(done: &str) -> Option<String> {
    let text = match done {
        "created" => {
            "Event added as a draft. Add sessions and registration types, then publish it."
        }
        "saved" => "Saved.",
        "rescheduled" => {
            "Saved. The time or place changed, so calendars holding the event will update."
        }
        "published" => "Published: the event is on the events page.",
        "unpublished" => "Back to draft: the event is no longer public.",
        "session" => "Session saved.",
        "session-removed" => "Session removed.",
        "type" => "Registration type saved.",
        "type-removed" => "Registration type removed.",
        "question" => "Question added.",
        "question-removed" => "Question removed.",
        _ => return None,
    };
    Some(text.to_string())
}

pub async fn edit_form(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> WebResult {
    let event = load_event(&ctx, &id).await?;
    event_page(
        &ctx,
        event,
        PageState {
            notice: notice_for(&q.done),
            ..Default::default()
        },
    )
    .await
}

fn back(id: EventId, done: &str, anchor: &str) -> WebResult {
    Ok(Redirect::to(&format!("/staff/events/{id}?done={done}{anchor}")).into_response())
}

pub async fn save(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<EventPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let event = load_event(&ctx, &id).await?;
    match events::save_event(&ctx.app, &ctx.scoped, event.id, &post.form, &ctx.actor).await {
        Ok(saved) => back(
            event.id,
            if saved.rescheduled {
                "rescheduled"
            } else {
                "saved"
            },
            "",
        ),
        Err(AppError::Invalid(errors)) => {
            event_page(
                &ctx,
                event,
                PageState {
                    errors,
                    form: Some(post.form),
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn publish(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<CsrfOnly>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let event = load_event(&ctx, &id).await?;
    let done = events::publish_event(&ctx.app, &ctx.scoped, event.id, &ctx.actor).await;
    status_changed(&ctx, event, done, "published").await
}

pub async fn unpublish(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<CsrfOnly>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let event = load_event(&ctx, &id).await?;
    let done = events::unpublish_event(&ctx.app, &ctx.scoped, event.id, &ctx.actor).await;
    status_changed(&ctx, event, done, "unpublished").await
}

/// After publishing or unpublishing: back to the event with `notice`, or its page with the
/// reason it was refused.
async fn status_changed(
    ctx: &Ctx,
    event: Event,
    done: Result<(), AppError>,
    notice: &str,
) -> WebResult {
    match done {
        Ok(()) => back(event.id, notice, ""),
        Err(AppError::Invalid(errors)) => {
            event_page(
                ctx,
                event,
                PageState {
                    errors,
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Sessions.

#[derive(Deserialize)]
pub struct SessionPost {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: SessionForm,
}

pub async fn add_session(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<SessionPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let event = load_event(&ctx, &id).await?;
    match events::add_session(&ctx.app, &ctx.scoped, event.id, &post.form, &ctx.actor).await {
        Ok(_) => back(event.id, "session", "#sessions"),
        Err(AppError::Invalid(session_errors)) => {
            event_page(
                &ctx,
                event,
                PageState {
                    session_errors,
                    session_form: post.form,
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "staff/events/session.html")]
pub struct SessionView {
    pub chrome: Chrome,
    pub event_id: String,
    pub event_title: String,
    pub event_days: String,
    pub session_id: String,
    pub hint_time: String,
    pub sp: &'static str,
    pub session_errors: FieldErrors,
    pub session_form: SessionForm,
}

async fn session_page(
    ctx: &Ctx,
    event: &Event,
    session: EventSessionId,
    errors: FieldErrors,
    form: Option<SessionForm>,
) -> WebResult {
    let stored = ctx
        .scoped
        .event_session(event.id, session)
        .await?
        .ok_or(WebError::NotFound)?;
    render(
        form_status(&errors),
        &SessionView {
            chrome: ctx.chrome(None).await?,
            event_id: event.id.to_string(),
            event_title: event.title.clone(),
            event_days: rules::when_words(
                Timestamp(event.starts_at),
                Timestamp(event.ends_at),
                &event.time_zone,
            ),
            session_id: session.to_string(),
            hint_time: hint_time(&event.time_zone),
            sp: "",
            session_errors: errors,
            session_form: form.unwrap_or_else(|| SessionForm::from_session(&stored)),
        },
    )
}

pub async fn session_form(
    RequireRole { ctx, .. }: Staff,
    Path((id, session)): Path<(String, String)>,
) -> WebResult {
    let event = load_event(&ctx, &id).await?;
    let session: EventSessionId = parse_id(&session)?;
    session_page(&ctx, &event, session, FieldErrors::new(), None).await
}

pub async fn save_session(
    RequireRole { ctx, .. }: Staff,
    Path((id, session)): Path<(String, String)>,
    Form(post): Form<SessionPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let event = load_event(&ctx, &id).await?;
    let session: EventSessionId = parse_id(&session)?;
    match events::save_session(
        &ctx.app,
        &ctx.scoped,
        event.id,
        session,
        &post.form,
        &ctx.actor,
    )
    .await
    {
        Ok(()) => back(event.id, "session", "#sessions"),
        Err(AppError::Invalid(errors)) => {
            session_page(&ctx, &event, session, errors, Some(post.form)).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn remove_session(
    RequireRole { ctx, .. }: Staff,
    Path((id, session)): Path<(String, String)>,
    Form(post): Form<CsrfOnly>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let event = load_event(&ctx, &id).await?;
    let session: EventSessionId = parse_id(&session)?;
    match events::remove_session(&ctx.app, &ctx.scoped, event.id, session, &ctx.actor).await {
        Ok(()) => back(event.id, "session-removed", "#sessions"),
        Err(AppError::Invalid(errors)) => session_page(&ctx, &event, session, errors, None).await,
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Registration types.

pub async fn add_type(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> WebResult {
    ctx.check_csrf(csrf_of(&pairs))?;
    let event = load_event(&ctx, &id).await?;
    let form = TypeForm::from_pairs(&pairs);
    match events::add_type(&ctx.app, &ctx.scoped, event.id, &form, &ctx.actor).await {
        Ok(_) => back(event.id, "type", "#types"),
        Err(AppError::Invalid(type_errors)) => {
            event_page(
                &ctx,
                event,
                PageState {
                    type_errors,
                    type_form: Some(form),
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "staff/events/type.html")]
pub struct TypeView {
    pub chrome: Chrome,
    pub event_id: String,
    pub event_title: String,
    pub type_id: String,
    pub taken: i64,
    pub tp: &'static str,
    pub type_errors: FieldErrors,
    pub type_form: TypeForm,
    pub levels: Vec<(String, String)>,
    pub audiences: Vec<(String, String)>,
    pub guest_policies: Vec<(String, String)>,
    pub cancel_policies: Vec<(String, String)>,
}

async fn type_page(
    ctx: &Ctx,
    event: &Event,
    ty: RegistrationTypeId,
    errors: FieldErrors,
    form: Option<TypeForm>,
) -> WebResult {
    let stored = ctx
        .scoped
        .registration_type(event.id, ty)
        .await?
        .ok_or(WebError::NotFound)?;
    render(
        form_status(&errors),
        &TypeView {
            chrome: ctx.chrome(None).await?,
            event_id: event.id.to_string(),
            event_title: event.title.clone(),
            type_id: ty.to_string(),
            taken: stored.taken,
            tp: "",
            type_errors: errors,
            type_form: form.unwrap_or_else(|| TypeForm::from_type(&stored, &event.time_zone)),
            levels: level_options(ctx).await?,
            audiences: options(&Audience::ALL, Audience::as_str, Audience::label),
            guest_policies: options(&GuestPolicy::ALL, GuestPolicy::as_str, GuestPolicy::label),
            cancel_policies: options(
                &CancelPolicy::ALL,
                CancelPolicy::as_str,
                CancelPolicy::label,
            ),
        },
    )
}

pub async fn type_form(
    RequireRole { ctx, .. }: Staff,
    Path((id, ty)): Path<(String, String)>,
) -> WebResult {
    let event = load_event(&ctx, &id).await?;
    let ty: RegistrationTypeId = parse_id(&ty)?;
    type_page(&ctx, &event, ty, FieldErrors::new(), None).await
}

pub async fn save_type(
    RequireRole { ctx, .. }: Staff,
    Path((id, ty)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> WebResult {
    ctx.check_csrf(csrf_of(&pairs))?;
    let event = load_event(&ctx, &id).await?;
    let ty: RegistrationTypeId = parse_id(&ty)?;
    let form = TypeForm::from_pairs(&pairs);
    match events::save_type(&ctx.app, &ctx.scoped, event.id, ty, &form, &ctx.actor).await {
        Ok(()) => back(event.id, "type", "#types"),
        Err(AppError::Invalid(errors)) => type_page(&ctx, &event, ty, errors, Some(form)).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn remove_type(
    RequireRole { ctx, .. }: Staff,
    Path((id, ty)): Path<(String, String)>,
    Form(post): Form<CsrfOnly>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let event = load_event(&ctx, &id).await?;
    let ty: RegistrationTypeId = parse_id(&ty)?;
    match events::remove_type(&ctx.app, &ctx.scoped, event.id, ty, &ctx.actor).await {
        Ok(()) => back(event.id, "type-removed", "#types"),
        Err(AppError::Invalid(errors)) => type_page(&ctx, &event, ty, errors, None).await,
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Questions.

#[derive(Deserialize)]
pub struct QuestionPost {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: QuestionForm,
}

pub async fn add_question(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<QuestionPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let event = load_event(&ctx, &id).await?;
    match events::add_question(&ctx.app, &ctx.scoped, event.id, &post.form, &ctx.actor).await {
        Ok(_) => back(event.id, "question", "#questions"),
        Err(AppError::Invalid(question_errors)) => {
            event_page(
                &ctx,
                event,
                PageState {
                    question_errors,
                    question_form: post.form,
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn remove_question(
    RequireRole { ctx, .. }: Staff,
    Path((id, question)): Path<(String, String)>,
    Form(post): Form<CsrfOnly>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let event = load_event(&ctx, &id).await?;
    let question: RegistrationQuestionId = parse_id(&question)?;
    match events::remove_question(&ctx.app, &ctx.scoped, event.id, question, &ctx.actor).await {
        Ok(()) => back(event.id, "question-removed", "#questions"),
        Err(AppError::Invalid(question_errors)) => {
            event_page(
                &ctx,
                event,
                PageState {
                    question_errors,
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
