//! Accredited education pages. Staff: the activities list with a form for standalone enduring
//! material, an activity's page (details and statements, credits per activity and session,
//! evaluation questions, export downloads), its evaluation results, and an event's attendance
//! page. Learners (signed in): their activities, an activity's evaluation and claim forms,
//! certificates, and the transcript as a page and a PDF.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chapterhouse_app::AppError;
use chapterhouse_app::education::activities::{
    self, ActivityForm, CreditForm, EvaluationQuestionForm, ExportKind,
};
use chapterhouse_app::education::attendance::mark_attendance;
use chapterhouse_app::education::exports::{JointProviderFile, QuestionResult};
use chapterhouse_app::education::learner::{self, ClaimForm, LearnerActivity};
use chapterhouse_app::education::pdf::{date_range, transcript_pdf};
use chapterhouse_core::education::{ActivityType, CreditType, Credits};
use chapterhouse_core::people::MONTHS;
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{
    ActivityCreditId, ActivityId, CreditClaimId, EvaluationQuestionId, EventId, PersonId,
};
use chapterhouse_store::{Activity, AttendanceSource};
use serde::Deserialize;

use crate::ctx::{Chrome, Ctx, Form, RequireRole, Staff};
use crate::error::{WebError, WebResult};
use crate::forms::parse_id;
use crate::forms::{CsrfOnly, csrf_of};
use crate::views::{form_status, render};

