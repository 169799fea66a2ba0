//! Faculty pages: staff's faculty list for an event (invite, the speaker agreement), each
//! faculty member's page (role and sessions, resend, materials, disclosure review), the
//! speaker's own page reached by the signed link in their invitation (agreement, uploads,
//! disclosure; no sign-in), and the faculty section of the public event page.

use askama::Template;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chapterhouse_app::AppError;
use chapterhouse_app::faculty::{
    self, DisclosureForm, FacultyEntry, InviteForm, ReviewForm, agreement_text,
};
use chapterhouse_core::disclosure::{self as rules, FacultyRole, Material, Nature};
use chapterhouse_core::events as event_rules;
use chapterhouse_core::validate::{FieldErrors, size_words};
use chapterhouse_core::{EventId, FacultyId, Timestamp};
use chapterhouse_store::{Blob, Event, EventSession, Faculty};
use serde::Deserialize;

use crate::ctx::{Chrome, Ctx, Form, RequireRole, Staff};
use crate::error::{WebError, WebResult};
use crate::forms::{CsrfOnly, csrf_of, parse_id, upload_error};
use crate::staff_events::load_event;
use crate::views::{MessageView, render};

/// The largest file the materials upload takes (slides; a CV's own limit is smaller and
/// checked by `disclosure::check_material`).
pub const MAX_FILE: usize = Material::Slides.max_bytes();

fn role_options() -> Vec<(String, String)> {
    FacultyRole::ALL
        .iter()
        .map(|r| (r.as_str().to_string(), r.label().to_string()))
        .collect()
}

fn nature_options() -> Vec<(String, String)> {
    std::iter::once((String::new(), "Choose…".to_string()))
        .chain(
            Nature::ALL
                .iter()
                .map(|n| (n.as_str().to_string(), n.label().to_string())),
        )
        .collect()
}

fn session_options(sessions: &[EventSession], zone: &str) -> Vec<(String, String)> {
    sessions
        .iter()
        .map(|s| {
            (
                s.id.to_string(),
                format!(
                    "{} ({})",
                    s.title,
                    event_rules::session_words(
                        Timestamp(s.starts_at),
                        Timestamp(s.ends_at),
                        zone,
                        true
                    )
                ),
            )
        })
        .collect()
}

fn yes(b: bool) -> &'static str {
    if b { "Yes" } else { "—" }
}

// ---------------------------------------------------------------------------------------------
// Staff: the faculty list.

pub struct FacultyRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub sessions: String,
    pub status: String,
    pub agreement: &'static str,
    pub slides: &'static str,
    pub cv: &'static str,
    pub learner: String,
}