fn download(text: String, content_type: &'static str, file_name: &str, inline: bool) -> Response {
    let mut response = (StatusCode::OK, text).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let disposition = if inline { "inline" } else { "attachment" };
    if let Ok(value) = HeaderValue::from_str(&format!("{disposition}; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

fn pdf(bytes: Vec<u8>, file_name: &str) -> Response {
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("inline; filename=\"{file_name}.pdf\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

fn type_options() -> Vec<(String, String)> {
    ActivityType::ALL
        .iter()
        .map(|t| (t.as_str().to_string(), t.pars_label().to_string()))
        .collect()
}

fn credit_options() -> Vec<(String, String)> {
    CreditType::ALL
        .iter()
        .map(|t| (t.as_str().to_string(), t.label().to_string()))
        .collect()
}

fn type_label(text: &str) -> String {
    ActivityType::parse(text)
        .map(|t| t.pars_label())
        .unwrap_or("")
        .to_string()
}

fn credit_label(text: &str) -> String {
    CreditType::parse(text)
        .map(|t| t.label())
        .unwrap_or("")
        .to_string()
}

fn dates_of(a: &Activity) -> String {
    activities::dates_text(a)
}

// ---------------------------------------------------------------------------------------------
// Staff: the list and new standalone activities.

pub struct ActivityRow {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub dates: String,
    pub event_id: String,
}

#[derive(Template)]
#[template(path = "education/staff_list.html")]
pub struct StaffListView {
    pub chrome: Chrome,
    pub rows: Vec<ActivityRow>,
    pub p: &'static str,
    pub errors: FieldErrors,
    pub form: ActivityForm,
    pub types: Vec<(String, String)>,
}

async fn staff_list_page(ctx: &Ctx, errors: FieldErrors, form: ActivityForm) -> WebResult {
    let rows = ctx
        .scoped
        .activities()
        .await?
        .into_iter()
        .map(|a| ActivityRow {
            id: a.id.to_string(),
            kind: type_label(&a.activity_type),
            dates: dates_of(&a),
            event_id: a.event_id.map(|e| e.to_string()).unwrap_or_default(),
            title: a.title,
        })
        .collect();
    render(
        form_status(&errors),
        &StaffListView {
            chrome: ctx.chrome(None).await?,
            rows,
            p: "a-",
            errors,
            form,
            types: type_options(),
        },
    )
}

pub async fn staff_list(RequireRole { ctx, .. }: Staff) -> WebResult {
    staff_list_page(
        &ctx,
        FieldErrors::new(),
        ActivityForm {
            activity_type: ActivityType::InternetEnduring.as_str().into(),
            location: "Online".into(),
            ..Default::default()
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct ActivityPost {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: ActivityForm,
}

pub async fn create(RequireRole { ctx, .. }: Staff, Form(post): Form<ActivityPost>) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    match activities::create_activity(&ctx.app, &ctx.scoped, &post.form, &ctx.actor).await {
        Ok(id) => Ok(Redirect::to(&format!("/staff/education/{id}?done=created")).into_response()),
        Err(AppError::Invalid(errors)) => staff_list_page(&ctx, errors, post.form).await,
        Err(e) => Err(e.into()),
    }
}

/// The event page's "Education activity" button: opens the event's activity, creating it
/// from the event the first time.
pub async fn for_event(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<CsrfOnly>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let event: EventId = parse_id(&id)?;
    let activity =
        activities::create_event_activity(&ctx.app, &ctx.scoped, event, &ctx.actor).await?;
    Ok(Redirect::to(&format!("/staff/education/{activity}")).into_response())
}

// ---------------------------------------------------------------------------------------------
// Staff: an activity's page.

pub struct CreditRow {
    pub id: String,
    pub scope: String,
    pub credit_type: String,
    pub maximum: String,
}

pub struct QuestionRow {
    pub id: String,
    pub prompt: String,
    pub kind: String,
    pub required: bool,
}

pub struct ExportLink {
    pub href: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "education/staff_activity.html")]
pub struct ActivityView {
    pub chrome: Chrome,
    pub id: String,
    pub event_id: String,
    pub event_title: String,
    pub p: &'static str,
    pub errors: FieldErrors,
    pub form: ActivityForm,
    pub types: Vec<(String, String)>,
    pub credits: Vec<CreditRow>,
    pub cp: &'static str,
    pub credit_errors: FieldErrors,
    pub credit_form: CreditForm,
    pub sessions: Vec<(String, String)>,
    pub credit_types: Vec<(String, String)>,
    pub questions: Vec<QuestionRow>,
    pub qp: &'static str,
    pub question_errors: FieldErrors,
    pub question_form: EvaluationQuestionForm,
    pub question_kinds: Vec<(String, String)>,
    pub exports: Vec<ExportLink>,
}

#[derive(Default)]
struct PageState {
    notice: Option<String>,
    errors: FieldErrors,
    form: Option<ActivityForm>,
    credit_errors: FieldErrors,
    credit_form: CreditForm,
    question_errors: FieldErrors,
    question_form: EvaluationQuestionForm,
}

fn notice_for(done: &str) -> Option<String> {
    let text = match done {
        "created" => "Activity added. Enter its statements, then the credit it offers.",
        "saved" => "Saved.",
        "credit" => "Credit saved.",
        "credit-removed" => "Credit removed.",
        "question" => "Question added.",
        "question-removed" => "Question removed.",
        _ => return None,
    };
    Some(text.to_string())
}

async fn load(ctx: &Ctx, raw: &str) -> Result<Activity, WebError> {
    let id: ActivityId = parse_id(raw)?;
    ctx.scoped.activity(id).await?.ok_or(WebError::NotFound)
}

async fn activity_page(ctx: &Ctx, activity: Activity, state: PageState) -> WebResult {
    let id = activity.id;
    let (event_title, sessions) = match activity.event() {
        Some(event) => {
            let title = ctx
                .scoped
                .event(event)
                .await?
                .map(|e| e.title)
                .unwrap_or_default();
            let sessions = ctx.scoped.event_sessions(event).await?;
            (title, sessions)
        }
        None => (String::new(), Vec::new()),
    };
    let session_options = std::iter::once((String::new(), "The whole activity".to_string()))
        .chain(sessions.iter().map(|s| (s.id.to_string(), s.title.clone())))
        .collect();
    let credits = ctx
        .scoped
        .activity_credits(id)
        .await?
        .into_iter()
        .map(|c| CreditRow {
            id: c.id.to_string(),
            scope: if c.session_title.is_empty() {
                "Whole activity".into()
            } else {
                c.session_title.clone()
            },
            credit_type: credit_label(&c.credit_type),
            maximum: Credits(c.max_hundredths).to_string(),
        })
        .collect();
    let questions = ctx
        .scoped
        .evaluation_questions(id)
        .await?
        .into_iter()
        .map(|q| QuestionRow {
            id: q.id.to_string(),
            kind: if q.kind == "scale" {
                "Rating 1–5".into()
            } else {
                "Written answer".into()
            },
            required: q.required,
            prompt: q.prompt,
        })
        .collect();
    let base = format!("/staff/education/{id}/export");
    let mut exports = vec![
        ExportLink {
            href: format!("{base}/pars-learners.txt"),
            label: "PARS learner completions (tab-delimited)".into(),
        },
        ExportLink {
            href: format!("{base}/pars-activity.txt"),
            label: "PARS activity record (tab-delimited)".into(),
        },
        ExportLink {
            href: format!("{base}/cpe-monitor.csv"),
            label: "CPE Monitor upload (CSV)".into(),
        },
    ];
    for file in JointProviderFile::ALL {
        exports.push(ExportLink {
            href: format!("{base}/{}", ExportKind::JointProvider(file).file_name()),
            label: format!("Joint-provider package: {}", file.name()),
        });
    }
    let has_errors = !(state.errors.is_empty()
        && state.credit_errors.is_empty()
        && state.question_errors.is_empty());
    render(
        if has_errors {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &ActivityView {
            chrome: ctx.chrome(state.notice).await?,
            id: id.to_string(),
            event_id: activity.event_id.map(|e| e.to_string()).unwrap_or_default(),
            event_title,
            p: "a-",
            errors: state.errors,
            form: state
                .form
                .unwrap_or_else(|| ActivityForm::from_activity(&activity)),
            types: type_options(),
            credits,
            cp: "c-",
            credit_errors: state.credit_errors,
            credit_form: state.credit_form,
            sessions: session_options,
            credit_types: credit_options(),
            questions,
            qp: "q-",
            question_errors: state.question_errors,
            question_form: EvaluationQuestionForm {
                kind: if state.question_form.kind.is_empty() {
                    "scale".into()
                } else {
                    state.question_form.kind.clone()
                },
                ..state.question_form
            },
            question_kinds: vec![
                ("scale".into(), "Rating from 1 to 5".into()),
                ("text".into(), "Written answer".into()),
            ],
            exports,
        },
    )
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

pub async fn show(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> WebResult {
    let activity = load(&ctx, &id).await?;
    activity_page(
        &ctx,
        activity,
        PageState {
            notice: notice_for(&q.done),
            ..Default::default()
        },
    )
    .await
}

fn back(id: ActivityId, done: &str) -> WebResult {
    Ok(Redirect::to(&format!("/staff/education/{id}?done={done}")).into_response())
}

pub async fn save(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<ActivityPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let activity = load(&ctx, &id).await?;
    match activities::save_activity(&ctx.app, &ctx.scoped, activity.id, &post.form, &ctx.actor)
        .await
    {
        Ok(()) => back(activity.id, "saved"),
        Err(AppError::Invalid(errors)) => {
            activity_page(
                &ctx,
                activity,
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

#[derive(Deserialize)]
pub struct CreditPost {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: CreditForm,
}

pub async fn set_credit(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<CreditPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let activity = load(&ctx, &id).await?;
    match activities::set_credit(&ctx.app, &ctx.scoped, activity.id, &post.form, &ctx.actor).await {
        Ok(()) => back(activity.id, "credit"),
        Err(AppError::Invalid(errors)) => {
            activity_page(
                &ctx,
                activity,
                PageState {
                    credit_errors: errors,
                    credit_form: post.form,
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn remove_credit(
    RequireRole { ctx, .. }: Staff,
    Path((id, credit)): Path<(String, String)>,
    Form(post): Form<CsrfOnly>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let activity = load(&ctx, &id).await?;
    let credit: ActivityCreditId = parse_id(&credit)?;
    match activities::remove_credit(&ctx.app, &ctx.scoped, activity.id, credit, &ctx.actor).await {
        Ok(()) => back(activity.id, "credit-removed"),
        Err(AppError::Invalid(errors)) => {
            activity_page(
                &ctx,
                activity,
                PageState {
                    credit_errors: errors,
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct QuestionPost {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: EvaluationQuestionForm,
}

pub async fn add_question(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<QuestionPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let activity = load(&ctx, &id).await?;
    match activities::add_question(&ctx.app, &ctx.scoped, activity.id, &post.form, &ctx.actor).await
    {
        Ok(_) => back(activity.id, "question"),
        Err(AppError::Invalid(errors)) => {
            activity_page(
                &ctx,
                activity,
                PageState {
                    question_errors: errors,
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
    let activity = load(&ctx, &id).await?;
    let question: EvaluationQuestionId = parse_id(&question)?;
    match activities::remove_question(&ctx.app, &ctx.scoped, activity.id, question, &ctx.actor)
        .await
    {
        Ok(()) => back(activity.id, "question-removed"),
        Err(AppError::Invalid(errors)) => {
            activity_page(
                &ctx,
                activity,
                PageState {
                    question_errors: errors,
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn export(
    RequireRole { ctx, .. }: Staff,
    Path((id, file)): Path<(String, String)>,
) -> WebResult {
    let activity = load(&ctx, &id).await?;
    let kind = ExportKind::parse(&file).ok_or(WebError::NotFound)?;
    let file = activities::export(&ctx.scoped, activity.id, kind).await?;
    Ok(download(
        file.text,
        file.content_type,
        &file.file_name,
        false,
    ))
}

#[derive(Template)]
#[template(path = "education/staff_results.html")]
pub struct ResultsView {
    pub chrome: Chrome,
    pub id: String,
    pub title: String,
    pub results: Vec<QuestionResult>,
}

pub async fn results(RequireRole { ctx, .. }: Staff, Path(id): Path<String>) -> WebResult {
    let activity = load(&ctx, &id).await?;
    let results = activities::evaluation_results(&ctx.scoped, activity.id).await?;
    render(
        StatusCode::OK,
        &ResultsView {
            chrome: ctx.chrome(None).await?,
            id: activity.id.to_string(),
            title: activity.title,
            results,
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Staff: an event's attendance.

pub struct AttendanceRowView {
    pub person_id: String,
    pub name: String,
    pub email: String,
    pub session_id: String,
    pub session: String,
    pub minutes: i64,
    pub attended: bool,
    pub source: String,
    pub industry: bool,
}

pub struct Candidate {
    pub id: String,
    pub name: String,
    pub email: String,
}

#[derive(Template)]
#[template(path = "education/staff_attendance.html")]
pub struct AttendanceView {
    pub chrome: Chrome,
    pub event_id: String,
    pub event_title: String,
    pub rows: Vec<AttendanceRowView>,
    pub q: String,
    pub searched: bool,
    pub candidates: Vec<Candidate>,
    pub sessions: Vec<(String, String)>,
    pub attended_count: usize,
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    done: String,
}

pub async fn attendance(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Query(q): Query<SearchQuery>,
) -> WebResult {
    let event: EventId = parse_id(&id)?;
    let e = ctx.scoped.event(event).await?.ok_or(WebError::NotFound)?;
    let rows: Vec<AttendanceRowView> = ctx
        .scoped
        .event_attendance(event)
        .await?
        .into_iter()
        .map(|a| AttendanceRowView {
            person_id: a.person_id.to_string(),
            name: format!("{} {}", a.first_name, a.last_name)
                .trim()
                .to_string(),
            email: a.email,
            session_id: a.session_id.map(|s| s.to_string()).unwrap_or_default(),
            session: if a.session_title.is_empty() {
                "Whole event".into()
            } else {
                a.session_title
            },
            minutes: a.minutes,
            attended: a.attended,
            source: AttendanceSource::parse(&a.source)
                .map(|s| s.label())
                .unwrap_or("")
                .to_string(),
            industry: a.is_industry,
        })
        .collect();
    let search = q.q.trim().to_string();
    let candidates = if search.is_empty() {
        Vec::new()
    } else {
        ctx.scoped
            .find_people(&search, None, 20)
            .await?
            .into_iter()
            .map(|p| Candidate {
                id: p.id.to_string(),
                name: p.display_name,
                email: p.email,
            })
            .collect()
    };
    let sessions = std::iter::once((String::new(), "Whole event".to_string()))
        .chain(
            ctx.scoped
                .event_sessions(event)
                .await?
                .into_iter()
                .map(|s| (s.id.to_string(), s.title)),
        )
        .collect();
    let notice = (q.done == "marked").then(|| "Attendance saved.".to_string());
    render(
        StatusCode::OK,
        &AttendanceView {
            chrome: ctx.chrome(notice).await?,
            event_id: event.to_string(),
            event_title: e.title,
            attended_count: rows.iter().filter(|r| r.attended && !r.industry).count(),
            rows,
            searched: !search.is_empty(),
            q: search,
            candidates,
            sessions,
        },
    )
}

#[derive(Deserialize)]
pub struct MarkPost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    session: String,
    /// "yes" or "no".
    #[serde(default)]
    attended: String,
}

pub async fn mark(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<MarkPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let event: EventId = parse_id(&id)?;
    let person: PersonId = parse_id(&post.person)?;
    let session = if post.session.trim().is_empty() {
        None
    } else {
        Some(parse_id(post.session.trim())?)
    };
    mark_attendance(
        &ctx.app,
        &ctx.scoped,
        event,
        session,
        person,
        post.attended != "no",
        &ctx.actor,
    )
    .await?;
    Ok(Redirect::to(&format!("/staff/events/{event}/attendance?done=marked")).into_response())
}

// ---------------------------------------------------------------------------------------------
// Learners.

fn signed_in_person(ctx: &Ctx) -> Result<PersonId, WebError> {
    let user = ctx.require_user()?;
    Ok(PersonId(user.account.person_id))
}

pub struct LearnerRow {
    pub id: String,
    pub title: String,
    pub dates: String,
}

#[derive(Template)]
#[template(path = "education/learner_list.html")]
pub struct LearnerListView {
    pub chrome: Chrome,
    pub rows: Vec<LearnerRow>,
}

pub async fn learner_list(ctx: Ctx) -> WebResult {
    let person = signed_in_person(&ctx)?;
    let rows = learner::learner_activities(&ctx.scoped, person)
        .await?
        .into_iter()
        .map(|a| LearnerRow {
            id: a.id.to_string(),
            dates: dates_of(&a),
            title: a.title,
        })
        .collect();
    render(
        StatusCode::OK,
        &LearnerListView {
            chrome: ctx.chrome(None).await?,
            rows,
        },
    )
}

pub struct QuestionField {
    pub name: String,
    pub prompt: String,
    pub is_scale: bool,
    pub required: bool,
    pub value: String,
}

pub struct ClaimRowView {
    pub id: String,
    pub scope: String,
    pub credit: String,
    pub completed_on: String,
}

pub struct OfferRow {
    pub scope: String,
    pub credit: String,
    pub maximum: String,
}

#[derive(Template)]
#[template(path = "education/learner_activity.html")]
pub struct LearnerActivityView {
    pub chrome: Chrome,
    pub id: String,
    pub title: String,
    pub dates: String,
    pub location: String,
    pub joint_provider: String,
    pub statements: Vec<String>,
    pub offers: Vec<OfferRow>,
    pub evaluated: bool,
    pub questions: Vec<QuestionField>,
    pub ep: &'static str,
    pub evaluation_errors: FieldErrors,
    pub claims: Vec<ClaimRowView>,
    pub cp: &'static str,
    pub claim_errors: FieldErrors,
    pub claim_form: ClaimForm,
    pub scopes: Vec<(String, String)>,
    pub credit_types: Vec<(String, String)>,
    pub nothing_to_claim: bool,
    pub asks_pharmacy: bool,
    pub months: Vec<(String, String)>,
}

#[derive(Default)]
struct LearnerState {
    evaluation_errors: FieldErrors,
    answers: Vec<(String, String)>,
    claim_errors: FieldErrors,
    claim_form: Option<ClaimForm>,
}

fn learner_page(ctx_chrome: Chrome, page: LearnerActivity, state: LearnerState) -> WebResult {
    let a = &page.activity;
    let questions = page
        .questions
        .iter()
        .map(|q| {
            let name = format!("q-{}", q.id);
            QuestionField {
                value: state
                    .answers
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
                name,
                prompt: q.prompt.clone(),
                is_scale: q.kind == "scale",
                required: q.required,
            }
        })
        .collect();
    let offers = page
        .credits
        .iter()
        .map(|c| OfferRow {
            scope: if c.session_title.is_empty() {
                "Whole activity".into()
            } else {
                c.session_title.clone()
            },
            credit: credit_label(&c.credit_type),
            maximum: Credits(c.max_hundredths).to_string(),
        })
        .collect();
    let claims = page
        .claims
        .iter()
        .filter_map(|k| {
            let credit_type = CreditType::parse(&k.credit_type)?;
            Some(ClaimRowView {
                id: k.id.to_string(),
                scope: if k.session_title.is_empty() {
                    "Whole activity".into()
                } else {
                    k.session_title.clone()
                },
                credit: credit_type.amount_text(Credits(k.amount_hundredths)),
                completed_on: k.completed_on.clone(),
            })
        })
        .collect();
    let mut scopes = Vec::new();
    if page.credits.iter().any(|c| c.session_id.is_none()) {
        scopes.push((String::new(), "The whole activity".to_string()));
    }
    for s in &page.sessions {
        if page.credits.iter().any(|c| c.session_id == Some(s.id.0)) {
            scopes.push((s.id.to_string(), s.title.clone()));
        }
    }
    let offered = page.offered();
    let asks_pharmacy = offered.contains(&CreditType::Pharmacy)
        && chapterhouse_core::people::Profession::parse(&page.profile.profession)
            == Some(chapterhouse_core::people::Profession::Pharmacist);
    // A pharmacist who has not given their ids yet is offered pharmacy too: the form asks.
    let mut claimable = page.claimable.clone();
    if asks_pharmacy && !claimable.contains(&CreditType::Pharmacy) {
        claimable.push(CreditType::Pharmacy);
    }
    let credit_types: Vec<(String, String)> = claimable
        .iter()
        .map(|t| (t.as_str().to_string(), t.label().to_string()))
        .collect();
    let claim_form = state.claim_form.unwrap_or_else(|| ClaimForm {
        credit_type: claimable
            .first()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        nabp_eprofile_id: page.profile.nabp_eprofile_id.clone(),
        birth_month: page
            .profile
            .birth_month
            .map(|m| m.to_string())
            .unwrap_or_default(),
        birth_day: page
            .profile
            .birth_day
            .map(|d| d.to_string())
            .unwrap_or_default(),
        ..Default::default()
    });
    let has_errors = !(state.evaluation_errors.is_empty() && state.claim_errors.is_empty());
    let statements = [
        &a.accreditation_statement,
        &a.designation_statement,
        &a.other_statements,
    ]
    .into_iter()
    .map(|s| s.trim().to_string())
    .filter(|s| !s.is_empty())
    .collect();
    render(
        if has_errors {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &LearnerActivityView {
            chrome: ctx_chrome,
            id: a.id.to_string(),
            title: a.title.clone(),
            dates: dates_of(a),
            location: a.location.clone(),
            joint_provider: a.joint_provider.clone(),
            statements,
            offers,
            evaluated: page.evaluated_at.is_some(),
            questions,
            ep: "e-",
            evaluation_errors: state.evaluation_errors,
            claims,
            cp: "c-",
            claim_errors: state.claim_errors,
            claim_form,
            scopes,
            nothing_to_claim: credit_types.is_empty(),
            credit_types,
            asks_pharmacy,
            months: std::iter::once((String::new(), "Month".to_string()))
                .chain(
                    MONTHS
                        .iter()
                        .enumerate()
                        .map(|(i, m)| ((i + 1).to_string(), m.to_string())),
                )
                .collect(),
        },
    )
}

async fn learner_load(ctx: &Ctx, raw: &str) -> Result<(PersonId, LearnerActivity), WebError> {
    let person = signed_in_person(ctx)?;
    let id: ActivityId = parse_id(raw)?;
    Ok((
        person,
        learner::learner_activity(&ctx.scoped, person, id).await?,
    ))
}

pub async fn learner_show(
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> WebResult {
    let (_, page) = learner_load(&ctx, &id).await?;
    let notice = match q.done.as_str() {
        "evaluated" => Some("Thank you: your evaluation is saved. You can claim credit now."),
        "claimed" => Some("Credit claimed. Your certificate is ready below."),
        _ => None,
    };
    learner_page(
        ctx.chrome(notice.map(str::to_string)).await?,
        page,
        LearnerState::default(),
    )
}

pub async fn evaluate(
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> WebResult {
    ctx.check_csrf(csrf_of(&pairs))?;
    let (person, page) = learner_load(&ctx, &id).await?;
    let activity = page.activity.id;
    match learner::submit_evaluation(&ctx.app, &ctx.scoped, person, activity, &pairs, &ctx.actor)
        .await
    {
        Ok(()) => Ok(
            Redirect::to(&format!("/account/education/{activity}?done=evaluated")).into_response(),
        ),
        Err(AppError::Invalid(errors)) => learner_page(
            ctx.chrome(None).await?,
            page,
            LearnerState {
                evaluation_errors: errors,
                answers: pairs,
                ..Default::default()
            },
        ),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ClaimPost {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: ClaimForm,
}

pub async fn claim(ctx: Ctx, Path(id): Path<String>, Form(post): Form<ClaimPost>) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let (person, page) = learner_load(&ctx, &id).await?;
    let activity = page.activity.id;
    match learner::claim_credit(
        &ctx.app,
        &ctx.scoped,
        person,
        activity,
        &post.form,
        &ctx.actor,
    )
    .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/account/education/{activity}?done=claimed")).into_response(),
        ),
        Err(AppError::Invalid(errors)) => learner_page(
            ctx.chrome(None).await?,
            page,
            LearnerState {
                claim_errors: errors,
                claim_form: Some(post.form),
                ..Default::default()
            },
        ),
        Err(e) => Err(e.into()),
    }
}

pub async fn certificate(ctx: Ctx, Path(id): Path<String>) -> WebResult {
    let person = signed_in_person(&ctx)?;
    let claim: CreditClaimId = parse_id(&id)?;
    let (name, bytes) = learner::certificate(&ctx.scoped, person, claim).await?;
    Ok(pdf(bytes, &name))
}

#[derive(Deserialize, Default)]
pub struct PeriodQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

pub struct TranscriptLine {
    pub completed_on: String,
    pub activity: String,
    pub credit: String,
}

#[derive(Template)]
#[template(path = "education/transcript.html")]
pub struct TranscriptView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub from: String,
    pub to: String,
    pub period: String,
    pub rows: Vec<TranscriptLine>,
    pub totals: Vec<String>,
    pub pdf_href: String,
}

pub async fn transcript(ctx: Ctx, Query(q): Query<PeriodQuery>) -> WebResult {
    let person = signed_in_person(&ctx)?;
    let zone = ctx.society().time_zone.clone();
    let (period, errors) = match learner::transcript_period(&q.from, &q.to, ctx.now(), &zone) {
        Ok(p) => (p, FieldErrors::new()),
        Err(errors) => (learner::default_period(ctx.now(), &zone), errors),
    };
    let data = learner::transcript(&ctx.app, &ctx.scoped, person, period.0, period.1).await?;
    let mut totals: Vec<(CreditType, Credits)> = Vec::new();
    for row in &data.rows {
        match totals.iter_mut().find(|(t, _)| *t == row.credit_type) {
            Some((_, sum)) => *sum = *sum + row.amount,
            None => totals.push((row.credit_type, row.amount)),
        }
    }
    totals.sort();
    let (from, to) = if errors.is_empty() {
        (period.0.to_string(), period.1.to_string())
    } else {
        (q.from.clone(), q.to.clone())
    };
    render(
        form_status(&errors),
        &TranscriptView {
            chrome: ctx.chrome(None).await?,
            pdf_href: format!(
                "/account/education/transcript.pdf?from={}&to={}",
                period.0, period.1
            ),
            period: date_range(period.0, period.1),
            errors,
            from,
            to,
            rows: data
                .rows
                .iter()
                .map(|r| TranscriptLine {
                    completed_on: r.completed_on.to_string(),
                    activity: r.activity_title.clone(),
                    credit: r.credit_type.amount_text(r.amount),
                })
                .collect(),
            totals: totals
                .into_iter()
                .map(|(t, sum)| t.amount_text(sum))
                .collect(),
        },
    )
}

pub async fn transcript_download(ctx: Ctx, Query(q): Query<PeriodQuery>) -> WebResult {
    let person = signed_in_person(&ctx)?;
    let zone = ctx.society().time_zone.clone();
    let (from, to) =
        learner::transcript_period(&q.from, &q.to, ctx.now(), &zone).map_err(AppError::Invalid)?;
    let data = learner::transcript(&ctx.app, &ctx.scoped, person, from, to).await?;
    Ok(pdf(
        transcript_pdf(&data),
        &format!("transcript-{from}-{to}"),
    ))
}

// ---------------------------------------------------------------------------------------------
// The public event page's education section.

pub struct EducationInfo {
    pub joint_provider: String,
    pub statements: Vec<String>,
    pub credits: Vec<OfferRow>,
}

/// What the event page shows about the event's activity, if it has one.
pub async fn event_education(ctx: &Ctx, event: EventId) -> Result<Option<EducationInfo>, WebError> {
    let Some(a) = ctx.scoped.event_activity(event).await? else {
        return Ok(None);
    };
    let credits = ctx
        .scoped
        .activity_credits(a.id)
        .await?
        .into_iter()
        .map(|c| OfferRow {
            scope: if c.session_title.is_empty() {
                "Whole activity".into()
            } else {
                c.session_title.clone()
            },
            credit: credit_label(&c.credit_type),
            maximum: Credits(c.max_hundredths).to_string(),
        })
        .collect();
    let statements = [
        a.accreditation_statement,
        a.designation_statement,
        a.other_statements,
    ]
    .into_iter()
    .map(|s| s.trim().to_string())
    .filter(|s| !s.is_empty())
    .collect();
    Ok(Some(EducationInfo {
        joint_provider: a.joint_provider,
        statements,
        credits,
    }))
}