fn faculty_row(e: &FacultyEntry) -> FacultyRow {
    FacultyRow {
        id: e.faculty.id.to_string(),
        name: e.name.clone(),
        email: e.faculty.email.clone(),
        role: e.role.label().to_string(),
        sessions: if e.sessions.is_empty() {
            "—".into()
        } else {
            e.sessions
                .iter()
                .map(|s| s.title.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        },
        status: e.progress.status_words().to_string(),
        agreement: yes(e.progress.agreement_accepted),
        slides: yes(e.progress.slides),
        cv: yes(e.progress.cv),
        learner: e.sentence(),
    }
}

#[derive(Template)]
#[template(path = "staff/events/faculty.html")]
pub struct FacultyListView {
    pub chrome: Chrome,
    pub event_id: String,
    pub event_title: String,
    pub rows: Vec<FacultyRow>,
    /// Removed from the faculty (withdrew); their records stay.
    pub withdrawn: Vec<FacultyRow>,
    pub roles: Vec<(String, String)>,
    pub sessions: Vec<(String, String)>,
    pub ip: &'static str,
    pub invite_errors: FieldErrors,
    pub invite: InviteForm,
    pub ap: &'static str,
    pub agreement_errors: FieldErrors,
    pub agreement: String,
    pub default_agreement: &'static str,
}

#[derive(Default)]
struct ListState {
    notice: Option<String>,
    invite_errors: FieldErrors,
    invite: Option<InviteForm>,
    agreement_errors: FieldErrors,
    agreement: Option<String>,
}

async fn list_page(ctx: &Ctx, event: Event, state: ListState) -> WebResult {
    let entries = faculty::event_disclosures(&ctx.scoped, event.id).await?;
    let withdrawn = faculty::removed_faculty(&ctx.scoped, event.id).await?;
    let sessions = ctx.scoped.event_sessions(event.id).await?;
    let stored_agreement = ctx
        .scoped
        .speaker_agreement(event.id)
        .await?
        .unwrap_or_default();
    let status = if state.invite_errors.is_empty() && state.agreement_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status,
        &FacultyListView {
            chrome: ctx.chrome(state.notice).await?,
            event_id: event.id.to_string(),
            event_title: event.title.clone(),
            rows: entries.iter().map(faculty_row).collect(),
            withdrawn: withdrawn.iter().map(faculty_row).collect(),
            roles: role_options(),
            sessions: session_options(&sessions, &event.time_zone),
            ip: "i-",
            invite_errors: state.invite_errors,
            invite: state.invite.unwrap_or_else(|| InviteForm {
                role: FacultyRole::Speaker.as_str().into(),
                ..Default::default()
            }),
            ap: "a-",
            agreement_errors: state.agreement_errors,
            agreement: state.agreement.unwrap_or(stored_agreement),
            default_agreement: rules::DEFAULT_AGREEMENT,
        },
    )
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

fn notice_for(done: &str) -> Option<String> {
    let text = match done {
        "invited" => "Invited. The invitation with their link is on its way.",
        "resent" => "The invitation was sent again, with a fresh link.",
        "assigned" => "Role and sessions saved.",
        "agreement" => "Speaker agreement saved. Agreements already accepted keep their text.",
        "reviewed" => "Review saved: the disclosure is final and shows on the event's page.",
        "removed" => {
            "Removed from the faculty. Their link no longer works; what they recorded is kept for the accreditation file."
        }
        _ => return None,
    };
    Some(text.to_string())
}

pub async fn list(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> WebResult {
    let event = load_event(&ctx, &id).await?;
    list_page(
        &ctx,
        event,
        ListState {
            notice: notice_for(&q.done),
            ..Default::default()
        },
    )
    .await
}

pub async fn invite(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> WebResult {
    ctx.check_csrf(csrf_of(&pairs))?;
    let event = load_event(&ctx, &id).await?;
    let form = InviteForm::from_pairs(&pairs);
    match faculty::invite(&ctx.app, &ctx.scoped, event.id, &form, &ctx.actor).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/staff/events/{}/faculty?done=invited", event.id))
                .into_response(),
        ),
        Err(AppError::Invalid(errors)) => {
            list_page(
                &ctx,
                event,
                ListState {
                    invite_errors: errors,
                    invite: Some(form),
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct AgreementPost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    agreement: String,
}

pub async fn save_agreement(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<AgreementPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let event = load_event(&ctx, &id).await?;
    match faculty::save_agreement(&ctx.app, &ctx.scoped, event.id, &post.agreement, &ctx.actor)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!(
            "/staff/events/{}/faculty?done=agreement",
            event.id
        ))
        .into_response()),
        Err(AppError::Invalid(errors)) => {
            list_page(
                &ctx,
                event,
                ListState {
                    agreement_errors: errors,
                    agreement: Some(post.agreement),
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Staff: one faculty member.

pub struct ReviewRow {
    pub rk: String,
    pub mk: String,
    pub company: String,
    pub nature: String,
    pub ended: bool,
    pub relevant: String,
    pub mitigation: String,
    pub mitigated_on: String,
}

#[derive(Template)]
#[template(path = "staff/events/faculty_member.html")]
pub struct MemberView {
    pub chrome: Chrome,
    pub event_id: String,
    pub event_title: String,
    pub id: String,
    pub name: String,
    pub email: String,
    pub status: String,
    pub invited: String,
    pub accepted: String,
    pub accepted_text: String,
    pub slides: bool,
    pub cv: bool,
    pub roles: Vec<(String, String)>,
    pub sessions: Vec<(String, String)>,
    pub assign_errors: FieldErrors,
    pub assign: InviteForm,
    pub submitted: String,
    pub reviewed: String,
    pub attested: bool,
    pub disclosure_id: String,
    pub review_rows: Vec<ReviewRow>,
    pub review_errors: FieldErrors,
    pub learner: String,
    /// When they were removed from the faculty; empty while they are on it.
    pub withdrawn: String,
}

#[derive(Default)]
struct MemberState {
    notice: Option<String>,
    assign_errors: FieldErrors,
    assign: Option<InviteForm>,
    review_errors: FieldErrors,
    review: Option<ReviewForm>,
}

async fn load_member(
    ctx: &Ctx,
    event: &str,
    faculty_id: &str,
) -> Result<(Event, Faculty), WebError> {
    let event = load_event(ctx, event).await?;
    let id: FacultyId = parse_id(faculty_id)?;
    let f = faculty::member_of(&ctx.scoped, event.id, id).await?;
    Ok((event, f))
}

async fn member_page(ctx: &Ctx, event: Event, f: Faculty, state: MemberState) -> WebResult {
    let zone = event.time_zone.clone();
    let mut entries = faculty::event_disclosures(&ctx.scoped, event.id).await?;
    entries.extend(faculty::removed_faculty(&ctx.scoped, event.id).await?);
    let entry = entries
        .into_iter()
        .find(|e| e.faculty.id == f.id)
        .ok_or(WebError::NotFound)?;
    let sessions = ctx.scoped.event_sessions(event.id).await?;
    let when = |at: Option<i64>| {
        at.map(|t| Timestamp(t).display_in(&zone))
            .unwrap_or_default()
    };
    let review = state
        .review
        .unwrap_or_else(|| ReviewForm::from_stored(&f, &entry.relationships));
    let review_rows = entry
        .relationships
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let typed = review.decisions.get(i).cloned().unwrap_or_default();
            ReviewRow {
                rk: rules::review_key(i + 1, "relevant"),
                mk: rules::review_key(i + 1, "mitigation"),
                company: r.company.clone(),
                nature: Nature::label_of(&r.nature),
                ended: r.has_ended,
                relevant: typed.relevant,
                mitigation: typed.mitigation,
                mitigated_on: r
                    .mitigated_at
                    .map(|t| Timestamp(t).local_date(&zone).to_string())
                    .unwrap_or_default(),
            }
        })
        .collect();
    let status = if state.assign_errors.is_empty() && state.review_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status,
        &MemberView {
            chrome: ctx.chrome(state.notice).await?,
            event_id: event.id.to_string(),
            event_title: event.title.clone(),
            id: f.id.to_string(),
            name: entry.name.clone(),
            email: f.email.clone(),
            status: entry.progress.status_words().to_string(),
            invited: when(Some(f.invited_at)),
            accepted: when(f.agreement_accepted_at),
            accepted_text: f.agreement_text.clone(),
            slides: f.slides_blob_id.is_some(),
            cv: f.cv_blob_id.is_some(),
            roles: role_options(),
            sessions: session_options(&sessions, &zone),
            assign_errors: state.assign_errors,
            assign: state.assign.unwrap_or_else(|| InviteForm {
                role: f.role.clone(),
                sessions: entry.sessions.iter().map(|s| s.id.to_string()).collect(),
                ..Default::default()
            }),
            submitted: when(f.submitted_at),
            reviewed: when(f.reviewed_at),
            attested: f.attested.unwrap_or(false),
            disclosure_id: review.disclosure.clone(),
            review_rows,
            review_errors: state.review_errors,
            learner: entry.sentence(),
            withdrawn: when(f.removed_at),
        },
    )
}

pub async fn member(
    RequireRole { ctx, .. }: Staff,
    Path((id, faculty_id)): Path<(String, String)>,
    Query(q): Query<DoneQuery>,
) -> WebResult {
    let event = load_event(&ctx, &id).await?;
    let f = faculty::record_of(&ctx.scoped, event.id, parse_id(&faculty_id)?).await?;
    member_page(
        &ctx,
        event,
        f,
        MemberState {
            notice: notice_for(&q.done),
            ..Default::default()
        },
    )
    .await
}

fn back_to_member(event: EventId, f: FacultyId, done: &str) -> WebResult {
    Ok(Redirect::to(&format!("/staff/events/{event}/faculty/{f}?done={done}")).into_response())
}

pub async fn save_assignment(
    RequireRole { ctx, .. }: Staff,
    Path((id, faculty_id)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> WebResult {
    ctx.check_csrf(csrf_of(&pairs))?;
    let (event, f) = load_member(&ctx, &id, &faculty_id).await?;
    let form = InviteForm::from_pairs(&pairs);
    match faculty::save_assignment(&ctx.app, &ctx.scoped, event.id, f.id, &form, &ctx.actor).await {
        Ok(()) => back_to_member(event.id, f.id, "assigned"),
        Err(AppError::Invalid(errors)) => {
            member_page(
                &ctx,
                event,
                f,
                MemberState {
                    assign_errors: errors,
                    assign: Some(form),
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn resend(
    RequireRole { ctx, .. }: Staff,
    Path((id, faculty_id)): Path<(String, String)>,
    Form(post): Form<CsrfOnly>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let (event, f) = load_member(&ctx, &id, &faculty_id).await?;
    faculty::resend_invitation(&ctx.app, &ctx.scoped, event.id, f.id, &ctx.actor).await?;
    back_to_member(event.id, f.id, "resent")
}

pub async fn review(
    RequireRole { ctx, .. }: Staff,
    Path((id, faculty_id)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> WebResult {
    ctx.check_csrf(csrf_of(&pairs))?;
    let (event, f) = load_member(&ctx, &id, &faculty_id).await?;
    let form = ReviewForm::from_pairs(&pairs);
    match faculty::review(&ctx.app, &ctx.scoped, event.id, f.id, &form, &ctx.actor).await {
        Ok(()) => back_to_member(event.id, f.id, "reviewed"),
        Err(AppError::Invalid(errors)) => {
            member_page(
                &ctx,
                event,
                f,
                MemberState {
                    review_errors: errors,
                    review: Some(form),
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// A faculty member's slides or CV, for the society's staff only (a download, never shown
/// inline).
pub async fn download(
    RequireRole { ctx, .. }: Staff,
    Path((id, faculty_id, which)): Path<(String, String, String)>,
) -> WebResult {
    let event = load_event(&ctx, &id).await?;
    let material = Material::parse(&which).ok_or(WebError::NotFound)?;
    let (blob, name) =
        faculty::material(&ctx.scoped, event.id, parse_id(&faculty_id)?, material).await?;
    Ok(file_response(blob, &name))
}

/// A stored material as a download: its stored type, an attachment with the file name, never
/// cached. (Materials are blobs in the database, at most 20 MB, sent from memory.)
fn file_response(blob: Blob, name: &str) -> Response {
    let mut response = (
        [(header::CONTENT_TYPE, blob.content_type.clone())],
        blob.data,
    )
        .into_response();
    if let Ok(value) = format!("attachment; filename=\"{name}\"").parse() {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    no_store(response)
}

#[derive(Template)]
#[template(path = "staff/events/faculty_remove.html")]
pub struct RemoveView {
    pub chrome: Chrome,
    pub event_id: String,
    pub event_title: String,
    pub id: String,
    pub name: String,
    pub sessions: Vec<String>,
    /// What they recorded, kept for the accreditation file.
    pub kept: Vec<&'static str>,
}

/// The confirmation step before removing someone from the faculty: what goes and what stays.
pub async fn confirm_remove(
    RequireRole { ctx, .. }: Staff,
    Path((id, faculty_id)): Path<(String, String)>,
) -> WebResult {
    let (event, f) = load_member(&ctx, &id, &faculty_id).await?;
    let entry = faculty::event_disclosures(&ctx.scoped, event.id)
        .await?
        .into_iter()
        .find(|e| e.faculty.id == f.id)
        .ok_or(WebError::NotFound)?;
    let kept = [
        (
            f.agreement_accepted_at.is_some(),
            "the agreement they accepted",
        ),
        (f.slides_blob_id.is_some(), "their slides"),
        (f.cv_blob_id.is_some(), "their CV"),
        (f.submitted_at.is_some(), "their disclosure and its review"),
    ]
    .into_iter()
    .filter_map(|(has, what)| has.then_some(what))
    .collect();
    render(
        StatusCode::OK,
        &RemoveView {
            chrome: ctx.chrome(None).await?,
            event_id: event.id.to_string(),
            event_title: event.title.clone(),
            id: f.id.to_string(),
            name: entry.name.clone(),
            sessions: entry.sessions.iter().map(|s| s.title.clone()).collect(),
            kept,
        },
    )
}

pub async fn remove(
    RequireRole { ctx, .. }: Staff,
    Path((id, faculty_id)): Path<(String, String)>,
    Form(post): Form<CsrfOnly>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let (event, f) = load_member(&ctx, &id, &faculty_id).await?;
    faculty::remove(&ctx.app, &ctx.scoped, event.id, f.id, &ctx.actor).await?;
    Ok(Redirect::to(&format!("/staff/events/{}/faculty?done=removed", event.id)).into_response())
}

// ---------------------------------------------------------------------------------------------
// The speaker's page.

pub struct RowView {
    pub n: usize,
    pub ck: String,
    pub nk: String,
    pub ek: String,
    pub company: String,
    pub nature: String,
    pub ended: bool,
}

#[derive(Template)]
#[template(path = "speakers/page.html")]
pub struct SpeakerView {
    pub chrome: Chrome,
    pub token: String,
    pub name: String,
    pub role: String,
    pub event_title: String,
    pub event_when: String,
    pub sessions: Vec<String>,
    pub agreement: String,
    pub accepted: String,
    pub slides_on_file: bool,
    pub cv_on_file: bool,
    pub material_errors: FieldErrors,
    pub slides_accept: &'static str,
    pub slides_max: String,
    pub cv_max: String,
    pub cv_accept: &'static str,
    pub submitted: String,
    pub reviewed: bool,
    pub disclosure_errors: FieldErrors,
    pub answer: String,
    pub rows: Vec<RowView>,
    pub attest: bool,
    pub natures: Vec<(String, String)>,
    pub more_rows_possible: bool,
}

#[derive(Default)]
struct SpeakerState {
    notice: Option<String>,
    material_errors: FieldErrors,
    disclosure_errors: FieldErrors,
    disclosure: Option<DisclosureForm>,
}

/// What a removed faculty member's link shows instead of their page (410 Gone): that they
/// are no longer on the faculty, and whom to ask. `None` for anyone else.
async fn withdrawn_page(ctx: &Ctx, token: &str) -> Result<Option<Response>, WebError> {
    let f = match faculty::link_holder(&ctx.app, &ctx.scoped, token).await {
        Ok(Some(f)) if f.removed_at.is_some() => f,
        _ => return Ok(None),
    };
    let title = ctx
        .scoped
        .event(f.event_id)
        .await?
        .map(|e| e.title)
        .unwrap_or_default();
    let society = ctx.society();
    let ask = if society.email.is_empty() {
        format!("If you think this is a mistake, contact {}.", society.name)
    } else {
        format!(
            "If you think this is a mistake, write to {} at {}.",
            society.name, society.email
        )
    };
    let response = render(
        StatusCode::GONE,
        &MessageView {
            chrome: ctx.chrome(None).await?,
            heading: "This link no longer works".into(),
            message: format!(
                "You are no longer on the faculty of {title}, so this page is closed. What you \
                 sent before is kept by the society. {ask}"
            ),
            link_href: String::new(),
            link_text: String::new(),
        },
    )?;
    Ok(Some(no_store(response)))
}

fn no_store(mut response: Response) -> Response {
    if let Ok(value) = "private, no-store".parse() {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    response
}

async fn speaker_page(ctx: &Ctx, token: &str, state: SpeakerState) -> WebResult {
    let f = faculty::faculty_by_token(&ctx.app, &ctx.scoped, token).await?;
    let event = ctx
        .scoped
        .event(f.event_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let zone = event.time_zone.clone();
    let sessions = ctx.scoped.event_sessions(event.id).await?;
    let mine: Vec<String> = {
        let links = ctx.scoped.faculty_sessions(event.id).await?;
        sessions
            .iter()
            .filter(|s| links.iter().any(|(fid, sid)| *fid == f.id && *sid == s.id))
            .map(|s| {
                format!(
                    "{}: {}",
                    event_rules::session_words(
                        Timestamp(s.starts_at),
                        Timestamp(s.ends_at),
                        &zone,
                        true
                    ),
                    s.title
                )
            })
            .collect()
    };
    let agreement = if f.agreement_accepted_at.is_some() {
        f.agreement_text.clone()
    } else {
        agreement_text(&ctx.scoped, event.id).await?
    };
    let form = match state.disclosure {
        Some(form) => form,
        None => {
            let rels = ctx.scoped.faculty_relationships(f.id).await?;
            DisclosureForm::from_stored(&f, &rels)
        }
    };
    let failed = !(state.material_errors.is_empty() && state.disclosure_errors.is_empty());
    let response = render(
        if failed {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &SpeakerView {
            chrome: ctx.chrome(state.notice).await?,
            token: token.to_string(),
            name: f.display_name.clone(),
            role: FacultyRole::label_of(&f.role).to_lowercase(),
            event_title: event.title.clone(),
            event_when: event_rules::when_words(
                Timestamp(event.starts_at),
                Timestamp(event.ends_at),
                &zone,
            ),
            sessions: mine,
            agreement,
            accepted: f
                .agreement_accepted_at
                .map(|t| Timestamp(t).display_in(&zone))
                .unwrap_or_default(),
            slides_on_file: f.slides_blob_id.is_some(),
            cv_on_file: f.cv_blob_id.is_some(),
            material_errors: state.material_errors,
            slides_accept: Material::Slides.accept_attr(),
            slides_max: size_words(Material::Slides.max_bytes() as u64),
            cv_max: size_words(Material::Cv.max_bytes() as u64),
            cv_accept: Material::Cv.accept_attr(),
            submitted: f
                .submitted_at
                .map(|t| Timestamp(t).display_in(&zone))
                .unwrap_or_default(),
            reviewed: f.reviewed_at.is_some(),
            disclosure_errors: state.disclosure_errors,
            answer: form.answer.clone(),
            more_rows_possible: form.rows.len() < rules::MAX_RELATIONSHIPS,
            rows: form
                .rows
                .iter()
                .enumerate()
                .map(|(i, r)| RowView {
                    n: i + 1,
                    ck: rules::row_key(i + 1, "company"),
                    nk: rules::row_key(i + 1, "nature"),
                    ek: rules::row_key(i + 1, "ended"),
                    company: r.company.clone(),
                    nature: r.nature.clone(),
                    ended: r.ended,
                })
                .collect(),
            attest: form.attest,
            natures: nature_options(),
        },
    )?;
    Ok(no_store(response))
}

fn speaker_notice(done: &str) -> Option<String> {
    let text = match done {
        "accepted" => "Thank you: you accepted the speaker agreement.",
        "slides" => "Your slides are uploaded.",
        "cv" => "Your CV is uploaded.",
        "disclosed" => {
            "Thank you: your disclosure is submitted. The planners will review it before the event."
        }
        _ => return None,
    };
    Some(text.to_string())
}

pub async fn speaker(ctx: Ctx, Path(token): Path<String>, Query(q): Query<DoneQuery>) -> WebResult {
    if let Some(gone) = withdrawn_page(&ctx, &token).await? {
        return Ok(gone);
    }
    speaker_page(
        &ctx,
        &token,
        SpeakerState {
            notice: speaker_notice(&q.done),
            ..Default::default()
        },
    )
    .await
}

fn back_to_speaker(token: &str, done: &str, anchor: &str) -> WebResult {
    Ok(Redirect::to(&format!("/speakers/{token}?done={done}{anchor}")).into_response())
}

pub async fn accept(ctx: Ctx, Path(token): Path<String>, Form(post): Form<CsrfOnly>) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    if let Some(gone) = withdrawn_page(&ctx, &token).await? {
        return Ok(gone);
    }
    faculty::accept_agreement(&ctx.app, &ctx.scoped, &token, &ctx.actor).await?;
    back_to_speaker(&token, "accepted", "#agreement")
}

fn unreadable_upload(error: MultipartError) -> WebError {
    upload_error(error, MAX_FILE)
}

/// The upload form: `multipart/form-data` with `csrf`, `material` (`slides` or `cv`) and
/// `file`. The CSRF token is checked before anything is stored.
pub async fn upload(
    ctx: Ctx,
    Path(token): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> WebResult {
    let mut multipart = multipart.map_err(|_| {
        WebError::BadRequest("The upload could not be read. Reload the page and try again.".into())
    })?;
    let mut csrf = String::new();
    let mut which = String::new();
    let mut data = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(unreadable_upload)? {
        match field.name() {
            Some("csrf") => csrf = field.text().await.map_err(unreadable_upload)?,
            Some("material") => which = field.text().await.map_err(unreadable_upload)?,
            Some("file") => data = field.bytes().await.map_err(unreadable_upload)?.to_vec(),
            _ => {}
        }
    }
    ctx.check_csrf(&csrf)?;
    if let Some(gone) = withdrawn_page(&ctx, &token).await? {
        return Ok(gone);
    }
    let material = Material::parse(which.trim()).ok_or_else(|| {
        WebError::BadRequest("The upload could not be read. Reload the page and try again.".into())
    })?;
    match faculty::upload_material(&ctx.app, &ctx.scoped, &token, material, &data, &ctx.actor).await
    {
        Ok(()) => back_to_speaker(&token, material.as_str(), "#materials"),
        Err(AppError::Invalid(errors)) => {
            speaker_page(
                &ctx,
                &token,
                SpeakerState {
                    material_errors: errors,
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn disclose(
    ctx: Ctx,
    Path(token): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> WebResult {
    ctx.check_csrf(csrf_of(&pairs))?;
    if let Some(gone) = withdrawn_page(&ctx, &token).await? {
        return Ok(gone);
    }
    let mut form = DisclosureForm::from_pairs(&pairs);
    let action = pairs
        .iter()
        .find(|(k, _)| k == "action")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    if action == "more" {
        // Make sure the link is good before showing anything.
        faculty::faculty_by_token(&ctx.app, &ctx.scoped, &token).await?;
        form.add_rows();
        return speaker_page(
            &ctx,
            &token,
            SpeakerState {
                disclosure: Some(form),
                ..Default::default()
            },
        )
        .await;
    }
    match faculty::submit_disclosure(&ctx.app, &ctx.scoped, &token, &form, &ctx.actor).await {
        Ok(()) => back_to_speaker(&token, "disclosed", "#disclosure"),
        Err(AppError::Invalid(errors)) => {
            speaker_page(
                &ctx,
                &token,
                SpeakerState {
                    disclosure_errors: errors,
                    disclosure: Some(form),
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The speaker's own slides or CV, through their link (a download, never cached).
pub async fn own_file(ctx: Ctx, Path((token, which)): Path<(String, String)>) -> WebResult {
    if let Some(gone) = withdrawn_page(&ctx, &token).await? {
        return Ok(gone);
    }
    let material = Material::parse(&which).ok_or(WebError::NotFound)?;
    let (blob, name) = faculty::own_material(&ctx.app, &ctx.scoped, &token, material).await?;
    Ok(file_response(blob, &name))
}

// ---------------------------------------------------------------------------------------------
// The public event page.

/// One person in the event page's faculty section.
pub struct FacultyLine {
    pub name: String,
    pub role: String,
    pub sessions: Vec<String>,
    /// The disclosure sentence; for staff, "disclosure pending" when not final.
    pub disclosure: String,
    pub pending: bool,
}

/// The faculty section of an event's page. Only reviewed disclosures are final: the public
/// sees only people whose disclosure is final; staff see everyone, the others marked pending.
pub async fn event_faculty_lines(
    ctx: &Ctx,
    event: EventId,
    is_staff: bool,
) -> Result<Vec<FacultyLine>, WebError> {
    Ok(faculty::event_disclosures(&ctx.scoped, event)
        .await?
        .into_iter()
        .filter(|e| is_staff || e.learner.is_final())
        .map(|e| FacultyLine {
            disclosure: e.sentence(),
            pending: !e.learner.is_final(),
            role: e.role.label().to_string(),
            sessions: e.sessions.iter().map(|s| s.title.clone()).collect(),
            name: e.name,
        })
        .collect())
}
